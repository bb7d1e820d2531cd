// SqliteFhirEngine: the FHIR R4 REST interactions over store::ResourceStore, and their access
// checks.
//
// Policy choices (how the AccessPolicy of access.h is enforced; RS-4, SCOPE-2, SCOPE-6, SCOPE-10,
// SCOPE-11):
//  1. Scopes first. Every interaction asks policy.decide(type, interaction) with the SCOPE-2
//     mapping (read/vread/history-instance: r; search: s; create: c; update: u; delete: d). Not
//     allowed -> 403 OperationOutcome "forbidden", diagnostics "insufficient_scope: ...", never an
//     empty 200 Bundle (RS-5). SCOPE-10: write permissions never let anything be read.
//  2. Existence is not leaked: a read, vread or history of a resource that exists but passes no
//     permit is 404, exactly like an absent one. A deleted resource is 410 only if it passes.
//  3. The token's fhir_user_reference() resource ("Practitioner/9") is always readable (read,
//     vread, _include), even without a read scope for its type: the app was granted the right to
//     learn who its user is. Not when it is patient data (a Patient or RelatedPerson user): that
//     follows the permits like any other record, so a parent acting for her child with a
//     patient/ token does not read her own Patient resource with it (RS-4 over convenience).
//  4. A search that names a patient outside every permit (patient=, subject= with or without
//     "Patient/", _id on Patient, any reference value Patient/x) is 403: the app knows its patient,
//     and naming another one is a violation whether or not that patient exists.
//  5. Other searches are limited to the permitted compartments and to the scope constraints in SQL
//     (access_filter), so totals and paging count permitted resources only. A search whose own
//     parameters conflict with a constraint returns the matching-and-permitted resources (often
//     none). When its own reference condition already confines it to permitted compartments
//     (Observation?patient=x for x's token: implied_patients), the compartment condition is left
//     out of the SQL as redundant.
//  6. _include / _revinclude results are checked one by one against the read-or-search permits of
//     their type; if any would be outside every permit the whole request is 403.
//  7. Writes: the submitted resource must pass a create/update permit with *every* patient whose
//     data it is inside the permit (Reach::kAllPatients: no writing into another patient's
//     compartment, no patient-data resource outside any compartment); for update and delete the
//     stored resource must pass the same way (no moving a resource out of a compartment) -> 403.
//  8. Device is not in R4's Patient compartment but carries patient data: patient-restricted
//     permits treat it by Device.patient (stored in `compartments` like compartment members).
//  9. Types outside the Patient compartment (Organization, Practitioner, Medication, ...) pass
//     patient-restricted permits, as access.h defines.
#include "fhir/engine/sqlite_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <set>

#include "fhir/bundle_import.h"
#include "fhir/engine/common.h"
#include "fhir/engine/permits.h"
#include "fhir/engine/search.h"
#include "fhir/operation_outcome.h"
#include "fhir/resource_types.h"
#include "fhir/search_params.h"

namespace tessera::fhir {

using engine::Outcome;
using engine::Problem;
using http::Field;
using http::Status;
using http::Verb;
using nlohmann::json;
using scopes::Interaction;

namespace {

constexpr std::size_t kMaxRevincludes = 1000;

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool is_supported_type(std::string_view type) {
  return type != "Parameters" && is_known_resource_type(type);
}

std::vector<std::string_view> split_path(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::vector<std::string_view> out;
  if (path.empty()) return out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t slash = path.find('/', pos);
    out.push_back(path.substr(pos, slash == std::string_view::npos ? path.npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Every token of every Prefer header, lowercased, e.g. {"return=minimal", "handling=strict"}.
std::vector<std::string> prefer_tokens(const http::Request& req) {
  std::vector<std::string> out;
  for (const auto& field : req) {
    if (!http::iequals(field.name_string(), "prefer")) continue;
    std::string_view v = field.value();
    std::size_t pos = 0;
    while (pos <= v.size()) {
      std::size_t sep = v.find_first_of(",;", pos);
      std::string_view part = v.substr(pos, sep == std::string_view::npos ? v.npos : sep - pos);
      while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
      while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
      std::string token = lower(part);
      token.erase(std::remove(token.begin(), token.end(), ' '), token.end());
      token.erase(std::remove(token.begin(), token.end(), '"'), token.end());
      if (!token.empty()) out.push_back(std::move(token));
      if (sep == std::string_view::npos) break;
      pos = sep + 1;
    }
  }
  return out;
}

bool prefers(const std::vector<std::string>& tokens, std::string_view token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

std::optional<std::int64_t> parse_positive(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// If-Match: W/"3", "3" or 3.
std::optional<std::int64_t> parse_etag(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.size() >= 2 && (v.substr(0, 2) == "W/" || v.substr(0, 2) == "w/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return parse_positive(v);
}

std::string interaction_name(Interaction i) {
  switch (i) {
    case Interaction::kCreate:
      return "create";
    case Interaction::kRead:
      return "read";
    case Interaction::kVread:
      return "vread";
    case Interaction::kHistoryInstance:
      return "history";
    case Interaction::kUpdate:
      return "update";
    case Interaction::kPatch:
      return "patch";
    case Interaction::kDelete:
      return "delete";
    case Interaction::kSearch:
      return "search";
    case Interaction::kHistoryType:
      return "type history";
  }
  return "access";
}

Problem not_granted(Interaction i, std::string_view type) {
  return engine::forbidden("the token grants no " + interaction_name(i) + " access to " +
                           std::string(type) + " resources");
}

Problem unknown_resource(std::string_view type, std::string_view id) {
  return engine::not_found("resource " + std::string(type) + "/" + std::string(id) +
                           " is not known");
}

Problem method_not_allowed(std::string what) {
  return {Status::method_not_allowed, "not-supported", std::move(what)};
}

void set_version_headers(http::Response& res, std::int64_t version, std::int64_t last_updated_ms) {
  res.set(Field::etag, engine::weak_etag(version));
  res.set(Field::last_modified, engine::http_date(last_updated_ms));
}

// A JSON string literal. URLs and ids need no escaping (printable ASCII without '"' or '\\'), so
// they skip nlohmann, which costs more than the rest of a Bundle entry's framing.
std::string json_string(std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (!plain) return json(s).dump();
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

// Choice 3: the token's own user resource, when it is not patient data.
bool is_own_user_resource(const AccessPolicy& policy, std::string_view type, std::string_view id) {
  const std::string& me = policy.fhir_user_reference();
  return !me.empty() && !engine::is_patient_data_type(type) &&
         me.size() == type.size() + 1 + id.size() && me.compare(0, type.size(), type) == 0 &&
         me[type.size()] == '/' && me.compare(type.size() + 1, std::string::npos, id) == 0;
}

}  // namespace

struct SqliteFhirEngine::Impl {
  store::SqliteStore& store;
  const config::FhirConfig& config;
  const core::Clock& clock;
  std::string base;
  std::once_flag capability_once;
  std::string capability_body;  // built on first use, then immutable

  Impl(store::SqliteStore& s, const config::FhirConfig& c, const core::Clock& k)
      : store(s), config(c), clock(k), base(trim_slash(c.base_url)) {}

  const std::string& capability() {
    std::call_once(capability_once,
                   [this] { capability_body = build_capability_statement().dump(); });
    return capability_body;
  }

  engine::SearchLimits limits() const {
    engine::SearchLimits l;
    l.max_count = std::max(1, config.max_page_size);
    l.default_count = std::clamp(config.default_page_size, 1, l.max_count);
    return l;
  }

  std::string full_url(std::string_view type, std::string_view id) const {
    return base + "/" + std::string(type) + "/" + std::string(id);
  }

  // ---- routing ----

  EngineResult dispatch(http::RequestContext& ctx, const std::string& relative_path,
                        const AccessPolicy& policy) {
    EngineResult out;
    auto reply = [&](http::Response r) {
      out.response = std::move(r);
      return std::move(out);
    };
    auto fail = [&](const Problem& p) { return reply(engine::problem_response(p)); };

    const Verb method = ctx.req.method();
    const bool get = method == Verb::get || method == Verb::head;
    const std::vector<std::string_view> seg = split_path(relative_path);
    if (seg.empty()) {
      return fail(
          method_not_allowed("system-level interactions (batch, transaction, search, "
                             "history) are not supported"));
    }
    if (seg[0] == "metadata" && seg.size() == 1) {
      out.summary.interaction = "capabilities";
      if (!get) return fail(method_not_allowed("metadata supports GET only"));
      return reply(engine::fhir_response(Status::ok, capability()));
    }
    const std::string type(seg[0]);
    if (!type.empty() && (type.front() == '$' || type.front() == '_')) {
      return fail(
          engine::not_supported("operation or system interaction " + type + " is not supported"));
    }
    if (!is_supported_type(type)) return fail(engine::not_found("unknown resource type " + type));
    out.summary.resource_type = type;

    if (seg.size() == 1) {
      if (get) {
        out.summary.interaction = "search-type";
        return reply(search(ctx, type, false, policy));
      }
      if (method == Verb::post) {
        out.summary.interaction = "create";
        return reply(create(ctx, type, policy, out.summary));
      }
      return fail(method_not_allowed(std::string(ctx.method_string()) + " is not allowed on " +
                                     type + " (GET searches, POST creates)"));
    }
    const std::string_view second = seg[1];
    if (second == "_search" && seg.size() == 2) {
      out.summary.interaction = "search-type";
      if (method != Verb::post && !get)
        return fail(method_not_allowed("_search takes POST or GET"));
      return reply(search(ctx, type, method == Verb::post, policy));
    }
    if (second == "_history" && seg.size() == 2) {
      out.summary.interaction = "history-type";
      return fail(engine::not_supported("type-level history is not supported"));
    }
    if (!second.empty() && second.front() == '$') {
      return fail(engine::not_supported("operation " + std::string(second) + " is not supported"));
    }
    const std::string id(second);
    out.summary.resource_id = id;
    if (!is_valid_id(id)) return fail(engine::not_found("invalid resource id"));

    if (seg.size() == 2) {
      if (get) {
        out.summary.interaction = "read";
        return reply(read(type, id, policy));
      }
      if (method == Verb::put) {
        out.summary.interaction = "update";
        return reply(update(ctx, type, id, policy));
      }
      if (method == Verb::delete_) {
        out.summary.interaction = "delete";
        return reply(remove(type, id, policy));
      }
      return fail(method_not_allowed(std::string(ctx.method_string()) + " is not allowed on " +
                                     type + "/" + id + " (GET, PUT, DELETE)"));
    }
    if (seg[2] == "_history" && seg.size() == 3) {
      out.summary.interaction = "history-instance";
      if (!get) return fail(method_not_allowed("_history supports GET only"));
      return reply(history(ctx, type, id, policy));
    }
    if (seg[2] == "_history" && seg.size() == 4) {
      out.summary.interaction = "vread";
      if (!get) return fail(method_not_allowed("_history/[vid] supports GET only"));
      auto vid = parse_positive(seg[3]);
      if (!vid) return fail(unknown_resource(type, id + "/_history/" + std::string(seg[3])));
      return reply(vread(type, id, *vid, policy));
    }
    if (!seg[2].empty() && seg[2].front() == '$') {
      return fail(engine::not_supported("operation " + std::string(seg[2]) + " is not supported"));
    }
    return fail(engine::not_found("no FHIR interaction at " + relative_path));
  }

  // ---- read, vread, history ----

  http::Response read(const std::string& type, const std::string& id, const AccessPolicy& policy) {
    const bool own = is_own_user_resource(policy, type, id);
    const Decision d = policy.decide(type, Interaction::kRead);
    if (!d.allowed && !own) return engine::problem_response(not_granted(Interaction::kRead, type));
    auto row = store.read_resource(type, id);
    if (!row) return engine::problem_response(unknown_resource(type, id));
    if (!own) {
      engine::ResourceFacts facts(type, row->json, std::move(row->compartment));
      // RS-4 / SCOPE-11 / SCOPE-6: outside every permit reads as absent (choice 2).
      if (!engine::any_permit_passes(d.permits, facts, engine::Reach::kAnyPatient)) {
        return engine::problem_response(unknown_resource(type, id));
      }
    }
    if (row->deleted) {
      auto res = engine::problem_response(
          {Status::gone, "deleted", "resource " + type + "/" + id + " has been deleted"});
      set_version_headers(res, row->version, row->last_updated_ms);
      return res;
    }
    http::Response res = engine::fhir_response(Status::ok, std::move(row->json));
    set_version_headers(res, row->version, row->last_updated_ms);
    return res;
  }

  http::Response vread(const std::string& type, const std::string& id, std::int64_t vid,
                       const AccessPolicy& policy) {
    const bool own = is_own_user_resource(policy, type, id);
    const Decision d = policy.decide(type, Interaction::kVread);
    if (!d.allowed && !own) return engine::problem_response(not_granted(Interaction::kVread, type));
    const std::string label = id + "/_history/" + std::to_string(vid);
    auto row = store.vread_resource(type, id, vid);
    if (!row) return engine::problem_response(unknown_resource(type, label));
    if (!own) {
      bool passes = false;
      if (row->deleted) {  // a deletion version has no content: judge by the last live one
        auto cur = store.read_resource(type, id);
        if (cur) {
          engine::ResourceFacts facts(type, cur->json, cur->compartment);
          passes = engine::any_permit_passes(d.permits, facts, engine::Reach::kAnyPatient);
        }
      } else {
        engine::ResourceFacts facts(type, row->json, std::nullopt);
        passes = engine::any_permit_passes(d.permits, facts, engine::Reach::kAnyPatient);
      }
      if (!passes) return engine::problem_response(unknown_resource(type, label));
    }
    if (row->deleted) {
      auto res = engine::problem_response(
          {Status::gone, "deleted", "version " + label + " is a deletion"});
      set_version_headers(res, row->version, row->last_updated_ms);
      return res;
    }
    http::Response res = engine::fhir_response(Status::ok, std::move(row->json));
    set_version_headers(res, row->version, row->last_updated_ms);
    return res;
  }

  http::Response history(http::RequestContext& ctx, const std::string& type, const std::string& id,
                         const AccessPolicy& policy) {
    const Decision d = policy.decide(type, Interaction::kHistoryInstance);
    if (!d.allowed)
      return engine::problem_response(not_granted(Interaction::kHistoryInstance, type));
    auto cur = store.read_resource(type, id);
    if (!cur) return engine::problem_response(unknown_resource(type, id));
    {
      engine::ResourceFacts facts(type, cur->json, cur->compartment);
      if (!engine::any_permit_passes(d.permits, facts, engine::Reach::kAnyPatient)) {
        return engine::problem_response(unknown_resource(type, id));
      }
    }
    const engine::SearchLimits lim = limits();
    int count = lim.default_count;
    std::int64_t offset = 0;
    if (auto c = ctx.query.get("_count")) {
      auto v = parse_positive(*c);
      if (!v && *c != "0") return engine::problem_response(engine::bad_request("invalid _count"));
      count = static_cast<int>(std::min<std::int64_t>(v.value_or(0), lim.max_count));
    }
    if (auto o = ctx.query.get("_offset")) {
      auto v = parse_positive(*o);
      if (!v && *o != "0") return engine::problem_response(engine::bad_request("invalid _offset"));
      offset = v.value_or(0);
    }
    // Every live version must pass on its own content (a version of another compartment is
    // left out); deletion versions carry no content.
    std::vector<store::ResourceRow> versions;
    for (store::ResourceRow& v : store.resource_history(type, id)) {
      if (!v.deleted) {
        engine::ResourceFacts facts(type, v.json, std::nullopt);
        if (!engine::any_permit_passes(d.permits, facts, engine::Reach::kAnyPatient)) continue;
      }
      versions.push_back(std::move(v));
    }
    const auto total = static_cast<std::int64_t>(versions.size());
    std::string body = R"({"resourceType":"Bundle","type":"history","total":)" +
                       std::to_string(total) + R"(,"link":[)";
    const std::string self = full_url(type, id) + "/_history";
    body += R"({"relation":"self","url":)" +
            json_string(self + "?_count=" + std::to_string(count) +
                        (offset ? "&_offset=" + std::to_string(offset) : std::string())) +
            "}";
    if (count > 0 && offset + count < total) {
      body += R"(,{"relation":"next","url":)" +
              json_string(self + "?_count=" + std::to_string(count) +
                          "&_offset=" + std::to_string(offset + count)) +
              "}";
    }
    body += R"(],"entry":[)";
    bool first = true;
    for (std::int64_t i = offset; i < total && i < offset + count; ++i) {
      const store::ResourceRow& v = versions[static_cast<std::size_t>(i)];
      if (!first) body += ',';
      first = false;
      body += R"({"fullUrl":)" + json_string(full_url(type, id));
      if (!v.deleted) body += R"(,"resource":)" + v.json;
      const char* method = v.deleted ? "DELETE" : (v.version == 1 ? "POST" : "PUT");
      const char* status = v.deleted ? "204" : (v.version == 1 ? "201" : "200");
      body += R"(,"request":{"method":")" + std::string(method) + R"(","url":)" +
              json_string(type + (v.version == 1 && !v.deleted ? "" : "/" + id)) +
              R"(},"response":{"status":")" + status + R"(","etag":)" +
              json_string(engine::weak_etag(v.version)) + R"(,"lastModified":)" +
              json_string(engine::format_instant(v.last_updated_ms)) + "}}";
    }
    body += "]}";
    return engine::fhir_response(Status::ok, std::move(body));
  }

  // ---- search ----

  http::Response search(http::RequestContext& ctx, const std::string& type, bool post,
                        const AccessPolicy& policy) {
    const Decision d = policy.decide(type, Interaction::kSearch);
    // SCOPE-2: search needs `s`; RS-5: a search the scopes do not allow fails outright.
    if (!d.allowed) return engine::problem_response(not_granted(Interaction::kSearch, type));

    std::vector<std::pair<std::string, std::string>> params = ctx.query.items();
    if (post) {
      if (!ctx.req.body().empty() || !ctx.header(Field::content_type).empty()) {
        auto form = ctx.form();
        if (!form) {
          return engine::problem_response(
              engine::bad_request("POST _search needs an application/x-www-form-urlencoded body"));
        }
        for (const auto& item : form->items()) params.push_back(item);
      }
    }
    const std::vector<std::string> prefer = prefer_tokens(ctx.req);
    const bool strict = prefers(prefer, "handling=strict");
    Outcome<engine::ParsedSearch> parsed = engine::parse_search(type, params, strict, limits());
    if (!parsed.ok()) return engine::problem_response(parsed.problem());
    engine::ParsedSearch& ps = *parsed;

    // RS-4 / SCOPE-11: naming a patient outside every permit is a violation (choice 4).
    if (engine::is_patient_data_type(type)) {
      for (const std::string& p : ps.named_patients) {
        if (!engine::patient_permitted(d.permits, p)) {
          return engine::problem_response(engine::forbidden(
              "the search names patient " + p + ", outside the token's patient compartment"));
        }
      }
    }

    // RS-4 / SCOPE-11 / SCOPE-6 in SQL (choice 5): only permitted resources are matched, counted
    // and paged.
    store::SearchQuery q;
    q.type = type;
    const std::vector<std::string> implied = engine::implied_patients(type, ps.filter);
    q.filter =
        store::Filter::all({std::move(ps.filter), engine::access_filter(type, d.permits, implied)});
    q.sort = ps.sort;
    q.count = ps.summary_count ? 0 : ps.count;
    q.offset = ps.offset;
    q.with_total = ps.with_total || ps.summary_count;
    store::SearchResult result = store.search_resources(q);

    std::vector<store::ResourceRow> included;
    if (!ps.summary_count && (!ps.includes.empty() || !ps.revincludes.empty())) {
      auto checked = resolve_includes(type, ps, result.rows, policy);
      if (!checked.ok()) return engine::problem_response(checked.problem());
      included = std::move(*checked);
    }
    return engine::fhir_response(Status::ok, searchset(type, ps, result, included));
  }

  // Is an included resource readable with this token (read or search permits of its type)?
  bool include_allowed(const store::ResourceRow& row, const AccessPolicy& policy) {
    if (is_own_user_resource(policy, row.type, row.id)) return true;  // choice 3
    std::vector<Permit> permits;
    for (Interaction i : {Interaction::kRead, Interaction::kSearch}) {
      Decision d = policy.decide(row.type, i);
      if (d.allowed) {
        for (Permit& p : d.permits) permits.push_back(std::move(p));
      }
    }
    engine::ResourceFacts facts(row.type, row.json, row.compartment);
    return engine::any_permit_passes(permits, facts, engine::Reach::kAnyPatient);
  }

  std::vector<const SearchParamDef*> reference_defs(std::string_view type,
                                                    const std::string& param) {
    std::vector<const SearchParamDef*> defs;
    if (param == "*") {
      if (const auto* all = search_params(type)) {
        for (const SearchParamDef& def : *all) {
          if (def.type == ParamType::kReference) defs.push_back(&def);
        }
      }
    } else if (const SearchParamDef* def = find_search_param(type, param)) {
      defs.push_back(def);
    }
    return defs;
  }

  // choice 6: every included resource must pass, or the whole request is refused.
  Outcome<std::vector<store::ResourceRow>> resolve_includes(
      const std::string& type, const engine::ParsedSearch& ps,
      const std::vector<store::ResourceRow>& matches, const AccessPolicy& policy) {
    std::set<std::string> seen;
    for (const store::ResourceRow& r : matches) seen.insert(r.type + "/" + r.id);
    std::vector<store::ResourceRow> out;
    const Problem outside = engine::forbidden(
        "_include would reach data outside the token's patient compartment or scopes");

    if (!ps.includes.empty()) {
      std::vector<json> parsed;
      parsed.reserve(matches.size());
      for (const store::ResourceRow& r : matches) {
        parsed.push_back(json::parse(r.json, nullptr, false));
      }
      for (const engine::IncludeSpec& spec : ps.includes) {
        for (const SearchParamDef* def : reference_defs(type, spec.param)) {
          for (const json& resource : parsed) {
            for (const IndexEntry& e : extract_param(resource, *def)) {
              const std::size_t slash = e.value.find('/');
              if (slash == std::string::npos) continue;
              const std::string target = e.value.substr(0, slash);
              if (!spec.target_type.empty() && target != spec.target_type) continue;
              if (!seen.insert(e.value).second) continue;
              auto row = store.read_resource(target, e.value.substr(slash + 1));
              if (!row || row->deleted) continue;
              if (!include_allowed(*row, policy)) return outside;
              out.push_back(std::move(*row));
            }
          }
        }
      }
    }
    if (!ps.revincludes.empty() && !matches.empty()) {
      std::vector<std::string> refs;
      for (const store::ResourceRow& r : matches) refs.push_back(r.type + "/" + r.id);
      for (const engine::IncludeSpec& spec : ps.revincludes) {
        if (!spec.target_type.empty() && spec.target_type != type) continue;
        std::vector<store::Filter> any;
        for (const SearchParamDef* def : reference_defs(spec.source_type, spec.param)) {
          if (!def->target.empty() && def->target != type) continue;
          store::Filter f;
          f.kind = store::Filter::Kind::kValueIn;
          f.param = def->name;
          f.values = refs;
          any.push_back(std::move(f));
        }
        store::SearchQuery q;
        q.type = spec.source_type;
        q.filter = store::Filter::any(std::move(any));
        q.count = static_cast<int>(kMaxRevincludes);
        q.with_total = false;
        for (store::ResourceRow& row : store.search_resources(q).rows) {
          if (!seen.insert(row.type + "/" + row.id).second) continue;
          // search_resources does not fill compartments: derive them from the content.
          engine::ResourceFacts facts(row.type, row.json, std::nullopt);
          row.compartment = facts.patients();
          if (!include_allowed(row, policy)) return outside;
          out.push_back(std::move(row));
        }
      }
    }
    return out;
  }

  std::string search_url(const std::string& type,
                         const std::vector<std::pair<std::string, std::string>>& link_params,
                         int count, std::int64_t offset) const {
    http::Params p;
    for (const auto& [n, v] : link_params) p.add(n, v);
    p.add("_count", std::to_string(count));
    if (offset > 0) p.add("_offset", std::to_string(offset));
    return base + "/" + type + "?" + p.encode();
  }

  std::string searchset(const std::string& type, const engine::ParsedSearch& ps,
                        const store::SearchResult& result,
                        const std::vector<store::ResourceRow>& included) const {
    std::string body = R"({"resourceType":"Bundle","type":"searchset")";
    if (result.total >= 0) body += R"(,"total":)" + std::to_string(result.total);
    const int count = ps.count;
    body += R"(,"link":[{"relation":"self","url":)" +
            json_string(search_url(type, ps.link_params, count, ps.offset)) + "}";
    if (!ps.summary_count) {
      const bool more = result.total >= 0 ? ps.offset + count < result.total
                                          : static_cast<std::int64_t>(result.rows.size()) == count;
      if (more) {
        body += R"(,{"relation":"next","url":)" +
                json_string(search_url(type, ps.link_params, count, ps.offset + count)) + "}";
      }
      if (ps.offset > 0) {
        body += R"(,{"relation":"previous","url":)" +
                json_string(search_url(type, ps.link_params, count,
                                       std::max<std::int64_t>(0, ps.offset - count))) +
                "}";
      }
    }
    body += R"(],"entry":[)";
    std::size_t size = body.size() + 2;
    for (const auto* rows : {&result.rows, &included}) {
      for (const store::ResourceRow& r : *rows) size += r.json.size() + base.size() + 80;
    }
    body.reserve(size);
    bool first = true;
    auto add = [&](const store::ResourceRow& r, std::string_view mode) {
      if (!first) body += ',';
      first = false;
      body += R"({"fullUrl":)";
      body += json_string(full_url(r.type, r.id));
      body += R"(,"resource":)";
      body += r.json;
      body += R"(,"search":{"mode":")";
      body += mode;
      body += R"("}})";
    };
    for (const store::ResourceRow& r : result.rows) add(r, "match");
    for (const store::ResourceRow& r : included) add(r, "include");
    body += "]}";
    return body;
  }

  // ---- writes ----

  // The request body as a resource of `type` (400 malformed, 415 media type, 422 wrong type).
  Outcome<json> parse_body(http::RequestContext& ctx, const std::string& type) {
    const std::string media = http::media_type(ctx.header(Field::content_type));
    if (!media.empty() && media != "application/fhir+json" && media != "application/json" &&
        media != "application/json+fhir") {
      return Problem{Status::unsupported_media_type, "not-supported",
                     "the body must be application/fhir+json"};
    }
    const std::string& text = ctx.req.body();
    if (engine::json_depth(text) > kMaxImportDepth) {
      return engine::bad_request("the resource is nested too deeply");
    }
    json body = json::parse(text, nullptr, false);
    if (body.is_discarded()) return engine::bad_request("the body is not valid JSON");
    if (!body.is_object()) return engine::bad_request("the body is not a JSON object");
    auto rt = body.find("resourceType");
    if (rt == body.end() || !rt->is_string()) {
      return engine::bad_request("the resource has no resourceType");
    }
    if (rt->get_ref<const std::string&>() != type) {
      return Problem{
          Status::unprocessable_entity, "processing",
          "resourceType " + rt->get<std::string>() + " does not match the URL (" + type + ")"};
    }
    if (auto meta = body.find("meta"); meta != body.end() && !meta->is_object()) {
      return engine::bad_request("meta must be an object");
    }
    return body;
  }

  http::Response written(Status status, const store::ResourceWrite& w, std::int64_t version,
                         const std::vector<std::string>& prefer) {
    http::Response res;
    if (prefers(prefer, "return=minimal")) {
      res = http::make_response(status, "", "");
    } else if (prefers(prefer, "return=operationoutcome")) {
      res = engine::fhir_response(status, operation_outcome("information", "informational",
                                                            w.type + "/" + w.id + " version " +
                                                                std::to_string(version) + " stored")
                                              .dump());
    } else {
      res = engine::fhir_response(status, w.json);
    }
    set_version_headers(res, version, w.last_updated_ms);
    const std::string location = full_url(w.type, w.id) + "/_history/" + std::to_string(version);
    if (status == Status::created) res.set(Field::location, location);
    res.set(Field::content_location, location);
    return res;
  }

  http::Response create(http::RequestContext& ctx, const std::string& type,
                        const AccessPolicy& policy, RequestSummary& summary) {
    const Decision d = policy.decide(type, Interaction::kCreate);
    if (!d.allowed) return engine::problem_response(not_granted(Interaction::kCreate, type));
    if (!ctx.header("If-None-Exist").empty()) {
      return engine::problem_response(engine::not_supported("conditional create is not supported"));
    }
    Outcome<json> body = parse_body(ctx, type);
    if (!body.ok()) return engine::problem_response(body.problem());
    const std::string id = engine::new_resource_id();  // the server assigns the id
    summary.resource_id = id;
    store::ResourceWrite w = engine::prepare_write(*body, type, id, 1, engine::now_ms(clock));
    engine::ResourceFacts facts(type, &*body, w.compartment);
    // RS-4 / SCOPE-11 / SCOPE-6 (choice 7): the new resource must lie inside a create permit.
    if (!engine::any_permit_passes(d.permits, facts, engine::Reach::kAllPatients)) {
      return engine::problem_response(engine::forbidden(
          "the new resource would be outside the token's patient compartment or scopes"));
    }
    auto stored = store.put_resource(w);
    if (!stored) throw std::runtime_error("create failed: " + stored.error().detail);
    return written(Status::created, w, stored->version, prefer_tokens(ctx.req));
  }

  http::Response update(http::RequestContext& ctx, const std::string& type, const std::string& id,
                        const AccessPolicy& policy) {
    const Decision d = policy.decide(type, Interaction::kUpdate);
    if (!d.allowed) return engine::problem_response(not_granted(Interaction::kUpdate, type));
    Outcome<json> body = parse_body(ctx, type);
    if (!body.ok()) return engine::problem_response(body.problem());
    auto body_id = body->find("id");
    if (body_id == body->end() || !body_id->is_string()) {
      return engine::problem_response(engine::bad_request("the resource has no id"));
    }
    if (body_id->get_ref<const std::string&>() != id) {
      return engine::problem_response({Status::unprocessable_entity, "processing",
                                       "the resource id does not match the URL (" + id + ")"});
    }
    std::optional<std::int64_t> if_match;
    if (auto h = ctx.header(Field::if_match); !h.empty()) {
      if_match = parse_etag(h);
      if (!if_match) return engine::problem_response(engine::bad_request("malformed If-Match"));
    }

    std::optional<Problem> problem;
    store::ResourceWrite w;
    bool created = false;
    std::int64_t version = 0;
    auto st = store.transaction([&]() -> core::Status {
      auto cur = store.read_resource(type, id);
      const std::int64_t current = cur ? cur->version : 0;
      if (if_match && *if_match != current) {
        problem = Problem{Status::precondition_failed, "conflict",
                          "If-Match " + std::to_string(*if_match) +
                              " does not match the current "
                              "version"};
        return core::make_error(core::ErrorCode::kConflict, "precondition failed");
      }
      if (cur) {
        // choice 7: the stored resource must be inside an update permit too.
        engine::ResourceFacts old_facts(type, cur->json, cur->compartment);
        if (!engine::any_permit_passes(d.permits, old_facts, engine::Reach::kAllPatients)) {
          problem = engine::forbidden(
              "the stored resource is outside the token's patient compartment or scopes");
          return core::make_error(core::ErrorCode::kForbidden, "forbidden");
        }
      }
      created = !cur || cur->deleted;
      w = engine::prepare_write(*body, type, id, current + 1, engine::now_ms(clock));
      engine::ResourceFacts facts(type, &*body, w.compartment);
      if (!engine::any_permit_passes(d.permits, facts, engine::Reach::kAllPatients)) {
        problem = engine::forbidden(
            "the updated resource would be outside the token's patient compartment or scopes");
        return core::make_error(core::ErrorCode::kForbidden, "forbidden");
      }
      auto stored = store.put_resource(w);
      if (!stored) return stored.error();
      version = stored->version;
      return {};
    });
    if (problem) return engine::problem_response(*problem);
    if (!st) {
      if (st.error().code == core::ErrorCode::kConflict) {
        return engine::problem_response({Status::conflict, "conflict", "concurrent update"});
      }
      throw std::runtime_error("update failed: " + st.error().detail);
    }
    return written(created ? Status::created : Status::ok, w, version, prefer_tokens(ctx.req));
  }

  http::Response remove(const std::string& type, const std::string& id,
                        const AccessPolicy& policy) {
    const Decision d = policy.decide(type, Interaction::kDelete);
    if (!d.allowed) return engine::problem_response(not_granted(Interaction::kDelete, type));
    std::optional<Problem> problem;
    std::int64_t version = 0;
    std::int64_t when = 0;
    auto st = store.transaction([&]() -> core::Status {
      auto cur = store.read_resource(type, id);
      if (!cur) {
        problem = unknown_resource(type, id);
        return core::make_error(core::ErrorCode::kNotFound, "not found");
      }
      engine::ResourceFacts facts(type, cur->json, cur->compartment);
      // choice 7: only resources inside a delete permit may be deleted.
      if (!engine::any_permit_passes(d.permits, facts, engine::Reach::kAllPatients)) {
        problem =
            engine::forbidden("the resource is outside the token's patient compartment or scopes");
        return core::make_error(core::ErrorCode::kForbidden, "forbidden");
      }
      auto gone = store.delete_resource(type, id, engine::now_ms(clock));
      if (!gone) return gone.error();
      version = gone->version;
      when = gone->last_updated_ms;
      return {};
    });
    if (problem) return engine::problem_response(*problem);
    if (!st) throw std::runtime_error("delete failed: " + st.error().detail);
    http::Response res = http::make_response(Status::no_content, "", "");
    set_version_headers(res, version, when);
    return res;
  }

  // ---- CapabilityStatement ----

  json build_capability_statement() const {
    const std::string as = trim_slash(config.authorization_server);
    json oauth = json::array();
    for (const char* name : {"authorize", "token", "introspect", "revoke"}) {
      oauth.push_back({{"url", name}, {"valueUri", as + "/" + name}});
    }
    json security = {
        {"cors", true},
        {"service",
         json::array(
             {{{"coding", json::array({{{"system",
                                         "http://terminology.hl7.org/CodeSystem/"
                                         "restful-security-service"},
                                        {"code", "SMART-on-FHIR"},
                                        {"display", "SMART-on-FHIR"}}})},
               {"text",
                "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)"}}})},
        {"extension",
         json::array(
             {{{"url", "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"},
               {"extension", oauth}}})}};
    json resources = json::array();
    for (std::string_view type : all_resource_types()) {
      if (!is_supported_type(type)) continue;
      json interactions = json::array();
      for (const char* code :
           {"read", "vread", "update", "delete", "history-instance", "create", "search-type"}) {
        interactions.push_back({{"code", code}});
      }
      json params = json::array();
      json includes = json::array();
      if (const auto* defs = search_params(type)) {
        for (const SearchParamDef& def : *defs) {
          std::string_view ptype =
              def.type == ParamType::kId ? std::string_view("token") : param_type_name(def.type);
          params.push_back({{"name", def.name}, {"type", ptype}});
          if (def.type == ParamType::kReference) {
            includes.push_back(std::string(type) + ":" + def.name);
          }
        }
      }
      json r = {{"type", type},
                {"interaction", interactions},
                {"versioning", "versioned"},
                {"readHistory", true},
                {"updateCreate", true},
                {"conditionalCreate", false},
                {"conditionalUpdate", false},
                {"conditionalDelete", "not-supported"},
                {"searchParam", params}};
      if (!includes.empty()) r["searchInclude"] = includes;
      resources.push_back(std::move(r));
    }
    return {{"resourceType", "CapabilityStatement"},
            {"status", "active"},
            {"date", engine::format_instant(engine::now_ms(clock))},
            {"publisher", "Tessera"},
            {"kind", "instance"},
            {"software", {{"name", "Tessera"}}},
            {"implementation", {{"description", "Tessera FHIR R4 server"}, {"url", base}}},
            {"fhirVersion", "4.0.1"},
            {"format", json::array({"json", "application/fhir+json"})},
            {"rest",
             json::array({{{"mode", "server"}, {"security", security}, {"resource", resources}}})}};
  }
};

SqliteFhirEngine::SqliteFhirEngine(store::SqliteStore& store, const config::FhirConfig& config,
                                   const core::Clock& clock)
    : impl_(std::make_unique<Impl>(store, config, clock)) {}

SqliteFhirEngine::~SqliteFhirEngine() = default;

EngineResult SqliteFhirEngine::handle(http::RequestContext& ctx, const std::string& relative_path,
                                      const AccessPolicy& policy) {
  EngineResult result;
  try {
    result = impl_->dispatch(ctx, relative_path, policy);
  } catch (const std::exception& e) {
    // Storage failures only (client input never throws): 500 without internals on the wire.
    spdlog::error("FHIR engine: {} /{}: {}", ctx.method_string(), relative_path, e.what());
    result.response =
        engine::problem_response({Status::internal_server_error, "exception", "internal error"});
  }
  // application/json is served to clients that ask for it (Accept or _format) instead of
  // application/fhir+json; the body is the same.
  const auto ct = result.response.find(Field::content_type);
  if (ct != result.response.end() && ct->value().starts_with("application/fhir+json")) {
    const std::string accept = lower(ctx.header(Field::accept));
    const std::string format = lower(ctx.query.get("_format").value_or(""));
    const bool plain = format == "application/json" ||
                       (format.empty() && accept.find("application/json") != std::string::npos &&
                        accept.find("application/fhir+json") == std::string::npos);
    if (plain) result.response.set(Field::content_type, "application/json; charset=utf-8");
  }
  return result;
}

http::Response SqliteFhirEngine::capability_statement() {
  return engine::fhir_response(Status::ok, impl_->capability());
}

}  // namespace tessera::fhir
