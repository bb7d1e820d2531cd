// HTTP/1.1 server on Boost.Beast with C++20 coroutines: one io_context per thread sharing the
// port through SO_REUSEPORT, keep-alive, limits on header size, body size and read time (a slow
// client is cut off), optional TLS, graceful shutdown (stop accepting, finish in-flight requests).
// Trust boundary: bytes off the socket. Depends on: core, Boost.Beast/Asio, OpenSSL (TLS).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"

namespace tessera::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: pick a free port
  int threads = 0;         // 0: one per core
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds read_timeout{15'000};  // whole request, from its first byte
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive wait for the next request
  std::string tls_cert_file;                       // PEM; TLS on when both are set
  std::string tls_key_file;
};

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (throws std::system_error on failure) and returns the bound port.
  std::uint16_t listen();
  // Runs until stop(); blocks the calling thread (which serves as one of the workers).
  void run();
  // Thread-safe and signal-safe enough to call from a signal handler strand.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  std::uint16_t port() const { return port_; }
  bool tls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace tessera::http
