// The interaction API the pages drive: login (argon2id, throttled), patient choice (only patients
// the user may act for), consent (the user may narrow, never widen), then the code.
#include <spdlog/spdlog.h>

#include "core/encoding.h"
#include "core/random.h"
#include "oauth/authorization_server.h"
#include "oauth/oauth_error.h"
#include "oauth/password.h"
#include "oauth/token_format.h"

namespace tessera::oauth {

using core::ErrorCode;
using Json = nlohmann::json;

std::optional<InteractionView> AuthorizationServer::load_interaction(
    std::string_view id, const std::optional<std::string>& cookie) {
  if (!cookie) return std::nullopt;
  auto rec = d_.interactions.find_interaction(id, now());
  if (!rec) return std::nullopt;
  if (!core::constant_time_equal(credential_hash(*cookie), rec->cookie_hash)) return std::nullopt;
  InteractionView v;
  v.record = std::move(*rec);
  v.request = AuthorizationRequest::from_json(Json::parse(v.record.request_json, nullptr, false));
  auto client = d_.clients.find_client(v.request.client_id);
  if (!client) return std::nullopt;  // client removed meanwhile
  v.app_name = client->name.empty() ? client->client_id : client->name;
  if (v.record.username.empty()) {
    v.prompt = InteractionView::Prompt::kLogin;
  } else if (v.request.needs_patient && v.record.patient_id.empty()) {
    v.prompt = InteractionView::Prompt::kPickPatient;
  } else {
    v.prompt = InteractionView::Prompt::kConsent;
  }
  return v;
}

bool AuthorizationServer::check_csrf(const InteractionView& ix, std::string_view csrf) const {
  return !csrf.empty() && core::constant_time_equal(csrf, ix.record.csrf);
}

core::Status AuthorizationServer::login(InteractionView& ix, std::string_view username,
                                        std::string_view password) {
  const std::int64_t t = now();
  {
    std::lock_guard lock(throttle_mu_);
    auto it = throttle_.find(username);
    if (it != throttle_.end() && it->second.locked_until > t) {
      return core::make_error(ErrorCode::kAccessDenied,
                              "Too many failed attempts. Wait " +
                                  std::to_string(it->second.locked_until - t) +
                                  " seconds and try again.");
    }
  }
  auto user = d_.users.find_user(username);
  bool ok = false;
  if (user) {
    ok = verify_password(password, user->password_hash);
  } else {
    verify_dummy_password(password);  // same cost: usernames are not told apart by timing
  }
  if (!ok) {
    std::lock_guard lock(throttle_mu_);
    auto& th = throttle_[std::string(username)];
    if (++th.failures >= d_.config.authz.max_login_failures) {
      th.locked_until = t + d_.config.authz.login_lockout.count();
      th.failures = 0;
    }
    audit("LoginFailed", ix.request.client_id, std::string(username), "", "denied");
    return core::make_error(ErrorCode::kAccessDenied, "The username or password is not right.");
  }
  {
    std::lock_guard lock(throttle_mu_);
    throttle_.erase(std::string(username));
  }
  if (!ix.request.launch_user.empty() && ix.request.launch_user != user->username) {
    return core::make_error(ErrorCode::kAccessDenied,
                            "This launch was started for another user. Sign in as that user.");
  }
  ix.record.username = user->username;
  // An EHR launch carries its patient; a standalone launch with a single reachable patient
  // skips the picker.
  if (ix.request.needs_patient) {
    auto options = patients_for(user->username);
    if (options.size() == 1) ix.record.patient_id = options.front().patient.id;
  }
  ix.record.csrf = core::default_random().token(24);  // rotate on privilege change
  return d_.interactions.put_interaction(ix.record);
}

std::vector<PatientOption> AuthorizationServer::patients_for(const std::string& username) {
  std::vector<PatientOption> out;
  for (const auto& a : d_.users.list_access(username)) {
    if (a.patient_id == "*") {
      for (auto& p : d_.patients.list_patients(500)) {
        bool dup = std::any_of(out.begin(), out.end(),
                               [&](const auto& o) { return o.patient.id == p.id; });
        if (!dup) out.push_back({std::move(p), a.relationship});
      }
      continue;
    }
    auto p = d_.patients.find_patient(a.patient_id);
    out.push_back({p ? *p : store::PatientSummary{a.patient_id, a.patient_id, ""}, a.relationship});
  }
  return out;
}

core::Status AuthorizationServer::choose_patient(InteractionView& ix, std::string_view patient_id) {
  for (const auto& o : patients_for(ix.record.username)) {
    if (o.patient.id == patient_id) {
      ix.record.patient_id = std::string(patient_id);
      return d_.interactions.put_interaction(ix.record);
    }
  }
  return core::make_error(ErrorCode::kAccessDenied, "You may not act for that patient.");
}

std::string AuthorizationServer::display_name(const std::string& username) {
  auto u = d_.users.find_user(username);
  return u && !u->display_name.empty() ? u->display_name : username;
}

http::Response AuthorizationServer::deny(InteractionView& ix) {
  d_.interactions.delete_interaction(ix.record.id);
  audit("ConsentDenied", ix.request.client_id, ix.record.username, ix.record.patient_id, "denied");
  return error_redirect(ix.request.redirect_uri,
                        core::make_error(ErrorCode::kAccessDenied, "the user denied access"),
                        ix.request.state);
}

http::Response AuthorizationServer::approve(InteractionView& ix,
                                            const std::vector<std::string>& approved) {
  const auto& req = ix.request;
  auto offered = scopes::ScopeSet::parse(req.offered_scope);
  // The user may narrow, never widen: keep only offered tokens, in offered order.
  std::string granted_text;
  for (const auto& s : offered.all()) {
    if (std::find(approved.begin(), approved.end(), s) != approved.end())
      granted_text += (granted_text.empty() ? "" : " ") + s;
  }
  auto granted = scopes::ScopeSet::parse(granted_text);
  if (granted.empty()) {
    d_.interactions.delete_interaction(ix.record.id);
    return error_redirect(req.redirect_uri,
                          core::make_error(ErrorCode::kAccessDenied, "no access was approved"),
                          req.state);
  }
  auto user = d_.users.find_user(ix.record.username);
  if (!user) {
    d_.interactions.delete_interaction(ix.record.id);
    return error_redirect(req.redirect_uri,
                          core::make_error(ErrorCode::kAccessDenied, "the user no longer exists"),
                          req.state);
  }

  // Launch context, built once and stored verbatim: the token response and introspection
  // both emit this object, so their values are identical by construction (INTRO-4).
  Json context = req.ehr_launch ? req.launch_context : Json::object();
  if (!req.ehr_launch && !ix.record.patient_id.empty()) context["patient"] = ix.record.patient_id;
  bool has_patient_scope =
      granted.has_context(scopes::Context::kPatient) || granted.has("launch/patient");
  if (!req.ehr_launch && !has_patient_scope) context.erase("patient");
  if (has_patient_scope && !context.contains("patient")) {
    // CTX-1: never a granted patient/ scope without a patient.
    d_.interactions.delete_interaction(ix.record.id);
    return error_redirect(req.redirect_uri,
                          core::make_error(ErrorCode::kInvalidRequest, "no patient was selected"),
                          req.state);
  }

  // fhirUser: absolute URL of the user's FHIR resource, relative to the FHIR base (OIDC-6).
  std::string fhir_user = user->fhir_user.empty() ? "" : req.aud + "/" + user->fhir_user;

  store::GrantRecord g;
  g.grant_id = core::default_random().token(16);
  g.client_id = req.client_id;
  g.subject = user->username;
  g.fhir_user = fhir_user;
  g.scope = granted.to_string();
  g.aud = req.aud;
  g.context_json = context.dump();
  g.id_token = granted.has("openid");
  g.created_at = now();
  g.auth_time = now();

  std::string code = new_credential(kCodePrefix);
  store::CodeRecord c;
  c.code_hash = credential_hash(code);
  c.grant_id = g.grant_id;
  c.client_id = req.client_id;
  c.redirect_uri = req.redirect_uri;
  c.code_challenge = req.code_challenge;
  c.nonce = req.nonce;
  c.expires_at = now() + d_.config.authz.code_ttl.count();

  auto st = d_.tx.transaction([&]() -> core::Status {
    if (auto s = d_.grants.add_grant(g); !s) return s;
    if (auto s = d_.grants.add_code(c); !s) return s;
    d_.interactions.delete_interaction(ix.record.id);
    return {};
  });
  if (!st) {
    return error_redirect(
        req.redirect_uri,
        core::make_error(ErrorCode::kServerError, "could not complete the authorization"),
        req.state);
  }
  audit("ConsentGranted", req.client_id, user->username, context.value("patient", ""), "success",
        g.scope);
  http::Params p;
  p.add("code", code);
  p.add("state", req.state);
  return http::redirect_response(add_query(req.redirect_uri, p), http::Status::see_other);
}

core::Result<std::string> AuthorizationServer::create_launch(const nlohmann::json& context,
                                                             const std::string& username,
                                                             const std::string& client_id) {
  std::string launch = new_credential(kLaunchPrefix);
  store::LaunchRecord r;
  r.launch_hash = credential_hash(launch);
  r.context_json = context.dump();
  r.username = username;
  r.client_id = client_id;
  r.created_at = now();
  r.expires_at = now() + d_.config.authz.launch_ttl.count();
  if (auto st = d_.launches.add_launch(r); !st) return st.error();
  return launch;
}

}  // namespace tessera::oauth
