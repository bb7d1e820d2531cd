#include "config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace tessera::config {
namespace {

using namespace std::chrono_literals;

// A fresh directory, removed with its contents at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-config-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(std::string_view name, std::string_view content) const {
    auto p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class ConfigTest : public ::testing::Test {
 protected:
  core::Result<Config> load_toml(std::string_view toml, const Overrides& o = {}) {
    return load(dir_.write("tessera.toml", toml), o);
  }
  // The error description of a load that must fail.
  std::string errors_of(std::string_view toml, const Overrides& o = {}) {
    auto c = load_toml(toml, o);
    EXPECT_FALSE(c.ok()) << toml;
    return c.ok() ? std::string() : c.error().description;
  }
  TempDir dir_;
};

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- defaults and derived values ----

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto c = load("", {});
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->mode, "production");
  EXPECT_FALSE(c->demo());
  EXPECT_EQ(c->database, "tessera.db");
  EXPECT_EQ(c->log_level, "info");
  EXPECT_FALSE(c->log_json);
  EXPECT_EQ(c->server.listen_address, "127.0.0.1");
  EXPECT_EQ(c->server.port, 8080);
  EXPECT_EQ(c->server.public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c->server.threads, 0);
  EXPECT_EQ(c->server.header_limit, 16u * 1024);
  EXPECT_EQ(c->server.body_limit, 1024u * 1024);
  EXPECT_EQ(c->server.read_timeout, 15s);
  EXPECT_EQ(c->server.idle_timeout, 60s);
  EXPECT_TRUE(c->server.tls_cert.empty());
  EXPECT_EQ(c->authz.issuer, "http://127.0.0.1:8080");
  EXPECT_EQ(c->authz.access_token_ttl, 3600s);  // TOKEN-8
  EXPECT_EQ(c->authz.code_ttl, 60s);            // AUTHZ-10
  EXPECT_EQ(c->authz.backend_token_ttl, 300s);  // BACKEND-9
  EXPECT_EQ(c->authz.refresh_token_ttl, std::chrono::seconds(90 * 24 * 3600));
  EXPECT_EQ(c->authz.max_login_failures, 5);
  EXPECT_FALSE(c->authz.launcher_enabled);
  EXPECT_EQ(c->fhir.base_url, "http://127.0.0.1:8080/fhir");
  EXPECT_EQ(c->authz.fhir_audiences, std::vector<std::string>{"http://127.0.0.1:8080/fhir"});
  EXPECT_EQ(c->fhir.authorization_server, "http://127.0.0.1:8080");
  EXPECT_EQ(c->fhir.cache_ttl, 5000ms);
  EXPECT_EQ(c->fhir.default_page_size, 50);
  EXPECT_EQ(c->fhir.max_page_size, 500);
  EXPECT_TRUE(c->fhir.practitioner_all_patients);
  EXPECT_TRUE(validate(*c).empty());
}

TEST_F(ConfigTest, EmptyFileGivesTheDefaults) {
  auto c = load_toml("");
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->server.public_url, "http://127.0.0.1:8080");
}

TEST_F(ConfigTest, PublicUrlIsDerivedFromListen) {
  struct Case {
    const char* listen;
    const char* public_url;
  };
  for (auto [listen, url] :
       {Case{"127.0.0.1:9000", "http://127.0.0.1:9000"},
        Case{"0.0.0.0:9001", "http://127.0.0.1:9001"}, Case{"[::1]:9002", "http://[::1]:9002"},
        Case{"localhost:9003", "http://localhost:9003"}}) {
    Overrides o;
    o.listen = listen;
    auto c = load("", o);
    ASSERT_TRUE(c.ok()) << listen << ": " << c.error().description;
    EXPECT_EQ(c->server.public_url, url) << listen;
    EXPECT_EQ(c->authz.issuer, url) << listen;
    EXPECT_EQ(c->fhir.base_url, std::string(url) + "/fhir") << listen;
  }
}

TEST_F(ConfigTest, IpV6ListenAddressIsUnbracketed) {
  Overrides o;
  o.listen = "[::1]:9002";
  auto c = load("", o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server.listen_address, "::1");
  EXPECT_EQ(c->server.port, 9002);
}

TEST_F(ConfigTest, TlsMakesTheDerivedPublicUrlHttps) {
  auto cert = dir_.write("cert.pem", "x");
  auto key = dir_.write("key.pem", "x");
  auto c = load_toml("[server]\nlisten = \"127.0.0.1:8443\"\ntls_cert = \"" + cert +
                     "\"\ntls_key = \"" + key + "\"\n");
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->server.public_url, "https://127.0.0.1:8443");
}

TEST_F(ConfigTest, TrailingSlashesAreStripped) {
  auto c = load_toml(R"(
[server]
public_url = "https://ehr.example/"
[authz]
fhir_audiences = ["https://ehr.example/fhir/", "https://other.example/r4//"]
[fhir]
base_url = "https://ehr.example/fhir/"
)");
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->server.public_url, "https://ehr.example");
  EXPECT_EQ(c->authz.issuer, "https://ehr.example");
  EXPECT_EQ(c->fhir.base_url, "https://ehr.example/fhir");
  EXPECT_EQ(c->authz.fhir_audiences,
            (std::vector<std::string>{"https://ehr.example/fhir", "https://other.example/r4"}));
}

TEST_F(ConfigTest, FhirBaseAndAudienceDefaultFromPublicUrl) {
  auto c = load_toml("[server]\npublic_url = \"https://ehr.example\"\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->fhir.base_url, "https://ehr.example/fhir");
  EXPECT_EQ(c->authz.fhir_audiences, std::vector<std::string>{"https://ehr.example/fhir"});
  EXPECT_EQ(c->fhir.authorization_server, "https://ehr.example");
}

TEST_F(ConfigTest, ExplicitIssuerIsKeptAndFeedsTheFhirSide) {
  auto c = load_toml(
      "[server]\npublic_url = \"https://ehr.example\"\n[authz]\nissuer = "
      "\"https://as.example/tenant1\"\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->authz.issuer, "https://as.example/tenant1");
  EXPECT_EQ(c->fhir.authorization_server, "https://as.example/tenant1");
}

TEST_F(ConfigTest, SingleStringAudienceIsAccepted) {
  auto c = load_toml("[authz]\nfhir_audiences = \"https://ehr.example/fhir\"\n");
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->authz.fhir_audiences, std::vector<std::string>{"https://ehr.example/fhir"});
}

// ---- a full file ----

TEST_F(ConfigTest, FullValidFile) {
  auto c = load_toml(R"(
mode = "demo"
database = "/var/lib/tessera/tessera.db"

[log]
level = "debug"
json = true

[server]
listen = "0.0.0.0:8181"
public_url = "https://ehr.example"
threads = 4
header_limit = 8192
body_limit = 2097152
read_timeout_ms = 5000
idle_timeout_ms = 30000

[authz]
issuer = "https://ehr.example"
fhir_audiences = ["https://ehr.example/fhir"]
access_token_ttl = 1800
refresh_token_ttl = 86400
code_ttl = 30
backend_token_ttl = 120
launch_ttl = 600
interaction_ttl = 1200
session_ttl = 7200
purge_interval = 30
max_login_failures = 3
login_lockout = 120
launcher_enabled = true

[fhir]
base_url = "https://ehr.example/fhir"
authorization_server = "https://ehr.example"
introspection_url = "https://ehr.example/introspect"
client_id = "fhir-rs"
client_secret = "s3cret-s3cret-s3cret-s3cret-s3cret"
cache_ttl_ms = 2000
negative_cache_ttl_ms = 500
cache_max_entries = 1000
introspection_timeout_ms = 1500
practitioner_all_patients = false
default_page_size = 20
max_page_size = 200
)");
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_TRUE(c->demo());
  EXPECT_EQ(c->database, "/var/lib/tessera/tessera.db");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_TRUE(c->log_json);
  EXPECT_EQ(c->server.listen_address, "0.0.0.0");
  EXPECT_EQ(c->server.port, 8181);
  EXPECT_EQ(c->server.public_url, "https://ehr.example");
  EXPECT_EQ(c->server.threads, 4);
  EXPECT_EQ(c->server.header_limit, 8192u);
  EXPECT_EQ(c->server.body_limit, 2097152u);
  EXPECT_EQ(c->server.read_timeout, 5000ms);
  EXPECT_EQ(c->server.idle_timeout, 30000ms);
  EXPECT_EQ(c->authz.issuer, "https://ehr.example");
  EXPECT_EQ(c->authz.access_token_ttl, 1800s);
  EXPECT_EQ(c->authz.refresh_token_ttl, 86400s);
  EXPECT_EQ(c->authz.code_ttl, 30s);
  EXPECT_EQ(c->authz.backend_token_ttl, 120s);
  EXPECT_EQ(c->authz.launch_ttl, 600s);
  EXPECT_EQ(c->authz.interaction_ttl, 1200s);
  EXPECT_EQ(c->authz.session_ttl, 7200s);
  EXPECT_EQ(c->authz.purge_interval, 30s);
  EXPECT_EQ(c->authz.max_login_failures, 3);
  EXPECT_EQ(c->authz.login_lockout, 120s);
  EXPECT_TRUE(c->authz.launcher_enabled);
  EXPECT_EQ(c->fhir.base_url, "https://ehr.example/fhir");
  EXPECT_EQ(c->fhir.authorization_server, "https://ehr.example");
  EXPECT_EQ(c->fhir.introspection_url, "https://ehr.example/introspect");
  EXPECT_EQ(c->fhir.client_id, "fhir-rs");
  EXPECT_EQ(c->fhir.client_secret, "s3cret-s3cret-s3cret-s3cret-s3cret");
  EXPECT_EQ(c->fhir.cache_ttl, 2000ms);
  EXPECT_EQ(c->fhir.negative_cache_ttl, 500ms);
  EXPECT_EQ(c->fhir.cache_max_entries, 1000u);
  EXPECT_EQ(c->fhir.introspection_timeout, 1500ms);
  EXPECT_FALSE(c->fhir.practitioner_all_patients);
  EXPECT_EQ(c->fhir.default_page_size, 20);
  EXPECT_EQ(c->fhir.max_page_size, 200);
}

// ---- overrides ----

TEST_F(ConfigTest, OverridesBeatTheFile) {
  Overrides o;
  o.listen = "127.0.0.1:7000";
  o.public_url = "https://override.example/";
  o.fhir_audiences = {"https://aud.example/fhir"};
  o.fhir_base_url = "https://override.example/r4";
  o.authorization_server = "https://as.override.example";
  o.database = "override.db";
  o.mode = "demo";
  o.log_level = "warn";
  o.fhir_client_id = "rs2";
  o.fhir_client_secret = "override-secret";
  o.access_token_ttl = 600;
  o.code_ttl = 20;
  o.cache_ttl_ms = 0;  // 0 is a real value here ("no positive cache")
  auto c = load_toml(R"(
mode = "production"
database = "file.db"
[log]
level = "error"
[server]
listen = "127.0.0.1:6000"
public_url = "https://file.example"
[authz]
fhir_audiences = ["https://file.example/fhir"]
access_token_ttl = 1200
code_ttl = 45
[fhir]
base_url = "https://file.example/fhir"
authorization_server = "https://as.file.example"
client_id = "rs1"
client_secret = "file-secret"
cache_ttl_ms = 3000
)",
                     o);
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->server.port, 7000);
  EXPECT_EQ(c->server.public_url, "https://override.example");
  EXPECT_EQ(c->authz.issuer, "https://override.example");
  EXPECT_EQ(c->authz.fhir_audiences, std::vector<std::string>{"https://aud.example/fhir"});
  EXPECT_EQ(c->fhir.base_url, "https://override.example/r4");
  EXPECT_EQ(c->fhir.authorization_server, "https://as.override.example");
  EXPECT_EQ(c->database, "override.db");
  EXPECT_EQ(c->mode, "demo");
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->fhir.client_id, "rs2");
  EXPECT_EQ(c->fhir.client_secret, "override-secret");
  EXPECT_EQ(c->authz.access_token_ttl, 600s);
  EXPECT_EQ(c->authz.code_ttl, 20s);
  EXPECT_EQ(c->fhir.cache_ttl, 0ms);
}

TEST_F(ConfigTest, UnsetOverridesLeaveTheFileAlone) {
  auto c = load_toml("[authz]\naccess_token_ttl = 1200\n[fhir]\ncache_ttl_ms = 3000\n", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->authz.access_token_ttl, 1200s);
  EXPECT_EQ(c->fhir.cache_ttl, 3000ms);
}

TEST_F(ConfigTest, OverridesAloneAreValidatedToo) {
  Overrides o;
  o.access_token_ttl = 7200;  // TOKEN-8
  o.mode = "staging";
  auto c = load("", o);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().description, "authz.access_token_ttl: 1..3600 seconds (TOKEN-8)"));
  EXPECT_TRUE(contains(c.error().description, "mode: must be"));
}

TEST_F(ConfigTest, BadListenOverrideIsReported) {
  for (const char* listen : {"8080", ":8080", "127.0.0.1:http", "127.0.0.1:70000", "127.0.0.1:"}) {
    Overrides o;
    o.listen = listen;
    auto c = load("", o);
    ASSERT_FALSE(c.ok()) << listen;
    EXPECT_TRUE(contains(c.error().description, "--listen: expected \"address:port\"")) << listen;
  }
}

// ---- validation ----

TEST_F(ConfigTest, EveryValidationErrorIsListedAtOnce) {
  auto cert = dir_.write("only-cert.pem", "x");
  auto d = errors_of(R"(
mode = "staging"
database = ""
[log]
level = "loud"
[server]
listen = "nonsense"
public_url = "ftp://ehr.example"
tls_cert = ")" + cert +
                     R"("
[authz]
fhir_audiences = ["urn:not-http"]
access_token_ttl = 7200
code_ttl = 601
backend_token_ttl = 301
[fhir]
base_url = "ehr.example/fhir"
authorization_server = "as.example"
introspection_url = "/introspect"
default_page_size = 300
max_page_size = 100
)");
  EXPECT_TRUE(contains(d, "invalid configuration:")) << d;
  for (const char* msg : {
           "mode: must be \"production\" or \"demo\"",
           "database: must not be empty",
           "log.level: must be one of",
           "server.listen: expected \"address:port\"",
           "server.public_url: must be an http(s) URL",
           "server.tls_cert and server.tls_key: set both or neither",
           "authz.fhir_audiences: not an http(s) URL: urn:not-http",
           "authz.access_token_ttl: 1..3600 seconds (TOKEN-8)",
           "authz.code_ttl: 1..600 seconds (AUTHZ-10)",
           "authz.backend_token_ttl: 1..300 seconds (BACKEND-9)",
           "fhir.base_url: must be an http(s) URL",
           "fhir.authorization_server: must be an http(s) URL",
           "fhir.introspection_url: must be an http(s) URL",
           "fhir.default_page_size: 1..fhir.max_page_size",
       }) {
    EXPECT_TRUE(contains(d, msg)) << "missing: " << msg << "\nin:\n" << d;
  }
  // One problem per line.
  EXPECT_EQ(std::count(d.begin(), d.end(), '\n'), 14) << d;
}

TEST_F(ConfigTest, MissingTlsFilesAreReported) {
  auto d = errors_of("[server]\ntls_cert = \"" + dir_.file("nope-cert.pem") + "\"\ntls_key = \"" +
                     dir_.file("nope-key.pem") + "\"\n");
  EXPECT_TRUE(contains(d, "TLS file not found: " + dir_.file("nope-cert.pem"))) << d;
  EXPECT_TRUE(contains(d, "TLS file not found: " + dir_.file("nope-key.pem"))) << d;
}

TEST_F(ConfigTest, TypeAndRangeErrorsNameTheKey) {
  auto d = errors_of(R"(
database = 42
[log]
json = "yes"
[server]
threads = "four"
header_limit = 10
[authz]
fhir_audiences = ["https://ehr.example/fhir", 7]
session_ttl = -1
[fhir]
practitioner_all_patients = 1
cache_ttl_ms = 300001
)");
  for (const char* msg : {
           "database: expected a string",
           "log.json: expected true or false",
           "server.threads: expected an integer in [0, 256]",
           "server.header_limit: expected an integer in [1024, 1048576]",
           "authz.fhir_audiences: expected an array of strings",
           "authz.session_ttl: expected an integer in [60, 2592000]",
           "fhir.practitioner_all_patients: expected true or false",
           "fhir.cache_ttl_ms: expected an integer in [0, 300000]",
       }) {
    EXPECT_TRUE(contains(d, msg)) << "missing: " << msg << "\nin:\n" << d;
  }
}

TEST_F(ConfigTest, NoSilentTypeConversions) {
  // toml++ would turn 1 into true, true into 1 and 2.0 into 2; the configuration does not.
  auto d = errors_of(R"(
[server]
threads = true
read_timeout_ms = 2000.0
[authz]
launcher_enabled = 1
)");
  for (const char* msg : {
           "server.threads: expected an integer in [0, 256]",
           "server.read_timeout_ms: expected an integer in [100, 600000]",
           "authz.launcher_enabled: expected true or false",
       }) {
    EXPECT_TRUE(contains(d, msg)) << "missing: " << msg << "\nin:\n" << d;
  }
}

TEST_F(ConfigTest, AudiencesMustBeStringOrArray) {
  auto d = errors_of("[authz]\nfhir_audiences = 5\n");
  EXPECT_TRUE(contains(d, "authz.fhir_audiences: expected an array of strings")) << d;
}

TEST_F(ConfigTest, ValidateOnAConfigDirectly) {
  Config c;
  c.server.public_url = "http://127.0.0.1:8080";
  c.authz.fhir_audiences = {"http://127.0.0.1:8080/fhir"};
  EXPECT_TRUE(validate(c).empty());
  c.authz.fhir_audiences.clear();
  auto e = validate(c);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_TRUE(contains(e[0], "authz.fhir_audiences: at least one FHIR base URL is needed"));
  c.authz.fhir_audiences = {"http://127.0.0.1:8080/fhir"};
  c.server.tls_key = "k.pem";  // key without cert (and missing on disk)
  e = validate(c);
  EXPECT_EQ(e.size(), 2u);
}

// ---- TTL bounds ----

struct TtlCase {
  const char* key;
  int max;
  const char* message;
};

TEST_F(ConfigTest, TtlUpperBounds) {
  for (auto [key, max, message] : {
           TtlCase{"access_token_ttl", 3600, "authz.access_token_ttl: 1..3600 seconds (TOKEN-8)"},
           TtlCase{"code_ttl", 600, "authz.code_ttl: 1..600 seconds (AUTHZ-10)"},
           TtlCase{"backend_token_ttl", 300, "authz.backend_token_ttl: 1..300 seconds (BACKEND-9)"},
       }) {
    auto at = load_toml("[authz]\n" + std::string(key) + " = " + std::to_string(max) + "\n");
    EXPECT_TRUE(at.ok()) << key << " = " << max << ": " << (at.ok() ? "" : at.error().description);
    auto over = load_toml("[authz]\n" + std::string(key) + " = " + std::to_string(max + 1) + "\n");
    ASSERT_FALSE(over.ok()) << key;
    EXPECT_TRUE(contains(over.error().description, message)) << over.error().description;
    auto zero = load_toml("[authz]\n" + std::string(key) + " = 0\n");
    EXPECT_FALSE(zero.ok()) << key;
  }
}

TEST_F(ConfigTest, CodeTtlOverrideIsBoundedToo) {  // AUTHZ-10
  Overrides o;
  o.code_ttl = 601;
  auto c = load("", o);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().description, "authz.code_ttl: 1..600 seconds (AUTHZ-10)"));
}

// ---- unknown keys, syntax errors ----

TEST_F(ConfigTest, UnknownKeyIsRejected) {
  auto d = errors_of("[server]\nlisten = \"127.0.0.1:8080\"\nlisen = \"x\"\n");
  EXPECT_TRUE(contains(d, "unknown key server.lisen")) << d;
}

TEST_F(ConfigTest, UnknownTopLevelKeyIsRejected) {
  auto d = errors_of("databse = \"x.db\"\n");
  EXPECT_TRUE(contains(d, "unknown key databse")) << d;
}

TEST_F(ConfigTest, UnknownSectionIsRejected) {
  auto d = errors_of("[sever]\nlisten = \"127.0.0.1:8080\"\n");
  EXPECT_TRUE(contains(d, "unknown section [sever]")) << d;
}

TEST_F(ConfigTest, NestedTableInAKnownSectionIsRejected) {
  auto d = errors_of("[server.extra]\nx = 1\n");
  EXPECT_TRUE(contains(d, "unknown key server.extra")) << d;
}

TEST_F(ConfigTest, TomlSyntaxErrorIsReportedWithLineAndColumn) {
  auto path = dir_.write("broken.toml", "mode = \"demo\"\n\n[server]\nlisten = = 1\n");
  auto c = load(path, {});
  ASSERT_FALSE(c.ok());
  const auto& d = c.error().description;
  EXPECT_EQ(d.rfind(path + ":4:", 0), 0u) << d;  // path:line:column: message
  // line:column are both numbers.
  auto rest = d.substr(path.size() + 3);
  ASSERT_FALSE(rest.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(rest[0]))) << d;
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  auto c = load(dir_.file("does-not-exist.toml"), {});
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().description, "does-not-exist.toml")) << c.error().description;
}

// ---- secrets from files ----

TEST_F(ConfigTest, ClientSecretIsReadFromItsFile) {
  auto secret = dir_.write("rs.secret", "tsr_cs_from_file_0123456789\nsecond line ignored\n");
  auto c = load_toml("[fhir]\nclient_id = \"rs\"\nclient_secret_file = \"" + secret + "\"\n");
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->fhir.client_secret, "tsr_cs_from_file_0123456789");
}

TEST_F(ConfigTest, ClientSecretFileWithCrlfIsTrimmed) {
  auto secret = dir_.write("rs.secret", "tsr_cs_windows \r\n");
  auto c = load_toml("[fhir]\nclient_secret_file = \"" + secret + "\"\n");
  ASSERT_TRUE(c.ok()) << c.error().description;
  EXPECT_EQ(c->fhir.client_secret, "tsr_cs_windows");
}

TEST_F(ConfigTest, InlineSecretWinsOverTheFile) {
  auto secret = dir_.write("rs.secret", "from-file\n");
  auto c =
      load_toml("[fhir]\nclient_secret = \"inline\"\nclient_secret_file = \"" + secret + "\"\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->fhir.client_secret, "inline");
}

TEST_F(ConfigTest, UnreadableSecretFileIsAnError) {
  auto d = errors_of("[fhir]\nclient_secret_file = \"" + dir_.file("missing.secret") + "\"\n");
  EXPECT_TRUE(contains(d, "fhir.client_secret_file: cannot read " + dir_.file("missing.secret")))
      << d;
}

}  // namespace
}  // namespace tessera::config
