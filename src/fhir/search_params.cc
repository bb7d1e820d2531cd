#include "fhir/search_params.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "fhir/element_path.h"
#include "fhir/reference.h"
#include "fhir/resource_types.h"

namespace tessera::fhir {
namespace {

using PT = ParamType;

struct Row {
  std::string_view type;
  std::string_view name;
  ParamType ptype;
  std::string_view path;
  std::string_view target = {};  // reference target type filter
};

// R4 (4.0.1) SearchParameter definitions, one row per element path (a parameter whose expression
// is `A | B` has two rows). `X.where(resolve() is Patient)` becomes target "Patient". Besides the
// US Core set this includes the Patient-compartment parameters of these types (Patient.link,
// Coverage.policy-holder, MedicationDispense.receiver, Claim.payee), so a compartment search can be
// expressed as searches.
constexpr Row kRows[] = {
    // Patient
    {"Patient", "identifier", PT::kToken, "Patient.identifier"},
    {"Patient", "name", PT::kString, "Patient.name"},
    {"Patient", "family", PT::kString, "Patient.name.family"},
    {"Patient", "given", PT::kString, "Patient.name.given"},
    {"Patient", "birthdate", PT::kDate, "Patient.birthDate"},
    {"Patient", "gender", PT::kToken, "Patient.gender"},
    {"Patient", "general-practitioner", PT::kReference, "Patient.generalPractitioner"},
    {"Patient", "link", PT::kReference, "Patient.link.other"},
    // Observation
    {"Observation", "patient", PT::kReference, "Observation.subject", "Patient"},
    {"Observation", "subject", PT::kReference, "Observation.subject"},
    {"Observation", "category", PT::kToken, "Observation.category"},
    {"Observation", "code", PT::kToken, "Observation.code"},
    {"Observation", "date", PT::kDate, "Observation.effective"},
    {"Observation", "status", PT::kToken, "Observation.status"},
    {"Observation", "encounter", PT::kReference, "Observation.encounter"},
    {"Observation", "performer", PT::kReference, "Observation.performer"},
    // Condition
    {"Condition", "patient", PT::kReference, "Condition.subject", "Patient"},
    {"Condition", "subject", PT::kReference, "Condition.subject"},
    {"Condition", "category", PT::kToken, "Condition.category"},
    {"Condition", "code", PT::kToken, "Condition.code"},
    {"Condition", "clinical-status", PT::kToken, "Condition.clinicalStatus"},
    {"Condition", "onset-date", PT::kDate, "Condition.onset"},
    {"Condition", "encounter", PT::kReference, "Condition.encounter"},
    {"Condition", "asserter", PT::kReference, "Condition.asserter"},
    // Encounter
    {"Encounter", "patient", PT::kReference, "Encounter.subject", "Patient"},
    {"Encounter", "subject", PT::kReference, "Encounter.subject"},
    {"Encounter", "date", PT::kDate, "Encounter.period"},
    {"Encounter", "status", PT::kToken, "Encounter.status"},
    {"Encounter", "class", PT::kToken, "Encounter.class"},
    {"Encounter", "type", PT::kToken, "Encounter.type"},
    {"Encounter", "identifier", PT::kToken, "Encounter.identifier"},
    {"Encounter", "participant", PT::kReference, "Encounter.participant.individual"},
    // MedicationRequest
    {"MedicationRequest", "patient", PT::kReference, "MedicationRequest.subject", "Patient"},
    {"MedicationRequest", "subject", PT::kReference, "MedicationRequest.subject"},
    {"MedicationRequest", "status", PT::kToken, "MedicationRequest.status"},
    {"MedicationRequest", "intent", PT::kToken, "MedicationRequest.intent"},
    {"MedicationRequest", "authoredon", PT::kDate, "MedicationRequest.authoredOn"},
    {"MedicationRequest", "encounter", PT::kReference, "MedicationRequest.encounter"},
    {"MedicationRequest", "requester", PT::kReference, "MedicationRequest.requester"},
    // AllergyIntolerance
    {"AllergyIntolerance", "patient", PT::kReference, "AllergyIntolerance.patient"},
    {"AllergyIntolerance", "clinical-status", PT::kToken, "AllergyIntolerance.clinicalStatus"},
    {"AllergyIntolerance", "recorder", PT::kReference, "AllergyIntolerance.recorder"},
    {"AllergyIntolerance", "asserter", PT::kReference, "AllergyIntolerance.asserter"},
    // Immunization
    {"Immunization", "patient", PT::kReference, "Immunization.patient"},
    {"Immunization", "date", PT::kDate, "Immunization.occurrence"},
    {"Immunization", "status", PT::kToken, "Immunization.status"},
    {"Immunization", "performer", PT::kReference, "Immunization.performer.actor"},
    // Procedure
    {"Procedure", "patient", PT::kReference, "Procedure.subject", "Patient"},
    {"Procedure", "subject", PT::kReference, "Procedure.subject"},
    {"Procedure", "date", PT::kDate, "Procedure.performed"},
    {"Procedure", "code", PT::kToken, "Procedure.code"},
    {"Procedure", "status", PT::kToken, "Procedure.status"},
    {"Procedure", "performer", PT::kReference, "Procedure.performer.actor"},
    // DiagnosticReport
    {"DiagnosticReport", "patient", PT::kReference, "DiagnosticReport.subject", "Patient"},
    {"DiagnosticReport", "subject", PT::kReference, "DiagnosticReport.subject"},
    {"DiagnosticReport", "category", PT::kToken, "DiagnosticReport.category"},
    {"DiagnosticReport", "code", PT::kToken, "DiagnosticReport.code"},
    {"DiagnosticReport", "date", PT::kDate, "DiagnosticReport.effective"},
    {"DiagnosticReport", "status", PT::kToken, "DiagnosticReport.status"},
    {"DiagnosticReport", "performer", PT::kReference, "DiagnosticReport.performer"},
    {"DiagnosticReport", "result", PT::kReference, "DiagnosticReport.result"},
    // DocumentReference
    {"DocumentReference", "patient", PT::kReference, "DocumentReference.subject", "Patient"},
    {"DocumentReference", "subject", PT::kReference, "DocumentReference.subject"},
    {"DocumentReference", "category", PT::kToken, "DocumentReference.category"},
    {"DocumentReference", "type", PT::kToken, "DocumentReference.type"},
    {"DocumentReference", "date", PT::kDate, "DocumentReference.date"},
    {"DocumentReference", "status", PT::kToken, "DocumentReference.status"},
    {"DocumentReference", "period", PT::kDate, "DocumentReference.context.period"},
    {"DocumentReference", "author", PT::kReference, "DocumentReference.author"},
    // CarePlan
    {"CarePlan", "patient", PT::kReference, "CarePlan.subject", "Patient"},
    {"CarePlan", "subject", PT::kReference, "CarePlan.subject"},
    {"CarePlan", "category", PT::kToken, "CarePlan.category"},
    {"CarePlan", "date", PT::kDate, "CarePlan.period"},
    {"CarePlan", "status", PT::kToken, "CarePlan.status"},
    {"CarePlan", "performer", PT::kReference, "CarePlan.activity.detail.performer"},
    // CareTeam
    {"CareTeam", "patient", PT::kReference, "CareTeam.subject", "Patient"},
    {"CareTeam", "subject", PT::kReference, "CareTeam.subject"},
    {"CareTeam", "status", PT::kToken, "CareTeam.status"},
    {"CareTeam", "participant", PT::kReference, "CareTeam.participant.member"},
    // Goal
    {"Goal", "patient", PT::kReference, "Goal.subject", "Patient"},
    {"Goal", "subject", PT::kReference, "Goal.subject"},
    {"Goal", "lifecycle-status", PT::kToken, "Goal.lifecycleStatus"},
    {"Goal", "target-date", PT::kDate, "Goal.target.due"},
    // Device
    {"Device", "patient", PT::kReference, "Device.patient"},
    {"Device", "type", PT::kToken, "Device.type"},
    // Provenance
    {"Provenance", "patient", PT::kReference, "Provenance.target", "Patient"},
    {"Provenance", "target", PT::kReference, "Provenance.target"},
    {"Provenance", "agent", PT::kReference, "Provenance.agent.who"},
    // ServiceRequest
    {"ServiceRequest", "patient", PT::kReference, "ServiceRequest.subject", "Patient"},
    {"ServiceRequest", "subject", PT::kReference, "ServiceRequest.subject"},
    {"ServiceRequest", "category", PT::kToken, "ServiceRequest.category"},
    {"ServiceRequest", "code", PT::kToken, "ServiceRequest.code"},
    {"ServiceRequest", "status", PT::kToken, "ServiceRequest.status"},
    {"ServiceRequest", "authored", PT::kDate, "ServiceRequest.authoredOn"},
    {"ServiceRequest", "requester", PT::kReference, "ServiceRequest.requester"},
    {"ServiceRequest", "performer", PT::kReference, "ServiceRequest.performer"},
    // Coverage
    {"Coverage", "patient", PT::kReference, "Coverage.beneficiary"},
    {"Coverage", "beneficiary", PT::kReference, "Coverage.beneficiary"},
    {"Coverage", "subscriber", PT::kReference, "Coverage.subscriber"},
    {"Coverage", "payor", PT::kReference, "Coverage.payor"},
    {"Coverage", "policy-holder", PT::kReference, "Coverage.policyHolder"},
    // MedicationDispense
    {"MedicationDispense", "patient", PT::kReference, "MedicationDispense.subject", "Patient"},
    {"MedicationDispense", "subject", PT::kReference, "MedicationDispense.subject"},
    {"MedicationDispense", "status", PT::kToken, "MedicationDispense.status"},
    {"MedicationDispense", "type", PT::kToken, "MedicationDispense.type"},
    {"MedicationDispense", "performer", PT::kReference, "MedicationDispense.performer.actor"},
    {"MedicationDispense", "receiver", PT::kReference, "MedicationDispense.receiver"},
    // Specimen
    {"Specimen", "patient", PT::kReference, "Specimen.subject", "Patient"},
    {"Specimen", "subject", PT::kReference, "Specimen.subject"},
    {"Specimen", "type", PT::kToken, "Specimen.type"},
    // Claim
    {"Claim", "patient", PT::kReference, "Claim.patient"},
    {"Claim", "provider", PT::kReference, "Claim.provider"},
    {"Claim", "payee", PT::kReference, "Claim.payee.party"},
    // ImagingStudy
    {"ImagingStudy", "patient", PT::kReference, "ImagingStudy.subject", "Patient"},
    {"ImagingStudy", "subject", PT::kReference, "ImagingStudy.subject"},
    // Practitioner
    {"Practitioner", "identifier", PT::kToken, "Practitioner.identifier"},
    {"Practitioner", "name", PT::kString, "Practitioner.name"},
    // RelatedPerson
    {"RelatedPerson", "patient", PT::kReference, "RelatedPerson.patient"},
    {"RelatedPerson", "identifier", PT::kToken, "RelatedPerson.identifier"},
    {"RelatedPerson", "name", PT::kString, "RelatedPerson.name"},
    // Organization
    {"Organization", "name", PT::kString, "Organization.name"},
    {"Organization", "name", PT::kString, "Organization.alias"},
    {"Organization", "identifier", PT::kToken, "Organization.identifier"},
    // Location
    {"Location", "name", PT::kString, "Location.name"},
    {"Location", "name", PT::kString, "Location.alias"},
};

using Table = std::map<std::string, std::vector<SearchParamDef>, std::less<>>;

const Table& table() {
  static const Table kTable = [] {
    Table t;
    for (std::string_view type : all_resource_types()) {
      std::vector<SearchParamDef>& defs = t[std::string(type)];
      defs.push_back({"_id", PT::kId, {std::string(type) + ".id"}, {}});
      defs.push_back({"_lastUpdated", PT::kDate, {std::string(type) + ".meta.lastUpdated"}, {}});
    }
    for (const Row& row : kRows) {
      std::vector<SearchParamDef>& defs = t.at(std::string(row.type));  // types are all R4
      auto it = std::find_if(defs.begin(), defs.end(),
                             [&](const SearchParamDef& d) { return d.name == row.name; });
      if (it == defs.end()) {
        defs.push_back({std::string(row.name), row.ptype, {}, std::string(row.target)});
        it = defs.end() - 1;
      }
      it->paths.emplace_back(row.path);
    }
    for (auto& [type, defs] : t) {
      std::sort(defs.begin(), defs.end(),
                [](const SearchParamDef& a, const SearchParamDef& b) { return a.name < b.name; });
    }
    return t;
  }();
  return kTable;
}

const std::string* string_at(const nlohmann::json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

void add_token(const SearchParamDef& def, std::string system, std::string value,
               std::vector<IndexEntry>& out) {
  if (value.empty()) return;
  out.push_back({def.name, def.type, std::move(system), std::move(value), 0, 0});
}

void add_coding(const SearchParamDef& def, const nlohmann::json& coding,
                std::vector<IndexEntry>& out) {
  if (!coding.is_object()) return;
  const std::string* code = string_at(coding, "code");
  if (!code) return;
  const std::string* system = string_at(coding, "system");
  add_token(def, system ? *system : std::string(), *code, out);
}

// Token: code/string/uri primitives, boolean, Coding, CodeableConcept, Identifier, ContactPoint.
void extract_token(const SearchParamDef& def, const nlohmann::json& v,
                   std::vector<IndexEntry>& out) {
  if (v.is_string()) {
    add_token(def, {}, v.get<std::string>(), out);
  } else if (v.is_boolean()) {
    add_token(def, {}, v.get<bool>() ? "true" : "false", out);
  } else if (v.is_object()) {
    if (auto coding = v.find("coding"); coding != v.end() && coding->is_array()) {
      for (const auto& c : *coding) add_coding(def, c, out);  // CodeableConcept
    } else if (string_at(v, "code")) {
      add_coding(def, v, out);  // Coding
    } else if (const std::string* value = string_at(v, "value")) {
      const std::string* system = string_at(v, "system");  // Identifier, ContactPoint
      add_token(def, system ? *system : std::string(), *value, out);
    }
  }
}

void extract_reference(const SearchParamDef& def, const nlohmann::json& v,
                       std::vector<IndexEntry>& out) {
  if (!v.is_object()) return;
  const std::string* ref = string_at(v, "reference");
  if (!ref) return;
  auto parsed = parse_reference(*ref);
  if (!parsed || (!def.target.empty() && parsed->type != def.target)) return;
  out.push_back({def.name, def.type, {}, parsed->type + "/" + parsed->id, 0, 0});
}

void add_date_string(const SearchParamDef& def, const nlohmann::json& v,
                     std::vector<IndexEntry>& out) {
  if (!v.is_string()) return;
  if (auto r = parse_date_range(v.get_ref<const std::string&>())) {
    out.push_back({def.name, def.type, {}, {}, r->first, r->second});
  }
}

// Period: open ends become kDateMin/kDateMax; a malformed start or end skips the Period.
void add_period(const SearchParamDef& def, const nlohmann::json& p, std::vector<IndexEntry>& out) {
  auto start = p.find("start");
  auto end = p.find("end");
  bool has_start = start != p.end() && !start->is_null();
  bool has_end = end != p.end() && !end->is_null();
  if (!has_start && !has_end) return;
  std::int64_t low = kDateMin;
  std::int64_t high = kDateMax;
  if (has_start) {
    auto r =
        start->is_string() ? parse_date_range(start->get_ref<const std::string&>()) : std::nullopt;
    if (!r) return;
    low = r->first;
  }
  if (has_end) {
    auto r = end->is_string() ? parse_date_range(end->get_ref<const std::string&>()) : std::nullopt;
    if (!r) return;
    high = r->second;
  }
  out.push_back({def.name, def.type, {}, {}, low, high});
}

void extract_date(const SearchParamDef& def, const PathMatch& m, std::vector<IndexEntry>& out) {
  const std::string& choice = m.choice_type;
  const nlohmann::json& v = *m.value;
  if (!choice.empty() && choice != "Date" && choice != "DateTime" && choice != "Instant" &&
      choice != "Period" && choice != "Timing") {
    return;  // e.g. onsetAge, performedString, dueDuration
  }
  if (v.is_string()) {
    add_date_string(def, v, out);
  } else if (v.is_object()) {
    if (v.contains("start") || v.contains("end")) {
      add_period(def, v, out);
    } else if (v.contains("event") || v.contains("repeat")) {  // Timing
      if (auto events = v.find("event"); events != v.end() && events->is_array()) {
        for (const auto& e : *events) add_date_string(def, e, out);
      }
      if (auto repeat = v.find("repeat"); repeat != v.end() && repeat->is_object()) {
        if (auto bounds = repeat->find("boundsPeriod");
            bounds != repeat->end() && bounds->is_object()) {
          add_period(def, *bounds, out);
        }
      }
    }
  }
}

void add_string(const SearchParamDef& def, const nlohmann::json& v, std::vector<IndexEntry>& out) {
  if (!v.is_string()) return;
  std::string norm = normalize_search_string(v.get_ref<const std::string&>());
  if (!norm.empty()) out.push_back({def.name, def.type, {}, std::move(norm), 0, 0});
}

void add_string_parts(const SearchParamDef& def, const nlohmann::json& obj,
                      std::initializer_list<std::string_view> keys, std::vector<IndexEntry>& out) {
  for (std::string_view key : keys) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    if (it->is_array()) {
      for (const auto& part : *it) add_string(def, part, out);
    } else {
      add_string(def, *it, out);
    }
  }
}

// String: plain strings, HumanName and Address (one row per part).
void extract_string(const SearchParamDef& def, const nlohmann::json& v,
                    std::vector<IndexEntry>& out) {
  if (v.is_string()) {
    add_string(def, v, out);
  } else if (v.is_object()) {
    add_string_parts(def, v,
                     {"text", "family", "given", "prefix", "suffix", "line", "city", "district",
                      "state", "postalCode", "country"},
                     out);
  }
}

}  // namespace

std::string_view param_type_name(ParamType type) {
  switch (type) {
    case PT::kToken:
      return "token";
    case PT::kReference:
      return "reference";
    case PT::kDate:
      return "date";
    case PT::kString:
      return "string";
    case PT::kId:
      return "id";
    case PT::kNumber:
      return "number";
    case PT::kQuantity:
      return "quantity";
    case PT::kUri:
      return "uri";
  }
  return "unknown";
}

const std::vector<SearchParamDef>* search_params(std::string_view resource_type) {
  const Table& t = table();
  auto it = t.find(resource_type);
  return it == t.end() ? nullptr : &it->second;
}

const SearchParamDef* find_search_param(std::string_view resource_type, std::string_view name) {
  const std::vector<SearchParamDef>* defs = search_params(resource_type);
  if (!defs) return nullptr;
  for (const SearchParamDef& d : *defs) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<std::string> search_param_names(std::string_view resource_type) {
  std::vector<std::string> names;
  if (const std::vector<SearchParamDef>* defs = search_params(resource_type)) {
    for (const SearchParamDef& d : *defs) names.push_back(d.name);  // already sorted by name
  }
  return names;
}

std::vector<IndexEntry> extract_param(const nlohmann::json& resource, const SearchParamDef& def) {
  std::vector<IndexEntry> out;
  for (const std::string& path : def.paths) {
    for (const PathMatch& m : select_path(resource, path)) {
      switch (def.type) {
        case PT::kToken:
          extract_token(def, *m.value, out);
          break;
        case PT::kReference:
          extract_reference(def, *m.value, out);
          break;
        case PT::kDate:
          extract_date(def, m, out);
          break;
        case PT::kString:
          extract_string(def, *m.value, out);
          break;
        case PT::kId:
          if (m.value->is_string() && is_valid_id(m.value->get_ref<const std::string&>())) {
            out.push_back({def.name, def.type, {}, m.value->get<std::string>(), 0, 0});
          }
          break;
        case PT::kUri:
          if (m.value->is_string() && !m.value->get_ref<const std::string&>().empty()) {
            out.push_back({def.name, def.type, {}, m.value->get<std::string>(), 0, 0});
          }
          break;
        case PT::kNumber:
        case PT::kQuantity:
          break;  // no such parameter is defined yet
      }
    }
  }
  auto key = [](const IndexEntry& e) {
    return std::tie(e.param, e.system, e.value, e.low, e.high);
  };
  std::sort(out.begin(), out.end(),
            [&](const IndexEntry& a, const IndexEntry& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<IndexEntry> extract_index(const nlohmann::json& resource) {
  std::vector<IndexEntry> out;
  if (!resource.is_object()) return out;
  auto rt = resource.find("resourceType");
  if (rt == resource.end() || !rt->is_string()) return out;
  const std::vector<SearchParamDef>* defs = search_params(rt->get_ref<const std::string&>());
  if (!defs) return out;
  for (const SearchParamDef& def : *defs) {
    if (def.name == "_lastUpdated") continue;  // the store indexes it from its own clock
    std::vector<IndexEntry> rows = extract_param(resource, def);
    out.insert(out.end(), std::make_move_iterator(rows.begin()),
               std::make_move_iterator(rows.end()));
  }
  return out;
}

std::string normalize_search_string(std::string_view text) {
  // Latin-1 Supplement U+00C0..U+00FF (UTF-8 C3 80..C3 BF) folded to ASCII; "" = keep as is.
  static constexpr std::string_view kFold[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == 0xC3 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0xBF && !kFold[next - 0x80].empty()) {
        out.append(kFold[next - 0x80]);
        ++i;
      } else {
        out.push_back(text[i]);
      }
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace tessera::fhir
