// store::ResourceStore on SQLite, below the engine: versioning, deletion, history, and every
// Filter kind of the search primitive (including hostile values, which must stay data).
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"

namespace tessera::store {
namespace {

class ResourceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(SqliteStore::open(":memory:").value()); }

  ResourceRow put(const std::string& id, std::vector<IndexRow> index,
                  std::vector<std::string> patients = {}, std::string type = "Observation",
                  std::int64_t when = 1000) {
    ResourceWrite w{
        type, id,          R"({"id":")" + id + R"("})", std::move(index), std::move(patients),
        when, std::nullopt};
    auto r = store_->put_resource(w);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : ResourceRow{};
  }
  std::vector<std::string> ids(Filter f, std::vector<SortKey> sort = {}) {
    SearchQuery q{"Observation", std::move(f), std::move(sort), 100, 0, true};
    SearchResult r = store_->search_resources(q);
    std::vector<std::string> out;
    for (const ResourceRow& row : r.rows) out.push_back(row.id);
    EXPECT_EQ(r.total, static_cast<std::int64_t>(out.size()));
    return out;
  }
  static Filter leaf(Filter::Kind kind, std::string param, std::string value = {},
                     std::vector<std::string> values = {}) {
    Filter f;
    f.kind = kind;
    f.param = std::move(param);
    f.value = std::move(value);
    f.values = std::move(values);
    return f;
  }
  static Filter date(DateCompare cmp, std::int64_t low, std::int64_t high) {
    Filter f = leaf(Filter::Kind::kDate, "date");
    f.compare = cmp;
    f.low = low;
    f.high = high;
    return f;
  }
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(ResourceStoreTest, PutCountsVersionsAndChecksExpectedVersion) {
  EXPECT_EQ(store_->resource_version("Observation", "a"), 0);
  EXPECT_EQ(put("a", {}).version, 1);
  EXPECT_EQ(put("a", {}).version, 2);
  ResourceWrite w{"Observation", "a", "{}", {}, {}, 5000, 1};
  auto stale = store_->put_resource(w);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, core::ErrorCode::kConflict);
  w.expected_version = 2;
  auto ok = store_->put_resource(w);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->version, 3);
  EXPECT_EQ(store_->read_resource("Observation", "a")->last_updated_ms, 5000);
  auto h = store_->resource_history("Observation", "a");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].version, 3);  // newest first
  EXPECT_EQ(h[2].version, 1);
  EXPECT_EQ(store_->vread_resource("Observation", "a", 2)->version, 2);
  EXPECT_FALSE(store_->vread_resource("Observation", "a", 4));
  EXPECT_FALSE(store_->read_resource("Observation", "b"));
  EXPECT_FALSE(store_->read_resource("Patient", "a"));  // ids are per type
}

TEST_F(ResourceStoreTest, PutReplacesIndexAndCompartmentRows) {
  put("a", {{"code", "http://loinc.org", "1", 0, 0}}, {"p2", "p1", "p1"});
  EXPECT_EQ(store_->read_resource("Observation", "a")->compartment,
            (std::vector<std::string>{"p1", "p2"}));
  put("a", {{"code", "http://loinc.org", "2", 0, 0}}, {"p3"});
  EXPECT_EQ(store_->read_resource("Observation", "a")->compartment, std::vector<std::string>{"p3"});
  EXPECT_TRUE(ids(leaf(Filter::Kind::kToken, "code", "1")).empty());
  EXPECT_EQ(ids(leaf(Filter::Kind::kToken, "code", "2")), std::vector<std::string>{"a"});
  Filter in;
  in.kind = Filter::Kind::kInCompartment;
  in.values = {"p1"};
  EXPECT_TRUE(ids(in).empty());
  in.values = {"p3", "p9"};
  EXPECT_EQ(ids(in), std::vector<std::string>{"a"});
}

TEST_F(ResourceStoreTest, DeleteIsAVersionAndKeepsLastContent) {
  auto missing = store_->delete_resource("Observation", "a", 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  put("a", {{"status", "", "final", 0, 0}}, {"p1"});
  auto gone = store_->delete_resource("Observation", "a", 2000);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->version, 2);
  EXPECT_TRUE(gone->deleted);
  auto cur = store_->read_resource("Observation", "a");
  ASSERT_TRUE(cur);
  EXPECT_TRUE(cur->deleted);
  EXPECT_EQ(cur->json, R"({"id":"a"})");  // last live content, for access checks
  EXPECT_EQ(cur->compartment, std::vector<std::string>{"p1"});
  EXPECT_TRUE(store_->vread_resource("Observation", "a", 2)->json.empty());
  EXPECT_TRUE(ids(Filter::always()).empty());
  EXPECT_TRUE(ids(leaf(Filter::Kind::kToken, "status", "final")).empty());
  auto again = store_->delete_resource("Observation", "a", 3000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 2);  // unchanged
  EXPECT_EQ(put("a", {}).version, 3);
}

TEST_F(ResourceStoreTest, EveryFilterKind) {
  put("a", {{"code", "http://loinc.org", "8310-5", 0, 0},
            {"subject", "", "Patient/p1", 0, 0},
            {"name", "", "alvarez", 0, 0},
            {"date", "", "", 100, 199}});
  put("b", {{"code", "", "8310-5", 0, 0},
            {"subject", "", "Group/p1", 0, 0},
            {"name", "", "alvarado", 0, 0},
            {"date", "", "", 150, 250}});
  put("c", {{"code", "http://snomed.info/sct", "1", 0, 0},
            {"subject", "", "Patient/p2", 0, 0},
            {"name", "", "\xff\xff", 0, 0},
            {"date", "", "", 300, 300}});
  using K = Filter::Kind;
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(leaf(K::kToken, "code", "8310-5")), (V{"a", "b"}));
  Filter sys = leaf(K::kToken, "code", "8310-5");
  sys.system = "http://loinc.org";
  EXPECT_EQ(ids(sys), V{"a"});
  sys.system = "";
  EXPECT_EQ(ids(sys), V{"b"});
  EXPECT_EQ(ids(leaf(K::kTokenSystem, "code", "http://snomed.info/sct")), V{"c"});
  EXPECT_EQ(ids(leaf(K::kValueIn, "subject", {}, {"Patient/p1", "Patient/p2"})), (V{"a", "c"}));
  EXPECT_EQ(ids(leaf(K::kValueSuffix, "subject", "/p1")), (V{"a", "b"}));
  EXPECT_TRUE(ids(leaf(K::kValueSuffix, "subject", "/*")).empty());  // GLOB chars are literal
  EXPECT_TRUE(ids(leaf(K::kValueSuffix, "subject", "/p[1]")).empty());
  EXPECT_EQ(ids(leaf(K::kPrefix, "name", "alvar")), (V{"a", "b"}));
  EXPECT_EQ(ids(leaf(K::kPrefix, "name", "alvare")), V{"a"});
  EXPECT_EQ(ids(leaf(K::kPrefix, "name", "\xff")), V{"c"});  // no upper bound exists
  EXPECT_EQ(ids(leaf(K::kContains, "name", "vara")), V{"b"});
  EXPECT_EQ(ids(leaf(K::kId, "", {}, {"b", "c", "zz"})), (V{"b", "c"}));
  EXPECT_EQ(ids(date(DateCompare::kEq, 100, 200)), V{"a"});
  EXPECT_EQ(ids(date(DateCompare::kNe, 100, 200)), (V{"b", "c"}));
  EXPECT_EQ(ids(date(DateCompare::kGt, 100, 200)), (V{"b", "c"}));
  EXPECT_EQ(ids(date(DateCompare::kLt, 150, 160)), V{"a"});
  EXPECT_EQ(ids(date(DateCompare::kGe, 100, 200)), (V{"a", "b", "c"}));
  EXPECT_EQ(ids(date(DateCompare::kLe, 150, 300)), (V{"a", "b", "c"}));
  EXPECT_EQ(ids(date(DateCompare::kSa, 100, 260)), V{"c"});
  EXPECT_EQ(ids(date(DateCompare::kEb, 200, 300)), V{"a"});
  EXPECT_EQ(ids(date(DateCompare::kAp, 240, 240)), V{"b"});
  Filter lu;
  lu.kind = K::kLastUpdated;
  lu.compare = DateCompare::kEq;
  lu.low = 1000;
  lu.high = 1000;
  EXPECT_EQ(ids(lu), (V{"a", "b", "c"}));
  lu.compare = DateCompare::kGt;
  EXPECT_TRUE(ids(lu).empty());
  // AND / OR and their simplification.
  EXPECT_EQ(
      ids(Filter::all({leaf(K::kToken, "code", "8310-5"), leaf(K::kPrefix, "name", "alvare")})),
      V{"a"});
  EXPECT_EQ(ids(Filter::any({leaf(K::kId, "", {}, {"a"}),
                             leaf(K::kTokenSystem, "code", "http://snomed.info/sct")})),
            (V{"a", "c"}));
  EXPECT_TRUE(Filter::all({Filter::always(), Filter::never()}).is_false());
  EXPECT_TRUE(Filter::any({Filter::never(), Filter::always()}).is_true());
  EXPECT_TRUE(Filter::any({}).is_false());
  EXPECT_TRUE(Filter::all({}).is_true());
  EXPECT_TRUE(ids(Filter::never()).empty());
}

TEST_F(ResourceStoreTest, SortsAndPages) {
  put("a", {{"date", "", "", 300, 300}}, {}, "Observation", 3);
  put("b", {{"date", "", "", 100, 400}}, {}, "Observation", 1);
  put("c", {{"date", "", "", 200, 200}}, {}, "Observation", 2);
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(Filter::always()), (V{"a", "b", "c"}));                     // default: by id
  EXPECT_EQ(ids(Filter::always(), {{"date", false}}), (V{"b", "c", "a"}));  // earliest low
  EXPECT_EQ(ids(Filter::always(), {{"date", true}}), (V{"b", "a", "c"}));   // latest high
  EXPECT_EQ(ids(Filter::always(), {{"_lastUpdated", true}}), (V{"a", "c", "b"}));
  EXPECT_EQ(ids(Filter::always(), {{"_id", true}}), (V{"c", "b", "a"}));
  SearchQuery q{"Observation", Filter::always(), {}, 2, 1, true};
  SearchResult r = store_->search_resources(q);
  EXPECT_EQ(r.total, 3);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].id, "b");
  q.with_total = false;
  EXPECT_EQ(store_->search_resources(q).total, -1);
  q.count = 0;
  q.with_total = true;
  r = store_->search_resources(q);
  EXPECT_EQ(r.total, 3);
  EXPECT_TRUE(r.rows.empty());
}

TEST_F(ResourceStoreTest, HostileValuesAreData) {
  const std::string evil = "x' OR '1'='1'; DROP TABLE resources; --";
  put("a", {{"code", evil, evil, 0, 0}});
  using K = Filter::Kind;
  EXPECT_EQ(ids(leaf(K::kToken, "code", evil)), std::vector<std::string>{"a"});
  EXPECT_TRUE(ids(leaf(K::kToken, "code", "x' OR '1'='1")).empty());
  EXPECT_TRUE(ids(leaf(K::kToken, evil, "anything")).empty());
  EXPECT_TRUE(ids(leaf(K::kId, "", {}, {evil})).empty());
  EXPECT_FALSE(store_->read_resource("Observation", evil));
  SearchQuery q{evil, Filter::always(), {{evil, true}}, 10, 0, true};
  EXPECT_EQ(store_->search_resources(q).total, 0);
  EXPECT_TRUE(store_->read_resource("Observation", "a"));  // the table is still there
}

}  // namespace
}  // namespace tessera::store
