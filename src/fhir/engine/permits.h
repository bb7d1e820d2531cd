// In-memory evaluation of fhir::Permit (access.h) against one stored or submitted resource:
// RS-4 / SCOPE-11 compartment membership and SCOPE-6 constraint sets. The SQL form of the same
// rules (for searches) is access_filter() in search.h. Internal to tessera_fhir_engine.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/access.h"

namespace tessera::fhir::engine {

// A resource as the checks see it; the JSON is parsed only when a constraint needs it, and the
// patients are computed from it only when the caller did not already know them.
class ResourceFacts {
 public:
  // patients: whose data it is (store compartment rows), or nullopt to derive from the JSON.
  ResourceFacts(std::string_view type, const std::string& json_text,
                std::optional<std::vector<std::string>> patients);
  // An already parsed resource (must outlive this object).
  ResourceFacts(std::string_view type, const nlohmann::json* resource,
                std::vector<std::string> patients);

  std::string_view type() const { return type_; }
  const std::vector<std::string>& patients();
  const nlohmann::json& json();  // null when the text is not JSON

 private:
  std::string type_;
  const std::string* text_ = nullptr;
  const nlohmann::json* given_ = nullptr;
  std::optional<nlohmann::json> parsed_;
  std::optional<std::vector<std::string>> patients_;
};

// kAnyPatient (reads): the resource is in the compartment of one of the permit's patients, as
// access.h defines. kAllPatients (writes): every patient whose data it is must be one of them,
// and it must be some patient's data (no writing into, or orphaning out of, a compartment).
enum class Reach { kAnyPatient, kAllPatients };

bool permit_passes(const Permit& permit, ResourceFacts& resource, Reach reach);
bool any_permit_passes(const std::vector<Permit>& permits, ResourceFacts& resource, Reach reach);

// SCOPE-6: OR of ANDs of `param=value` (empty: unconstrained), by fhir::resource_matches.
bool constraints_match(const std::vector<std::vector<scopes::Constraint>>& sets,
                       const nlohmann::json& resource);

// May a search of a patient-data type name this patient (some permit is unrestricted or lists it)?
bool patient_permitted(const std::vector<Permit>& permits, std::string_view patient_id);

}  // namespace tessera::fhir::engine
