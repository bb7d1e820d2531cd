// grant_type=client_credentials (BACKEND-6..10): confidential clients with system/ scopes;
// resource servers may also obtain the `__introspect` scope for bearer-authorized introspection
// (INTRO-7).
#include "core/random.h"
#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"

namespace tessera::oauth {

using core::ErrorCode;
using http::Response;

http::Response AuthorizationServer::grant_client_credentials(const store::ClientRecord& client,
                                                             const http::Params& p,
                                                             PendingWrite* pending) {
  if (client.type == store::ClientType::kPublic) {
    return json_error(core::make_error(ErrorCode::kUnauthorizedClient,
                                       "public clients cannot use client_credentials"));
  }
  auto scope = p.get("scope");
  if (!scope) return json_error(core::make_error(ErrorCode::kInvalidRequest, "scope is required"));
  auto requested = scopes::ScopeSet::parse(*scope);
  // Only system/ scopes (and the introspection scope) make sense without a user (BACKEND-11).
  std::string filtered;
  for (const auto& s : requested.all()) {
    bool ok = s.rfind("system/", 0) == 0 || s == "__introspect";
    if (ok) filtered += (filtered.empty() ? "" : " ") + s;
  }
  auto granted =
      scopes::narrow(scopes::ScopeSet::parse(filtered), scopes::ScopeSet::parse(client.scope));
  if (granted.empty()) {
    return json_error(core::make_error(ErrorCode::kInvalidScope,
                                       "none of the requested scopes is allowed for this client"));
  }
  store::GrantRecord g;
  g.grant_id = core::default_random().token(16);
  g.client_id = client.client_id;
  g.subject = client.client_id;
  g.scope = granted.to_string();
  g.context_json = "{}";
  g.created_at = now();
  // Grant and token land together or not at all, before the answer is sent (durable).
  auto prepared = std::make_shared<PreparedTokens>(prepare_tokens(
      g, g.scope, /*with_refresh=*/false, /*with_id_token=*/false, "", /*backend=*/true));
  auto write = [this, g, prepared]() -> core::Status {  // BACKEND-9, BACKEND-10
    if (auto s = d_.grants.add_grant(g); !s) return s;
    return store_tokens(*prepared);
  };
  Response res = json_ok(prepared->response.dump());
  if (pending) {  // the token endpoint commits it with other requests' rows (group commit)
    pending->write = std::move(write);
    pending->on_durable = [this, g, prepared] { audit_issued(g, *prepared); };
    return res;
  }
  if (auto st = d_.tx.transaction(write); !st) return json_error(st.error());
  audit_issued(g, *prepared);
  return res;
}

}  // namespace tessera::oauth
