#include "fhir/bundle_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace tessera::fhir {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Deterministic id generator for tests.
std::function<std::string()> counter_ids() {
  auto n = std::make_shared<int>(0);
  return [n] { return "gen-" + std::to_string(++*n); };
}

const std::function<std::string()> kNoIds;

constexpr const char* kPatientUuid = "bef46923-0605-4a9c-9679-9d9c238f2775";

json patient_entry(const std::string& uuid = kPatientUuid) {
  return {{"fullUrl", "urn:uuid:" + uuid},
          {"resource", {{"resourceType", "Patient"}, {"id", uuid}}},
          {"request", {{"method", "POST"}, {"url", "Patient"}}}};
}

json observation_entry(const std::string& uuid, const std::string& subject_ref) {
  return {{"fullUrl", "urn:uuid:" + uuid},
          {"resource",
           {{"resourceType", "Observation"},
            {"id", uuid},
            {"status", "final"},
            {"subject", {{"reference", subject_ref}}}}},
          {"request", {{"method", "POST"}, {"url", "Observation"}}}};
}

json bundle_of(json entries, const std::string& type = "transaction") {
  return {{"resourceType", "Bundle"}, {"type", type}, {"entry", std::move(entries)}};
}

// Takes an initializer_list so that bundle({one_entry}) is an array of one entry with every
// compiler (a braced single json would otherwise be a copy under clang).
json bundle(std::initializer_list<json> entries, const std::string& type = "transaction") {
  json arr = json::array();
  for (const json& e : entries) arr.push_back(e);
  return bundle_of(std::move(arr), type);
}

core::Result<std::vector<ImportedResource>> import_json(const json& j,
                                                        const std::string& name = "b.json") {
  return parse_import(j.dump(), name, counter_ids());
}

std::string error_of(const core::Result<std::vector<ImportedResource>>& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, core::ErrorCode::kBadRequest);
  return r.error().description;
}

TEST(ImportBundle, RewritesUrnUuidReferencesToTypeAndId) {
  json b = bundle({patient_entry(), observation_entry("0b5e5b3f-a6c4-4ba4-a8f0-3b1c2a3b4c5d",
                                                      std::string("urn:uuid:") + kPatientUuid)});
  auto r = import_json(b);
  ASSERT_TRUE(r.ok()) << r.error().description;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].type, "Patient");
  EXPECT_EQ((*r)[0].id, kPatientUuid);
  EXPECT_EQ((*r)[0].origin, "entry 0");
  EXPECT_EQ((*r)[0].resource["id"], kPatientUuid);
  EXPECT_EQ((*r)[1].resource["subject"]["reference"], std::string("Patient/") + kPatientUuid);
  EXPECT_EQ((*r)[1].origin, "entry 1");
}

TEST(ImportBundle, KeepsOtherReferencesUnchanged) {
  json b = bundle({patient_entry()});
  b["entry"][0]["resource"]["generalPractitioner"] = {{{"reference", "Practitioner/abc"}},
                                                      {{"reference", "https://x/Practitioner/1"}},
                                                      {{"reference", "#contained"}},
                                                      {{"display", "no reference"}}};
  auto r = import_json(b);
  ASSERT_TRUE(r.ok()) << r.error().description;
  EXPECT_EQ((*r)[0].resource["generalPractitioner"],
            b["entry"][0]["resource"]["generalPractitioner"]);
}

TEST(ImportBundle, RewritesReferencesAnywhereInTheTree) {
  json b = bundle({patient_entry()});
  json consent = {
      {"resourceType", "Consent"},
      {"patient", {{"reference", std::string("urn:uuid:") + kPatientUuid}}},
      {"provision",
       {{"actor",
         {{{"role", {{"text", "x"}}},
           {"reference", {{"reference", std::string("urn:uuid:") + kPatientUuid}}}}}},
        {"provision",
         {{{"data",
            {{{"meaning", "instance"}, {"reference", {{"reference", "urn:uuid:c1"}}}}}}}}}}},
      {"extension",
       {{{"url", "http://x"},
         {"valueReference", {{"reference", std::string("urn:uuid:") + kPatientUuid}}}}}}};
  b["entry"].push_back({{"fullUrl", "urn:uuid:c1"}, {"resource", consent}});
  auto r = import_json(b);
  ASSERT_TRUE(r.ok()) << r.error().description;
  const json& c = (*r)[1].resource;
  const std::string p = std::string("Patient/") + kPatientUuid;
  EXPECT_EQ(c["id"], "c1");  // derived from the fullUrl
  EXPECT_EQ(c["patient"]["reference"], p);
  EXPECT_EQ(c["provision"]["actor"][0]["reference"]["reference"], p);
  EXPECT_EQ(c["provision"]["provision"][0]["data"][0]["reference"]["reference"], "Consent/c1");
  EXPECT_EQ(c["extension"][0]["valueReference"]["reference"], p);
  EXPECT_EQ(c.dump().find("urn:uuid:"), std::string::npos);
}

TEST(ImportBundle, DerivesIdsFromFullUrlOrGenerator) {
  json no_id = {{"resourceType", "Organization"}, {"name", "x"}};
  json b = bundle({
      {{"fullUrl", "urn:uuid:11111111-2222-3333-4444-555555555555"}, {"resource", no_id}},
      {{"fullUrl", "https://ehr.example/fhir/Organization/org-7"}, {"resource", no_id}},
      {{"fullUrl", "https://ehr.example/fhir/Patient/not-this-type"}, {"resource", no_id}},
      {{"resource", no_id}},
      {{"fullUrl", "urn:uuid:has_underscore"}, {"resource", no_id}},
  });
  auto r = import_json(b);
  ASSERT_TRUE(r.ok()) << r.error().description;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].id, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ((*r)[1].id, "org-7");
  EXPECT_EQ((*r)[2].id, "gen-1");
  EXPECT_EQ((*r)[3].id, "gen-2");
  EXPECT_EQ((*r)[4].id, "gen-3");
  for (const auto& res : *r) EXPECT_EQ(res.resource["id"], res.id);
}

TEST(ImportBundle, ReferenceToAbsoluteFullUrlIsRewritten) {
  json b = bundle({{{"fullUrl", "https://ehr.example/fhir/Patient/p1"},
                    {"resource", {{"resourceType", "Patient"}, {"id", "p1"}}}},
                   observation_entry("o1", "https://ehr.example/fhir/Patient/p1")});
  auto r = import_json(b);
  ASSERT_TRUE(r.ok()) << r.error().description;
  EXPECT_EQ((*r)[1].resource["subject"]["reference"], "Patient/p1");
}

TEST(ImportBundle, AcceptsBatchAndCollectionAndEmptyBundles) {
  for (const char* type : {"transaction", "batch", "collection"}) {
    auto r = import_json(bundle({patient_entry()}, type));
    ASSERT_TRUE(r.ok()) << type;
    EXPECT_EQ(r->size(), 1u);
  }
  auto empty = import_json(bundle_of(json::array()));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto no_entry = import_json(json{{"resourceType", "Bundle"}, {"type", "batch"}});
  ASSERT_TRUE(no_entry.ok());
  EXPECT_TRUE(no_entry->empty());
}

TEST(ImportBundle, RefusesNonImportableBundleTypes) {
  for (const char* type : {"searchset", "history", "document", "message", "batch-response",
                           "transaction-response", "Transaction"}) {
    EXPECT_THAT(error_of(import_json(bundle({patient_entry()}, type))),
                StartsWith(std::string("Bundle type '") + type + "' cannot be imported"));
  }
  json no_type = {{"resourceType", "Bundle"}, {"entry", json::array()}};
  EXPECT_THAT(error_of(import_json(no_type)), StartsWith("Bundle has no type"));
  json num_type = {{"resourceType", "Bundle"}, {"type", 1}};
  EXPECT_THAT(error_of(import_json(num_type)), StartsWith("Bundle has no type"));
}

struct BrokenCase {
  const char* name;
  std::function<void(json&)> mutate;  // applied to a valid 3-entry bundle
  const char* expected;               // exact error description
};

TEST(ImportBundle, BrokenEntriesRejectTheWholeFileNamingTheEntry) {
  const std::string p = std::string("urn:uuid:") + kPatientUuid;
  const BrokenCase cases[] = {
      {"unknown type", [](json& b) { b["entry"][2]["resource"]["resourceType"] = "Foo"; },
       "entry 2: resourceType 'Foo' is not an R4 resource type"},
      {"STU3 type", [](json& b) { b["entry"][1]["resource"]["resourceType"] = "BodySite"; },
       "entry 1: resourceType 'BodySite' is not an R4 resource type"},
      {"no resourceType", [](json& b) { b["entry"][1]["resource"].erase("resourceType"); },
       "entry 1: resource has no resourceType"},
      {"resourceType not a string", [](json& b) { b["entry"][1]["resource"]["resourceType"] = 3; },
       "entry 1: resourceType is not a string"},
      {"bad id", [](json& b) { b["entry"][2]["resource"]["id"] = "a_b"; },
       "entry 2: id 'a_b' is not a valid FHIR id"},
      {"too long id", [](json& b) { b["entry"][0]["resource"]["id"] = std::string(65, 'a'); },
       "entry 0: id 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a "
       "valid FHIR id"},
      {"id not a string", [](json& b) { b["entry"][1]["resource"]["id"] = 12; },
       "entry 1: id is not a string"},
      {"unresolved urn:uuid",
       [](json& b) { b["entry"][2]["resource"]["subject"]["reference"] = "urn:uuid:nope"; },
       "entry 2: reference 'urn:uuid:nope' at Observation.subject.reference does not resolve to "
       "an entry in this bundle"},
      {"unresolved urn:uuid in array",
       [](json& b) {
         b["entry"][1]["resource"]["performer"] = {{{"reference", "Practitioner/x"}},
                                                   {{"reference", "urn:uuid:missing"}}};
       },
       "entry 1: reference 'urn:uuid:missing' at Observation.performer[1].reference does not "
       "resolve to an entry in this bundle"},
      {"reference not a string",
       [](json& b) { b["entry"][1]["resource"]["subject"]["reference"] = 42; },
       "entry 1: reference at Observation.subject.reference is not a string"},
      {"reference an array",
       [](json& b) { b["entry"][1]["resource"]["subject"]["reference"] = json::array({"x"}); },
       "entry 1: reference at Observation.subject.reference is not a string"},
      {"meta not an object", [](json& b) { b["entry"][0]["resource"]["meta"] = "x"; },
       "entry 0: meta is not a JSON object"},
      {"entry not an object", [](json& b) { b["entry"][1] = "x"; }, "entry 1: not a JSON object"},
      {"no resource", [](json& b) { b["entry"][2].erase("resource"); }, "entry 2: has no resource"},
      {"resource not an object", [](json& b) { b["entry"][2]["resource"] = json::array(); },
       "entry 2: resource is not a JSON object"},
      {"fullUrl not a string", [](json& b) { b["entry"][1]["fullUrl"] = 5; },
       "entry 1: fullUrl is not a string"},
      {"duplicate fullUrl", [](json& b) { b["entry"][2]["fullUrl"] = b["entry"][1]["fullUrl"]; },
       "entry 2: duplicate fullUrl 'urn:uuid:o1' (also entry 1)"},
      {"duplicate resource", [](json& b) { b["entry"][2]["resource"]["id"] = "o1"; },
       "entry 2: duplicate resource Observation/o1 (also entry 1)"},
      {"entry not an array", [](json& b) { b["entry"] = json::object(); },
       "Bundle.entry is not an array"},
  };
  for (const BrokenCase& c : cases) {
    json b = bundle({patient_entry(), observation_entry("o1", p), observation_entry("o2", p)});
    ASSERT_TRUE(import_json(b).ok());
    c.mutate(b);
    EXPECT_EQ(error_of(import_json(b)), c.expected) << c.name;
  }
}

TEST(ImportBundle, ErrorsCarryTheFileNameInDetailOnly) {
  json b = bundle({patient_entry()});
  b["entry"][0]["resource"]["resourceType"] = "Foo";
  auto r = parse_import(b.dump(), "Alphonso.json", counter_ids());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().detail, HasSubstr("Alphonso.json"));
  EXPECT_THAT(r.error().description, StartsWith("entry 0: "));
}

TEST(ImportBundle, MissingIdWithoutGeneratorIsAnError) {
  json b = bundle({{{"resource", {{"resourceType", "Organization"}}}}});
  EXPECT_EQ(error_of(parse_import(b.dump(), "b.json", kNoIds)),
            "entry 0: resource has no id and no id generator was given");
  auto bad_gen = [] { return std::string("not valid!"); };
  EXPECT_EQ(error_of(parse_import(b.dump(), "b.json", bad_gen)),
            "entry 0: generated id 'not valid!' is not a valid FHIR id");
}

TEST(ImportBundle, RejectsDeepNesting) {
  json b = bundle({patient_entry()});
  json deep = "leaf";
  for (int i = 0; i < kMaxImportDepth + 5; ++i) deep = json::array({deep});
  b["entry"][0]["resource"]["extension"] = deep;
  EXPECT_THAT(error_of(import_json(b)), StartsWith("entry 0: nesting deeper than 100 levels at "));
  json ok = json::array({json::object({{"url", "x"}})});
  b["entry"][0]["resource"]["extension"] = ok;
  EXPECT_TRUE(import_json(b).ok());
}

TEST(ImportFile, VeryDeepDocumentsAreRejectedWithoutRecursingIntoThem) {
  const int depth = 200000;
  std::string text = R"({"resourceType":"Patient","id":"p","extension":)";
  text += std::string(depth, '[') + std::string(depth, ']') + "}";
  EXPECT_THAT(error_of(parse_import(text, "deep.json", counter_ids())),
              StartsWith("resource: nesting deeper than 100 levels at Patient.extension[0]"));
  EXPECT_THAT(error_of(parse_import(text, "deep.ndjson", counter_ids())),
              StartsWith("line 1: nesting deeper than 100 levels"));
}

TEST(ImportFile, RejectsNonJsonAndNonResources) {
  EXPECT_EQ(error_of(parse_import("", "x.json", counter_ids())), "file is empty");
  EXPECT_EQ(error_of(parse_import(" \n\t\r\n", "x.json", counter_ids())), "file is empty");
  EXPECT_THAT(error_of(parse_import("{\"resourceType\": \"Bundle\"", "x.json", counter_ids())),
              StartsWith("not valid JSON ("));
  EXPECT_THAT(
      error_of(parse_import("<Bundle xmlns=\"http://hl7.org/fhir\"/>", "x.xml", counter_ids())),
      StartsWith("not valid JSON ("));
  for (const char* doc : {"[1,2]", "\"Patient\"", "42", "null", "{}", "{\"id\":\"x\"}"}) {
    EXPECT_EQ(error_of(parse_import(doc, "x.json", counter_ids())),
              "not a FHIR resource or Bundle (no JSON object with a resourceType)")
        << doc;
  }
  EXPECT_EQ(error_of(parse_import(R"({"resourceType":"Foo"})", "x.json", counter_ids())),
            "resource: resourceType 'Foo' is not an R4 resource type");
  EXPECT_EQ(
      error_of(parse_import(R"({"resourceType":"Patient","id":"a b"})", "x.json", counter_ids())),
      "resource: id 'a b' is not a valid FHIR id");
}

TEST(ImportFile, InvalidUtf8IsNotValidJson) {
  EXPECT_THAT(error_of(parse_import("{\"resourceType\":\"Patient\",\"id\":\"\xFF\"}", "x.json",
                                    counter_ids())),
              StartsWith("not valid JSON ("));
}

TEST(ImportFile, SingleResourceAndByteOrderMark) {
  auto r = parse_import("\xEF\xBB\xBF{\"resourceType\":\"Patient\",\"id\":\"p1\"}", "p.json",
                        counter_ids());
  ASSERT_TRUE(r.ok()) << r.error().description;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "p1");
  EXPECT_EQ((*r)[0].origin, "resource");
  auto gen = parse_import(R"({"resourceType":"Patient"})", "p.json", counter_ids());
  ASSERT_TRUE(gen.ok());
  EXPECT_EQ((*gen)[0].id, "gen-1");
}

TEST(ImportNdjson, ParsesOneResourcePerLine) {
  const std::string text =
      "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\r\n"
      "\n"
      "   \n"
      "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/p1\"}}\n"
      "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"urn:uuid:p1\"}}";
  auto r = parse_import(text, "Patient.ndjson", counter_ids());
  ASSERT_TRUE(r.ok()) << r.error().description;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "p1");
  EXPECT_EQ((*r)[1].id, "gen-1");
  EXPECT_EQ((*r)[1].origin, "line 4");
  EXPECT_EQ((*r)[1].resource["subject"]["reference"], "Patient/p1");
  EXPECT_EQ((*r)[2].resource["subject"]["reference"], "Patient/p1");  // urn:uuid:<id> resolved
  EXPECT_EQ((*r)[2].origin, "line 5");
}

TEST(ImportNdjson, DetectedByContentUnderOtherNames) {
  const std::string text =
      "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"resourceType\":\"Patient\",\"id\":\"p2\"}"
      "\n";
  auto r = parse_import(text, "export.json", counter_ids());
  ASSERT_TRUE(r.ok()) << r.error().description;
  EXPECT_EQ(r->size(), 2u);
  auto upper = parse_import(text, "EXPORT.NDJSON", counter_ids());
  ASSERT_TRUE(upper.ok());
  auto jsonl = parse_import(text, "export.jsonl", counter_ids());
  ASSERT_TRUE(jsonl.ok());
}

TEST(ImportNdjson, AnyBadLineRejectsTheFileWithItsLineNumber) {
  struct Case {
    const char* text;
    const char* expected_prefix;
  };
  const Case cases[] = {
      {"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n\n{\"resourceType\":\"Patient\",\"id\":",
       "line 3: not valid JSON ("},
      {"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"resourceType\":\"Foo\"}",
       "line 2: resourceType 'Foo' is not an R4 resource type"},
      {"[1]\n", "line 1: resource is not a JSON object"},
      {"{\"id\":\"x\"}\n", "line 1: resource has no resourceType"},
      {"{\"resourceType\":\"Patient\",\"id\":\"bad/id\"}", "line 1: id 'bad/id' is not a valid"},
      {"{\"resourceType\":\"Patient\",\"id\":\"p\",\"meta\":[]}",
       "line 1: meta is not a JSON object"},
      {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"urn:uuid:zz\"}}",
       "line 1: reference 'urn:uuid:zz' at Observation.subject.reference does not resolve to a "
       "resource in this file"},
      {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":null}}",
       "line 1: reference at Observation.subject.reference is not a string"},
      {"{\"resourceType\":\"Patient\",\"id\":\"p\"}\n{\"resourceType\":\"Patient\",\"id\":\"p\"}",
       "line 2: duplicate resource Patient/p (also line 1)"},
      {"{\"resourceType\":\"Patient\",\"id\":\"x\"}\n"
       "{\"resourceType\":\"Group\",\"id\":\"x\"}\n"
       "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"urn:uuid:x\"}}",
       "line 3: reference 'urn:uuid:x' at Observation.subject.reference is ambiguous"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(error_of(parse_import(c.text, "f.ndjson", counter_ids())),
                StartsWith(c.expected_prefix))
        << c.text;
  }
  EXPECT_EQ(error_of(parse_import("\n\n", "f.ndjson", counter_ids())), "file is empty");
  EXPECT_EQ(error_of(parse_import("{\"resourceType\":\"Patient\"}", "f.ndjson", kNoIds)),
            "line 1: resource has no id and no id generator was given");
}

}  // namespace
}  // namespace tessera::fhir
