// Parsing of import files as Synthea writes them (FHIR R4 JSON transaction Bundles) and of
// NDJSON (one resource per line, as Bulk Data exports write them) into resources ready to store.
// Trust boundary: file content is untrusted. Any invalid entry/line rejects the whole file with a
// core::Error (code kBadRequest, description naming the 0-based entry index or 1-based line
// number and the reason). No I/O: the caller reads the file and stores the result.
// Depends on tessera_core, nlohmann_json, fhir/resource_types.h, fhir/reference.h.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::fhir {

struct ImportedResource {
  nlohmann::json resource;  // with its final "id"; every urn:uuid reference rewritten to Type/id
  std::string type;         // resource["resourceType"]
  std::string id;           // resource["id"]
  std::string origin;       // "entry 12" (bundle, 0-based) or "line 3" (NDJSON, 1-based)
};

// Maximum JSON nesting depth accepted inside one resource.
inline constexpr int kMaxImportDepth = 100;

// Parses one import file.
//  * JSON Bundle of type transaction | batch | collection: every entry needs a `resource` with a
//    known R4 resourceType. Ids: the resource's own id if present (must be valid); else the uuid of
//    a `urn:uuid:<uuid>` fullUrl, or the id of an absolute fullUrl ".../<Type>/<id>"; else
//    new_id(). Every "reference" anywhere in a resource that equals an entry's fullUrl is
//    rewritten to "<Type>/<id>"; a "urn:uuid:" reference that matches no entry is an error.
//    Bundle types searchset / history / document / message and others are refused.
//  * NDJSON (name ending .ndjson/.jsonl, or content that is not one JSON value but whose first
//    line is a JSON object): one resource per line, blank lines skipped; ids as above (own id or
//    new_id()); a "urn:uuid:<x>" reference resolves to the resource of the file whose id is <x>.
//  * A single JSON resource other than Bundle: imported as one resource.
// Minimal validation of each resource: JSON object, known resourceType, valid id, "meta" (if
// present) an object, every "reference" a string (or a nested Reference object), nesting depth at
// most kMaxImportDepth, no two resources with the same Type/id, no duplicate fullUrl.
// new_id may be empty; then a resource that needs a generated id is an error.
core::Result<std::vector<ImportedResource>> parse_import(
    std::string_view file_content, std::string_view file_name,
    const std::function<std::string()>& new_id);

}  // namespace tessera::fhir
