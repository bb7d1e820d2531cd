// IntrospectionPolicy: the fhir::AccessPolicy of one request, decided from the RFC 7662 answer
// alone (RS-1, RS-4, SCOPE-11). The engine enforces it; this class only says who may be reached.
//
// Per granted context (scopes::access_for; SCOPE-2/5/6/7/10), one fhir::Permit carrying the
// scope's constraint sets (SCOPE-6):
//  - patient/ : patients = {introspected `patient`} (RS-4, CTX-1). No `patient` member: no permit.
//  - user/    : from the introspected `fhirUser` (INTRO-6), reduced to "Type/id":
//      Practitioner, PractitionerRole -> every patient (nullopt) when practitioner_all_patients,
//                                        otherwise no permit;
//      Patient/X                      -> patients = {X};
//      RelatedPerson                  -> patients = {introspected `patient`} when present,
//      otherwise
//                                        no permit (kept simple: a RelatedPerson reaches exactly
//                                        the patient the AS put in context, i.e. the one the user
//                                        picked from those they may act for);
//      anything else or no fhirUser   -> no permit (fail closed: we cannot tell whose data it is).
//  - system/  : nullopt (every resource of the granted types; SCOPE-11 client policy is the AS's).
// No permit at all => Decision{allowed=false} => the engine answers 403.
//
// Trust boundary: the Introspection is the AS's word, already checked by the gateway (active,
// aud, token_type). Pure; never throws (only std::bad_alloc). Depends on: scopes, fhir, config.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "fhir/access.h"
#include "gateway/introspection.h"
#include "scopes/scope_set.h"

namespace tessera::gateway {

// "Type/id" of a fhirUser value (relative "Practitioner/9", absolute
// "https://ehr.example/fhir/Practitioner/9", optionally "/_history/n"); "" when it is not a
// literal reference to a known R4 type with a valid id.
std::string fhir_user_reference(std::string_view fhir_user);

class IntrospectionPolicy final : public fhir::AccessPolicy {
 public:
  IntrospectionPolicy(const Introspection& introspection, bool practitioner_all_patients);
  // practitioner_all_patients from FhirConfig.
  IntrospectionPolicy(const Introspection& introspection, const config::FhirConfig& config);

  fhir::Decision decide(std::string_view resource_type,
                        scopes::Interaction interaction) const override;
  // The user's own resource is readable with the token only when the user let the app know who
  // they are (the fhirUser scope was granted); otherwise the scopes alone decide.
  const std::string& fhir_user_reference() const override { return readable_user_; }

  const scopes::ScopeSet& scopes() const { return scopes_; }
  // The fhirUser as "Type/id" ("" when it is not one), whatever scopes were granted.
  const std::string& user_reference() const { return fhir_user_; }

 private:
  scopes::ScopeSet scopes_;
  std::string patient_;
  std::string fhir_user_;      // "Type/id" or ""
  std::string readable_user_;  // fhir_user_ when the fhirUser scope was granted
  // What a user/ grant reaches: nullopt = no permit; a value is the Permit's `patients`
  // (whose own nullopt means every patient).
  std::optional<std::optional<std::vector<std::string>>> user_patients_;
};

}  // namespace tessera::gateway
