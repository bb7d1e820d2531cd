// Server-rendered HTML pages of the authorization server (sign-in, patient picker, consent, error,
// EHR launcher, plain message) and the stylesheet they share, as pure functions: view struct in,
// complete HTML document out. No I/O, no state, no templating library.
//
// Trust boundary: every field of every view is treated as untrusted text (app names and launch URIs
// come from client registration, patient names from FHIR data, errors may echo request input) and
// is HTML-escaped with core::html_escape before it reaches the page, in text and in attributes
// alike. Form action URLs are additionally restricted to relative references and http(s) URLs
// (anything else, e.g. `javascript:`, is replaced by `about:blank`). Pages contain no JavaScript,
// no inline style attributes and no <style> blocks, so they run under a strict CSP
// (`default-src 'none'; style-src 'self'; form-action 'self'`); the only stylesheet is
// stylesheet(), to be served at /static/tessera.css. CSRF tokens are rendered, never checked,
// here: verifying them is the caller's job.
//
// Depends on: tessera_core (core/encoding.h) and the standard library only.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tessera::web {

// Path the pages link their stylesheet from; serve stylesheet() there (text/css).
inline constexpr const char* kStylesheetPath = "/static/tessera.css";

// The CSS for /static/tessera.css.
std::string stylesheet();

// Sign-in form. POST action_url with fields: interaction, csrf (hidden), username, password.
// `username` pre-fills the username field (e.g. after a failed attempt); `error` is shown in a
// role="alert" box when non-empty.
struct LoginView {
  std::string app_name, action_url, interaction_id, csrf, username, error;
};
std::string render_login(const LoginView&);

// relationship: "self", "parent", "guardian", "caregiver", "practitioner", ... (shown in plain
// words: "You", "Your child", "Your ward", "In your care", otherwise capitalised).
// birth_date: FHIR date (YYYY, YYYY-MM or YYYY-MM-DD), shown as e.g. "4 Jan 2012".
struct PatientChoice {
  std::string id, name, birth_date, relationship;
};
// Patient picker (SCOPE-16: standalone launch/patient). POST action_url with fields:
// interaction, csrf (hidden), patient (radio, value = PatientChoice::id). With no patients the
// page says so and has no Continue button.
struct PickerView {
  std::string app_name, action_url, interaction_id, csrf, user_display, error;
  std::vector<PatientChoice> patients;
};
std::string render_picker(const PickerView&);

// group e.g. "Observation", "All data", "Identity", "Access"; groups appear in order of first use.
struct ScopeItem {
  std::string scope, description, group;
  bool checked = true;
  bool required = false;
};
// Consent page. POST action_url with fields: interaction, csrf (hidden), scope (repeated; one per
// checked box, plus a hidden input per required scope since disabled boxes are not submitted),
// decision = "approve" | "deny" (two submit buttons; "deny" comes first in the form so pressing
// Enter denies).
struct ConsentView {
  std::string app_name, action_url, interaction_id, csrf, user_display, patient_display, error;
  std::vector<ScopeItem> scopes;
};
std::string render_consent(const ConsentView&);

// A person-readable error page: title (default "Something went wrong"), message, advice (what to do
// next; a generic suggestion when empty). `status` is shown as "Error <status>"; the caller still
// sets the HTTP status itself.
struct ErrorView {
  std::string title, message, advice;
  int status = 400;
};
std::string render_error(const ErrorView&);

struct LauncherPatient {
  std::string id, name, birth_date;
  std::vector<std::pair<std::string, std::string>> encounters; /* id, label */
};
struct LauncherApp {
  std::string client_id, name, launch_uri;
};
// "EHR launcher" (like the SMART sandbox). POST action_url with fields: csrf (hidden), patient
// (select, required), encounter (select; "" = no encounter; the server must check the encounter
// belongs to the patient), client_id (select, required), need_patient_banner (checkbox, value
// "true", checked by default; absent when unchecked), intent (text, may be empty).
struct LauncherView {
  std::string action_url, csrf, user_display, error, fhir_base;
  std::vector<LauncherPatient> patients;
  std::vector<LauncherApp> apps;
};
std::string render_launcher(const LauncherView&);

// A simple informational page (e.g. "You can close this window").
struct MessageView {
  std::string title, message;
};
std::string render_message(const MessageView&);

}  // namespace tessera::web
