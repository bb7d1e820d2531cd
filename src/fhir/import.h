// Import of FHIR resources into the SQLite resource store (`tessera fhir import`, demo seeding).
// Part of tessera_fhir_engine (it computes index rows and compartments exactly as the REST engine
// does on writes, see fhir/engine/common.h).
//
// Trust boundary: files are untrusted and parsed by fhir::parse_import (bundle_import.h); a file
// is imported all or nothing. Depends on: tessera_fhir, tessera_store, tessera_core.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "fhir/bundle_import.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::fhir {

// Stores every resource in ONE transaction (all or nothing). A resource whose type/id exists
// becomes its next version (meta.versionId / meta.lastUpdated are set by the store's clock, other
// meta kept). Returns the number of resources stored.
core::Result<std::size_t> import_resources(store::SqliteStore& store,
                                           const std::vector<ImportedResource>& resources,
                                           const core::Clock& clock);

// Imports each file, in the given order, each in its own transaction. Prints one line per file on
// `out`: "<file>: imported N resources (Patient 1, Observation 77, ...)" (types in order of first
// appearance), or on `err`: "<file>: rejected: <reason>". Returns 0, or 1 if any file was
// rejected (the other files are still imported).
int run_import(store::SqliteStore& store, const std::vector<std::string>& files,
               const core::Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace tessera::fhir
