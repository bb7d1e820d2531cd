#include "fhir/bundle_import.h"

#include <cctype>
#include <map>
#include <optional>
#include <utility>

#include "core/error.h"
#include "fhir/reference.h"
#include "fhir/resource_types.h"

namespace tessera::fhir {
namespace {

using nlohmann::json;

constexpr std::string_view kUrnUuid = "urn:uuid:";

// At most 64 bytes of s, cut at a UTF-8 character boundary, for error messages.
std::string excerpt(std::string_view s) {
  constexpr std::size_t kMax = 64;
  if (s.size() <= kMax) return std::string(s);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

// nlohmann's parse error text without its "[json.exception...] " prefix, printable ASCII only.
std::string parse_error_text(const json::parse_error& e) {
  std::string_view what = e.what();
  if (std::size_t close = what.find("] "); close != std::string_view::npos) {
    what.remove_prefix(close + 2);
  }
  std::string out;
  for (char c : what.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  return out;
}

core::Error fail(std::string description, std::string_view file_name) {
  return core::make_error(core::ErrorCode::kBadRequest, std::move(description),
                          "import of '" + std::string(file_name) + "'");
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) {
      return false;
    }
  }
  return true;
}

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

std::optional<json> try_parse(std::string_view s, std::string* error) {
  try {
    return json::parse(s);
  } catch (const json::parse_error& e) {
    if (error) *error = parse_error_text(e);
    return std::nullopt;
  }
}

// What one file resolves references against: fullUrl (or urn:uuid:<id>) -> "Type/id".
// An empty mapped value marks an ambiguous key.
using UrlMap = std::map<std::string, std::string, std::less<>>;

struct Walk {
  const UrlMap& urls;
  std::string_view unresolved_scope;  // "an entry in this bundle" / "a resource in this file"
  std::string path;                   // element path of the node being visited, for messages
};

// Checks depth and "reference" shapes and rewrites resolvable references, recursively.
std::optional<std::string> rewrite_references(json& node, Walk& w, int depth) {
  if (depth > kMaxImportDepth) {
    return "nesting deeper than " + std::to_string(kMaxImportDepth) + " levels at " +
           excerpt(w.path);
  }
  if (node.is_array()) {
    const std::size_t base = w.path.size();
    for (std::size_t i = 0; i < node.size(); ++i) {
      w.path += "[" + std::to_string(i) + "]";
      if (auto err = rewrite_references(node[i], w, depth + 1)) return err;
      w.path.resize(base);
    }
    return std::nullopt;
  }
  if (!node.is_object()) return std::nullopt;
  const std::size_t base = w.path.size();
  for (auto it = node.begin(); it != node.end(); ++it) {
    w.path += "." + it.key();
    json& value = it.value();
    if (it.key() == "reference") {
      if (value.is_string()) {
        const std::string& ref = value.get_ref<const std::string&>();
        auto found = w.urls.find(ref);
        if (found != w.urls.end() && found->second.empty()) {
          return "reference '" + excerpt(ref) + "' at " + w.path + " is ambiguous";
        }
        if (found != w.urls.end()) {
          value = found->second;
        } else if (ref.compare(0, kUrnUuid.size(), kUrnUuid) == 0) {
          return "reference '" + excerpt(ref) + "' at " + w.path + " does not resolve to " +
                 std::string(w.unresolved_scope);
        }
      } else if (!value.is_object()) {  // an object is a Reference element named "reference"
        return "reference at " + w.path + " is not a string";
      }
    }
    if (value.is_structured()) {
      if (auto err = rewrite_references(value, w, depth + 1)) return err;
    }
    w.path.resize(base);
  }
  return std::nullopt;
}

struct Pending {
  json resource;
  std::string type;
  std::string id;
  std::string origin;
};

// Shape checks of one resource and its id. id_hint: an id derived from the entry's fullUrl.
std::optional<std::string> check_resource(json resource, std::string origin,
                                          std::string_view id_hint,
                                          const std::function<std::string()>& new_id,
                                          Pending& out) {
  if (!resource.is_object()) return std::string("resource is not a JSON object");
  auto rt = resource.find("resourceType");
  if (rt == resource.end()) return std::string("resource has no resourceType");
  if (!rt->is_string()) return std::string("resourceType is not a string");
  const std::string type = rt->get<std::string>();
  if (!is_known_resource_type(type)) {
    return "resourceType '" + excerpt(type) + "' is not an R4 resource type";
  }
  std::string id;
  if (auto it = resource.find("id"); it != resource.end()) {
    if (!it->is_string()) return std::string("id is not a string");
    id = it->get<std::string>();
    if (!is_valid_id(id)) return "id '" + excerpt(id) + "' is not a valid FHIR id";
  } else if (!id_hint.empty()) {
    id = std::string(id_hint);
  } else if (new_id) {
    id = new_id();
    if (!is_valid_id(id)) return "generated id '" + excerpt(id) + "' is not a valid FHIR id";
  } else {
    return std::string("resource has no id and no id generator was given");
  }
  resource["id"] = id;
  if (auto meta = resource.find("meta"); meta != resource.end() && !meta->is_object()) {
    return std::string("meta is not a JSON object");
  }
  out = Pending{std::move(resource), type, std::move(id), std::move(origin)};
  return std::nullopt;
}

// Rejects a second resource with the same Type/id. `seen` maps Type/id -> origin.
std::optional<std::string> check_unique(const Pending& p,
                                        std::map<std::string, std::string>& seen) {
  auto [it, inserted] = seen.emplace(p.type + "/" + p.id, p.origin);
  if (!inserted) return "duplicate resource " + it->first + " (also " + it->second + ")";
  return std::nullopt;
}

core::Result<std::vector<ImportedResource>> finish(std::vector<Pending>& pending,
                                                   const UrlMap& urls, std::string_view scope,
                                                   std::string_view file_name) {
  std::vector<ImportedResource> out;
  out.reserve(pending.size());
  for (Pending& p : pending) {
    Walk w{urls, scope, p.type};
    if (auto err = rewrite_references(p.resource, w, 0)) {
      return fail(p.origin + ": " + *err, file_name);
    }
    out.push_back({std::move(p.resource), std::move(p.type), std::move(p.id), std::move(p.origin)});
  }
  return out;
}

core::Result<std::vector<ImportedResource>> import_bundle(
    json& bundle, std::string_view file_name, const std::function<std::string()>& new_id) {
  auto type = bundle.find("type");
  if (type == bundle.end() || !type->is_string()) {
    return fail("Bundle has no type (expected transaction, batch or collection)", file_name);
  }
  const std::string& btype = type->get_ref<const std::string&>();
  if (btype != "transaction" && btype != "batch" && btype != "collection") {
    return fail("Bundle type '" + excerpt(btype) +
                    "' cannot be imported (expected transaction, batch or collection)",
                file_name);
  }
  std::vector<Pending> pending;
  auto entries = bundle.find("entry");
  if (entries == bundle.end()) return std::vector<ImportedResource>{};
  if (!entries->is_array()) return fail("Bundle.entry is not an array", file_name);

  UrlMap urls;
  std::map<std::string, std::string> full_url_origin;
  std::map<std::string, std::string> seen;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    json& entry = (*entries)[i];
    const std::string origin = "entry " + std::to_string(i);
    auto bad = [&](const std::string& why) { return fail(origin + ": " + why, file_name); };
    if (!entry.is_object()) return bad("not a JSON object");
    auto res = entry.find("resource");
    if (res == entry.end()) return bad("has no resource");
    std::string full_url;
    std::string id_hint;
    if (auto fu = entry.find("fullUrl"); fu != entry.end()) {
      if (!fu->is_string()) return bad("fullUrl is not a string");
      full_url = fu->get<std::string>();
      if (full_url.compare(0, kUrnUuid.size(), kUrnUuid) == 0) {
        std::string_view uuid = std::string_view(full_url).substr(kUrnUuid.size());
        if (is_valid_id(uuid)) id_hint = std::string(uuid);
      } else if (auto ref = parse_reference(full_url); ref && res->is_object()) {
        auto rt = res->find("resourceType");
        if (rt != res->end() && rt->is_string() && *rt == ref->type) id_hint = ref->id;
      }
    }
    Pending p;
    if (auto err = check_resource(std::move(*res), origin, id_hint, new_id, p)) return bad(*err);
    if (auto err = check_unique(p, seen)) return bad(*err);
    if (!full_url.empty()) {
      auto [it, inserted] = full_url_origin.emplace(full_url, origin);
      if (!inserted) {
        return bad("duplicate fullUrl '" + excerpt(full_url) + "' (also " + it->second + ")");
      }
      urls.emplace(full_url, p.type + "/" + p.id);
    }
    pending.push_back(std::move(p));
  }
  return finish(pending, urls, "an entry in this bundle", file_name);
}

core::Result<std::vector<ImportedResource>> import_ndjson(
    std::string_view content, std::string_view file_name,
    const std::function<std::string()>& new_id) {
  std::vector<Pending> pending;
  std::map<std::string, std::string> seen;
  UrlMap urls;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (is_blank(line)) continue;
    const std::string origin = "line " + std::to_string(line_no);
    auto bad = [&](const std::string& why) { return fail(origin + ": " + why, file_name); };
    std::string parse_error;
    std::optional<json> value = try_parse(line, &parse_error);
    if (!value) return bad("not valid JSON (" + parse_error + ")");
    Pending p;
    if (auto err = check_resource(std::move(*value), origin, {}, new_id, p)) return bad(*err);
    if (auto err = check_unique(p, seen)) return bad(*err);
    // urn:uuid:<id> -> Type/id; the same id under two types makes the urn ambiguous.
    auto [it, inserted] = urls.emplace(std::string(kUrnUuid) + p.id, p.type + "/" + p.id);
    if (!inserted) it->second.clear();
    pending.push_back(std::move(p));
  }
  return finish(pending, urls, "a resource in this file", file_name);  // non-blank: >= 1 line
}

}  // namespace

core::Result<std::vector<ImportedResource>> parse_import(
    std::string_view file_content, std::string_view file_name,
    const std::function<std::string()>& new_id) {
  std::string_view content = file_content;
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);  // UTF-8 BOM
  if (is_blank(content)) return fail("file is empty", file_name);
  if (ends_with_ci(file_name, ".ndjson") || ends_with_ci(file_name, ".jsonl")) {
    return import_ndjson(content, file_name, new_id);
  }

  std::string parse_error;
  std::optional<json> doc = try_parse(content, &parse_error);
  if (!doc) {
    // Not one JSON value: NDJSON under another name if its first non-blank line is an object.
    std::size_t start = content.find_first_not_of(" \t\r\n");
    std::size_t end = content.find('\n', start);
    if (end != std::string_view::npos && !is_blank(content.substr(end))) {
      std::optional<json> first = try_parse(content.substr(start, end - start), nullptr);
      if (first && first->is_object()) return import_ndjson(content, file_name, new_id);
    }
    return fail("not valid JSON (" + parse_error + ")", file_name);
  }
  if (!doc->is_object() || !doc->contains("resourceType")) {
    return fail("not a FHIR resource or Bundle (no JSON object with a resourceType)", file_name);
  }
  const json& rt = (*doc)["resourceType"];
  if (rt.is_string() && rt.get_ref<const std::string&>() == "Bundle") {
    return import_bundle(*doc, file_name, new_id);
  }
  std::vector<Pending> pending(1);
  if (auto err = check_resource(std::move(*doc), "resource", {}, new_id, pending[0])) {
    return fail("resource: " + *err, file_name);
  }
  UrlMap urls{{std::string(kUrnUuid) + pending[0].id, pending[0].type + "/" + pending[0].id}};
  return finish(pending, urls, "a resource in this file", file_name);
}

}  // namespace tessera::fhir
