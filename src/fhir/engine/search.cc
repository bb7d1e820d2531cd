#include "fhir/engine/search.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "fhir/compartment.h"
#include "fhir/reference.h"
#include "fhir/resource_types.h"
#include "fhir/search_match.h"

namespace tessera::fhir::engine {
namespace {

using store::DateCompare;
using store::Filter;
using K = store::Filter::Kind;

Filter leaf(K kind, std::string param) {
  Filter f;
  f.kind = kind;
  f.param = std::move(param);
  return f;
}

// Token values are parsed as fhir/search_match.h does (parse_token, unescape_bar).

std::optional<DateCompare> date_prefix(std::string_view p) {
  static constexpr std::pair<std::string_view, DateCompare> kPrefixes[] = {
      {"eq", DateCompare::kEq}, {"ne", DateCompare::kNe}, {"gt", DateCompare::kGt},
      {"lt", DateCompare::kLt}, {"ge", DateCompare::kGe}, {"le", DateCompare::kLe},
      {"sa", DateCompare::kSa}, {"eb", DateCompare::kEb}, {"ap", DateCompare::kAp}};
  for (const auto& [name, cmp] : kPrefixes) {
    if (name == p) return cmp;
  }
  return std::nullopt;
}

// One part of a value (already split on ','). nullopt: malformed (the caller decides whether that
// is an error or "matches nothing"). Filter::never() is a valid answer (e.g. an empty code).
// type_modifier: a reference parameter's `:Type` modifier, or empty.
std::optional<Filter> part_filter(const SearchParamDef& def, std::string_view part,
                                  std::string_view string_modifier,
                                  std::string_view type_modifier) {
  if (part.empty()) return Filter::never();
  switch (def.type) {
    case ParamType::kToken: {
      TokenQuery q = parse_token(part);
      if (!q.has_system) {
        if (q.code.empty()) return Filter::never();
        Filter f = leaf(K::kToken, def.name);
        f.value = std::move(q.code);
        return f;
      }
      if (q.code.empty()) {
        if (q.system.empty()) return Filter::never();
        Filter f = leaf(K::kTokenSystem, def.name);
        f.value = std::move(q.system);
        return f;
      }
      Filter f = leaf(K::kToken, def.name);
      f.value = std::move(q.code);
      f.system = std::move(q.system);
      return f;
    }
    case ParamType::kReference: {
      std::string v = unescape_bar(part);
      if (!type_modifier.empty()) {
        if (auto parsed = parse_reference(v)) {
          if (parsed->type != type_modifier) return Filter::never();
          v = parsed->id;
        }
        if (!is_valid_id(v)) return std::nullopt;
        Filter f = leaf(K::kValueIn, def.name);
        f.values.push_back(std::string(type_modifier) + "/" + v);
        return f;
      }
      if (auto norm = normalize_reference(v)) {
        Filter f = leaf(K::kValueIn, def.name);
        f.values.push_back(std::move(*norm));
        return f;
      }
      if (!is_valid_id(v)) return std::nullopt;
      if (!def.target.empty()) {  // rows only ever hold references to the target type
        Filter f = leaf(K::kValueIn, def.name);
        f.values.push_back(def.target + "/" + v);
        return f;
      }
      Filter f = leaf(K::kValueSuffix, def.name);
      f.value = "/" + v;
      return f;
    }
    case ParamType::kString: {
      std::string norm = normalize_search_string(unescape_bar(part));
      if (norm.empty()) return Filter::never();
      if (string_modifier == "exact") {
        Filter f = leaf(K::kValueIn, def.name);
        f.values.push_back(std::move(norm));
        return f;
      }
      Filter f = leaf(string_modifier == "contains" ? K::kContains : K::kPrefix, def.name);
      f.value = std::move(norm);
      return f;
    }
    case ParamType::kId: {
      Filter f = leaf(K::kId, def.name);
      f.values.push_back(unescape_bar(part));
      return f;
    }
    case ParamType::kUri: {
      Filter f = leaf(K::kValueIn, def.name);
      f.values.push_back(unescape_bar(part));
      return f;
    }
    case ParamType::kDate: {
      std::string_view prefix = "eq";
      std::string_view value = part;
      if (value.size() > 2 && value[0] >= 'a' && value[0] <= 'z') {
        prefix = value.substr(0, 2);
        value.remove_prefix(2);
      }
      auto cmp = date_prefix(prefix);
      auto range = parse_date_range(value);
      if (!cmp || !range) return std::nullopt;
      if (def.name == "_lastUpdated") {
        Filter f = leaf(K::kLastUpdated, def.name);
        f.compare = *cmp;
        f.low = range->first * 1000;
        f.high = range->second * 1000 + 999;
        return f;
      }
      Filter f = leaf(K::kDate, def.name);
      f.compare = *cmp;
      f.low = range->first;
      f.high = range->second;
      return f;
    }
    case ParamType::kNumber:
    case ParamType::kQuantity:
      return Filter::never();  // not indexed (row_matches: never)
  }
  return Filter::never();
}

// OR of the comma-separated parts; adjacent value-lists of one parameter merge into one IN list.
std::optional<Filter> value_filter(const SearchParamDef& def, std::string_view value,
                                   std::string_view string_modifier,
                                   std::string_view type_modifier) {
  std::vector<Filter> parts;
  for (const std::string& part : split_search_values(value)) {
    auto f = part_filter(def, part, string_modifier, type_modifier);
    if (!f) return std::nullopt;
    if (!parts.empty() && (f->kind == K::kValueIn || f->kind == K::kId) &&
        parts.back().kind == f->kind) {
      parts.back().values.push_back(std::move(f->values.front()));
      continue;
    }
    parts.push_back(std::move(*f));
  }
  return Filter::any(std::move(parts));
}

// Leaves plus list values: bounds the SQL size and its number of bound variables.
std::size_t cost(const Filter& f) {
  if (f.kind == K::kAll || f.kind == K::kAny) {
    std::size_t n = 0;
    for (const Filter& c : f.children) n += cost(c);
    return n;
  }
  return 1 + f.values.size();
}

bool is_compartment_param(std::string_view type, std::string_view name) {
  if (type == "Device") return name == "patient";
  const std::vector<std::string>* params = compartment_params(type);
  return params && std::find(params->begin(), params->end(), name) != params->end();
}

// Patient ids a reference value names: "Patient/x" (any form), or a bare id on a parameter that
// can only point at patients (`patient`) or that places resources in a Patient compartment
// (`subject`, `performer`, ...): naming another patient there is treated as naming a patient.
void collect_named_patients(std::string_view type, const SearchParamDef& def,
                            std::string_view value, std::string_view type_modifier,
                            std::vector<std::string>& out) {
  if (def.type == ParamType::kId) {
    if (type == "Patient") {
      for (const std::string& part : split_search_values(value)) out.push_back(unescape_bar(part));
    }
    return;
  }
  if (def.type != ParamType::kReference) return;
  for (const std::string& part : split_search_values(value)) {
    std::string v = unescape_bar(part);
    if (auto parsed = parse_reference(v)) {
      if (parsed->type == "Patient") out.push_back(parsed->id);
      continue;
    }
    if (!is_valid_id(v)) continue;
    if (type_modifier == "Patient" ||
        (type_modifier.empty() && (def.target == "Patient" ||
                                   (def.target.empty() && is_compartment_param(type, def.name))))) {
      out.push_back(std::move(v));
    }
  }
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

bool is_reference_param(std::string_view type, std::string_view name) {
  const SearchParamDef* def = find_search_param(type, name);
  return def && def->type == ParamType::kReference;
}

// "Source:param[:Target]". For _include the source must be the searched type.
std::optional<IncludeSpec> parse_include(std::string_view text, std::string_view search_type,
                                         bool rev) {
  IncludeSpec spec;
  std::size_t c1 = text.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  spec.source_type = std::string(text.substr(0, c1));
  std::string_view rest = text.substr(c1 + 1);
  std::size_t c2 = rest.find(':');
  spec.param = std::string(rest.substr(0, c2));
  if (c2 != std::string_view::npos) spec.target_type = std::string(rest.substr(c2 + 1));
  if (!is_known_resource_type(spec.source_type)) return std::nullopt;
  if (!rev && spec.source_type != search_type) return std::nullopt;
  if (!spec.target_type.empty() && !is_known_resource_type(spec.target_type)) return std::nullopt;
  if (spec.param != "*" && !is_reference_param(spec.source_type, spec.param)) return std::nullopt;
  return spec;
}

// Parameters that are known but have no effect here.
bool is_ignored_result_param(std::string_view name) {
  return name == "_format" || name == "_pretty" || name == "_elements";
}

bool is_rejected_param(std::string_view name) {
  return name == "_has" || name == "_filter" || name == "_query" || name == "_list" ||
         name == "_type";
}

}  // namespace

Outcome<ParsedSearch> parse_search(std::string_view type,
                                   const std::vector<std::pair<std::string, std::string>>& params,
                                   bool strict, const SearchLimits& limits) {
  ParsedSearch out;
  out.count = limits.default_count;
  std::vector<Filter> groups;
  std::size_t leaves = 0;

  for (const auto& param : params) {
    const std::string& raw_name = param.first;  // not a structured binding: lambdas capture these
    const std::string& raw_value = param.second;
    if (raw_value.empty()) continue;  // an empty value is no constraint
    const std::string_view full(raw_name);
    const std::size_t colon = full.find(':');
    const std::string_view name = full.substr(0, colon);
    const std::string_view modifier =
        colon == std::string_view::npos ? std::string_view() : full.substr(colon + 1);

    if (name.rfind("_has", 0) == 0 || is_rejected_param(name)) {
      return not_supported("search parameter " + std::string(name) + " is not supported");
    }
    if (name.find('.') != std::string_view::npos || modifier.find('.') != std::string_view::npos) {
      return not_supported("chained search parameters are not supported (" + raw_name + ")");
    }
    if (name == "_count" || name == "_offset") {
      auto v = parse_int(raw_value);
      if (!v) return bad_request(std::string(name) + " must be a non-negative integer");
      if (name == "_count") {
        if (*v == 0) {
          out.summary_count = true;
        } else {
          out.count = static_cast<int>(std::min<std::int64_t>(*v, limits.max_count));
        }
      } else {
        out.offset = std::min<std::int64_t>(*v, 1'000'000'000);
      }
      continue;
    }
    if (is_ignored_result_param(name)) continue;
    auto keep = [&] { out.link_params.emplace_back(raw_name, raw_value); };
    if (name == "_summary") {
      if (raw_value == "count") {
        out.summary_count = true;
      } else if (raw_value != "true" && raw_value != "false" && raw_value != "text" &&
                 raw_value != "data") {
        if (strict) return bad_request("unknown _summary value " + raw_value);
      }
      keep();
      continue;
    }
    if (name == "_total") {
      if (raw_value == "none") {
        out.with_total = false;
      } else if (raw_value != "accurate" && raw_value != "estimate" && strict) {
        return bad_request("unknown _total value " + raw_value);
      }
      keep();
      continue;
    }
    if (name == "_sort") {
      for (const std::string& key : split_search_values(raw_value)) {
        std::string_view k = key;
        bool desc = false;
        if (!k.empty() && k.front() == '-') {
          desc = true;
          k.remove_prefix(1);
        }
        const SearchParamDef* def = find_search_param(type, k);
        if (!def || (def->type != ParamType::kDate && k != "_id")) {
          if (strict) return not_supported("cannot sort " + std::string(type) + " by " + key);
          continue;
        }
        out.sort.push_back({std::string(k), desc});
      }
      keep();
      continue;
    }
    if (name == "_include" || name == "_revinclude") {
      // :iterate / :recurse are accepted but resolved one level deep.
      if (!modifier.empty() && modifier != "iterate" && modifier != "recurse") {
        return not_supported("modifier :" + std::string(modifier) + " is not supported on " +
                             std::string(name));
      }
      const bool rev = name == "_revinclude";
      for (const std::string& value : split_search_values(raw_value)) {
        auto spec = parse_include(value, type, rev);
        if (!spec) {
          if (strict) return bad_request("invalid " + std::string(name) + " value " + value);
          continue;
        }
        (rev ? out.revincludes : out.includes).push_back(std::move(*spec));
      }
      if (out.includes.size() + out.revincludes.size() > kMaxIncludes) {
        return Problem{http::Status::bad_request, "too-costly",
                       "at most " + std::to_string(kMaxIncludes) + " _include/_revinclude values"};
      }
      keep();
      continue;
    }

    const SearchParamDef* def = find_search_param(type, name);
    if (!def) {
      if (strict) {
        return bad_request("unknown search parameter " + std::string(name) + " for " +
                           std::string(type));
      }
      continue;  // lenient handling: ignored (and left out of the self link)
    }
    std::string_view string_modifier;
    std::string_view type_modifier;
    if (!modifier.empty()) {
      if (def->type == ParamType::kString && (modifier == "exact" || modifier == "contains")) {
        string_modifier = modifier;
      } else if (def->type == ParamType::kReference && is_known_resource_type(modifier)) {
        type_modifier = modifier;
      } else {
        return not_supported("modifier :" + std::string(modifier) + " is not supported on " +
                             std::string(name));
      }
    }
    std::string value = raw_value;
    if (def->type == ParamType::kDate) {
      // A literal '+' of a time-zone offset arrives as ' ' when the client did not %-encode it.
      std::replace(value.begin(), value.end(), ' ', '+');
    }
    auto f = value_filter(*def, value, string_modifier, type_modifier);
    if (!f) return bad_request("invalid value for search parameter " + raw_name + ": " + raw_value);
    collect_named_patients(type, *def, value, type_modifier, out.named_patients);
    leaves += cost(*f);
    if (leaves > kMaxSearchLeaves) {
      return Problem{http::Status::bad_request, "too-costly", "too many search values"};
    }
    groups.push_back(std::move(*f));
    keep();
  }
  out.filter = Filter::all(std::move(groups));
  std::sort(out.named_patients.begin(), out.named_patients.end());
  out.named_patients.erase(std::unique(out.named_patients.begin(), out.named_patients.end()),
                           out.named_patients.end());
  return out;
}

store::Filter constraint_filter(std::string_view type, std::string_view param,
                                std::string_view value) {
  const SearchParamDef* def = find_search_param(type, param);
  if (!def) return Filter::never();
  auto f = value_filter(*def, value, {}, {});
  return f ? std::move(*f) : Filter::never();
}

store::Filter constraint_sets_filter(std::string_view type,
                                     const std::vector<std::vector<scopes::Constraint>>& sets) {
  if (sets.empty()) return Filter::always();
  std::vector<Filter> any;
  for (const auto& set : sets) {
    std::vector<Filter> all;
    for (const scopes::Constraint& c : set)
      all.push_back(constraint_filter(type, c.param, c.value));
    any.push_back(Filter::all(std::move(all)));
  }
  return Filter::any(std::move(any));
}

std::vector<std::string> implied_patients(std::string_view type, const store::Filter& filter) {
  const std::vector<CompartmentParam>* compartment = compartment_definition(type);
  if (!compartment) return {};  // also Device, whose compartment rows come from Device.patient
  auto read_by_compartment = [&](const std::string& path) {
    return std::any_of(compartment->begin(), compartment->end(), [&](const CompartmentParam& c) {
      return std::find(c.paths.begin(), c.paths.end(), path) != c.paths.end();
    });
  };
  auto patients_of = [&](const Filter& f) -> std::vector<std::string> {
    if (f.kind != K::kValueIn || f.values.empty()) return {};
    const SearchParamDef* def = find_search_param(type, f.param);
    if (!def || def->type != ParamType::kReference || def->paths.empty() ||
        !std::all_of(def->paths.begin(), def->paths.end(), read_by_compartment)) {
      return {};
    }
    constexpr std::string_view kPrefix = "Patient/";
    std::vector<std::string> out;
    for (const std::string& v : f.values) {
      if (v.size() <= kPrefix.size() || v.compare(0, kPrefix.size(), kPrefix) != 0) return {};
      out.push_back(v.substr(kPrefix.size()));
    }
    return out;
  };
  if (filter.kind != K::kAll) return patients_of(filter);
  for (const Filter& c : filter.children) {
    if (std::vector<std::string> p = patients_of(c); !p.empty()) return p;
  }
  return {};
}

store::Filter access_filter(std::string_view type, const std::vector<Permit>& permits,
                            const std::vector<std::string>& implied) {
  const bool patient_data = is_patient_data_type(type);
  std::vector<Filter> any;
  for (const Permit& p : permits) {
    std::vector<Filter> all;
    if (patient_data && p.patients) {
      if (p.patients->empty()) continue;  // reaches no patient's data
      const bool confined =
          !implied.empty() &&
          std::all_of(implied.begin(), implied.end(), [&](const std::string& x) {
            return std::find(p.patients->begin(), p.patients->end(), x) != p.patients->end();
          });
      if (!confined) {
        Filter c = leaf(K::kInCompartment, {});
        c.values = *p.patients;
        all.push_back(std::move(c));
      }
    }
    all.push_back(constraint_sets_filter(type, p.constraint_sets));
    any.push_back(Filter::all(std::move(all)));
  }
  return Filter::any(std::move(any));
}

}  // namespace tessera::fhir::engine
