#include "admin/admin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "core/clock.h"
#include "oauth/key_ring.h"
#include "oauth/password.h"
#include "oauth/token_format.h"

namespace tessera::admin {
namespace {

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::SqliteStore::open(":memory:");
    ASSERT_TRUE(s.ok()) << s.error().description;
    store_ = std::move(s.value());
  }
  store::SqliteStore& s() { return *store_; }

  // Every column of the client's row, concatenated: what a database thief would see.
  std::string raw_client_row(const std::string& id) {
    auto st = s().db().prepare(
        "SELECT client_id || '|' || name || '|' || type || '|' || secret_hash || '|' || "
        "redirect_uris || '|' || scope || '|' || grant_types || '|' || launch_uri || '|' || "
        "created_at FROM clients WHERE client_id = ?");
    st.bind(1, id);
    return st.step() ? st.text(0) : std::string();
  }

  static ClientSpec spec(std::string id, std::string type,
                         std::vector<std::string> redirects = {"https://app.example/cb"}) {
    ClientSpec c;
    c.client_id = std::move(id);
    c.type = std::move(type);
    c.redirect_uris = std::move(redirects);
    c.scope = "launch/patient openid fhirUser patient/*.rs";
    return c;
  }

  core::ManualClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
};

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- clients ----

TEST_F(AdminTest, PublicClientHasNoSecret) {
  auto made = add_client(s(), spec("my-app", "public"), clock_);
  ASSERT_TRUE(made.ok()) << made.error().description;
  EXPECT_TRUE(made->secret.empty());
  EXPECT_EQ(made->client.type, store::ClientType::kPublic);
  EXPECT_TRUE(made->client.secret_hash.empty());
  EXPECT_EQ(made->client.grant_types,
            (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(made->client.created_at, clock_.now_seconds());
  EXPECT_EQ(made->client.origins, std::vector<std::string>{"https://app.example"});  // as stored
}

TEST_F(AdminTest, ConfidentialClientSecretIsShownOnceAndStoredOnlyAsHash) {
  auto made = add_client(s(), spec("conf-app", "confidential"), clock_);
  ASSERT_TRUE(made.ok()) << made.error().description;
  const std::string& secret = made->secret;
  EXPECT_EQ(secret.rfind(std::string(oauth::kClientSecretPrefix), 0), 0u);
  EXPECT_TRUE(oauth::looks_like(secret, oauth::kClientSecretPrefix));
  auto stored = s().find_client("conf-app");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(oauth::credential_hash(secret), stored->secret_hash);
  EXPECT_EQ(made->client.secret_hash, stored->secret_hash);
  auto row = raw_client_row("conf-app");
  ASSERT_FALSE(row.empty());
  EXPECT_FALSE(contains(row, secret));
  EXPECT_FALSE(contains(row, secret.substr(oauth::kClientSecretPrefix.size())));
  EXPECT_EQ(made->client.grant_types,
            (std::vector<std::string>{"authorization_code", "refresh_token"}));
}

TEST_F(AdminTest, EachClientGetsADifferentSecret) {
  auto a = add_client(s(), spec("a", "confidential"), clock_);
  auto b = add_client(s(), spec("b", "confidential"), clock_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->secret, b->secret);
}

TEST_F(AdminTest, ResourceServerDefaultsToClientCredentialsAndIntrospection) {
  auto made = add_client(s(), spec("fhir-rs", "resource-server", {}), clock_);
  ASSERT_TRUE(made.ok()) << made.error().description;
  EXPECT_EQ(made->client.type, store::ClientType::kResourceServer);
  EXPECT_EQ(made->client.grant_types, std::vector<std::string>{"client_credentials"});
  EXPECT_FALSE(made->secret.empty());
  EXPECT_EQ(oauth::credential_hash(made->secret), s().find_client("fhir-rs")->secret_hash);
  EXPECT_FALSE(contains(raw_client_row("fhir-rs"), made->secret));
}

TEST_F(AdminTest, ResourceServerWithoutScopeGetsIntrospectionScope) {
  auto c = spec("rs", "resource-server", {});
  c.scope.clear();
  auto made = add_client(s(), c, clock_);
  ASSERT_TRUE(made.ok()) << made.error().description;
  EXPECT_EQ(made->client.scope, "__introspect");
}

TEST_F(AdminTest, GivenSecretIsUsedWhenLongEnough) {
  auto c = spec("conf", "confidential");
  c.secret = std::string(32, 's');
  auto made = add_client(s(), c, clock_);
  ASSERT_TRUE(made.ok()) << made.error().description;
  EXPECT_EQ(made->secret, c.secret);
  EXPECT_EQ(s().find_client("conf")->secret_hash, oauth::credential_hash(c.secret));

  auto short_secret = spec("conf2", "confidential");
  short_secret.secret = std::string(31, 's');
  auto bad = add_client(s(), short_secret, clock_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, core::ErrorCode::kBadRequest);
  EXPECT_FALSE(s().find_client("conf2").has_value());
}

TEST_F(AdminTest, ClientIdIsGeneratedWhenEmpty) {
  auto made = add_client(s(), spec("", "public"), clock_);
  ASSERT_TRUE(made.ok()) << made.error().description;
  EXPECT_EQ(made->client.client_id.rfind("app-", 0), 0u);
  EXPECT_EQ(made->client.client_id.size(), 16u);
  EXPECT_EQ(made->client.name, made->client.client_id);  // name defaults to the id
  EXPECT_TRUE(s().find_client(made->client.client_id).has_value());
}

TEST_F(AdminTest, ExplicitGrantTypesAreKept) {
  auto c = spec("conf", "confidential");
  c.grant_types = {"authorization_code", "client_credentials"};
  auto made = add_client(s(), c, clock_);
  ASSERT_TRUE(made.ok()) << made.error().description;
  EXPECT_EQ(made->client.grant_types, c.grant_types);
}

TEST_F(AdminTest, ScopesAreNormalised) {
  auto c = spec("app", "public");
  c.scope = "  openid  openid launch  ";
  auto made = add_client(s(), c, clock_);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->client.scope, "openid launch");
}

TEST_F(AdminTest, LaunchUriIsStored) {  // LAUNCH-1
  auto c = spec("ehr-app", "public");
  c.launch_uri = "https://app.example/launch";
  auto made = add_client(s(), c, clock_);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(s().find_client("ehr-app")->launch_uri, "https://app.example/launch");
  EXPECT_TRUE(contains(format_client(made->client), "launch URI:    https://app.example/launch"));
}

struct BadClient {
  const char* why;
  ClientSpec spec;
};

TEST_F(AdminTest, BadClientInputsAreRefused) {
  auto with = [](auto change) {
    ClientSpec c = spec("app", "public");
    change(c);
    return c;
  };
  const BadClient cases[] = {
      {"space in id", with([](ClientSpec& c) { c.client_id = "my app"; })},
      {"slash in id", with([](ClientSpec& c) { c.client_id = "a/b"; })},
      {"colon in id", with([](ClientSpec& c) { c.client_id = "a:b"; })},
      {"non-ascii id", with([](ClientSpec& c) { c.client_id = "caf\xc3\xa9"; })},
      {"id too long", with([](ClientSpec& c) { c.client_id = std::string(129, 'a'); })},
      {"unknown type", with([](ClientSpec& c) { c.type = "trusted"; })},
      {"relative redirect", with([](ClientSpec& c) { c.redirect_uris = {"/cb"}; })},
      {"no scheme", with([](ClientSpec& c) { c.redirect_uris = {"app.example/cb"}; })},
      {"custom scheme", with([](ClientSpec& c) { c.redirect_uris = {"myapp://cb"}; })},
      {"fragment", with([](ClientSpec& c) { c.redirect_uris = {"https://app.example/cb#x"}; })},
      {"space", with([](ClientSpec& c) { c.redirect_uris = {"https://app.example/a b"}; })},
      {"one bad of two", with([](ClientSpec& c) {
         c.redirect_uris = {"https://app.example/cb", "/rel"};
       })},
      {"relative launch", with([](ClientSpec& c) { c.launch_uri = "/launch"; })},
      {"public + client_credentials",
       with([](ClientSpec& c) { c.grant_types = {"client_credentials"}; })},
      {"unknown grant", with([](ClientSpec& c) { c.grant_types = {"password"}; })},
      {"implicit", with([](ClientSpec& c) { c.grant_types = {"implicit"}; })},
      {"code without redirect", with([](ClientSpec& c) { c.redirect_uris.clear(); })},
      {"confidential code without redirect", with([](ClientSpec& c) {
         c.type = "confidential";
         c.redirect_uris.clear();
       })},
  };
  for (const auto& [why, c] : cases) {
    auto made = add_client(s(), c, clock_);
    ASSERT_FALSE(made.ok()) << why;
    EXPECT_EQ(made.error().code, core::ErrorCode::kBadRequest) << why;
  }
  EXPECT_TRUE(s().list_clients().empty());
}

TEST_F(AdminTest, BadInputErrorsSayWhatIsWrong) {
  auto c = spec("app", "public");
  c.grant_types = {"client_credentials"};
  EXPECT_TRUE(contains(add_client(s(), c, clock_).error().description, "client_credentials"));
  c = spec("app", "public", {});
  EXPECT_TRUE(contains(add_client(s(), c, clock_).error().description, "--redirect-uri"));
  c = spec("app", "public", {"https://app.example/cb#frag"});
  EXPECT_TRUE(contains(add_client(s(), c, clock_).error().description, "fragment"));
}

TEST_F(AdminTest, DuplicateClientIsAConflict) {
  ASSERT_TRUE(add_client(s(), spec("app", "public"), clock_).ok());
  auto again = add_client(s(), spec("app", "confidential"), clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(s().find_client("app")->type, store::ClientType::kPublic);
}

TEST_F(AdminTest, ShowListAndRemoveClients) {
  ASSERT_TRUE(add_client(s(), spec("b-app", "public"), clock_).ok());
  ASSERT_TRUE(add_client(s(), spec("a-rs", "resource-server", {}), clock_).ok());
  EXPECT_EQ(list_clients(s()), "a-rs\tresource-server\ta-rs\nb-app\tpublic\tb-app\n");

  auto shown = show_client(s(), "b-app");
  ASSERT_TRUE(shown.ok());
  EXPECT_TRUE(contains(*shown, "client_id:     b-app\n"));
  EXPECT_TRUE(contains(*shown, "type:          public\n"));
  EXPECT_TRUE(contains(*shown, "grant types:   authorization_code refresh_token\n"));
  EXPECT_TRUE(contains(*shown, "redirect URIs: https://app.example/cb\n"));
  EXPECT_FALSE(contains(*shown, "secret"));
  EXPECT_EQ(show_client(s(), "nope").error().code, core::ErrorCode::kNotFound);

  auto removed = remove_client(s(), "b-app");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, "removed client b-app\n");
  EXPECT_EQ(remove_client(s(), "b-app").error().code, core::ErrorCode::kNotFound);
}

// ---- users ----

TEST_F(AdminTest, AddUserStoresAnArgon2idHash) {
  auto r = add_user(s(), {"alice", "correct horse battery", "Patient/p1", "Alice A", true}, clock_);
  ASSERT_TRUE(r.ok()) << r.error().description;
  EXPECT_EQ(*r, "added user alice\n");
  auto u = s().find_user("alice");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_FALSE(contains(u->password_hash, "correct horse"));
  EXPECT_TRUE(oauth::verify_password("correct horse battery", u->password_hash));
  EXPECT_FALSE(oauth::verify_password("wrong horse battery", u->password_hash));
  EXPECT_EQ(u->fhir_user, "Patient/p1");
  EXPECT_EQ(u->display_name, "Alice A");
  EXPECT_TRUE(u->can_launch);
  EXPECT_EQ(u->created_at, clock_.now_seconds());
}

TEST_F(AdminTest, UserWithoutFhirUserIsAllowed) {
  auto r = add_user(s(), {"admin", "long-enough-pw", "", "", false}, clock_);
  ASSERT_TRUE(r.ok()) << r.error().description;
  EXPECT_EQ(list_users(s()), "admin\t-\t\n");
}

TEST_F(AdminTest, ShortPasswordIsRefused) {
  auto r = add_user(s(), {"alice", "1234567", "Patient/p1", "", false}, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kBadRequest);
  EXPECT_FALSE(s().find_user("alice").has_value());
  EXPECT_TRUE(add_user(s(), {"alice", "12345678", "Patient/p1", "", false}, clock_).ok());
}

TEST_F(AdminTest, BadFhirUserIsRefused) {
  for (const char* fhir_user :
       {"Patient", "Patient/", "/p1", "patient/p1", "Observation/o1", "Organization/org1", "p1"}) {
    auto r = add_user(s(), {"alice", "long-enough-pw", fhir_user, "", false}, clock_);
    ASSERT_FALSE(r.ok()) << fhir_user;
    EXPECT_EQ(r.error().code, core::ErrorCode::kBadRequest) << fhir_user;
  }
  for (const char* fhir_user :
       {"Patient/p1", "Practitioner/9", "RelatedPerson/4", "PractitionerRole/r", "Person/x"}) {
    auto name = "u-" + std::string(fhir_user).substr(0, std::string(fhir_user).find('/'));
    EXPECT_TRUE(add_user(s(), {name, "long-enough-pw", fhir_user, "", false}, clock_).ok())
        << fhir_user;
  }
}

TEST_F(AdminTest, BadUsernameIsRefused) {
  for (const char* name : {"", "a b", "a/b", "a@b"}) {
    auto r = add_user(s(), {name, "long-enough-pw", "", "", false}, clock_);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, core::ErrorCode::kBadRequest) << name;
  }
}

TEST_F(AdminTest, DuplicateUserIsAConflict) {
  ASSERT_TRUE(add_user(s(), {"alice", "long-enough-pw", "", "", false}, clock_).ok());
  auto r = add_user(s(), {"alice", "other-long-pw", "", "", false}, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kConflict);
}

TEST_F(AdminTest, ListAndRemoveUsers) {
  ASSERT_TRUE(
      add_user(s(), {"mom", "long-enough-pw", "RelatedPerson/rp1", "Mom", false}, clock_).ok());
  ASSERT_TRUE(
      add_user(s(), {"doc", "long-enough-pw", "Practitioner/9", "Dr D", true}, clock_).ok());
  EXPECT_EQ(list_users(s()),
            "doc\tPractitioner/9\tDr D\t(launcher)\nmom\tRelatedPerson/rp1\tMom\n");
  EXPECT_EQ(*remove_user(s(), "mom"), "removed user mom\n");
  EXPECT_EQ(remove_user(s(), "mom").error().code, core::ErrorCode::kNotFound);
}

// ---- patient access ----

TEST_F(AdminTest, GrantAccessForAnUnknownUserIsNotFound) {
  auto r = grant_access(s(), "ghost", "p1", "self", clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kNotFound);
}

TEST_F(AdminTest, GrantAccessToOnePatientOrAll) {
  ASSERT_TRUE(
      add_user(s(), {"mom", "long-enough-pw", "RelatedPerson/rp1", "", false}, clock_).ok());
  ASSERT_TRUE(add_user(s(), {"doc", "long-enough-pw", "Practitioner/9", "", false}, clock_).ok());
  auto one = grant_access(s(), "mom", "kid-1", "parent", clock_);
  ASSERT_TRUE(one.ok()) << one.error().description;
  EXPECT_EQ(*one, "user mom may act for patient kid-1 (parent)\n");
  auto all = grant_access(s(), "doc", "*", "practitioner", clock_);
  ASSERT_TRUE(all.ok()) << all.error().description;
  EXPECT_EQ(*all, "user doc may act for all patients (practitioner)\n");
  EXPECT_EQ(list_access(s(), "mom"), "mom\tkid-1\tparent\n");
  EXPECT_EQ(list_access(s(), ""), "doc\t*\tpractitioner\nmom\tkid-1\tparent\n");
  auto access = s().list_access("mom");
  ASSERT_EQ(access.size(), 1u);
  EXPECT_EQ(access[0].created_at, clock_.now_seconds());
}

TEST_F(AdminTest, GrantAccessValidatesItsInputs) {
  ASSERT_TRUE(add_user(s(), {"mom", "long-enough-pw", "", "", false}, clock_).ok());
  for (const char* patient : {"", "Patient/kid-1", "kid 1", "**"}) {
    auto r = grant_access(s(), "mom", patient, "parent", clock_);
    ASSERT_FALSE(r.ok()) << patient;
    EXPECT_EQ(r.error().code, core::ErrorCode::kBadRequest) << patient;
  }
  auto no_rel = grant_access(s(), "mom", "kid-1", "", clock_);
  ASSERT_FALSE(no_rel.ok());
  EXPECT_EQ(no_rel.error().code, core::ErrorCode::kBadRequest);
  EXPECT_TRUE(s().list_access("mom").empty());
}

TEST_F(AdminTest, RevokeAccess) {
  ASSERT_TRUE(add_user(s(), {"mom", "long-enough-pw", "", "", false}, clock_).ok());
  ASSERT_TRUE(grant_access(s(), "mom", "kid-1", "parent", clock_).ok());
  auto r = revoke_access(s(), "mom", "kid-1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "revoked access of mom to kid-1\n");
  EXPECT_EQ(revoke_access(s(), "mom", "kid-1").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(list_access(s(), "mom"), "");
}

// ---- launch context ----

TEST_F(AdminTest, LaunchContextUsesBareIds) {  // CTX-4
  LaunchSpec l;
  l.patient = "p1";
  l.encounter = "e1";
  auto ctx = launch_context(l);
  ASSERT_TRUE(ctx.ok()) << ctx.error().description;
  EXPECT_EQ(*ctx, (nlohmann::json{{"patient", "p1"}, {"encounter", "e1"}}));
}

TEST_F(AdminTest, LaunchContextRefusesReferencesWhereIdsBelong) {  // CTX-4
  for (auto [patient, encounter] : {std::pair{"Patient/p1", ""}, std::pair{"", ""},
                                    std::pair{"p 1", ""}, std::pair{"p1", "Encounter/e1"}}) {
    LaunchSpec l;
    l.patient = patient;
    l.encounter = encounter;
    auto ctx = launch_context(l);
    ASSERT_FALSE(ctx.ok()) << patient << " " << encounter;
    EXPECT_EQ(ctx.error().code, core::ErrorCode::kBadRequest);
  }
}

TEST_F(AdminTest, NeedPatientBannerIsABoolean) {  // CTX-7
  LaunchSpec l;
  l.patient = "p1";
  l.need_patient_banner = true;
  auto ctx = launch_context(l);
  ASSERT_TRUE(ctx.ok());
  ASSERT_TRUE(ctx->contains("need_patient_banner"));
  EXPECT_TRUE((*ctx)["need_patient_banner"].is_boolean());
  EXPECT_EQ((*ctx)["need_patient_banner"], true);
  l.need_patient_banner = false;
  EXPECT_FALSE(launch_context(l)->contains("need_patient_banner"));
}

TEST_F(AdminTest, LaunchContextCarriesOptionalMembers) {
  LaunchSpec l;
  l.patient = "p1";
  l.intent = "reconcile-medications";
  l.smart_style_url = "https://ehr.example/style.json";
  l.tenant = "clinic-7";
  auto ctx = launch_context(l);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ((*ctx)["intent"], "reconcile-medications");
  EXPECT_EQ((*ctx)["smart_style_url"], "https://ehr.example/style.json");
  EXPECT_EQ((*ctx)["tenant"], "clinic-7");
  EXPECT_FALSE(ctx->contains("encounter"));
  EXPECT_FALSE(ctx->contains("fhirContext"));
}

TEST_F(AdminTest, ValidFhirContextIsKeptVerbatim) {  // CTX-5
  LaunchSpec l;
  l.patient = "p1";
  l.fhir_context_json = R"([
    {"reference": "DiagnosticReport/dr-1"},
    {"canonical": "http://example.org/Questionnaire/q|1.0", "type": "Questionnaire"},
    {"identifier": {"system": "urn:x", "value": "123"}, "type": "ServiceRequest"},
    {"reference": "Patient/parent-1", "role": "https://example.org/roles/mother"},
    {"reference": "Observation/o1", "role": "launch"}
  ])";
  auto ctx = launch_context(l);
  ASSERT_TRUE(ctx.ok()) << ctx.error().description;
  EXPECT_EQ((*ctx)["fhirContext"], nlohmann::json::parse(l.fhir_context_json));
}

TEST_F(AdminTest, BadFhirContextIsRefused) {  // CTX-5, CTX-6
  const char* cases[] = {
      "not json",
      R"({"reference": "DiagnosticReport/dr-1"})",  // not an array
      R"("DiagnosticReport/dr-1")",
      R"(["DiagnosticReport/dr-1"])",       // item not an object
      R"([{"type": "DiagnosticReport"}])",  // no reference, canonical or identifier
      R"([{}])",
      R"([{"reference": "DiagnosticReport/dr-1", "role": ""}])",  // empty role
      R"([{"reference": "DiagnosticReport/dr-1", "role": 5}])",   // role not a string
      R"([{"reference": 5}])",                                    // reference not a string
      R"([{"reference": ""}])",
      R"([{"canonical": ["x"]}])",
      R"([{"identifier": "123"}])",        // identifier not an object
      R"([{"reference": "Patient/p1"}])",  // CTX-6: the patient is top-level
      R"([{"reference": "Encounter/e1", "role": "launch"}])",
      R"([{"identifier": {"value": "x"}, "type": "Patient"}])",
  };
  for (const char* fc : cases) {
    LaunchSpec l;
    l.patient = "p1";
    l.fhir_context_json = fc;
    auto ctx = launch_context(l);
    ASSERT_FALSE(ctx.ok()) << fc;
    EXPECT_EQ(ctx.error().code, core::ErrorCode::kBadRequest) << fc;
  }
}

TEST_F(AdminTest, EmptyRoleErrorSaysSo) {
  LaunchSpec l;
  l.patient = "p1";
  l.fhir_context_json = R"([{"reference": "DiagnosticReport/dr-1", "role": ""}])";
  EXPECT_TRUE(contains(launch_context(l).error().description, "role must not be empty"));
}

// ---- keys ----

TEST_F(AdminTest, InitCreatesOneKeyAndIsIdempotent) {
  auto first = init(s(), clock_);
  ASSERT_TRUE(first.ok()) << first.error().description;
  auto keys = s().list_keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(contains(*first, keys[0].kid));
  EXPECT_EQ(keys[0].alg, "RS256");
  EXPECT_TRUE(keys[0].active);
  EXPECT_EQ(keys[0].created_at, clock_.now_seconds());

  auto second = init(s(), clock_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "database ready (signing key exists)\n");
  EXPECT_EQ(s().list_keys().size(), 1u);
  EXPECT_EQ(s().list_keys()[0].kid, keys[0].kid);
}

TEST_F(AdminTest, RotateKeyAddsASecondKeyThatSigns) {
  ASSERT_TRUE(init(s(), clock_).ok());
  auto old_kid = s().list_keys().at(0).kid;
  auto rotated = rotate_key(s(), clock_);  // same clock second as init
  ASSERT_TRUE(rotated.ok()) << rotated.error().description;
  auto keys = s().list_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_NE(keys[0].kid, old_kid);
  EXPECT_TRUE(contains(*rotated, keys[0].kid));
  EXPECT_TRUE(keys[0].active);
  EXPECT_TRUE(keys[1].active);
  EXPECT_EQ(keys[1].kid, old_kid);
  // The key ring signs with the new key and still publishes the old one.
  auto ring = oauth::KeyRing::load(s());
  ASSERT_TRUE(ring.ok()) << ring.error().description;
  EXPECT_EQ(ring->signing_key().kid(), keys[0].kid);
  EXPECT_TRUE(contains(ring->jwks_json(), old_kid));

  auto listed = list_keys(s());
  EXPECT_LT(listed.find(keys[0].kid), listed.find(old_kid));  // newest first
  EXPECT_TRUE(contains(listed, "RS256  active  created " + std::to_string(clock_.now_seconds())));
}

// ---- audit ----

store::AuditRecord audit_record(std::int64_t time, std::string patient, std::string resource_id) {
  store::AuditRecord a;
  a.time = time;
  a.event = "fhir.read";
  a.client_id = "app1";
  a.subject = "mom";
  a.fhir_user = "RelatedPerson/rp1";
  a.patient = std::move(patient);
  a.on_behalf_of = "parent";
  a.interaction = "read";
  a.resource_type = "Observation";
  a.resource_id = std::move(resource_id);
  a.outcome = "success";
  a.status = 200;
  a.detail = "ok";
  return a;
}

TEST_F(AdminTest, ListAuditAsText) {
  ASSERT_TRUE(s().add_audit(audit_record(1000, "kid-1", "o1")).ok());
  ASSERT_TRUE(s().add_audit(audit_record(2000, "kid-2", "")).ok());
  EXPECT_EQ(list_audit(s(), {}, /*json=*/false),
            "2000\tfhir.read\tclient=app1\tsub=mom\tpatient=kid-2\tread Observation\tsuccess 200\n"
            "1000\tfhir.read\tclient=app1\tsub=mom\tpatient=kid-1\tread Observation/o1\tsuccess "
            "200\n");
  store::AuditQuery q;
  q.patient = "kid-1";
  auto one = list_audit(s(), q, false);
  EXPECT_EQ(std::count(one.begin(), one.end(), '\n'), 1);
  EXPECT_TRUE(contains(one, "patient=kid-1"));
  EXPECT_EQ(list_audit(s(), {}, false).empty(), false);
}

TEST_F(AdminTest, ListAuditAsJsonLines) {
  ASSERT_TRUE(s().add_audit(audit_record(1000, "kid-1", "o1")).ok());
  ASSERT_TRUE(s().add_audit(audit_record(2000, "kid-2", "o2")).ok());
  auto out = list_audit(s(), {}, /*json=*/true);
  auto nl = out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  auto first = nlohmann::json::parse(out.substr(0, nl));
  auto second = nlohmann::json::parse(out.substr(nl + 1, out.size() - nl - 2));
  EXPECT_EQ(first["time"], 2000);
  EXPECT_EQ(second["time"], 1000);
  EXPECT_EQ(second["event"], "fhir.read");
  EXPECT_EQ(second["client_id"], "app1");
  EXPECT_EQ(second["sub"], "mom");
  EXPECT_EQ(second["fhirUser"], "RelatedPerson/rp1");
  EXPECT_EQ(second["patient"], "kid-1");
  EXPECT_EQ(second["on_behalf_of"], "parent");
  EXPECT_EQ(second["interaction"], "read");
  EXPECT_EQ(second["resource_type"], "Observation");
  EXPECT_EQ(second["resource_id"], "o1");
  EXPECT_EQ(second["outcome"], "success");
  EXPECT_EQ(second["status"], 200);
  EXPECT_EQ(second["detail"], "ok");
  EXPECT_TRUE(second["id"].is_number_integer());
}

TEST_F(AdminTest, ListAuditOfAnEmptyLogIsEmpty) {
  EXPECT_EQ(list_audit(s(), {}, false), "");
  EXPECT_EQ(list_audit(s(), {}, true), "");
}

}  // namespace
}  // namespace tessera::admin
