#include "store/sqlite/sqlite_db.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "store/background_thread.h"

namespace tessera::store::sqlite {

namespace {
std::atomic<std::uint64_t> g_generation{1};

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

// While another connection holds the write lock: retry every 100 µs for up to 5 s. SQLite's own
// busy_timeout handler sleeps 1, 2, 5, 10 … ms between tries, so a writer that meets another
// (the group-commit writer and a token request, say) idled for milliseconds after a lock held
// for a fraction of one.
int on_busy(void*, int tries) {
  constexpr int kRetryMicros = 100;
  constexpr int kMaxTries = 5'000'000 / kRetryMicros;
  if (tries >= kMaxTries) return 0;
  std::this_thread::sleep_for(std::chrono::microseconds(kRetryMicros));
  return 1;
}

struct ThreadConns {
  std::unordered_map<std::uint64_t, void*> by_db;
};
thread_local ThreadConns t_conns;

// WAL checkpoints off the serving threads. SQLite's automatic checkpoint runs inside the COMMIT
// that pushes the WAL past 1000 pages, so the request that happens to commit then waits for the
// copy into the database file and two fdatasyncs (a few ms on this machine's disk, every ~40
// token issuances: a quarter of the wall time of the token workload, bench/README.md). Here
// every connection's commit hook only wakes this thread, which runs the same PASSIVE checkpoint
// on its own connection. Durability is unchanged: a commit is in the WAL before COMMIT returns.
constexpr int kCheckpointPages = 1000;  // SQLite's default wal_autocheckpoint
class Checkpointer {
 public:
  explicit Checkpointer(std::string uri) : uri_(std::move(uri)) {
    thread_ = start_background_thread([this] { run(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  void request() {
    {
      std::lock_guard lock(mu_);
      pending_ = true;
    }
    cv_.notify_one();
  }

 private:
  void run() {
    sqlite3* db = nullptr;
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return pending_ || stop_; });
      if (stop_) break;
      pending_ = false;
      lock.unlock();
      if (!db && sqlite3_open_v2(uri_.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                                 nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        db = nullptr;
      }
      if (db)
        (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
    lock.unlock();
    if (db) sqlite3_close(db);
  }
  std::string uri_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  bool stop_ = false;
  std::thread thread_;
};
std::mutex g_checkpointers_mu;
std::unordered_map<std::uint64_t, std::unique_ptr<Checkpointer>> g_checkpointers;

// The WAL only restarts (is reused from its start) when a writer finds it fully checkpointed,
// which a background checkpoint never achieves while commits keep arriving. So past this size the
// committing connection checkpoints in line, as SQLite's own auto-checkpoint does at 1000 pages;
// by then the background passes have copied almost every frame, and the WAL stays bounded.
constexpr int kInlineCheckpointPages = 4 * kCheckpointPages;

int on_wal_commit(void* checkpointer, sqlite3* db, const char* name, int wal_pages) {
  if (wal_pages >= kInlineCheckpointPages) {
    (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= kCheckpointPages) {
    static_cast<Checkpointer*>(checkpointer)->request();
  }
  return SQLITE_OK;
}
}  // namespace

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int i, std::string_view v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind_null(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step");
}

int Statement::exec() {
  for (;;) {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) continue;
    if (rc == SQLITE_DONE) return rc;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return SQLITE_CONSTRAINT;
    fail(db_, "exec");
  }
}

std::string Statement::text(int col) const {
  auto p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string();
}

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

// The writer thread of transaction_async: takes every job queued while it was busy and runs them
// in one transaction, so one COMMIT (its WAL frames and the shared B-tree pages: index interiors,
// the tail of an append-mostly table) serves the whole batch instead of one request.
class Database::GroupWriter {
 public:
  explicit GroupWriter(Database& db) : db_(db) {
    thread_ = start_background_thread([this] { run(); });
  }
  ~GroupWriter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();  // runs what is queued first
    if (completed_ > 0)
      spdlog::info("group commit: {} writes in {} transactions", completed_, batches_);
  }
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;

  void submit(std::function<core::Status()> fn, std::function<void(core::Status)> done) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(Job{std::move(fn), std::move(done)});
      ++submitted_;
    }
    wake_.notify_one();
  }
  void drain() {
    std::unique_lock lock(mu_);
    const std::uint64_t target = submitted_;
    idle_.wait(lock, [&] { return completed_ >= target; });
  }

 private:
  struct Job {
    std::function<core::Status()> fn;
    std::function<void(core::Status)> done;
  };

  void run() {
    std::vector<Job> batch;
    std::vector<core::Status> results;
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) break;
      batch.swap(jobs_);
      lock.unlock();
      run_batch(batch, results);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        try {
          batch[i].done(std::move(results[i]));
        } catch (...) {  // a completion that throws must not stop the writer
        }
      }
      const std::size_t n = batch.size();
      batch.clear();
      results.clear();
      lock.lock();
      completed_ += n;
      ++batches_;
      idle_.notify_all();
    }
  }

  void run_batch(std::vector<Job>& batch, std::vector<core::Status>& results) {
    results.assign(batch.size(), core::Status{});
    auto step = [this](std::string_view sql) {
      if (db_.prepare(sql).exec() != SQLITE_DONE)
        throw std::runtime_error("sqlite: " + std::string(sql) + ": " +
                                 sqlite3_errmsg(db_.connection()));
    };
    try {
      auto committed = db_.transaction([&]() -> core::Status {
        for (std::size_t i = 0; i < batch.size(); ++i) {
          step("SAVEPOINT tessera_job");
          core::Status st;
          try {
            st = batch[i].fn();
          } catch (const std::exception& e) {
            st = core::make_error(core::ErrorCode::kInternal, "storage error", e.what());
          }
          if (!st) step("ROLLBACK TO tessera_job");
          step("RELEASE tessera_job");
          results[i] = std::move(st);
        }
        return {};
      });
      if (!committed) results.assign(batch.size(), committed);
    } catch (const std::exception& e) {  // BEGIN or COMMIT failed: nothing of the batch is kept
      results.assign(batch.size(),
                     core::make_error(core::ErrorCode::kInternal, "storage error", e.what()));
    }
  }

  Database& db_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::vector<Job> jobs_;
  std::uint64_t submitted_ = 0, completed_ = 0, batches_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

Database::Database(std::string uri, std::uint64_t generation)
    : uri_(std::move(uri)), generation_(generation) {}

void Database::transaction_async(std::function<core::Status()> fn,
                                 std::function<void(core::Status)> done) {
  GroupWriter* w;
  {
    std::lock_guard lock(writer_mu_);
    if (!writer_) writer_ = std::make_unique<GroupWriter>(*this);
    w = writer_.get();
  }
  w->submit(std::move(fn), std::move(done));
}

void Database::drain() {
  GroupWriter* w;
  {
    std::lock_guard lock(writer_mu_);
    w = writer_.get();
  }
  if (w) w->drain();
}

Database::~Database() {
  {
    std::lock_guard lock(writer_mu_);
    writer_.reset();  // finishes the queued jobs while the connections still exist
  }
  std::unique_ptr<Checkpointer> checkpointer;
  {
    std::lock_guard lock(g_checkpointers_mu);
    if (auto it = g_checkpointers.find(generation_); it != g_checkpointers.end()) {
      checkpointer = std::move(it->second);
      g_checkpointers.erase(it);
    }
  }
  checkpointer.reset();  // joins its thread
  std::lock_guard lock(mu_);
  for (auto& c : conns_) {
    for (auto& [sql, stmt] : c->cache) sqlite3_finalize(stmt);
    sqlite3_close(c->db);
  }
  if (keepalive_) sqlite3_close(keepalive_);
}

core::Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  // No allocation statistics: with them on (the default), every SQLite allocation takes a
  // process-wide mutex. Must precede sqlite3_initialize(); later calls fail harmlessly.
  static std::once_flag no_memstatus;
  std::call_once(no_memstatus, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  std::string uri;
  const std::uint64_t generation = g_generation.fetch_add(1);  // unique per Database, never reused
  bool memory = path == ":memory:";
  if (memory) {
    // A named "memdb" database, shared by this object's connections only. Unlike a shared-cache
    // ":memory:" database (table locks, SQLITE_LOCKED, no busy handler), memdb connections lock
    // the whole database and wait through the busy timeout, so concurrent writers just queue.
    uri = "file:/tessera-mem-" + std::to_string(generation) + "?vfs=memdb";
  } else {
    // A URI filename: '%', '?' and '#' in the path must be escaped or they are read as URI syntax.
    uri = "file:";
    for (char ch : path) {
      if (ch == '%')
        uri += "%25";
      else if (ch == '?')
        uri += "%3f";
      else if (ch == '#')
        uri += "%23";
      else
        uri += ch;
    }
  }
  std::unique_ptr<Database> db(new Database(uri, generation));
  if (!memory) {
    std::lock_guard lock(g_checkpointers_mu);
    g_checkpointers.emplace(generation, std::make_unique<Checkpointer>(uri));
  }
  if (memory) {
    if (sqlite3_open_v2(uri.c_str(), &db->keepalive_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                        nullptr) != SQLITE_OK) {
      return core::make_error(core::ErrorCode::kInternal, "cannot open in-memory database");
    }
  }
  try {
    db->connection();
  } catch (const std::exception& e) {
    return core::make_error(core::ErrorCode::kInternal, "cannot open database " + path, e.what());
  }
  return db;
}

Database::Conn& Database::conn() {
  auto it = t_conns.by_db.find(generation_);
  if (it != t_conns.by_db.end()) return *static_cast<Conn*>(it->second);
  auto c = std::make_unique<Conn>();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(uri_.c_str(), &c->db, flags, nullptr) != SQLITE_OK) {
    std::string msg = c->db ? sqlite3_errmsg(c->db) : "out of memory";
    sqlite3_close(c->db);
    throw std::runtime_error("sqlite open " + uri_ + ": " + msg);
  }
  sqlite3_busy_handler(c->db, on_busy, nullptr);
  char* err = nullptr;
  const char* pragmas =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
      "PRAGMA temp_store=MEMORY;";
  if (sqlite3_exec(c->db, pragmas, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(c->db);
    throw std::runtime_error("sqlite pragmas: " + msg);
  }
  {
    std::lock_guard lock(g_checkpointers_mu);
    if (auto ck = g_checkpointers.find(generation_); ck != g_checkpointers.end())
      sqlite3_wal_hook(c->db, on_wal_commit, ck->second.get());  // replaces the in-line checkpoint
  }
  Conn* raw = c.get();
  {
    std::lock_guard lock(mu_);
    conns_.push_back(std::move(c));
  }
  t_conns.by_db[generation_] = raw;
  return *raw;
}

sqlite3* Database::connection() { return conn().db; }

Statement Database::prepare(std::string_view sql) {
  Conn& c = conn();
  std::string key(sql);
  auto it = c.cache.find(key);
  if (it != c.cache.end()) return Statement(c.db, it->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(c.db, key.c_str(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    fail(c.db, "prepare");
  }
  c.cache.emplace(std::move(key), stmt);
  return Statement(c.db, stmt);
}

void Database::exec_script(std::string_view sql) {
  Conn& c = conn();
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(c.db, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

bool Database::in_transaction() { return conn().tx_depth > 0; }

void Database::after_commit(std::function<void()> fn) {
  Conn& c = conn();
  if (c.tx_depth > 0)
    c.on_commit.push_back(std::move(fn));
  else
    fn();
}

core::Status Database::transaction(const std::function<core::Status()>& fn) {
  Conn& c = conn();
  if (c.tx_depth > 0) {  // nested: join the outer transaction
    ++c.tx_depth;
    struct Dec {
      int& d;
      ~Dec() { --d; }
    } dec{c.tx_depth};
    return fn();
  }
  // Cached statements rather than exec_script(): sqlite3_exec compiles the SQL on every call,
  // which cost about 5k instructions per statement on the token endpoint (bench/README.md).
  auto run = [this](std::string_view sql) {
    if (prepare(sql).exec() != SQLITE_DONE) {
      throw std::runtime_error("sqlite: " + std::string(sql) + ": " + sqlite3_errmsg(connection()));
    }
  };
  run("BEGIN IMMEDIATE");
  c.tx_depth = 1;
  core::Status st;
  try {
    st = fn();
  } catch (...) {
    c.tx_depth = 0;
    c.on_commit.clear();
    run("ROLLBACK");
    throw;
  }
  c.tx_depth = 0;
  auto hooks = std::move(c.on_commit);
  c.on_commit.clear();
  if (st.ok()) {
    run("COMMIT");
    for (auto& hook : hooks) hook();
  } else {
    run("ROLLBACK");
  }
  return st;
}

int Database::schema_version() {
  exec_script("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  auto st = prepare("SELECT version FROM schema_version");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

core::Status Database::migrate(const std::vector<std::string_view>& migrations) {
  try {
    int have = schema_version();
    if (have > static_cast<int>(migrations.size())) {
      return core::make_error(
          core::ErrorCode::kInternal,
          "database schema is newer than this binary (version " + std::to_string(have) + ")");
    }
    for (auto i = static_cast<std::size_t>(have); i < migrations.size(); ++i) {
      auto st = transaction([&]() -> core::Status {
        exec_script(migrations[i]);
        exec_script("DELETE FROM schema_version");
        prepare("INSERT INTO schema_version(version) VALUES (?)")
            .bind(1, static_cast<std::int64_t>(i + 1))
            .exec();
        return {};
      });
      if (!st) return st;
    }
  } catch (const std::exception& e) {
    return core::make_error(core::ErrorCode::kInternal, "migration failed", e.what());
  }
  return {};
}

}  // namespace tessera::store::sqlite
