#include "http/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <deque>
#include <mutex>

namespace tessera::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
// host as it appears in a URL or Host header: an IPv6 literal goes back in brackets.
std::string host_for_authority(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}
}  // namespace

std::string Url::origin() const {
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return scheme + "://" + host_for_authority(host) +
         (default_port ? "" : ":" + std::to_string(port));
}

core::Result<Url> parse_url(std::string_view s) {
  Url u;
  auto bad = [&](const char* why) {
    return core::make_error(core::ErrorCode::kBadRequest, std::string("invalid URL: ") + why,
                            std::string(s));
  };
  auto sep = s.find("://");
  if (sep == std::string_view::npos) return bad("no scheme");
  u.scheme = std::string(s.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return bad("scheme must be http or https");
  auto rest = s.substr(sep + 3);
  auto slash = rest.find_first_of("/?#");
  auto authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (auto hash = u.target.find('#'); hash != std::string::npos) u.target.resize(hash);
  if (u.target.empty() || u.target.front() != '/') u.target = "/" + u.target;
  if (authority.find('@') != std::string_view::npos) return bad("userinfo not allowed");
  if (authority.empty()) return bad("no host");
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("bad IPv6 literal");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("bad port");
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  u.host = std::string(host);
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535) {
      return bad("bad port");
    }
    u.port = static_cast<std::uint16_t>(v);
  }
  return u;
}

Request make_request(Verb method, std::string_view target, std::string body,
                     std::string_view content_type) {
  Request req{method, target, 11};
  req.set(Field::user_agent, "tessera");
  if (!content_type.empty()) req.set(Field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

struct Client::Impl {
  ClientOptions options;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  // Idle plain connections, keyed by origin; only touched from the thread that owns each
  // socket's executor, so the pool is per thread.
  struct Idle {
    std::string origin;
    asio::any_io_executor executor;
    std::unique_ptr<beast::tcp_stream> stream;
  };
  std::mutex mu;
  std::deque<Idle> idle;

  std::unique_ptr<beast::tcp_stream> take(const std::string& origin,
                                          const asio::any_io_executor& ex) {
    std::lock_guard lock(mu);
    for (auto it = idle.begin(); it != idle.end(); ++it) {
      if (it->origin == origin && it->executor == ex) {
        auto s = std::move(it->stream);
        idle.erase(it);
        return s;
      }
    }
    return nullptr;
  }
  void give(const std::string& origin, const asio::any_io_executor& ex,
            std::unique_ptr<beast::tcp_stream> s) {
    std::lock_guard lock(mu);
    if (idle.size() >= 256) idle.pop_front();
    idle.push_back(Idle{origin, ex, std::move(s)});
  }
  // Closes the pooled connections of an executor whose io_context is about to go away.
  void drop(const asio::any_io_executor& ex) {
    std::lock_guard lock(mu);
    std::erase_if(idle, [&](const Idle& i) { return i.executor == ex; });
  }

  template <class Stream>
  asio::awaitable<core::Result<Response>> exchange(Stream& stream, beast::tcp_stream& lowest,
                                                   Request& req, bool& reusable) {
    beast::error_code ec;
    lowest.expires_after(options.timeout);
    co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return core::make_error(core::ErrorCode::kUnavailable, "write failed", ec.message());
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_body);
    parser.skip(req.method() == Verb::head);  // a HEAD response has headers only
    // Header first: Beast 1.74 drops the body_limit error of a response whose Content-Length is
    // over the limit when the body arrives in the same read, so check the length here.
    co_await bhttp::async_read_header(stream, buf, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return core::make_error(core::ErrorCode::kUnavailable, "read failed", ec.message());
    if (auto len = parser.content_length(); len && *len > options.max_response_body) {
      co_return core::make_error(core::ErrorCode::kUnavailable, "response too large");
    }
    if (!parser.is_done()) {
      co_await bhttp::async_read(stream, buf, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec)
        co_return core::make_error(core::ErrorCode::kUnavailable, "read failed", ec.message());
    }
    Response res = parser.release();
    reusable = res.keep_alive() && buf.size() == 0;
    co_return res;
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->ssl.set_default_verify_paths();
  if (!impl_->options.ca_file.empty()) impl_->ssl.load_verify_file(impl_->options.ca_file);
  impl_->ssl.set_verify_mode(impl_->options.verify_tls ? asio::ssl::verify_peer
                                                       : asio::ssl::verify_none);
}

Client::~Client() = default;

asio::awaitable<core::Result<Response>> Client::async_send(const Url& url, Request req) {
  auto ex = co_await asio::this_coro::executor;
  req.target(url.target);
  req.set(Field::host, host_for_authority(url.host) + ":" + std::to_string(url.port));
  req.keep_alive(true);
  req.prepare_payload();
  beast::error_code ec;
  const std::string origin = url.origin();

  if (url.scheme == "http") {
    // Try a pooled connection once; a stale one fails fast and we reconnect.
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto stream = attempt == 0 ? impl_->take(origin, ex) : nullptr;
      bool pooled = stream != nullptr;
      if (!stream) {
        stream = std::make_unique<beast::tcp_stream>(ex);
        tcp::resolver resolver(ex);
        auto results = co_await resolver.async_resolve(
            url.host, std::to_string(url.port), asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
          co_return core::make_error(core::ErrorCode::kUnavailable, "cannot resolve host",
                                     ec.message());
        stream->expires_after(impl_->options.timeout);
        co_await stream->async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
          co_return core::make_error(core::ErrorCode::kUnavailable, "cannot connect", ec.message());
        stream->socket().set_option(tcp::no_delay(true), ec);
      }
      bool reusable = false;
      auto res = co_await impl_->exchange(*stream, *stream, req, reusable);
      if (!res && pooled) continue;  // stale keep-alive connection: retry on a fresh one
      if (res && reusable) impl_->give(origin, ex, std::move(stream));
      co_return res;
    }
    co_return core::make_error(core::ErrorCode::kUnavailable, "request failed");
  }

  beast::ssl_stream<beast::tcp_stream> stream(ex, impl_->ssl);
  // The chain must also be issued to the host we asked for (RFC 6125; an IP literal must match
  // an iPAddress subjectAltName). SNI carries DNS names only (RFC 6066 §3).
  if (impl_->options.verify_tls)
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::error_code addr_ec;
  (void)asio::ip::make_address(url.host, addr_ec);
  if (addr_ec && SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                          TLSEXT_NAMETYPE_host_name, const_cast<char*>(url.host.c_str())) != 1) {
    co_return core::make_error(core::ErrorCode::kUnavailable, "TLS SNI failed");
  }
  tcp::resolver resolver(ex);
  auto results = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    co_return core::make_error(core::ErrorCode::kUnavailable, "cannot resolve host", ec.message());
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(impl_->options.timeout);
  co_await lowest.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return core::make_error(core::ErrorCode::kUnavailable, "cannot connect", ec.message());
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    co_return core::make_error(core::ErrorCode::kUnavailable, "TLS handshake failed", ec.message());
  bool reusable = false;
  auto res = co_await impl_->exchange(stream, lowest, req, reusable);
  co_return res;
}

core::Result<Response> Client::send(const Url& url, Request req) {
  asio::io_context ioc;
  auto fut = asio::co_spawn(ioc, async_send(url, std::move(req)), asio::use_future);
  ioc.run();
  // Pooled connections of this private io_context must not outlive it.
  impl_->drop(asio::any_io_executor(ioc.get_executor()));
  return fut.get();
}

}  // namespace tessera::http
