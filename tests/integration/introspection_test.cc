// Issue 2 acceptance 4, introspection (RFC 7662 with the SMART profile): caller authorization
// (I7662-2, I7662-7, INTRO-7) and inactive answers that are exactly {"active":false} (INTRO-8,
// I7662-5, I7662-6), over HTTP against the real binary.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/random.h"
#include "fixture.h"

namespace tessera::itest {
namespace {

class Introspection : public SharedAsTest {
 protected:
  static Flow solo() {
    Flow f;
    f.username = "solo";
    f.password = "solo-password";
    return f;
  }
  Reply introspect_form(const Form& form, const std::map<std::string, std::string>& headers) {
    return browser.post_form(issuer() + "/introspect", form, headers);
  }
  // A 401 that tells nothing about the token.
  static void expect_refused(const Reply& r, const std::string& error) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_FALSE(r.header("WWW-Authenticate").empty());
    auto j = r.json();
    EXPECT_EQ(j.value("error", ""), error) << r.body;
    for (const char* k : {"active", "scope", "client_id", "sub", "patient", "exp"})
      EXPECT_FALSE(j.contains(k)) << k << " leaked: " << r.body;
  }
};

// I7662-2: no credentials, no answer about the token.
TEST_F(Introspection, WithoutCredentialsIs401WithNoTokenInformation) {
  auto tok = launch(solo());
  expect_refused(introspect_form({{"token", tok["access_token"]}}, {}), "invalid_client");
  expect_refused(introspect_form({}, {}), "invalid_client");
}

// I7662-7: only resource servers introspect; an app's credentials are refused, public or not.
TEST_F(Introspection, AppCredentialsAre401InvalidClient) {
  auto tok = launch(solo());
  expect_refused(introspect_form({{"token", tok["access_token"]}, {"client_id", "web-app"}}, {}),
                 "invalid_client");
  expect_refused(
      introspect_form({{"token", tok["access_token"]}}, {{"Authorization", conf_auth()}}),
      "invalid_client");
  expect_refused(introspect_form({{"token", tok["access_token"]},
                                  {"client_id", "conf-app"},
                                  {"client_secret", seed.confidential_secret}},
                                 {}),
                 "invalid_client");
  expect_refused(introspect(tok["access_token"], basic_auth("fhir-rs", seed.rs_secret + "x")),
                 "invalid_client");
  expect_refused(introspect(tok["access_token"], basic_auth("backend", seed.backend_secret)),
                 "invalid_client");
}

// INTRO-8, I7662-5/6: malformed, unknown and revoked tokens are exactly {"active":false}.
TEST_F(Introspection, InactiveTokensAreExactlyActiveFalse) {
  expect_inactive(introspect("garbage"));
  expect_inactive(introspect(std::string(2000, 'x')));
  expect_inactive(
      introspect("tsr_at_" + core::default_random().token(32)));  // well-formed, unknown
  expect_inactive(introspect("tsr_rt_" + core::default_random().token(32)));
  auto empty = introspect_form({{"token", ""}}, {{"Authorization", rs_auth()}});
  EXPECT_EQ(empty.status, 400) << empty.body;  // token is required

  auto tok = launch(solo());
  EXPECT_EQ(introspect(tok["access_token"]).json()["active"], true);
  auto rv = revoke({{"token", tok["access_token"]}, {"client_id", "web-app"}});
  ASSERT_EQ(rv.status, 200);
  expect_inactive(introspect(tok["access_token"]));
}

// INTRO-10: a refresh token introspects as such, never as a Bearer access token; I7662-1: the
// hint is only a hint.
TEST_F(Introspection, RefreshTokenIsActiveWithTokenTypeRefreshToken) {
  auto tok = launch(solo());
  auto r = introspect(tok["refresh_token"]);
  ASSERT_EQ(r.status, 200);
  auto j = r.json();
  EXPECT_EQ(j["active"], true);
  EXPECT_EQ(j["token_type"], "refresh_token");
  EXPECT_EQ(j["client_id"], "web-app");
  EXPECT_EQ(j["scope"], tok["scope"]);
  EXPECT_EQ(j["patient"], "demo-solo");
  auto hinted =
      introspect_form({{"token", tok["access_token"]}, {"token_type_hint", "refresh_token"}},
                      {{"Authorization", rs_auth()}});
  EXPECT_EQ(hinted.json()["active"], true);
  EXPECT_EQ(hinted.json()["token_type"], "Bearer");
}

// INTRO-7: the resource server authenticates with a bearer token it got by client_credentials
// with the __introspect scope, and may then introspect any client's token.
TEST_F(Introspection, BearerTokenWithIntrospectScopeSucceeds) {
  auto rs = client_credentials("__introspect", rs_auth());
  ASSERT_EQ(rs.status, 200) << rs.body;
  EXPECT_EQ(rs.json()["scope"], "__introspect");
  std::string bearer = "Bearer " + rs.json()["access_token"].get<std::string>();

  auto tok = launch(solo());
  auto r = introspect(tok["access_token"], bearer);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["active"], true);
  EXPECT_EQ(j["client_id"], "web-app");
  EXPECT_EQ(j["scope"], tok["scope"]);
  EXPECT_EQ(j["patient"], "demo-solo");
  expect_inactive(introspect("tsr_at_" + core::default_random().token(32), bearer));
  // OAUTH-6: the scheme is case-insensitive.
  EXPECT_EQ(
      introspect(tok["access_token"], "bearer " + rs.json()["access_token"].get<std::string>())
          .json()["active"],
      true);
}

// I7662-7 with RFC 6750 §3: a bearer without the introspection scope is 401.
TEST_F(Introspection, AppAccessTokenAsBearerIs401) {
  auto tok = launch(solo());
  auto other = launch(solo());
  auto r = introspect(other["access_token"], "Bearer " + tok["access_token"].get<std::string>());
  expect_refused(r, "invalid_token");
  EXPECT_EQ(r.header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  // A backend token with system scopes is no better, nor a refresh token, nor garbage.
  auto backend = client_credentials("system/Patient.rs", backend_auth()).json();
  expect_refused(
      introspect(other["access_token"], "Bearer " + backend["access_token"].get<std::string>()),
      "invalid_token");
  expect_refused(
      introspect(other["access_token"], "Bearer " + tok["refresh_token"].get<std::string>()),
      "invalid_token");
  expect_refused(introspect(other["access_token"], "Bearer garbage"), "invalid_token");
}

// I7662-1: the request is form-encoded; a raw token body is refused, whatever the caller.
TEST_F(Introspection, RawNonFormBodyIsInvalidRequest) {
  auto tok = launch(solo());
  std::string token = tok["access_token"];
  for (const std::string& ct : std::vector<std::string>{"text/plain", "application/json", ""}) {
    SCOPED_TRACE(ct);
    std::map<std::string, std::string> headers = {{"Authorization", rs_auth()}};
    if (!ct.empty()) headers["Content-Type"] = ct;
    std::string body = ct == "application/json" ? nlohmann::json{{"token", token}}.dump() : token;
    auto r = browser.request(http::Verb::post, issuer() + "/introspect", body, headers);
    expect_oauth_error(r, 400, "invalid_request");
  }
}

// INTRO-8: an expired token is {"active":false}. A dedicated server with 1 s access tokens; the
// wait below is that real lifetime running out, not a timing assertion.
class ExpiredAccessToken : public Introspection {
 public:
  static void SetUpTestSuite() { start_shared({"--access-token-ttl", "1"}); }
};

TEST_F(ExpiredAccessToken, ExpiredTokenIsExactlyActiveFalse) {
  auto tok = launch(solo());
  EXPECT_EQ(tok["expires_in"], 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  expect_inactive(introspect(tok["access_token"]));
  // The refresh token outlives it and still introspects as active.
  EXPECT_EQ(introspect(tok["refresh_token"]).json()["active"], true);
}

}  // namespace
}  // namespace tessera::itest
