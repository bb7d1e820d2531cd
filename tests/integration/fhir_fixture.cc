#include "fhir_fixture.h"

#include <filesystem>
#include <fstream>

#include "core/random.h"

namespace tessera::itest {

void FhirTest::SetUp() {
  as_port = free_port();
  fhir_port = free_port();
  fhir_base_ = "http://127.0.0.1:" + std::to_string(fhir_port) + "/fhir";
  seed = seed_database(fhir_base_);

  // The FHIR server's own database, with the generated demo data imported through the CLI.
  auto dir = std::filesystem::temp_directory_path() / "tessera-itest";
  fhir_db = (dir / ("fhir-" + core::default_random().token(8) + ".db")).string();
  demo_bundle_path = (dir / ("demo-" + core::default_random().token(8) + ".json")).string();
  auto bundle = run_tessera({"fhir", "demo-bundle"});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  {
    std::ofstream out(demo_bundle_path);
    out << bundle.out;
  }
  demo_bundle = nlohmann::json::parse(bundle.out);
  auto imported = run_tessera({"--database", fhir_db, "fhir", "import", demo_bundle_path});
  ASSERT_EQ(imported.exit_code, 0) << imported.err << imported.out;

  std::string as_base = "http://127.0.0.1:" + std::to_string(as_port);
  server = std::make_shared<Server>(
      seed.db, std::vector<std::string>{
                   "--role", "authz", "--listen", "127.0.0.1:" + std::to_string(as_port),
                   "--fhir-audience", fhir_base_, "--fhir-audience",
                   "http://127.0.0.1:" + std::to_string(fhir_port + 1) + "/other-fhir"});
  fhir = start_fhir(fhir_base_, fhir_port, kCacheTtlMs);
}

std::unique_ptr<Server> FhirTest::start_fhir(const std::string& base_url, int port,
                                             int cache_ttl_ms) {
  return std::make_unique<Server>(
      fhir_db,
      std::vector<std::string>{"--role", "fhir", "--listen", "127.0.0.1:" + std::to_string(port),
                               "--fhir-base-url", base_url, "--authorization-server",
                               "http://127.0.0.1:" + std::to_string(as_port), "--fhir-client-id",
                               "fhir-rs", "--fhir-client-secret", seed.rs_secret, "--cache-ttl-ms",
                               std::to_string(cache_ttl_ms)});
}

Reply FhirTest::fhir_get(const std::string& path, const std::string& token) {
  return browser.get(fhir_base() + "/" + path, {{"Authorization", "Bearer " + token}});
}

Reply FhirTest::fhir_search_post(const std::string& type, const Form& form,
                                 const std::string& token) {
  return browser.post_form(fhir_base() + "/" + type + "/_search", form,
                           {{"Authorization", "Bearer " + token}});
}

std::vector<std::string> FhirTest::demo_ids(const std::string& type,
                                            const std::string& patient) const {
  std::vector<std::string> out;
  for (const auto& e : demo_bundle["entry"]) {
    const auto& r = e["resource"];
    if (r["resourceType"] != type) continue;
    for (const char* k : {"subject", "patient"}) {
      if (r.contains(k) && r[k].value("reference", "") == "Patient/" + patient)
        out.push_back(r["id"]);
    }
  }
  return out;
}

}  // namespace tessera::itest
