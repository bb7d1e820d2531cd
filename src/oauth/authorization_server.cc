#include "oauth/authorization_server.h"

#include <spdlog/spdlog.h>

#include "core/encoding.h"
#include "http/client.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using http::Response;
using http::Status;
using Json = nlohmann::json;

nlohmann::json AuthorizationRequest::to_json() const {
  return Json{{"client_id", client_id},
              {"redirect_uri", redirect_uri},
              {"state", state},
              {"requested_scope", requested_scope},
              {"offered_scope", offered_scope},
              {"aud", aud},
              {"code_challenge", code_challenge},
              {"nonce", nonce},
              {"ehr_launch", ehr_launch},
              {"launch_context", launch_context},
              {"launch_user", launch_user},
              {"needs_patient", needs_patient}};
}

AuthorizationRequest AuthorizationRequest::from_json(const nlohmann::json& j) {
  AuthorizationRequest r;
  r.client_id = j.value("client_id", "");
  r.redirect_uri = j.value("redirect_uri", "");
  r.state = j.value("state", "");
  r.requested_scope = j.value("requested_scope", "");
  r.offered_scope = j.value("offered_scope", "");
  r.aud = j.value("aud", "");
  r.code_challenge = j.value("code_challenge", "");
  r.nonce = j.value("nonce", "");
  r.ehr_launch = j.value("ehr_launch", false);
  r.launch_context = j.value("launch_context", Json::object());
  r.launch_user = j.value("launch_user", "");
  r.needs_patient = j.value("needs_patient", false);
  return r;
}

AuthorizationServer::AuthorizationServer(AuthzDeps deps) : d_(deps) {
  const auto& iss = d_.config.authz.issuer;
  // DISC-*: every capability listed here is exercised by a test; nothing aspirational.
  Json capabilities =
      Json::array({"launch-ehr", "launch-standalone", "authorize-post", "client-public",
                   "client-confidential-symmetric", "sso-openid-connect", "context-banner",
                   "context-style", "context-ehr-patient", "context-ehr-encounter",
                   "context-standalone-patient", "permission-offline", "permission-patient",
                   "permission-user", "permission-v1", "permission-v2"});
  Json scopes =
      Json::array({"openid", "fhirUser", "launch", "launch/patient", "offline_access",
                   "online_access", "patient/*.rs", "patient/*.cruds", "patient/*.read",
                   "user/*.rs", "user/*.cruds", "user/*.read", "system/*.rs", "system/*.cruds"});
  Json doc{
      {"issuer", iss},
      {"jwks_uri", iss + "/jwks.json"},
      {"authorization_endpoint", iss + "/authorize"},
      {"token_endpoint", iss + "/token"},
      {"introspection_endpoint", iss + "/introspect"},
      {"revocation_endpoint", iss + "/revoke"},
      {"grant_types_supported", {"authorization_code", "refresh_token", "client_credentials"}},
      {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}},
      {"introspection_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "bearer"}},
      {"revocation_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "none"}},
      {"scopes_supported", scopes},
      {"response_types_supported", {"code"}},
      {"code_challenge_methods_supported", {"S256"}},  // DISC-7: never "plain"
      {"capabilities", capabilities},
  };
  discovery_json_ = doc.dump();
  Json oidc{
      {"issuer", iss},
      {"authorization_endpoint", iss + "/authorize"},
      {"token_endpoint", iss + "/token"},
      {"jwks_uri", iss + "/jwks.json"},
      {"introspection_endpoint", iss + "/introspect"},
      {"revocation_endpoint", iss + "/revoke"},
      {"response_types_supported", {"code"}},
      {"subject_types_supported", {"public"}},
      {"id_token_signing_alg_values_supported", {"RS256"}},  // OIDC-4
      {"scopes_supported", scopes},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "none"}},
      {"grant_types_supported", {"authorization_code", "refresh_token", "client_credentials"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"claims_supported", {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser"}},
  };
  openid_json_ = oidc.dump();
}

void AuthorizationServer::register_routes(http::Router& r) {
  using http::Verb;
  auto sync = [this](Response (AuthorizationServer::*fn)(http::RequestContext&)) {
    return [this, fn](http::RequestContext& ctx) { return (this->*fn)(ctx); };
  };
  auto open_preflight = [this](http::RequestContext& ctx) { return preflight(ctx, true); };
  auto client_preflight = [this](http::RequestContext& ctx) { return preflight(ctx, false); };

  // Discovery on the AS base and on every FHIR base this AS protects (DISC-1).
  std::vector<std::string> discovery_paths = {"/.well-known/smart-configuration"};
  for (const auto& aud : d_.config.authz.fhir_audiences) {
    auto u = http::parse_url(aud);
    if (u && u->origin() == http::parse_url(d_.config.authz.issuer)->origin() && u->target != "/") {
      discovery_paths.push_back(u->target + "/.well-known/smart-configuration");
    }
  }
  for (const auto& p : discovery_paths) {
    r.add_sync(Verb::get, p, sync(&AuthorizationServer::discovery));
    r.add_sync(Verb::options, p, open_preflight);
  }
  r.add_sync(Verb::get, "/.well-known/openid-configuration",
             sync(&AuthorizationServer::openid_configuration));
  r.add_sync(Verb::options, "/.well-known/openid-configuration", open_preflight);
  r.add_sync(Verb::get, "/jwks.json", sync(&AuthorizationServer::jwks));
  r.add_sync(Verb::options, "/jwks.json", open_preflight);
  r.add_sync(Verb::get, "/smart-style/v1.json", sync(&AuthorizationServer::style));
  r.add_sync(Verb::options, "/smart-style/v1.json", open_preflight);
  r.add_sync(Verb::get, "/authorize", sync(&AuthorizationServer::authorize));
  r.add_sync(Verb::post, "/authorize", sync(&AuthorizationServer::authorize));
  r.add(
      Verb::post, "/token", [this](http::RequestContext& ctx) -> boost::asio::awaitable<Response> {
        auto res = co_await token_endpoint(ctx);  // a named local: g++ 12 and co_await temporaries
        co_return res;
      });
  r.add_sync(Verb::get, "/token", [](http::RequestContext&) {  // TOKEN-12: POST only
    auto res = json_error(
        core::make_error(core::ErrorCode::kInvalidRequest, "the token endpoint accepts POST only"));
    res.result(Status::method_not_allowed);
    res.set(http::Field::allow, "POST, OPTIONS");
    return res;
  });
  r.add_sync(Verb::options, "/token", client_preflight);
  r.add_sync(Verb::post, "/introspect", sync(&AuthorizationServer::introspect));
  r.add_sync(Verb::options, "/introspect", client_preflight);
  r.add_sync(Verb::post, "/revoke", sync(&AuthorizationServer::revoke));
  r.add_sync(Verb::options, "/revoke", client_preflight);
}

// ---- CORS (CORS-1, CORS-2) ----
bool AuthorizationServer::origin_allowed(std::string_view origin) {
  for (const auto& c : d_.clients.list_clients()) {
    for (const auto& o : c.origins)
      if (o == origin) return true;
  }
  return false;
}

void AuthorizationServer::add_cors(http::RequestContext& ctx, Response& res, bool any_origin) {
  auto origin = ctx.header(http::Field::origin);
  if (origin.empty()) return;
  if (any_origin) {
    res.set(http::Field::access_control_allow_origin, "*");
  } else if (origin_allowed(origin)) {
    res.set(http::Field::access_control_allow_origin, origin);
    res.set(http::Field::vary, "Origin");
  }
}

Response AuthorizationServer::preflight(http::RequestContext& ctx, bool any_origin) {
  auto res = http::make_response(Status::no_content, "", "");
  add_cors(ctx, res, any_origin);
  if (res.find(http::Field::access_control_allow_origin) != res.end()) {
    res.set(http::Field::access_control_allow_methods,
            any_origin ? "GET, OPTIONS" : "POST, OPTIONS");
    res.set(http::Field::access_control_allow_headers, "authorization, content-type, accept");
    res.set(http::Field::access_control_max_age, "600");
  }
  return res;
}

// ---- discovery ----
Response AuthorizationServer::discovery(http::RequestContext& ctx) {
  // DISC-2: application/json whatever Accept says.
  auto res = http::json_response(Status::ok, discovery_json_);
  res.set(http::Field::cache_control, "public, max-age=300");
  add_cors(ctx, res, true);
  return res;
}

Response AuthorizationServer::openid_configuration(http::RequestContext& ctx) {
  auto res = http::json_response(Status::ok, openid_json_);
  res.set(http::Field::cache_control, "public, max-age=300");
  add_cors(ctx, res, true);
  return res;
}

Response AuthorizationServer::jwks(http::RequestContext& ctx) {
  auto res = http::make_response(Status::ok, d_.keys.jwks_json(), "application/jwk-set+json");
  res.set(http::Field::cache_control, "public, max-age=300");
  add_cors(ctx, res, true);
  return res;
}

std::string AuthorizationServer::style_url() const { return endpoint("/smart-style/v1.json"); }

Response AuthorizationServer::style(http::RequestContext& ctx) {
  // CTX-8: the URL is the version key; a change of content gets a new path (v2, ...).
  static const std::string kStyle = Json{
      {"color_background", "#f6f8fb"},
      {"color_error", "#b42318"},
      {"color_highlight", "#1f5eff"},
      {"color_modal_backdrop", "rgba(15, 23, 42, 0.5)"},
      {"color_success", "#067647"},
      {"color_text", "#111827"},
      {"dim_border_radius", "8px"},
      {"dim_font_size", "16px"},
      {"dim_spacing_size", "16px"},
      {"font_family_body", "system-ui, sans-serif"},
      {"font_family_heading",
       "system-ui, sans-serif"}}.dump();
  auto res = http::json_response(Status::ok, kStyle);
  res.set(http::Field::cache_control, "public, max-age=86400, immutable");
  add_cors(ctx, res, true);
  return res;
}

bool AuthorizationServer::is_audience(const std::string& aud) const {
  std::string a = aud;
  while (a.size() > 1 && a.back() == '/') a.pop_back();
  for (const auto& x : d_.config.authz.fhir_audiences)
    if (x == a) return true;
  return false;
}

void AuthorizationServer::audit(std::string event, const std::string& client_id,
                                const std::string& subject, const std::string& patient,
                                std::string outcome, std::string detail) {
  store::AuditRecord a;
  a.time = std::chrono::duration_cast<std::chrono::milliseconds>(d_.clock.now().time_since_epoch())
               .count();
  a.event = std::move(event);
  a.client_id = client_id;
  a.subject = subject;
  a.patient = patient;
  a.outcome = std::move(outcome);
  a.detail = std::move(detail);
  spdlog::info("audit {} client={} sub={} patient={} outcome={}", a.event, a.client_id, a.subject,
               a.patient, a.outcome);
  (void)d_.audit.add_audit(a);
}

// ---- client authentication (TOKEN-4, SYM-1..6, I7662-2) ----
core::Result<store::ClientRecord> AuthorizationServer::authenticate_client(
    http::RequestContext& ctx, const http::Params& form, AuthMode mode) {
  using core::ErrorCode;
  auto invalid = [](std::string why, std::string detail = {}) {
    return core::make_error(ErrorCode::kInvalidClient, std::move(why), std::move(detail));
  };
  auto authz = ctx.header(http::Field::authorization);
  std::string id, secret;
  bool has_secret = false;
  if (!authz.empty()) {
    auto basic = http::parse_basic_auth(authz);
    if (!basic) return invalid("malformed Authorization header");
    id = basic->first;
    secret = basic->second;
    has_secret = true;
    // SYM-6: a client_id in the body must match the Basic user name.
    if (auto body_id = form.get("client_id"); body_id && *body_id != id)
      return invalid("client_id does not match the authenticated client");
    if (form.get("client_secret")) return invalid("use one client authentication method only");
  } else {
    if (form.count("client_id") > 1 || form.count("client_secret") > 1)
      return core::make_error(ErrorCode::kInvalidRequest, "repeated client credentials");
    auto body_id = form.get("client_id");
    if (!body_id) return invalid("client authentication required");
    id = *body_id;
    if (auto s = form.get("client_secret")) {
      secret = *s;
      has_secret = true;
    }
  }
  auto client = d_.clients.find_client(id);
  if (!client) {
    return invalid("unknown client", "client_id=" + id);
  }
  if (client->type == store::ClientType::kPublic) {
    if (mode == AuthMode::kIntrospect) return invalid("public clients may not introspect");
    if (has_secret) return invalid("public clients have no secret");
    return std::move(*client);
  }
  if (!has_secret) return invalid("client authentication required");
  // Constant-time comparison of the hashed secret (secrets are 256-bit random: SHA-256 suffices).
  if (!core::constant_time_equal(credential_hash(secret), client->secret_hash)) {
    return invalid("client authentication failed", "bad secret for " + id);
  }
  return std::move(*client);
}

}  // namespace tessera::oauth
