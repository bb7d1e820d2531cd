#include "store/sqlite/sqlite_store.h"

namespace tessera::store {

// Append only: never edit a migration that has shipped; add a new one.
const std::vector<std::string_view>& SqliteStore::migrations() {
  static const std::vector<std::string_view> kMigrations = {
      // 1: authorization server
      R"sql(
CREATE TABLE clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  secret_hash TEXT NOT NULL DEFAULT '',
  redirect_uris TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL DEFAULT '',
  grant_types TEXT NOT NULL DEFAULT '',
  launch_uri TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  username TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  fhir_user TEXT NOT NULL DEFAULT '',
  display_name TEXT NOT NULL DEFAULT '',
  can_launch INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE patient_access (
  username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  patient_id TEXT NOT NULL,
  relationship TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (username, patient_id)
);
CREATE TABLE launches (
  launch_hash TEXT PRIMARY KEY,
  context_json TEXT NOT NULL,
  username TEXT NOT NULL DEFAULT '',
  client_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE interactions (
  id TEXT PRIMARY KEY,
  cookie_hash TEXT NOT NULL,
  csrf TEXT NOT NULL,
  request_json TEXT NOT NULL,
  username TEXT NOT NULL DEFAULT '',
  patient_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE grants (
  grant_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  fhir_user TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL,
  aud TEXT NOT NULL DEFAULT '',
  context_json TEXT NOT NULL DEFAULT '{}',
  id_token INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  auth_time INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE codes (
  code_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  nonce TEXT NOT NULL DEFAULT '',
  expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX codes_grant ON codes(grant_id);
CREATE TABLE tokens (
  token_hash TEXT PRIMARY KEY,
  kind INTEGER NOT NULL,
  grant_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  fhir_user TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL,
  aud TEXT NOT NULL DEFAULT '',
  context_json TEXT NOT NULL DEFAULT '{}',
  id_token INTEGER NOT NULL DEFAULT 0,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX tokens_grant ON tokens(grant_id);
CREATE INDEX tokens_expiry ON tokens(expires_at);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_pem TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  event TEXT NOT NULL,
  client_id TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  fhir_user TEXT NOT NULL DEFAULT '',
  patient TEXT NOT NULL DEFAULT '',
  on_behalf_of TEXT NOT NULL DEFAULT '',
  interaction TEXT NOT NULL DEFAULT '',
  resource_type TEXT NOT NULL DEFAULT '',
  resource_id TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_patient ON audit(patient, time);
CREATE INDEX audit_subject ON audit(subject, time);
CREATE INDEX audit_time ON audit(time);
)sql",
      // 2: FHIR resource store. Current versions in `resources`, every version in
      // `resource_history`; `compartments` lists the patients whose compartment holds a resource
      // (FHIR R4 Patient CompartmentDefinition, computed at write time); `search_index` holds one
      // row per extracted search value (token: system+value; reference: value "Type/id";
      // string: lowercased value; date: [low, high] epoch seconds).
      R"sql(
CREATE TABLE resources (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  json TEXT NOT NULL,
  PRIMARY KEY (type, id)
);
CREATE INDEX resources_updated ON resources(type, last_updated);
CREATE TABLE resource_history (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  json TEXT NOT NULL,
  PRIMARY KEY (type, id, version)
);
CREATE TABLE compartments (
  patient_id TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (patient_id, type, id)
) WITHOUT ROWID;
CREATE INDEX compartments_resource ON compartments(type, id);
CREATE TABLE search_index (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  param TEXT NOT NULL,
  system TEXT NOT NULL DEFAULT '',
  value TEXT NOT NULL DEFAULT '',
  low INTEGER NOT NULL DEFAULT 0,
  high INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX search_index_value ON search_index(type, param, value);
CREATE INDEX search_index_date ON search_index(type, param, low, high);
CREATE INDEX search_index_resource ON search_index(type, id);
)sql",
      // 3: FHIR search lookups. Correlated "does resource (type, id) have a row of param P that..."
      // checks use (type, id, param), which also serves the per-resource deletes, so the
      // (type, id) index of migration 2 is redundant.
      R"sql(
CREATE INDEX search_index_entry ON search_index(type, id, param);
DROP INDEX search_index_resource;
)sql",
      // 4: covering search lookups. A search's driver reads ids by (type, param, value) and its
      // correlated checks read values by (type, id, param): with the other column in the index
      // neither looks up the table row. Each replaces an index it extends, so writes keep two.
      R"sql(
CREATE INDEX search_index_value_id ON search_index(type, param, value, id);
DROP INDEX search_index_value;
CREATE INDEX search_index_entry_value ON search_index(type, id, param, value);
DROP INDEX search_index_entry;
)sql",
      // 5: cheaper audit rows (one is written per FHIR request): no AUTOINCREMENT (its
      // sqlite_sequence row was a fifth B-tree write per record; audit rows are never deleted,
      // so plain rowids stay increasing), no index on time or subject (list_audit walks ids
      // newest first), and the patient index in id order, for "who read this patient's data".
      R"sql(
CREATE TABLE audit_v4 (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  event TEXT NOT NULL,
  client_id TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  fhir_user TEXT NOT NULL DEFAULT '',
  patient TEXT NOT NULL DEFAULT '',
  on_behalf_of TEXT NOT NULL DEFAULT '',
  interaction TEXT NOT NULL DEFAULT '',
  resource_type TEXT NOT NULL DEFAULT '',
  resource_id TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_v4 SELECT id, time, event, client_id, subject, fhir_user, patient, on_behalf_of,
  interaction, resource_type, resource_id, outcome, status, detail FROM audit;
DROP TABLE audit;
ALTER TABLE audit_v4 RENAME TO audit;
CREATE INDEX audit_patient ON audit(patient, id);
DELETE FROM sqlite_sequence WHERE name = 'audit';
)sql",
  };
  return kMigrations;
}

}  // namespace tessera::store
