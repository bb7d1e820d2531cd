#include "core/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "core/random.h"

namespace tessera::core {
namespace {

TEST(Base64Url, RoundTripsAllLengths) {
  std::string s;
  for (int i = 0; i < 70; ++i) {
    auto enc = base64url_encode(s);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec.has_value()) << i;
    EXPECT_EQ(*dec, s);
    s += static_cast<char>(i * 37);
  }
}

TEST(Base64Url, RejectsStandardAlphabetAndPadding) {
  EXPECT_FALSE(base64url_decode("ab+/").has_value());
  EXPECT_FALSE(base64url_decode("YQ==").has_value());
  EXPECT_FALSE(base64url_decode("Y").has_value());
  EXPECT_FALSE(base64url_decode("YR").has_value());  // non-canonical trailing bits
}

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode("my-app:my-app-secret-123"), "bXktYXBwOm15LWFwcC1zZWNyZXQtMTIz");
  EXPECT_EQ(base64_decode("Zm9vYg==").value(), "foob");
  EXPECT_FALSE(base64_decode("Zm9vY").has_value());
}

TEST(Sha256, Rfc7636AppendixB) {
  // RFC 7636 Appendix B: S256 of the example verifier.
  EXPECT_EQ(base64url_encode(sha256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Sha256, TheReusedContextGivesFreshDigestsOnEveryThread) {
  // FIPS 180-2 vectors, interleaved and on several threads (each reuses its own context).
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const std::string empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  auto check = [&] {
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(sha256_hex("abc"), abc);
      EXPECT_EQ(sha256_hex(""), empty);
    }
  };
  std::thread a(check), b(check);
  check();
  a.join();
  b.join();
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Hmac, Rfc4231Case2) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(UrlCoding, DecodesFormAndRejectsBrokenEscapes) {
  EXPECT_EQ(url_decode("a+b%20c%3D").value(), "a b c=");
  EXPECT_EQ(url_decode("a+b", false).value(), "a+b");
  EXPECT_FALSE(url_decode("%").has_value());
  EXPECT_FALSE(url_decode("%4").has_value());
  EXPECT_FALSE(url_decode("%zz").has_value());
  EXPECT_EQ(url_encode("a b/c~"), "a%20b%2Fc~");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(SecureRandom, TokensAre256BitUrlSafeAndDistinct) {
  auto a = default_random().token(32), b = default_random().token(32);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(Redact, KeepsPrefixDropsSecret) {
  auto r = redact("tsr_at_abcdefghijklmnop");
  EXPECT_EQ(r.rfind("tsr_at_", 0), 0u);
  EXPECT_EQ(r.find("abcdefghijklmnop"), std::string::npos);
}

TEST(ErrorTable, EveryCodeHasAWireStringAndStatus) {
  for (int i = 1; i <= static_cast<int>(kLastErrorCode); ++i) {
    const auto& info = error_info(static_cast<ErrorCode>(i));
    EXPECT_FALSE(info.wire.empty()) << i;
    EXPECT_GE(info.http_status, 400) << i;
    EXPECT_LT(info.http_status, 600) << i;
  }
  EXPECT_EQ(error_info(ErrorCode::kInvalidClient).http_status, 401);
  EXPECT_FALSE(error_info(ErrorCode::kInvalidGrant).may_redirect);
  EXPECT_TRUE(error_info(ErrorCode::kAccessDenied).may_redirect);
}

}  // namespace
}  // namespace tessera::core
