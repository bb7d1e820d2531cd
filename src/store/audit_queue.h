// AuditQueue: an AuditStore that takes a record at once and writes it on its own thread, all
// records that arrived meanwhile in one transaction (group commit). A FHIR read or a token used to
// pay a whole write transaction for its audit row (45 % of a warm FHIR read, bench/README.md);
// now it pays a copy and a queue push. Durability: a record reaches the database a commit's time
// after the request (under load, the batch being written when it arrived, ~1 ms); a crash of the
// process can lose what is still queued, a clean stop (SIGTERM) writes everything first.
// When `max_pending` records are waiting (the disk is slower than the traffic), add_audit writes
// synchronously, so memory stays bounded and the caller is slowed instead of records dropped.
// Thread-safe. Depends on: store interfaces only, so it serves any backend.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "store/stores.h"

namespace tessera::store {

class AuditQueue final : public AuditStore {
 public:
  AuditQueue(AuditStore& sink, Transactional& tx, std::size_t max_pending = 8192);
  ~AuditQueue() override;  // writes everything queued, then stops the thread
  AuditQueue(const AuditQueue&) = delete;
  AuditQueue& operator=(const AuditQueue&) = delete;

  core::Status add_audit(const AuditRecord&) override;
  // Waits for everything queued before the call, then reads from the database.
  std::vector<AuditRecord> list_audit(const AuditQuery&) override;
  // Returns once every record queued before the call is written (or its write has failed).
  void flush();

  std::uint64_t batches_written() const;  // transactions run, for tests and metrics

  // The writer waits this long after the first record of a batch for others to join it,
  // unless kBatchRecords are waiting first or someone flushes.
  static constexpr std::chrono::milliseconds kGatherTime{2};
  static constexpr std::size_t kBatchRecords = 256;

 private:
  void run();
  void write_batch(std::vector<AuditRecord>& batch);

  AuditStore& sink_;
  Transactional& tx_;
  const std::size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<AuditRecord> pending_;
  std::uint64_t queued_ = 0;   // records accepted
  std::uint64_t written_ = 0;  // records handled by the writer (written or failed)
  std::uint64_t batches_ = 0;
  int flushing_ = 0;  // callers waiting in flush()
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tessera::store
