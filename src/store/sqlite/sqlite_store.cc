#include "store/sqlite/sqlite_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tessera::store {

using sqlite::Statement;

namespace {
std::string join_list(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }
std::vector<std::string> split_list(const std::string& s) {
  if (s.empty()) return {};
  // Fast path (find_client runs on every token and introspection request): the list as
  // join_list() wrote it, ["a","b"] with no escapes and no whitespace; anything else is parsed.
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    std::vector<std::string> out;
    std::size_t i = 1;
    bool ok = true;
    if (s.size() > 2) {
      for (;;) {
        if (i >= s.size() || s[i] != '"') {
          ok = false;
          break;
        }
        std::size_t end = s.find('"', i + 1);
        if (end == std::string::npos) {
          ok = false;
          break;
        }
        for (std::size_t k = i + 1; k < end; ++k) {
          auto c = static_cast<unsigned char>(s[k]);
          if (c < 0x20 || c > 0x7e || c == '\\') {
            ok = false;
            break;
          }
        }
        if (!ok) break;
        out.emplace_back(s, i + 1, end - i - 1);
        i = end + 1;
        if (i == s.size() - 1) break;
        if (s[i] != ',') {
          ok = false;
          break;
        }
        ++i;
      }
    }
    if (ok) return out;
  }
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (!j.is_array()) return {};
  std::vector<std::string> out;
  for (const auto& e : j)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}
core::Status conflict(std::string what) {
  return core::make_error(core::ErrorCode::kConflict, std::move(what));
}
// Origin (scheme://host[:port]) of an absolute URL, for CORS.
std::string origin_of(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return {};
  auto end = url.find_first_of("/?#", sep + 3);
  return url.substr(0, end);
}
}  // namespace

std::string_view to_string(ClientType t) {
  switch (t) {
    case ClientType::kPublic:
      return "public";
    case ClientType::kConfidential:
      return "confidential";
    case ClientType::kResourceServer:
      return "resource-server";
  }
  return "public";
}

std::optional<ClientType> client_type_from_string(std::string_view s) {
  if (s == "public") return ClientType::kPublic;
  if (s == "confidential") return ClientType::kConfidential;
  if (s == "resource-server" || s == "resource_server") return ClientType::kResourceServer;
  return std::nullopt;
}

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  auto db = sqlite::Database::open(path);
  if (!db) return db.error();
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db.value())));
  if (auto st = store->db_->migrate(migrations()); !st) return st.error();
  store->changes_ =
      path == ":memory:" ? sqlite::ChangeCounter::local() : sqlite::ChangeCounter::open(path);
  if (!store->changes_)
    spdlog::warn("cannot map {}-epoch: token and client reads are not cached", path);
  return store;
}

void SqliteStore::changed() {
  if (changes_) db_->after_commit([c = changes_.get()] { c->bump(); });
}

core::Status SqliteStore::transaction(const std::function<core::Status()>& fn) {
  return db_->transaction(fn);
}

SqliteStore::~SqliteStore() {
  // Queued jobs call this store's methods: run them while every member is still alive.
  db_->drain();
}

void SqliteStore::transaction_async(std::function<core::Status()> fn,
                                    std::function<void(core::Status)> done) {
  db_->transaction_async(std::move(fn), std::move(done));
}

// ---- clients ----
namespace {
ClientRecord read_client(Statement& s) {
  ClientRecord c;
  c.client_id = s.text(0);
  c.name = s.text(1);
  c.type = client_type_from_string(s.text(2)).value_or(ClientType::kPublic);
  c.secret_hash = s.text(3);
  c.redirect_uris = split_list(s.text(4));
  c.scope = s.text(5);
  c.grant_types = split_list(s.text(6));
  c.launch_uri = s.text(7);
  c.created_at = s.int64(8);
  for (const auto& u : c.redirect_uris) {
    auto o = origin_of(u);
    if (!o.empty() && std::find(c.origins.begin(), c.origins.end(), o) == c.origins.end())
      c.origins.push_back(o);
  }
  if (auto o = origin_of(c.launch_uri);
      !o.empty() && std::find(c.origins.begin(), c.origins.end(), o) == c.origins.end())
    c.origins.push_back(o);
  return c;
}
constexpr std::string_view kClientCols =
    "client_id, name, type, secret_hash, redirect_uris, scope, grant_types, launch_uri, created_at";
}  // namespace

core::Status SqliteStore::add_client(const ClientRecord& c) {
  auto st = db_->prepare(
      "INSERT INTO clients(client_id, name, type, secret_hash, redirect_uris, scope, grant_types, "
      "launch_uri, created_at) VALUES (?,?,?,?,?,?,?,?,?)");
  st.bind(1, c.client_id).bind(2, c.name).bind(3, to_string(c.type)).bind(4, c.secret_hash);
  st.bind(5, join_list(c.redirect_uris)).bind(6, c.scope).bind(7, join_list(c.grant_types));
  st.bind(8, c.launch_uri).bind(9, c.created_at);
  if (st.exec() != SQLITE_DONE) return conflict("client '" + c.client_id + "' already exists");
  changed();
  return {};
}

template <class V, class Read>
std::optional<V> SqliteStore::read_through(sqlite::ReadCache<V>& cache, std::string_view key,
                                           Read&& read) {
  // Inside a transaction the database has the truth (this thread's own uncommitted writes).
  if (!changes_ || db_->in_transaction()) return read();
  const std::uint64_t before = changes_->load();
  if (auto hit = cache.get(key, before)) return hit;
  std::optional<V> v = read();
  if (v) cache.put(std::string(key), *v, before, changes_->load());  // misses are not kept
  return v;
}

std::optional<ClientRecord> SqliteStore::find_client(std::string_view id) {
  return read_through(client_cache_, id, [&] { return read_client_row(id); });
}

std::optional<ClientRecord> SqliteStore::read_client_row(std::string_view id) {
  static const std::string kSql =
      "SELECT " + std::string(kClientCols) + " FROM clients WHERE client_id = ?";
  auto st = db_->prepare(kSql);
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_client(st);
}

std::vector<ClientRecord> SqliteStore::list_clients() {
  auto st = db_->prepare("SELECT " + std::string(kClientCols) + " FROM clients ORDER BY client_id");
  std::vector<ClientRecord> out;
  while (st.step()) out.push_back(read_client(st));
  return out;
}

bool SqliteStore::remove_client(std::string_view id) {
  auto st = db_->prepare("DELETE FROM clients WHERE client_id = ?");
  st.bind(1, id).exec();
  bool removed = sqlite3_changes(db_->connection()) > 0;
  if (removed) changed();
  return removed;
}

// ---- users and patient access ----
core::Status SqliteStore::add_user(const UserRecord& u) {
  auto st = db_->prepare(
      "INSERT INTO users(username, password_hash, fhir_user, display_name, can_launch, created_at) "
      "VALUES (?,?,?,?,?,?)");
  st.bind(1, u.username).bind(2, u.password_hash).bind(3, u.fhir_user).bind(4, u.display_name);
  st.bind(5, u.can_launch).bind(6, u.created_at);
  if (st.exec() != SQLITE_DONE) return conflict("user '" + u.username + "' already exists");
  return {};
}

namespace {
UserRecord read_user(Statement& s) {
  UserRecord u;
  u.username = s.text(0);
  u.password_hash = s.text(1);
  u.fhir_user = s.text(2);
  u.display_name = s.text(3);
  u.can_launch = s.int64(4) != 0;
  u.created_at = s.int64(5);
  return u;
}
}  // namespace

std::optional<UserRecord> SqliteStore::find_user(std::string_view username) {
  auto st = db_->prepare(
      "SELECT username, password_hash, fhir_user, display_name, can_launch, created_at FROM users "
      "WHERE username = ?");
  st.bind(1, username);
  if (!st.step()) return std::nullopt;
  return read_user(st);
}

std::vector<UserRecord> SqliteStore::list_users() {
  auto st = db_->prepare(
      "SELECT username, password_hash, fhir_user, display_name, can_launch, created_at FROM users "
      "ORDER BY username");
  std::vector<UserRecord> out;
  while (st.step()) out.push_back(read_user(st));
  return out;
}

bool SqliteStore::remove_user(std::string_view username) {
  auto st = db_->prepare("DELETE FROM users WHERE username = ?");
  st.bind(1, username).exec();
  return sqlite3_changes(db_->connection()) > 0;
}

core::Status SqliteStore::grant_access(const PatientAccessRecord& a) {
  auto st = db_->prepare(
      "INSERT INTO patient_access(username, patient_id, relationship, created_at) VALUES (?,?,?,?) "
      "ON CONFLICT(username, patient_id) DO UPDATE SET relationship = excluded.relationship");
  st.bind(1, a.username).bind(2, a.patient_id).bind(3, a.relationship).bind(4, a.created_at);
  if (st.exec() != SQLITE_DONE) {
    return core::make_error(core::ErrorCode::kNotFound, "no user '" + a.username + "'");
  }
  return {};
}

bool SqliteStore::revoke_access(std::string_view username, std::string_view patient_id) {
  auto st = db_->prepare("DELETE FROM patient_access WHERE username = ? AND patient_id = ?");
  st.bind(1, username).bind(2, patient_id).exec();
  return sqlite3_changes(db_->connection()) > 0;
}

std::vector<PatientAccessRecord> SqliteStore::list_access(std::string_view username) {
  auto st = db_->prepare(
      "SELECT username, patient_id, relationship, created_at FROM patient_access "
      "WHERE (? = '' OR username = ?) ORDER BY username, created_at, patient_id");
  st.bind(1, username).bind(2, username);
  std::vector<PatientAccessRecord> out;
  while (st.step()) out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3)});
  return out;
}

// ---- launches ----
core::Status SqliteStore::add_launch(const LaunchRecord& l) {
  auto st = db_->prepare(
      "INSERT INTO launches(launch_hash, context_json, username, client_id, created_at, "
      "expires_at, "
      "used) VALUES (?,?,?,?,?,?,0)");
  st.bind(1, l.launch_hash).bind(2, l.context_json).bind(3, l.username).bind(4, l.client_id);
  st.bind(5, l.created_at).bind(6, l.expires_at);
  if (st.exec() != SQLITE_DONE) return conflict("launch exists");
  return {};
}

std::optional<LaunchRecord> SqliteStore::peek_launch(std::string_view h, std::int64_t now) {
  auto st = db_->prepare(
      "SELECT launch_hash, context_json, username, client_id, created_at, expires_at, used FROM "
      "launches WHERE launch_hash = ? AND used = 0 AND expires_at > ?");
  st.bind(1, h).bind(2, now);
  if (!st.step()) return std::nullopt;
  return LaunchRecord{st.text(0),  st.text(1),  st.text(2),      st.text(3),
                      st.int64(4), st.int64(5), st.int64(6) != 0};
}

std::optional<LaunchRecord> SqliteStore::consume_launch(std::string_view h, std::int64_t now) {
  std::optional<LaunchRecord> out;
  auto st = db_->transaction([&]() -> core::Status {
    out = peek_launch(h, now);
    if (!out) return {};
    db_->prepare("UPDATE launches SET used = 1 WHERE launch_hash = ?").bind(1, h).exec();
    return {};
  });
  if (!st) return std::nullopt;
  return out;
}

// ---- interactions ----
core::Status SqliteStore::put_interaction(const InteractionRecord& i) {
  auto st = db_->prepare(
      "INSERT OR REPLACE INTO interactions(id, cookie_hash, csrf, request_json, username, "
      "patient_id, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?)");
  st.bind(1, i.id).bind(2, i.cookie_hash).bind(3, i.csrf).bind(4, i.request_json);
  st.bind(5, i.username).bind(6, i.patient_id).bind(7, i.created_at).bind(8, i.expires_at);
  st.exec();
  return {};
}

std::optional<InteractionRecord> SqliteStore::find_interaction(std::string_view id,
                                                               std::int64_t now) {
  auto st = db_->prepare(
      "SELECT id, cookie_hash, csrf, request_json, username, patient_id, created_at, expires_at "
      "FROM interactions WHERE id = ? AND expires_at > ?");
  st.bind(1, id).bind(2, now);
  if (!st.step()) return std::nullopt;
  return InteractionRecord{st.text(0), st.text(1), st.text(2),  st.text(3),
                           st.text(4), st.text(5), st.int64(6), st.int64(7)};
}

void SqliteStore::delete_interaction(std::string_view id) {
  db_->prepare("DELETE FROM interactions WHERE id = ?").bind(1, id).exec();
}

// ---- grants, codes, tokens ----
core::Status SqliteStore::add_grant(const GrantRecord& g) {
  auto st = db_->prepare(
      "INSERT INTO grants(grant_id, client_id, subject, fhir_user, scope, aud, context_json, "
      "id_token, created_at, auth_time, revoked) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, g.grant_id).bind(2, g.client_id).bind(3, g.subject).bind(4, g.fhir_user);
  st.bind(5, g.scope).bind(6, g.aud).bind(7, g.context_json).bind(8, g.id_token);
  st.bind(9, g.created_at).bind(10, g.auth_time).bind(11, g.revoked);
  if (st.exec() != SQLITE_DONE) return conflict("grant exists");
  return {};
}

std::optional<GrantRecord> SqliteStore::find_grant(std::string_view id) {
  auto st = db_->prepare(
      "SELECT grant_id, client_id, subject, fhir_user, scope, aud, context_json, id_token, "
      "created_at, auth_time, revoked FROM grants WHERE grant_id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  GrantRecord g;
  g.grant_id = st.text(0);
  g.client_id = st.text(1);
  g.subject = st.text(2);
  g.fhir_user = st.text(3);
  g.scope = st.text(4);
  g.aud = st.text(5);
  g.context_json = st.text(6);
  g.id_token = st.int64(7) != 0;
  g.created_at = st.int64(8);
  g.auth_time = st.int64(9);
  g.revoked = st.int64(10) != 0;
  return g;
}

void SqliteStore::revoke_grant(std::string_view id) {
  (void)db_->transaction([&]() -> core::Status {
    db_->prepare("UPDATE grants SET revoked = 1 WHERE grant_id = ?").bind(1, id).exec();
    db_->prepare("UPDATE tokens SET revoked = 1 WHERE grant_id = ?").bind(1, id).exec();
    db_->prepare("UPDATE codes SET used = 1 WHERE grant_id = ?").bind(1, id).exec();
    changed();
    return {};
  });
}

core::Status SqliteStore::add_code(const CodeRecord& c) {
  auto st = db_->prepare(
      "INSERT INTO codes(code_hash, grant_id, client_id, redirect_uri, code_challenge, nonce, "
      "expires_at, used) VALUES (?,?,?,?,?,?,?,0)");
  st.bind(1, c.code_hash).bind(2, c.grant_id).bind(3, c.client_id).bind(4, c.redirect_uri);
  st.bind(5, c.code_challenge).bind(6, c.nonce).bind(7, c.expires_at);
  if (st.exec() != SQLITE_DONE) return conflict("code exists");
  return {};
}

std::optional<CodeRecord> SqliteStore::take_code(std::string_view h) {
  std::optional<CodeRecord> out;
  auto status = db_->transaction([&]() -> core::Status {
    auto st = db_->prepare(
        "SELECT code_hash, grant_id, client_id, redirect_uri, code_challenge, nonce, expires_at, "
        "used FROM codes WHERE code_hash = ?");
    st.bind(1, h);
    if (!st.step()) return {};
    out = CodeRecord{st.text(0), st.text(1), st.text(2),  st.text(3),
                     st.text(4), st.text(5), st.int64(6), st.int64(7) != 0};
    db_->prepare("UPDATE codes SET used = 1 WHERE code_hash = ?").bind(1, h).exec();
    return {};
  });
  if (!status) return std::nullopt;
  return out;
}

core::Status SqliteStore::add_token(const TokenRecord& t) {
  auto st = db_->prepare(
      "INSERT INTO tokens(token_hash, kind, grant_id, client_id, subject, fhir_user, scope, aud, "
      "context_json, id_token, issued_at, expires_at, revoked) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, t.token_hash).bind(2, static_cast<std::int64_t>(t.kind)).bind(3, t.grant_id);
  st.bind(4, t.client_id).bind(5, t.subject).bind(6, t.fhir_user).bind(7, t.scope).bind(8, t.aud);
  st.bind(9, t.context_json).bind(10, t.id_token).bind(11, t.issued_at).bind(12, t.expires_at);
  st.bind(13, t.revoked);
  if (st.exec() != SQLITE_DONE) return conflict("token exists");
  return {};
}

std::optional<TokenRecord> SqliteStore::find_token(std::string_view h) {
  return read_through(token_cache_, h, [&] { return read_token(h); });
}

std::optional<TokenRecord> SqliteStore::read_token(std::string_view h) {
  auto st = db_->prepare(
      "SELECT token_hash, kind, grant_id, client_id, subject, fhir_user, scope, aud, context_json, "
      "id_token, issued_at, expires_at, revoked FROM tokens WHERE token_hash = ?");
  st.bind(1, h);
  if (!st.step()) return std::nullopt;
  TokenRecord t;
  t.token_hash = st.text(0);
  t.kind = st.int64(1) == 1 ? TokenKind::kRefresh : TokenKind::kAccess;
  t.grant_id = st.text(2);
  t.client_id = st.text(3);
  t.subject = st.text(4);
  t.fhir_user = st.text(5);
  t.scope = st.text(6);
  t.aud = st.text(7);
  t.context_json = st.text(8);
  t.id_token = st.int64(9) != 0;
  t.issued_at = st.int64(10);
  t.expires_at = st.int64(11);
  t.revoked = st.int64(12) != 0;
  return t;
}

bool SqliteStore::revoke_token(std::string_view h) {
  db_->prepare("UPDATE tokens SET revoked = 1 WHERE token_hash = ?").bind(1, h).exec();
  bool revoked = sqlite3_changes(db_->connection()) > 0;
  if (revoked) changed();
  return revoked;
}

void SqliteStore::revoke_tokens_of_grant(std::string_view grant_id, TokenKind kind) {
  db_->prepare("UPDATE tokens SET revoked = 1 WHERE grant_id = ? AND kind = ?")
      .bind(1, grant_id)
      .bind(2, static_cast<std::int64_t>(kind))
      .exec();
  if (sqlite3_changes(db_->connection()) > 0) changed();
}

std::int64_t SqliteStore::count_live_tokens(std::int64_t now) {
  auto st = db_->prepare("SELECT count(*) FROM tokens WHERE revoked = 0 AND expires_at > ?");
  st.bind(1, now);
  return st.step() ? st.int64(0) : 0;
}

std::int64_t SqliteStore::purge_expired(std::int64_t now) {
  std::int64_t n = 0;
  (void)db_->transaction([&]() -> core::Status {
    auto run = [&](std::string_view sql) {
      db_->prepare(sql).bind(1, now).exec();
      n += sqlite3_changes(db_->connection());
    };
    run("DELETE FROM tokens WHERE expires_at <= ?");
    run("DELETE FROM codes WHERE expires_at <= ?");
    run("DELETE FROM launches WHERE expires_at <= ?");
    run("DELETE FROM interactions WHERE expires_at <= ?");
    // A grant with no live token or code left is finished; its codes are gone too.
    db_->prepare(
           "DELETE FROM grants WHERE created_at <= ? AND NOT EXISTS (SELECT 1 FROM tokens t WHERE "
           "t.grant_id = grants.grant_id) AND NOT EXISTS (SELECT 1 FROM codes c WHERE c.grant_id = "
           "grants.grant_id)")
        .bind(1, now - 3600)
        .exec();
    n += sqlite3_changes(db_->connection());
    if (n > 0) changed();
    return {};
  });
  return n;
}

// ---- keys ----
core::Status SqliteStore::add_key(const KeyRecord& k) {
  auto st = db_->prepare(
      "INSERT INTO signing_keys(kid, alg, private_pem, created_at, active) VALUES (?,?,?,?,?)");
  st.bind(1, k.kid).bind(2, k.alg).bind(3, k.private_pem).bind(4, k.created_at).bind(5, k.active);
  if (st.exec() != SQLITE_DONE) return conflict("key exists");
  return {};
}

std::vector<KeyRecord> SqliteStore::list_keys() {
  auto st = db_->prepare(
      "SELECT kid, alg, private_pem, created_at, active FROM signing_keys "
      "ORDER BY created_at DESC, rowid DESC");  // same second: the later insert is newer
  std::vector<KeyRecord> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3), st.int64(4) != 0});
  return out;
}

core::Status SqliteStore::set_key_active(std::string_view kid, bool active) {
  db_->prepare("UPDATE signing_keys SET active = ? WHERE kid = ?")
      .bind(1, active)
      .bind(2, kid)
      .exec();
  if (sqlite3_changes(db_->connection()) == 0)
    return core::make_error(core::ErrorCode::kNotFound, "no such key");
  return {};
}

// ---- audit ----
core::Status SqliteStore::add_audit(const AuditRecord& a) {
  auto st = db_->prepare(
      "INSERT INTO audit(time, event, client_id, subject, fhir_user, patient, on_behalf_of, "
      "interaction, resource_type, resource_id, outcome, status, detail) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, a.time).bind(2, a.event).bind(3, a.client_id).bind(4, a.subject).bind(5, a.fhir_user);
  st.bind(6, a.patient).bind(7, a.on_behalf_of).bind(8, a.interaction).bind(9, a.resource_type);
  st.bind(10, a.resource_id).bind(11, a.outcome).bind(12, a.status).bind(13, a.detail);
  st.exec();
  return {};
}

std::vector<AuditRecord> SqliteStore::list_audit(const AuditQuery& q) {
  // With a patient, the (patient, id) index gives that patient's records newest first.
  static const std::string kSelect =
      "SELECT id, time, event, client_id, subject, fhir_user, patient, on_behalf_of, interaction, "
      "resource_type, resource_id, outcome, status, detail FROM audit WHERE ";
  static const std::string kRest =
      " AND (?2 = '' OR subject = ?2) AND (?3 = '' OR client_id = ?3) AND "
      "(?4 = 0 OR time >= ?4) AND (?5 = 0 OR time <= ?5) ORDER BY id DESC LIMIT ?6";
  static const std::string kByPatient = kSelect + "patient = ?1" + kRest;
  static const std::string kAll = kSelect + "?1 = ''" + kRest;
  auto st = db_->prepare(q.patient.empty() ? kAll : kByPatient);
  st.bind(1, q.patient).bind(2, q.subject).bind(3, q.client_id).bind(4, q.since).bind(5, q.until);
  st.bind(6, static_cast<std::int64_t>(q.limit > 0 ? q.limit : 100));
  std::vector<AuditRecord> out;
  while (st.step()) {
    AuditRecord a;
    a.id = st.int64(0);
    a.time = st.int64(1);
    a.event = st.text(2);
    a.client_id = st.text(3);
    a.subject = st.text(4);
    a.fhir_user = st.text(5);
    a.patient = st.text(6);
    a.on_behalf_of = st.text(7);
    a.interaction = st.text(8);
    a.resource_type = st.text(9);
    a.resource_id = st.text(10);
    a.outcome = st.text(11);
    a.status = static_cast<int>(st.int64(12));
    a.detail = st.text(13);
    out.push_back(std::move(a));
  }
  return out;
}

// ---- patient directory (reads the FHIR store when it shares this database) ----
namespace {
PatientSummary summarize_patient(const std::string& id, const std::string& json) {
  PatientSummary p{id, id, ""};
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return p;
  if (auto bd = j.find("birthDate"); bd != j.end() && bd->is_string()) p.birth_date = *bd;
  if (auto names = j.find("name"); names != j.end() && names->is_array() && !names->empty()) {
    const auto& n = (*names)[0];
    std::string text;
    if (n.contains("text") && n["text"].is_string()) {
      text = n["text"];
    } else {
      if (n.contains("given") && n["given"].is_array())
        for (const auto& g : n["given"])
          if (g.is_string()) text += (text.empty() ? "" : " ") + g.get<std::string>();
      if (n.contains("family") && n["family"].is_string())
        text += (text.empty() ? "" : " ") + n["family"].get<std::string>();
    }
    if (!text.empty()) p.name = text;
  }
  return p;
}
}  // namespace

std::optional<PatientSummary> SqliteStore::find_patient(std::string_view id) {
  auto st = db_->prepare(
      "SELECT id, json FROM resources WHERE type = 'Patient' AND id = ? AND deleted = 0");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return summarize_patient(st.text(0), st.text(1));
}

std::vector<PatientSummary> SqliteStore::list_patients(int limit) {
  auto st = db_->prepare(
      "SELECT id, json FROM resources WHERE type = 'Patient' AND deleted = 0 ORDER BY id LIMIT ?");
  st.bind(1, static_cast<std::int64_t>(limit));
  std::vector<PatientSummary> out;
  while (st.step()) out.push_back(summarize_patient(st.text(0), st.text(1)));
  return out;
}

}  // namespace tessera::store
