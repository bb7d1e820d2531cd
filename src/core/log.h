// Logging over spdlog, with redaction: tokens and secrets never reach a log line.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace tessera::core {

// Configures the default logger: level name ("trace".."off"), optional JSON lines.
void init_logging(std::string_view level, bool json = false);

// A loggable stand-in for a secret: "tsr_at_…(sha256:1a2b3c4d)". Lets operators correlate
// log lines about one token without the log holding a usable bearer token.
std::string redact(std::string_view secret);

}  // namespace tessera::core
