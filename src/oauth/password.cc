#include "oauth/password.h"

#include <sodium.h>

#include <mutex>

namespace tessera::oauth {

namespace {
void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium init failed");
  });
}
}  // namespace

core::Result<std::string> hash_password(std::string_view password) {
  init_sodium();
  if (password.size() < 8) {
    return core::make_error(core::ErrorCode::kBadRequest,
                            "password must have at least 8 characters");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return core::make_error(core::ErrorCode::kInternal, "password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool verify_password(std::string_view password, const std::string& stored_hash) {
  init_sodium();
  if (stored_hash.empty()) return false;
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

void verify_dummy_password(std::string_view password) {
  static const std::string dummy = [] {
    auto h = hash_password("dummy-password-for-timing");
    return h ? h.value() : std::string();
  }();
  (void)verify_password(password, dummy);
}

}  // namespace tessera::oauth
