// The admin subcommands as plain functions over the store: each returns the text to print or an
// error, so tests call them directly. Secrets are printed once and stored only as hashes.
// Depends on: core, store, oauth (credential formats, passwords, keys).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::admin {

struct ClientSpec {
  std::string client_id;  // empty: generated
  std::string name;
  std::string type = "public";  // public | confidential | resource-server
  std::vector<std::string> redirect_uris;
  std::string scope;
  std::vector<std::string> grant_types;  // empty: defaults for the type
  std::string launch_uri;
  std::string secret;  // empty: generated (confidential, resource-server); for demo/tests only
};

struct ClientCreated {
  store::ClientRecord client;
  std::string secret;  // shown once; empty for public clients
};

// init: migrations ran at open; creates the first signing key if there is none.
core::Result<std::string> init(store::SqliteStore& store, const core::Clock& clock);
core::Result<std::string> rotate_key(store::SqliteStore& store, const core::Clock& clock);
std::string list_keys(store::SqliteStore& store);

core::Result<ClientCreated> add_client(store::ClientStore& store, const ClientSpec& spec,
                                       const core::Clock& clock);
std::string format_client(const store::ClientRecord& c);
std::string list_clients(store::ClientStore& store);
core::Result<std::string> show_client(store::ClientStore& store, const std::string& id);
core::Result<std::string> remove_client(store::ClientStore& store, const std::string& id);

struct UserSpec {
  std::string username, password, fhir_user, display_name;
  bool can_launch = false;
};
core::Result<std::string> add_user(store::UserStore& store, const UserSpec& spec,
                                   const core::Clock& clock);
std::string list_users(store::UserStore& store);
core::Result<std::string> remove_user(store::UserStore& store, const std::string& username);

core::Result<std::string> grant_access(store::UserStore& store, const std::string& username,
                                       const std::string& patient_id,
                                       const std::string& relationship, const core::Clock& clock);
core::Result<std::string> revoke_access(store::UserStore& store, const std::string& username,
                                        const std::string& patient_id);
std::string list_access(store::UserStore& store, const std::string& username);

struct LaunchSpec {
  std::string patient, encounter, user, client_id, intent, smart_style_url, tenant;
  bool need_patient_banner = false;
  std::string fhir_context_json;  // JSON array (CTX-5), optional
};
// Builds the context object exactly as the token response will carry it.
core::Result<nlohmann::json> launch_context(const LaunchSpec& spec);

std::string list_audit(store::AuditStore& store, const store::AuditQuery& q, bool json);

}  // namespace tessera::admin
