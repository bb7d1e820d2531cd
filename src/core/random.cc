#include "core/random.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "core/encoding.h"

namespace tessera::core {

std::vector<unsigned char> SecureRandom::bytes(std::size_t n) {
  std::vector<unsigned char> v(n);
  fill(v.data(), n);
  return v;
}

std::string SecureRandom::token(std::size_t n) {
  auto b = bytes(n);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

void OpenSslRandom::fill(unsigned char* out, std::size_t n) {
  // Fail closed: a CSPRNG failure must never yield a predictable token.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

SecureRandom& default_random() {
  static OpenSslRandom r;
  return r;
}

}  // namespace tessera::core
