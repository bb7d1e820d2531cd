#include "http/static_files.h"

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <utility>

namespace tessera::http {

namespace fs = std::filesystem;

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  auto tail = s.substr(s.size() - suffix.size());
  for (std::size_t i = 0; i < suffix.size(); ++i)
    if (lower(tail[i]) != suffix[i]) return false;
  return true;
}

// True when `p` (canonical) is `root` (canonical) or lies below it.
bool is_within(const fs::path& p, const fs::path& root) {
  auto pi = p.begin();
  for (auto ri = root.begin(); ri != root.end(); ++ri, ++pi) {
    if (ri->empty()) continue;  // trailing separator of the root
    if (pi == p.end() || *pi != *ri) return false;
  }
  return true;
}

// The raw (still percent-encoded) path of the request target, for redirects.
std::string_view raw_path(const RequestContext& ctx) {
  std::string_view t = ctx.req.target();
  return t.substr(0, t.find('?'));
}

}  // namespace

core::Result<StaticFiles> StaticFiles::open(const std::string& root, std::string prefix,
                                            Options options) {
  std::error_code ec;
  fs::path canon = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canon, ec)) {
    return core::make_error(core::ErrorCode::kBadRequest, "static files: not a directory: " + root);
  }
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty() && prefix.front() != '/') {
    return core::make_error(core::ErrorCode::kBadRequest,
                            "static files: the URL prefix must start with /: " + prefix);
  }
  if (!prefix.empty() && !safe_relative_path(std::string_view(prefix).substr(1))) {
    return core::make_error(core::ErrorCode::kBadRequest,
                            "static files: bad URL prefix: " + prefix);
  }
  return StaticFiles(std::move(canon), std::move(prefix), std::move(options));
}

bool StaticFiles::safe_relative_path(std::string_view rel) {
  if (rel.empty()) return true;
  if (rel.front() == '/') return false;  // absolute (or "//..." after the prefix)
  std::size_t start = 0;
  while (start <= rel.size()) {
    auto slash = rel.find('/', start);
    auto seg =
        rel.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty()) return false;         // "a//b", trailing "/"
    if (seg.front() == '.') return false;  // ".", "..", hidden files
    for (char c : seg) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f || c == '\\') return false;  // NUL, controls, Windows separators
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

std::string_view StaticFiles::content_type_for(std::string_view name) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr std::array<Type, 16> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
  }};
  for (const auto& t : kTypes)
    if (ends_with_ci(name, t.ext)) return t.type;
  return "application/octet-stream";
}

Response StaticFiles::not_found() const {
  auto res = make_response(Status::not_found, "Not found\n", "text/plain; charset=utf-8");
  res.set(Field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  return res;
}

Response StaticFiles::serve(const RequestContext& ctx) const {
  std::string_view path = ctx.path;
  if (path.size() < prefix_.size() || path.substr(0, prefix_.size()) != prefix_) return not_found();
  std::string_view rel = path.substr(prefix_.size());
  if (rel.empty()) {  // "/apps" -> "/apps/" so relative links resolve inside the directory
    std::string loc = std::string(raw_path(ctx)) + "/";
    if (!ctx.raw_query.empty()) loc += "?" + ctx.raw_query;
    return redirect_response(loc, Status::moved_permanently);
  }
  if (rel.front() != '/') return not_found();  // "/appsX"
  rel.remove_prefix(1);
  const bool wants_directory = rel.empty() || rel.back() == '/';
  if (wants_directory && !rel.empty()) rel.remove_suffix(1);
  if (!safe_relative_path(rel)) return not_found();

  std::error_code ec;
  fs::path target = rel.empty() ? root_ : root_ / fs::path(std::string(rel));
  auto st = fs::status(target, ec);
  if (ec) return not_found();
  if (fs::is_directory(st)) {
    if (!wants_directory) {
      std::string loc = std::string(raw_path(ctx)) + "/";
      if (!ctx.raw_query.empty()) loc += "?" + ctx.raw_query;
      return redirect_response(loc, Status::moved_permanently);
    }
    target /= "index.html";
  } else if (wants_directory) {
    return not_found();  // "/apps/file.html/"
  }
  fs::path canon = fs::canonical(target, ec);
  if (ec || !is_within(canon, root_)) return not_found();  // a symlink out of the directory
  if (!fs::is_regular_file(canon, ec) || ec) return not_found();
  auto size = fs::file_size(canon, ec);
  if (ec || size > options_.max_file_size) return not_found();
  auto mtime = fs::last_write_time(canon, ec);
  if (ec) return not_found();

  const std::string etag =
      "\"" + std::to_string(size) + "-" +
      std::to_string(static_cast<std::uint64_t>(mtime.time_since_epoch().count())) + "\"";
  auto finish = [&](Response& res) {
    res.set(Field::cache_control, options_.cache_control);
    res.set(Field::etag, etag);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
  };
  const std::string_view type = content_type_for(canon.filename().string());
  if (auto inm = ctx.header(Field::if_none_match); !inm.empty() && inm == etag) {
    auto res = make_response(Status::not_modified, "", "");
    finish(res);
    return res;
  }

  std::ifstream in(canon, std::ios::binary);
  if (!in) return not_found();
  std::string body(static_cast<std::size_t>(size), '\0');
  in.read(body.data(), static_cast<std::streamsize>(size));
  body.resize(static_cast<std::size_t>(in.gcount()));
  auto res = make_response(Status::ok, std::move(body), type);
  finish(res);
  if (!options_.content_security_policy.empty() && type.rfind("text/html", 0) == 0)
    res.set("Content-Security-Policy", options_.content_security_policy);
  return res;
}

void StaticFiles::register_routes(Router& router) const {
  auto self = std::make_shared<const StaticFiles>(*this);
  auto handler = [self](RequestContext& ctx) { return self->serve(ctx); };
  if (prefix_.empty()) {
    router.add_sync(Verb::get, "/{path*}", handler);
  } else {
    router.add_sync(Verb::get, prefix_, handler);
    router.add_sync(Verb::get, prefix_ + "/{path*}", handler);
  }
}

}  // namespace tessera::http
