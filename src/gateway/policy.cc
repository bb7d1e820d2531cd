#include "gateway/policy.h"

#include "fhir/reference.h"
#include "scopes/access.h"

namespace tessera::gateway {

std::string fhir_user_reference(std::string_view fhir_user) {
  return fhir::normalize_reference(fhir_user).value_or(std::string());
}

IntrospectionPolicy::IntrospectionPolicy(const Introspection& introspection,
                                         const config::FhirConfig& config)
    : IntrospectionPolicy(introspection, config.practitioner_all_patients) {}

IntrospectionPolicy::IntrospectionPolicy(const Introspection& introspection,
                                         bool practitioner_all_patients)
    : scopes_(scopes::ScopeSet::parse(introspection.scope)),
      patient_(introspection.patient),
      fhir_user_(gateway::fhir_user_reference(introspection.fhir_user)),
      readable_user_(scopes_.has("fhirUser") ? fhir_user_ : std::string()) {
  // SCOPE-11: user/ reaches what the user can reach; the fhirUser says who that is.
  const auto slash = fhir_user_.find('/');
  const std::string_view type = slash == std::string::npos
                                    ? std::string_view()
                                    : std::string_view(fhir_user_).substr(0, slash);
  if (type == "Practitioner" || type == "PractitionerRole") {
    if (practitioner_all_patients) user_patients_.emplace(std::nullopt);
  } else if (type == "Patient") {
    user_patients_.emplace(std::vector<std::string>{fhir_user_.substr(slash + 1)});
  } else if (type == "RelatedPerson") {
    if (!patient_.empty()) user_patients_.emplace(std::vector<std::string>{patient_});
  }
}

fhir::Decision IntrospectionPolicy::decide(std::string_view resource_type,
                                           scopes::Interaction interaction) const {
  fhir::Decision d;
  for (auto& grant : scopes::access_for(scopes_, resource_type, interaction)) {
    fhir::Permit permit;
    switch (grant.context) {
      case scopes::Context::kPatient:
        // RS-4 / CTX-1: patient/ scopes without a patient in context grant nothing.
        if (patient_.empty()) continue;
        permit.patients = std::vector<std::string>{patient_};
        break;
      case scopes::Context::kUser:
        if (!user_patients_) continue;
        permit.patients = *user_patients_;
        break;
      case scopes::Context::kSystem:
        permit.patients = std::nullopt;
        break;
    }
    permit.constraint_sets = std::move(grant.constraint_sets);  // SCOPE-6
    d.permits.push_back(std::move(permit));
  }
  d.allowed = !d.permits.empty();
  return d;
}

}  // namespace tessera::gateway
