#include "store/audit_queue.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "store/background_thread.h"

namespace tessera::store {

AuditQueue::AuditQueue(AuditStore& sink, Transactional& tx, std::size_t max_pending)
    : sink_(sink), tx_(tx), max_pending_(max_pending == 0 ? 1 : max_pending) {
  thread_ = start_background_thread([this] { run(); });
}

AuditQueue::~AuditQueue() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  if (written_ > 0)
    spdlog::info("audit queue: {} records written in {} transactions", written_, batches_);
}

core::Status AuditQueue::add_audit(const AuditRecord& rec) {
  {
    std::unique_lock lock(mu_);
    if (pending_.size() < max_pending_) {
      pending_.push_back(rec);
      ++queued_;
      const std::size_t n = pending_.size();
      lock.unlock();
      // The first record wakes the writer, which then gathers for a moment; a full batch ends
      // that moment early. Other records need no wake-up.
      if (n == 1 || n == kBatchRecords) wake_.notify_one();
      return {};
    }
  }
  return sink_.add_audit(rec);  // back-pressure: the writer is behind, write it here
}

void AuditQueue::flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = queued_;
  if (written_ >= target) return;
  ++flushing_;  // no gathering while someone waits
  wake_.notify_one();
  done_.wait(lock, [&] { return written_ >= target; });
  --flushing_;
}

std::vector<AuditRecord> AuditQueue::list_audit(const AuditQuery& q) {
  flush();
  return sink_.list_audit(q);
}

std::uint64_t AuditQueue::batches_written() const {
  std::lock_guard lock(mu_);
  return batches_;
}

void AuditQueue::write_batch(std::vector<AuditRecord>& batch) {
  // Through the store's group commit, so that audit rows and token writes share one writer (two
  // writers would only take turns at the database's write lock).
  std::mutex m;
  std::condition_variable cv;
  bool finished = false;
  core::Status result;
  auto write = [&]() -> core::Status {
    for (const auto& r : batch) {
      if (auto s = sink_.add_audit(r); !s) {  // this record only; the others still go
        spdlog::error("audit write failed for {} ({}): {}", r.event, r.status,
                      s.error().description);
      }
    }
    return {};
  };
  try {
    tx_.transaction_async(write, [&](core::Status st) {
      std::lock_guard lock(m);
      result = std::move(st);
      finished = true;
      cv.notify_one();
    });
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return finished; });
    if (!result) {
      spdlog::error("audit batch of {} records not written: {}", batch.size(),
                    result.error().description);
    }
  } catch (const std::exception& e) {
    spdlog::error("audit batch of {} records not written: {}", batch.size(), e.what());
  }
}

void AuditQueue::run() {
  std::vector<AuditRecord> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !pending_.empty(); });
    if (pending_.empty()) break;  // stopping, and everything is written
    // Group commit: let the records of concurrent requests join this transaction. One commit
    // costs about as much as several rows, so under load this multiplies the rows per commit.
    wake_.wait_for(lock, kGatherTime,
                   [&] { return stop_ || flushing_ > 0 || pending_.size() >= kBatchRecords; });
    batch.swap(pending_);
    lock.unlock();
    write_batch(batch);
    const std::size_t n = batch.size();
    batch.clear();
    lock.lock();
    written_ += n;
    ++batches_;
    done_.notify_all();
  }
}

}  // namespace tessera::store
