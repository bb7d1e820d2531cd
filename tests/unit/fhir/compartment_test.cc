#include "fhir/compartment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhir/resource_types.h"

namespace tessera::fhir {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Ids = std::vector<std::string>;

TEST(CompartmentTable, CoversTheWholeR4PatientCompartment) {
  auto types = patient_compartment_types();
  EXPECT_EQ(types.size(), 66u);  // R4 4.0.1 CompartmentDefinition/patient rows with params
  for (std::string_view t : types) {
    EXPECT_TRUE(is_known_resource_type(t)) << t;
    EXPECT_TRUE(in_patient_compartment_type(t)) << t;
    const auto* defs = compartment_definition(t);
    ASSERT_NE(defs, nullptr) << t;
    ASSERT_FALSE(defs->empty()) << t;
    for (const CompartmentParam& p : *defs) {
      ASSERT_FALSE(p.paths.empty()) << t << "." << p.name;
      for (const std::string& path : p.paths) {
        EXPECT_EQ(path.rfind(std::string(t) + ".", 0), 0u) << path;
      }
    }
  }
}

TEST(CompartmentTable, ListsTheR4InclusionParameters) {
  struct Case {
    const char* type;
    std::vector<std::string> params;
  };
  const Case cases[] = {
      {"Observation", {"subject", "performer"}},
      {"Encounter", {"patient"}},
      {"AllergyIntolerance", {"patient", "recorder", "asserter"}},
      {"Patient", {"link"}},
      {"Condition", {"patient", "asserter"}},
      {"MedicationRequest", {"subject"}},
      {"Claim", {"patient", "payee"}},
      {"Coverage", {"policy-holder", "subscriber", "beneficiary", "payor"}},
      {"CarePlan", {"patient", "performer"}},
      {"CareTeam", {"patient", "participant"}},
      {"DocumentReference", {"subject", "author"}},
      {"MedicationDispense", {"subject", "patient", "receiver"}},
      {"Provenance", {"patient"}},
      {"AuditEvent", {"patient"}},
      {"Invoice", {"subject", "patient", "recipient"}},
      {"CommunicationRequest", {"subject", "sender", "recipient", "requester"}},
      {"ResearchSubject", {"individual"}},
  };
  for (const Case& c : cases) {
    const auto* params = compartment_params(c.type);
    ASSERT_NE(params, nullptr) << c.type;
    EXPECT_EQ(*params, c.params) << c.type;
  }
}

TEST(CompartmentTable, MapsParametersToElementPaths) {
  struct Case {
    const char* type;
    const char* param;
    std::vector<std::string> paths;
  };
  const Case cases[] = {
      {"Observation", "subject", {"Observation.subject"}},
      {"Observation", "performer", {"Observation.performer"}},
      {"Condition", "patient", {"Condition.subject"}},
      {"Condition", "asserter", {"Condition.asserter"}},
      {"MedicationRequest", "subject", {"MedicationRequest.subject"}},
      {"Claim", "patient", {"Claim.patient"}},
      {"Claim", "payee", {"Claim.payee.party"}},
      {"Encounter", "patient", {"Encounter.subject"}},
      {"Patient", "link", {"Patient.link.other"}},
      {"Procedure", "performer", {"Procedure.performer.actor"}},
      {"AuditEvent", "patient", {"AuditEvent.agent.who", "AuditEvent.entity.what"}},
      {"SupplyRequest", "subject", {"SupplyRequest.deliverTo"}},
      {"EnrollmentRequest", "subject", {"EnrollmentRequest.candidate"}},
      {"Person", "patient", {"Person.link.target"}},
  };
  for (const Case& c : cases) {
    const auto* paths = compartment_param_paths(c.type, c.param);
    ASSERT_NE(paths, nullptr) << c.type << "." << c.param;
    EXPECT_EQ(*paths, c.paths) << c.type << "." << c.param;
  }
  EXPECT_EQ(compartment_param_paths("Observation", "patient"), nullptr);
  EXPECT_EQ(compartment_param_paths("Device", "patient"), nullptr);
}

TEST(CompartmentTable, TypesOutsideThePatientCompartment) {
  // R4 lists these without inclusion criteria (Device is not in the Patient compartment in R4).
  for (const char* t : {"Device", "Organization", "Practitioner", "PractitionerRole", "Location",
                        "Medication", "Binary", "Bundle", "ValueSet", "Task", "Foo", ""}) {
    EXPECT_FALSE(in_patient_compartment_type(t)) << t;
    EXPECT_EQ(compartment_params(t), nullptr) << t;
    EXPECT_EQ(compartment_definition(t), nullptr) << t;
  }
}

// Builds {"resourceType": T, a: {b: {"reference": ref}}} for a path "T.a.b".
json resource_with_reference_at(const std::string& path, const std::string& ref) {
  json r;
  std::size_t dot = path.find('.');
  r["resourceType"] = path.substr(0, dot);
  json* node = &r;
  while (dot != std::string::npos) {
    std::size_t next = path.find('.', dot + 1);
    node = &(*node)[path.substr(dot + 1, next == std::string::npos ? next : next - dot - 1)];
    dot = next;
  }
  (*node)["reference"] = ref;
  return r;
}

// RS-4: every path of the table places a resource in the referenced patient's compartment.
TEST(CompartmentPatients, EveryTablePathIsFollowed) {
  for (std::string_view t : patient_compartment_types()) {
    for (const CompartmentParam& p : *compartment_definition(t)) {
      for (const std::string& path : p.paths) {
        json r = resource_with_reference_at(path, "Patient/p-42");
        if (t == "Patient") r.erase("id");
        EXPECT_THAT(compartment_patients(r), ElementsAre("p-42")) << path;
        EXPECT_THAT(compartment_patients(resource_with_reference_at(path, "Group/p-42")), IsEmpty())
            << path;
      }
    }
  }
}

struct ExampleCase {
  const char* name;
  const char* resource;
  Ids expected;
};

// One small example per US Core resource type (RS-4 / SCOPE-11).
TEST(CompartmentPatients, UsCoreExamples) {
  const ExampleCase cases[] = {
      {"Patient self", R"({"resourceType":"Patient","id":"p1"})", {"p1"}},
      {"Observation subject+performer",
       R"({"resourceType":"Observation","subject":{"reference":"Patient/p1"},
           "performer":[{"reference":"Practitioner/d"},{"reference":"Patient/p2"}]})",
       {"p1", "p2"}},
      {"Condition subject",
       R"({"resourceType":"Condition","subject":{"reference":"Patient/p1"},
           "asserter":{"reference":"Practitioner/d"}})",
       {"p1"}},
      {"Condition asserter",
       R"({"resourceType":"Condition","subject":{"reference":"Group/g"},
           "asserter":{"reference":"Patient/p3"}})",
       {"p3"}},
      {"Encounter", R"({"resourceType":"Encounter","subject":{"reference":"Patient/p1"}})", {"p1"}},
      {"MedicationRequest",
       R"({"resourceType":"MedicationRequest","subject":{"reference":"Patient/p1"},
           "requester":{"reference":"Patient/other"}})",
       {"p1"}},
      {"AllergyIntolerance",
       R"({"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p1"},
           "recorder":{"reference":"Practitioner/d"},"asserter":{"reference":"Patient/p2"}})",
       {"p1", "p2"}},
      {"Immunization",
       R"({"resourceType":"Immunization","patient":{"reference":"Patient/p1"}})",
       {"p1"}},
      {"Procedure",
       R"({"resourceType":"Procedure","subject":{"reference":"Patient/p1"},
           "performer":[{"actor":{"reference":"Patient/p1"}}]})",
       {"p1"}},
      {"DiagnosticReport",
       R"({"resourceType":"DiagnosticReport","subject":{"reference":"Patient/p1"},
           "result":[{"reference":"Observation/o"}]})",
       {"p1"}},
      {"DocumentReference",
       R"({"resourceType":"DocumentReference","subject":{"reference":"Patient/p1"},
           "author":[{"reference":"Patient/p2"}]})",
       {"p1", "p2"}},
      {"CarePlan",
       R"({"resourceType":"CarePlan","subject":{"reference":"Patient/p1"},
           "activity":[{"detail":{"performer":[{"reference":"Patient/p4"}]}}]})",
       {"p1", "p4"}},
      {"CareTeam",
       R"({"resourceType":"CareTeam","subject":{"reference":"Patient/p1"},
           "participant":[{"member":{"reference":"Practitioner/d"}}]})",
       {"p1"}},
      {"Goal", R"({"resourceType":"Goal","subject":{"reference":"Patient/p1"}})", {"p1"}},
      {"Device is outside",
       R"({"resourceType":"Device","patient":{"reference":"Patient/p1"}})",
       {}},
      {"Provenance target",
       R"({"resourceType":"Provenance","target":[{"reference":"Observation/o"},
           {"reference":"Patient/p1"}],"agent":[{"who":{"reference":"Patient/p9"}}]})",
       {"p1"}},
      {"ServiceRequest",
       R"({"resourceType":"ServiceRequest","subject":{"reference":"Patient/p1"},
           "performer":[{"reference":"Patient/p2"}]})",
       {"p1", "p2"}},
      {"Coverage",
       R"({"resourceType":"Coverage","beneficiary":{"reference":"Patient/p1"},
           "subscriber":{"reference":"Patient/p2"},"policyHolder":{"reference":"Patient/p3"},
           "payor":[{"reference":"Organization/o"}]})",
       {"p1", "p2", "p3"}},
      {"MedicationDispense",
       R"({"resourceType":"MedicationDispense","subject":{"reference":"Patient/p1"},
           "receiver":[{"reference":"Patient/p2"}]})",
       {"p1", "p2"}},
      {"Specimen", R"({"resourceType":"Specimen","subject":{"reference":"Patient/p1"}})", {"p1"}},
      {"Claim",
       R"({"resourceType":"Claim","patient":{"reference":"Patient/p1"},
           "payee":{"party":{"reference":"Patient/p2"}},"provider":{"reference":"Patient/x"}})",
       {"p1", "p2"}},
      {"ImagingStudy",
       R"({"resourceType":"ImagingStudy","subject":{"reference":"Patient/p1"}})",
       {"p1"}},
      {"RelatedPerson",
       R"({"resourceType":"RelatedPerson","patient":{"reference":"Patient/p1"}})",
       {"p1"}},
      {"Practitioner is outside", R"({"resourceType":"Practitioner","id":"d"})", {}},
      {"Organization is outside", R"({"resourceType":"Organization","id":"o"})", {}},
      {"Location is outside", R"({"resourceType":"Location","id":"l"})", {}},
  };
  for (const ExampleCase& c : cases) {
    EXPECT_EQ(compartment_patients(json::parse(c.resource)), c.expected) << c.name;
  }
}

TEST(CompartmentPatients, AcceptsRelativeVersionedAndAbsoluteReferences) {
  json r = json::parse(R"({"resourceType":"Observation",
      "subject":{"reference":"https://ehr.example/fhir/Patient/abs-1"},
      "performer":[{"reference":"Patient/rel-2/_history/3"},
                   {"reference":"http://other.example/Patient/abs-3/_history/1"},
                   {"reference":"Patient/rel-2"}]})");
  EXPECT_THAT(compartment_patients(r), ElementsAre("abs-1", "abs-3", "rel-2"));
  EXPECT_TRUE(in_patient_compartment(r, "abs-1"));
  EXPECT_TRUE(in_patient_compartment(r, "rel-2"));
  EXPECT_FALSE(in_patient_compartment(r, "abs"));
}

TEST(CompartmentPatients, IgnoresUnresolvableAndNonPatientReferences) {
  json r = json::parse(R"({"resourceType":"Observation",
      "subject":{"reference":"urn:uuid:bef46923-0605-4a9c-9679-9d9c238f2775"},
      "performer":[{"reference":"#contained"}, {"reference":"Patient?identifier=x|1"},
                   {"reference":"Group/g1"}, {"reference":"Patient/bad_id"},
                   {"display":"no reference"}, {"reference":7}, "Patient/not-an-object"],
      "focus":[{"reference":"Patient/not-a-compartment-path"}]})");
  EXPECT_THAT(compartment_patients(r), IsEmpty());
}

TEST(CompartmentPatients, PatientIsInItsOwnCompartmentAndLinkedOnes) {
  // SCOPE-12: Patient.link.other also places the Patient in the linked patient's compartment.
  json p = json::parse(R"({"resourceType":"Patient","id":"p1",
      "link":[{"other":{"reference":"Patient/p0"},"type":"replaces"},
              {"other":{"reference":"RelatedPerson/r"},"type":"seealso"},
              {"other":{"reference":"Patient/p1"},"type":"seealso"}]})");
  EXPECT_THAT(compartment_patients(p), ElementsAre("p0", "p1"));
  EXPECT_THAT(compartment_patients(json::parse(R"({"resourceType":"Patient"})")), IsEmpty());
  EXPECT_THAT(compartment_patients(json::parse(R"({"resourceType":"Patient","id":"a_b"})")),
              IsEmpty());
  EXPECT_THAT(compartment_patients(json::parse(R"({"resourceType":"Patient","id":5})")), IsEmpty());
}

TEST(CompartmentPatients, NonResourcesHaveNoCompartment) {
  EXPECT_THAT(compartment_patients(json()), IsEmpty());
  EXPECT_THAT(compartment_patients(json::array({1, 2})), IsEmpty());
  EXPECT_THAT(compartment_patients(json::parse(R"({"subject":{"reference":"Patient/1"}})")),
              IsEmpty());
  EXPECT_THAT(compartment_patients(json::parse(R"({"resourceType":["Observation"]})")), IsEmpty());
}

}  // namespace
}  // namespace tessera::fhir
