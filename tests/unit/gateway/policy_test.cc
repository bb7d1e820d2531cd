// IntrospectionPolicy: scopes + introspected context -> fhir::Permit (RS-1, RS-4, SCOPE-2/6/10/11,
// CTX-1, INTRO-6).
#include "gateway/policy.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace tessera::gateway {
namespace {

using scopes::Interaction;
using Patients = std::optional<std::vector<std::string>>;
const Patients kAll = std::nullopt;

struct PolicyCase {
  const char* name;
  const char* scope;
  const char* patient;    // introspected `patient`
  const char* fhir_user;  // introspected `fhirUser`
  bool practitioner_all_patients;
  const char* type;
  Interaction interaction;
  // One entry per expected Permit, best first (system > user > patient); empty = denied.
  std::vector<Patients> permits;
  std::vector<std::size_t> constraint_sets;  // per permit; empty = all unconstrained
};

void PrintTo(const PolicyCase& c, std::ostream* os) { *os << c.name; }

class PolicyTable : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PolicyTable, Decides) {
  const PolicyCase& c = GetParam();
  Introspection in;
  in.active = true;
  in.scope = c.scope;
  in.patient = c.patient;
  in.fhir_user = c.fhir_user;
  IntrospectionPolicy policy(in, c.practitioner_all_patients);
  fhir::Decision d = policy.decide(c.type, c.interaction);
  EXPECT_EQ(d.allowed, !c.permits.empty());
  ASSERT_EQ(d.permits.size(), c.permits.size());
  for (std::size_t i = 0; i < d.permits.size(); ++i) {
    EXPECT_EQ(d.permits[i].patients, c.permits[i]) << "permit " << i;
    std::size_t sets = c.constraint_sets.empty() ? 0 : c.constraint_sets[i];
    EXPECT_EQ(d.permits[i].constraint_sets.size(), sets) << "permit " << i;
  }
}

std::vector<std::string> P(std::initializer_list<std::string> ids) { return ids; }

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyTable,
    ::testing::Values(
        // RS-4: patient/ reaches the compartment of the patient in context.
        PolicyCase{"PatientScopeReachesContextPatient",
                   "patient/Observation.rs",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {P({"p1"})},
                   {}},
        // CTX-1: patient/ scopes without a patient in context grant nothing.
        PolicyCase{"PatientScopeWithoutPatientDenied",
                   "patient/*.rs",
                   "",
                   "Patient/p1",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {},
                   {}},
        // SCOPE-2: .r does not search.
        PolicyCase{"ReadScopeDoesNotSearch",
                   "patient/Observation.r",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kSearch,
                   {},
                   {}},
        // SCOPE-10: .c cannot read.
        PolicyCase{"CreateScopeCannotRead",
                   "patient/Observation.c",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {},
                   {}},
        PolicyCase{"CreateScopeCreates",
                   "patient/Observation.c",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kCreate,
                   {P({"p1"})},
                   {}},
        // SCOPE-4: v1 .read = .rs.
        PolicyCase{"V1ReadSearches",
                   "patient/*.read",
                   "p1",
                   "",
                   true,
                   "Condition",
                   Interaction::kSearch,
                   {P({"p1"})},
                   {}},
        PolicyCase{"OtherTypeDenied",
                   "patient/Observation.rs",
                   "p1",
                   "",
                   true,
                   "Condition",
                   Interaction::kRead,
                   {},
                   {}},
        // SCOPE-11 user/: practitioners reach every patient when configured so.
        PolicyCase{"PractitionerAllPatients",
                   "user/*.rs",
                   "",
                   "Practitioner/9",
                   true,
                   "Patient",
                   Interaction::kSearch,
                   {kAll},
                   {}},
        PolicyCase{"PractitionerNoPatientsWhenOff",
                   "user/*.rs",
                   "",
                   "Practitioner/9",
                   false,
                   "Patient",
                   Interaction::kSearch,
                   {},
                   {}},
        PolicyCase{"PractitionerRoleAllPatients",
                   "user/*.rs",
                   "",
                   "PractitionerRole/7",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {kAll},
                   {}},
        PolicyCase{"AbsoluteFhirUserReduced",
                   "user/*.rs",
                   "",
                   "https://ehr.example/fhir/Practitioner/9",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {kAll},
                   {}},
        // user/ for a Patient user: their own compartment.
        PolicyCase{"PatientUserReachesSelf",
                   "user/*.rs",
                   "",
                   "Patient/p2",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {P({"p2"})},
                   {}},
        PolicyCase{"PatientUserIgnoresContextPatientForUserScopes",
                   "user/*.rs",
                   "child",
                   "Patient/parent",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {P({"parent"})},
                   {}},
        // user/ for a RelatedPerson: the patient in context, if any.
        PolicyCase{"RelatedPersonReachesContextPatient",
                   "user/*.rs",
                   "p3",
                   "RelatedPerson/r1",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {P({"p3"})},
                   {}},
        PolicyCase{"RelatedPersonWithoutPatientDenied",
                   "user/*.rs",
                   "",
                   "RelatedPerson/r1",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {},
                   {}},
        // Fail closed: no (usable) fhirUser -> user/ grants nothing.
        PolicyCase{"UserScopeWithoutFhirUserDenied",
                   "user/*.rs",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {},
                   {}},
        PolicyCase{"PersonUserDenied",
                   "user/*.rs",
                   "p1",
                   "Person/x",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {},
                   {}},
        PolicyCase{"MalformedFhirUserDenied",
                   "user/*.rs",
                   "p1",
                   "urn:uuid:1234",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {},
                   {}},
        // system/: every resource of the granted types.
        PolicyCase{"SystemScopeUnrestricted",
                   "system/Observation.rs",
                   "",
                   "",
                   false,
                   "Observation",
                   Interaction::kSearch,
                   {kAll},
                   {}},
        PolicyCase{"SystemScopeOtherTypeDenied",
                   "system/Patient.rs",
                   "",
                   "",
                   true,
                   "Observation",
                   Interaction::kSearch,
                   {},
                   {}},
        // Several contexts: one permit each, best first.
        PolicyCase{"SystemThenPatient",
                   "patient/Observation.rs system/Observation.r",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {kAll, P({"p1"})},
                   {}},
        PolicyCase{"UserDeniedPatientKept",
                   "user/Observation.rs patient/Observation.rs",
                   "p1",
                   "Practitioner/9",
                   false,
                   "Observation",
                   Interaction::kRead,
                   {P({"p1"})},
                   {}},
        // SCOPE-6: constraint sets are carried into the permit.
        PolicyCase{"ConstraintsCarried",
                   "patient/Observation.rs?category=laboratory "
                   "patient/Observation.rs?category=vital-signs",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kSearch,
                   {P({"p1"})},
                   {2}},
        PolicyCase{"UnconstrainedScopeWins",
                   "patient/Observation.rs?category=laboratory patient/Observation.r",
                   "p1",
                   "",
                   true,
                   "Observation",
                   Interaction::kRead,
                   {P({"p1"})},
                   {0}},
        PolicyCase{"NoScopesNothing",
                   "openid fhirUser launch/patient",
                   "p1",
                   "Patient/p1",
                   true,
                   "Patient",
                   Interaction::kRead,
                   {},
                   {}}),
    [](const ::testing::TestParamInfo<PolicyCase>& p) { return std::string(p.param.name); });

TEST(Policy, ConstraintValuesArePreserved) {
  Introspection in;
  in.active = true;
  in.scope =
      "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
      "observation-category|laboratory";
  in.patient = "p1";
  IntrospectionPolicy policy(in, true);
  auto d = policy.decide("Observation", Interaction::kSearch);
  ASSERT_EQ(d.permits.size(), 1u);
  ASSERT_EQ(d.permits[0].constraint_sets.size(), 1u);
  ASSERT_EQ(d.permits[0].constraint_sets[0].size(), 1u);
  EXPECT_EQ(d.permits[0].constraint_sets[0][0].param, "category");
  EXPECT_EQ(d.permits[0].constraint_sets[0][0].value,
            "http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
}

TEST(Policy, PractitionerSettingComesFromConfig) {
  Introspection in;
  in.active = true;
  in.scope = "user/*.rs";
  in.fhir_user = "Practitioner/9";
  config::FhirConfig cfg;
  cfg.practitioner_all_patients = false;
  EXPECT_FALSE(IntrospectionPolicy(in, cfg).decide("Patient", Interaction::kRead).allowed);
  cfg.practitioner_all_patients = true;
  EXPECT_TRUE(IntrospectionPolicy(in, cfg).decide("Patient", Interaction::kRead).allowed);
}

TEST(Policy, FhirUserReferenceIsTypeSlashIdWhenTheFhirUserScopeWasGranted) {
  Introspection in;
  in.fhir_user = "https://ehr.example/fhir/Practitioner/9";
  in.scope = "openid fhirUser user/*.rs";
  EXPECT_EQ(IntrospectionPolicy(in, true).fhir_user_reference(), "Practitioner/9");
  in.scope = "openid user/*.rs";  // not granted: the scopes alone decide
  EXPECT_EQ(IntrospectionPolicy(in, true).fhir_user_reference(), "");
  in.scope = "openid fhirUser user/*.rs";
  in.fhir_user = "";
  EXPECT_EQ(IntrospectionPolicy(in, true).fhir_user_reference(), "");
}

struct RefCase {
  const char* in;
  const char* out;
};
class FhirUserReference : public ::testing::TestWithParam<RefCase> {};
TEST_P(FhirUserReference, Reduces) {
  EXPECT_EQ(fhir_user_reference(GetParam().in), GetParam().out) << GetParam().in;
}
INSTANTIATE_TEST_SUITE_P(
    Table, FhirUserReference,
    ::testing::Values(RefCase{"Practitioner/9", "Practitioner/9"},
                      RefCase{"Patient/p-1.2", "Patient/p-1.2"},
                      RefCase{"https://ehr.example/fhir/RelatedPerson/r1", "RelatedPerson/r1"},
                      RefCase{"http://x/fhir/Patient/1/_history/3", "Patient/1"},
                      RefCase{"PractitionerRole/7", "PractitionerRole/7"}, RefCase{"", ""},
                      RefCase{"Practitioner", ""}, RefCase{"Practitioner/", ""},
                      RefCase{"NotAType/1", ""}, RefCase{"urn:uuid:0f1e", ""},
                      RefCase{"#contained", ""}, RefCase{"Patient?identifier=x", ""},
                      RefCase{"Patient/bad id", ""}));

}  // namespace
}  // namespace tessera::gateway
