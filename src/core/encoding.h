// Encodings and hashing primitives over OpenSSL: base64/base64url, hex, percent-encoding,
// SHA-256, HMAC-SHA-256, constant-time comparison.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::core {

std::string base64url_encode(std::string_view bytes);             // unpadded (RFC 7515 §2)
std::optional<std::string> base64url_decode(std::string_view s);  // accepts no padding only
std::string base64_encode(std::string_view bytes);                // padded, standard alphabet
std::optional<std::string> base64_decode(std::string_view s);     // padded, standard alphabet

std::string hex_encode(std::string_view bytes);

// application/x-www-form-urlencoded component rules (RFC 3986 unreserved kept).
std::string url_encode(std::string_view s);
// Decodes %XX and, when form is true, '+' as space. nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view s, bool form = true);

std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

// Constant-time equality for secrets (lengths may leak, contents do not).
bool constant_time_equal(std::string_view a, std::string_view b);

// HTML text/attribute escaping for server-rendered pages.
std::string html_escape(std::string_view s);

}  // namespace tessera::core
