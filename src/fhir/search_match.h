// Matching of FHIR R4 search values (no modifiers, no chaining) against index rows from
// extract_index()/extract_param(). The REST layer can use it for in-memory filtering and the
// resource server for SCOPE-6 `?param=value` scope constraints on a single resource.
// Input is untrusted; nothing here throws. Depends on fhir/search_params.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/search_params.h"

namespace tessera::fhir {

// Splits a search value on unescaped ',' (OR) and removes the escapes "\,", "\|", "\$", "\\"
// from each part, except that "\|" stays escaped so token values can still be split on '|'.
std::vector<std::string> split_search_values(std::string_view value);

// A token search value split on its first unescaped '|' ("\|" is a literal bar); no '|' means
// has_system = false.
struct TokenQuery {
  bool has_system = false;
  std::string system;
  std::string code;
};
TokenQuery parse_token(std::string_view v);
// The value with "\|" unescaped.
std::string unescape_bar(std::string_view v);

// Does one row satisfy one search value (one part of split_search_values) of its parameter?
//  token:     "code" (any system), "system|code", "|code" (no system), "system|" (any code)
//  reference: "Type/id", absolute ".../Type/id", or a bare "id" (any type)
//  string:    the row starts with normalize_search_string(value)
//  id, uri:   exact
//  date:      [prefix]date with prefix eq (default) | ne | lt | gt | le | ge | sa | eb | ap,
//             using the R4 range semantics (eq: the row's range lies within the value's range)
//  number, quantity: never (not indexed)
bool row_matches(const IndexEntry& row, std::string_view value);

// Does the resource satisfy `param=value` (comma-separated values are OR)? false when the
// resource's type does not define `param` or the value is malformed.
bool resource_matches(const nlohmann::json& resource, std::string_view param,
                      std::string_view value);

}  // namespace tessera::fhir
