#include "fhir/element_path.h"

#include <algorithm>
#include <array>

namespace tessera::fhir {
namespace {

// R4 data type names that may appear as the suffix of a choice element ([x]), sorted.
constexpr std::array<std::string_view, 50> kChoiceTypes = {{
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "Base64Binary",
    "Boolean",
    "Canonical",
    "Code",
    "CodeableConcept",
    "Coding",
    "ContactDetail",
    "ContactPoint",
    "Contributor",
    "Count",
    "DataRequirement",
    "Date",
    "DateTime",
    "Decimal",
    "Distance",
    "Dosage",
    "Duration",
    "Expression",
    "HumanName",
    "Id",
    "Identifier",
    "Instant",
    "Integer",
    "Markdown",
    "Meta",
    "Money",
    "Oid",
    "ParameterDefinition",
    "Period",
    "PositiveInt",
    "Quantity",
    "Range",
    "Ratio",
    "Reference",
    "RelatedArtifact",
    "SampledData",
    "Signature",
    "String",
    "Time",
    "Timing",
    "TriggerDefinition",
    "UnsignedInt",
    "Uri",
    "Url",
    "UsageContext",
    "Uuid",
}};

bool is_choice_type(std::string_view s) {
  return std::binary_search(kChoiceTypes.begin(), kChoiceTypes.end(), s);
}

void push_flat(const nlohmann::json& v, std::string_view choice, std::vector<PathMatch>& out) {
  if (v.is_array()) {
    for (const auto& item : v) {
      if (!item.is_null() && !item.is_array()) out.push_back({&item, std::string(choice)});
    }
  } else if (!v.is_null()) {
    out.push_back({&v, std::string(choice)});
  }
}

}  // namespace

std::vector<PathMatch> select_path(const nlohmann::json& resource, std::string_view path) {
  std::vector<PathMatch> current;
  if (!resource.is_object()) return current;
  std::size_t dot = path.find('.');
  std::string_view root = path.substr(0, dot);
  auto rt = resource.find("resourceType");
  if (rt == resource.end() || !rt->is_string() || rt->get_ref<const std::string&>() != root) {
    return current;
  }
  current.push_back({&resource, {}});
  while (dot != std::string_view::npos) {
    std::size_t next = path.find('.', dot + 1);
    std::string_view seg =
        path.substr(dot + 1, next == std::string_view::npos ? next : next - dot - 1);
    dot = next;
    if (seg.empty()) return {};
    std::vector<PathMatch> matched;
    for (const PathMatch& m : current) {
      if (!m.value->is_object()) continue;
      if (auto it = m.value->find(seg); it != m.value->end()) {
        push_flat(*it, {}, matched);
        continue;
      }
      for (auto it = m.value->begin(); it != m.value->end(); ++it) {
        const std::string& key = it.key();
        if (key.size() > seg.size() && key.compare(0, seg.size(), seg) == 0 &&
            is_choice_type(std::string_view(key).substr(seg.size()))) {
          push_flat(it.value(), std::string_view(key).substr(seg.size()), matched);
        }
      }
    }
    current = std::move(matched);
    if (current.empty()) break;
  }
  return current;
}

}  // namespace tessera::fhir
