// `tessera init --demo`: the demo world (patients, users, apps) for `make demo`.
#pragma once

#include <string>

#include "core/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::app {

// The resource server's demo credentials: published on purpose (demo mode only; the server
// refuses production mode while the demo clients exist).
inline constexpr const char* kDemoFhirClientId = "demo-fhir";
inline constexpr const char* kDemoFhirClientSecret = "demo-fhir-secret-not-for-production-use-0001";
inline constexpr const char* kDemoConfidentialSecret =
    "demo-clinic-secret-not-for-production-use-01";

int seed_demo(store::SqliteStore& store, const core::Clock& clock, const std::string& base_url);

}  // namespace tessera::app
