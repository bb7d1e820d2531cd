#include "http/message.h"

#include <algorithm>
#include <cctype>

#include "core/encoding.h"

namespace tessera::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string media_type(std::string_view ct) {
  auto semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  std::string out(ct);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

core::Result<Params> Params::parse(std::string_view encoded) {
  Params p;
  std::size_t pos = 0;
  while (pos <= encoded.size() && !encoded.empty()) {
    auto amp = encoded.find('&', pos);
    auto part =
        encoded.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      auto name = url_decode_or(part.substr(0, eq));
      auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                : core::url_decode(part.substr(eq + 1));
      if (!name || !value) {
        return core::make_error(core::ErrorCode::kInvalidRequest, "malformed percent-encoding");
      }
      p.items_.emplace_back(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return p;
}

std::optional<std::string> Params::url_decode_or(std::string_view s) { return core::url_decode(s); }

std::optional<std::string> Params::get(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (k == name && !v.empty()) return v;
  return std::nullopt;
}

std::vector<std::string> Params::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : items_)
    if (k == name && !v.empty()) out.push_back(v);
  return out;
}

std::size_t Params::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [&](const auto& kv) {
    return kv.first == name && !kv.second.empty();
  }));
}

std::string Params::encode() const {
  std::string out;
  for (const auto& [k, v] : items_) {
    if (!out.empty()) out += '&';
    out += core::url_encode(k);
    out += '=';
    out += core::url_encode(v);
  }
  return out;
}

std::string_view RequestContext::header(Field f) const {
  auto it = req.find(f);
  return it == req.end() ? std::string_view{} : std::string_view(it->value());
}

std::string_view RequestContext::header(std::string_view name) const {
  auto it = req.find(name);
  return it == req.end() ? std::string_view{} : std::string_view(it->value());
}

core::Result<Params> RequestContext::form() const {
  if (media_type(header(Field::content_type)) != "application/x-www-form-urlencoded") {
    return core::make_error(core::ErrorCode::kInvalidRequest,
                            "the body must be application/x-www-form-urlencoded");
  }
  return Params::parse(req.body());
}

std::optional<std::string> RequestContext::cookie(std::string_view name) const {
  // Every Cookie field, wherever it sits: fields are kept in arrival order, so same-name fields
  // need not be adjacent.
  for (const auto& field : req) {
    if (field.name() != Field::cookie) continue;
    std::string_view all = field.value();
    while (!all.empty()) {
      auto semi = all.find(';');
      auto part = all.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      auto eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == name) {
        return std::string(part.substr(eq + 1));
      }
      if (semi == std::string_view::npos) break;
      all.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

Response make_response(Status status, std::string body, std::string_view content_type,
                       unsigned version) {
  Response res{status, version};
  res.set(Field::server, "tessera");
  if (!content_type.empty()) res.set(Field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(Status status, const std::string& json_body) {
  return make_response(status, json_body, "application/json");
}

Response html_response(Status status, std::string html) {
  auto res = make_response(status, std::move(html), "text/html; charset=utf-8");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action *; "
          "frame-ancestors 'none'; base-uri 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(Field::cache_control, "no-store");
  return res;
}

Response redirect_response(std::string_view location, Status status) {
  auto res = make_response(status, "", "");
  res.set(Field::location, location);
  res.set(Field::cache_control, "no-store");
  res.set("Referrer-Policy", "no-referrer");
  return res;
}

void set_no_store(Response& res) {
  res.set(Field::cache_control, "no-store");
  res.set(Field::pragma, "no-cache");
}

std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view h) {
  if (h.size() < 6 || !iequals(h.substr(0, 6), "basic ")) return std::nullopt;
  h.remove_prefix(6);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  auto decoded = core::base64_decode(h);
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  // RFC 6749 §2.3.1: each part is form-urlencoded before base64 (SYM-3).
  auto id = core::url_decode(std::string_view(*decoded).substr(0, colon));
  auto secret = core::url_decode(std::string_view(*decoded).substr(colon + 1));
  if (!id || !secret || id->empty()) return std::nullopt;
  return std::make_pair(std::move(*id), std::move(*secret));
}

std::optional<std::string> parse_bearer(std::string_view h) {
  if (h.size() < 7 || !iequals(h.substr(0, 7), "bearer ")) return std::nullopt;
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  if (h.empty() || h.find(' ') != std::string_view::npos) return std::nullopt;
  return std::string(h);
}

}  // namespace tessera::http
