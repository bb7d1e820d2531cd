// FHIR R4 Reference.reference strings: parsing literal references into (type, id).
// Input is untrusted; nothing here throws. Depends on fhir/resource_types.h only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::fhir {

struct ParsedReference {
  std::string type;  // a known R4 resource type
  std::string id;    // a valid R4 id
};

// Parses a literal reference: relative "Patient/123", versioned "Patient/123/_history/2", or
// absolute "https://ehr.example/fhir/Patient/123[/_history/2]" (reduced to its last Type/id).
// nullopt for anything else: empty, contained ("#x"), "urn:uuid:..."/"urn:oid:...",
// conditional/search URLs ("Patient?identifier=x"), unknown type, invalid id.
std::optional<ParsedReference> parse_reference(std::string_view reference);

// parse_reference() as "Type/id".
std::optional<std::string> normalize_reference(std::string_view reference);

}  // namespace tessera::fhir
