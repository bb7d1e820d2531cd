// Minimal tag scanner for the web tests. It relies on a property the pages guarantee: every '<' in
// untrusted text is escaped, so each raw '<' starts a real tag and each tag ends at the next '>'.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::web::test {

struct Tag {
  std::string name;  // lower-case, without '/'
  bool closing = false;
  bool self_closing = false;
  std::vector<std::pair<std::string, std::optional<std::string>>> attrs;  // value absent: bare

  bool has(std::string_view attr) const {
    for (const auto& [k, v] : attrs) {
      if (k == attr) return true;
    }
    return false;
  }
  std::string get(std::string_view attr) const {
    for (const auto& [k, v] : attrs) {
      if (k == attr) return v.value_or("");
    }
    return {};
  }
};

inline std::vector<Tag> scan_tags(std::string_view html) {
  std::vector<Tag> out;
  std::size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string_view::npos) {
    const std::size_t end = html.find('>', pos);
    if (end == std::string_view::npos) break;
    std::string_view body = html.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (body.empty() || body[0] == '!') continue;  // <!DOCTYPE html>
    Tag t;
    if (body[0] == '/') {
      t.closing = true;
      body.remove_prefix(1);
    }
    if (!body.empty() && body.back() == '/') {
      t.self_closing = true;
      body.remove_suffix(1);
    }
    std::size_t i = 0;
    while (i < body.size() && body[i] != ' ' && body[i] != '\n') t.name += body[i++];
    while (i < body.size()) {
      while (i < body.size() && (body[i] == ' ' || body[i] == '\n')) ++i;
      std::string key;
      while (i < body.size() && body[i] != '=' && body[i] != ' ' && body[i] != '\n') {
        key += body[i++];
      }
      if (key.empty()) break;
      if (i < body.size() && body[i] == '=') {
        ++i;
        std::string value;
        if (i < body.size() && body[i] == '"') {
          ++i;
          while (i < body.size() && body[i] != '"') value += body[i++];
          ++i;
        } else {
          while (i < body.size() && body[i] != ' ') value += body[i++];
        }
        t.attrs.emplace_back(key, value);
      } else {
        t.attrs.emplace_back(key, std::nullopt);
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

inline bool is_void(std::string_view name) {
  return name == "meta" || name == "link" || name == "input" || name == "br" || name == "img" ||
         name == "hr";
}

// Empty when every non-void element is closed in order; otherwise a description of the first
// problem.
inline std::string nesting_problem(std::string_view html) {
  std::vector<std::string> stack;
  for (const Tag& t : scan_tags(html)) {
    if (t.self_closing || (!t.closing && is_void(t.name))) continue;
    if (!t.closing) {
      stack.push_back(t.name);
      continue;
    }
    if (stack.empty()) return "</" + t.name + "> with nothing open";
    if (stack.back() != t.name) return "</" + t.name + "> closes <" + stack.back() + ">";
    stack.pop_back();
  }
  if (!stack.empty()) return "<" + stack.back() + "> never closed";
  return {};
}

inline std::vector<Tag> tags_named(std::string_view html, std::string_view name) {
  std::vector<Tag> out;
  for (Tag& t : scan_tags(html)) {
    if (!t.closing && t.name == name) out.push_back(std::move(t));
  }
  return out;
}

inline std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string_view::npos;
       p = haystack.find(needle, p + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace tessera::web::test
