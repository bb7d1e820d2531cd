// grant_type=refresh_token (REFRESH-*): rotation, the old refresh token dies; scope may only
// narrow.
#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using core::ErrorCode;

http::Response AuthorizationServer::grant_refresh_token(const store::ClientRecord& client,
                                                        const http::Params& p) {
  auto token = p.get("refresh_token");
  if (!token)
    return json_error(core::make_error(ErrorCode::kInvalidRequest, "refresh_token is required"));
  auto invalid_grant = [](std::string why) {
    return json_error(core::make_error(ErrorCode::kInvalidGrant, std::move(why)));
  };
  if (!looks_like(*token, kRefreshTokenPrefix))
    return invalid_grant("the refresh token is invalid");
  auto rec = d_.grants.find_token(credential_hash(*token));
  if (!rec || rec->kind != store::TokenKind::kRefresh)
    return invalid_grant("the refresh token is invalid");
  if (rec->client_id != client.client_id)
    return invalid_grant("the refresh token was issued to another client");  // REFRESH-3
  if (rec->revoked) {
    // REFRESH-8: reuse of a rotated (or revoked) refresh token ends the whole authorization.
    d_.grants.revoke_grant(rec->grant_id);
    audit("RefreshReuseDetected", rec->client_id, rec->subject, "", "denied",
          "grant " + rec->grant_id + " revoked");
    return invalid_grant("the refresh token was revoked");
  }
  if (rec->expires_at <= now()) return invalid_grant("the refresh token has expired");
  auto grant = d_.grants.find_grant(rec->grant_id);
  if (!grant || grant->revoked) return invalid_grant("the authorization was revoked");

  // REFRESH-5: an optional scope that is a subset of the grant (Ambiguity 9: equal allowed).
  std::string scope = rec->scope;
  if (auto requested = p.get("scope")) {
    auto req = scopes::ScopeSet::parse(*requested);
    if (!scopes::is_within(req, scopes::ScopeSet::parse(rec->scope))) {
      return json_error(core::make_error(ErrorCode::kInvalidScope,
                                         "the requested scope exceeds the original grant"));
    }
    scope = req.to_string();
  }
  // Rotation: the presented refresh token dies with this request.
  if (!d_.grants.revoke_token(rec->token_hash))
    return invalid_grant("the refresh token is invalid");
  store::GrantRecord g = *grant;
  g.scope = rec->scope;
  auto issued = issue_tokens(g, scope, /*with_refresh=*/true,
                             grant->id_token && scopes::ScopeSet::parse(scope).has("openid"), "");
  if (!issued) return json_error(issued.error());
  return json_ok(issued->response.dump());
}

}  // namespace tessera::oauth
