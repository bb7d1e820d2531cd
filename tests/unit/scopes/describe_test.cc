// Consent-page wording: describe() and describe_token() (SCOPE-7, SCOPE-11, Best Practices).
#include "scopes/describe.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::scopes {
namespace {

struct DescribeCase {
  const char* scope;
  const char* text;
};

class Describe : public ::testing::TestWithParam<DescribeCase> {};

TEST_P(Describe, Says) {
  const std::optional<ResourceScope> s = parse_resource_scope(GetParam().scope);
  ASSERT_TRUE(s.has_value()) << GetParam().scope;
  EXPECT_EQ(describe(*s), GetParam().text);
  EXPECT_EQ(describe_token(GetParam().scope), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Describe,
    ::testing::Values(
        DescribeCase{"patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                     "observation-category|laboratory",
                     "Read and search your Observations (only where category is laboratory)"},
        // SCOPE-7: "*" is all data.
        DescribeCase{"patient/*.cruds", "Create, read, update, delete and search all your data"},
        DescribeCase{"patient/*.*", "Create, read, update, delete and search all your data"},
        DescribeCase{"patient/Observation.read", "Read and search your Observations"},
        DescribeCase{"patient/Observation.write", "Create, update and delete your Observations"},
        DescribeCase{"patient/Observation.r", "Read your Observations"},
        // SCOPE-11: user = data you can access; system = all.
        DescribeCase{"user/Observation.rs", "Read and search Observations you can access"},
        DescribeCase{"user/*.read", "Read and search all data you can access"},
        DescribeCase{"system/Observation.c", "Create all Observations"},
        DescribeCase{"system/*.cruds", "Create, read, update, delete and search all data"},
        // Plurals.
        DescribeCase{"patient/ResearchStudy.r", "Read your ResearchStudies"},
        DescribeCase{"patient/Library.r", "Read your Libraries"},
        DescribeCase{"patient/Basic.r", "Read your Basics"},
        DescribeCase{"patient/Bundlex.r", "Read your Bundlexes"},
        DescribeCase{"patient/Day.r", "Read your Days"},
        // Constraints: AND of terms; the last '|' segment; a trailing '|' shows the whole value.
        DescribeCase{"patient/Observation.s?category=laboratory&status=final",
                     "Search your Observations (only where category is laboratory and status is "
                     "final)"},
        DescribeCase{"patient/Observation.s?code=http://loinc.org|",
                     "Search your Observations (only where code is http://loinc.org|)"},
        DescribeCase{"patient/Observation.s?code=a|b|c",
                     "Search your Observations (only where code is c)"}));

TEST(Describe, EmptyPermissionsDoNotCrash) {
  ResourceScope s;
  s.resource_type = "Observation";
  EXPECT_EQ(describe(s), "No access to your Observations");
}

struct TokenCase {
  const char* token;
  const char* text;
};

class DescribeToken : public ::testing::TestWithParam<TokenCase> {};

TEST_P(DescribeToken, Says) { EXPECT_EQ(describe_token(GetParam().token), GetParam().text); }

INSTANTIATE_TEST_SUITE_P(
    Table, DescribeToken,
    ::testing::Values(
        TokenCase{"openid", "Know who you are"},
        TokenCase{"fhirUser", "Know your FHIR identity (fhirUser)"},
        TokenCase{"profile", "Know your basic profile information"},
        TokenCase{"launch", "Use the context the EHR launched you with"},
        TokenCase{"launch/patient", "Know which patient you chose"},
        TokenCase{"launch/encounter", "Know which encounter is in context"},
        TokenCase{"launch/imagingstudy", "Know which imagingstudy you chose"},
        TokenCase{"launch/list?role=https://example.org/worklist",
                  "Know which list you chose (role https://example.org/worklist)"},
        TokenCase{"offline_access", "Keep access while you are away (offline access)"},
        TokenCase{"online_access", "Keep access while you are signed in (online access)"},
        TokenCase{"__darkMode", "Other access requested by the app: __darkMode"},
        TokenCase{"Patient/*.rs", "Other access requested by the app: Patient/*.rs"},
        TokenCase{"", "Other access requested by the app: "}));

}  // namespace
}  // namespace tessera::scopes
