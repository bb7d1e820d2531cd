// GET/POST /authorize (AUTHZ-*, PKCE-*, LAUNCH-2): an ordered list of small checks. Until the
// client and redirect_uri are validated, errors are an HTML page and never a redirect; after,
// they redirect to the client with `error` and `state`.
#include <spdlog/spdlog.h>

#include "core/encoding.h"
#include "core/random.h"
#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"
#include "scopes/scope.h"
#include "web/pages.h"

namespace tessera::oauth {

using core::ErrorCode;
using http::Response;
using http::Status;

namespace {

Response error_page(Status status, std::string title, std::string message, std::string advice) {
  web::ErrorView v{std::move(title), std::move(message), std::move(advice),
                   static_cast<int>(status)};
  return http::html_response(status, web::render_error(v));
}

// PKCE-5: 43 characters of unpadded base64url for an S256 challenge.
bool valid_s256_challenge(const std::string& c) {
  if (c.size() != 43) return false;
  return core::base64url_decode(c).has_value();
}

}  // namespace

Response AuthorizationServer::authorize(http::RequestContext& ctx) {
  http::Params params;
  if (ctx.req.method() == http::Verb::post) {  // AUTHZ-1
    auto form = ctx.form();
    if (!form) {
      return error_page(
          Status::bad_request, "This sign-in link is broken",
          "The app sent an authorization request Tessera could not read.",
          "Go back to the app and try again. If it keeps happening, tell the app's developer.");
    }
    params = std::move(*form);
  } else {
    params = ctx.query;
  }

  // check_client (AUTHZ-3): unknown client -> page, no redirect.
  if (params.count("client_id") > 1 || params.count("redirect_uri") > 1) {
    return error_page(Status::bad_request, "This sign-in link is broken",
                      "The request repeats client_id or redirect_uri.",
                      "Go back to the app and try again.");
  }
  auto client_id = params.get("client_id");
  if (!client_id) {
    return error_page(
        Status::bad_request, "This sign-in link is broken",
        "The request does not say which app is asking (client_id is missing).",
        "Go back to the app and try again. If it keeps happening, tell the app's developer.");
  }
  auto client = d_.clients.find_client(*client_id);
  if (!client || client->type == store::ClientType::kResourceServer) {
    return error_page(
        Status::bad_request, "Unknown app",
        "The app that sent you here is not registered with this server.",
        "Check that you opened the app from a trusted place. The app's developer must "
        "register it before it can be used.");
  }

  // check_redirect_uri (AUTHZ-4): exact string match against the registered list.
  auto redirect_uri = params.get("redirect_uri");
  if (!redirect_uri || std::find(client->redirect_uris.begin(), client->redirect_uris.end(),
                                 *redirect_uri) == client->redirect_uris.end()) {
    spdlog::info("authorize: redirect_uri not registered for {}", client->client_id);
    return error_page(
        Status::bad_request, "This app's address is not recognised",
        "The app asked to send you back to an address it has not registered, so "
        "Tessera stopped here to protect your data.",
        "Go back to the app and try again. If it keeps happening, tell the app's developer.");
  }

  // From here on errors go back to the app (AUTHZ-11), with state unchanged (AUTHZ-7).
  std::string state = params.get("state").value_or("");
  auto fail = [&](ErrorCode code, std::string description) {
    return error_redirect(*redirect_uri, core::make_error(code, std::move(description)), state);
  };
  // AUTHZ-12: a parameter may appear only once.
  for (const char* name : {"response_type", "scope", "state", "aud", "code_challenge",
                           "code_challenge_method", "launch", "nonce", "resource"}) {
    if (params.count(name) > 1)
      return fail(ErrorCode::kInvalidRequest, std::string(name) + " is repeated");
  }
  // check_response_type (AUTHZ-2)
  auto response_type = params.get("response_type");
  if (!response_type) return fail(ErrorCode::kInvalidRequest, "response_type is required");
  if (*response_type != "code")
    return fail(ErrorCode::kUnsupportedResponseType, "response_type must be code");
  if (std::find(client->grant_types.begin(), client->grant_types.end(), "authorization_code") ==
      client->grant_types.end()) {
    return fail(ErrorCode::kUnauthorizedClient,
                "this client may not use the authorization code grant");
  }
  // check_state (AUTHZ-7, Ambiguity 15)
  if (state.empty()) return fail(ErrorCode::kInvalidRequest, "state is required");
  // check_aud (AUTHZ-8; `resource` accepted as a synonym, RFC 8707)
  auto aud = params.get("aud");
  if (!aud) aud = params.get("resource");
  if (!aud)
    return fail(ErrorCode::kInvalidRequest, "aud is required: the FHIR base URL the app will use");
  if (!is_audience(*aud))
    return fail(ErrorCode::kInvalidRequest,
                "aud is not a FHIR server protected by this authorization server");
  std::string audience = *aud;
  while (audience.size() > 1 && audience.back() == '/') audience.pop_back();
  // check_pkce (PKCE-1, PKCE-2, PKCE-4, PKCE-5)
  auto method = params.get("code_challenge_method");
  auto challenge = params.get("code_challenge");
  if (!challenge) return fail(ErrorCode::kInvalidRequest, "code_challenge is required (PKCE)");
  if (!method)
    return fail(ErrorCode::kInvalidRequest, "code_challenge_method is required and must be S256");
  if (*method != "S256")
    return fail(ErrorCode::kInvalidRequest,
                "code_challenge_method must be S256; plain is not supported");
  if (!valid_s256_challenge(*challenge))
    return fail(ErrorCode::kInvalidRequest,
                "code_challenge must be a base64url SHA-256 (43 characters)");

  // check_scope (AUTHZ-6, SCOPE-*)
  auto scope = params.get("scope");
  if (!scope) return fail(ErrorCode::kInvalidScope, "scope is required");
  auto requested = scopes::ScopeSet::parse(*scope);
  auto offered = scopes::narrow(requested, scopes::ScopeSet::parse(client->scope));
  if (offered.empty())
    return fail(ErrorCode::kInvalidScope,
                "none of the requested scopes is allowed for this client");

  AuthorizationRequest ar;
  ar.client_id = client->client_id;
  ar.redirect_uri = *redirect_uri;
  ar.state = state;
  ar.requested_scope = *scope;
  ar.offered_scope = offered.to_string();
  ar.aud = audience;
  ar.code_challenge = *challenge;
  ar.nonce = params.get("nonce").value_or("");

  // check_launch (AUTHZ-5, LAUNCH-2): EHR launch context, single use.
  if (auto launch = params.get("launch")) {
    if (!requested.has("launch"))
      return fail(ErrorCode::kInvalidScope, "an EHR launch must request the launch scope");
    auto rec = looks_like(*launch, kLaunchPrefix)
                   ? d_.launches.consume_launch(credential_hash(*launch), now())
                   : std::nullopt;
    if (!rec) return fail(ErrorCode::kInvalidRequest, "launch is unknown, expired or already used");
    if (!rec->client_id.empty() && rec->client_id != client->client_id)
      return fail(ErrorCode::kInvalidRequest, "launch was made for another app");
    ar.ehr_launch = true;
    ar.launch_context = nlohmann::json::parse(rec->context_json, nullptr, false);
    if (!ar.launch_context.is_object()) ar.launch_context = nlohmann::json::object();
    ar.launch_user = rec->username;
  } else if (requested.has("launch")) {
    return fail(ErrorCode::kInvalidRequest,
                "the launch scope needs a launch parameter (EHR launch)");
  }
  // CTX-1: patient/ scopes need a patient in context; standalone asks the user (as launch/patient).
  bool wants_patient =
      offered.has("launch/patient") || offered.has_context(scopes::Context::kPatient);
  ar.needs_patient = wants_patient && !ar.launch_context.contains("patient");

  // Hand over to the pages: a pending interaction bound to this browser by a cookie.
  auto cookie = core::default_random().token(32);
  store::InteractionRecord ix;
  ix.id = std::string(kInteractionPrefix) + core::default_random().token(18);
  ix.cookie_hash = credential_hash(cookie);
  ix.csrf = core::default_random().token(24);
  ix.request_json = ar.to_json().dump();
  ix.created_at = now();
  ix.expires_at = now() + d_.config.authz.interaction_ttl.count();
  if (auto st = d_.interactions.put_interaction(ix); !st) {
    return fail(ErrorCode::kServerError, "could not start the sign-in");
  }
  auto res = http::redirect_response(endpoint("/interaction/" + ix.id), Status::see_other);
  std::string attrs = "; Path=/interaction/" + ix.id + "; HttpOnly; SameSite=Lax; Max-Age=" +
                      std::to_string(d_.config.authz.interaction_ttl.count());
  if (d_.config.server.public_url.rfind("https://", 0) == 0) attrs += "; Secure";
  res.set(http::Field::set_cookie, std::string(kInteractionCookie) + "=" + cookie + attrs);
  return res;
}

}  // namespace tessera::oauth
