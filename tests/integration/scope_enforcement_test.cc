// Issue 3 acceptance 4: a table-driven test of scope enforcement through the real binaries:
// v1 and v2 forms, wildcards, each of c r u d s, query constraints on Observation and Condition
// categories, and types not granted. Each row is a real launch (parent for child 2) with that
// scope; the token then meets the FHIR server, which knows it only through introspection.
#include <gtest/gtest.h>

#include "fhir_fixture.h"

namespace tessera::itest {
namespace {

const std::string kObsCat = "http://terminology.hl7.org/CodeSystem/observation-category";
const std::string kCondCat = "http://terminology.hl7.org/CodeSystem/condition-category";

class ScopeEnforcement : public FhirTest {
 protected:
  // First demo resource of `type` for child 2 whose category code is `category` ("" = any).
  std::string find(const std::string& type, const std::string& category) const {
    for (const auto& e : demo_bundle["entry"]) {
      const auto& r = e["resource"];
      if (r["resourceType"] != type ||
          r["subject"].value("reference", "") != "Patient/demo-child-2")
        continue;
      if (category.empty()) return r["id"];
      for (const auto& c : r.value("category", nlohmann::json::array()))
        for (const auto& cd : c.value("coding", nlohmann::json::array()))
          if (cd.value("code", "") == category) return r["id"];
    }
    return "";
  }
};

struct Step {
  std::string method;  // GET, POST, PUT, DELETE
  std::string path;    // relative to the FHIR base; {lab}, {vital}, {problem}, {dx} are replaced
  int status;
  std::string note;
};

struct Row {
  std::string scope;
  std::vector<Step> steps;
};

TEST_F(ScopeEnforcement, Table) {
  const std::string lab = find("Observation", "laboratory");
  const std::string vital = find("Observation", "vital-signs");
  const std::string problem = find("Condition", "problem-list-item");
  const std::string dx = find("Condition", "encounter-diagnosis");
  ASSERT_FALSE(lab.empty());
  ASSERT_FALSE(vital.empty());
  ASSERT_FALSE(problem.empty());
  ASSERT_FALSE(dx.empty());
  const std::string new_obs =
      R"({"resourceType":"Observation","status":"final","category":[{"coding":[{"system":")" +
      kObsCat +
      R"(","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"subject":{"reference":"Patient/demo-child-2"},"valueQuantity":{"value":37.1,"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"}})";

  const std::vector<Row> rows = {
      // SCOPE-2: each letter alone.
      {"patient/Observation.r",
       {{"GET", "Observation/{vital}", 200, "r reads"},
        {"GET", "Observation?patient=demo-child-2", 403, "r does not search"}}},
      {"patient/Observation.s",
       {{"GET", "Observation?patient=demo-child-2", 200, "s searches"},
        {"GET", "Observation/{vital}", 403, "s does not read"}}},
      {"patient/Observation.c",
       {{"POST", "Observation", 201, "c creates"},
        {"GET", "Observation/{vital}", 403, "SCOPE-10: write is not read"}}},
      {"patient/Observation.u",
       {{"PUT", "Observation/{vital}", 200, "u updates"},
        {"POST", "Observation", 403, "u does not create"},
        {"GET", "Observation/{vital}", 403, "u does not read"}}},
      {"patient/Observation.d",
       {{"DELETE", "Observation/{dx-obs}", 200, "d deletes"},
        {"GET", "Observation/{vital}", 403, "d does not read"}}},
      // v2 combinations and SCOPE-5 equivalence.
      {"patient/Observation.rs",
       {{"GET", "Observation/{vital}", 200, ""},
        {"GET", "Observation?patient=demo-child-2", 200, ""},
        {"POST", "Observation", 403, "no c"},
        {"GET", "Condition?patient=demo-child-2", 403, "type not granted"}}},
      {"patient/Observation.r patient/Observation.s",
       {{"GET", "Observation/{vital}", 200, "r+s == rs"},
        {"GET", "Observation?patient=demo-child-2", 200, ""}}},
      // SCOPE-4: v1 forms.
      {"patient/Observation.read",
       {{"GET", "Observation/{vital}", 200, ".read => r"},
        {"GET", "Observation?patient=demo-child-2", 200, ".read => s"},
        {"POST", "Observation", 403, ".read has no c"}}},
      {"patient/Observation.write",
       {{"POST", "Observation", 201, ".write => c"},
        {"GET", "Observation/{vital}", 403, ".write has no r"}}},
      {"patient/*.read",
       {{"GET", "Condition/{problem}", 200, "wildcard v1"},
        {"GET", "Observation?patient=demo-child-2", 200, ""},
        {"POST", "Observation", 403, ""}}},
      // SCOPE-7: wildcards.
      {"patient/*.rs",
       {{"GET", "Condition/{problem}", 200, ""},
        {"GET", "MedicationRequest?patient=demo-child-2", 200, ""},
        {"GET", "AllergyIntolerance?patient=demo-child-2", 200, ""},
        {"DELETE", "Observation/{vital}", 403, "no d"}}},
      {"patient/*.cruds",
       {{"POST", "Observation", 201, ""},
        {"PUT", "Observation/{vital}", 200, ""},
        {"DELETE", "Observation/{dx-obs}", 200, ""}}},
      // SCOPE-6: query constraints on Observation and Condition categories.
      {"patient/Observation.rs?category=" + kObsCat + "|laboratory",
       {{"GET", "Observation/{lab}", 200, "matches the constraint"},
        {"GET", "Observation/{vital}", 404, "outside the constraint: as if absent"},
        {"GET", "Observation?patient=demo-child-2", 200, "search filtered (checked below)"}}},
      {"patient/Condition.rs?category=" + kCondCat + "|problem-list-item",
       {{"GET", "Condition/{problem}", 200, ""},
        {"GET", "Condition/{dx}", 404, ""},
        {"GET", "Observation/{vital}", 403, "type not granted"}}},
      // Types not granted: 403 insufficient_scope, never an empty 200 Bundle.
      {"patient/Patient.rs",
       {{"GET", "Patient/demo-child-2", 200, ""},
        {"GET", "Observation?patient=demo-child-2", 403, ""},
        {"GET", "Observation", 403, ""}}},
  };

  int dx_obs_counter = 0;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.scope);
    Flow f;
    f.patient = "demo-child-2";
    f.scope = "launch/patient " + row.scope;
    auto tok = launch(f);
    const std::string at = tok["access_token"];
    // What was granted is what introspection reports (SCOPE-8).
    EXPECT_EQ(introspect(at).json()["scope"], tok["scope"]);
    for (const auto& s : row.steps) {
      std::string path = s.path;
      auto subst = [&](const std::string& key, const std::string& v) {
        for (auto p = path.find(key); p != std::string::npos; p = path.find(key))
          path.replace(p, key.size(), v);
      };
      std::string victim;
      if (path.find("{dx-obs}") != std::string::npos) {
        // A different Observation of child 2 for each delete, so later rows still find theirs.
        std::vector<std::string> spare;
        for (const auto& id : demo_ids("Observation", "demo-child-2"))
          if (id != lab && id != vital) spare.push_back(id);
        victim = spare.at(static_cast<std::size_t>(dx_obs_counter++));
        subst("{dx-obs}", victim);
      }
      subst("{lab}", lab);
      subst("{vital}", vital);
      subst("{problem}", problem);
      subst("{dx}", dx);
      std::map<std::string, std::string> h = {{"Authorization", "Bearer " + at}};
      Reply r;
      if (s.method == "GET") {
        r = browser.get(fhir_base() + "/" + path, h);
      } else if (s.method == "POST") {
        h["Content-Type"] = "application/fhir+json";
        r = browser.request(http::Verb::post, fhir_base() + "/" + path, new_obs, h);
      } else if (s.method == "PUT") {
        h["Content-Type"] = "application/fhir+json";
        auto body = nlohmann::json::parse(new_obs);
        body["id"] = path.substr(path.find('/') + 1);
        r = browser.request(http::Verb::put, fhir_base() + "/" + path, body.dump(), h);
      } else {
        r = browser.request(http::Verb::delete_, fhir_base() + "/" + path, "", h);
      }
      int expected = s.status;
      if (s.method == "DELETE" && expected == 200 && r.status == 204) expected = 204;
      EXPECT_EQ(r.status, expected) << s.method << " " << path << " (" << s.note << ")\n"
                                    << r.body.substr(0, 300);
      if (expected == 403) {
        EXPECT_NE(r.header("WWW-Authenticate").find("insufficient_scope"), std::string::npos)
            << path;
      }
      if (row.scope.find("|laboratory") != std::string::npos && s.method == "GET" &&
          path.find('?') != std::string::npos) {
        auto b = r.json();
        EXPECT_GT(b.value("entry", nlohmann::json::array()).size(), 0u);
        for (const auto& e : b.value("entry", nlohmann::json::array())) {
          EXPECT_NE(e["resource"].dump().find("laboratory"), std::string::npos)
              << "non-lab result leaked";
        }
      }
    }
  }
}

}  // namespace
}  // namespace tessera::itest
