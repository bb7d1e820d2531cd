// tessera: one binary, many subcommands. Parses argv, loads configuration, runs a subcommand.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "admin/admin.h"
#include "config/config.h"
#include "core/log.h"
#include "oauth/key_ring.h"
#include "oauth/token_format.h"
#include "serve.h"
#include "store/sqlite/sqlite_store.h"
#ifdef TESSERA_WITH_FHIR
#include "fhir/import.h"
#endif
#include "demo/demo_data.h"
#include "demo_seed.h"

using namespace tessera;

namespace {

int fail(const core::Error& e) {
  std::cerr << "error: " << e.description << "\n";
  return e.code == core::ErrorCode::kBadRequest ? 2 : 1;
}

template <class T>
int print(const core::Result<T>& r) {
  if (!r) return fail(r.error());
  std::cout << r.value();
  return 0;
}

std::string read_secret_line(const std::string& file) {
  std::string s;
  if (file == "-") {
    std::getline(std::cin, s);
  } else {
    std::ifstream in(file);
    std::getline(in, s);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tessera: a SMART on FHIR authorization server and FHIR R4 resource server"};
  app.require_subcommand(1);
  std::string config_path;
  config::Overrides ov;
  app.add_option("-c,--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--database", ov.database, "SQLite database path (default tessera.db)");
  app.add_option("--mode", ov.mode, "production (default) or demo");
  app.add_option("--log-level", ov.log_level, "trace, debug, info, warn, error, off");

  // serve
  auto* serve =
      app.add_subcommand("serve", "Run the authorization server, the FHIR server, or both");
  std::string role = "all";
  serve->add_option("--role", role, "authz, fhir or all (default all)");
  serve->add_option("--listen", ov.listen, "address:port to listen on (default 127.0.0.1:8080)");
  serve->add_option("--public-url", ov.public_url,
                    "public base URL (issuer), e.g. https://as.example.org");
  serve->add_option("--fhir-audience", ov.fhir_audiences,
                    "FHIR base URL(s) this AS issues tokens for");
  serve->add_option("--fhir-base-url", ov.fhir_base_url, "this FHIR server's public base URL");
  serve->add_option("--authorization-server", ov.authorization_server,
                    "AS base URL the FHIR server trusts");
  serve->add_option("--fhir-client-id", ov.fhir_client_id,
                    "resource-server client id for introspection");
  serve->add_option("--fhir-client-secret", ov.fhir_client_secret, "resource-server client secret");
  serve->add_option("--tls-cert", ov.tls_cert, "TLS certificate chain (PEM)");
  serve->add_option("--tls-key", ov.tls_key, "TLS private key (PEM)");
  serve->add_option("--access-token-ttl", ov.access_token_ttl, "access token lifetime, seconds");
  serve->add_option("--code-ttl", ov.code_ttl, "authorization code lifetime, seconds");
  serve->add_option("--cache-ttl-ms", ov.cache_ttl_ms, "introspection cache TTL, milliseconds");
  serve->add_option("--apps-dir", ov.apps_dir,
                    "directory of static apps to serve at /apps/ (e.g. apps/dist)");

  // init
  auto* init = app.add_subcommand("init", "Create the database and signing keys");
  bool init_demo = false;
  init->add_flag("--demo", init_demo, "also load the demo patients, users and apps");
  std::string demo_base = "http://127.0.0.1:8080";
  init->add_option("--demo-base-url", demo_base,
                   "public base URL the demo apps are registered for");

  // keys
  auto* keys = app.add_subcommand("keys", "Signing keys");
  keys->require_subcommand(1);
  auto* keys_rotate = keys->add_subcommand("rotate", "Create a new signing key");
  auto* keys_list = keys->add_subcommand("list", "List signing keys");

  // client
  auto* client = app.add_subcommand("client", "Registered apps and resource servers");
  client->require_subcommand(1);
  admin::ClientSpec cs;
  auto* client_add =
      client->add_subcommand("add", "Register a client (a generated secret is shown once)");
  client_add->add_option("--id", cs.client_id, "client_id (default: generated)");
  client_add->add_option("--name", cs.name, "app name shown to users");
  client_add->add_option("--type", cs.type, "public, confidential or resource-server")
      ->default_val("public");
  client_add->add_option("--redirect-uri", cs.redirect_uris, "exact redirect URI (repeatable)");
  client_add->add_option("--scope", cs.scope, "allowed scopes, space-separated");
  client_add->add_option("--grant-type", cs.grant_types,
                         "authorization_code, refresh_token, client_credentials (repeatable)");
  client_add->add_option("--launch-uri", cs.launch_uri, "EHR launch URL of the app");
  std::string client_id_arg;
  auto* client_list = client->add_subcommand("list", "List clients");
  auto* client_show = client->add_subcommand("show", "Show a client");
  client_show->add_option("id", client_id_arg)->required();
  auto* client_remove = client->add_subcommand("remove", "Remove a client");
  client_remove->add_option("id", client_id_arg)->required();

  // user
  auto* user = app.add_subcommand("user", "Users who sign in");
  user->require_subcommand(1);
  admin::UserSpec us;
  std::string password_file;
  auto* user_add = user->add_subcommand("add", "Add a user");
  user_add->add_option("username", us.username)->required();
  user_add->add_option("--password", us.password, "password (prefer --password-file)");
  user_add->add_option("--password-file", password_file,
                       "read the password from a file, or - for stdin");
  user_add->add_option("--fhir-user", us.fhir_user,
                       "Patient/<id>, Practitioner/<id> or RelatedPerson/<id>");
  user_add->add_option("--name", us.display_name, "display name");
  user_add->add_flag("--can-launch", us.can_launch, "may use the EHR launcher page");
  auto* user_list = user->add_subcommand("list", "List users");
  std::string username_arg;
  auto* user_remove = user->add_subcommand("remove", "Remove a user");
  user_remove->add_option("username", username_arg)->required();

  // access
  auto* access = app.add_subcommand("access", "Which patients a user may act for (proxy access)");
  access->require_subcommand(1);
  std::string acc_user, acc_patient, acc_rel;
  auto* access_grant = access->add_subcommand("grant", "Let a user act for a patient");
  access_grant->add_option("--user", acc_user)->required();
  access_grant->add_option("--patient", acc_patient, "patient id, or * for all patients")
      ->required();
  access_grant
      ->add_option("--relationship", acc_rel,
                   "self, parent, guardian, caregiver, practitioner, ...")
      ->required();
  auto* access_revoke = access->add_subcommand("revoke", "Revoke a user's access to a patient");
  access_revoke->add_option("--user", acc_user)->required();
  access_revoke->add_option("--patient", acc_patient)->required();
  auto* access_list = access->add_subcommand("list", "List access");
  access_list->add_option("--user", acc_user);

  // launch
  auto* launch = app.add_subcommand("launch", "EHR launch contexts");
  launch->require_subcommand(1);
  admin::LaunchSpec ls;
  auto* launch_create =
      launch->add_subcommand("create", "Create a single-use EHR launch context; prints `launch`");
  launch_create->add_option("--patient", ls.patient)->required();
  launch_create->add_option("--encounter", ls.encounter);
  launch_create->add_option("--user", ls.user, "bind the launch to this user");
  launch_create->add_option("--client", ls.client_id, "bind the launch to this client");
  launch_create->add_option("--intent", ls.intent);
  launch_create->add_flag("--need-patient-banner", ls.need_patient_banner);
  launch_create->add_option("--smart-style-url", ls.smart_style_url);
  launch_create->add_option("--tenant", ls.tenant);
  launch_create->add_option("--fhir-context", ls.fhir_context_json,
                            "JSON array of fhirContext items");
  std::string launch_issuer;
  launch_create->add_option("--issuer", launch_issuer, "AS base URL, to default --smart-style-url");

  // audit
  auto* audit = app.add_subcommand("audit", "Audit records");
  audit->require_subcommand(1);
  store::AuditQuery aq;
  bool audit_json = false;
  auto* audit_list = audit->add_subcommand("list", "List audit records, newest first");
  audit_list->add_option("--patient", aq.patient);
  audit_list->add_option("--user", aq.subject);
  audit_list->add_option("--client", aq.client_id);
  audit_list->add_option("--since", aq.since, "epoch milliseconds");
  audit_list->add_option("--until", aq.until, "epoch milliseconds");
  audit_list->add_option("--limit", aq.limit)->default_val(100);
  audit_list->add_flag("--json", audit_json, "one JSON object per line");

  // fhir
  auto* fhir = app.add_subcommand("fhir", "FHIR store commands");
  fhir->require_subcommand(1);
  std::vector<std::string> import_files;
  auto* fhir_import = fhir->add_subcommand(
      "import", "Import FHIR Bundles or NDJSON files (each file all-or-nothing)");
  fhir_import->add_option("files", import_files)->required()->check(CLI::ExistingFile);
  auto* fhir_demo = fhir->add_subcommand(
      "demo-bundle", "Print the generated demo data as a FHIR transaction Bundle");
  std::uint64_t demo_seed_value = demo::kDefaultSeed;
  fhir_demo->add_option("--seed", demo_seed_value, "generator seed");

  CLI11_PARSE(app, argc, argv);

  auto cfg = config::load(config_path, ov);
  if (!cfg) {
    std::cerr << cfg.error().description << "\n";
    return 2;
  }
  core::init_logging(cfg->log_level, cfg->log_json);
  if (serve->parsed()) return app::serve(cfg.value(), role);

  if (fhir_demo->parsed()) {
    std::cout << demo::generate(demo_seed_value).bundle.dump(1) << "\n";
    return 0;
  }

  auto opened = store::SqliteStore::open(cfg->database);
  if (!opened) return fail(opened.error());
  auto& st = *opened.value();
  core::SystemClock clock;

  try {
    if (init->parsed()) {
      auto r = admin::init(st, clock);
      if (!r) return fail(r.error());
      std::cout << r.value();
      if (init_demo) {
        return app::seed_demo(st, clock, demo_base);
      }
      return 0;
    }
    if (keys_rotate->parsed()) return print(admin::rotate_key(st, clock));
    if (keys_list->parsed()) {
      std::cout << admin::list_keys(st);
      return 0;
    }
    if (client_add->parsed()) {
      auto r = admin::add_client(st, cs, clock);
      if (!r) return fail(r.error());
      std::cout << admin::format_client(r->client);
      if (!r->secret.empty()) {
        std::cout << "client_secret: " << r->secret << "\n"
                  << "  (shown once; Tessera stores only its hash)\n";
      }
      return 0;
    }
    if (client_list->parsed()) {
      std::cout << admin::list_clients(st);
      return 0;
    }
    if (client_show->parsed()) return print(admin::show_client(st, client_id_arg));
    if (client_remove->parsed()) return print(admin::remove_client(st, client_id_arg));
    if (user_add->parsed()) {
      if (!password_file.empty()) us.password = read_secret_line(password_file);
      return print(admin::add_user(st, us, clock));
    }
    if (user_list->parsed()) {
      std::cout << admin::list_users(st);
      return 0;
    }
    if (user_remove->parsed()) return print(admin::remove_user(st, username_arg));
    if (access_grant->parsed())
      return print(admin::grant_access(st, acc_user, acc_patient, acc_rel, clock));
    if (access_revoke->parsed()) return print(admin::revoke_access(st, acc_user, acc_patient));
    if (access_list->parsed()) {
      std::cout << admin::list_access(st, acc_user);
      return 0;
    }
    if (launch_create->parsed()) {
      if (ls.smart_style_url.empty() && !launch_issuer.empty())
        ls.smart_style_url = launch_issuer + "/smart-style/v1.json";
      auto ctx = admin::launch_context(ls);
      if (!ctx) return fail(ctx.error());
      if (!ls.user.empty() && !st.find_user(ls.user)) {
        return fail(core::make_error(core::ErrorCode::kBadRequest, "no user " + ls.user));
      }
      std::string value = oauth::new_credential(oauth::kLaunchPrefix);
      store::LaunchRecord rec{oauth::credential_hash(value),
                              ctx->dump(),
                              ls.user,
                              ls.client_id,
                              clock.now_seconds(),
                              clock.now_seconds() + cfg->authz.launch_ttl.count(),
                              false};
      if (auto s = st.add_launch(rec); !s) return fail(s.error());
      std::cout << value << "\n";
      return 0;
    }
    if (audit_list->parsed()) {
      std::cout << admin::list_audit(st, aq, audit_json);
      return 0;
    }
    if (fhir_import->parsed()) {
#ifdef TESSERA_WITH_FHIR
      return fhir::run_import(st, import_files, clock, std::cout, std::cerr);
#else
      std::cerr << "error: this build has no FHIR store\n";
      return 1;
#endif
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
