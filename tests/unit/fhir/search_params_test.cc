#include "fhir/search_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fhir/compartment.h"
#include "fhir/resource_types.h"

namespace tessera::fhir {

// gtest printer for failure messages (found by ADL, so outside the anonymous namespace).
void PrintTo(const IndexEntry& e, std::ostream* os) {
  *os << "{" << e.param << " " << param_type_name(e.type) << " '" << e.system << "' '" << e.value
      << "' " << e.low << ".." << e.high << "}";
}

namespace {

using nlohmann::json;
using ::testing::IsEmpty;

constexpr std::int64_t kDay = 86400;

std::vector<IndexEntry> rows_for(const std::vector<IndexEntry>& rows, std::string_view param) {
  std::vector<IndexEntry> out;
  std::copy_if(rows.begin(), rows.end(), std::back_inserter(out),
               [&](const IndexEntry& e) { return e.param == param; });
  return out;
}

IndexEntry token(const char* param, const char* system, const char* value) {
  return {param, ParamType::kToken, system, value, 0, 0};
}
IndexEntry ref(const char* param, const char* value) {
  return {param, ParamType::kReference, "", value, 0, 0};
}
IndexEntry date(const char* param, std::int64_t low, std::int64_t high) {
  return {param, ParamType::kDate, "", "", low, high};
}
IndexEntry str(const char* param, const char* value) {
  return {param, ParamType::kString, "", value, 0, 0};
}

std::int64_t at(const char* text) { return parse_date_range(text).value().first; }

TEST(SearchParamDefs, DefinesTheUsCoreParameters) {
  using PT = ParamType;
  struct Case {
    const char* type;
    const char* name;
    ParamType ptype;
  };
  const Case cases[] = {
      {"Patient", "_id", PT::kId},
      {"Patient", "identifier", PT::kToken},
      {"Patient", "name", PT::kString},
      {"Patient", "family", PT::kString},
      {"Patient", "given", PT::kString},
      {"Patient", "birthdate", PT::kDate},
      {"Patient", "gender", PT::kToken},
      {"Patient", "general-practitioner", PT::kReference},
      {"Observation", "patient", PT::kReference},
      {"Observation", "subject", PT::kReference},
      {"Observation", "category", PT::kToken},
      {"Observation", "code", PT::kToken},
      {"Observation", "date", PT::kDate},
      {"Observation", "status", PT::kToken},
      {"Observation", "encounter", PT::kReference},
      {"Observation", "performer", PT::kReference},
      {"Condition", "patient", PT::kReference},
      {"Condition", "subject", PT::kReference},
      {"Condition", "category", PT::kToken},
      {"Condition", "code", PT::kToken},
      {"Condition", "clinical-status", PT::kToken},
      {"Condition", "onset-date", PT::kDate},
      {"Condition", "encounter", PT::kReference},
      {"Condition", "asserter", PT::kReference},
      {"Encounter", "patient", PT::kReference},
      {"Encounter", "subject", PT::kReference},
      {"Encounter", "date", PT::kDate},
      {"Encounter", "status", PT::kToken},
      {"Encounter", "class", PT::kToken},
      {"Encounter", "type", PT::kToken},
      {"Encounter", "identifier", PT::kToken},
      {"Encounter", "participant", PT::kReference},
      {"MedicationRequest", "patient", PT::kReference},
      {"MedicationRequest", "subject", PT::kReference},
      {"MedicationRequest", "status", PT::kToken},
      {"MedicationRequest", "intent", PT::kToken},
      {"MedicationRequest", "authoredon", PT::kDate},
      {"MedicationRequest", "encounter", PT::kReference},
      {"MedicationRequest", "requester", PT::kReference},
      {"AllergyIntolerance", "patient", PT::kReference},
      {"AllergyIntolerance", "clinical-status", PT::kToken},
      {"AllergyIntolerance", "recorder", PT::kReference},
      {"AllergyIntolerance", "asserter", PT::kReference},
      {"Immunization", "patient", PT::kReference},
      {"Immunization", "date", PT::kDate},
      {"Immunization", "status", PT::kToken},
      {"Immunization", "performer", PT::kReference},
      {"Procedure", "patient", PT::kReference},
      {"Procedure", "subject", PT::kReference},
      {"Procedure", "date", PT::kDate},
      {"Procedure", "code", PT::kToken},
      {"Procedure", "status", PT::kToken},
      {"Procedure", "performer", PT::kReference},
      {"DiagnosticReport", "patient", PT::kReference},
      {"DiagnosticReport", "subject", PT::kReference},
      {"DiagnosticReport", "category", PT::kToken},
      {"DiagnosticReport", "code", PT::kToken},
      {"DiagnosticReport", "date", PT::kDate},
      {"DiagnosticReport", "status", PT::kToken},
      {"DiagnosticReport", "performer", PT::kReference},
      {"DiagnosticReport", "result", PT::kReference},
      {"DocumentReference", "patient", PT::kReference},
      {"DocumentReference", "subject", PT::kReference},
      {"DocumentReference", "category", PT::kToken},
      {"DocumentReference", "type", PT::kToken},
      {"DocumentReference", "date", PT::kDate},
      {"DocumentReference", "status", PT::kToken},
      {"DocumentReference", "period", PT::kDate},
      {"DocumentReference", "author", PT::kReference},
      {"DocumentReference", "_id", PT::kId},
      {"CarePlan", "patient", PT::kReference},
      {"CarePlan", "subject", PT::kReference},
      {"CarePlan", "category", PT::kToken},
      {"CarePlan", "date", PT::kDate},
      {"CarePlan", "status", PT::kToken},
      {"CarePlan", "performer", PT::kReference},
      {"CareTeam", "patient", PT::kReference},
      {"CareTeam", "subject", PT::kReference},
      {"CareTeam", "status", PT::kToken},
      {"CareTeam", "participant", PT::kReference},
      {"Goal", "patient", PT::kReference},
      {"Goal", "subject", PT::kReference},
      {"Goal", "lifecycle-status", PT::kToken},
      {"Goal", "target-date", PT::kDate},
      {"Device", "patient", PT::kReference},
      {"Device", "type", PT::kToken},
      {"Provenance", "patient", PT::kReference},
      {"Provenance", "target", PT::kReference},
      {"Provenance", "agent", PT::kReference},
      {"ServiceRequest", "patient", PT::kReference},
      {"ServiceRequest", "subject", PT::kReference},
      {"ServiceRequest", "category", PT::kToken},
      {"ServiceRequest", "code", PT::kToken},
      {"ServiceRequest", "status", PT::kToken},
      {"ServiceRequest", "authored", PT::kDate},
      {"ServiceRequest", "requester", PT::kReference},
      {"ServiceRequest", "performer", PT::kReference},
      {"Coverage", "patient", PT::kReference},
      {"Coverage", "beneficiary", PT::kReference},
      {"Coverage", "subscriber", PT::kReference},
      {"Coverage", "payor", PT::kReference},
      {"MedicationDispense", "patient", PT::kReference},
      {"MedicationDispense", "subject", PT::kReference},
      {"MedicationDispense", "status", PT::kToken},
      {"MedicationDispense", "type", PT::kToken},
      {"MedicationDispense", "performer", PT::kReference},
      {"Specimen", "patient", PT::kReference},
      {"Specimen", "subject", PT::kReference},
      {"Specimen", "type", PT::kToken},
      {"Claim", "patient", PT::kReference},
      {"Claim", "provider", PT::kReference},
      {"ImagingStudy", "patient", PT::kReference},
      {"ImagingStudy", "subject", PT::kReference},
      {"Practitioner", "_id", PT::kId},
      {"Practitioner", "identifier", PT::kToken},
      {"Practitioner", "name", PT::kString},
      {"RelatedPerson", "patient", PT::kReference},
      {"RelatedPerson", "identifier", PT::kToken},
      {"RelatedPerson", "name", PT::kString},
      {"Organization", "_id", PT::kId},
      {"Organization", "name", PT::kString},
      {"Organization", "identifier", PT::kToken},
      {"Location", "name", PT::kString},
  };
  for (const Case& c : cases) {
    const SearchParamDef* def = find_search_param(c.type, c.name);
    ASSERT_NE(def, nullptr) << c.type << "?" << c.name;
    EXPECT_EQ(def->name, c.name);
    EXPECT_EQ(def->type, c.ptype) << c.type << "?" << c.name;
    EXPECT_FALSE(def->paths.empty());
  }
}

TEST(SearchParamDefs, UsesR4ElementPathsAndPatientTargets) {
  auto paths = [](const char* t, const char* n) { return find_search_param(t, n)->paths; };
  using V = std::vector<std::string>;
  EXPECT_EQ(paths("Observation", "date"), V{"Observation.effective"});
  EXPECT_EQ(paths("Observation", "patient"), V{"Observation.subject"});
  EXPECT_EQ(paths("Condition", "onset-date"), V{"Condition.onset"});
  EXPECT_EQ(paths("Encounter", "participant"), V{"Encounter.participant.individual"});
  EXPECT_EQ(paths("Goal", "target-date"), V{"Goal.target.due"});
  EXPECT_EQ(paths("Immunization", "performer"), V{"Immunization.performer.actor"});
  EXPECT_EQ(paths("Organization", "name"), (V{"Organization.name", "Organization.alias"}));
  EXPECT_EQ(paths("Location", "name"), (V{"Location.name", "Location.alias"}));
  EXPECT_EQ(paths("DocumentReference", "period"), V{"DocumentReference.context.period"});
  EXPECT_EQ(paths("Provenance", "agent"), V{"Provenance.agent.who"});
  EXPECT_EQ(paths("Patient", "_id"), V{"Patient.id"});
  EXPECT_EQ(paths("Claim", "_lastUpdated"), V{"Claim.meta.lastUpdated"});
  EXPECT_EQ(find_search_param("Observation", "patient")->target, "Patient");
  EXPECT_EQ(find_search_param("Provenance", "patient")->target, "Patient");
  EXPECT_EQ(find_search_param("Observation", "subject")->target, "");
  EXPECT_EQ(find_search_param("Coverage", "patient")->target, "");  // Reference(Patient) only
}

TEST(SearchParamDefs, EveryR4TypeHasIdAndLastUpdated) {
  for (std::string_view t : all_resource_types()) {
    const SearchParamDef* id = find_search_param(t, "_id");
    const SearchParamDef* lu = find_search_param(t, "_lastUpdated");
    ASSERT_NE(id, nullptr) << t;
    ASSERT_NE(lu, nullptr) << t;
    EXPECT_EQ(id->type, ParamType::kId);
    EXPECT_EQ(lu->type, ParamType::kDate);
    auto names = search_param_names(t);
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << t;
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << t;
    for (const SearchParamDef& d : *search_params(t)) {
      for (const std::string& p : d.paths) EXPECT_EQ(p.rfind(std::string(t) + ".", 0), 0u) << p;
    }
  }
  EXPECT_EQ(search_param_names("Binary"), (std::vector<std::string>{"_id", "_lastUpdated"}));
}

TEST(SearchParamDefs, UnknownTypesAndNames) {
  EXPECT_EQ(find_search_param("Foo", "_id"), nullptr);
  EXPECT_EQ(find_search_param("Observation", "nope"), nullptr);
  EXPECT_EQ(find_search_param("Observation", ""), nullptr);
  EXPECT_EQ(find_search_param("Binary", "patient"), nullptr);
  EXPECT_THAT(search_param_names("Foo"), IsEmpty());
  EXPECT_EQ(search_params("patient"), nullptr);
}

// A compartment search (Patient/x/Observation) can be run as searches on the compartment params.
TEST(SearchParamDefs, CompartmentParamsOfDefinedTypesAreSearchParams) {
  for (std::string_view t : patient_compartment_types()) {
    if (search_param_names(t).size() <= 2) continue;  // only _id/_lastUpdated defined
    for (const CompartmentParam& p : *compartment_definition(t)) {
      const SearchParamDef* def = find_search_param(t, p.name);
      ASSERT_NE(def, nullptr) << t << "?" << p.name;
      EXPECT_EQ(def->type, ParamType::kReference);
      EXPECT_EQ(def->paths, p.paths) << t << "?" << p.name;
    }
  }
}

TEST(ParamTypeName, NamesEveryType) {
  EXPECT_EQ(param_type_name(ParamType::kToken), "token");
  EXPECT_EQ(param_type_name(ParamType::kReference), "reference");
  EXPECT_EQ(param_type_name(ParamType::kDate), "date");
  EXPECT_EQ(param_type_name(ParamType::kString), "string");
  EXPECT_EQ(param_type_name(ParamType::kId), "id");
  EXPECT_EQ(param_type_name(ParamType::kNumber), "number");
  EXPECT_EQ(param_type_name(ParamType::kQuantity), "quantity");
  EXPECT_EQ(param_type_name(ParamType::kUri), "uri");
}

const char* kObservation = R"({
  "resourceType": "Observation", "id": "o1",
  "meta": {"lastUpdated": "2020-01-01T00:00:00Z"},
  "status": "final",
  "category": [{"coding": [
      {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"},
      {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"},
      {"code": "no-system"}, {"system": "http://x", "display": "no code"}]},
    {"text": "text only"}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}], "text": "HbA1c"},
  "subject": {"reference": "Patient/p1"},
  "encounter": {"reference": "https://ehr.example/fhir/Encounter/e1/_history/2"},
  "performer": [{"reference": "Practitioner/d1"}, {"reference": "urn:uuid:123"},
                {"reference": "#c1"}, {"display": "Dr. No"}],
  "effectiveDateTime": "2019-02-03T10:11:12-05:00"
})";

TEST(ExtractIndex, TokensCarrySystemAndCode) {
  auto rows = extract_index(json::parse(kObservation));
  const char* cat = "http://terminology.hl7.org/CodeSystem/observation-category";
  EXPECT_EQ(rows_for(rows, "category"),
            (std::vector<IndexEntry>{token("category", "", "no-system"),
                                     token("category", cat, "laboratory")}));
  EXPECT_EQ(rows_for(rows, "code"),
            (std::vector<IndexEntry>{token("code", "http://loinc.org", "4548-4")}));
  EXPECT_EQ(rows_for(rows, "status"), (std::vector<IndexEntry>{token("status", "", "final")}));
  EXPECT_EQ(rows_for(rows, "_id"),
            (std::vector<IndexEntry>{{"_id", ParamType::kId, "", "o1", 0, 0}}));
  EXPECT_THAT(rows_for(rows, "_lastUpdated"), IsEmpty());  // indexed by the store
}

TEST(ExtractIndex, ReferencesAreNormalizedAndFilteredByTarget) {
  auto rows = extract_index(json::parse(kObservation));
  EXPECT_EQ(rows_for(rows, "subject"), (std::vector<IndexEntry>{ref("subject", "Patient/p1")}));
  EXPECT_EQ(rows_for(rows, "patient"), (std::vector<IndexEntry>{ref("patient", "Patient/p1")}));
  EXPECT_EQ(rows_for(rows, "encounter"),
            (std::vector<IndexEntry>{ref("encounter", "Encounter/e1")}));
  EXPECT_EQ(rows_for(rows, "performer"),
            (std::vector<IndexEntry>{ref("performer", "Practitioner/d1")}));

  json group_subject = json::parse(
      R"({"resourceType":"Observation","subject":{"reference":"http://x/fhir/Group/g1"}})");
  auto g = extract_index(group_subject);
  EXPECT_EQ(rows_for(g, "subject"), (std::vector<IndexEntry>{ref("subject", "Group/g1")}));
  EXPECT_THAT(rows_for(g, "patient"), IsEmpty());
}

TEST(ExtractIndex, RowsComeInParameterOrder) {
  auto rows = extract_index(json::parse(kObservation));
  std::vector<std::string> params;
  for (const auto& r : rows) params.push_back(r.param);
  EXPECT_TRUE(std::is_sorted(params.begin(), params.end()));
  EXPECT_EQ(rows.size(), 10u);  // _id, 2 category, code, date, encounter, patient, performer,
                                // status, subject
}

TEST(ExtractIndex, DateTimeWithZoneIsOneSecond) {
  auto rows = extract_index(json::parse(kObservation));
  const std::int64_t t = at("2019-02-03T15:11:12Z");
  EXPECT_EQ(rows_for(rows, "date"), (std::vector<IndexEntry>{date("date", t, t)}));
}

TEST(ExtractIndex, DatesOfEachPrecision) {
  struct Case {
    const char* birth_date;
    std::int64_t low;
    std::int64_t high;
  };
  const Case cases[] = {
      {"1969", at("1969-01-01T00:00:00Z"), at("1970-01-01T00:00:00Z") - 1},
      {"1969-02", at("1969-02-01T00:00:00Z"), at("1969-03-01T00:00:00Z") - 1},
      {"1969-02-22", at("1969-02-22T00:00:00Z"), at("1969-02-22T00:00:00Z") + kDay - 1},
  };
  for (const Case& c : cases) {
    json p = {{"resourceType", "Patient"}, {"birthDate", c.birth_date}};
    EXPECT_EQ(rows_for(extract_index(p), "birthdate"),
              (std::vector<IndexEntry>{date("birthdate", c.low, c.high)}))
        << c.birth_date;
  }
  json bad = {{"resourceType", "Patient"}, {"birthDate", "22/02/1969"}};
  EXPECT_THAT(rows_for(extract_index(bad), "birthdate"), IsEmpty());
}

TEST(ExtractIndex, PeriodsAndOpenEnds) {
  json enc = json::parse(R"({"resourceType":"Encounter",
      "period":{"start":"2001-02-26T03:03:42-05:00","end":"2001-02-26"}})");
  EXPECT_EQ(rows_for(extract_index(enc), "date"),
            (std::vector<IndexEntry>{
                date("date", at("2001-02-26T08:03:42Z"), at("2001-02-27T00:00:00Z") - 1)}));

  json open_end = json::parse(R"({"resourceType":"CarePlan","period":{"start":"2001-03"}})");
  EXPECT_EQ(rows_for(extract_index(open_end), "date"),
            (std::vector<IndexEntry>{date("date", at("2001-03-01T00:00:00Z"), kDateMax)}));

  json open_start = json::parse(
      R"({"resourceType":"Observation","effectivePeriod":{"end":"2019-12-31T23:59:59Z"}})");
  EXPECT_EQ(rows_for(extract_index(open_start), "date"),
            (std::vector<IndexEntry>{date("date", kDateMin, at("2019-12-31T23:59:59Z"))}));

  json doc = json::parse(R"({"resourceType":"DocumentReference","date":"2020-05-01T10:00:00.5Z",
      "context":{"period":{"start":"2020","end":"2021"}}})");
  auto d = extract_index(doc);
  EXPECT_EQ(rows_for(d, "period"),
            (std::vector<IndexEntry>{
                date("period", at("2020-01-01T00:00:00Z"), at("2022-01-01T00:00:00Z") - 1)}));
  const std::int64_t t = at("2020-05-01T10:00:00Z");
  EXPECT_EQ(rows_for(d, "date"), (std::vector<IndexEntry>{date("date", t, t)}));

  json broken =
      json::parse(R"({"resourceType":"Encounter","period":{"start":"yesterday","end":"2001"}})");
  EXPECT_THAT(rows_for(extract_index(broken), "date"), IsEmpty());
  json empty = json::parse(R"({"resourceType":"Encounter","period":{}})");
  EXPECT_THAT(rows_for(extract_index(empty), "date"), IsEmpty());
}

TEST(ExtractIndex, ChoiceTypesOnlyIndexDateShapedChoices) {
  const std::int64_t t = at("2019-04-01T00:00:00Z");
  json instant = json::parse(
      R"({"resourceType":"Observation","effectiveInstant":"2019-04-01T00:00:00.000Z"})");
  EXPECT_EQ(rows_for(extract_index(instant), "date"),
            (std::vector<IndexEntry>{date("date", t, t)}));

  json timing = json::parse(R"({"resourceType":"Observation","effectiveTiming":{
      "event":["2019-04-01T00:00:00Z","bad"],
      "repeat":{"boundsPeriod":{"start":"2019-05"}}}})");
  EXPECT_EQ(rows_for(extract_index(timing), "date"),
            (std::vector<IndexEntry>{date("date", t, t),
                                     date("date", at("2019-05-01T00:00:00Z"), kDateMax)}));

  json proc = json::parse(R"({"resourceType":"Procedure",
      "performedPeriod":{"start":"2010-02-17T03:03:42-05:00","end":"2010-02-17T03:33:42-05:00"}})");
  EXPECT_EQ(rows_for(extract_index(proc), "date"),
            (std::vector<IndexEntry>{
                date("date", at("2010-02-17T08:03:42Z"), at("2010-02-17T08:33:42Z"))}));

  for (const char* r : {
           R"({"resourceType":"Condition","onsetAge":{"value":3,"unit":"a"}})",
           R"({"resourceType":"Condition","onsetString":"2019"})",
           R"({"resourceType":"Condition","onsetRange":{"low":{"value":1}}})",
           R"({"resourceType":"Procedure","performedString":"2019"})",
           R"({"resourceType":"Immunization","occurrenceString":"2019"})",
           R"({"resourceType":"Goal","target":[{"dueDuration":{"value":3}}]})",
       }) {
    auto rows = extract_index(json::parse(r));
    EXPECT_TRUE(std::none_of(rows.begin(), rows.end(), [](const IndexEntry& e) {
      return e.type == ParamType::kDate;
    })) << r;
  }
  json onset = json::parse(R"({"resourceType":"Condition","onsetDateTime":"2010-02-17"})");
  EXPECT_EQ(rows_for(extract_index(onset), "onset-date").size(), 1u);
  json goal = json::parse(R"({"resourceType":"Goal","target":[{"dueDate":"2020-01-01"},
      {"dueDate":"2021-01-01"}]})");
  EXPECT_EQ(rows_for(extract_index(goal), "target-date").size(), 2u);
  json imm = json::parse(R"({"resourceType":"Immunization","occurrenceDateTime":"2019"})");
  EXPECT_EQ(rows_for(extract_index(imm), "date").size(), 1u);
}

TEST(ExtractIndex, StringsAreLowercasedPerNamePart) {
  json p = json::parse(R"({"resourceType":"Patient","id":"p1",
      "name":[{"use":"official","family":"Kling921","given":["Alphonso102","Jr"],"prefix":["Mr."]},
              {"text":"MÜLLER, José"}],
      "gender":"male",
      "identifier":[{"system":"http://hospital.smarthealthit.org","value":"MRN-1"},
                    {"type":{"text":"no value"}}],
      "generalPractitioner":[{"reference":"Practitioner/d1"}]})");
  auto rows = extract_index(p);
  EXPECT_EQ(rows_for(rows, "name"),
            (std::vector<IndexEntry>{str("name", "alphonso102"), str("name", "jr"),
                                     str("name", "kling921"), str("name", "mr."),
                                     str("name", "muller, jose")}));
  EXPECT_EQ(rows_for(rows, "family"), (std::vector<IndexEntry>{str("family", "kling921")}));
  EXPECT_EQ(rows_for(rows, "given"),
            (std::vector<IndexEntry>{str("given", "alphonso102"), str("given", "jr")}));
  EXPECT_EQ(rows_for(rows, "gender"), (std::vector<IndexEntry>{token("gender", "", "male")}));
  EXPECT_EQ(
      rows_for(rows, "identifier"),
      (std::vector<IndexEntry>{token("identifier", "http://hospital.smarthealthit.org", "MRN-1")}));
  EXPECT_EQ(rows_for(rows, "general-practitioner"),
            (std::vector<IndexEntry>{ref("general-practitioner", "Practitioner/d1")}));

  json org = json::parse(
      R"({"resourceType":"Organization","name":"PCP 118 Clinic","alias":["Ärzte Haus",""]})");
  EXPECT_EQ(rows_for(extract_index(org), "name"),
            (std::vector<IndexEntry>{str("name", "arzte haus"), str("name", "pcp 118 clinic")}));
}

TEST(ExtractIndex, CodingWithoutSystemAndPlainCodes) {
  // Synthea writes Encounter.class as a Coding without system and STU3-style string statuses.
  json enc = json::parse(R"({"resourceType":"Encounter","class":{"code":"ambulatory"},
      "type":[{"coding":[{"system":"http://snomed.info/sct","code":"185347001"}]}]})");
  auto rows = extract_index(enc);
  EXPECT_EQ(rows_for(rows, "class"), (std::vector<IndexEntry>{token("class", "", "ambulatory")}));
  EXPECT_EQ(rows_for(rows, "type"),
            (std::vector<IndexEntry>{token("type", "http://snomed.info/sct", "185347001")}));
  json cond = json::parse(R"({"resourceType":"Condition","clinicalStatus":"active"})");
  EXPECT_EQ(rows_for(extract_index(cond), "clinical-status"),
            (std::vector<IndexEntry>{token("clinical-status", "", "active")}));
  json cond_r4 = json::parse(R"({"resourceType":"Condition","clinicalStatus":{"coding":[
      {"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}})");
  EXPECT_EQ(rows_for(extract_index(cond_r4), "clinical-status"),
            (std::vector<IndexEntry>{
                token("clinical-status", "http://terminology.hl7.org/CodeSystem/condition-clinical",
                      "active")}));
}

TEST(ExtractIndex, WrongShapesAreSkippedNotErrors) {
  json r = json::parse(R"({"resourceType":"Observation","id":"bad id",
      "status":7,"category":"not-a-concept","code":[[1]],"subject":"Patient/1",
      "encounter":{"reference":5},"effectiveDateTime":20190101})");
  auto rows = extract_index(r);
  // "category" as a bare string is still a code token; everything else is dropped.
  EXPECT_EQ(rows, (std::vector<IndexEntry>{token("category", "", "not-a-concept")}));
  EXPECT_THAT(extract_index(json()), IsEmpty());
  EXPECT_THAT(extract_index(json::array()), IsEmpty());
  EXPECT_THAT(extract_index(json::parse(R"({"resourceType":"Foo","id":"x"})")), IsEmpty());
  EXPECT_THAT(extract_index(json::parse(R"({"id":"x"})")), IsEmpty());
}

TEST(ExtractParam, ExtractsOneParameter) {
  json r = json::parse(kObservation);
  auto rows = extract_param(r, *find_search_param("Observation", "code"));
  EXPECT_EQ(rows, (std::vector<IndexEntry>{token("code", "http://loinc.org", "4548-4")}));
}

TEST(NormalizeSearchString, LowercasesAndFoldsLatin1) {
  EXPECT_EQ(normalize_search_string("Kling921"), "kling921");
  EXPECT_EQ(normalize_search_string("MÜLLER"), "muller");
  EXPECT_EQ(normalize_search_string("Straße"), "strasse");
  EXPECT_EQ(normalize_search_string("Ærøskøbing"), "aeroskobing");
  EXPECT_EQ(normalize_search_string("Çà×÷"), "ca×÷");  // × and ÷ are not letters
  EXPECT_EQ(normalize_search_string("Łódź"), "Łodź");  // outside Latin-1: unchanged
  EXPECT_EQ(normalize_search_string(""), "");
  EXPECT_EQ(normalize_search_string("\xC3"), "\xC3");  // truncated sequence kept as is
}

}  // namespace
}  // namespace tessera::fhir
