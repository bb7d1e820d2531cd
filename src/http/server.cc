#include "http/server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>
#include <vector>

#include "core/encoding.h"

namespace tessera::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// Splits the request target into decoded path and raw query.
bool split_target(std::string_view target, std::string& path, std::string& query) {
  auto q = target.find('?');
  auto raw_path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  auto decoded = core::url_decode(raw_path, /*form=*/false);
  if (!decoded || decoded->empty() || decoded->front() != '/') return false;
  path = std::move(*decoded);
  return true;
}

// Status line, header fields in order, blank line: exactly what Beast's serializer writes for a
// response that is not chunked ("HTTP/x.y ### reason\r\n", then "Name: value\r\n" per field).
std::string serialize_head(const Response& res) {
  const std::string_view reason = res.reason();
  std::size_t n = 13 + reason.size() + 4;
  for (const auto& f : res) n += f.name_string().size() + f.value().size() + 4;
  std::string out;
  out.reserve(n);
  const unsigned v = res.version();
  const unsigned code = res.result_int();
  const char line[13] = {'H',
                         'T',
                         'T',
                         'P',
                         '/',
                         static_cast<char>('0' + v / 10),
                         '.',
                         static_cast<char>('0' + v % 10),
                         ' ',
                         static_cast<char>('0' + code / 100),
                         static_cast<char>('0' + (code / 10) % 10),
                         static_cast<char>('0' + code % 10),
                         ' '};
  out.append(line, sizeof line);
  out += reason;
  out += "\r\n";
  for (const auto& f : res) {
    out += f.name_string();
    out += ": ";
    out += f.value();
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

Response plain_error(Status status, std::string_view message, unsigned version) {
  auto res =
      make_response(status, std::string(message) + "\n", "text/plain; charset=utf-8", version);
  res.keep_alive(false);
  return res;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::unique_ptr<asio::ssl::context> ssl;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  std::thread stopper;

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, beast::tcp_stream& lowest, std::string peer) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      beast::error_code ec;
      // Idle wait for the first byte, then the read-time limit for the whole request, headers
      // included: a client that sends half a header and stalls is cut off after read_timeout.
      if (buffer.size() == 0) {
        lowest.expires_after(options.idle_timeout);
        std::size_t n = co_await stream.async_read_some(
            buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
        buffer.commit(n);
      }
      if (!ec) {
        lowest.expires_after(options.read_timeout);
        // Header first (not eager), so the body limit is checked against Content-Length before
        // any body byte is parsed.
        co_await bhttp::async_read_header(stream, buffer, parser,
                                          asio::redirect_error(asio::use_awaitable, ec));
        if (!ec && !parser.is_done()) {
          co_await bhttp::async_read(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
        }
      }
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == beast::error::timeout ||
          ec == asio::ssl::error::stream_truncated || ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        Status st = Status::bad_request;
        std::string_view msg = "Bad request";
        if (ec == bhttp::error::body_limit) {
          st = Status::payload_too_large;
          msg = "Request body too large";
        } else if (ec == bhttp::error::header_limit) {
          st = Status::request_header_fields_too_large;
          msg = "Request headers too large";
        }
        auto res = plain_error(st, msg, 11);
        lowest.expires_after(options.read_timeout);
        co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }

      Request req = parser.release();
      in_flight.fetch_add(1);
      Response res;
      {
        RequestContext ctx{req, {}, {}, {}, {}, peer, ssl != nullptr};
        if (!split_target(req.target(), ctx.path, ctx.raw_query)) {
          res = plain_error(Status::bad_request, "Bad request target", req.version());
        } else if (auto q = Params::parse(ctx.raw_query); !q) {
          res = plain_error(Status::bad_request, "Malformed query string", req.version());
        } else {
          ctx.query = std::move(*q);
          try {
            res = co_await handler(ctx);
          } catch (const std::exception& e) {
            // A stray exception is a bug: log it, answer a generic 500, keep serving.
            spdlog::error("unhandled exception for {} {}: {}", req.method_string(), ctx.path,
                          e.what());
            res =
                plain_error(Status::internal_server_error, "Internal server error", req.version());
          } catch (...) {
            spdlog::error("unhandled non-standard exception for {} {}", req.method_string(),
                          ctx.path);
            res =
                plain_error(Status::internal_server_error, "Internal server error", req.version());
          }
        }
      }
      res.version(req.version());
      bool keep = req.keep_alive() && res.keep_alive() && !stopping.load();
      res.keep_alive(keep);
      if (req.method() == Verb::head) res.body().clear();
      lowest.expires_after(options.read_timeout);
      if (res.chunked()) {
        co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      } else {
        // The bytes Beast's serializer would write, sent with the body in one gather write: the
        // serializer cost about 20k instructions per response (bench/README.md).
        const std::string head = serialize_head(res);
        const std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(res.body())};
        co_await asio::async_write(stream, bufs, asio::redirect_error(asio::use_awaitable, ec));
      }
      in_flight.fetch_sub(1);
      if (ec || !keep) co_return;
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::error_code ec;
    std::string peer = socket.remote_endpoint(ec).address().to_string();
    socket.set_option(tcp::no_delay(true), ec);
    if (ssl) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ssl);
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      co_await stream.async_handshake(asio::ssl::stream_base::server,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      co_await serve(stream, beast::get_lowest_layer(stream), std::move(peer));
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, stream, std::move(peer));
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  // One acceptor (so a second process cannot bind the same port, as SO_REUSEPORT would let it);
  // each accepted socket is created on the next loop in turn, where its session runs.
  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    std::size_t next = 0;
    for (;;) {
      beast::error_code ec;
      asio::io_context& target = *contexts[next];
      next = (next + 1) % contexts.size();
      tcp::socket socket =
          co_await acceptor.async_accept(target, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopping.load() || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. EMFILE: keep accepting
      }
      auto ex = socket.get_executor();
      asio::co_spawn(ex, session(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  int n = impl_->options.threads > 0
              ? impl_->options.threads
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
  if (!impl_->options.tls_cert_file.empty() && !impl_->options.tls_key_file.empty()) {
    impl_->ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl_->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1);  // BACKEND-2: TLS 1.2+
    impl_->ssl->use_certificate_chain_file(impl_->options.tls_cert_file);
    impl_->ssl->use_private_key_file(impl_->options.tls_key_file, asio::ssl::context::pem);
  }
}

Server::~Server() {
  if (impl_->stopper.joinable()) impl_->stopper.join();
}

bool Server::tls() const { return impl_->ssl != nullptr; }

std::uint16_t Server::listen() {
  auto addr = asio::ip::make_address(impl_->options.address);
  auto acc = std::make_unique<tcp::acceptor>(*impl_->contexts[0]);
  tcp::endpoint ep(addr, impl_->options.port);
  acc->open(ep.protocol());
  acc->set_option(asio::socket_base::reuse_address(true));  // TIME_WAIT only; no SO_REUSEPORT
  acc->bind(ep);
  acc->listen(asio::socket_base::max_listen_connections);
  port_ = acc->local_endpoint().port();
  impl_->acceptors.push_back(std::move(acc));
  return port_;
}

void Server::run() {
  for (auto& acc : impl_->acceptors)
    asio::co_spawn(*impl_->contexts[0], impl_->accept_loop(*acc), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i) {
    // Kept running while idle: sessions arrive from the acceptor on loop 0.
    threads.emplace_back([ctx = impl_->contexts[i].get()] {
      auto guard = asio::make_work_guard(*ctx);
      ctx->run();
    });
  }
  impl_->contexts[0]->run();
  for (auto& t : threads) t.join();
}

void Server::stop(std::chrono::milliseconds grace) {
  if (impl_->stopping.exchange(true)) return;
  for (auto& a : impl_->acceptors) {
    asio::post(*impl_->contexts[0], [acc = a.get()] {
      beast::error_code ec;
      acc->close(ec);
    });
  }
  // Let in-flight requests finish (bounded), then stop every loop; idle keep-alive
  // connections are simply closed.
  impl_->stopper = std::thread([impl = impl_.get(), grace] {
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (impl->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (auto& ctx : impl->contexts) ctx->stop();
  });
}

}  // namespace tessera::http
