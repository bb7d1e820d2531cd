#include "admin/admin.h"

#include <sstream>

#include "oauth/key_ring.h"
#include "oauth/password.h"
#include "oauth/token_format.h"
#include "scopes/scope_set.h"

namespace tessera::admin {

using core::ErrorCode;

namespace {
core::Error bad(std::string msg) {
  return core::make_error(ErrorCode::kBadRequest, std::move(msg));
}

bool valid_id(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool absolute_url(const std::string& u) {
  return (u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0) &&
         u.find('#') == std::string::npos && u.find(' ') == std::string::npos;
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}
}  // namespace

core::Result<std::string> init(store::SqliteStore& store, const core::Clock& clock) {
  if (!store.list_keys().empty()) return std::string("database ready (signing key exists)\n");
  auto kid = oauth::KeyRing::create_key(store, clock.now_seconds());
  if (!kid) return kid.error();
  return "database ready; created RS256 signing key " + kid.value() + "\n";
}

core::Result<std::string> rotate_key(store::SqliteStore& store, const core::Clock& clock) {
  auto kid = oauth::KeyRing::create_key(store, clock.now_seconds());
  if (!kid) return kid.error();
  return "new signing key " + kid.value() +
         " (older keys stay in the JWKS; restart the server to sign with the new key)\n";
}

std::string list_keys(store::SqliteStore& store) {
  std::ostringstream out;
  for (const auto& k : store.list_keys())
    out << k.kid << "  " << k.alg << "  " << (k.active ? "active" : "inactive") << "  created "
        << k.created_at << "\n";
  return out.str();
}

core::Result<ClientCreated> add_client(store::ClientStore& store, const ClientSpec& spec,
                                       const core::Clock& clock) {
  auto type = store::client_type_from_string(spec.type);
  if (!type) return bad("--type must be public, confidential or resource-server");
  store::ClientRecord c;
  c.client_id =
      spec.client_id.empty() ? "app-" + oauth::new_credential("").substr(0, 12) : spec.client_id;
  if (!valid_id(c.client_id))
    return bad("client id may use letters, digits, '-', '.', '_' (1-128 characters)");
  c.name = spec.name.empty() ? c.client_id : spec.name;
  c.type = *type;
  for (const auto& u : spec.redirect_uris)
    if (!absolute_url(u))
      return bad("redirect URI must be an absolute http(s) URL without fragment: " + u);
  if (!spec.launch_uri.empty() && !absolute_url(spec.launch_uri))
    return bad("launch URI must be an absolute http(s) URL");
  c.redirect_uris = spec.redirect_uris;
  c.launch_uri = spec.launch_uri;
  auto scopes = scopes::ScopeSet::parse(spec.scope);
  c.scope = scopes.to_string();
  c.grant_types = spec.grant_types;
  if (c.grant_types.empty()) {
    switch (c.type) {
      case store::ClientType::kPublic:
        c.grant_types = {"authorization_code", "refresh_token"};
        break;
      case store::ClientType::kConfidential:
        c.grant_types = {"authorization_code", "refresh_token"};
        break;
      case store::ClientType::kResourceServer:
        c.grant_types = {"client_credentials"};
        break;
    }
  }
  for (const auto& g : c.grant_types) {
    if (g != "authorization_code" && g != "refresh_token" && g != "client_credentials")
      return bad("unknown grant type " + g);
    if (g == "client_credentials" && c.type == store::ClientType::kPublic)
      return bad("public clients cannot use client_credentials");
  }
  bool needs_redirect = std::find(c.grant_types.begin(), c.grant_types.end(),
                                  "authorization_code") != c.grant_types.end();
  if (needs_redirect && c.redirect_uris.empty())
    return bad("at least one --redirect-uri is needed for the authorization code grant");
  if (c.type == store::ClientType::kResourceServer && c.scope.empty()) c.scope = "__introspect";
  std::string secret;
  if (c.type != store::ClientType::kPublic) {
    secret = spec.secret.empty() ? oauth::new_credential(oauth::kClientSecretPrefix) : spec.secret;
    if (secret.size() < 32) return bad("client secrets must have at least 32 characters");
    c.secret_hash = oauth::credential_hash(secret);
  }
  c.created_at = clock.now_seconds();
  if (auto st = store.add_client(c); !st) return st.error();
  auto stored = store.find_client(c.client_id);
  return ClientCreated{stored ? *stored : c, secret};
}

std::string format_client(const store::ClientRecord& c) {
  std::ostringstream out;
  out << "client_id:     " << c.client_id << "\n"
      << "name:          " << c.name << "\n"
      << "type:          " << store::to_string(c.type) << "\n"
      << "grant types:   " << join(c.grant_types) << "\n"
      << "scope:         " << c.scope << "\n"
      << "redirect URIs: " << join(c.redirect_uris, ", ") << "\n";
  if (!c.launch_uri.empty()) out << "launch URI:    " << c.launch_uri << "\n";
  return out.str();
}

std::string list_clients(store::ClientStore& store) {
  std::ostringstream out;
  for (const auto& c : store.list_clients())
    out << c.client_id << "\t" << store::to_string(c.type) << "\t" << c.name << "\n";
  return out.str();
}

core::Result<std::string> show_client(store::ClientStore& store, const std::string& id) {
  auto c = store.find_client(id);
  if (!c) return core::make_error(ErrorCode::kNotFound, "no client " + id);
  return format_client(*c);
}

core::Result<std::string> remove_client(store::ClientStore& store, const std::string& id) {
  if (!store.remove_client(id)) return core::make_error(ErrorCode::kNotFound, "no client " + id);
  return "removed client " + id + "\n";
}

core::Result<std::string> add_user(store::UserStore& store, const UserSpec& spec,
                                   const core::Clock& clock) {
  if (!valid_id(spec.username)) return bad("username may use letters, digits, '-', '.', '_'");
  if (!spec.fhir_user.empty()) {
    auto slash = spec.fhir_user.find('/');
    auto type = spec.fhir_user.substr(0, slash);
    if (slash == std::string::npos || slash + 1 >= spec.fhir_user.size() ||
        (type != "Patient" && type != "Practitioner" && type != "RelatedPerson" &&
         type != "PractitionerRole" && type != "Person")) {
      return bad(
          "--fhir-user must be Patient/<id>, Practitioner/<id>, PractitionerRole/<id>, "
          "RelatedPerson/<id> or Person/<id>");
    }
  }
  auto hash = oauth::hash_password(spec.password);
  if (!hash) return hash.error();
  store::UserRecord u{spec.username,     hash.value(),    spec.fhir_user,
                      spec.display_name, spec.can_launch, clock.now_seconds()};
  if (auto st = store.add_user(u); !st) return st.error();
  return "added user " + spec.username + "\n";
}

std::string list_users(store::UserStore& store) {
  std::ostringstream out;
  for (const auto& u : store.list_users())
    out << u.username << "\t" << (u.fhir_user.empty() ? "-" : u.fhir_user) << "\t" << u.display_name
        << (u.can_launch ? "\t(launcher)" : "") << "\n";
  return out.str();
}

core::Result<std::string> remove_user(store::UserStore& store, const std::string& username) {
  if (!store.remove_user(username))
    return core::make_error(ErrorCode::kNotFound, "no user " + username);
  return "removed user " + username + "\n";
}

core::Result<std::string> grant_access(store::UserStore& store, const std::string& username,
                                       const std::string& patient_id,
                                       const std::string& relationship, const core::Clock& clock) {
  if (!store.find_user(username))
    return core::make_error(ErrorCode::kNotFound, "no user " + username);
  if (patient_id != "*" && !valid_id(patient_id)) return bad("patient id is not a valid FHIR id");
  if (relationship.empty())
    return bad("--relationship is required (self, parent, guardian, caregiver, practitioner, ...)");
  if (auto st = store.grant_access({username, patient_id, relationship, clock.now_seconds()}); !st)
    return st.error();
  return "user " + username + " may act for " +
         (patient_id == "*" ? "all patients" : "patient " + patient_id) + " (" + relationship +
         ")\n";
}

core::Result<std::string> revoke_access(store::UserStore& store, const std::string& username,
                                        const std::string& patient_id) {
  if (!store.revoke_access(username, patient_id))
    return core::make_error(ErrorCode::kNotFound, "no such access");
  return "revoked access of " + username + " to " + patient_id + "\n";
}

std::string list_access(store::UserStore& store, const std::string& username) {
  std::ostringstream out;
  for (const auto& a : store.list_access(username))
    out << a.username << "\t" << a.patient_id << "\t" << a.relationship << "\n";
  return out.str();
}

core::Result<nlohmann::json> launch_context(const LaunchSpec& s) {
  if (s.patient.empty() || !valid_id(s.patient)) return bad("--patient must be a FHIR Patient id");
  nlohmann::json ctx{{"patient", s.patient}};  // CTX-4: bare ids
  if (!s.encounter.empty()) {
    if (!valid_id(s.encounter)) return bad("--encounter must be a FHIR Encounter id");
    ctx["encounter"] = s.encounter;
  }
  if (!s.fhir_context_json.empty()) {
    auto fc = nlohmann::json::parse(s.fhir_context_json, nullptr, false);
    if (!fc.is_array()) return bad("--fhir-context must be a JSON array of objects");
    auto non_empty_string = [](const nlohmann::json& item, const char* key) {
      auto it = item.find(key);
      return it != item.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
    };
    for (const auto& item : fc) {  // CTX-5, CTX-6
      if (!item.is_object() || !(item.contains("reference") || item.contains("canonical") ||
                                 item.contains("identifier")))
        return bad("--fhir-context items need reference, canonical or identifier");
      // CTX-5: reference and canonical are strings, identifier an Identifier object, role a URI.
      if ((item.contains("reference") && !non_empty_string(item, "reference")) ||
          (item.contains("canonical") && !non_empty_string(item, "canonical")) ||
          (item.contains("identifier") && !item["identifier"].is_object()))
        return bad("--fhir-context reference and canonical must be strings, identifier an object");
      if (item.contains("role") && !non_empty_string(item, "role"))
        return bad("--fhir-context role must not be empty");
      // CTX-6: the patient and encounter in context are the top-level members, not fhirContext
      // items, unless the item has a role other than launch.
      bool launch_role = !item.contains("role") || item["role"] == "launch";
      std::string ref =
          non_empty_string(item, "reference") ? item["reference"].get<std::string>() : "";
      std::string type = non_empty_string(item, "type") ? item["type"].get<std::string>() : "";
      bool patient_or_encounter = ref.rfind("Patient/", 0) == 0 ||
                                  ref.rfind("Encounter/", 0) == 0 || type == "Patient" ||
                                  type == "Encounter";
      if (launch_role && patient_or_encounter)
        return bad(
            "--fhir-context: the launch patient and encounter go in --patient and "
            "--encounter; other Patient or Encounter items need a role");
    }
    ctx["fhirContext"] = fc;
  }
  if (s.need_patient_banner) ctx["need_patient_banner"] = true;  // CTX-7: a boolean
  if (!s.intent.empty()) ctx["intent"] = s.intent;
  if (!s.smart_style_url.empty()) ctx["smart_style_url"] = s.smart_style_url;
  if (!s.tenant.empty()) ctx["tenant"] = s.tenant;
  return ctx;
}

std::string list_audit(store::AuditStore& store, const store::AuditQuery& q, bool json) {
  std::ostringstream out;
  for (const auto& a : store.list_audit(q)) {
    if (json) {
      out << nlohmann::json{{"id", a.id},
                            {"time", a.time},
                            {"event", a.event},
                            {"client_id", a.client_id},
                            {"sub", a.subject},
                            {"fhirUser", a.fhir_user},
                            {"patient", a.patient},
                            {"on_behalf_of", a.on_behalf_of},
                            {"interaction", a.interaction},
                            {"resource_type", a.resource_type},
                            {"resource_id", a.resource_id},
                            {"outcome", a.outcome},
                            {"status", a.status},
                            {"detail", a.detail}}
                 .dump()
          << "\n";
    } else {
      out << a.time << "\t" << a.event << "\tclient=" << a.client_id << "\tsub=" << a.subject
          << "\tpatient=" << a.patient << "\t" << a.interaction << " " << a.resource_type
          << (a.resource_id.empty() ? "" : "/" + a.resource_id) << "\t" << a.outcome << " "
          << a.status << "\n";
    }
  }
  return out.str();
}

}  // namespace tessera::admin
