// Issue 2 acceptance 4, token endpoint: code exchange, client authentication, refresh and
// client_credentials refusals over HTTP against the real binary. Every error is an RFC 6749 §5.2
// JSON answer with no-store (OAUTH-1, TOKEN-5, TOKEN-7) and never carries a token.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/random.h"
#include "fixture.h"

namespace tessera::itest {
namespace {

const std::string kCallback = "http://127.0.0.1:9/callback";
const std::string kConfCallback = "http://127.0.0.1:9/conf-callback";
const std::string kSoloScope = "openid fhirUser launch/patient patient/*.rs offline_access";

class TokenErrors : public SharedAsTest {
 protected:
  // solo has one patient, so the flow skips the picker.
  static Flow solo(const std::string& client = "web-app") {
    Flow f;
    f.client_id = client;
    f.redirect_uri = client == "conf-app" ? kConfCallback : kCallback;
    f.username = "solo";
    f.password = "solo-password";
    f.scope = kSoloScope;
    return f;
  }
  Reply exchange_form(const Form& form, const std::string& auth = "") {
    std::map<std::string, std::string> headers;
    if (!auth.empty()) headers["Authorization"] = auth;
    return post_token(form, headers);
  }
  static Form code_form(const std::string& code, const Pkce& pkce,
                        const std::string& redirect_uri) {
    return {{"grant_type", "authorization_code"},
            {"code", code},
            {"redirect_uri", redirect_uri},
            {"code_verifier", pkce.verifier}};
  }
};

// PKCE-3: BASE64URL(SHA256(code_verifier)) must equal the challenge.
TEST_F(TokenErrors, WrongCodeVerifierIsInvalidGrant) {
  auto pkce = make_pkce();
  auto code = code_for(solo(), pkce);
  expect_oauth_error(exchange(code, make_pkce()), 400, "invalid_grant");
}

// PKCE-3: code_verifier is required; refusing its absence does not burn the code.
TEST_F(TokenErrors, MissingCodeVerifierIsInvalidRequest) {
  auto pkce = make_pkce();
  auto code = code_for(solo(), pkce);
  expect_oauth_error(post_token({{"grant_type", "authorization_code"},
                                 {"code", code},
                                 {"redirect_uri", kCallback},
                                 {"client_id", "web-app"}}),
                     400, "invalid_request");
  EXPECT_EQ(exchange(code, pkce).status, 200);
}

// PKCE-5: a verifier is 43..128 characters; a 42-character one is refused even when its S256
// matches the challenge, a 128-character one works.
TEST_F(TokenErrors, VerifierLengthIsChecked) {
  auto short_pkce = pkce_for(core::default_random().token(32).substr(0, 42));
  auto code = code_for(solo(), short_pkce);
  expect_oauth_error(exchange(code, short_pkce), 400, "invalid_grant");

  auto long_pkce = pkce_for(core::default_random().token(96).substr(0, 128));
  ASSERT_EQ(long_pkce.verifier.size(), 128u);
  auto ok = exchange(code_for(solo(), long_pkce), long_pkce);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

// OAUTH-4: a code works once; the replay is refused and revokes what the first exchange issued.
TEST_F(TokenErrors, CodeReuseIsInvalidGrantAndRevokesTheFirstTokens) {
  auto pkce = make_pkce();
  auto code = code_for(solo(), pkce);
  auto first = exchange(code, pkce);
  ASSERT_EQ(first.status, 200) << first.body;
  auto tok = first.json();
  EXPECT_EQ(introspect(tok["access_token"]).json()["active"], true);
  expect_oauth_error(exchange(code, pkce), 400, "invalid_grant");
  expect_inactive(introspect(tok["access_token"]));
  expect_inactive(introspect(tok["refresh_token"]));
  expect_oauth_error(refresh(tok["refresh_token"]), 400, "invalid_grant");
}

// TOKEN-3: a code issued to web-app, redeemed by conf-app (authenticated), is invalid_grant.
TEST_F(TokenErrors, CodeExchangedByAnotherClientIsInvalidGrant) {
  auto pkce = make_pkce();
  auto code = code_for(solo(), pkce);
  auto r = exchange_form(code_form(code, pkce, kCallback), conf_auth());
  expect_oauth_error(r, 400, "invalid_grant");
}

// TOKEN-2, TOKEN-3: redirect_uri must be the one of the authorization request.
TEST_F(TokenErrors, CodeExchangedWithAnotherRedirectUriIsInvalidGrant) {
  auto pkce = make_pkce();
  auto code = code_for(solo(), pkce);
  expect_oauth_error(exchange(code, pkce, "web-app", kCallback + "/"), 400, "invalid_grant");
  auto pkce2 = make_pkce();
  auto code2 = code_for(solo(), pkce2);
  expect_oauth_error(exchange(code2, pkce2, "web-app", "http://127.0.0.1:9/other"), 400,
                     "invalid_grant");
}

// SYM-4, OAUTH-1, TOKEN-4: the confidential client must authenticate; a failed attempt leaves
// the code usable for the real client.
TEST_F(TokenErrors, ConfidentialClientWithWrongOrNoCredentialsIsInvalidClient) {
  auto pkce = make_pkce();
  auto code = code_for(solo("conf-app"), pkce);
  auto form = code_form(code, pkce, kConfCallback);

  auto wrong = exchange_form(form, basic_auth("conf-app", seed.confidential_secret + "x"));
  expect_oauth_error(wrong, 401, "invalid_client");
  EXPECT_EQ(wrong.header("WWW-Authenticate").rfind("Basic", 0), 0u)
      << wrong.header("WWW-Authenticate");

  auto none_form = form;
  none_form.emplace_back("client_id", "conf-app");
  expect_oauth_error(exchange_form(none_form), 401, "invalid_client");
  auto wrong_post = none_form;
  wrong_post.emplace_back("client_secret", "tsr_cs_wrong");
  expect_oauth_error(exchange_form(wrong_post), 401, "invalid_client");
  auto nobody = exchange_form(form);  // no client identification at all
  expect_oauth_error(nobody, 401, "invalid_client");
  // RFC 6749 §5.2: the Basic challenge only answers a Basic attempt, so a browser app that
  // authenticated in the body never gets a password dialog.
  EXPECT_EQ(nobody.header("WWW-Authenticate"), "");
  EXPECT_EQ(exchange_form(wrong_post).header("WWW-Authenticate"), "");

  auto ok = exchange_form(form, conf_auth());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(introspect(ok.json()["access_token"]).json()["client_id"], "conf-app");
}

// TOKEN-4, SYM-2: a public client has no secret; sending one is invalid_client.
TEST_F(TokenErrors, PublicClientSendingASecretIsInvalidClient) {
  auto pkce = make_pkce();
  auto code = code_for(solo(), pkce);
  auto form = code_form(code, pkce, kCallback);
  auto in_body = form;
  in_body.emplace_back("client_id", "web-app");
  in_body.emplace_back("client_secret", "anything");
  expect_oauth_error(exchange_form(in_body), 401, "invalid_client");
  expect_oauth_error(exchange_form(form, basic_auth("web-app", "anything")), 401, "invalid_client");
  EXPECT_EQ(exchange(code, pkce).status, 200);
}

// SYM-6, Ambiguity 12: a body client_id must match the Basic user name.
TEST_F(TokenErrors, BasicAndBodyClientIdMismatchIsInvalidClient) {
  auto pkce = make_pkce();
  auto code = code_for(solo("conf-app"), pkce);
  auto form = code_form(code, pkce, kConfCallback);
  auto mismatch = form;
  mismatch.emplace_back("client_id", "web-app");
  expect_oauth_error(exchange_form(mismatch, conf_auth()), 401, "invalid_client");
  auto matching = form;
  matching.emplace_back("client_id", "conf-app");
  EXPECT_EQ(exchange_form(matching, conf_auth()).status, 200);
}

// REFRESH-5: the scope may narrow, never widen; a refused widening does not rotate the token.
TEST_F(TokenErrors, RefreshWithAWiderScopeIsInvalidScope) {
  auto tok = launch(solo());
  expect_oauth_error(refresh(tok["refresh_token"], kSoloScope + " user/*.rs"), 400,
                     "invalid_scope");
  expect_oauth_error(refresh(tok["refresh_token"], "system/*.rs"), 400, "invalid_scope");
  auto narrowed = refresh(tok["refresh_token"], "patient/*.rs");
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  EXPECT_EQ(narrowed.json()["scope"], "patient/*.rs");
  EXPECT_EQ(introspect(narrowed.json()["access_token"]).json()["scope"], "patient/*.rs");
}

// REFRESH-7, REVOKE-6: a revoked refresh token is invalid_grant.
TEST_F(TokenErrors, RefreshAfterRevocationIsInvalidGrant) {
  auto tok = launch(solo());
  auto rv = revoke({{"token", tok["refresh_token"]}, {"client_id", "web-app"}});
  EXPECT_EQ(rv.status, 200);
  expect_oauth_error(refresh(tok["refresh_token"]), 400, "invalid_grant");
}

// REFRESH-3: a refresh token is bound to its client; the foreign attempt does not spoil it.
TEST_F(TokenErrors, RefreshTokenOfAnotherClientIsInvalidGrant) {
  auto tok = launch(solo());
  expect_oauth_error(refresh(tok["refresh_token"], "", conf_auth()), 400, "invalid_grant");
  auto own = refresh(tok["refresh_token"]);
  EXPECT_EQ(own.status, 200) << own.body;
}

// OAUTH-2: unknown grant types; a missing grant_type is invalid_request.
TEST_F(TokenErrors, UnknownGrantTypeIsUnsupportedGrantType) {
  for (const std::string& gt : std::vector<std::string>{
           "password", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"}) {
    SCOPED_TRACE(gt);
    expect_oauth_error(post_token({{"grant_type", gt}, {"client_id", "web-app"}}), 400,
                       "unsupported_grant_type");
  }
  expect_oauth_error(post_token({{"client_id", "web-app"}}), 400, "invalid_request");
}

// TOKEN-12: the token endpoint takes POST only.
TEST_F(TokenErrors, GetTokenIsMethodNotAllowed) {
  auto r = browser.get(token_url() + "?grant_type=client_credentials&scope=system%2FPatient.rs",
                       {{"Authorization", backend_auth()}});
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.header("Allow").find("POST"), std::string::npos);
  EXPECT_FALSE(r.json().contains("access_token"));
}

// TOKEN-1: form-encoded only; the same parameters as JSON are invalid_request.
TEST_F(TokenErrors, JsonBodyIsInvalidRequest) {
  nlohmann::json body{{"grant_type", "client_credentials"}, {"scope", "system/Patient.rs"}};
  auto r =
      browser.request(http::Verb::post, token_url(), body.dump(),
                      {{"Content-Type", "application/json"}, {"Authorization", backend_auth()}});
  expect_oauth_error(r, 400, "invalid_request");
}

// OAUTH-2: a public client may not use client_credentials.
TEST_F(TokenErrors, ClientCredentialsByThePublicClientIsUnauthorizedClient) {
  expect_oauth_error(post_token({{"grant_type", "client_credentials"},
                                 {"scope", "system/Patient.rs"},
                                 {"client_id", "web-app"}}),
                     400, "unauthorized_client");
}

// BACKEND-9, BACKEND-10, TOKEN-7: a short-lived token, no refresh token, no-store.
TEST_F(TokenErrors, BackendClientCredentialsWithBasicSucceeds) {
  auto r = client_credentials("system/Patient.rs", backend_auth());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_EQ(r.header("Pragma"), "no-cache");
  auto j = r.json();
  EXPECT_EQ(j["token_type"], "Bearer");
  ASSERT_TRUE(j["expires_in"].is_number_integer());
  EXPECT_GT(j["expires_in"].get<int>(), 0);
  EXPECT_LE(j["expires_in"].get<int>(), 300);
  EXPECT_FALSE(j.contains("refresh_token"));
  EXPECT_FALSE(j.contains("id_token"));
  EXPECT_EQ(j["scope"], "system/Patient.rs");
  auto intro = introspect(j["access_token"]).json();
  EXPECT_EQ(intro["active"], true);
  EXPECT_EQ(intro["client_id"], "backend");
  EXPECT_EQ(intro["scope"], "system/Patient.rs");
  // The backend client has no other grant (OAUTH-2).
  expect_oauth_error(post_token({{"grant_type", "refresh_token"}, {"refresh_token", "x"}},
                                {{"Authorization", backend_auth()}}),
                     400, "unauthorized_client");
}

// BACKEND-*, OAUTH-2: scopes outside the registration are invalid_scope.
TEST_F(TokenErrors, BackendScopeNotAllowedIsInvalidScope) {
  expect_oauth_error(client_credentials("system/Condition.rs", backend_auth()), 400,
                     "invalid_scope");
  expect_oauth_error(client_credentials("user/*.rs patient/*.rs", backend_auth()), 400,
                     "invalid_scope");
  expect_oauth_error(client_credentials("__introspect", backend_auth()), 400, "invalid_scope");
  expect_oauth_error(client_credentials("system/Patient.rs", basic_auth("backend", "wrong")), 401,
                     "invalid_client");
}

// AUTHZ-10: a code past its lifetime is invalid_grant. A dedicated server with a 1 s code
// lifetime; the wait below is that real lifetime running out, not a timing assertion.
class ExpiredCode : public TokenErrors {
 public:
  static void SetUpTestSuite() { start_shared({"--code-ttl", "1"}); }
};

TEST_F(ExpiredCode, CodePastItsLifetimeIsInvalidGrant) {
  auto pkce = make_pkce();
  auto code = code_for(solo(), pkce);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  expect_oauth_error(exchange(code, pkce), 400, "invalid_grant");
}

}  // namespace
}  // namespace tessera::itest
