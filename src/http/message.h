// HTTP message types and small helpers shared by every surface (AS, FHIR, admin pages).
// Trust boundary: everything in a Request is attacker-controlled until validated.
// Depends on: core, Boost.Beast.
#pragma once

#include <boost/beast/http.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace tessera::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Verb = bhttp::verb;
using Status = bhttp::status;
using Field = bhttp::field;

// Ordered name/value pairs from a query string or form body.
class Params {
 public:
  static core::Result<Params> parse(std::string_view encoded);  // application/x-www-form-urlencoded
  // First value; an empty value counts as absent (AUTHZ-12).
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  std::size_t count(std::string_view name) const;  // non-empty occurrences
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  std::string encode() const;

 private:
  static std::optional<std::string> url_decode_or(std::string_view s);
  std::vector<std::pair<std::string, std::string>> items_;
};

// What a handler sees: the raw request plus its parsed target and peer.
struct RequestContext {
  Request& req;
  std::string path;                                             // decoded path, no query
  std::string raw_query;                                        // undecoded query string
  Params query;                                                 // parsed query
  std::map<std::string, std::string, std::less<>> path_params;  // from router patterns
  std::string peer;                                             // remote address (no port)
  bool tls = false;

  std::string_view header(Field f) const;
  std::string_view header(std::string_view name) const;
  std::string_view method_string() const { return req.method_string(); }
  // Parses an x-www-form-urlencoded body; error if content type is wrong or body malformed.
  core::Result<Params> form() const;
  // Cookie value by name (first match), from the Cookie header.
  std::optional<std::string> cookie(std::string_view name) const;
};

// Response builders. All set Content-Length via prepare_payload().
Response make_response(Status status, std::string body, std::string_view content_type,
                       unsigned version = 11);
Response json_response(Status status, const std::string& json_body);
Response html_response(Status status, std::string html);
Response redirect_response(std::string_view location, Status status = Status::found);
void set_no_store(Response& res);  // Cache-Control: no-store + Pragma: no-cache (TOKEN-7)

// Splits "Basic base64(id:secret)" into form-decoded id and secret (SYM-1, SYM-3).
std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header);
// "Bearer <token>" with a case-insensitive scheme (OAUTH-6); nullopt otherwise.
std::optional<std::string> parse_bearer(std::string_view header);

bool iequals(std::string_view a, std::string_view b);
// Media type without parameters, lowercased ("application/x-www-form-urlencoded").
std::string media_type(std::string_view content_type);

}  // namespace tessera::http
