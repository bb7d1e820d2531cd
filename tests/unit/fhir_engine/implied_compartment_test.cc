// engine::implied_patients and the compartment condition it spares in access_filter: a search
// whose own reference condition already confines its matches to permitted compartments
// (Observation?patient=x for a token of x) needs no per-row compartment lookup, and every other
// search keeps it. The end-to-end results are the same either way.
#include "fhir/engine/search.h"
#include "test_support.h"

namespace tessera::fhir::testing {
namespace {

using store::Filter;
using K = store::Filter::Kind;
using V = std::vector<std::string>;

Filter parsed(std::string_view type, std::vector<std::pair<std::string, std::string>> params) {
  auto ps = engine::parse_search(type, params, true, engine::SearchLimits{});
  EXPECT_TRUE(ps.ok());
  return ps.ok() ? std::move(ps->filter) : Filter::never();
}

V implied(std::string_view type, std::vector<std::pair<std::string, std::string>> params) {
  return engine::implied_patients(type, parsed(type, std::move(params)));
}

bool has_compartment_leaf(const Filter& f) {
  if (f.kind == K::kInCompartment) return true;
  return std::any_of(f.children.begin(), f.children.end(), has_compartment_leaf);
}

TEST(ImpliedPatients, ReferencesReadByACompartmentParameter) {
  EXPECT_EQ(implied("Observation", {{"patient", "x"}}), V{"x"});
  EXPECT_EQ(implied("Observation", {{"patient", "Patient/x"}}), V{"x"});
  EXPECT_EQ(implied("Observation", {{"subject", "Patient/x"}}), V{"x"});
  EXPECT_EQ(implied("Observation", {{"subject:Patient", "x"}}), V{"x"});
  EXPECT_EQ(implied("Observation", {{"performer", "Patient/x"}}), V{"x"});
  EXPECT_EQ(implied("Observation", {{"patient", "x,y"}}), (V{"x", "y"}));
  EXPECT_EQ(implied("Observation", {{"code", "8310-5"}, {"patient", "x"}}), V{"x"});
  EXPECT_EQ(implied("Condition", {{"patient", "x"}}), V{"x"});
  EXPECT_EQ(implied("Immunization", {{"patient", "Patient/x"}}), V{"x"});
}

TEST(ImpliedPatients, NothingImpliedOtherwise) {
  EXPECT_TRUE(implied("Observation", {}).empty());
  EXPECT_TRUE(implied("Observation", {{"code", "8310-5"}}).empty());
  // References to other types, and mixed lists, confine nothing to a Patient compartment.
  EXPECT_TRUE(implied("Observation", {{"subject", "Group/g"}}).empty());
  EXPECT_TRUE(implied("Observation", {{"subject", "Patient/x,Group/g"}}).empty());
  EXPECT_TRUE(implied("Observation", {{"encounter", "Encounter/e"}}).empty());
  // A bare id on `subject` may name any type (kValueSuffix), so it implies nothing.
  EXPECT_TRUE(implied("Observation", {{"subject", "x"}}).empty());
  EXPECT_TRUE(implied("Immunization", {{"patient", "x"}}).empty());  // no target type either
  // An element no compartment parameter reads (Patient.generalPractitioner).
  EXPECT_TRUE(implied("Patient", {{"general-practitioner", "Practitioner/d"}}).empty());
  // Device is outside the R4 table: its compartment rows come from Device.patient instead.
  EXPECT_TRUE(implied("Device", {{"patient", "x"}}).empty());
  // OR across parameters is no top-level condition.
  Filter f = Filter::any(
      {parsed("Observation", {{"patient", "x"}}), parsed("Observation", {{"code", "8310-5"}})});
  EXPECT_TRUE(engine::implied_patients("Observation", f).empty());
}

TEST(ImpliedPatients, SparesTheCompartmentConditionOnlyWhenEveryImpliedPatientIsPermitted) {
  std::vector<Permit> permits{{V{"x", "y"}, {}}};
  EXPECT_FALSE(has_compartment_leaf(engine::access_filter("Observation", permits, {"x"})));
  EXPECT_TRUE(engine::access_filter("Observation", permits, {"x"}).is_true());
  EXPECT_FALSE(has_compartment_leaf(engine::access_filter("Observation", permits, {"y", "x"})));
  EXPECT_TRUE(has_compartment_leaf(engine::access_filter("Observation", permits, {"x", "z"})));
  EXPECT_TRUE(has_compartment_leaf(engine::access_filter("Observation", permits, {})));
  EXPECT_TRUE(has_compartment_leaf(engine::access_filter("Observation", permits)));
  // Per permit: one that reaches x loses the condition, one that does not keeps it.
  std::vector<Permit> two{{V{"x"}, {{{"category", "laboratory"}}}}, {V{"z"}, {}}};
  Filter f = engine::access_filter("Observation", two, {"x"});
  ASSERT_EQ(f.kind, K::kAny);
  ASSERT_EQ(f.children.size(), 2u);
  EXPECT_FALSE(has_compartment_leaf(f.children[0]));
  EXPECT_TRUE(has_compartment_leaf(f.children[1]));
  // Constraint sets stay; a permit reaching nobody still lets nothing through.
  EXPECT_FALSE(f.children[0].is_true());
  std::vector<Permit> nobody{{V{}, {}}};
  EXPECT_TRUE(engine::access_filter("Observation", nobody, {"x"}).is_false());
}

class ImpliedCompartmentSearch : public EngineTest {};

TEST_F(ImpliedCompartmentSearch, ResultsMatchTheCompartmentRule) {
  // An Observation about another patient, performed by demo-child-2: in demo-child-2's
  // compartment (performer) but not a match of patient=demo-child-2.
  json obs = {
      {"resourceType", "Observation"},
      {"status", "final"},
      {"code", {{"coding", json::array({{{"system", "http://loinc.org"}, {"code", "x"}}})}}},
      {"subject", {{"reference", "Patient/demo-p-01"}}},
      {"performer", json::array({{{"reference", "Patient/demo-child-2"}}})}};
  Reply created = call(http::Verb::post, "Observation", admin_, obs.dump());
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const std::string id = created.body["id"];
  TestPolicy child2 = patient_policy("demo-child-2");

  Reply own = get("Observation?patient=demo-child-2&_count=500", child2);
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.body["total"], 37);
  for (const json& e : own.body["entry"]) {
    EXPECT_EQ(e["resource"]["subject"]["reference"], "Patient/demo-child-2");
  }
  Reply performed = get("Observation?performer=Patient/demo-child-2", child2);
  ASSERT_EQ(performed.status, 200);
  EXPECT_EQ(performed.body["total"], 1);
  EXPECT_EQ(performed.body["entry"][0]["resource"]["id"], id);
  // The other patient's token sees it through subject, the same as before.
  Reply other = get("Observation?patient=demo-p-01&code=x", patient_policy("demo-p-01"));
  EXPECT_EQ(other.body["total"], 1);
  // Naming a patient outside the token stays a 403.
  EXPECT_EQ(get("Observation?patient=demo-p-01", child2).status, 403);
}

}  // namespace
}  // namespace tessera::fhir::testing
