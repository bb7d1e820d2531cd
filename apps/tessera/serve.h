// The composition root: builds the concrete objects for `tessera serve` and runs them.
#pragma once

#include <string>

#include "config/config.h"

namespace tessera::app {

// role: "authz", "fhir" or "all". Returns the process exit code.
int serve(const config::Config& config, const std::string& role);

}  // namespace tessera::app
