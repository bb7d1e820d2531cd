#include "oauth/oauth_error.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace tessera::oauth {

http::Response json_error(const core::Error& e) {
  core::Error err = e;
  if (err.http_status() >= 500 && err.code != core::ErrorCode::kTemporarilyUnavailable) {
    spdlog::error("server_error: {} ({})", err.description, err.detail);
    err = core::make_error(core::ErrorCode::kServerError, "internal error");
  } else if (!err.detail.empty()) {
    spdlog::info("oauth error {}: {} ({})", err.wire(), err.description, err.detail);
  }
  nlohmann::json body{{"error", err.wire()}};
  if (!err.description.empty()) body["error_description"] = err.description;
  auto res = http::json_response(static_cast<http::Status>(err.http_status()), body.dump());
  http::set_no_store(res);
  if (err.code == core::ErrorCode::kInvalidClient) {
    res.set(http::Field::www_authenticate, "Basic realm=\"tessera\"");
  }
  return res;
}

http::Response json_client_error(const http::RequestContext& ctx, const core::Error& e) {
  auto res = json_error(e);
  const auto authz = ctx.header(http::Field::authorization);
  const bool basic = authz.size() >= 6 && http::iequals(authz.substr(0, 6), "basic ");
  if (!basic) res.erase(http::Field::www_authenticate);
  return res;
}

std::string add_query(const std::string& url, const http::Params& params) {
  auto enc = params.encode();
  if (enc.empty()) return url;
  auto hash = url.find('#');
  std::string base = hash == std::string::npos ? url : url.substr(0, hash);
  return base + (base.find('?') == std::string::npos ? "?" : "&") + enc;
}

http::Response error_redirect(const std::string& redirect_uri, const core::Error& e,
                              const std::string& state) {
  http::Params p;
  p.add("error", std::string(e.wire()));
  if (!e.description.empty()) p.add("error_description", e.description);
  if (!state.empty()) p.add("state", state);
  return http::redirect_response(add_query(redirect_uri, p), http::Status::see_other);
}

http::Response json_ok(const std::string& body) {
  auto res = http::json_response(http::Status::ok, body);
  http::set_no_store(res);
  return res;
}

}  // namespace tessera::oauth
