#include "web/interaction_pages.h"

#include "scopes/describe.h"
#include "scopes/scope.h"
#include "web/pages.h"

namespace tessera::web {

using http::Response;
using http::Status;
using oauth::InteractionView;

namespace {

Response page(Status status, std::string html) {
  return http::html_response(status, std::move(html));
}

Response expired() {
  return page(Status::bad_request,
              render_error({"This sign-in has expired",
                            "The sign-in page you used is no longer valid. It may have timed out, "
                            "been finished already, or been opened in another browser.",
                            "Go back to the app and start again.", 400}));
}

Response forbidden_form() {
  return page(Status::forbidden,
              render_error({"This form could not be accepted",
                            "The form was missing its security token, or the token did not match. "
                            "This protects you from other sites submitting forms in your name.",
                            "Go back to the app and start again.", 403}));
}

std::string group_of(const std::string& scope) {
  if (auto rs = scopes::parse_resource_scope(scope)) {
    return rs->resource_type == "*" ? "All data" : rs->resource_type;
  }
  if (scope == "openid" || scope == "fhirUser" || scope == "profile") return "Identity";
  if (scope.rfind("launch", 0) == 0) return "Context";
  return "Access";
}

std::string describe_scope(const std::string& s) {
  if (auto rs = scopes::parse_resource_scope(s)) return scopes::describe(*rs);
  return scopes::describe_token(s);
}

class Pages {
 public:
  explicit Pages(oauth::AuthorizationServer& as) : as_(as) {}

  std::string action(const InteractionView& ix, std::string_view step) const {
    return as_.config().authz.issuer + "/interaction/" + ix.record.id + "/" + std::string(step);
  }

  Response render(InteractionView& ix, const std::string& error = {}, Status status = Status::ok) {
    switch (ix.prompt) {
      case InteractionView::Prompt::kLogin: {
        LoginView v{ix.app_name, action(ix, "login"), ix.record.id, ix.record.csrf, "", error};
        return page(status, render_login(v));
      }
      case InteractionView::Prompt::kPickPatient: {
        PickerView v{ix.app_name,
                     action(ix, "patient"),
                     ix.record.id,
                     ix.record.csrf,
                     as_.display_name(ix.record.username),
                     error,
                     {}};
        for (const auto& o : as_.patients_for(ix.record.username))
          v.patients.push_back(
              {o.patient.id, o.patient.name, o.patient.birth_date, o.relationship});
        return page(status, render_picker(v));
      }
      case InteractionView::Prompt::kConsent: {
        ConsentView v;
        v.app_name = ix.app_name;
        v.action_url = action(ix, "consent");
        v.interaction_id = ix.record.id;
        v.csrf = ix.record.csrf;
        v.user_display = as_.display_name(ix.record.username);
        v.error = error;
        std::string patient = ix.record.patient_id;
        if (patient.empty() && ix.request.launch_context.contains("patient"))
          patient = ix.request.launch_context["patient"].get<std::string>();
        if (!patient.empty()) {
          v.patient_display = patient;
          for (const auto& o : as_.patients_for(ix.record.username))
            if (o.patient.id == patient) v.patient_display = o.patient.name;
        }
        const auto offered = scopes::ScopeSet::parse(ix.request.offered_scope);
        for (const auto& s : offered.all())
          v.scopes.push_back({s, describe_scope(s), group_of(s), true, false});
        return page(status, render_consent(v));
      }
    }
    return expired();
  }

  std::optional<InteractionView> load(http::RequestContext& ctx) {
    auto it = ctx.path_params.find("id");
    if (it == ctx.path_params.end()) return std::nullopt;
    return as_.load_interaction(it->second,
                                ctx.cookie(oauth::AuthorizationServer::kInteractionCookie));
  }

  Response next(InteractionView& ix) {
    return http::redirect_response(as_.config().authz.issuer + "/interaction/" + ix.record.id,
                                   Status::see_other);
  }

  Response show(http::RequestContext& ctx) {
    auto ix = load(ctx);
    if (!ix) return expired();
    return render(*ix);
  }

  // Common POST prologue: interaction, form, CSRF (and the expected step).
  std::optional<Response> begin_post(http::RequestContext& ctx, std::optional<InteractionView>& ix,
                                     http::Params& form, InteractionView::Prompt step) {
    ix = load(ctx);
    if (!ix) return expired();
    auto f = ctx.form();
    if (!f) return forbidden_form();
    form = std::move(*f);
    if (!as_.check_csrf(*ix, form.get("csrf").value_or(""))) return forbidden_form();
    if (ix->prompt != step) return next(*ix);  // e.g. back button: show the current step
    return std::nullopt;
  }

  Response login(http::RequestContext& ctx) {
    std::optional<InteractionView> ix;
    http::Params form;
    if (auto early = begin_post(ctx, ix, form, InteractionView::Prompt::kLogin)) return *early;
    auto username = form.get("username").value_or("");
    auto password = form.get("password").value_or("");
    if (username.empty() || password.empty()) {
      return render(*ix, "Enter your username and password.", Status::bad_request);
    }
    if (auto st = as_.login(*ix, username, password); !st) {
      LoginView v{ix->app_name, action(*ix, "login"),  ix->record.id, ix->record.csrf,
                  username,     st.error().description};
      return page(Status::unauthorized, render_login(v));
    }
    return next(*ix);
  }

  Response patient(http::RequestContext& ctx) {
    std::optional<InteractionView> ix;
    http::Params form;
    if (auto early = begin_post(ctx, ix, form, InteractionView::Prompt::kPickPatient))
      return *early;
    auto chosen = form.get("patient");
    if (!chosen) return render(*ix, "Choose a patient to continue.", Status::bad_request);
    if (auto st = as_.choose_patient(*ix, *chosen); !st) {
      return render(*ix, st.error().description, Status::forbidden);
    }
    return next(*ix);
  }

  Response consent(http::RequestContext& ctx) {
    std::optional<InteractionView> ix;
    http::Params form;
    if (auto early = begin_post(ctx, ix, form, InteractionView::Prompt::kConsent)) return *early;
    auto decision = form.get("decision").value_or("");
    if (decision == "deny") return as_.deny(*ix);
    if (decision != "approve") return render(*ix, "Choose Allow or Deny.", Status::bad_request);
    return as_.approve(*ix, form.get_all("scope"));
  }

 private:
  oauth::AuthorizationServer& as_;
};

}  // namespace

void register_interaction_routes(http::Router& router, oauth::AuthorizationServer& as) {
  auto pages = std::make_shared<Pages>(as);
  router.add_sync(http::Verb::get, "/interaction/{id}",
                  [pages](auto& ctx) { return pages->show(ctx); });
  router.add_sync(http::Verb::post, "/interaction/{id}/login",
                  [pages](auto& ctx) { return pages->login(ctx); });
  router.add_sync(http::Verb::post, "/interaction/{id}/patient",
                  [pages](auto& ctx) { return pages->patient(ctx); });
  router.add_sync(http::Verb::post, "/interaction/{id}/consent",
                  [pages](auto& ctx) { return pages->consent(ctx); });
  router.add_sync(http::Verb::get, kStylesheetPath, [](auto&) {
    auto res = http::make_response(Status::ok, stylesheet(), "text/css; charset=utf-8");
    res.set(http::Field::cache_control, "public, max-age=3600");
    return res;
  });
}

}  // namespace tessera::web
