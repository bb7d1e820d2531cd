// tessera::jose keys: the server's signing keys (SigningKey) and public verification keys read
// from JWKs (VerifyKey, parse_jwks), for RS256/RS384/ES256/ES384 (RFC 7517, 7518 §3, 7638).
//
// Trust boundary: VerifyKey::from_jwk, parse_jwks and jwk_thumbprint take UNTRUSTED input
// (client-registered JWK Sets, SMART ASYM-4); every member is type-checked, strictly base64url
// decoded and range-checked, and EC points are checked to lie on the curve. SigningKey holds the
// server's PRIVATE keys (OIDC-3/OIDC-4); only public_jwk() is meant to leave the process, and
// private_pem() only to trusted storage.
//
// May depend on: tessera_core (Result/Error, base64url, sha256), OpenSSL 3 libcrypto (EVP APIs
// only; kept out of this header), nlohmann_json.
//
// Error codes: SigningKey factories fail with kInternal (server configuration / storage);
// JWK and JWK Set parsing fails with kInvalidRequest (callers at the token endpoint map it to
// invalid_client as they see fit). `description` is short and wire-safe, `detail` is for logs.
#pragma once

#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept opaque here.

namespace tessera::jose {

namespace detail {
enum class KeyFamily { kRsa, kP256, kP384 };  // RSA, EC P-256, EC P-384
}  // namespace detail

// The JWS algorithms Tessera supports. "none", HS* and PS* are deliberately not representable.
enum class Alg { kRS256, kRS384, kES256, kES384 };

// Exact, case-sensitive JWA names ("RS256", ...). nullopt for anything else, including "none".
std::optional<Alg> alg_from_string(std::string_view name);
std::string_view to_string(Alg alg);
void PrintTo(Alg alg, std::ostream* os);  // readable GoogleTest output (NOTES-deps 9)

// RFC 7638 JWK thumbprint (base64url of SHA-256 over the canonical required members) of a public
// RSA ({e,kty,n}) or EC ({crv,kty,x,y}) JWK. Other members are ignored. kInvalidRequest when a
// required member is missing or not a string, or kty is neither "RSA" nor "EC".
core::Result<std::string> jwk_thumbprint(const nlohmann::json& jwk);

// A private signing key, parsed once and then shared: copies share the same immutable OpenSSL key,
// and sign() may be called concurrently from any number of threads.
// Accepted keys: RSA >= 2048 bits (alg RS256), EC P-256 (ES256), EC P-384 (ES384).
class SigningKey {
 public:
  static core::Result<SigningKey> generate_rsa(int bits = 2048);  // 2048..8192 bits
  static core::Result<SigningKey> generate_ec_p256();
  static core::Result<SigningKey> generate_ec_p384();
  // Unencrypted PEM: PKCS#8 "PRIVATE KEY", or the traditional "RSA/EC PRIVATE KEY" forms.
  // Encrypted PEM is refused (never prompts for a passphrase).
  static core::Result<SigningKey> from_pem(std::string_view private_pem);

  std::string private_pem() const;  // unencrypted PKCS#8 PEM, for trusted storage only
  const std::string& kid() const { return kid_; }  // RFC 7638 thumbprint of public_jwk()
  Alg alg() const { return alg_; }                 // RS256 (RSA), ES256 (P-256), ES384 (P-384)
  // Bare public JWK (OIDC-3): {"kty":"RSA","kid","use":"sig","alg","n","e"} or
  // {"kty":"EC","kid","use":"sig","alg","crv","x","y"}. Never contains private members.
  nlohmann::json public_jwk() const { return public_jwk_; }

  // Raw JWS signature bytes over signing_input with alg(); for EC the fixed-width r||s form.
  core::Result<std::string> sign(std::string_view signing_input) const;
  // Same with another algorithm of this key's family: RSA keys sign RS256 or RS384; an EC key only
  // its own curve's algorithm. kInternal for an incompatible alg.
  core::Result<std::string> sign_with(Alg alg, std::string_view signing_input) const;

 private:
  SigningKey(std::shared_ptr<evp_pkey_st> pkey, Alg alg, nlohmann::json jwk, std::string kid);
  static core::Result<SigningKey> adopt(evp_pkey_st* pkey);

  std::shared_ptr<evp_pkey_st> pkey_;
  Alg alg_;
  nlohmann::json public_jwk_;
  std::string kid_;
};

// A public key read from a JWK, for verifying JWS signatures. Immutable; cheap to copy; verify()
// is safe to call concurrently.
class VerifyKey {
 public:
  // Accepts RSA ({n, e}, 2048..8192 bits) and EC P-256/P-384 ({crv, x, y}, full-width coordinates,
  // point checked on the curve) keys. Requires a non-empty string "kid" (ASYM-4). Optional members:
  // "use" must be "sig" if present; "alg", if present, must be a supported algorithm of the key's
  // family and then restricts the key to that algorithm (RFC 7517 §4.4). Private members ("d",
  // "p", ...) are accepted and ignored. "x5c" and other members are ignored: bare key material is
  // required (OIDC-3, ASYM-4).
  static core::Result<VerifyKey> from_jwk(const nlohmann::json& jwk);

  const std::string& kid() const { return kid_; }
  std::string_view kty() const;  // "RSA" or "EC"
  // RSA <-> RS256/RS384, EC P-256 <-> ES256, EC P-384 <-> ES384; narrowed by the JWK's "alg".
  bool compatible(Alg alg) const;
  // False on any failure, including an incompatible alg or a wrongly sized signature. EC expects
  // the raw r||s form (64 bytes for ES256, 96 for ES384), as JWS does (RFC 7518 §3.4).
  bool verify(Alg alg, std::string_view signing_input, std::string_view signature) const;

 private:
  using Family = detail::KeyFamily;
  VerifyKey(std::shared_ptr<evp_pkey_st> pkey, Family family, std::optional<Alg> only_alg,
            std::string kid);
  // from_jwk, telling apart "a key type/use Tessera does not support" (*unsupported = true, which
  // parse_jwks skips) from a malformed key.
  static core::Result<VerifyKey> parse(const nlohmann::json& jwk, bool* unsupported);
  friend core::Result<std::vector<VerifyKey>> parse_jwks(const nlohmann::json& jwks);

  std::shared_ptr<evp_pkey_st> pkey_;
  Family family_;
  std::optional<Alg> only_alg_;
  std::string kid_;
};

// Parses a JWK Set {"keys":[...]} (RFC 7517 §5). Keys Tessera cannot use are skipped, not failed
// on: unknown kty (e.g. "oct", "OKP"), unsupported EC curves, "use" other than "sig", and an "alg"
// outside RS256/RS384/ES256/ES384. Fails (kInvalidRequest) on a non-object, a missing or non-array
// "keys", a non-object entry, or a malformed key of a supported type (e.g. missing kid, bad n).
// Duplicate kids are kept: ASYM-12 rejects an ambiguous match at verification time (ASYM-5).
core::Result<std::vector<VerifyKey>> parse_jwks(const nlohmann::json& jwks);

}  // namespace tessera::jose
