// Translation of FHIR search requests (and SCOPE-6 scope constraints) into store::Filter
// conditions the SQL layer evaluates, with the semantics of fhir::row_matches / resource_matches
// (same token, reference, string and date rules), so a constraint filters a search exactly as it
// filters a read.
// Trust boundary: parameter names and values are attacker-controlled; malformed input becomes a
// Problem (user parameters) or a condition that matches nothing (scope constraints). Internal to
// tessera_fhir_engine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhir/access.h"
#include "fhir/engine/common.h"
#include "fhir/search_params.h"
#include "store/resource_store.h"

namespace tessera::fhir::engine {

// `_include=Source:param[:Target]` / `_revinclude=...`; param "*" = every reference parameter.
struct IncludeSpec {
  std::string source_type;
  std::string param;
  std::string target_type;  // empty: any
};

struct SearchLimits {
  int default_count = 50;
  int max_count = 500;
};

// Maximum number of values (leaves and list items) a request's own parameters may produce:
// bounds the SQL text, its expression depth and its bound variables.
inline constexpr std::size_t kMaxSearchLeaves = 300;
// Maximum number of _include + _revinclude specifications.
inline constexpr std::size_t kMaxIncludes = 10;

struct ParsedSearch {
  store::Filter filter;                     // the request's own parameters (AND of OR groups)
  std::vector<store::SortKey> sort;         // _sort
  int count = 50;                           // _count, clamped to the maximum
  std::int64_t offset = 0;                  // _offset
  bool summary_count = false;               // _summary=count or _count=0: total only
  bool with_total = true;                   // false for _total=none
  std::vector<IncludeSpec> includes;        // _include
  std::vector<IncludeSpec> revincludes;     // _revinclude
  std::vector<std::string> named_patients;  // patient ids the request names (RS-4 checks)
  // The parameters to repeat in Bundle links (everything but _count / _offset), in request order.
  std::vector<std::pair<std::string, std::string>> link_params;
};

// Parses the parameters of a type-level search. strict: `Prefer: handling=strict` (unknown or
// unsupported parameters are errors instead of being ignored). Chained parameters, _has, _filter,
// _query, _list and unsupported modifiers are always errors (400).
Outcome<ParsedSearch> parse_search(std::string_view type,
                                   const std::vector<std::pair<std::string, std::string>>& params,
                                   bool strict, const SearchLimits& limits);

// The condition for one value of a parameter of `type` (comma-separated parts are OR), with the
// exact semantics of fhir::resource_matches(resource, param, value): used for SCOPE-6 constraints.
// Unknown parameters and malformed values give Filter::never().
store::Filter constraint_filter(std::string_view type, std::string_view param,
                                std::string_view value);

// SCOPE-6 constraint sets (OR of ANDs; empty = unconstrained) as a condition.
store::Filter constraint_sets_filter(std::string_view type,
                                     const std::vector<std::vector<scopes::Constraint>>& sets);

// Patients whose compartments hold every resource of `type` that `filter` (a request's own
// parameters) matches; empty when the filter implies none. A top-level reference condition
// qualifies when all its values are "Patient/<id>" and every element it reads is read by a
// Patient compartment parameter of the type: Observation?patient=x reads Observation.subject,
// which puts the Observation in x's compartment (the index row and the compartment row are
// derived from the same element of the same write, by the same reference parsing).
std::vector<std::string> implied_patients(std::string_view type, const store::Filter& filter);

// RS-4 / SCOPE-11 / SCOPE-6: the resources of `type` some permit lets through, as a condition
// (OR over permits of: compartment membership AND constraint sets). `implied`: the result of
// implied_patients() for the request's filter, which is ANDed with this condition; a permit that
// reaches all of them needs no compartment condition (the filter already confines the matches to
// those compartments), which spares a per-row compartment lookup.
store::Filter access_filter(std::string_view type, const std::vector<Permit>& permits,
                            const std::vector<std::string>& implied = {});

}  // namespace tessera::fhir::engine
