#include "scopes/access.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace tessera::scopes {
namespace {

// SCOPE-7: "*" covers every type, now and later. A "*" query only matches "*" scopes.
bool type_matches(const ResourceScope& scope, std::string_view resource_type) {
  return scope.resource_type == "*" || scope.resource_type == resource_type;
}

bool valid_query_type(std::string_view t) {
  if (t == "*") return true;
  if (t.empty() || t.front() < 'A' || t.front() > 'Z') return false;
  return std::all_of(t.begin(), t.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

// Every term of `small` is in `big`: `small` alone already allows whatever `big` allows.
bool subset_of(const std::vector<Constraint>& small, const std::vector<Constraint>& big) {
  return std::all_of(small.begin(), small.end(), [&](const Constraint& c) {
    return std::find(big.begin(), big.end(), c) != big.end();
  });
}

// OR of AND-sets: drop repeats and alternatives implied by a smaller one (A | (A & B) == A).
std::vector<std::vector<Constraint>> simplify(std::vector<std::vector<Constraint>> sets) {
  std::vector<bool> dropped(sets.size(), false);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (std::size_t j = 0; j < sets.size() && !dropped[i]; ++j) {
      if (i == j || dropped[j] || !subset_of(sets[j], sets[i])) continue;
      if (subset_of(sets[i], sets[j]) && i < j) continue;  // same set: keep the earlier
      dropped[i] = true;
    }
  }
  std::vector<std::vector<Constraint>> out;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (!dropped[i]) out.push_back(std::move(sets[i]));
  }
  return out;
}

}  // namespace

std::vector<AccessGrant> access_for(const ScopeSet& scopes, std::string_view resource_type,
                                    Interaction interaction) {
  std::vector<AccessGrant> out;
  const std::uint8_t needed = permission_for(interaction);
  if (needed == 0 || !valid_query_type(resource_type)) return out;
  // Best first: system > user > patient.
  constexpr std::array<Context, 3> kOrder = {Context::kSystem, Context::kUser, Context::kPatient};
  for (Context context : kOrder) {
    bool any = false;
    bool unconstrained = false;
    std::vector<std::vector<Constraint>> sets;
    for (const ResourceScope& s : scopes.resource_scopes()) {
      // SCOPE-10: only the exact letter counts (write never implies read). SCOPE-5: union.
      if (s.context != context || (s.permissions & needed) == 0 ||
          !type_matches(s, resource_type)) {
        continue;
      }
      any = true;
      if (s.constraints.empty()) {
        unconstrained = true;  // SCOPE-6: no suffix, no narrowing
      } else if (!unconstrained) {
        sets.push_back(s.constraints);
      }
    }
    if (!any) continue;
    AccessGrant grant;
    grant.allowed = true;
    grant.context = context;
    if (!unconstrained) grant.constraint_sets = simplify(std::move(sets));
    out.push_back(std::move(grant));
  }
  return out;
}

bool any_permission_on(const ScopeSet& scopes, std::string_view resource_type) {
  if (!valid_query_type(resource_type)) return false;
  return std::any_of(
      scopes.resource_scopes().begin(), scopes.resource_scopes().end(),
      [&](const ResourceScope& s) { return s.permissions != 0 && type_matches(s, resource_type); });
}

bool any_permission_on(const ScopeSet& scopes, std::string_view resource_type, Context context) {
  if (!valid_query_type(resource_type)) return false;
  return std::any_of(scopes.resource_scopes().begin(), scopes.resource_scopes().end(),
                     [&](const ResourceScope& s) {
                       return s.context == context && s.permissions != 0 &&
                              type_matches(s, resource_type);
                     });
}

}  // namespace tessera::scopes
