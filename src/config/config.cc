#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tessera::config {

namespace {

bool is_http_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

std::string strip_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool split_listen(const std::string& v, std::string& addr, std::uint16_t& port) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos) return false;
  addr = v.substr(0, colon);
  if (!addr.empty() && addr.front() == '[' && addr.back() == ']')
    addr = addr.substr(1, addr.size() - 2);
  unsigned p = 0;
  auto s = v.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), p);
  if (ec != std::errc() || ptr != s.data() + s.size() || p > 65535 || addr.empty()) return false;
  port = static_cast<std::uint16_t>(p);
  return true;
}

class Reader {
 public:
  Reader(const toml::table& t, std::vector<std::string>& errors) : t_(t), errors_(errors) {}

  void str(std::string_view key, std::string& out) {
    auto node = t_.at_path(key);
    if (!node) return;
    if (auto v = node.value<std::string>())
      out = *v;
    else
      errors_.push_back(std::string(key) + ": expected a string");
  }
  template <class Int>
  void integer(std::string_view key, Int& out, std::int64_t lo, std::int64_t hi) {
    auto node = t_.at_path(key);
    if (!node) return;
    // value_exact: no silent conversion from a bool or a float (toml++ value<> would take them).
    auto v = node.value_exact<std::int64_t>();
    if (!v || *v < lo || *v > hi) {
      errors_.push_back(std::string(key) + ": expected an integer in [" + std::to_string(lo) +
                        ", " + std::to_string(hi) + "]");
      return;
    }
    out = static_cast<Int>(*v);
  }
  template <class Dur>
  void duration(std::string_view key, Dur& out, std::int64_t lo, std::int64_t hi) {
    std::int64_t v = out.count();
    integer(key, v, lo, hi);
    out = Dur(v);
  }
  void boolean(std::string_view key, bool& out) {
    auto node = t_.at_path(key);
    if (!node) return;
    if (auto v = node.value_exact<bool>())
      out = *v;  // `1` is not a boolean
    else
      errors_.push_back(std::string(key) + ": expected true or false");
  }
  void strings(std::string_view key, std::vector<std::string>& out) {
    auto node = t_.at_path(key);
    if (!node) return;
    if (auto s = node.value<std::string>()) {
      out = {*s};
      return;
    }
    auto arr = node.as_array();
    if (!arr) {
      errors_.push_back(std::string(key) + ": expected an array of strings");
      return;
    }
    out.clear();
    for (auto& e : *arr) {
      if (auto s = e.value<std::string>())
        out.push_back(*s);
      else
        errors_.push_back(std::string(key) + ": expected an array of strings");
    }
  }
  // Keys we do not know are errors: a typo must not silently fall back to a default.
  void check_unknown(const std::vector<std::string>& known_sections,
                     const std::vector<std::string>& known_keys) {
    for (auto& [k, v] : t_) {
      std::string key(k.str());
      if (v.is_table()) {
        if (std::find(known_sections.begin(), known_sections.end(), key) == known_sections.end()) {
          errors_.push_back("unknown section [" + key + "]");
          continue;
        }
        for (auto& [k2, v2] : *v.as_table()) {
          (void)v2;
          std::string full = key + "." + std::string(k2.str());
          if (std::find(known_keys.begin(), known_keys.end(), full) == known_keys.end())
            errors_.push_back("unknown key " + full);
        }
      } else if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
        errors_.push_back("unknown key " + key);
      }
    }
  }

 private:
  const toml::table& t_;
  std::vector<std::string>& errors_;
};

}  // namespace

std::vector<std::string> validate(const Config& c) {
  std::vector<std::string> e;
  if (c.mode != "production" && c.mode != "demo")
    e.push_back("mode: must be \"production\" or \"demo\"");
  if (c.database.empty()) e.push_back("database: must not be empty");
  static const std::vector<std::string> levels = {"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};
  if (std::find(levels.begin(), levels.end(), c.log_level) == levels.end())
    e.push_back("log.level: must be one of trace, debug, info, warn, error, critical, off");
  if (!is_http_url(c.server.public_url)) e.push_back("server.public_url: must be an http(s) URL");
  if (c.server.tls_cert.empty() != c.server.tls_key.empty())
    e.push_back("server.tls_cert and server.tls_key: set both or neither");
  for (const auto& f : {c.server.tls_cert, c.server.tls_key}) {
    if (!f.empty() && !std::filesystem::exists(f)) e.push_back("TLS file not found: " + f);
  }
  if (!c.server.apps_dir.empty() && !std::filesystem::is_directory(c.server.apps_dir))
    e.push_back("server.apps_dir: not a directory: " + c.server.apps_dir);
  if (c.authz.fhir_audiences.empty())
    e.push_back("authz.fhir_audiences: at least one FHIR base URL is needed");
  for (const auto& a : c.authz.fhir_audiences)
    if (!is_http_url(a)) e.push_back("authz.fhir_audiences: not an http(s) URL: " + a);
  if (c.authz.access_token_ttl.count() < 1 || c.authz.access_token_ttl.count() > 3600)
    e.push_back("authz.access_token_ttl: 1..3600 seconds (TOKEN-8)");
  if (c.authz.code_ttl.count() < 1 || c.authz.code_ttl.count() > 600)
    e.push_back("authz.code_ttl: 1..600 seconds (AUTHZ-10)");
  if (c.authz.backend_token_ttl.count() < 1 || c.authz.backend_token_ttl.count() > 300)
    e.push_back("authz.backend_token_ttl: 1..300 seconds (BACKEND-9)");
  if (!c.fhir.base_url.empty() && !is_http_url(c.fhir.base_url))
    e.push_back("fhir.base_url: must be an http(s) URL");
  if (!c.fhir.authorization_server.empty() && !is_http_url(c.fhir.authorization_server))
    e.push_back("fhir.authorization_server: must be an http(s) URL");
  if (!c.fhir.introspection_url.empty() && !is_http_url(c.fhir.introspection_url))
    e.push_back("fhir.introspection_url: must be an http(s) URL");
  if (c.fhir.cache_ttl.count() < 0 || c.fhir.cache_ttl.count() > 300'000)
    e.push_back("fhir.cache_ttl_ms: 0..300000");
  if (c.fhir.default_page_size < 1 || c.fhir.default_page_size > c.fhir.max_page_size)
    e.push_back("fhir.default_page_size: 1..fhir.max_page_size");
  return e;
}

core::Result<Config> load(const std::string& path, const Overrides& o) {
  Config c;
  std::vector<std::string> errors;
  if (!path.empty()) {
    toml::table t;
    try {
      t = toml::parse_file(path);
    } catch (const toml::parse_error& err) {
      std::ostringstream msg;
      msg << path << ":" << err.source().begin.line << ":" << err.source().begin.column << ": "
          << err.description();
      return core::make_error(core::ErrorCode::kBadRequest, msg.str());
    }
    Reader r(t, errors);
    r.check_unknown({"server", "authz", "fhir", "log"}, {"mode",
                                                         "database",
                                                         "log.level",
                                                         "log.json",
                                                         "server.listen",
                                                         "server.public_url",
                                                         "server.threads",
                                                         "server.header_limit",
                                                         "server.body_limit",
                                                         "server.read_timeout_ms",
                                                         "server.idle_timeout_ms",
                                                         "server.tls_cert",
                                                         "server.tls_key",
                                                         "server.apps_dir",
                                                         "authz.issuer",
                                                         "authz.fhir_audiences",
                                                         "authz.access_token_ttl",
                                                         "authz.refresh_token_ttl",
                                                         "authz.code_ttl",
                                                         "authz.backend_token_ttl",
                                                         "authz.launch_ttl",
                                                         "authz.interaction_ttl",
                                                         "authz.session_ttl",
                                                         "authz.purge_interval",
                                                         "authz.max_login_failures",
                                                         "authz.login_lockout",
                                                         "authz.launcher_enabled",
                                                         "fhir.base_url",
                                                         "fhir.authorization_server",
                                                         "fhir.introspection_url",
                                                         "fhir.client_id",
                                                         "fhir.client_secret",
                                                         "fhir.client_secret_file",
                                                         "fhir.cache_ttl_ms",
                                                         "fhir.negative_cache_ttl_ms",
                                                         "fhir.cache_max_entries",
                                                         "fhir.introspection_timeout_ms",
                                                         "fhir.practitioner_all_patients",
                                                         "fhir.default_page_size",
                                                         "fhir.max_page_size"});
    r.str("mode", c.mode);
    r.str("database", c.database);
    r.str("log.level", c.log_level);
    r.boolean("log.json", c.log_json);
    std::string listen;
    r.str("server.listen", listen);
    if (!listen.empty() && !split_listen(listen, c.server.listen_address, c.server.port))
      errors.push_back("server.listen: expected \"address:port\"");
    r.str("server.public_url", c.server.public_url);
    r.integer("server.threads", c.server.threads, 0, 256);
    r.integer("server.header_limit", c.server.header_limit, 1024, 1 << 20);
    r.integer("server.body_limit", c.server.body_limit, 1024, 1LL << 30);
    r.duration("server.read_timeout_ms", c.server.read_timeout, 100, 600'000);
    r.duration("server.idle_timeout_ms", c.server.idle_timeout, 100, 3'600'000);
    r.str("server.tls_cert", c.server.tls_cert);
    r.str("server.tls_key", c.server.tls_key);
    r.str("server.apps_dir", c.server.apps_dir);
    r.str("authz.issuer", c.authz.issuer);
    r.strings("authz.fhir_audiences", c.authz.fhir_audiences);
    r.duration("authz.access_token_ttl", c.authz.access_token_ttl, 1, 86400);
    r.duration("authz.refresh_token_ttl", c.authz.refresh_token_ttl, 60, 10LL * 365 * 86400);
    r.duration("authz.code_ttl", c.authz.code_ttl, 1, 3600);
    r.duration("authz.backend_token_ttl", c.authz.backend_token_ttl, 1, 3600);
    r.duration("authz.launch_ttl", c.authz.launch_ttl, 1, 86400);
    r.duration("authz.interaction_ttl", c.authz.interaction_ttl, 60, 86400);
    r.duration("authz.session_ttl", c.authz.session_ttl, 60, 30 * 86400);
    r.duration("authz.purge_interval", c.authz.purge_interval, 1, 86400);
    r.integer("authz.max_login_failures", c.authz.max_login_failures, 1, 1000);
    r.duration("authz.login_lockout", c.authz.login_lockout, 1, 86400);
    r.boolean("authz.launcher_enabled", c.authz.launcher_enabled);
    r.str("fhir.base_url", c.fhir.base_url);
    r.str("fhir.authorization_server", c.fhir.authorization_server);
    r.str("fhir.introspection_url", c.fhir.introspection_url);
    r.str("fhir.client_id", c.fhir.client_id);
    r.str("fhir.client_secret", c.fhir.client_secret);
    r.str("fhir.client_secret_file", c.fhir.client_secret_file);
    r.duration("fhir.cache_ttl_ms", c.fhir.cache_ttl, 0, 300'000);
    r.duration("fhir.negative_cache_ttl_ms", c.fhir.negative_cache_ttl, 0, 60'000);
    r.integer("fhir.cache_max_entries", c.fhir.cache_max_entries, 0, 100'000'000);
    r.duration("fhir.introspection_timeout_ms", c.fhir.introspection_timeout, 10, 60'000);
    r.boolean("fhir.practitioner_all_patients", c.fhir.practitioner_all_patients);
    r.integer("fhir.default_page_size", c.fhir.default_page_size, 1, 10'000);
    r.integer("fhir.max_page_size", c.fhir.max_page_size, 1, 10'000);
  }

  // Command-line overrides.
  if (!o.listen.empty() && !split_listen(o.listen, c.server.listen_address, c.server.port))
    errors.push_back("--listen: expected \"address:port\"");
  if (!o.public_url.empty()) c.server.public_url = o.public_url;
  if (!o.fhir_audiences.empty()) c.authz.fhir_audiences = o.fhir_audiences;
  if (!o.fhir_base_url.empty()) c.fhir.base_url = o.fhir_base_url;
  if (!o.authorization_server.empty()) c.fhir.authorization_server = o.authorization_server;
  if (!o.database.empty()) c.database = o.database;
  if (!o.mode.empty()) c.mode = o.mode;
  if (!o.log_level.empty()) c.log_level = o.log_level;
  if (!o.tls_cert.empty()) c.server.tls_cert = o.tls_cert;
  if (!o.tls_key.empty()) c.server.tls_key = o.tls_key;
  if (!o.fhir_client_id.empty()) c.fhir.client_id = o.fhir_client_id;
  if (!o.fhir_client_secret.empty()) c.fhir.client_secret = o.fhir_client_secret;
  if (o.access_token_ttl > 0) c.authz.access_token_ttl = std::chrono::seconds(o.access_token_ttl);
  if (o.code_ttl > 0) c.authz.code_ttl = std::chrono::seconds(o.code_ttl);
  if (o.cache_ttl_ms >= 0) c.fhir.cache_ttl = std::chrono::milliseconds(o.cache_ttl_ms);
  if (!o.apps_dir.empty()) c.server.apps_dir = o.apps_dir;

  // Derived values.
  if (c.server.public_url.empty()) {
    bool tls = !c.server.tls_cert.empty();
    std::string host = c.server.listen_address == "0.0.0.0" ? "127.0.0.1" : c.server.listen_address;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    c.server.public_url =
        std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(c.server.port);
  }
  c.server.public_url = strip_slash(c.server.public_url);
  if (c.authz.issuer.empty()) c.authz.issuer = c.server.public_url;
  if (c.fhir.base_url.empty()) c.fhir.base_url = c.server.public_url + "/fhir";
  c.fhir.base_url = strip_slash(c.fhir.base_url);
  if (c.authz.fhir_audiences.empty()) c.authz.fhir_audiences = {c.fhir.base_url};
  for (auto& a : c.authz.fhir_audiences) a = strip_slash(a);
  if (c.fhir.authorization_server.empty()) c.fhir.authorization_server = c.authz.issuer;
  c.fhir.authorization_server = strip_slash(c.fhir.authorization_server);
  if (c.fhir.introspection_url.empty())
    c.fhir.introspection_url = c.fhir.authorization_server + "/introspect";
  if (!c.fhir.client_secret_file.empty() && c.fhir.client_secret.empty()) {
    std::ifstream in(c.fhir.client_secret_file);
    if (!in) {
      errors.push_back("fhir.client_secret_file: cannot read " + c.fhir.client_secret_file);
    } else {
      std::getline(in, c.fhir.client_secret);
      // A file written by an editor or `echo` may end the line with "\r" or blanks.
      auto& s = c.fhir.client_secret;
      while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    }
  }

  for (auto& e : validate(c)) errors.push_back(std::move(e));
  if (!errors.empty()) {
    std::string msg = "invalid configuration:";
    for (const auto& e : errors) msg += "\n  - " + e;
    return core::make_error(core::ErrorCode::kBadRequest, msg);
  }
  return c;
}

}  // namespace tessera::config
