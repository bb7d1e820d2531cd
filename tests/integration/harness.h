// Black-box integration harness: runs the real `tessera` binary (admin commands and servers on a
// free loopback port) and speaks HTTP to it. Every process it starts is stopped by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/client.h"
#include "http/message.h"

namespace tessera::itest {

// Path of the binary under test (set by CMake).
std::string tessera_binary();
// Directory of the shared Synthea data, or "" when absent.
std::string shared_data_dir();

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs `tessera <args...>` to completion (bounded: 60 s), capturing stdout and stderr.
CommandResult run_tessera(const std::vector<std::string>& args, const std::string& stdin_data = {});

// A running `tessera serve` process.
class Server {
 public:
  // Starts `tessera --database db serve --listen 127.0.0.1:0 <extra>`; waits for the port line.
  Server(const std::string& database, const std::vector<std::string>& extra_args,
         const std::vector<std::string>& global_args = {});
  // Runs an arbitrary command line (argv[0] is a path) that ends up serving and printing the
  // port line, e.g. scripts/demo.sh.
  explicit Server(std::vector<std::string> argv);
  ~Server();  // SIGTERM, then SIGKILL after 5 s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  // Stops gracefully; returns the exit status.
  int stop();
  std::string log() const;

 private:
  void start(std::vector<std::string> argv);
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

// Picks a free loopback port (bind to 0, close). Used where a base URL must be known before
// the server starts (issuer and FHIR base URLs).
int free_port();

struct Reply {
  int status = 0;
  http::Response raw;
  std::string body;
  std::string header(std::string_view name) const;
  nlohmann::json json() const;  // discarded value on parse failure
};

// A tiny browser: cookie jar (by name; path scoping ignored is fine for tests), no automatic
// redirects, form helpers.
class Browser {
 public:
  Reply get(const std::string& url, const std::map<std::string, std::string>& headers = {});
  Reply post_form(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& form,
                  const std::map<std::string, std::string>& headers = {});
  Reply request(http::Verb verb, const std::string& url, const std::string& body,
                const std::map<std::string, std::string>& headers);
  std::map<std::string, std::string> cookies;

 private:
  // One client for the browser's lifetime: building its TLS context (the system CA bundle) for
  // every request made the tests several times slower.
  std::shared_ptr<http::Client> client_;
};

// Sends `request` byte for byte (header names exactly as written, e.g. lower case) to
// 127.0.0.1:port and reads one response. For tests of the HTTP layer itself (DISC-23).
Reply raw_exchange(int port, const std::string& request);

// Helpers on HTML the server renders.
std::optional<std::string> hidden_input(const std::string& html, const std::string& name);
std::vector<std::string> input_values(const std::string& html, const std::string& name);
std::string form_action(const std::string& html);
// Query parameter of a URL (decoded).
std::optional<std::string> query_param(const std::string& url, const std::string& name);

struct Pkce {
  std::string verifier, challenge;
};
Pkce make_pkce();
Pkce pkce_for(const std::string& verifier);  // S256 challenge of a chosen verifier
std::string basic_auth(const std::string& id, const std::string& secret);

}  // namespace tessera::itest
