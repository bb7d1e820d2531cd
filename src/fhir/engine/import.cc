#include "fhir/import.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "fhir/engine/common.h"

namespace tessera::fhir {

core::Result<std::size_t> import_resources(store::SqliteStore& store,
                                           const std::vector<ImportedResource>& resources,
                                           const core::Clock& clock) {
  const std::int64_t now = engine::now_ms(clock);
  std::size_t stored = 0;
  auto st = store.transaction([&]() -> core::Status {
    for (const ImportedResource& r : resources) {
      nlohmann::json resource = r.resource;
      if (auto meta = resource.find("meta"); meta != resource.end() && !meta->is_object()) {
        return core::make_error(core::ErrorCode::kBadRequest, r.origin + ": meta is not an object");
      }
      const std::int64_t current = store.resource_version(r.type, r.id);
      store::ResourceWrite w = engine::prepare_write(resource, r.type, r.id, current + 1, now);
      auto put = store.put_resource(w);
      if (!put) return put.error();
      ++stored;
    }
    return {};
  });
  if (!st) return st.error();
  return stored;
}

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

}  // namespace

int run_import(store::SqliteStore& store, const std::vector<std::string>& files,
               const core::Clock& clock, std::ostream& out, std::ostream& err) {
  int rc = 0;
  for (const std::string& file : files) {
    auto content = read_file(file);
    if (!content) {
      err << file << ": rejected: cannot read the file\n";
      rc = 1;
      continue;
    }
    auto parsed = parse_import(*content, file, [] { return engine::new_resource_id(); });
    if (!parsed) {
      err << file << ": rejected: " << parsed.error().description << "\n";
      rc = 1;
      continue;
    }
    core::Result<std::size_t> n = core::make_error(core::ErrorCode::kInternal, "not run");
    try {
      n = import_resources(store, *parsed, clock);
    } catch (const std::exception& e) {
      n = core::make_error(core::ErrorCode::kInternal, "storage failure", e.what());
    }
    if (!n) {
      err << file << ": rejected: " << n.error().description
          << (n.error().detail.empty() ? "" : " (" + n.error().detail + ")") << "\n";
      rc = 1;
      continue;
    }
    std::vector<std::pair<std::string, std::size_t>> counts;  // first-appearance order
    for (const ImportedResource& r : *parsed) {
      auto it = std::find_if(counts.begin(), counts.end(),
                             [&](const auto& c) { return c.first == r.type; });
      if (it == counts.end()) {
        counts.emplace_back(r.type, 1);
      } else {
        ++it->second;
      }
    }
    out << file << ": imported " << *n << " resources (";
    for (std::size_t i = 0; i < counts.size(); ++i) {
      out << (i ? ", " : "") << counts[i].first << " " << counts[i].second;
    }
    out << ")\n";
  }
  return rc;
}

}  // namespace tessera::fhir
