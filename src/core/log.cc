#include "core/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "core/encoding.h"

namespace tessera::core {

void init_logging(std::string_view level, bool json) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  const char* pattern = json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%v})"
                             : "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v";
  sink->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  auto logger = std::make_shared<spdlog::logger>("tessera", sink);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

std::string redact(std::string_view secret) {
  std::string prefix;
  // Keep the type prefix ("tsr_at_") which is not secret; drop everything else.
  auto pos = secret.rfind('_');
  if (pos != std::string_view::npos && pos < 12) prefix = std::string(secret.substr(0, pos + 1));
  return prefix + "…(sha256:" + sha256_hex(secret).substr(0, 8) + ")";
}

}  // namespace tessera::core
