// Issue 2 acceptance 1-3: the whole standalone launch over HTTP against the real binary, the
// proxy case, and the EHR launch with every context member carried by introspection.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "fixture.h"

namespace tessera::itest {
namespace {

const std::vector<std::string> kContextMembers = {
    "patient", "encounter",           "fhirContext",    "intent",
    "tenant",  "need_patient_banner", "smart_style_url"};

// INTRO-4: every context member of the token response is in the introspection, JSON-equal.
void expect_context_carried(const nlohmann::json& token, const nlohmann::json& intro) {
  for (const auto& k : kContextMembers) {
    if (token.contains(k)) {
      ASSERT_TRUE(intro.contains(k)) << k;
      EXPECT_EQ(intro[k], token[k]) << k;
    } else {
      EXPECT_FALSE(intro.contains(k)) << k;
    }
  }
}

nlohmann::json jwt_payload(const std::string& jwt) {
  auto a = jwt.find('.'), b = jwt.rfind('.');
  return nlohmann::json::parse(core::base64url_decode(jwt.substr(a + 1, b - a - 1)).value_or("{}"));
}

class StandaloneLaunch : public AsTest {};

TEST_F(StandaloneLaunch, DiscoveryToRevocationOverHttp) {
  // Discovery (DISC-1, DISC-7) on the AS base and on the FHIR base it protects.
  auto disc = browser.get(issuer() + "/.well-known/smart-configuration", {{"Accept", "text/html"}});
  ASSERT_EQ(disc.status, 200);
  EXPECT_EQ(disc.header("Content-Type").rfind("application/json", 0), 0u);  // DISC-2
  auto cfg = disc.json();
  EXPECT_EQ(cfg["code_challenge_methods_supported"], nlohmann::json::array({"S256"}));
  EXPECT_EQ(cfg["token_endpoint"], issuer() + "/token");
  EXPECT_EQ(cfg["introspection_endpoint"], issuer() + "/introspect");
  EXPECT_EQ(cfg["revocation_endpoint"], issuer() + "/revoke");
  auto on_fhir = browser.get(fhir_base() + "/.well-known/smart-configuration");
  ASSERT_EQ(on_fhir.status, 200);
  EXPECT_EQ(on_fhir.json(), cfg);

  // authorize -> login -> picker -> consent -> code -> token
  Flow f;
  f.patient = "demo-child-2";
  LaunchResult lr;
  auto tok = launch(f, &lr);
  EXPECT_EQ(query_param(lr.redirect, "state"), f.state);             // AUTHZ-7: byte for byte
  EXPECT_EQ(lr.token_response.header("Cache-Control"), "no-store");  // TOKEN-7
  EXPECT_EQ(lr.token_response.header("Pragma"), "no-cache");
  EXPECT_EQ(tok["token_type"], "Bearer");
  EXPECT_TRUE(tok["expires_in"].is_number_integer());
  EXPECT_EQ(tok["patient"], "demo-child-2");  // CTX-4: a bare id
  EXPECT_EQ(tok["access_token"].get<std::string>().rfind("tsr_at_", 0), 0u);
  EXPECT_EQ(tok["refresh_token"].get<std::string>().rfind("tsr_rt_", 0), 0u);
  auto scope = tok["scope"].get<std::string>();
  EXPECT_NE(scope.find("patient/*.rs"), std::string::npos);
  EXPECT_NE(scope.find("offline_access"), std::string::npos);
  // id_token (OIDC-8, OIDC-5)
  auto idt = jwt_payload(tok["id_token"]);
  EXPECT_EQ(idt["iss"], issuer());
  EXPECT_EQ(idt["sub"], "parent");
  EXPECT_EQ(idt["aud"], "web-app");
  EXPECT_EQ(idt["nonce"], f.nonce);
  EXPECT_EQ(idt["fhirUser"], fhir_base() + "/Patient/demo-parent");

  // introspect (INTRO-3..6)
  auto intro = introspect(tok["access_token"]);
  ASSERT_EQ(intro.status, 200);
  EXPECT_EQ(intro.header("Cache-Control"), "no-store");
  auto ij = intro.json();
  EXPECT_EQ(ij["active"], true);
  EXPECT_EQ(ij["scope"], tok["scope"]);
  EXPECT_EQ(ij["client_id"], "web-app");
  EXPECT_EQ(ij["sub"], idt["sub"]);
  EXPECT_EQ(ij["iss"], idt["iss"]);
  EXPECT_EQ(ij["fhirUser"], idt["fhirUser"]);
  EXPECT_EQ(ij["aud"], fhir_base());
  EXPECT_LE(std::abs(ij["exp"].get<std::int64_t>() -
                     (ij["iat"].get<std::int64_t>() + tok["expires_in"].get<std::int64_t>())),
            1);
  expect_context_carried(tok, ij);

  // refresh: rotation, the old refresh token dies, the context comes back unchanged
  auto ref = browser.post_form(token_url(), {{"grant_type", "refresh_token"},
                                             {"refresh_token", tok["refresh_token"]},
                                             {"client_id", "web-app"}});
  ASSERT_EQ(ref.status, 200) << ref.body;
  auto rj = ref.json();
  EXPECT_NE(rj["access_token"], tok["access_token"]);
  EXPECT_NE(rj["refresh_token"], tok["refresh_token"]);
  EXPECT_EQ(rj["patient"], "demo-child-2");
  EXPECT_EQ(ref.header("Cache-Control"), "no-store");
  expect_context_carried(tok, introspect(rj["access_token"]).json());
  auto old = browser.post_form(token_url(), {{"grant_type", "refresh_token"},
                                             {"refresh_token", tok["refresh_token"]},
                                             {"client_id", "web-app"}});
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(old.json()["error"], "invalid_grant");

  // The reuse of the rotated refresh token ended the grant (REFRESH-8): log in again.
  auto tok2 = launch(f);
  auto rv = browser.post_form(issuer() + "/revoke",
                              {{"token", tok2["access_token"]}, {"client_id", "web-app"}});
  EXPECT_EQ(rv.status, 200);
  auto gone = introspect(tok2["access_token"]);
  EXPECT_EQ(gone.status, 200);
  EXPECT_EQ(gone.json(), nlohmann::json({{"active", false}}));  // INTRO-8, I7662-6
  // Revoking the refresh token revokes the grant's access tokens too (REVOKE-7).
  auto tok3 = launch(f);
  rv = browser.post_form(issuer() + "/revoke",
                         {{"token", tok3["refresh_token"]}, {"client_id", "web-app"}});
  EXPECT_EQ(rv.status, 200);
  EXPECT_EQ(introspect(tok3["access_token"]).json(), nlohmann::json({{"active", false}}));
  EXPECT_EQ(introspect(tok3["refresh_token"]).json(), nlohmann::json({{"active", false}}));
}

TEST_F(StandaloneLaunch, ProxyParentPicksEachChild) {
  Flow f;
  f.patient = "demo-child-2";
  LaunchResult lr;
  auto tok = launch(f, &lr);
  // The picker listed herself and both children, with the relationship.
  for (const auto& id : {"demo-parent", "demo-child-1", "demo-child-2"})
    EXPECT_NE(lr.picker_html.find(std::string("value=\"") + id + "\""), std::string::npos) << id;
  EXPECT_EQ(tok["patient"], "demo-child-2");
  auto ij = introspect(tok["access_token"]).json();
  EXPECT_EQ(ij["patient"], "demo-child-2");
  EXPECT_EQ(ij["sub"], "parent");  // the user, not the patient
  EXPECT_EQ(ij["fhirUser"], fhir_base() + "/Patient/demo-parent");

  f.patient = "demo-child-1";
  auto tok1 = launch(f);
  EXPECT_EQ(tok1["patient"], "demo-child-1");
  EXPECT_EQ(introspect(tok1["access_token"]).json()["patient"], "demo-child-1");
  // The first token still names child 2.
  EXPECT_EQ(introspect(tok["access_token"]).json()["patient"], "demo-child-2");
}

TEST_F(StandaloneLaunch, SingleReachablePatientSkipsThePicker) {
  Flow f;
  f.username = "solo";
  f.password = "solo-password";
  LaunchResult lr;
  auto tok = launch(f, &lr);
  EXPECT_TRUE(lr.picker_html.empty());
  EXPECT_EQ(tok["patient"], "demo-solo");
}

TEST_F(StandaloneLaunch, EhrLaunchCarriesEveryContextMember) {
  auto made = run_tessera(
      {"--database", seed.db, "launch", "create", "--patient", "demo-child-1", "--encounter",
       "enc-42", "--user", "doctor", "--intent", "reconcile-medications", "--need-patient-banner",
       "--smart-style-url", issuer() + "/smart-style/v1.json", "--tenant", "clinic-7",
       "--fhir-context",
       R"([{"reference":"DiagnosticReport/dr-1"},{"reference":"Patient/demo-parent","role":"https://example.org/roles/mother"}])"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string launch_value = made.out.substr(0, made.out.find('\n'));
  ASSERT_EQ(launch_value.rfind("tsr_ln_", 0), 0u);

  Flow f;
  f.launch = launch_value;
  f.username = "doctor";
  f.password = "doctor-password";
  f.scope = "launch openid fhirUser patient/*.rs user/*.rs";
  auto tok = launch(f);
  EXPECT_EQ(tok["patient"], "demo-child-1");
  EXPECT_EQ(tok["encounter"], "enc-42");
  EXPECT_EQ(tok["intent"], "reconcile-medications");
  EXPECT_EQ(tok["need_patient_banner"], true);
  EXPECT_EQ(tok["smart_style_url"], issuer() + "/smart-style/v1.json");
  EXPECT_EQ(tok["tenant"], "clinic-7");
  ASSERT_TRUE(tok["fhirContext"].is_array());
  EXPECT_EQ(tok["fhirContext"].size(), 2u);
  auto ij = introspect(tok["access_token"]).json();
  expect_context_carried(tok, ij);
  EXPECT_EQ(ij["sub"], "doctor");
  // The style document is served by Tessera itself (CTX-8).
  auto style = browser.get(tok["smart_style_url"]);
  EXPECT_EQ(style.status, 200);
  EXPECT_TRUE(style.json().contains("color_highlight"));

  // LAUNCH-2: a launch is single use.
  Flow again = f;
  auto pkce = make_pkce();
  auto redirect = authorize_and_consent(again, pkce);
  EXPECT_EQ(query_param(redirect, "error"), "invalid_request");
  EXPECT_EQ(query_param(redirect, "state"), f.state);
}

}  // namespace
}  // namespace tessera::itest
