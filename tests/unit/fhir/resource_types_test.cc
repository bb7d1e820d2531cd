#include "fhir/resource_types.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace tessera::fhir {
namespace {

TEST(ResourceTypes, ListIsSortedUniqueAndHasAllR4Types) {
  const auto& all = all_resource_types();
  EXPECT_EQ(all.size(), 146u);  // R4 4.0.1 resource list, Parameters included
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  for (std::string_view t : all) EXPECT_TRUE(is_known_resource_type(t)) << t;
}

TEST(ResourceTypes, KnowsUsCoreAndInfrastructureTypes) {
  for (const char* t : {"Patient",
                        "Observation",
                        "Condition",
                        "Encounter",
                        "MedicationRequest",
                        "AllergyIntolerance",
                        "Immunization",
                        "Procedure",
                        "DiagnosticReport",
                        "DocumentReference",
                        "CarePlan",
                        "CareTeam",
                        "Goal",
                        "Device",
                        "Provenance",
                        "ServiceRequest",
                        "Coverage",
                        "MedicationDispense",
                        "Specimen",
                        "Claim",
                        "ImagingStudy",
                        "Practitioner",
                        "PractitionerRole",
                        "RelatedPerson",
                        "Organization",
                        "Location",
                        "Bundle",
                        "Binary",
                        "Parameters",
                        "OperationOutcome",
                        "CapabilityStatement",
                        "SubstanceSpecification",
                        "MedicinalProductUndesirableEffect",
                        "VerificationResult",
                        "VisionPrescription"}) {
    EXPECT_TRUE(is_known_resource_type(t)) << t;
  }
}

TEST(ResourceTypes, RejectsUnknownAbstractCaseVariantsAndOtherVersions) {
  for (const char* t : {"", "Foo", "patient", "PATIENT", "Patient ", " Patient", "Resource",
                        "DomainResource", "BodySite" /* STU3 */, "DeviceComponent" /* STU3 */,
                        "MedicationUsage" /* R5 */, "Patient/1", "Observation\n"}) {
    EXPECT_FALSE(is_known_resource_type(t)) << '"' << t << '"';
  }
}

TEST(ResourceIds, AcceptsR4IdCharactersUpTo64) {
  for (const std::string& id : {std::string("a"), std::string("123"), std::string("A-1.b"),
                                std::string("bef46923-0605-4a9c-9679-9d9c238f2775"),
                                std::string(64, 'x'), std::string("..."), std::string("-")}) {
    EXPECT_TRUE(is_valid_id(id)) << id;
  }
}

TEST(ResourceIds, RejectsEmptyTooLongAndOtherCharacters) {
  for (const std::string& id :
       {std::string(), std::string(65, 'x'), std::string("a_b"), std::string("a/b"),
        std::string("a b"), std::string("a:b"), std::string("urn:uuid:1"), std::string("\xC3\xA9"),
        std::string("a\0b", 3), std::string("a\n"), std::string("a#b"), std::string("a?b")}) {
    EXPECT_FALSE(is_valid_id(id)) << id;
  }
}

}  // namespace
}  // namespace tessera::fhir
