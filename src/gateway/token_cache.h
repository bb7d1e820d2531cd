// TokenCache: recent introspection answers, so a busy app does not cost one AS round trip per
// FHIR request (RS-6). Keyed by SHA-256 of the token: the cache never holds a usable bearer token.
//
// Rules (RS-6): an active answer lives min(cache_ttl, exp - now) (never past the token's `exp`); an
// inactive answer lives negative_cache_ttl; errors are not cacheable at all (put() takes only an
// Introspection, so "unavailable" can never be stored). A zero TTL disables that kind of entry;
// max_entries == 0 disables the cache.
//
// Bounded: at most max_entries entries in total, split over sharded mutexes; a full shard evicts
// its least recently used entry. Thread-safe. Time comes from the injected core::Clock.
// Depends on: core, config.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "gateway/introspection.h"

namespace tessera::gateway {

struct TokenCacheOptions {
  std::chrono::milliseconds ttl{5000};           // active answers (capped by exp)
  std::chrono::milliseconds negative_ttl{1000};  // inactive answers
  std::size_t max_entries = 100'000;
  std::size_t shards = 16;  // at most; never more shards than max_entries
};

class TokenCache {
 public:
  // From FhirConfig::cache_ttl, negative_cache_ttl, cache_max_entries.
  TokenCache(const config::FhirConfig& config, const core::Clock& clock);
  TokenCache(const TokenCacheOptions& options, const core::Clock& clock);
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // A live cached answer for this token, or nullptr (never cached, expired or evicted).
  std::shared_ptr<const Introspection> get(std::string_view token);
  // Stores an answer under the rules above (may decide not to store it).
  void put(std::string_view token, const Introspection& answer);

  std::size_t size() const;  // entries held now (expired ones not yet dropped included)
  void clear();

 private:
  struct Shard;
  Shard& shard_for(const std::string& key);

  TokenCacheOptions options_;
  const core::Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace tessera::gateway
