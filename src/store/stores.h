// Storage interfaces, one per role. Callers depend on these, never on a mechanism, so the
// SQLite implementation can be joined by PostgreSQL without touching them.
// All methods are thread-safe. Depends on: core.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/types.h"

namespace tessera::store {

class Transactional {
 public:
  virtual ~Transactional() = default;
  // Runs fn in one transaction on this thread's connection; every store call made by fn on this
  // thread joins it. Commits when fn returns ok, rolls back otherwise (and on exceptions).
  virtual core::Status transaction(const std::function<core::Status()>& fn) = 0;
  // The same, for writes whose caller can wait without holding a thread: fn may run on another
  // thread, in one transaction with other callers' (group commit), and done(status) is called,
  // possibly on that thread, once fn's writes are committed. fn must make store calls only.
  // This default runs it at once.
  virtual void transaction_async(std::function<core::Status()> fn,
                                 std::function<void(core::Status)> done) {
    done(transaction(fn));
  }
};

class ClientStore {
 public:
  virtual ~ClientStore() = default;
  virtual core::Status add_client(const ClientRecord&) = 0;  // kConflict if the id exists
  virtual std::optional<ClientRecord> find_client(std::string_view client_id) = 0;
  virtual std::vector<ClientRecord> list_clients() = 0;
  virtual bool remove_client(std::string_view client_id) = 0;
};

class UserStore {
 public:
  virtual ~UserStore() = default;
  virtual core::Status add_user(const UserRecord&) = 0;
  virtual std::optional<UserRecord> find_user(std::string_view username) = 0;
  virtual std::vector<UserRecord> list_users() = 0;
  virtual bool remove_user(std::string_view username) = 0;

  virtual core::Status grant_access(const PatientAccessRecord&) = 0;  // upsert
  virtual bool revoke_access(std::string_view username, std::string_view patient_id) = 0;
  virtual std::vector<PatientAccessRecord> list_access(std::string_view username) = 0;
};

class LaunchStore {
 public:
  virtual ~LaunchStore() = default;
  virtual core::Status add_launch(const LaunchRecord&) = 0;
  // Atomically marks the launch used; nullopt if unknown, used or expired (LAUNCH-2).
  virtual std::optional<LaunchRecord> consume_launch(std::string_view launch_hash,
                                                     std::int64_t now) = 0;
  virtual std::optional<LaunchRecord> peek_launch(std::string_view launch_hash,
                                                  std::int64_t now) = 0;
};

class InteractionStore {
 public:
  virtual ~InteractionStore() = default;
  virtual core::Status put_interaction(const InteractionRecord&) = 0;  // insert or replace
  virtual std::optional<InteractionRecord> find_interaction(std::string_view id,
                                                            std::int64_t now) = 0;
  virtual void delete_interaction(std::string_view id) = 0;
};

class GrantStore {
 public:
  virtual ~GrantStore() = default;
  virtual core::Status add_grant(const GrantRecord&) = 0;
  virtual std::optional<GrantRecord> find_grant(std::string_view grant_id) = 0;
  // Marks the grant and every token and code of it revoked.
  virtual void revoke_grant(std::string_view grant_id) = 0;

  virtual core::Status add_code(const CodeRecord&) = 0;
  // Atomically marks the code used and returns it as it was before (so `used` tells a replay).
  virtual std::optional<CodeRecord> take_code(std::string_view code_hash) = 0;

  virtual core::Status add_token(const TokenRecord&) = 0;
  virtual std::optional<TokenRecord> find_token(std::string_view token_hash) = 0;
  virtual bool revoke_token(std::string_view token_hash) = 0;
  virtual void revoke_tokens_of_grant(std::string_view grant_id, TokenKind kind) = 0;
  virtual std::int64_t count_live_tokens(std::int64_t now) = 0;

  // Deletes expired codes, tokens, launches and interactions (and grants left without tokens).
  virtual std::int64_t purge_expired(std::int64_t now) = 0;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual core::Status add_key(const KeyRecord&) = 0;
  virtual std::vector<KeyRecord> list_keys() = 0;
  virtual core::Status set_key_active(std::string_view kid, bool active) = 0;
};

class PatientDirectory {
 public:
  virtual ~PatientDirectory() = default;
  virtual std::optional<PatientSummary> find_patient(std::string_view id) = 0;
  virtual std::vector<PatientSummary> list_patients(int limit) = 0;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  virtual core::Status add_audit(const AuditRecord&) = 0;
  virtual std::vector<AuditRecord> list_audit(const AuditQuery&) = 0;
};

}  // namespace tessera::store
