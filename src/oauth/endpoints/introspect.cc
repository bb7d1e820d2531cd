// POST /introspect: RFC 7662 with the SMART profile (INTRO-*, I7662-*). The heart of the product:
// a resource server learns from here, and only here, what a token grants and for which patient.
// Starts from {"active":false}; every failed check returns it.
#include <algorithm>
#include <cassert>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using core::ErrorCode;
using http::Response;
using Json = nlohmann::json;

namespace {
const std::string kInactive = R"({"active":false})";

// ---- fast rendering of introspection_body(t).dump(), byte for byte ----
// The nlohmann DOM (one std::map node per member, a parse of the stored context, then a dump)
// was about half of the instructions of an introspection (bench/README.md). This renders the same
// bytes directly: members sorted by key as std::map orders them, context members replacing base
// members of the same name, values as nlohmann writes them. It handles only input whose
// rendering is unambiguous (printable ASCII strings without '"' or '\\', context JSON exactly as
// nlohmann's dump() wrote it); anything else returns nullopt and takes the nlohmann path.

bool plain(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

// True when `scope` has the exact token (what ScopeSet::parse(scope).has(token) answers: the
// tokens are the runs of non-' ' characters).
[[maybe_unused]] bool has_scope_token(std::string_view scope, std::string_view token) {
  std::size_t i = 0;
  while (i < scope.size()) {
    while (i < scope.size() && scope[i] == ' ') ++i;
    std::size_t start = i;
    while (i < scope.size() && scope[i] != ' ') ++i;
    if (i > start && scope.substr(start, i - start) == token) return true;
  }
  return false;
}

// Recognises one JSON value written by nlohmann's dump() (no whitespace, object keys strictly
// increasing, strings that are plain(), integers of at most 18 digits, true/false/null), so that
// parsing and dumping it again gives the very same text. Anything else fails.
class CanonicalJson {
 public:
  explicit CanonicalJson(std::string_view s) : s_(s) {}
  bool at_end() const { return pos_ == s_.size(); }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
      ++pos_;
    }
    if (pos_ == s_.size()) return false;
    out = s_.substr(start, pos_ - start);
    ++pos_;
    return true;
  }
  // One value; `raw` receives its text.
  bool value(std::string_view& raw, int depth = 0) {
    if (depth > 16 || pos_ >= s_.size()) return false;
    std::size_t start = pos_;
    char c = s_[pos_];
    bool ok = false;
    if (c == '"') {
      std::string_view ignored;
      ok = string(ignored);
    } else if (c == '{') {
      ++pos_;
      ok = true;
      if (!eat('}')) {
        std::string_view prev;
        bool first = true;
        do {
          std::string_view key, v;
          if (!string(key) || (!first && !(prev < key)) || !eat(':') || !value(v, depth + 1))
            return false;
          prev = key;
          first = false;
        } while (eat(','));
        ok = eat('}');
      }
    } else if (c == '[') {
      ++pos_;
      ok = true;
      if (!eat(']')) {
        do {
          std::string_view v;
          if (!value(v, depth + 1)) return false;
        } while (eat(','));
        ok = eat(']');
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      eat('-');
      std::size_t digits = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      std::size_t n = pos_ - digits;
      bool negative = digits > start;
      ok = n >= 1 && n <= 18 && !(n > 1 && s_[digits] == '0') && !(negative && s_[digits] == '0') &&
           !(pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'));
    } else {
      for (std::string_view lit :
           {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
        if (s_.substr(pos_, lit.size()) == lit) {
          pos_ += lit.size();
          ok = true;
          break;
        }
      }
    }
    if (!ok) return false;
    raw = s_.substr(start, pos_ - start);
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

std::optional<std::string> render_introspection(const store::TokenRecord& t,
                                                const std::string& issuer) {
  const bool fhir_user = !t.fhir_user.empty();  // sent whenever known, as introspection_body()
  if (!plain(t.scope) || !plain(t.client_id) || !plain(issuer) || !plain(t.subject) ||
      !plain(t.aud) || (fhir_user && !plain(t.fhir_user)))
    return std::nullopt;
  struct Member {
    std::string_view key;
    std::string_view text;
    bool quote;  // text is a plain string value (quotes added when written)
  };
  const std::string exp = std::to_string(t.expires_at);
  const std::string iat = std::to_string(t.issued_at);
  std::vector<Member> m;
  m.reserve(16);
  m.push_back({"active", "true", false});
  m.push_back({"scope", t.scope, true});
  m.push_back({"client_id", t.client_id, true});
  m.push_back(
      {"token_type", t.kind == store::TokenKind::kAccess ? "Bearer" : "refresh_token", true});
  m.push_back({"exp", exp, false});
  m.push_back({"iat", iat, false});
  m.push_back({"iss", issuer, true});
  m.push_back({"sub", t.subject, true});
  if (!t.aud.empty()) m.push_back({"aud", t.aud, true});
  if (fhir_user) m.push_back({"fhirUser", t.fhir_user, true});
  // The context: a JSON object (anything else adds nothing), each member replacing a base
  // member of the same name; of repeated names the last wins, as with parse() then operator[].
  CanonicalJson ctx(t.context_json);
  if (ctx.eat('{')) {
    if (!ctx.eat('}')) {
      do {
        std::string_view key, raw;
        if (!ctx.string(key) || !ctx.eat(':') || !ctx.value(raw)) return std::nullopt;
        auto it = std::find_if(m.begin(), m.end(), [&](const Member& x) { return x.key == key; });
        if (it != m.end()) {
          *it = {key, raw, false};
        } else {
          m.push_back({key, raw, false});
        }
      } while (ctx.eat(','));
      if (!ctx.eat('}')) return std::nullopt;
    }
    if (!ctx.at_end()) return std::nullopt;
  } else {
    // Not an object: the nlohmann path decides (a non-object or unparsable context adds nothing).
    return std::nullopt;
  }
  std::sort(m.begin(), m.end(), [](const Member& a, const Member& b) { return a.key < b.key; });
  std::size_t size = 2;
  for (const auto& x : m) size += x.key.size() + x.text.size() + 6;
  std::string out;
  out.reserve(size);
  out += '{';
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (i) out += ',';
    out += '"';
    out += m[i].key;
    out += "\":";
    if (m[i].quote) out += '"';
    out += m[i].text;
    if (m[i].quote) out += '"';
  }
  out += '}';
  return out;
}
}  // namespace

nlohmann::json AuthorizationServer::introspection_body(const store::TokenRecord& t) const {
  Json body{{"active", true},
            {"scope", t.scope},  // INTRO-3, INTRO-9: a string, as granted
            {"client_id", t.client_id},
            {"token_type", t.kind == store::TokenKind::kAccess ? "Bearer" : "refresh_token"},
            {"exp", t.expires_at},
            {"iat", t.issued_at},
            {"iss", d_.config.authz.issuer},
            {"sub", t.subject}};
  if (!t.aud.empty()) body["aud"] = t.aud;
  // INTRO-6: fhirUser as in the id_token.
  // The resource server needs it to apply user/ scopes, so it is sent whenever known
  // (I7662-9 lets responses be tailored to the authenticated resource server).
  if (!t.fhir_user.empty()) body["fhirUser"] = t.fhir_user;
  // INTRO-4: every launch context member of the token response, with the identical value: the
  // very JSON object the token response was built from.
  auto ctx = Json::parse(t.context_json, nullptr, false);
  if (ctx.is_object())
    for (auto& [k, v] : ctx.items()) body[k] = v;
  return body;
}

Response AuthorizationServer::introspect(http::RequestContext& ctx) {
  // I7662-1: the request is application/x-www-form-urlencoded; a raw or JSON body is refused.
  auto parsed = ctx.form();
  if (!parsed) return json_error(parsed.error());
  const http::Params form = std::move(*parsed);

  // I7662-2, INTRO-7: the caller must be a registered resource server, by client credentials
  // (Basic or body) or by a bearer token it obtained with the __introspect scope.
  auto authz = ctx.header(http::Field::authorization);
  if (auto bearer = http::parse_bearer(authz)) {
    auto caller = looks_like(*bearer, kAccessTokenPrefix)
                      ? d_.grants.find_token(credential_hash(*bearer))
                      : std::nullopt;
    bool ok = caller && caller->kind == store::TokenKind::kAccess && !caller->revoked &&
              caller->expires_at > now() &&
              scopes::ScopeSet::parse(caller->scope).has("__introspect");
    if (!ok) {  // I7662-7 with RFC 6750 §3
      auto res = json_error(
          core::make_error(ErrorCode::kInvalidToken, "the bearer token may not introspect"));
      res.set(http::Field::www_authenticate, "Bearer error=\"invalid_token\"");
      return res;
    }
  } else {
    auto caller = authenticate_client(ctx, form, AuthMode::kIntrospect);
    if (!caller) return json_error(caller.error());  // machine callers: always challenge
    if (caller->type != store::ClientType::kResourceServer) {
      return json_error(
          core::make_error(ErrorCode::kInvalidClient, "only resource servers may introspect",
                           "client " + caller->client_id + " is not a resource server"));
    }
  }

  auto token = form.get("token");
  if (!token) return json_error(core::make_error(ErrorCode::kInvalidRequest, "token is required"));
  if (form.count("token") > 1)
    return json_error(core::make_error(ErrorCode::kInvalidRequest, "token is repeated"));
  // token_type_hint is honoured by the prefix and never required (I7662-1, INTRO-10).
  bool access = looks_like(*token, kAccessTokenPrefix);
  bool refresh = looks_like(*token, kRefreshTokenPrefix);
  if (!access && !refresh) return json_ok(kInactive);  // malformed (INTRO-8)
  auto t = d_.grants.find_token(credential_hash(*token));
  if (!t || t->revoked || t->expires_at <= now()) return json_ok(kInactive);  // I7662-5/6
  if ((t->kind == store::TokenKind::kAccess) != access) return json_ok(kInactive);
  // Same bytes as introspection_body(*t).dump() (checked in builds with assertions on).
  auto fast = render_introspection(*t, d_.config.authz.issuer);
  assert(!fast || *fast == introspection_body(*t).dump());
  auto res = json_ok(fast ? *fast : introspection_body(*t).dump());
  add_cors(ctx, res, false);
  return res;
}

}  // namespace tessera::oauth
