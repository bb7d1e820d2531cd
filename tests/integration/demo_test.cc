// Issue 2 acceptance 6: `make demo` (scripts/demo.sh) starts the server with the demo users and
// apps and prints how to log in; the printed logins work.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/random.h"
#include "harness.h"

namespace tessera::itest {
namespace {

TEST(Demo, StartsWithDemoUsersAndPrintsHowToLogIn) {
  int port = free_port();
  auto dir = (std::filesystem::temp_directory_path() / "tessera-itest" /
              ("demo-" + core::default_random().token(6)))
                 .string();
  Server demo({"/bin/bash", std::string(TESSERA_SOURCE_DIR) + "/scripts/demo.sh", tessera_binary(),
               std::to_string(port), dir});
  ASSERT_EQ(demo.port(), port);
  // The banner (printed after the port line; give it a moment to be flushed).
  std::string log;
  for (int i = 0; i < 200 && log.find("Stop with Ctrl-C") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    log = demo.log();
  }
  for (const char* s : {"parent  / parent-demo", "patient / patient-demo", "doctor  / doctor-demo",
                        "/.well-known/smart-configuration", "/fhir"}) {
    EXPECT_NE(log.find(s), std::string::npos) << s << "\n" << log;
  }
  Browser b;
  auto disc = b.get(demo.base() + "/.well-known/smart-configuration");
  EXPECT_EQ(disc.status, 200);
  // The printed login works: start an authorization for the demo app and sign in as parent.
  auto pkce = make_pkce();
  http::Params p;
  p.add("response_type", "code");
  p.add("client_id", "demo-app");
  p.add("redirect_uri", "http://127.0.0.1:9/callback");
  p.add("scope", "openid launch/patient patient/*.rs");
  p.add("state", "demo-state");
  p.add("aud", demo.base() + "/fhir");
  p.add("code_challenge", pkce.challenge);
  p.add("code_challenge_method", "S256");
  auto r = b.get(demo.base() + "/authorize?" + p.encode());
  ASSERT_EQ(r.status, 303) << r.body;
  auto page = b.get(r.header("Location"));
  auto login = b.post_form(form_action(page.body),
                           {{"interaction", hidden_input(page.body, "interaction").value_or("")},
                            {"csrf", hidden_input(page.body, "csrf").value_or("")},
                            {"username", "parent"},
                            {"password", "parent-demo"}});
  EXPECT_EQ(login.status, 303) << login.body;
  // The picker lists Maria and her two children by name.
  auto picker = b.get(login.header("Location"));
  for (const char* name : {"Maria", "Lucas", "Sofia"})
    EXPECT_NE(picker.body.find(name), std::string::npos) << name;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera::itest
