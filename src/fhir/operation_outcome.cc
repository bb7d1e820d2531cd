#include "fhir/operation_outcome.h"

#include <algorithm>
#include <array>
#include <string>

namespace tessera::fhir {
namespace {

// R4 IssueType (http://hl7.org/fhir/R4/valueset-issue-type.html), sorted.
constexpr std::array<std::string_view, 31> kIssueTypes = {{
    "business-rule", "code-invalid", "conflict",      "deleted",
    "duplicate",     "exception",    "expired",       "extension",
    "forbidden",     "incomplete",   "informational", "invalid",
    "invariant",     "lock-error",   "login",         "multiple-matches",
    "no-store",      "not-found",    "not-supported", "processing",
    "required",      "security",     "structure",     "suppressed",
    "throttled",     "timeout",      "too-costly",    "too-long",
    "transient",     "unknown",      "value",
}};

std::string_view issue_code_for(core::ErrorCode code) {
  using core::ErrorCode;
  switch (code) {
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kForbidden:
    case ErrorCode::kAccessDenied:
    case ErrorCode::kInsufficientScope:
      return "forbidden";
    case ErrorCode::kInvalidToken:
    case ErrorCode::kInvalidClient:
      return "login";
    case ErrorCode::kUnprocessable:
      return "processing";
    case ErrorCode::kMethodNotAllowed:
      return "not-supported";
    case ErrorCode::kPayloadTooLarge:
      return "too-costly";
    case ErrorCode::kUnavailable:
    case ErrorCode::kTemporarilyUnavailable:
      return "transient";
    case ErrorCode::kInternal:
    case ErrorCode::kServerError:
    case ErrorCode::kNone:
      return "exception";
    default:
      return "invalid";
  }
}

// Replaces every byte that is not part of a well-formed UTF-8 sequence with U+FFFD, so that
// serializing the OperationOutcome can never fail (nlohmann::json::dump throws on bad UTF-8).
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    bool ok = len > 0 && i + len <= s.size() && !(len == 2 && c < 0xC2);
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len >= 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if (len == 3)
        ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogate
      if (len == 4) ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90) && c <= 0xF4;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

}  // namespace

bool is_issue_type(std::string_view code) {
  return std::find(kIssueTypes.begin(), kIssueTypes.end(), code) != kIssueTypes.end();
}

nlohmann::json operation_outcome(std::string_view severity, std::string_view code,
                                 std::string_view diagnostics) {
  const bool known_severity = severity == "fatal" || severity == "error" || severity == "warning" ||
                              severity == "information";
  nlohmann::json issue = {
      {"severity", known_severity ? std::string(severity) : std::string("error")},
      {"code", is_issue_type(code) ? std::string(code) : std::string("processing")},
  };
  if (!diagnostics.empty()) issue["diagnostics"] = sanitize_utf8(diagnostics);
  return {{"resourceType", "OperationOutcome"}, {"issue", nlohmann::json::array({issue})}};
}

nlohmann::json operation_outcome(const core::Error& error) {
  return operation_outcome("error", issue_code_for(error.code), error.description);
}

}  // namespace tessera::fhir
