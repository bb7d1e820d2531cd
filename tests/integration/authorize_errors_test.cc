// Issue 2 acceptance 4, authorization endpoint: every refusal over HTTP against the real binary.
// Until client_id and redirect_uri are validated the AS answers with its own HTML page and never
// redirects (AUTHZ-3, AUTHZ-4); afterwards errors go back to the app with `error` and the
// original `state` (AUTHZ-11, AUTHZ-7), and never with a code.
#include <gtest/gtest.h>

#include "core/random.h"
#include "fixture.h"

namespace tessera::itest {
namespace {

const std::string kCallback = "http://127.0.0.1:9/callback";

class AuthorizeErrors : public SharedAsTest {
 protected:
  // The authorization request of the default flow with `name` replaced by `value` ("" drops it).
  http::Params with(const std::string& name, const std::string& value) const {
    http::Params out;
    bool replaced = false;
    const auto base = authorize_params(Flow{}, pkce_);
    for (const auto& [k, v] : base.items()) {
      if (k != name) {
        out.add(k, v);
      } else if (!value.empty() && !replaced) {
        out.add(k, value);
        replaced = true;
      }
    }
    if (!value.empty() && !replaced) out.add(name, value);
    return out;
  }
  std::string state() const { return Flow{}.state; }

  Pkce pkce_ = make_pkce();
};

// AUTHZ-3: an unknown client gets an error page from the AS itself, no redirect.
TEST_F(AuthorizeErrors, UnknownClientGetsAnErrorPageAndNoRedirect) {
  auto r = authorize(with("client_id", "no-such-app"));
  expect_error_page(r, 400);
  EXPECT_NE(r.body.find("Unknown app"), std::string::npos);
  EXPECT_EQ(r.body.find(kCallback), std::string::npos) << "the page must not link to the redirect";
  // A resource server is not an app either, and a missing client_id is no better.
  expect_error_page(authorize(with("client_id", "fhir-rs")), 400);
  expect_error_page(authorize(with("client_id", "")), 400);
}

// AUTHZ-4: exact string match; near misses are not redirected to (RFC 6749 §4.1.2.1).
TEST_F(AuthorizeErrors, UnregisteredRedirectUriGetsAnErrorPageAndNoRedirect) {
  for (const std::string& uri :
       std::vector<std::string>{kCallback + "/",                     // trailing slash
                                kCallback + "?x=1",                  // extra query
                                kCallback + "#frag",                 // fragment
                                "http://127.0.0.1:9/Callback",       // case of the path
                                "http://127.0.0.1:9/conf-callback",  // another client's
                                "https://evil.example/callback"}) {
    SCOPED_TRACE(uri);
    auto r = authorize(with("redirect_uri", uri));
    expect_error_page(r, 400);
    EXPECT_NE(r.body.find("not recognised"), std::string::npos);
  }
  expect_error_page(authorize(with("redirect_uri", "")), 400);  // missing
  // Repeated redirect_uri is refused before anything is redirected.
  auto twice = with("redirect_uri", kCallback);
  twice.add("redirect_uri", "https://evil.example/callback");
  expect_error_page(authorize(twice), 400);
}

// AUTHZ-8 (Ambiguity 8): an aud this AS does not protect is refused back to the app.
TEST_F(AuthorizeErrors, BadAudienceRedirectsWithInvalidRequest) {
  expect_error_redirect(authorize(with("aud", "https://evil.example/fhir")), kCallback,
                        "invalid_request", state());
  expect_error_redirect(authorize(with("aud", fhir_base() + "/other")), kCallback,
                        "invalid_request", state());
  expect_error_redirect(authorize(with("aud", "")), kCallback, "invalid_request", state());
  // RFC 8707 `resource` is accepted as a synonym, and checked the same way.
  auto resource = with("aud", "");
  resource.add("resource", "https://evil.example/fhir");
  expect_error_redirect(authorize(resource), kCallback, "invalid_request", state());
}

// AUTHZ-9, PKCE-4: both code_challenge and code_challenge_method are required.
TEST_F(AuthorizeErrors, MissingPkceParametersAreRefused) {
  expect_error_redirect(authorize(with("code_challenge", "")), kCallback, "invalid_request",
                        state());
  expect_error_redirect(authorize(with("code_challenge_method", "")), kCallback, "invalid_request",
                        state());
}

// PKCE-2: `plain` is not supported; PKCE-5: an S256 challenge is 43 base64url characters.
TEST_F(AuthorizeErrors, PlainPkceAndMalformedChallengesAreRefused) {
  auto plain = with("code_challenge_method", "plain");
  expect_error_redirect(authorize(plain), kCallback, "invalid_request", state());
  // Even a consistent plain pair (challenge = verifier) is refused.
  http::Params plain_pair;
  const auto base = with("code_challenge", pkce_.verifier);
  for (const auto& [k, v] : base.items())
    plain_pair.add(k, k == "code_challenge_method" ? "plain" : v);
  expect_error_redirect(authorize(plain_pair), kCallback, "invalid_request", state());
  expect_error_redirect(authorize(with("code_challenge", "too-short")), kCallback,
                        "invalid_request", state());
  expect_error_redirect(authorize(with("code_challenge", std::string(43, '*'))), kCallback,
                        "invalid_request", state());
}

// AUTHZ-2: response_type is fixed as `code`.
TEST_F(AuthorizeErrors, UnsupportedResponseTypeRedirectsWithState) {
  expect_error_redirect(authorize(with("response_type", "token")), kCallback,
                        "unsupported_response_type", state());
  expect_error_redirect(authorize(with("response_type", "code id_token")), kCallback,
                        "unsupported_response_type", state());
  expect_error_redirect(authorize(with("response_type", "")), kCallback, "invalid_request",
                        state());
}

// AUTHZ-7, Ambiguity 15: a request without state is refused (and the redirect has no state).
TEST_F(AuthorizeErrors, MissingStateIsInvalidRequest) {
  expect_error_redirect(authorize(with("state", "")), kCallback, "invalid_request", std::nullopt);
}

// AUTHZ-12: a parameter may appear only once; unknown parameters are ignored.
TEST_F(AuthorizeErrors, RepeatedParametersAreInvalidRequestUnknownOnesIgnored) {
  for (const std::string& name :
       std::vector<std::string>{"scope", "state", "aud", "code_challenge", "response_type"}) {
    SCOPED_TRACE(name);
    auto p = authorize_params(Flow{}, pkce_);
    p.add(name, name == "scope" ? "user/*.rs" : "second-value");
    auto r = authorize(p);
    ASSERT_EQ(r.status, 303);
    EXPECT_EQ(query_param(r.header("Location"), "error"), "invalid_request");
    EXPECT_EQ(query_param(r.header("Location"), "code"), std::nullopt);
  }
  auto extra = authorize_params(Flow{}, pkce_);
  extra.add("foo", "bar");
  auto ok = authorize(extra);
  ASSERT_EQ(ok.status, 303);
  EXPECT_EQ(ok.header("Location").rfind(issuer() + "/interaction/", 0), 0u)
      << ok.header("Location");
}

// AUTHZ-6: a scope outside the client's registration is not offered; nothing left = invalid_scope.
TEST_F(AuthorizeErrors, ScopeMissingOrNotAllowedIsInvalidScope) {
  expect_error_redirect(authorize(with("scope", "")), kCallback, "invalid_scope", state());
  expect_error_redirect(authorize(with("scope", "system/*.rs")), kCallback, "invalid_scope",
                        state());
}

// AUTHZ-5: the launch scope belongs to an EHR launch and needs the launch parameter.
TEST_F(AuthorizeErrors, LaunchScopeWithoutLaunchParameterIsInvalidRequest) {
  expect_error_redirect(authorize(with("scope", "launch openid patient/*.rs")), kCallback,
                        "invalid_request", state());
}

// LAUNCH-2: an unknown, malformed, used or foreign launch never starts a sign-in.
TEST_F(AuthorizeErrors, UnknownOrUsedLaunchIsRefused) {
  auto ehr = [&](const std::string& launch) {
    auto p = with("scope", "launch openid patient/*.rs");
    p.add("launch", launch);
    return authorize(p);
  };
  expect_error_redirect(ehr("tsr_ln_" + core::default_random().token(32)), kCallback,
                        "invalid_request", state());  // well-formed, unknown
  expect_error_redirect(ehr("not-a-launch"), kCallback, "invalid_request", state());

  auto made = run_tessera({"--database", seed.db, "launch", "create", "--patient", "demo-solo"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string launch = made.out.substr(0, made.out.find('\n'));
  auto first = ehr(launch);
  ASSERT_EQ(first.status, 303);
  EXPECT_EQ(first.header("Location").rfind(issuer() + "/interaction/", 0), 0u);
  expect_error_redirect(ehr(launch), kCallback, "invalid_request", state());  // single use

  auto other = run_tessera({"--database", seed.db, "launch", "create", "--patient", "demo-solo",
                            "--client", "conf-app"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  expect_error_redirect(ehr(other.out.substr(0, other.out.find('\n'))), kCallback,
                        "invalid_request",
                        state());  // made for another app
}

// AUTHZ-1: the form POST of the authorization request works end to end.
TEST_F(AuthorizeErrors, PostFormAuthorizationRequestSucceeds) {
  Flow f;
  f.post_authorize = true;
  f.username = "solo";
  f.password = "solo-password";
  auto pkce = make_pkce();
  auto redirect = authorize_and_consent(f, pkce);
  ASSERT_TRUE(query_param(redirect, "code")) << redirect;
  EXPECT_EQ(query_param(redirect, "state"), f.state);
  auto tok = exchange(*query_param(redirect, "code"), pkce);
  ASSERT_EQ(tok.status, 200) << tok.body;
  EXPECT_EQ(tok.json()["patient"], "demo-solo");
}

// AUTHZ-11, AUTHZ-7: a denied consent goes back with access_denied and the original state.
TEST_F(AuthorizeErrors, DeniedConsentRedirectsWithAccessDeniedAndState) {
  Flow f;
  f.deny = true;
  f.state = "deny-" + core::default_random().token(24);
  f.username = "solo";
  f.password = "solo-password";
  auto redirect = authorize_and_consent(f, make_pkce());
  EXPECT_EQ(redirect.rfind(kCallback + "?", 0), 0u) << redirect;
  EXPECT_EQ(query_param(redirect, "error"), "access_denied");
  EXPECT_EQ(query_param(redirect, "state"), f.state);
  EXPECT_EQ(query_param(redirect, "code"), std::nullopt);
}

}  // namespace
}  // namespace tessera::itest
