// Test helpers for the http module: a Server on a background thread, a raw client connection with
// a bounded wait on every operation, a temporary directory, and a way to run an awaitable.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "http/server.h"

namespace tessera::http::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Upper bound on any single wait in these tests; a broken server fails the test, never hangs it.
inline constexpr std::chrono::seconds kGuard{5};

// Runs an awaitable to completion on a private io_context.
template <class T>
T run_awaitable(asio::awaitable<T> a) {
  asio::io_context ioc;
  auto fut = asio::co_spawn(ioc, std::move(a), asio::use_future);
  ioc.run();
  return fut.get();
}

// An http::Server running on its own thread until stop() or destruction.
class ServerThread {
 public:
  ServerThread(ServerOptions options, Handler handler) {
    options.address = "127.0.0.1";
    options.port = 0;
    if (options.threads == 0) options.threads = 1;
    server_ = std::make_unique<Server>(std::move(options), std::move(handler));
    port_ = server_->listen();
    thread_ = std::thread([this] {
      server_->run();
      returned_ = true;
    });
  }
  ~ServerThread() { stop(std::chrono::milliseconds(100)); }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  // Stops the server and joins its thread (run() has returned afterwards). Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) {
    if (!thread_.joinable()) return;
    server_->stop(grace);
    thread_.join();
  }
  Server& server() { return *server_; }
  std::uint16_t port() const { return port_; }
  bool run_returned() const { return returned_; }

 private:
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  bool returned_ = false;  // written by the server thread before join, read after
};

// One client TCP connection driven step by step; each step is bounded by kGuard.
class RawConn {
 public:
  explicit RawConn(std::uint16_t port) : stream_(ioc_) {
    beast::error_code ec;
    stream_.expires_after(kGuard);
    stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                          [&](beast::error_code e) { ec = e; });
    run();
    connect_error_ = ec;
  }
  beast::error_code connect_error() const { return connect_error_; }

  beast::error_code write(std::string_view data) {
    beast::error_code ec;
    stream_.expires_after(kGuard);
    asio::async_write(stream_, asio::buffer(data.data(), data.size()),
                      [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    return ec;
  }

  // Reads one response (head: the request was HEAD, so no body follows).
  beast::error_code read(Response& res, bool head = false) {
    beast::error_code ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(16 * 1024 * 1024);
    stream_.expires_after(kGuard);
    bhttp::async_read(stream_, buffer_, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (!ec) res = parser.release();
    return ec;
  }

  // Reads until the peer closes; returns the error that ended the read (eof when the server
  // closed the connection, beast::error::timeout if it was still open after kGuard).
  beast::error_code wait_closed() {
    beast::error_code ec;
    char sink[1024];
    while (!ec) {
      stream_.expires_after(kGuard);
      stream_.async_read_some(asio::buffer(sink),
                              [&](beast::error_code e, std::size_t) { ec = e; });
      run();
    }
    return ec;
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code connect_error_;
};

inline bool closed_by_peer(const beast::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == bhttp::error::end_of_stream;
}

// A fresh directory under the system temp dir, removed with its contents at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace tessera::http::testing
