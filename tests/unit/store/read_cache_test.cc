// The token and client read caches of SqliteStore, ReadCache and ChangeCounter: a cached read
// must never outlive a committed revocation or client change, whichever process made it.
#include "store/sqlite/read_cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "store/sqlite/change_counter.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::store {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-cache-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

std::unique_ptr<SqliteStore> open_store(const std::string& path) {
  auto s = SqliteStore::open(path);
  if (!s) throw std::runtime_error("open " + path + ": " + s.error().description);
  return std::move(s.value());
}

TokenRecord access_token(std::string hash, std::string grant_id) {
  TokenRecord t;
  t.token_hash = std::move(hash);
  t.grant_id = std::move(grant_id);
  t.client_id = "app";
  t.subject = "alice";
  t.scope = "patient/*.rs";
  t.context_json = R"({"patient":"p1"})";
  t.issued_at = kNow;
  t.expires_at = kNow + 3600;
  return t;
}

ClientRecord rs_client(std::string id, std::string secret_hash) {
  ClientRecord c;
  c.client_id = std::move(id);
  c.name = "RS";
  c.type = ClientType::kResourceServer;
  c.secret_hash = std::move(secret_hash);
  c.created_at = kNow;
  return c;
}

// Two SqliteStore objects on one file behave as two processes would: separate connections, the
// counter shared through the mapped -epoch file.
class TwoProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path / "tessera.db").string();
    server_ = open_store(path_);
    admin_ = open_store(path_);
    ASSERT_TRUE(server_->read_cache_enabled());
  }
  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> server_, admin_;
};

TEST_F(TwoProcesses, ARevocationByAnotherProcessIsSeenAtOnce) {
  ASSERT_TRUE(
      server_
          ->add_grant(GrantRecord{"g1", "app", "alice", "", "", "", "", false, kNow, kNow, false})
          .ok());
  ASSERT_TRUE(server_->add_token(access_token("t1", "g1")).ok());
  ASSERT_TRUE(server_->add_token(access_token("t2", "g1")).ok());
  EXPECT_FALSE(server_->find_token("t1")->revoked);  // now cached
  EXPECT_FALSE(server_->find_token("t1")->revoked);
  EXPECT_TRUE(admin_->revoke_token("t1"));
  EXPECT_TRUE(server_->find_token("t1")->revoked);
  EXPECT_FALSE(server_->find_token("t2")->revoked);
  admin_->revoke_grant("g1");
  EXPECT_TRUE(server_->find_token("t2")->revoked);
}

TEST_F(TwoProcesses, RevokingTokensOfAGrantAndPurgingAreSeen) {
  ASSERT_TRUE(server_->add_token(access_token("t1", "g1")).ok());
  auto expired = access_token("t2", "g1");
  expired.expires_at = kNow - 1;
  ASSERT_TRUE(server_->add_token(expired).ok());
  EXPECT_TRUE(server_->find_token("t1").has_value());
  EXPECT_TRUE(server_->find_token("t2").has_value());
  admin_->revoke_tokens_of_grant("g1", TokenKind::kAccess);
  EXPECT_TRUE(server_->find_token("t1")->revoked);
  EXPECT_GT(admin_->purge_expired(kNow), 0);
  EXPECT_FALSE(server_->find_token("t2").has_value());
}

TEST_F(TwoProcesses, AClientRemovedOrReplacedElsewhereIsNotServedFromTheCache) {
  ASSERT_TRUE(server_->add_client(rs_client("rs", std::string(64, 'a'))).ok());
  EXPECT_EQ(server_->find_client("rs")->secret_hash, std::string(64, 'a'));  // cached
  ASSERT_TRUE(admin_->remove_client("rs"));
  EXPECT_FALSE(server_->find_client("rs").has_value());
  ASSERT_TRUE(admin_->add_client(rs_client("rs", std::string(64, 'b'))).ok());
  EXPECT_EQ(server_->find_client("rs")->secret_hash, std::string(64, 'b'));
}

TEST_F(TwoProcesses, UnknownTokensAreNotCachedSoANewTokenIsFound) {
  EXPECT_FALSE(server_->find_token("t9").has_value());
  ASSERT_TRUE(admin_->add_token(access_token("t9", "g1")).ok());  // an insert bumps nothing
  EXPECT_TRUE(server_->find_token("t9").has_value());
}

TEST_F(TwoProcesses, ARevocationIsAnnouncedOnlyWhenItsTransactionCommits) {
  ASSERT_TRUE(server_->add_token(access_token("t1", "g1")).ok());
  EXPECT_FALSE(server_->find_token("t1")->revoked);
  // Rolled back: nothing changed, the cached record is still right.
  auto st = admin_->transaction([&]() -> core::Status {
    EXPECT_TRUE(admin_->revoke_token("t1"));
    return core::make_error(core::ErrorCode::kInternal, "abort");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(server_->find_token("t1")->revoked);
  // Committed: not visible while the transaction is open (another thread reads the committed
  // state), seen as soon as it returns.
  ASSERT_TRUE(admin_
                  ->transaction([&]() -> core::Status {
                    EXPECT_TRUE(admin_->revoke_token("t1"));
                    std::thread reader([&] { EXPECT_FALSE(server_->find_token("t1")->revoked); });
                    reader.join();
                    return {};
                  })
                  .ok());
  EXPECT_TRUE(server_->find_token("t1")->revoked);
}

TEST(ReadCacheStore, ReadsInsideATransactionSeeItsOwnWritesAndAreNotCached) {
  auto s = open_store(":memory:");
  ASSERT_TRUE(s->read_cache_enabled());
  ASSERT_TRUE(s->add_token(access_token("t1", "g1")).ok());
  EXPECT_FALSE(s->find_token("t1")->revoked);  // cached
  auto st = s->transaction([&]() -> core::Status {
    EXPECT_TRUE(s->revoke_token("t1"));
    EXPECT_TRUE(s->find_token("t1")->revoked);  // its own uncommitted write
    EXPECT_TRUE(s->add_token(access_token("t2", "g1")).ok());
    EXPECT_TRUE(s->find_token("t2").has_value());
    return core::make_error(core::ErrorCode::kInternal, "abort");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(s->find_token("t1")->revoked);  // rolled back
  EXPECT_FALSE(s->find_token("t2").has_value());
}

TEST(ReadCacheStore, NoCounterFileMeansNoCachingNotAFailure) {
  TempDir dir;
  const std::string path = (dir.path / "tessera.db").string();
  { auto first = open_store(path); }  // creates the database and its -epoch file
  std::filesystem::remove(path + "-epoch");
  std::filesystem::create_directory(path + "-epoch");  // cannot be mapped
  auto s = open_store(path);
  EXPECT_FALSE(s->read_cache_enabled());
  ASSERT_TRUE(s->add_token(access_token("t1", "g1")).ok());
  EXPECT_FALSE(s->find_token("t1")->revoked);
  EXPECT_TRUE(s->revoke_token("t1"));
  EXPECT_TRUE(s->find_token("t1")->revoked);
}

TEST(ChangeCounter, IsSharedThroughTheFileAndCreatedPrivate) {
  TempDir dir;
  const std::string db = (dir.path / "x.db").string();
  auto a = sqlite::ChangeCounter::open(db);
  auto b = sqlite::ChangeCounter::open(db);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->shared());
  const auto start = b->load();
  a->bump();
  a->bump();
  EXPECT_EQ(b->load(), start + 2);
  struct stat st {};
  ASSERT_EQ(::stat((db + "-epoch").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 8);
  auto local = sqlite::ChangeCounter::local();
  EXPECT_FALSE(local->shared());
  local->bump();
  EXPECT_EQ(local->load(), 1u);
}

TEST(ChangeCounter, UnwritableDirectoryGivesNone) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::filesystem::permissions(
      dir.path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  EXPECT_EQ(sqlite::ChangeCounter::open((dir.path / "x.db").string()), nullptr);
}

TEST(ReadCache, AMovedCounterDropsEverything) {
  sqlite::ReadCache<int> c(4);
  c.put("a", 1, 7, 7);
  EXPECT_EQ(c.get("a", 7), 1);
  EXPECT_FALSE(c.get("a", 8).has_value());
  EXPECT_FALSE(c.get("a", 7).has_value());  // gone, not resurrected
}

TEST(ReadCache, AReadThatPredatesAChangeIsNotStored) {
  sqlite::ReadCache<int> c(4);
  c.put("a", 1, 7, 8);  // read at 7, counter at 8 by the time it is stored
  EXPECT_FALSE(c.get("a", 8).has_value());
  EXPECT_FALSE(c.get("a", 7).has_value());
}

TEST(ReadCache, HoldsAtMostTwoGenerationsAndKeepsTheHotSet) {
  sqlite::ReadCache<int> c(3);
  for (int i = 0; i < 3; ++i) c.put("k" + std::to_string(i), i, 0, 0);
  EXPECT_EQ(c.size(), 3u);
  c.put("k3", 3, 0, 0);  // starts a new generation; k0..k2 are now the old one
  EXPECT_EQ(c.size(), 4u);
  EXPECT_EQ(c.get("k0", 0), 0);  // a hit in the old generation moves it forward
  c.put("k4", 4, 0, 0);          // the new generation is full (k3, k0, k4)
  c.put("k5", 5, 0, 0);          // rolls over: k1 and k2 (never used again) are dropped
  EXPECT_FALSE(c.get("k1", 0).has_value());
  EXPECT_FALSE(c.get("k2", 0).has_value());
  EXPECT_EQ(c.get("k0", 0), 0);
  EXPECT_EQ(c.get("k5", 0), 5);
  EXPECT_LE(c.size(), 6u);
}

TEST(ReadCache, ZeroCapacityCachesNothing) {
  sqlite::ReadCache<int> c(0);
  c.put("a", 1, 0, 0);
  EXPECT_FALSE(c.get("a", 0).has_value());
}

}  // namespace
}  // namespace tessera::store
