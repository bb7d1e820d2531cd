// grant_type=authorization_code (TOKEN-2, TOKEN-3, PKCE-3, OAUTH-4).
#include "core/encoding.h"
#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using core::ErrorCode;

namespace {
// RFC 7636 §4.1: 43..128 characters of [A-Z a-z 0-9 - . _ ~] (PKCE-5).
bool valid_verifier(const std::string& v) {
  if (v.size() < 43 || v.size() > 128) return false;
  for (char c : v) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

http::Response AuthorizationServer::grant_authorization_code(const store::ClientRecord& client,
                                                             const http::Params& p) {
  auto code = p.get("code");
  auto redirect_uri = p.get("redirect_uri");
  auto verifier = p.get("code_verifier");
  if (!code) return json_error(core::make_error(ErrorCode::kInvalidRequest, "code is required"));
  if (!redirect_uri)
    return json_error(core::make_error(ErrorCode::kInvalidRequest, "redirect_uri is required"));
  if (!verifier)
    return json_error(
        core::make_error(ErrorCode::kInvalidRequest, "code_verifier is required (PKCE)"));

  auto invalid_grant = [](std::string why) {
    return json_error(core::make_error(ErrorCode::kInvalidGrant, std::move(why)));
  };
  if (!looks_like(*code, kCodePrefix)) return invalid_grant("the code is invalid");
  auto rec = d_.grants.take_code(credential_hash(*code));
  if (!rec) return invalid_grant("the code is invalid");
  if (rec->used) {
    // OAUTH-4: a replayed code revokes every token issued from it.
    d_.grants.revoke_grant(rec->grant_id);
    audit("CodeReplayDetected", rec->client_id, "", "", "denied",
          "grant " + rec->grant_id + " revoked");
    return invalid_grant("the code was already used");
  }
  if (rec->expires_at <= now()) return invalid_grant("the code has expired");
  if (rec->client_id != client.client_id)
    return invalid_grant("the code was issued to another client");  // TOKEN-3
  if (rec->redirect_uri != *redirect_uri)
    return invalid_grant("redirect_uri does not match the authorization request");
  // PKCE-3: BASE64URL(SHA256(verifier)) == challenge, compared in constant time.
  if (!valid_verifier(*verifier))
    return invalid_grant("code_verifier is malformed (43-128 unreserved characters)");
  if (!core::constant_time_equal(core::base64url_encode(core::sha256(*verifier)),
                                 rec->code_challenge))
    return invalid_grant("code_verifier does not match the code_challenge");

  auto grant = d_.grants.find_grant(rec->grant_id);
  if (!grant || grant->revoked) return invalid_grant("the authorization was revoked");
  auto granted = scopes::ScopeSet::parse(grant->scope);
  bool refresh = (granted.has("offline_access") || granted.has("online_access")) &&
                 std::find(client.grant_types.begin(), client.grant_types.end(), "refresh_token") !=
                     client.grant_types.end();
  auto issued = issue_tokens(*grant, grant->scope, refresh, grant->id_token, rec->nonce);
  if (!issued) return json_error(issued.error());
  return json_ok(issued->response.dump());
}

}  // namespace tessera::oauth
