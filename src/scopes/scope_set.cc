#include "scopes/scope_set.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace tessera::scopes {
namespace {

// The "?..." suffix of a validated scope text (resource types and letters never hold '?').
std::string_view query_suffix(std::string_view text) {
  const std::size_t q = text.find('?');
  return q == std::string_view::npos ? std::string_view{} : text.substr(q);
}

// The permission spelling of a validated scope text (between the first '.' and '?').
std::string_view permission_spelling(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return {};
  const std::string_view rest = text.substr(dot + 1);
  return rest.substr(0, rest.find('?'));
}

// `wide` constraints are a subset of `narrow` ones: every record matching `narrow` matches `wide`.
bool constraints_cover(const std::vector<Constraint>& wide, const std::vector<Constraint>& narrow) {
  return std::all_of(wide.begin(), wide.end(), [&](const Constraint& w) {
    return std::find(narrow.begin(), narrow.end(), w) != narrow.end();
  });
}

bool type_covers(std::string_view wide, std::string_view narrow) {
  return wide == "*" || wide == narrow;
}

// One piece of a grant while narrowing.
struct Piece {
  std::string type;
  std::uint8_t permissions = 0;
  const ResourceScope* constraint_source = nullptr;  // whose constraints (and query text) apply
};

// True when `a` grants everything `b` does (same context implied).
bool piece_covers(const Piece& a, const Piece& b) {
  return type_covers(a.type, b.type) && (a.permissions & b.permissions) == b.permissions &&
         constraints_cover(a.constraint_source->constraints, b.constraint_source->constraints);
}

// Semantic identity for output deduplication: context, type, permissions, canonical constraints.
std::string semantic_key(Context context, std::string_view type, std::uint8_t permissions,
                         const std::vector<Constraint>& constraints) {
  std::vector<const Constraint*> sorted;
  sorted.reserve(constraints.size());
  for (const Constraint& c : constraints) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(), [](const Constraint* x, const Constraint* y) {
    return std::tie(x->param, x->value) < std::tie(y->param, y->value);
  });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const Constraint* x, const Constraint* y) { return *x == *y; }),
               sorted.end());
  std::string key(context_name(context));
  key += '/';
  key += type;
  key += '.';
  key += permission_letters(permissions);
  for (const Constraint* c : sorted) {
    // Lengths keep the key unambiguous whatever the values hold.
    key += '\n';
    key += std::to_string(c->param.size());
    key += ':';
    key += c->param;
    key += std::to_string(c->value.size());
    key += ':';
    key += c->value;
  }
  return key;
}

std::optional<Piece> intersect(const ResourceScope& req, const ResourceScope& allow) {
  if (req.context != allow.context) return std::nullopt;
  Piece p;
  if (allow.resource_type == "*") {
    p.type = req.resource_type;
  } else if (req.resource_type == "*" || req.resource_type == allow.resource_type) {
    p.type = allow.resource_type;
  } else {
    return std::nullopt;
  }
  p.permissions = static_cast<std::uint8_t>(req.permissions & allow.permissions);
  if (p.permissions == 0) return std::nullopt;
  if (allow.constraints.empty()) {
    p.constraint_source = &req;
  } else if (req.constraints.empty()) {
    p.constraint_source = &allow;
  } else if (same_constraints(req.constraints, allow.constraints)) {
    p.constraint_source = &req;  // keep the request's spelling
  } else {
    return std::nullopt;
  }
  return p;
}

std::string spell(const ResourceScope& req, const Piece& p) {
  if (p.type == req.resource_type && p.permissions == req.permissions &&
      p.constraint_source == &req) {
    return req.text;  // granted exactly as asked
  }
  std::string out(context_name(req.context));
  out += '/';
  out += p.type;
  out += '.';
  const std::string_view suffix = query_suffix(p.constraint_source->text);
  if (p.permissions == req.permissions && (!req.v1 || suffix.empty())) {
    out += permission_spelling(req.text);  // SCOPE-4: v1 asked => v1 returned
  } else {
    out += permission_letters(p.permissions);  // v1 has no query syntax: write v2
  }
  out += suffix;
  return out;
}

}  // namespace

ScopeSet ScopeSet::parse(std::string_view space_separated) {
  ScopeSet out;
  std::unordered_set<std::string_view> seen;
  std::size_t i = 0;
  const std::size_t n = space_separated.size();
  while (i < n) {
    while (i < n && space_separated[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < n && space_separated[i] != ' ') ++i;
    if (i == start) break;
    const std::string_view token = space_separated.substr(start, i - start);
    if (!seen.insert(token).second) continue;  // duplicate
    out.all_.emplace_back(token);
    if (std::optional<ResourceScope> rs = parse_resource_scope(token)) {
      out.resources_.push_back(std::move(*rs));
    }
  }
  return out;
}

void ScopeSet::add(std::string token) {
  if (token.empty()) return;
  if (std::optional<ResourceScope> rs = parse_resource_scope(token)) {
    resources_.push_back(std::move(*rs));
  }
  all_.push_back(std::move(token));
}

bool ScopeSet::has(std::string_view token) const {
  return std::find(all_.begin(), all_.end(), token) != all_.end();
}

bool ScopeSet::has_context(Context context) const {
  return std::any_of(resources_.begin(), resources_.end(),
                     [&](const ResourceScope& r) { return r.context == context; });
}

std::string ScopeSet::to_string() const {
  std::string out;
  for (const std::string& t : all_) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

std::vector<std::string> ScopeSet::unknown() const {
  std::vector<std::string> out;
  for (const std::string& t : all_) {
    if (classify_token(t) == TokenKind::kUnknown) out.push_back(t);
  }
  return out;
}

ScopeSet narrow(const ScopeSet& requested, const ScopeSet& allowed) {
  ScopeSet out;
  std::unordered_set<std::string> texts;
  std::unordered_set<std::string> meanings;
  std::unordered_set<std::string_view> allowed_tokens(allowed.all().begin(), allowed.all().end());

  // Resource scopes of `requested`, found by text (resource_scopes() is in all() order).
  const std::vector<ResourceScope>& req_resources = requested.resource_scopes();
  std::size_t next_resource = 0;

  for (const std::string& token : requested.all()) {
    const ResourceScope* req = nullptr;
    if (next_resource < req_resources.size() && req_resources[next_resource].text == token) {
      req = &req_resources[next_resource++];
    }
    if (req == nullptr) {
      // Non-resource token: exact match only (OAUTH-5).
      if (allowed_tokens.count(token) != 0 && texts.insert(token).second) out.add(token);
      continue;
    }

    // SCOPE-8 / BACKEND-6: intersect with every allowed scope of the same context.
    std::vector<Piece> pieces;
    for (const ResourceScope& allow : allowed.resource_scopes()) {
      std::optional<Piece> p = intersect(*req, allow);
      if (!p) continue;
      // SCOPE-5: merge pieces with the same type and constraints (.r + .s -> .rs).
      auto same = std::find_if(pieces.begin(), pieces.end(), [&](const Piece& q) {
        return q.type == p->type && same_constraints(q.constraint_source->constraints,
                                                     p->constraint_source->constraints);
      });
      if (same != pieces.end()) {
        same->permissions = static_cast<std::uint8_t>(same->permissions | p->permissions);
      } else {
        pieces.push_back(std::move(*p));
      }
    }
    // Drop pieces another piece of this request already covers (first one wins on a tie).
    std::vector<bool> dropped(pieces.size(), false);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      for (std::size_t j = 0; j < pieces.size() && !dropped[i]; ++j) {
        if (i == j || dropped[j] || !piece_covers(pieces[j], pieces[i])) continue;
        if (piece_covers(pieces[i], pieces[j]) && i < j) continue;  // equal: keep the earlier
        dropped[i] = true;
      }
    }
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (dropped[i]) continue;
      const Piece& p = pieces[i];
      std::string meaning =
          semantic_key(req->context, p.type, p.permissions, p.constraint_source->constraints);
      std::string text = spell(*req, p);
      if (!meanings.insert(std::move(meaning)).second) continue;  // same grant already present
      if (!texts.insert(text).second) continue;
      out.add(std::move(text));
    }
  }
  return out;
}

bool is_within(const ScopeSet& narrower, const ScopeSet& wider) {
  const std::unordered_set<std::string_view> wider_tokens(wider.all().begin(), wider.all().end());
  const std::vector<ResourceScope>& n_resources = narrower.resource_scopes();
  std::size_t next_resource = 0;
  for (const std::string& token : narrower.all()) {
    const ResourceScope* n = nullptr;
    if (next_resource < n_resources.size() && n_resources[next_resource].text == token) {
      n = &n_resources[next_resource++];
    }
    if (wider_tokens.count(token) != 0) continue;  // exact token (all non-resource tokens)
    if (n == nullptr) return false;
    // Each permission letter must be granted by some wider scope covering type and constraints.
    for (unsigned bit = 1; bit <= kAllPermissions; bit <<= 1) {
      if ((n->permissions & bit) == 0) continue;
      const bool covered = std::any_of(wider.resource_scopes().begin(),
                                       wider.resource_scopes().end(), [&](const ResourceScope& w) {
                                         return w.context == n->context &&
                                                (w.permissions & bit) != 0 &&
                                                type_covers(w.resource_type, n->resource_type) &&
                                                constraints_cover(w.constraints, n->constraints);
                                       });
      if (!covered) return false;
    }
  }
  return true;
}

}  // namespace tessera::scopes
