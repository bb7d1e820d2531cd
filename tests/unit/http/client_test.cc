// http::Client: URL parsing, keep-alive reuse, timeouts, and HTTPS against the real server with a
// self-signed certificate made by the openssl CLI.
#include "http/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <string>
#include <thread>

#include "http/router.h"
#include "test_support.h"

namespace tessera::http {
namespace {

using namespace std::chrono_literals;
using testing::run_awaitable;
using testing::ServerThread;
using testing::TempDir;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// ---- parse_url ----

struct UrlCase {
  const char* in;
  const char* scheme;
  const char* host;
  std::uint16_t port;
  const char* target;
};

TEST(ParseUrl, AcceptsAbsoluteHttpUrls) {
  const UrlCase cases[] = {
      {"http://example.org", "http", "example.org", 80, "/"},
      {"https://example.org", "https", "example.org", 443, "/"},
      {"http://example.org:8080/fhir/Patient?x=1", "http", "example.org", 8080,
       "/fhir/Patient?x=1"},
      {"https://as.example:1/introspect", "https", "as.example", 1, "/introspect"},
      {"http://127.0.0.1:65535/", "http", "127.0.0.1", 65535, "/"},
      {"http://h?q=1", "http", "h", 80, "/?q=1"},
      {"http://h/a#frag", "http", "h", 80, "/a"},
      {"http://h#frag", "http", "h", 80, "/"},
      {"http://h:/p", "http", "h", 80, "/p"},  // empty port: the default (RFC 3986 §3.2.3)
      {"http://[::1]:8443/x", "http", "::1", 8443, "/x"},
      {"https://[2001:db8::7]/", "https", "2001:db8::7", 443, "/"},
      {"http://h/path@with-at", "http", "h", 80, "/path@with-at"},
  };
  for (const auto& c : cases) {
    auto u = parse_url(c.in);
    ASSERT_TRUE(u.ok()) << c.in << ": " << u.error().description;
    EXPECT_EQ(u->scheme, c.scheme) << c.in;
    EXPECT_EQ(u->host, c.host) << c.in;
    EXPECT_EQ(u->port, c.port) << c.in;
    EXPECT_EQ(u->target, c.target) << c.in;
  }
}

TEST(ParseUrl, RejectsBadUrls) {
  for (const char* bad : {
           "",
           "example.org/x",
           "ftp://example.org/",
           "HTTPX://h/",
           "http://",               // no host
           "http:///path",          // no host
           "http://:8080/",         // no host
           "http://user@h/",        // userinfo not allowed
           "http://user:pw@h:80/",  // userinfo not allowed
           "http://h:0/",           // bad ports
           "http://h:65536/",
           "http://h:99999999999/",
           "http://h:-1/",
           "http://h:8a/",
           "http://h: 80/",
           "http://[::1",
           "http://[::1]x/",
           "http://[]/",
       }) {
    auto u = parse_url(bad);
    EXPECT_FALSE(u.ok()) << bad;
    if (!u.ok()) {
      EXPECT_EQ(u.error().code, core::ErrorCode::kBadRequest) << bad;
    }
  }
}

TEST(UrlOrigin, OmitsDefaultPortsAndBracketsIpv6) {
  EXPECT_EQ(parse_url("http://h/x")->origin(), "http://h");
  EXPECT_EQ(parse_url("https://h:443/x")->origin(), "https://h");
  EXPECT_EQ(parse_url("http://h:443/x")->origin(), "http://h:443");
  EXPECT_EQ(parse_url("https://h:8443")->origin(), "https://h:8443");
  EXPECT_EQ(parse_url("http://[::1]:8080/x")->origin(), "http://[::1]:8080");
  EXPECT_EQ(parse_url("https://[::1]/x")->origin(), "https://[::1]");
}

TEST(MakeRequest, SetsBodyTypeAndLength) {
  auto r = make_request(Verb::post, "/token", "a=1", "application/x-www-form-urlencoded");
  EXPECT_EQ(r.method(), Verb::post);
  EXPECT_EQ(r.target(), "/token");
  EXPECT_EQ(r[Field::content_type], "application/x-www-form-urlencoded");
  EXPECT_EQ(r[Field::content_length], "3");
  EXPECT_EQ(r.version(), 11u);
}

// ---- a raw HTTP server that counts connections ----

class CountingServer {
 public:
  // close_after_response: answer "keep-alive" but close the socket anyway (a stale pool entry).
  explicit CountingServer(bool close_after_response = false)
      : close_after_(close_after_response),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~CountingServer() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_.load(); }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      auto s = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      accepted_.fetch_add(1);
      asio::co_spawn(ioc_, session(std::move(s)), asio::detached);
    }
  }
  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buf;
    for (int n = 1;; ++n) {
      beast::error_code ec;
      Request req;
      co_await bhttp::async_read(stream, buf, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Response res = make_response(
          Status::ok, "request " + std::to_string(n) + " " + std::string(req[Field::host]),
          "text/plain");
      res.keep_alive(true);
      co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || close_after_) co_return;
    }
  }

  bool close_after_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST(Client, ReusesAKeepAliveConnectionOnOneThread) {
  CountingServer server;
  auto url = parse_url(server.url("/a"));
  ASSERT_TRUE(url.ok());
  asio::io_context ioc;  // declared before the client: pooled sockets die first
  Client client;
  core::Result<Response> r1, r2;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        r1 = co_await client.async_send(*url, make_request(Verb::get));
        r2 = co_await client.async_send(*url, make_request(Verb::get));
      },
      asio::detached);
  ioc.run();
  ASSERT_TRUE(r1.ok()) << r1.error().detail;
  ASSERT_TRUE(r2.ok()) << r2.error().detail;
  EXPECT_EQ(r1->body(), "request 1 127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r2->body(), "request 2 127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Client, RetriesOnceWhenAPooledConnectionIsStale) {
  CountingServer server(/*close_after_response=*/true);
  auto url = parse_url(server.url());
  asio::io_context ioc;
  Client client;
  core::Result<Response> r1, r2;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        r1 = co_await client.async_send(*url, make_request(Verb::get));
        r2 = co_await client.async_send(*url, make_request(Verb::get));
      },
      asio::detached);
  ioc.run();
  ASSERT_TRUE(r1.ok()) << r1.error().detail;
  ASSERT_TRUE(r2.ok()) << r2.error().detail;
  EXPECT_EQ(r2->body().rfind("request 1 ", 0), 0u);  // served on a fresh connection
  EXPECT_EQ(server.accepted(), 2);
}

TEST(Client, BlockingSendWorksRepeatedlyAndLeavesNoConnectionBehind) {
  CountingServer server;
  auto url = parse_url(server.url());
  {
    Client client;
    for (int i = 0; i < 3; ++i) {
      auto r = client.send(*url, make_request(Verb::get));
      ASSERT_TRUE(r.ok()) << i << ": " << r.error().detail;
      EXPECT_EQ(r->result(), Status::ok);
    }
  }  // destroying the client after its private io_contexts are gone must be safe
  EXPECT_EQ(server.accepted(), 3);
}

TEST(Client, TimesOutAgainstAServerThatNeverAnswers) {
  // A listening socket completes the TCP handshake from its backlog, then nobody reads.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto url = parse_url("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/");
  ClientOptions o;
  o.timeout = 300ms;
  Client client(o);
  auto r = client.send(*url, make_request(Verb::get));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
}

TEST(Client, ConnectionRefusedIsUnavailable) {
  std::uint16_t port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed again: nothing listens there now
  ClientOptions o;
  o.timeout = 2000ms;
  Client client(o);
  auto r = client.send(*parse_url("http://127.0.0.1:" + std::to_string(port) + "/"),
                       make_request(Verb::get));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
}

TEST(Client, ResponseBodyOverTheLimitIsUnavailable) {
  Router router;
  router.add_sync(Verb::get, "/big", [](RequestContext&) {
    return make_response(Status::ok, std::string(4096, 'x'), "text/plain");
  });
  ServerThread server(ServerOptions{}, router.handler());
  auto url = parse_url("http://127.0.0.1:" + std::to_string(server.port()) + "/big");
  ClientOptions o;
  o.max_response_body = 1024;
  Client small(o);
  auto r = small.send(*url, make_request(Verb::get));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
  Client big;
  auto ok = big.send(*url, make_request(Verb::get));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body().size(), 4096u);
}

TEST(Client, SendsToTheRealServerWithQueryAndBody) {
  Router router;
  router.add_sync(Verb::post, "/echo", [](RequestContext& ctx) {
    return make_response(Status::created,
                         ctx.query.get("a").value_or("-") + "|" + ctx.req.body() + "|" +
                             std::string(ctx.header(Field::content_type)),
                         "text/plain");
  });
  ServerThread server(ServerOptions{}, router.handler());
  auto url = parse_url("http://127.0.0.1:" + std::to_string(server.port()) + "/echo?a=1");
  Client client;
  auto r = client.send(
      *url, make_request(Verb::post, "/ignored", "x=y", "application/x-www-form-urlencoded"));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->result(), Status::created);
  EXPECT_EQ(r->body(), "1|x=y|application/x-www-form-urlencoded");
}

TEST(Client, HeadResponseHasNoBodyToWaitFor) {
  Router router;
  router.add_sync(Verb::get, "/doc", [](RequestContext&) {
    return make_response(Status::ok, std::string(100, 'x'), "text/plain");
  });
  ServerThread server(ServerOptions{}, router.handler());
  auto url = parse_url("http://127.0.0.1:" + std::to_string(server.port()) + "/doc");
  ClientOptions o;
  o.timeout = 2000ms;
  Client client(o);
  auto r = client.send(*url, make_request(Verb::head));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->result(), Status::ok);
  EXPECT_EQ((*r)[Field::content_length], "100");
  EXPECT_TRUE(r->body().empty());
}

// ---- TLS ----

// Self-signed certificates made once for the suite with the openssl CLI.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    ok_ = make_cert("ip", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1") &&
          make_cert("other", "/CN=other.example", "subjectAltName=DNS:other.example");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static bool make_cert(const std::string& name, const std::string& subject,
                        const std::string& san) {
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj " + subject + " -addext " +
                      san + " -days 1 -keyout " + key(name) + " -out " + cert(name) +
                      " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  static std::string cert(const std::string& name) { return dir_->file(name + "-cert.pem"); }
  static std::string key(const std::string& name) { return dir_->file(name + "-key.pem"); }

  void SetUp() override {
    ASSERT_TRUE(ok_) << "openssl could not make the test certificates";
    router_.add_sync(Verb::get, "/hello", [](RequestContext& ctx) {
      return make_response(Status::ok, ctx.tls ? "hello over tls" : "hello in clear", "text/plain");
    });
  }
  std::unique_ptr<ServerThread> start(const std::string& name) {
    ServerOptions o;
    o.tls_cert_file = cert(name);
    o.tls_key_file = key(name);
    return std::make_unique<ServerThread>(o, router_.handler());
  }
  static Url url(std::uint16_t port, std::string scheme = "https") {
    return parse_url(scheme + "://127.0.0.1:" + std::to_string(port) + "/hello").value();
  }

  static inline TempDir* dir_ = nullptr;
  static inline bool ok_ = false;
  Router router_;
};

TEST_F(TlsTest, HttpsRequestWithTheCertificateAsTrustAnchor) {  // BACKEND-2
  auto s = start("ip");
  EXPECT_TRUE(s->server().tls());
  Client client(ClientOptions{.ca_file = cert("ip")});
  auto r = client.send(url(s->port()), make_request(Verb::get));
  ASSERT_TRUE(r.ok()) << r.error().description << ": " << r.error().detail;
  EXPECT_EQ(r->result(), Status::ok);
  EXPECT_EQ(r->body(), "hello over tls");
  // Two sequential calls (TLS connections are not pooled) both work.
  auto again = client.send(url(s->port()), make_request(Verb::get));
  ASSERT_TRUE(again.ok());
}

TEST_F(TlsTest, UntrustedCertificateIsRefused) {
  auto s = start("ip");
  Client client;  // system trust store only
  auto r = client.send(url(s->port()), make_request(Verb::get));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
}

TEST_F(TlsTest, CertificateForAnotherHostIsRefused) {
  auto s = start("other");  // trusted, but issued to other.example, not 127.0.0.1
  Client client(ClientOptions{.ca_file = cert("other")});
  auto r = client.send(url(s->port()), make_request(Verb::get));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kUnavailable);
}

TEST_F(TlsTest, VerificationCanBeTurnedOff) {
  auto s = start("other");
  ClientOptions o;
  o.verify_tls = false;
  Client client(o);
  auto r = client.send(url(s->port()), make_request(Verb::get));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->body(), "hello over tls");
}

TEST_F(TlsTest, PlainHttpToATlsPortFailsAndTheServerKeepsServing) {
  auto s = start("ip");
  Client client(ClientOptions{.timeout = 2000ms, .ca_file = cert("ip")});
  auto plain = client.send(url(s->port(), "http"), make_request(Verb::get));
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code, core::ErrorCode::kUnavailable);
  auto r = client.send(url(s->port()), make_request(Verb::get));
  ASSERT_TRUE(r.ok()) << r.error().detail;
}

}  // namespace
}  // namespace tessera::http
