#include "gateway/introspection.h"

#include <spdlog/spdlog.h>

#include <limits>

#include "core/encoding.h"
#include "core/log.h"

namespace tessera::gateway {

using core::ErrorCode;
using Json = nlohmann::json;

namespace {

constexpr std::string_view kDiscoverySuffix = "/.well-known/smart-configuration";

core::Error unavailable(std::string detail) {
  return core::make_error(ErrorCode::kUnavailable, "token introspection is unavailable",
                          std::move(detail));
}

std::string string_member(const Json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t int_member(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? 0
               : static_cast<std::int64_t>(v);
  }
  return 0;  // I7662-4: NumericDate is an integer; anything else counts as absent
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

http::ClientOptions client_options(const config::FhirConfig& config) {
  http::ClientOptions o;
  o.timeout = config.introspection_timeout;
  o.max_response_body = 256 * 1024;  // an introspection answer is small; do not buffer more
  return o;
}

}  // namespace

core::Result<Introspection> parse_introspection(std::string_view body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return unavailable("introspection answer is not a JSON object");
  auto active = j.find("active");
  // I7662-3: `active` is a REQUIRED boolean; "true" (a string) or 1 is not an answer.
  if (active == j.end() || !active->is_boolean()) {
    return unavailable("introspection answer has no boolean 'active'");
  }
  Introspection out;
  if (!active->get<bool>()) {
    out.raw = Json{{"active", false}};  // I7662-6: nothing else is meaningful
    return out;
  }
  out.active = true;
  out.scope = string_member(j, "scope");
  out.client_id = string_member(j, "client_id");
  out.sub = string_member(j, "sub");
  out.fhir_user = string_member(j, "fhirUser");
  out.patient = string_member(j, "patient");
  out.encounter = string_member(j, "encounter");
  out.token_type = string_member(j, "token_type");
  out.exp = int_member(j, "exp");
  out.iat = int_member(j, "iat");
  if (auto aud = j.find("aud"); aud != j.end()) {
    if (aud->is_string()) {
      out.aud_raw = aud->get<std::string>();
      out.aud.push_back(out.aud_raw);
    } else if (aud->is_array()) {
      out.aud_raw = aud->dump();
      for (const auto& a : *aud) {
        if (a.is_string()) out.aud.push_back(a.get<std::string>());
      }
    }
  }
  out.raw = std::move(j);
  return out;
}

std::string HttpIntrospectionClient::basic_authorization(std::string_view client_id,
                                                         std::string_view secret) {
  // RFC 6749 §2.3.1 (SYM-3): form-urlencode each part, then base64 "id:secret".
  return "Basic " +
         core::base64_encode(core::url_encode(client_id) + ":" + core::url_encode(secret));
}

HttpIntrospectionClient::HttpIntrospectionClient(const config::FhirConfig& config)
    : authorization_server_(trim_slash(config.authorization_server)),
      authorization_(basic_authorization(config.client_id, config.client_secret)),
      client_id_(config.client_id),
      client_(client_options(config)) {
  if (!config.introspection_url.empty()) {
    auto url = http::parse_url(config.introspection_url);
    if (url) {
      url_ = std::move(*url);
    } else {
      // config::validate() rejects this already; stay closed if it slips through.
      spdlog::error("fhir.introspection_url is not a valid URL ({}); every token will be refused",
                    url.error().description);
    }
  }
  if (config.client_id.empty()) {
    spdlog::warn("fhir.client_id is empty: introspection calls will not authenticate (I7662-2)");
  }
}

HttpIntrospectionClient::~HttpIntrospectionClient() = default;

boost::asio::awaitable<core::Result<http::Url>> HttpIntrospectionClient::endpoint() {
  {
    std::lock_guard lock(mu_);
    if (url_) co_return *url_;
  }
  // No configured URL: INTRO-1 / DISC-16, the AS advertises `introspection_endpoint`.
  auto disc = http::parse_url(authorization_server_ + std::string(kDiscoverySuffix));
  if (!disc) co_return unavailable("fhir.authorization_server is not a URL");
  auto req = http::make_request(http::Verb::get);
  req.set(http::Field::accept, "application/json");
  auto res = co_await client_.async_send(*disc, std::move(req));
  if (!res) co_return unavailable("AS discovery failed: " + res.error().detail);
  if (res->result() != http::Status::ok) {
    co_return unavailable("AS discovery answered HTTP " + std::to_string(res->result_int()));
  }
  Json doc = Json::parse(res->body(), nullptr, false);
  auto ep = doc.is_object() ? doc.find("introspection_endpoint") : doc.end();
  if (!doc.is_object() || ep == doc.end() || !ep->is_string()) {
    co_return unavailable("AS discovery document has no introspection_endpoint");
  }
  auto url = http::parse_url(ep->get<std::string>());
  if (!url) co_return unavailable("AS introspection_endpoint is not a URL");
  std::lock_guard lock(mu_);
  url_ = *url;
  co_return *url;
}

boost::asio::awaitable<core::Result<Introspection>> HttpIntrospectionClient::introspect(
    const std::string& token) {
  auto url = co_await endpoint();
  if (!url) {
    spdlog::warn("introspection endpoint unknown: {}", url.error().detail);
    co_return url.error();
  }
  // I7662-1 / INTRO-2: form-encoded POST; the hint is advisory.
  auto req = http::make_request(
      http::Verb::post, "/", "token=" + core::url_encode(token) + "&token_type_hint=access_token",
      "application/x-www-form-urlencoded");
  req.set(http::Field::accept, "application/json");
  req.set(http::Field::authorization, authorization_);
  auto res = co_await client_.async_send(*url, std::move(req));
  if (!res) {
    spdlog::warn("introspection of {} failed: {} ({})", core::redact(token),
                 res.error().description, res.error().detail);
    co_return unavailable(res.error().detail);
  }
  const int status = static_cast<int>(res->result_int());
  if (status == 401) {
    // I7662-7: the AS refused *our* credentials. Every request will fail until fixed.
    spdlog::error(
        "MISCONFIGURATION: the authorization server refused the resource-server credentials "
        "(HTTP 401 from {}{}); check fhir.client_id ('{}') and fhir.client_secret",
        url->origin(), url->target, client_id_);
    co_return unavailable("introspection endpoint answered 401");
  }
  if (status != 200) {
    spdlog::warn("introspection endpoint answered HTTP {}", status);
    co_return unavailable("introspection endpoint answered HTTP " + std::to_string(status));
  }
  auto parsed = parse_introspection(res->body());
  if (!parsed) spdlog::warn("introspection answer rejected: {}", parsed.error().detail);
  co_return parsed;
}

}  // namespace tessera::gateway
