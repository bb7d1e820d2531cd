#include "oauth/token_format.h"

#include "core/encoding.h"
#include "core/random.h"

namespace tessera::oauth {

std::string new_credential(std::string_view prefix) {
  return std::string(prefix) + core::default_random().token(32);
}

std::string credential_hash(std::string_view credential) { return core::sha256_hex(credential); }

bool looks_like(std::string_view c, std::string_view prefix) {
  if (c.size() != prefix.size() + 43 || c.substr(0, prefix.size()) != prefix) return false;
  for (char ch : c.substr(prefix.size())) {
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace tessera::oauth
