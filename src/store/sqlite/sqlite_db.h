// Thin RAII layer over the SQLite C API: one connection per thread (WAL mode), a statement
// cache per connection, and a versioned migration runner. Used by every SQLite store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace tessera::store::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();  // resets (cached statements are reused)
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  Statement& bind_null(int i);

  // step(): true while a row is available. Throws std::runtime_error on SQLite errors (bugs or
  // disk failure, never client input); callers turn that into a 500 through the catch-all.
  bool step();
  // exec(): step to completion; returns SQLITE_DONE or the constraint error code.
  int exec();

  std::string text(int col) const;
  std::int64_t int64(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // path ":memory:" gives a private in-memory database shared by this object's connections
  // (through a unique named "memdb" database).
  static core::Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();

  // This thread's connection (created on first use).
  sqlite3* connection();
  Statement prepare(std::string_view sql);  // cached per connection
  void exec_script(std::string_view sql);   // throws on error

  core::Status transaction(const std::function<core::Status()>& fn);
  bool in_transaction();
  // Runs fn once this thread's outermost transaction has committed (now, when there is none);
  // dropped if it rolls back. Lets a store announce a change only when others can see it.
  void after_commit(std::function<void()> fn);

  // Group commit. Runs fn on this database's writer thread inside one transaction with every
  // other call queued meanwhile, each in its own savepoint (a failing or throwing fn undoes only
  // its own writes), and calls done(status) once that transaction has committed: fn's status,
  // or the error that kept the batch from committing. done runs on the writer thread and must
  // only hand the result on (e.g. post it to an executor).
  void transaction_async(std::function<core::Status()> fn, std::function<void(core::Status)> done);
  // Returns once every transaction_async call made before it has called its done.
  void drain();

  // Applies `migrations[i]` for every i >= the stored schema version, each in a transaction.
  core::Status migrate(const std::vector<std::string_view>& migrations);
  int schema_version();

 private:
  Database(std::string uri, std::uint64_t generation);
  struct Conn {
    sqlite3* db = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache;
    int tx_depth = 0;
    std::vector<std::function<void()>> on_commit;
  };
  Conn& conn();
  class GroupWriter;
  std::string uri_;
  std::uint64_t generation_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> conns_;
  sqlite3* keepalive_ = nullptr;  // keeps a :memory: database alive
  std::mutex writer_mu_;
  std::unique_ptr<GroupWriter> writer_;  // started by the first transaction_async
};

}  // namespace tessera::store::sqlite
