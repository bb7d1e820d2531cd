// Minimal evaluation of FHIRPath-like element paths ("Observation.effective",
// "Claim.payee.party") over FHIR JSON, as used by compartment and search parameter tables.
// Supports only dot-separated element names (no functions, filters or indexes) plus FHIR choice
// elements: "Observation.effective" also matches effectiveDateTime / effectivePeriod / ...
// Input is untrusted; nothing here throws. Depends on nlohmann_json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::fhir {

struct PathMatch {
  const nlohmann::json* value = nullptr;  // never null in results; arrays are flattened
  std::string choice_type;  // "DateTime" when "effective" matched "effectiveDateTime"; else empty
};

// Evaluates `path` against `resource`. The first segment must equal resource["resourceType"]
// (otherwise: no matches). Repeating elements are flattened; JSON nulls are skipped. A segment
// matches a key exactly or, if there is no exact key, as a choice element `<segment><Type>` where
// <Type> is an R4 data type name (DateTime, Period, CodeableConcept, Reference, ...).
// The returned pointers point into `resource` and are valid while it is alive and unmodified.
std::vector<PathMatch> select_path(const nlohmann::json& resource, std::string_view path);

}  // namespace tessera::fhir
