// SecureRandom: OpenSSL's CSPRNG behind an interface (tests may inject a deterministic one).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tessera::core {

class SecureRandom {
 public:
  virtual ~SecureRandom() = default;
  virtual void fill(unsigned char* out, std::size_t n) = 0;

  std::vector<unsigned char> bytes(std::size_t n);
  // n random bytes as unpadded base64url (URL-safe, 43 chars for 32 bytes).
  std::string token(std::size_t n = 32);
};

class OpenSslRandom final : public SecureRandom {
 public:
  void fill(unsigned char* out, std::size_t n) override;
};

// Process-wide default instance.
SecureRandom& default_random();

}  // namespace tessera::core
