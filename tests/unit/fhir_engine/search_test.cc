// Search without access restrictions: every parameter kind against an oracle (the pure
// fhir::resource_matches over the demo bundle), paging, sorting, _include/_revinclude, _summary,
// strict handling, POST _search and the request errors.
#include "core/encoding.h"
#include "test_support.h"

namespace tessera::fhir::testing {
namespace {

using http::Verb;
using Params = std::vector<std::pair<std::string, std::string>>;

std::string query_string(const Params& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    q += (q.empty() ? "" : "&") + k + "=" + core::url_encode(v);
  }
  return q;
}

struct OracleCase {
  const char* name;
  std::string type;
  Params params;
};

class SearchOracle : public EngineTest, public ::testing::WithParamInterface<OracleCase> {};

TEST_P(SearchOracle, MatchesResourceMatches) {
  const OracleCase& c = GetParam();
  const std::set<std::string> want = expected(c.type, c.params);
  Reply first = get(c.type + "?" + query_string(c.params) + "&_count=100", admin_);
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_EQ(first.body["type"], "searchset");
  EXPECT_EQ(first.body["total"], want.size());
  std::vector<std::string> got = all_pages(c.type + "?" + query_string(c.params), admin_);
  EXPECT_EQ(got.size(), want.size()) << "duplicates across pages?";
  EXPECT_EQ(as_set(got), want);
  EXPECT_EQ(last_summary_.interaction, "search-type");
}

const std::string kCat = kLabSystem;

INSTANTIATE_TEST_SUITE_P(
    Params, SearchOracle,
    ::testing::Values(
        OracleCase{"PatientParam", "Observation", {{"patient", "demo-child-2"}}},
        OracleCase{"PatientParamTyped", "Observation", {{"patient", "Patient/demo-child-2"}}},
        OracleCase{"PatientParamAbsolute",
                   "Observation",
                   {{"patient", "https://other.example/fhir/Patient/demo-child-2"}}},
        OracleCase{"SubjectTyped", "Observation", {{"subject", "Patient/demo-child-1"}}},
        OracleCase{"SubjectBareId", "Observation", {{"subject", "demo-child-1"}}},
        OracleCase{"TwoPatients", "Observation", {{"patient", "demo-child-1,demo-child-2"}}},
        OracleCase{"CategoryCodeOnly",
                   "Observation",
                   {{"patient", "demo-parent"}, {"category", "laboratory"}}},
        OracleCase{"CategoryWithSystem", "Observation", {{"category", kCat + "|laboratory"}}},
        OracleCase{
            "CategoryWrongSystem", "Observation", {{"category", "http://example.org|laboratory"}}},
        OracleCase{"CategoryNoSystem", "Observation", {{"category", "|laboratory"}}},
        OracleCase{"CategorySystemOnly",
                   "Observation",
                   {{"category", kCat + "|"}, {"patient", "demo-solo"}}},
        OracleCase{"CategoryOr",
                   "Observation",
                   {{"category", "social-history,laboratory"}, {"patient", "demo-p-01"}}},
        OracleCase{"CodeWithSystem", "Observation", {{"code", "http://loinc.org|8310-5"}}},
        OracleCase{
            "CodeOr", "Observation", {{"code", "8310-5,8867-4"}, {"patient", "demo-child-2"}}},
        OracleCase{"Status", "Observation", {{"status", "final"}, {"patient", "demo-p-04"}}},
        OracleCase{"DateYear", "Observation", {{"date", "2025"}, {"patient", "demo-parent"}}},
        OracleCase{"DateEqDay", "Observation", {{"date", "eq2024-12-13"}}},
        OracleCase{"DateGe", "Observation", {{"date", "ge2025-06-01"}, {"patient", "demo-parent"}}},
        OracleCase{"DateGt", "Observation", {{"date", "gt2026-01-01"}}},
        OracleCase{"DateLt", "Observation", {{"date", "lt2025-01-01"}}},
        OracleCase{"DateLe", "Observation", {{"date", "le2025-03-01"}, {"patient", "demo-p-04"}}},
        OracleCase{"DateNe", "Observation", {{"date", "ne2025"}, {"patient", "demo-child-2"}}},
        OracleCase{"DateSa", "Observation", {{"date", "sa2025-12-31"}}},
        OracleCase{"DateEb", "Observation", {{"date", "eb2025-01-01"}}},
        OracleCase{"DateAp", "Observation", {{"date", "ap2025-06"}}},
        OracleCase{"DateSecondWithZone", "Observation", {{"date", "2024-12-13T11:05:00-05:00"}}},
        OracleCase{"DateRange",
                   "Observation",
                   {{"date", "ge2025-01-01"}, {"date", "lt2026-01-01"}, {"patient", "demo-p-03"}}},
        OracleCase{
            "EncounterRef", "Observation", {{"encounter", "Encounter/demo-parent-enc-0001"}}},
        OracleCase{"PerformerRef",
                   "Observation",
                   {{"performer", "Practitioner/demo-practitioner"}, {"patient", "demo-solo"}}},
        OracleCase{"ObservationId", "Observation", {{"_id", "demo-parent-obs-0001"}}},
        OracleCase{"PatientIds", "Patient", {{"_id", "demo-child-1,demo-child-2,nobody"}}},
        OracleCase{"FamilyPrefix", "Patient", {{"family", "alv"}}},
        OracleCase{"FamilyCaseAndAccent", "Patient", {{"family", "ÁLVAREZ"}}},
        OracleCase{"Name", "Patient", {{"name", "sofia"}}},
        OracleCase{"Given", "Patient", {{"given", "J"}}},
        OracleCase{"Gender", "Patient", {{"gender", "female"}}},
        OracleCase{"BirthdateLt", "Patient", {{"birthdate", "lt2000"}}},
        OracleCase{"BirthdateDay", "Patient", {{"birthdate", "2020-08-09"}}},
        OracleCase{"ConditionStatus", "Condition", {{"clinical-status", "active"}}},
        OracleCase{"ConditionCategory",
                   "Condition",
                   {{"category", "problem-list-item"}, {"patient", "demo-parent"}}},
        OracleCase{"EncounterDate", "Encounter", {{"date", "ge2025"}, {"patient", "demo-solo"}}},
        OracleCase{"EncounterStatus", "Encounter", {{"status", "finished"}}},
        OracleCase{
            "ImmunizationDate", "Immunization", {{"date", "lt2022"}, {"patient", "demo-child-1"}}},
        OracleCase{"MedicationRequest", "MedicationRequest", {{"status", "active"}}},
        OracleCase{"MedicationRequestAuthored", "MedicationRequest", {{"authoredon", "ge2025"}}},
        OracleCase{"DiagnosticReportCategory", "DiagnosticReport", {{"category", "LAB"}}},
        OracleCase{"DiagnosticReportResult",
                   "DiagnosticReport",
                   {{"result", "Observation/demo-parent-obs-0039"}}},
        OracleCase{"ProcedureDate", "Procedure", {{"date", "ge2024"}}},
        OracleCase{"AllergyPatient", "AllergyIntolerance", {{"patient", "demo-parent"}}},
        OracleCase{"PractitionerName", "Practitioner", {{"name", "chen"}}},
        OracleCase{"OrganizationName", "Organization", {{"name", "tessera"}}},
        OracleCase{"RelatedPersonPatient", "RelatedPerson", {{"patient", "demo-child-1"}}},
        OracleCase{"NoParams", "Observation", {}}),
    [](const ::testing::TestParamInfo<OracleCase>& i) { return std::string(i.param.name); });

class Search : public EngineTest {};

TEST_F(Search, OracleCasesAreNotTrivial) {
  // Guards the table above against silently comparing empty sets.
  EXPECT_EQ(expected("Observation", {{"patient", "demo-child-2"}}).size(), 37u);
  EXPECT_EQ(expected("Observation", {{"category", kCat + "|laboratory"}}).size(), 81u);
  EXPECT_EQ(expected("Patient", {{"family", "alv"}}).size(), 3u);
  EXPECT_GT(expected("Observation", {{"date", "ge2025-06-01"}, {"patient", "demo-parent"}}).size(),
            0u);
  EXPECT_GT(expected("Observation", {{"date", "lt2025-01-01"}}).size(), 0u);
}

TEST_F(Search, CountPagesWithNextLinksAndHonestTotals) {
  Reply p1 = get("Observation?patient=demo-child-2&_count=10", admin_);
  ASSERT_EQ(p1.status, 200);
  EXPECT_EQ(p1.body["total"], 37);
  EXPECT_EQ(p1.body["entry"].size(), 10u);
  EXPECT_EQ(p1.link("self"), std::string(kBase) + "/Observation?patient=demo-child-2&_count=10");
  EXPECT_EQ(p1.link("next"),
            std::string(kBase) + "/Observation?patient=demo-child-2&_count=10&_offset=10");
  EXPECT_EQ(p1.link("previous"), "");
  Reply p2 = follow(p1.link("next"), admin_);
  EXPECT_EQ(p2.body["total"], 37);
  EXPECT_EQ(p2.body["entry"].size(), 10u);
  EXPECT_NE(p2.link("previous"), "");
  int pages = 0;
  std::vector<std::string> all =
      all_pages("Observation?patient=demo-child-2&_count=10", admin_, &pages);
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(all.size(), 37u);
  EXPECT_EQ(as_set(all).size(), 37u);
  Reply last = get("Observation?patient=demo-child-2&_count=10&_offset=30", admin_);
  EXPECT_EQ(last.body["entry"].size(), 7u);
  EXPECT_EQ(last.link("next"), "");
  Reply beyond = get("Observation?patient=demo-child-2&_offset=500", admin_);
  EXPECT_EQ(beyond.body["total"], 37);
  EXPECT_EQ(beyond.body["entry"].size(), 0u);
}

TEST_F(Search, CountDefaultsAndIsClampedToTheMaximum) {
  Reply d = get("Observation", admin_);
  EXPECT_EQ(d.body["total"], 389);
  EXPECT_EQ(d.body["entry"].size(), 50u);  // default_page_size
  Reply big = get("Observation?_count=100000", admin_);
  EXPECT_EQ(big.body["entry"].size(), 100u);  // max_page_size
  EXPECT_NE(big.link("next").find("_count=100&_offset=100"), std::string::npos);
}

TEST_F(Search, NextLinkKeepsEncodedTokenValues) {
  Reply p1 =
      get("Observation?category=" + core::url_encode(kCat + "|laboratory") + "&_count=5", admin_);
  ASSERT_EQ(p1.status, 200);
  Reply p2 = follow(p1.link("next"), admin_);
  ASSERT_EQ(p2.status, 200);
  EXPECT_EQ(p2.body["total"], 81);
  EXPECT_EQ(p2.body["entry"].size(), 5u);
}

TEST_F(Search, SummaryCountAndCountZeroGiveTotalsOnly) {
  for (const char* q : {"Observation?patient=demo-child-2&_summary=count",
                        "Observation?patient=demo-child-2&_count=0"}) {
    Reply r = get(q, admin_);
    ASSERT_EQ(r.status, 200) << q;
    EXPECT_EQ(r.body["total"], 37) << q;
    EXPECT_TRUE(r.body["entry"].empty()) << q;
    EXPECT_EQ(r.link("next"), "") << q;
  }
}

std::int64_t effective_low(const json& o) {
  return parse_date_range(o["effectiveDateTime"].get<std::string>())->first;
}

TEST_F(Search, SortsByDateAndLastUpdated) {
  Reply asc = get("Observation?patient=demo-parent&_sort=date&_count=100", admin_);
  ASSERT_EQ(asc.status, 200);
  ASSERT_GT(asc.body["entry"].size(), 10u);
  for (std::size_t i = 1; i < asc.body["entry"].size(); ++i) {
    EXPECT_LE(effective_low(asc.body["entry"][i - 1]["resource"]),
              effective_low(asc.body["entry"][i]["resource"]));
  }
  Reply desc = get("Observation?patient=demo-parent&_sort=-date&_count=100", admin_);
  for (std::size_t i = 1; i < desc.body["entry"].size(); ++i) {
    EXPECT_GE(effective_low(desc.body["entry"][i - 1]["resource"]),
              effective_low(desc.body["entry"][i]["resource"]));
  }
  // _lastUpdated: two new resources, created later, come first in descending order.
  json o;
  for (const json& r : demo_resources()) {
    if (r["resourceType"] == "Observation") {
      o = r;
      break;
    }
  }
  o.erase("id");
  clock_.advance(std::chrono::seconds(10));
  std::string a = call(Verb::post, "Observation", admin_, o.dump()).body["id"];
  clock_.advance(std::chrono::seconds(10));
  std::string b = call(Verb::post, "Observation", admin_, o.dump()).body["id"];
  Reply lu = get("Observation?_sort=-_lastUpdated&_count=2", admin_);
  EXPECT_EQ(lu.refs(), (std::vector<std::string>{"Observation/" + b, "Observation/" + a}));
  // _lastUpdated as a filter (prefixes on the store's own timestamp).
  Reply since = get("Observation?_lastUpdated=gt2025-06-15T15:06:45Z", admin_);
  EXPECT_EQ(as_set(since.refs()), (std::set<std::string>{"Observation/" + a, "Observation/" + b}));
  Reply day = get("Observation?_lastUpdated=2025-06-15&_summary=count", admin_);
  EXPECT_EQ(day.body["total"], 391);
}

TEST_F(Search, IncludeAddsReferencedResourcesOnce) {
  Reply r = get("Observation?patient=demo-child-2&_include=Observation:patient&_count=100", admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["total"], 37);  // includes are not counted
  EXPECT_EQ(r.refs("include"), std::vector<std::string>{"Patient/demo-child-2"});
  Reply all = get("Observation?patient=demo-child-2&_include=Observation:*&_count=100", admin_);
  std::set<std::string> inc = as_set(all.refs("include"));
  EXPECT_TRUE(inc.count("Patient/demo-child-2"));
  EXPECT_TRUE(inc.count("Practitioner/demo-practitioner"));
  EXPECT_TRUE(std::any_of(inc.begin(), inc.end(),
                          [](const std::string& s) { return s.rfind("Encounter/", 0) == 0; }));
  Reply typed =
      get("Observation?patient=demo-child-2&_include=Observation:performer:Organization", admin_);
  EXPECT_TRUE(typed.refs("include").empty());  // performers are Practitioners here
}

TEST_F(Search, RevincludeAddsReferringResources) {
  Reply r = get("Patient?_id=demo-child-2&_revinclude=Observation:subject", admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.refs(), std::vector<std::string>{"Patient/demo-child-2"});
  EXPECT_EQ(as_set(r.refs("include")), expected("Observation", {{"patient", "demo-child-2"}}));
}

TEST_F(Search, UnknownParametersAreIgnoredUnlessStrict) {
  Reply lenient = get("Observation?patient=demo-child-2&foo=bar", admin_);
  ASSERT_EQ(lenient.status, 200);
  EXPECT_EQ(lenient.body["total"], 37);
  EXPECT_EQ(lenient.link("self").find("foo"), std::string::npos);  // not applied, not echoed
  Reply strict =
      get("Observation?patient=demo-child-2&foo=bar", admin_, {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400);
  EXPECT_EQ(strict.body["resourceType"], "OperationOutcome");
  EXPECT_NE(strict.diagnostics().find("foo"), std::string::npos);
  Reply strict_ok = get("Observation?patient=demo-child-2", admin_,
                        {{"Prefer", "return=representation, handling=strict"}});
  EXPECT_EQ(strict_ok.status, 200);
  // Strict also refuses a sort or include it cannot honour.
  EXPECT_EQ(get("Observation?_sort=code", admin_, {{"Prefer", "handling=strict"}}).status, 400);
  EXPECT_EQ(get("Observation?_sort=code", admin_).status, 200);
  EXPECT_EQ(
      get("Observation?_include=Patient:link", admin_, {{"Prefer", "handling=strict"}}).status,
      400);
}

struct BadQuery {
  const char* name;
  std::string target;
  const char* code;
};

class SearchErrors : public EngineTest, public ::testing::WithParamInterface<BadQuery> {};

TEST_P(SearchErrors, AreBadRequests) {
  Reply r = get(GetParam().target, admin_);
  EXPECT_EQ(r.status, 400) << r.body.dump();
  EXPECT_EQ(r.body["resourceType"], "OperationOutcome");
  EXPECT_EQ(r.issue_code(), GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(
    All, SearchErrors,
    ::testing::Values(
        BadQuery{"Chained", "Observation?subject.name=sofia", "not-supported"},
        BadQuery{"ChainedWithType", "Observation?subject:Patient.name=sofia", "not-supported"},
        BadQuery{"Has", "Patient?_has:Observation:patient:code=1234", "not-supported"},
        BadQuery{"Filter", "Patient?_filter=name%20eq%20x", "not-supported"},
        BadQuery{"UnsupportedModifier", "Observation?code:text=temp", "not-supported"},
        BadQuery{"MissingModifier", "Observation?date:missing=true", "not-supported"},
        BadQuery{"BadDate", "Observation?date=yesterday", "invalid"},
        BadQuery{"BadDatePrefix", "Observation?date=xx2020", "invalid"},
        BadQuery{"BadCount", "Observation?_count=ten", "invalid"},
        BadQuery{"NegativeOffset", "Observation?_offset=-1", "invalid"},
        BadQuery{"BadReference", "Observation?subject=not%20an%20id", "invalid"},
        BadQuery{"TooManyValues",
                 "Observation?_id=" +
                     [] {
                       std::string v;
                       for (int i = 0; i < 400; ++i) v += (i ? "," : "") + std::to_string(i);
                       return v;
                     }(),
                 "too-costly"}),
    [](const ::testing::TestParamInfo<BadQuery>& i) { return std::string(i.param.name); });

TEST_F(Search, StringModifiersExactAndContains) {
  EXPECT_EQ(get("Patient?family:exact=alvarez", admin_).body["total"], 3);
  EXPECT_EQ(get("Patient?family:exact=alv", admin_).body["total"], 0);
  EXPECT_EQ(get("Patient?family:contains=var", admin_).body["total"], 3);
}

TEST_F(Search, ReferenceTypeModifier) {
  EXPECT_EQ(get("Observation?subject:Patient=demo-child-2", admin_).body["total"], 37);
  EXPECT_EQ(get("Observation?subject:Group=demo-child-2", admin_).body["total"], 0);
}

TEST_F(Search, PostSearchTakesFormParameters) {
  Reply r = call(Verb::post, "Observation/_search?_count=5", admin_,
                 "patient=demo-child-2&category=laboratory",
                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["total"], 1);
  EXPECT_EQ(last_summary_.interaction, "search-type");
  Reply json_body =
      call(Verb::post, "Observation/_search", admin_, "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(json_body.status, 400);
  Reply empty = call(Verb::post, "Observation/_search", admin_);
  EXPECT_EQ(empty.body["total"], 389);
}

TEST_F(Search, QueryPlusIsTakenAsTimeZoneSign) {
  // "+" not %-encoded arrives as a space.
  Reply r = get("Observation?date=ge2025-01-01T00:00:00+00:00&_summary=count", admin_);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["total"],
            expected("Observation", {{"date", "ge2025-01-01T00:00:00+00:00"}}).size());
}

}  // namespace
}  // namespace tessera::fhir::testing
