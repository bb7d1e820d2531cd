#include "jose/jws.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/encoding.h"
#include "core/error.h"
#include "test_keys.h"

namespace tessera::jose {
namespace {

using core::ErrorCode;
using testing::b64json;
using testing::jwk_any_alg;
using testing::make_jws;
using testing::other_rsa_key;
using testing::p256_key;
using testing::p384_key;
using testing::rsa_key;
using testing::verify_key;
using json = nlohmann::json;

const std::vector<Alg> kAllAlgs = {Alg::kRS256, Alg::kRS384, Alg::kES256, Alg::kES384};
const std::vector<Alg> kAssertionAlgs = {Alg::kRS384, Alg::kES384};  // ASYM-3

std::vector<VerifyKey> key_set(const std::vector<json>& jwks) {
  std::vector<VerifyKey> keys;
  for (const json& jwk : jwks) keys.push_back(verify_key(jwk));
  return keys;
}

std::vector<std::string> split(const std::string& compact) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = compact.find('.', start)) != std::string::npos; start = dot + 1) {
    parts.push_back(compact.substr(start, dot - start));
  }
  parts.push_back(compact.substr(start));
  return parts;
}

json header_for(const SigningKey& key, Alg alg) {
  return {{"alg", std::string(to_string(alg))}, {"kid", key.kid()}, {"typ", "JWT"}};
}

const json kClaims = {{"iss", "my-app"}, {"sub", "my-app"}, {"jti", "j-1"}, {"exp", 1700000300}};

// ---- sign_jwt ------------------------------------------------------------------------------

TEST(SignJwt, HeaderHasAlgKidTyp) {  // OIDC-4: RS256 by default for our RSA key
  const std::string jwt = sign_jwt(rsa_key(), kClaims);
  auto decoded = decode_jws(jwt);
  ASSERT_TRUE(decoded.ok()) << decoded.error().detail;
  EXPECT_EQ(decoded->header, (json{{"alg", "RS256"}, {"kid", rsa_key().kid()}, {"typ", "JWT"}}));
  EXPECT_EQ(decoded->payload, kClaims);
}

TEST(SignJwt, TypCanBeChangedOrOmitted) {
  auto at = decode_jws(sign_jwt(p256_key(), kClaims, "at+jwt"));
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->header["typ"], "at+jwt");
  EXPECT_EQ(at->header["alg"], "ES256");
  auto bare = decode_jws(sign_jwt(p256_key(), kClaims, ""));
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->header.contains("typ"));
}

TEST(SignJwt, FailsOnNonObjectOrInvalidUtf8Claims) {
  for (const json& claims :
       {json::array({1}), json("claims"), json(nullptr), json{{"name", std::string("\xff\xfe")}}}) {
    EXPECT_EQ(sign_jwt(rsa_key(), claims), "") << claims.type_name();
    auto jwt = try_sign_jwt(rsa_key(), claims);
    ASSERT_FALSE(jwt.ok());
    EXPECT_EQ(jwt.error().code, ErrorCode::kInternal);
  }
}

TEST(SignJwt, IdTokenClaimsSurviveSignVerifyRoundTrip) {  // OIDC-4, OIDC-8, OIDC-5
  const json id_token = {
      {"iss", "https://auth.example.org"},
      {"sub", "u-123"},
      {"aud", "my-app"},
      {"exp", 1700003600},
      {"iat", 1700000000},
      {"nonce", "n123"},
      {"fhirUser", "https://ehr.example.org/fhir/Practitioner/123"},
      {"name", "Dr. Zoë Müller"},  // non-ASCII survives
  };
  const std::string jwt = sign_jwt(rsa_key(), id_token);
  ASSERT_FALSE(jwt.empty());
  // The client's path (OIDC-9): jwks_uri document -> parse_jwks -> verify.
  const json jwks = {{"keys", json::array({rsa_key().public_jwk(), p256_key().public_jwk()})}};
  auto keys = parse_jwks(jwks);
  ASSERT_TRUE(keys.ok());
  auto verified = verify_jws(jwt, *keys, {Alg::kRS256});
  ASSERT_TRUE(verified.ok()) << verified.error().detail;
  EXPECT_EQ(verified->header["alg"], "RS256");
  EXPECT_EQ(verified->payload, id_token);
  EXPECT_EQ(verified->payload["nonce"], "n123");
  EXPECT_EQ(verified->payload["exp"].get<long long>(), 1700003600);
}

TEST(SignJwt, Es256RoundTrip) {
  const std::string jwt = sign_jwt(p256_key(), kClaims);
  auto verified = verify_jws(jwt, key_set({p256_key().public_jwk()}), kAllAlgs);
  ASSERT_TRUE(verified.ok()) << verified.error().detail;
  EXPECT_EQ(verified->payload, kClaims);
  EXPECT_EQ(core::base64url_decode(split(jwt)[2])->size(), 64u);
}

// ---- verify_jws, accepted ------------------------------------------------------------------

TEST(VerifyJws, AcceptsRs384AndEs384ClientAssertions) {  // ASYM-3, BACKEND-5
  struct Case {
    const SigningKey* key;
    Alg alg;
  };
  for (const Case& c : {Case{&rsa_key(), Alg::kRS384}, Case{&p384_key(), Alg::kES384}}) {
    const std::string jws = make_jws(header_for(*c.key, c.alg), kClaims, *c.key, c.alg);
    auto keys = key_set({jwk_any_alg(*c.key), jwk_any_alg(other_rsa_key())});
    auto verified = verify_jws(jws, keys, kAssertionAlgs);
    ASSERT_TRUE(verified.ok()) << to_string(c.alg) << ": " << verified.error().detail;
    EXPECT_EQ(verified->payload, kClaims);
    EXPECT_EQ(verified->signing_input, jws.substr(0, jws.rfind('.')));
  }
}

TEST(VerifyJws, SameKidOnKeysOfDifferentKtyIsNotAmbiguous) {  // ASYM-12 step 3: kid AND kty
  json ec = jwk_any_alg(p384_key());
  ec["kid"] = "shared";
  json rsa = jwk_any_alg(rsa_key());
  rsa["kid"] = "shared";
  json header = header_for(p384_key(), Alg::kES384);
  header["kid"] = "shared";
  const std::string jws = make_jws(header, kClaims, p384_key(), Alg::kES384);
  EXPECT_TRUE(verify_jws(jws, key_set({rsa, ec}), kAssertionAlgs).ok());
}

// ---- verify_jws, refused -------------------------------------------------------------------

void expect_refused(const std::string& jws, const std::vector<VerifyKey>& keys,
                    const std::vector<Alg>& algs, const std::string& description,
                    const std::string& what) {
  auto r = verify_jws(jws, keys, algs);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidClient) << what;  // ASYM-9
  EXPECT_EQ(r.error().description, description) << what << " (" << r.error().detail << ")";
}

TEST(VerifyJws, RefusesTamperedSignatureAndPayload) {  // ASYM-9
  for (const SigningKey* key : {&rsa_key(), &p256_key()}) {
    const auto keys = key_set({key->public_jwk()});
    const std::string jwt = sign_jwt(*key, kClaims);
    ASSERT_TRUE(verify_jws(jwt, keys, kAllAlgs).ok());
    auto parts = split(jwt);

    std::string sig = core::base64url_decode(parts[2]).value();
    sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x01);
    expect_refused(parts[0] + "." + parts[1] + "." + core::base64url_encode(sig), keys, kAllAlgs,
                   "invalid JWT signature", "flipped signature byte");

    json claims = kClaims;
    claims["sub"] = "someone-else";
    expect_refused(parts[0] + "." + b64json(claims) + "." + parts[2], keys, kAllAlgs,
                   "invalid JWT signature", "changed payload");

    json header = header_for(*key, key->alg());
    header["x"] = 1;
    expect_refused(b64json(header) + "." + parts[1] + "." + parts[2], keys, kAllAlgs,
                   "invalid JWT signature", "changed header");

    expect_refused(parts[0] + "." + parts[1] + ".", keys, kAllAlgs, "invalid JWT signature",
                   "empty signature");
  }
}

TEST(VerifyJws, RefusesAlgNone) {  // ASYM-9
  const auto keys = key_set({rsa_key().public_jwk()});
  json header = {{"alg", "none"}, {"kid", rsa_key().kid()}, {"typ", "JWT"}};
  const std::string unsigned_jwt = b64json(header) + "." + b64json(kClaims) + ".";
  expect_refused(unsigned_jwt, keys, kAllAlgs, "unsupported JWT alg", "alg none");
  // "none" with a real signature attached is refused the same way.
  const std::string real = split(sign_jwt(rsa_key(), kClaims))[2];
  expect_refused(unsigned_jwt + real, keys, kAllAlgs, "unsupported JWT alg", "alg none + sig");
}

TEST(VerifyJws, RefusesHs256SignedWithThePublicKey) {  // ASYM-9 key-confusion attack
  const json jwk = rsa_key().public_jwk();
  const auto keys = key_set({jwk});
  json header = {{"alg", "HS256"}, {"kid", rsa_key().kid()}, {"typ", "JWT"}};
  const std::string input = b64json(header) + "." + b64json(kClaims);
  const std::string n = core::base64url_decode(jwk["n"].get<std::string>()).value();
  for (const std::string& secret : {jwk.dump(), n}) {
    const std::string jwt = input + "." + core::base64url_encode(core::hmac_sha256(secret, input));
    expect_refused(jwt, keys, kAllAlgs, "unsupported JWT alg", "HS256");
  }
}

TEST(VerifyJws, RefusesAlgsOutsideTheAllowedList) {
  const auto keys = key_set({jwk_any_alg(rsa_key())});
  expect_refused(sign_jwt(rsa_key(), kClaims), keys, kAssertionAlgs, "unsupported JWT alg",
                 "RS256 not allowed");
  expect_refused(sign_jwt(rsa_key(), kClaims), keys, {}, "unsupported JWT alg", "nothing allowed");
  for (const char* alg : {"PS256", "RS512", "ES512", "EdDSA", "rs384", ""}) {
    json header = {{"alg", alg}, {"kid", rsa_key().kid()}};
    const std::string jws =
        make_jws(header, kClaims, rsa_key(), Alg::kRS384);  // signature irrelevant
    expect_refused(jws, keys, kAllAlgs, "unsupported JWT alg", alg);
  }
}

TEST(VerifyJws, RefusesMissingOrBadKid) {  // ASYM-6
  const auto keys = key_set({jwk_any_alg(rsa_key())});
  for (const json& kid : {json(), json(""), json(42), json::array({rsa_key().kid()})}) {
    json header = {{"alg", "RS384"}, {"typ", "JWT"}};
    if (!kid.is_null()) header["kid"] = kid;
    const std::string jws = make_jws(header, kClaims, rsa_key(), Alg::kRS384);
    expect_refused(jws, keys, kAllAlgs, "JWT header has no kid", kid.dump());
  }
}

TEST(VerifyJws, RefusesUnknownKid) {  // ASYM-12 step 3: zero matches
  const auto keys = key_set({jwk_any_alg(rsa_key())});
  json header = header_for(rsa_key(), Alg::kRS384);
  header["kid"] = "someone-elses-kid";
  expect_refused(make_jws(header, kClaims, rsa_key(), Alg::kRS384), keys, kAllAlgs,
                 "no matching key", "kid mismatch");
  expect_refused(sign_jwt(rsa_key(), kClaims), {}, kAllAlgs, "no matching key", "empty key set");
}

TEST(VerifyJws, RefusesDuplicateKid) {  // ASYM-5, ASYM-12 step 3: more than one match
  json dup = jwk_any_alg(other_rsa_key());
  dup["kid"] = rsa_key().kid();
  const std::string jws =
      make_jws(header_for(rsa_key(), Alg::kRS384), kClaims, rsa_key(), Alg::kRS384);
  expect_refused(jws, key_set({jwk_any_alg(rsa_key()), dup}), kAllAlgs, "ambiguous signing key",
                 "duplicate kid");
  // Even the very same key registered twice is ambiguous.
  expect_refused(jws, key_set({jwk_any_alg(rsa_key()), jwk_any_alg(rsa_key())}), kAllAlgs,
                 "ambiguous signing key", "same key twice");
}

TEST(VerifyJws, RefusesKeyWhoseTypeDoesNotFitAlg) {  // ASYM-12 step 3: kty fits alg
  // Header says RS256 and names the EC key's kid.
  json header = header_for(p256_key(), Alg::kRS256);
  const std::string jws = make_jws(header, kClaims, rsa_key(), Alg::kRS256);
  expect_refused(jws, key_set({p256_key().public_jwk()}), kAllAlgs, "no matching key",
                 "EC key, RS alg");
  // ES384 against a P-256 key with the same kid.
  json h384 = header_for(p256_key(), Alg::kES384);
  expect_refused(make_jws(h384, kClaims, p384_key(), Alg::kES384),
                 key_set({jwk_any_alg(p256_key())}), kAllAlgs, "no matching key", "P-256, ES384");
  // RS384 against a JWK restricted to RS256 by its "alg".
  expect_refused(make_jws(header_for(rsa_key(), Alg::kRS384), kClaims, rsa_key(), Alg::kRS384),
                 key_set({rsa_key().public_jwk()}), kAllAlgs, "no matching key", "JWK alg RS256");
}

TEST(VerifyJws, RefusesSignatureFromAnotherKeyUnderVictimsKid) {
  // An attacker signs with its own key, claims the victim's kid and embeds its key in the header:
  // header keys are never used.
  json header = header_for(rsa_key(), Alg::kRS256);
  header["jwk"] = jwk_any_alg(other_rsa_key());
  header["jku"] = "https://attacker.example/jwks";
  const std::string jws = make_jws(header, kClaims, other_rsa_key(), Alg::kRS256);
  expect_refused(jws, key_set({rsa_key().public_jwk()}), kAllAlgs, "invalid JWT signature",
                 "embedded jwk");
}

TEST(VerifyJws, RefusesDerEncodedEcdsaSignature) {  // RFC 7518 §3.4: raw r||s only
  const std::string jwt = sign_jwt(p256_key(), kClaims);
  auto parts = split(jwt);
  const std::string raw = core::base64url_decode(parts[2]).value();
  // Hand-made DER SEQUENCE { INTEGER r, INTEGER s } (r, s as positive 33-byte integers).
  std::string der = "\x30\x46\x02\x21";
  der += '\0';
  der += raw.substr(0, 32);
  der += "\x02\x21";
  der += '\0';
  der += raw.substr(32);
  expect_refused(parts[0] + "." + parts[1] + "." + core::base64url_encode(der),
                 key_set({p256_key().public_jwk()}), kAllAlgs, "invalid JWT signature", "DER");
}

TEST(VerifyJws, RefusesCritHeader) {  // RFC 7515 §4.1.11
  json header = header_for(rsa_key(), Alg::kRS256);
  header["crit"] = json::array({"b64"});
  header["b64"] = false;
  const std::string jws = make_jws(header, kClaims, rsa_key(), Alg::kRS256);
  expect_refused(jws, key_set({rsa_key().public_jwk()}), kAllAlgs, "unsupported JWT header",
                 "crit");
}

TEST(VerifyJws, MalformedInputIsInvalidClient) {
  const auto keys = key_set({rsa_key().public_jwk()});
  for (const char* jws : {"", "a.b", "not a jwt", "a.b.c.d"}) {
    expect_refused(jws, keys, kAllAlgs, "malformed JWT", jws);
  }
}

// ---- decode_jws ----------------------------------------------------------------------------

TEST(DecodeJws, SplitsAValidJws) {
  const std::string jwt = sign_jwt(p384_key(), kClaims);
  auto d = decode_jws(jwt);
  ASSERT_TRUE(d.ok()) << d.error().detail;
  EXPECT_EQ(d->header["alg"], "ES384");
  EXPECT_EQ(d->payload, kClaims);
  EXPECT_EQ(d->signing_input, jwt.substr(0, jwt.rfind('.')));
  EXPECT_EQ(d->signature.size(), 96u);
}

TEST(DecodeJws, AcceptsEmptySignatureStructurally) {  // verify_jws refuses it later
  auto d = decode_jws(b64json({{"alg", "none"}}) + "." + b64json(kClaims) + ".");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->signature.empty());
}

TEST(DecodeJws, RefusesMalformedCompactSerializations) {
  const std::string h = b64json({{"alg", "RS256"}, {"kid", "k"}});
  const std::string p = b64json(kClaims);
  const std::string s = core::base64url_encode("signature");
  struct Case {
    const char* what;
    std::string jws;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"one part", h},
      {"two parts", h + "." + p},
      {"four parts", h + "." + p + "." + s + "." + s},
      {"JWE (five parts)", h + ".." + s + "." + s + "." + s},
      {"header bad base64url", "eyJ!bGciOiJSUzI1NiJ9." + p + "." + s},
      {"header padded", core::base64_encode(R"({"alg":"RS256" })") + "." + p + "." + s},
      {"payload standard alphabet", h + "." + p + "+/." + s},
      {"signature padded", h + "." + p + "." + s + "="},
      {"signature bad char", h + "." + p + ".ab$d"},
      {"empty header", "." + p + "." + s},
      {"header not JSON", core::base64url_encode("not json") + "." + p + "." + s},
      {"header JSON array", b64json(json::array({"alg", "RS256"})) + "." + p + "." + s},
      {"header JSON string", b64json("RS256") + "." + p + "." + s},
      {"header trailing garbage",
       core::base64url_encode(R"({"alg":"RS256"}x)") + "." + p + "." + s},
      {"header without alg", b64json({{"kid", "k"}}) + "." + p + "." + s},
      {"header alg not a string", b64json({{"alg", 256}}) + "." + p + "." + s},
      {"header invalid UTF-8",
       core::base64url_encode("{\"alg\":\"RS256\",\"x\":\"\xff\"}") + "." + p + "." + s},
      {"payload not JSON", h + "." + core::base64url_encode("hello") + "." + s},
      {"payload JSON array", h + "." + b64json(json::array({1, 2})) + "." + s},
      {"payload empty", h + ".." + s},
      {"oversized", h + "." + core::base64url_encode(std::string(13000, 'x')) + "." + s},
  };
  for (const Case& c : cases) {
    auto d = decode_jws(c.jws);
    ASSERT_FALSE(d.ok()) << c.what;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidRequest) << c.what;
    EXPECT_EQ(d.error().description, "malformed JWT") << c.what;
  }
}

TEST(DecodeJws, SizeLimitIs16KiB) {
  // At the limit the input is judged on its structure; one byte more and on its size alone.
  auto at_limit = decode_jws(std::string(kMaxCompactJwsSize, 'a'));
  ASSERT_FALSE(at_limit.ok());
  EXPECT_EQ(at_limit.error().detail.find("16 KiB"), std::string::npos);
  auto over = decode_jws(std::string(kMaxCompactJwsSize + 1, 'a'));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().detail.find("16 KiB"), std::string::npos);
  // A real, large but in-limit token still verifies.
  json claims = kClaims;
  claims["pad"] = std::string(11000, 'p');
  const std::string jwt = sign_jwt(p256_key(), claims);
  ASSERT_LT(jwt.size(), kMaxCompactJwsSize);
  EXPECT_TRUE(verify_jws(jwt, key_set({p256_key().public_jwk()}), kAllAlgs).ok());
}

}  // namespace
}  // namespace tessera::jose
