#include "fhir/reference.h"

#include <vector>

#include "fhir/resource_types.h"

namespace tessera::fhir {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

std::optional<ParsedReference> parse_reference(std::string_view reference) {
  if (reference.empty() || reference.size() > 4096) return std::nullopt;
  if (reference.find_first_of("?#") != std::string_view::npos) return std::nullopt;
  if (reference.substr(0, 4) == "urn:") return std::nullopt;

  std::string_view path = reference;
  bool absolute = false;
  if (std::size_t scheme = reference.find("://"); scheme != std::string_view::npos) {
    absolute = true;
    std::string_view rest = reference.substr(scheme + 3);
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) return std::nullopt;  // no path / no host
    path = rest.substr(slash + 1);
  }
  std::vector<std::string_view> segs = split_path(path);
  if (segs.size() >= 4 && segs[segs.size() - 2] == "_history") {
    if (!is_valid_id(segs.back())) return std::nullopt;
    segs.resize(segs.size() - 2);
  }
  if (segs.size() < 2 || (!absolute && segs.size() != 2)) return std::nullopt;
  std::string_view type = segs[segs.size() - 2];
  std::string_view id = segs.back();
  if (!is_known_resource_type(type) || !is_valid_id(id)) return std::nullopt;
  return ParsedReference{std::string(type), std::string(id)};
}

std::optional<std::string> normalize_reference(std::string_view reference) {
  auto parsed = parse_reference(reference);
  if (!parsed) return std::nullopt;
  return parsed->type + "/" + parsed->id;
}

}  // namespace tessera::fhir
