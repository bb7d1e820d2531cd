// Routes for the pages a person sees during authorization: login, patient picker, consent.
// They render web/pages.h and drive oauth::AuthorizationServer's interaction API; protocol
// decisions stay in oauth. Every POST checks the interaction's CSRF token and browser cookie.
#pragma once

#include "http/router.h"
#include "oauth/authorization_server.h"

namespace tessera::web {

void register_interaction_routes(http::Router& router, oauth::AuthorizationServer& as);

}  // namespace tessera::web
