#include "oauth/key_ring.h"

namespace tessera::oauth {

core::Result<KeyRing> KeyRing::load(store::KeyStore& store) {
  KeyRing ring;
  nlohmann::json keys = nlohmann::json::array();
  auto records = store.list_keys();  // newest first
  std::vector<jose::SigningKey> inactive;
  for (const auto& r : records) {
    auto k = jose::SigningKey::from_pem(r.private_pem);
    if (!k)
      return core::make_error(core::ErrorCode::kInternal,
                              "stored signing key " + r.kid + " is unreadable", k.error().detail);
    keys.push_back(k->public_jwk());
    if (r.active)
      ring.keys_.push_back(std::move(k.value()));
    else
      inactive.push_back(std::move(k.value()));
  }
  if (ring.keys_.empty()) {
    return core::make_error(core::ErrorCode::kInternal,
                            "no active signing key: run `tessera init` first");
  }
  for (auto& k : inactive) ring.keys_.push_back(std::move(k));
  ring.jwks_json_ = nlohmann::json{{"keys", keys}}.dump();
  return ring;
}

core::Result<std::string> KeyRing::create_key(store::KeyStore& store, std::int64_t now) {
  auto key = jose::SigningKey::generate_rsa(2048);
  if (!key) return key.error();
  store::KeyRecord rec{key->kid(), std::string(jose::to_string(key->alg())), key->private_pem(),
                       now, true};
  if (auto st = store.add_key(rec); !st) return st.error();
  return key->kid();
}

}  // namespace tessera::oauth
