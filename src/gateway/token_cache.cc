#include "gateway/token_cache.h"

#include <algorithm>

#include "core/encoding.h"

namespace tessera::gateway {

namespace {
using TimePoint = std::chrono::system_clock::time_point;

TokenCacheOptions options_from(const config::FhirConfig& config) {
  TokenCacheOptions o;
  o.ttl = config.cache_ttl;
  o.negative_ttl = config.negative_cache_ttl;
  o.max_entries = config.cache_max_entries;
  return o;
}
}  // namespace

struct TokenCache::Shard {
  struct Entry {
    std::shared_ptr<const Introspection> answer;
    TimePoint expires;
    std::list<std::string>::iterator lru;  // position in `order`
  };
  std::size_t capacity = 0;
  mutable std::mutex mu;
  std::unordered_map<std::string, Entry> map;  // key: raw SHA-256 of the token
  std::list<std::string> order;                // most recently used first

  void erase(std::unordered_map<std::string, Entry>::iterator it) {
    order.erase(it->second.lru);
    map.erase(it);
  }
};

TokenCache::TokenCache(const config::FhirConfig& config, const core::Clock& clock)
    : TokenCache(options_from(config), clock) {}

TokenCache::TokenCache(const TokenCacheOptions& options, const core::Clock& clock)
    : options_(options), clock_(clock) {
  // Capacities add up to exactly max_entries: the bound holds for the cache as a whole.
  const std::size_t n =
      std::clamp<std::size_t>(options_.max_entries, 1, std::max<std::size_t>(1, options_.shards));
  for (std::size_t i = 0; i < n; ++i) {
    auto s = std::make_unique<Shard>();
    s->capacity = options_.max_entries / n + (i < options_.max_entries % n ? 1 : 0);
    shards_.push_back(std::move(s));
  }
}

TokenCache::~TokenCache() = default;

TokenCache::Shard& TokenCache::shard_for(const std::string& key) {
  // The key is a uniform hash already; its first bytes pick the shard.
  std::size_t h = 0;
  for (std::size_t i = 0; i < sizeof(std::size_t) && i < key.size(); ++i) {
    h = (h << 8) | static_cast<unsigned char>(key[i]);
  }
  return *shards_[h % shards_.size()];
}

std::shared_ptr<const Introspection> TokenCache::get(std::string_view token) {
  if (options_.max_entries == 0) return nullptr;
  const std::string key = core::sha256(token);
  Shard& s = shard_for(key);
  const TimePoint now = clock_.now();
  std::lock_guard lock(s.mu);
  auto it = s.map.find(key);
  if (it == s.map.end()) return nullptr;
  if (now >= it->second.expires) {  // RS-6: never past the TTL (and so never past exp)
    s.erase(it);
    return nullptr;
  }
  s.order.splice(s.order.begin(), s.order, it->second.lru);
  return it->second.answer;
}

void TokenCache::put(std::string_view token, const Introspection& answer) {
  if (options_.max_entries == 0) return;
  const TimePoint now = clock_.now();
  std::chrono::milliseconds ttl = answer.active ? options_.ttl : options_.negative_ttl;
  if (answer.active && answer.exp > 0) {
    // RS-6: an active answer is cached no longer than the token lives.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::seconds(answer.exp) - now.time_since_epoch());
    ttl = std::min(ttl, left);
  }
  if (ttl <= std::chrono::milliseconds::zero()) return;

  const std::string key = core::sha256(token);
  Shard& s = shard_for(key);
  auto stored = std::make_shared<const Introspection>(answer);
  std::lock_guard lock(s.mu);
  if (auto it = s.map.find(key); it != s.map.end()) s.erase(it);
  if (s.capacity == 0) return;
  // Full: evict the least recently used entry.
  while (!s.order.empty() && s.map.size() >= s.capacity) {
    s.erase(s.map.find(s.order.back()));
  }
  s.order.push_front(key);
  s.map.emplace(key, Shard::Entry{std::move(stored), now + ttl, s.order.begin()});
}

std::size_t TokenCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->map.size();
  }
  return n;
}

void TokenCache::clear() {
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    s->map.clear();
    s->order.clear();
  }
}

}  // namespace tessera::gateway
