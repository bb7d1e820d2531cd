#include "fhir/engine/permits.h"

#include <algorithm>

#include "fhir/engine/common.h"
#include "fhir/search_match.h"

namespace tessera::fhir::engine {

ResourceFacts::ResourceFacts(std::string_view type, const std::string& json_text,
                             std::optional<std::vector<std::string>> patients)
    : type_(type), text_(&json_text), patients_(std::move(patients)) {}

ResourceFacts::ResourceFacts(std::string_view type, const nlohmann::json* resource,
                             std::vector<std::string> patients)
    : type_(type), given_(resource), patients_(std::move(patients)) {}

const nlohmann::json& ResourceFacts::json() {
  if (given_) return *given_;
  if (!parsed_) {
    parsed_ = nlohmann::json::parse(*text_, nullptr, false);
    if (parsed_->is_discarded()) parsed_ = nlohmann::json();
  }
  return *parsed_;
}

const std::vector<std::string>& ResourceFacts::patients() {
  if (!patients_) patients_ = data_patients(json());
  return *patients_;
}

bool constraints_match(const std::vector<std::vector<scopes::Constraint>>& sets,
                       const nlohmann::json& resource) {
  if (sets.empty()) return true;
  return std::any_of(sets.begin(), sets.end(), [&](const std::vector<scopes::Constraint>& set) {
    return std::all_of(set.begin(), set.end(), [&](const scopes::Constraint& c) {
      return resource_matches(resource, c.param, c.value);
    });
  });
}

bool permit_passes(const Permit& permit, ResourceFacts& resource, Reach reach) {
  // RS-4 / SCOPE-11: patient/ (and patient-bound user/) permits reach only their patients' data.
  if (permit.patients && is_patient_data_type(resource.type())) {
    const std::vector<std::string>& allowed = *permit.patients;
    const std::vector<std::string>& mine = resource.patients();
    auto listed = [&](const std::string& p) {
      return std::find(allowed.begin(), allowed.end(), p) != allowed.end();
    };
    const bool ok = reach == Reach::kAnyPatient
                        ? std::any_of(mine.begin(), mine.end(), listed)
                        : !mine.empty() && std::all_of(mine.begin(), mine.end(), listed);
    if (!ok) return false;
  }
  // SCOPE-6: query constraints.
  return permit.constraint_sets.empty() ||
         constraints_match(permit.constraint_sets, resource.json());
}

bool any_permit_passes(const std::vector<Permit>& permits, ResourceFacts& resource, Reach reach) {
  return std::any_of(permits.begin(), permits.end(),
                     [&](const Permit& p) { return permit_passes(p, resource, reach); });
}

bool patient_permitted(const std::vector<Permit>& permits, std::string_view patient_id) {
  return std::any_of(permits.begin(), permits.end(), [&](const Permit& p) {
    return !p.patients ||
           std::find(p.patients->begin(), p.patients->end(), patient_id) != p.patients->end();
  });
}

}  // namespace tessera::fhir::engine
