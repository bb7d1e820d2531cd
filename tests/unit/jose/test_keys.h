// Shared fixtures for jose_test: keys generated once per binary (RSA generation is slow), and
// helpers to hand-build compact JWS strings.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/encoding.h"
#include "jose/jws.h"
#include "jose/key.h"

namespace tessera::jose::testing {

using json = nlohmann::json;

inline SigningKey must(core::Result<SigningKey> r) {
  if (!r) throw std::runtime_error("test key: " + r.error().description + " " + r.error().detail);
  return std::move(r).value();
}

inline const SigningKey& rsa_key() {
  static const SigningKey key = must(SigningKey::generate_rsa());
  return key;
}
inline const SigningKey& other_rsa_key() {
  static const SigningKey key = must(SigningKey::generate_rsa());
  return key;
}
inline const SigningKey& p256_key() {
  static const SigningKey key = must(SigningKey::generate_ec_p256());
  return key;
}
inline const SigningKey& p384_key() {
  static const SigningKey key = must(SigningKey::generate_ec_p384());
  return key;
}

inline VerifyKey verify_key(const json& jwk) {
  auto r = VerifyKey::from_jwk(jwk);
  if (!r) throw std::runtime_error("test jwk: " + r.error().detail);
  return std::move(r).value();
}

// The public JWK without its "alg" restriction, so one RSA key can verify RS256 and RS384.
inline json jwk_any_alg(const SigningKey& key) {
  json jwk = key.public_jwk();
  jwk.erase("alg");
  return jwk;
}

inline std::string b64json(const json& j) { return core::base64url_encode(j.dump()); }

// A compact JWS with an arbitrary header, signed by `key` with `alg` (sign_with).
inline std::string make_jws(const json& header, const json& payload, const SigningKey& key,
                            Alg alg) {
  std::string input = b64json(header) + "." + b64json(payload);
  auto sig = key.sign_with(alg, input);
  if (!sig) throw std::runtime_error("test sign: " + sig.error().detail);
  return input + "." + core::base64url_encode(*sig);
}

// Test-side OpenSSL access to a key (to write other PEM forms).
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using TestPkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline TestPkey load_pkey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return TestPkey(pkey);
}

template <class WriteFn>
std::string write_pem(WriteFn&& write) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (write(bio) == 1) {
    char* data = nullptr;
    long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
    if (len > 0) out.assign(data, static_cast<std::size_t>(len));
  }
  BIO_free(bio);
  return out;
}

}  // namespace tessera::jose::testing
