// The EHR launcher (like the SMART sandbox's): a practitioner signs in, picks a patient (and
// optionally one of the patient's encounters) and a registered app, and Tessera creates the EHR
// launch context (oauth::AuthorizationServer::create_launch, bound to that user and app) and
// sends the browser to the app's launch URI with `iss` (the FHIR base) and `launch` (LAUNCH-1).
//
// Routes: GET /launcher (sign-in form or the launcher), POST /launcher/login, POST
// /launcher/launch. Registered by the composition root when the authorization server runs and
// `authz.launcher_enabled` is set or the server is in demo mode.
//
// Trust boundary: every form field is untrusted. Only users whose record has `can_launch` may
// sign in (in every mode); passwords are verified with argon2id and failures throttled per
// username (authz.max_login_failures / authz.login_lockout). The browser holds a random session
// cookie (HttpOnly, SameSite=Lax, Path=/launcher, Secure under https); the server keeps only its
// SHA-256, in memory, with an expiry (authz.session_ttl once signed in, authz.interaction_ttl
// before), so a restart signs everyone out. Every POST checks the session's CSRF token; the id
// and CSRF token are replaced at sign-in. A launch is refused unless the patient is one the user
// may act for, the encounter (if any) belongs to that patient, and the app has a launch URI.
//
// Depends on: web (pages), oauth (AuthorizationServer, passwords), admin (launch_context), store
// (SqliteStore: users, clients, and a read-only query of the FHIR `resources` table), core, http.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "http/router.h"
#include "oauth/authorization_server.h"
#include "store/sqlite/sqlite_store.h"

namespace tessera::web {

inline constexpr std::string_view kLauncherPath = "/launcher";
inline constexpr std::string_view kLauncherCookie = "tessera_launcher";

void register_launcher_routes(http::Router& router, oauth::AuthorizationServer& as,
                              store::SqliteStore& store, const core::Clock& clock);

// ---- read-only FHIR queries (exposed for tests) ----
struct EncounterSummary {
  std::string id, label;
};
// The patient's encounters (subject = Patient/<id>), most recent first, at most `limit`.
// Reads the FHIR `resources` table of the same database; empty when it has none.
std::vector<EncounterSummary> encounters_of(store::SqliteStore& store, std::string_view patient_id,
                                            int limit);
// True when Encounter/<encounter_id> exists, is not deleted, and its subject is the patient.
bool encounter_belongs_to(store::SqliteStore& store, std::string_view encounter_id,
                          std::string_view patient_id);
// "5 Mar 2024 · Sick visit: Acute bronchitis" from an Encounter resource (date of period.start,
// type text or display, reason text); falls back to the id.
std::string encounter_label(const nlohmann::json& encounter);

}  // namespace tessera::web
