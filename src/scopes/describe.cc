#include "scopes/describe.h"

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

namespace tessera::scopes {
namespace {

// "a", "a and b", "a, b and c".
std::string join_and(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::string plural(std::string_view type) {
  std::string out(type);
  const auto ends_with = [&](std::string_view suffix) {
    return type.size() >= suffix.size() && type.substr(type.size() - suffix.size()) == suffix;
  };
  if (type.size() >= 2 && type.back() == 'y') {
    const char before = type[type.size() - 2];
    if (before != 'a' && before != 'e' && before != 'o' && before != 'u') {
      out.pop_back();
      out += "ies";  // ResearchStudy -> ResearchStudies
      return out;
    }
  }
  if (ends_with("s") || ends_with("x") || ends_with("ch") || ends_with("sh")) {
    out += "es";
    return out;
  }
  out += 's';
  return out;
}

// Last segment after '|' (token code), or the whole value when that would be empty.
std::string_view readable_value(std::string_view value) {
  const std::size_t bar = value.rfind('|');
  if (bar == std::string_view::npos || bar + 1 >= value.size()) return value;
  return value.substr(bar + 1);
}

std::string verbs(std::uint8_t permissions) {
  static constexpr std::array<std::string_view, 5> kVerbs = {"create", "read", "update", "delete",
                                                             "search"};
  std::vector<std::string> items;
  for (std::size_t i = 0; i < kVerbs.size(); ++i) {
    if ((permissions >> i) & 1u) items.emplace_back(kVerbs[i]);
  }
  std::string out = join_and(items);
  if (!out.empty() && out.front() >= 'a' && out.front() <= 'z') {
    out.front() = static_cast<char>(out.front() - 'a' + 'A');
  }
  return out;
}

std::string object(const ResourceScope& scope) {
  const bool all_types = scope.resource_type == "*";
  const std::string types = all_types ? std::string() : plural(scope.resource_type);
  switch (scope.context) {
    case Context::kPatient:  // SCOPE-11: the one patient in context
      return all_types ? "all your data" : "your " + types;
    case Context::kUser:  // SCOPE-11: what the user can reach, not only data about the user
      return all_types ? "all data you can access" : types + " you can access";
    case Context::kSystem:  // SCOPE-11: what the client's policy allows
      return all_types ? "all data" : "all " + types;
  }
  return "data";
}

}  // namespace

std::string describe(const ResourceScope& scope) {
  std::string out = verbs(scope.permissions);
  if (out.empty()) out = "No access to";
  out += ' ';
  out += object(scope);  // SCOPE-7: "*" is shown as all data, now and later
  if (!scope.constraints.empty()) {
    // SCOPE-6: the suffix narrows to matching resources.
    std::vector<std::string> terms;
    terms.reserve(scope.constraints.size());
    for (const Constraint& c : scope.constraints) {
      std::string term = c.param;
      term += " is ";
      term += readable_value(c.value);
      terms.push_back(std::move(term));
    }
    out += " (only where ";
    out += join_and(terms);
    out += ')';
  }
  return out;
}

std::string describe_token(std::string_view token) {
  switch (classify_token(token)) {
    case TokenKind::kOpenId:
      return "Know who you are";
    case TokenKind::kFhirUser:
      return "Know your FHIR identity (fhirUser)";
    case TokenKind::kProfile:
      return "Know your basic profile information";
    case TokenKind::kLaunch:
      return "Use the context the EHR launched you with";
    case TokenKind::kOfflineAccess:
      return "Keep access while you are away (offline access)";
    case TokenKind::kOnlineAccess:
      return "Keep access while you are signed in (online access)";
    case TokenKind::kLaunchContext: {
      const std::optional<LaunchScope> launch = parse_launch_scope(token);
      if (!launch) break;
      std::string out = "Know which " + launch->type + " you chose";
      if (launch->type == "encounter") out = "Know which encounter is in context";
      if (!launch->role.empty()) out += " (role " + launch->role + ")";
      return out;
    }
    case TokenKind::kResource: {
      const std::optional<ResourceScope> scope = parse_resource_scope(token);
      if (!scope) break;
      return describe(*scope);
    }
    case TokenKind::kUnknown:
      break;
  }
  return "Other access requested by the app: " + std::string(token);
}

}  // namespace tessera::scopes
