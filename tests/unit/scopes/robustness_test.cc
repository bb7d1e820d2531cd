// Robustness: random and mutated inputs never crash or throw, and parsing/narrowing keep their
// invariants (a quick, deterministic stand-in for the fuzzer). Scope strings are attacker input
// (AUTHZ-6, TOKEN, REFRESH-5, introspection results at the RS).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "scopes/access.h"
#include "scopes/describe.h"
#include "scopes/scope.h"
#include "scopes/scope_set.h"

namespace tessera::scopes {
namespace {

const std::vector<std::string> kSeeds = {
    "patient/Observation.rs",
    "user/*.cruds",
    "system/Encounter.cud",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
    "observation-category|laboratory",
    "patient/Observation.read",
    "user/*.write",
    "system/*.*",
    "patient/Observation.rs?code=a%20b&status=final",
    "launch/list?role=https://example.org/r",
    "launch/patient",
    "openid",
    "fhirUser",
    "offline_access",
    "__ext",
};

// Characters that matter to the grammar, plus a few hostile bytes.
const std::string kAlphabet =
    std::string("patientusersymObvCcrudsRS*./?&=%|:_-+ 0123456789AFaf\t\"\\") +
    std::string("\x00\x7f\x80\xc3\xa9\xff", 6);

std::string random_string(std::mt19937& rng, std::size_t max_len) {
  std::uniform_int_distribution<std::size_t> len_dist(0, max_len);
  std::uniform_int_distribution<std::size_t> char_dist(0, kAlphabet.size() - 1);
  std::string s(len_dist(rng), '\0');
  for (char& c : s) c = kAlphabet[char_dist(rng)];
  return s;
}

std::string mutate(std::mt19937& rng, std::string s) {
  std::uniform_int_distribution<int> op_dist(0, 4);
  std::uniform_int_distribution<std::size_t> char_dist(0, kAlphabet.size() - 1);
  const int ops = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < ops; ++k) {
    const std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (op_dist(rng)) {
      case 0:  // insert
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), kAlphabet[char_dist(rng)]);
        break;
      case 1:  // delete
        if (pos < s.size()) s.erase(pos, 1);
        break;
      case 2:  // replace
        if (pos < s.size()) s[pos] = kAlphabet[char_dist(rng)];
        break;
      case 3:  // truncate
        s.resize(pos);
        break;
      default:  // splice another seed
        s.insert(pos, kSeeds[rng() % kSeeds.size()]);
        break;
    }
  }
  return s;
}

void check_one(const std::string& in) {
  const std::optional<ResourceScope> r = parse_resource_scope(in);
  if (r) {
    // Invariants of an accepted scope.
    ASSERT_EQ(r->text, in);
    ASSERT_NE(r->permissions, 0);
    ASSERT_EQ(r->permissions & ~kAllPermissions, 0);
    ASSERT_EQ(in.find(' '), std::string::npos);
    ASSERT_FALSE(r->v1 && !r->constraints.empty());
    // format -> parse round trip keeps the meaning.
    const std::optional<ResourceScope> back = parse_resource_scope(format_resource_scope(*r));
    ASSERT_TRUE(back.has_value()) << in;
    ASSERT_EQ(back->permissions, r->permissions);
    ASSERT_EQ(back->resource_type, r->resource_type);
    ASSERT_EQ(back->constraints, r->constraints);
    (void)describe(*r);
  }
  (void)classify_token(in);
  (void)parse_launch_scope(in);
  (void)is_extension_scope(in);
  (void)describe_token(in);
}

TEST(Robustness, RandomAndMutatedStringsNeverCrash) {
  std::mt19937 rng(20240501u);  // deterministic
  std::vector<std::string> corpus;
  for (int i = 0; i < 10000; ++i) {
    std::string in =
        (i % 2 == 0) ? random_string(rng, 64) : mutate(rng, kSeeds[rng() % kSeeds.size()]);
    ASSERT_NO_FATAL_FAILURE(check_one(in)) << i;

    const ScopeSet set = ScopeSet::parse(in);
    for (const std::string& t : set.all()) {
      ASSERT_FALSE(t.empty());
      ASSERT_EQ(t.find(' '), std::string::npos);
    }
    ASSERT_LE(set.resource_scopes().size(), set.all().size());
    (void)set.unknown();
    (void)set.to_string();
    corpus.push_back(std::move(in));
  }
}

TEST(Robustness, RandomSetsKeepNarrowAndAccessInvariants) {
  std::mt19937 rng(7u);
  for (int i = 0; i < 2000; ++i) {
    std::string req_text, allow_text;
    for (int k = 0; k < 4; ++k) {
      req_text += mutate(rng, kSeeds[rng() % kSeeds.size()]) + " ";
      allow_text += (rng() % 3 == 0 ? mutate(rng, kSeeds[rng() % kSeeds.size()])
                                    : kSeeds[rng() % kSeeds.size()]) +
                    " ";
    }
    const ScopeSet req = ScopeSet::parse(req_text);
    const ScopeSet allow = ScopeSet::parse(allow_text);
    const ScopeSet granted = narrow(req, allow);
    // SCOPE-8 / BACKEND-6 / REFRESH-5: never wider than either side.
    ASSERT_TRUE(is_within(granted, allow)) << req_text << " | " << allow_text;
    ASSERT_TRUE(is_within(granted, req)) << req_text << " | " << allow_text;
    // Output tokens re-parse to the same set (no duplicates, no spaces).
    ASSERT_EQ(ScopeSet::parse(granted.to_string()), granted);
    // Narrowing against itself keeps the meaning.
    ASSERT_TRUE(is_within(req, narrow(req, req))) << req_text;
    for (Interaction it : {Interaction::kRead, Interaction::kSearch, Interaction::kCreate}) {
      for (const char* type : {"Observation", "Patient", "*", ""}) {
        for (const AccessGrant& g : access_for(granted, type, it)) {
          ASSERT_TRUE(g.allowed);
          // Anything the narrowed set allows, the allowed set allows too.
          ASSERT_FALSE(access_for(allow, type, it).empty());
        }
      }
    }
  }
}

}  // namespace
}  // namespace tessera::scopes
