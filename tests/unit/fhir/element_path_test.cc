#include "fhir/element_path.h"

#include <gtest/gtest.h>

namespace tessera::fhir {
namespace {

using nlohmann::json;

TEST(ElementPath, FollowsNestedElementsAndFlattensArrays) {
  json r = json::parse(R"({"resourceType":"CarePlan","activity":[
      {"detail":{"performer":[{"reference":"Patient/1"},{"reference":"Practitioner/2"}]}},
      {"detail":{"performer":[{"reference":"Patient/3"}]}},
      {"detail":null}]})");
  auto m = select_path(r, "CarePlan.activity.detail.performer");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ((*m[0].value)["reference"], "Patient/1");
  EXPECT_EQ((*m[2].value)["reference"], "Patient/3");
  EXPECT_TRUE(m[0].choice_type.empty());
}

TEST(ElementPath, MatchesChoiceElementsByDataTypeSuffix) {
  json r = json::parse(R"({"resourceType":"Observation","effectivePeriod":{"start":"2019"},
                           "statusReason":"x","valueQuantity":{"value":1}})");
  auto m = select_path(r, "Observation.effective");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].choice_type, "Period");
  EXPECT_EQ((*m[0].value)["start"], "2019");
  // "statusReason" is not status[x]: "Reason" is no data type.
  EXPECT_TRUE(select_path(r, "Observation.status").empty());
  EXPECT_EQ(select_path(r, "Observation.value").at(0).choice_type, "Quantity");
}

TEST(ElementPath, ExactKeyWinsOverChoiceLookalikes) {
  json r = json::parse(R"({"resourceType":"Observation","code":{"text":"a"},"codeString":"b"})");
  auto m = select_path(r, "Observation.code");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ((*m[0].value)["text"], "a");
}

TEST(ElementPath, NoMatchesForWrongRootMissingElementsOrNonObjects) {
  json r = json::parse(R"({"resourceType":"Observation","subject":{"reference":"Patient/1"}})");
  EXPECT_TRUE(select_path(r, "Condition.subject").empty());
  EXPECT_TRUE(select_path(r, "Observation.performer").empty());
  EXPECT_TRUE(select_path(r, "Observation.subject.reference.x").empty());
  EXPECT_TRUE(select_path(r, "Observation..subject").empty());
  EXPECT_TRUE(select_path(json::array(), "Observation.subject").empty());
  EXPECT_TRUE(select_path(json::parse(R"({"resourceType":5})"), "Observation.subject").empty());
  EXPECT_EQ(select_path(r, "Observation").size(), 1u);
}

}  // namespace
}  // namespace tessera::fhir
