#include "fhir/search_match.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::fhir {
namespace {

using nlohmann::json;

const char* kCat = "http://terminology.hl7.org/CodeSystem/observation-category";

json observation() {
  return json::parse(R"({"resourceType":"Observation","id":"o1","status":"final",
    "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category",
                            "code":"laboratory"}]}],
    "code":{"coding":[{"code":"no-system-code"},{"system":"http://loinc.org","code":"4548-4"}]},
    "subject":{"reference":"Patient/p1"},
    "effectivePeriod":{"start":"2019-02-03T10:00:00Z","end":"2019-02-03T11:00:00Z"}})");
}

TEST(SplitSearchValues, SplitsOnUnescapedCommas) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_search_values("a,b"), (V{"a", "b"}));
  EXPECT_EQ(split_search_values("a\\,b"), (V{"a,b"}));
  EXPECT_EQ(split_search_values("a\\$b\\\\c"), (V{"a$b\\c"}));
  EXPECT_EQ(split_search_values("s\\|x|c"), (V{"s\\|x|c"}));  // '|' escape kept for tokens
  EXPECT_EQ(split_search_values(""), (V{""}));
  EXPECT_EQ(split_search_values("a,"), (V{"a", ""}));
}

// SCOPE-6: patient/Observation.rs?category=<system>|laboratory must match lab results only.
TEST(ResourceMatches, TokenForms) {
  json o = observation();
  EXPECT_TRUE(resource_matches(o, "category", std::string(kCat) + "|laboratory"));
  EXPECT_FALSE(resource_matches(o, "category", std::string(kCat) + "|vital-signs"));
  EXPECT_TRUE(resource_matches(o, "category", "laboratory"));
  EXPECT_TRUE(resource_matches(o, "category", std::string(kCat) + "|"));
  EXPECT_FALSE(resource_matches(o, "category", "|laboratory"));  // needs "no system"
  EXPECT_TRUE(resource_matches(o, "code", "|no-system-code"));
  EXPECT_TRUE(resource_matches(o, "code", "http://loinc.org|4548-4"));
  EXPECT_FALSE(resource_matches(o, "code", "http://snomed.info/sct|4548-4"));
  EXPECT_TRUE(resource_matches(o, "category", "vital-signs,laboratory"));  // OR
  EXPECT_TRUE(resource_matches(o, "status", "final"));
  EXPECT_FALSE(resource_matches(o, "status", "Final"));
  EXPECT_FALSE(resource_matches(o, "category", ""));
  EXPECT_FALSE(resource_matches(o, "category", "|"));
}

TEST(ResourceMatches, ReferencesIdsAndStrings) {
  json o = observation();
  EXPECT_TRUE(resource_matches(o, "patient", "Patient/p1"));
  EXPECT_TRUE(resource_matches(o, "patient", "p1"));
  EXPECT_TRUE(resource_matches(o, "subject", "https://ehr.example/fhir/Patient/p1"));
  EXPECT_FALSE(resource_matches(o, "patient", "Patient/p2"));
  EXPECT_FALSE(resource_matches(o, "patient", "Group/p1"));
  EXPECT_FALSE(resource_matches(o, "patient", "p"));
  EXPECT_FALSE(resource_matches(o, "patient", "bad id"));
  EXPECT_TRUE(resource_matches(o, "_id", "o1"));
  EXPECT_FALSE(resource_matches(o, "_id", "o"));

  json p =
      json::parse(R"({"resourceType":"Patient","name":[{"family":"Müller","given":["Eva64"]}]})");
  EXPECT_TRUE(resource_matches(p, "family", "mul"));
  EXPECT_TRUE(resource_matches(p, "family", "MÜLLER"));
  EXPECT_TRUE(resource_matches(p, "name", "eva"));
  EXPECT_FALSE(resource_matches(p, "name", "va"));  // starts-with, not contains
}

TEST(ResourceMatches, DatePrefixesUseRangeSemantics) {
  json o = observation();  // effective 2019-02-03 10:00..11:00Z
  struct Case {
    const char* value;
    bool expected;
  };
  const Case cases[] = {
      {"2019-02-03", true},
      {"eq2019-02-03", true},
      {"2019", true},
      {"2019-02-03T10:00:00Z", false},  // the period is not within one second
      {"ne2019-02-04", true},
      {"ne2019", false},
      {"gt2019-02-02", true},
      {"gt2019-02-03T10:30:00Z", true},
      {"gt2019-02-03", false},
      {"lt2019-02-04", true},
      {"lt2019-02-03T10:00:00Z", false},
      {"ge2019-02-03", true},
      {"ge2019-02-04", false},
      {"le2019-02-03", true},
      {"le2019-02-02", false},
      {"sa2019-02-02", true},
      {"sa2019-02-03T10:30:00Z", false},
      {"eb2019-02-04", true},
      {"eb2019-02-03T10:30:00Z", false},
      {"ap2019-02-03T10:30:00Z", true},
      {"ap2019-02-04", false},
      {"xx2019", false},
      {"ge", false},
      {"2019-13", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(resource_matches(o, "date", c.value), c.expected) << c.value;
  }
}

TEST(ResourceMatches, UnknownParamsAndNonResourcesNeverMatch) {
  json o = observation();
  EXPECT_FALSE(resource_matches(o, "nope", "x"));
  EXPECT_FALSE(resource_matches(o, "_lastUpdated", "2019"));  // no meta.lastUpdated
  EXPECT_FALSE(resource_matches(json::array(), "status", "final"));
  EXPECT_FALSE(resource_matches(json::parse(R"({"resourceType":"Foo","status":"final"})"), "status",
                                "final"));
}

TEST(RowMatches, NumberAndQuantityRowsNeverMatch) {
  EXPECT_FALSE(row_matches({"x", ParamType::kNumber, "", "1", 0, 0}, "1"));
  EXPECT_FALSE(row_matches({"x", ParamType::kQuantity, "", "1", 0, 0}, "1"));
  EXPECT_TRUE(row_matches({"x", ParamType::kUri, "", "http://a|b", 0, 0}, "http://a\\|b"));
}

}  // namespace
}  // namespace tessera::fhir
