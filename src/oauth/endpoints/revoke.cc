// POST /revoke: RFC 7009 (REVOKE-*). Revoking a refresh token ends its whole grant (REVOKE-7);
// unknown tokens and other clients' tokens get 200 and change nothing (REVOKE-4, REVOKE-5).
#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using core::ErrorCode;

http::Response AuthorizationServer::revoke(http::RequestContext& ctx) {
  // REVOKE-9 / CORS-2: errors are as readable by a registered origin as the 200 is.
  auto answer = [&](http::Response res) {
    add_cors(ctx, res, false);
    return res;
  };
  auto form = ctx.form();
  if (!form) return answer(json_error(form.error()));
  auto client = authenticate_client(ctx, *form, AuthMode::kToken);  // REVOKE-3
  if (!client) return answer(json_client_error(ctx, client.error()));
  auto token = form->get("token");
  if (!token)  // REVOKE-8
    return answer(json_error(core::make_error(ErrorCode::kInvalidRequest, "token is required")));
  auto ok = [&] { return answer(json_ok("{}")); };
  // REVOKE-2: the hint is only a hint; the prefix tells the type.
  if (!looks_like(*token, kAccessTokenPrefix) && !looks_like(*token, kRefreshTokenPrefix))
    return ok();
  auto t = d_.grants.find_token(credential_hash(*token));
  if (!t || t->client_id != client->client_id) return ok();
  if (t->kind == store::TokenKind::kRefresh) {
    d_.grants.revoke_grant(t->grant_id);
  } else {
    d_.grants.revoke_token(t->token_hash);
  }
  audit("TokenRevoked", t->client_id, t->subject, "", "success",
        t->kind == store::TokenKind::kRefresh ? "refresh token and its grant" : "access token");
  return ok();
}

}  // namespace tessera::oauth
