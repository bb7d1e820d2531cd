// StaticFiles: serves the files of one directory under a URL prefix (GET and HEAD only), e.g. the
// sample SMART app at /apps/. Meant for a handful of small, public files (HTML, JS, CSS, images);
// each response is read from disk, so edits show without a restart.
//
// Trust boundary: the request path is attacker-controlled. Only a path that stays inside the
// directory is ever opened: a path with "..", ".", an empty segment, a leading "/", a backslash,
// a NUL or any other control character, or a segment starting with "." (hidden files) is refused
// with 404 before the file system is touched, and the file that would be served is resolved
// (symlinks included) and must still lie under the directory's canonical path. Only regular files
// are served. Answers carry `Cache-Control: no-cache` and `X-Content-Type-Options: nosniff`.
//
// Depends on: core, http (router, message), the standard library.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/router.h"

namespace tessera::http {

class StaticFiles {
 public:
  struct Options {
    std::string cache_control = "no-cache";
    std::string content_security_policy;           // set on text/html answers when non-empty
    std::size_t max_file_size = 16 * 1024 * 1024;  // larger files answer 404
  };

  // `root` must be an existing directory; `prefix` is an absolute URL path like "/apps" (a
  // trailing slash is ignored; "/" serves at the root).
  static core::Result<StaticFiles> open(const std::string& root, std::string prefix,
                                        Options options);
  static core::Result<StaticFiles> open(const std::string& root, std::string prefix) {
    return open(root, std::move(prefix), Options{});
  }

  // Adds GET routes for `{prefix}` and `{prefix}/{path*}` (HEAD is routed to GET by the router;
  // other methods get 405). The router keeps a copy of this object.
  void register_routes(Router& router) const;

  // The answer for one request whose decoded path starts with the prefix: the file, the
  // directory's index.html, a redirect adding the trailing slash to a directory, 304 for a
  // matching If-None-Match, or 404.
  Response serve(const RequestContext& ctx) const;

  const std::string& prefix() const { return prefix_; }
  const std::filesystem::path& root() const { return root_; }

  // Pure helpers (exposed for tests).
  // The path below the prefix is safe to join to the root: see the trust boundary above. "" is
  // safe (the root itself).
  static bool safe_relative_path(std::string_view rel);
  // Content-Type by file extension (case-insensitive); application/octet-stream otherwise.
  static std::string_view content_type_for(std::string_view filename);

 private:
  StaticFiles(std::filesystem::path root, std::string prefix, Options options)
      : root_(std::move(root)), prefix_(std::move(prefix)), options_(std::move(options)) {}
  Response not_found() const;

  std::filesystem::path root_;  // canonical
  std::string prefix_;          // "" for "/", else "/apps"
  Options options_;
};

}  // namespace tessera::http
