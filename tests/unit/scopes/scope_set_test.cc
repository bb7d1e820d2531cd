// ScopeSet parsing and queries, narrow() (SCOPE-8, BACKEND-6, SCOPE-4/5) and is_within()
// (REFRESH-5).
#include "scopes/scope_set.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::scopes {
namespace {

using Tokens = std::vector<std::string>;

TEST(ScopeSetParse, SplitsOnAnyRunOfSpacesKeepsOrderDropsDuplicates) {
  const ScopeSet s = ScopeSet::parse(
      "  openid   patient/Observation.rs launch/patient openid  patient/Observation.rs ");
  EXPECT_EQ(s.all(), (Tokens{"openid", "patient/Observation.rs", "launch/patient"}));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.to_string(), "openid patient/Observation.rs launch/patient");
  ASSERT_EQ(s.resource_scopes().size(), 1u);
  EXPECT_EQ(s.resource_scopes()[0].text, "patient/Observation.rs");
}

TEST(ScopeSetParse, EmptyAndBlankInputsGiveAnEmptySet) {
  for (const char* in : {"", " ", "     "}) {
    const ScopeSet s = ScopeSet::parse(in);
    EXPECT_TRUE(s.empty()) << '"' << in << '"';
    EXPECT_EQ(s.to_string(), "");
    EXPECT_TRUE(s.unknown().empty());
  }
  EXPECT_TRUE(ScopeSet().empty());
}

// OAUTH-5: only ' ' separates; a tab is part of a token.
TEST(ScopeSetParse, OnlySpaceSeparates) {
  const ScopeSet s = ScopeSet::parse("openid\tprofile");
  EXPECT_EQ(s.all(), (Tokens{"openid\tprofile"}));
  EXPECT_FALSE(s.has("openid"));
  EXPECT_EQ(s.unknown(), (Tokens{"openid\tprofile"}));
}

// OAUTH-5: case-sensitive tokens; duplicates are by exact text, so spellings that mean the same
// are both kept.
TEST(ScopeSetParse, DuplicatesAreExactTextOnly) {
  const ScopeSet s = ScopeSet::parse("openid OpenID patient/*.read patient/*.rs");
  EXPECT_EQ(s.all(), (Tokens{"openid", "OpenID", "patient/*.read", "patient/*.rs"}));
  EXPECT_EQ(s.resource_scopes().size(), 2u);
}

TEST(ScopeSet, HasIsExact) {
  const ScopeSet s = ScopeSet::parse("openid fhirUser launch/patient offline_access");
  EXPECT_TRUE(s.has("openid"));
  EXPECT_TRUE(s.has("fhirUser"));
  EXPECT_TRUE(s.has("launch/patient"));
  EXPECT_TRUE(s.has("offline_access"));
  EXPECT_FALSE(s.has("Openid"));
  EXPECT_FALSE(s.has("launch"));
  EXPECT_FALSE(s.has("fhiruser"));
  EXPECT_FALSE(s.has(""));
}

TEST(ScopeSet, HasContext) {
  const ScopeSet s = ScopeSet::parse("patient/Observation.rs system/*.rs openid user/Bad.dus");
  EXPECT_TRUE(s.has_context(Context::kPatient));
  EXPECT_TRUE(s.has_context(Context::kSystem));
  EXPECT_FALSE(s.has_context(Context::kUser));  // user/Bad.dus is not a resource scope (SCOPE-3)
}

TEST(ScopeSet, UnknownListsEverythingElseInOrder) {
  const ScopeSet s = ScopeSet::parse(
      "openid fhirUser profile launch launch/patient launch/list?role=https://x.org/r "
      "offline_access online_access patient/*.rs Patient/*.rs patient/Observation.dus __ext "
      "launch/Patient https://example.org/scope");
  EXPECT_EQ(s.unknown(), (Tokens{"Patient/*.rs", "patient/Observation.dus", "__ext",
                                 "launch/Patient", "https://example.org/scope"}));
}

TEST(ScopeSet, EqualityComparesTokens) {
  EXPECT_EQ(ScopeSet::parse("a b"), ScopeSet::parse(" a  b a"));
  EXPECT_FALSE(ScopeSet::parse("a b") == ScopeSet::parse("b a"));
}

// ---- narrow --------------------------------------------------------------------------------

struct NarrowCase {
  const char* name;
  const char* requested;
  const char* allowed;
  const char* granted;
};

class Narrow : public ::testing::TestWithParam<NarrowCase> {};

TEST_P(Narrow, Grants) {
  const NarrowCase& c = GetParam();
  const ScopeSet requested = ScopeSet::parse(c.requested);
  const ScopeSet allowed = ScopeSet::parse(c.allowed);
  const ScopeSet granted = narrow(requested, allowed);
  EXPECT_EQ(granted.to_string(), c.granted) << c.name;
  // Whatever is granted is within both what was asked and what was allowed.
  EXPECT_TRUE(is_within(granted, allowed)) << c.name;
  EXPECT_TRUE(is_within(granted, requested)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Narrow,
    ::testing::Values(
        // SCOPE-8 test: registered only for patient/Observation.rs, asks for patient/*.cruds.
        NarrowCase{"Scope8WildcardNarrowedToRegisteredType", "patient/*.cruds",
                   "patient/Observation.rs", "patient/Observation.rs"},
        // BACKEND-6 test: pre-authorized system/Observation.rs, asks system/*.cruds.
        NarrowCase{"Backend6SystemWildcardNarrowed", "system/*.cruds", "system/Observation.rs",
                   "system/Observation.rs"},
        NarrowCase{"ExactGrantIsVerbatim", "launch/patient openid patient/Observation.rs",
                   "openid launch/patient patient/Observation.rs",
                   "launch/patient openid "
                   "patient/Observation.rs"},
        // Non-resource tokens: exact match only (OAUTH-5).
        NarrowCase{"NonResourceTokensExactMatch",
                   "openid fhirUser profile launch launch/patient offline_access online_access",
                   "openid launch/patient online_access", "openid launch/patient online_access"},
        NarrowCase{"CaseVariantsNotGranted", "OpenID Launch/patient Patient/Observation.rs",
                   "openid launch/patient patient/Observation.rs", ""},
        NarrowCase{"UnknownTokensGrantedOnlyWhenAllowed", "__dark https://x.org/s __other",
                   "__dark https://x.org/s", "__dark https://x.org/s"},
        NarrowCase{"LaunchRoleMustMatchExactly", "launch/list?role=https://x.org/a",
                   "launch/list?role=https://x.org/b launch/list", ""},
        // SCOPE-4: v1 asked and granted => v1 returned.
        NarrowCase{"V1KeptWhenGrantedInFull", "patient/Observation.read", "patient/Observation.rs",
                   "patient/Observation.read"},
        NarrowCase{"V1KeptWhenTypeNarrowed", "patient/*.read",
                   "patient/Observation.rs patient/Condition.rs",
                   "patient/Observation.read "
                   "patient/Condition.read"},
        NarrowCase{"V1ToV2WhenPermissionsReduced", "patient/*.read",
                   "patient/Observation.r patient/*.s", "patient/Observation.r patient/*.s"},
        NarrowCase{"V1WriteReduced", "user/Observation.write", "user/Observation.c",
                   "user/Observation.c"},
        NarrowCase{"V1StarReducedToRs", "patient/*.*", "patient/*.rs", "patient/*.rs"},
        NarrowCase{"V2KeptWhenAllowedIsV1", "patient/Observation.rs", "patient/*.read",
                   "patient/Observation.rs"},
        // Permissions ANDed; empty grants dropped.
        NarrowCase{"PermissionsAnded", "user/Observation.cruds", "user/Observation.rus",
                   "user/Observation.rus"},
        NarrowCase{"EmptyIntersectionDropped", "patient/Observation.c patient/Condition.rs",
                   "patient/Observation.rs", ""},
        // SCOPE-5: pieces of one request are merged; .r + .s == .rs.
        NarrowCase{"PiecesMergedIntoRequest", "patient/Observation.rs",
                   "patient/Observation.r patient/Observation.s", "patient/Observation.rs"},
        NarrowCase{"PiecesMergedBelowRequest", "patient/Observation.cruds",
                   "patient/Observation.r patient/Observation.s", "patient/Observation.rs"},
        NarrowCase{"CoveredPieceDropped", "patient/*.rs", "patient/*.rs patient/Observation.r",
                   "patient/*.rs"},
        NarrowCase{"UncoveredPiecesKept", "patient/*.rs", "patient/*.r patient/Observation.rs",
                   "patient/*.r patient/Observation.rs"},
        // Contexts never cross; types never cross.
        NarrowCase{"ContextsDoNotCross", "user/Observation.rs system/Observation.rs",
                   "patient/Observation.rs", ""},
        NarrowCase{"TypesDoNotCross", "patient/Condition.rs", "patient/Observation.rs", ""},
        NarrowCase{"AllowedWildcardKeepsRequestedType", "patient/Condition.rs", "patient/*.cruds",
                   "patient/Condition.rs"},
        NarrowCase{"WildcardAgainstWildcard", "system/*.cruds", "system/*.rs", "system/*.rs"},
        // SCOPE-6 constraints.
        NarrowCase{"AllowedUnconstrainedKeepsRequestedConstraints",
                   "patient/Observation.rs?category=laboratory", "patient/Observation.cruds",
                   "patient/Observation.rs?category=laboratory"},
        NarrowCase{"AllowedUnconstrainedKeepsConstraintsWhenReduced",
                   "patient/Observation.cruds?category=laboratory", "patient/Observation.r",
                   "patient/Observation.r?category=laboratory"},
        NarrowCase{"RequestedUnconstrainedTakesAllowedConstraints", "patient/Observation.rs",
                   "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                   "observation-category|laboratory",
                   "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                   "observation-category|laboratory"},
        NarrowCase{"V1RequestTakingConstraintsBecomesV2", "patient/*.read",
                   "patient/Observation.rs?category=laboratory",
                   "patient/Observation.rs?category=laboratory"},
        NarrowCase{"DifferentConstraintsDropped", "patient/Observation.rs?category=vital-signs",
                   "patient/Observation.rs?category=laboratory", ""},
        NarrowCase{"NarrowerConstraintsThanAllowedDropped",
                   "patient/Observation.rs?category=laboratory&status=final",
                   "patient/Observation.rs?category=laboratory", ""},
        NarrowCase{"EqualConstraintsInAnotherOrderKeepRequestSpelling",
                   "patient/Observation.rs?status=final&category=lab%6Fratory",
                   "patient/Observation.rs?category=laboratory&status=final",
                   "patient/Observation.rs?status=final&category=lab%6Fratory"},
        NarrowCase{"SeveralConstrainedAlternatives", "patient/Observation.rs",
                   "patient/Observation.rs?category=laboratory "
                   "patient/Observation.r?category=vital-signs",
                   "patient/Observation.rs?category=laboratory "
                   "patient/Observation.r?category=vital-signs"},
        NarrowCase{"UnconstrainedPieceCoversConstrainedOne", "patient/Observation.rs",
                   "patient/Observation.rs?category=laboratory patient/Observation.rs",
                   "patient/Observation.rs"},
        // Deduplication, request order.
        NarrowCase{"SameMeaningDeduplicated", "patient/Observation.rs patient/Observation.read",
                   "patient/*.rs", "patient/Observation.rs"},
        NarrowCase{"SameTextFromTwoRequestsDeduplicated", "patient/*.rs patient/Condition.rs",
                   "patient/Condition.rs patient/Observation.rs",
                   "patient/Condition.rs patient/Observation.rs"},
        NarrowCase{"RequestOrderKept", "patient/Condition.rs openid patient/Observation.rs",
                   "patient/Observation.rs openid patient/Condition.rs",
                   "patient/Condition.rs openid patient/Observation.rs"},
        NarrowCase{"NothingAllowed", "openid patient/*.rs", "", ""},
        NarrowCase{"NothingRequested", "", "openid patient/*.rs", ""}),
    [](const ::testing::TestParamInfo<NarrowCase>& p) { return std::string(p.param.name); });

TEST(Narrow, SelfNarrowingIsEquivalent) {
  const ScopeSet s = ScopeSet::parse(
      "openid patient/*.read user/Observation.rs?category=laboratory __x launch/patient");
  const ScopeSet n = narrow(s, s);
  EXPECT_EQ(n, s);
}

TEST(Narrow, ResultParsesBack) {
  const ScopeSet granted =
      narrow(ScopeSet::parse("patient/*.read"), ScopeSet::parse("patient/Observation.rs"));
  ASSERT_EQ(granted.resource_scopes().size(), 1u);
  const ResourceScope& r = granted.resource_scopes()[0];
  EXPECT_EQ(r.text, "patient/Observation.read");
  EXPECT_TRUE(r.v1);
  EXPECT_EQ(r.resource_type, "Observation");
  EXPECT_EQ(r.permissions, kRead | kSearch);
}

// ---- is_within -------------------------------------------------------------------------------

struct WithinCase {
  const char* narrower;
  const char* wider;
  bool within;
};

class IsWithin : public ::testing::TestWithParam<WithinCase> {};

TEST_P(IsWithin, Decides) {
  const WithinCase& c = GetParam();
  EXPECT_EQ(is_within(ScopeSet::parse(c.narrower), ScopeSet::parse(c.wider)), c.within)
      << '"' << c.narrower << "\" within \"" << c.wider << '"';
}

INSTANTIATE_TEST_SUITE_P(
    Table, IsWithin,
    ::testing::Values(
        WithinCase{"", "", true}, WithinCase{"", "openid", true}, WithinCase{"openid", "", false},
        // Non-resource tokens by exact match (OAUTH-5).
        WithinCase{"openid", "openid profile", true}, WithinCase{"offline_access", "openid", false},
        WithinCase{"OpenID", "openid", false}, WithinCase{"__x", "__x", true},
        WithinCase{"patient/Observation.dus", "patient/*.cruds", false},  // unknown, not present
        WithinCase{"patient/Observation.dus", "patient/Observation.dus", true},
        // SCOPE-5: semantic comparison.
        WithinCase{"patient/Observation.r patient/Observation.s", "patient/Observation.rs", true},
        WithinCase{"patient/Observation.rs", "patient/Observation.r patient/Observation.s", true},
        WithinCase{"patient/Observation.cruds", "patient/Observation.rs", false},
        WithinCase{"patient/Observation.c", "patient/Observation.rs", false},
        // SCOPE-4: v1 equivalences.
        WithinCase{"patient/Observation.rs", "patient/Observation.read", true},
        WithinCase{"patient/Observation.read", "patient/Observation.rs", true},
        WithinCase{"user/*.cud", "user/*.write", true},
        WithinCase{"system/*.cruds", "system/*.*", true},
        WithinCase{"patient/Observation.read", "patient/Observation.r", false},
        // SCOPE-7: "*" covers every type, a type list never covers "*".
        WithinCase{"patient/Observation.rs patient/Condition.r", "patient/*.rs", true},
        WithinCase{"patient/*.rs", "patient/Observation.rs patient/Condition.rs", false},
        // Contexts do not cross.
        WithinCase{"user/Observation.rs", "patient/Observation.rs", false},
        WithinCase{"patient/Observation.rs", "system/*.cruds", false},
        // SCOPE-6: fewer constraints are wider.
        WithinCase{"patient/Observation.rs?category=laboratory", "patient/Observation.rs", true},
        WithinCase{"patient/Observation.rs", "patient/Observation.rs?category=laboratory", false},
        WithinCase{"patient/Observation.rs?category=laboratory&status=final",
                   "patient/Observation.rs?category=laboratory", true},
        WithinCase{"patient/Observation.rs?category=vital-signs",
                   "patient/Observation.rs?category=laboratory", false},
        WithinCase{"patient/Observation.r?category=laboratory",
                   "patient/Observation.r?category=lab%6Fratory", true},
        // REFRESH-5 examples: a subset of the original grant, never a new permission.
        WithinCase{"patient/Observation.r",
                   "launch/patient openid patient/Observation.rs "
                   "offline_access",
                   true},
        WithinCase{"patient/Observation.rs patient/Condition.r",
                   "launch/patient openid patient/Observation.rs offline_access", false},
        WithinCase{"launch/patient openid patient/Observation.rs offline_access",
                   "launch/patient openid patient/Observation.rs offline_access", true}));

}  // namespace
}  // namespace tessera::scopes
