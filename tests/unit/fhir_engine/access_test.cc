// Enforcement of the AccessPolicy (RS-4, SCOPE-2, SCOPE-6, SCOPE-10, SCOPE-11): compartments,
// query constraints, missing grants, includes, writes, the fhirUser resource and Devices.
#include "test_support.h"

namespace tessera::fhir::testing {
namespace {

using http::Verb;

class Access : public EngineTest {
 protected:
  // patient/*.rs for demo-child-2 (a RelatedPerson parent's token would look the same).
  TestPolicy child2_ = patient_policy("demo-child-2");
  TestPolicy child2_write_ = patient_policy("demo-child-2", "cruds");

  json observation_for(const std::string& patient) {
    return json{
        {"resourceType", "Observation"},
        {"status", "final"},
        {"code", {{"coding", json::array({{{"system", "http://loinc.org"}, {"code", "8310-5"}}})}}},
        {"subject", {{"reference", "Patient/" + patient}}}};
  }
  std::string create_as_admin(const json& resource) {
    Reply r =
        call(Verb::post, resource["resourceType"].get<std::string>(), admin_, resource.dump());
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("id", "");
  }
  void expect_forbidden(const Reply& r) {
    EXPECT_EQ(r.status, 403) << r.body.dump();
    EXPECT_EQ(r.body["resourceType"], "OperationOutcome");
    EXPECT_EQ(r.issue_code(), "forbidden");
    EXPECT_EQ(r.diagnostics().rfind("insufficient_scope: ", 0), 0u) << r.diagnostics();
  }
};

// ---- RS-4 / SCOPE-11: reads ----

TEST_F(Access, Rs4PatientTokenReadsOwnPatient) {
  EXPECT_EQ(get("Patient/demo-child-2", child2_).status, 200);
  EXPECT_EQ(get("Observation/demo-child-2-obs-0001", child2_).status, 200);
}

TEST_F(Access, Rs4OtherPatientsReadAsAbsent) {
  for (const char* target :
       {"Patient/demo-child-1", "Patient/demo-parent", "Observation/demo-child-1-obs-0001",
        "Condition/demo-parent-cond-0001", "Observation/demo-child-1-obs-0001/_history/1",
        "Observation/demo-child-1-obs-0001/_history"}) {
    Reply r = get(target, child2_);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.issue_code(), "not-found") << target;
  }
  // Exactly as for an id that does not exist (existence is not leaked).
  Reply other = get("Observation/demo-child-1-obs-0001", child2_);
  Reply absent = get("Observation/demo-child-1-obs-9999", child2_);
  EXPECT_EQ(other.status, absent.status);
  EXPECT_EQ(other.diagnostics().find("is not known") != std::string::npos,
            absent.diagnostics().find("is not known") != std::string::npos);
}

TEST_F(Access, Rs4DeletedResourceOfAnotherPatientIs404Not410) {
  ASSERT_EQ(call(Verb::delete_, "Observation/demo-child-1-obs-0001", admin_).status, 204);
  EXPECT_EQ(get("Observation/demo-child-1-obs-0001", child2_).status, 404);
  EXPECT_EQ(get("Observation/demo-child-1-obs-0001", patient_policy("demo-child-1")).status, 410);
}

TEST_F(Access, NonCompartmentTypesPassPatientPermits) {
  EXPECT_EQ(get("Practitioner/demo-practitioner", child2_).status, 200);
  EXPECT_EQ(get("Organization/demo-org", child2_).status, 200);
}

// ---- RS-4 / SCOPE-11: searches ----

TEST_F(Access, Scope11UnfilteredSearchReturnsOnlyThePatientsData) {
  std::vector<std::string> all = all_pages("Observation?_count=10", child2_);
  EXPECT_EQ(as_set(all), expected("Observation", {{"patient", "demo-child-2"}}));
  Reply r = get("Observation", child2_);
  EXPECT_EQ(r.body["total"], 37);  // totals count permitted resources only
  Reply p = get("Patient", child2_);
  EXPECT_EQ(p.refs(), std::vector<std::string>{"Patient/demo-child-2"});
  EXPECT_EQ(p.body["total"], 1);
  EXPECT_EQ(get("Observation?code=8310-5", child2_).body["total"],
            expected("Observation", {{"patient", "demo-child-2"}, {"code", "8310-5"}}).size());
  EXPECT_EQ(get("Observation?patient=demo-child-2", child2_).body["total"], 37);
}

TEST_F(Access, Rs4SearchNamingAnotherPatientIs403) {
  for (const char* q :
       {"Observation?patient=demo-child-1", "Observation?patient=Patient/demo-child-1",
        "Observation?subject=Patient/demo-parent", "Observation?subject=demo-parent",
        "Observation?subject:Patient=demo-parent", "Observation?patient=demo-child-2,demo-child-1",
        "Observation?performer=Patient/demo-solo", "Patient?_id=demo-parent",
        "Patient?_id=demo-child-2,demo-parent", "Patient?link=Patient/demo-parent",
        "Encounter?patient=demo-p-01", "Observation?patient=no-such-patient"}) {
    expect_forbidden(get(q, child2_));
  }
  EXPECT_NE(get("Observation?patient=demo-child-1", child2_).diagnostics().find("demo-child-1"),
            std::string::npos);
  // Naming the token's own patient, or a non-patient reference, is fine.
  EXPECT_EQ(get("Observation?subject=Patient/demo-child-2", child2_).status, 200);
  EXPECT_EQ(get("Observation?performer=Practitioner/demo-practitioner", child2_).status, 200);
  EXPECT_EQ(get("Patient?_id=demo-child-2", child2_).status, 200);
}

TEST_F(Access, Rs4PostSearchFollowsTheSameRules) {
  auto post = [&](const std::string& body) {
    return call(Verb::post, "Observation/_search", child2_, body,
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  };
  expect_forbidden(post("patient=demo-child-1"));
  expect_forbidden(post("subject=Patient%2Fdemo-parent"));
  Reply own = post("category=laboratory");
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.body["total"], 1);
  Reply all = post("");
  EXPECT_EQ(all.body["total"], 37);
  expect_forbidden(call(Verb::post, "Observation/_search?patient=demo-child-1", child2_, "",
                        {{"Content-Type", "application/x-www-form-urlencoded"}}));
}

TEST_F(Access, Rs4IncludeReachingAnotherPatientIs403) {
  // An Observation of child-2 that also names the parent as performer (so it is in both
  // compartments): including its performer would reveal the parent's Patient resource.
  json o = observation_for("demo-child-2");
  o["performer"] = json::array({{{"reference", "Patient/demo-parent"}}});
  const std::string id = create_as_admin(o);
  Reply r = get("Observation?_id=" + id + "&_include=Observation:performer", child2_);
  expect_forbidden(r);
  EXPECT_NE(r.diagnostics().find("_include"), std::string::npos);
  // The same Observation is readable, and includes that stay inside pass.
  EXPECT_EQ(get("Observation/" + id, child2_).status, 200);
  Reply ok = get("Observation?_id=" + id + "&_include=Observation:patient", child2_);
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.refs("include"), std::vector<std::string>{"Patient/demo-child-2"});
  // A grant without Patient access cannot include Patients at all.
  TestPolicy obs_only;
  obs_only.grant("Observation", "rs", patients({"demo-child-2"}));
  expect_forbidden(get("Observation?_id=" + id + "&_include=Observation:patient", obs_only));
}

TEST_F(Access, Rs4RevincludeReachingAnotherPatientIs403) {
  // A Provenance in child-1's compartment that targets child-2's Patient resource.
  json prov = {
      {"resourceType", "Provenance"},
      {"recorded", "2026-01-01T00:00:00Z"},
      {"target", json::array({{{"reference", "Patient/demo-child-2"}},
                              {{"reference", "Patient/demo-child-1"}}})},
      {"agent", json::array({{{"who", {{"reference", "Practitioner/demo-practitioner"}}}}})}};
  create_as_admin(prov);
  // It is in child-2's compartment too (target), so that passes; a child-1-only one does not.
  Reply ok = get("Patient?_id=demo-child-2&_revinclude=Provenance:target", child2_);
  EXPECT_EQ(ok.status, 200) << ok.body.dump();
  json enc_obs = observation_for("demo-child-1");
  enc_obs["focus"] = json::array({{{"reference", "Patient/demo-child-2"}}});
  enc_obs["encounter"] = {{"reference", "Encounter/demo-child-2-enc-0001"}};
  create_as_admin(enc_obs);
  expect_forbidden(
      get("Encounter?_id=demo-child-2-enc-0001&_revinclude=Observation:encounter", child2_));
}

// ---- SCOPE-6: query constraints ----

TEST_F(Access, Scope6CategoryConstraintLimitsReadsAndSearches) {
  TestPolicy labs;
  labs.grant("Observation", "rs",
             constrained(std::vector<std::string>{"demo-parent"},
                         {{{"category", std::string(kLabSystem) + "|laboratory"}}}));
  // demo-parent's first observation is a vital sign.
  EXPECT_EQ(get("Observation/demo-parent-obs-0001", labs).status, 404);
  Reply search = get("Observation", labs);
  ASSERT_EQ(search.status, 200);
  const auto want =
      expected("Observation", {{"patient", "demo-parent"}, {"category", "laboratory"}});
  EXPECT_EQ(search.body["total"], want.size());
  EXPECT_EQ(as_set(all_pages("Observation?_count=5", labs)), want);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(get(*want.begin(), labs).status, 200);
  // A search that conflicts with the constraint matches nothing (not an error).
  Reply vitals = get("Observation?category=vital-signs", labs);
  EXPECT_EQ(vitals.status, 200);
  EXPECT_EQ(vitals.body["total"], 0);
}

TEST_F(Access, Scope6ConstraintWithoutCompartment) {
  TestPolicy labs;  // user/Observation.rs?category=laboratory for a practitioner
  labs.grant("Observation", "rs", constrained(std::nullopt, {{{"category", "laboratory"}}}));
  EXPECT_EQ(get("Observation", labs).body["total"], 81);
  EXPECT_EQ(get("Observation?patient=demo-p-01", labs).body["total"],
            expected("Observation", {{"patient", "demo-p-01"}, {"category", "laboratory"}}).size());
}

TEST_F(Access, Scope6ConstraintSetsAreOrAndConstraintsAnd) {
  TestPolicy p;
  p.grant("Observation", "rs",
          constrained(std::nullopt, {{{"category", "laboratory"}, {"patient", "demo-child-1"}},
                                     {{"category", "social-history"}}}));
  const auto want = [&] {
    auto a = expected("Observation", {{"category", "laboratory"}, {"patient", "demo-child-1"}});
    auto b = expected("Observation", {{"category", "social-history"}});
    a.insert(b.begin(), b.end());
    return a;
  }();
  EXPECT_EQ(as_set(all_pages("Observation?_count=100", p)), want);
  // A constraint on a parameter the type does not define matches nothing (fail closed).
  TestPolicy odd;
  odd.grant("*", "rs", constrained(std::nullopt, {{{"category", "laboratory"}}}));
  EXPECT_EQ(get("Patient", odd).body["total"], 0);
  EXPECT_EQ(get("Patient/demo-solo", odd).status, 404);
}

TEST_F(Access, SeveralPermitsAddUp) {
  TestPolicy p;  // SCOPE-5: union
  p.grant("Observation", "rs", patients({"demo-child-2"}));
  p.grant("Observation", "rs",
          constrained(std::vector<std::string>{"demo-child-1"}, {{{"category", "laboratory"}}}));
  auto want = expected("Observation", {{"patient", "demo-child-2"}});
  auto labs1 = expected("Observation", {{"patient", "demo-child-1"}, {"category", "laboratory"}});
  want.insert(labs1.begin(), labs1.end());
  EXPECT_EQ(get("Observation", p).body["total"], want.size());
  EXPECT_EQ(as_set(all_pages("Observation?_count=7", p)), want);
  // Naming child-1 is allowed (a permit lists it) and yields its labs only.
  EXPECT_EQ(get("Observation?patient=demo-child-1", p).body["total"], labs1.size());
}

// ---- SCOPE-2 / SCOPE-10: interactions not granted ----

TEST_F(Access, Scope2TypeNotGrantedIs403) {
  TestPolicy obs;
  obs.grant("Observation", "rs", patients({"demo-child-2"}));
  expect_forbidden(get("Patient/demo-child-2", obs));
  expect_forbidden(get("Patient?_id=demo-child-2", obs));
  expect_forbidden(get("Condition", obs));
  EXPECT_EQ(last_summary_.interaction, "search-type");
  EXPECT_EQ(last_summary_.resource_type, "Condition");
}

TEST_F(Access, Scope2ReadOnlyCannotSearchAndSearchOnlyCannotRead) {
  TestPolicy r;
  r.grant("Observation", "r", patients({"demo-child-2"}));
  EXPECT_EQ(get("Observation/demo-child-2-obs-0001", r).status, 200);
  EXPECT_EQ(get("Observation/demo-child-2-obs-0001/_history/1", r).status, 200);
  EXPECT_EQ(get("Observation/demo-child-2-obs-0001/_history", r).status, 200);
  expect_forbidden(get("Observation?patient=demo-child-2", r));
  TestPolicy s;
  s.grant("Observation", "s", patients({"demo-child-2"}));
  EXPECT_EQ(get("Observation?patient=demo-child-2", s).status, 200);
  expect_forbidden(get("Observation/demo-child-2-obs-0001", s));
}

TEST_F(Access, Scope10WriteDoesNotBringRead) {
  TestPolicy c;
  c.grant("Observation", "c", patients({"demo-child-2"}));
  Reply created = call(Verb::post, "Observation", c, observation_for("demo-child-2").dump());
  EXPECT_EQ(created.status, 201);
  expect_forbidden(get("Observation/" + created.body["id"].get<std::string>(), c));
  expect_forbidden(get("Observation", c));
  expect_forbidden(call(Verb::put, "Observation/demo-child-2-obs-0001", c,
                        get("Observation/demo-child-2-obs-0001", admin_).body.dump()));
  expect_forbidden(call(Verb::delete_, "Observation/demo-child-2-obs-0001", c));
}

TEST_F(Access, EmptyPolicyGetsNothing) {
  TestPolicy none;
  expect_forbidden(get("Patient/demo-child-2", none));
  expect_forbidden(get("Observation", none));
  expect_forbidden(call(Verb::post, "Observation", none, observation_for("demo-child-2").dump()));
}

// ---- writes (choice 7) ----

TEST_F(Access, Rs4CreateIntoAnotherCompartmentIs403) {
  expect_forbidden(
      call(Verb::post, "Observation", child2_write_, observation_for("demo-child-1").dump()));
  // A patient-data resource in no compartment at all is refused too.
  json orphan = observation_for("demo-child-2");
  orphan.erase("subject");
  expect_forbidden(call(Verb::post, "Observation", child2_write_, orphan.dump()));
  // Also in the compartment of another patient (performer): refused.
  json shared = observation_for("demo-child-2");
  shared["performer"] = json::array({{{"reference", "Patient/demo-parent"}}});
  expect_forbidden(call(Verb::post, "Observation", child2_write_, shared.dump()));
  Reply own =
      call(Verb::post, "Observation", child2_write_, observation_for("demo-child-2").dump());
  EXPECT_EQ(own.status, 201);
  const std::int64_t before = count_rows("resources");
  expect_forbidden(
      call(Verb::post, "Observation", child2_write_, observation_for("demo-child-1").dump()));
  EXPECT_EQ(count_rows("resources"), before);  // nothing stored
}

TEST_F(Access, Rs4UpdateCannotMoveResourcesBetweenCompartments) {
  json mine = get("Observation/demo-child-2-obs-0001", admin_).body;
  json moved = mine;
  moved["subject"]["reference"] = "Patient/demo-child-1";
  expect_forbidden(
      call(Verb::put, "Observation/demo-child-2-obs-0001", child2_write_, moved.dump()));
  json theirs = get("Observation/demo-child-1-obs-0001", admin_).body;
  json taken = theirs;
  taken["subject"]["reference"] = "Patient/demo-child-2";
  expect_forbidden(
      call(Verb::put, "Observation/demo-child-1-obs-0001", child2_write_, taken.dump()));
  EXPECT_EQ(get("Observation/demo-child-1-obs-0001", admin_).body["meta"]["versionId"], "1");
  // Upserting a new id into the own compartment works; into another's does not.
  json fresh = observation_for("demo-child-2");
  fresh["id"] = "new-for-child-2";
  EXPECT_EQ(call(Verb::put, "Observation/new-for-child-2", child2_write_, fresh.dump()).status,
            201);
  mine["status"] = "amended";
  EXPECT_EQ(call(Verb::put, "Observation/demo-child-2-obs-0001", child2_write_, mine.dump()).status,
            200);
}

TEST_F(Access, Rs4DeleteOfAnotherPatientsResourceIs403) {
  expect_forbidden(call(Verb::delete_, "Observation/demo-child-1-obs-0001", child2_write_));
  EXPECT_EQ(get("Observation/demo-child-1-obs-0001", admin_).status, 200);
  EXPECT_EQ(call(Verb::delete_, "Observation/demo-child-2-obs-0001", child2_write_).status, 204);
}

TEST_F(Access, Scope6ConstraintAppliesToWrites) {
  TestPolicy labs;
  labs.grant("Observation", "cu",
             constrained(std::vector<std::string>{"demo-child-2"}, {{{"category", "laboratory"}}}));
  json vital = observation_for("demo-child-2");
  vital["category"] =
      json::array({{{"coding", json::array({{{"system", kLabSystem}, {"code", "vital-signs"}}})}}});
  expect_forbidden(call(Verb::post, "Observation", labs, vital.dump()));
  json lab = vital;
  lab["category"][0]["coding"][0]["code"] = "laboratory";
  EXPECT_EQ(call(Verb::post, "Observation", labs, lab.dump()).status, 201);
}

// ---- fhirUser (choice 3) ----

TEST_F(Access, FhirUserResourceIsReadableWithoutAGrantForItsType) {
  TestPolicy obs;
  obs.grant("Observation", "rs", patients({"demo-child-2"}));
  obs.fhir_user("Practitioner/demo-practitioner");
  EXPECT_EQ(get("Practitioner/demo-practitioner", obs).status, 200);
  EXPECT_EQ(get("Practitioner/demo-practitioner/_history/1", obs).status, 200);
  expect_forbidden(get("Organization/demo-org", obs));
  expect_forbidden(get("Practitioner?_id=demo-practitioner", obs));  // it does not open searches
  // Includes may reach it too.
  Reply inc = get("Observation?patient=demo-child-2&_include=Observation:performer&_count=1", obs);
  ASSERT_EQ(inc.status, 200) << inc.body.dump();
  EXPECT_EQ(inc.refs("include"), std::vector<std::string>{"Practitioner/demo-practitioner"});
}

TEST_F(Access, Rs4PatientUserResourceFollowsTheCompartment) {
  // A parent acting for her child: her own Patient record is patient data outside the token's
  // compartment, so the fhirUser exception does not apply.
  TestPolicy p = patient_policy("demo-child-2");
  p.fhir_user("Patient/demo-parent");
  EXPECT_EQ(get("Patient/demo-parent", p).status, 404);
  EXPECT_EQ(get("Patient/demo-parent/_history/1", p).status, 404);
  expect_forbidden(get("RelatedPerson?_revinclude=Patient:link", p));
  // A patient user reads her own record through her compartment.
  TestPolicy solo = patient_policy("demo-solo");
  solo.fhir_user("Patient/demo-solo");
  EXPECT_EQ(get("Patient/demo-solo", solo).status, 200);
}

// ---- Device (choice 8) ----

TEST_F(Access, DeviceIsJudgedByItsPatient) {
  auto device = [&](const char* patient) {
    json d = {{"resourceType", "Device"}, {"status", "active"}};
    if (patient) d["patient"] = {{"reference", std::string("Patient/") + patient}};
    return create_as_admin(d);
  };
  const std::string mine = device("demo-child-2");
  const std::string theirs = device("demo-child-1");
  const std::string nobodys = device(nullptr);
  EXPECT_EQ(get("Device/" + mine, child2_).status, 200);
  EXPECT_EQ(get("Device/" + theirs, child2_).status, 404);
  EXPECT_EQ(get("Device/" + nobodys, child2_).status, 404);
  EXPECT_EQ(get("Device", child2_).refs(), std::vector<std::string>{"Device/" + mine});
  expect_forbidden(get("Device?patient=demo-child-1", child2_));
  EXPECT_EQ(get("Device", admin_).body["total"], 3);
  // Writes: a child-2 token may not create a Device for child-1.
  json d = {{"resourceType", "Device"}, {"patient", {{"reference", "Patient/demo-child-1"}}}};
  expect_forbidden(call(Verb::post, "Device", child2_write_, d.dump()));
}

}  // namespace
}  // namespace tessera::fhir::testing
