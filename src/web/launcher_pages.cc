#include "web/launcher_pages.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "admin/admin.h"
#include "core/encoding.h"
#include "core/random.h"
#include "oauth/password.h"
#include "web/pages.h"

namespace tessera::web {

using http::Response;
using http::Status;
using Json = nlohmann::json;

namespace {

constexpr int kEncountersPerPatient = 8;
constexpr std::size_t kMaxSessions = 10'000;
constexpr std::size_t kMaxThrottled = 10'000;
constexpr std::size_t kMaxIntent = 100;

// ---- small helpers ----

std::string human_date(std::string_view d) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto digits = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (d.size() < 10 || d[4] != '-' || d[7] != '-' || !digits(d.substr(0, 4)) ||
      !digits(d.substr(5, 2)) || !digits(d.substr(8, 2)))
    return std::string(d.substr(0, std::min<std::size_t>(d.size(), 10)));
  int month = (d[5] - '0') * 10 + (d[6] - '0');
  int day = (d[8] - '0') * 10 + (d[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::string(d.substr(0, 10));
  return std::to_string(day) + " " + kMonths[static_cast<std::size_t>(month - 1)] + " " +
         std::string(d.substr(0, 4));
}

std::string concept_text(const Json& c) {
  if (!c.is_object()) return {};
  if (c.contains("text") && c["text"].is_string()) return c["text"].get<std::string>();
  if (c.contains("coding") && c["coding"].is_array()) {
    for (const auto& cd : c["coding"])
      if (cd.is_object() && cd.contains("display") && cd["display"].is_string())
        return cd["display"].get<std::string>();
  }
  return {};
}

std::string first_concept_text(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array()) return {};
  for (const auto& c : j[key]) {
    auto t = concept_text(c);
    if (!t.empty()) return t;
  }
  return {};
}

bool is_http_url(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

bool reference_is_patient(const Json& resource, std::string_view patient_id) {
  if (!resource.is_object() || !resource.contains("subject") || !resource["subject"].is_object())
    return false;
  const auto& s = resource["subject"];
  if (!s.contains("reference") || !s["reference"].is_string()) return false;
  const std::string ref = s["reference"].get<std::string>();
  const std::string want = "Patient/" + std::string(patient_id);
  if (ref == want) return true;
  return ref.size() > want.size() &&
         ref.compare(ref.size() - want.size(), want.size(), want) == 0 &&
         ref[ref.size() - want.size() - 1] == '/';
}

// ---- sessions (in memory) ----

struct Session {
  std::string username;  // empty: not signed in yet (the sign-in form's CSRF only)
  std::string csrf;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

class Sessions {
 public:
  // A new session; returns the cookie value (the map keeps only its hash).
  std::string create(Session s) {
    std::string token = core::default_random().token(32);
    std::lock_guard lock(mu_);
    make_room(s.created_at);
    by_hash_[core::sha256_hex(token)] = std::move(s);
    return token;
  }
  std::optional<Session> find(const std::optional<std::string>& token, std::int64_t now) {
    if (!token || token->empty()) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = by_hash_.find(core::sha256_hex(*token));
    if (it == by_hash_.end()) return std::nullopt;
    if (it->second.expires_at <= now) {
      by_hash_.erase(it);
      return std::nullopt;
    }
    return it->second;
  }
  void erase(const std::optional<std::string>& token) {
    if (!token) return;
    std::lock_guard lock(mu_);
    by_hash_.erase(core::sha256_hex(*token));
  }

 private:
  // Bounded: expired sessions go first, then the oldest not signed in, then the oldest.
  void make_room(std::int64_t now) {
    if (by_hash_.size() < kMaxSessions) return;
    for (auto it = by_hash_.begin(); it != by_hash_.end();)
      it = it->second.expires_at <= now ? by_hash_.erase(it) : std::next(it);
    while (by_hash_.size() >= kMaxSessions) {
      auto victim = by_hash_.begin();
      for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it) {
        bool it_anon = it->second.username.empty(), v_anon = victim->second.username.empty();
        if ((it_anon && !v_anon) ||
            (it_anon == v_anon && it->second.created_at < victim->second.created_at))
          victim = it;
      }
      by_hash_.erase(victim);
    }
  }
  std::mutex mu_;
  std::unordered_map<std::string, Session> by_hash_;
};

// ---- the pages ----

class Launcher {
 public:
  Launcher(oauth::AuthorizationServer& as, store::SqliteStore& store, const core::Clock& clock)
      : as_(as), store_(store), clock_(clock) {}

  Response show(http::RequestContext& ctx) {
    auto cookie = ctx.cookie(kLauncherCookie);
    auto s = sessions_.find(cookie, now());
    if (s && !s->username.empty()) return launcher_page(*s, {}, Status::ok);
    return login_page(ctx, {}, {}, Status::ok);
  }

  Response login(http::RequestContext& ctx) {
    auto cookie = ctx.cookie(kLauncherCookie);
    auto s = sessions_.find(cookie, now());
    auto form = ctx.form();
    if (!s || !form || !core::constant_time_equal(form->get("csrf").value_or(""), s->csrf) ||
        s->csrf.empty()) {
      return login_page(ctx, {},
                        "This sign-in form has expired or was opened in another browser. "
                        "Sign in again.",
                        Status::forbidden, /*fresh=*/true);
    }
    const std::string username = form->get("username").value_or("");
    const std::string password = form->get("password").value_or("");
    if (username.empty() || password.empty())
      return login_page(ctx, username, "Enter your username and password.", Status::bad_request);
    const auto t = now();
    if (auto wait = locked_for(username, t); wait > 0) {
      return login_page(
          ctx, username,
          "Too many failed attempts. Wait " + std::to_string(wait) + " seconds and try again.",
          Status::too_many_requests);
    }
    auto user = store_.find_user(username);
    bool ok = false;
    if (user) {
      ok = oauth::verify_password(password, user->password_hash);
    } else {
      oauth::verify_dummy_password(password);  // unknown usernames cost the same time
    }
    if (!ok) {
      record_failure(username, t);
      spdlog::info("launcher: failed sign-in for {}", username);
      return login_page(ctx, username, "The username or password is not right.",
                        Status::unauthorized);
    }
    clear_failures(username);
    if (!user->can_launch) {
      spdlog::info("launcher: {} may not launch", username);
      return login_page(ctx, username,
                        "This account may not use the EHR launcher. Ask an administrator to "
                        "allow it (tessera user add ... --can-launch).",
                        Status::forbidden);
    }
    // New id and CSRF token at sign-in (no session fixation).
    sessions_.erase(cookie);
    const auto ttl = as_.config().authz.session_ttl.count();
    auto token = sessions_.create({user->username, core::default_random().token(24), t, t + ttl});
    auto res = http::redirect_response(url(kLauncherPath), Status::see_other);
    set_cookie(res, token, ttl);
    spdlog::info("launcher: {} signed in", username);
    return res;
  }

  Response launch(http::RequestContext& ctx) {
    auto cookie = ctx.cookie(kLauncherCookie);
    auto s = sessions_.find(cookie, now());
    if (!s || s->username.empty())
      return login_page(ctx, {}, "Sign in to launch an app.", Status::unauthorized, true);
    auto form = ctx.form();
    if (!form || !core::constant_time_equal(form->get("csrf").value_or(""), s->csrf)) {
      return http::html_response(
          Status::forbidden,
          render_error({"This form could not be accepted",
                        "The form was missing its security token, or the token did not match. "
                        "This protects you from other sites submitting forms in your name.",
                        "Open the EHR launcher again and start over.", 403}));
    }
    auto user = store_.find_user(s->username);
    if (!user || !user->can_launch) {
      sessions_.erase(cookie);
      return login_page(ctx, {}, "This account may no longer use the EHR launcher.",
                        Status::forbidden, true);
    }
    const std::string patient = form->get("patient").value_or("");
    const std::string encounter = form->get("encounter").value_or("");
    const std::string client_id = form->get("client_id").value_or("");
    const std::string intent = form->get("intent").value_or("");
    auto refuse = [&](std::string why) {
      return launcher_page(*s, std::move(why), Status::bad_request);
    };

    if (patient.empty()) return refuse("Choose a patient.");
    if (!may_act_for(user->username, patient))
      return refuse("You may not open that patient's record.");
    if (!encounter.empty() && !encounter_belongs_to(store_, encounter, patient))
      return refuse(
          "That encounter does not belong to the chosen patient. Choose one of the "
          "patient's encounters, or no encounter.");
    if (client_id.empty()) return refuse("Choose an app.");
    auto client = store_.find_client(client_id);
    if (!client || client->type == store::ClientType::kResourceServer || client->launch_uri.empty())
      return refuse("That app is not registered for EHR launch.");
    if (!is_http_url(client->launch_uri))
      return refuse("That app's launch address is not a web address.");
    if (intent.size() > kMaxIntent || !printable(intent))
      return refuse("The intent must be at most 100 plain characters.");

    admin::LaunchSpec spec;
    spec.patient = patient;
    spec.encounter = encounter;
    spec.intent = intent;
    spec.need_patient_banner = form->get("need_patient_banner").value_or("") == "true";
    spec.smart_style_url = as_.style_url();
    auto context = admin::launch_context(spec);
    if (!context) return refuse(context.error().description);
    auto value = as_.create_launch(*context, user->username, client->client_id);
    if (!value) return refuse("The launch could not be created. Try again.");
    spdlog::info("launcher: {} launched {} for patient {}", user->username, client->client_id,
                 patient);

    http::Params p;  // LAUNCH-1: iss (the FHIR base) and launch
    p.add("iss", as_.config().fhir.base_url);
    p.add("launch", *value);
    const auto& uri = client->launch_uri;
    char sep = uri.find('?') == std::string::npos ? '?' : '&';
    return http::redirect_response(uri + sep + p.encode(), Status::see_other);
  }

 private:
  std::int64_t now() const { return clock_.now_seconds(); }
  std::string url(std::string_view path) const {
    return as_.config().authz.issuer + std::string(path);
  }

  void set_cookie(Response& res, const std::string& token, std::int64_t max_age) const {
    std::string attrs = "; Path=" + std::string(kLauncherPath) +
                        "; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age);
    if (as_.config().server.public_url.rfind("https://", 0) == 0) attrs += "; Secure";
    res.set(http::Field::set_cookie, std::string(kLauncherCookie) + "=" + token + attrs);
  }

  // The sign-in form, with a session (not signed in) holding its CSRF token. `fresh` replaces
  // any existing one.
  Response login_page(http::RequestContext& ctx, std::string username, std::string error,
                      Status status, bool fresh = false) {
    auto cookie = ctx.cookie(kLauncherCookie);
    auto s = fresh ? std::nullopt : sessions_.find(cookie, now());
    std::optional<std::string> new_token;
    if (!s || !s->username.empty()) {
      const auto t = now();
      const auto ttl = as_.config().authz.interaction_ttl.count();
      Session anon{"", core::default_random().token(24), t, t + ttl};
      sessions_.erase(cookie);
      new_token = sessions_.create(anon);
      s = anon;
    }
    LoginView v{"the EHR launcher",
                url(std::string(kLauncherPath) + "/login"),
                "",
                s->csrf,
                std::move(username),
                std::move(error)};
    auto res = http::html_response(status, render_login(v));
    if (new_token) set_cookie(res, *new_token, as_.config().authz.interaction_ttl.count());
    return res;
  }

  Response launcher_page(const Session& s, std::string error, Status status) {
    LauncherView v;
    v.action_url = url(std::string(kLauncherPath) + "/launch");
    v.csrf = s.csrf;
    v.user_display = as_.display_name(s.username);
    v.error = std::move(error);
    v.fhir_base = as_.config().fhir.base_url;
    for (const auto& o : as_.patients_for(s.username)) {
      LauncherPatient p{o.patient.id, o.patient.name, o.patient.birth_date, {}};
      for (auto& e : encounters_of(store_, o.patient.id, kEncountersPerPatient))
        p.encounters.emplace_back(std::move(e.id), std::move(e.label));
      v.patients.push_back(std::move(p));
    }
    for (const auto& c : store_.list_clients()) {
      if (c.type == store::ClientType::kResourceServer || c.launch_uri.empty()) continue;
      v.apps.push_back({c.client_id, c.name.empty() ? c.client_id : c.name, c.launch_uri});
    }
    std::sort(v.apps.begin(), v.apps.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return http::html_response(status, render_launcher(v));
  }

  bool may_act_for(const std::string& username, const std::string& patient) {
    for (const auto& a : store_.list_access(username)) {
      if (a.patient_id == patient) return true;
      if (a.patient_id == "*" && store_.find_patient(patient)) return true;
    }
    return false;
  }

  // ---- throttling (per username, like the authorization server's sign-in) ----
  std::int64_t locked_for(const std::string& username, std::int64_t t) {
    std::lock_guard lock(throttle_mu_);
    auto it = throttle_.find(username);
    if (it == throttle_.end() || it->second.locked_until <= t) return 0;
    return it->second.locked_until - t;
  }
  void record_failure(const std::string& username, std::int64_t t) {
    std::lock_guard lock(throttle_mu_);
    if (throttle_.size() >= kMaxThrottled) {
      for (auto it = throttle_.begin(); it != throttle_.end();)
        it = it->second.locked_until <= t ? throttle_.erase(it) : std::next(it);
    }
    auto& th = throttle_[username];
    if (++th.failures >= as_.config().authz.max_login_failures) {
      th.locked_until = t + as_.config().authz.login_lockout.count();
      th.failures = 0;
    }
  }
  void clear_failures(const std::string& username) {
    std::lock_guard lock(throttle_mu_);
    throttle_.erase(username);
  }

  oauth::AuthorizationServer& as_;
  store::SqliteStore& store_;
  const core::Clock& clock_;
  Sessions sessions_;
  struct Throttle {
    int failures = 0;
    std::int64_t locked_until = 0;
  };
  std::mutex throttle_mu_;
  std::map<std::string, Throttle, std::less<>> throttle_;
};

}  // namespace

std::string encounter_label(const Json& e) {
  if (!e.is_object()) return {};
  std::string date;
  if (e.contains("period") && e["period"].is_object() && e["period"].contains("start") &&
      e["period"]["start"].is_string())
    date = human_date(e["period"]["start"].get<std::string>());
  std::string kind = first_concept_text(e, "type");
  if (kind.empty() && e.contains("class") && e["class"].is_object()) {
    const auto& c = e["class"];
    if (c.contains("display") && c["display"].is_string())
      kind = c["display"].get<std::string>();
    else if (c.contains("code") && c["code"].is_string())
      kind = c["code"].get<std::string>();
  }
  std::string reason = first_concept_text(e, "reasonCode");
  std::string label = date;
  if (!kind.empty()) label += (label.empty() ? "" : " \xC2\xB7 ") + kind;
  if (!reason.empty())
    label += (label.empty() ? "" : (kind.empty() ? " \xC2\xB7 " : ": ")) + reason;
  if (label.empty() && e.contains("id") && e["id"].is_string()) label = e["id"].get<std::string>();
  return label;
}

std::vector<EncounterSummary> encounters_of(store::SqliteStore& store, std::string_view patient_id,
                                            int limit) {
  std::vector<EncounterSummary> out;
  auto& db = store.db();
  // The FHIR engine keeps the Patient compartment in `compartments`; use that index when it has
  // encounters at all, otherwise scan the Encounter rows.
  bool indexed = false;
  {
    auto st = db.prepare("SELECT 1 FROM compartments WHERE type = 'Encounter' LIMIT 1");
    indexed = st.step();
  }
  std::vector<std::pair<std::string, std::string>> rows;
  if (indexed) {
    auto st = db.prepare(
        "SELECT r.id, r.json FROM compartments c JOIN resources r ON r.type = c.type AND r.id = "
        "c.id "
        "WHERE c.patient_id = ? AND c.type = 'Encounter' AND r.deleted = 0 "
        "ORDER BY json_extract(r.json, '$.period.start') DESC, r.id LIMIT ?");
    st.bind(1, patient_id).bind(2, static_cast<std::int64_t>(limit));
    while (st.step()) rows.emplace_back(st.text(0), st.text(1));
  } else {
    auto st = db.prepare(
        "SELECT id, json FROM resources WHERE type = 'Encounter' AND deleted = 0 "
        "AND json_extract(json, '$.subject.reference') = ? "
        "ORDER BY json_extract(json, '$.period.start') DESC, id LIMIT ?");
    st.bind(1, "Patient/" + std::string(patient_id)).bind(2, static_cast<std::int64_t>(limit));
    while (st.step()) rows.emplace_back(st.text(0), st.text(1));
  }
  for (auto& [id, text] : rows) {
    auto j = Json::parse(text, nullptr, false);
    if (!reference_is_patient(j, patient_id)) continue;  // the subject decides, not the index
    out.push_back({std::move(id), encounter_label(j)});
  }
  return out;
}

bool encounter_belongs_to(store::SqliteStore& store, std::string_view encounter_id,
                          std::string_view patient_id) {
  if (encounter_id.empty() || patient_id.empty()) return false;
  auto st = store.db().prepare(
      "SELECT json FROM resources WHERE type = 'Encounter' AND id = ? AND deleted = 0");
  st.bind(1, encounter_id);
  if (!st.step()) return false;
  return reference_is_patient(Json::parse(st.text(0), nullptr, false), patient_id);
}

void register_launcher_routes(http::Router& router, oauth::AuthorizationServer& as,
                              store::SqliteStore& store, const core::Clock& clock) {
  auto l = std::make_shared<Launcher>(as, store, clock);
  const std::string base(kLauncherPath);
  router.add_sync(http::Verb::get, base, [l](auto& ctx) { return l->show(ctx); });
  router.add_sync(http::Verb::post, base + "/login", [l](auto& ctx) { return l->login(ctx); });
  router.add_sync(http::Verb::post, base + "/launch", [l](auto& ctx) { return l->launch(ctx); });
}

}  // namespace tessera::web
