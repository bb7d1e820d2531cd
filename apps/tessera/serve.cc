#include "serve.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <thread>

#include "core/clock.h"
#include "demo_seed.h"
#include "http/client.h"
#include "http/router.h"
#include "http/static_files.h"
#include "oauth/authorization_server.h"
#include "oauth/key_ring.h"
#include "store/audit_queue.h"
#include "store/sqlite/sqlite_store.h"
#include "web/interaction_pages.h"
#include "web/launcher_pages.h"
#ifdef TESSERA_WITH_FHIR
#include "fhir/sqlite_engine.h"
#include "gateway/gateway.h"
#include "gateway/introspection.h"
#include "gateway/token_cache.h"
#endif

namespace tessera::app {

namespace {

[[maybe_unused]] std::string path_of(const std::string& url) {
  auto u = http::parse_url(url);
  if (!u) return "/";
  auto t = u->target;
  auto q = t.find('?');
  if (q != std::string::npos) t.resize(q);
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  return t;
}

// Refuse development defaults in production (STYLE habit 10): the demo users and clients
// have published passwords.
bool production_safe(const config::Config& c, store::SqliteStore& store) {
  if (c.demo()) return true;
  if (store.find_client("demo-app")) {
    spdlog::critical(
        "the database holds the demo users and clients, whose passwords are public; refusing to "
        "serve in production mode (use --mode demo, or a fresh database)");
    return false;
  }
  return true;
}

}  // namespace

int serve(const config::Config& base_config, const std::string& role) {
  config::Config config = base_config;
  // Demo mode: the in-process FHIR server introspects with the published demo credentials.
  if (config.demo() && config.fhir.client_id.empty()) {
    config.fhir.client_id = kDemoFhirClientId;
    config.fhir.client_secret = kDemoFhirClientSecret;
  }
  if (role != "authz" && role != "fhir" && role != "all") {
    std::cerr << "error: --role must be authz, fhir or all\n";
    return 2;
  }
  const bool run_authz = role != "fhir";
  const bool run_fhir = role != "authz";
#ifndef TESSERA_WITH_FHIR
  if (run_fhir) {
    std::cerr << "error: this build has no FHIR server; use --role authz\n";
    return 2;
  }
#endif

  auto opened = store::SqliteStore::open(config.database);
  if (!opened) {
    std::cerr << "error: " << opened.error().description << " (" << opened.error().detail << ")\n";
    return 1;
  }
  auto& store = *opened.value();
  if (!production_safe(config, store)) return 1;
  core::SystemClock clock;

  // Block the shutdown signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Audit records are written in batches by one thread (store/audit_queue.h); destroyed after
  // the server and its handlers, so a clean stop writes every record first.
  store::AuditQueue audit(store, store);

  http::Router router;
  std::unique_ptr<oauth::KeyRing> keys;
  std::unique_ptr<oauth::AuthorizationServer> as;
  if (run_authz) {
    auto ring = oauth::KeyRing::load(store);
    if (!ring) {
      std::cerr << "error: " << ring.error().description << "\n";
      return 1;
    }
    keys = std::make_unique<oauth::KeyRing>(std::move(ring.value()));
    oauth::AuthzDeps deps{config, store, store, store, store, store,
                          store,  audit, store, *keys, clock};
    as = std::make_unique<oauth::AuthorizationServer>(deps);
    as->register_routes(router);
    web::register_interaction_routes(router, *as);
    // Issue 4: the EHR launcher page (demo mode, or authz.launcher_enabled).
    if (config.authz.launcher_enabled || config.demo())
      web::register_launcher_routes(router, *as, store, clock);
  }
  // Issue 4: static apps (the sample SMART app) at /apps/ when server.apps_dir / --apps-dir is set.
  if (!config.server.apps_dir.empty()) {
    http::StaticFiles::Options static_opts;
    static_opts.content_security_policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' http: https:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'self'";
    auto apps = http::StaticFiles::open(config.server.apps_dir, "/apps", static_opts);
    if (!apps) {
      std::cerr << "error: " << apps.error().description << "\n";
      return 1;
    }
    apps->register_routes(router);
  }
#ifdef TESSERA_WITH_FHIR
  std::unique_ptr<fhir::SqliteFhirEngine> engine;
  std::unique_ptr<gateway::HttpIntrospectionClient> introspection;
  std::unique_ptr<gateway::TokenCache> cache;
  std::unique_ptr<gateway::Gateway> gw;
  if (run_fhir) {
    engine = std::make_unique<fhir::SqliteFhirEngine>(store, config.fhir, clock);
    introspection = std::make_unique<gateway::HttpIntrospectionClient>(config.fhir);
    cache = std::make_unique<gateway::TokenCache>(config.fhir, clock);
    gw = std::make_unique<gateway::Gateway>(config.fhir, *introspection, *cache, *engine, audit,
                                            clock);
    gw->register_routes(router, path_of(config.fhir.base_url));
  }
#endif
  router.set_not_found([](http::RequestContext&) -> boost::asio::awaitable<http::Response> {
    co_return http::json_response(http::Status::not_found, R"({"error":"not_found"})");
  });

  http::ServerOptions opts;
  opts.address = config.server.listen_address;
  opts.port = config.server.port;
  opts.threads = config.server.threads;
  opts.header_limit = config.server.header_limit;
  opts.body_limit = config.server.body_limit;
  opts.read_timeout = config.server.read_timeout;
  opts.idle_timeout = config.server.idle_timeout;
  opts.tls_cert_file = config.server.tls_cert;
  opts.tls_key_file = config.server.tls_key;
  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(opts, router.handler());
    server->listen();
  } catch (const std::exception& e) {
    std::cerr << "error: cannot listen on " << opts.address << ":" << opts.port << ": " << e.what()
              << "\n";
    return 1;
  }

  // Background purge of expired codes, tokens, launches and interactions.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread purger;
  if (run_authz) {
    purger = std::thread([&] {
      std::unique_lock lock(mu);
      while (!cv.wait_for(lock, config.authz.purge_interval, [&] { return stopping; })) {
        lock.unlock();
        try {
          auto n = store.purge_expired(clock.now_seconds());
          if (n > 0) spdlog::debug("purged {} expired rows", n);
        } catch (const std::exception& e) {
          spdlog::error("purge failed: {}", e.what());
        }
        lock.lock();
      }
    });
  }
  std::atomic<bool> got_signal{false};
  std::thread signal_waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    got_signal = true;
    spdlog::info("signal {}: shutting down", sig);
    server->stop();
  });

  std::string scheme = server->tls() ? "https" : "http";
  std::cout << "tessera " << role << " listening on " << scheme << "://" << opts.address << ":"
            << server->port() << " (port=" << server->port() << ")" << std::endl;
  if (run_authz) std::cout << "  issuer:   " << config.authz.issuer << std::endl;
  if (run_fhir) std::cout << "  FHIR base: " << config.fhir.base_url << std::endl;
  if (run_authz && config.authz.launcher_enabled && !config.demo())
    std::cout << "  launcher: " << config.authz.issuer << web::kLauncherPath << std::endl;
  if (!config.server.apps_dir.empty() && !config.demo())
    std::cout << "  apps:     " << config.server.public_url << "/apps/" << std::endl;
  if (config.demo()) {
    const auto& b = config.server.public_url;
    std::cout
        << "\nTessera demo is running (demo mode: published passwords, never for real data).\n"
        << "  Sample app:     " << b << "/apps/sample/standalone.html\n"
        << "  EHR launcher:   " << b << "/launcher\n"
        << "  SMART config:   " << b << "/.well-known/smart-configuration\n"
        << "  FHIR metadata:  " << config.fhir.base_url << "/metadata\n"
        << "  Logins (username / password):\n"
        << "    parent  / parent-demo   Maria Alvarez, proxy for her children Lucas and Sofia\n"
        << "    patient / patient-demo  James Okafor, only himself\n"
        << "    doctor  / doctor-demo   Dr. Elena Chen, practitioner: every patient\n"
        << "  Stop with Ctrl-C." << std::endl;
  }
  spdlog::info("serving role={} port={}", role, server->port());

  server->run();
  // Token writes still in the group commit: finish them while their io_contexts exist (their
  // completions are posted there and dropped with the stopped loops).
  store.db().drain();
#ifdef TESSERA_WITH_FHIR
  // The introspection client's pooled sockets belong to the server's io_contexts: release them
  // before the server (and its io_contexts) go away.
  gw.reset();
  introspection.reset();
#endif
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  if (purger.joinable()) purger.join();
  // Wake the signal thread if we stopped for another reason.
  if (!got_signal) pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace tessera::app
