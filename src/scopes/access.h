// RS side (RS-1, RS-4, RS-5, SCOPE-2/5/6/7/10/11): what a granted scope set allows for one
// FHIR interaction on one resource type. The caller still enforces the context itself (patient
// compartment for kPatient, user policy for kUser, client policy for kSystem; SCOPE-11, SCOPE-13)
// and the constraint sets (SCOPE-6). Pure code, never throws (only std::bad_alloc).
// Depends on scopes/scope_set.h only.
#pragma once

#include <string_view>
#include <vector>

#include "scopes/scope.h"
#include "scopes/scope_set.h"

namespace tessera::scopes {

struct AccessGrant {
  bool allowed = false;
  Context context = Context::kPatient;  // which context granted it
  // OR of alternatives; each alternative is an AND of constraints. Empty vector with allowed==true
  // means unconstrained. Alternatives are deduplicated and an alternative implied by a smaller one
  // (a superset of its terms) is dropped.
  std::vector<std::vector<Constraint>> constraint_sets;
};

// One AccessGrant (allowed == true) per context that grants `interaction` on `resource_type`,
// best first: system > user > patient. Empty result = not allowed (403 insufficient_scope).
// An unconstrained matching scope makes that context's grant unconstrained. SCOPE-5 union;
// SCOPE-7 "*" covers every type; SCOPE-10 write does not imply read. `resource_type` must be a
// concrete type; passing "*" asks for a grant on every type (only "*" scopes match); an empty or
// malformed type matches nothing.
std::vector<AccessGrant> access_for(const ScopeSet& scopes, std::string_view resource_type,
                                    Interaction interaction);

// True when any resource scope (any context) grants any permission on `resource_type` (directly or
// through "*"). Used to tell "type not granted at all" (RS-5) from "interaction not granted".
bool any_permission_on(const ScopeSet& scopes, std::string_view resource_type);
// Same, limited to one context.
bool any_permission_on(const ScopeSet& scopes, std::string_view resource_type, Context context);

}  // namespace tessera::scopes
