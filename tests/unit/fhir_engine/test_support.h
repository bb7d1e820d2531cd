// Test support for the FHIR engine: an in-memory SqliteStore with the demo data imported, a
// hand-built AccessPolicy, and a one-call request helper that goes through FhirEngine::handle.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "demo/demo_data.h"
#include "fhir/bundle_import.h"
#include "fhir/import.h"
#include "fhir/search_match.h"
#include "fhir/sqlite_engine.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::fhir::testing {

using nlohmann::json;

inline constexpr const char* kBase = "https://fhir.example/r4";
inline constexpr const char* kAs = "https://auth.example";
inline constexpr const char* kLabSystem =
    "http://terminology.hl7.org/CodeSystem/observation-category";

// Grants by type ("*" = every type) and permission letters (SCOPE-1 "cruds" subset), each with
// one Permit; decide() ORs the permits of every matching grant (SCOPE-5).
class TestPolicy final : public AccessPolicy {
 public:
  TestPolicy& grant(std::string type, std::string_view letters, Permit permit = {}) {
    std::uint8_t mask = 0;
    for (char c : letters) {
      if (c == 'c') mask |= scopes::kCreate;
      if (c == 'r') mask |= scopes::kRead;
      if (c == 'u') mask |= scopes::kUpdate;
      if (c == 'd') mask |= scopes::kDelete;
      if (c == 's') mask |= scopes::kSearch;
    }
    grants_.push_back({std::move(type), mask, std::move(permit)});
    return *this;
  }
  TestPolicy& fhir_user(std::string ref) {
    fhir_user_ = std::move(ref);
    return *this;
  }
  Decision decide(std::string_view type, scopes::Interaction interaction) const override {
    Decision d;
    const std::uint8_t need = scopes::permission_for(interaction);
    for (const Grant& g : grants_) {
      if ((g.type == "*" || g.type == type) && (g.mask & need) == need && need != 0) {
        d.allowed = true;
        d.permits.push_back(g.permit);
      }
    }
    return d;
  }
  const std::string& fhir_user_reference() const override { return fhir_user_; }

 private:
  struct Grant {
    std::string type;
    std::uint8_t mask;
    Permit permit;
  };
  std::vector<Grant> grants_;
  std::string fhir_user_;
};

inline Permit patients(std::vector<std::string> ids) { return Permit{std::move(ids), {}}; }
inline Permit constrained(std::optional<std::vector<std::string>> ids,
                          std::vector<std::vector<scopes::Constraint>> sets) {
  return Permit{std::move(ids), std::move(sets)};
}

// patient/*.<letters> for one patient (RS-4).
inline TestPolicy patient_policy(const std::string& patient, std::string_view letters = "rs") {
  TestPolicy p;
  p.grant("*", letters, patients({patient}));
  return p;
}

struct Reply {
  int status = 0;
  json body;
  http::Response raw;
  std::string header(http::Field f) const {
    auto it = raw.find(f);
    return it == raw.end() ? std::string() : std::string(it->value());
  }
  // Entry resources of a Bundle by search mode ("match" / "include"), as "Type/id".
  std::vector<std::string> refs(std::string_view mode = "match") const {
    std::vector<std::string> out;
    if (!body.contains("entry")) return out;
    for (const json& e : body["entry"]) {
      if (e.contains("search") && e["search"].value("mode", "") != mode) continue;
      if (!e.contains("resource")) continue;
      out.push_back(e["resource"]["resourceType"].get<std::string>() + "/" +
                    e["resource"]["id"].get<std::string>());
    }
    return out;
  }
  std::string issue_code() const {
    if (!body.contains("issue") || body["issue"].empty()) return "";
    return body["issue"][0].value("code", "");
  }
  std::string diagnostics() const {
    if (!body.contains("issue") || body["issue"].empty()) return "";
    return body["issue"][0].value("diagnostics", "");
  }
  std::string link(std::string_view relation) const {
    if (!body.contains("link")) return "";
    for (const json& l : body["link"]) {
      if (l.value("relation", "") == relation) return l.value("url", "");
    }
    return "";
  }
};

class EngineTest : public ::testing::Test {
 protected:
  // The demo data, imported once per process into a template database that every test copies
  // (SQLite online backup), so each test starts from the same fresh store quickly.
  struct DemoTemplate {
    std::unique_ptr<store::SqliteStore> store;
    demo::DemoData data;
    std::vector<json> resources;
  };
  static const DemoTemplate& demo_template(const core::Clock& clock) {
    static const DemoTemplate t = [&] {
      DemoTemplate d;
      d.store = std::move(store::SqliteStore::open(":memory:").value());
      d.data = demo::generate();
      auto parsed = parse_import(d.data.bundle.dump(), "demo", {});
      if (!parsed.ok()) throw std::runtime_error(parsed.error().description);
      auto n = import_resources(*d.store, parsed.value(), clock);
      if (!n.ok()) throw std::runtime_error(n.error().description);
      for (const ImportedResource& r : parsed.value()) d.resources.push_back(r.resource);
      return d;
    }();
    return t;
  }

  void SetUp() override {
    auto opened = store::SqliteStore::open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.error().description;
    store_ = std::move(opened.value());
    config_.base_url = kBase;
    config_.authorization_server = std::string(kAs) + "/";
    config_.default_page_size = 50;
    config_.max_page_size = 100;
    if (import_demo()) {
      const DemoTemplate& t = demo_template(clock_);
      sqlite3* dst = store_->db().connection();
      sqlite3_backup* b = sqlite3_backup_init(dst, "main", t.store->db().connection(), "main");
      ASSERT_NE(b, nullptr) << sqlite3_errmsg(dst);
      ASSERT_EQ(sqlite3_backup_step(b, -1), SQLITE_DONE);
      ASSERT_EQ(sqlite3_backup_finish(b), SQLITE_OK);
      demo_ = &t;
    }
    engine_ = std::make_unique<SqliteFhirEngine>(*store_, config_, clock_);
  }
  virtual bool import_demo() const { return true; }

  Reply call(http::Verb verb, const std::string& target, const AccessPolicy& policy,
             const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::Request req{verb, "/r4/" + target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
      bool has_type = false;
      for (const auto& h : headers) has_type |= http::iequals(h.first, "content-type");
      if (!has_type) req.set(http::Field::content_type, "application/fhir+json");
      req.body() = body;
      req.prepare_payload();
    }
    const std::size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    auto params = http::Params::parse(query);
    EXPECT_TRUE(params.ok()) << target;
    http::RequestContext ctx{
        req, "/r4/" + path, query, params.ok() ? params.value() : http::Params{},
        {},  "127.0.0.1",   false};
    EngineResult r = engine_->handle(ctx, path, policy);
    last_summary_ = r.summary;
    Reply out;
    out.status = static_cast<int>(r.response.result_int());
    out.raw = r.response;
    if (!r.response.body().empty()) {
      out.body = json::parse(r.response.body(), nullptr, false);
      EXPECT_FALSE(out.body.is_discarded()) << r.response.body();
    }
    return out;
  }
  Reply get(const std::string& target, const AccessPolicy& policy,
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return call(http::Verb::get, target, policy, "", headers);
  }
  // Follows a Bundle link (absolute URL under kBase).
  Reply follow(const std::string& url, const AccessPolicy& policy) {
    const std::string prefix = std::string(kBase) + "/";
    EXPECT_EQ(url.rfind(prefix, 0), 0u) << url;
    return get(url.substr(prefix.size()), policy);
  }
  // Every page of a search, following next links; returns the matched "Type/id" in order.
  std::vector<std::string> all_pages(const std::string& target, const AccessPolicy& policy,
                                     int* pages = nullptr) {
    std::vector<std::string> out;
    Reply r = get(target, policy);
    int n = 0;
    for (;;) {
      EXPECT_EQ(r.status, 200) << r.body.dump();
      if (r.status != 200) break;
      ++n;
      for (auto& ref : r.refs()) out.push_back(ref);
      std::string next = r.link("next");
      if (next.empty() || n > 100) break;
      r = follow(next, policy);
    }
    if (pages) *pages = n;
    return out;
  }

  // The demo resources of `type` for which every (param, value) matches, by the pure
  // fhir::resource_matches (an oracle independent of the SQL path).
  std::set<std::string> expected(const std::string& type,
                                 const std::vector<std::pair<std::string, std::string>>& params) {
    std::set<std::string> out;
    for (const json& r : demo_resources()) {
      if (r["resourceType"] != type) continue;
      bool all = true;
      for (const auto& [p, v] : params) all = all && resource_matches(r, p, v);
      if (all) out.insert(type + "/" + r["id"].get<std::string>());
    }
    return out;
  }

  std::int64_t count_rows(const std::string& table) {
    auto st = store_->db().prepare("SELECT COUNT(*) FROM " + table);
    return st.step() ? st.int64(0) : -1;
  }

  core::ManualClock clock_{1'750'000'000};
  config::FhirConfig config_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<SqliteFhirEngine> engine_;
  const DemoTemplate* demo_ = nullptr;  // set when import_demo()
  const std::vector<json>& demo_resources() const { return demo_->resources; }
  RequestSummary last_summary_;
  UnrestrictedPolicy admin_;
};

inline std::set<std::string> as_set(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

}  // namespace tessera::fhir::testing
