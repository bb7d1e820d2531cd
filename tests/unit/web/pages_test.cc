#include "web/pages.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "html_scan.h"

namespace tessera::web {
namespace {

using test::count;
using test::nesting_problem;
using test::scan_tags;
using test::Tag;
using test::tags_named;

constexpr const char* kEvilApp = "<script>alert(1)</script>";
constexpr const char* kEvilAppEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
constexpr const char* kQuoted = "Anna \"Nan\" O'Neil";
constexpr const char* kQuotedEscaped = "Anna &quot;Nan&quot; O&#39;Neil";
// Attribute break-out attempt: must stay inside the value.
constexpr const char* kBreakout = "\"><img src=x onerror=alert(1)>";

LoginView login_view() {
  return {.app_name = "Growth Chart",
          .action_url = "/login",
          .interaction_id = "int-123",
          .csrf = "csrf-abc",
          .username = "",
          .error = ""};
}

PickerView picker_view() {
  return {.app_name = "Growth Chart",
          .action_url = "/interaction/int-123/patient",
          .interaction_id = "int-123",
          .csrf = "csrf-abc",
          .user_display = "Marta García",
          .error = "",
          .patients = {{"p-1", "Marta García", "1984-02-29", "self"},
                       {"p-2", "Leo García", "2016-07-04", "parent"},
                       {"p-3", "Rosa Pérez", "1931-11", "caregiver"},
                       {"p-4", "Sam Ortiz", "2009", "guardian"},
                       {"p-5", "Ina Berg", "", "practitioner"}}};
}

ConsentView consent_view() {
  ConsentView v{.app_name = "Growth Chart",
                .action_url = "/interaction/int-123/consent",
                .interaction_id = "int-123",
                .csrf = "csrf-abc",
                .user_display = "Marta García",
                .patient_display = "Leo García",
                .error = "",
                .scopes = {}};
  v.scopes = {
      {.scope = "openid", .description = "Know who you are", .group = "Identity", .required = true},
      {.scope = "patient/Observation.rs?category=laboratory",
       .description = "Read and search lab results",
       .group = "Observation"},
      {.scope = "fhirUser",
       .description = "See your name and role",
       .group = "Identity",
       .required = true},
      {.scope = "patient/Observation.rs?category=vital-signs",
       .description = "Read and search vital signs",
       .group = "Observation"},
      {.scope = "offline_access",
       .description = "Keep access when you are not using the app",
       .group = "Access",
       .checked = false},
  };
  return v;
}

ErrorView error_view() {
  return {.title = "This link has expired",
          .message = "The sign-in request took too long and was cancelled.",
          .advice = "Go back to Growth Chart and start again.",
          .status = 400};
}

LauncherView launcher_view() {
  return {.action_url = "/launcher",
          .csrf = "csrf-abc",
          .user_display = "Dr Ina Berg",
          .error = "",
          .fhir_base = "https://ehr.example.org/fhir",
          .patients = {{"p-1", "Marta García", "1984-02-29", {{"e-1", "2024-03-01 Clinic visit"}}},
                       {"p-2", "Leo García", "2016-07-04", {}},
                       {"p-3",
                        "Rosa Pérez",
                        "1931-11-02",
                        {{"e-7", "Inpatient stay"}, {"e-8", "Follow-up"}}}},
          .apps = {{"growth-chart", "Growth Chart", "https://apps.example.org/growth/launch"},
                   {"med-rec", "Med Reconciler", "https://medrec.example.org/launch"}}};
}

MessageView message_view() {
  return {.title = "You can close this window",
          .message = "Growth Chart now has the access you allowed."};
}

struct Page {
  std::string name;
  std::string html;
  bool has_form;
  bool has_interaction;
};

std::vector<Page> all_pages() {
  return {
      {"login", render_login(login_view()), true, true},
      {"picker", render_picker(picker_view()), true, true},
      {"consent", render_consent(consent_view()), true, true},
      {"error", render_error(error_view()), false, false},
      {"launcher", render_launcher(launcher_view()), true, false},
      {"message", render_message(message_view()), false, false},
  };
}

// Every page with every untrusted field set to something hostile.
std::vector<Page> hostile_pages() {
  LoginView l = login_view();
  l.app_name = kEvilApp;
  l.username = kQuoted;
  l.error = kEvilApp;
  l.csrf = kBreakout;
  l.interaction_id = kBreakout;
  PickerView p = picker_view();
  p.app_name = kEvilApp;
  p.user_display = kQuoted;
  p.error = kEvilApp;
  p.csrf = kBreakout;
  p.interaction_id = kBreakout;
  p.patients = {{kBreakout, kQuoted, kEvilApp, kEvilApp}};
  ConsentView c = consent_view();
  c.app_name = kEvilApp;
  c.patient_display = kQuoted;
  c.user_display = kQuoted;
  c.error = kEvilApp;
  c.csrf = kBreakout;
  c.interaction_id = kBreakout;
  c.scopes.push_back({.scope = kBreakout, .description = kEvilApp, .group = kQuoted});
  c.scopes.push_back(
      {.scope = kBreakout, .description = kQuoted, .group = kEvilApp, .required = true});
  ErrorView e{.title = kEvilApp, .message = kQuoted, .advice = kEvilApp, .status = 400};
  LauncherView la = launcher_view();
  la.csrf = kBreakout;
  la.user_display = kQuoted;
  la.error = kEvilApp;
  la.fhir_base = kEvilApp;
  la.patients.push_back({kBreakout, kQuoted, kEvilApp, {{kBreakout, kEvilApp}}});
  la.apps.push_back({kBreakout, kEvilApp, kBreakout});
  MessageView m{.title = kEvilApp, .message = kQuoted};
  return {
      {"login", render_login(l), true, true},         {"picker", render_picker(p), true, true},
      {"consent", render_consent(c), true, true},     {"error", render_error(e), false, false},
      {"launcher", render_launcher(la), true, false}, {"message", render_message(m), false, false},
  };
}

// --- Document shell ---------------------------------------------------------------------------

TEST(WebPages, EveryPageHasLangViewportTitleAndStylesheet) {
  for (const Page& p : all_pages()) {
    SCOPED_TRACE(p.name);
    EXPECT_EQ(p.html.rfind("<!DOCTYPE html>\n", 0), 0u);
    EXPECT_NE(p.html.find("<html lang=\"en\">"), std::string::npos);
    EXPECT_NE(p.html.find("<meta charset=\"utf-8\">"), std::string::npos);
    EXPECT_NE(
        p.html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"),
        std::string::npos);
    EXPECT_NE(p.html.find("<link rel=\"stylesheet\" href=\"/static/tessera.css\">"),
              std::string::npos);
    const auto open = p.html.find("<title>");
    const auto close = p.html.find("</title>");
    ASSERT_NE(open, std::string::npos);
    ASSERT_NE(close, std::string::npos);
    EXPECT_GT(close, open + 7) << "empty title";
    EXPECT_EQ(count(p.html, "<title>"), 1u);
  }
}

TEST(WebPages, EveryPageShowsTheTesseraWordmarkAndOneH1) {
  for (const Page& p : all_pages()) {
    SCOPED_TRACE(p.name);
    EXPECT_NE(p.html.find("<span class=\"wordmark\">"), std::string::npos);
    EXPECT_NE(p.html.find("</svg>Tessera</span>"), std::string::npos);
    EXPECT_EQ(tags_named(p.html, "h1").size(), 1u);
    EXPECT_EQ(tags_named(p.html, "main").size(), 1u);
  }
}

TEST(WebPages, TitleNamesThePageAndTheBrand) {
  EXPECT_NE(render_login(login_view()).find("<title>Sign in \xC2\xB7 Tessera</title>"),
            std::string::npos);
  EXPECT_NE(render_picker(picker_view()).find("<title>Choose a patient \xC2\xB7 Tessera</title>"),
            std::string::npos);
  EXPECT_NE(
      render_error(error_view()).find("<title>This link has expired \xC2\xB7 Tessera</title>"),
      std::string::npos);
  EXPECT_NE(render_launcher(launcher_view()).find("<title>EHR launcher \xC2\xB7 Tessera</title>"),
            std::string::npos);
}

TEST(WebPages, NoJavaScriptNoInlineStyleNothingNeedingACspException) {
  for (const auto& pages : {all_pages(), hostile_pages()}) {
    for (const Page& p : pages) {
      SCOPED_TRACE(p.name);
      for (const Tag& t : scan_tags(p.html)) {
        EXPECT_NE(t.name, "script");
        EXPECT_NE(t.name, "style");
        EXPECT_NE(t.name, "iframe");
        EXPECT_NE(t.name, "img");  // would come only from an injection
        for (const auto& [k, v] : t.attrs) {
          EXPECT_NE(k, "style") << "<" << t.name << ">";
          EXPECT_NE(k.rfind("on", 0), 0u) << "event handler " << k << " on <" << t.name << ">";
          if (v) {
            EXPECT_EQ(v->find("javascript:"), std::string::npos) << k;
          }
        }
      }
    }
  }
}

TEST(WebPages, ElementsNestAndCloseProperly) {
  for (const auto& pages : {all_pages(), hostile_pages()}) {
    for (const Page& p : pages) {
      SCOPED_TRACE(p.name);
      EXPECT_EQ(nesting_problem(p.html), "");
    }
  }
}

TEST(WebPages, FormsPostWithCsrfAndInteraction) {
  for (const Page& p : all_pages()) {
    SCOPED_TRACE(p.name);
    const auto forms = tags_named(p.html, "form");
    if (!p.has_form) {
      EXPECT_TRUE(forms.empty());
      continue;
    }
    ASSERT_EQ(forms.size(), 1u);
    EXPECT_EQ(forms[0].get("method"), "post");
    EXPECT_FALSE(forms[0].get("action").empty());
    EXPECT_EQ(count(p.html, "<input type=\"hidden\" name=\"csrf\" value=\"csrf-abc\">"), 1u);
    EXPECT_EQ(count(p.html, "<input type=\"hidden\" name=\"interaction\" value=\"int-123\">"),
              p.has_interaction ? 1u : 0u);
  }
}

// --- Escaping ---------------------------------------------------------------------------------

TEST(WebPages, UntrustedValuesAreEscapedOnEveryPage) {
  for (const Page& p : hostile_pages()) {
    SCOPED_TRACE(p.name);
    EXPECT_EQ(p.html.find(kEvilApp), std::string::npos);
    EXPECT_EQ(p.html.find("<script"), std::string::npos);
    EXPECT_NE(p.html.find(kEvilAppEscaped), std::string::npos);
    EXPECT_EQ(p.html.find(kQuoted), std::string::npos);
    EXPECT_NE(p.html.find(kQuotedEscaped), std::string::npos);
    EXPECT_EQ(p.html.find(kBreakout), std::string::npos);
  }
}

TEST(WebPages, QuotedNamesAreEscapedInAttributesToo) {
  ConsentView c = consent_view();
  c.scopes = {{.scope = kQuoted, .description = "d", .group = "g"}};
  const std::string html = render_consent(c);
  const auto boxes = tags_named(html, "input");
  bool found = false;
  for (const Tag& t : boxes) {
    if (t.get("type") == "checkbox") {
      found = true;
      EXPECT_EQ(t.get("value"), kQuotedEscaped);  // stays one attribute value
    }
  }
  EXPECT_TRUE(found);
  EXPECT_NE(html.find(std::string("title=\"") + kQuotedEscaped + "\""), std::string::npos);
}

TEST(WebPages, BreakoutInHiddenFieldsStaysInsideTheValue) {
  for (const Page& p : hostile_pages()) {
    SCOPED_TRACE(p.name);
    for (const Tag& t : tags_named(p.html, "input")) {
      if (t.get("name") == "csrf") {
        EXPECT_EQ(t.get("value"), core::html_escape(kBreakout));
      }
    }
  }
}

// SCOPE/AUTHZ pages must not post credentials or consent to a script URL.
TEST(WebPages, FormActionAllowsOnlyRelativeAndHttpUrls) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"/login", "/login"},
      {"/interaction/a:b/consent", "/interaction/a:b/consent"},
      {"?step=2", "?step=2"},
      {"https://as.example.org/login", "https://as.example.org/login"},
      {"HTTP://as.example.org/login", "HTTP://as.example.org/login"},
      {"javascript:alert(1)", "about:blank"},
      {"JavaScript:alert(1)", "about:blank"},
      {"java\tscript:alert(1)", "about:blank"},
      {" javascript:alert(1)", "about:blank"},
      {"data:text/html,hi", "about:blank"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    LoginView v = login_view();
    v.action_url = c.in;
    const auto forms = tags_named(render_login(v), "form");
    ASSERT_EQ(forms.size(), 1u);
    EXPECT_EQ(forms[0].get("action"), core::html_escape(c.out));
  }
}

// --- Labels -----------------------------------------------------------------------------------

TEST(WebPages, EveryLabelForMatchesExactlyOneIdAndEveryControlIsLabelled) {
  for (const auto& pages : {all_pages(), hostile_pages()}) {
    for (const Page& p : pages) {
      SCOPED_TRACE(p.name);
      std::multiset<std::string> ids;
      std::set<std::string> label_for;
      std::vector<std::string> controls;
      for (const Tag& t : scan_tags(p.html)) {
        if (t.closing) continue;
        if (t.has("id")) ids.insert(t.get("id"));
        if (t.name == "label") {
          EXPECT_TRUE(t.has("for")) << "label without for";
          label_for.insert(t.get("for"));
        }
        if ((t.name == "input" && t.get("type") != "hidden") || t.name == "select") {
          EXPECT_TRUE(t.has("id")) << "<" << t.name << " name=" << t.get("name") << "> has no id";
          controls.push_back(t.get("id"));
        }
      }
      for (const std::string& id : ids) EXPECT_EQ(ids.count(id), 1u) << "duplicate id " << id;
      for (const std::string& f : label_for) EXPECT_EQ(ids.count(f), 1u) << "for=" << f;
      for (const std::string& c : controls) EXPECT_EQ(label_for.count(c), 1u) << "unlabelled " << c;
      if (p.has_form) {
        EXPECT_FALSE(controls.empty());
      }
    }
  }
}

TEST(WebPages, AriaDescribedByPointsAtExistingIds) {
  const std::string html = render_launcher(launcher_view());
  std::set<std::string> ids;
  for (const Tag& t : scan_tags(html)) {
    if (t.has("id")) ids.insert(t.get("id"));
  }
  int described = 0;
  for (const Tag& t : scan_tags(html)) {
    if (t.has("aria-describedby")) {
      ++described;
      EXPECT_EQ(ids.count(t.get("aria-describedby")), 1u);
    }
  }
  EXPECT_EQ(described, 2);
}

// --- Login ------------------------------------------------------------------------------------

TEST(LoginPage, HasUsernamePasswordAndSignInButton) {
  const std::string html = render_login(login_view());
  EXPECT_NE(html.find("Sign in to continue to <strong>Growth Chart</strong>"), std::string::npos);
  const auto inputs = tags_named(html, "input");
  std::set<std::string> names;
  for (const Tag& t : inputs) names.insert(t.get("name"));
  EXPECT_EQ(names, (std::set<std::string>{"interaction", "csrf", "username", "password"}));
  for (const Tag& t : inputs) {
    if (t.get("name") == "password") {
      EXPECT_EQ(t.get("type"), "password");
      EXPECT_EQ(t.get("autocomplete"), "current-password");
    }
    if (t.get("name") == "username") {
      EXPECT_EQ(t.get("autocomplete"), "username");
      EXPECT_TRUE(t.has("autofocus"));
    }
  }
  EXPECT_NE(html.find("<button type=\"submit\" class=\"btn btn-primary\">Sign in</button>"),
            std::string::npos);
  EXPECT_EQ(html.find("role=\"alert\""), std::string::npos);
}

TEST(LoginPage, ErrorIsShownInAnAlertAndUsernameKept) {
  LoginView v = login_view();
  v.username = "marta";
  v.error = "That username and password do not match.";
  const std::string html = render_login(v);
  EXPECT_NE(html.find("<div class=\"alert\" role=\"alert\">That username and password do not "
                      "match.</div>"),
            std::string::npos);
  for (const Tag& t : tags_named(html, "input")) {
    if (t.get("name") == "username") {
      EXPECT_EQ(t.get("value"), "marta");
      EXPECT_FALSE(t.has("autofocus"));
    }
    if (t.get("name") == "password") {
      EXPECT_TRUE(t.has("autofocus"));
    }
  }
}

TEST(LoginPage, WithoutAppNameStillReadsWell) {
  LoginView v = login_view();
  v.app_name.clear();
  const std::string html = render_login(v);
  EXPECT_NE(html.find("Sign in to continue.</p>"), std::string::npos);
  EXPECT_EQ(html.find("<strong></strong>"), std::string::npos);
}

// --- Picker (SCOPE-16: standalone launch/patient lets the user pick) ---------------------------

TEST(PickerPage, OneRadioPerPatientWithIdAsValue) {
  const PickerView v = picker_view();
  const std::string html = render_picker(v);
  EXPECT_NE(html.find("<h1>Choose a patient</h1>"), std::string::npos);
  std::vector<std::string> values;
  for (const Tag& t : tags_named(html, "input")) {
    if (t.get("type") == "radio") {
      EXPECT_EQ(t.get("name"), "patient");
      EXPECT_TRUE(t.has("required"));
      EXPECT_FALSE(t.has("checked"));  // several patients: no silent default
      values.push_back(t.get("value"));
    }
  }
  EXPECT_EQ(values, (std::vector<std::string>{"p-1", "p-2", "p-3", "p-4", "p-5"}));
  EXPECT_NE(html.find("<button type=\"submit\" class=\"btn btn-primary\">Continue</button>"),
            std::string::npos);
  EXPECT_NE(html.find("Signed in as <strong>Marta García</strong>"), std::string::npos);
  EXPECT_NE(html.find("<strong>Growth Chart</strong>"), std::string::npos);
}

TEST(PickerPage, RelationshipInPlainWords) {
  struct Case {
    const char* relationship;
    const char* words;
  };
  const Case cases[] = {
      {"self", "You"},           {"parent", "Your child"},
      {"Parent", "Your child"},  {"caregiver", "In your care"},
      {"guardian", "Your ward"}, {"practitioner", "Practitioner"},
      {"spouse", "Spouse"},      {"Sibling", "Sibling"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.relationship);
    PickerView v = picker_view();
    v.patients = {{"p-9", "Kim Lee", "2001-05-06", c.relationship}};
    const std::string html = render_picker(v);
    EXPECT_NE(html.find(std::string("<span class=\"relationship\">") + c.words + "</span>"),
              std::string::npos);
  }
}

TEST(PickerPage, NoRelationshipNoRelationshipText) {
  PickerView v = picker_view();
  v.patients = {{"p-9", "Kim Lee", "2001-05-06", ""}};
  const std::string html = render_picker(v);
  EXPECT_EQ(html.find("class=\"relationship\""), std::string::npos);
  EXPECT_EQ(html.find("class=\"sep\""), std::string::npos);
}

TEST(PickerPage, BirthDateIsHumanReadableWithMachineValue) {
  struct Case {
    const char* raw;
    const char* shown;
  };
  const Case cases[] = {
      {"1984-02-29", "Born <time datetime=\"1984-02-29\">29 Feb 1984</time>"},
      {"2016-07-04", "Born <time datetime=\"2016-07-04\">4 Jul 2016</time>"},
      {"1931-11", "Born <time datetime=\"1931-11\">Nov 1931</time>"},
      {"2009", "Born <time datetime=\"2009\">2009</time>"},
      {"2009-13-01", "Born 2009-13-01"},  // not a date: shown as given
      {"2009-00", "Born 2009-00"},
      {"2009-01-32", "Born 2009-01-32"},
      {"20x9", "Born 20x9"},
      {"04/07/2016", "Born 04/07/2016"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.raw);
    PickerView v = picker_view();
    v.patients = {{"p-9", "Kim Lee", c.raw, "self"}};
    EXPECT_NE(render_picker(v).find(c.shown), std::string::npos);
  }
}

TEST(PickerPage, SinglePatientIsPreselected) {
  PickerView v = picker_view();
  v.patients.resize(1);
  const auto inputs = tags_named(render_picker(v), "input");
  int radios = 0;
  for (const Tag& t : inputs) {
    if (t.get("type") == "radio") {
      ++radios;
      EXPECT_TRUE(t.has("checked"));
    }
  }
  EXPECT_EQ(radios, 1);
}

TEST(PickerPage, NoPatientsExplainsAndOffersNoForm) {
  PickerView v = picker_view();
  v.patients.clear();
  const std::string html = render_picker(v);
  EXPECT_TRUE(tags_named(html, "form").empty());
  EXPECT_EQ(html.find("Continue</button>"), std::string::npos);
  EXPECT_NE(html.find("There are no patient records"), std::string::npos);
}

TEST(PickerPage, ErrorShownAsAlert) {
  PickerView v = picker_view();
  v.error = "Choose a patient to continue.";
  EXPECT_NE(render_picker(v).find("role=\"alert\">Choose a patient to continue.</div>"),
            std::string::npos);
}

// --- Consent ----------------------------------------------------------------------------------

// Text of each fieldset's legend, in page order, and the scope values inside each fieldset.
std::vector<std::pair<std::string, std::vector<std::string>>> consent_groups(
    const std::string& html) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::size_t pos = 0;
  while ((pos = html.find("<fieldset class=\"scope-group\">", pos)) != std::string::npos) {
    const std::size_t end = html.find("</fieldset>", pos);
    const std::string body = html.substr(pos, end - pos);
    const auto l0 = body.find("<legend>") + 8;
    const auto l1 = body.find("</legend>");
    std::vector<std::string> scopes;
    for (const Tag& t : tags_named(body, "input")) {
      if (t.get("type") == "checkbox") scopes.push_back(t.get("value"));
    }
    out.emplace_back(body.substr(l0, l1 - l0), scopes);
    pos = end;
  }
  return out;
}

TEST(ConsentPage, ScopesAreGroupedInFieldsetsInOrderOfFirstAppearance) {
  const auto groups = consent_groups(render_consent(consent_view()));
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].first, "Identity");
  EXPECT_EQ(groups[0].second, (std::vector<std::string>{"openid", "fhirUser"}));
  EXPECT_EQ(groups[1].first, "Observation");
  EXPECT_EQ(groups[1].second,
            (std::vector<std::string>{"patient/Observation.rs?category=laboratory",
                                      "patient/Observation.rs?category=vital-signs"}));
  EXPECT_EQ(groups[2].first, "Access");
  EXPECT_EQ(groups[2].second, (std::vector<std::string>{"offline_access"}));
}

TEST(ConsentPage, EmptyGroupFallsBackToOther) {
  ConsentView v = consent_view();
  v.scopes = {{.scope = "launch", .description = "Open with your current context", .group = ""}};
  const auto groups = consent_groups(render_consent(v));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].first, "Other");
}

TEST(ConsentPage, EachScopeIsACheckboxWithDescriptionCodeAndTitle) {
  const std::string html = render_consent(consent_view());
  const std::string raw = "patient/Observation.rs?category=laboratory";
  EXPECT_NE(html.find("name=\"scope\" value=\"" + raw + "\" checked>"), std::string::npos);
  EXPECT_NE(html.find("title=\"" + raw +
                      "\"><span class=\"scope-desc\">Read and search lab "
                      "results</span><span class=\"scope-meta\"><code>" +
                      raw + "</code></span></label>"),
            std::string::npos);
}

TEST(ConsentPage, UncheckedOptionalScopeIsNotChecked) {
  for (const Tag& t : tags_named(render_consent(consent_view()), "input")) {
    if (t.get("value") == "offline_access") {
      EXPECT_EQ(t.get("type"), "checkbox");
      EXPECT_FALSE(t.has("checked"));
      EXPECT_FALSE(t.has("disabled"));
    }
  }
}

TEST(ConsentPage, RequiredScopeIsCheckedDisabledAndCarriedByAHiddenInput) {
  const std::string html = render_consent(consent_view());
  for (const std::string scope : {"openid", "fhirUser"}) {
    SCOPED_TRACE(scope);
    int boxes = 0, hidden = 0;
    for (const Tag& t : tags_named(html, "input")) {
      if (t.get("value") != scope) continue;
      EXPECT_EQ(t.get("name"), "scope");
      if (t.get("type") == "checkbox") {
        ++boxes;
        EXPECT_TRUE(t.has("checked"));
        EXPECT_TRUE(t.has("disabled"));
      } else if (t.get("type") == "hidden") {
        ++hidden;
      }
    }
    EXPECT_EQ(boxes, 1);
    EXPECT_EQ(hidden, 1);
  }
  EXPECT_EQ(count(html, "<span class=\"badge\">Required</span>"), 2u);
  // Optional scopes have no hidden copy (unchecking them must drop them).
  for (const Tag& t : tags_named(html, "input")) {
    if (t.get("type") == "hidden" && t.get("name") == "scope") {
      EXPECT_TRUE(t.get("value") == "openid" || t.get("value") == "fhirUser") << t.get("value");
    }
  }
}

TEST(ConsentPage, RequiredEvenWhenCheckedFalse) {
  ConsentView v = consent_view();
  v.scopes = {
      {.scope = "openid", .description = "d", .group = "g", .checked = false, .required = true}};
  for (const Tag& t : tags_named(render_consent(v), "input")) {
    if (t.get("type") == "checkbox") {
      EXPECT_TRUE(t.has("checked"));
    }
  }
}

// AUTHZ: the user can deny (→ access_denied) as easily as allow.
TEST(ConsentPage, HasAllowAndDenyButtonsDenyFirst) {
  const std::string html = render_consent(consent_view());
  const auto buttons = tags_named(html, "button");
  ASSERT_EQ(buttons.size(), 2u);
  EXPECT_EQ(buttons[0].get("name"), "decision");
  EXPECT_EQ(buttons[0].get("value"), "deny");
  EXPECT_EQ(buttons[0].get("type"), "submit");
  EXPECT_EQ(buttons[1].get("name"), "decision");
  EXPECT_EQ(buttons[1].get("value"), "approve");
  EXPECT_EQ(buttons[1].get("type"), "submit");
  EXPECT_NE(html.find(">Allow</button>"), std::string::npos);
  EXPECT_NE(html.find(">Deny</button>"), std::string::npos);
}

TEST(ConsentPage, SaysWhoWantsWhoseRecordAndWhoIsSignedIn) {
  const std::string html = render_consent(consent_view());
  EXPECT_NE(html.find("<h1><span class=\"app\">Growth Chart</span> wants to access Leo García's "
                      "record</h1>"),
            std::string::npos);
  EXPECT_NE(html.find("Signed in as <strong>Marta García</strong>"), std::string::npos);
}

TEST(ConsentPage, WithoutPatientHeadingOmitsRecord) {
  ConsentView v = consent_view();
  v.patient_display.clear();
  const std::string html = render_consent(v);
  EXPECT_NE(html.find("<h1><span class=\"app\">Growth Chart</span> is requesting access</h1>"),
            std::string::npos);
  EXPECT_EQ(html.find("'s record"), std::string::npos);
}

TEST(ConsentPage, NoScopesStillOffersADecision) {
  ConsentView v = consent_view();
  v.scopes.clear();
  const std::string html = render_consent(v);
  EXPECT_NE(html.find("not asking for any data"), std::string::npos);
  EXPECT_EQ(tags_named(html, "button").size(), 2u);
  EXPECT_TRUE(consent_groups(html).empty());
}

TEST(ConsentPage, ErrorShownAsAlert) {
  ConsentView v = consent_view();
  v.error = "Your session expired. Review the request again.";
  EXPECT_NE(render_consent(v).find(
                "<div class=\"alert\" role=\"alert\">Your session expired. Review the request "
                "again.</div>"),
            std::string::npos);
}

// --- Error ------------------------------------------------------------------------------------

TEST(ErrorPage, ShowsTitleStatusMessageAndAdvice) {
  const std::string html = render_error(error_view());
  EXPECT_NE(html.find("<h1>This link has expired</h1>"), std::string::npos);
  EXPECT_NE(html.find("Error 400"), std::string::npos);
  EXPECT_NE(html.find("The sign-in request took too long and was cancelled."), std::string::npos);
  EXPECT_NE(html.find("<h2>What you can do</h2>\n<p>Go back to Growth Chart and start again.</p>"),
            std::string::npos);
}

TEST(ErrorPage, DefaultsWhenTitleAndAdviceMissing) {
  const std::string html =
      render_error({.title = "", .message = "Unknown client.", .advice = "", .status = 500});
  EXPECT_NE(html.find("<h1>Something went wrong</h1>"), std::string::npos);
  EXPECT_NE(html.find("<title>Something went wrong"), std::string::npos);
  EXPECT_NE(html.find("Error 500"), std::string::npos);
  EXPECT_NE(html.find("Go back to the app you came from and try again."), std::string::npos);
}

// --- Launcher (LAUNCH-1: the EHR opens the app's launch URL with iss + launch) ----------------

TEST(LauncherPage, HasPatientEncounterAppSelects) {
  const std::string html = render_launcher(launcher_view());
  std::set<std::string> selects;
  for (const Tag& t : tags_named(html, "select")) selects.insert(t.get("name"));
  EXPECT_EQ(selects, (std::set<std::string>{"patient", "encounter", "client_id"}));
  EXPECT_NE(html.find("<option value=\"p-1\">Marta García \xE2\x80\x94 born 29 Feb 1984</option>"),
            std::string::npos);
  EXPECT_NE(html.find("<option value=\"growth-chart\" title=\"https://apps.example.org/growth/"
                      "launch\">Growth Chart</option>"),
            std::string::npos);
  EXPECT_NE(html.find("<button type=\"submit\" class=\"btn btn-primary\">Launch app</button>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>https://ehr.example.org/fhir</code>"), std::string::npos);
}

TEST(LauncherPage, EncounterSelectStartsWithNoEncounterAndGroupsByPatient) {
  const std::string html = render_launcher(launcher_view());
  const auto start = html.find("<select id=\"encounter\"");
  const auto end = html.find("</select>", start);
  ASSERT_NE(start, std::string::npos);
  const std::string sel = html.substr(start, end - start);
  const auto options = tags_named(sel, "option");
  ASSERT_EQ(options.size(), 4u);
  EXPECT_EQ(options[0].get("value"), "");
  EXPECT_NE(sel.find("<option value=\"\">No encounter</option>"), std::string::npos);
  const auto groups = tags_named(sel, "optgroup");
  ASSERT_EQ(groups.size(), 2u);  // Leo has no encounters: no empty group
  EXPECT_EQ(groups[0].get("label"), "Marta García");
  EXPECT_EQ(groups[1].get("label"), "Rosa Pérez");
  EXPECT_LT(sel.find("value=\"e-1\""), sel.find("label=\"Rosa Pérez\""));
  EXPECT_GT(sel.find("value=\"e-7\""), sel.find("label=\"Rosa Pérez\""));
}

TEST(LauncherPage, BannerCheckboxCheckedAndIntentOptional) {
  const std::string html = render_launcher(launcher_view());
  bool banner = false, intent = false;
  for (const Tag& t : tags_named(html, "input")) {
    if (t.get("name") == "need_patient_banner") {
      banner = true;
      EXPECT_EQ(t.get("type"), "checkbox");
      EXPECT_EQ(t.get("value"), "true");
      EXPECT_TRUE(t.has("checked"));
    }
    if (t.get("name") == "intent") {
      intent = true;
      EXPECT_EQ(t.get("type"), "text");
      EXPECT_FALSE(t.has("required"));
    }
  }
  EXPECT_TRUE(banner);
  EXPECT_TRUE(intent);
}

TEST(LauncherPage, NothingToLaunchExplainsAndOffersNoForm) {
  LauncherView no_apps = launcher_view();
  no_apps.apps.clear();
  EXPECT_TRUE(tags_named(render_launcher(no_apps), "form").empty());
  EXPECT_NE(render_launcher(no_apps).find("There are no apps"), std::string::npos);
  LauncherView no_patients = launcher_view();
  no_patients.patients.clear();
  EXPECT_TRUE(tags_named(render_launcher(no_patients), "form").empty());
  EXPECT_NE(render_launcher(no_patients).find("There are no patients"), std::string::npos);
}

TEST(LauncherPage, ErrorShownAsAlert) {
  LauncherView v = launcher_view();
  v.error = "That encounter does not belong to the patient.";
  EXPECT_NE(render_launcher(v).find("role=\"alert\">That encounter does not belong to the "
                                    "patient.</div>"),
            std::string::npos);
}

// --- Message ----------------------------------------------------------------------------------

TEST(MessagePage, ShowsTitleAndMessage) {
  const std::string html = render_message(message_view());
  EXPECT_NE(html.find("<h1>You can close this window</h1>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"lead\">Growth Chart now has the access you allowed.</p>"),
            std::string::npos);
  EXPECT_NE(html.find("<title>You can close this window \xC2\xB7 Tessera</title>"),
            std::string::npos);
}

// --- Stylesheet -------------------------------------------------------------------------------

TEST(Stylesheet, IsSelfContainedWithFocusStylesAndFluidContainer) {
  const std::string css = stylesheet();
  EXPECT_GT(css.size(), 1000u);
  EXPECT_NE(css.find(":focus-visible"), std::string::npos);
  EXPECT_NE(css.find("max-width"), std::string::npos);
  EXPECT_NE(css.find("width: 100%"), std::string::npos);
  EXPECT_EQ(css.find("url("), std::string::npos);  // no external fetches
  EXPECT_EQ(css.find("@import"), std::string::npos);
  EXPECT_EQ(count(css, "{"), count(css, "}"));
  EXPECT_EQ(std::string(kStylesheetPath), "/static/tessera.css");
}

TEST(Stylesheet, StylesEveryClassThePagesUse) {
  const std::string css = stylesheet();
  std::set<std::string> classes;
  for (const Page& p : all_pages()) {
    for (const Tag& t : scan_tags(p.html)) {
      std::string cls = t.get("class");
      std::size_t b = 0;
      while (b < cls.size()) {
        std::size_t e = cls.find(' ', b);
        if (e == std::string::npos) e = cls.size();
        if (e > b) classes.insert(cls.substr(b, e - b));
        b = e + 1;
      }
    }
  }
  const std::set<std::string> unstyled_on_purpose = {"tile", "app", "sep"};
  for (const std::string& c : classes) {
    if (unstyled_on_purpose.count(c)) continue;
    EXPECT_NE(css.find("." + c), std::string::npos) << c;
  }
}

}  // namespace
}  // namespace tessera::web
