#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <memory>

#include "core/log.h"
#include "fhir/operation_outcome.h"

namespace tessera::gateway {

using http::Field;
using http::Response;
using http::Status;
using http::Verb;

namespace {

constexpr std::string_view kSmartConfiguration = ".well-known/smart-configuration";
constexpr std::string_view kFhirJson = "application/fhir+json; charset=utf-8";
// CORS-2: what a browser app may send to the FHIR API, and read back from it.
constexpr std::string_view kAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view kAllowHeaders =
    "authorization, content-type, accept, prefer, if-match, if-none-match, if-none-exist";
constexpr std::string_view kExposeHeaders = "Location, ETag, Content-Location, WWW-Authenticate";
constexpr std::string_view kPreflightMaxAge = "600";

std::string trim_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

Response outcome_response(Status status, std::string_view code, std::string_view diagnostics) {
  return http::make_response(status, fhir::operation_outcome("error", code, diagnostics).dump(),
                             kFhirJson);
}

// RS-3 / RFC 6750 §3: 401 with a Bearer challenge. Values are our own constants (no quoting
// needed).
Response unauthorized(std::string_view error, std::string_view description) {
  auto res = outcome_response(Status::unauthorized, "login", description);
  std::string challenge = "Bearer realm=\"" + std::string(kRealm) + "\"";
  if (!error.empty()) {
    challenge += ", error=\"" + std::string(error) + "\", error_description=\"" +
                 std::string(description) + "\"";
  }
  res.set(Field::www_authenticate, challenge);
  return res;
}

// RS-6: fail closed when the AS cannot answer; the client may retry.
Response unavailable(std::string_view diagnostics) {
  auto res = outcome_response(Status::service_unavailable, "transient", diagnostics);
  res.set(Field::retry_after, std::to_string(kRetryAfterSeconds));
  return res;
}

// RS-2: `aud` (string or array) must name this server's base URL, compared without trailing '/'.
bool audience_matches(const std::vector<std::string>& aud, const std::string& base_url) {
  if (base_url.empty()) return false;
  for (const auto& a : aud) {
    if (trim_slash(a) == base_url) return true;
  }
  return false;
}

// The relationship recorded as AuditRecord::on_behalf_of: a person other than the patient in
// context (another Patient, e.g. a parent, or a RelatedPerson/Person) acts by proxy. The patient
// themself, a practitioner acting in their own role, or an unknown user: "".
std::string on_behalf_of(const std::string& fhir_user_ref, const std::string& patient) {
  if (patient.empty() || fhir_user_ref.empty()) return {};
  if (fhir_user_ref == "Patient/" + patient) return {};
  const auto type = std::string_view(fhir_user_ref).substr(0, fhir_user_ref.find('/'));
  if (type == "Patient" || type == "RelatedPerson" || type == "Person") return "proxy";
  return {};
}

std::string outcome_of(int status) {
  if (status >= 200 && status < 400) return "success";
  if (status == 401 || status == 403 || status == 404) return "denied";
  return "error";
}

// The decoded path is attacker-controlled: no control characters (forged log lines) in logs.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 512));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

bool is_get(const http::RequestContext& ctx) {
  return ctx.req.method() == Verb::get || ctx.req.method() == Verb::head;
}

}  // namespace

// What one request did, for the audit record and the log line.
struct Gateway::Outcome {
  std::string event = "fhir.auth";  // "fhir.<interaction>" once the engine answered
  std::string client_id, subject, fhir_user, patient, on_behalf_of;
  fhir::RequestSummary summary;
  std::string detail;  // private (audit and logs), never a token
};

Gateway::Gateway(const config::FhirConfig& config, IntrospectionClient& introspection,
                 TokenCache& cache, fhir::FhirEngine& engine, store::AuditStore& audit,
                 const core::Clock& clock)
    : config_(config),
      introspection_(introspection),
      cache_(cache),
      engine_(engine),
      audit_(audit),
      clock_(clock),
      base_url_(trim_slash(config.base_url)),
      discovery_client_([&] {
        http::ClientOptions o;
        o.timeout = config.introspection_timeout;
        return o;
      }()) {
  if (base_url_.empty()) {
    spdlog::error("fhir.base_url is empty: no token can match this server's audience (RS-2)");
  }
}

Gateway::~Gateway() = default;

void Gateway::register_routes(http::Router& router, const std::string& base_path) {
  std::string pattern = trim_slash(base_path) + "/{rest*}";  // also matches the base itself
  auto h = [this](http::RequestContext& ctx) -> boost::asio::awaitable<Response> {
    // (A named local, not a temporary inside co_await: g++ 12 mishandles the latter.)
    std::string rest;
    if (auto it = ctx.path_params.find("rest"); it != ctx.path_params.end()) rest = it->second;
    co_return co_await handle(ctx, rest);
  };
  // HEAD is dispatched to the GET route by the router.
  for (Verb v : {Verb::get, Verb::post, Verb::put, Verb::patch, Verb::delete_, Verb::options}) {
    router.add(v, pattern, h);
  }
}

boost::asio::awaitable<Response> Gateway::handle(http::RequestContext& ctx,
                                                 const std::string& relative) {
  const auto started = std::chrono::steady_clock::now();
  std::string relative_path = relative;
  while (!relative_path.empty() && relative_path.front() == '/') relative_path.erase(0, 1);
  const bool discovery = relative_path == kSmartConfiguration;
  Outcome out;
  Response res;
  try {
    if (ctx.req.method() == Verb::options) {
      // CORS-1/2 preflight: no token is sent with it, and none is needed.
      out.event = "fhir.preflight";
      out.summary.interaction = "preflight";
      res = http::make_response(Status::no_content, "", "");
      res.set(Field::allow, kAllowMethods);
      res.set(Field::access_control_allow_methods, kAllowMethods);
      res.set(Field::access_control_allow_headers, kAllowHeaders);
      res.set(Field::access_control_max_age, kPreflightMaxAge);
    } else if (is_get(ctx) && relative_path == "metadata") {
      // CAP: the CapabilityStatement is public.
      out.event = "fhir.capabilities";
      out.summary.interaction = "capabilities";
      res = engine_.capability_statement();
    } else if (is_get(ctx) && discovery) {
      out.event = "fhir.discovery";
      out.summary.interaction = "discovery";
      res = co_await smart_configuration(out);
    } else {
      res = co_await authorized(ctx, relative_path, out);
    }
  } catch (const std::exception& e) {
    // A bug (or std::bad_alloc): still answer, still audit.
    spdlog::error("FHIR request {} /{} failed: {}", ctx.method_string(), printable(relative_path),
                  e.what());
    out.detail = std::string("internal error: ") + e.what();
    res = outcome_response(Status::internal_server_error, "exception", "internal server error");
  }

  // CORS-1 (public documents: any origin) / CORS-2 (FHIR API). Echoing the Origin is safe here:
  // the API is authorized by a bearer token, never by cookies, and no Allow-Credentials is sent.
  const auto origin = ctx.header(Field::origin);
  if (discovery) {
    res.set(Field::access_control_allow_origin, "*");
  } else if (!origin.empty()) {
    res.set(Field::access_control_allow_origin, origin);
    const std::string vary(res[Field::vary]);  // keep the engine's own Vary (e.g. Accept)
    res.set(Field::vary, vary.empty() ? "Origin" : vary + ", Origin");
  }
  if (discovery || !origin.empty()) res.set(Field::access_control_expose_headers, kExposeHeaders);

  audit(ctx, relative_path, out, res);
  if (spdlog::should_log(spdlog::level::info)) {  // the arguments cost even when not logged
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    spdlog::info("fhir {} /{} -> {} event={} client={} sub={} patient={} {}ms", ctx.method_string(),
                 printable(relative_path), res.result_int(), out.event, out.client_id, out.subject,
                 out.patient, ms);
  }
  co_return res;
}

boost::asio::awaitable<Response> Gateway::authorized(http::RequestContext& ctx,
                                                     const std::string& relative_path,
                                                     Outcome& out) {
  // RS-7: the token comes from the Authorization header only. OAUTH-6: scheme case-insensitive.
  const auto header = ctx.header(Field::authorization);
  if (header.empty()) {
    out.detail = "no access token";
    co_return unauthorized("", "an access token is required (Authorization: Bearer)");
  }
  auto token = http::parse_bearer(header);
  if (!token) {
    out.detail = "malformed Authorization header";
    co_return unauthorized("invalid_request", "the Authorization header must be 'Bearer <token>'");
  }

  // RS-1 via introspection, RS-6 cache (errors are never cached).
  std::shared_ptr<const Introspection> info = cache_.get(*token);
  if (!info) {
    auto answer = co_await introspection_.introspect(*token);
    if (!answer) {
      out.detail = "introspection unavailable: " + answer.error().detail;
      spdlog::warn("cannot check access token {}: {}", core::redact(*token), answer.error().detail);
      co_return unavailable("the access token cannot be checked right now; retry later");
    }
    if (answer->active)
      answer->policy = std::make_shared<const IntrospectionPolicy>(*answer, config_);
    cache_.put(*token, *answer);
    info = std::make_shared<const Introspection>(std::move(*answer));
  }

  if (!info->active) {
    out.detail = "token not active";
    co_return unauthorized("invalid_token", "the access token is not active");
  }
  out.client_id = info->client_id;
  out.subject = info->sub;
  out.fhir_user = info->fhir_user;
  out.patient = info->patient;
  std::shared_ptr<const IntrospectionPolicy> policy = info->policy;
  if (!policy) policy = std::make_shared<const IntrospectionPolicy>(*info, config_);
  out.on_behalf_of = on_behalf_of(policy->user_reference(), info->patient);

  // INTRO-10: a refresh token (or anything not a bearer access token) is not accepted here.
  if (!info->token_type.empty() && !http::iequals(info->token_type, "Bearer")) {
    out.detail = "token_type " + info->token_type + " is not an access token";
    co_return unauthorized("invalid_token", "the token is not an access token");
  }
  // RS-2: the token must have been issued for this FHIR base.
  if (!audience_matches(info->aud, base_url_)) {
    out.detail = "aud " + info->aud_raw + " does not include " + base_url_;
    co_return unauthorized("invalid_token", "token not issued for this server");
  }

  fhir::EngineResult result = engine_.handle(ctx, relative_path, *policy);
  out.summary = std::move(result.summary);
  out.event = "fhir." +
              (out.summary.interaction.empty() ? std::string("request") : out.summary.interaction);
  Response res = std::move(result.response);
  // RS-3: a token lacking the scope gets 403 with error="insufficient_scope".
  if (res.result() == Status::forbidden && res.find(Field::www_authenticate) == res.end()) {
    res.set(Field::www_authenticate,
            "Bearer realm=\"" + std::string(kRealm) + "\", error=\"insufficient_scope\"");
  }
  co_return res;
}

boost::asio::awaitable<Response> Gateway::smart_configuration(Outcome& out) {
  std::optional<std::string> body;
  {
    std::lock_guard lock(discovery_mu_);
    body = discovery_body_;
  }
  if (!body) {
    // DISC-1: every FHIR base serves the AS's discovery document. Fetched once, lazily; a
    // failure is not remembered, so the next request tries again.
    auto url = http::parse_url(trim_slash(config_.authorization_server) +
                               "/.well-known/smart-configuration");
    if (!url) {
      out.detail = "fhir.authorization_server is not a URL";
      spdlog::error("cannot serve smart-configuration: {}", out.detail);
      co_return unavailable("the authorization server's configuration is unavailable");
    }
    auto req = http::make_request(Verb::get);
    req.set(Field::accept, "application/json");
    auto res = co_await discovery_client_.async_send(*url, std::move(req));
    std::string why;
    if (!res) {
      why = res.error().detail;
    } else if (res->result() != Status::ok) {
      why = "HTTP " + std::to_string(res->result_int());
    } else if (auto doc = nlohmann::json::parse(res->body(), nullptr, false); !doc.is_object()) {
      why = "not a JSON object";
    }
    if (!why.empty()) {
      out.detail = "AS discovery unavailable: " + why;
      spdlog::warn("cannot fetch {}{}: {}", url->origin(), url->target, why);
      co_return unavailable("the authorization server's configuration is unavailable");
    }
    body = std::move(res->body());
    std::lock_guard lock(discovery_mu_);
    if (!discovery_body_) discovery_body_ = *body;
  }
  // DISC-2: application/json whatever Accept says.
  co_return http::json_response(Status::ok, *body);
}

void Gateway::audit(const http::RequestContext& ctx, const std::string& relative_path,
                    const Outcome& out, const Response& res) {
  store::AuditRecord rec;
  rec.time = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
                 .count();
  rec.event = out.event;
  rec.client_id = out.client_id;
  rec.subject = out.subject;
  rec.fhir_user = out.fhir_user;
  rec.patient = out.patient;
  rec.on_behalf_of = out.on_behalf_of;
  rec.interaction = out.summary.interaction;
  rec.resource_type = out.summary.resource_type;
  rec.resource_id = out.summary.resource_id;
  rec.status = static_cast<int>(res.result_int());
  rec.outcome = outcome_of(rec.status);
  rec.detail = std::string(ctx.method_string()) + " /" + relative_path;
  if (!out.detail.empty()) rec.detail += ": " + out.detail;
  try {
    auto st = audit_.add_audit(rec);
    if (!st) {
      spdlog::error("audit write failed for {} ({}): {} {}", rec.event, rec.status,
                    st.error().description, st.error().detail);
    }
  } catch (const std::exception& e) {
    spdlog::error("audit write threw for {} ({}): {}", rec.event, rec.status, e.what());
  }
}

}  // namespace tessera::gateway
