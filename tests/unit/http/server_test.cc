// The real server, started in-process on 127.0.0.1 (port 0) with a small router and driven over raw
// sockets: keep-alive, limits, timeouts, error handling, graceful stop.
#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "http/router.h"
#include "test_support.h"

namespace tessera::http {
namespace {

using namespace std::chrono_literals;
using testing::closed_by_peer;
using testing::RawConn;
using testing::ServerThread;

Response text(std::string body) { return make_response(Status::ok, std::move(body), "text/plain"); }

std::string get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "\r\n";
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    router_.add_sync(Verb::get, "/hello", [](RequestContext& ctx) {
      return text(std::string("hello") + (ctx.tls ? " tls" : "") + " from " + ctx.peer);
    });
    router_.add_sync(Verb::post, "/echo", [](RequestContext& ctx) { return text(ctx.req.body()); });
    router_.add_sync(Verb::get, "/query", [](RequestContext& ctx) {
      return text(ctx.path + " q=" + ctx.query.get("q").value_or("-") + " raw=" + ctx.raw_query);
    });
    router_.add_sync(Verb::get, "/throw",
                     [](RequestContext&) -> Response { throw std::runtime_error("boom"); });
    router_.add_sync(Verb::get, "/throw-other", [](RequestContext&) -> Response { throw 42; });
    router_.add(Verb::get, "/slow", [this](RequestContext&) -> boost::asio::awaitable<Response> {
      entered_.set_value();
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 200ms);
      co_await timer.async_wait(boost::asio::use_awaitable);
      co_return text("slow done");
    });
  }

  std::unique_ptr<ServerThread> start(ServerOptions o = {}) {
    return std::make_unique<ServerThread>(std::move(o), router_.handler());
  }

  Router router_;
  std::promise<void> entered_;  // set when /slow starts
};

TEST_F(ServerTest, ServesARequest) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.connect_error());
  ASSERT_FALSE(c.write(get("/hello")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res.body(), "hello from 127.0.0.1");
  EXPECT_EQ(res[Field::server], "tessera");
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/hello")));
  Response first;
  ASSERT_FALSE(c.read(first));
  EXPECT_TRUE(first.keep_alive());
  ASSERT_FALSE(c.write(get("/query?q=two")));
  Response second;
  ASSERT_FALSE(c.read(second));
  EXPECT_EQ(second.result(), Status::ok);
  EXPECT_EQ(second.body(), "/query q=two raw=q=two");
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/query?q=1") + get("/query?q=2")));
  Response a, b;
  ASSERT_FALSE(c.read(a));
  ASSERT_FALSE(c.read(b));
  EXPECT_EQ(a.body(), "/query q=1 raw=q=1");
  EXPECT_EQ(b.body(), "/query q=2 raw=q=2");
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/hello", "Connection: close\r\n")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, Http10ClosesByDefault) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write("GET /hello HTTP/1.0\r\n\r\n"));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res.version(), 10u);
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, HeadGetsHeadersWithoutBody) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  Response head;
  ASSERT_FALSE(c.read(head, /*head=*/true));
  EXPECT_EQ(head.result(), Status::ok);
  EXPECT_EQ(head[Field::content_length], "20");  // as for GET
  EXPECT_TRUE(head.body().empty());
  // No stray body bytes: the next response on the connection parses cleanly.
  ASSERT_FALSE(c.write(get("/hello")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.body(), "hello from 127.0.0.1");
}

TEST_F(ServerTest, PostBodyWithinLimitIsDelivered) {
  ServerOptions o;
  o.body_limit = 1024;
  auto s = start(o);
  RawConn c(s->port());
  std::string body(1024, 'x');
  ASSERT_FALSE(c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + body));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res.body(), body);
}

TEST_F(ServerTest, QueryIsParsedAndPathDecoded) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/%71uery?q=a+b%21")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.body(), "/query q=a b! raw=q=a+b%21");
}

TEST_F(ServerTest, UnknownRouteIs404AndKeepsTheConnection) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/missing")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::not_found);
  ASSERT_FALSE(c.write(get("/hello")));
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
}

TEST_F(ServerTest, HeaderLimitExceededIs431) {
  ServerOptions o;
  o.header_limit = 1024;
  auto s = start(o);
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/hello", "X-Big: " + std::string(2000, 'a') + "\r\n")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::request_header_fields_too_large);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, BodyLimitExceededIs413) {
  ServerOptions o;
  o.body_limit = 1024;
  auto s = start(o);
  RawConn c(s->port());
  // Declared length over the limit: refused from the header alone.
  ASSERT_FALSE(c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n"));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::payload_too_large);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, BodyLimitExceededWithTheBodySentIs413) {
  ServerOptions o;
  o.body_limit = 1024;
  auto s = start(o);
  RawConn c(s->port());
  // The client already sent the whole body: it must still see the 413, not a reset.
  ASSERT_FALSE(c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n" +
                       std::string(20000, 'x')));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::payload_too_large);
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413) {
  ServerOptions o;
  o.body_limit = 1024;
  auto s = start(o);
  RawConn c(s->port());
  ASSERT_FALSE(
      c.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
              std::string(0x800, 'x') + "\r\n0\r\n\r\n"));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::payload_too_large);
}

TEST_F(ServerTest, SlowClientWithHalfAHeaderIsCutOffAfterReadTimeout) {
  ServerOptions o;
  o.read_timeout = 300ms;
  o.idle_timeout = 60s;  // far beyond the test's guard: only read_timeout can close it
  auto s = start(o);
  RawConn c(s->port());
  ASSERT_FALSE(c.write("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: "));
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, SlowClientWithHalfABodyIsCutOffAfterReadTimeout) {
  ServerOptions o;
  o.read_timeout = 300ms;
  o.idle_timeout = 60s;
  auto s = start(o);
  RawConn c(s->port());
  ASSERT_FALSE(c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-some"));
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, SlowSecondRequestOnAKeptAliveConnectionIsCutOff) {
  ServerOptions o;
  o.read_timeout = 300ms;
  o.idle_timeout = 60s;
  auto s = start(o);
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/hello")));
  Response res;
  ASSERT_FALSE(c.read(res));
  ASSERT_FALSE(c.write("GET /hello HTTP/1.1\r\n"));
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions o;
  o.idle_timeout = 300ms;
  o.read_timeout = 60s;
  auto s = start(o);
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/hello")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_TRUE(res.keep_alive());
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, ConnectionThatNeverSendsIsClosedAfterIdleTimeout) {
  ServerOptions o;
  o.idle_timeout = 300ms;
  o.read_timeout = 60s;
  auto s = start(o);
  RawConn c(s->port());
  EXPECT_TRUE(closed_by_peer(c.wait_closed()));
}

TEST_F(ServerTest, MalformedRequestLineIs400AndCloses) {
  const char* cases[] = {
      "GARBAGE\r\n\r\n",
      "GET /hello\r\n\r\n",
      "GET /hello HTTP/9.x\r\n\r\n",
      "G@T /hello HTTP/1.1\r\n\r\n",
      "GET /hello HTTP/1.1 extra\r\n\r\n",
      "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n",
  };
  auto s = start();
  for (const char* raw : cases) {
    RawConn c(s->port());
    ASSERT_FALSE(c.write(raw)) << raw;
    Response res;
    ASSERT_FALSE(c.read(res)) << raw;
    EXPECT_EQ(res.result(), Status::bad_request) << raw;
    EXPECT_FALSE(res.keep_alive()) << raw;
    EXPECT_TRUE(closed_by_peer(c.wait_closed())) << raw;
  }
}

TEST_F(ServerTest, BadTargetOrQueryIs400) {
  auto s = start();
  for (const char* target : {"nopath", "/%zz", "/hello?a=%zz", "*"}) {
    RawConn c(s->port());
    ASSERT_FALSE(c.write(get(target))) << target;
    Response res;
    ASSERT_FALSE(c.read(res)) << target;
    EXPECT_EQ(res.result(), Status::bad_request) << target;
    EXPECT_FALSE(res.keep_alive()) << target;
  }
}

TEST_F(ServerTest, HandlerExceptionIs500AndTheServerKeepsServing) {
  auto s = start();
  {
    RawConn c(s->port());
    ASSERT_FALSE(c.write(get("/throw")));
    Response res;
    ASSERT_FALSE(c.read(res));
    EXPECT_EQ(res.result(), Status::internal_server_error);
    EXPECT_EQ(res.body().find("boom"), std::string::npos);  // no internals on the wire
  }
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/hello")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
}

TEST_F(ServerTest, NonStandardExceptionIs500Too) {
  auto s = start();
  {
    RawConn c(s->port());
    ASSERT_FALSE(c.write(get("/throw-other")));
    Response res;
    ASSERT_FALSE(c.read(res));
    EXPECT_EQ(res.result(), Status::internal_server_error);
  }
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/hello")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
}

TEST_F(ServerTest, GracefulStopFinishesTheInFlightRequest) {
  auto s = start();
  RawConn c(s->port());
  ASSERT_FALSE(c.write(get("/slow")));
  auto entered = entered_.get_future();
  ASSERT_EQ(entered.wait_for(testing::kGuard), std::future_status::ready);

  s->server().stop(5s);  // returns at once; the server thread winds down
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res.body(), "slow done");
  EXPECT_FALSE(res.keep_alive());  // no new requests during shutdown

  s->stop();  // joins: run() has returned
  EXPECT_TRUE(s->run_returned());
  RawConn late(s->port());  // the listener is closed
  EXPECT_TRUE(late.connect_error());
}

TEST_F(ServerTest, StopWithNothingInFlightReturnsAndIsIdempotent) {
  auto s = start();
  {
    RawConn idle(s->port());  // an idle keep-alive connection does not hold up stop()
    ASSERT_FALSE(idle.write(get("/hello")));
    Response res;
    ASSERT_FALSE(idle.read(res));
    s->server().stop(5s);
    s->server().stop(5s);
    s->stop();
  }
  EXPECT_TRUE(s->run_returned());
}

TEST_F(ServerTest, SeveralWorkerThreadsShareThePort) {
  ServerOptions o;
  o.threads = 3;
  auto s = start(o);
  for (int i = 0; i < 12; ++i) {
    RawConn c(s->port());
    ASSERT_FALSE(c.write(get("/hello")));
    Response res;
    ASSERT_FALSE(c.read(res));
    EXPECT_EQ(res.result(), Status::ok);
  }
}

TEST_F(ServerTest, ASecondServerCannotTakeTheSamePort) {
  // One listening socket without SO_REUSEPORT: a second process (or a stale instance) fails to
  // start instead of silently receiving half of the connections.
  ServerOptions o;
  o.threads = 2;
  auto first = start(o);
  ServerOptions o2;
  o2.address = "127.0.0.1";
  o2.port = first->port();
  o2.threads = 2;
  Server second(o2, router_.handler());
  EXPECT_THROW(second.listen(), std::exception);
  RawConn c(first->port());  // the first one is untouched
  ASSERT_FALSE(c.write(get("/hello")));
  Response res;
  ASSERT_FALSE(c.read(res));
  EXPECT_EQ(res.result(), Status::ok);
}

TEST_F(ServerTest, ConnectionsAreSpreadOverTheWorkerThreads) {
  std::mutex mu;
  std::set<std::thread::id> seen;
  router_.add_sync(Verb::get, "/who", [&](RequestContext&) {
    std::lock_guard lock(mu);
    seen.insert(std::this_thread::get_id());
    return text("ok");
  });
  ServerOptions o;
  o.threads = 3;
  auto s = start(o);
  for (int i = 0; i < 6; ++i) {  // round robin: 6 connections reach all 3 loops
    RawConn c(s->port());
    ASSERT_FALSE(c.write(get("/who")));
    Response res;
    ASSERT_FALSE(c.read(res));
    EXPECT_EQ(res.result(), Status::ok);
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.size(), 3u);
}

TEST(Server, ReportsTlsOffWithoutCertificate) {
  Server s(ServerOptions{}, [](RequestContext&) -> boost::asio::awaitable<Response> {
    co_return make_response(Status::ok, "", "");
  });
  EXPECT_FALSE(s.tls());
}

TEST(Server, ListenFailsOnABadAddress) {
  ServerOptions o;
  o.address = "not-an-address";
  o.threads = 1;
  Server s(o, [](RequestContext&) -> boost::asio::awaitable<Response> {
    co_return make_response(Status::ok, "", "");
  });
  EXPECT_THROW(s.listen(), std::exception);
}

}  // namespace
}  // namespace tessera::http
