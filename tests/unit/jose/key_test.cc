#include "jose/key.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.h"
#include "core/error.h"
#include "test_keys.h"

namespace tessera::jose {
namespace {

using core::ErrorCode;
using testing::jwk_any_alg;
using testing::other_rsa_key;
using testing::p256_key;
using testing::p384_key;
using testing::rsa_key;
using testing::verify_key;
using json = nlohmann::json;

// RFC 7638 §3.1 example key (also RFC 7517 Appendix A.1).
const char* const kRfc7638N =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
    "BJECPebWK"
    "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMic"
    "AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
    "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

// RFC 7515 Appendix A.3 (ES256): key, signing input and raw r||s signature.
const char* const kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const char* const kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const char* const kA3D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
const char* const kA3Input =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
const char* const kA3Sig =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

json rfc7638_jwk() { return {{"kty", "RSA"}, {"n", kRfc7638N}, {"e", "AQAB"}}; }
json a3_jwk() { return {{"kty", "EC"}, {"crv", "P-256"}, {"x", kA3X}, {"y", kA3Y}, {"kid", "a3"}}; }

std::string b64d(const std::string& s) { return core::base64url_decode(s).value(); }

std::set<std::string> member_names(const json& obj) {
  std::set<std::string> names;
  for (const auto& [k, v] : obj.items()) names.insert(k);
  return names;
}

// ---- Alg -----------------------------------------------------------------------------------

TEST(Alg, RoundTripsJwaNames) {
  for (Alg alg : {Alg::kRS256, Alg::kRS384, Alg::kES256, Alg::kES384}) {
    EXPECT_EQ(alg_from_string(to_string(alg)), alg) << to_string(alg);
  }
  EXPECT_EQ(to_string(Alg::kRS384), "RS384");
  EXPECT_EQ(to_string(Alg::kES256), "ES256");
}

TEST(Alg, RejectsNoneHmacPssAndCaseVariants) {  // ASYM-9: none / HS* never usable
  for (const char* name : {"none", "None", "HS256", "HS384", "HS512", "PS256", "RS512", "ES512",
                           "rs256", "RS256 ", "", "EdDSA"}) {
    EXPECT_FALSE(alg_from_string(name).has_value()) << name;
  }
}

// ---- RFC 7638 thumbprint -------------------------------------------------------------------

TEST(JwkThumbprint, MatchesRfc7638Section31Example) {
  auto tp = jwk_thumbprint(rfc7638_jwk());
  ASSERT_TRUE(tp.ok()) << tp.error().detail;
  EXPECT_EQ(*tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkThumbprint, IgnoresOptionalAndPrivateMembers) {
  json jwk = rfc7638_jwk();
  jwk["kid"] = "2011-04-29";
  jwk["alg"] = "RS256";
  jwk["use"] = "sig";
  jwk["d"] = "AQAB";
  EXPECT_EQ(jwk_thumbprint(jwk).value(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkThumbprint, EcUsesCrvKtyXY) {
  json jwk = a3_jwk();
  const std::string canonical =
      std::string(R"({"crv":"P-256","kty":"EC","x":")") + kA3X + R"(","y":")" + kA3Y + R"("})";
  EXPECT_EQ(jwk_thumbprint(jwk).value(), core::base64url_encode(core::sha256(canonical)));
}

TEST(JwkThumbprint, RejectsMissingMembersAndUnknownKty) {
  const std::vector<json> bad = {
      json::array(),
      {{"n", kRfc7638N}, {"e", "AQAB"}},                                // no kty
      {{"kty", "RSA"}, {"n", kRfc7638N}},                               // no e
      {{"kty", "RSA"}, {"n", 5}, {"e", "AQAB"}},                        // n not a string
      {{"kty", "EC"}, {"crv", "P-256"}, {"x", kA3X}},                   // no y
      {{"kty", "oct"}, {"k", "c2VjcmV0"}},                              // symmetric
      {{"kty", "EC"}, {"crv", "P-256\xff"}, {"x", kA3X}, {"y", kA3Y}},  // invalid UTF-8
  };
  for (const json& jwk : bad) {
    auto tp = jwk_thumbprint(jwk);
    ASSERT_FALSE(tp.ok()) << jwk.dump();
    EXPECT_EQ(tp.error().code, ErrorCode::kInvalidRequest);
  }
}

// ---- SigningKey ----------------------------------------------------------------------------

TEST(SigningKey, RsaKeyIsRs256WithThumbprintKid) {  // OIDC-4
  const SigningKey& key = rsa_key();
  EXPECT_EQ(key.alg(), Alg::kRS256);
  EXPECT_EQ(key.kid().size(), 43u);  // base64url of 32 bytes
  EXPECT_EQ(key.kid(), jwk_thumbprint(key.public_jwk()).value());
  EXPECT_NE(key.kid(), other_rsa_key().kid());
}

TEST(SigningKey, EcKeysAreEs256AndEs384) {
  EXPECT_EQ(p256_key().alg(), Alg::kES256);
  EXPECT_EQ(p384_key().alg(), Alg::kES384);
  EXPECT_EQ(p256_key().kid(), jwk_thumbprint(p256_key().public_jwk()).value());
  EXPECT_EQ(p384_key().kid(), jwk_thumbprint(p384_key().public_jwk()).value());
}

TEST(SigningKey, RsaPublicJwkIsBareWithoutPrivateMembers) {  // OIDC-3
  const json jwk = rsa_key().public_jwk();
  EXPECT_EQ(member_names(jwk), (std::set<std::string>{"kty", "kid", "use", "alg", "n", "e"}));
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["alg"], "RS256");
  EXPECT_EQ(jwk["kid"], rsa_key().kid());
  EXPECT_EQ(jwk["e"], "AQAB");
  EXPECT_EQ(b64d(jwk["n"]).size(), 256u);
}

TEST(SigningKey, EcPublicJwkIsBareWithFullWidthCoordinates) {  // OIDC-3, RFC 7518 §6.2.1.2
  struct Case {
    const SigningKey* key;
    const char* crv;
    const char* alg;
    std::size_t width;
  };
  for (const Case& c :
       {Case{&p256_key(), "P-256", "ES256", 32}, Case{&p384_key(), "P-384", "ES384", 48}}) {
    const json jwk = c.key->public_jwk();
    EXPECT_EQ(member_names(jwk),
              (std::set<std::string>{"kty", "kid", "use", "alg", "crv", "x", "y"}));
    EXPECT_EQ(jwk["kty"], "EC");
    EXPECT_EQ(jwk["crv"], c.crv);
    EXPECT_EQ(jwk["alg"], c.alg);
    EXPECT_EQ(b64d(jwk["x"]).size(), c.width);
    EXPECT_EQ(b64d(jwk["y"]).size(), c.width);
  }
}

TEST(SigningKey, RejectsRsaSizesOutside2048To8192) {
  for (int bits : {0, 512, 1024, 2047, 8193, 16384}) {
    auto key = SigningKey::generate_rsa(bits);
    ASSERT_FALSE(key.ok()) << bits;
    EXPECT_EQ(key.error().code, ErrorCode::kInternal);
  }
}

TEST(SigningKey, PemRoundTripKeepsKidAndKey) {
  for (const SigningKey* key : {&rsa_key(), &p256_key(), &p384_key()}) {
    const std::string pem = key->private_pem();
    EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << pem.substr(0, 40);  // PKCS#8
    auto loaded = SigningKey::from_pem(pem);
    ASSERT_TRUE(loaded.ok()) << loaded.error().detail;
    EXPECT_EQ(loaded->kid(), key->kid());
    EXPECT_EQ(loaded->alg(), key->alg());
    EXPECT_EQ(loaded->public_jwk(), key->public_jwk());
    // The reloaded key signs what the original's public key verifies.
    auto sig = loaded->sign("input");
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(verify_key(key->public_jwk()).verify(key->alg(), "input", *sig));
    EXPECT_EQ(ERR_peek_error(), 0ul) << "OpenSSL error queue left dirty";
  }
}

TEST(SigningKey, FromPemAcceptsTraditionalForms) {
  for (const SigningKey* key : {&rsa_key(), &p256_key()}) {
    auto pkey = testing::load_pkey(key->private_pem());
    ASSERT_TRUE(pkey);
    const std::string pem = testing::write_pem([&](BIO* bio) {
      return PEM_write_bio_PrivateKey_traditional(bio, pkey.get(), nullptr, nullptr, 0, nullptr,
                                                  nullptr);
    });
    ASSERT_NE(pem.find("-----BEGIN " + std::string(key->alg() == Alg::kRS256 ? "RSA" : "EC") +
                       " PRIVATE KEY-----"),
              std::string::npos);
    auto loaded = SigningKey::from_pem(pem);
    ASSERT_TRUE(loaded.ok()) << loaded.error().detail;
    EXPECT_EQ(loaded->kid(), key->kid());
  }
}

TEST(SigningKey, FromPemRejectsGarbagePublicEncryptedAndUnsupportedKeys) {
  auto pkey = testing::load_pkey(p256_key().private_pem());
  ASSERT_TRUE(pkey);
  const std::string public_pem =
      testing::write_pem([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, pkey.get()); });
  const std::string encrypted_pem = testing::write_pem([&](BIO* bio) {
    char pass[] = "passphrase";
    return PEM_write_bio_PKCS8PrivateKey(bio, pkey.get(), EVP_aes_256_cbc(), pass,
                                         static_cast<int>(sizeof pass - 1), nullptr, nullptr);
  });
  auto pem_of = [](EVP_PKEY* raw) {
    testing::TestPkey k(raw);
    return testing::write_pem([&](BIO* bio) {
      return PEM_write_bio_PrivateKey(bio, k.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
  };
  const std::string ed25519_pem = pem_of(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  const std::string k256_pem = pem_of(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
  const std::string rsa1024_pem =
      pem_of(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024)));
  ASSERT_FALSE(public_pem.empty());
  ASSERT_NE(encrypted_pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  ASSERT_FALSE(ed25519_pem.empty());
  ASSERT_FALSE(k256_pem.empty());
  ASSERT_FALSE(rsa1024_pem.empty());

  struct Case {
    const char* what;
    std::string pem;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"garbage", "not a pem"},
      {"truncated", p256_key().private_pem().substr(0, 60)},
      {"public key", public_pem},
      {"encrypted (must not prompt)", encrypted_pem},
      {"Ed25519", ed25519_pem},
      {"secp256k1", k256_pem},
      {"RSA 1024", rsa1024_pem},
      {"oversized", std::string(70 * 1024, 'A')},
  };
  for (const Case& c : cases) {
    auto key = SigningKey::from_pem(c.pem);
    ASSERT_FALSE(key.ok()) << c.what;
    EXPECT_EQ(key.error().code, ErrorCode::kInternal) << c.what;
    EXPECT_EQ(ERR_peek_error(), 0ul) << c.what << ": OpenSSL error queue left dirty";
  }
}

TEST(SigningKey, SignWithRejectsAlgOfAnotherFamily) {
  struct Case {
    const SigningKey* key;
    Alg alg;
  };
  for (const Case& c : {Case{&rsa_key(), Alg::kES256}, Case{&rsa_key(), Alg::kES384},
                        Case{&p256_key(), Alg::kES384}, Case{&p256_key(), Alg::kRS256},
                        Case{&p384_key(), Alg::kES256}}) {
    auto sig = c.key->sign_with(c.alg, "x");
    ASSERT_FALSE(sig.ok()) << to_string(c.alg);
    EXPECT_EQ(sig.error().code, ErrorCode::kInternal);
  }
}

TEST(SigningKey, SignatureSizes) {
  EXPECT_EQ(rsa_key().sign("x").value().size(), 256u);
  EXPECT_EQ(rsa_key().sign_with(Alg::kRS384, "x").value().size(), 256u);
  EXPECT_EQ(p256_key().sign("x").value().size(), 64u);  // raw r||s, RFC 7518 §3.4
  EXPECT_EQ(p384_key().sign("x").value().size(), 96u);
}

TEST(SigningKey, EcSignaturesWithShortRorSAreLeftPadded) {
  // About 1 in 128 ES256 signatures has an r or s with a leading zero byte; those must still be
  // 64 bytes, zero-padded, and verify.
  const VerifyKey vk = verify_key(p256_key().public_jwk());
  int padded = 0;
  for (int i = 0; i < 20000 && padded < 3; ++i) {
    const std::string input = "input-" + std::to_string(i);
    const std::string sig = p256_key().sign(input).value();
    ASSERT_EQ(sig.size(), 64u);
    if (sig[0] == '\0' || sig[32] == '\0') {
      ++padded;
      EXPECT_TRUE(vk.verify(Alg::kES256, input, sig)) << i;
    }
  }
  EXPECT_EQ(padded, 3);
}

TEST(SigningKey, ConcurrentSignIsSafe) {
  const SigningKey copy = p256_key();  // copies share the key
  const VerifyKey ec = verify_key(copy.public_jwk());
  const VerifyKey rsa = verify_key(rsa_key().public_jwk());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string input = std::to_string(t) + ":" + std::to_string(i);
        auto ec_sig = copy.sign(input);
        if (!ec_sig || !ec.verify(Alg::kES256, input, *ec_sig)) ++failures;
        if (i % 10 == 0) {
          auto rsa_sig = rsa_key().sign(input);
          if (!rsa_sig || !rsa.verify(Alg::kRS256, input, *rsa_sig)) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- VerifyKey -----------------------------------------------------------------------------

TEST(VerifyKey, ReadsOwnPublicJwks) {
  const VerifyKey rsa = verify_key(rsa_key().public_jwk());
  EXPECT_EQ(rsa.kty(), "RSA");
  EXPECT_EQ(rsa.kid(), rsa_key().kid());
  const VerifyKey ec = verify_key(p384_key().public_jwk());
  EXPECT_EQ(ec.kty(), "EC");
  EXPECT_EQ(ec.kid(), p384_key().kid());
}

TEST(VerifyKey, CompatibilityFollowsKtyCurveAndJwkAlg) {  // ASYM-12 step 3
  struct Case {
    const char* what;
    json jwk;
    std::set<Alg> fits;
  };
  json rsa384 = jwk_any_alg(rsa_key());
  rsa384["alg"] = "RS384";
  const std::vector<Case> cases = {
      {"RSA, no alg", jwk_any_alg(rsa_key()), {Alg::kRS256, Alg::kRS384}},
      {"RSA, alg RS256", rsa_key().public_jwk(), {Alg::kRS256}},
      {"RSA, alg RS384", rsa384, {Alg::kRS384}},
      {"P-256", jwk_any_alg(p256_key()), {Alg::kES256}},
      {"P-384", jwk_any_alg(p384_key()), {Alg::kES384}},
  };
  for (const Case& c : cases) {
    const VerifyKey key = verify_key(c.jwk);
    for (Alg alg : {Alg::kRS256, Alg::kRS384, Alg::kES256, Alg::kES384}) {
      EXPECT_EQ(key.compatible(alg), c.fits.count(alg) == 1) << c.what << " " << to_string(alg);
    }
  }
}

TEST(VerifyKey, VerifiesRfc7515AppendixA3Es256) {  // interop: externally made raw r||s
  const VerifyKey key = verify_key(a3_jwk());
  EXPECT_TRUE(key.verify(Alg::kES256, kA3Input, b64d(kA3Sig)));
  EXPECT_FALSE(key.verify(Alg::kES256, std::string(kA3Input) + "x", b64d(kA3Sig)));
}

TEST(VerifyKey, AcceptsAndIgnoresPrivateMemberD) {
  json jwk = a3_jwk();
  jwk["d"] = kA3D;
  const VerifyKey key = verify_key(jwk);
  EXPECT_TRUE(key.verify(Alg::kES256, kA3Input, b64d(kA3Sig)));
}

TEST(VerifyKey, RoundTripsAllAlgorithms) {  // ASYM-3: RS384 and ES384 (and RS256/ES256)
  struct Case {
    const SigningKey* key;
    Alg alg;
  };
  for (const Case& c : {Case{&rsa_key(), Alg::kRS256}, Case{&rsa_key(), Alg::kRS384},
                        Case{&p256_key(), Alg::kES256}, Case{&p384_key(), Alg::kES384}}) {
    const VerifyKey vk = verify_key(jwk_any_alg(*c.key));
    const std::string sig = c.key->sign_with(c.alg, "signing input").value();
    EXPECT_TRUE(vk.verify(c.alg, "signing input", sig)) << to_string(c.alg);
  }
}

TEST(VerifyKey, RejectsTamperedSignatureInputAndWrongAlg) {  // ASYM-9
  struct Case {
    const SigningKey* key;
    Alg alg;
    Alg other;  // same family, other digest (or the same alg when none exists)
  };
  for (const Case& c :
       {Case{&rsa_key(), Alg::kRS256, Alg::kRS384}, Case{&rsa_key(), Alg::kRS384, Alg::kRS256},
        Case{&p256_key(), Alg::kES256, Alg::kES384}, Case{&p384_key(), Alg::kES384, Alg::kES256}}) {
    const VerifyKey vk = verify_key(jwk_any_alg(*c.key));
    const std::string sig = c.key->sign_with(c.alg, "payload").value();
    ASSERT_TRUE(vk.verify(c.alg, "payload", sig));
    for (std::size_t pos : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
      std::string bad = sig;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x01);
      EXPECT_FALSE(vk.verify(c.alg, "payload", bad)) << to_string(c.alg) << " byte " << pos;
    }
    EXPECT_FALSE(vk.verify(c.alg, "payloaD", sig)) << to_string(c.alg);
    EXPECT_FALSE(vk.verify(c.other, "payload", sig)) << to_string(c.alg);
    EXPECT_FALSE(verify_key(jwk_any_alg(other_rsa_key())).verify(c.alg, "payload", sig));
    EXPECT_EQ(ERR_peek_error(), 0ul) << "OpenSSL error queue left dirty";
  }
}

TEST(VerifyKey, RejectsWronglySizedSignatures) {
  const VerifyKey rsa = verify_key(rsa_key().public_jwk());
  const std::string rsa_sig = rsa_key().sign("m").value();
  EXPECT_FALSE(rsa.verify(Alg::kRS256, "m", ""));
  EXPECT_FALSE(rsa.verify(Alg::kRS256, "m", rsa_sig.substr(1)));
  EXPECT_FALSE(rsa.verify(Alg::kRS256, "m", std::string(1, '\0') + rsa_sig));

  const VerifyKey ec = verify_key(p256_key().public_jwk());
  const std::string ec_sig = p256_key().sign("m").value();
  EXPECT_FALSE(ec.verify(Alg::kES256, "m", ""));
  EXPECT_FALSE(ec.verify(Alg::kES256, "m", ec_sig.substr(0, 63)));
  EXPECT_FALSE(ec.verify(Alg::kES256, "m", ec_sig + '\0'));
  EXPECT_FALSE(ec.verify(Alg::kES256, "m", std::string(64, '\0')));  // r = s = 0
  EXPECT_EQ(ERR_peek_error(), 0ul) << "OpenSSL error queue left dirty";
}

TEST(VerifyKey, RejectsEcPointNotOnCurve) {  // NOTES-deps 4
  for (const SigningKey* key : {&p256_key(), &p384_key()}) {
    json jwk = key->public_jwk();
    std::string y = b64d(jwk["y"]);
    y.back() = static_cast<char>(y.back() ^ 0x01);
    jwk["y"] = core::base64url_encode(y);
    auto vk = VerifyKey::from_jwk(jwk);
    ASSERT_FALSE(vk.ok()) << jwk["crv"];
    EXPECT_EQ(vk.error().code, ErrorCode::kInvalidRequest);
  }
  // The P-256 key's coordinates claimed as a P-384 key are not even the right width.
  json mixed = p256_key().public_jwk();
  mixed["crv"] = "P-384";
  mixed.erase("alg");
  EXPECT_FALSE(VerifyKey::from_jwk(mixed).ok());
}

TEST(VerifyKey, RejectsMalformedJwks) {  // ASYM-4
  const json rsa = jwk_any_alg(rsa_key());
  const json ec = jwk_any_alg(p256_key());
  auto with = [](json jwk, const char* member, json value) {
    jwk[member] = std::move(value);
    return jwk;
  };
  auto without = [](json jwk, const char* member) {
    jwk.erase(member);
    return jwk;
  };
  const std::string n = b64d(rsa["n"]);
  std::string even_n = n;
  even_n.back() = static_cast<char>(even_n.back() & ~1);
  std::string small_n = n.substr(0, 128);
  small_n.back() = static_cast<char>(small_n.back() | 1);
  const std::string x = b64d(ec["x"]);

  struct Case {
    const char* what;
    json jwk;
  };
  const std::vector<Case> cases = {
      {"not an object", json::array({rsa})},
      {"no kty", without(rsa, "kty")},
      {"kty not a string", with(rsa, "kty", 1)},
      {"no kid", without(rsa, "kid")},
      {"empty kid", with(rsa, "kid", "")},
      {"kid not a string", with(rsa, "kid", 7)},
      {"use not a string", with(rsa, "use", json::array({"sig"}))},
      {"no n", without(rsa, "n")},
      {"n not a string", with(rsa, "n", 12345)},
      {"n padded", with(rsa, "n", rsa["n"].get<std::string>() + "=")},
      {"n standard alphabet", with(rsa, "n", "ab+/" + rsa["n"].get<std::string>())},
      {"n empty", with(rsa, "n", "")},
      {"no e", without(rsa, "e")},
      {"e empty", with(rsa, "e", "")},
      {"e even", with(rsa, "e", core::base64url_encode("\x01\x00\x00"))},
      {"e is 1", with(rsa, "e", core::base64url_encode("\x01"))},
      {"e too large", with(rsa, "e", core::base64url_encode(std::string(9, '\x01')))},
      {"1024-bit n", with(rsa, "n", core::base64url_encode(small_n))},
      {"even n", with(rsa, "n", core::base64url_encode(even_n))},
      {"x5c only", json{{"kty", "RSA"}, {"kid", "k"}, {"x5c", json::array({"MIIB"})}}},  // OIDC-3
      {"RSA with alg ES256", with(rsa, "alg", "ES256")},
      {"EC no crv", without(ec, "crv")},
      {"EC crv not a string", with(ec, "crv", 256)},
      {"EC no x", without(ec, "x")},
      {"EC no y", without(ec, "y")},
      {"EC x short", with(ec, "x", core::base64url_encode(x.substr(1)))},
      {"EC x long", with(ec, "x", core::base64url_encode(std::string(1, '\0') + x))},
      {"EC P-256 with alg ES384", with(ec, "alg", "ES384")},
      {"EC with alg RS256", with(ec, "alg", "RS256")},
      // Not malformed but unusable here (parse_jwks skips these; from_jwk refuses them):
      {"use enc", with(rsa, "use", "enc")},
      {"alg PS256", with(rsa, "alg", "PS256")},
      {"crv P-521", with(ec, "crv", "P-521")},
      {"kty oct", json{{"kty", "oct"}, {"kid", "k"}, {"k", "c2VjcmV0"}}},
      {"kty OKP", json{{"kty", "OKP"}, {"kid", "k"}, {"crv", "Ed25519"}, {"x", kA3X}}},
  };
  for (const Case& c : cases) {
    auto key = VerifyKey::from_jwk(c.jwk);
    ASSERT_FALSE(key.ok()) << c.what;
    EXPECT_EQ(key.error().code, ErrorCode::kInvalidRequest) << c.what;
    EXPECT_EQ(key.error().description, "invalid JWK") << c.what;
    EXPECT_EQ(ERR_peek_error(), 0ul) << c.what << ": OpenSSL error queue left dirty";
  }
}

// ---- parse_jwks ----------------------------------------------------------------------------

TEST(ParseJwks, ReadsKeysAndSkipsUnknownKty) {
  const json jwks = {
      {"keys", json::array({
                   rsa_key().public_jwk(),
                   {{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}},
                   {{"kty", "oct"}, {"k", "c2VjcmV0"}, {"use", 1}},  // no kid, odd members
                   {{"kty", "OKP"}, {"kid", "ed"}, {"crv", "Ed25519"}, {"x", kA3X}},
                   {{"kty", "EC"}, {"crv", "P-521"}, {"x", "AA"}, {"y", "AA"}},  // no kid
                   p256_key().public_jwk(),
               })}};
  auto keys = parse_jwks(jwks);
  ASSERT_TRUE(keys.ok()) << keys.error().detail;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid(), rsa_key().kid());
  EXPECT_EQ((*keys)[0].kty(), "RSA");
  EXPECT_EQ((*keys)[1].kid(), p256_key().kid());
  EXPECT_EQ((*keys)[1].kty(), "EC");
}

TEST(ParseJwks, SkipsEncryptionKeysAndUnsupportedAlgs) {
  json enc = jwk_any_alg(other_rsa_key());
  enc["use"] = "enc";
  json oaep = jwk_any_alg(other_rsa_key());
  oaep["alg"] = "RSA-OAEP";
  const json jwks = {{"keys", json::array({enc, oaep, p384_key().public_jwk()})}};
  auto keys = parse_jwks(jwks);
  ASSERT_TRUE(keys.ok()) << keys.error().detail;
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid(), p384_key().kid());
}

TEST(ParseJwks, EmptyKeyArrayGivesNoKeys) {
  auto keys = parse_jwks(json{{"keys", json::array()}});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

TEST(ParseJwks, KeepsDuplicateKidsForVerificationToRefuse) {  // ASYM-5
  json dup = jwk_any_alg(other_rsa_key());
  dup["kid"] = rsa_key().kid();
  auto keys = parse_jwks(json{{"keys", json::array({rsa_key().public_jwk(), dup})}});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 2u);
}

TEST(ParseJwks, FailsOnBadShapeOrMalformedKey) {
  json no_kid = p256_key().public_jwk();
  no_kid.erase("kid");
  const std::vector<json> bad = {
      json::array({rsa_key().public_jwk()}),
      json("keys"),
      json(nullptr),
      json::object(),
      {{"keys", json::object()}},
      {{"keys", "[]"}},
      {{"keys", json::array({1})}},              // entry not an object
      {{"keys", json::array({json::array()})}},  // entry not an object
      {{"keys", json::array({{{"kty", "RSA"}, {"kid", "k"}, {"e", "AQAB"}}})}},  // RSA, no n
      {{"keys", json::array({p256_key().public_jwk(), no_kid})}},  // one bad key fails the set
  };
  for (const json& jwks : bad) {
    auto keys = parse_jwks(jwks);
    ASSERT_FALSE(keys.ok()) << jwks.dump().substr(0, 80);
    EXPECT_EQ(keys.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(keys.error().description, "invalid JWK Set");
  }
}

}  // namespace
}  // namespace tessera::jose
