// Storage records: plain data, no behaviour. Secrets (tokens, codes, launch handles, client
// secrets) are only ever stored as hashes; see oauth/token_format.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessera::store {

enum class ClientType { kPublic, kConfidential, kResourceServer };
std::string_view to_string(ClientType);
std::optional<ClientType> client_type_from_string(std::string_view);

struct ClientRecord {
  std::string client_id;
  std::string name;
  ClientType type = ClientType::kPublic;
  std::string secret_hash;                 // hex SHA-256 of the secret (machine secret: fast hash)
  std::vector<std::string> redirect_uris;  // exact-match list (AUTHZ-4)
  std::string scope;                       // allowed scopes, space-separated
  std::vector<std::string> grant_types;    // authorization_code, refresh_token, client_credentials
  std::string launch_uri;                  // EHR launch URL (LAUNCH-1)
  std::vector<std::string> origins;        // CORS origins derived from redirect URIs (CORS-2)
  std::int64_t created_at = 0;
};

struct UserRecord {
  std::string username;
  std::string password_hash;  // libsodium argon2id string
  std::string fhir_user;      // "Patient/123", "Practitioner/9", "RelatedPerson/4"
  std::string display_name;
  bool can_launch = false;  // may use the EHR launcher page
  std::int64_t created_at = 0;
};

// Which patients a user may act for. patient_id "*" = all patients (practitioners).
struct PatientAccessRecord {
  std::string username;
  std::string patient_id;
  std::string relationship;  // self, parent, guardian, caregiver, practitioner, ...
  std::int64_t created_at = 0;
};

// An EHR launch context made by `tessera launch create` or the launcher page.
struct LaunchRecord {
  std::string launch_hash;   // hash of the opaque `launch` value
  std::string context_json;  // launch context members as the token response will carry them
  std::string username;      // user the launch is bound to (optional)
  std::string client_id;     // client the launch is meant for (optional)
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  bool used = false;
};

// A pending browser authorization (login -> picker -> consent), bound to a cookie.
struct InteractionRecord {
  std::string id;
  std::string cookie_hash;
  std::string csrf;
  std::string request_json;  // the validated authorization request
  std::string username;      // after login
  std::string patient_id;    // after the picker
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

// One authorization: what a user granted a client. Codes and tokens hang off it, so a replayed
// code or a reused refresh token can revoke the whole family (OAUTH-4, REFRESH-8).
struct GrantRecord {
  std::string grant_id;
  std::string client_id;
  std::string subject;  // username (sub) or client_id for client_credentials
  std::string fhir_user;
  std::string scope;
  std::string aud;
  std::string context_json;  // launch context object, verbatim as in the token response
  bool id_token = false;     // an id_token was issued (INTRO-5)
  std::int64_t created_at = 0;
  std::int64_t auth_time = 0;
  bool revoked = false;
};

struct CodeRecord {
  std::string code_hash;
  std::string grant_id;
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;
  std::string nonce;
  std::int64_t expires_at = 0;
  bool used = false;
};

enum class TokenKind { kAccess = 0, kRefresh = 1 };

struct TokenRecord {
  std::string token_hash;
  TokenKind kind = TokenKind::kAccess;
  std::string grant_id;
  std::string client_id;
  std::string subject;
  std::string fhir_user;
  std::string scope;
  std::string aud;
  std::string context_json;
  bool id_token = false;
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  bool revoked = false;
};

struct KeyRecord {
  std::string kid;
  std::string alg;
  std::string private_pem;
  std::int64_t created_at = 0;
  bool active = true;  // signs new tokens; inactive keys stay in JWKS until retired
};

struct AuditRecord {
  std::int64_t id = 0;
  std::int64_t time = 0;  // epoch milliseconds
  std::string event;      // e.g. "fhir.read", "TokenIssued", "AccessDenied"
  std::string client_id;
  std::string subject;
  std::string fhir_user;
  std::string patient;
  std::string on_behalf_of;  // relationship for proxy access
  std::string interaction;
  std::string resource_type;
  std::string resource_id;
  std::string outcome;  // "success", "denied", "error"
  int status = 0;
  std::string detail;
};

struct AuditQuery {
  std::string patient, subject, client_id;
  std::int64_t since = 0, until = 0;  // epoch ms, 0 = open
  int limit = 100;
};

}  // namespace tessera::store

namespace tessera::store {
// Display data for the patient picker, read from the FHIR store when it shares the database.
struct PatientSummary {
  std::string id;
  std::string name;        // "Sofia Alvarez"
  std::string birth_date;  // "2020-03-14"
};
}  // namespace tessera::store
