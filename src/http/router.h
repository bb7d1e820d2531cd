// Router: maps (method, path pattern) to a handler. Patterns are literal segments, `{name}`
// captures one segment, and a trailing `{name*}` captures the rest of the path.
// Unknown path -> 404; known path, other method -> 405 with Allow; OPTIONS is left to handlers.
#pragma once

#include <string>
#include <vector>

#include "http/server.h"

namespace tessera::http {

class Router {
 public:
  void add(Verb method, std::string pattern, Handler handler);
  // Sync convenience: wraps a function returning Response.
  void add_sync(Verb method, std::string pattern, std::function<Response(RequestContext&)> fn);

  boost::asio::awaitable<Response> dispatch(RequestContext& ctx) const;
  // A Handler that dispatches through this router (router must outlive the server).
  Handler handler() const;

  // Called when no route matches (default: plain 404).
  void set_not_found(Handler h) { not_found_ = std::move(h); }

 private:
  struct Route {
    Verb method;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool match(const Route& r, const std::vector<std::string_view>& parts,
                    std::map<std::string, std::string, std::less<>>& params);
  std::vector<Route> routes_;
  Handler not_found_;
};

}  // namespace tessera::http
