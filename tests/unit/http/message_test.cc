#include "http/message.h"

#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"

namespace tessera::http {
namespace {

// ---- Params ----

TEST(Params, KeepsOrderAndDuplicates) {
  auto p = Params::parse("scope=a&state=s1&scope=b");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->get("scope"), "a");  // first value wins
  EXPECT_EQ(p->get_all("scope"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p->count("scope"), 2u);
  EXPECT_EQ(p->count("state"), 1u);
  ASSERT_EQ(p->items().size(), 3u);
  EXPECT_EQ(p->items()[1].first, "state");
}

TEST(Params, EmptyValueCountsAsAbsent) {  // AUTHZ-12
  auto p = Params::parse("a=&b&c=1&a=");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->get("a").has_value());
  EXPECT_FALSE(p->get("b").has_value());
  EXPECT_EQ(p->count("a"), 0u);
  EXPECT_EQ(p->count("b"), 0u);
  EXPECT_TRUE(p->get_all("a").empty());
  EXPECT_EQ(p->get("c"), "1");
  EXPECT_EQ(p->items().size(), 4u);  // still listed, just not "present"
}

TEST(Params, EmptyValueDoesNotHideALaterNonEmptyOne) {
  auto p = Params::parse("a=&a=2");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->get("a"), "2");
  EXPECT_EQ(p->count("a"), 1u);
}

TEST(Params, DecodesPlusAsSpaceAndPercentEscapes) {
  auto p = Params::parse("redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&q=a+b%2Bc&n%20m=v");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->get("redirect_uri"), "https://app.example/cb?x=1");
  EXPECT_EQ(p->get("q"), "a b+c");
  EXPECT_EQ(p->get("n m"), "v");
}

TEST(Params, SkipsEmptyPairs) {
  auto p = Params::parse("&&a=1&&b=2&");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->items().size(), 2u);
  EXPECT_EQ(p->get("b"), "2");
}

TEST(Params, EmptyInputIsEmpty) {
  auto p = Params::parse("");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->items().empty());
}

TEST(Params, ValueMayContainEquals) {
  auto p = Params::parse("a=b=c");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->get("a"), "b=c");
}

TEST(Params, RejectsBadPercentEscapes) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "%=1", "a%g0=1", "ok=1&b=%2"}) {
    auto p = Params::parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, core::ErrorCode::kInvalidRequest) << bad;
  }
}

TEST(Params, EncodeRoundTrips) {
  Params p;
  p.add("redirect_uri", "https://app.example/cb?x=1&y=2");
  p.add("scope", "patient/*.rs openid");
  p.add("k", "+%&=");
  auto back = Params::parse(p.encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->items(), p.items());
  EXPECT_EQ(p.encode().find(' '), std::string::npos);
}

// ---- HTTP Basic (SYM-1, SYM-3) ----

std::string basic(std::string_view raw) { return "Basic " + core::base64_encode(raw); }

TEST(ParseBasicAuth, SplitsIdAndSecret) {  // SYM-1 example
  auto r = parse_basic_auth("Basic bXktYXBwOm15LWFwcC1zZWNyZXQtMTIz");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, "my-app");
  EXPECT_EQ(r->second, "my-app-secret-123");
}

TEST(ParseBasicAuth, FormDecodesIdAndSecret) {  // SYM-3: RFC 6749 §2.3.1
  // id "rs:fhir" and secret "s3cr+t/ w%rd:x" form-encoded before base64.
  auto r = parse_basic_auth(
      basic(core::url_encode("rs:fhir") + ":" + core::url_encode("s3cr+t/ w%rd:x")));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, "rs:fhir");
  EXPECT_EQ(r->second, "s3cr+t/ w%rd:x");
}

TEST(ParseBasicAuth, PlusMeansSpace) {  // SYM-3: form decoding, not plain percent decoding
  auto r = parse_basic_auth(basic("my+app:a+b"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, "my app");
  EXPECT_EQ(r->second, "a b");
}

TEST(ParseBasicAuth, SplitsAtTheFirstRawColon) {
  // An unencoded ':' in the secret stays in the secret: the id cannot hold a raw ':'.
  auto r = parse_basic_auth(basic("app:sec:ret"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, "app");
  EXPECT_EQ(r->second, "sec:ret");
}

TEST(ParseBasicAuth, SchemeIsCaseInsensitive) {  // OAUTH-6 (RFC 7235 §2.1)
  for (const char* scheme : {"basic ", "BASIC ", "bAsIc "}) {
    auto r = parse_basic_auth(std::string(scheme) + core::base64_encode("a:b"));
    ASSERT_TRUE(r.has_value()) << scheme;
    EXPECT_EQ(r->first, "a");
  }
}

TEST(ParseBasicAuth, EmptySecretIsReturnedEmpty) {
  auto r = parse_basic_auth(basic("app:"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->second, "");
}

TEST(ParseBasicAuth, RejectsMalformedHeaders) {
  const std::string cases[] = {
      "",
      "Basic",
      "Basic ",
      "Bearer " + core::base64_encode("a:b"),
      "Basic " + core::base64_encode("no-colon"),
      "Basic " + core::base64_encode(":secret"),  // empty id
      "Basic " + core::base64_encode("a%zz:b"),   // bad escape in id
      "Basic " + core::base64_encode("a:b%4"),    // bad escape in secret
      "Basic !!!notbase64",
      "Basic YTpi=",  // bad padding
      "Basicx " + core::base64_encode("a:b"),
  };
  for (const auto& h : cases) EXPECT_FALSE(parse_basic_auth(h).has_value()) << h;
}

// ---- Bearer (OAUTH-6) ----

TEST(ParseBearer, SchemeIsCaseInsensitive) {  // OAUTH-6
  for (const char* h : {"Bearer tok", "bearer tok", "BEARER tok", "bEaReR tok"}) {
    EXPECT_EQ(parse_bearer(h), "tok") << h;
  }
}

TEST(ParseBearer, TrimsSurroundingSpaces) {
  EXPECT_EQ(parse_bearer("Bearer    tsr_at_abc  "), "tsr_at_abc");
}

TEST(ParseBearer, RejectsOtherSchemesAndShapes) {
  for (const char* h : {"", "Bearer", "Bearer ", "Bearer    ", "Bearertok", "Basic tok",
                        "Bearer a b", "Token tok"}) {
    EXPECT_FALSE(parse_bearer(h).has_value()) << h;
  }
}

// ---- media_type, iequals ----

TEST(MediaType, DropsParametersTrimsAndLowercases) {
  EXPECT_EQ(media_type("application/x-www-form-urlencoded"), "application/x-www-form-urlencoded");
  EXPECT_EQ(media_type("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
            "application/x-www-form-urlencoded");
  EXPECT_EQ(media_type("  application/json\t ;charset=utf-8"), "application/json");
  EXPECT_EQ(media_type("application/fhir+json"), "application/fhir+json");
  EXPECT_EQ(media_type(""), "");
  EXPECT_EQ(media_type(";x=y"), "");
}

TEST(IEquals, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  EXPECT_FALSE(iequals("abc", "abd"));
  EXPECT_TRUE(iequals("", ""));
}

// ---- RequestContext ----

struct Ctx {
  Request req{Verb::get, "/", 11};
  RequestContext ctx{req, "/", "", {}, {}, "127.0.0.1", false};
};

TEST(RequestContextCookie, FindsByExactNameAmongSeveral) {
  Ctx c;
  c.req.set(Field::cookie, "a=1; tessera_ix=abc; session=x=y;last=z");
  EXPECT_EQ(c.ctx.cookie("a"), "1");
  EXPECT_EQ(c.ctx.cookie("tessera_ix"), "abc");
  EXPECT_EQ(c.ctx.cookie("session"), "x=y");  // value may hold '='
  EXPECT_EQ(c.ctx.cookie("last"), "z");
  EXPECT_FALSE(c.ctx.cookie("ix").has_value());  // no prefix match
  EXPECT_FALSE(c.ctx.cookie("tessera").has_value());
  EXPECT_FALSE(c.ctx.cookie("missing").has_value());
}

TEST(RequestContextCookie, FirstMatchWins) {
  Ctx c;
  c.req.set(Field::cookie, "a=1; a=2");
  EXPECT_EQ(c.ctx.cookie("a"), "1");
}

TEST(RequestContextCookie, NoCookieHeader) {
  Ctx c;
  EXPECT_FALSE(c.ctx.cookie("a").has_value());
}

TEST(RequestContextCookie, ReadsEveryCookieHeaderEvenWhenNotAdjacent) {
  Ctx c;
  c.req.insert(Field::cookie, "a=1");
  c.req.insert(Field::host, "x");
  c.req.insert(Field::cookie, "b=2");
  EXPECT_EQ(c.ctx.cookie("a"), "1");
  EXPECT_EQ(c.ctx.cookie("b"), "2");
}

TEST(RequestContextCookie, EmptyValueIsPresentButEmpty) {
  Ctx c;
  c.req.set(Field::cookie, "a=; b");
  EXPECT_EQ(c.ctx.cookie("a"), "");
  EXPECT_FALSE(c.ctx.cookie("b").has_value());  // no '=': not a cookie pair
}

TEST(RequestContextHeader, ByFieldAndByName) {
  Ctx c;
  c.req.set(Field::authorization, "Bearer x");
  c.req.set("X-Custom", "v");
  EXPECT_EQ(c.ctx.header(Field::authorization), "Bearer x");
  EXPECT_EQ(c.ctx.header("x-custom"), "v");
  EXPECT_EQ(c.ctx.header(Field::accept), "");
  EXPECT_EQ(c.ctx.method_string(), "GET");
}

TEST(RequestContextForm, ParsesFormBodies) {
  Ctx c;
  c.req.set(Field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  c.req.body() = "grant_type=authorization_code&code=abc";
  auto f = c.ctx.form();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->get("grant_type"), "authorization_code");
}

TEST(RequestContextForm, RejectsOtherContentTypes) {
  Ctx c;
  c.req.set(Field::content_type, "application/json");
  c.req.body() = "a=1";
  EXPECT_FALSE(c.ctx.form().ok());
  c.req.erase(Field::content_type);
  EXPECT_FALSE(c.ctx.form().ok());
}

TEST(RequestContextForm, RejectsMalformedBodies) {
  Ctx c;
  c.req.set(Field::content_type, "application/x-www-form-urlencoded");
  c.req.body() = "a=%zz";
  auto f = c.ctx.form();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, core::ErrorCode::kInvalidRequest);
}

// ---- Response builders ----

TEST(Responses, JsonResponseSetsTypeAndLength) {
  auto r = json_response(Status::ok, R"({"a":1})");
  EXPECT_EQ(r.result(), Status::ok);
  EXPECT_EQ(r[Field::content_type], "application/json");
  EXPECT_EQ(r[Field::content_length], "7");
}

TEST(Responses, HtmlResponseCarriesSecurityHeaders) {
  auto r = html_response(Status::ok, "<p>x</p>");
  EXPECT_EQ(r["X-Frame-Options"], "DENY");
  EXPECT_NE(r["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(r[Field::cache_control], "no-store");
  EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
}

TEST(Responses, RedirectSetsLocationAndNoStore) {
  auto r = redirect_response("https://app.example/cb?code=x");
  EXPECT_EQ(r.result(), Status::found);
  EXPECT_EQ(r[Field::location], "https://app.example/cb?code=x");
  EXPECT_EQ(r[Field::cache_control], "no-store");
  EXPECT_EQ(r[Field::content_length], "0");
  EXPECT_EQ(redirect_response("/x", Status::see_other).result(), Status::see_other);
}

TEST(Responses, SetNoStore) {  // TOKEN-7
  auto r = json_response(Status::ok, "{}");
  set_no_store(r);
  EXPECT_EQ(r[Field::cache_control], "no-store");
  EXPECT_EQ(r[Field::pragma], "no-cache");
}

}  // namespace
}  // namespace tessera::http
