// Forwarding header: the engine lives in src/fhir/engine/ (library tessera_fhir_engine).
#pragma once

#include "fhir/engine/sqlite_engine.h"
