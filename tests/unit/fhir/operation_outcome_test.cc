#include "fhir/operation_outcome.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::fhir {
namespace {

using nlohmann::json;

TEST(OperationOutcome, HasTheR4Shape) {
  json oo = operation_outcome("error", "not-found", "Observation/1 is not known");
  EXPECT_EQ(oo, json::parse(R"({"resourceType":"OperationOutcome","issue":[
      {"severity":"error","code":"not-found","diagnostics":"Observation/1 is not known"}]})"));
}

TEST(OperationOutcome, KeepsEveryR4IssueCodeTheServerUses) {
  for (const char* code :
       {"invalid",       "not-found",     "forbidden", "security",   "login",
        "not-supported", "processing",    "exception", "too-costly", "transient",
        "conflict",      "business-rule", "structure", "required",   "value",
        "code-invalid",  "deleted",       "throttled", "timeout",    "informational"}) {
    EXPECT_TRUE(is_issue_type(code)) << code;
    EXPECT_EQ(operation_outcome("error", code, "x")["issue"][0]["code"], code);
  }
}

TEST(OperationOutcome, UnknownCodesAndSeveritiesAreReplaced) {
  EXPECT_FALSE(is_issue_type("not_found"));
  EXPECT_FALSE(is_issue_type(""));
  json oo = operation_outcome("catastrophic", "not_found", "x");
  EXPECT_EQ(oo["issue"][0]["severity"], "error");
  EXPECT_EQ(oo["issue"][0]["code"], "processing");
  for (const char* s : {"fatal", "error", "warning", "information"}) {
    EXPECT_EQ(operation_outcome(s, "invalid", "x")["issue"][0]["severity"], s);
  }
}

TEST(OperationOutcome, EmptyDiagnosticsAreOmitted) {
  json oo = operation_outcome("warning", "processing", "");
  EXPECT_FALSE(oo["issue"][0].contains("diagnostics"));
}

TEST(OperationOutcome, InvalidUtf8InDiagnosticsCannotBreakSerialization) {
  json oo = operation_outcome("error", "invalid", "bad \xC3( \xFF end \xE2\x82");
  std::string text;
  ASSERT_NO_THROW(text = oo.dump());
  EXPECT_EQ(oo["issue"][0]["diagnostics"],
            "bad \xEF\xBF\xBD( \xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD");
  // Valid multi-byte text is kept.
  EXPECT_EQ(operation_outcome("error", "invalid", "Müller €")["issue"][0]["diagnostics"],
            "Müller €");
}

TEST(OperationOutcome, FromCoreErrorUsesDescriptionNotDetail) {
  using core::ErrorCode;
  struct Case {
    ErrorCode code;
    const char* issue;
  };
  const Case cases[] = {
      {ErrorCode::kNotFound, "not-found"},
      {ErrorCode::kForbidden, "forbidden"},
      {ErrorCode::kInsufficientScope, "forbidden"},
      {ErrorCode::kAccessDenied, "forbidden"},
      {ErrorCode::kInvalidToken, "login"},
      {ErrorCode::kBadRequest, "invalid"},
      {ErrorCode::kInvalidRequest, "invalid"},
      {ErrorCode::kUnprocessable, "processing"},
      {ErrorCode::kMethodNotAllowed, "not-supported"},
      {ErrorCode::kPayloadTooLarge, "too-costly"},
      {ErrorCode::kUnavailable, "transient"},
      {ErrorCode::kInternal, "exception"},
      {ErrorCode::kConflict, "conflict"},
  };
  for (const Case& c : cases) {
    json oo = operation_outcome(core::make_error(c.code, "public text", "secret detail"));
    EXPECT_EQ(oo["issue"][0]["code"], c.issue) << static_cast<int>(c.code);
    EXPECT_EQ(oo["issue"][0]["severity"], "error");
    EXPECT_EQ(oo["issue"][0]["diagnostics"], "public text");
    EXPECT_EQ(oo.dump().find("secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace tessera::fhir
