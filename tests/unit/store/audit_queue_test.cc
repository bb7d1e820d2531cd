// AuditQueue: records are accepted at once, written in batches by one thread, never lost on a
// clean stop, and visible to list_audit as soon as it is called.
#include "store/audit_queue.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace tessera::store {
namespace {

AuditRecord record(std::string event, int status = 200) {
  AuditRecord r;
  r.time = 1'700'000'000'000;
  r.event = std::move(event);
  r.client_id = "app";
  r.status = status;
  r.outcome = "success";
  return r;
}

AuditQuery everything() {
  AuditQuery q;
  q.limit = 100000;
  return q;
}

std::unique_ptr<SqliteStore> memory_store() {
  auto s = SqliteStore::open(":memory:");
  if (!s) throw std::runtime_error(s.error().description);
  return std::move(s.value());
}

TEST(AuditQueue, ListAuditSeesEverythingQueuedBeforeIt) {
  auto db = memory_store();
  AuditQueue q(*db, *db);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(q.add_audit(record("E" + std::to_string(i))).ok());
  auto all = q.list_audit(AuditQuery{});
  EXPECT_EQ(all.size(), 50u);
}

TEST(AuditQueue, AStopWritesWhatIsStillQueued) {
  auto db = memory_store();
  {
    AuditQueue q(*db, *db);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(q.add_audit(record("E")).ok());
  }
  EXPECT_EQ(db->list_audit(everything()).size(), 500u);
}

TEST(AuditQueue, ManyThreadsAreWrittenInFewerTransactionsThanRecords) {
  auto db = memory_store();
  AuditQueue q(*db, *db);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) ASSERT_TRUE(q.add_audit(record("E")).ok());
    });
  for (auto& t : threads) t.join();
  q.flush();
  EXPECT_EQ(db->list_audit(everything()).size(), 2000u);
  EXPECT_GE(q.batches_written(), 1u);
  EXPECT_LE(q.batches_written(), 2000u);
}

// A sink whose writes can be held back and made to fail, to see the queue's edges.
class FakeSink : public AuditStore, public Transactional {
 public:
  core::Status add_audit(const AuditRecord& r) override {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !hold; });
    if (r.status == 500) return core::make_error(core::ErrorCode::kInternal, "disk full");
    written.push_back(r);
    return {};
  }
  std::vector<AuditRecord> list_audit(const AuditQuery&) override {
    std::lock_guard lock(mu);
    return written;
  }
  core::Status transaction(const std::function<core::Status()>& fn) override {
    ++transactions;
    return fn();
  }
  void release() {
    {
      std::lock_guard lock(mu);
      hold = false;
    }
    cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;
  std::vector<AuditRecord> written;
  std::atomic<int> transactions{0};
};

TEST(AuditQueue, AFailedRecordDoesNotTakeItsBatchWithIt) {
  FakeSink sink;
  AuditQueue q(sink, sink);
  ASSERT_TRUE(q.add_audit(record("A")).ok());
  ASSERT_TRUE(q.add_audit(record("B", 500)).ok());
  ASSERT_TRUE(q.add_audit(record("C")).ok());
  auto got = q.list_audit(AuditQuery{});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].event, "A");
  EXPECT_EQ(got[1].event, "C");
}

TEST(AuditQueue, WhenTheWriterIsBehindTheCallerWritesItself) {
  FakeSink sink;
  sink.hold = true;  // the writer blocks inside its first record
  AuditQueue q(sink, sink, /*max_pending=*/2);
  ASSERT_TRUE(q.add_audit(record("first")).ok());  // taken by the writer, which then blocks
  // Wait until the writer has taken it (pending is empty again).
  for (int i = 0; i < 1000 && sink.transactions.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(sink.transactions.load(), 1);
  ASSERT_TRUE(q.add_audit(record("q1")).ok());
  ASSERT_TRUE(q.add_audit(record("q2")).ok());
  // The queue is full: this call writes synchronously, and so it waits for the disk too.
  std::atomic<bool> returned{false};
  std::thread caller([&] {
    EXPECT_TRUE(q.add_audit(record("sync")).ok());
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(returned.load());
  sink.release();
  caller.join();
  EXPECT_EQ(q.list_audit(AuditQuery{}).size(), 4u);
}

}  // namespace
}  // namespace tessera::store

namespace tessera::store {
namespace {

TEST(AuditSchema, TheAuditRebuildKeepsEveryRowAndIdsKeepIncreasing) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tessera-audit-mig-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "old.db").string();
  {
    auto db = sqlite::Database::open(path);
    ASSERT_TRUE(db.ok());
    const auto& all = SqliteStore::migrations();
    ASSERT_GE(all.size(), 4u);
    std::vector<std::string_view> first3(all.begin(), all.begin() + 3);
    ASSERT_TRUE(db.value()->migrate(first3).ok());
    db.value()->exec_script(
        "INSERT INTO audit(time, event, patient) VALUES (1, 'old-1', 'p1'), (2, 'old-2', 'p2')");
  }
  auto s = SqliteStore::open(path);
  ASSERT_TRUE(s.ok());
  auto& store = *s.value();
  ASSERT_TRUE(store.add_audit(record("new")).ok());
  auto rows = store.list_audit(everything());  // newest first
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].event, "new");
  EXPECT_EQ(rows[1].event, "old-2");
  EXPECT_EQ(rows[2].event, "old-1");
  EXPECT_GT(rows[0].id, rows[1].id);
  EXPECT_GT(rows[1].id, rows[2].id);
  auto st = store.db().prepare(
      "SELECT count(*) FROM sqlite_master WHERE name IN ('audit_time', 'audit_subject')");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), 0);
  AuditQuery by_patient = everything();
  by_patient.patient = "p2";
  auto p2 = store.list_audit(by_patient);
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(p2[0].event, "old-2");
  auto plan = store.db().prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM audit WHERE patient = 'p2' ORDER BY id DESC");
  std::string details;
  while (plan.step()) details += plan.text(3) + ";";
  EXPECT_NE(details.find("audit_patient"), std::string::npos) << details;
  EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << details;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace tessera::store
