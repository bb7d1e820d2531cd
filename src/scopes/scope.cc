#include "scopes/scope.h"

#include <algorithm>
#include <cstddef>

#include "core/encoding.h"

namespace tessera::scopes {
namespace {

constexpr std::string_view kLetters = "cruds";

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) (OAUTH-5).
bool is_scope_token_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool all_scope_token_chars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), is_scope_token_char);
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return is_upper(c) || is_lower(c); }

// SCOPE-1: ResourceType | "*". FHIR type names are [A-Z][A-Za-z]*.
bool valid_resource_type(std::string_view t) {
  if (t == "*") return true;
  if (t.empty() || !is_upper(t.front())) return false;
  return std::all_of(t.begin(), t.end(), is_alpha);
}

// FHIR search parameter name, optionally with modifier (':') or chain ('.') [exp] (SCOPE-6).
bool valid_param_name(std::string_view p) {
  if (p.empty()) return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == ':';
  });
}

// Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) without C0/DEL control characters.
bool valid_decoded_value(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::optional<Context> parse_context(std::string_view s) {
  // Case-sensitive (OAUTH-5): "Patient" is not "patient".
  if (s == "patient") return Context::kPatient;
  if (s == "user") return Context::kUser;
  if (s == "system") return Context::kSystem;
  return std::nullopt;
}

// SCOPE-1 letters: a non-empty, strictly ordered subset of "cruds". SCOPE-3: anything else is
// rejected, never reinterpreted.
std::optional<std::uint8_t> parse_letters(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::size_t next = 0;  // first index in kLetters still allowed
  unsigned bits = 0;
  for (char c : s) {
    const std::size_t idx = kLetters.find(c);
    if (idx == std::string_view::npos || idx < next) return std::nullopt;  // unknown/order/repeat
    bits |= 1u << idx;
    next = idx + 1;
  }
  return static_cast<std::uint8_t>(bits);
}

// SCOPE-4: v1 permission words.
std::optional<std::uint8_t> parse_v1(std::string_view s) {
  if (s == "read") return static_cast<std::uint8_t>(kRead | kSearch);
  if (s == "write") return static_cast<std::uint8_t>(kCreate | kUpdate | kDelete);
  if (s == "*") return kAllPermissions;
  return std::nullopt;
}

std::optional<std::string_view> v1_word(std::uint8_t permissions) {
  if (permissions == (kRead | kSearch)) return "read";
  if (permissions == (kCreate | kUpdate | kDelete)) return "write";
  if (permissions == kAllPermissions) return "*";
  return std::nullopt;
}

// SCOPE-6: param=value ("&" param=value)*.
std::optional<std::vector<Constraint>> parse_query(std::string_view q) {
  std::vector<Constraint> out;
  while (true) {
    const std::size_t amp = q.find('&');
    const std::string_view term = q.substr(0, amp);
    const std::size_t eq = term.find('=');
    if (eq == std::string_view::npos) return std::nullopt;  // missing '='
    const std::string_view param = term.substr(0, eq);
    const std::string_view raw_value = term.substr(eq + 1);
    if (!valid_param_name(param) || raw_value.empty()) return std::nullopt;
    // '+' stays literal: scope values are FHIR search values (e.g. time zone offsets), and the
    // scope parameter itself was already form-decoded by the HTTP layer.
    std::optional<std::string> value = core::url_decode(raw_value, /*form=*/false);
    if (!value || value->empty() || !valid_decoded_value(*value)) return std::nullopt;
    out.push_back(Constraint{std::string(param), std::move(*value)});
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

bool needs_escape(char ch) {
  return ch == '%' || ch == '&' || ch == '=' || !is_scope_token_char(ch);
}

std::string encode_value(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size());
  for (char ch : v) {
    if (needs_escape(ch)) {
      const auto c = static_cast<unsigned char>(ch);
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

using ConstraintKey = std::pair<std::string_view, std::string_view>;

std::vector<ConstraintKey> canonical(const std::vector<Constraint>& cs) {
  std::vector<ConstraintKey> out;
  out.reserve(cs.size());
  for (const Constraint& c : cs) out.emplace_back(c.param, c.value);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool is_extension_or_uri_scheme(std::string_view token) {
  // RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  const std::size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= token.size()) return false;
  if (!is_alpha(token.front())) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    const char c = token[i];
    if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.')) return false;
  }
  return true;
}

}  // namespace

std::uint8_t permission_for(Interaction interaction) {
  // SCOPE-2.
  switch (interaction) {
    case Interaction::kCreate:
      return kCreate;
    case Interaction::kRead:
    case Interaction::kVread:
    case Interaction::kHistoryInstance:
      return kRead;
    case Interaction::kUpdate:
    case Interaction::kPatch:
      return kUpdate;
    case Interaction::kDelete:
      return kDelete;
    case Interaction::kSearch:
    case Interaction::kHistoryType:
      return kSearch;
  }
  return 0;
}

std::optional<ResourceScope> parse_resource_scope(std::string_view s) {
  if (s.empty() || !all_scope_token_chars(s)) return std::nullopt;  // OAUTH-5 / RFC 6749 §3.3

  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<Context> context = parse_context(s.substr(0, slash));
  if (!context) return std::nullopt;

  std::string_view rest = s.substr(slash + 1);
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view type = rest.substr(0, dot);
  if (!valid_resource_type(type)) return std::nullopt;

  rest.remove_prefix(dot + 1);
  const std::size_t qmark = rest.find('?');
  const std::string_view perms = rest.substr(0, qmark);

  ResourceScope out;
  out.context = *context;
  out.resource_type = std::string(type);
  if (std::optional<std::uint8_t> v2 = parse_letters(perms)) {
    out.permissions = *v2;
  } else if (std::optional<std::uint8_t> v1 = parse_v1(perms)) {
    // SCOPE-4: .read => .rs, .write => .cud, .* => .cruds. v1 has no query syntax.
    if (qmark != std::string_view::npos) return std::nullopt;
    out.permissions = *v1;
    out.v1 = true;
  } else {
    return std::nullopt;  // SCOPE-3: unknown, repeated, out-of-order or empty letters
  }

  if (qmark != std::string_view::npos) {
    std::optional<std::vector<Constraint>> constraints = parse_query(rest.substr(qmark + 1));
    if (!constraints) return std::nullopt;
    out.constraints = std::move(*constraints);
  }
  out.text = std::string(s);
  return out;
}

std::string_view context_name(Context context) {
  switch (context) {
    case Context::kPatient:
      return "patient";
    case Context::kUser:
      return "user";
    case Context::kSystem:
      return "system";
  }
  return "patient";
}

std::string permission_letters(std::uint8_t permissions) {
  std::string out;
  for (std::size_t i = 0; i < kLetters.size(); ++i) {
    if ((permissions >> i) & 1u) out += kLetters[i];
  }
  return out;
}

std::string format_resource_scope(const ResourceScope& scope) {
  std::string out(context_name(scope.context));
  out += '/';
  out += scope.resource_type;
  out += '.';
  const std::optional<std::string_view> word = v1_word(scope.permissions);
  if (scope.v1 && word && scope.constraints.empty()) {
    out += *word;
    return out;
  }
  out += permission_letters(scope.permissions);
  char sep = '?';
  for (const Constraint& c : scope.constraints) {
    out += sep;
    out += c.param;
    out += '=';
    out += encode_value(c.value);
    sep = '&';
  }
  return out;
}

bool same_constraints(const std::vector<Constraint>& a, const std::vector<Constraint>& b) {
  return canonical(a) == canonical(b);
}

TokenKind classify_token(std::string_view token) {
  if (token == "openid") return TokenKind::kOpenId;
  if (token == "fhirUser") return TokenKind::kFhirUser;
  if (token == "profile") return TokenKind::kProfile;
  if (token == "launch") return TokenKind::kLaunch;
  if (token == "offline_access") return TokenKind::kOfflineAccess;
  if (token == "online_access") return TokenKind::kOnlineAccess;
  if (parse_launch_scope(token)) return TokenKind::kLaunchContext;
  if (parse_resource_scope(token)) return TokenKind::kResource;
  return TokenKind::kUnknown;
}

std::optional<LaunchScope> parse_launch_scope(std::string_view token) {
  constexpr std::string_view kPrefix = "launch/";
  if (token.substr(0, kPrefix.size()) != kPrefix || !all_scope_token_chars(token)) {
    return std::nullopt;
  }
  std::string_view rest = token.substr(kPrefix.size());
  const std::size_t qmark = rest.find('?');
  const std::string_view type = rest.substr(0, qmark);
  // SCOPE-17: the type name is written all lowercase.
  if (type.empty() || !std::all_of(type.begin(), type.end(), is_lower)) return std::nullopt;
  LaunchScope out;
  out.type = std::string(type);
  if (qmark != std::string_view::npos) {
    // SCOPE-18: "?role=<uri>", exactly one role per scope.
    constexpr std::string_view kRole = "role=";
    std::string_view query = rest.substr(qmark + 1);
    if (query.substr(0, kRole.size()) != kRole) return std::nullopt;
    query.remove_prefix(kRole.size());
    if (query.empty() || query.find('&') != std::string_view::npos) return std::nullopt;
    std::optional<std::string> role = core::url_decode(query, /*form=*/false);
    if (!role || role->empty() || !valid_decoded_value(*role)) return std::nullopt;
    out.role = std::move(*role);
  }
  return out;
}

bool is_extension_scope(std::string_view token) {
  if (token.size() > 2 && token.substr(0, 2) == "__") return all_scope_token_chars(token);
  return all_scope_token_chars(token) && is_extension_or_uri_scheme(token);
}

}  // namespace tessera::scopes
