// parse_resource_scope, permission_for, format_resource_scope, classify_token, parse_launch_scope.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scopes/scope.h"

namespace tessera::scopes {
namespace {

constexpr std::uint8_t C = kCreate, R = kRead, U = kUpdate, D = kDelete, S = kSearch;
constexpr std::uint8_t bits(std::uint8_t a, std::uint8_t b = 0, std::uint8_t c = 0,
                            std::uint8_t d = 0, std::uint8_t e = 0) {
  return static_cast<std::uint8_t>(a | b | c | d | e);
}

const char* const kLabCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";

struct AcceptCase {
  const char* text;
  Context context;
  const char* type;
  std::uint8_t permissions;
  bool v1;
  std::vector<Constraint> constraints;
};

class ScopeParseAccepts : public ::testing::TestWithParam<AcceptCase> {};

TEST_P(ScopeParseAccepts, ParsesFields) {
  const AcceptCase& c = GetParam();
  const std::optional<ResourceScope> s = parse_resource_scope(c.text);
  ASSERT_TRUE(s.has_value()) << c.text;
  EXPECT_EQ(s->context, c.context) << c.text;
  EXPECT_EQ(s->resource_type, c.type) << c.text;
  EXPECT_EQ(s->permissions, c.permissions) << c.text;
  EXPECT_EQ(s->v1, c.v1) << c.text;
  EXPECT_EQ(s->constraints, c.constraints) << c.text;
  EXPECT_EQ(s->text, c.text) << c.text;  // verbatim
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScopeParseAccepts,
    ::testing::Values(
        // SCOPE-1 examples.
        AcceptCase{
            "patient/Observation.rs", Context::kPatient, "Observation", bits(R, S), false, {}},
        AcceptCase{"user/*.cruds", Context::kUser, "*", kAllPermissions, false, {}},
        AcceptCase{"system/Encounter.cud", Context::kSystem, "Encounter", bits(C, U, D), false, {}},
        AcceptCase{"patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                   "observation-category|laboratory",
                   Context::kPatient,
                   "Observation",
                   bits(R, S),
                   false,
                   {{"category", kLabCategory}}},
        // SCOPE-1: every single letter, and ordered subsets.
        AcceptCase{"patient/Patient.c", Context::kPatient, "Patient", C, false, {}},
        AcceptCase{"patient/Patient.r", Context::kPatient, "Patient", R, false, {}},
        AcceptCase{"patient/Patient.u", Context::kPatient, "Patient", U, false, {}},
        AcceptCase{"patient/Patient.d", Context::kPatient, "Patient", D, false, {}},
        AcceptCase{"patient/Patient.s", Context::kPatient, "Patient", S, false, {}},
        AcceptCase{"user/Patient.cs", Context::kUser, "Patient", bits(C, S), false, {}},
        AcceptCase{"user/Patient.rd", Context::kUser, "Patient", bits(R, D), false, {}},
        // SCOPE-4: v1 words.
        AcceptCase{
            "patient/Observation.read", Context::kPatient, "Observation", bits(R, S), true, {}},
        AcceptCase{"user/*.write", Context::kUser, "*", bits(C, U, D), true, {}},
        AcceptCase{"system/*.*", Context::kSystem, "*", kAllPermissions, true, {}},
        // SCOPE-6: several terms (AND), %-decoding, '+' kept literally, '=' inside a value,
        // modifiers and chains [exp].
        AcceptCase{"patient/Observation.rs?category=laboratory&status=final",
                   Context::kPatient,
                   "Observation",
                   bits(R, S),
                   false,
                   {{"category", "laboratory"}, {"status", "final"}}},
        AcceptCase{"patient/Observation.rs?code=a%20b%26c%7Cd",
                   Context::kPatient,
                   "Observation",
                   bits(R, S),
                   false,
                   {{"code", "a b&c|d"}}},
        AcceptCase{"patient/Observation.s?date=ge2020-01-01T00:00:00+05:00",
                   Context::kPatient,
                   "Observation",
                   S,
                   false,
                   {{"date", "ge2020-01-01T00:00:00+05:00"}}},
        AcceptCase{"patient/Observation.s?x=a=b",
                   Context::kPatient,
                   "Observation",
                   S,
                   false,
                   {{"x", "a=b"}}},
        AcceptCase{"patient/Condition.rs?code:in=http://x.org/vs&patient.birthdate=gt2000",
                   Context::kPatient,
                   "Condition",
                   bits(R, S),
                   false,
                   {{"code:in", "http://x.org/vs"}, {"patient.birthdate", "gt2000"}}},
        AcceptCase{"patient/Observation.rs?code=caf%C3%A9",
                   Context::kPatient,
                   "Observation",
                   bits(R, S),
                   false,
                   {{"code", "caf\xC3\xA9"}}},
        // FHIR repeated parameters are AND: both terms are kept.
        AcceptCase{"patient/Observation.rs?code=a&code=b",
                   Context::kPatient,
                   "Observation",
                   bits(R, S),
                   false,
                   {{"code", "a"}, {"code", "b"}}}));

class ScopeParseRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(ScopeParseRejects, ReturnsNullopt) {
  EXPECT_FALSE(parse_resource_scope(GetParam()).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScopeParseRejects,
    ::testing::Values(
        // Empty / no structure.
        "", "patient", "patient/", "patient/Observation", "patient/Observation.", "/Observation.rs",
        ".rs", "openid", "launch/patient",
        // Unknown context; case variants (OAUTH-5).
        "practitioner/Observation.rs", "Patient/Observation.rs", "PATIENT/Observation.rs",
        "User/*.rs", "System/*.rs", " patient/Observation.rs", "patient/Observation.rs ",
        // Bad resource type (must be "*" or [A-Z][A-Za-z]*).
        "patient/observation.rs", "patient/.rs", "patient/Obs1.rs", "patient/Obs-ervation.rs",
        "patient/Obs_ervation.rs", "patient/**.rs", "patient/*Observation.rs",
        "patient//Observation.rs", "patient/Observation/x.rs", "patient/Observation.rs.rs",
        "patient/\xC3\x89tude.rs",
        // SCOPE-3: out of order, repeated, unknown letters, never reinterpreted.
        "patient/Observation.dus", "patient/Observation.sr", "patient/Observation.rr",
        "patient/Observation.crudss", "patient/Observation.x", "patient/Observation.rx",
        "patient/Observation.R", "patient/Observation.RS", "patient/Observation.cruds*",
        "patient/Observation.rs*",
        // v1 case variants and near misses (SCOPE-4 words only, OAUTH-5 case-sensitive).
        "patient/Observation.READ", "patient/Observation.Read", "patient/Observation.reads",
        "patient/Observation.writ", "patient/Observation.**", "patient/Observation.read,write",
        // v1 has no query syntax.
        "patient/Observation.read?category=laboratory", "patient/*.*?a=b",
        // Empty permissions with a query.
        "patient/Observation.?category=laboratory",
        // Malformed query (SCOPE-6): empty, empty param, missing '=', empty value, trailing '&'.
        "patient/Observation.rs?", "patient/Observation.rs?=laboratory",
        "patient/Observation.rs?category", "patient/Observation.rs?category=",
        "patient/Observation.rs?category=laboratory&", "patient/Observation.rs?&category=a",
        "patient/Observation.rs?a=b&&c=d", "patient/Observation.rs?a=b&c",
        // Bad param names.
        "patient/Observation.rs?cat%65gory=a", "patient/Observation.rs?cat/egory=a",
        "patient/Observation.rs?a?b=c",
        // Bad %-escapes and decoded values that are control characters or invalid UTF-8.
        "patient/Observation.rs?code=%", "patient/Observation.rs?code=%4",
        "patient/Observation.rs?code=%zz", "patient/Observation.rs?code=a%G1",
        "patient/Observation.rs?code=%00", "patient/Observation.rs?code=a%0Ab",
        "patient/Observation.rs?code=%7F", "patient/Observation.rs?code=%FF",
        "patient/Observation.rs?code=%C3", "patient/Observation.rs?code=%C0%AF",
        "patient/Observation.rs?code=%ED%A0%80",
        // RFC 6749 §3.3 scope-token characters only (no space, '"', '\\', controls, non-ASCII).
        "patient/Observation.rs?code=a b", "patient/Observation.rs?code=\"x\"",
        "patient/Observation.rs?code=a\\b", "patient/Observation.rs?code=caf\xC3\xA9",
        "patient/Observation.r\ts", "patient/Observation.rs\n"));

TEST(ScopeParse, RejectsEmbeddedNul) {
  const std::string s("patient/Observation.rs\0x", 24);
  EXPECT_FALSE(parse_resource_scope(s).has_value());
}

// SCOPE-2 mapping.
TEST(PermissionFor, MapsEveryInteraction) {
  struct Case {
    Interaction interaction;
    std::uint8_t permission;
  };
  const Case cases[] = {
      {Interaction::kCreate, C},          {Interaction::kRead, R},   {Interaction::kVread, R},
      {Interaction::kHistoryInstance, R}, {Interaction::kUpdate, U}, {Interaction::kPatch, U},
      {Interaction::kDelete, D},          {Interaction::kSearch, S}, {Interaction::kHistoryType, S},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(permission_for(c.interaction), c.permission) << static_cast<int>(c.interaction);
  }
  EXPECT_EQ(permission_for(static_cast<Interaction>(99)), 0);
}

TEST(PermissionLetters, WritesCrudsOrder) {
  EXPECT_EQ(permission_letters(0), "");
  EXPECT_EQ(permission_letters(bits(S, R)), "rs");
  EXPECT_EQ(permission_letters(bits(D, U, C)), "cud");
  EXPECT_EQ(permission_letters(kAllPermissions), "cruds");
  EXPECT_EQ(permission_letters(0xFF), "cruds");  // unknown high bits ignored
}

TEST(ContextName, NamesEveryContext) {
  EXPECT_EQ(context_name(Context::kPatient), "patient");
  EXPECT_EQ(context_name(Context::kUser), "user");
  EXPECT_EQ(context_name(Context::kSystem), "system");
}

TEST(FormatResourceScope, RoundTripsThroughParse) {
  const char* const inputs[] = {
      "patient/Observation.rs",
      "patient/Observation.read",
      "user/*.write",
      "system/*.*",
      ("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
       "observation-category|laboratory"),
      "patient/Observation.rs?code=a%20b%26c%3Dd%25e",
      "patient/Observation.s?code=caf%C3%A9&status=final",
  };
  for (const char* in : inputs) {
    const std::optional<ResourceScope> s = parse_resource_scope(in);
    ASSERT_TRUE(s.has_value()) << in;
    const std::string out = format_resource_scope(*s);
    const std::optional<ResourceScope> back = parse_resource_scope(out);
    ASSERT_TRUE(back.has_value()) << out;
    EXPECT_EQ(back->context, s->context);
    EXPECT_EQ(back->resource_type, s->resource_type);
    EXPECT_EQ(back->permissions, s->permissions);
    EXPECT_EQ(back->constraints, s->constraints) << out;
    EXPECT_EQ(back->v1, s->v1) << out;
  }
}

TEST(FormatResourceScope, V1WithoutAV1WordWritesV2Letters) {
  ResourceScope s;
  s.context = Context::kUser;
  s.resource_type = "Observation";
  s.permissions = R;
  s.v1 = true;
  EXPECT_EQ(format_resource_scope(s), "user/Observation.r");
  s.permissions = bits(R, S);
  EXPECT_EQ(format_resource_scope(s), "user/Observation.read");
  s.constraints = {{"category", "laboratory"}};  // v1 has no query: v2 letters
  EXPECT_EQ(format_resource_scope(s), "user/Observation.rs?category=laboratory");
}

TEST(SameConstraints, IgnoresOrderAndRepeats) {
  EXPECT_TRUE(same_constraints({}, {}));
  EXPECT_TRUE(same_constraints({{"a", "1"}, {"b", "2"}}, {{"b", "2"}, {"a", "1"}}));
  EXPECT_TRUE(same_constraints({{"a", "1"}, {"a", "1"}}, {{"a", "1"}}));
  EXPECT_FALSE(same_constraints({{"a", "1"}}, {}));
  EXPECT_FALSE(same_constraints({{"a", "1"}}, {{"a", "2"}}));
  EXPECT_FALSE(same_constraints({{"a", "1"}}, {{"b", "1"}}));
}

struct KindCase {
  const char* token;
  TokenKind kind;
};

class ClassifyToken : public ::testing::TestWithParam<KindCase> {};

TEST_P(ClassifyToken, Kind) {
  EXPECT_EQ(classify_token(GetParam().token), GetParam().kind) << GetParam().token;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ClassifyToken,
    ::testing::Values(
        KindCase{"openid", TokenKind::kOpenId}, KindCase{"fhirUser", TokenKind::kFhirUser},
        KindCase{"profile", TokenKind::kProfile}, KindCase{"launch", TokenKind::kLaunch},
        KindCase{"offline_access", TokenKind::kOfflineAccess},
        KindCase{"online_access", TokenKind::kOnlineAccess},
        // SCOPE-16/17/18.
        KindCase{"launch/patient", TokenKind::kLaunchContext},
        KindCase{"launch/encounter", TokenKind::kLaunchContext},
        KindCase{"launch/imagingstudy", TokenKind::kLaunchContext},
        KindCase{"launch/list?role=https://example.org/worklist", TokenKind::kLaunchContext},
        KindCase{"patient/*.rs", TokenKind::kResource},
        // Case-sensitive (OAUTH-5) and malformed variants are unknown.
        KindCase{"OpenID", TokenKind::kUnknown}, KindCase{"fhiruser", TokenKind::kUnknown},
        KindCase{"Launch", TokenKind::kUnknown}, KindCase{"launch/Patient", TokenKind::kUnknown},
        KindCase{"launch/", TokenKind::kUnknown}, KindCase{"launch/patient/x", TokenKind::kUnknown},
        KindCase{"launch/image_study", TokenKind::kUnknown},
        KindCase{"launch?role=x", TokenKind::kUnknown},
        KindCase{"launch/list?role=", TokenKind::kUnknown},
        KindCase{"launch/list?role=a&role=b", TokenKind::kUnknown},
        KindCase{"launch/list?kind=a", TokenKind::kUnknown},
        KindCase{"launch/list?role=%zz", TokenKind::kUnknown},
        KindCase{"offline-access", TokenKind::kUnknown},
        KindCase{"Patient/*.rs", TokenKind::kUnknown},
        KindCase{"patient/Observation.dus", TokenKind::kUnknown},
        KindCase{"__custom", TokenKind::kUnknown}, KindCase{"", TokenKind::kUnknown}));

TEST(ParseLaunchScope, ReadsTypeAndDecodedRole) {
  EXPECT_EQ(parse_launch_scope("launch/patient"), (LaunchScope{"patient", ""}));
  EXPECT_EQ(parse_launch_scope("launch/list?role=https://example.org/a%20b"),
            (LaunchScope{"list", "https://example.org/a b"}));
  EXPECT_FALSE(parse_launch_scope("launch").has_value());
  EXPECT_FALSE(parse_launch_scope("launch/list?role=%00").has_value());
  EXPECT_FALSE(parse_launch_scope("launch/list?role=a b").has_value());
}

// SCOPE-14.
TEST(ExtensionScope, DoubleUnderscoreOrUri) {
  EXPECT_TRUE(is_extension_scope("__darkMode"));
  EXPECT_TRUE(is_extension_scope("https://example.org/scopes/thing"));
  EXPECT_TRUE(is_extension_scope("urn:example:scope"));
  EXPECT_FALSE(is_extension_scope("__"));
  EXPECT_FALSE(is_extension_scope("_x"));
  EXPECT_FALSE(is_extension_scope("openid"));
  EXPECT_FALSE(is_extension_scope(":x"));
  EXPECT_FALSE(is_extension_scope("1http://x"));
  EXPECT_FALSE(is_extension_scope("http:"));
  EXPECT_FALSE(is_extension_scope("__a\"b"));
}

}  // namespace
}  // namespace tessera::scopes
