// Rendering of OAuth errors, once per surface: JSON with no-store for token, introspection and
// revocation (RFC 6749 §5.2); an HTML page or an error redirect for the authorization endpoint.
#pragma once

#include "core/error.h"
#include "http/message.h"

namespace tessera::oauth {

// {"error", "error_description"} with Cache-Control: no-store; 401 + WWW-Authenticate: Basic for
// invalid_client (OAUTH-1, SYM-4). 5xx always becomes a generic server_error.
http::Response json_error(const core::Error& e);
// RFC 6749 §5.2: the Basic challenge of an invalid_client answer is for clients that tried Basic.
// A client that authenticated in the body (or not at all: a public client) gets the 401 without
// it, so a browser does not pop up a password dialog for a single-page app.
http::Response json_client_error(const http::RequestContext& ctx, const core::Error& e);
// redirect_uri?error=...&error_description=...&state=... (AUTHZ-11)
http::Response error_redirect(const std::string& redirect_uri, const core::Error& e,
                              const std::string& state);
// Appends query parameters to a URL that may already have a query.
std::string add_query(const std::string& url, const http::Params& params);

http::Response json_ok(const std::string& body);  // 200 application/json, no-store

}  // namespace tessera::oauth
