// POST /introspect: RFC 7662 with the SMART profile (INTRO-*, I7662-*). The heart of the product:
// a resource server learns from here, and only here, what a token grants and for which patient.
// Starts from {"active":false}; every failed check returns it.
#include <nlohmann/json.hpp>

#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using core::ErrorCode;
using http::Response;
using Json = nlohmann::json;

namespace {
const std::string kInactive = R"({"active":false})";
}

nlohmann::json AuthorizationServer::introspection_body(const store::TokenRecord& t) const {
  Json body{{"active", true},
            {"scope", t.scope},  // INTRO-3, INTRO-9: a string, as granted
            {"client_id", t.client_id},
            {"token_type", t.kind == store::TokenKind::kAccess ? "Bearer" : "refresh_token"},
            {"exp", t.expires_at},
            {"iat", t.issued_at},
            {"iss", d_.config.authz.issuer},
            {"sub", t.subject}};
  if (!t.aud.empty()) body["aud"] = t.aud;
  // INTRO-6: fhirUser as in the id_token (granted with the fhirUser scope).
  if (!t.fhir_user.empty() && scopes::ScopeSet::parse(t.scope).has("fhirUser")) body["fhirUser"] = t.fhir_user;
  // INTRO-4: every launch context member of the token response, with the identical value: the
  // very JSON object the token response was built from.
  auto ctx = Json::parse(t.context_json, nullptr, false);
  if (ctx.is_object())
    for (auto& [k, v] : ctx.items()) body[k] = v;
  return body;
}

Response AuthorizationServer::introspect(http::RequestContext& ctx) {
  // TOKEN-1 style: form body; accept the raw token too (it is URL-safe).
  http::Params form;
  auto ct = http::media_type(ctx.header(http::Field::content_type));
  if (ct == "application/x-www-form-urlencoded") {
    auto f = http::Params::parse(ctx.req.body());
    if (!f) return json_error(f.error());
    form = std::move(*f);
  } else if (ct.empty() || ct == "text/plain") {
    std::string raw = ctx.req.body();
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r' || raw.back() == ' ')) raw.pop_back();
    if (!raw.empty()) form.add("token", raw);
  } else {
    return json_error(core::make_error(ErrorCode::kInvalidRequest, "the body must be application/x-www-form-urlencoded"));
  }

  // I7662-2, INTRO-7: the caller must be a registered resource server, by client credentials
  // (Basic or body) or by a bearer token it obtained with the __introspect scope.
  auto authz = ctx.header(http::Field::authorization);
  if (auto bearer = http::parse_bearer(authz)) {
    auto caller = looks_like(*bearer, kAccessTokenPrefix) ? d_.grants.find_token(credential_hash(*bearer))
                                                           : std::nullopt;
    bool ok = caller && caller->kind == store::TokenKind::kAccess && !caller->revoked &&
              caller->expires_at > now() && scopes::ScopeSet::parse(caller->scope).has("__introspect");
    if (!ok) {  // I7662-7 with RFC 6750 §3
      auto res = json_error(core::make_error(ErrorCode::kInvalidToken, "the bearer token may not introspect"));
      res.set(http::Field::www_authenticate, "Bearer error=\"invalid_token\"");
      return res;
    }
  } else {
    auto caller = authenticate_client(ctx, form, AuthMode::kIntrospect);
    if (!caller) return json_error(caller.error());
    if (caller->type != store::ClientType::kResourceServer) {
      return json_error(core::make_error(ErrorCode::kInvalidClient, "only resource servers may introspect",
                                         "client " + caller->client_id + " is not a resource server"));
    }
  }

  auto token = form.get("token");
  if (!token) return json_error(core::make_error(ErrorCode::kInvalidRequest, "token is required"));
  if (form.count("token") > 1) return json_error(core::make_error(ErrorCode::kInvalidRequest, "token is repeated"));
  // token_type_hint is honoured by the prefix and never required (I7662-1, INTRO-10).
  bool access = looks_like(*token, kAccessTokenPrefix);
  bool refresh = looks_like(*token, kRefreshTokenPrefix);
  if (!access && !refresh) return json_ok(kInactive);  // malformed (INTRO-8)
  auto t = d_.grants.find_token(credential_hash(*token));
  if (!t || t->revoked || t->expires_at <= now()) return json_ok(kInactive);  // I7662-5/6
  if ((t->kind == store::TokenKind::kAccess) != access) return json_ok(kInactive);
  auto res = json_ok(introspection_body(*t).dump());
  add_cors(ctx, res, false);
  return res;
}

}  // namespace tessera::oauth
