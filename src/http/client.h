// A small HTTP/1.1 client (plain TCP or TLS) for server-to-server calls such as RFC 7662
// introspection, with a per-thread keep-alive connection pool and a hard deadline per call.
// Trust boundary: the peer's response is untrusted input. Depends on: core, Beast/Asio, OpenSSL.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace tessera::http {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::uint16_t port = 0;
  std::string target;          // path + query, at least "/"
  std::string origin() const;  // scheme://host[:port]
};
core::Result<Url> parse_url(std::string_view url);

struct ClientOptions {
  std::chrono::milliseconds timeout{5000};
  std::size_t max_response_body = 4 * 1024 * 1024;
  bool verify_tls = true;
  std::string ca_file;  // extra trust anchor (PEM), optional
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `req` to `url` (Host and target set from the URL). Errors: kUnavailable for connect,
  // timeout or protocol failures.
  boost::asio::awaitable<core::Result<Response>> async_send(const Url& url, Request req);

  // Blocking variant on a private io_context (tests, admin commands).
  core::Result<Response> send(const Url& url, Request req);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for tests and tools.
Request make_request(Verb method, std::string_view target = "/", std::string body = {},
                     std::string_view content_type = {});

}  // namespace tessera::http
