// Issue 4: the EHR launcher page over HTTP against the real binary (production mode with
// authz.launcher_enabled = true). Sign-in is required, every form needs its CSRF token, only
// users with can_launch get in, a launch is refused unless the patient, encounter and app fit
// together, and the redirect carries `iss` and `launch` (LAUNCH-1) that then work through
// /authorize with the context carried into the token response (CTX-*).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/encoding.h"
#include "core/random.h"
#include "fixture.h"

namespace tessera::itest {
namespace {

const char* kFhirRows = R"sql(
INSERT INTO resources (type, id, version, last_updated, deleted, json) VALUES
 ('Patient', 'lp-one', 1, 0, 0,
  '{"resourceType":"Patient","id":"lp-one","name":[{"given":["Ada"],"family":"Lovelace"}],"birthDate":"1985-12-10"}'),
 ('Patient', 'lp-two', 1, 0, 0,
  '{"resourceType":"Patient","id":"lp-two","name":[{"given":["Alan"],"family":"Turing"}],"birthDate":"1992-06-23"}'),
 ('Encounter', 'enc-one-a', 1, 0, 0,
  '{"resourceType":"Encounter","id":"enc-one-a","status":"finished","type":[{"text":"Annual physical"}],"subject":{"reference":"Patient/lp-one"},"period":{"start":"2026-03-05T10:00:00Z"}}'),
 ('Encounter', 'enc-one-b', 1, 0, 0,
  '{"resourceType":"Encounter","id":"enc-one-b","status":"finished","type":[{"text":"Sick visit"}],"reasonCode":[{"text":"Acute bronchitis"}],"subject":{"reference":"Patient/lp-one"},"period":{"start":"2026-10-01T09:00:00Z"}}'),
 ('Encounter', 'enc-two', 1, 0, 0,
  '{"resourceType":"Encounter","id":"enc-two","status":"finished","type":[{"text":"Follow-up visit"}],"subject":{"reference":"Patient/lp-two"},"period":{"start":"2026-07-14T08:30:00Z"}}'),
 ('Encounter', 'enc-gone', 1, 0, 1,
  '{"resourceType":"Encounter","id":"enc-gone","status":"finished","subject":{"reference":"Patient/lp-one"}}');
)sql";

bool have_sqlite3() { return std::system("command -v sqlite3 >/dev/null 2>&1") == 0; }

// Writes a few Patient and Encounter rows straight into the FHIR tables (the launcher reads them
// read-only), so this test does not depend on the FHIR import path.
void add_fhir_rows(const std::string& db) {
  auto sql = std::filesystem::path(db).replace_extension(".sql").string();
  std::ofstream(sql) << kFhirRows;
  std::string cmd = "sqlite3 '" + db + "' < '" + sql + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("sqlite3 failed: " + cmd);
}

std::string cookie_header_of(const Reply& r) { return r.header("Set-Cookie"); }

class Launcher : public AsTest {
 public:
  static void SetUpTestSuite() {
    if (!have_sqlite3()) return;
    auto s = std::make_unique<Shared>();
    int port = free_port();
    s->fhir_base = "http://127.0.0.1:" + std::to_string(port) + "/fhir";
    s->seed = seed_database(s->fhir_base);
    add_fhir_rows(s->seed.db);
    // A second launch user, for the throttling test (so the others keep a usable "doctor").
    auto r = run_tessera({"--database", s->seed.db, "user", "add", "nurse", "--password",
                          "nurse-password", "--name", "Nurse Kim", "--can-launch"});
    if (r.exit_code != 0) throw std::runtime_error(r.err);
    r = run_tessera({"--database", s->seed.db, "access", "grant", "--user", "nurse", "--patient",
                     "*", "--relationship", "practitioner"});
    if (r.exit_code != 0) throw std::runtime_error(r.err);
    auto cfg = std::filesystem::path(s->seed.db).replace_extension(".toml").string();
    std::ofstream(cfg) << "[authz]\nlauncher_enabled = true\n";
    s->server =
        std::make_shared<Server>(s->seed.db,
                                 std::vector<std::string>{"--role", "authz", "--listen",
                                                          "127.0.0.1:" + std::to_string(port)},
                                 std::vector<std::string>{"--config", cfg});
    shared_ = std::move(s);
  }
  static void TearDownTestSuite() { shared_.reset(); }

 protected:
  void SetUp() override {
    if (!have_sqlite3())
      GTEST_SKIP() << "sqlite3 (Debian package sqlite3) is needed to seed FHIR rows";
    ASSERT_TRUE(shared_ && shared_->server);
    seed = shared_->seed;
    server = shared_->server;
    fhir_base_ = shared_->fhir_base;
  }

  std::string launcher() const { return issuer() + "/launcher"; }

  // GET /launcher, then sign in with the form's CSRF token. Returns the sign-in answer.
  Reply sign_in(const std::string& user, const std::string& password) {
    auto page = browser.get(launcher());
    EXPECT_EQ(page.status, 200);
    return browser.post_form(form_action(page.body),
                             {{"csrf", hidden_input(page.body, "csrf").value_or("")},
                              {"username", user},
                              {"password", password}});
  }
  // Signs in as doctor and returns the launcher page.
  Reply launcher_page() {
    auto r = sign_in("doctor", "doctor-password");
    EXPECT_EQ(r.status, 303) << r.body;
    auto page = browser.get(launcher());
    EXPECT_EQ(page.status, 200);
    return page;
  }
  Reply launch_with(const Reply& page, Form fields) {
    fields.insert(fields.begin(), {"csrf", hidden_input(page.body, "csrf").value_or("")});
    return browser.post_form(form_action(page.body), fields);
  }

 private:
  struct Shared {
    Seed seed;
    std::shared_ptr<Server> server;
    std::string fhir_base;
  };
  static std::unique_ptr<Shared> shared_;
};
std::unique_ptr<Launcher::Shared> Launcher::shared_;

TEST_F(Launcher, WithoutASessionShowsTheSignInFormAndSetsALauncherCookie) {
  auto page = browser.get(launcher());
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Sign in"), std::string::npos);
  EXPECT_NE(page.body.find("EHR launcher"), std::string::npos);
  EXPECT_EQ(form_action(page.body), launcher() + "/login");
  EXPECT_TRUE(hidden_input(page.body, "csrf").has_value());
  auto sc = cookie_header_of(page);
  EXPECT_EQ(sc.rfind("tessera_launcher=", 0), 0u) << sc;
  EXPECT_NE(sc.find("HttpOnly"), std::string::npos);
  EXPECT_NE(sc.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(sc.find("Path=/launcher"), std::string::npos);
  EXPECT_EQ(page.header("Cache-Control"), "no-store");
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
  // Not signed in: the launcher itself (patients, apps) is not shown.
  EXPECT_EQ(page.body.find("Ada Lovelace"), std::string::npos);
}

TEST_F(Launcher, SignInRequiresTheFormsCsrfToken) {
  auto page = browser.get(launcher());
  auto action = form_action(page.body);
  auto missing =
      browser.post_form(action, {{"username", "doctor"}, {"password", "doctor-password"}});
  EXPECT_EQ(missing.status, 403);
  auto wrong = browser.post_form(
      action, {{"csrf", "not-the-token"}, {"username", "doctor"}, {"password", "doctor-password"}});
  EXPECT_EQ(wrong.status, 403);
  // The right token from another browser (no cookie) does not work either.
  Browser other;
  auto stolen = other.post_form(action, {{"csrf", hidden_input(page.body, "csrf").value_or("")},
                                         {"username", "doctor"},
                                         {"password", "doctor-password"}});
  EXPECT_EQ(stolen.status, 403);
  EXPECT_EQ(browser.get(launcher()).body.find("Ada Lovelace"), std::string::npos);
}

TEST_F(Launcher, WrongPasswordIsRefusedWithAMessage) {
  auto r = sign_in("doctor", "not-the-password");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("The username or password is not right."), std::string::npos);
  EXPECT_NE(r.body.find("value=\"doctor\""), std::string::npos);  // username kept
  auto unknown = sign_in("nobody", "whatever");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_NE(unknown.body.find("The username or password is not right."), std::string::npos);
}

TEST_F(Launcher, EmptyFieldsAsk) {
  auto r = sign_in("doctor", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Enter your username and password."), std::string::npos);
}

TEST_F(Launcher, UserWithoutCanLaunchIsRefused) {
  auto r = sign_in("parent", "parent-password");  // right password, no --can-launch
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("may not use the EHR launcher"), std::string::npos);
  EXPECT_EQ(browser.get(launcher()).body.find("Ada Lovelace"), std::string::npos);
}

TEST_F(Launcher, RepeatedFailuresLockTheUsername) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sign_in("nurse", "wrong").status, 401);
  auto locked = sign_in("nurse", "nurse-password");  // even the right password, while locked
  EXPECT_EQ(locked.status, 429);
  EXPECT_NE(locked.body.find("Too many failed attempts"), std::string::npos);
}

TEST_F(Launcher, SignInReplacesTheSessionAndShowsPatientsEncountersAndApps) {
  auto form = browser.get(launcher());
  auto before = browser.cookies["tessera_launcher"];
  ASSERT_FALSE(before.empty());
  auto login = browser.post_form(form_action(form.body),
                                 {{"csrf", hidden_input(form.body, "csrf").value_or("")},
                                  {"username", "doctor"},
                                  {"password", "doctor-password"}});
  ASSERT_EQ(login.status, 303) << login.body;
  EXPECT_EQ(login.header("Location"), launcher());
  EXPECT_NE(browser.cookies["tessera_launcher"], before);  // no session fixation
  auto page = browser.get(launcher());
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Dr. Elena Chen"), std::string::npos);
  EXPECT_EQ(form_action(page.body), launcher() + "/launch");
  for (const char* s :
       {"Ada Lovelace", "Alan Turing", "value=\"lp-one\"", "value=\"enc-one-a\"",
        "value=\"enc-one-b\"", "value=\"enc-two\"", "Annual physical",
        "Sick visit: Acute bronchitis", "1 Oct 2026", "value=\"web-app\"", "Demo Health App"}) {
    EXPECT_NE(page.body.find(s), std::string::npos) << s;
  }
  // Deleted encounters, apps without a launch URI and resource servers are not offered.
  for (const char* s : {"enc-gone", "value=\"conf-app\"", "value=\"fhir-rs\"", "value=\"backend\""})
    EXPECT_EQ(page.body.find(s), std::string::npos) << s;
  // The FHIR base the app will get as iss.
  EXPECT_NE(page.body.find(fhir_base()), std::string::npos);
  // The most recent encounter is listed first.
  EXPECT_LT(page.body.find("enc-one-b"), page.body.find("enc-one-a"));
}

TEST_F(Launcher, LaunchRequiresASignedInSession) {
  auto r = browser.post_form(launcher() + "/launch",
                             {{"csrf", "x"}, {"patient", "lp-one"}, {"client_id", "web-app"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("Sign in to launch an app."), std::string::npos);
  EXPECT_TRUE(r.header("Location").empty());
}

TEST_F(Launcher, LaunchRequiresTheCsrfToken) {
  auto page = launcher_page();
  auto r =
      browser.post_form(form_action(page.body), {{"patient", "lp-one"}, {"client_id", "web-app"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(r.header("Location").empty());
  // The sign-in form's token (before sign-in) is no longer valid afterwards.
  auto r2 = browser.post_form(form_action(page.body),
                              {{"csrf", "stale"}, {"patient", "lp-one"}, {"client_id", "web-app"}});
  EXPECT_EQ(r2.status, 403);
}

struct BadLaunch {
  const char* name;
  Form fields;
  const char* message;
};

TEST_F(Launcher, RefusesLaunchesThatDoNotFitTogether) {
  auto page = launcher_page();
  const std::vector<BadLaunch> cases = {
      {"no patient", {{"client_id", "web-app"}}, "Choose a patient."},
      {"unknown patient",
       {{"patient", "nobody"}, {"client_id", "web-app"}},
       "You may not open that patient"},
      {"encounter of another patient",
       {{"patient", "lp-two"}, {"encounter", "enc-one-a"}, {"client_id", "web-app"}},
       "That encounter does not belong to the chosen patient."},
      {"deleted encounter",
       {{"patient", "lp-one"}, {"encounter", "enc-gone"}, {"client_id", "web-app"}},
       "That encounter does not belong to the chosen patient."},
      {"unknown encounter",
       {{"patient", "lp-one"}, {"encounter", "nope"}, {"client_id", "web-app"}},
       "That encounter does not belong to the chosen patient."},
      {"no app", {{"patient", "lp-one"}}, "Choose an app."},
      {"unknown app",
       {{"patient", "lp-one"}, {"client_id", "nope"}},
       "That app is not registered for EHR launch."},
      {"app without launch URI",
       {{"patient", "lp-one"}, {"client_id", "conf-app"}},
       "That app is not registered for EHR launch."},
      {"resource server",
       {{"patient", "lp-one"}, {"client_id", "fhir-rs"}},
       "That app is not registered for EHR launch."},
      {"intent too long",
       {{"patient", "lp-one"}, {"client_id", "web-app"}, {"intent", std::string(101, 'x')}},
       "The intent must be at most 100 plain characters."},
  };
  for (const auto& c : cases) {
    auto r = launch_with(page, c.fields);
    EXPECT_EQ(r.status, 400) << c.name;
    EXPECT_TRUE(r.header("Location").empty()) << c.name;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << c.name << "\n" << r.body;
  }
}

// LAUNCH-1: the app's launch URI with iss (the FHIR base) and launch; then the launch works
// through /authorize and the token carries the context the launcher set.
TEST_F(Launcher, LaunchRedirectsToTheAppAndTheLaunchWorksThroughAuthorize) {
  auto page = launcher_page();
  auto r = launch_with(page, {{"patient", "lp-one"},
                              {"encounter", "enc-one-b"},
                              {"client_id", "web-app"},
                              {"need_patient_banner", "true"},
                              {"intent", "reconcile-medications"}});
  ASSERT_EQ(r.status, 303) << r.body;
  auto loc = r.header("Location");
  EXPECT_EQ(loc.rfind("http://127.0.0.1:9/launch?", 0), 0u) << loc;
  EXPECT_EQ(query_param(loc, "iss"), fhir_base());
  auto launch = query_param(loc, "launch");
  ASSERT_TRUE(launch.has_value());
  EXPECT_EQ(launch->rfind("tsr_ln_", 0), 0u);

  // The app (web-app) now runs an EHR launch; the doctor signs in at the AS.
  Flow f;
  f.scope = "launch openid fhirUser patient/*.rs";
  f.launch = *launch;
  f.username = "doctor";
  f.password = "doctor-password";
  auto tok = this->launch(f);
  EXPECT_EQ(tok["patient"], "lp-one");
  EXPECT_EQ(tok["encounter"], "enc-one-b");
  EXPECT_EQ(tok["need_patient_banner"], true);
  EXPECT_EQ(tok["intent"], "reconcile-medications");
  EXPECT_EQ(tok["smart_style_url"], issuer() + "/smart-style/v1.json");

  // Single use: the same launch value is refused the second time.
  Flow again = f;
  auto pkce = make_pkce();
  auto rr = authorize(authorize_params(again, pkce));
  EXPECT_EQ(rr.status, 303);
  EXPECT_EQ(query_param(rr.header("Location"), "error"), "invalid_request");
}

TEST_F(Launcher, WithoutNeedPatientBannerTheContextOmitsIt) {
  auto page = launcher_page();
  auto r = launch_with(page, {{"patient", "lp-two"}, {"client_id", "web-app"}});
  ASSERT_EQ(r.status, 303) << r.body;
  Flow f;
  f.scope = "launch openid fhirUser patient/*.rs";
  f.launch = query_param(r.header("Location"), "launch").value_or("");
  f.username = "doctor";
  f.password = "doctor-password";
  auto tok = this->launch(f);
  EXPECT_EQ(tok["patient"], "lp-two");
  EXPECT_FALSE(tok.contains("encounter"));
  EXPECT_FALSE(tok.contains("need_patient_banner"));
  EXPECT_FALSE(tok.contains("intent"));
}

// The launch is bound to the signed-in launcher user: another user cannot redeem it.
TEST_F(Launcher, TheLaunchIsBoundToTheLauncherUser) {
  auto page = launcher_page();
  auto r = launch_with(page, {{"patient", "lp-one"}, {"client_id", "web-app"}});
  ASSERT_EQ(r.status, 303) << r.body;
  Flow f;
  f.scope = "launch openid fhirUser patient/*.rs";
  f.launch = query_param(r.header("Location"), "launch").value_or("");
  f.username = "solo";
  f.password = "solo-password";
  auto pkce = make_pkce();
  auto login = open_login(f, pkce);
  auto answer = submit_login(login, f.username, f.password);
  EXPECT_NE(answer.status, 303);
  EXPECT_NE(answer.body.find("another user"), std::string::npos) << answer.body;
}

// Production mode without authz.launcher_enabled: there is no launcher.
TEST(LauncherOff, NotServedInProductionByDefault) {
  int port = free_port();
  auto seed = seed_database("http://127.0.0.1:" + std::to_string(port) + "/fhir");
  auto server = start_authz(seed, port);
  Browser b;
  EXPECT_EQ(b.get(server->base() + "/launcher").status, 404);
  EXPECT_EQ(b.post_form(server->base() + "/launcher/login", {{"username", "doctor"}}).status, 404);
}

}  // namespace
}  // namespace tessera::itest
