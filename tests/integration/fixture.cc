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
  s.confidential_secret = secret_of(t({"client", "add", "--id", "conf-app", "--name", "Clinic App",
                                       "--type", "confidential", "--redirect-uri",
                                       "http://127.0.0.1:9/conf-callback", "--scope", scopes}));
  s.rs_secret = secret_of(t({"client", "add", "--id", "fhir-rs", "--name", "FHIR server", "--type",
                             "resource-server", "--scope", "__introspect"}));
  s.backend_secret = secret_of(t({"client", "add", "--id", "backend", "--name", "Nightly export",
                                  "--type", "confidential", "--grant-type", "client_credentials",
                                  "--scope", "system/Patient.rs system/Observation.rs"}));
  t({"user", "add", "parent", "--password", "parent-password", "--fhir-user", "Patient/demo-parent",
     "--name", "Maria Alvarez"});
  t({"access", "grant", "--user", "parent", "--patient", "demo-parent", "--relationship", "self"});
  t({"access", "grant", "--user", "parent", "--patient", "demo-child-1", "--relationship", "parent"});
  t({"access", "grant", "--user", "parent", "--patient", "demo-child-2", "--relationship", "parent"});
  t({"user", "add", "solo", "--password", "solo-password", "--fhir-user", "Patient/demo-solo",
     "--name", "James Okafor"});
  t({"access", "grant", "--user", "solo", "--patient", "demo-solo", "--relationship", "self"});
  t({"user", "add", "doctor", "--password", "doctor-password", "--fhir-user",
     "Practitioner/demo-practitioner", "--name", "Dr. Elena Chen", "--can-launch"});
  t({"access", "grant", "--user", "doctor", "--patient", "*", "--relationship", "practitioner"});
  (void)fhir_base;
  return s;
}

void AsTest::SetUp() {
  int port = free_port();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  fhir_base_ = base + "/fhir";
  seed = seed_database(fhir_base_);
  server = std::make_unique<Server>(seed.db, std::vector<std::string>{"--role", "authz", "--listen",
                                                                       "127.0.0.1:" + std::to_string(port)});
}

std::string AsTest::authorize_and_consent(const Flow& f, const Pkce& pkce, LaunchResult* out) {
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
  auto r = browser.get(issuer() + "/authorize?" + p.encode());
  if (r.status != 303) throw std::runtime_error("authorize: " + std::to_string(r.status) + " " + r.body);
  auto loc = r.header("Location");
  if (loc.rfind(issuer() + "/interaction/", 0) != 0) return loc;  // an error redirect to the app
  auto page = browser.get(loc);
  auto csrf = hidden_input(page.body, "csrf");
  if (!csrf) throw std::runtime_error("no login form: " + page.body);
  auto login = browser.post_form(form_action(page.body), {{"interaction", must_hidden(page.body, "interaction")},
                                                          {"csrf", *csrf},
                                                          {"username", f.username},
                                                          {"password", f.password}});
  if (login.status != 303) throw std::runtime_error("login failed: " + std::to_string(login.status));
  page = browser.get(login.header("Location"));
  if (form_action(page.body).find("/patient") != std::string::npos) {
    if (out) out->picker_html = page.body;
    auto choices = input_values(page.body, "patient");
    std::string choice = f.patient.empty() ? choices.at(0) : f.patient;
    auto pick = browser.post_form(form_action(page.body), {{"interaction", must_hidden(page.body, "interaction")},
                                                           {"csrf", must_hidden(page.body, "csrf")},
                                                           {"patient", choice}});
    if (pick.status != 303) throw std::runtime_error("picker failed: " + std::to_string(pick.status) + pick.body);
    page = browser.get(pick.header("Location"));
  }
  if (out) out->consent_html = page.body;
  std::vector<std::pair<std::string, std::string>> form = {
      {"interaction", must_hidden(page.body, "interaction")},
      {"csrf", must_hidden(page.body, "csrf")},
      {"decision", f.deny ? "deny" : "approve"}};
  for (const auto& s : input_values(page.body, "scope")) {
    if (std::find(f.untick.begin(), f.untick.end(), s) == f.untick.end()) form.emplace_back("scope", s);
  }
  auto consent = browser.post_form(form_action(page.body), form);
  if (consent.status != 303) throw std::runtime_error("consent failed: " + std::to_string(consent.status) + consent.body);
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
  if (auth_header.empty()) form.emplace_back("client_id", client_id);
  else headers["Authorization"] = auth_header;
  return browser.post_form(token_url(), form, headers);
}

Reply AsTest::introspect(const std::string& token, const std::string& auth) {
  return browser.post_form(issuer() + "/introspect", {{"token", token}},
                           {{"Authorization", auth.empty() ? basic_auth("fhir-rs", seed.rs_secret) : auth}});
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
