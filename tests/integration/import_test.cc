// Issue 3 acceptance 6: `tessera fhir import` takes the real Synthea R4 bundles; a broken bundle
// is rejected whole with a clear error and nothing of it is stored.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/random.h"
#include "harness.h"

namespace tessera::itest {
namespace {

namespace fs = std::filesystem;

std::string fresh_db() {
  auto dir = fs::temp_directory_path() / "tessera-itest";
  fs::create_directories(dir);
  return (dir / ("import-" + core::default_random().token(8) + ".db")).string();
}

long long count_rows(const std::string& db, const std::string& sql) {
  auto out = std::string();
  std::string cmd = "sqlite3 '" + db + "' \"" + sql + "\"";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[64] = {};
  if (p && fgets(buf, sizeof buf, p)) out = buf;
  if (p) pclose(p);
  return out.empty() ? -1 : std::stoll(out);
}

std::vector<std::string> synthea_files() {
  std::vector<std::string> files;
  auto dir = shared_data_dir();
  if (dir.empty()) return files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  // Provider bundles first (the data README's advice), then the patients.
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    bool pa = a.find("Information") != std::string::npos,
         pb = b.find("Information") != std::string::npos;
    return pa != pb ? pa : a < b;
  });
  return files;
}

TEST(Import, SyntheaBundlesImport) {
  auto files = synthea_files();
  if (files.empty()) GTEST_SKIP() << "../shared/data/synthea is absent: nothing to import";
  auto db = fresh_db();
  std::vector<std::string> args = {"--database", db, "fhir", "import"};
  args.insert(args.end(), files.begin(), files.end());
  auto r = run_tessera(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& f : files)
    EXPECT_NE(r.out.find(fs::path(f).filename().string()), std::string::npos) << r.out;
  // Counts from the data README: 5 patients, 837 observations, 93 distinct practitioners.
  EXPECT_EQ(count_rows(db, "select count(*) from resources where type='Patient'"), 5);
  EXPECT_EQ(count_rows(db, "select count(*) from resources where type='Observation'"), 837);
  EXPECT_EQ(count_rows(db, "select count(*) from resources where type='Claim'"), 122);
  // Every Observation is in exactly one patient's compartment, and no urn:uuid survived.
  EXPECT_EQ(count_rows(db, "select count(*) from compartments where type='Observation'"), 837);
  EXPECT_EQ(count_rows(db, "select count(*) from resources where json like '%urn:uuid:%'"), 0);
}

TEST(Import, BrokenBundleIsRejectedWholeWithTheEntryNamed) {
  auto files = synthea_files();
  nlohmann::json bundle;
  std::string source;
  for (const auto& f : files)
    if (f.find("Charis952") != std::string::npos) source = f;
  if (!source.empty()) {
    std::ifstream in(source);
    bundle = nlohmann::json::parse(in);
  } else {
    // Without the shared data, a bundle of our own serves the same purpose.
    auto demo = run_tessera({"fhir", "demo-bundle"});
    ASSERT_EQ(demo.exit_code, 0);
    bundle = nlohmann::json::parse(demo.out);
  }
  ASSERT_GT(bundle["entry"].size(), 12u);
  bundle["entry"][12]["resource"]["resourceType"] = "Observaton";  // a typo: not an R4 type
  auto path = fresh_db() + ".json";
  {
    std::ofstream out(path);
    out << bundle.dump();
  }
  auto db = fresh_db();
  auto r = run_tessera({"--database", db, "fhir", "import", path});
  EXPECT_EQ(r.exit_code, 1);
  std::string all = r.out + r.err;
  EXPECT_NE(all.find("entry 12"), std::string::npos) << all;
  EXPECT_NE(all.find("Observaton"), std::string::npos) << all;
  EXPECT_EQ(count_rows(db, "select count(*) from resources"), 0)
      << "nothing of a rejected file is stored";
  EXPECT_EQ(count_rows(db, "select count(*) from search_index"), 0);

  // An unresolvable urn:uuid reference and a non-bundle are rejected too.
  bundle["entry"][12]["resource"]["resourceType"] = "Observation";
  bundle["entry"][12]["resource"]["subject"] = {
      {"reference", "urn:uuid:00000000-0000-0000-0000-000000000000"}};
  {
    std::ofstream out(path);
    out << bundle.dump();
  }
  r = run_tessera({"--database", db, "fhir", "import", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("entry 12"), std::string::npos) << r.out << r.err;
  {
    std::ofstream out(path);
    out << "{ not json";
  }
  r = run_tessera({"--database", db, "fhir", "import", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_rows(db, "select count(*) from resources"), 0);
  fs::remove(path);
}

}  // namespace
}  // namespace tessera::itest
