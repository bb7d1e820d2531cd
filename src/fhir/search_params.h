// FHIR R4 search parameter definitions (the subset US Core's mandatory/common searches need, plus
// _id/_lastUpdated on every type) and extraction of index rows from a resource. The store keeps
// the rows; the REST layer matches search values against them. SCOPE-6: the same rows let the
// resource server evaluate `?param=value` scope constraints on a single resource.
// Input is untrusted; nothing here throws. Depends on nlohmann_json and fhir/element_path.h.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::fhir {

enum class ParamType { kToken, kReference, kDate, kString, kId, kNumber, kQuantity, kUri };

// "token", "reference", "date", "string", "id", "number", "quantity", "uri".
std::string_view param_type_name(ParamType type);

struct SearchParamDef {
  std::string name;                // e.g. "category"
  ParamType type;                  // e.g. ParamType::kToken
  std::vector<std::string> paths;  // e.g. {"Observation.category"}; "Observation.effective" also
                                   // reads effectiveDateTime / effectivePeriod / effectiveInstant
  std::string target;  // reference params only: the one resource type counted (e.g. "Patient" for
                       // `patient` = subject.where(resolve() is Patient)); empty = any type
};

// Definition of `name` for `resource_type`, including the common _id (ParamType::kId, the
// resource id) and _lastUpdated (kDate, meta.lastUpdated; indexed by the store, not by
// extract_index). nullptr for unknown types or names.
const SearchParamDef* find_search_param(std::string_view resource_type, std::string_view name);

// All parameter names defined for the type, sorted; empty for unknown types.
std::vector<std::string> search_param_names(std::string_view resource_type);

// All parameter definitions for the type, sorted by name (nullptr for unknown types).
const std::vector<SearchParamDef>* search_params(std::string_view resource_type);

// One index row. Which fields are set depends on type:
//  kToken:     system (may be empty) + value (the code / identifier value / "true"/"false")
//  kReference: value = normalized relative "Type/id" (absolute URLs reduced to the last Type/id)
//  kDate:      [low, high] inclusive, epoch seconds UTC; kDateMin/kDateMax for open Period ends
//  kString:    value = normalize_search_string(text), one row per name/address part
//  kId, kUri:  value as is
struct IndexEntry {
  std::string param;
  ParamType type;
  std::string system;
  std::string value;
  std::int64_t low = 0;
  std::int64_t high = 0;

  friend bool operator==(const IndexEntry&, const IndexEntry&) = default;
};

constexpr std::int64_t kDateMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kDateMax = std::numeric_limits<std::int64_t>::max();

// Index rows for every defined parameter of the resource's type (except _lastUpdated),
// deduplicated, in parameter-name order. Elements of the wrong shape are skipped, never errors.
// Number/Quantity parameters produce no rows (none is defined yet).
std::vector<IndexEntry> extract_index(const nlohmann::json& resource);

// Index rows of one parameter (def must belong to the resource's type).
std::vector<IndexEntry> extract_param(const nlohmann::json& resource, const SearchParamDef& def);

// Parses a FHIR date / dateTime / instant (also minute precision "2019-01-02T10:30[Z]", as search
// values use) into the range it covers, [low, high] inclusive, in epoch seconds UTC:
// "2019" -> the whole year, "2019-02" -> month, "2019-02-03" -> day (UTC), "...T10:11:12+02:00"
// -> that second (fractions truncated). A missing time zone is taken as UTC. nullopt if malformed
// (bad shape, month 13, Feb 30, hour 24, offset > 14:00, trailing text, ...).
std::optional<std::pair<std::int64_t, std::int64_t>> parse_date_range(std::string_view text);

// Normalization used for string parameters (index and search value alike): ASCII lowercase and
// Latin-1 letters folded to ASCII ("Müller" -> "muller", "ß" -> "ss"). Other bytes unchanged.
std::string normalize_search_string(std::string_view text);

}  // namespace tessera::fhir
