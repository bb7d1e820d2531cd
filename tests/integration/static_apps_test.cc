// Issue 4: `serve --apps-dir DIR` (server.apps_dir) serves static apps at /apps/ over the real
// wire: content types, index.html, no-cache, HEAD, traversal refused after the server's own
// percent-decoding, and a configured directory that does not exist stops the start-up.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/random.h"
#include "harness.h"

namespace tessera::itest {
namespace {

namespace fs = std::filesystem;

class StaticApps : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / "tessera-itest" / ("apps-" + core::default_random().token(6));
    fs::create_directories(dir_ / "dist" / "sample");
    std::ofstream(dir_ / "dist" / "index.html") << "<!DOCTYPE html><title>apps</title>";
    std::ofstream(dir_ / "dist" / "sample" / "index.html")
        << "<!DOCTYPE html><title>sample</title>";
    std::ofstream(dir_ / "dist" / "sample" / "app.js") << "console.log(1);";
    std::ofstream(dir_ / "secret.txt") << "outside the apps dir";
    db_ = (dir_ / "t.db").string();
    auto r = run_tessera({"--database", db_, "init"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::string db_;
};

TEST_F(StaticApps, ServedAtAppsWithTypesIndexAndNoCache) {
  Server s(db_, {"--role", "authz", "--apps-dir", (dir_ / "dist").string()});
  Browser b;
  auto js = b.get(s.base() + "/apps/sample/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("Cache-Control"), "no-cache");
  EXPECT_EQ(js.body, "console.log(1);");
  auto index = b.get(s.base() + "/apps/sample/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<title>sample</title>"), std::string::npos);
  EXPECT_FALSE(index.header("Content-Security-Policy").empty());
  auto root = b.get(s.base() + "/apps");
  EXPECT_EQ(root.status, 301);
  EXPECT_EQ(root.header("Location"), "/apps/");
  auto head = b.request(http::Verb::head, s.base() + "/apps/sample/app.js", "", {});
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  auto post = b.post_form(s.base() + "/apps/sample/app.js", {{"a", "b"}});
  EXPECT_EQ(post.status, 405);
}

TEST_F(StaticApps, TraversalIsRefusedAfterDecoding) {
  Server s(db_, {"--role", "authz", "--apps-dir", (dir_ / "dist").string()});
  Browser b;
  for (const char* t :
       {"/apps/../secret.txt", "/apps/%2e%2e/secret.txt", "/apps/sample/%2E%2E/%2E%2E/secret.txt",
        "/apps/..%2Fsecret.txt", "/apps/%2Fetc%2Fpasswd", "/apps/.%2e/secret.txt"}) {
    auto r = b.get(s.base() + t);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << t << " " << r.status;
    EXPECT_EQ(r.body.find("outside the apps dir"), std::string::npos) << t;
  }
}

TEST_F(StaticApps, NotServedWithoutAppsDir) {
  Server s(db_, {"--role", "authz"});
  Browser b;
  EXPECT_EQ(b.get(s.base() + "/apps/sample/app.js").status, 404);
}

TEST_F(StaticApps, AMissingDirectoryIsAConfigurationError) {
  auto r = run_tessera({"--database", db_, "serve", "--role", "authz", "--listen", "127.0.0.1:0",
                        "--apps-dir", (dir_ / "nope").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("server.apps_dir: not a directory"), std::string::npos) << r.err;
}

TEST_F(StaticApps, TheTomlKeyWorksToo) {
  auto cfg = (dir_ / "t.toml").string();
  std::ofstream(cfg) << "[server]\napps_dir = \"" << (dir_ / "dist").string() << "\"\n";
  Server s(db_, {"--role", "authz"}, {"--config", cfg});
  Browser b;
  EXPECT_EQ(b.get(s.base() + "/apps/sample/app.js").status, 200);
}

}  // namespace
}  // namespace tessera::itest
