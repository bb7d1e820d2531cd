// FHIR R4 Patient compartment (https://hl7.org/fhir/R4/compartmentdefinition-patient.html):
// which resource types can belong to a patient's compartment, through which search parameters,
// and which element paths those parameters read. RS-4 / SCOPE-11: `patient/` scopes are limited
// to the compartment of the patient in context; compartment_patients() is the fact the resource
// server checks. SCOPE-12: Patient.link (param `link`) also places a Patient in the linked
// patient's compartment.
// Input is untrusted; nothing here throws. Depends on nlohmann_json and fhir/reference.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::fhir {

// One inclusion criterion: a search parameter name and the element path(s) it reads.
struct CompartmentParam {
  std::string name;                // e.g. "payee"
  std::vector<std::string> paths;  // e.g. {"Claim.payee.party"}
};

// Search parameter names that put a resource of this type into a Patient compartment, in the
// order of the R4 table (e.g. Observation -> {"subject", "performer"}). nullptr: the type is not
// in the Patient compartment (or is not an R4 type).
const std::vector<std::string>* compartment_params(std::string_view resource_type);

// The same criteria with their element paths. nullptr as above.
const std::vector<CompartmentParam>* compartment_definition(std::string_view resource_type);

// Element paths read by one compartment parameter (e.g. ("Condition", "patient") ->
// {"Condition.subject"}). nullptr if that type/param pair is not in the table.
const std::vector<std::string>* compartment_param_paths(std::string_view resource_type,
                                                        std::string_view param);

bool in_patient_compartment_type(std::string_view resource_type);

// All resource types of the Patient compartment table (66 in R4), sorted.
std::vector<std::string_view> patient_compartment_types();

// Patient ids whose compartment this resource is in: the id of every reference "Patient/<id>"
// (relative, versioned or absolute ending in /Patient/<id>[/_history/v]) found at the compartment
// paths of its type; for a Patient resource, also its own id. Deduplicated, sorted. Empty for
// types outside the compartment, non-objects and unresolvable (urn:uuid:, contained) references.
std::vector<std::string> compartment_patients(const nlohmann::json& resource);

// True if patient_id is in compartment_patients(resource).
bool in_patient_compartment(const nlohmann::json& resource, std::string_view patient_id);

}  // namespace tessera::fhir
