// A seeded authorization server for the flow tests: a public app, a confidential app, a
// resource server, and users parent (proxy for herself and two children), solo and doctor.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "harness.h"

namespace tessera::itest {

struct Seed {
  std::string db;
  std::string confidential_secret;
  std::string rs_secret;
  std::string backend_secret;
};

// Creates and seeds a database (admin commands through the real binary).
Seed seed_database(const std::string& fhir_base);

struct LaunchResult {
  Reply token_response;       // the /token reply
  std::string redirect;       // final redirect location (with code or error)
  std::string consent_html;   // the consent page as shown
  std::string picker_html;    // the patient picker (if shown)
};

class AsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override {
    if (HasFailure() && server) std::cerr << "---- server log ----\n" << server->log() << "\n";
    server.reset();
  }

  std::string issuer() const { return server->base(); }
  std::string fhir_base() const { return fhir_base_; }
  std::string token_url() const { return issuer() + "/token"; }

  // Drives authorize -> login -> (picker) -> consent -> code. Returns the redirect location.
  struct Flow {
    std::string client_id = "web-app";
    std::string redirect_uri = "http://127.0.0.1:9/callback";
    std::string scope = "openid fhirUser launch/patient patient/*.rs offline_access";
    std::string username = "parent";
    std::string password = "parent-password";
    std::string patient;           // picker choice ("" = first / skip)
    std::string launch;            // EHR launch value
    std::string state = "st-Abc.123_~x";
    std::string nonce = "n-123";
    std::vector<std::string> untick;  // scopes the user un-ticks on consent
    bool deny = false;
  };
  std::string authorize_and_consent(const Flow& f, const Pkce& pkce, LaunchResult* out = nullptr);
  Reply exchange(const std::string& code, const Pkce& pkce, const std::string& client_id = "web-app",
                 const std::string& redirect_uri = "http://127.0.0.1:9/callback",
                 const std::string& auth_header = "");
  Reply introspect(const std::string& token, const std::string& auth = "");
  // Full standalone launch; returns the token response JSON.
  nlohmann::json launch(const Flow& f, LaunchResult* out = nullptr);

  Seed seed;
  std::unique_ptr<Server> server;
  std::string fhir_base_;
  Browser browser;
};

}  // namespace tessera::itest
