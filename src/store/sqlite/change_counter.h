// ChangeCounter: a number every process using one database sees, bumped after each committed
// change that can make a cached read stale (a token or grant revoked, a client written or
// removed). Readers tag what they cache with the value they saw before reading the database and
// drop it once the value moves, so a revocation made by any process (another server on the same
// file, the admin CLI) is honoured by the next request that starts after the revoking call
// returned. For a file database the counter is 8 bytes in `<database>-epoch`, mapped shared
// (like SQLite's own -shm file, it must not be deleted while servers run); for ":memory:" it is
// process-local. Depends on: nothing but POSIX.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace tessera::store::sqlite {

class ChangeCounter {
 public:
  // nullptr when the file cannot be created or mapped: callers must then not cache.
  static std::unique_ptr<ChangeCounter> open(const std::string& db_path);
  static std::unique_ptr<ChangeCounter> local();  // process-local (":memory:" databases)
  ~ChangeCounter();
  ChangeCounter(const ChangeCounter&) = delete;
  ChangeCounter& operator=(const ChangeCounter&) = delete;

  std::uint64_t load() const;
  void bump();
  bool shared() const { return map_ != nullptr; }

 private:
  ChangeCounter() = default;
  void* map_ = nullptr;  // the shared mapping, or nullptr for a local counter
  std::atomic<std::uint64_t> local_{0};
};

}  // namespace tessera::store::sqlite
