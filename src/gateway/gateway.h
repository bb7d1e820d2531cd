// tessera_gateway: the FHIR resource server's front door. For every request under the FHIR base it
// answers CORS, serves the public documents (metadata, smart-configuration), takes the bearer
// token, learns what it grants by RFC 7662 introspection (cached), checks it is an active access
// token issued for this server, and hands the engine an AccessPolicy. Every request leaves one
// audit record.
//
// Outcomes of the token check are three (fail closed on the third): allowed -> engine; denied ->
// 401 + WWW-Authenticate (RS-3); introspection unavailable -> 503 + Retry-After (RS-6), never
// cached. Tokens never reach a log line or a response (RS-7).
//
// Trust boundary: the HTTP request is attacker-controlled; the introspection answer is the AS's
// word (see introspection.h). Depends on: http, scopes, fhir
// (access.h/engine.h/operation_outcome.h), store (AuditStore), config, core — and never on oauth:
// the AS is known only through RFC 7662 and its discovery document.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <mutex>
#include <optional>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "fhir/engine.h"
#include "gateway/introspection.h"
#include "gateway/policy.h"
#include "gateway/token_cache.h"
#include "http/client.h"
#include "http/router.h"
#include "store/stores.h"

namespace tessera::gateway {

// RFC 6750 §3 realm of our challenges.
inline constexpr std::string_view kRealm = "tessera";
// Seconds a client should wait after a 503 (introspection unavailable).
inline constexpr int kRetryAfterSeconds = 5;

class Gateway {
 public:
  // All references must outlive the Gateway; the Gateway must outlive the router it registers on.
  // The Gateway owns an http::Client (AS discovery fetch): destroy it before the io_context(s)
  // its requests ran on (see HttpIntrospectionClient).
  Gateway(const config::FhirConfig& config, IntrospectionClient& introspection, TokenCache& cache,
          fhir::FhirEngine& engine, store::AuditStore& audit, const core::Clock& clock);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Routes GET/HEAD, POST, PUT, PATCH, DELETE and OPTIONS for `base_path` itself and everything
  // below it (e.g. "/fhir", "/fhir/Patient/1"). `base_path` is the path part of base_url ("" or
  // "/" for a FHIR base at the root).
  void register_routes(http::Router& router, const std::string& base_path);

  // One request; `relative_path` is below the base ("", "metadata", "Patient/1"). Public for tests.
  boost::asio::awaitable<http::Response> handle(http::RequestContext& ctx,
                                                const std::string& relative_path);

 private:
  struct Outcome;
  boost::asio::awaitable<http::Response> smart_configuration(Outcome& out);
  boost::asio::awaitable<http::Response> authorized(http::RequestContext& ctx,
                                                    const std::string& relative_path, Outcome& out);
  void audit(const http::RequestContext& ctx, const std::string& relative_path, const Outcome& out,
             const http::Response& res);

  const config::FhirConfig& config_;
  IntrospectionClient& introspection_;
  TokenCache& cache_;
  fhir::FhirEngine& engine_;
  store::AuditStore& audit_;
  const core::Clock& clock_;
  std::string base_url_;  // config.base_url without trailing '/', compared with `aud` (RS-2)
  http::Client discovery_client_;
  std::mutex discovery_mu_;
  std::optional<std::string> discovery_body_;  // the AS's smart-configuration, once fetched
};

}  // namespace tessera::gateway
