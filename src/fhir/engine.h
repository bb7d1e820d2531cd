// FhirEngine: the FHIR R4 REST API over the resource store, enforcing an AccessPolicy.
// The gateway authenticates the request and passes the policy; the engine never sees tokens.
// Depends on: core, http, scopes, store, fhir (pure parts).
#pragma once

#include <string>

#include "fhir/access.h"
#include "http/message.h"

namespace tessera::fhir {

struct EngineResult {
  http::Response response;
  RequestSummary summary;
};

class FhirEngine {
 public:
  virtual ~FhirEngine() = default;
  // `relative_path` is the path below the FHIR base ("" or "/" = base, "Patient/123", "metadata",
  // ...).
  virtual EngineResult handle(http::RequestContext& ctx, const std::string& relative_path,
                              const AccessPolicy& policy) = 0;
  // GET [base]/metadata needs no token (it is public); the gateway calls this directly.
  virtual http::Response capability_statement() = 0;
};

}  // namespace tessera::fhir
