// tessera::fhir (pure part): FHIR R4 (4.0.1) knowledge that needs no I/O and no database:
// the resource type list, ids, references, the Patient compartment, search parameter
// definitions + index extraction, OperationOutcome, and parsing of import files.
//
// Trust boundary: every function here accepts untrusted JSON/strings (request bodies, files)
// and must never throw for bad input; failures are returned as values (nullopt, empty,
// core::Result). Callers decide authorization (RS-4/SCOPE-11) from the facts computed here.
// Depends on: tessera_core, nlohmann_json, the standard library. Nothing else.
#pragma once

#include <string_view>
#include <vector>

namespace tessera::fhir {

// True for every concrete resource type defined by FHIR R4 4.0.1 (146 names incl. Parameters,
// case-sensitive).
// Abstract bases ("Resource", "DomainResource") and STU3/R5-only names are not included.
bool is_known_resource_type(std::string_view type);

// All R4 resource type names, sorted (the list behind is_known_resource_type).
const std::vector<std::string_view>& all_resource_types();

// R4 id: [A-Za-z0-9\-\.]{1,64}.
bool is_valid_id(std::string_view id);

}  // namespace tessera::fhir
