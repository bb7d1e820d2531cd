// SqliteStore, run against a private in-memory database and against a temporary file (WAL).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace tessera::store {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-store-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<SqliteStore> open_or_die(const std::string& path) {
  auto s = SqliteStore::open(path);
  if (!s) throw std::runtime_error("open " + path + ": " + s.error().description);
  return std::move(s.value());
}

ClientRecord client(std::string id, std::vector<std::string> redirects = {}) {
  ClientRecord c;
  c.client_id = std::move(id);
  c.name = "App " + c.client_id;
  c.type = ClientType::kConfidential;
  c.secret_hash = std::string(64, 'a');
  c.redirect_uris = std::move(redirects);
  c.scope = "launch/patient patient/*.rs openid fhirUser";
  c.grant_types = {"authorization_code", "refresh_token"};
  c.created_at = kNow;
  return c;
}

UserRecord user(std::string name) {
  return UserRecord{name, "$argon2id$v=19$fake", "Patient/" + name, "User " + name, false, kNow};
}

GrantRecord grant(std::string id) {
  GrantRecord g;
  g.grant_id = std::move(id);
  g.client_id = "app";
  g.subject = "alice";
  g.fhir_user = "Patient/p1";
  g.scope = "launch/patient patient/*.rs";
  g.aud = "https://ehr.example/fhir";
  g.context_json = R"({"patient":"p1"})";
  g.id_token = true;
  g.created_at = kNow;
  g.auth_time = kNow - 5;
  return g;
}

CodeRecord code(std::string hash, std::string grant_id, std::int64_t expires_at = kNow + 60) {
  return CodeRecord{std::move(hash), std::move(grant_id), "app",      "https://app.example/cb",
                    "challenge",     "nonce-1",           expires_at, false};
}

TokenRecord token(std::string hash, std::string grant_id, TokenKind kind = TokenKind::kAccess,
                  std::int64_t expires_at = kNow + 3600) {
  TokenRecord t;
  t.token_hash = std::move(hash);
  t.kind = kind;
  t.grant_id = std::move(grant_id);
  t.client_id = "app";
  t.subject = "alice";
  t.fhir_user = "Patient/p1";
  t.scope = "patient/*.rs";
  t.aud = "https://ehr.example/fhir";
  t.context_json = R"({"patient":"p1"})";
  t.id_token = kind == TokenKind::kAccess;
  t.issued_at = kNow;
  t.expires_at = expires_at;
  return t;
}

std::int64_t count_rows(SqliteStore& s, const std::string& table) {
  auto st = s.db().prepare("SELECT count(*) FROM " + table);
  return st.step() ? st.int64(0) : -1;
}

// ---- every test runs on ":memory:" and on a file ----

class StoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    path_ = GetParam() ? dir_.file("tessera.db") : ":memory:";
    store_ = open_or_die(path_);
  }
  SqliteStore& s() { return *store_; }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "File" : "Memory"; });

// ---- schema ----

TEST_P(StoreTest, SchemaVersionIsTheNumberOfMigrations) {
  EXPECT_EQ(s().db().schema_version(), static_cast<int>(SqliteStore::migrations().size()));
  EXPECT_GE(SqliteStore::migrations().size(), 2u);
}

TEST_P(StoreTest, MigratingAgainIsANoOp) {
  ASSERT_TRUE(s().add_client(client("app")).ok());
  EXPECT_TRUE(s().db().migrate(SqliteStore::migrations()).ok());
  EXPECT_EQ(s().db().schema_version(), static_cast<int>(SqliteStore::migrations().size()));
  EXPECT_TRUE(s().find_client("app").has_value());
}

TEST(StoreMemory, EachMemoryDatabaseIsPrivate) {
  auto a = open_or_die(":memory:");
  auto b = open_or_die(":memory:");
  ASSERT_TRUE(a->add_client(client("app")).ok());
  EXPECT_FALSE(b->find_client("app").has_value());
  // ...but shared by the threads using one store.
  bool seen = false;
  std::thread([&] { seen = a->find_client("app").has_value(); }).join();
  EXPECT_TRUE(seen);
}

TEST(StoreFile, OpeningTwiceKeepsDataAndDoesNotRemigrate) {
  TempDir dir;
  auto path = dir.file("t.db");
  {
    auto a = open_or_die(path);
    ASSERT_TRUE(a->add_client(client("app")).ok());
  }
  auto b = open_or_die(path);
  EXPECT_EQ(b->db().schema_version(), static_cast<int>(SqliteStore::migrations().size()));
  EXPECT_TRUE(b->find_client("app").has_value());
  // Two stores on the same file at once see each other's writes.
  auto c = open_or_die(path);
  ASSERT_TRUE(c->add_client(client("app2")).ok());
  EXPECT_TRUE(b->find_client("app2").has_value());
}

TEST(StoreFile, PathIsTakenLiterallyNotAsAUri) {
  TempDir dir;
  auto path = dir.file("odd#name?x=1%41.db");
  {
    auto s = open_or_die(path);
    ASSERT_TRUE(s->add_client(client("app")).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(open_or_die(path)->find_client("app").has_value());
}

TEST(StoreFile, UsesWriteAheadLogging) {
  TempDir dir;
  auto s = open_or_die(dir.file("t.db"));
  auto st = s->db().prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "wal");
}

TEST(StoreFile, RefusesASchemaNewerThanTheBinary) {
  TempDir dir;
  auto path = dir.file("t.db");
  {
    auto s = open_or_die(path);
    s->db().exec_script("UPDATE schema_version SET version = 999");
  }
  auto again = SqliteStore::open(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::kInternal);
  EXPECT_NE(again.error().description.find("newer"), std::string::npos);
}

TEST(StoreFile, UnopenablePathIsAnError) {
  TempDir dir;
  auto s = SqliteStore::open(dir.file("no/such/dir/t.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::ErrorCode::kInternal);
}

// ---- clients ----

TEST_P(StoreTest, ClientAddFindListRemove) {
  auto c = client("app-b", {"https://app.example/cb"});
  c.launch_uri = "https://launch.example/launch";
  ASSERT_TRUE(s().add_client(c).ok());
  ASSERT_TRUE(s().add_client(client("app-a")).ok());

  auto found = s().find_client("app-b");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "App app-b");
  EXPECT_EQ(found->type, ClientType::kConfidential);
  EXPECT_EQ(found->secret_hash, c.secret_hash);
  EXPECT_EQ(found->redirect_uris, c.redirect_uris);
  EXPECT_EQ(found->scope, c.scope);
  EXPECT_EQ(found->grant_types, c.grant_types);
  EXPECT_EQ(found->launch_uri, c.launch_uri);
  EXPECT_EQ(found->created_at, kNow);

  auto all = s().list_clients();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].client_id, "app-a");  // ordered by id
  EXPECT_EQ(all[1].client_id, "app-b");

  EXPECT_TRUE(s().remove_client("app-b"));
  EXPECT_FALSE(s().remove_client("app-b"));
  EXPECT_FALSE(s().find_client("app-b").has_value());
  EXPECT_EQ(s().list_clients().size(), 1u);
}

TEST_P(StoreTest, DuplicateClientIsAConflict) {
  ASSERT_TRUE(s().add_client(client("app")).ok());
  auto st = s().add_client(client("app"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kConflict);
}

TEST_P(StoreTest, ClientIdsAreCaseSensitive) {
  ASSERT_TRUE(s().add_client(client("app")).ok());
  EXPECT_FALSE(s().find_client("APP").has_value());
  EXPECT_TRUE(s().add_client(client("APP")).ok());
}

TEST_P(StoreTest, ClientTypesRoundTrip) {
  for (auto type : {ClientType::kPublic, ClientType::kConfidential, ClientType::kResourceServer}) {
    auto c = client(std::string(to_string(type)));
    c.type = type;
    ASSERT_TRUE(s().add_client(c).ok());
    EXPECT_EQ(s().find_client(c.client_id)->type, type);
    EXPECT_EQ(client_type_from_string(to_string(type)), type);
  }
  EXPECT_EQ(client_type_from_string("resource_server"), ClientType::kResourceServer);
  EXPECT_FALSE(client_type_from_string("Public").has_value());
  EXPECT_FALSE(client_type_from_string("").has_value());
}

TEST_P(StoreTest, OriginsAreDerivedFromRedirectAndLaunchUris) {  // CORS-2
  auto c = client("app", {"https://app.example/cb", "https://app.example/other?x=1",
                          "http://localhost:3000/cb#x", "https://second.example:8443"});
  c.launch_uri = "https://launch.example/launch.html";
  ASSERT_TRUE(s().add_client(c).ok());
  auto found = s().find_client("app");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->origins,
            (std::vector<std::string>{"https://app.example", "http://localhost:3000",
                                      "https://second.example:8443", "https://launch.example"}));
  // list_clients derives them too.
  EXPECT_EQ(s().list_clients().at(0).origins, found->origins);
}

TEST_P(StoreTest, ClientWithoutUrisHasNoOrigins) {
  ASSERT_TRUE(s().add_client(client("rs")).ok());
  EXPECT_TRUE(s().find_client("rs")->origins.empty());
}

// ---- users and patient access ----

TEST_P(StoreTest, UserAddFindListRemove) {
  auto u = user("bob");
  u.can_launch = true;
  ASSERT_TRUE(s().add_user(u).ok());
  ASSERT_TRUE(s().add_user(user("alice")).ok());
  auto found = s().find_user("bob");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->password_hash, u.password_hash);
  EXPECT_EQ(found->fhir_user, "Patient/bob");
  EXPECT_EQ(found->display_name, "User bob");
  EXPECT_TRUE(found->can_launch);
  EXPECT_EQ(found->created_at, kNow);
  auto all = s().list_users();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].username, "alice");
  EXPECT_FALSE(all[0].can_launch);
  EXPECT_TRUE(s().remove_user("bob"));
  EXPECT_FALSE(s().remove_user("bob"));
  EXPECT_FALSE(s().find_user("bob").has_value());
}

TEST_P(StoreTest, DuplicateUserIsAConflict) {
  ASSERT_TRUE(s().add_user(user("bob")).ok());
  auto st = s().add_user(user("bob"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kConflict);
}

TEST_P(StoreTest, PatientAccessUpsertRevokeList) {
  ASSERT_TRUE(s().add_user(user("mom")).ok());
  ASSERT_TRUE(s().add_user(user("doc")).ok());
  ASSERT_TRUE(s().grant_access({"mom", "kid1", "parent", kNow}).ok());
  ASSERT_TRUE(s().grant_access({"mom", "kid2", "parent", kNow + 1}).ok());
  ASSERT_TRUE(s().grant_access({"doc", "*", "practitioner", kNow}).ok());
  // Upsert: same pair, new relationship; still one row.
  ASSERT_TRUE(s().grant_access({"mom", "kid1", "guardian", kNow + 2}).ok());

  auto mom = s().list_access("mom");
  ASSERT_EQ(mom.size(), 2u);
  EXPECT_EQ(mom[0].patient_id, "kid1");
  EXPECT_EQ(mom[0].relationship, "guardian");
  EXPECT_EQ(mom[0].created_at, kNow);  // the original grant time is kept
  EXPECT_EQ(mom[1].patient_id, "kid2");

  EXPECT_EQ(s().list_access("").size(), 3u);  // "" lists everyone's
  EXPECT_EQ(s().list_access("doc").at(0).patient_id, "*");
  EXPECT_TRUE(s().list_access("nobody").empty());

  EXPECT_TRUE(s().revoke_access("mom", "kid2"));
  EXPECT_FALSE(s().revoke_access("mom", "kid2"));
  EXPECT_FALSE(s().revoke_access("mom", "kid9"));
  EXPECT_EQ(s().list_access("mom").size(), 1u);
}

TEST_P(StoreTest, AccessForAnUnknownUserIsNotFound) {
  auto st = s().grant_access({"ghost", "p1", "self", kNow});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kNotFound);
  EXPECT_TRUE(s().list_access("").empty());
}

TEST_P(StoreTest, RemovingAUserRemovesTheirAccess) {
  ASSERT_TRUE(s().add_user(user("mom")).ok());
  ASSERT_TRUE(s().add_user(user("dad")).ok());
  ASSERT_TRUE(s().grant_access({"mom", "kid1", "parent", kNow}).ok());
  ASSERT_TRUE(s().grant_access({"mom", "kid2", "parent", kNow}).ok());
  ASSERT_TRUE(s().grant_access({"dad", "kid1", "parent", kNow}).ok());
  ASSERT_TRUE(s().remove_user("mom"));
  EXPECT_TRUE(s().list_access("mom").empty());
  EXPECT_EQ(count_rows(s(), "patient_access"), 1);
  // A user of the same name added later does not inherit the old grants.
  ASSERT_TRUE(s().add_user(user("mom")).ok());
  EXPECT_TRUE(s().list_access("mom").empty());
}

// ---- launches (LAUNCH-2) ----

LaunchRecord launch(std::string hash, std::int64_t expires_at = kNow + 300) {
  return LaunchRecord{
      std::move(hash), R"({"patient":"p1"})", "alice", "app", kNow, expires_at, false};
}

TEST_P(StoreTest, LaunchIsConsumedOnce) {
  ASSERT_TRUE(s().add_launch(launch("h1")).ok());
  auto peek = s().peek_launch("h1", kNow);
  ASSERT_TRUE(peek.has_value());
  EXPECT_FALSE(peek->used);
  EXPECT_TRUE(s().peek_launch("h1", kNow).has_value());  // peeking does not consume

  auto first = s().consume_launch("h1", kNow);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->context_json, R"({"patient":"p1"})");
  EXPECT_EQ(first->username, "alice");
  EXPECT_EQ(first->client_id, "app");
  EXPECT_EQ(first->expires_at, kNow + 300);
  EXPECT_FALSE(s().consume_launch("h1", kNow).has_value());
  EXPECT_FALSE(s().peek_launch("h1", kNow).has_value());
}

TEST_P(StoreTest, ExpiredLaunchIsNotConsumable) {
  ASSERT_TRUE(s().add_launch(launch("h1", kNow + 300)).ok());
  EXPECT_FALSE(s().consume_launch("h1", kNow + 300).has_value());  // expires_at is exclusive
  EXPECT_FALSE(s().peek_launch("h1", kNow + 301).has_value());
  EXPECT_TRUE(s().consume_launch("h1", kNow + 299).has_value());
}

TEST_P(StoreTest, UnknownLaunchAndDuplicateLaunch) {
  EXPECT_FALSE(s().consume_launch("nope", kNow).has_value());
  ASSERT_TRUE(s().add_launch(launch("h1")).ok());
  auto st = s().add_launch(launch("h1"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kConflict);
}

// ---- interactions ----

InteractionRecord interaction(std::string id, std::int64_t expires_at = kNow + 900) {
  return InteractionRecord{std::move(id), "cookie-hash", "csrf-1", R"({"client_id":"app"})", "", "",
                           kNow,          expires_at};
}

TEST_P(StoreTest, InteractionPutFindReplaceDelete) {
  ASSERT_TRUE(s().put_interaction(interaction("ix_1")).ok());
  auto found = s().find_interaction("ix_1", kNow);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->cookie_hash, "cookie-hash");
  EXPECT_EQ(found->csrf, "csrf-1");
  EXPECT_EQ(found->request_json, R"({"client_id":"app"})");
  EXPECT_EQ(found->username, "");

  auto next = *found;
  next.username = "alice";
  next.patient_id = "p1";
  ASSERT_TRUE(s().put_interaction(next).ok());  // insert or replace
  found = s().find_interaction("ix_1", kNow);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->patient_id, "p1");
  EXPECT_EQ(count_rows(s(), "interactions"), 1);

  s().delete_interaction("ix_1");
  EXPECT_FALSE(s().find_interaction("ix_1", kNow).has_value());
  s().delete_interaction("ix_1");  // deleting again is harmless
}

TEST_P(StoreTest, InteractionsExpire) {
  ASSERT_TRUE(s().put_interaction(interaction("ix_1", kNow + 900)).ok());
  EXPECT_TRUE(s().find_interaction("ix_1", kNow + 899).has_value());
  EXPECT_FALSE(s().find_interaction("ix_1", kNow + 900).has_value());
  EXPECT_FALSE(s().find_interaction("unknown", kNow).has_value());
}

// ---- grants, codes, tokens ----

TEST_P(StoreTest, GrantRoundTrips) {
  ASSERT_TRUE(s().add_grant(grant("g1")).ok());
  auto g = s().find_grant("g1");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->client_id, "app");
  EXPECT_EQ(g->subject, "alice");
  EXPECT_EQ(g->fhir_user, "Patient/p1");
  EXPECT_EQ(g->scope, "launch/patient patient/*.rs");
  EXPECT_EQ(g->aud, "https://ehr.example/fhir");
  EXPECT_EQ(g->context_json, R"({"patient":"p1"})");
  EXPECT_TRUE(g->id_token);
  EXPECT_EQ(g->created_at, kNow);
  EXPECT_EQ(g->auth_time, kNow - 5);
  EXPECT_FALSE(g->revoked);
  EXPECT_FALSE(s().find_grant("g2").has_value());
  EXPECT_EQ(s().add_grant(grant("g1")).error().code, core::ErrorCode::kConflict);
}

TEST_P(StoreTest, TakeCodeMarksItUsedAndReturnsThePreviousState) {  // OAUTH-4
  ASSERT_TRUE(s().add_grant(grant("g1")).ok());
  ASSERT_TRUE(s().add_code(code("c1", "g1")).ok());
  auto first = s().take_code("c1");
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->used);
  EXPECT_EQ(first->grant_id, "g1");
  EXPECT_EQ(first->client_id, "app");
  EXPECT_EQ(first->redirect_uri, "https://app.example/cb");
  EXPECT_EQ(first->code_challenge, "challenge");
  EXPECT_EQ(first->nonce, "nonce-1");
  EXPECT_EQ(first->expires_at, kNow + 60);
  auto replay = s().take_code("c1");
  ASSERT_TRUE(replay.has_value());
  EXPECT_TRUE(replay->used);  // tells the caller it is a replay
  EXPECT_FALSE(s().take_code("unknown").has_value());
  EXPECT_EQ(s().add_code(code("c1", "g1")).error().code, core::ErrorCode::kConflict);
}

TEST_P(StoreTest, TokenRoundTrips) {
  ASSERT_TRUE(s().add_token(token("t1", "g1")).ok());
  ASSERT_TRUE(s().add_token(token("r1", "g1", TokenKind::kRefresh)).ok());
  auto t = s().find_token("t1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->kind, TokenKind::kAccess);
  EXPECT_EQ(t->grant_id, "g1");
  EXPECT_EQ(t->client_id, "app");
  EXPECT_EQ(t->subject, "alice");
  EXPECT_EQ(t->fhir_user, "Patient/p1");
  EXPECT_EQ(t->scope, "patient/*.rs");
  EXPECT_EQ(t->aud, "https://ehr.example/fhir");
  EXPECT_EQ(t->context_json, R"({"patient":"p1"})");
  EXPECT_TRUE(t->id_token);
  EXPECT_EQ(t->issued_at, kNow);
  EXPECT_EQ(t->expires_at, kNow + 3600);
  EXPECT_FALSE(t->revoked);
  EXPECT_EQ(s().find_token("r1")->kind, TokenKind::kRefresh);
  EXPECT_FALSE(s().find_token("nope").has_value());
  EXPECT_EQ(s().add_token(token("t1", "g1")).error().code, core::ErrorCode::kConflict);
}

TEST_P(StoreTest, RevokeGrantRevokesItsTokensAndCodes) {  // OAUTH-4, REFRESH-8
  ASSERT_TRUE(s().add_grant(grant("g1")).ok());
  ASSERT_TRUE(s().add_grant(grant("g2")).ok());
  ASSERT_TRUE(s().add_code(code("c1", "g1")).ok());
  ASSERT_TRUE(s().add_code(code("c2", "g2")).ok());
  ASSERT_TRUE(s().add_token(token("a1", "g1")).ok());
  ASSERT_TRUE(s().add_token(token("r1", "g1", TokenKind::kRefresh)).ok());
  ASSERT_TRUE(s().add_token(token("a2", "g2")).ok());

  s().revoke_grant("g1");
  EXPECT_TRUE(s().find_grant("g1")->revoked);
  EXPECT_TRUE(s().find_token("a1")->revoked);
  EXPECT_TRUE(s().find_token("r1")->revoked);
  EXPECT_TRUE(s().take_code("c1")->used);
  // The other grant is untouched.
  EXPECT_FALSE(s().find_grant("g2")->revoked);
  EXPECT_FALSE(s().find_token("a2")->revoked);
  EXPECT_FALSE(s().take_code("c2")->used);
  s().revoke_grant("unknown");  // harmless
}

TEST_P(StoreTest, RevokeToken) {
  ASSERT_TRUE(s().add_token(token("a1", "g1")).ok());
  ASSERT_TRUE(s().add_token(token("a2", "g1")).ok());
  EXPECT_TRUE(s().revoke_token("a1"));
  EXPECT_TRUE(s().find_token("a1")->revoked);
  EXPECT_FALSE(s().find_token("a2")->revoked);
  EXPECT_FALSE(s().revoke_token("unknown"));
}

TEST_P(StoreTest, RevokeTokensOfGrantByKind) {  // REFRESH-8
  ASSERT_TRUE(s().add_token(token("a1", "g1")).ok());
  ASSERT_TRUE(s().add_token(token("r1", "g1", TokenKind::kRefresh)).ok());
  ASSERT_TRUE(s().add_token(token("r2", "g2", TokenKind::kRefresh)).ok());
  s().revoke_tokens_of_grant("g1", TokenKind::kRefresh);
  EXPECT_TRUE(s().find_token("r1")->revoked);
  EXPECT_FALSE(s().find_token("a1")->revoked);
  EXPECT_FALSE(s().find_token("r2")->revoked);
  s().revoke_tokens_of_grant("g1", TokenKind::kAccess);
  EXPECT_TRUE(s().find_token("a1")->revoked);
}

TEST_P(StoreTest, CountLiveTokens) {
  EXPECT_EQ(s().count_live_tokens(kNow), 0);
  ASSERT_TRUE(s().add_token(token("a1", "g1", TokenKind::kAccess, kNow + 10)).ok());
  ASSERT_TRUE(s().add_token(token("a2", "g1", TokenKind::kAccess, kNow + 20)).ok());
  ASSERT_TRUE(s().add_token(token("a3", "g1", TokenKind::kAccess, kNow)).ok());  // expired now
  ASSERT_TRUE(s().add_token(token("r1", "g1", TokenKind::kRefresh, kNow + 99)).ok());
  EXPECT_EQ(s().count_live_tokens(kNow), 3);
  ASSERT_TRUE(s().revoke_token("a2"));
  EXPECT_EQ(s().count_live_tokens(kNow), 2);
  EXPECT_EQ(s().count_live_tokens(kNow + 10), 1);
  EXPECT_EQ(s().count_live_tokens(kNow + 99), 0);
}

TEST_P(StoreTest, PurgeExpiredRemovesExpiredRowsAndKeepsLiveOnes) {
  // Old grant, all of whose tokens and codes expire: removed with them.
  auto old_grant = grant("g-old");
  old_grant.created_at = kNow - 7200;
  ASSERT_TRUE(s().add_grant(old_grant).ok());
  ASSERT_TRUE(s().add_code(code("c-old", "g-old", kNow - 7000)).ok());
  ASSERT_TRUE(s().add_token(token("t-old", "g-old", TokenKind::kAccess, kNow - 3600)).ok());
  // Grant with a live refresh token: kept, and so is the token.
  auto live_grant = grant("g-live");
  live_grant.created_at = kNow - 7200;
  ASSERT_TRUE(s().add_grant(live_grant).ok());
  ASSERT_TRUE(s().add_token(token("t-exp", "g-live", TokenKind::kAccess, kNow)).ok());
  ASSERT_TRUE(s().add_token(token("r-live", "g-live", TokenKind::kRefresh, kNow + 1)).ok());
  // A fresh grant whose code is still being redeemed: kept.
  ASSERT_TRUE(s().add_grant(grant("g-new")).ok());
  ASSERT_TRUE(s().add_code(code("c-new", "g-new", kNow + 60)).ok());
  // Launches and interactions.
  ASSERT_TRUE(s().add_launch(launch("l-exp", kNow)).ok());
  ASSERT_TRUE(s().add_launch(launch("l-live", kNow + 1)).ok());
  ASSERT_TRUE(s().put_interaction(interaction("ix-exp", kNow - 1)).ok());
  ASSERT_TRUE(s().put_interaction(interaction("ix-live", kNow + 1)).ok());

  // t-old, t-exp, c-old, l-exp, ix-exp, g-old.
  EXPECT_EQ(s().purge_expired(kNow), 6);

  EXPECT_FALSE(s().find_token("t-old").has_value());
  EXPECT_FALSE(s().find_token("t-exp").has_value());
  EXPECT_TRUE(s().find_token("r-live").has_value());
  EXPECT_FALSE(s().find_grant("g-old").has_value());
  EXPECT_TRUE(s().find_grant("g-live").has_value());
  EXPECT_TRUE(s().find_grant("g-new").has_value());
  EXPECT_TRUE(s().take_code("c-new").has_value());
  EXPECT_FALSE(s().take_code("c-old").has_value());
  EXPECT_FALSE(s().peek_launch("l-exp", kNow - 100).has_value());
  EXPECT_TRUE(s().peek_launch("l-live", kNow).has_value());
  EXPECT_FALSE(s().find_interaction("ix-exp", kNow - 100).has_value());
  EXPECT_TRUE(s().find_interaction("ix-live", kNow).has_value());

  EXPECT_EQ(s().purge_expired(kNow), 0);  // nothing left to do
}

TEST_P(StoreTest, PurgeKeepsAYoungGrantWithoutTokens) {
  // A grant created in the last hour may still be getting its first token.
  ASSERT_TRUE(s().add_grant(grant("g1")).ok());
  EXPECT_EQ(s().purge_expired(kNow + 3599), 0);
  EXPECT_TRUE(s().find_grant("g1").has_value());
  EXPECT_EQ(s().purge_expired(kNow + 3600), 1);
  EXPECT_FALSE(s().find_grant("g1").has_value());
}

// ---- transactions ----

TEST_P(StoreTest, FailedTransactionLeavesNothingWritten) {
  auto st = s().transaction([&]() -> core::Status {
    if (auto a = s().add_grant(grant("g1")); !a) return a;
    if (auto b = s().add_code(code("c1", "g1")); !b) return b;
    EXPECT_TRUE(s().find_grant("g1").has_value());  // visible inside
    return core::make_error(core::ErrorCode::kInvalidGrant, "changed my mind");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kInvalidGrant);
  EXPECT_FALSE(s().find_grant("g1").has_value());
  EXPECT_FALSE(s().take_code("c1").has_value());
}

TEST_P(StoreTest, SuccessfulTransactionCommits) {
  auto st = s().transaction([&]() -> core::Status {
    if (auto a = s().add_grant(grant("g1")); !a) return a;
    return s().add_code(code("c1", "g1"));
  });
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(s().find_grant("g1").has_value());
  EXPECT_TRUE(s().take_code("c1").has_value());
}

TEST_P(StoreTest, NestedTransactionsJoinTheOuterOne) {
  auto st = s().transaction([&]() -> core::Status {
    EXPECT_TRUE(s().db().in_transaction());
    if (auto a = s().add_grant(grant("g1")); !a) return a;
    auto inner = s().transaction([&]() -> core::Status {
      EXPECT_TRUE(s().db().in_transaction());
      return s().add_code(code("c1", "g1"));
    });
    EXPECT_TRUE(inner.ok());
    // take_code and revoke_grant run their own transactions: they join this one too.
    EXPECT_TRUE(s().take_code("c1").has_value());
    s().revoke_grant("g1");
    EXPECT_TRUE(s().db().in_transaction());
    return core::make_error(core::ErrorCode::kInternal, "roll everything back");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(s().db().in_transaction());
  EXPECT_FALSE(s().find_grant("g1").has_value());  // the inner commit was not a commit
  EXPECT_FALSE(s().take_code("c1").has_value());
}

TEST_P(StoreTest, ExceptionInATransactionRollsBackAndPropagates) {
  EXPECT_THROW((void)s().transaction([&]() -> core::Status {
    (void)s().add_grant(grant("g1"));
    throw std::runtime_error("bug");
  }),
               std::runtime_error);
  EXPECT_FALSE(s().db().in_transaction());
  EXPECT_FALSE(s().find_grant("g1").has_value());
  // The connection is usable for the next transaction.
  EXPECT_TRUE(s().transaction([&] { return s().add_grant(grant("g2")); }).ok());
  EXPECT_TRUE(s().find_grant("g2").has_value());
}

TEST_P(StoreTest, ConflictInsideATransactionIsReturnedNotThrown) {
  ASSERT_TRUE(s().add_client(client("app")).ok());
  auto st = s().transaction([&]() -> core::Status {
    if (auto a = s().add_grant(grant("g1")); !a) return a;
    return s().add_client(client("app"));
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kConflict);
  EXPECT_FALSE(s().find_grant("g1").has_value());
}

// ---- keys ----

TEST_P(StoreTest, KeysAreListedNewestFirst) {
  ASSERT_TRUE(s().add_key({"k-old", "RS256", "pem-old", kNow - 100, true}).ok());
  ASSERT_TRUE(s().add_key({"k-new", "RS256", "pem-new", kNow, true}).ok());
  ASSERT_TRUE(s().add_key({"k-mid", "RS256", "pem-mid", kNow - 50, false}).ok());
  auto keys = s().list_keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kid, "k-new");
  EXPECT_EQ(keys[1].kid, "k-mid");
  EXPECT_EQ(keys[2].kid, "k-old");
  EXPECT_EQ(keys[0].private_pem, "pem-new");
  EXPECT_EQ(keys[0].alg, "RS256");
  EXPECT_FALSE(keys[1].active);
  EXPECT_EQ(s().add_key({"k-new", "RS256", "x", kNow, true}).error().code,
            core::ErrorCode::kConflict);
}

TEST_P(StoreTest, KeysMadeInTheSameSecondAreNewestFirstToo) {
  // A rotation right after init (same clock second) must still put the new key first.
  ASSERT_TRUE(s().add_key({"k-z-first", "RS256", "p1", kNow, true}).ok());
  ASSERT_TRUE(s().add_key({"k-a-second", "RS256", "p2", kNow, true}).ok());
  auto keys = s().list_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, "k-a-second");
  EXPECT_EQ(keys[1].kid, "k-z-first");
}

TEST_P(StoreTest, SetKeyActive) {
  ASSERT_TRUE(s().add_key({"k1", "RS256", "pem", kNow, true}).ok());
  ASSERT_TRUE(s().set_key_active("k1", false).ok());
  EXPECT_FALSE(s().list_keys().at(0).active);
  ASSERT_TRUE(s().set_key_active("k1", true).ok());
  EXPECT_TRUE(s().list_keys().at(0).active);
  auto st = s().set_key_active("nope", false);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, core::ErrorCode::kNotFound);
}

// ---- audit ----

AuditRecord audit(std::int64_t time, std::string patient, std::string subject, std::string client) {
  AuditRecord a;
  a.time = time;
  a.event = "fhir.read";
  a.client_id = std::move(client);
  a.subject = std::move(subject);
  a.fhir_user = "RelatedPerson/rp1";
  a.patient = std::move(patient);
  a.on_behalf_of = "parent";
  a.interaction = "read";
  a.resource_type = "Observation";
  a.resource_id = "o1";
  a.outcome = "success";
  a.status = 200;
  a.detail = "d";
  return a;
}

TEST_P(StoreTest, AuditAddAndListWithFilters) {
  ASSERT_TRUE(s().add_audit(audit(1000, "p1", "mom", "app1")).ok());
  ASSERT_TRUE(s().add_audit(audit(2000, "p2", "mom", "app2")).ok());
  ASSERT_TRUE(s().add_audit(audit(3000, "p1", "doc", "app2")).ok());
  ASSERT_TRUE(s().add_audit(audit(4000, "p3", "doc", "app1")).ok());

  auto all = s().list_audit({});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].time, 4000);  // newest first
  EXPECT_EQ(all[3].time, 1000);
  EXPECT_GT(all[0].id, all[1].id);
  const auto& a = all[3];
  EXPECT_EQ(a.event, "fhir.read");
  EXPECT_EQ(a.client_id, "app1");
  EXPECT_EQ(a.subject, "mom");
  EXPECT_EQ(a.fhir_user, "RelatedPerson/rp1");
  EXPECT_EQ(a.patient, "p1");
  EXPECT_EQ(a.on_behalf_of, "parent");
  EXPECT_EQ(a.interaction, "read");
  EXPECT_EQ(a.resource_type, "Observation");
  EXPECT_EQ(a.resource_id, "o1");
  EXPECT_EQ(a.outcome, "success");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.detail, "d");

  auto times = [](const std::vector<AuditRecord>& v) {
    std::vector<std::int64_t> out;
    for (const auto& r : v) out.push_back(r.time);
    return out;
  };
  AuditQuery q;
  q.patient = "p1";
  EXPECT_EQ(times(s().list_audit(q)), (std::vector<std::int64_t>{3000, 1000}));
  q = {};
  q.subject = "mom";
  EXPECT_EQ(times(s().list_audit(q)), (std::vector<std::int64_t>{2000, 1000}));
  q = {};
  q.client_id = "app2";
  EXPECT_EQ(times(s().list_audit(q)), (std::vector<std::int64_t>{3000, 2000}));
  q = {};
  q.since = 2000;
  EXPECT_EQ(times(s().list_audit(q)), (std::vector<std::int64_t>{4000, 3000, 2000}));
  q = {};
  q.until = 2000;
  EXPECT_EQ(times(s().list_audit(q)), (std::vector<std::int64_t>{2000, 1000}));
  q = {};
  q.since = 2000;
  q.until = 3000;
  q.client_id = "app2";
  q.patient = "p1";
  EXPECT_EQ(times(s().list_audit(q)), (std::vector<std::int64_t>{3000}));
  q = {};
  q.limit = 2;
  EXPECT_EQ(times(s().list_audit(q)), (std::vector<std::int64_t>{4000, 3000}));
  q = {};
  q.limit = 0;  // 0 or less: the default page
  EXPECT_EQ(s().list_audit(q).size(), 4u);
  q = {};
  q.patient = "nobody";
  EXPECT_TRUE(s().list_audit(q).empty());
}

// ---- patient directory ----

void put_patient(SqliteStore& s, const std::string& id, const std::string& json,
                 bool deleted = false) {
  s.db()
      .prepare(
          "INSERT INTO resources(type, id, version, last_updated, deleted, json) "
          "VALUES ('Patient', ?, 1, 0, ?, ?)")
      .bind(1, id)
      .bind(2, deleted)
      .bind(3, json)
      .exec();
}

TEST_P(StoreTest, PatientDirectoryReadsPatientResources) {
  put_patient(s(), "p1",
              R"({"resourceType":"Patient","id":"p1","birthDate":"2020-03-14",)"
              R"("name":[{"given":["Sofia","Maria"],"family":"Alvarez"},{"text":"Second"}]})");
  put_patient(s(), "p2",
              R"({"resourceType":"Patient","id":"p2","name":[{"text":"Dr. Text Name",)"
              R"("given":["Ignored"],"family":"Ignored"}]})");
  put_patient(s(), "p3", R"({"resourceType":"Patient","id":"p3","name":[{"family":"Only"}]})");
  put_patient(s(), "p4", R"({"resourceType":"Patient","id":"p4"})");
  put_patient(s(), "p5", "not json");
  put_patient(s(), "p6", R"({"resourceType":"Patient","id":"p6"})", /*deleted=*/true);
  s().db()
      .prepare(
          "INSERT INTO resources(type, id, version, last_updated, json) VALUES "
          "('Practitioner', 'p7', 1, 0, '{}')")
      .exec();

  auto p1 = s().find_patient("p1");
  ASSERT_TRUE(p1.has_value());
  EXPECT_EQ(p1->id, "p1");
  EXPECT_EQ(p1->name, "Sofia Maria Alvarez");  // first name: given + family
  EXPECT_EQ(p1->birth_date, "2020-03-14");
  EXPECT_EQ(s().find_patient("p2")->name, "Dr. Text Name");  // text wins
  EXPECT_EQ(s().find_patient("p3")->name, "Only");
  EXPECT_EQ(s().find_patient("p4")->name, "p4");  // no name: the id
  EXPECT_EQ(s().find_patient("p4")->birth_date, "");
  EXPECT_EQ(s().find_patient("p5")->name, "p5");     // unreadable JSON does not throw
  EXPECT_FALSE(s().find_patient("p6").has_value());  // deleted
  EXPECT_FALSE(s().find_patient("p7").has_value());  // not a Patient
  EXPECT_FALSE(s().find_patient("p99").has_value());

  auto list = s().list_patients(100);
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0].id, "p1");
  EXPECT_EQ(list[4].id, "p5");
  EXPECT_EQ(s().list_patients(2).size(), 2u);
}

// ---- concurrency ----

TEST(StoreConcurrency, FourThreadsInsertingTokensIntoAWalFile) {
  TempDir dir;
  auto s = open_or_die(dir.file("t.db"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto st = s->add_token(token("t" + std::to_string(t) + "-" + std::to_string(i), "g"));
        if (!st) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count_rows(*s, "tokens"), 800);
  EXPECT_EQ(s->count_live_tokens(kNow), 800);
}

TEST_P(StoreTest, ConcurrentTransactionsFromFourThreads) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto id = "g" + std::to_string(t) + "-" + std::to_string(i);
        try {
          auto st = s().transaction([&]() -> core::Status {
            if (auto a = s().add_grant(grant(id)); !a) return a;
            return s().add_token(token("t" + id, id));
          });
          if (!st) failures.fetch_add(1);
        } catch (const std::exception&) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count_rows(s(), "grants"), 200);
  EXPECT_EQ(count_rows(s(), "tokens"), 200);
}

TEST_P(StoreTest, ACodeIsTakenUnusedByExactlyOneOfManyThreads) {  // OAUTH-4 under a race
  ASSERT_TRUE(s().add_grant(grant("g1")).ok());
  ASSERT_TRUE(s().add_code(code("c1", "g1")).ok());
  ASSERT_TRUE(s().add_launch(launch("l1")).ok());
  std::atomic<int> fresh_codes{0}, launches{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      try {
        auto c = s().take_code("c1");
        if (c && !c->used) fresh_codes.fetch_add(1);
        if (s().consume_launch("l1", kNow)) launches.fetch_add(1);
      } catch (const std::exception&) {
        errors.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(fresh_codes.load(), 1);
  EXPECT_EQ(launches.load(), 1);
}

}  // namespace
}  // namespace tessera::store
