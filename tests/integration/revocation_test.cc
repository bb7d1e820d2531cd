// Issue 2 acceptance 4, revocation (RFC 7009): 200 for tokens the caller cannot act on, other
// clients' tokens untouched, request errors as RFC 6749 §5.2 JSON (REVOKE-*).
#include <gtest/gtest.h>

#include "core/random.h"
#include "fixture.h"

namespace tessera::itest {
namespace {

class Revocation : public SharedAsTest {
 protected:
  static Flow solo() {
    Flow f;
    f.username = "solo";
    f.password = "solo-password";
    return f;
  }
};

// REVOKE-4: unknown or malformed tokens get 200 (the client could not act on an error).
TEST_F(Revocation, UnknownTokenIs200) {
  for (const std::string& t : std::vector<std::string>{
           std::string("garbage"), "tsr_at_" + core::default_random().token(32),
           "tsr_rt_" + core::default_random().token(32)}) {
    SCOPED_TRACE(t);
    auto r = revoke({{"token", t}, {"client_id", "web-app"}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
  }
  EXPECT_EQ(revoke({{"token", "garbage"}}, {{"Authorization", conf_auth()}}).status, 200);
}

// REVOKE-5 (Ambiguity 17): another client's token gets 200 and stays active.
TEST_F(Revocation, AnotherClientsTokenIs200AndStaysActive) {
  auto tok = launch(solo());
  for (const std::string& t : std::vector<std::string>{tok["access_token"].get<std::string>(),
                                                       tok["refresh_token"].get<std::string>()}) {
    auto r = revoke({{"token", t}}, {{"Authorization", conf_auth()}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(introspect(tok["access_token"]).json()["active"], true);
  EXPECT_EQ(introspect(tok["refresh_token"]).json()["active"], true);
  EXPECT_EQ(refresh(tok["refresh_token"]).status, 200);
}

// REVOKE-8: a missing token is invalid_request.
TEST_F(Revocation, MissingTokenIs400InvalidRequest) {
  expect_oauth_error(revoke({{"client_id", "web-app"}}), 400, "invalid_request");
  expect_oauth_error(revoke({{"token", ""}, {"client_id", "web-app"}}), 400, "invalid_request");
  expect_oauth_error(revoke({}, {{"Authorization", conf_auth()}}), 400, "invalid_request");
}

// REVOKE-3: the confidential client authenticates as at the token endpoint.
TEST_F(Revocation, ConfidentialClientWithoutCredentialsIs401) {
  expect_oauth_error(revoke({{"token", "garbage"}, {"client_id", "conf-app"}}), 401,
                     "invalid_client");
  auto wrong = revoke({{"token", "garbage"}}, {{"Authorization", basic_auth("conf-app", "wrong")}});
  expect_oauth_error(wrong, 401, "invalid_client");
  EXPECT_EQ(wrong.header("WWW-Authenticate").rfind("Basic", 0), 0u);
}

// REVOKE-2: the hint is only a hint; REVOKE-10: revoked means inactive at once.
TEST_F(Revocation, WrongHintStillRevokes) {
  auto tok = launch(solo());
  auto r = revoke({{"token", tok["access_token"]},
                   {"token_type_hint", "refresh_token"},
                   {"client_id", "web-app"}});
  EXPECT_EQ(r.status, 200);
  expect_inactive(introspect(tok["access_token"]));
}

}  // namespace
}  // namespace tessera::itest
