#include "fhir/reference.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::fhir {
namespace {

struct RefCase {
  const char* input;
  const char* expected;  // nullptr: not parseable
};

TEST(Reference, NormalizesRelativeVersionedAndAbsoluteReferences) {
  const RefCase cases[] = {
      {"Patient/123", "Patient/123"},
      {"Patient/a-b.c", "Patient/a-b.c"},
      {"Patient/123/_history/4", "Patient/123"},
      {"https://ehr.example/fhir/Patient/123", "Patient/123"},
      {"http://ehr.example/Patient/123", "Patient/123"},
      {"https://ehr.example/fhir/r4/Observation/o1/_history/2", "Observation/o1"},
      {"https://ehr.example:8443/fhir/Practitioner/p", "Practitioner/p"},
  };
  for (const RefCase& c : cases) {
    auto got = normalize_reference(c.input);
    ASSERT_TRUE(got.has_value()) << c.input;
    EXPECT_EQ(*got, c.expected) << c.input;
  }
  auto parsed = parse_reference("https://x.example/fhir/Encounter/e-1");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->type, "Encounter");
  EXPECT_EQ(parsed->id, "e-1");
}

TEST(Reference, RejectsNonLiteralAndMalformedReferences) {
  for (const char* input : {
           "",
           "#contained",
           "urn:uuid:bef46923-0605-4a9c-9679-9d9c238f2775",
           "urn:oid:1.2.3",
           "Patient?identifier=http://x|1",       // conditional
           "Patient",                             // no id
           "Patient/",                            // empty id
           "/Patient/1",                          // relative with leading slash
           "fhir/Patient/1",                      // relative with extra segments
           "Foo/1",                               // unknown type
           "patient/1",                           // case matters
           "Patient/a_b",                         // invalid id
           "Patient/1/_history/",                 // empty version
           "Patient/1/extra",                     // trailing segment
           "https://ehr.example",                 // no path
           "https://ehr.example/Patient",         // no id
           "https:///Patient/1",                  // no host
           "https://ehr.example/Patient/1#frag",  // fragment
           "https://ehr.example/Foo/1",
       }) {
    EXPECT_FALSE(parse_reference(input).has_value()) << input;
  }
  EXPECT_FALSE(parse_reference(std::string(5000, 'a')).has_value());
}

}  // namespace
}  // namespace tessera::fhir
