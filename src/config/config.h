// Configuration: a TOML file plus command-line overrides, validated once at start-up into an
// immutable Config. Invalid configuration fails with every error listed, not just the first.
// Depends on: core, toml++.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace tessera::config {

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string public_url;  // e.g. http://127.0.0.1:8080 (default derived from listen)
  int threads = 0;
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds read_timeout{15'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::string tls_cert;
  std::string tls_key;
  std::string apps_dir;  // static files (the sample SMART app) served at /apps/ when set
};

struct AuthzConfig {
  std::string issuer;                           // = server.public_url unless set
  std::vector<std::string> fhir_audiences;      // FHIR bases this AS protects (AUTHZ-8)
  std::chrono::seconds access_token_ttl{3600};  // TOKEN-8: at most one hour
  std::chrono::seconds refresh_token_ttl{90 * 24 * 3600};
  std::chrono::seconds code_ttl{60};            // AUTHZ-10
  std::chrono::seconds backend_token_ttl{300};  // BACKEND-9
  std::chrono::seconds launch_ttl{300};
  std::chrono::seconds interaction_ttl{900};
  std::chrono::seconds session_ttl{8 * 3600};
  std::chrono::seconds purge_interval{60};
  int max_login_failures = 5;  // then the username is locked for a while
  std::chrono::seconds login_lockout{60};
  bool launcher_enabled = false;  // EHR launcher page
};

struct FhirConfig {
  std::string base_url;              // this FHIR server's base, e.g. http://127.0.0.1:8080/fhir
  std::string authorization_server;  // AS base (issuer), for discovery and CapabilityStatement
  std::string introspection_url;     // default: {authorization_server}/introspect
  std::string client_id;             // resource-server credentials for introspection
  std::string client_secret;
  std::string client_secret_file;                      // alternative to client_secret
  std::chrono::milliseconds cache_ttl{5000};           // positive introspection results
  std::chrono::milliseconds negative_cache_ttl{1000};  // inactive results
  std::size_t cache_max_entries = 100'000;
  std::chrono::milliseconds introspection_timeout{3000};
  bool practitioner_all_patients = true;
  int default_page_size = 50;
  int max_page_size = 500;
};

struct Config {
  std::string mode = "production";  // or "demo"
  std::string database = "tessera.db";
  std::string log_level = "info";
  bool log_json = false;
  ServerConfig server;
  AuthzConfig authz;
  FhirConfig fhir;
  bool demo() const { return mode == "demo"; }
};

// Command-line overrides, applied after the file ("" / 0 = not given).
struct Overrides {
  std::string listen;  // "addr:port"
  std::string public_url;
  std::vector<std::string> fhir_audiences;
  std::string fhir_base_url;
  std::string authorization_server;
  std::string database;
  std::string mode;
  std::string log_level;
  std::string tls_cert, tls_key;
  std::string fhir_client_id, fhir_client_secret;
  std::int64_t access_token_ttl = 0;
  std::int64_t code_ttl = 0;
  std::int64_t cache_ttl_ms = -1;
  std::string apps_dir;  // --apps-dir
};

// Loads `path` (may be empty: defaults only), applies overrides, fills derived values and
// validates. The error's description lists every problem, one per line.
core::Result<Config> load(const std::string& path, const Overrides& overrides);
// Validation alone (used by load and by tests).
std::vector<std::string> validate(const Config&);

}  // namespace tessera::config
