// Issue 3 acceptance 1, 2, 3, 5: the seed scenario end to end against the real binaries, with the
// authorization server and the FHIR server as separate processes.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "fhir_fixture.h"

namespace tessera::itest {
namespace {

// Every entry of a searchset (search mode "match") belongs to `patient`.
void expect_only_patient(const nlohmann::json& bundle, const std::string& patient) {
  ASSERT_EQ(bundle["resourceType"], "Bundle");
  for (const auto& e : bundle.value("entry", nlohmann::json::array())) {
    const auto& r = e["resource"];
    std::string ref = r.contains("subject")   ? r["subject"].value("reference", "")
                      : r.contains("patient") ? r["patient"].value("reference", "")
                                              : "";
    if (r["resourceType"] == "Patient") ref = "Patient/" + r["id"].get<std::string>();
    EXPECT_EQ(ref, "Patient/" + patient) << r.dump().substr(0, 300);
  }
}

std::size_t entries(const nlohmann::json& bundle) {
  return bundle.value("entry", nlohmann::json::array()).size();
}

class SeedScenario : public FhirTest {};

TEST_F(SeedScenario, ParentActsForChildTwoAndNothingElse) {
  Flow f;
  f.patient = "demo-child-2";
  f.scope = "launch/patient patient/*.rs";
  auto tok = launch(f);
  ASSERT_EQ(tok["patient"], "demo-child-2");
  const std::string at = tok["access_token"];
  int requests = 0;
  auto get = [&](const std::string& path) {
    ++requests;
    return fhir_get(path, at);
  };

  // Allowed: her Patient and her Observations, only hers.
  auto me = get("Patient/demo-child-2");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["id"], "demo-child-2");
  auto obs = get("Observation?patient=demo-child-2&_count=200");
  ASSERT_EQ(obs.status, 200) << obs.body;
  EXPECT_GT(entries(obs.json()), 0u);
  expect_only_patient(obs.json(), "demo-child-2");
  auto unfiltered =
      get("Observation?_count=500");  // names no patient: limited to the token's (SCOPE-11)
  ASSERT_EQ(unfiltered.status, 200);
  expect_only_patient(unfiltered.json(), "demo-child-2");
  EXPECT_EQ(unfiltered.json()["total"], obs.json()["total"]);

  // Refused, every way we can think of (RS-4). Reads of another patient's resources: 404 (their
  // existence is not revealed); requests that name another patient: 403.
  auto child1_obs = demo_ids("Observation", "demo-child-1");
  auto parent_obs = demo_ids("Observation", "demo-parent");
  ASSERT_FALSE(child1_obs.empty());
  ASSERT_FALSE(parent_obs.empty());
  struct Case {
    std::string path;
    int status;
  };
  std::vector<Case> refused = {
      {"Patient/demo-child-1", 404},
      {"Patient/demo-parent", 404},
      {"Observation/" + child1_obs[0], 404},
      {"Observation/" + parent_obs[0], 404},
      {"Observation/" + child1_obs[0] + "/_history/1", 404},
      {"Observation?patient=demo-child-1", 403},
      {"Observation?patient=Patient/demo-child-1", 403},
      {"Observation?subject=Patient/demo-child-1", 403},
      {"Observation?subject=demo-parent", 403},
      {"Observation?patient=demo-child-2,demo-child-1", 403},
      {"Patient?_id=demo-child-1", 403},
      {"Condition?patient=demo-parent", 403},
      {"Patient?_id=demo-child-1&_revinclude=Observation:subject", 403},
      // The parent's Patient links to her RelatedPerson record for child 2 (which is in child 2's
      // compartment): a _revinclude from it would reach the parent's Patient resource.
      {"RelatedPerson?_revinclude=Patient:link", 403},
      {"Observation?subject:Patient.name=Lucas", 400},  // chained search: never followed
  };
  for (const auto& c : refused) {
    auto r = get(c.path);
    EXPECT_EQ(r.status, c.status) << c.path << "\n" << r.body.substr(0, 400);
    EXPECT_EQ(r.json()["resourceType"], "OperationOutcome") << c.path;
    for (const char* other :
         {"\"reference\":\"Patient/demo-child-1\"", "\"reference\":\"Patient/demo-parent\""})
      EXPECT_EQ(r.body.find(other), std::string::npos) << "leaked data: " << c.path;
  }
  // The same through POST _search.
  for (const Form& form :
       std::vector<Form>{{{"patient", "demo-child-1"}}, {{"subject", "Patient/demo-parent"}}}) {
    ++requests;
    auto r = fhir_search_post("Observation", form, at);
    EXPECT_EQ(r.status, 403) << r.body;
  }
  ++requests;
  auto own_post = fhir_search_post("Observation", {{"patient", "demo-child-2"}}, at);
  EXPECT_EQ(own_post.status, 200);
  expect_only_patient(own_post.json(), "demo-child-2");
  // Writes may not put data into another compartment.
  ++requests;
  auto create = browser.request(
      http::Verb::post, fhir_base() + "/Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/demo-child-1"}})",
      {{"Authorization", "Bearer " + at}, {"Content-Type", "application/fhir+json"}});
  EXPECT_EQ(create.status, 403) << create.body;  // and patient/*.rs grants no create anyway

  // The audit shows every request with the parent as user and child 2 as patient.
  auto audit = run_tessera({"--database", fhir_db, "audit", "list", "--json", "--limit", "1000"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  int fhir_records = 0;
  std::istringstream lines(audit.out);
  for (std::string line; std::getline(lines, line);) {
    auto a = nlohmann::json::parse(line);
    if (a["event"].get<std::string>().rfind("fhir.", 0) != 0) continue;
    ++fhir_records;
    EXPECT_EQ(a["sub"], "parent") << line;
    EXPECT_EQ(a["patient"], "demo-child-2") << line;
    EXPECT_EQ(a["client_id"], "web-app") << line;
    EXPECT_EQ(a["on_behalf_of"], "proxy") << line;
  }
  EXPECT_EQ(fhir_records, requests);
}

TEST_F(SeedScenario, ParentsOwnRecordStaysOutsideHerChildsTokenEvenWithFhirUser) {
  // The fhirUser resource is readable with a token when it is not patient data (a Practitioner,
  // see below); the parent's own Patient record is her data, so a token for her child does not
  // reach it, even though she is the signed-in user and fhirUser was granted.
  Flow f;
  f.patient = "demo-child-2";
  f.scope = "openid fhirUser launch/patient patient/*.rs";
  auto tok = launch(f);
  auto intro = introspect(tok["access_token"]).json();
  EXPECT_EQ(intro["fhirUser"], fhir_base() + "/Patient/demo-parent");
  EXPECT_EQ(fhir_get("Patient/demo-parent", tok["access_token"]).status, 404);
  EXPECT_EQ(
      fhir_get("Observation/" + demo_ids("Observation", "demo-parent").at(0), tok["access_token"])
          .status,
      404);
  EXPECT_EQ(fhir_get("Observation?patient=demo-parent", tok["access_token"]).status, 403);
  EXPECT_EQ(fhir_get("Patient/demo-child-2", tok["access_token"]).status, 200);
}

TEST_F(SeedScenario, PractitionerReachesEveryPatientPatientUserOnlyHerself) {
  // Acceptance 2: user/*.rs for a Practitioner reaches all patients ...
  Flow doc;
  doc.username = "doctor";
  doc.password = "doctor-password";
  doc.scope = "openid fhirUser user/*.rs";
  auto dt = launch(doc);
  EXPECT_FALSE(dt.contains("patient"));
  for (const char* p : {"demo-child-1", "demo-parent", "demo-p-03"}) {
    EXPECT_EQ(fhir_get(std::string("Patient/") + p, dt["access_token"]).status, 200) << p;
    auto o = fhir_get(std::string("Observation?patient=") + p, dt["access_token"]);
    EXPECT_EQ(o.status, 200) << p;
    EXPECT_GT(entries(o.json()), 0u) << p;
  }
  // The fhirUser resource is readable with the token.
  EXPECT_EQ(fhir_get("Practitioner/demo-practitioner", dt["access_token"]).status, 200);

  // ... and for a Patient user only her own compartment.
  Flow solo;
  solo.username = "solo";
  solo.password = "solo-password";
  solo.scope = "openid fhirUser user/*.rs";
  auto st = launch(solo);
  const std::string at = st["access_token"];
  EXPECT_EQ(fhir_get("Patient/demo-solo", at).status, 200);
  auto mine = fhir_get("Observation?_count=500", at);
  ASSERT_EQ(mine.status, 200);
  EXPECT_GT(entries(mine.json()), 0u);
  expect_only_patient(mine.json(), "demo-solo");
  EXPECT_EQ(fhir_get("Patient/demo-parent", at).status, 404);
  EXPECT_EQ(fhir_get("Observation?patient=demo-parent", at).status, 403);
}

TEST_F(SeedScenario, TokenForServerAIsRefusedByServerB) {
  // Acceptance 3 (RS-2): a second FHIR server with another base URL, trusting the same AS.
  int other_port = fhir_port + 1;  // registered as an audience in SetUp
  std::string other_base = "http://127.0.0.1:" + std::to_string(other_port) + "/other-fhir";
  std::unique_ptr<Server> other;
  try {
    other = start_fhir(other_base, other_port);
  } catch (const std::exception& e) {
    GTEST_SKIP() << "port " << other_port << " is taken: " << e.what();
  }
  Flow f;
  f.patient = "demo-child-2";
  auto tok = launch(f);  // aud = server A
  EXPECT_EQ(fhir_get("Patient/demo-child-2", tok["access_token"]).status, 200);
  auto at_b = browser.get(other_base + "/Patient/demo-child-2",
                          {{"Authorization", "Bearer " + tok["access_token"].get<std::string>()}});
  EXPECT_EQ(at_b.status, 401) << at_b.body;
  EXPECT_NE(at_b.header("WWW-Authenticate").find("invalid_token"), std::string::npos);
}

TEST_F(SeedScenario, RevokedTokenStopsWorkingWithinTheCacheBound) {
  // Acceptance 5 (RS-6, REVOKE-10): the README's bound is fhir.cache_ttl_ms (1 s here).
  Flow f;
  f.patient = "demo-child-2";
  auto tok = launch(f);
  const std::string at = tok["access_token"];
  ASSERT_EQ(fhir_get("Patient/demo-child-2", at).status, 200);  // now cached
  auto rv = browser.post_form(issuer() + "/revoke", {{"token", at}, {"client_id", "web-app"}});
  ASSERT_EQ(rv.status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(kCacheTtlMs + 300));
  auto after = fhir_get("Patient/demo-child-2", at);
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.header("WWW-Authenticate").find("invalid_token"), std::string::npos);
}

TEST_F(SeedScenario, RequestsWithoutAValidTokenAre401AndAsDownIs503) {
  EXPECT_EQ(browser.get(fhir_base() + "/Patient/demo-child-2").status, 401);
  auto garbage = fhir_get("Patient/demo-child-2", "tsr_at_garbage");
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.json()["resourceType"], "OperationOutcome");
  auto md = browser.get(fhir_base() + "/metadata");  // public
  EXPECT_EQ(md.status, 200);
  EXPECT_EQ(md.json()["resourceType"], "CapabilityStatement");
  auto disc = browser.get(fhir_base() + "/.well-known/smart-configuration");
  EXPECT_EQ(disc.status, 200);
  EXPECT_EQ(disc.json()["token_endpoint"], issuer() + "/token");
  // Fail closed when the AS is gone (never cached).
  Flow f;
  f.patient = "demo-child-2";
  auto tok = launch(f);
  server->stop();
  auto down = fhir_get("Observation?patient=demo-child-2", tok["access_token"]);
  EXPECT_EQ(down.status, 503) << down.body;
}

}  // namespace
}  // namespace tessera::itest
