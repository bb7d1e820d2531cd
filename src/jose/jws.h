// tessera::jose compact JWS / JWT (RFC 7515 §3.1, RFC 7519): signing our own tokens (id_token,
// OIDC-4/OIDC-8) and verifying client assertions against a client's keys (SMART ASYM-9, ASYM-12).
//
// Trust boundary: decode_jws and verify_jws take UNTRUSTED compact strings. decode_jws checks
// structure only: its result is NOT authenticated. verify_jws authenticates the signature but
// validates no claims (iss/sub/aud/exp/jti are the caller's job, ASYM-7/9/10), and does not look at
// "typ" (ASYM-16) or "jku" (ASYM-12 steps 1-2): key material is taken only from `keys`, never from
// the JWS header ("jwk", "x5c", "jku", "x5u" are ignored).
//
// May depend on: jose/key.h, tessera_core, nlohmann_json.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "jose/key.h"

namespace tessera::jose {

// Largest compact JWS decode_jws / verify_jws accept.
inline constexpr std::size_t kMaxCompactJwsSize = 16 * 1024;

// Signs `claims` (a JSON object) as a compact JWT with header {"alg","kid","typ"} (typ omitted when
// empty) using key.alg(). Returns an empty string on failure (claims not an object, a string in
// claims that is not valid UTF-8, or a crypto failure); try_sign_jwt says why.
std::string sign_jwt(const SigningKey& key, const nlohmann::json& claims,
                     std::string_view typ = "JWT");
core::Result<std::string> try_sign_jwt(const SigningKey& key, const nlohmann::json& claims,
                                       std::string_view typ = "JWT");

struct DecodedJws {
  nlohmann::json header;      // JSON object; has a string "alg"
  nlohmann::json payload;     // JSON object
  std::string signing_input;  // "<b64 header>.<b64 payload>", the bytes the signature covers
  std::string signature;      // raw signature bytes (may be empty)
};

// Structure only, no verification. Exactly three '.'-separated parts (so JWE is refused), each
// strict base64url (no padding, no other alphabet); header and payload must be JSON objects and
// the header must carry a string "alg". Inputs over kMaxCompactJwsSize are refused.
// Fails with kInvalidRequest ("malformed JWT").
core::Result<DecodedJws> decode_jws(std::string_view compact);

// Verifies a compact JWS following SMART ASYM-12 steps 3-4:
//   - header "alg" must name one of `allowed_algs` ("none", HS*, PS* can never pass);
//   - a header "crit" is refused (RFC 7515 §4.1.11: no extensions are understood);
//   - header "kid" must be a non-empty string (ASYM-6);
//   - of `keys`, those with kid == header kid and compatible(alg) are kept; zero or more than one
//     ⇒ error (ASYM-5, ASYM-12 step 3);
//   - the signature must verify with that one key (ASYM-9).
// Every failure, malformed input included, is kInvalidClient (the client-assertion case, ASYM-9);
// callers using it for other tokens may remap the code. Returns the decoded JWS on success.
core::Result<DecodedJws> verify_jws(std::string_view compact, const std::vector<VerifyKey>& keys,
                                    const std::vector<Alg>& allowed_algs);

}  // namespace tessera::jose
