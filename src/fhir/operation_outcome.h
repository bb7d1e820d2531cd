// FHIR R4 OperationOutcome construction for error responses of the FHIR API.
// Diagnostics go on the wire: callers pass public text only (core::Error::description, never
// Error::detail). Depends on nlohmann_json and core/error.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.h"

namespace tessera::fhir {

// {"resourceType":"OperationOutcome","issue":[{"severity":..,"code":..,"diagnostics":..}]}.
// severity: fatal | error | warning | information (anything else becomes "error").
// code: an R4 IssueType code, e.g. invalid, not-found, forbidden, security, login,
// not-supported, processing, exception, too-costly, transient (unknown codes become
// "processing"). Empty diagnostics are omitted.
nlohmann::json operation_outcome(std::string_view severity, std::string_view code,
                                 std::string_view diagnostics);

// True for the R4 IssueType codes (http://hl7.org/fhir/issue-type).
bool is_issue_type(std::string_view code);

// OperationOutcome for a core::Error: severity "error", the IssueType matching error.code
// (e.g. kNotFound -> not-found, kForbidden/kInsufficientScope -> forbidden, kInvalidToken ->
// login, kBadRequest -> invalid), diagnostics = error.description.
nlohmann::json operation_outcome(const core::Error& error);

}  // namespace tessera::fhir
