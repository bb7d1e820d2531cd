// The authorization server and the FHIR server as SEPARATE processes with separate databases:
// the FHIR server knows the AS only through discovery and RFC 7662 introspection.
#pragma once

#include "fixture.h"

namespace tessera::itest {

class FhirTest : public AsTest {
 protected:
  void SetUp() override;
  void TearDown() override {
    if (HasFailure() && fhir) std::cerr << "---- FHIR server log ----\n" << fhir->log() << "\n";
    fhir.reset();
    AsTest::TearDown();
  }
  // Starts another FHIR server process on `base_url` (its own port) trusting the same AS.
  std::unique_ptr<Server> start_fhir(const std::string& base_url, int port,
                                     int cache_ttl_ms = 1000);

  // GET/POST against the FHIR server with a bearer token.
  Reply fhir_get(const std::string& path, const std::string& token);
  Reply fhir_search_post(const std::string& type, const Form& form, const std::string& token);
  // Demo resources of one type that belong to a patient (read from the demo bundle file).
  std::vector<std::string> demo_ids(const std::string& type, const std::string& patient) const;

  std::string fhir_db;
  std::string demo_bundle_path;
  nlohmann::json demo_bundle;
  std::unique_ptr<Server> fhir;
  int fhir_port = 0;
  int as_port = 0;
  static constexpr int kCacheTtlMs = 1000;
};

}  // namespace tessera::itest
