// The SMART App Launch v2 authorization server: protocol endpoints (discovery, authorize, token,
// introspection, revocation, JWKS) plus the interaction API that the login, patient-picker and
// consent pages (src/web) drive. Protocol code says which prompt is needed; pages render it.
// Trust boundary: every request parameter and credential is untrusted until a check passes.
// Depends on: core, http, jose, scopes, store, config.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "http/router.h"
#include "oauth/key_ring.h"
#include "scopes/scope_set.h"
#include "store/stores.h"

namespace tessera::oauth {

struct AuthzDeps {
  const config::Config& config;
  store::Transactional& tx;
  store::ClientStore& clients;
  store::UserStore& users;
  store::LaunchStore& launches;
  store::InteractionStore& interactions;
  store::GrantStore& grants;
  store::AuditStore& audit;
  store::PatientDirectory& patients;
  const KeyRing& keys;
  const core::Clock& clock;
};

// A validated authorization request, kept with the interaction while the user signs in,
// picks a patient and consents.
struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string state;
  std::string requested_scope;  // as sent
  std::string offered_scope;    // what may be granted (narrowed to the client's allowance)
  std::string aud;
  std::string code_challenge;
  std::string nonce;
  bool ehr_launch = false;
  nlohmann::json launch_context = nlohmann::json::object();  // from the EHR launch
  std::string launch_user;                                   // launch bound to this user, if any
  bool needs_patient = false;  // a patient must be chosen (launch/patient or patient/ scopes)

  nlohmann::json to_json() const;
  static AuthorizationRequest from_json(const nlohmann::json&);
};

// What the pages need to know about an interaction in progress.
struct InteractionView {
  store::InteractionRecord record;
  AuthorizationRequest request;
  std::string app_name;
  enum class Prompt { kLogin, kPickPatient, kConsent } prompt = Prompt::kLogin;
};

struct PatientOption {
  store::PatientSummary patient;
  std::string relationship;
};

class AuthorizationServer {
 public:
  explicit AuthorizationServer(AuthzDeps deps);

  void register_routes(http::Router& router);

  // ---- interaction API for the pages ----
  static constexpr std::string_view kInteractionCookie = "tessera_ix";
  // Loads an interaction and checks it belongs to this browser (cookie). nullopt: unknown,
  // expired, or another browser's.
  std::optional<InteractionView> load_interaction(std::string_view id,
                                                  const std::optional<std::string>& cookie);
  bool check_csrf(const InteractionView& ix, std::string_view csrf) const;
  // Verifies the password (argon2id), with throttling. On success records the user.
  core::Status login(InteractionView& ix, std::string_view username, std::string_view password);
  std::vector<PatientOption> patients_for(const std::string& username);
  core::Status choose_patient(InteractionView& ix, std::string_view patient_id);
  // Consent given for `approved` (a subset of the offered scopes): issues the code and returns
  // the redirect to the client.
  http::Response approve(InteractionView& ix, const std::vector<std::string>& approved);
  http::Response deny(InteractionView& ix);
  std::string display_name(const std::string& username);

  // ---- helpers shared with the launcher page and admin ----
  // Creates a single-use EHR launch context; returns the opaque `launch` value.
  core::Result<std::string> create_launch(const nlohmann::json& context,
                                          const std::string& username,
                                          const std::string& client_id);
  std::string style_url() const;
  const config::Config& config() const { return d_.config; }

 private:
  // endpoints
  http::Response discovery(http::RequestContext& ctx);
  http::Response openid_configuration(http::RequestContext& ctx);
  http::Response jwks(http::RequestContext& ctx);
  http::Response style(http::RequestContext& ctx);
  http::Response authorize(http::RequestContext& ctx);
  // The part of a token request that may only be answered once rows are durable: the write, and
  // what to do after it. token() fills it (client_credentials) instead of writing synchronously.
  struct PendingWrite {
    std::function<core::Status()> write;
    std::function<void()> on_durable;
  };
  http::Response token(http::RequestContext& ctx, PendingWrite* pending);
  boost::asio::awaitable<http::Response> token_endpoint(http::RequestContext& ctx);
  // Runs write through the store's group commit and resumes when it is durable.
  boost::asio::awaitable<core::Status> durably(std::function<core::Status()> write);
  http::Response introspect(http::RequestContext& ctx);
  http::Response revoke(http::RequestContext& ctx);
  http::Response preflight(http::RequestContext& ctx, bool any_origin);
  void add_cors(http::RequestContext& ctx, http::Response& res, bool any_origin);

  // grants (one file each under grants/)
  http::Response grant_authorization_code(const store::ClientRecord& client, const http::Params& p);
  http::Response grant_refresh_token(const store::ClientRecord& client, const http::Params& p);
  http::Response grant_client_credentials(const store::ClientRecord& client, const http::Params& p,
                                          PendingWrite* pending);

  // client authentication at token/revoke/introspect (SYM-*, TOKEN-4)
  enum class AuthMode { kToken, kIntrospect };
  core::Result<store::ClientRecord> authenticate_client(http::RequestContext& ctx,
                                                        const http::Params& form, AuthMode mode);

  // token issuance shared by the grants
  struct Issued {
    nlohmann::json response;
  };
  // Tokens minted but not yet stored, and the token response that hands them out.
  struct PreparedTokens {
    store::TokenRecord access, refresh;
    bool with_refresh = false;
    nlohmann::json response;
    std::string patient;  // for the audit record
  };
  PreparedTokens prepare_tokens(const store::GrantRecord& grant, const std::string& access_scope,
                                bool with_refresh, bool with_id_token, const std::string& nonce,
                                bool backend);
  core::Status store_tokens(const PreparedTokens& p);
  void audit_issued(const store::GrantRecord& grant, const PreparedTokens& p);
  core::Result<Issued> issue_tokens(const store::GrantRecord& grant,
                                    const std::string& access_scope, bool with_refresh,
                                    bool with_id_token, const std::string& nonce,
                                    bool backend = false);
  std::string make_id_token(const store::GrantRecord& grant, const std::string& nonce);
  nlohmann::json introspection_body(const store::TokenRecord& t) const;

  void audit(std::string event, const std::string& client_id, const std::string& subject,
             const std::string& patient, std::string outcome, std::string detail = {});
  std::int64_t now() const { return d_.clock.now_seconds(); }
  std::string endpoint(std::string_view path) const {
    return d_.config.authz.issuer + std::string(path);
  }
  bool is_audience(const std::string& aud) const;
  bool origin_allowed(std::string_view origin);

  AuthzDeps d_;
  std::string discovery_json_;
  std::string openid_json_;

  // login throttling: username -> failures, locked-until
  struct Throttle {
    int failures = 0;
    std::int64_t locked_until = 0;
  };
  std::mutex throttle_mu_;
  std::map<std::string, Throttle, std::less<>> throttle_;
};

}  // namespace tessera::oauth
