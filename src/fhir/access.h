// The contract between the resource-server front door (gateway) and the FHIR engine: what the
// bearer of a token may do, decided by the gateway from RFC 7662 introspection alone, and
// enforced by the engine on every read, search, include and write.
// Depends on: scopes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopes/scope.h"

namespace tessera::fhir {

// One way a request may be allowed. A resource passes a Permit when
//  - patients is nullopt (no compartment restriction), or the resource's type is not in the
//    Patient compartment at all (e.g. Practitioner, Organization, Medication), or the resource is
//    in the compartment of one of `patients` (a Patient resource: its id is one of them); and
//  - it matches one of constraint_sets (SCOPE-6 query constraints: OR of ANDs), or
//    constraint_sets is empty (unconstrained).
struct Permit {
  std::optional<std::vector<std::string>> patients;
  std::vector<std::vector<scopes::Constraint>> constraint_sets;
};

struct Decision {
  bool allowed = false;         // false: the scopes grant nothing for (type, interaction) -> 403
  std::vector<Permit> permits;  // OR; non-empty when allowed
};

class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;
  virtual Decision decide(std::string_view resource_type,
                          scopes::Interaction interaction) const = 0;
  // The token's own FHIR user resource ("Practitioner/123"), always readable with the token, or "".
  virtual const std::string& fhir_user_reference() const = 0;
};

// Grants everything (admin tools, import).
class UnrestrictedPolicy final : public AccessPolicy {
 public:
  Decision decide(std::string_view, scopes::Interaction) const override {
    return Decision{true, {Permit{}}};
  }
  const std::string& fhir_user_reference() const override { return empty_; }

 private:
  std::string empty_;
};

// What the engine reports back for the audit record.
struct RequestSummary {
  std::string interaction;  // "read", "vread", "search-type", "create", "update", "delete",
                            // "capabilities", ...
  std::string resource_type;
  std::string resource_id;
};

}  // namespace tessera::fhir
