#include "demo_seed.h"

#include <iostream>

#include "admin/admin.h"
#include "demo/demo_data.h"
#ifdef TESSERA_WITH_FHIR
#include "fhir/bundle_import.h"
#include "fhir/import.h"
#endif

namespace tessera::app {

int seed_demo(store::SqliteStore& store, const core::Clock& clock, const std::string& base_url) {
  if (store.find_client("demo-app")) {
    std::cout << "demo data already present\n";
    return 0;
  }
  const std::string fhir = base_url + "/fhir";
  auto check = [](const auto& r) {
    if (!r) throw std::runtime_error(r.error().description);
  };
  const std::string app_scopes =
      "openid fhirUser launch launch/patient offline_access online_access patient/*.cruds "
      "patient/*.rs patient/*.read user/*.rs user/*.cruds";
  admin::ClientSpec app{"demo-app",
                        "Tessera Sample App",
                        "public",
                        {base_url + "/apps/sample/index.html", "http://127.0.0.1:9/callback"},
                        app_scopes,
                        {},
                        base_url + "/apps/sample/launch.html",
                        ""};
  check(admin::add_client(store, app, clock));
  admin::ClientSpec conf{"demo-clinic",
                         "Demo Clinic Portal",
                         "confidential",
                         {base_url + "/apps/sample/index.html"},
                         app_scopes,
                         {},
                         "",
                         kDemoConfidentialSecret};
  check(admin::add_client(store, conf, clock));
  admin::ClientSpec rs{
      kDemoFhirClientId,    "Tessera FHIR server", "resource-server", {}, "__introspect", {}, "",
      kDemoFhirClientSecret};
  check(admin::add_client(store, rs, clock));

  check(admin::add_user(
      store, {"parent", "parent-demo", "Patient/demo-parent", "Maria Alvarez", false}, clock));
  check(admin::add_user(
      store, {"patient", "patient-demo", "Patient/demo-solo", "James Okafor", false}, clock));
  check(admin::add_user(
      store, {"doctor", "doctor-demo", "Practitioner/demo-practitioner", "Dr. Elena Chen", true},
      clock));
  check(admin::grant_access(store, "parent", "demo-parent", "self", clock));
  check(admin::grant_access(store, "parent", "demo-child-1", "parent", clock));
  check(admin::grant_access(store, "parent", "demo-child-2", "parent", clock));
  check(admin::grant_access(store, "patient", "demo-solo", "self", clock));
  check(admin::grant_access(store, "doctor", "*", "practitioner", clock));

  auto data = demo::generate();
#ifdef TESSERA_WITH_FHIR
  auto parsed = fhir::parse_import(data.bundle.dump(), "demo", [] { return std::string(); });
  if (!parsed) {
    std::cerr << "error: demo bundle: " << parsed.error().description << "\n";
    return 1;
  }
  auto n = fhir::import_resources(store, parsed.value(), clock);
  if (!n) {
    std::cerr << "error: demo import: " << n.error().description << "\n";
    return 1;
  }
  std::cout << "loaded " << n.value() << " demo FHIR resources\n";
#endif
  std::cout << "demo users (username / password):\n"
            << "  parent  / parent-demo   Maria Alvarez: herself and her children Lucas and Sofia\n"
            << "  patient / patient-demo  James Okafor: only himself\n"
            << "  doctor  / doctor-demo   Dr. Elena Chen: every patient, may use the EHR launcher\n"
            << "demo apps: demo-app (public), demo-clinic (confidential, secret "
            << kDemoConfidentialSecret << "), " << kDemoFhirClientId << " (resource server)\n";
  (void)fhir;
  return 0;
}

}  // namespace tessera::app
