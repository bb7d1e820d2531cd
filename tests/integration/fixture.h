// A seeded authorization server for the flow tests: a public app, a confidential app, a
// resource server, and users parent (proxy for herself and two children), solo and doctor.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

namespace tessera::itest {

struct Seed {
  std::string db;
  std::string confidential_secret;
  std::string rs_secret;
  std::string backend_secret;
};

// Creates and seeds a database (admin commands through the real binary).
Seed seed_database(const std::string& fhir_base);

// `tessera serve --role authz` on the seeded database, on `port` (so the issuer and the FHIR
// audience {issuer}/fhir are known before it starts), plus `extra` options (e.g. --code-ttl 1).
std::unique_ptr<Server> start_authz(const Seed& seed, int port,
                                    const std::vector<std::string>& extra = {});

struct LaunchResult {
  Reply token_response;      // the /token reply
  std::string redirect;      // final redirect location (with code or error)
  std::string consent_html;  // the consent page as shown
  std::string picker_html;   // the patient picker (if shown)
};

using Form = std::vector<std::pair<std::string, std::string>>;

// One server per test (SetUp seeds a database and starts it).
class AsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override {
    if (HasFailure() && server) {
      auto log = server->log();  // a shared server's log is long: its tail is what matters
      if (log.size() > 16000) log = "...\n" + log.substr(log.size() - 16000);
      std::cerr << "---- server log ----\n" << log << "\n";
    }
    server.reset();
  }

  std::string issuer() const { return server->base(); }
  std::string fhir_base() const { return fhir_base_; }
  std::string token_url() const { return issuer() + "/token"; }

  // Drives authorize -> login -> (picker) -> consent -> code. Returns the redirect location.
  struct Flow {
    std::string client_id = "web-app";
    std::string redirect_uri = "http://127.0.0.1:9/callback";
    std::string scope = "openid fhirUser launch/patient patient/*.rs offline_access";
    std::string username = "parent";
    std::string password = "parent-password";
    std::string patient;  // picker choice ("" = first / skip)
    std::string launch;   // EHR launch value
    std::string state = "st-Abc.123_~x";
    std::string nonce = "n-123";
    std::vector<std::string> untick;  // scopes the user un-ticks on consent
    bool deny = false;
    bool post_authorize = false;  // send the authorization request as a form POST (AUTHZ-1)
  };
  std::string authorize_and_consent(const Flow& f, const Pkce& pkce, LaunchResult* out = nullptr);
  Reply exchange(const std::string& code, const Pkce& pkce,
                 const std::string& client_id = "web-app",
                 const std::string& redirect_uri = "http://127.0.0.1:9/callback",
                 const std::string& auth_header = "");
  Reply introspect(const std::string& token, const std::string& auth = "");
  // Full standalone launch; returns the token response JSON.
  nlohmann::json launch(const Flow& f, LaunchResult* out = nullptr);

  // ---- smaller steps, for the negative tests ----
  // The authorization request parameters of `f`, for tests to drop, repeat or change.
  http::Params authorize_params(const Flow& f, const Pkce& pkce) const;
  // GET /authorize?<p>, or a form POST of <p> (AUTHZ-1).
  Reply authorize(const http::Params& p, bool post = false);
  // Authorizes and opens the interaction: returns the sign-in page (throws if not reached).
  Reply open_login(const Flow& f, const Pkce& pkce);
  // Posts the sign-in form of `page`; `csrf` overrides the page's token when given.
  Reply submit_login(const Reply& page, const std::string& username, const std::string& password,
                     const std::optional<std::string>& csrf = std::nullopt);
  // Authorizes, signs in and picks the patient: returns the consent page.
  Reply reach_consent(const Flow& f, const Pkce& pkce);
  // From the sign-in page on: signs in as f.username and passes the picker (f.patient).
  Reply continue_to_consent(const Reply& login_page, const Flow& f, LaunchResult* out);
  // The consent form of `page` with every offered scope ticked, minus the CSRF field when
  // `with_csrf` is false.
  Form consent_form(const Reply& page, const std::string& decision, bool with_csrf = true) const;
  // The `code` of a completed authorization (throws if the redirect carries none).
  std::string code_for(const Flow& f, const Pkce& pkce);
  // The confidential client's Basic credentials, and the resource server's.
  std::string conf_auth() const { return basic_auth("conf-app", seed.confidential_secret); }
  std::string rs_auth() const { return basic_auth("fhir-rs", seed.rs_secret); }
  std::string backend_auth() const { return basic_auth("backend", seed.backend_secret); }
  Reply post_token(const Form& form, const std::map<std::string, std::string>& headers = {});
  Reply revoke(const Form& form, const std::map<std::string, std::string>& headers = {});
  // grant_type=refresh_token as the public web-app (auth empty) or with an Authorization header.
  Reply refresh(const std::string& refresh_token, const std::string& scope = "",
                const std::string& auth = "");
  // grant_type=client_credentials with an Authorization header.
  Reply client_credentials(const std::string& scope, const std::string& auth);

  Seed seed;
  std::shared_ptr<Server> server;
  std::string fhir_base_;
  Browser browser;
};

// Like AsTest, but a seeded server shared by many tests: far cheaper, so the negative tests can
// be many. Suites with the default options share one server for the whole run; a suite that needs
// other options (e.g. --code-ttl 1) defines its own SetUpTestSuite calling start_shared({...}) and
// gets a dedicated server, stopped after the suite. Each test still gets its own Browser
// (cookies); tests must not depend on one another (distinct users where login throttling could
// interfere).
class SharedAsTest : public AsTest {
 public:
  static void SetUpTestSuite() { start_shared({}); }
  static void TearDownTestSuite();

 protected:
  static void start_shared(const std::vector<std::string>& extra_args);
  void SetUp() override;

 private:
  struct Shared {
    Seed seed;
    std::shared_ptr<Server> server;
    std::string fhir_base;
  };
  static std::unique_ptr<Shared> make_shared_server(const std::vector<std::string>& extra_args);
  static std::unique_ptr<Shared> default_;    // lives until the test program exits
  static std::unique_ptr<Shared> dedicated_;  // the current suite's own server, if any
  static Shared* current_;
};

// Asserts an RFC 6749 §5.2 error answer: status, JSON `error`, no-store (OAUTH-1, TOKEN-5/7).
void expect_oauth_error(const Reply& r, int status, const std::string& error);
// Asserts an INTRO-8 / I7662-6 inactive answer: 200 and exactly {"active":false}.
void expect_inactive(const Reply& r);
// Asserts an error redirect back to `redirect_uri` (AUTHZ-11): 303, `error`, the state (or
// none), and never a code.
void expect_error_redirect(const Reply& r, const std::string& redirect_uri,
                           const std::string& error, const std::optional<std::string>& state);
// Asserts an HTML error page of the authorization endpoint with no redirect (AUTHZ-3/4).
void expect_error_page(const Reply& r, int status);

}  // namespace tessera::itest
