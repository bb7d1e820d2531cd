#include "web/pages.h"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "core/encoding.h"

namespace tessera::web {
namespace {

// HTML builder that is escaping by default: string literals written in this file are trusted markup
// and appended as they are; every other string (std::string, std::string_view, const char*) is
// untrusted text and goes through core::html_escape. So `h << "<p>" << view.name << "</p>"` is safe
// by construction, and a runtime value can never be appended unescaped by accident.
class Html {
 public:
  template <std::size_t N>
  Html& operator<<(const char (&markup)[N]) {  // trusted: a literal from this file
    out_.append(markup, N - 1);
    return *this;
  }
  Html& operator<<(std::string_view text) {  // untrusted: escaped
    out_ += core::html_escape(text);
    return *this;
  }
  Html& operator<<(const Html& fragment) {  // already built by this class
    out_ += fragment.out_;
    return *this;
  }
  std::string str() && { return std::move(out_); }

 private:
  std::string out_;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Form actions: relative references and http(s) URLs only. A `javascript:` (or any other scheme)
// action would run script or leak the form on submit; escaping alone does not stop that.
std::string_view safe_action(std::string_view url) {
  const auto colon = url.find(':');
  const auto delim = url.find_first_of("/?#");
  if (colon == std::string_view::npos || (delim != std::string_view::npos && delim < colon)) {
    return url;  // no scheme: relative reference
  }
  const auto scheme = url.substr(0, colon);
  if (iequals(scheme, "http") || iequals(scheme, "https")) return url;
  return "about:blank";
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int to_int(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// FHIR date (YYYY, YYYY-MM, YYYY-MM-DD) as "4 Jan 2012" / "Jan 2012" / "2012"; empty if the value
// is not one of those shapes (the caller then shows it as it is).
std::string human_date(std::string_view d) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (d.size() != 4 && d.size() != 7 && d.size() != 10) return {};
  const auto year = d.substr(0, 4);
  if (!all_digits(year)) return {};
  if (d.size() == 4) return std::string(year);
  if (d[4] != '-' || !all_digits(d.substr(5, 2))) return {};
  const int month = to_int(d.substr(5, 2));
  if (month < 1 || month > 12) return {};
  std::string month_year =
      std::string(kMonths[static_cast<std::size_t>(month - 1)]) + " " + std::string(year);
  if (d.size() == 7) return month_year;
  if (d[7] != '-' || !all_digits(d.substr(8, 2))) return {};
  const int day = to_int(d.substr(8, 2));
  if (day < 1 || day > 31) return {};
  return std::to_string(day) + " " + month_year;
}

// "Born 4 Jan 2012" with a machine-readable <time> when the date parses.
void birth_date(Html& h, std::string_view raw) {
  const std::string human = human_date(raw);
  if (human.empty()) {
    h << "Born " << raw;
  } else {
    h << "Born <time datetime=\"" << raw << "\">" << human << "</time>";
  }
}

std::string relationship_words(std::string_view rel) {
  if (iequals(rel, "self")) return "You";
  if (iequals(rel, "parent")) return "Your child";
  if (iequals(rel, "caregiver")) return "In your care";
  if (iequals(rel, "guardian")) return "Your ward";
  std::string out(rel);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  return out;
}

std::string_view or_default(std::string_view value, std::string_view fallback) {
  return value.empty() ? fallback : value;
}

// The whole document around a page body. `wide` selects the wider container (launcher).
std::string document(std::string_view title, const Html& body, bool wide = false) {
  Html h;
  h << "<!DOCTYPE html>\n"
       "<html lang=\"en\">\n"
       "<head>\n"
       "<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<meta name=\"color-scheme\" content=\"light dark\">\n"
       "<meta name=\"referrer\" content=\"no-referrer\">\n"
       "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
       "<title>"
    << title
    << " \xC2\xB7 Tessera</title>\n"
       "<link rel=\"stylesheet\" href=\"/static/tessera.css\">\n"
       "</head>\n"
       "<body>\n"
       "<header class=\"site-header\">\n";
  // Header and main share the container width so the wordmark lines up with the card.
  if (wide) {
    h << "<div class=\"wrap wrap-wide\">\n";
  } else {
    h << "<div class=\"wrap\">\n";
  }
  h << "<span class=\"wordmark\">"
       "<svg class=\"mark\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" focusable=\"false\">"
       "<rect class=\"tile tile-1\" x=\"1\" y=\"1\" width=\"10\" height=\"10\" rx=\"2\"/>"
       "<rect class=\"tile tile-2\" x=\"13\" y=\"1\" width=\"10\" height=\"10\" rx=\"2\"/>"
       "<rect class=\"tile tile-3\" x=\"1\" y=\"13\" width=\"10\" height=\"10\" rx=\"2\"/>"
       "<rect class=\"tile tile-4\" x=\"13\" y=\"13\" width=\"10\" height=\"10\" rx=\"2\"/>"
       "</svg>Tessera</span>\n"
       "</div>\n"
       "</header>\n";
  if (wide) {
    h << "<main class=\"wrap wrap-wide\">\n";
  } else {
    h << "<main class=\"wrap\">\n";
  }
  h << "<div class=\"card\">\n" << body << "</div>\n</main>\n</body>\n</html>\n";
  return std::move(h).str();
}

void form_open(Html& h, std::string_view action) {
  h << "<form method=\"post\" action=\"" << safe_action(action) << "\">\n";
}

void hidden_interaction(Html& h, std::string_view interaction) {
  h << "<input type=\"hidden\" name=\"interaction\" value=\"" << interaction << "\">\n";
}

void hidden_csrf(Html& h, std::string_view csrf) {
  h << "<input type=\"hidden\" name=\"csrf\" value=\"" << csrf << "\">\n";
}

void alert(Html& h, std::string_view error) {
  if (error.empty()) return;
  h << "<div class=\"alert\" role=\"alert\">" << error << "</div>\n";
}

void signed_in(Html& h, std::string_view user_display) {
  if (user_display.empty()) return;
  h << "<p class=\"signed-in\">Signed in as <strong>" << user_display << "</strong></p>\n";
}

constexpr std::string_view kSomeApp = "the app";

}  // namespace

std::string render_login(const LoginView& v) {
  Html h;
  h << "<h1>Sign in</h1>\n";
  if (v.app_name.empty()) {
    h << "<p class=\"lead\">Sign in to continue.</p>\n";
  } else {
    h << "<p class=\"lead\">Sign in to continue to <strong>" << v.app_name << "</strong></p>\n";
  }
  alert(h, v.error);
  form_open(h, v.action_url);
  hidden_interaction(h, v.interaction_id);
  hidden_csrf(h, v.csrf);
  // Focus goes to the first field still to fill in (the password after a failed attempt).
  const bool focus_user = v.username.empty();
  h << "<div class=\"field\">\n"
       "<label for=\"username\">Username</label>\n"
       "<input type=\"text\" id=\"username\" name=\"username\" value=\""
    << v.username
    << "\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required";
  if (focus_user) h << " autofocus";
  h << ">\n"
       "</div>\n"
       "<div class=\"field\">\n"
       "<label for=\"password\">Password</label>\n"
       "<input type=\"password\" id=\"password\" name=\"password\" "
       "autocomplete=\"current-password\" required";
  if (!focus_user) h << " autofocus";
  h << ">\n"
       "</div>\n"
       "<div class=\"actions\">\n"
       "<button type=\"submit\" class=\"btn btn-primary\">Sign in</button>\n"
       "</div>\n"
       "</form>\n";
  return document("Sign in", h);
}

std::string render_picker(const PickerView& v) {
  Html h;
  h << "<h1>Choose a patient</h1>\n";
  signed_in(h, v.user_display);
  h << "<p class=\"lead\">Whose record should <strong>" << or_default(v.app_name, kSomeApp)
    << "</strong> open?</p>\n";
  alert(h, v.error);
  if (v.patients.empty()) {
    h << "<p class=\"empty\">There are no patient records you can share from this account. "
         "Contact your healthcare provider if you expected to see one here.</p>\n";
    return document("Choose a patient", h);
  }
  form_open(h, v.action_url);
  hidden_interaction(h, v.interaction_id);
  hidden_csrf(h, v.csrf);
  h << "<fieldset class=\"choices\">\n"
       "<legend class=\"visually-hidden\">Patient</legend>\n";
  const bool only_one = v.patients.size() == 1;
  for (std::size_t i = 0; i < v.patients.size(); ++i) {
    const PatientChoice& p = v.patients[i];
    const std::string id = "patient-" + std::to_string(i);
    h << "<div class=\"choice\">\n"
         "<input type=\"radio\" id=\""
      << id << "\" name=\"patient\" value=\"" << p.id << "\" required";
    if (only_one) h << " checked";
    h << ">\n<label for=\"" << id << "\"><span class=\"choice-title\">"
      << or_default(p.name, "Unnamed patient") << "</span>";
    const std::string rel = relationship_words(p.relationship);
    if (!p.birth_date.empty() || !rel.empty()) {
      h << "<span class=\"choice-meta\">";
      if (!p.birth_date.empty()) birth_date(h, p.birth_date);
      if (!p.birth_date.empty() && !rel.empty())
        h << "<span class=\"sep\" aria-hidden=\"true\"> \xC2\xB7 </span>";
      if (!rel.empty()) h << "<span class=\"relationship\">" << rel << "</span>";
      h << "</span>";
    }
    h << "</label>\n</div>\n";
  }
  h << "</fieldset>\n"
       "<div class=\"actions\">\n"
       "<button type=\"submit\" class=\"btn btn-primary\">Continue</button>\n"
       "</div>\n"
       "</form>\n";
  return document("Choose a patient", h);
}

std::string render_consent(const ConsentView& v) {
  Html h;
  const std::string_view app = or_default(v.app_name, "An app");
  if (v.patient_display.empty()) {
    h << "<h1><span class=\"app\">" << app << "</span> is requesting access</h1>\n";
  } else {
    h << "<h1><span class=\"app\">" << app << "</span> wants to access " << v.patient_display
      << "'s record</h1>\n";
  }
  signed_in(h, v.user_display);
  alert(h, v.error);

  bool any_optional = false;
  for (const ScopeItem& s : v.scopes) any_optional = any_optional || !s.required;
  if (v.scopes.empty()) {
    h << "<p class=\"lead\">This app is not asking for any data.</p>\n";
  } else if (any_optional) {
    h << "<p class=\"lead\">Choose what this app may do. Clear anything you do not want to "
         "share.</p>\n";
  } else {
    h << "<p class=\"lead\">This app is asking for:</p>\n";
  }

  form_open(h, v.action_url);
  hidden_interaction(h, v.interaction_id);
  hidden_csrf(h, v.csrf);

  // Groups in order of first appearance, items in their given order within a group.
  std::vector<std::string_view> groups;
  for (const ScopeItem& s : v.scopes) {
    const std::string_view g = or_default(s.group, "Other");
    bool seen = false;
    for (std::string_view known : groups) seen = seen || known == g;
    if (!seen) groups.push_back(g);
  }
  for (std::string_view g : groups) {
    h << "<fieldset class=\"scope-group\">\n<legend>" << g << "</legend>\n";
    for (std::size_t i = 0; i < v.scopes.size(); ++i) {
      const ScopeItem& s = v.scopes[i];
      if (or_default(s.group, "Other") != g) continue;
      const std::string id = "scope-" + std::to_string(i);
      h << "<div class=\"scope\">\n"
           "<input type=\"checkbox\" id=\""
        << id << "\" name=\"scope\" value=\"" << s.scope << "\"";
      if (s.required || s.checked) h << " checked";
      if (s.required) h << " disabled";
      h << ">\n";
      // Disabled controls are not submitted: carry required scopes in a hidden input.
      if (s.required) {
        h << "<input type=\"hidden\" name=\"scope\" value=\"" << s.scope << "\">\n";
      }
      h << "<label for=\"" << id << "\" title=\"" << s.scope << "\"><span class=\"scope-desc\">"
        << or_default(s.description, s.scope) << "</span>";
      h << "<span class=\"scope-meta\"><code>" << s.scope << "</code>";
      if (s.required) h << "<span class=\"badge\">Required</span>";
      h << "</span></label>\n</div>\n";
    }
    h << "</fieldset>\n";
  }
  // Deny first: implicit submission (Enter) uses the first submit button, so it fails safe.
  h << "<div class=\"actions\">\n"
       "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"btn btn-secondary\">"
       "Deny</button>\n"
       "<button type=\"submit\" name=\"decision\" value=\"approve\" class=\"btn btn-primary\">"
       "Allow</button>\n"
       "</div>\n"
       "</form>\n"
       "<p class=\"fine-print\">Only what you allow is shared. Choosing Deny shares nothing and "
       "returns you to the app.</p>\n";
  return document("Allow access", h);
}

std::string render_error(const ErrorView& v) {
  Html h;
  const std::string_view title = or_default(v.title, "Something went wrong");
  h << "<p class=\"eyebrow\">Error " << std::to_string(v.status) << "</p>\n"
    << "<h1>" << title << "</h1>\n";
  if (!v.message.empty()) h << "<p class=\"lead\">" << v.message << "</p>\n";
  h << "<h2>What you can do</h2>\n<p>"
    << or_default(v.advice,
                  "Go back to the app you came from and try again. If it keeps happening, "
                  "contact the app's support team.")
    << "</p>\n";
  return document(title, h);
}

std::string render_launcher(const LauncherView& v) {
  Html h;
  h << "<h1>EHR launcher</h1>\n";
  signed_in(h, v.user_display);
  h << "<p class=\"lead\">Launch a registered app the way an EHR would, with a patient (and "
       "optionally an encounter) in context.</p>\n";
  if (!v.fhir_base.empty()) {
    h << "<p class=\"meta\">FHIR server (<code>iss</code>): <code>" << v.fhir_base
      << "</code></p>\n";
  }
  alert(h, v.error);
  if (v.patients.empty() || v.apps.empty()) {
    h << "<p class=\"empty\">"
      << (v.patients.empty() ? std::string_view("There are no patients to launch with.")
                             : std::string_view("There are no apps with a launch URL."))
      << "</p>\n";
    return document("EHR launcher", h, true);
  }
  form_open(h, v.action_url);
  hidden_csrf(h, v.csrf);

  h << "<div class=\"field\">\n"
       "<label for=\"patient\">Patient</label>\n"
       "<select id=\"patient\" name=\"patient\" required>\n";
  for (const LauncherPatient& p : v.patients) {
    h << "<option value=\"" << p.id << "\">" << or_default(p.name, p.id);
    if (!p.birth_date.empty()) {
      const std::string human = human_date(p.birth_date);
      h << " \xE2\x80\x94 born " << or_default(human, p.birth_date);
    }
    h << "</option>\n";
  }
  h << "</select>\n</div>\n";

  h << "<div class=\"field\">\n"
       "<label for=\"encounter\">Encounter <span class=\"optional\">(optional)</span></label>\n"
       "<select id=\"encounter\" name=\"encounter\" aria-describedby=\"encounter-hint\">\n"
       "<option value=\"\">No encounter</option>\n";
  for (const LauncherPatient& p : v.patients) {
    if (p.encounters.empty()) continue;
    h << "<optgroup label=\"" << or_default(p.name, p.id) << "\">\n";
    for (const auto& [id, label] : p.encounters) {
      h << "<option value=\"" << id << "\">" << or_default(label, id) << "</option>\n";
    }
    h << "</optgroup>\n";
  }
  h << "</select>\n"
       "<p class=\"hint\" id=\"encounter-hint\">Must belong to the chosen patient.</p>\n"
       "</div>\n";

  h << "<div class=\"field\">\n"
       "<label for=\"client_id\">App</label>\n"
       "<select id=\"client_id\" name=\"client_id\" required>\n";
  for (const LauncherApp& a : v.apps) {
    h << "<option value=\"" << a.client_id << "\" title=\"" << a.launch_uri << "\">"
      << or_default(a.name, a.client_id) << "</option>\n";
  }
  h << "</select>\n</div>\n";

  h << "<div class=\"check\">\n"
       "<input type=\"checkbox\" id=\"need_patient_banner\" name=\"need_patient_banner\" "
       "value=\"true\" checked>\n"
       "<label for=\"need_patient_banner\">Ask the app to show a patient banner "
       "<code>need_patient_banner</code></label>\n"
       "</div>\n";

  h << "<div class=\"field\">\n"
       "<label for=\"intent\">Intent <span class=\"optional\">(optional)</span></label>\n"
       "<input type=\"text\" id=\"intent\" name=\"intent\" autocomplete=\"off\" "
       "spellcheck=\"false\" aria-describedby=\"intent-hint\">\n"
       "<p class=\"hint\" id=\"intent-hint\">Passed to the app as <code>intent</code>, "
       "e.g. <code>reconcile-medications</code>.</p>\n"
       "</div>\n";

  h << "<div class=\"actions\">\n"
       "<button type=\"submit\" class=\"btn btn-primary\">Launch app</button>\n"
       "</div>\n"
       "</form>\n";
  return document("EHR launcher", h, true);
}

std::string render_message(const MessageView& v) {
  Html h;
  const std::string_view title = or_default(v.title, "Done");
  h << "<h1>" << title << "</h1>\n";
  if (!v.message.empty()) h << "<p class=\"lead\">" << v.message << "</p>\n";
  return document(title, h);
}

}  // namespace tessera::web
