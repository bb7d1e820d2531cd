// TokenCache (RS-6): TTLs capped by exp, negative TTL, never errors, bounded, thread-safe.
#include "gateway/token_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/clock.h"

namespace tessera::gateway {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kNow = 1'700'000'000;

Introspection active(std::int64_t exp = kNow + 3600, std::string patient = "p1") {
  Introspection i;
  i.active = true;
  i.scope = "patient/*.rs";
  i.patient = std::move(patient);
  i.exp = exp;
  return i;
}

Introspection inactive() { return Introspection{}; }

TokenCacheOptions options(milliseconds ttl, milliseconds negative, std::size_t max,
                          std::size_t shards = 16) {
  TokenCacheOptions o;
  o.ttl = ttl;
  o.negative_ttl = negative;
  o.max_entries = max;
  o.shards = shards;
  return o;
}

TEST(TokenCache, MissThenHitReturnsTheStoredAnswer) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(1), 100), clock);
  EXPECT_EQ(cache.get("t1"), nullptr);
  cache.put("t1", active(kNow + 3600, "p7"));
  auto hit = cache.get("t1");
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->active);
  EXPECT_EQ(hit->patient, "p7");
  EXPECT_EQ(cache.get("t2"), nullptr);  // another token is another key
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TokenCache, PositiveEntryLivesCacheTtl) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(1), 100), clock);
  cache.put("t", active());
  clock.advance(seconds(4));
  EXPECT_NE(cache.get("t"), nullptr);
  clock.advance(seconds(1));
  EXPECT_EQ(cache.get("t"), nullptr);  // RS-6: shorter caching picks up revocation sooner
  EXPECT_EQ(cache.size(), 0u);         // the expired entry is dropped on lookup
}

TEST(TokenCache, PositiveEntryNeverOutlivesExp) {
  // RS-6: min(cache_ttl, exp - now).
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(60), seconds(1), 100), clock);
  cache.put("t", active(kNow + 2));
  clock.advance(seconds(1));
  EXPECT_NE(cache.get("t"), nullptr);
  clock.advance(seconds(1));
  EXPECT_EQ(cache.get("t"), nullptr);
}

TEST(TokenCache, AlreadyExpiredActiveAnswerIsNotStored) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(60), seconds(1), 100), clock);
  cache.put("past", active(kNow - 1));
  cache.put("now", active(kNow));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TokenCache, ActiveAnswerWithoutExpUsesCacheTtl) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(1), 100), clock);
  cache.put("t", active(0));
  clock.advance(seconds(4));
  EXPECT_NE(cache.get("t"), nullptr);
  clock.advance(seconds(1));
  EXPECT_EQ(cache.get("t"), nullptr);
}

TEST(TokenCache, NegativeEntryLivesNegativeTtl) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(60), seconds(2), 100), clock);
  cache.put("bad", inactive());
  clock.advance(seconds(1));
  auto hit = cache.get("bad");
  ASSERT_NE(hit, nullptr);
  EXPECT_FALSE(hit->active);
  clock.advance(seconds(1));
  EXPECT_EQ(cache.get("bad"), nullptr);
}

TEST(TokenCache, ZeroTtlsDisableThatKindOfEntry) {
  core::ManualClock clock(kNow);
  TokenCache no_positive(options(milliseconds(0), seconds(1), 100), clock);
  no_positive.put("a", active());
  no_positive.put("b", inactive());
  EXPECT_EQ(no_positive.get("a"), nullptr);
  EXPECT_NE(no_positive.get("b"), nullptr);

  TokenCache no_negative(options(seconds(5), milliseconds(0), 100), clock);
  no_negative.put("a", active());
  no_negative.put("b", inactive());
  EXPECT_NE(no_negative.get("a"), nullptr);
  EXPECT_EQ(no_negative.get("b"), nullptr);
}

TEST(TokenCache, ZeroMaxEntriesDisablesTheCache) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(1), 0), clock);
  cache.put("a", active());
  EXPECT_EQ(cache.get("a"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TokenCache, PutReplacesTheEarlierAnswer) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(5), 100), clock);
  cache.put("t", active());
  cache.put("t", inactive());
  auto hit = cache.get("t");
  ASSERT_NE(hit, nullptr);
  EXPECT_FALSE(hit->active);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TokenCache, NeverHoldsMoreThanMaxEntries) {
  core::ManualClock clock(kNow);
  for (std::size_t max : {1u, 3u, 16u, 17u, 50u}) {
    TokenCache cache(options(seconds(5), seconds(5), max), clock);
    for (int i = 0; i < 500; ++i) cache.put("token-" + std::to_string(i), active());
    EXPECT_LE(cache.size(), max);
    EXPECT_GE(cache.size(), 1u);
    EXPECT_NE(cache.get("token-499"), nullptr) << "the newest entry survives, max=" << max;
  }
}

TEST(TokenCache, EvictsTheLeastRecentlyUsed) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(5), 2, /*shards=*/1), clock);
  cache.put("a", active());
  cache.put("b", active());
  ASSERT_NE(cache.get("a"), nullptr);  // a is now more recent than b
  cache.put("c", active());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.get("a"), nullptr);
  EXPECT_EQ(cache.get("b"), nullptr);
  EXPECT_NE(cache.get("c"), nullptr);
}

TEST(TokenCache, ClearEmptiesIt) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(5), 100), clock);
  cache.put("a", active());
  cache.put("b", inactive());
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.get("a"), nullptr);
}

TEST(TokenCache, BuiltFromFhirConfig) {
  core::ManualClock clock(kNow);
  config::FhirConfig cfg;
  cfg.cache_ttl = milliseconds(3000);
  cfg.negative_cache_ttl = milliseconds(1000);
  cfg.cache_max_entries = 4;
  TokenCache cache(cfg, clock);
  for (int i = 0; i < 20; ++i) cache.put("t" + std::to_string(i), active());
  EXPECT_LE(cache.size(), 4u);
  cache.put("neg", inactive());
  clock.advance(seconds(1));
  EXPECT_EQ(cache.get("neg"), nullptr);
  cache.put("pos", active());
  clock.advance(seconds(2));
  EXPECT_NE(cache.get("pos"), nullptr);
  clock.advance(seconds(1));
  EXPECT_EQ(cache.get("pos"), nullptr);
}

TEST(TokenCache, ConcurrentUseStaysConsistentAndBounded) {
  core::ManualClock clock(kNow);
  TokenCache cache(options(seconds(5), seconds(5), 64), clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string key = "k" + std::to_string((i * 7 + t) % 200);
        if (i % 3 == 0) {
          cache.put(key, active(kNow + 3600, key));
        } else if (auto hit = cache.get(key)) {
          EXPECT_EQ(hit->patient, key);  // never another token's answer
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace tessera::gateway
