// The one error vocabulary of Tessera. Each ErrorCode maps (error.cc) to its wire string, its
// HTTP status and whether an authorization-endpoint error may be redirected to the client.
// `description` goes on the wire; `detail` only reaches logs.
#pragma once

#include <string>
#include <string_view>

namespace tessera::core {

enum class ErrorCode {
  kNone = 0,
  // RFC 6749 §4.1.2.1 / §5.2
  kInvalidRequest,
  kInvalidClient,
  kInvalidGrant,
  kUnauthorizedClient,
  kUnsupportedGrantType,
  kUnsupportedResponseType,
  kInvalidScope,
  kAccessDenied,
  kServerError,
  kTemporarilyUnavailable,
  // RFC 7009 §2.2.1
  kUnsupportedTokenType,
  // RFC 6750 §3.1
  kInvalidToken,
  kInsufficientScope,
  // Generic (FHIR, storage, admin)
  kNotFound,
  kConflict,
  kForbidden,
  kBadRequest,
  kUnprocessable,
  kMethodNotAllowed,
  kPayloadTooLarge,
  kUnavailable,
  kInternal,
};

struct ErrorInfo {
  std::string_view wire;  // e.g. "invalid_request"
  int http_status;        // e.g. 400
  bool may_redirect;      // may be sent to a validated redirect_uri (authorize endpoint)
};

const ErrorInfo& error_info(ErrorCode code);
// Every enumerator, for tests that walk the table.
constexpr ErrorCode kLastErrorCode = ErrorCode::kInternal;

struct Error {
  ErrorCode code = ErrorCode::kNone;
  std::string description;  // public, safe for the wire
  std::string detail;       // private, logs only

  std::string_view wire() const { return error_info(code).wire; }
  int http_status() const { return error_info(code).http_status; }
};

inline Error make_error(ErrorCode code, std::string description, std::string detail = {}) {
  return Error{code, std::move(description), std::move(detail)};
}

}  // namespace tessera::core
