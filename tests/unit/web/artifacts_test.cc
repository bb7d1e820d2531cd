// Renders a realistic example of every page to test-artifacts/pages/ (git-ignored) for people to
// look at, e.g. with a browser or a headless screenshot. The stylesheet is written next to them as
// static/tessera.css, so serving that directory over HTTP shows the pages as deployed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "web/pages.h"

#ifndef TESSERA_WEB_ARTIFACT_DIR
#define TESSERA_WEB_ARTIFACT_DIR "test-artifacts/pages"
#endif

namespace tessera::web {
namespace {

bool write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out);
}

TEST(WebArtifacts, WritesRealisticExamplePages) {
  const std::filesystem::path dir = TESSERA_WEB_ARTIFACT_DIR;
  std::error_code ec;
  std::filesystem::create_directories(dir / "static", ec);
  ASSERT_FALSE(ec) << ec.message();

  const std::string csrf = "Zk3u9Qm2xV7bT1pL8cR4nW6yH0sJ5dE";
  const std::string interaction = "int_7f3a9c2e";

  ConsentView consent{
      .app_name = "Growth Chart",
      .action_url = "/interaction/int_7f3a9c2e/consent",
      .interaction_id = interaction,
      .csrf = csrf,
      .user_display = "Marta García",
      .patient_display = "Leo García",
      .error = "",
      .scopes = {
          {.scope = "openid",
           .description = "Confirm who you are",
           .group = "Identity",
           .required = true},
          {.scope = "fhirUser",
           .description = "See your name and your role",
           .group = "Identity",
           .required = true},
          {.scope = "launch/patient",
           .description = "Know which patient record you chose",
           .group = "Access",
           .required = true},
          {.scope = "offline_access",
           .description = "Keep access when you are not using the app (until you revoke it)",
           .group = "Access",
           .checked = false},
          {.scope = "patient/Patient.r",
           .description = "Read basic details (name, birth date)",
           .group = "Patient"},
          {.scope = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                    "observation-category|vital-signs",
           .description = "Read and search vital signs (height, weight, blood pressure)",
           .group = "Observation"},
          {.scope = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                    "observation-category|laboratory",
           .description = "Read and search lab results",
           .group = "Observation"},
          {.scope = "patient/Condition.rs",
           .description = "Read and search conditions",
           .group = "Condition"},
      }};

  const std::vector<std::pair<std::string, std::string>> pages = {
      {"login.html", render_login({.app_name = "Growth Chart",
                                   .action_url = "/login",
                                   .interaction_id = interaction,
                                   .csrf = csrf,
                                   .username = "",
                                   .error = ""})},
      {"login-error.html", render_login({.app_name = "Growth Chart",
                                         .action_url = "/login",
                                         .interaction_id = interaction,
                                         .csrf = csrf,
                                         .username = "marta",
                                         .error = "That username and password do not match. "
                                                  "Check them and try again."})},
      {"picker.html",
       render_picker({.app_name = "Growth Chart",
                      .action_url = "/interaction/int_7f3a9c2e/patient",
                      .interaction_id = interaction,
                      .csrf = csrf,
                      .user_display = "Marta García",
                      .error = "",
                      .patients = {{"pat-marta", "Marta García", "1984-02-29", "self"},
                                   {"pat-leo", "Leo García", "2016-07-04", "parent"},
                                   {"pat-rosa", "Rosa Pérez", "1931-11-02", "caregiver"}}})},
      {"consent.html", render_consent(consent)},
      {"error.html",
       render_error({.title = "This sign-in link has expired",
                     .message = "The request from Growth Chart took too long and was cancelled "
                                "to keep your account safe.",
                     .advice = "Go back to Growth Chart and open the connection again.",
                     .status = 400})},
      {"launcher.html",
       render_launcher(
           {.action_url = "/launcher",
            .csrf = csrf,
            .user_display = "Dr Ina Berg",
            .error = "",
            .fhir_base = "https://ehr.example.org/fhir",
            .patients = {{"pat-marta",
                          "Marta García",
                          "1984-02-29",
                          {{"enc-1", "1 Mar 2024 \xC2\xB7 Clinic visit"}}},
                         {"pat-leo",
                          "Leo García",
                          "2016-07-04",
                          {{"enc-2", "12 Jan 2024 \xC2\xB7 Well-child check"}}},
                         {"pat-rosa", "Rosa Pérez", "1931-11-02", {}}},
            .apps = {{"growth-chart", "Growth Chart", "https://apps.example.org/growth/launch"},
                     {"med-rec", "Med Reconciler", "https://medrec.example.org/launch"}}})},
      {"message.html", render_message({.title = "You can close this window",
                                       .message = "Growth Chart now has the access you allowed. "
                                                  "You can return to the app."})},
  };
  for (const auto& [name, html] : pages) {
    EXPECT_TRUE(write_file(dir / name, html)) << name;
  }
  EXPECT_TRUE(write_file(dir / "static" / "tessera.css", stylesheet()));
  EXPECT_TRUE(std::filesystem::exists(dir / "consent.html"));
}

}  // namespace
}  // namespace tessera::web
