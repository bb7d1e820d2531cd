#include "core/error.h"

#include <array>
#include <cstddef>

namespace tessera::core {
namespace {
constexpr std::array<ErrorInfo, static_cast<std::size_t>(kLastErrorCode) + 1> kTable = {{
    {"", 200, false},                          // kNone
    {"invalid_request", 400, true},            // kInvalidRequest
    {"invalid_client", 401, false},            // kInvalidClient
    {"invalid_grant", 400, false},             // kInvalidGrant
    {"unauthorized_client", 400, true},        // kUnauthorizedClient
    {"unsupported_grant_type", 400, false},    // kUnsupportedGrantType
    {"unsupported_response_type", 400, true},  // kUnsupportedResponseType
    {"invalid_scope", 400, true},              // kInvalidScope
    {"access_denied", 403, true},              // kAccessDenied
    {"server_error", 500, true},               // kServerError
    {"temporarily_unavailable", 503, true},    // kTemporarilyUnavailable
    {"unsupported_token_type", 400, false},    // kUnsupportedTokenType
    {"invalid_token", 401, false},             // kInvalidToken
    {"insufficient_scope", 403, false},        // kInsufficientScope
    {"not-found", 404, false},                 // kNotFound
    {"conflict", 409, false},                  // kConflict
    {"forbidden", 403, false},                 // kForbidden
    {"invalid", 400, false},                   // kBadRequest
    {"processing", 422, false},                // kUnprocessable
    {"not-supported", 405, false},             // kMethodNotAllowed
    {"too-costly", 413, false},                // kPayloadTooLarge
    {"transient", 503, false},                 // kUnavailable
    {"exception", 500, false},                 // kInternal
}};
}  // namespace

const ErrorInfo& error_info(ErrorCode code) {
  auto i = static_cast<std::size_t>(code);
  if (i >= kTable.size()) i = static_cast<std::size_t>(ErrorCode::kInternal);
  return kTable[i];
}

}  // namespace tessera::core
