// tessera_scopes: SMART App Launch v2 scope grammar and semantics (spec §7 SCOPE-*, §8 RS-*).
//
// Purpose: parse scope strings (v2 `patient/Observation.rs?category=...` and v1
// `patient/Observation.read|write|*`), classify the other SMART tokens (openid, launch/..., ...),
// narrow a request against what a client may be granted (AS side), decide one FHIR interaction
// (RS side) and describe scopes for a consent page.
//
// Trust boundary: every input here is attacker-controlled (authorize/token request parameters,
// introspection results, registration data). The code is pure (no I/O, no globals, no logging),
// never throws for any input (only std::bad_alloc can escape), and is fuzzed. Anything that does
// not match the grammar exactly is rejected, never reinterpreted (SCOPE-3, OAUTH-5).
//
// Dependencies: the C++ standard library and tessera_core (core/encoding.h for %-decoding) only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::scopes {

// SCOPE-1 / SCOPE-11: who the data belongs to.
enum class Context { kPatient, kUser, kSystem };

// SCOPE-1 permission letters, as a bitmask; `cruds` order is bit order.
enum Permission : std::uint8_t { kCreate = 1, kRead = 2, kUpdate = 4, kDelete = 8, kSearch = 16 };
inline constexpr std::uint8_t kAllPermissions = 31;  // c|r|u|d|s

// FHIR RESTful interactions that scopes decide (SCOPE-2).
enum class Interaction {
  kCreate,
  kRead,
  kVread,
  kHistoryInstance,
  kUpdate,
  kPatch,
  kDelete,
  kSearch,
  kHistoryType
};

// SCOPE-2 mapping: create->c; read/vread/history-instance->r; update/patch->u; delete->d;
// search/history-type->s. An out-of-range value gives 0 (nothing allows it).
std::uint8_t permission_for(Interaction interaction);

// One `param=value` term of a v2 query constraint (SCOPE-6). `param` is kept as written (it is
// restricted to [A-Za-z0-9_.:-]); `value` is %-decoded ('+' is kept literally, not turned into a
// space) and is non-empty, valid UTF-8 without control characters.
struct Constraint {
  std::string param;
  std::string value;
  friend bool operator==(const Constraint&, const Constraint&) = default;
};

struct ResourceScope {
  Context context = Context::kPatient;
  std::string resource_type;            // "Observation" or "*"
  std::uint8_t permissions = 0;         // bitmask of Permission, never 0 after parsing
  std::vector<Constraint> constraints;  // SCOPE-6: all must match (AND); empty = unconstrained
  bool v1 = false;                      // written as .read/.write/.* (SCOPE-4)
  std::string text;                     // the original scope string, verbatim
  friend bool operator==(const ResourceScope&, const ResourceScope&) = default;
};

// Parses one resource scope (v1: patient/Observation.read|write|*, v2: patient/Observation.rs?...).
// Rejects (nullopt): unknown context, bad resource type (must be "*" or [A-Z][A-Za-z]*), empty
// permissions, letters out of order or repeated or unknown (SCOPE-3: ".dus" rejected, never
// reinterpreted), case variants ("Patient/..." is not "patient/...", OAUTH-5), malformed query
// (empty param, missing '=', empty value, bad %-escape, decoded control character or invalid
// UTF-8), a query on a v1 scope (v1 has no query syntax), and any character outside the RFC 6749
// §3.3 scope-token set (%x21 / %x23-5B / %x5D-7E).
std::optional<ResourceScope> parse_resource_scope(std::string_view s);

// "patient" / "user" / "system".
std::string_view context_name(Context context);
// Permission letters in `cruds` order, e.g. kRead|kSearch -> "rs"; 0 -> "".
std::string permission_letters(std::uint8_t permissions);
// Canonical scope string built from the fields (ignores `text`): v1 spelling when `v1` is set, the
// permissions are exactly rs/cud/cruds and there are no constraints; otherwise v2 letters. Values
// are %-encoded only where needed to parse back to the same constraints.
std::string format_resource_scope(const ResourceScope& scope);

// True when both constraint lists mean the same AND (order and repeats do not matter).
bool same_constraints(const std::vector<Constraint>& a, const std::vector<Constraint>& b);

// Kinds of tokens a scope string may hold besides resource scopes (SCOPE-16..18, OIDC, REFRESH).
enum class TokenKind {
  kResource,       // a valid resource scope (parse_resource_scope succeeds)
  kOpenId,         // openid
  kFhirUser,       // fhirUser
  kProfile,        // profile
  kLaunch,         // launch (EHR launch)
  kLaunchContext,  // launch/<lowercase type>[?role=<uri>], e.g. launch/patient
  kOfflineAccess,  // offline_access
  kOnlineAccess,   // online_access
  kUnknown,        // anything else (including extension scopes, SCOPE-14)
};
TokenKind classify_token(std::string_view token);

// launch/<type>[?role=<role>] (SCOPE-16..18). `type` is [a-z]+ as written ("patient",
// "imagingstudy"); `role` is the %-decoded role URI or empty. At most one role (SCOPE-18): a second
// parameter, an empty role or any parameter other than `role` is rejected.
struct LaunchScope {
  std::string type;
  std::string role;
  friend bool operator==(const LaunchScope&, const LaunchScope&) = default;
};
std::optional<LaunchScope> parse_launch_scope(std::string_view token);

// SCOPE-14: extension scope names start with "__" or are absolute URIs (scheme ":" ...).
// classify_token still reports them as kUnknown; this lets the AS decide to pass them through.
bool is_extension_scope(std::string_view token);

}  // namespace tessera::scopes
