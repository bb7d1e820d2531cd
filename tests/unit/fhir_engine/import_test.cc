// import_resources / run_import: the demo bundle, re-imports as new versions, the Synthea bundles
// in /work/shared/data/synthea (TESSERA_SYNTHEA_DIR overrides; skipped when absent), and
// all-or-nothing rejection of a broken file.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fhir/resource_types.h"
#include "test_support.h"

namespace tessera::fhir::testing {
namespace {

namespace fs = std::filesystem;

fs::path synthea_dir() {
  const char* env = std::getenv("TESSERA_SYNTHEA_DIR");
  return env && *env ? fs::path(env) : fs::path("/work/shared/data/synthea");
}

const char* const kSyntheaFiles[] = {
    // Provider bundles first, as the data README recommends (the order is not required).
    "hospitalInformation1556547301010.json",
    "practitionerInformation1556547301010.json",
    "Alphonso102_Kling921_15273325-295b-4725-b09b-37b6a7c40031.json",
    "Anya973_Howell947_2602ccea-d88f-4f3b-b9e8-846f17de1553.json",
    "Charis952_Blanda868_3c1a5ef4-bc86-4361-8c60-806f06955bfc.json",
    "Eva64_Guerra754_7720e345-b776-4c02-80a9-10dfd9cfd0cf.json",
    "Kurtis994_Rowe323_dc1975db-ed39-4133-83fe-0d57d652f059.json",
};

class Import : public EngineTest {
 protected:
  bool import_demo() const override { return false; }

  std::map<std::string, std::int64_t> counts_by_type() {
    std::map<std::string, std::int64_t> out;
    auto st = store_->db().prepare("SELECT type, COUNT(*) FROM resources GROUP BY type");
    while (st.step()) out[st.text(0)] = st.int64(1);
    return out;
  }
  void require_synthea() {
    if (!fs::exists(synthea_dir() / kSyntheaFiles[0])) {
      GTEST_SKIP() << "Synthea data not found at " << synthea_dir().string()
                   << " (set TESSERA_SYNTHEA_DIR to its folder)";
    }
  }
  std::vector<std::string> synthea_paths() {
    std::vector<std::string> out;
    for (const char* f : kSyntheaFiles) out.push_back((synthea_dir() / f).string());
    return out;
  }
  fs::path temp_file(const std::string& name, const std::string& content) {
    fs::path p = fs::temp_directory_path() /
                 ("tessera-fhir-engine-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(p, std::ios::binary) << content;
    temp_.push_back(p);
    return p;
  }
  void TearDown() override {
    for (const fs::path& p : temp_) fs::remove(p);
  }
  std::vector<fs::path> temp_;
};

TEST_F(Import, DemoBundleLandsWithIndexAndCompartments) {
  demo::DemoData data = demo::generate();
  auto parsed = parse_import(data.bundle.dump(), "demo", {});
  ASSERT_TRUE(parsed.ok());
  auto n = import_resources(*store_, parsed.value(), clock_);
  ASSERT_TRUE(n.ok()) << n.error().description;
  EXPECT_EQ(n.value(), 680u);
  EXPECT_EQ(count_rows("resources"), 680);
  EXPECT_EQ(count_rows("resource_history"), 680);
  const auto by_type = counts_by_type();
  for (const auto& [type, count] : demo::count_by_type(data.bundle)) {
    EXPECT_EQ(by_type.at(type), static_cast<std::int64_t>(count)) << type;
  }
  auto child = store_->read_resource("Observation", "demo-child-2-obs-0001");
  ASSERT_TRUE(child);
  EXPECT_EQ(child->compartment, std::vector<std::string>{"demo-child-2"});
  EXPECT_EQ(json::parse(child->json)["meta"]["versionId"], "1");
  auto org = store_->read_resource("Organization", "demo-org");
  ASSERT_TRUE(org);
  EXPECT_TRUE(org->compartment.empty());

  // Importing again makes every resource its next version.
  auto again = import_resources(*store_, parsed.value(), clock_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(count_rows("resources"), 680);
  EXPECT_EQ(count_rows("resource_history"), 1360);
  EXPECT_EQ(store_->resource_version("Patient", "demo-solo"), 2);
}

TEST_F(Import, RunImportReportsAndRejectsUnreadableFiles) {
  const fs::path good =
      temp_file("one.json", R"({"resourceType":"Patient","id":"p1","gender":"female"})");
  const fs::path ndjson =
      temp_file("two.ndjson",
                "{\"resourceType\":\"Patient\",\"id\":\"p2\"}\n"
                "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                "\"subject\":{\"reference\":\"Patient/p2\"}}\n");
  std::ostringstream out, err;
  int rc = run_import(*store_, {good.string(), "/nonexistent/file.json", ndjson.string()}, clock_,
                      out, err);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(out.str(), good.string() + ": imported 1 resources (Patient 1)\n" + ndjson.string() +
                           ": imported 2 resources (Patient 1, Observation 1)\n");
  EXPECT_EQ(err.str(), "/nonexistent/file.json: rejected: cannot read the file\n");
  EXPECT_EQ(count_rows("resources"), 3);
  // The generated Observation id is a valid FHIR id and the resource is in p2's compartment.
  auto obs = store_->search_resources({"Observation", store::Filter::always(), {}, 10, 0, true});
  ASSERT_EQ(obs.rows.size(), 1u);
  EXPECT_TRUE(is_valid_id(obs.rows[0].id));
  EXPECT_EQ(store_->read_resource("Observation", obs.rows[0].id)->compartment,
            std::vector<std::string>{"p2"});
}

TEST_F(Import, SyntheaBundlesAllImport) {
  require_synthea();
  std::ostringstream out, err;
  EXPECT_EQ(run_import(*store_, synthea_paths(), clock_, out, err), 0) << err.str();
  EXPECT_EQ(err.str(), "");
  EXPECT_NE(out.str().find("Alphonso102_Kling921_15273325-295b-4725-b09b-37b6a7c40031.json: "
                           "imported 155 resources (Patient 1, Organization 1, Practitioner 1, "
                           "Encounter 12, "),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("hospitalInformation1556547301010.json: imported 87 resources "
                           "(Organization 87)"),
            std::string::npos);
  // Counts from /work/shared/data/README.md; the Organizations and Practitioners repeated in the
  // patient bundles share the provider bundles' ids, so they are new versions, not duplicates.
  const std::map<std::string, std::int64_t> want = {{"Patient", 5},
                                                    {"Encounter", 93},
                                                    {"Observation", 837},
                                                    {"DiagnosticReport", 70},
                                                    {"Condition", 32},
                                                    {"Procedure", 36},
                                                    {"MedicationRequest", 29},
                                                    {"Immunization", 46},
                                                    {"AllergyIntolerance", 3},
                                                    {"CarePlan", 13},
                                                    {"Goal", 10},
                                                    {"ImagingStudy", 3},
                                                    {"Claim", 122},
                                                    {"Organization", 87},
                                                    {"Practitioner", 87}};
  EXPECT_EQ(counts_by_type(), want);
  EXPECT_EQ(count_rows("resources"), 1473);
  EXPECT_EQ(count_rows("resource_history"), 1485);

  // Searchable through the engine, compartment by compartment.
  const std::string alphonso = "bef46923-0605-4a9c-9679-9d9c238f2775";
  Reply r = get("Observation?patient=" + alphonso + "&_summary=count", admin_);
  EXPECT_EQ(r.body["total"], 77);
  TestPolicy mine = patient_policy(alphonso);
  EXPECT_EQ(get("Observation", mine).body["total"], 77);
  EXPECT_EQ(get("Claim", mine).body["total"], 18);
  EXPECT_EQ(get("Patient", mine).body["total"], 1);
  EXPECT_EQ(get("Organization?_summary=count", mine).body["total"], 87);  // not patient data
}

TEST_F(Import, BrokenSyntheaBundleIsRejectedWhole) {
  require_synthea();
  const fs::path src = synthea_dir() / kSyntheaFiles[2];
  std::ifstream in(src, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  json bundle = json::parse(ss.str());
  // Entry 40 refers to a resource that is not in the bundle.
  bundle["entry"][40]["resource"]["subject"] = {{"reference", "urn:uuid:not-in-this-bundle"}};
  const fs::path broken = temp_file("broken.json", bundle.dump());

  std::ostringstream out, err;
  const std::int64_t resources_before = count_rows("resources");
  const std::int64_t index_before = count_rows("search_index");
  EXPECT_EQ(run_import(*store_, {broken.string()}, clock_, out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str().rfind(broken.string() + ": rejected: ", 0), 0u) << err.str();
  EXPECT_NE(err.str().find("entry 40"), std::string::npos) << err.str();
  EXPECT_EQ(count_rows("resources"), resources_before);
  EXPECT_EQ(count_rows("resource_history"), 0);
  EXPECT_EQ(count_rows("search_index"), index_before);
  EXPECT_EQ(count_rows("compartments"), 0);

  // Among good files, the broken one is rejected and the others still import.
  std::ostringstream out2, err2;
  EXPECT_EQ(run_import(*store_, {broken.string(), (synthea_dir() / kSyntheaFiles[4]).string()},
                       clock_, out2, err2),
            1);
  EXPECT_EQ(count_rows("resources"), 23);
}

TEST_F(Import, ImportRollsBackWhenAWriteFails) {
  // Two resources; the second carries a non-object meta (refused by import_resources), so the
  // first must not be kept either.
  std::vector<ImportedResource> list(2);
  list[0].resource = {{"resourceType", "Patient"}, {"id", "a"}};
  list[0].type = "Patient";
  list[0].id = "a";
  list[1].resource = {{"resourceType", "Patient"}, {"id", "b"}, {"meta", "oops"}};
  list[1].type = "Patient";
  list[1].id = "b";
  list[1].origin = "entry 1";
  auto n = import_resources(*store_, list, clock_);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().description.find("entry 1"), std::string::npos);
  EXPECT_EQ(count_rows("resources"), 0);
  EXPECT_EQ(count_rows("resource_history"), 0);
}

}  // namespace
}  // namespace tessera::fhir::testing
