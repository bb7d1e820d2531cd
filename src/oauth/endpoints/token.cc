// POST /token (TOKEN-*, OAUTH-*): parse the form, authenticate the client, dispatch by
// grant_type to one handler per grant (grants/*.cc). Every answer carries no-store (TOKEN-7).
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "jose/jws.h"
#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using core::ErrorCode;
using http::Response;
using Json = nlohmann::json;

boost::asio::awaitable<Response> AuthorizationServer::token_endpoint(http::RequestContext& ctx) {
  PendingWrite pending;
  Response res = token(ctx, &pending);
  if (pending.write) {
    auto st = co_await durably(std::move(pending.write));
    if (!st) {  // nothing was stored: the minted token is never valid
      res = json_error(st.error());
      http::set_no_store(res);
      add_cors(ctx, res, false);
    } else {
      pending.on_durable();
    }
  }
  co_return res;
}

Response AuthorizationServer::token(http::RequestContext& ctx, PendingWrite* pending) {
  // Every answer, errors included: no-store (TOKEN-7), readable by a registered origin (CORS-2).
  auto answer = [&](Response res) {
    http::set_no_store(res);
    add_cors(ctx, res, false);
    return res;
  };
  auto form = ctx.form();  // TOKEN-1: form-encoded only
  if (!form) return answer(json_error(form.error()));
  for (const auto& [k, v] : form->items()) {
    if (!v.empty() && form->count(k) > 1 && k != "resource")  // AUTHZ-12 / RFC 6749 §3.2
      return answer(json_error(core::make_error(ErrorCode::kInvalidRequest, k + " is repeated")));
  }
  auto grant_type = form->get("grant_type");
  if (!grant_type) {
    return answer(
        json_error(core::make_error(ErrorCode::kInvalidRequest, "grant_type is required")));
  }

  using GrantFn =
      Response (AuthorizationServer::*)(const store::ClientRecord&, const http::Params&);
  static const std::map<std::string, GrantFn, std::less<>> kGrants = {
      {"authorization_code", &AuthorizationServer::grant_authorization_code},
      {"refresh_token", &AuthorizationServer::grant_refresh_token},
      {"client_credentials", nullptr},  // below: it may defer its write
  };
  auto it = kGrants.find(*grant_type);
  if (it == kGrants.end()) {
    return answer(json_error(core::make_error(ErrorCode::kUnsupportedGrantType,
                                              "grant_type " + *grant_type + " is not supported")));
  }
  auto client = authenticate_client(ctx, *form, AuthMode::kToken);
  if (!client) return answer(json_client_error(ctx, client.error()));
  if (client->type == store::ClientType::kResourceServer && *grant_type != "client_credentials") {
    return answer(json_error(core::make_error(ErrorCode::kUnauthorizedClient,
                                              "resource servers only use client_credentials")));
  }
  if (std::find(client->grant_types.begin(), client->grant_types.end(), *grant_type) ==
      client->grant_types.end()) {
    return answer(json_error(core::make_error(
        ErrorCode::kUnauthorizedClient, "this client may not use the " + *grant_type + " grant")));
  }
  if (*grant_type == "client_credentials")  // the one grant whose write can be group-committed
    return answer(grant_client_credentials(*client, *form, pending));
  return answer((this->*(it->second))(*client, *form));
}

std::string AuthorizationServer::make_id_token(const store::GrantRecord& grant,
                                               const std::string& nonce) {
  // OIDC-8: iss, sub, aud, exp, iat (+ nonce, auth_time); OIDC-5: fhirUser when granted.
  std::int64_t t = now();
  Json claims{{"iss", d_.config.authz.issuer},
              {"sub", grant.subject},
              {"aud", grant.client_id},
              {"iat", t},
              {"exp", t + d_.config.authz.access_token_ttl.count()}};
  if (grant.auth_time > 0) claims["auth_time"] = grant.auth_time;
  if (!nonce.empty()) claims["nonce"] = nonce;
  auto scopes = scopes::ScopeSet::parse(grant.scope);
  if (scopes.has("fhirUser") && !grant.fhir_user.empty()) claims["fhirUser"] = grant.fhir_user;
  return jose::sign_jwt(d_.keys.signing_key(), claims);
}

AuthorizationServer::PreparedTokens AuthorizationServer::prepare_tokens(
    const store::GrantRecord& grant, const std::string& access_scope, bool with_refresh,
    bool with_id_token, const std::string& nonce, bool backend) {
  const std::int64_t t = now();
  const std::int64_t ttl = backend ? d_.config.authz.backend_token_ttl.count()
                                   : d_.config.authz.access_token_ttl.count();
  PreparedTokens p;
  p.with_refresh = with_refresh;
  std::string access = new_credential(kAccessTokenPrefix);
  store::TokenRecord& at = p.access;
  at.token_hash = credential_hash(access);
  at.kind = store::TokenKind::kAccess;
  at.grant_id = grant.grant_id;
  at.client_id = grant.client_id;
  at.subject = grant.subject;
  at.fhir_user = grant.fhir_user;
  at.scope = access_scope;
  at.aud = grant.aud;
  at.context_json = grant.context_json;
  at.id_token = grant.id_token;
  at.issued_at = t;
  at.expires_at = t + ttl;

  std::string refresh;
  if (with_refresh) {
    refresh = new_credential(kRefreshTokenPrefix);
    store::TokenRecord& rt = p.refresh;
    rt = at;
    rt.token_hash = credential_hash(refresh);
    rt.kind = store::TokenKind::kRefresh;
    rt.scope = grant.scope;  // REFRESH-9: the refresh token keeps the grant's scope
    auto granted = scopes::ScopeSet::parse(grant.scope);
    // online_access: bounded by the sign-in session lifetime (REFRESH-2).
    std::int64_t rttl = granted.has("offline_access") ? d_.config.authz.refresh_token_ttl.count()
                                                      : d_.config.authz.session_ttl.count();
    rt.expires_at = t + rttl;
  }

  // TOKEN-6 and the launch context members (TOKEN-10), verbatim from the grant.
  Json body{{"access_token", access},
            {"token_type", "Bearer"},
            {"expires_in", ttl},
            {"scope", access_scope}};
  if (with_refresh) body["refresh_token"] = refresh;
  if (with_id_token) body["id_token"] = make_id_token(grant, nonce);
  auto ctx = Json::parse(grant.context_json, nullptr, false);
  if (ctx.is_object()) {
    for (auto& [k, v] : ctx.items()) body[k] = v;
    p.patient = ctx.value("patient", "");
  }
  p.response = std::move(body);
  return p;
}

core::Status AuthorizationServer::store_tokens(const PreparedTokens& p) {
  if (auto s = d_.grants.add_token(p.access); !s) return s;
  if (p.with_refresh) {
    if (auto s = d_.grants.add_token(p.refresh); !s) return s;
  }
  return {};
}

void AuthorizationServer::audit_issued(const store::GrantRecord& grant, const PreparedTokens& p) {
  audit("TokenIssued", grant.client_id, grant.subject, p.patient, "success");
}

core::Result<AuthorizationServer::Issued> AuthorizationServer::issue_tokens(
    const store::GrantRecord& grant, const std::string& access_scope, bool with_refresh,
    bool with_id_token, const std::string& nonce, bool backend) {
  PreparedTokens p =
      prepare_tokens(grant, access_scope, with_refresh, with_id_token, nonce, backend);
  // Durable before it is handed out: the token survives a crash once the client has it.
  auto st = d_.tx.transaction([&]() -> core::Status { return store_tokens(p); });
  if (!st) return st.error();
  audit_issued(grant, p);
  return Issued{std::move(p.response)};
}

boost::asio::awaitable<core::Status> AuthorizationServer::durably(
    std::function<core::Status()> write) {
  // Group commit (store::Transactional::transaction_async): this request's rows share a commit
  // with the other requests' that arrived meanwhile; the coroutine resumes on its own executor
  // once they are committed, and the serving thread handles other requests in between.
  auto initiate = [this, &write](auto handler) {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    d_.tx.transaction_async(std::move(write), [h](core::Status st) {
      auto ex = boost::asio::get_associated_executor(*h);
      boost::asio::post(ex, [h, st = std::move(st)]() mutable { (*h)(std::move(st)); });
    });
  };
  core::Status st = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                         void(core::Status)>(
      initiate, boost::asio::use_awaitable);
  co_return st;
}

}  // namespace tessera::oauth
