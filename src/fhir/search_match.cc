#include "fhir/search_match.h"

#include "fhir/reference.h"
#include "fhir/resource_types.h"

namespace tessera::fhir {
namespace {

bool date_matches(const IndexEntry& row, std::string_view value) {
  std::string_view prefix = "eq";
  if (value.size() > 2 && value[0] >= 'a' && value[0] <= 'z') {
    prefix = value.substr(0, 2);
    value.remove_prefix(2);
  }
  auto range = parse_date_range(value);
  if (!range) return false;
  const auto [sl, sh] = *range;
  const std::int64_t tl = row.low;
  const std::int64_t th = row.high;
  const bool contained = sl <= tl && th <= sh;
  if (prefix == "eq") return contained;
  if (prefix == "ne") return !contained;
  if (prefix == "gt") return th > sh;
  if (prefix == "lt") return tl < sl;
  if (prefix == "ge") return th > sh || contained;
  if (prefix == "le") return tl < sl || contained;
  if (prefix == "sa") return tl > sh;
  if (prefix == "eb") return th < sl;
  if (prefix == "ap") return tl <= sh && th >= sl;  // approximation: overlap
  return false;
}

}  // namespace

std::vector<std::string> split_search_values(std::string_view value) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' && i + 1 < value.size()) {
      const char n = value[i + 1];
      if (n == ',' || n == '$' || n == '\\') {
        parts.back().push_back(n);
        ++i;
        continue;
      }
      if (n == '|') {  // kept escaped for parse_token
        parts.back().append("\\|");
        ++i;
        continue;
      }
    }
    if (c == ',') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

bool row_matches(const IndexEntry& row, std::string_view value) {
  if (value.empty()) return false;
  switch (row.type) {
    case ParamType::kToken: {
      TokenQuery q = parse_token(value);
      if (!q.has_system) return !q.code.empty() && row.value == q.code;
      if (q.code.empty()) return !q.system.empty() && row.system == q.system;  // "system|"
      return row.system == q.system && row.value == q.code;  // "|code" needs an empty system
    }
    case ParamType::kReference: {
      std::string v = unescape_bar(value);
      if (auto norm = normalize_reference(v)) return row.value == *norm;
      if (!is_valid_id(v)) return false;
      const std::size_t slash = row.value.find('/');
      return slash != std::string::npos && row.value.compare(slash + 1, std::string::npos, v) == 0;
    }
    case ParamType::kString: {
      std::string norm = normalize_search_string(unescape_bar(value));
      return !norm.empty() && row.value.compare(0, norm.size(), norm) == 0;
    }
    case ParamType::kId:
    case ParamType::kUri:
      return row.value == unescape_bar(value);
    case ParamType::kDate:
      return date_matches(row, value);
    case ParamType::kNumber:
    case ParamType::kQuantity:
      return false;
  }
  return false;
}

bool resource_matches(const nlohmann::json& resource, std::string_view param,
                      std::string_view value) {
  if (!resource.is_object()) return false;
  auto rt = resource.find("resourceType");
  if (rt == resource.end() || !rt->is_string()) return false;
  const SearchParamDef* def = find_search_param(rt->get_ref<const std::string&>(), param);
  if (!def) return false;
  const std::vector<IndexEntry> rows = extract_param(resource, *def);
  for (const std::string& part : split_search_values(value)) {
    for (const IndexEntry& row : rows) {
      if (row_matches(row, part)) return true;
    }
  }
  return false;
}

TokenQuery parse_token(std::string_view v) {
  TokenQuery q;
  std::string* out = &q.code;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && v[i + 1] == '|') {
      out->push_back('|');
      ++i;
    } else if (v[i] == '|' && !q.has_system) {
      q.has_system = true;
      q.system = std::move(q.code);
      q.code.clear();
    } else {
      out->push_back(v[i]);
    }
  }
  return q;
}

std::string unescape_bar(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && v[i + 1] == '|') ++i;
    out.push_back(v[i]);
  }
  return out;
}

}  // namespace tessera::fhir
