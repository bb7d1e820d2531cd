// tessera_fhir_engine: the FHIR R4 REST API (read, vread, history-instance, search-type incl.
// POST _search, create, update, delete, capabilities) over the SQLite resource store, enforcing
// the AccessPolicy the gateway derived from the token (RS-4, SCOPE-2, SCOPE-6, SCOPE-10,
// SCOPE-11). Policy choices are documented at the top of sqlite_engine.cc.
//
// Trust boundary: every request part (path, query, headers, body) is attacker-controlled; the
// AccessPolicy is trusted (the gateway's reading of the AS's introspection answer). Client errors
// are OperationOutcomes with 4xx statuses, never a 500.
// Depends on: tessera_fhir (pure FHIR knowledge), tessera_store, tessera_http, tessera_scopes,
// tessera_config, tessera_core.
#pragma once

#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "fhir/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::fhir {

class SqliteFhirEngine final : public FhirEngine {
 public:
  // All references must outlive the engine.
  SqliteFhirEngine(store::SqliteStore& store, const config::FhirConfig& config,
                   const core::Clock& clock);
  ~SqliteFhirEngine() override;
  SqliteFhirEngine(const SqliteFhirEngine&) = delete;
  SqliteFhirEngine& operator=(const SqliteFhirEngine&) = delete;

  EngineResult handle(http::RequestContext& ctx, const std::string& relative_path,
                      const AccessPolicy& policy) override;
  http::Response capability_statement() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::fhir
