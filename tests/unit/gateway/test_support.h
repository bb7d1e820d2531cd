// Test doubles for the gateway: a real fake authorization server on 127.0.0.1 (RFC 7662
// introspection + discovery), a fake FhirEngine, an in-memory AuditStore, and a bounded HTTP call.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fhir/engine.h"
#include "http/router.h"
#include "http/server.h"
#include "store/stores.h"

namespace tessera::gateway::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;

inline constexpr std::int64_t kNow = 1'700'000'000;  // core::ManualClock's default epoch
inline constexpr const char* kBaseUrl = "https://fhir.example/fhir";
inline constexpr const char* kRsClientId = "rs:fhir";  // ':' must be form-encoded (RFC 6749 §2.3.1)
inline constexpr const char* kRsSecret = "s3cr+t/ w%rd";

// An active introspection answer for kBaseUrl (INTRO-3/4), to be adjusted per test.
inline nlohmann::json active_answer() {
  return nlohmann::json{
      {"active", true},           {"scope", "launch/patient patient/*.rs openid fhirUser"},
      {"client_id", "app-1"},     {"sub", "alice"},
      {"fhirUser", "Patient/p1"}, {"patient", "p1"},
      {"aud", kBaseUrl},          {"token_type", "Bearer"},
      {"exp", kNow + 3600},       {"iat", kNow}};
}

// Runs an http::Server on its own thread until stop() (or destruction).
class ServerThread {
 public:
  ServerThread(http::Handler handler) {
    http::ServerOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    server_ = std::make_unique<http::Server>(o, std::move(handler));
    port_ = server_->listen();
    thread_ = std::thread([s = server_.get()] { s->run(); });
  }
  ~ServerThread() { stop(); }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  // Stops accepting, waits (bounded) for in-flight requests, joins. Idempotent.
  void stop() {
    if (!thread_.joinable()) return;
    server_->stop(std::chrono::milliseconds(100));
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// The authorization server, as far as a resource server can see it.
class FakeAuthServer {
 public:
  struct Answer {
    int status = 200;
    std::string body;
    std::chrono::milliseconds delay{0};  // answered after a timer, not a blocking sleep
  };

  FakeAuthServer(std::string client_id = kRsClientId, std::string secret = kRsSecret)
      : client_id_(std::move(client_id)), secret_(std::move(secret)) {
    router_.add(http::Verb::post, "/introspect",
                [this](http::RequestContext& ctx) { return introspect(ctx); });
    router_.add_sync(http::Verb::get, "/.well-known/smart-configuration",
                     [this](http::RequestContext&) { return discovery(); });
    server_ = std::make_unique<ServerThread>(router_.handler());
  }

  void stop() { server_->stop(); }
  std::string origin() const { return server_->origin(); }
  std::string introspection_url() const { return origin() + "/introspect"; }

  void set(const std::string& token, Answer a) {
    std::lock_guard lock(mu_);
    answers_[token] = std::move(a);
  }
  void set_json(const std::string& token, const nlohmann::json& j) { set(token, {200, j.dump()}); }

  std::atomic<int> introspections{0};
  std::atomic<int> discoveries{0};
  std::atomic<int> discovery_failures_left{0};  // answer 500 this many times first

  std::string last_body() {
    std::lock_guard lock(mu_);
    return last_body_;
  }
  std::string last_content_type() {
    std::lock_guard lock(mu_);
    return last_content_type_;
  }

 private:
  asio::awaitable<http::Response> introspect(http::RequestContext& ctx) {
    introspections.fetch_add(1);
    std::optional<Answer> a;
    {
      std::lock_guard lock(mu_);
      last_body_ = ctx.req.body();
      last_content_type_ = std::string(ctx.header(http::Field::content_type));
      // I7662-2 / I7662-7: only the registered resource server may introspect.
      auto creds = http::parse_basic_auth(ctx.header(http::Field::authorization));
      if (!creds || creds->first != client_id_ || creds->second != secret_) {
        a = Answer{401, R"({"error":"invalid_client"})"};
      } else {
        auto form = http::Params::parse(ctx.req.body());
        auto token = form ? form->get("token") : std::nullopt;
        auto it = token ? answers_.find(*token) : answers_.end();
        a = it != answers_.end() ? it->second : Answer{200, R"({"active":false})"};
      }
    }
    if (a->delay.count() > 0) {
      asio::steady_timer t(co_await asio::this_coro::executor);
      t.expires_after(a->delay);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return http::make_response(static_cast<http::Status>(a->status), a->body,
                                  "application/json");
  }

  http::Response discovery() {
    discoveries.fetch_add(1);
    if (discovery_failures_left.load() > 0) {
      discovery_failures_left.fetch_sub(1);
      return http::make_response(http::Status::internal_server_error, "oops", "text/plain");
    }
    nlohmann::json doc{{"issuer", origin()},
                       {"token_endpoint", origin() + "/token"},
                       {"introspection_endpoint", introspection_url()},
                       {"capabilities", {"launch-standalone"}}};
    return http::json_response(http::Status::ok, doc.dump());
  }

  const std::string client_id_, secret_;
  http::Router router_;
  std::mutex mu_;
  std::map<std::string, Answer> answers_;
  std::string last_body_, last_content_type_;
  std::unique_ptr<ServerThread> server_;  // last: stopped and joined before the rest goes
};

// Records what the gateway handed over; answers with the status it is told.
class FakeEngine final : public fhir::FhirEngine {
 public:
  struct Call {
    std::string relative_path;
    std::string fhir_user_reference;
    fhir::Decision decision;  // policy.decide(probe_type, probe_interaction)
  };

  fhir::EngineResult handle(http::RequestContext&, const std::string& relative_path,
                            const fhir::AccessPolicy& policy) override {
    std::lock_guard lock(mu_);
    calls_.push_back(Call{relative_path, policy.fhir_user_reference(),
                          policy.decide(probe_type, probe_interaction)});
    auto res =
        http::make_response(static_cast<http::Status>(status),
                            R"({"resourceType":"Patient","id":"p1"})", "application/fhir+json");
    res.set(http::Field::etag, "W/\"1\"");
    if (!www_authenticate.empty()) res.set(http::Field::www_authenticate, www_authenticate);
    for (const auto& [f, v] : headers) res.set(f, v);
    return fhir::EngineResult{std::move(res), summary};
  }
  http::Response capability_statement() override {
    capability_calls.fetch_add(1);
    return http::make_response(http::Status::ok, R"({"resourceType":"CapabilityStatement"})",
                               "application/fhir+json");
  }

  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

  int status = 200;
  std::string www_authenticate;  // set on the engine's own answer when non-empty
  std::vector<std::pair<http::Field, std::string>> headers;  // more headers on its answer
  fhir::RequestSummary summary{"read", "Patient", "p1"};
  std::string probe_type = "Observation";
  scopes::Interaction probe_interaction = scopes::Interaction::kRead;
  std::atomic<int> capability_calls{0};

 private:
  std::mutex mu_;
  std::vector<Call> calls_;
};

class FakeAuditStore final : public store::AuditStore {
 public:
  enum class Mode { kOk, kFail, kThrow };
  core::Status add_audit(const store::AuditRecord& r) override {
    if (mode == Mode::kThrow) throw std::runtime_error("disk on fire");
    if (mode == Mode::kFail) return core::make_error(core::ErrorCode::kInternal, "audit down");
    std::lock_guard lock(mu_);
    records_.push_back(r);
    return {};
  }
  std::vector<store::AuditRecord> list_audit(const store::AuditQuery&) override {
    return records();
  }
  std::vector<store::AuditRecord> records() {
    std::lock_guard lock(mu_);
    return records_;
  }
  std::atomic<Mode> mode{Mode::kOk};

 private:
  std::mutex mu_;
  std::vector<store::AuditRecord> records_;
};

// One request over a fresh connection (Connection: close), bounded by a 10 s deadline.
inline http::Response call(std::uint16_t port, http::Request req) {
  asio::io_context ioc;
  http::Response out;
  bool done = false;
  req.set(http::Field::host, "127.0.0.1:" + std::to_string(port));
  req.keep_alive(false);
  req.prepare_payload();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        beast::tcp_stream stream(co_await asio::this_coro::executor);
        stream.expires_after(std::chrono::seconds(10));
        boost::system::error_code ec;
        co_await stream.async_connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
            asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        co_await http::bhttp::async_write(stream, req,
                                          asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        beast::flat_buffer buf;
        co_await http::bhttp::async_read(stream, buf, out,
                                         asio::redirect_error(asio::use_awaitable, ec));
        done = !ec;
      },
      asio::detached);
  ioc.run();
  EXPECT_TRUE(done) << "no HTTP answer from port " << port;
  return out;
}

inline http::Request get(std::string target, std::string authorization = {},
                         std::string origin = {}) {
  auto req = http::make_request(http::Verb::get, target);
  if (!authorization.empty()) req.set(http::Field::authorization, authorization);
  if (!origin.empty()) req.set(http::Field::origin, origin);
  return req;
}

// A port nothing listens on (bound, then closed).
inline std::uint16_t closed_port() {
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace tessera::gateway::testing
