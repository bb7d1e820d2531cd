// RFC 7662 introspection as the resource server sees it: the parsed answer (Introspection), the
// seam the gateway depends on (IntrospectionClient) and its HTTP implementation.
//
// Trust boundary: the authorization server's answer crosses the network and is parsed as untrusted
// JSON; anything unexpected fails closed (kUnavailable, never "active"). The bearer token passed in
// is a secret: it goes into the request body only, never into logs (core::redact).
// Depends on: core, http (client), config. Never on oauth: the AS is known only by its wire
// protocol.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "http/client.h"

namespace tessera::gateway {

// What introspection said about one token (I7662-3/4, INTRO-3..6). Members the AS left out, or
// sent with the wrong JSON type, are empty / 0.
class IntrospectionPolicy;  // policy.h

struct Introspection {
  bool active = false;
  std::string scope;      // INTRO-3, INTRO-9: space-separated string
  std::string client_id;  // INTRO-3
  std::string sub;        // INTRO-5
  std::string fhir_user;  // INTRO-6: the "fhirUser" member (absolute or relative reference)
  std::string patient;    // INTRO-4 / CTX-4: bare Patient id
  std::string encounter;  // INTRO-4 / CTX-4: bare Encounter id
  std::string aud_raw;    // "aud" as sent: the string itself, or an array's JSON dump
  std::string token_type;
  std::vector<std::string> aud;  // "aud" as a list (a string becomes one element)
  std::int64_t exp = 0;          // epoch seconds, 0 = not given
  std::int64_t iat = 0;
  nlohmann::json raw;  // the whole answer, for members not modelled here (fhirContext, ...)
  // The gateway's policy for this answer, built once when it is cached (scope parsing and
  // fhirUser normalisation cost ≈ 8k instructions per request); nullptr: build it per request.
  std::shared_ptr<const IntrospectionPolicy> policy;
};

// Parses an introspection response body. Fails (kUnavailable) unless it is a JSON object with a
// boolean `active` (I7662-3). An inactive answer yields active == false and nothing else, whatever
// else the AS sent (I7662-6). Pure; never throws.
core::Result<Introspection> parse_introspection(std::string_view body);

class IntrospectionClient {
 public:
  virtual ~IntrospectionClient() = default;
  // An answer (active or not) or kUnavailable when the AS could not give one. Callers must fail
  // closed on an error and must never cache it (RS-6).
  virtual boost::asio::awaitable<core::Result<Introspection>> introspect(
      const std::string& token) = 0;
};

// POSTs `token=<t>&token_type_hint=access_token` (I7662-1, INTRO-2) with HTTP Basic resource-server
// credentials (RFC 6749 §2.3.1: id and secret form-urlencoded before base64; I7662-2) to
// FhirConfig::introspection_url, or, when that is empty, to the `introspection_endpoint` of
// `{authorization_server}/.well-known/smart-configuration` (looked up once, retried until found).
// Every failure is kUnavailable: transport error or timeout (FhirConfig::introspection_timeout),
// non-200, non-JSON, no boolean `active`. A 401 means our own credentials are wrong: logged at
// error level as a misconfiguration, still kUnavailable (fail closed).
//
// Thread-safe. Lifetime: the pooled keep-alive connections of the internal http::Client belong to
// the io_context they were opened on, so destroy this object before that io_context (e.g. before
// the http::Server whose threads call introspect()).
class HttpIntrospectionClient final : public IntrospectionClient {
 public:
  explicit HttpIntrospectionClient(const config::FhirConfig& config);
  ~HttpIntrospectionClient() override;

  boost::asio::awaitable<core::Result<Introspection>> introspect(const std::string& token) override;

  // "Basic base64(form(id) ":" form(secret))" (RFC 6749 §2.3.1).
  static std::string basic_authorization(std::string_view client_id, std::string_view secret);

 private:
  boost::asio::awaitable<core::Result<http::Url>> endpoint();

  std::string authorization_server_;
  std::string authorization_;  // precomputed Basic header value (a secret: never logged)
  std::string client_id_;
  http::Client client_;
  std::mutex mu_;
  std::optional<http::Url> url_;  // configured, or discovered once
};

}  // namespace tessera::gateway
