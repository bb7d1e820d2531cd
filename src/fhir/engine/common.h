// Internal helpers of tessera_fhir_engine shared by the REST engine and the importer: request
// problems as OperationOutcome responses, instants, resource ids, and turning a resource into a
// store write (meta, index rows, patient compartment).
// Not a public API: include only from src/fhir/engine/ and src/fhir/import.h's implementation.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "http/message.h"
#include "store/resource_store.h"

namespace tessera::fhir::engine {

inline constexpr std::string_view kFhirJson = "application/fhir+json; charset=utf-8";

// A client-visible failure: HTTP status, R4 IssueType code, public diagnostics.
struct Problem {
  http::Status status = http::Status::bad_request;
  std::string code = "invalid";
  std::string diagnostics;
};

inline Problem bad_request(std::string diagnostics) {
  return {http::Status::bad_request, "invalid", std::move(diagnostics)};
}
inline Problem not_supported(std::string diagnostics) {
  return {http::Status::bad_request, "not-supported", std::move(diagnostics)};
}
// RS-3 / SCOPE-2: the token's scopes do not cover this.
inline Problem forbidden(std::string diagnostics) {
  return {http::Status::forbidden, "forbidden", "insufficient_scope: " + std::move(diagnostics)};
}
inline Problem not_found(std::string diagnostics) {
  return {http::Status::not_found, "not-found", std::move(diagnostics)};
}

// A value or a Problem.
template <class T>
class Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Outcome(Problem problem) : v_(std::move(problem)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }
  const Problem& problem() const { return std::get<1>(v_); }

 private:
  std::variant<T, Problem> v_;
};

// Response with a FHIR JSON body.
http::Response fhir_response(http::Status status, std::string body);
// OperationOutcome response for a problem.
http::Response problem_response(const Problem& problem);

std::int64_t now_ms(const core::Clock& clock);
// FHIR instant with milliseconds, UTC: "2024-01-02T03:04:05.678Z".
std::string format_instant(std::int64_t epoch_ms);
// RFC 7231 IMF-fixdate for Last-Modified: "Tue, 02 Jan 2024 03:04:05 GMT".
std::string http_date(std::int64_t epoch_ms);
// W/"<version>"
std::string weak_etag(std::int64_t version);
// A random UUID (version 4), a valid FHIR id.
std::string new_resource_id();

// Patient-data types: the R4 Patient-compartment types plus Device, which R4 leaves out of the
// compartment but which carries a patient's data through Device.patient.
bool is_patient_data_type(std::string_view type);
// Whose data a resource is: fhir::compartment_patients(), or for a Device the id of its
// `patient` reference. Sorted, unique.
std::vector<std::string> data_patients(const nlohmann::json& resource);

// Maximum nesting depth of a JSON text, counting '[' and '{' outside strings (a cheap guard run
// before parsing, so deep input cannot exhaust the stack in recursive JSON code).
int json_depth(std::string_view text);

// Sets meta.versionId = version and meta.lastUpdated = now (other meta members kept; `meta` must be
// absent or an object), and returns the store write: dumped JSON, index rows (all parameters but
// _id, which the store answers from the id column), data patients. expected_version = version-1.
store::ResourceWrite prepare_write(nlohmann::json& resource, const std::string& type,
                                   const std::string& id, std::int64_t version,
                                   std::int64_t now_ms);

}  // namespace tessera::fhir::engine
