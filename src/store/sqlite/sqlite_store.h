// SqliteStore: every storage interface on one SQLite database (WAL, one connection per thread).
// find_token and find_client, read on every token, introspection and FHIR request, are served
// from memory while the database's ChangeCounter stands still: every revocation and client change
// (in any process) bumps it after its commit, and reads inside a transaction go to the database.
#pragma once

#include <memory>
#include <string>

#include "store/resource_store.h"
#include "store/sqlite/change_counter.h"
#include "store/sqlite/read_cache.h"
#include "store/sqlite/sqlite_db.h"
#include "store/stores.h"

namespace tessera::store {

class SqliteStore final : public Transactional,
                          public ClientStore,
                          public UserStore,
                          public LaunchStore,
                          public InteractionStore,
                          public GrantStore,
                          public KeyStore,
                          public AuditStore,
                          public PatientDirectory,
                          public ResourceStore {
 public:
  // Opens (creating if needed) and migrates the database.
  static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  sqlite::Database& db() { return *db_; }
  ~SqliteStore() override;  // finishes queued transaction_async calls first

  core::Status transaction(const std::function<core::Status()>& fn) override;
  void transaction_async(std::function<core::Status()> fn,
                         std::function<void(core::Status)> done) override;

  core::Status add_client(const ClientRecord&) override;
  std::optional<ClientRecord> find_client(std::string_view client_id) override;
  std::vector<ClientRecord> list_clients() override;
  bool remove_client(std::string_view client_id) override;

  core::Status add_user(const UserRecord&) override;
  std::optional<UserRecord> find_user(std::string_view username) override;
  std::vector<UserRecord> list_users() override;
  bool remove_user(std::string_view username) override;
  core::Status grant_access(const PatientAccessRecord&) override;
  bool revoke_access(std::string_view username, std::string_view patient_id) override;
  std::vector<PatientAccessRecord> list_access(std::string_view username) override;

  core::Status add_launch(const LaunchRecord&) override;
  std::optional<LaunchRecord> consume_launch(std::string_view launch_hash,
                                             std::int64_t now) override;
  std::optional<LaunchRecord> peek_launch(std::string_view launch_hash, std::int64_t now) override;

  core::Status put_interaction(const InteractionRecord&) override;
  std::optional<InteractionRecord> find_interaction(std::string_view id, std::int64_t now) override;
  void delete_interaction(std::string_view id) override;

  core::Status add_grant(const GrantRecord&) override;
  std::optional<GrantRecord> find_grant(std::string_view grant_id) override;
  void revoke_grant(std::string_view grant_id) override;
  core::Status add_code(const CodeRecord&) override;
  std::optional<CodeRecord> take_code(std::string_view code_hash) override;
  core::Status add_token(const TokenRecord&) override;
  std::optional<TokenRecord> find_token(std::string_view token_hash) override;
  bool revoke_token(std::string_view token_hash) override;
  void revoke_tokens_of_grant(std::string_view grant_id, TokenKind kind) override;
  std::int64_t count_live_tokens(std::int64_t now) override;
  std::int64_t purge_expired(std::int64_t now) override;

  core::Status add_key(const KeyRecord&) override;
  std::vector<KeyRecord> list_keys() override;
  core::Status set_key_active(std::string_view kid, bool active) override;

  core::Status add_audit(const AuditRecord&) override;
  std::vector<AuditRecord> list_audit(const AuditQuery&) override;

  std::optional<PatientSummary> find_patient(std::string_view id) override;
  std::vector<PatientSummary> list_patients(int limit) override;

  // ResourceStore (sqlite_resource_store.cc)
  core::Result<ResourceRow> put_resource(const ResourceWrite& write) override;
  core::Result<ResourceRow> delete_resource(std::string_view type, std::string_view id,
                                            std::int64_t now_ms) override;
  std::optional<ResourceRow> read_resource(std::string_view type, std::string_view id) override;
  std::int64_t resource_version(std::string_view type, std::string_view id) override;
  std::optional<ResourceRow> vread_resource(std::string_view type, std::string_view id,
                                            std::int64_t version) override;
  std::vector<ResourceRow> resource_history(std::string_view type, std::string_view id) override;
  SearchResult search_resources(const SearchQuery& query) override;

  // The migrations, in order; exposed for the PostgreSQL port and for tests.
  static const std::vector<std::string_view>& migrations();

  // Entries per generation of the token and client read caches (at most twice that are held).
  static constexpr std::size_t kTokenCacheEntries = 32768;
  static constexpr std::size_t kClientCacheEntries = 1024;
  bool read_cache_enabled() const { return changes_ != nullptr; }

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::optional<TokenRecord> read_token(std::string_view token_hash);
  // find_* through a read cache: a hit while the change counter stands still, else read().
  template <class V, class Read>
  std::optional<V> read_through(sqlite::ReadCache<V>& cache, std::string_view key, Read&& read);
  std::optional<ClientRecord> read_client_row(std::string_view client_id);
  // A change that can make cached tokens or clients stale: announced once it is committed.
  void changed();

  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::ChangeCounter> changes_;  // nullptr: no read caching (fail closed)
  sqlite::ReadCache<TokenRecord> token_cache_{kTokenCacheEntries};
  sqlite::ReadCache<ClientRecord> client_cache_{kClientCacheEntries};
};

}  // namespace tessera::store
