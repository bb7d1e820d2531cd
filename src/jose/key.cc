#include "jose/key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstddef>
#include <ostream>
#include <utility>

#include "core/encoding.h"

namespace tessera::jose {
namespace {

using core::ErrorCode;
using json = nlohmann::json;

// ---- OpenSSL ownership helpers -------------------------------------------------------------

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using UniquePkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using UniquePkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using UniqueBio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using UniqueBn = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using UniqueParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using UniqueParams = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using UniqueEcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

std::shared_ptr<EVP_PKEY> share(UniquePkey pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free);
}

// Pops the whole thread-local OpenSSL error queue (so no stale error leaks into unrelated code
// later, e.g. TLS) and returns it as text for Error::detail.
std::string drain_openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

core::Error internal(std::string description, std::string detail = {}) {
  std::string ossl = drain_openssl_errors();
  if (!ossl.empty()) detail += (detail.empty() ? "" : ": ") + ossl;
  return core::make_error(ErrorCode::kInternal, std::move(description), std::move(detail));
}

core::Error bad_jwk(std::string detail) {
  drain_openssl_errors();
  return core::make_error(ErrorCode::kInvalidRequest, "invalid JWK", std::move(detail));
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// ---- Algorithms and key families -----------------------------------------------------------

using Family = detail::KeyFamily;

constexpr int kMinRsaBits = 2048;  // RFC 7518 §3.3
constexpr int kMaxRsaBits = 8192;  // bounds verification cost for client-supplied keys
constexpr std::size_t kMaxPemSize = 64 * 1024;

const EVP_MD* digest_for(Alg alg) {
  switch (alg) {
    case Alg::kRS256:
    case Alg::kES256:
      return EVP_sha256();
    case Alg::kRS384:
    case Alg::kES384:
      return EVP_sha384();
  }
  return nullptr;
}

bool family_fits(Family family, Alg alg) {
  switch (family) {
    case Family::kRsa:
      return alg == Alg::kRS256 || alg == Alg::kRS384;
    case Family::kP256:
      return alg == Alg::kES256;
    case Family::kP384:
      return alg == Alg::kES384;
  }
  return false;
}

// Width of one EC coordinate / one of r, s (RFC 7518 §3.4, §6.2.1.2); 0 for RSA.
std::size_t coordinate_size(Family family) {
  switch (family) {
    case Family::kRsa:
      return 0;
    case Family::kP256:
      return 32;
    case Family::kP384:
      return 48;
  }
  return 0;
}

// Which supported family an EVP_PKEY belongs to; nullopt for anything else (RSA-PSS, Ed25519,
// secp256k1, P-521, ...).
std::optional<Family> family_of(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) return Family::kRsa;
  if (!EVP_PKEY_is_a(pkey, "EC")) return std::nullopt;
  char name[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    drain_openssl_errors();
    return std::nullopt;
  }
  std::string_view group(name, len);
  if (group == "prime256v1" || group == "P-256" || group == "secp256r1") return Family::kP256;
  if (group == "secp384r1" || group == "P-384") return Family::kP384;
  return std::nullopt;
}

// ---- ECDSA signature forms (NOTES-deps 4) --------------------------------------------------

// OpenSSL's DER ECDSA-Sig-Value -> JWS raw r||s, each left-padded to `width` bytes.
std::optional<std::string> der_to_raw(std::string_view der, std::size_t width) {
  const unsigned char* p = bytes(der);
  UniqueEcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * width, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  const int w = static_cast<int>(width);
  if (BN_bn2binpad(r, out, w) != w || BN_bn2binpad(s, out + width, w) != w) return std::nullopt;
  return raw;
}

// JWS raw r||s -> DER, for OpenSSL. nullopt unless exactly 2 * width bytes.
std::optional<std::string> raw_to_der(std::string_view raw, std::size_t width) {
  if (raw.size() != 2 * width) return std::nullopt;
  const int w = static_cast<int>(width);
  UniqueBn r(BN_bin2bn(bytes(raw), w, nullptr));
  UniqueBn s(BN_bin2bn(bytes(raw) + width, w, nullptr));
  UniqueEcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();  // now owned by sig
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return std::nullopt;
  return der;
}

// ---- Sign / verify over EVP ----------------------------------------------------------------

// A fresh EVP_MD_CTX per call: the shared EVP_PKEY is only read, so concurrent calls are safe.
core::Result<std::string> evp_sign(EVP_PKEY* pkey, Family family, Alg alg, std::string_view input) {
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(alg), nullptr, pkey) != 1) {
    return internal("signing failed", "EVP_DigestSignInit");
  }
  const int max = EVP_PKEY_get_size(pkey);
  if (max <= 0) return internal("signing failed", "EVP_PKEY_get_size");
  std::string sig(static_cast<std::size_t>(max), '\0');
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(input),
                     input.size()) != 1) {
    return internal("signing failed", "EVP_DigestSign");
  }
  sig.resize(len);
  if (family == Family::kRsa) return sig;
  auto raw = der_to_raw(sig, coordinate_size(family));
  if (!raw) return internal("signing failed", "ECDSA DER to r||s");
  return std::move(*raw);
}

bool evp_verify(EVP_PKEY* pkey, Alg alg, std::string_view input, std::string_view sig) {
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(alg), nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(input), input.size()) == 1;
  drain_openssl_errors();  // a bad signature leaves errors queued
  return ok;
}

// ---- JWK members ---------------------------------------------------------------------------

std::string bn_to_bytes(const BIGNUM* bn) {
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::optional<std::string> bn_to_padded(const BIGNUM* bn, std::size_t width) {
  std::string out(width, '\0');
  const int w = static_cast<int>(width);
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), w) != w) return std::nullopt;
  return out;
}

UniqueBn get_bn(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return nullptr;
  return UniqueBn(bn);
}

// The bare public JWK of one of our own keys, without kid/use/alg.
std::optional<json> public_members(const EVP_PKEY* pkey, Family family) {
  if (family == Family::kRsa) {
    UniqueBn n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
    UniqueBn e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return std::nullopt;
    return json{{"kty", "RSA"},
                {"n", core::base64url_encode(bn_to_bytes(n.get()))},
                {"e", core::base64url_encode(bn_to_bytes(e.get()))}};
  }
  UniqueBn x = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  UniqueBn y = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) return std::nullopt;
  auto xb = bn_to_padded(x.get(), coordinate_size(family));
  auto yb = bn_to_padded(y.get(), coordinate_size(family));
  if (!xb || !yb) return std::nullopt;
  return json{{"kty", "EC"},
              {"crv", family == Family::kP256 ? "P-256" : "P-384"},
              {"x", core::base64url_encode(*xb)},
              {"y", core::base64url_encode(*yb)}};
}

// A string member, if present. Sets *wrong_type when present but not a string.
std::optional<std::string> string_member(const json& obj, const char* name, bool* wrong_type) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::nullopt;
  if (!it->is_string()) {
    *wrong_type = true;
    return std::nullopt;
  }
  return it->get<std::string>();
}

// A required base64url member (strict decoding: no padding, canonical trailing bits).
core::Result<std::string> b64_member(const json& jwk, const char* name) {
  bool wrong_type = false;
  auto s = string_member(jwk, name, &wrong_type);
  if (!s) return bad_jwk(std::string("missing or non-string \"") + name + "\"");
  auto decoded = core::base64url_decode(*s);
  if (!decoded || decoded->empty())
    return bad_jwk(std::string("bad base64url in \"") + name + "\"");
  return std::move(*decoded);
}

int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

core::Result<UniquePkey> rsa_public_from_jwk(const json& jwk) {
  auto n_bytes = b64_member(jwk, "n");
  if (!n_bytes) return n_bytes.error();
  auto e_bytes = b64_member(jwk, "e");
  if (!e_bytes) return e_bytes.error();
  if (n_bytes->size() > static_cast<std::size_t>(kMaxRsaBits / 8) + 1 || e_bytes->size() > 8) {
    return bad_jwk("RSA n or e too large");
  }
  // Function scope: OSSL_PARAM_BLD keeps the BIGNUM pointers until to_param (NOTES-deps 3).
  UniqueBn n(BN_bin2bn(bytes(*n_bytes), static_cast<int>(n_bytes->size()), nullptr));
  UniqueBn e(BN_bin2bn(bytes(*e_bytes), static_cast<int>(e_bytes->size()), nullptr));
  if (!n || !e) return bad_jwk("RSA n/e");
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return bad_jwk("RSA modulus of " + std::to_string(bits) + " bits (need 2048..8192)");
  }
  // Cheap sanity checks; a full EVP_PKEY_public_check runs Miller-Rabin on n, too slow per request.
  if (!BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_is_one(e.get())) {
    return bad_jwk("RSA n and e must be odd, e > 1");
  }
  UniqueParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return bad_jwk("OSSL_PARAM_BLD_push_BN");
  }
  UniqueParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return bad_jwk("EVP_PKEY_fromdata(RSA) failed");
  }
  return UniquePkey(raw);
}

core::Result<UniquePkey> ec_public_from_jwk(const json& jwk, Family family) {
  auto x = b64_member(jwk, "x");
  if (!x) return x.error();
  auto y = b64_member(jwk, "y");
  if (!y) return y.error();
  const std::size_t width = coordinate_size(family);
  if (x->size() != width || y->size() != width) {  // RFC 7518 §6.2.1.2: full width
    return bad_jwk("EC x/y must be " + std::to_string(width) + " bytes");
  }
  // Function scope: OSSL_PARAM_BLD keeps these pointers until to_param (NOTES-deps 3).
  const char* group = family == Family::kP256 ? "P-256" : "P-384";
  const std::string point = '\x04' + *x + *y;  // SEC1 uncompressed
  UniqueParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return bad_jwk("OSSL_PARAM_BLD_push");
  }
  UniqueParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  UniquePkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return bad_jwk("EC point rejected (not on curve?)");
  }
  UniquePkey pkey(raw);
  // EVP_PKEY_fromdata is not documented to check the point (NOTES-deps 4): check explicitly.
  // The quick check (not infinity, coordinates in range, on the curve) is complete for P-256 and
  // P-384, whose cofactor is 1; the full check adds an n*Q scalar multiplication per parse.
  UniquePkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check_quick(check.get()) != 1) {
    return bad_jwk("EC point not on curve");
  }
  return pkey;
}

}  // namespace

// ---- Alg -----------------------------------------------------------------------------------

std::optional<Alg> alg_from_string(std::string_view name) {
  if (name == "RS256") return Alg::kRS256;
  if (name == "RS384") return Alg::kRS384;
  if (name == "ES256") return Alg::kES256;
  if (name == "ES384") return Alg::kES384;
  return std::nullopt;
}

std::string_view to_string(Alg alg) {
  switch (alg) {
    case Alg::kRS256:
      return "RS256";
    case Alg::kRS384:
      return "RS384";
    case Alg::kES256:
      return "ES256";
    case Alg::kES384:
      return "ES384";
  }
  return "?";
}

void PrintTo(Alg alg, std::ostream* os) { *os << to_string(alg); }

core::Result<std::string> jwk_thumbprint(const json& jwk) {
  if (!jwk.is_object()) return bad_jwk("JWK is not an object");
  bool wrong_type = false;
  auto kty = string_member(jwk, "kty", &wrong_type);
  if (!kty) return bad_jwk("missing or non-string \"kty\"");
  std::vector<const char*> members;
  if (*kty == "RSA") {
    members = {"e", "n"};
  } else if (*kty == "EC") {
    members = {"crv", "x", "y"};
  } else {
    return bad_jwk("thumbprint of unsupported kty");
  }
  // RFC 7638 §3.2: required members only, lexicographic order (json objects are sorted), no
  // whitespace.
  json canonical = {{"kty", *kty}};
  for (const char* m : members) {
    auto v = string_member(jwk, m, &wrong_type);
    if (!v) return bad_jwk(std::string("missing or non-string \"") + m + "\"");
    canonical[m] = std::move(*v);
  }
  std::string text;
  try {
    text = canonical.dump();
  } catch (const json::exception& e) {  // invalid UTF-8 in a member
    return bad_jwk(e.what());
  }
  return core::base64url_encode(core::sha256(text));
}

// ---- SigningKey ----------------------------------------------------------------------------

SigningKey::SigningKey(std::shared_ptr<evp_pkey_st> pkey, Alg alg, json jwk, std::string kid)
    : pkey_(std::move(pkey)), alg_(alg), public_jwk_(std::move(jwk)), kid_(std::move(kid)) {}

// Takes ownership of a private key, checks it is a supported kind and consistent, and derives
// the public JWK and kid once.
core::Result<SigningKey> SigningKey::adopt(evp_pkey_st* raw) {
  UniquePkey pkey(raw);
  if (!pkey) return internal("cannot load signing key");
  auto family = family_of(pkey.get());
  if (!family) return internal("unsupported signing key type", "need RSA, EC P-256 or EC P-384");
  if (*family == Family::kRsa) {
    const int bits = EVP_PKEY_get_bits(pkey.get());
    if (bits < kMinRsaBits || bits > kMaxRsaBits) {
      return internal("unsupported signing key size", std::to_string(bits) + "-bit RSA");
    }
  }
  UniquePkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return internal("inconsistent signing key", "EVP_PKEY_pairwise_check");
  }
  auto jwk = public_members(pkey.get(), *family);
  if (!jwk) return internal("cannot export public key");
  auto kid = jwk_thumbprint(*jwk);
  if (!kid) return internal("cannot compute kid", kid.error().detail);
  const Alg alg = *family == Family::kRsa    ? Alg::kRS256
                  : *family == Family::kP256 ? Alg::kES256
                                             : Alg::kES384;
  (*jwk)["kid"] = *kid;
  (*jwk)["use"] = "sig";
  (*jwk)["alg"] = std::string(to_string(alg));
  drain_openssl_errors();  // decoders may leave notes from formats they tried first
  return SigningKey(share(std::move(pkey)), alg, std::move(*jwk), std::move(*kid));
}

core::Result<SigningKey> SigningKey::generate_rsa(int bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return internal("unsupported RSA key size", std::to_string(bits) + " bits (need 2048..8192)");
  }
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (!pkey) return internal("RSA key generation failed");
  return adopt(pkey);
}

core::Result<SigningKey> SigningKey::generate_ec_p256() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!pkey) return internal("EC key generation failed");
  return adopt(pkey);
}

core::Result<SigningKey> SigningKey::generate_ec_p384() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  if (!pkey) return internal("EC key generation failed");
  return adopt(pkey);
}

core::Result<SigningKey> SigningKey::from_pem(std::string_view private_pem) {
  if (private_pem.empty() || private_pem.size() > kMaxPemSize) {
    return internal("cannot load signing key", "PEM empty or too large");
  }
  UniqueBio bio(BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())));
  if (!bio) return internal("cannot load signing key", "BIO_new_mem_buf");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (!pkey) return internal("cannot load signing key", "not an unencrypted private key PEM");
  return adopt(pkey);
}

std::string SigningKey::private_pem() const {
  UniqueBio bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    drain_openssl_errors();
    return {};
  }
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

core::Result<std::string> SigningKey::sign(std::string_view signing_input) const {
  return sign_with(alg_, signing_input);
}

core::Result<std::string> SigningKey::sign_with(Alg alg, std::string_view signing_input) const {
  const Family family = alg_ == Alg::kRS256   ? Family::kRsa
                        : alg_ == Alg::kES256 ? Family::kP256
                                              : Family::kP384;
  if (!family_fits(family, alg)) {
    return internal("signing failed", std::string(to_string(alg)) + " with a " +
                                          std::string(to_string(alg_)) + " key");
  }
  return evp_sign(pkey_.get(), family, alg, signing_input);
}

// ---- VerifyKey -----------------------------------------------------------------------------

VerifyKey::VerifyKey(std::shared_ptr<evp_pkey_st> pkey, Family family, std::optional<Alg> only_alg,
                     std::string kid)
    : pkey_(std::move(pkey)), family_(family), only_alg_(only_alg), kid_(std::move(kid)) {}

core::Result<VerifyKey> VerifyKey::parse(const json& jwk, bool* unsupported) {
  *unsupported = false;
  if (!jwk.is_object()) return bad_jwk("JWK is not an object");
  bool wrong_type = false;
  auto kty = string_member(jwk, "kty", &wrong_type);
  if (!kty) return bad_jwk("missing or non-string \"kty\"");  // ASYM-4
  // Key types Tessera does not use are "unsupported" whatever else they hold (parse_jwks skips).
  if (*kty != "RSA" && *kty != "EC") {
    *unsupported = true;
    return bad_jwk("unsupported kty " + kty->substr(0, 32));
  }
  auto kid = string_member(jwk, "kid", &wrong_type);
  auto use = string_member(jwk, "use", &wrong_type);
  auto alg_name = string_member(jwk, "alg", &wrong_type);
  auto crv = string_member(jwk, "crv", &wrong_type);
  if (wrong_type) return bad_jwk("kid/use/alg/crv must be strings");

  Family family = Family::kRsa;
  if (*kty == "EC") {
    if (!crv) return bad_jwk("EC JWK without \"crv\"");
    if (*crv == "P-256") {
      family = Family::kP256;
    } else if (*crv == "P-384") {
      family = Family::kP384;
    } else {
      *unsupported = true;
      return bad_jwk("unsupported EC curve " + crv->substr(0, 32));
    }
  }
  if (use && *use != "sig") {
    *unsupported = true;
    return bad_jwk("JWK \"use\" is not \"sig\"");
  }
  std::optional<Alg> only_alg;
  if (alg_name) {
    only_alg = alg_from_string(*alg_name);
    if (!only_alg) {
      *unsupported = true;
      return bad_jwk("unsupported JWK alg " + alg_name->substr(0, 32));
    }
    if (!family_fits(family, *only_alg)) return bad_jwk("JWK alg does not fit its kty/crv");
  }
  if (!kid || kid->empty()) return bad_jwk("missing or empty \"kid\"");  // ASYM-4

  auto pkey = family == Family::kRsa ? rsa_public_from_jwk(jwk) : ec_public_from_jwk(jwk, family);
  if (!pkey) return pkey.error();
  drain_openssl_errors();
  return VerifyKey(share(std::move(*pkey)), family, only_alg, std::move(*kid));
}

core::Result<VerifyKey> VerifyKey::from_jwk(const json& jwk) {
  bool unsupported = false;
  return parse(jwk, &unsupported);
}

std::string_view VerifyKey::kty() const { return family_ == Family::kRsa ? "RSA" : "EC"; }

bool VerifyKey::compatible(Alg alg) const {
  if (only_alg_ && *only_alg_ != alg) return false;
  switch (family_) {
    case Family::kRsa:
      return alg == Alg::kRS256 || alg == Alg::kRS384;
    case Family::kP256:
      return alg == Alg::kES256;
    case Family::kP384:
      return alg == Alg::kES384;
  }
  return false;
}

bool VerifyKey::verify(Alg alg, std::string_view signing_input, std::string_view signature) const {
  if (!compatible(alg)) return false;
  if (family_ == Family::kRsa) {
    // RFC 8017 §8.2.2: the signature is exactly the modulus length.
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey_.get()))) return false;
    return evp_verify(pkey_.get(), alg, signing_input, signature);
  }
  auto der = raw_to_der(signature, coordinate_size(family_));
  if (!der) {
    drain_openssl_errors();
    return false;
  }
  return evp_verify(pkey_.get(), alg, signing_input, *der);
}

core::Result<std::vector<VerifyKey>> parse_jwks(const json& jwks) {
  if (!jwks.is_object()) {
    return core::make_error(ErrorCode::kInvalidRequest, "invalid JWK Set", "not a JSON object");
  }
  auto it = jwks.find("keys");
  if (it == jwks.end() || !it->is_array()) {
    return core::make_error(ErrorCode::kInvalidRequest, "invalid JWK Set", "no \"keys\" array");
  }
  std::vector<VerifyKey> keys;
  keys.reserve(it->size());
  std::size_t index = 0;
  for (const json& jwk : *it) {
    bool unsupported = false;
    auto key = VerifyKey::parse(jwk, &unsupported);
    if (key) {
      keys.push_back(std::move(*key));
    } else if (!unsupported) {
      return core::make_error(ErrorCode::kInvalidRequest, "invalid JWK Set",
                              "keys[" + std::to_string(index) + "]: " + key.error().detail);
    }
    ++index;
  }
  return keys;
}

}  // namespace tessera::jose
