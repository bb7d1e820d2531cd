// Issue 2 acceptance 4, the sign-in and consent pages: CSRF tokens, the browser binding of an
// interaction, wrong passwords and login throttling, over HTTP against the real binary. A refused
// form never advances the interaction and never yields a code.
#include <gtest/gtest.h>

#include "core/random.h"
#include "fixture.h"

namespace tessera::itest {
namespace {

class BrowserPages : public SharedAsTest {
 protected:
  static Flow as(const std::string& username, const std::string& password) {
    Flow f;
    f.username = username;
    f.password = password;
    return f;
  }
  // The step the interaction is at, as the browser sees it on GET.
  std::string current_step(const Reply& any_page) {
    auto page =
        browser.get(issuer() + "/interaction/" + *hidden_input(any_page.body, "interaction"));
    auto action = form_action(page.body);
    return action.substr(action.rfind('/') + 1);
  }
  // A user of its own in the running server's database (throttling is per username).
  std::string fresh_user(const std::string& password) {
    std::string name = "user-" + core::default_random().token(6);
    auto r = run_tessera({"--database", seed.db, "user", "add", name, "--password", password});
    if (r.exit_code != 0) throw std::runtime_error("user add: " + r.err);
    return name;
  }
  static void expect_refused_form(const Reply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("Location"), "") << "a refused form must not move on";
    EXPECT_EQ(r.header("Content-Type").rfind("text/html", 0), 0u);
  }
};

// The consent form needs the interaction's current CSRF token: missing, wrong or stale (the
// token rotates at sign-in) gives the 403 page and no code; the real one still works after.
TEST_F(BrowserPages, ConsentWithoutOrWithWrongCsrfIs403AndNoCode) {
  auto f = as("solo", "solo-password");
  auto pkce = make_pkce();
  auto login_page = open_login(f, pkce);
  auto consent = continue_to_consent(login_page, f, nullptr);
  auto action = form_action(consent.body);

  auto none = browser.post_form(action, consent_form(consent, "approve", /*with_csrf=*/false));
  expect_refused_form(none, 403);
  EXPECT_NE(none.body.find("security token"), std::string::npos);
  auto wrong = consent_form(consent, "approve", false);
  wrong.emplace_back("csrf", "wrong-" + core::default_random().token(18));
  expect_refused_form(browser.post_form(action, wrong), 403);
  auto stale = consent_form(consent, "approve", false);
  stale.emplace_back("csrf", *hidden_input(login_page.body, "csrf"));
  ASSERT_NE(stale.back().second, *hidden_input(consent.body, "csrf"));
  expect_refused_form(browser.post_form(action, stale), 403);
  // A deny without the token is refused just the same: no redirect at all.
  expect_refused_form(browser.post_form(action, consent_form(consent, "deny", false)), 403);

  EXPECT_EQ(current_step(consent), "consent");
  auto ok = browser.post_form(action, consent_form(consent, "approve"));
  ASSERT_EQ(ok.status, 303);
  ASSERT_TRUE(query_param(ok.header("Location"), "code"));
  EXPECT_EQ(exchange(*query_param(ok.header("Location"), "code"), pkce).status, 200);
}

// The interaction is bound to the browser that started it (cookie): the right CSRF token from
// another browser is not enough.
TEST_F(BrowserPages, ConsentFromAnotherBrowserIsRefused) {
  auto consent = reach_consent(as("solo", "solo-password"), make_pkce());
  Browser other;
  auto r = other.post_form(form_action(consent.body), consent_form(consent, "approve"));
  expect_refused_form(r, 400);
  EXPECT_EQ(
      other.get(issuer() + "/interaction/" + *hidden_input(consent.body, "interaction")).status,
      400);
  EXPECT_EQ(current_step(consent), "consent");
}

// Login with a missing or wrong CSRF token is refused before the password is looked at.
TEST_F(BrowserPages, LoginWithWrongCsrfIs403) {
  auto page = open_login(as("solo", "solo-password"), make_pkce());
  expect_refused_form(submit_login(page, "solo", "solo-password", "wrong-csrf"), 403);
  expect_refused_form(submit_login(page, "solo", "solo-password", ""), 403);
  EXPECT_EQ(current_step(page), "login");
  EXPECT_EQ(submit_login(page, "solo", "solo-password").status, 303);
}

// A wrong password: 401, the page says so, the interaction stays at sign-in.
TEST_F(BrowserPages, WrongPasswordIs401WithAMessageAndNoProgress) {
  auto page = open_login(as("doctor", "doctor-password"), make_pkce());
  auto r = submit_login(page, "doctor", "not-the-password");
  expect_refused_form(r, 401);
  EXPECT_NE(r.body.find("username or password is not right"), std::string::npos) << r.body;
  EXPECT_NE(form_action(r.body).find("/login"), std::string::npos);  // asked again
  auto unknown = submit_login(page, "nobody-" + core::default_random().token(6), "whatever");
  expect_refused_form(unknown, 401);  // an unknown user reads the same
  EXPECT_NE(unknown.body.find("username or password is not right"), std::string::npos);
  EXPECT_EQ(current_step(page), "login");
  EXPECT_EQ(submit_login(page, "doctor", "doctor-password").status, 303);
}

// Five failures lock the username: then even the right password is refused with the lock
// message, and the interaction does not move on. Other users are not affected.
TEST_F(BrowserPages, FiveFailuresLockTheUserEvenWithTheRightPassword) {
  const std::string password = "right-" + core::default_random().token(9);
  auto user = fresh_user(password);
  auto page = open_login(as(user, password), make_pkce());
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    auto r = submit_login(page, user, "wrong-" + std::to_string(i));
    expect_refused_form(r, 401);
    EXPECT_NE(r.body.find("not right"), std::string::npos);
  }
  auto locked = submit_login(page, user, password);
  expect_refused_form(locked, 401);
  EXPECT_NE(locked.body.find("Too many failed attempts"), std::string::npos) << locked.body;
  EXPECT_EQ(current_step(page), "login");

  auto other = open_login(as("solo", "solo-password"), make_pkce());
  EXPECT_EQ(submit_login(other, "solo", "solo-password").status, 303);
}

}  // namespace
}  // namespace tessera::itest
