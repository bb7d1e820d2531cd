#include "fixture.h"

#include <filesystem>
#include <regex>

#include "core/random.h"

namespace tessera::itest {

namespace {
std::string expect_ok(const std::vector<std::string>& args) {
  auto r = run_tessera(args);
  if (r.exit_code != 0) throw std::runtime_error("tessera failed: " + r.err + r.out);
  return r.out;
}
std::string must_hidden(const std::string& html, const std::string& name) {
  auto v = hidden_input(html, name);
  if (!v) throw std::runtime_error("no hidden input '" + name + "' in page:\n" + html);
  return *v;
}
std::string secret_of(const std::string& out) {
  std::smatch m;
  std::regex re("client_secret: (\\S+)");
  if (!std::regex_search(out, m, re)) throw std::runtime_error("no secret in: " + out);
  return m[1];
}
}  // namespace

Seed seed_database(const std::string& fhir_base) {
  Seed s;
  auto dir = std::filesystem::temp_directory_path() / "tessera-itest";
  std::filesystem::create_directories(dir);
  s.db = (dir / ("as-" + core::default_random().token(8) + ".db")).string();
  auto t = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--database", s.db});
    return expect_ok(args);
  };
  t({"init"});
  const std::string scopes =
      "openid fhirUser launch launch/patient offline_access online_access patient/*.cruds "
      "patient/*.read patient/*.rs user/*.rs user/*.cruds";
  t({"client", "add", "--id", "web-app", "--name", "Demo Health App", "--type", "public",
     "--redirect-uri", "http://127.0.0.1:9/callback", "--launch-uri", "http://127.0.0.1:9/launch",
     "--scope", scopes});
  s.confidential_secret = secret_of(
      t({"client", "add", "--id", "conf-app", "--name", "Clinic App", "--type", "confidential",
         "--redirect-uri", "http://127.0.0.1:9/conf-callback", "--scope", scopes}));
  s.rs_secret = secret_of(t({"client", "add", "--id", "fhir-rs", "--name", "FHIR server", "--type",
                             "resource-server", "--scope", "__introspect"}));
  s.backend_secret = secret_of(t({"client", "add", "--id", "backend", "--name", "Nightly export",
                                  "--type", "confidential", "--grant-type", "client_credentials",
                                  "--scope", "system/Patient.rs system/Observation.rs"}));
  t({"user", "add", "parent", "--password", "parent-password", "--fhir-user", "Patient/demo-parent",
     "--name", "Maria Alvarez"});
  t({"access", "grant", "--user", "parent", "--patient", "demo-parent", "--relationship", "self"});
  t({"access", "grant", "--user", "parent", "--patient", "demo-child-1", "--relationship",
     "parent"});
  t({"access", "grant", "--user", "parent", "--patient", "demo-child-2", "--relationship",
     "parent"});
  t({"user", "add", "solo", "--password", "solo-password", "--fhir-user", "Patient/demo-solo",
     "--name", "James Okafor"});
  t({"access", "grant", "--user", "solo", "--patient", "demo-solo", "--relationship", "self"});
  t({"user", "add", "doctor", "--password", "doctor-password", "--fhir-user",
     "Practitioner/demo-practitioner", "--name", "Dr. Elena Chen", "--can-launch"});
  t({"access", "grant", "--user", "doctor", "--patient", "*", "--relationship", "practitioner"});
  (void)fhir_base;
  return s;
}

std::unique_ptr<Server> start_authz(const Seed& seed, int port,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--role", "authz", "--listen",
                                   "127.0.0.1:" + std::to_string(port)};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<Server>(seed.db, args);
}

void AsTest::SetUp() {
  int port = free_port();
  fhir_base_ = "http://127.0.0.1:" + std::to_string(port) + "/fhir";
  seed = seed_database(fhir_base_);
  server = start_authz(seed, port);
}

std::unique_ptr<SharedAsTest::Shared> SharedAsTest::default_;
std::unique_ptr<SharedAsTest::Shared> SharedAsTest::dedicated_;
SharedAsTest::Shared* SharedAsTest::current_ = nullptr;

std::unique_ptr<SharedAsTest::Shared> SharedAsTest::make_shared_server(
    const std::vector<std::string>& extra_args) {
  auto s = std::make_unique<Shared>();
  int port = free_port();
  s->fhir_base = "http://127.0.0.1:" + std::to_string(port) + "/fhir";
  s->seed = seed_database(s->fhir_base);
  s->server = start_authz(s->seed, port, extra_args);
  return s;
}

void SharedAsTest::start_shared(const std::vector<std::string>& extra_args) {
  current_ = nullptr;
  if (extra_args.empty()) {
    if (!default_) default_ = make_shared_server({});
    current_ = default_.get();
  } else {
    dedicated_ = make_shared_server(extra_args);
    current_ = dedicated_.get();
  }
}

void SharedAsTest::TearDownTestSuite() {
  current_ = nullptr;
  dedicated_.reset();
}

void SharedAsTest::SetUp() {
  ASSERT_TRUE(current_ && current_->server) << "the shared server did not start";
  seed = current_->seed;
  server = current_->server;
  fhir_base_ = current_->fhir_base;
}

http::Params AsTest::authorize_params(const Flow& f, const Pkce& pkce) const {
  http::Params p;
  p.add("response_type", "code");
  p.add("client_id", f.client_id);
  p.add("redirect_uri", f.redirect_uri);
  p.add("scope", f.scope);
  p.add("state", f.state);
  p.add("aud", fhir_base());
  p.add("code_challenge", pkce.challenge);
  p.add("code_challenge_method", "S256");
  if (!f.nonce.empty()) p.add("nonce", f.nonce);
  if (!f.launch.empty()) p.add("launch", f.launch);
  return p;
}

Reply AsTest::authorize(const http::Params& p, bool post) {
  if (post) return browser.post_form(issuer() + "/authorize", p.items());
  return browser.get(issuer() + "/authorize?" + p.encode());
}

Reply AsTest::open_login(const Flow& f, const Pkce& pkce) {
  auto r = authorize(authorize_params(f, pkce), f.post_authorize);
  auto loc = r.header("Location");
  if (r.status != 303 || loc.rfind(issuer() + "/interaction/", 0) != 0)
    throw std::runtime_error("authorize did not start an interaction: " + std::to_string(r.status) +
                             " " + loc + " " + r.body);
  auto page = browser.get(loc);
  if (!hidden_input(page.body, "csrf") ||
      form_action(page.body).find("/login") == std::string::npos)
    throw std::runtime_error("no login form: " + page.body);
  return page;
}

Reply AsTest::submit_login(const Reply& page, const std::string& username,
                           const std::string& password, const std::optional<std::string>& csrf) {
  return browser.post_form(form_action(page.body),
                           {{"interaction", must_hidden(page.body, "interaction")},
                            {"csrf", csrf ? *csrf : must_hidden(page.body, "csrf")},
                            {"username", username},
                            {"password", password}});
}

Reply AsTest::continue_to_consent(const Reply& login_page, const Flow& f, LaunchResult* out) {
  auto login = submit_login(login_page, f.username, f.password);
  if (login.status != 303)
    throw std::runtime_error("login failed: " + std::to_string(login.status));
  auto page = browser.get(login.header("Location"));
  if (form_action(page.body).find("/patient") != std::string::npos) {
    if (out) out->picker_html = page.body;
    auto choices = input_values(page.body, "patient");
    std::string choice = f.patient.empty() ? choices.at(0) : f.patient;
    auto pick = browser.post_form(form_action(page.body),
                                  {{"interaction", must_hidden(page.body, "interaction")},
                                   {"csrf", must_hidden(page.body, "csrf")},
                                   {"patient", choice}});
    if (pick.status != 303)
      throw std::runtime_error("picker failed: " + std::to_string(pick.status) + pick.body);
    page = browser.get(pick.header("Location"));
  }
  if (form_action(page.body).find("/consent") == std::string::npos)
    throw std::runtime_error("no consent form: " + page.body);
  if (out) out->consent_html = page.body;
  return page;
}

Reply AsTest::reach_consent(const Flow& f, const Pkce& pkce) {
  return continue_to_consent(open_login(f, pkce), f, nullptr);
}

Form AsTest::consent_form(const Reply& page, const std::string& decision, bool with_csrf) const {
  Form form = {{"interaction", must_hidden(page.body, "interaction")}, {"decision", decision}};
  if (with_csrf) form.emplace_back("csrf", must_hidden(page.body, "csrf"));
  for (const auto& s : input_values(page.body, "scope")) form.emplace_back("scope", s);
  return form;
}

std::string AsTest::code_for(const Flow& f, const Pkce& pkce) {
  auto redirect = authorize_and_consent(f, pkce);
  auto code = query_param(redirect, "code");
  if (!code) throw std::runtime_error("no code in " + redirect);
  return *code;
}

std::string AsTest::authorize_and_consent(const Flow& f, const Pkce& pkce, LaunchResult* out) {
  auto r = authorize(authorize_params(f, pkce), f.post_authorize);
  if (r.status != 303)
    throw std::runtime_error("authorize: " + std::to_string(r.status) + " " + r.body);
  auto loc = r.header("Location");
  if (loc.rfind(issuer() + "/interaction/", 0) != 0) return loc;  // an error redirect to the app
  auto login_page = browser.get(loc);
  if (!hidden_input(login_page.body, "csrf"))
    throw std::runtime_error("no login form: " + login_page.body);
  auto page = continue_to_consent(login_page, f, out);
  Form form = {{"interaction", must_hidden(page.body, "interaction")},
               {"csrf", must_hidden(page.body, "csrf")},
               {"decision", f.deny ? "deny" : "approve"}};
  for (const auto& s : input_values(page.body, "scope")) {
    if (std::find(f.untick.begin(), f.untick.end(), s) == f.untick.end())
      form.emplace_back("scope", s);
  }
  auto consent = browser.post_form(form_action(page.body), form);
  if (consent.status != 303)
    throw std::runtime_error("consent failed: " + std::to_string(consent.status) + consent.body);
  auto redirect = consent.header("Location");
  if (out) out->redirect = redirect;
  return redirect;
}

Reply AsTest::exchange(const std::string& code, const Pkce& pkce, const std::string& client_id,
                       const std::string& redirect_uri, const std::string& auth_header) {
  std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "authorization_code"},
                                                           {"code", code},
                                                           {"redirect_uri", redirect_uri},
                                                           {"code_verifier", pkce.verifier}};
  std::map<std::string, std::string> headers;
  if (auth_header.empty())
    form.emplace_back("client_id", client_id);
  else
    headers["Authorization"] = auth_header;
  return browser.post_form(token_url(), form, headers);
}

Reply AsTest::introspect(const std::string& token, const std::string& auth) {
  return browser.post_form(issuer() + "/introspect", {{"token", token}},
                           {{"Authorization", auth.empty() ? rs_auth() : auth}});
}

Reply AsTest::post_token(const Form& form, const std::map<std::string, std::string>& headers) {
  return browser.post_form(token_url(), form, headers);
}

Reply AsTest::revoke(const Form& form, const std::map<std::string, std::string>& headers) {
  return browser.post_form(issuer() + "/revoke", form, headers);
}

Reply AsTest::refresh(const std::string& refresh_token, const std::string& scope,
                      const std::string& auth) {
  Form form = {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
  if (!scope.empty()) form.emplace_back("scope", scope);
  std::map<std::string, std::string> headers;
  if (auth.empty())
    form.emplace_back("client_id", "web-app");
  else
    headers["Authorization"] = auth;
  return post_token(form, headers);
}

Reply AsTest::client_credentials(const std::string& scope, const std::string& auth) {
  return post_token({{"grant_type", "client_credentials"}, {"scope", scope}},
                    {{"Authorization", auth}});
}

nlohmann::json AsTest::launch(const Flow& f, LaunchResult* out) {
  auto pkce = make_pkce();
  auto redirect = authorize_and_consent(f, pkce, out);
  auto code = query_param(redirect, "code");
  if (!code) throw std::runtime_error("no code in " + redirect);
  auto r = exchange(*code, pkce, f.client_id, f.redirect_uri);
  if (out) out->token_response = r;
  if (r.status != 200) throw std::runtime_error("token: " + r.body);
  return r.json();
}

}  // namespace tessera::itest

namespace tessera::itest {

void expect_oauth_error(const Reply& r, int status, const std::string& error) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type").rfind("application/json", 0), 0u) << r.header("Content-Type");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto j = r.json();
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j.value("error", ""), error) << r.body;
  EXPECT_FALSE(j.contains("access_token")) << r.body;
  EXPECT_FALSE(j.contains("active")) << r.body;
}

void expect_inactive(const Reply& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type").rfind("application/json", 0), 0u);
  EXPECT_EQ(r.json(), nlohmann::json({{"active", false}})) << r.body;
}

void expect_error_redirect(const Reply& r, const std::string& redirect_uri,
                           const std::string& error, const std::optional<std::string>& state) {
  ASSERT_EQ(r.status, 303) << r.body;
  auto loc = r.header("Location");
  EXPECT_EQ(loc.rfind(redirect_uri + "?", 0), 0u) << loc;
  EXPECT_EQ(query_param(loc, "error"), error) << loc;
  EXPECT_EQ(query_param(loc, "state"), state) << loc;
  EXPECT_EQ(query_param(loc, "code"), std::nullopt) << loc;
}

void expect_error_page(const Reply& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Location"), "") << "must not redirect";
  EXPECT_EQ(r.header("Content-Type").rfind("text/html", 0), 0u) << r.header("Content-Type");
  EXPECT_NE(r.body.find("<html"), std::string::npos);
}

}  // namespace tessera::itest
