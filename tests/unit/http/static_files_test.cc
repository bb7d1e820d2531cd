// http::StaticFiles: the sample app's file server. Paths that could leave the directory are
// refused before the file system is touched; content types, index.html, redirects for
// directories, no-cache, ETag/304, HEAD and 405 for other methods.
#include "http/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "core/encoding.h"
#include "test_support.h"

namespace tessera::http {
namespace {

using testing::run_awaitable;
using testing::TempDir;

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

// ---- pure helpers ----

struct PathCase {
  const char* rel;
  bool safe;
};

class SafeRelativePath : public ::testing::TestWithParam<PathCase> {};

TEST_P(SafeRelativePath, RefusesAnythingThatCouldLeaveTheDirectory) {
  EXPECT_EQ(StaticFiles::safe_relative_path(GetParam().rel), GetParam().safe) << GetParam().rel;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SafeRelativePath,
    ::testing::Values(PathCase{"", true}, PathCase{"index.html", true},
                      PathCase{"sample/app.js", true}, PathCase{"a-b_c~1/x.min.js", true},
                      PathCase{"..", false}, PathCase{"../secret", false},
                      PathCase{"sample/../../secret", false}, PathCase{"sample/..", false},
                      PathCase{".", false}, PathCase{"./index.html", false},
                      PathCase{"a/./b", false}, PathCase{"/etc/passwd", false},
                      PathCase{"a//b", false}, PathCase{"a/", false}, PathCase{".env", false},
                      PathCase{"sample/.git/config", false}, PathCase{"a\\..\\b", false},
                      PathCase{"a\nb", false}, PathCase{"a\x7f", false}));

TEST(SafeRelativePath, RefusesEmbeddedNul) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(StaticFiles::safe_relative_path("index.html\0.png"sv));
}

TEST(StaticContentType, ByExtensionCaseInsensitive) {
  EXPECT_EQ(StaticFiles::content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticFiles::content_type_for("INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticFiles::content_type_for("fhir-client.min.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::content_type_for("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticFiles::content_type_for("x.json"), "application/json");
  EXPECT_EQ(StaticFiles::content_type_for("logo.png"), "image/png");
  EXPECT_EQ(StaticFiles::content_type_for("logo.svg"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::content_type_for("archive.tar"), "application/octet-stream");
  EXPECT_EQ(StaticFiles::content_type_for("html"), "application/octet-stream");
}

TEST(StaticFilesOpen, RefusesAMissingDirectoryAndABadPrefix) {
  TempDir dir;
  write_file(dir.path() / "file.txt", "x");
  EXPECT_FALSE(StaticFiles::open(dir.file("missing"), "/apps").ok());
  EXPECT_FALSE(StaticFiles::open(dir.file("file.txt"), "/apps").ok());
  EXPECT_FALSE(StaticFiles::open(dir.path().string(), "apps").ok());
  EXPECT_FALSE(StaticFiles::open(dir.path().string(), "/a/../b").ok());
  auto ok = StaticFiles::open(dir.path().string(), "/apps/");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->prefix(), "/apps");
}

// ---- serving through the router ----

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "dist";
    write_file(root_ / "index.html", "<!doctype html><title>apps</title>");
    write_file(root_ / "sample" / "index.html", "<!doctype html><title>sample</title>");
    write_file(root_ / "sample" / "app.js", "console.log('hi');");
    write_file(root_ / "sample" / "app.css", "body{}");
    write_file(root_ / "sample" / "data.json", "{}");
    write_file(root_ / "sample" / "logo.png", std::string("\x89PNG\r\n\x1a\n\0\0", 10));
    write_file(root_ / "sample" / ".secret", "hidden");
    write_file(root_ / "big.txt", std::string(2048, 'x'));
    write_file(dir_.path() / "outside.txt", "top secret");
    std::filesystem::create_symlink(dir_.path() / "outside.txt", root_ / "escape.txt");
    std::filesystem::create_symlink(root_ / "sample" / "app.js", root_ / "alias.js");
    StaticFiles::Options opts;
    opts.content_security_policy = "default-src 'self'";
    opts.max_file_size = 1024;
    auto sf = StaticFiles::open(root_.string(), "/apps", opts);
    ASSERT_TRUE(sf.ok()) << sf.error().description;
    sf->register_routes(router_);
    router_.add_sync(Verb::get, "/other", [](RequestContext&) {
      return make_response(Status::ok, "other", "text/plain");
    });
  }

  // As the server does: the path is percent-decoded before routing.
  Response get(std::string_view target, Verb verb = Verb::get,
               const std::map<std::string, std::string>& headers = {}) {
    Request req{verb, target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    auto q = target.find('?');
    auto decoded = core::url_decode(target.substr(0, q), false);
    std::string raw_query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
    RequestContext ctx{req, decoded.value_or("/"), raw_query, {}, {}, "127.0.0.1", false};
    return run_awaitable(router_.dispatch(ctx));
  }

  TempDir dir_;
  std::filesystem::path root_;
  Router router_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentTypeAndNoCache) {
  struct Case {
    const char* target;
    const char* type;
    const char* body_start;
  };
  for (const Case& c : {Case{"/apps/sample/app.js", "text/javascript; charset=utf-8", "console"},
                        Case{"/apps/sample/app.css", "text/css; charset=utf-8", "body"},
                        Case{"/apps/sample/data.json", "application/json", "{}"},
                        Case{"/apps/sample/logo.png", "image/png", "\x89PNG"},
                        Case{"/apps/sample/index.html", "text/html; charset=utf-8", "<!doctype"},
                        Case{"/apps/alias.js", "text/javascript; charset=utf-8", "console"}}) {
    auto res = get(c.target);
    ASSERT_EQ(res.result(), Status::ok) << c.target;
    EXPECT_EQ(res[Field::content_type], c.type) << c.target;
    EXPECT_EQ(res.body().rfind(c.body_start, 0), 0u) << c.target;
    EXPECT_EQ(res[Field::cache_control], "no-cache") << c.target;
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff") << c.target;
    EXPECT_FALSE(res[Field::etag].empty()) << c.target;
  }
  EXPECT_EQ(get("/apps/sample/logo.png").body().size(), 10u);  // binary-safe, NULs kept
}

TEST_F(StaticFilesTest, CspOnlyOnHtml) {
  EXPECT_EQ(get("/apps/sample/index.html")["Content-Security-Policy"], "default-src 'self'");
  EXPECT_EQ(get("/apps/sample/app.js")["Content-Security-Policy"], "");
}

TEST_F(StaticFilesTest, PrefixRootAndDirectoriesServeIndexHtml) {
  auto root = get("/apps/");
  ASSERT_EQ(root.result(), Status::ok);
  EXPECT_NE(root.body().find("<title>apps</title>"), std::string::npos);
  auto sample = get("/apps/sample/");
  ASSERT_EQ(sample.result(), Status::ok);
  EXPECT_NE(sample.body().find("<title>sample</title>"), std::string::npos);
}

TEST_F(StaticFilesTest, DirectoryWithoutSlashRedirectsKeepingTheQuery) {
  auto a = get("/apps");
  EXPECT_EQ(a.result(), Status::moved_permanently);
  EXPECT_EQ(a[Field::location], "/apps/");
  auto b = get("/apps/sample?iss=x&launch=y");
  EXPECT_EQ(b.result(), Status::moved_permanently);
  EXPECT_EQ(b[Field::location], "/apps/sample/?iss=x&launch=y");
}

TEST_F(StaticFilesTest, TraversalAndHiddenFilesAre404) {
  for (const char* t :
       {"/apps/../outside.txt", "/apps/%2e%2e/outside.txt",
        "/apps/sample/%2E%2E/%2e%2e/outside.txt", "/apps/..%2foutside.txt", "/apps//etc/passwd",
        "/apps/%2fetc%2fpasswd", "/apps/sample/.secret", "/apps/sample/./app.js",
        "/apps/sample//app.js", "/apps/index.html%00.png", "/apps/sample\\..\\..\\outside.txt"}) {
    auto res = get(t);
    EXPECT_EQ(res.result(), Status::not_found) << t;
    EXPECT_EQ(res.body().find("secret"), std::string::npos) << t;
  }
}

TEST_F(StaticFilesTest, SymlinkOutOfTheDirectoryIs404) {
  auto res = get("/apps/escape.txt");
  EXPECT_EQ(res.result(), Status::not_found);
  EXPECT_EQ(res.body().find("top secret"), std::string::npos);
}

TEST_F(StaticFilesTest, MissingFilesFileAsDirectoryAndOversizedFilesAre404) {
  EXPECT_EQ(get("/apps/nope.html").result(), Status::not_found);
  EXPECT_EQ(get("/apps/sample/nope/").result(), Status::not_found);
  EXPECT_EQ(get("/apps/sample/app.js/").result(), Status::not_found);
  EXPECT_EQ(get("/apps/big.txt").result(), Status::not_found);  // over max_file_size
  EXPECT_EQ(get("/other").body(), "other");                     // other routes untouched
}

TEST_F(StaticFilesTest, DirectoryWithoutIndexIs404) {
  std::filesystem::create_directories(root_ / "empty");
  EXPECT_EQ(get("/apps/empty/").result(), Status::not_found);
}

TEST_F(StaticFilesTest, OnlyGetAndHead) {
  EXPECT_EQ(get("/apps/sample/app.js", Verb::post).result(), Status::method_not_allowed);
  EXPECT_EQ(get("/apps/sample/app.js", Verb::put).result(), Status::method_not_allowed);
  EXPECT_EQ(get("/apps/sample/app.js", Verb::delete_).result(), Status::method_not_allowed);
  EXPECT_EQ(get("/apps/sample/app.js", Verb::head).result(), Status::ok);
}

TEST_F(StaticFilesTest, MatchingIfNoneMatchAnswers304) {
  auto first = get("/apps/sample/app.js");
  std::string etag(first[Field::etag]);
  auto again = get("/apps/sample/app.js", Verb::get, {{"If-None-Match", etag}});
  EXPECT_EQ(again.result(), Status::not_modified);
  EXPECT_TRUE(again.body().empty());
  EXPECT_EQ(again[Field::etag], etag);
  EXPECT_EQ(get("/apps/sample/app.js", Verb::get, {{"If-None-Match", "\"other\""}}).result(),
            Status::ok);
}

// Over a real connection: HEAD has the length of the GET body and no body.
TEST_F(StaticFilesTest, HeadOverTheWireHasLengthButNoBody) {
  testing::ServerThread srv({}, router_.handler());
  testing::RawConn conn(srv.port());
  ASSERT_FALSE(conn.connect_error());
  ASSERT_FALSE(conn.write("HEAD /apps/sample/app.js HTTP/1.1\r\nHost: x\r\n\r\n"));
  Response res;
  ASSERT_FALSE(conn.read(res, /*head=*/true));
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res[Field::content_length], "18");
  EXPECT_TRUE(res.body().empty());
}

}  // namespace
}  // namespace tessera::http
