// Deterministic synthetic demo data: one FHIR R4 transaction Bundle holding a small clinic (one
// organization, location and practitioner) and ten patients with encounters, vital signs, labs,
// problems, medications, allergies, immunizations, lab reports and procedures.
//
// Trust boundary: none. Everything here is fictional test data (each resource carries the
// v3-ActReason#HTEST security label); it is produced in-process and never read from outside. Output
// depends only on the seed: all dates are relative to the fixed reference date kReferenceDate
// (never the wall clock) and randomness comes from a private splitmix64 stream (never std::random
// distributions, whose output differs between standard libraries), so equal seeds give
// byte-identical dumps on every platform.
//
// Shape: Bundle.type "transaction"; each entry has fullUrl "urn:uuid:<uuid>" (a name-based UUID
// derived from "<Type>/<id>", so stable across seeds), request {method: "PUT", url: "<Type>/<id>"}
// and a resource carrying that same fixed id. References are written as "<Type>/<id>". Every
// clinical resource points at its patient through `subject` or `patient`, so it lands in that
// patient's compartment (SCOPE-11, RS-4); vital signs and laboratory results carry distinct
// observation-category codes, so category-narrowed scopes can be exercised (SCOPE-6).
//
// Depends on: core (sha256 for the name-based UUIDs), nlohmann_json. Nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::demo {

inline constexpr std::uint64_t kDefaultSeed = 20261201;
inline constexpr std::string_view kReferenceDate = "2026-11-30";  // "today" for all generated data

// Fixed ids the rest of the system relies on (users are bound to them by the admin/bootstrap code).
inline constexpr std::string_view kOrganizationId = "demo-org";   // Tessera Demo Clinic
inline constexpr std::string_view kLocationId = "demo-location";  // the clinic's site
inline constexpr std::string_view kPractitionerId =
    "demo-practitioner";                                              // Dr. Elena Chen — "doctor"
inline constexpr std::string_view kParentPatientId = "demo-parent";   // Maria Alvarez — "parent"
inline constexpr std::string_view kChild1PatientId = "demo-child-1";  // Lucas Alvarez, ~10 y
inline constexpr std::string_view kChild2PatientId = "demo-child-2";  // Sofia Alvarez, ~6 y
inline constexpr std::string_view kSoloPatientId = "demo-solo";       // James Okafor — "patient"
inline constexpr std::string_view kParentAsChild1RelatedPersonId = "demo-parent-as-rp-child-1";
inline constexpr std::string_view kParentAsChild2RelatedPersonId = "demo-parent-as-rp-child-2";
// Plus "demo-p-01" .. "demo-p-06": patients reachable only by the practitioner.

struct DemoPerson {
  std::string patient_id;  // Patient.id
  std::string given;
  std::string family;
  std::string birth_date;  // YYYY-MM-DD
  std::string gender;      // FHIR administrative gender: "female" | "male"
};

struct DemoData {
  nlohmann::json bundle;  // the transaction Bundle
  std::vector<DemoPerson>
      patients;  // all ten, fixed order: parent, child-1, child-2, solo, p-01..06
};

// Builds the demo data set. Equal seeds give identical bundles; different seeds change clinical
// values, dates and counts (3-6 encounters per patient) but never the fixed ids or demographics.
DemoData generate(std::uint64_t seed = kDefaultSeed);

// Number of entries per resourceType in a Bundle (for logs and tests).
std::map<std::string, std::size_t> count_by_type(const nlohmann::json& bundle);

}  // namespace tessera::demo
