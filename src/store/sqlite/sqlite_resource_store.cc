// SqliteStore as ResourceStore: versioned FHIR resources, search index, compartments.
// Search SQL is assembled from fixed fragments only; every value (types, params, ids, codes,
// dates) is bound.
#include <algorithm>
#include <stdexcept>
#include <variant>

#include "store/sqlite/shape_admission.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::store {

using sqlite::Statement;

// ---- Filter helpers ----

Filter Filter::all(std::vector<Filter> children) {
  std::vector<Filter> kept;
  for (Filter& c : children) {
    if (c.is_false()) return never();
    if (c.is_true()) continue;
    if (c.kind == Kind::kAll) {
      for (Filter& g : c.children) kept.push_back(std::move(g));
    } else {
      kept.push_back(std::move(c));
    }
  }
  if (kept.empty()) return always();
  if (kept.size() == 1) return std::move(kept.front());
  Filter f;
  f.kind = Kind::kAll;
  f.children = std::move(kept);
  return f;
}

Filter Filter::any(std::vector<Filter> children) {
  std::vector<Filter> kept;
  for (Filter& c : children) {
    if (c.is_true()) return always();
    if (c.is_false()) continue;
    if (c.kind == Kind::kAny) {
      for (Filter& g : c.children) kept.push_back(std::move(g));
    } else {
      kept.push_back(std::move(c));
    }
  }
  if (kept.empty()) return never();
  if (kept.size() == 1) return std::move(kept.front());
  Filter f;
  f.kind = Kind::kAny;
  f.children = std::move(kept);
  return f;
}

std::size_t Filter::leaves() const {
  if (kind == Kind::kAll || kind == Kind::kAny) {
    std::size_t n = 0;
    for (const Filter& c : children) n += c.leaves();
    return n;
  }
  return 1;
}

namespace {

// ---- write path ----

void replace_rows(sqlite::Database& db, const ResourceWrite& w) {
  db.prepare("DELETE FROM search_index WHERE type = ? AND id = ?")
      .bind(1, w.type)
      .bind(2, w.id)
      .exec();
  for (const IndexRow& r : w.index) {
    db.prepare(
          "INSERT INTO search_index(type, id, param, system, value, low, high) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(1, w.type)
        .bind(2, w.id)
        .bind(3, r.param)
        .bind(4, r.system)
        .bind(5, r.value)
        .bind(6, r.low)
        .bind(7, r.high)
        .exec();
  }
  db.prepare("DELETE FROM compartments WHERE type = ? AND id = ?")
      .bind(1, w.type)
      .bind(2, w.id)
      .exec();
  for (const std::string& p : w.compartment) {
    db.prepare("INSERT OR IGNORE INTO compartments(patient_id, type, id) VALUES (?, ?, ?)")
        .bind(1, p)
        .bind(2, w.type)
        .bind(3, w.id)
        .exec();
  }
}

ResourceRow row_from(Statement& st) {  // columns: type, id, version, last_updated, deleted, json
  ResourceRow r;
  r.type = st.text(0);
  r.id = st.text(1);
  r.version = st.int64(2);
  r.last_updated_ms = st.int64(3);
  r.deleted = st.int64(4) != 0;
  r.json = st.text(5);
  return r;
}

// ---- search SQL ----

using Bind = std::variant<std::string, std::int64_t>;

class Sql {
 public:
  std::string text;
  std::vector<Bind> binds;

  Sql& add(std::string_view s) {
    text.append(s);
    return *this;
  }
  Sql& param(std::string v) {
    text.push_back('?');
    binds.emplace_back(std::move(v));
    return *this;
  }
  Sql& param(std::int64_t v) {
    text.push_back('?');
    binds.emplace_back(v);
    return *this;
  }
  Sql& list(const std::vector<std::string>& values) {
    text.push_back('(');
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) text.push_back(',');
      param(values[i]);
    }
    text.push_back(')');
    return *this;
  }
};

// Exclusive upper bound of the strings starting with `prefix` (bytewise), or "" if none exists.
std::string prefix_upper_bound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty())
    prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// Date comparison on column expressions lo/hi (e.g. "+s.low"), see DateCompare.
void date_condition(Sql& q, DateCompare cmp, std::string_view lo, std::string_view hi,
                    std::int64_t a, std::int64_t b) {
  auto contained = [&] {
    q.add("(").add(lo).add(" >= ").param(a).add(" AND ").add(hi).add(" <= ").param(b).add(")");
  };
  switch (cmp) {
    case DateCompare::kEq:
      contained();
      return;
    case DateCompare::kNe:
      q.add("NOT ");
      contained();
      return;
    case DateCompare::kGt:
      q.add(hi).add(" > ").param(b);
      return;
    case DateCompare::kLt:
      q.add(lo).add(" < ").param(a);
      return;
    case DateCompare::kGe:
      q.add("(").add(hi).add(" > ").param(b).add(" OR ");
      contained();
      q.add(")");
      return;
    case DateCompare::kLe:
      q.add("(").add(lo).add(" < ").param(a).add(" OR ");
      contained();
      q.add(")");
      return;
    case DateCompare::kSa:
      q.add(lo).add(" > ").param(b);
      return;
    case DateCompare::kEb:
      q.add(hi).add(" < ").param(a);
      return;
    case DateCompare::kAp:
      q.add("(").add(lo).add(" <= ").param(b).add(" AND ").add(hi).add(" >= ").param(a).add(")");
      return;
  }
  q.add("0");
}

bool is_index_leaf(Filter::Kind k) {
  using K = Filter::Kind;
  return k == K::kToken || k == K::kTokenSystem || k == K::kValueIn || k == K::kValueSuffix ||
         k == K::kPrefix || k == K::kContains || k == K::kDate;
}

// The condition on one search_index row `s` (after s.param = ?). `plus` disables index use on the
// value columns (so correlated EXISTS lookups use the (type, id, param) index).
void index_row_condition(Sql& q, const Filter& f, bool plus) {
  const std::string_view value = plus ? "+s.value" : "s.value";
  const std::string_view system = plus ? "+s.system" : "s.system";
  using K = Filter::Kind;
  switch (f.kind) {
    case K::kToken:
      q.add(value).add(" = ").param(f.value);
      if (f.system) q.add(" AND ").add(system).add(" = ").param(*f.system);
      return;
    case K::kTokenSystem:
      q.add(system).add(" = ").param(f.value);
      return;
    case K::kValueIn:
      if (f.values.size() == 1) {
        q.add(value).add(" = ").param(f.values.front());
      } else {
        q.add(value).add(" IN ").list(f.values);
      }
      return;
    case K::kValueSuffix:
      // GLOB metacharacters are escaped by bracketing; the engine only passes "/<FHIR id>".
      {
        std::string pattern = "*";
        for (char c : f.value) {
          if (c == '*' || c == '?' || c == '[') {
            pattern.push_back('[');
            pattern.push_back(c);
            pattern.push_back(']');
          } else {
            pattern.push_back(c);
          }
        }
        q.add(value).add(" GLOB ").param(std::move(pattern));
      }
      return;
    case K::kPrefix: {
      q.add(value).add(" >= ").param(f.value);
      std::string upper = prefix_upper_bound(f.value);
      if (!upper.empty()) q.add(" AND ").add(value).add(" < ").param(std::move(upper));
      return;
    }
    case K::kContains:
      q.add("instr(").add(value).add(", ").param(f.value).add(") > 0");
      return;
    case K::kDate:
      date_condition(q, f.compare, plus ? "+s.low" : "s.low", plus ? "+s.high" : "s.high", f.low,
                     f.high);
      return;
    default:
      q.add("0");
      return;
  }
}

void render(Sql& q, const Filter& f);

// "The resource r" forms, correlated.
void render_leaf(Sql& q, const Filter& f) {
  using K = Filter::Kind;
  switch (f.kind) {
    case K::kTrue:
      q.add("1");
      return;
    case K::kFalse:
      q.add("0");
      return;
    case K::kId:
      if (f.values.empty()) {
        q.add("0");
      } else {
        q.add("r.id IN ").list(f.values);
      }
      return;
    case K::kLastUpdated:
      date_condition(q, f.compare, "r.last_updated", "r.last_updated", f.low, f.high);
      return;
    case K::kInCompartment:
      if (f.values.empty()) {
        q.add("0");
        return;
      }
      q.add(
          "EXISTS (SELECT 1 FROM compartments c WHERE c.type = r.type AND c.id = r.id AND "
          "c.patient_id IN ");
      q.list(f.values).add(")");
      return;
    default:
      break;
  }
  if (is_index_leaf(f.kind)) {
    q.add(
         "EXISTS (SELECT 1 FROM search_index s WHERE s.type = r.type AND s.id = r.id AND s.param "
         "= ")
        .param(f.param)
        .add(" AND ");
    index_row_condition(q, f, true);
    q.add(")");
    return;
  }
  q.add("0");
}

void render(Sql& q, const Filter& f) {
  if (f.kind == Filter::Kind::kAll || f.kind == Filter::Kind::kAny) {
    if (f.children.empty()) {
      q.add(f.kind == Filter::Kind::kAll ? "1" : "0");
      return;
    }
    q.add("(");
    for (std::size_t i = 0; i < f.children.size(); ++i) {
      if (i) q.add(f.kind == Filter::Kind::kAll ? " AND " : " OR ");
      render(q, f.children[i]);
    }
    q.add(")");
    return;
  }
  render_leaf(q, f);
}

// The driving term: a non-correlated `r.id IN (SELECT ...)` SQLite iterates and looks up by
// primary key.
void render_driver(Sql& q, const Filter& f, const std::string& type) {
  using K = Filter::Kind;
  if (f.kind == K::kInCompartment) {
    q.add("r.id IN (SELECT c.id FROM compartments c WHERE c.patient_id IN ")
        .list(f.values)
        .add(" AND c.type = ")
        .param(type)
        .add(")");
    return;
  }
  q.add("r.id IN (SELECT s.id FROM search_index s WHERE s.type = ")
      .param(type)
      .add(" AND s.param = ")
      .param(f.param)
      .add(" AND ");
  index_row_condition(q, f, false);
  q.add(")");
}

void render_where(Sql& q, const SearchQuery& query) {
  q.add(" FROM resources r WHERE r.type = ").param(query.type).add(" AND r.deleted = 0");
  std::vector<const Filter*> terms;
  if (query.filter.kind == Filter::Kind::kAll) {
    for (const Filter& c : query.filter.children) terms.push_back(&c);
  } else if (!query.filter.is_true()) {
    terms.push_back(&query.filter);
  }
  // Pick one driver (an id list needs none: it already is a primary-key lookup).
  const Filter* driver = nullptr;
  const bool has_id = std::any_of(terms.begin(), terms.end(),
                                  [](const Filter* t) { return t->kind == Filter::Kind::kId; });
  if (!has_id) {
    for (const Filter* t : terms) {
      if (t->kind == Filter::Kind::kInCompartment && !t->values.empty()) {
        driver = t;
        break;
      }
    }
    if (!driver) {
      for (const Filter* t : terms) {
        if (t->kind == Filter::Kind::kToken || t->kind == Filter::Kind::kValueIn) {
          driver = t;
          break;
        }
      }
    }
  }
  for (const Filter* t : terms) {
    q.add(" AND ");
    if (t == driver) {
      render_driver(q, *t, query.type);
    } else {
      render(q, *t);
    }
  }
}

void render_order(Sql& q, const std::vector<SortKey>& sort) {
  q.add(" ORDER BY ");
  for (const SortKey& k : sort) {
    if (k.param == "_lastUpdated") {
      q.add("r.last_updated");
    } else if (k.param == "_id") {
      q.add("r.id");
    } else {
      // "+": no min/max-by-index shortcut over the whole (type, param) range; look up this
      // resource's rows by (type, id, param) instead.
      q.add(k.descending ? "(SELECT MAX(+s.high)" : "(SELECT MIN(+s.low)")
          .add(" FROM search_index s WHERE s.type = r.type AND s.id = r.id AND s.param = ")
          .param(k.param)
          .add(")");
    }
    q.add(k.descending ? " DESC, " : ", ");
  }
  q.add("r.id");
}

// A statement prepared for one use (a shape ShapeAdmission turned away).
class OneShot {
 public:
  OneShot(sqlite3* db, const Sql& q) {
    if (sqlite3_prepare_v2(db, q.text.c_str(), static_cast<int>(q.text.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      std::string msg = sqlite3_errmsg(db);
      sqlite3_finalize(stmt_);
      throw std::runtime_error("prepare search: " + msg);
    }
  }
  ~OneShot() { sqlite3_finalize(stmt_); }
  OneShot(const OneShot&) = delete;
  OneShot& operator=(const OneShot&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

void bind_all(Statement& st, const std::vector<Bind>& binds) {
  for (std::size_t i = 0; i < binds.size(); ++i) {
    const int n = static_cast<int>(i + 1);
    if (const auto* s = std::get_if<std::string>(&binds[i])) {
      st.bind(n, *s);
    } else {
      st.bind(n, std::get<std::int64_t>(binds[i]));
    }
  }
}

// Runs use(statement) on q with its values bound. Preparing costs more than stepping a page of
// results (about 190k instructions for the SQL of a compartment search), so admitted shapes come
// from the connection's statement cache.
template <class F>
void run_search(sqlite::Database& db, const Sql& q, F&& use) {
  if (sqlite::search_shapes().admit(q.text)) {
    Statement st = db.prepare(q.text);
    bind_all(st, q.binds);
    use(st);
    return;
  }
  sqlite3* conn = db.connection();
  OneShot prepared(conn, q);
  Statement st(conn, prepared.get());
  bind_all(st, q.binds);
  use(st);
}

}  // namespace

core::Result<ResourceRow> SqliteStore::put_resource(const ResourceWrite& w) {
  ResourceRow out;
  auto st = db_->transaction([&]() -> core::Status {
    const std::int64_t current = resource_version(w.type, w.id);
    if (w.expected_version && *w.expected_version != current) {
      return core::make_error(core::ErrorCode::kConflict, "version conflict",
                              "expected version " + std::to_string(*w.expected_version) +
                                  ", current " + std::to_string(current));
    }
    out.type = w.type;
    out.id = w.id;
    out.version = current + 1;
    out.last_updated_ms = w.last_updated_ms;
    out.json = w.json;
    out.compartment = w.compartment;
    std::sort(out.compartment.begin(), out.compartment.end());
    out.compartment.erase(std::unique(out.compartment.begin(), out.compartment.end()),
                          out.compartment.end());
    db_->prepare(
           "INSERT INTO resources(type, id, version, last_updated, deleted, json) "
           "VALUES (?1, ?2, ?3, ?4, 0, ?5) ON CONFLICT(type, id) DO UPDATE SET "
           "version = excluded.version, last_updated = excluded.last_updated, deleted = 0, "
           "json = excluded.json")
        .bind(1, w.type)
        .bind(2, w.id)
        .bind(3, out.version)
        .bind(4, w.last_updated_ms)
        .bind(5, w.json)
        .exec();
    db_->prepare(
           "INSERT INTO resource_history(type, id, version, last_updated, deleted, json) "
           "VALUES (?, ?, ?, ?, 0, ?)")
        .bind(1, w.type)
        .bind(2, w.id)
        .bind(3, out.version)
        .bind(4, w.last_updated_ms)
        .bind(5, w.json)
        .exec();
    replace_rows(*db_, w);
    return {};
  });
  if (!st) return st.error();
  return out;
}

core::Result<ResourceRow> SqliteStore::delete_resource(std::string_view type, std::string_view id,
                                                       std::int64_t now_ms) {
  ResourceRow out;
  auto st = db_->transaction([&]() -> core::Status {
    auto cur = read_resource(type, id);
    if (!cur) return core::make_error(core::ErrorCode::kNotFound, "resource not found");
    out = std::move(*cur);
    if (out.deleted) return {};
    out.version += 1;
    out.last_updated_ms = now_ms;
    out.deleted = true;
    db_->prepare(
           "UPDATE resources SET version = ?, last_updated = ?, deleted = 1 WHERE type = ? AND "
           "id = ?")
        .bind(1, out.version)
        .bind(2, now_ms)
        .bind(3, type)
        .bind(4, id)
        .exec();
    db_->prepare(
           "INSERT INTO resource_history(type, id, version, last_updated, deleted, json) "
           "VALUES (?, ?, ?, ?, 1, '')")
        .bind(1, type)
        .bind(2, id)
        .bind(3, out.version)
        .bind(4, now_ms)
        .exec();
    db_->prepare("DELETE FROM search_index WHERE type = ? AND id = ?")
        .bind(1, type)
        .bind(2, id)
        .exec();
    return {};
  });
  if (!st) return st.error();
  return out;
}

std::optional<ResourceRow> SqliteStore::read_resource(std::string_view type, std::string_view id) {
  auto st = db_->prepare(
      "SELECT r.type, r.id, r.version, r.last_updated, r.deleted, r.json, "
      "(SELECT group_concat(c.patient_id, ' ') FROM compartments c WHERE c.type = r.type AND "
      "c.id = r.id) FROM resources r WHERE r.type = ? AND r.id = ?");
  st.bind(1, type).bind(2, id);
  if (!st.step()) return std::nullopt;
  ResourceRow r = row_from(st);
  if (!st.is_null(6)) {
    // Patient ids are FHIR ids ([A-Za-z0-9.-]), so a space separates them unambiguously.
    const std::string all = st.text(6);
    std::size_t pos = 0;
    while (pos <= all.size()) {
      std::size_t sp = all.find(' ', pos);
      if (sp == std::string::npos) sp = all.size();
      if (sp > pos) r.compartment.push_back(all.substr(pos, sp - pos));
      pos = sp + 1;
    }
    std::sort(r.compartment.begin(), r.compartment.end());
  }
  return r;
}

std::int64_t SqliteStore::resource_version(std::string_view type, std::string_view id) {
  auto st = db_->prepare("SELECT version FROM resources WHERE type = ? AND id = ?");
  st.bind(1, type).bind(2, id);
  return st.step() ? st.int64(0) : 0;
}

std::optional<ResourceRow> SqliteStore::vread_resource(std::string_view type, std::string_view id,
                                                       std::int64_t version) {
  auto st = db_->prepare(
      "SELECT type, id, version, last_updated, deleted, json FROM resource_history WHERE "
      "type = ? AND id = ? AND version = ?");
  st.bind(1, type).bind(2, id).bind(3, version);
  if (!st.step()) return std::nullopt;
  return row_from(st);
}

std::vector<ResourceRow> SqliteStore::resource_history(std::string_view type, std::string_view id) {
  auto st = db_->prepare(
      "SELECT type, id, version, last_updated, deleted, json FROM resource_history WHERE "
      "type = ? AND id = ? ORDER BY version DESC");
  st.bind(1, type).bind(2, id);
  std::vector<ResourceRow> out;
  while (st.step()) out.push_back(row_from(st));
  return out;
}

SearchResult SqliteStore::search_resources(const SearchQuery& query) {
  SearchResult result;
  if (query.filter.is_false()) {
    if (query.with_total) result.total = 0;
    return result;
  }
  const auto count = static_cast<std::int64_t>(std::max(query.count, 0));
  auto select_rows = [&](Sql& q) {
    q.add("SELECT r.type, r.id, r.version, r.last_updated, r.deleted, r.json");
    render_where(q, query);
    render_order(q, query.sort);
  };
  // A search whose only condition is one index term is counted from search_index alone: it holds
  // rows of live resources only (put_resource replaces them, delete_resource drops them), so no
  // resources row need be read. Its page is then a LIMIT query that stops at the page's end.
  const bool index_count = is_index_leaf(query.filter.kind);
  if (query.with_total && count > 0 && query.sort.empty() && !index_count) {
    // In id order (the order of every plan render_where leads to, so no sorter), the total and
    // the page come from one pass: counting first and then paging would visit the page's rows
    // twice and build the driver's id list twice. Only the page's rows are copied out.
    Sql q;
    select_rows(q);
    run_search(*db_, q, [&](Statement& st) {
      std::int64_t n = 0;
      while (st.step()) {
        if (n >= query.offset && n - query.offset < count) result.rows.push_back(row_from(st));
        ++n;
      }
      result.total = n;
    });
    return result;
  }
  if (count > 0) {
    Sql q;
    select_rows(q);
    q.add(" LIMIT ").param(count);
    q.add(" OFFSET ").param(query.offset);
    run_search(*db_, q, [&](Statement& st) {
      while (st.step()) result.rows.push_back(row_from(st));
    });
  }
  if (query.with_total) {
    const auto n = static_cast<std::int64_t>(result.rows.size());
    if (count > 0 && n < count && (n > 0 || query.offset == 0)) {
      result.total = query.offset + n;  // a page that is not full ends the matches
    } else {
      Sql q;
      if (index_count) {
        q.add("SELECT COUNT(DISTINCT s.id) FROM search_index s WHERE s.type = ")
            .param(query.type)
            .add(" AND s.param = ")
            .param(query.filter.param)
            .add(" AND ");
        index_row_condition(q, query.filter, false);
      } else {
        q.add("SELECT COUNT(*)");
        render_where(q, query);
      }
      run_search(*db_, q, [&](Statement& st) { result.total = st.step() ? st.int64(0) : 0; });
    }
  }
  return result;
}

}  // namespace tessera::store
