// SqliteStore::search_resources: totals and pages on every path (one pass in id order, a sorted
// page then a count only when the page cannot tell, no total), the bound on cached search
// statements, and the covering indexes of migration 4 in the query plans.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/sqlite/shape_admission.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::store {
namespace {

Filter token(std::string param, std::string value) {
  Filter f;
  f.kind = Filter::Kind::kToken;
  f.param = std::move(param);
  f.value = std::move(value);
  return f;
}

Filter in_compartment(std::vector<std::string> patients) {
  Filter f;
  f.kind = Filter::Kind::kInCompartment;
  f.values = std::move(patients);
  return f;
}

Filter ids_in(std::vector<std::string> ids) {
  Filter f;
  f.kind = Filter::Kind::kId;
  f.values = std::move(ids);
  return f;
}

// Statements prepared on this thread's connection (cached ones stay prepared).
int prepared_statements(SqliteStore& s) {
  int n = 0;
  for (sqlite3_stmt* st = sqlite3_next_stmt(s.db().connection(), nullptr); st != nullptr;
       st = sqlite3_next_stmt(s.db().connection(), st)) {
    ++n;
  }
  return n;
}

class SearchPagingTest : public ::testing::Test {
 protected:
  // o00..o09: code "even"/"odd" by parity; o00..o06 in p1's compartment, the rest in p2's;
  // last_updated descending with the id; o04 deleted.
  void SetUp() override {
    store_ = std::move(SqliteStore::open(":memory:").value());
    for (int i = 0; i < 10; ++i) {
      const std::string id = "o0" + std::to_string(i);
      ResourceWrite w{"Observation",
                      id,
                      R"({"resourceType":"Observation","id":")" + id + R"("})",
                      {{"code", "", i % 2 ? "odd" : "even", 0, 0}},
                      {i < 7 ? "p1" : "p2"},
                      1000 - i,
                      std::nullopt};
      ASSERT_TRUE(store_->put_resource(w).ok());
    }
    ASSERT_TRUE(store_->delete_resource("Observation", "o04", 2000).ok());
  }

  SearchResult search(Filter f, int count, std::int64_t offset, bool with_total = true,
                      std::vector<SortKey> sort = {}) {
    SearchQuery q{"Observation", std::move(f), std::move(sort), count, offset, with_total};
    return store_->search_resources(q);
  }
  static std::vector<std::string> ids(const SearchResult& r) {
    std::vector<std::string> out;
    for (const ResourceRow& row : r.rows) out.push_back(row.id);
    return out;
  }

  std::unique_ptr<SqliteStore> store_;
};

using V = std::vector<std::string>;

TEST_F(SearchPagingTest, OnePassInIdOrderCountsEveryMatchAndCopiesOnlyThePage) {
  SearchResult r = search(Filter::always(), 3, 2);
  EXPECT_EQ(r.total, 9);  // o04 is deleted
  EXPECT_EQ(ids(r), (V{"o02", "o03", "o05"}));
  EXPECT_EQ(r.rows[0].version, 1);
  EXPECT_EQ(r.rows[0].json, R"({"resourceType":"Observation","id":"o02"})");
  EXPECT_EQ(r.rows[0].last_updated_ms, 998);
  EXPECT_FALSE(r.rows[0].deleted);

  r = search(Filter::all({token("code", "even"), in_compartment({"p1"})}), 2, 0);
  EXPECT_EQ(r.total, 3);  // o00, o02, o06
  EXPECT_EQ(ids(r), (V{"o00", "o02"}));
  r = search(Filter::all({token("code", "even"), in_compartment({"p1"})}), 2, 2);
  EXPECT_EQ(r.total, 3);
  EXPECT_EQ(ids(r), (V{"o06"}));

  r = search(Filter::always(), 5, 9);  // just past the end
  EXPECT_EQ(r.total, 9);
  EXPECT_TRUE(r.rows.empty());
  r = search(Filter::always(), 5, 1'000'000);
  EXPECT_EQ(r.total, 9);
  EXPECT_TRUE(r.rows.empty());
  r = search(ids_in({"o09", "o01", "o04", "zz"}), 10, 0);
  EXPECT_EQ(r.total, 2);
  EXPECT_EQ(ids(r), (V{"o01", "o09"}));
}

TEST_F(SearchPagingTest, SortedPagesCountOnlyWhenThePageCannotTellTheTotal) {
  const std::vector<SortKey> newest_first{{"_lastUpdated", false}};  // o09 (991) first
  // Full page: the total needs the count.
  SearchResult r = search(Filter::always(), 3, 0, true, newest_first);
  EXPECT_EQ(r.total, 9);
  EXPECT_EQ(ids(r), (V{"o09", "o08", "o07"}));
  // A page that is not full ends the matches: total = offset + rows.
  r = search(Filter::always(), 4, 6, true, newest_first);
  EXPECT_EQ(r.total, 9);
  EXPECT_EQ(ids(r), (V{"o02", "o01", "o00"}));
  r = search(token("code", "odd"), 50, 0, true, newest_first);
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(ids(r), (V{"o09", "o07", "o05", "o03", "o01"}));
  // An empty page past the end says nothing about the total.
  r = search(Filter::always(), 4, 20, true, newest_first);
  EXPECT_EQ(r.total, 9);
  EXPECT_TRUE(r.rows.empty());
  // Nothing matches.
  r = search(token("code", "none"), 4, 0, true, newest_first);
  EXPECT_EQ(r.total, 0);
  EXPECT_TRUE(r.rows.empty());
  r = search(token("code", "none"), 4, 0);
  EXPECT_EQ(r.total, 0);
}

TEST_F(SearchPagingTest, ASoleIndexTermIsCountedFromTheIndexOnce) {
  // o04 ("even") is deleted: its index rows went with it.
  SearchResult r = search(token("code", "even"), 2, 0);
  EXPECT_EQ(r.total, 4);  // o00 o02 o06 o08
  EXPECT_EQ(ids(r), (V{"o00", "o02"}));
  // Two equal index rows (a code repeated in one resource) count one resource.
  ResourceWrite w{
      "Observation",
      "o10",
      "{}",
      {{"code", "", "even", 0, 0}, {"code", "", "even", 0, 0}, {"code", "", "odd", 0, 0}},
      {"p2"},
      5,
      std::nullopt};
  ASSERT_TRUE(store_->put_resource(w).ok());
  r = search(token("code", "even"), 2, 0);
  EXPECT_EQ(r.total, 5);
  r = search(token("code", "even"), 0, 0);
  EXPECT_EQ(r.total, 5);
  // A page that is not full gives the total without counting, the same one.
  r = search(token("code", "even"), 10, 3);
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(ids(r), (V{"o08", "o10"}));
}

TEST_F(SearchPagingTest, TotalOnlyAndRowsOnly) {
  SearchResult r = search(token("code", "odd"), 0, 0);  // _summary=count
  EXPECT_EQ(r.total, 5);
  EXPECT_TRUE(r.rows.empty());
  r = search(token("code", "odd"), 2, 1, false);  // _total=none
  EXPECT_EQ(r.total, -1);
  EXPECT_EQ(ids(r), (V{"o03", "o05"}));
  r = search(Filter::never(), 2, 0);
  EXPECT_EQ(r.total, 0);
}

TEST_F(SearchPagingTest, CachedStatementsAreBoundedAndEveryShapeStillAnswers) {
  // Shapes seen before this test (other tests in this binary) count towards the bound too.
  search(Filter::always(), 5, 0);
  const int before = prepared_statements(*store_);
  // 2 * kMaxSearchShapes distinct shapes: id lists of 1, 2, ... values.
  std::vector<std::string> list;
  for (std::size_t n = 1; n <= 2 * sqlite::kMaxSearchShapes; ++n) {
    list.push_back(n % 10 == 4 ? "o09" : "o0" + std::to_string(n % 10));
    SearchResult r = search(ids_in(list), 20, 0);
    // Distinct live ids so far: o01 o02 o03 o09 o05 o06 o07 o08, (o09), o00, then repeats.
    const std::int64_t want = n <= 8 ? static_cast<std::int64_t>(n) : (n == 9 ? 8 : 9);
    ASSERT_EQ(r.total, want) << n;
  }
  EXPECT_LE(prepared_statements(*store_), before + static_cast<int>(sqlite::kMaxSearchShapes));
  EXPECT_EQ(sqlite::search_shapes().size(), sqlite::kMaxSearchShapes);
  // Searching again with an admitted shape reuses its statement.
  const int now = prepared_statements(*store_);
  search(ids_in({"o01"}), 20, 0);
  search(Filter::always(), 5, 0);
  EXPECT_EQ(prepared_statements(*store_), now);
}

TEST(ShapeAdmission, AdmitsTheFirstShapesUpToTheBoundAndNothingTooLong) {
  sqlite::ShapeAdmission a(2, 10);
  EXPECT_TRUE(a.admit("SELECT 1"));
  EXPECT_TRUE(a.admit("SELECT 1"));
  EXPECT_FALSE(a.admit("SELECT 12345"));  // longer than 10 bytes
  EXPECT_TRUE(a.admit("SELECT 2"));
  EXPECT_FALSE(a.admit("SELECT 3"));  // full
  EXPECT_TRUE(a.admit("SELECT 1"));   // admitted ones stay
  EXPECT_EQ(a.size(), 2u);
}

TEST_F(SearchPagingTest, LookupsUseTheCoveringIndexes) {
  auto plan = [&](const std::string& sql) {
    std::string out;
    auto st = store_->db().prepare("EXPLAIN QUERY PLAN " + sql);
    while (st.step()) out += st.text(3) + "\n";
    return out;
  };
  EXPECT_NE(plan("SELECT s.id FROM search_index s WHERE s.type = 'Observation' AND s.param = "
                 "'code' AND s.value = 'odd'")
                .find("COVERING INDEX search_index_value_id"),
            std::string::npos);
  EXPECT_NE(plan("SELECT 1 FROM search_index s WHERE s.type = 'Observation' AND s.id = 'o01' AND "
                 "s.param = 'code' AND +s.value = 'odd'")
                .find("COVERING INDEX search_index_entry_value"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::store
