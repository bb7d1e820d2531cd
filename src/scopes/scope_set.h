// ScopeSet: a parsed, space-separated `scope` value (RFC 6749 §3.3, OAUTH-5), plus the AS-side
// operations on it: narrowing a request to what may be granted (SCOPE-8, BACKEND-6) and the
// "within" test for refresh down-scoping (REFRESH-5) and consent un-ticking.
// Pure code, never throws (only std::bad_alloc). Depends on scopes/scope.h only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scopes/scope.h"

namespace tessera::scopes {

class ScopeSet {
 public:
  ScopeSet() = default;

  // Splits on ' ' (any run of spaces, leading/trailing ignored), keeps order, drops exact
  // duplicates. Never fails: tokens that are neither resource scopes nor known SMART tokens are
  // kept and reported by unknown(). Only ' ' separates (RFC 6749 §3.3); a tab is part of a token.
  static ScopeSet parse(std::string_view space_separated);

  const std::vector<std::string>& all() const { return all_; }  // original text, in order
  const std::vector<ResourceScope>& resource_scopes() const { return resources_; }
  bool has(std::string_view token) const;   // exact (case-sensitive, OAUTH-5) token present
  bool has_context(Context context) const;  // any resource scope with this context
  std::string to_string() const;            // space-joined all()
  bool empty() const { return all_.empty(); }
  std::size_t size() const { return all_.size(); }
  // Tokens that are not valid resource scopes and not one of: openid, fhirUser, profile, launch,
  // launch/<lowercase type>[?role=<uri>], offline_access, online_access. In order.
  std::vector<std::string> unknown() const;

  friend bool operator==(const ScopeSet& a, const ScopeSet& b) { return a.all_ == b.all_; }

 private:
  friend ScopeSet narrow(const ScopeSet& requested, const ScopeSet& allowed);
  // Appends a token that holds no space and is not present yet (the caller deduplicates).
  void add(std::string token);

  std::vector<std::string> all_;
  std::vector<ResourceScope> resources_;
};

// AS side (SCOPE-8, BACKEND-6): what may be granted. For each requested token:
// - a non-resource token is granted if `allowed` has the exact same token;
// - a resource scope is granted as its intersection with the allowed scopes of the same context:
//   same type (or allowed type "*"; requested "*" against allowed specific types yields those
//   types), permissions ANDed, constraints: allowed unconstrained -> keep requested constraints;
//   allowed constrained -> only if requested constraints equal allowed ones (as a set) or
//   requested is unconstrained (then take allowed's constraints).
// Grants that come out empty are dropped; pieces of one requested scope that share type and
// constraints are merged (SCOPE-5: .r + .s -> .rs) and pieces covered by another piece of the same
// request are dropped. A grant identical to the request is returned verbatim; otherwise the v1/v2
// spelling of the request is kept when the permissions are unchanged (SCOPE-4: v1 asked => v1
// returned) and v2 letters in cruds order are written otherwise. Constraint text is copied
// verbatim from the scope it came from. Deduplicated (exact text and same meaning), request order.
ScopeSet narrow(const ScopeSet& requested, const ScopeSet& allowed);

// True when every permission `narrower` grants is granted by `wider` (REFRESH-5, consent). Resource
// scopes are compared semantically per permission letter (patient/Observation.r
// patient/Observation.s is within patient/Observation.rs, and vice versa); a wider scope covers a
// narrower one when its type is "*" or the same, and its constraints are a subset of the
// narrower's (fewer AND terms = wider). Non-resource tokens (including unknown ones) by exact
// match. Conservative: an alternative that can only be covered by combining constrained scopes is
// "not within".
bool is_within(const ScopeSet& narrower, const ScopeSet& wider);

}  // namespace tessera::scopes
