// Database::transaction_async (group commit): many callers' writes share one transaction, each
// in its own savepoint; done is called only once the writes are committed.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace tessera::store {
namespace {

std::unique_ptr<SqliteStore> memory_store() {
  auto s = SqliteStore::open(":memory:");
  if (!s) throw std::runtime_error(s.error().description);
  return std::move(s.value());
}

TokenRecord token(std::string hash) {
  TokenRecord t;
  t.token_hash = std::move(hash);
  t.grant_id = "g";
  t.client_id = "app";
  t.subject = "svc";
  t.scope = "system/Patient.rs";
  t.context_json = "{}";
  t.issued_at = 1;
  t.expires_at = 4'000'000'000;
  return t;
}

core::Status wait_for(SqliteStore& s, std::function<core::Status()> fn) {
  std::promise<core::Status> p;
  auto f = p.get_future();
  s.transaction_async(std::move(fn), [&p](core::Status st) { p.set_value(std::move(st)); });
  return f.get();
}

TEST(GroupCommit, WritesAreVisibleToOthersWhenDoneIsCalled) {
  auto s = memory_store();
  std::atomic<bool> seen{false};
  std::promise<void> finished;
  s->transaction_async([&]() -> core::Status { return s->add_token(token("t1")); },
                       [&](core::Status st) {
                         EXPECT_TRUE(st.ok());
                         // Another thread's connection already sees the row.
                         std::thread reader([&] { seen = s->find_token("t1").has_value(); });
                         reader.join();
                         finished.set_value();
                       });
  finished.get_future().get();
  EXPECT_TRUE(seen.load());
}

TEST(GroupCommit, AFailingJobUndoesOnlyItsOwnWrites) {
  auto s = memory_store();
  ASSERT_TRUE(s->add_token(token("dup")).ok());
  // Hold the writer inside a first job so that the next three land in one batch.
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::vector<std::future<core::Status>> results;
  std::vector<std::promise<core::Status>> promises(4);
  for (auto& p : promises) results.push_back(p.get_future());
  s->transaction_async(
      [&]() -> core::Status {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return go; });
        return {};
      },
      [&](core::Status st) { promises[0].set_value(std::move(st)); });
  s->transaction_async(
      [&]() -> core::Status {
        if (auto st = s->add_token(token("a")); !st) return st;
        return s->add_token(token("dup"));  // conflict: "a" must go too
      },
      [&](core::Status st) { promises[1].set_value(std::move(st)); });
  s->transaction_async([&]() -> core::Status { return s->add_token(token("b")); },
                       [&](core::Status st) { promises[2].set_value(std::move(st)); });
  s->transaction_async(
      [&]() -> core::Status {
        (void)s->add_token(token("c"));
        throw std::runtime_error("bug");
      },
      [&](core::Status st) { promises[3].set_value(std::move(st)); });
  {
    std::lock_guard lock(mu);
    go = true;
  }
  cv.notify_all();
  EXPECT_TRUE(results[0].get().ok());
  auto conflict = results[1].get();
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, core::ErrorCode::kConflict);
  EXPECT_TRUE(results[2].get().ok());
  auto thrown = results[3].get();
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, core::ErrorCode::kInternal);
  EXPECT_FALSE(s->find_token("a").has_value());
  EXPECT_TRUE(s->find_token("b").has_value());
  EXPECT_FALSE(s->find_token("c").has_value());
}

TEST(GroupCommit, ConcurrentCallersShareCommitsAndAllLand) {
  auto s = memory_store();
  constexpr int kThreads = 4, kEach = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto h = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (wait_for(*s, [&]() -> core::Status { return s->add_token(token(h)); }).ok()) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(s->count_live_tokens(2), kThreads * kEach);
}

TEST(GroupCommit, DrainWaitsForQueuedJobsAndChangesAreAnnouncedAfterCommit) {
  auto s = memory_store();
  ASSERT_TRUE(s->add_token(token("t1")).ok());
  EXPECT_FALSE(s->find_token("t1")->revoked);  // cached
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i)
    s->transaction_async([&]() -> core::Status { return {}; }, [&](core::Status) { ++done; });
  s->transaction_async(
      [&]() -> core::Status {
        EXPECT_TRUE(s->revoke_token("t1"));
        return {};
      },
      [&](core::Status) { ++done; });
  s->db().drain();
  EXPECT_EQ(done.load(), 11);
  EXPECT_TRUE(s->find_token("t1")->revoked);  // the read cache heard of the commit
}

TEST(GroupCommit, DestroyingTheStoreFinishesQueuedJobs) {
  std::atomic<int> done{0};
  {
    auto s = memory_store();
    for (int i = 0; i < 50; ++i)
      s->transaction_async(
          [&, i]() -> core::Status { return s->add_token(token(std::to_string(i))); },
          [&](core::Status st) {
            if (st.ok()) ++done;
          });
  }
  EXPECT_EQ(done.load(), 50);
}

}  // namespace
}  // namespace tessera::store
