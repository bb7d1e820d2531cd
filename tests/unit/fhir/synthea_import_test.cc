// Import of the real Synthea R4 bundles in /work/shared/data/synthea (see its README for the
// counts). Skipped when the folder is absent; TESSERA_SYNTHEA_DIR overrides the location.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "fhir/bundle_import.h"
#include "fhir/compartment.h"
#include "fhir/search_params.h"

namespace tessera::fhir {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

fs::path synthea_dir() {
  const char* env = std::getenv("TESSERA_SYNTHEA_DIR");
  return env && *env ? fs::path(env) : fs::path("/work/shared/data/synthea");
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct SyntheaFile {
  const char* name;
  std::size_t entries;
  std::map<std::string, std::size_t> by_type;
};

const SyntheaFile kFiles[] = {
    {"Alphonso102_Kling921_15273325-295b-4725-b09b-37b6a7c40031.json",
     155,
     {{"Patient", 1},
      {"Encounter", 12},
      {"Observation", 77},
      {"DiagnosticReport", 6},
      {"Condition", 7},
      {"Procedure", 7},
      {"MedicationRequest", 6},
      {"Immunization", 8},
      {"AllergyIntolerance", 1},
      {"CarePlan", 4},
      {"Goal", 5},
      {"ImagingStudy", 1},
      {"Claim", 18},
      {"Organization", 1},
      {"Practitioner", 1}}},
    {"Anya973_Howell947_2602ccea-d88f-4f3b-b9e8-846f17de1553.json",
     858,
     {{"Patient", 1},
      {"Encounter", 52},
      {"Observation", 620},
      {"DiagnosticReport", 58},
      {"Condition", 14},
      {"Procedure", 16},
      {"MedicationRequest", 9},
      {"Immunization", 14},
      {"CarePlan", 4},
      {"Goal", 5},
      {"Claim", 61},
      {"Organization", 2},
      {"Practitioner", 2}}},
    {"Charis952_Blanda868_3c1a5ef4-bc86-4361-8c60-806f06955bfc.json",
     23,
     {{"Patient", 1},
      {"Encounter", 1},
      {"Observation", 16},
      {"DiagnosticReport", 1},
      {"Immunization", 1},
      {"Claim", 1},
      {"Organization", 1},
      {"Practitioner", 1}}},
    {"Eva64_Guerra754_7720e345-b776-4c02-80a9-10dfd9cfd0cf.json",
     175,
     {{"Patient", 1},
      {"Encounter", 19},
      {"Observation", 82},
      {"DiagnosticReport", 2},
      {"Condition", 4},
      {"Procedure", 8},
      {"MedicationRequest", 6},
      {"Immunization", 19},
      {"AllergyIntolerance", 2},
      {"CarePlan", 3},
      {"ImagingStudy", 2},
      {"Claim", 25},
      {"Organization", 1},
      {"Practitioner", 1}}},
    {"Kurtis994_Rowe323_dc1975db-ed39-4133-83fe-0d57d652f059.json",
     100,
     {{"Patient", 1},
      {"Encounter", 9},
      {"Observation", 42},
      {"DiagnosticReport", 3},
      {"Condition", 7},
      {"Procedure", 5},
      {"MedicationRequest", 8},
      {"Immunization", 4},
      {"CarePlan", 2},
      {"Claim", 17},
      {"Organization", 1},
      {"Practitioner", 1}}},
    {"hospitalInformation1556547301010.json", 87, {{"Organization", 87}}},
    {"practitionerInformation1556547301010.json", 87, {{"Practitioner", 87}}},
};

class SyntheaImport : public ::testing::TestWithParam<SyntheaFile> {
 protected:
  void SetUp() override {
    path_ = synthea_dir() / GetParam().name;
    if (!fs::exists(path_)) {
      GTEST_SKIP() << "Synthea data not found at " << path_.string()
                   << " (set TESSERA_SYNTHEA_DIR to its folder)";
    }
  }
  fs::path path_;
};

TEST_P(SyntheaImport, ImportsEveryEntryWithReferencesResolved) {
  const SyntheaFile& f = GetParam();
  const std::string content = read_file(path_);
  const json original = json::parse(content);
  int generated = 0;
  auto r = parse_import(content, f.name, [&] {
    ++generated;
    return std::string("unexpected");
  });
  ASSERT_TRUE(r.ok()) << r.error().description;
  EXPECT_EQ(generated, 0);  // every Synthea resource carries its id
  ASSERT_EQ(r->size(), f.entries);

  std::map<std::string, std::size_t> by_type;
  std::string patient_id;
  for (std::size_t i = 0; i < r->size(); ++i) {
    const ImportedResource& res = (*r)[i];
    ++by_type[res.type];
    // Ids are kept: resource.id == the uuid of fullUrl urn:uuid:<id>.
    EXPECT_EQ("urn:uuid:" + res.id, original["entry"][i]["fullUrl"].get<std::string>());
    EXPECT_EQ(res.resource["id"], res.id);
    EXPECT_EQ(res.resource["resourceType"], res.type);
    EXPECT_EQ(res.resource.dump().find("urn:uuid:"), std::string::npos) << res.origin;
    if (res.type == "Patient") patient_id = res.id;
  }
  EXPECT_EQ(by_type, f.by_type);

  // RS-4: every Patient-compartment resource maps to the bundle's one patient.
  std::size_t in_compartment = 0;
  for (const ImportedResource& res : *r) {
    if (!in_patient_compartment_type(res.type)) continue;
    ++in_compartment;
    EXPECT_EQ(compartment_patients(res.resource), std::vector<std::string>{patient_id})
        << res.origin << " " << res.type;
  }
  const std::size_t outside = by_type["Organization"] + by_type["Practitioner"];
  EXPECT_EQ(in_compartment, f.entries - outside);
  if (f.by_type.count("Patient") == 0) {
    EXPECT_EQ(in_compartment, 0u);
  }
}

TEST_P(SyntheaImport, IndexRowsPointAtTheBundlePatient) {
  const SyntheaFile& f = GetParam();
  auto r = parse_import(read_file(path_), f.name, {});
  ASSERT_TRUE(r.ok()) << r.error().description;
  std::string patient_id;
  for (const ImportedResource& res : *r) {
    if (res.type == "Patient") patient_id = res.id;
  }
  for (const ImportedResource& res : *r) {
    std::vector<IndexEntry> rows = extract_index(res.resource);
    ASSERT_FALSE(rows.empty()) << res.origin;  // at least _id
    for (const IndexEntry& e : rows) {
      if (e.param == "patient") {
        EXPECT_EQ(e.value, "Patient/" + patient_id) << res.origin;
      }
      if (e.type == fhir::ParamType::kReference) {
        EXPECT_EQ(e.value.find("urn:"), std::string::npos) << res.origin;
      }
      if (e.type == fhir::ParamType::kDate) {
        EXPECT_LE(e.low, e.high) << res.origin << " " << e.param;
      }
    }
    if (res.type == "Observation") {
      auto has = [&](const char* param) {
        return std::any_of(rows.begin(), rows.end(),
                           [&](const IndexEntry& e) { return e.param == param; });
      };
      EXPECT_TRUE(has("code") && has("date") && has("patient") && has("status")) << res.origin;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllFiles, SyntheaImport, ::testing::ValuesIn(kFiles),
                         [](const ::testing::TestParamInfo<SyntheaFile>& param_info) {
                           std::string n = param_info.param.name;
                           return n.substr(0, n.find_first_of("_1"));
                         });

TEST(SyntheaImportDetails, AlphonsoPatientIndexAndReferences) {
  const fs::path path =
      synthea_dir() / "Alphonso102_Kling921_15273325-295b-4725-b09b-37b6a7c40031.json";
  if (!fs::exists(path)) GTEST_SKIP() << "Synthea data not found at " << path.string();
  auto r = parse_import(read_file(path), path.filename().string(), {});
  ASSERT_TRUE(r.ok()) << r.error().description;
  const ImportedResource& patient = (*r)[0];
  ASSERT_EQ(patient.type, "Patient");
  EXPECT_EQ(patient.id, "bef46923-0605-4a9c-9679-9d9c238f2775");
  auto rows = extract_index(patient.resource);
  auto birth = std::find_if(rows.begin(), rows.end(),
                            [](const IndexEntry& e) { return e.param == "birthdate"; });
  ASSERT_NE(birth, rows.end());
  EXPECT_EQ(birth->low, parse_date_range("1969-02-22")->first);
  EXPECT_EQ(birth->high, parse_date_range("1969-02-22")->second);
  EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [](const IndexEntry& e) {
    return e.param == "family" && e.value == "kling921";
  }));
  // The first Encounter's subject and serviceProvider were urn:uuid references.
  auto first_encounter = std::find_if(
      r->begin(), r->end(), [](const ImportedResource& x) { return x.type == "Encounter"; });
  ASSERT_NE(first_encounter, r->end());
  const ImportedResource& enc = *first_encounter;
  EXPECT_EQ(enc.resource["subject"]["reference"], "Patient/bef46923-0605-4a9c-9679-9d9c238f2775");
  EXPECT_EQ(enc.resource["serviceProvider"]["reference"],
            "Organization/782cbed5-63ed-4a39-b244-6cb9ba85db63");
}

}  // namespace
}  // namespace tessera::fhir
