// Issue 2 acceptance 4, HTTP surface: header names in lower case on the wire (DISC-23) and CORS
// (CORS-1 discovery open to any origin, CORS-2 token endpoint for registered origins only).
#include <gtest/gtest.h>

#include "fixture.h"

namespace tessera::itest {
namespace {

const std::string kAppOrigin = "http://127.0.0.1:9";  // web-app's registered redirect origin
const std::string kEvilOrigin = "https://evil.example";

class CorsAndHeaders : public SharedAsTest {
 protected:
  // One request written by hand, every header name in lower case.
  Reply lower_case(const std::string& method, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers,
                   const std::string& body = "") {
    std::string req = method + " " + target +
                      " HTTP/1.1\r\nhost: 127.0.0.1:" + std::to_string(server->port()) +
                      "\r\nconnection: close\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST")
      req += "content-length: " + std::to_string(body.size()) + "\r\n";
    return raw_exchange(server->port(), req + "\r\n" + body);
  }
  Reply preflight(const std::string& url, const std::string& origin, const std::string& method,
                  const std::string& headers) {
    return browser.request(http::Verb::options, url, "",
                           {{"Origin", origin},
                            {"Access-Control-Request-Method", method},
                            {"Access-Control-Request-Headers", headers}});
  }
};

// DISC-23: accept, content-type and authorization in lower case work on discovery, token and
// introspection exactly as the canonical spelling does.
TEST_F(CorsAndHeaders, LowerCaseHeaderNamesAreHandled) {
  auto disc = lower_case("GET", "/.well-known/smart-configuration",
                         {{"accept", "text/html"}, {"origin", "https://random.example"}});
  ASSERT_EQ(disc.status, 200) << disc.body;
  EXPECT_EQ(disc.header("Content-Type").rfind("application/json", 0), 0u);
  EXPECT_EQ(disc.json()["token_endpoint"], issuer() + "/token");
  EXPECT_EQ(disc.header("Access-Control-Allow-Origin"), "*");

  auto tok = lower_case("POST", "/token",
                        {{"content-type", "application/x-www-form-urlencoded"},
                         {"accept", "application/json"},
                         {"authorization", backend_auth()}},
                        "grant_type=client_credentials&scope=system%2FPatient.rs");
  ASSERT_EQ(tok.status, 200) << tok.body;
  std::string access = tok.json()["access_token"];
  EXPECT_EQ(tok.header("Cache-Control"), "no-store");

  auto intro = lower_case("POST", "/introspect",
                          {{"content-type", "application/x-www-form-urlencoded"},
                           {"accept", "application/json"},
                           {"authorization", rs_auth()}},
                          "token=" + access);
  ASSERT_EQ(intro.status, 200) << intro.body;
  EXPECT_EQ(intro.json()["active"], true);
  EXPECT_EQ(intro.json()["client_id"], "backend");

  // The same with a bearer caller (INTRO-7), scheme in lower case too (OAUTH-6).
  auto rs = client_credentials("__introspect", rs_auth());
  ASSERT_EQ(rs.status, 200) << rs.body;
  auto bearer =
      lower_case("POST", "/introspect",
                 {{"content-type", "application/x-www-form-urlencoded"},
                  {"authorization", "bearer " + rs.json()["access_token"].get<std::string>()}},
                 "token=" + access);
  ASSERT_EQ(bearer.status, 200) << bearer.body;
  EXPECT_EQ(bearer.json()["active"], true);
  // And a lower-case failure is the same failure: no credentials is 401.
  auto anonymous =
      lower_case("POST", "/introspect", {{"content-type", "application/x-www-form-urlencoded"}},
                 "token=" + access);
  EXPECT_EQ(anonymous.status, 401);
}

// CORS-1: any origin may read discovery (on the AS base and on the FHIR base) and the JWKS.
TEST_F(CorsAndHeaders, DiscoveryIsOpenToAnyOrigin) {
  for (const std::string& url : std::vector<std::string>{
           issuer() + "/.well-known/smart-configuration",
           fhir_base() + "/.well-known/smart-configuration", issuer() + "/jwks.json"}) {
    SCOPED_TRACE(url);
    auto r = browser.get(url, {{"Origin", "https://random.example"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
    auto pre = preflight(url, kEvilOrigin, "GET", "accept");
    EXPECT_GE(pre.status, 200);
    EXPECT_LT(pre.status, 300);
    EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "*");
    EXPECT_NE(pre.header("Access-Control-Allow-Methods").find("GET"), std::string::npos);
  }
  // Without an Origin there is nothing to allow.
  EXPECT_EQ(browser.get(issuer() + "/.well-known/smart-configuration")
                .header("Access-Control-Allow-Origin"),
            "");
}

// CORS-2: the token endpoint's preflight is allowed for a registered origin only.
TEST_F(CorsAndHeaders, TokenPreflightAllowsOnlyTheRegisteredOrigin) {
  auto ok = preflight(token_url(), kAppOrigin, "POST", "content-type");
  EXPECT_GE(ok.status, 200);
  EXPECT_LT(ok.status, 300);
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin"), kAppOrigin);
  EXPECT_NE(ok.header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(ok.header("Access-Control-Allow-Headers").find("content-type"), std::string::npos);
  EXPECT_NE(ok.header("Vary").find("Origin"), std::string::npos);

  for (const std::string& origin : std::vector<std::string>{
           kEvilOrigin, kAppOrigin + "0", "http://127.0.0.1:9.evil.example", std::string("null")}) {
    SCOPED_TRACE(origin);
    auto bad = preflight(token_url(), origin, "POST", "content-type");
    EXPECT_EQ(bad.header("Access-Control-Allow-Origin"), "");
    EXPECT_EQ(bad.header("Access-Control-Allow-Methods"), "");
  }
}

// CORS-2: the token answers themselves carry the allow header for the registered origin only,
// errors included (a browser app must be able to read why it was refused).
TEST_F(CorsAndHeaders, TokenAnswersCarryCorsForTheRegisteredOriginOnly) {
  Flow f;
  f.username = "solo";
  f.password = "solo-password";
  auto tok = launch(f);
  auto refreshed = post_token({{"grant_type", "refresh_token"},
                               {"refresh_token", tok["refresh_token"]},
                               {"client_id", "web-app"}},
                              {{"Origin", kAppOrigin}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(refreshed.header("Access-Control-Allow-Origin"), kAppOrigin);
  auto evil = post_token({{"grant_type", "refresh_token"},
                          {"refresh_token", refreshed.json()["refresh_token"]},
                          {"client_id", "web-app"}},
                         {{"Origin", kEvilOrigin}});
  EXPECT_EQ(evil.header("Access-Control-Allow-Origin"), "");

  for (const Form& form : std::vector<Form>{
           {{"grant_type", "password"}, {"client_id", "web-app"}},  // unsupported_grant_type
           {{"client_id", "web-app"}},                              // invalid_request
           {{"grant_type", "client_credentials"}, {"client_id", "web-app"}},  // unauthorized_client
           {{"grant_type", "refresh_token"},
            {"refresh_token", "x"},
            {"client_id", "web-app"}}}) {  // invalid_grant
    auto r = post_token(form, {{"Origin", kAppOrigin}});
    SCOPED_TRACE(r.body);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), kAppOrigin);
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    EXPECT_EQ(post_token(form, {{"Origin", kEvilOrigin}}).header("Access-Control-Allow-Origin"),
              "");
  }
}

// REVOKE-9, CORS-2: a browser app revokes its own tokens; errors are readable as well.
TEST_F(CorsAndHeaders, RevocationAnswersCarryCorsForTheRegisteredOriginOnly) {
  auto ok = revoke({{"token", "garbage"}, {"client_id", "web-app"}}, {{"Origin", kAppOrigin}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin"), kAppOrigin);
  auto missing = revoke({{"client_id", "web-app"}}, {{"Origin", kAppOrigin}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.header("Access-Control-Allow-Origin"), kAppOrigin);
  auto pre = preflight(issuer() + "/revoke", kAppOrigin, "POST", "content-type");
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), kAppOrigin);
  EXPECT_EQ(revoke({{"token", "garbage"}, {"client_id", "web-app"}}, {{"Origin", kEvilOrigin}})
                .header("Access-Control-Allow-Origin"),
            "");
}

}  // namespace
}  // namespace tessera::itest
