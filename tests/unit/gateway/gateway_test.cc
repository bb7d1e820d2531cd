// The FHIR front door end to end: real gateway server and real fake AS on 127.0.0.1, fake engine,
// in-memory audit (RS-1/2/3/6/7, INTRO-10, OAUTH-6, CORS-1/2, DISC-1/2).
#include "gateway/gateway.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "test_support.h"

namespace tessera::gateway {
namespace {

using http::Field;
using testing::FakeAuditStore;
using testing::FakeAuthServer;
using testing::FakeEngine;
using Json = nlohmann::json;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.base_url = testing::kBaseUrl;
    cfg_.authorization_server = as_.origin();
    cfg_.introspection_url = as_.introspection_url();
    cfg_.client_id = testing::kRsClientId;
    cfg_.client_secret = testing::kRsSecret;
    cfg_.cache_ttl = std::chrono::milliseconds(5000);
    cfg_.negative_cache_ttl = std::chrono::milliseconds(1000);
    cfg_.cache_max_entries = 100;
    cfg_.introspection_timeout = std::chrono::milliseconds(300);
    cfg_.practitioner_all_patients = true;
    as_.set_json("good", testing::active_answer());
  }

  void TearDown() override {
    if (server_) server_->stop();
    // Pooled client connections belong to the server's io_context: drop them first.
    gateway_.reset();
    client_.reset();
    server_.reset();
  }

  void start() {
    client_ = std::make_unique<HttpIntrospectionClient>(cfg_);
    cache_ = std::make_unique<TokenCache>(cfg_, clock_);
    gateway_ = std::make_unique<Gateway>(cfg_, *client_, *cache_, engine_, audit_, clock_);
    gateway_->register_routes(router_, "/fhir");
    server_ = std::make_unique<testing::ServerThread>(router_.handler());
  }

  http::Response send(http::Request req) {
    if (!server_) start();
    return testing::call(server_->port(), std::move(req));
  }
  http::Response get(std::string target, std::string authorization = {}, std::string origin = {}) {
    return send(testing::get(std::move(target), std::move(authorization), std::move(origin)));
  }
  http::Response get_with_token(const std::string& token, std::string target = "/fhir/Patient/p1") {
    return get(std::move(target), "Bearer " + token);
  }

  store::AuditRecord last_audit() {
    auto r = audit_.records();
    EXPECT_FALSE(r.empty());
    return r.empty() ? store::AuditRecord{} : r.back();
  }

  static std::string header(const http::Response& res, Field f) { return std::string(res[f]); }
  static std::string issue_code(const http::Response& res) {
    auto j = Json::parse(res.body(), nullptr, false);
    if (!j.is_object() || j.value("resourceType", "") != "OperationOutcome") return "<not OO>";
    return j["issue"][0].value("code", "");
  }

  void expect_invalid_token(const http::Response& res, const std::string& description) {
    EXPECT_EQ(res.result_int(), 401);
    EXPECT_EQ(header(res, Field::www_authenticate),
              "Bearer realm=\"tessera\", error=\"invalid_token\", error_description=\"" +
                  description + "\"");
    EXPECT_EQ(issue_code(res), "login");
    EXPECT_TRUE(engine_.calls().empty());
  }

  FakeAuthServer as_;
  config::FhirConfig cfg_;
  core::ManualClock clock_{testing::kNow};
  FakeEngine engine_;
  FakeAuditStore audit_;
  http::Router router_;
  std::unique_ptr<testing::ServerThread> server_;
  std::unique_ptr<HttpIntrospectionClient> client_;
  std::unique_ptr<TokenCache> cache_;
  std::unique_ptr<Gateway> gateway_;
};

// ---- the happy path ----

TEST_F(GatewayTest, ActiveTokenReachesTheEngineWithItsPolicy) {
  auto res = get_with_token("good", "/fhir/Observation/o1?_format=json");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"resourceType":"Patient","id":"p1"})");
  auto calls = engine_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].relative_path, "Observation/o1");
  EXPECT_EQ(calls[0].fhir_user_reference, "Patient/p1");
  // RS-4: patient/*.rs for p1 -> read Observation limited to p1's compartment.
  ASSERT_TRUE(calls[0].decision.allowed);
  ASSERT_EQ(calls[0].decision.permits.size(), 1u);
  EXPECT_EQ(calls[0].decision.permits[0].patients, std::vector<std::string>{"p1"});
}

TEST_F(GatewayTest, BaseItselfGoesToTheEngine) {
  // e.g. a batch/transaction POST to [base].
  auto req = http::make_request(http::Verb::post, "/fhir", R"({"resourceType":"Bundle"})",
                                "application/fhir+json");
  req.set(Field::authorization, "Bearer good");
  EXPECT_EQ(send(std::move(req)).result_int(), 200);
  ASSERT_EQ(engine_.calls().size(), 1u);
  EXPECT_EQ(engine_.calls()[0].relative_path, "");
}

TEST_F(GatewayTest, BearerSchemeIsCaseInsensitive) {
  // OAUTH-6.
  for (const char* scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    EXPECT_EQ(get("/fhir/Patient/p1", std::string(scheme) + " good").result_int(), 200) << scheme;
  }
}

TEST_F(GatewayTest, LowercaseBearerTokenTypeIsAccepted) {
  // Ambiguity 10: token_type compares case-insensitively.
  auto j = testing::active_answer();
  j["token_type"] = "bearer";
  as_.set_json("lower", j);
  EXPECT_EQ(get_with_token("lower").result_int(), 200);
  j.erase("token_type");
  as_.set_json("none", j);
  EXPECT_EQ(get_with_token("none").result_int(), 200);
}

TEST_F(GatewayTest, AudienceArrayWithTrailingSlashIsAccepted) {
  auto j = testing::active_answer();
  j["aud"] = {"https://other.example/fhir", std::string(testing::kBaseUrl) + "/"};
  as_.set_json("multi", j);
  EXPECT_EQ(get_with_token("multi").result_int(), 200);
}

// ---- RS-3: every 401 path ----

TEST_F(GatewayTest, NoAuthorizationHeaderIs401WithBearerChallenge) {
  auto res = get("/fhir/Patient/p1");
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(header(res, Field::www_authenticate), "Bearer realm=\"tessera\"");
  EXPECT_EQ(issue_code(res), "login");
  EXPECT_EQ(as_.introspections.load(), 0);
  EXPECT_TRUE(engine_.calls().empty());
}

TEST_F(GatewayTest, MalformedAuthorizationIs401InvalidRequest) {
  for (const char* h : {"Basic cnM6c2VjcmV0", "Bearer", "Bearer ", "Bearer    ", "Bearer a b",
                        "Token good", "Bearergood"}) {
    auto res = get("/fhir/Patient/p1", h);
    EXPECT_EQ(res.result_int(), 401) << h;
    EXPECT_TRUE(header(res, Field::www_authenticate)
                    .starts_with("Bearer realm=\"tessera\", error=\"invalid_request\""))
        << h << ": " << header(res, Field::www_authenticate);
    EXPECT_EQ(issue_code(res), "login");
  }
  EXPECT_EQ(as_.introspections.load(), 0);
  EXPECT_TRUE(engine_.calls().empty());
}

TEST_F(GatewayTest, InactiveTokenIs401InvalidToken) {
  as_.set_json("revoked", {{"active", false}});
  expect_invalid_token(get_with_token("revoked"), "the access token is not active");
  // RS-3: a random token (unknown to the AS) too.
  expect_invalid_token(get_with_token("random-garbage-token"), "the access token is not active");
}

TEST_F(GatewayTest, AudienceMismatchIs401) {
  // RS-2.
  auto j = testing::active_answer();
  j["aud"] = "https://other.example/fhir";
  as_.set_json("other", j);
  expect_invalid_token(get_with_token("other"), "token not issued for this server");
  j["aud"] = {"https://other.example/fhir", "https://fhir.example/fhir/x"};
  as_.set_json("others", j);
  expect_invalid_token(get_with_token("others"), "token not issued for this server");
  j.erase("aud");
  as_.set_json("noaud", j);
  expect_invalid_token(get_with_token("noaud"), "token not issued for this server");
  // A prefix is not a match.
  j["aud"] = "https://fhir.example/fhi";
  as_.set_json("prefix", j);
  expect_invalid_token(get_with_token("prefix"), "token not issued for this server");
}

TEST_F(GatewayTest, RefreshTokenIsRefused) {
  // INTRO-10: a refresh token is never accepted as an access token.
  auto j = testing::active_answer();
  j["token_type"] = "refresh_token";
  as_.set_json("refresh", j);
  expect_invalid_token(get_with_token("refresh"), "the token is not an access token");
}

// ---- RS-6: fail closed on an unavailable AS, never cached ----

void expect_unavailable(const http::Response& res) {
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(std::string(res[Field::retry_after]), "5");
  auto j = Json::parse(res.body(), nullptr, false);
  ASSERT_TRUE(j.is_object()) << res.body();
  EXPECT_EQ(j["resourceType"], "OperationOutcome");
  EXPECT_EQ(j["issue"][0]["code"], "transient");
}

TEST_F(GatewayTest, AsUnreachableIs503) {
  cfg_.introspection_url = "http://127.0.0.1:" + std::to_string(testing::closed_port()) + "/i";
  expect_unavailable(get_with_token("good"));
  EXPECT_TRUE(engine_.calls().empty());
}

TEST_F(GatewayTest, AsStoppedIs503) {
  ASSERT_EQ(get_with_token("good").result_int(), 200);
  cache_->clear();
  as_.stop();
  expect_unavailable(get_with_token("good"));
}

TEST_F(GatewayTest, AsTimeoutIs503) {
  as_.set("slow", {200, testing::active_answer().dump(), std::chrono::milliseconds(5000)});
  expect_unavailable(get_with_token("slow"));
  EXPECT_TRUE(engine_.calls().empty());
}

TEST_F(GatewayTest, NonJsonAnswerIs503) {
  as_.set("garbage", {200, "this is not json"});
  expect_unavailable(get_with_token("garbage"));
}

TEST_F(GatewayTest, AsServerErrorIs503) {
  as_.set("t500", {500, R"({"active":true})"});
  expect_unavailable(get_with_token("t500"));
}

TEST_F(GatewayTest, AsRefusingOurCredentialsIs503) {
  // I7662-7: a 401 from the AS is our misconfiguration, not the caller's fault.
  cfg_.client_secret = "not-the-secret";
  expect_unavailable(get_with_token("good"));
}

TEST_F(GatewayTest, ErrorsAreNeverCached) {
  as_.set("t500", {500, "{}"});
  expect_unavailable(get_with_token("t500"));
  expect_unavailable(get_with_token("t500"));
  EXPECT_EQ(as_.introspections.load(), 2);
  EXPECT_EQ(cache_->size(), 0u);
  // Once the AS recovers, the very next request succeeds.
  as_.set_json("t500", testing::active_answer());
  EXPECT_EQ(get_with_token("t500").result_int(), 200);
}

// ---- cache ----

TEST_F(GatewayTest, ActiveAnswerIsCached) {
  EXPECT_EQ(get_with_token("good").result_int(), 200);
  EXPECT_EQ(get_with_token("good").result_int(), 200);
  EXPECT_EQ(as_.introspections.load(), 1);
  EXPECT_EQ(engine_.calls().size(), 2u);
  clock_.advance(std::chrono::seconds(5));  // cache_ttl elapsed: ask again
  EXPECT_EQ(get_with_token("good").result_int(), 200);
  EXPECT_EQ(as_.introspections.load(), 2);
}

TEST_F(GatewayTest, NegativeAnswerIsCachedForNegativeTtl) {
  cfg_.negative_cache_ttl = std::chrono::milliseconds(2000);
  EXPECT_EQ(get_with_token("nope").result_int(), 401);
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(get_with_token("nope").result_int(), 401);
  EXPECT_EQ(as_.introspections.load(), 1);
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(get_with_token("nope").result_int(), 401);
  EXPECT_EQ(as_.introspections.load(), 2);
}

TEST_F(GatewayTest, CacheIsBounded) {
  cfg_.cache_max_entries = 3;
  for (int i = 0; i < 10; ++i) {
    as_.set_json("t" + std::to_string(i), testing::active_answer());
    EXPECT_EQ(get_with_token("t" + std::to_string(i)).result_int(), 200);
  }
  EXPECT_LE(cache_->size(), 3u);
}

// ---- RS-3: insufficient scope ----

TEST_F(GatewayTest, Engine403GetsInsufficientScopeChallenge) {
  engine_.status = 403;
  auto res = get_with_token("good");
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_EQ(header(res, Field::www_authenticate),
            "Bearer realm=\"tessera\", error=\"insufficient_scope\"");
}

TEST_F(GatewayTest, Engine403KeepsItsOwnChallenge) {
  engine_.status = 403;
  engine_.www_authenticate =
      "Bearer error=\"insufficient_scope\", scope=\"patient/Observation.rs\"";
  auto res = get_with_token("good");
  EXPECT_EQ(header(res, Field::www_authenticate), engine_.www_authenticate);
}

TEST_F(GatewayTest, OtherEngineStatusesPassThroughWithoutChallenge) {
  engine_.status = 404;
  auto res = get_with_token("good");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.find(Field::www_authenticate), res.end());
  EXPECT_EQ(last_audit().outcome, "denied");
  engine_.status = 422;
  EXPECT_EQ(get_with_token("good").result_int(), 422);
  EXPECT_EQ(last_audit().outcome, "error");
  engine_.status = 201;
  EXPECT_EQ(get_with_token("good").result_int(), 201);
  EXPECT_EQ(last_audit().outcome, "success");
}

// ---- public endpoints ----

TEST_F(GatewayTest, MetadataNeedsNoToken) {
  auto res = get("/fhir/metadata", "", "https://app.example");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"resourceType":"CapabilityStatement"})");
  EXPECT_EQ(header(res, Field::access_control_allow_origin), "https://app.example");  // CORS-1
  EXPECT_EQ(engine_.capability_calls.load(), 1);
  EXPECT_TRUE(engine_.calls().empty());
  EXPECT_EQ(as_.introspections.load(), 0);
  EXPECT_EQ(last_audit().event, "fhir.capabilities");
}

TEST_F(GatewayTest, MetadataIgnoresEvenABadToken) {
  EXPECT_EQ(get("/fhir/metadata", "Bearer nope").result_int(), 200);
  EXPECT_EQ(as_.introspections.load(), 0);
}

TEST_F(GatewayTest, SmartConfigurationIsServedFromTheAsAndFetchedOnce) {
  // DISC-1/2, CORS-1.
  for (const char* accept : {"text/html", "application/fhir+json", ""}) {
    auto req = testing::get("/fhir/.well-known/smart-configuration", "", "https://any.example");
    if (*accept) req.set(Field::accept, accept);
    auto res = send(std::move(req));
    EXPECT_EQ(res.result_int(), 200) << accept;
    EXPECT_TRUE(header(res, Field::content_type).starts_with("application/json"));
    EXPECT_EQ(header(res, Field::access_control_allow_origin), "*");
    auto j = Json::parse(res.body(), nullptr, false);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["introspection_endpoint"], as_.introspection_url());
  }
  EXPECT_EQ(as_.discoveries.load(), 1);
  EXPECT_EQ(as_.introspections.load(), 0);
}

TEST_F(GatewayTest, SmartConfigurationFailureIs503AndRetried) {
  as_.discovery_failures_left = 1;
  expect_unavailable(get("/fhir/.well-known/smart-configuration"));
  EXPECT_EQ(get("/fhir/.well-known/smart-configuration").result_int(), 200);
  EXPECT_EQ(as_.discoveries.load(), 2);
}

TEST_F(GatewayTest, SmartConfigurationWithAsDownIs503) {
  cfg_.authorization_server = "http://127.0.0.1:" + std::to_string(testing::closed_port());
  expect_unavailable(get("/fhir/.well-known/smart-configuration"));
}

// ---- CORS ----

TEST_F(GatewayTest, PreflightIsAnsweredWithoutAToken) {
  // CORS-2: OPTIONS {base}/Patient with Access-Control-Request-* from a browser app.
  auto req = http::make_request(http::Verb::options, "/fhir/Patient");
  req.set(Field::origin, "https://app.example");
  req.set(Field::access_control_request_method, "GET");
  req.set(Field::access_control_request_headers, "authorization");
  auto res = send(std::move(req));
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_EQ(header(res, Field::access_control_allow_origin), "https://app.example");
  const auto methods = header(res, Field::access_control_allow_methods);
  for (const char* m : {"GET", "POST", "PUT", "DELETE", "OPTIONS"}) {
    EXPECT_NE(methods.find(m), std::string::npos) << m;
  }
  const auto headers = header(res, Field::access_control_allow_headers);
  for (const char* h : {"authorization", "content-type", "accept", "prefer", "if-match"}) {
    EXPECT_NE(headers.find(h), std::string::npos) << h;
  }
  EXPECT_FALSE(header(res, Field::access_control_max_age).empty());
  EXPECT_EQ(as_.introspections.load(), 0);
  EXPECT_TRUE(engine_.calls().empty());
}

TEST_F(GatewayTest, PreflightOfDiscoveryAllowsAnyOrigin) {
  auto req = http::make_request(http::Verb::options, "/fhir/.well-known/smart-configuration");
  req.set(Field::origin, "https://random.example");
  req.set(Field::access_control_request_method, "GET");
  auto res = send(std::move(req));
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_EQ(header(res, Field::access_control_allow_origin), "*");
}

TEST_F(GatewayTest, ResponsesCarryCorsHeaders) {
  auto ok = get("/fhir/Patient/p1", "Bearer good", "https://app.example");
  EXPECT_EQ(header(ok, Field::access_control_allow_origin), "https://app.example");
  EXPECT_EQ(header(ok, Field::access_control_expose_headers),
            "Location, ETag, Content-Location, WWW-Authenticate");
  EXPECT_EQ(header(ok, Field::vary), "Origin");
  // Errors too, or a browser app could not read the WWW-Authenticate challenge.
  auto denied = get("/fhir/Patient/p1", "", "https://app.example");
  EXPECT_EQ(denied.result_int(), 401);
  EXPECT_EQ(header(denied, Field::access_control_allow_origin), "https://app.example");
  EXPECT_NE(header(denied, Field::access_control_expose_headers).find("WWW-Authenticate"),
            std::string::npos);
}

TEST_F(GatewayTest, EnginesVaryIsKept) {
  engine_.headers = {{Field::vary, "Accept"}};
  auto res = get("/fhir/Patient/p1", "Bearer good", "https://app.example");
  EXPECT_EQ(header(res, Field::vary), "Accept, Origin");
}

TEST_F(GatewayTest, NoOriginNoCorsHeaders) {
  auto res = get_with_token("good");
  EXPECT_EQ(res.find(Field::access_control_allow_origin), res.end());
}

// ---- audit ----

TEST_F(GatewayTest, SuccessIsAudited) {
  engine_.summary = {"read", "Observation", "o1"};
  ASSERT_EQ(get_with_token("good", "/fhir/Observation/o1").result_int(), 200);
  auto records = audit_.records();
  ASSERT_EQ(records.size(), 1u);
  const auto& r = records[0];
  EXPECT_EQ(r.time, testing::kNow * 1000);
  EXPECT_EQ(r.event, "fhir.read");
  EXPECT_EQ(r.client_id, "app-1");
  EXPECT_EQ(r.subject, "alice");
  EXPECT_EQ(r.fhir_user, "Patient/p1");
  EXPECT_EQ(r.patient, "p1");
  EXPECT_EQ(r.on_behalf_of, "");  // the user is the patient
  EXPECT_EQ(r.interaction, "read");
  EXPECT_EQ(r.resource_type, "Observation");
  EXPECT_EQ(r.resource_id, "o1");
  EXPECT_EQ(r.outcome, "success");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.detail, "GET /Observation/o1");
}

TEST_F(GatewayTest, ProxyAccessIsAuditedAsProxy) {
  auto j = testing::active_answer();
  j["fhirUser"] = "Patient/parent";
  j["patient"] = "child";
  as_.set_json("parent", j);
  ASSERT_EQ(get_with_token("parent").result_int(), 200);
  EXPECT_EQ(last_audit().on_behalf_of, "proxy");
  EXPECT_EQ(last_audit().patient, "child");

  j["fhirUser"] = "https://fhir.example/fhir/RelatedPerson/r1";
  as_.set_json("related", j);
  ASSERT_EQ(get_with_token("related").result_int(), 200);
  EXPECT_EQ(last_audit().on_behalf_of, "proxy");

  j["fhirUser"] = "Practitioner/9";  // a clinician acts in their own role
  as_.set_json("doc", j);
  ASSERT_EQ(get_with_token("doc").result_int(), 200);
  EXPECT_EQ(last_audit().on_behalf_of, "");
}

TEST_F(GatewayTest, EveryFailureIsAuditedToo) {
  auto j = testing::active_answer();
  j["aud"] = "https://other.example/fhir";
  as_.set_json("other", j);
  as_.set("t500", {500, "{}"});
  EXPECT_EQ(get("/fhir/Patient/p1").result_int(), 401);
  EXPECT_EQ(get_with_token("nope").result_int(), 401);
  EXPECT_EQ(get_with_token("other").result_int(), 401);
  EXPECT_EQ(get_with_token("t500").result_int(), 503);
  auto records = audit_.records();
  ASSERT_EQ(records.size(), 4u);
  for (const auto& r : records) EXPECT_EQ(r.event, "fhir.auth");
  EXPECT_EQ(records[0].outcome, "denied");
  EXPECT_EQ(records[0].status, 401);
  EXPECT_EQ(records[0].detail, "GET /Patient/p1: no access token");
  EXPECT_EQ(records[1].client_id, "");       // nothing is known about an inactive token
  EXPECT_EQ(records[2].client_id, "app-1");  // an active token for elsewhere: who tried
  EXPECT_NE(records[2].detail.find("https://other.example/fhir"), std::string::npos);
  EXPECT_EQ(records[3].outcome, "error");
  EXPECT_EQ(records[3].status, 503);
}

TEST_F(GatewayTest, FailingAuditStoreDoesNotBlockTheResponse) {
  audit_.mode = FakeAuditStore::Mode::kFail;
  EXPECT_EQ(get_with_token("good").result_int(), 200);
  audit_.mode = FakeAuditStore::Mode::kThrow;
  EXPECT_EQ(get_with_token("good").result_int(), 200);
  EXPECT_EQ(get("/fhir/Patient/p1").result_int(), 401);
}

TEST_F(GatewayTest, TokensNeverReachLogsOrAudit) {
  // RS-7.
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  const std::string secret = "tsr_at_SECRETVALUE42";
  as_.set_json(secret, testing::active_answer());
  as_.set("tsr_at_DOWNVALUE43", {500, "{}"});
  EXPECT_EQ(get_with_token(secret).result_int(), 200);
  EXPECT_EQ(get_with_token("tsr_at_DOWNVALUE43").result_int(), 503);
  EXPECT_EQ(get_with_token("tsr_at_INACTIVE44").result_int(), 401);
  server_->stop();  // no log line still being written
  spdlog::set_default_logger(previous);

  const std::string text = log.str();
  EXPECT_NE(text.find("fhir GET /Patient/p1 -> 200"), std::string::npos) << text;
  for (const char* s : {"SECRETVALUE42", "DOWNVALUE43", "INACTIVE44"}) {
    EXPECT_EQ(text.find(s), std::string::npos) << s << " leaked into:\n" << text;
    for (const auto& r : audit_.records()) EXPECT_EQ(r.detail.find(s), std::string::npos);
  }
}

}  // namespace
}  // namespace tessera::gateway
