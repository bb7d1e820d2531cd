// Plain-English descriptions of scopes for the consent page (Best Practices page; SCOPE-7 says a
// "*" scope should be shown as covering every type). The result is plain text: the caller must
// HTML-escape it (core::html_escape) because constraint values and unknown tokens come from the
// client. Pure code, never throws (only std::bad_alloc). Depends on scopes/scope.h only.
#pragma once

#include <string>
#include <string_view>

#include "scopes/scope.h"

namespace tessera::scopes {

// e.g. "Read and search your Observations (only where category is laboratory)",
// "Create, read, update, delete and search all your data". Patient context says "your ...",
// user context "... you can access", system context "all ...". Constraint values show the last
// segment after '|' (a token's code) for readability.
std::string describe(const ResourceScope& scope);

// openid, fhirUser, profile, launch, launch/<type>[?role=], offline_access, online_access, resource
// scopes (through describe) and a generic fallback for anything else.
std::string describe_token(std::string_view token);

}  // namespace tessera::scopes
