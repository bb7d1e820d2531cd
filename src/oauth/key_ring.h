// KeyRing: the server's signing keys, parsed once at start-up (never per request). The newest
// active key signs; every stored key is published in the JWKS so tokens signed before a rotation
// still verify (rotate: `tessera keys rotate`, then retire the old key after the id_token
// lifetime).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/result.h"
#include "jose/key.h"
#include "store/stores.h"

namespace tessera::oauth {

class KeyRing {
 public:
  static core::Result<KeyRing> load(store::KeyStore& keys);
  // Generates and stores a new RS256 key that becomes the signing key.
  static core::Result<std::string> create_key(store::KeyStore& keys, std::int64_t now);

  const jose::SigningKey& signing_key() const { return keys_.front(); }
  const std::string& jwks_json() const { return jwks_json_; }

 private:
  std::vector<jose::SigningKey> keys_;  // active signing key first
  std::string jwks_json_;
};

}  // namespace tessera::oauth
