#include "http/router.h"

namespace tessera::http {

namespace {
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    out.push_back(
        path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}
}  // namespace

void Router::add(Verb method, std::string pattern, Handler handler) {
  Route r{method, {}, std::move(handler)};
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

void Router::add_sync(Verb method, std::string pattern,
                      std::function<Response(RequestContext&)> fn) {
  add(method, std::move(pattern),
      [fn = std::move(fn)](RequestContext& ctx) -> boost::asio::awaitable<Response> {
        co_return fn(ctx);
      });
}

bool Router::match(const Route& r, const std::vector<std::string_view>& parts,
                   std::map<std::string, std::string, std::less<>>& params) {
  params.clear();
  for (std::size_t i = 0; i < r.segments.size(); ++i) {
    const auto& seg = r.segments[i];
    bool capture = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    if (capture && seg[seg.size() - 2] == '*') {
      std::string rest;
      for (std::size_t j = i; j < parts.size(); ++j) {
        if (j > i) rest += '/';
        rest += parts[j];
      }
      params[seg.substr(1, seg.size() - 3)] = rest;
      return true;
    }
    if (i >= parts.size()) return false;
    if (capture) {
      if (parts[i].empty()) return false;
      params[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return parts.size() == r.segments.size();
}

boost::asio::awaitable<Response> Router::dispatch(RequestContext& ctx) const {
  auto parts = split_path(ctx.path);
  std::string allow;
  std::map<std::string, std::string, std::less<>> params;
  Verb method = ctx.req.method() == Verb::head ? Verb::get : ctx.req.method();
  for (const auto& r : routes_) {
    if (!match(r, parts, params)) continue;
    if (r.method == method) {
      ctx.path_params = std::move(params);
      co_return co_await r.handler(ctx);
    }
    if (!allow.empty()) allow += ", ";
    allow += std::string(bhttp::to_string(r.method));
  }
  if (!allow.empty()) {
    auto res = make_response(Status::method_not_allowed, "Method not allowed\n",
                             "text/plain; charset=utf-8");
    res.set(Field::allow, allow);
    co_return res;
  }
  if (not_found_) co_return co_await not_found_(ctx);
  co_return make_response(Status::not_found, "Not found\n", "text/plain; charset=utf-8");
}

Handler Router::handler() const {
  return [this](RequestContext& ctx) { return dispatch(ctx); };
}

}  // namespace tessera::http
