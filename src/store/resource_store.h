// ResourceStore: versioned storage of FHIR resources as opaque JSON text, with the search index and
// Patient-compartment membership the caller computed for each version. The store knows nothing of
// FHIR (tessera_fhir_engine computes index rows and compartments); it stores, versions and
// filters. Every value reaches SQL as a bound parameter, never as SQL text.
//
// Tables (migration 2): `resources` holds the current version of each (type, id) — for a deleted
// resource its last live content with deleted = 1 —, `resource_history` every version (a deletion
// is a version with empty json), `search_index` the index rows of current live versions,
// `compartments` the patient ids whose data each resource is (kept after deletion, so a deleted
// resource can still be access-checked).
//
// Depends on: core. Thread-safe like every store interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::store {

struct ResourceRow {
  std::string type;
  std::string id;
  std::int64_t version = 0;          // 1, 2, ...
  std::int64_t last_updated_ms = 0;  // epoch milliseconds
  bool deleted = false;              // read_resource: json is then the last live content;
                                     // history/vread: json is empty for the deletion version
  std::string json;
  // read_resource() only: the patient ids of the `compartments` rows of this resource, sorted.
  std::vector<std::string> compartment;
};

// One search_index row (see fhir::IndexEntry): token system+value, reference value "Type/id",
// string normalized value, date [low, high] in epoch seconds.
struct IndexRow {
  std::string param;
  std::string system;
  std::string value;
  std::int64_t low = 0;
  std::int64_t high = 0;
};

struct ResourceWrite {
  std::string type;
  std::string id;
  std::string json;  // stored verbatim (the caller has set meta.versionId / meta.lastUpdated)
  std::vector<IndexRow> index;
  std::vector<std::string> compartment;  // patient ids
  std::int64_t last_updated_ms = 0;
  // When set: the current version (0 = the resource never existed) must equal it, else kConflict.
  std::optional<std::int64_t> expected_version;
};

// Date comparison of an index row's range [L, H] with a search range [a, b] (the R4 prefixes, with
// the semantics of fhir::row_matches): eq L>=a && H<=b; ne !eq; gt H>b; lt L<a; ge gt||eq;
// le lt||eq; sa L>b; eb H<a; ap L<=b && H>=a.
enum class DateCompare { kEq, kNe, kGt, kLt, kGe, kLe, kSa, kEb, kAp };

// A boolean condition on one resource. Leaves other than kId, kLastUpdated and kInCompartment test
// "some search_index row of `param` satisfies ...".
struct Filter {
  enum class Kind {
    kTrue,
    kFalse,
    kAll,            // children AND (empty: true)
    kAny,            // children OR (empty: false)
    kId,             // resource id is one of values
    kToken,          // row value == value, and row system == *system when system is set
    kTokenSystem,    // row system == value (any code)
    kValueIn,        // row value is one of values (reference, uri, id, exact string)
    kValueSuffix,    // row value ends with value (e.g. "/123": a reference to id 123 of any type)
    kPrefix,         // row value starts with value
    kContains,       // row value contains value
    kDate,           // row [low, high] vs [low, high] by compare (epoch seconds)
    kLastUpdated,    // the resource's last_updated_ms vs [low, high] (epoch ms) by compare
    kInCompartment,  // the resource is in the compartment of one of values (patient ids)
  };
  Kind kind = Kind::kTrue;
  std::string param;
  std::optional<std::string> system;
  std::string value;
  std::vector<std::string> values;
  DateCompare compare = DateCompare::kEq;
  std::int64_t low = 0;
  std::int64_t high = 0;
  std::vector<Filter> children;

  static Filter always() { return Filter{}; }
  static Filter never() {
    Filter f;
    f.kind = Kind::kFalse;
    return f;
  }
  static Filter all(std::vector<Filter> children);  // simplified: drops true, false wins
  static Filter any(std::vector<Filter> children);  // simplified: drops false, true wins
  bool is_true() const { return kind == Kind::kTrue; }
  bool is_false() const { return kind == Kind::kFalse; }
  // Number of leaves (for request cost limits).
  std::size_t leaves() const;
};

struct SortKey {
  std::string param;  // "_lastUpdated", "_id", or a date parameter (sorted by its earliest low /
                      // latest high when descending)
  bool descending = false;
};

struct SearchQuery {
  std::string type;
  Filter filter;
  std::vector<SortKey> sort;  // then by id
  int count = 50;             // page size; 0 = no rows
  std::int64_t offset = 0;
  bool with_total = true;
};

struct SearchResult {
  std::vector<ResourceRow> rows;  // live current versions only
  std::int64_t total = -1;        // matches (ignoring count/offset); -1 when not asked
};

class ResourceStore {
 public:
  virtual ~ResourceStore() = default;
  // Writes version current+1 (history row; index and compartment rows replaced), in one
  // transaction (joining the caller's). kConflict when expected_version does not match.
  virtual core::Result<ResourceRow> put_resource(const ResourceWrite& write) = 0;
  // Marks the resource deleted as a new version (json kept in `resources`, empty in history;
  // index rows dropped). kNotFound if it never existed; an already deleted resource is returned
  // unchanged.
  virtual core::Result<ResourceRow> delete_resource(std::string_view type, std::string_view id,
                                                    std::int64_t now_ms) = 0;
  // Current version (deleted ones too), with `compartment` filled. One indexed SELECT.
  virtual std::optional<ResourceRow> read_resource(std::string_view type, std::string_view id) = 0;
  // 0 when the resource never existed.
  virtual std::int64_t resource_version(std::string_view type, std::string_view id) = 0;
  virtual std::optional<ResourceRow> vread_resource(std::string_view type, std::string_view id,
                                                    std::int64_t version) = 0;
  // Every version, newest first.
  virtual std::vector<ResourceRow> resource_history(std::string_view type, std::string_view id) = 0;
  virtual SearchResult search_resources(const SearchQuery& query) = 0;
};

}  // namespace tessera::store
