// RFC 7662 client side: parsing answers (I7662-3/4/6, INTRO-3..9) and HttpIntrospectionClient
// against a real fake AS on 127.0.0.1 (I7662-1/2/7, fail closed on every failure).
#include "gateway/introspection.h"

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include "core/encoding.h"
#include "test_support.h"

namespace tessera::gateway {
namespace {

using core::ErrorCode;
using testing::FakeAuthServer;
namespace asio = boost::asio;

// ---- parse_introspection ----

TEST(ParseIntrospection, ActiveAnswerFillsEveryModelledMember) {
  auto j = testing::active_answer();
  j["encounter"] = "e1";
  j["fhirContext"] = nlohmann::json::array({{{"reference", "DiagnosticReport/1"}}});
  auto r = parse_introspection(j.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->active);
  EXPECT_EQ(r->scope, "launch/patient patient/*.rs openid fhirUser");
  EXPECT_EQ(r->client_id, "app-1");
  EXPECT_EQ(r->sub, "alice");
  EXPECT_EQ(r->fhir_user, "Patient/p1");
  EXPECT_EQ(r->patient, "p1");
  EXPECT_EQ(r->encounter, "e1");
  EXPECT_EQ(r->token_type, "Bearer");
  EXPECT_EQ(r->aud_raw, testing::kBaseUrl);
  EXPECT_EQ(r->aud, std::vector<std::string>{testing::kBaseUrl});
  EXPECT_EQ(r->exp, testing::kNow + 3600);
  EXPECT_EQ(r->iat, testing::kNow);
  EXPECT_TRUE(r->raw.contains("fhirContext"));  // INTRO-4 members stay reachable
}

TEST(ParseIntrospection, AudienceArrayIsListedAndDumped) {
  auto j = testing::active_answer();
  j["aud"] = {"https://a.example/fhir", 7, "https://b.example/fhir"};
  auto r = parse_introspection(j.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->aud, (std::vector<std::string>{"https://a.example/fhir", "https://b.example/fhir"}));
  EXPECT_EQ(r->aud_raw, R"(["https://a.example/fhir",7,"https://b.example/fhir"])");
}

TEST(ParseIntrospection, InactiveAnswerKeepsNothingElse) {
  // I7662-6: whatever else an inactive answer carries is ignored.
  auto r = parse_introspection(R"({"active":false,"scope":"system/*.cruds","patient":"p1"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->active);
  EXPECT_TRUE(r->scope.empty());
  EXPECT_TRUE(r->patient.empty());
  EXPECT_EQ(r->raw, nlohmann::json({{"active", false}}));
}

TEST(ParseIntrospection, WrongMemberTypesCountAsAbsent) {
  auto r = parse_introspection(
      R"({"active":true,"scope":["patient/*.rs"],"patient":5,"aud":{"x":1},"exp":"soon","iat":1.5})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->scope.empty());
  EXPECT_TRUE(r->patient.empty());
  EXPECT_TRUE(r->aud.empty());
  EXPECT_TRUE(r->aud_raw.empty());
  EXPECT_EQ(r->exp, 0);
  EXPECT_EQ(r->iat, 0);
}

// I7662-3: without a boolean `active` there is no answer: fail closed (never "inactive").
class ParseIntrospectionRejects : public ::testing::TestWithParam<const char*> {};
TEST_P(ParseIntrospectionRejects, AsUnavailable) {
  auto r = parse_introspection(GetParam());
  ASSERT_FALSE(r.ok()) << GetParam();
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}
INSTANTIATE_TEST_SUITE_P(Bodies, ParseIntrospectionRejects,
                         ::testing::Values("", "not json", "<html>", "[]", "[true]", "null", "42",
                                           R"("active")", R"({})", R"({"scope":"x"})",
                                           R"({"active":"true"})", R"({"active":1})",
                                           R"({"active":null})", R"({"active":true)"));

// ---- HttpIntrospectionClient against a real fake AS ----

TEST(BasicAuthorization, FormEncodesIdAndSecretBeforeBase64) {
  // RFC 6749 §2.3.1 (SYM-3): "rs%3Afhir:s3cr%2Bt%2F%20w%25rd", then base64.
  EXPECT_EQ(HttpIntrospectionClient::basic_authorization(testing::kRsClientId, testing::kRsSecret),
            "Basic cnMlM0FmaGlyOnMzY3IlMkJ0JTJGJTIwdyUyNXJk");
  auto parsed = http::parse_basic_auth(
      HttpIntrospectionClient::basic_authorization(testing::kRsClientId, testing::kRsSecret));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->first, testing::kRsClientId);
  EXPECT_EQ(parsed->second, testing::kRsSecret);
}

class HttpIntrospection : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.authorization_server = as_.origin();
    config_.introspection_url = as_.introspection_url();
    config_.client_id = testing::kRsClientId;
    config_.client_secret = testing::kRsSecret;
    config_.introspection_timeout = std::chrono::milliseconds(300);
  }

  core::Result<Introspection> introspect(const std::string& token) {
    if (!client_) client_ = std::make_unique<HttpIntrospectionClient>(config_);
    auto fut = asio::co_spawn(ioc_, client_->introspect(token), asio::use_future);
    ioc_.restart();
    ioc_.run();
    return fut.get();
  }

  void expect_unavailable(const std::string& token) {
    auto r = introspect(token);
    ASSERT_FALSE(r.ok()) << token;
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << token;
  }

  FakeAuthServer as_;
  config::FhirConfig config_;
  asio::io_context ioc_;  // outlives client_ (its pooled connections live on this context)
  std::unique_ptr<HttpIntrospectionClient> client_;
};

TEST_F(HttpIntrospection, PostsFormWithTokenAndHintAndGetsActiveAnswer) {
  as_.set_json("tok a+b/c", testing::active_answer());
  auto r = introspect("tok a+b/c");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_TRUE(r->active);
  EXPECT_EQ(r->patient, "p1");
  // I7662-1 / INTRO-2: form-encoded body with the token and the access_token hint.
  EXPECT_EQ(as_.last_content_type(), "application/x-www-form-urlencoded");
  auto form = http::Params::parse(as_.last_body());
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->get("token"), "tok a+b/c");
  EXPECT_EQ(form->get("token_type_hint"), "access_token");
}

TEST_F(HttpIntrospection, InactiveIsAnAnswerNotAnError) {
  auto r = introspect("unknown-token");  // the fake AS answers {"active":false}
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->active);
}

TEST_F(HttpIntrospection, ReusesTheConnectionForTheNextCall) {
  as_.set_json("a", testing::active_answer());
  ASSERT_TRUE(introspect("a").ok());
  ASSERT_TRUE(introspect("a").ok());
  EXPECT_EQ(as_.introspections.load(), 2);
}

TEST_F(HttpIntrospection, ServerErrorIsUnavailable) {
  as_.set("t500", {500, R"({"active":true})"});
  expect_unavailable("t500");
}

TEST_F(HttpIntrospection, NonJsonIsUnavailable) {
  as_.set("garbage", {200, "<html>oops</html>"});
  expect_unavailable("garbage");
}

TEST_F(HttpIntrospection, MissingActiveIsUnavailable) {
  as_.set_json("noactive", {{"scope", "system/*.rs"}});
  expect_unavailable("noactive");
}

TEST_F(HttpIntrospection, OtherStatusesAreUnavailable) {
  for (int status : {201, 302, 400, 403, 404, 503}) {
    as_.set("s", {status, R"({"active":true})"});
    expect_unavailable("s");
  }
}

TEST_F(HttpIntrospection, WrongCredentialsGive401WhichIsUnavailable) {
  // I7662-7: the AS refuses our credentials; a misconfiguration, failing closed.
  config_.client_secret = "wrong";
  as_.set_json("a", testing::active_answer());
  expect_unavailable("a");
  EXPECT_EQ(as_.introspections.load(), 1);
}

TEST_F(HttpIntrospection, TimeoutIsUnavailable) {
  as_.set("slow", {200, R"({"active":true})", std::chrono::milliseconds(5000)});
  expect_unavailable("slow");
}

TEST_F(HttpIntrospection, ClosedPortIsUnavailable) {
  config_.introspection_url = "http://127.0.0.1:" + std::to_string(testing::closed_port()) + "/i";
  expect_unavailable("a");
}

TEST_F(HttpIntrospection, StoppedServerIsUnavailable) {
  as_.set_json("a", testing::active_answer());
  ASSERT_TRUE(introspect("a").ok());  // leaves a pooled keep-alive connection behind
  as_.stop();
  expect_unavailable("a");
}

TEST_F(HttpIntrospection, DiscoversTheEndpointWhenNotConfigured) {
  config_.introspection_url.clear();  // INTRO-1: from the AS's smart-configuration
  as_.set_json("a", testing::active_answer());
  ASSERT_TRUE(introspect("a").ok());
  ASSERT_TRUE(introspect("a").ok());
  EXPECT_EQ(as_.discoveries.load(), 1);  // looked up once
  EXPECT_EQ(as_.introspections.load(), 2);
}

TEST_F(HttpIntrospection, FailedDiscoveryIsUnavailableAndRetried) {
  config_.introspection_url.clear();
  as_.discovery_failures_left = 1;
  as_.set_json("a", testing::active_answer());
  expect_unavailable("a");
  EXPECT_EQ(as_.introspections.load(), 0);
  ASSERT_TRUE(introspect("a").ok());
  EXPECT_EQ(as_.discoveries.load(), 2);
}

}  // namespace
}  // namespace tessera::gateway
