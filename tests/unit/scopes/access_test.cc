// RS-side decisions: access_for() and any_permission_on() (RS-1, RS-5, SCOPE-2/4/5/6/7/10/11).
#include "scopes/access.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::scopes {
namespace {

constexpr Interaction kAllInteractions[] = {
    Interaction::kCreate,          Interaction::kRead,   Interaction::kVread,
    Interaction::kHistoryInstance, Interaction::kUpdate, Interaction::kPatch,
    Interaction::kDelete,          Interaction::kSearch, Interaction::kHistoryType,
};

bool allowed(const char* scopes, const char* type, Interaction i) {
  return !access_for(ScopeSet::parse(scopes), type, i).empty();
}

// One row: the scope string and which interactions on Observation it allows (in the order of
// kAllInteractions: create, read, vread, history-instance, update, patch, delete, search,
// history-type).
struct InteractionCase {
  const char* scopes;
  std::vector<bool> expected;
};

class AccessInteractions : public ::testing::TestWithParam<InteractionCase> {};

TEST_P(AccessInteractions, OnObservation) {
  const InteractionCase& c = GetParam();
  ASSERT_EQ(c.expected.size(), std::size(kAllInteractions));
  for (std::size_t k = 0; k < c.expected.size(); ++k) {
    EXPECT_EQ(allowed(c.scopes, "Observation", kAllInteractions[k]), c.expected[k])
        << c.scopes << " interaction #" << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, AccessInteractions,
    ::testing::Values(
        //                     c      r      vr     hi     u      p      d      s      ht
        // SCOPE-2: r = read, vread, instance history.
        InteractionCase{"patient/Observation.r",
                        {false, true, true, true, false, false, false, false, false}},
        // SCOPE-2: s = type-level search and history.
        InteractionCase{"patient/Observation.s",
                        {false, false, false, false, false, false, false, true, true}},
        // SCOPE-2: u = update and patch; c = create; d = delete.
        InteractionCase{"patient/Observation.u",
                        {false, false, false, false, true, true, false, false, false}},
        // SCOPE-10: .c cannot read.
        InteractionCase{"patient/Observation.c",
                        {true, false, false, false, false, false, false, false, false}},
        InteractionCase{"patient/Observation.d",
                        {false, false, false, false, false, false, true, false, false}},
        // SCOPE-5: .rs == .r .s.
        InteractionCase{"patient/Observation.rs",
                        {false, true, true, true, false, false, false, true, true}},
        InteractionCase{"patient/Observation.r patient/Observation.s",
                        {false, true, true, true, false, false, false, true, true}},
        // SCOPE-4: v1 read => can read and search, not create.
        InteractionCase{"patient/Observation.read",
                        {false, true, true, true, false, false, false, true, true}},
        // SCOPE-4 + SCOPE-10: v1 write => cud, no read.
        InteractionCase{"patient/Observation.write",
                        {true, false, false, false, true, true, true, false, false}},
        InteractionCase{"user/Observation.*",
                        {true, true, true, true, true, true, true, true, true}},
        // SCOPE-7: "*" covers every type.
        InteractionCase{"system/*.cruds", {true, true, true, true, true, true, true, true, true}},
        // Other types do not.
        InteractionCase{"patient/Condition.cruds",
                        {false, false, false, false, false, false, false, false, false}},
        // Invalid scopes grant nothing (SCOPE-3, OAUTH-5).
        InteractionCase{"patient/Observation.dus Patient/Observation.rs openid",
                        {false, false, false, false, false, false, false, false, false}},
        InteractionCase{"", {false, false, false, false, false, false, false, false, false}}));

TEST(AccessFor, UnconstrainedGrantHasNoConstraintSets) {
  const auto grants =
      access_for(ScopeSet::parse("patient/Observation.rs"), "Observation", Interaction::kRead);
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_TRUE(grants[0].allowed);
  EXPECT_EQ(grants[0].context, Context::kPatient);
  EXPECT_TRUE(grants[0].constraint_sets.empty());
}

// One grant per context, best first: system > user > patient (SCOPE-11).
TEST(AccessFor, OneGrantPerContextBestFirst) {
  const auto grants =
      access_for(ScopeSet::parse("patient/Observation.rs user/Observation.r system/*.s"),
                 "Observation", Interaction::kRead);
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0].context, Context::kUser);
  EXPECT_EQ(grants[1].context, Context::kPatient);

  const auto search =
      access_for(ScopeSet::parse("patient/Observation.rs user/Observation.r system/*.s"),
                 "Observation", Interaction::kSearch);
  ASSERT_EQ(search.size(), 2u);
  EXPECT_EQ(search[0].context, Context::kSystem);
  EXPECT_EQ(search[1].context, Context::kPatient);
}

// SCOPE-6: laboratory vs vital-signs.
TEST(AccessFor, ConstraintOnObservationCategory) {
  const std::string lab = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
  const ScopeSet s = ScopeSet::parse(
      "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
      "observation-category|laboratory");
  for (Interaction i : {Interaction::kRead, Interaction::kSearch}) {
    const auto grants = access_for(s, "Observation", i);
    ASSERT_EQ(grants.size(), 1u);
    ASSERT_EQ(grants[0].constraint_sets.size(), 1u);
    EXPECT_EQ(grants[0].constraint_sets[0], (std::vector<Constraint>{{"category", lab}}));
    // The RS matches a vital-signs Observation against this set and refuses it (caller's job);
    // the set names laboratory only.
    EXPECT_NE(grants[0].constraint_sets[0][0].value,
              "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs");
  }
  EXPECT_TRUE(access_for(s, "Observation", Interaction::kCreate).empty());
  EXPECT_TRUE(access_for(s, "Condition", Interaction::kRead).empty());
}

TEST(AccessFor, ConstrainedAlternativesAreOred) {
  const auto grants =
      access_for(ScopeSet::parse("patient/Observation.rs?category=laboratory "
                                 "patient/Observation.r?category=vital-signs&status=final"),
                 "Observation", Interaction::kRead);
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].constraint_sets,
            (std::vector<std::vector<Constraint>>{
                {{"category", "laboratory"}}, {{"category", "vital-signs"}, {"status", "final"}}}));
}

TEST(AccessFor, UnconstrainedScopeWinsOverConstrainedOnes) {
  for (const char* scopes : {"patient/Observation.rs?category=laboratory patient/Observation.r",
                             "patient/Observation.r patient/Observation.rs?category=laboratory",
                             "patient/*.r patient/Observation.rs?category=laboratory"}) {
    const auto grants = access_for(ScopeSet::parse(scopes), "Observation", Interaction::kRead);
    ASSERT_EQ(grants.size(), 1u) << scopes;
    EXPECT_TRUE(grants[0].constraint_sets.empty()) << scopes;
  }
  // But only within the same context.
  const auto grants =
      access_for(ScopeSet::parse("patient/Observation.rs?category=laboratory user/Observation.r"),
                 "Observation", Interaction::kRead);
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0].context, Context::kUser);
  EXPECT_TRUE(grants[0].constraint_sets.empty());
  EXPECT_EQ(grants[1].context, Context::kPatient);
  EXPECT_EQ(grants[1].constraint_sets.size(), 1u);
}

TEST(AccessFor, ImpliedAndRepeatedAlternativesDropped) {
  const auto grants =
      access_for(ScopeSet::parse("patient/Observation.rs?category=laboratory&status=final "
                                 "patient/Observation.s?category=laboratory "
                                 "patient/Observation.r?category=laboratory "
                                 "patient/Observation.rs?status=final&category=laboratory"),
                 "Observation", Interaction::kSearch);
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].constraint_sets,
            (std::vector<std::vector<Constraint>>{{{"category", "laboratory"}}}));
}

TEST(AccessFor, WildcardQueryMatchesOnlyWildcardScopes) {
  EXPECT_TRUE(allowed("system/*.s", "*", Interaction::kSearch));
  EXPECT_FALSE(allowed("system/Observation.s", "*", Interaction::kSearch));
}

TEST(AccessFor, MalformedTypeMatchesNothing) {
  for (const char* type : {"", "observation", "Observation ", "Obs1", "*Observation"}) {
    EXPECT_FALSE(allowed("system/*.cruds", type, Interaction::kRead)) << type;
  }
  EXPECT_FALSE(allowed("system/*.cruds", "Observation", static_cast<Interaction>(42)));
}

// RS-5: a system/Patient.rs token asking for Observation -> type not granted.
TEST(AnyPermissionOn, TellsTypeNotGrantedFromInteractionNotGranted) {
  const ScopeSet s = ScopeSet::parse("system/Patient.rs patient/Observation.c");
  EXPECT_FALSE(any_permission_on(s, "Condition"));
  EXPECT_TRUE(any_permission_on(s, "Patient"));
  EXPECT_TRUE(any_permission_on(s, "Observation"));  // .c only: 403 on read, but type is granted
  EXPECT_TRUE(access_for(s, "Observation", Interaction::kRead).empty());
  EXPECT_TRUE(any_permission_on(s, "Observation", Context::kPatient));
  EXPECT_FALSE(any_permission_on(s, "Observation", Context::kSystem));
  EXPECT_TRUE(any_permission_on(s, "Patient", Context::kSystem));
  EXPECT_FALSE(any_permission_on(s, "Patient", Context::kUser));
  EXPECT_FALSE(any_permission_on(s, ""));
  EXPECT_FALSE(any_permission_on(s, "patient"));
  EXPECT_FALSE(any_permission_on(ScopeSet(), "Patient"));
}

TEST(AnyPermissionOn, WildcardCoversEveryType) {
  const ScopeSet s = ScopeSet::parse("user/*.s");
  for (const char* type : {"Patient", "Observation", "ImagingStudy", "SomeFutureType"}) {
    EXPECT_TRUE(any_permission_on(s, type)) << type;
    EXPECT_TRUE(any_permission_on(s, type, Context::kUser)) << type;
    EXPECT_FALSE(any_permission_on(s, type, Context::kPatient)) << type;
  }
}

}  // namespace
}  // namespace tessera::scopes
