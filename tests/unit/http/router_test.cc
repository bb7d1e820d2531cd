#include "http/router.h"

#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace tessera::http {
namespace {

using testing::run_awaitable;

Response text(std::string body) { return make_response(Status::ok, std::move(body), "text/plain"); }

// Dispatches a request for `target` through `router` the way the server would.
struct Dispatched {
  Response res;
  std::map<std::string, std::string, std::less<>> params;
};
Dispatched dispatch(const Router& router, Verb method, std::string_view target) {
  Request req{method, target, 11};
  auto q = target.find('?');
  RequestContext ctx{req, std::string(target.substr(0, q)), "", {}, {}, "127.0.0.1", false};
  Dispatched d;
  d.res = run_awaitable(router.dispatch(ctx));
  d.params = ctx.path_params;
  return d;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add_sync(Verb::get, "/", [](RequestContext&) { return text("root"); });
    router_.add_sync(Verb::get, "/.well-known/smart-configuration",
                     [](RequestContext&) { return text("discovery"); });
    router_.add_sync(Verb::post, "/token", [](RequestContext&) { return text("token"); });
    router_.add_sync(Verb::get, "/fhir/{type}/{id}", [](RequestContext& ctx) {
      return text("read " + ctx.path_params.at("type") + " " + ctx.path_params.at("id"));
    });
    router_.add_sync(Verb::put, "/fhir/{type}/{id}",
                     [](RequestContext&) { return text("update"); });
    router_.add_sync(Verb::delete_, "/fhir/{type}/{id}",
                     [](RequestContext&) { return text("delete"); });
    router_.add_sync(Verb::get, "/static/{rest*}", [](RequestContext& ctx) {
      return text("static [" + ctx.path_params.at("rest") + "]");
    });
    // A coroutine handler, not through add_sync.
    router_.add(Verb::get, "/async", [](RequestContext&) -> boost::asio::awaitable<Response> {
      co_return text("async");
    });
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralPaths) {
  EXPECT_EQ(dispatch(router_, Verb::get, "/").res.body(), "root");
  EXPECT_EQ(dispatch(router_, Verb::get, "/.well-known/smart-configuration").res.body(),
            "discovery");
  EXPECT_EQ(dispatch(router_, Verb::post, "/token").res.body(), "token");
  EXPECT_EQ(dispatch(router_, Verb::get, "/async").res.body(), "async");
}

TEST_F(RouterTest, CapturesOneSegmentPerParam) {
  auto d = dispatch(router_, Verb::get, "/fhir/Patient/p1");
  EXPECT_EQ(d.res.body(), "read Patient p1");
  EXPECT_EQ(d.params.at("type"), "Patient");
  EXPECT_EQ(d.params.at("id"), "p1");
}

TEST_F(RouterTest, ParamDoesNotMatchEmptyOrSeveralSegments) {
  EXPECT_EQ(dispatch(router_, Verb::get, "/fhir/Patient/").res.result(), Status::not_found);
  EXPECT_EQ(dispatch(router_, Verb::get, "/fhir/Patient").res.result(), Status::not_found);
  EXPECT_EQ(dispatch(router_, Verb::get, "/fhir/Patient/p1/x").res.result(), Status::not_found);
}

TEST_F(RouterTest, RestCapturesTheRemainingPath) {
  EXPECT_EQ(dispatch(router_, Verb::get, "/static/css/site.css").res.body(),
            "static [css/site.css]");
  EXPECT_EQ(dispatch(router_, Verb::get, "/static/a").res.body(), "static [a]");
  EXPECT_EQ(dispatch(router_, Verb::get, "/static/").res.body(), "static []");
  EXPECT_EQ(dispatch(router_, Verb::get, "/static").res.body(), "static []");
}

TEST_F(RouterTest, LiteralsMustMatchExactly) {
  EXPECT_EQ(dispatch(router_, Verb::post, "/Token").res.result(),
            Status::not_found);  // case matters
  EXPECT_EQ(dispatch(router_, Verb::post, "/token/").res.result(), Status::not_found);
  EXPECT_EQ(dispatch(router_, Verb::get, "/nothing").res.result(), Status::not_found);
}

TEST_F(RouterTest, UnknownPathIs404) {
  auto d = dispatch(router_, Verb::get, "/nope");
  EXPECT_EQ(d.res.result(), Status::not_found);
  EXPECT_EQ(d.res.count(Field::allow), 0u);
}

TEST_F(RouterTest, KnownPathOtherMethodIs405WithAllow) {
  auto d = dispatch(router_, Verb::get, "/token");
  EXPECT_EQ(d.res.result(), Status::method_not_allowed);
  EXPECT_EQ(d.res[Field::allow], "POST");

  auto e = dispatch(router_, Verb::post, "/fhir/Patient/p1");
  EXPECT_EQ(e.res.result(), Status::method_not_allowed);
  EXPECT_EQ(e.res[Field::allow], "GET, PUT, DELETE");
}

TEST_F(RouterTest, HeadIsServedByTheGetRoute) {
  auto d = dispatch(router_, Verb::head, "/fhir/Patient/p1");
  EXPECT_EQ(d.res.result(), Status::ok);
  EXPECT_EQ(d.res.body(), "read Patient p1");  // the server strips the body for HEAD
}

TEST_F(RouterTest, HeadOnAPostOnlyRouteIs405) {
  auto d = dispatch(router_, Verb::head, "/token");
  EXPECT_EQ(d.res.result(), Status::method_not_allowed);
  EXPECT_EQ(d.res[Field::allow], "POST");
}

TEST_F(RouterTest, CustomNotFoundHandler) {
  router_.set_not_found([](RequestContext& ctx) -> boost::asio::awaitable<Response> {
    co_return make_response(Status::not_found, "custom " + ctx.path, "text/plain");
  });
  auto d = dispatch(router_, Verb::get, "/missing");
  EXPECT_EQ(d.res.result(), Status::not_found);
  EXPECT_EQ(d.res.body(), "custom /missing");
  // A 405 still wins over the not-found handler.
  EXPECT_EQ(dispatch(router_, Verb::get, "/token").res.result(), Status::method_not_allowed);
}

TEST(Router, FirstMatchingRouteWins) {
  Router r;
  r.add_sync(Verb::get, "/a/literal", [](RequestContext&) { return text("literal"); });
  r.add_sync(Verb::get, "/a/{x}", [](RequestContext&) { return text("param"); });
  EXPECT_EQ(dispatch(r, Verb::get, "/a/literal").res.body(), "literal");
  EXPECT_EQ(dispatch(r, Verb::get, "/a/other").res.body(), "param");
}

TEST(Router, HandlerDispatchesThroughTheRouter) {
  Router r;
  r.add_sync(Verb::get, "/x", [](RequestContext&) { return text("x"); });
  Handler h = r.handler();
  Request req{Verb::get, "/x", 11};
  RequestContext ctx{req, "/x", "", {}, {}, "127.0.0.1", false};
  EXPECT_EQ(run_awaitable(h(ctx)).body(), "x");
}

}  // namespace
}  // namespace tessera::http
