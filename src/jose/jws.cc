#include "jose/jws.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/encoding.h"

namespace tessera::jose {
namespace {

using core::ErrorCode;
using json = nlohmann::json;

core::Error malformed(std::string detail) {
  return core::make_error(ErrorCode::kInvalidRequest, "malformed JWT", std::move(detail));
}

core::Error rejected(std::string description, std::string detail = {}) {
  return core::make_error(ErrorCode::kInvalidClient, std::move(description), std::move(detail));
}

// Untrusted values quoted in log details are cut short.
std::string clip(std::string_view s) {
  constexpr std::size_t kMax = 64;
  return std::string(s.substr(0, kMax)) + (s.size() > kMax ? "..." : "");
}

// Strict base64url, then a JSON object.
std::optional<json> decode_object(std::string_view b64) {
  auto text = core::base64url_decode(b64);
  if (!text) return std::nullopt;
  json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

}  // namespace

core::Result<std::string> try_sign_jwt(const SigningKey& key, const json& claims,
                                       std::string_view typ) {
  if (!claims.is_object()) {
    return core::make_error(ErrorCode::kInternal, "cannot sign token", "claims are not an object");
  }
  json header = {{"alg", std::string(to_string(key.alg()))}, {"kid", key.kid()}};
  if (!typ.empty()) header["typ"] = std::string(typ);
  std::string header_text;
  std::string payload_text;
  try {
    header_text = header.dump();
    payload_text = claims.dump();
  } catch (const json::exception& e) {  // a string that is not valid UTF-8
    return core::make_error(ErrorCode::kInternal, "cannot sign token", e.what());
  }
  std::string out = core::base64url_encode(header_text);
  out += '.';
  out += core::base64url_encode(payload_text);
  auto signature = key.sign(out);
  if (!signature) return signature.error();
  out += '.';
  out += core::base64url_encode(*signature);
  return out;
}

std::string sign_jwt(const SigningKey& key, const json& claims, std::string_view typ) {
  auto jwt = try_sign_jwt(key, claims, typ);
  return jwt ? std::move(jwt).value() : std::string();
}

core::Result<DecodedJws> decode_jws(std::string_view compact) {
  if (compact.size() > kMaxCompactJwsSize) {
    return malformed("JWS of " + std::to_string(compact.size()) + " bytes exceeds 16 KiB");
  }
  const std::size_t dot1 = compact.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : compact.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || compact.find('.', dot2 + 1) != std::string_view::npos) {
    return malformed("compact JWS needs exactly 3 parts");
  }
  DecodedJws out;
  auto header = decode_object(compact.substr(0, dot1));
  if (!header) return malformed("header is not base64url JSON object");
  auto payload = decode_object(compact.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return malformed("payload is not base64url JSON object");
  auto signature = core::base64url_decode(compact.substr(dot2 + 1));
  if (!signature) return malformed("signature is not base64url");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return malformed("header has no string \"alg\"");

  out.header = std::move(*header);
  out.payload = std::move(*payload);
  out.signing_input = std::string(compact.substr(0, dot2));
  out.signature = std::move(*signature);
  return out;
}

core::Result<DecodedJws> verify_jws(std::string_view compact, const std::vector<VerifyKey>& keys,
                                    const std::vector<Alg>& allowed_algs) {
  auto decoded = decode_jws(compact);
  if (!decoded) return rejected("malformed JWT", decoded.error().detail);
  const json& header = decoded->header;

  // ASYM-9 / ASYM-3: only the algorithms the caller allows; none/HS*/PS* are not representable.
  const std::string alg_name = header.at("alg").get<std::string>();
  const std::optional<Alg> alg = alg_from_string(alg_name);
  if (!alg || std::find(allowed_algs.begin(), allowed_algs.end(), *alg) == allowed_algs.end()) {
    return rejected("unsupported JWT alg", "alg " + clip(alg_name));
  }
  // RFC 7515 §4.1.11: we understand no extension, so any "crit" is refused.
  if (header.contains("crit")) return rejected("unsupported JWT header", "crit present");

  // ASYM-6: kid is required.
  auto kid_it = header.find("kid");
  if (kid_it == header.end() || !kid_it->is_string() ||
      kid_it->get_ref<const std::string&>().empty()) {
    return rejected("JWT header has no kid");
  }
  const std::string& kid = kid_it->get_ref<const std::string&>();

  // ASYM-12 step 3: exactly one key with this kid whose type fits the alg.
  const VerifyKey* match = nullptr;
  for (const VerifyKey& key : keys) {
    if (key.kid() != kid || !key.compatible(*alg)) continue;
    if (match != nullptr) {
      return rejected("ambiguous signing key", "several keys with kid " + clip(kid));  // ASYM-5
    }
    match = &key;
  }
  if (match == nullptr) {
    return rejected("no matching key", "no key with kid " + clip(kid) + " for " + alg_name);
  }
  // ASYM-12 step 4.
  if (!match->verify(*alg, decoded->signing_input, decoded->signature)) {
    return rejected("invalid JWT signature", "kid " + clip(kid) + ", alg " + alg_name);
  }
  return decoded;
}

}  // namespace tessera::jose
