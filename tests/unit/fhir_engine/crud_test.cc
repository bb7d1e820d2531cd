// REST interactions without access restrictions: create, read, update (upsert, If-Match),
// delete, vread, history; meta handling; error statuses; CapabilityStatement.
#include "test_support.h"

namespace tessera::fhir::testing {
namespace {

using http::Verb;

const char* kNewObservation = R"({
  "resourceType": "Observation", "id": "client-chosen", "status": "final",
  "meta": {"profile": ["http://example.org/p"], "versionId": "99"},
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "laboratory"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
  "subject": {"reference": "Patient/demo-child-2"},
  "effectiveDateTime": "2026-01-02T03:04:05Z"})";

json with(json j, const std::string& key, json value) {
  j[key] = std::move(value);
  return j;
}

class Crud : public EngineTest {};

TEST_F(Crud, CreateAssignsIdVersionOneLocationAndEtag) {
  Reply r = call(Verb::post, "Observation", admin_, kNewObservation);
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const std::string id = r.body["id"];
  EXPECT_NE(id, "client-chosen");  // the server assigns the id on create
  EXPECT_EQ(r.body["meta"]["versionId"], "1");
  EXPECT_EQ(r.body["meta"]["lastUpdated"], "2025-06-15T15:06:40.000Z");
  EXPECT_EQ(r.body["meta"]["profile"][0], "http://example.org/p");  // other meta kept
  EXPECT_EQ(r.header(http::Field::location),
            std::string(kBase) + "/Observation/" + id + "/_history/1");
  EXPECT_EQ(r.header(http::Field::etag), "W/\"1\"");
  EXPECT_EQ(last_summary_.interaction, "create");
  EXPECT_EQ(last_summary_.resource_id, id);

  Reply read = get("Observation/" + id, admin_);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body, r.body);
  EXPECT_EQ(read.header(http::Field::etag), "W/\"1\"");
  EXPECT_EQ(read.header(http::Field::last_modified), "Sun, 15 Jun 2025 15:06:40 GMT");
  EXPECT_EQ(read.header(http::Field::content_type), "application/fhir+json; charset=utf-8");
  EXPECT_EQ(last_summary_.interaction, "read");
  EXPECT_EQ(last_summary_.resource_type, "Observation");
}

TEST_F(Crud, ReadOfImportedResourceHasServerMeta) {
  Reply r = get("Patient/demo-child-2", admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["id"], "demo-child-2");
  EXPECT_EQ(r.body["meta"]["versionId"], "1");
  EXPECT_TRUE(r.body["meta"].contains("lastUpdated"));
  EXPECT_TRUE(r.body["meta"].contains("security"));  // the demo's HTEST label survives
}

TEST_F(Crud, UpdateMakesNewVersionAndKeepsHistory) {
  Reply created = call(Verb::post, "Observation", admin_, kNewObservation);
  const std::string id = created.body["id"];
  clock_.advance(std::chrono::seconds(60));
  json next = with(created.body, "status", "amended");
  Reply updated = call(Verb::put, "Observation/" + id, admin_, next.dump());
  ASSERT_EQ(updated.status, 200) << updated.body.dump();
  EXPECT_EQ(updated.body["meta"]["versionId"], "2");
  EXPECT_EQ(updated.body["status"], "amended");
  EXPECT_EQ(updated.header(http::Field::etag), "W/\"2\"");
  EXPECT_EQ(last_summary_.interaction, "update");

  Reply v1 = get("Observation/" + id + "/_history/1", admin_);
  ASSERT_EQ(v1.status, 200);
  EXPECT_EQ(v1.body["status"], "final");
  EXPECT_EQ(last_summary_.interaction, "vread");
  Reply v2 = get("Observation/" + id + "/_history/2", admin_);
  EXPECT_EQ(v2.body["status"], "amended");
  EXPECT_EQ(get("Observation/" + id + "/_history/3", admin_).status, 404);

  Reply h = get("Observation/" + id + "/_history", admin_);
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(last_summary_.interaction, "history-instance");
  EXPECT_EQ(h.body["type"], "history");
  EXPECT_EQ(h.body["total"], 2);
  ASSERT_EQ(h.body["entry"].size(), 2u);
  EXPECT_EQ(h.body["entry"][0]["resource"]["meta"]["versionId"], "2");  // newest first
  EXPECT_EQ(h.body["entry"][0]["request"]["method"], "PUT");
  EXPECT_EQ(h.body["entry"][1]["request"]["method"], "POST");
  EXPECT_EQ(h.body["entry"][1]["response"]["etag"], "W/\"1\"");

  // The index follows the current version only.
  Reply s = get("Observation?_id=" + id + "&status=final", admin_);
  EXPECT_EQ(s.body["total"], 0);
  s = get("Observation?_id=" + id + "&status=amended", admin_);
  EXPECT_EQ(s.body["total"], 1);
}

TEST_F(Crud, UpdateOfUnknownIdCreatesIt) {
  json o = json::parse(kNewObservation);
  o["id"] = "chosen-by-client";
  Reply r = call(Verb::put, "Observation/chosen-by-client", admin_, o.dump());
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["id"], "chosen-by-client");
  EXPECT_EQ(r.body["meta"]["versionId"], "1");
  EXPECT_EQ(r.header(http::Field::location),
            std::string(kBase) + "/Observation/chosen-by-client/_history/1");
}

TEST_F(Crud, IfMatchMismatchIs412AndMatchingVersionUpdates) {
  Reply p = get("Patient/demo-solo", admin_);
  json body = with(p.body, "gender", "other");
  Reply stale =
      call(Verb::put, "Patient/demo-solo", admin_, body.dump(), {{"If-Match", "W/\"7\""}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(stale.body["resourceType"], "OperationOutcome");
  Reply ok = call(Verb::put, "Patient/demo-solo", admin_, body.dump(), {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body["meta"]["versionId"], "2");
  Reply malformed =
      call(Verb::put, "Patient/demo-solo", admin_, body.dump(), {{"If-Match", "W/\"x\""}});
  EXPECT_EQ(malformed.status, 400);
  // If-Match on a resource that does not exist cannot match.
  json fresh = with(body, "id", "no-such-patient");
  EXPECT_EQ(
      call(Verb::put, "Patient/no-such-patient", admin_, fresh.dump(), {{"If-Match", "1"}}).status,
      412);
}

TEST_F(Crud, DeleteMakesReadsGone) {
  Reply d = call(Verb::delete_, "Observation/demo-solo-obs-0001", admin_);
  ASSERT_EQ(d.status, 204) << d.body.dump();
  EXPECT_EQ(d.header(http::Field::etag), "W/\"2\"");
  EXPECT_EQ(last_summary_.interaction, "delete");
  Reply r = get("Observation/demo-solo-obs-0001", admin_);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(r.body["resourceType"], "OperationOutcome");
  EXPECT_EQ(get("Observation/demo-solo-obs-0001/_history/2", admin_).status, 410);
  EXPECT_EQ(get("Observation/demo-solo-obs-0001/_history/1", admin_).status, 200);
  Reply h = get("Observation/demo-solo-obs-0001/_history", admin_);
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.body["total"], 2);
  EXPECT_EQ(h.body["entry"][0]["request"]["method"], "DELETE");
  EXPECT_FALSE(h.body["entry"][0].contains("resource"));
  // Searches no longer find it; deleting again is idempotent; unknown ids are 404.
  EXPECT_EQ(get("Observation?_id=demo-solo-obs-0001", admin_).body["total"], 0);
  EXPECT_EQ(call(Verb::delete_, "Observation/demo-solo-obs-0001", admin_).status, 204);
  EXPECT_EQ(call(Verb::delete_, "Observation/never-was", admin_).status, 404);
  // Recreating continues the version sequence.
  Reply v1 = get("Observation/demo-solo-obs-0001/_history/1", admin_);
  Reply again = call(Verb::put, "Observation/demo-solo-obs-0001", admin_, v1.body.dump());
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body["meta"]["versionId"], "3");
}

struct ErrorCase {
  const char* name;
  Verb verb;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int status;
  const char* code;  // OperationOutcome issue code
};

class CrudErrors : public EngineTest, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(CrudErrors, AnswersOperationOutcome) {
  const ErrorCase& c = GetParam();
  Reply r = call(c.verb, c.target, admin_, c.body, c.headers);
  EXPECT_EQ(r.status, c.status) << r.body.dump();
  EXPECT_EQ(r.body["resourceType"], "OperationOutcome");
  EXPECT_EQ(r.issue_code(), c.code) << r.body.dump();
}

const std::string kPatient = R"({"resourceType":"Patient","id":"demo-solo"})";

INSTANTIATE_TEST_SUITE_P(
    All, CrudErrors,
    ::testing::Values(
        ErrorCase{"InvalidJson", Verb::post, "Patient", "{not json", {}, 400, "invalid"},
        ErrorCase{"NotAnObject", Verb::post, "Patient", "[1,2]", {}, 400, "invalid"},
        ErrorCase{"NoResourceType", Verb::post, "Patient", R"({"id":"x"})", {}, 400, "invalid"},
        ErrorCase{"MetaNotObject",
                  Verb::post,
                  "Patient",
                  R"({"resourceType":"Patient","meta":[]})",
                  {},
                  400,
                  "invalid"},
        ErrorCase{"TooDeep",
                  Verb::post,
                  "Patient",
                  R"({"resourceType":"Patient","extension":)" + std::string(200, '[') +
                      std::string(200, ']') + "}",
                  {},
                  400,
                  "invalid"},
        ErrorCase{"TypeDisagreesWithUrl",
                  Verb::post,
                  "Patient",
                  R"({"resourceType":"Observation"})",
                  {},
                  422,
                  "processing"},
        ErrorCase{"UpdateTypeDisagrees",
                  Verb::put,
                  "Patient/demo-solo",
                  R"({"resourceType":"Observation","id":"demo-solo"})",
                  {},
                  422,
                  "processing"},
        ErrorCase{"UpdateIdDisagrees",
                  Verb::put,
                  "Patient/demo-solo",
                  R"({"resourceType":"Patient","id":"demo-parent"})",
                  {},
                  422,
                  "processing"},
        ErrorCase{"UpdateWithoutId",
                  Verb::put,
                  "Patient/demo-solo",
                  R"({"resourceType":"Patient"})",
                  {},
                  400,
                  "invalid"},
        ErrorCase{"XmlBody",
                  Verb::post,
                  "Patient",
                  "<Patient/>",
                  {{"Content-Type", "application/fhir+xml"}},
                  415,
                  "not-supported"},
        ErrorCase{"UnknownType", Verb::get, "Patients/1", "", {}, 404, "not-found"},
        ErrorCase{"UnknownTypeSearch", Verb::get, "Foo?x=1", "", {}, 404, "not-found"},
        ErrorCase{"UnknownId", Verb::get, "Patient/nobody", "", {}, 404, "not-found"},
        ErrorCase{"InvalidId", Verb::get, "Patient/bad_id!", "", {}, 404, "not-found"},
        ErrorCase{
            "UnknownVersion", Verb::get, "Patient/demo-solo/_history/x", "", {}, 404, "not-found"},
        ErrorCase{"PatchNotAllowed",
                  Verb::patch,
                  "Patient/demo-solo",
                  kPatient,
                  {},
                  405,
                  "not-supported"},
        ErrorCase{
            "PostOnInstance", Verb::post, "Patient/demo-solo", kPatient, {}, 405, "not-supported"},
        ErrorCase{"PutOnType", Verb::put, "Patient", kPatient, {}, 405, "not-supported"},
        ErrorCase{"DeleteOnType", Verb::delete_, "Patient", "", {}, 405, "not-supported"},
        ErrorCase{"SystemLevel", Verb::post, "", "{}", {}, 405, "not-supported"},
        ErrorCase{
            "Operation", Verb::get, "Patient/demo-solo/$everything", "", {}, 400, "not-supported"},
        ErrorCase{"TypeHistory", Verb::get, "Patient/_history", "", {}, 400, "not-supported"},
        ErrorCase{"ConditionalCreate",
                  Verb::post,
                  "Patient",
                  kPatient,
                  {{"If-None-Exist", "identifier=x"}},
                  400,
                  "not-supported"},
        ErrorCase{"MetadataPost", Verb::post, "metadata", "{}", {}, 405, "not-supported"}),
    [](const ::testing::TestParamInfo<ErrorCase>& i) { return std::string(i.param.name); });

TEST_F(Crud, InvalidUtf8InRequestTextIsAClientError) {
  // %-decoded bytes that are not UTF-8 end up in diagnostics: still an OperationOutcome.
  EXPECT_EQ(get("Patient\xff", admin_).status, 404);
  EXPECT_EQ(get("Observation?%FF=1", admin_, {{"Prefer", "handling=strict"}}).status, 400);
  EXPECT_EQ(get("Observation?code:%FF=1", admin_).status, 400);
  EXPECT_EQ(
      call(Verb::post, "Patient", admin_, "{\"resourceType\":\"Patient\",\"x\":\"\xff\"}").status,
      400);
}

TEST_F(Crud, HistoryPagesAndRejectsBadCount) {
  Reply p = get("Patient/demo-solo", admin_);
  for (int i = 0; i < 3; ++i) {
    p.body["gender"] = i % 2 ? "male" : "other";
    p = call(Verb::put, "Patient/demo-solo", admin_, p.body.dump());
    ASSERT_EQ(p.status, 200);
  }
  Reply h = get("Patient/demo-solo/_history?_count=2", admin_);
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.body["total"], 4);
  EXPECT_EQ(h.body["entry"].size(), 2u);
  Reply next = follow(h.link("next"), admin_);
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(next.body["entry"][1]["resource"]["meta"]["versionId"], "1");
  EXPECT_EQ(next.link("next"), "");
  EXPECT_EQ(get("Patient/demo-solo/_history?_count=x", admin_).status, 400);
  EXPECT_EQ(get("Patient/demo-solo/_history?_offset=-2", admin_).status, 400);
  EXPECT_EQ(get("Patient/nobody/_history", admin_).status, 404);
}

TEST_F(Crud, AcceptsApplicationJsonAndAnswersItWhenAsked) {
  json o = json::parse(kNewObservation);
  Reply r = call(Verb::post, "Observation", admin_, o.dump(),
                 {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.header(http::Field::content_type), "application/json; charset=utf-8");
  Reply f = get("Patient/demo-solo?_format=application/json", admin_);
  EXPECT_EQ(f.header(http::Field::content_type), "application/json; charset=utf-8");
  Reply d = get("Patient/demo-solo", admin_, {{"Accept", "application/fhir+json"}});
  EXPECT_EQ(d.header(http::Field::content_type), "application/fhir+json; charset=utf-8");
}

TEST_F(Crud, PreferReturnMinimalSendsNoBody) {
  Reply r =
      call(Verb::post, "Observation", admin_, kNewObservation, {{"Prefer", "return=minimal"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_TRUE(r.raw.body().empty());
  EXPECT_FALSE(r.header(http::Field::location).empty());
}

TEST_F(Crud, CapabilityStatementAdvertisesSmartSecurityAndTypes) {
  http::Response res = engine_->capability_statement();
  ASSERT_EQ(res.result_int(), 200u);
  json cs = json::parse(res.body());
  EXPECT_EQ(cs["resourceType"], "CapabilityStatement");
  EXPECT_EQ(cs["status"], "active");
  EXPECT_EQ(cs["kind"], "instance");
  EXPECT_EQ(cs["fhirVersion"], "4.0.1");
  EXPECT_NE(std::find(cs["format"].begin(), cs["format"].end(), "json"), cs["format"].end());
  ASSERT_EQ(cs["rest"].size(), 1u);
  const json& rest = cs["rest"][0];
  EXPECT_EQ(rest["mode"], "server");
  const json& coding = rest["security"]["service"][0]["coding"][0];
  EXPECT_EQ(coding["system"], "http://terminology.hl7.org/CodeSystem/restful-security-service");
  EXPECT_EQ(coding["code"], "SMART-on-FHIR");
  const json& ext = rest["security"]["extension"][0];
  EXPECT_EQ(ext["url"], "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
  std::map<std::string, std::string> uris;
  for (const json& e : ext["extension"]) uris[e["url"]] = e["valueUri"];
  EXPECT_EQ(uris,
            (std::map<std::string, std::string>{{"authorize", std::string(kAs) + "/authorize"},
                                                {"token", std::string(kAs) + "/token"},
                                                {"introspect", std::string(kAs) + "/introspect"},
                                                {"revoke", std::string(kAs) + "/revoke"}}));
  const json* observation = nullptr;
  for (const json& r : rest["resource"]) {
    if (r["type"] == "Observation") observation = &r;
  }
  ASSERT_NE(observation, nullptr);
  std::set<std::string> interactions, params;
  for (const json& i : (*observation)["interaction"]) interactions.insert(i["code"]);
  for (const json& p : (*observation)["searchParam"]) params.insert(p["name"]);
  EXPECT_EQ(interactions, (std::set<std::string>{"read", "vread", "update", "delete",
                                                 "history-instance", "create", "search-type"}));
  for (const char* p :
       {"_id", "_lastUpdated", "patient", "subject", "category", "code", "date", "status"}) {
    EXPECT_TRUE(params.count(p)) << p;
  }
  // The same document through handle() (GET metadata), without any grant.
  TestPolicy nothing;
  Reply r = get("metadata", nothing);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, cs);
  EXPECT_EQ(last_summary_.interaction, "capabilities");
}

}  // namespace
}  // namespace tessera::fhir::testing
