#include "demo/demo_data.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "core/encoding.h"

namespace tessera::demo {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Terminology systems and profiles

constexpr std::string_view kSnomed = "http://snomed.info/sct";
constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
constexpr std::string_view kCvx = "http://hl7.org/fhir/sid/cvx";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kNpi = "http://hl7.org/fhir/sid/us-npi";
constexpr std::string_view kMrnSystem = "urn:oid:2.16.840.1.113883.19.5";  // HL7 example OID
constexpr std::string_view kTho = "http://terminology.hl7.org/CodeSystem/";
constexpr std::string_view kUsCore = "http://hl7.org/fhir/us/core/StructureDefinition/";

std::string tho(std::string_view name) { return std::string(kTho) + std::string(name); }
std::string us_core(std::string_view name) { return std::string(kUsCore) + std::string(name); }

// ---------------------------------------------------------------------------------------------
// splitmix64: tiny, fast, and (unlike std::*_distribution) identical on every standard library.

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi] (the modulo bias is far below anything a demo could notice).
  int range(int lo, int hi) {
    if (hi <= lo) return lo;
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1U;
    return lo + static_cast<int>(next() % span);
  }
  // Approximately standard normal (Irwin-Hall with four terms, rescaled): bounded to about ±3.5,
  // uses only + and *, so it is bit-exact everywhere. The draws are sequenced one per statement
  // (the evaluation order of `a() + b()` is unspecified).
  double normal() {
    double s = uniform();
    s += uniform();
    s += uniform();
    s += uniform();
    return (s - 2.0) * 1.7320508075688772;
  }
  bool chance(double p) { return uniform() < p; }

 private:
  std::uint64_t state_;
};

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

double clamp(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }
double round_to(double v, int decimals) {
  double scale = 1.0;
  for (int i = 0; i < decimals; ++i) scale *= 10.0;
  return std::round(v * scale) / scale;
}
int round_int(double v) { return static_cast<int>(std::lround(v)); }

// ---------------------------------------------------------------------------------------------
// Calendar: days since 1970-01-01 (proleptic Gregorian) and US Eastern local times.

int to_days(int y, unsigned m, unsigned d) {
  namespace c = std::chrono;
  const c::sys_days sd{c::year{y} / c::month{m} / c::day{d}};
  return static_cast<int>(sd.time_since_epoch().count());
}

int parse_date(std::string_view s) {  // "YYYY-MM-DD", trusted compile-time literals only
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  return to_days(num(0, 4), static_cast<unsigned>(num(5, 2)), static_cast<unsigned>(num(8, 2)));
}

std::chrono::year_month_day ymd_of(int days) {
  namespace c = std::chrono;
  return c::year_month_day{c::sys_days{c::days{days}}};
}

std::string format_date(int days) {
  const auto ymd = ymd_of(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// UTC offset of the clinic (US Eastern) on that local date: DST from the second Sunday of March
// to the first Sunday of November. Clinic hours never straddle the 02:00 switch.
int eastern_offset_minutes(int days) {
  namespace c = std::chrono;
  const c::year y = ymd_of(days).year();
  const int dst_start =
      static_cast<int>(c::sys_days{y / c::March / c::Sunday[2]}.time_since_epoch().count());
  const int dst_end =
      static_cast<int>(c::sys_days{y / c::November / c::Sunday[1]}.time_since_epoch().count());
  return (days >= dst_start && days < dst_end) ? -240 : -300;
}

struct When {
  int day = 0;     // local date
  int minute = 0;  // minutes after local midnight, < 24*60
};

When plus_minutes(When w, int minutes) {
  w.minute += minutes;
  while (w.minute >= 24 * 60) {
    w.minute -= 24 * 60;
    ++w.day;
  }
  return w;
}

std::string format_datetime(When w) {
  const int off = eastern_offset_minutes(w.day);
  const int off_abs = off < 0 ? -off : off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:00%c%02d:%02d", format_date(w.day).c_str(),
                w.minute / 60, w.minute % 60, off < 0 ? '-' : '+', off_abs / 60, off_abs % 60);
  return buf;
}

double age_years(int birth_day, int day) { return static_cast<double>(day - birth_day) / 365.25; }

// ---------------------------------------------------------------------------------------------
// JSON helpers

json coding(std::string_view system, std::string_view code, std::string_view display) {
  return json{{"system", system}, {"code", code}, {"display", display}};
}

json concept_of(std::string_view system, std::string_view code, std::string_view display,
                std::string_view text = {}) {
  json c{{"coding", json::array({coding(system, code, display)})}};
  if (!text.empty()) c["text"] = text;
  return c;
}

json ref(std::string_view type, std::string_view id, std::string_view display = {}) {
  json r{{"reference", std::string(type) + "/" + std::string(id)}};
  if (!display.empty()) r["display"] = display;
  return r;
}

json practitioner_ref() { return ref("Practitioner", kPractitionerId, "Dr. Elena Chen, MD"); }
json organization_ref() { return ref("Organization", kOrganizationId, "Tessera Demo Clinic"); }

json ucum(double value, std::string_view unit, std::string_view code) {
  return json{{"value", value}, {"unit", unit}, {"system", kUcum}, {"code", code}};
}
json ucum(int value, std::string_view unit, std::string_view code) {
  return json{{"value", value}, {"unit", unit}, {"system", kUcum}, {"code", code}};
}

json meta(std::string_view profile) {
  json m = json::object();
  if (!profile.empty()) m["profile"] = json::array({profile});
  return m;
}

// Name-based UUID (RFC 9562 version 8 layout over SHA-256) for "<Type>/<id>": stable across seeds.
std::string uuid_for(std::string_view type, std::string_view id) {
  std::string digest = core::sha256("tessera-demo:" + std::string(type) + "/" + std::string(id));
  digest.resize(16);
  digest[6] = static_cast<char>((static_cast<unsigned char>(digest[6]) & 0x0FU) | 0x80U);
  digest[8] = static_cast<char>((static_cast<unsigned char>(digest[8]) & 0x3FU) | 0x80U);
  const std::string hex = core::hex_encode(digest);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

class BundleBuilder {
 public:
  void add(json resource) {
    const std::string type = resource.at("resourceType").get<std::string>();
    const std::string id = resource.at("id").get<std::string>();
    // Mark everything as test data (HL7 v3-ActReason HTEST) so it can never pass for real PHI.
    resource["meta"]["security"] =
        json::array({coding(tho("v3-ActReason"), "HTEST", "test health data")});
    entries_.push_back(json{{"fullUrl", "urn:uuid:" + uuid_for(type, id)},
                            {"resource", std::move(resource)},
                            {"request", {{"method", "PUT"}, {"url", type + "/" + id}}}});
  }
  json finish() && {
    return json{{"resourceType", "Bundle"},
                {"id", "tessera-demo-data"},
                {"type", "transaction"},
                {"entry", std::move(entries_)}};
  }

 private:
  json entries_ = json::array();
};

// ---------------------------------------------------------------------------------------------
// Clinical catalog

struct Coded {
  std::string_view code;
  std::string_view display;
  std::string_view text;
};

// SNOMED CT problems and diagnoses.
constexpr Coded kAsthma{"195967001", "Asthma (disorder)", "Asthma"};
constexpr Coded kAllergicRhinitis{"367498001", "Seasonal allergic rhinitis (disorder)",
                                  "Seasonal allergic rhinitis"};
constexpr Coded kAtopicDermatitis{"24079001", "Atopic dermatitis (disorder)", "Eczema"};
constexpr Coded kHypertension{"38341003", "Hypertensive disorder, systemic arterial (disorder)",
                              "Hypertension"};
constexpr Coded kPrediabetes{"714628002", "Prediabetes (finding)", "Prediabetes"};
constexpr Coded kType2Diabetes{"44054006", "Diabetes mellitus type 2 (disorder)",
                               "Type 2 diabetes mellitus"};
constexpr Coded kHyperlipidemia{"55822004", "Hyperlipidemia (disorder)", "Hyperlipidemia"};
constexpr Coded kHypothyroidism{"40930008", "Hypothyroidism (disorder)", "Hypothyroidism"};
constexpr Coded kKneeOsteoarthritis{"239873007", "Osteoarthritis of knee (disorder)",
                                    "Osteoarthritis of knee"};
constexpr Coded kMigraine{"37796009", "Migraine (disorder)", "Migraine"};
constexpr Coded kObesity{"414916001", "Obesity (disorder)", "Obesity"};
constexpr Coded kAcne{"11381005", "Acne (disorder)", "Acne"};
constexpr Coded kViralPharyngitis{"195662009", "Acute viral pharyngitis (disorder)",
                                  "Acute viral pharyngitis"};
constexpr Coded kViralSinusitis{"444814009", "Viral sinusitis (disorder)", "Viral sinusitis"};
constexpr Coded kOtitisMedia{"65363002", "Otitis media (disorder)", "Ear infection"};
constexpr Coded kUri{"54150009", "Upper respiratory infection (disorder)", "Common cold"};
constexpr Coded kAcuteBronchitis{"10509002", "Acute bronchitis (disorder)", "Acute bronchitis"};
constexpr Coded kAnkleSprain{"44465007", "Sprain of ankle (disorder)", "Sprained ankle"};
constexpr Coded kPeanutAllergyFinding{"91935009", "Allergy to peanut (finding)", "Peanut allergy"};

// RxNorm clinical drugs.
constexpr Coded kCetirizine{"1014678", "cetirizine hydrochloride 10 MG Oral Tablet",
                            "Cetirizine 10 mg tablet"};
constexpr Coded kAlbuterol{"745679", "200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
                           "Albuterol HFA inhaler 90 mcg/puff"};
constexpr Coded kFluticasone{"895994",
                             "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose "
                             "Inhaler",
                             "Fluticasone HFA inhaler 44 mcg/puff"};
constexpr Coded kEpinephrineJr{"727316", "0.3 ML EPINEPHrine 0.5 MG/ML Auto-Injector",
                               "Epinephrine auto-injector 0.15 mg"};
constexpr Coded kHydrocortisone{"106258", "Hydrocortisone 10 MG/ML Topical Cream",
                                "Hydrocortisone 1% cream"};
constexpr Coded kLisinopril{"314076", "lisinopril 10 MG Oral Tablet", "Lisinopril 10 mg tablet"};
constexpr Coded kAmlodipine{"197361", "amlodipine 5 MG Oral Tablet", "Amlodipine 5 mg tablet"};
constexpr Coded kMetformin{"861007", "metformin hydrochloride 500 MG Oral Tablet",
                           "Metformin 500 mg tablet"};
constexpr Coded kAtorvastatin{"617310", "atorvastatin 20 MG Oral Tablet",
                              "Atorvastatin 20 mg tablet"};
constexpr Coded kSimvastatin{"312961", "simvastatin 20 MG Oral Tablet", "Simvastatin 20 mg tablet"};
constexpr Coded kLevothyroxine{"966222", "levothyroxine sodium 0.075 MG Oral Tablet",
                               "Levothyroxine 75 mcg tablet"};
constexpr Coded kAcetaminophen{"313782", "acetaminophen 325 MG Oral Tablet",
                               "Acetaminophen 325 mg tablet"};

// CVX vaccines.
constexpr Coded kHepBPed{"08", "Hep B, adolescent or pediatric", "Hepatitis B (pediatric)"};
constexpr Coded kDtap{"20", "DTaP", "DTaP"};
constexpr Coded kIpv{"10", "IPV", "Polio (IPV)"};
constexpr Coded kHib{"49", "Hib (PRP-OMP)", "Hib"};
constexpr Coded kPcv13{"133", "Pneumococcal conjugate PCV 13", "Pneumococcal conjugate (PCV13)"};
constexpr Coded kPcv15{"215",
                       "Pneumococcal conjugate PCV15, polysaccharide CRM197 conjugate, adjuvant, "
                       "PF",
                       "Pneumococcal conjugate (PCV15)"};
constexpr Coded kPcv20{"216",
                       "Pneumococcal conjugate PCV20, polysaccharide CRM197 conjugate, adjuvant, "
                       "PF",
                       "Pneumococcal conjugate (PCV20)"};
constexpr Coded kRotavirus{"119", "rotavirus, monovalent", "Rotavirus"};
constexpr Coded kMmr{"03", "MMR", "MMR"};
constexpr Coded kVaricella{"21", "varicella", "Chickenpox (varicella)"};
constexpr Coded kHepAPed{"83", "Hep A, ped/adol, 2 dose", "Hepatitis A (pediatric)"};
constexpr Coded kDtapIpv{"130", "DTaP-IPV", "DTaP-IPV"};
constexpr Coded kTdap{"115", "Tdap", "Tdap"};
constexpr Coded kHpv9{"165", "HPV9", "HPV (9-valent)"};
constexpr Coded kMenAcwy{"136", "Meningococcal MCV4O", "Meningococcal ACWY"};
constexpr Coded kFlu{"140", "Influenza, seasonal, injectable, preservative free",
                     "Influenza (flu shot)"};
constexpr Coded kZoster{"187", "zoster vaccine recombinant", "Shingles (recombinant zoster)"};

// SNOMED CT procedures.
constexpr Coded kVenipuncture{"82078001", "Collection of blood specimen for laboratory (procedure)",
                              "Blood draw"};
constexpr Coded kSpirometry{"127783003", "Spirometry (procedure)", "Spirometry"};
constexpr Coded kEcg{"29303009", "Electrocardiographic procedure (procedure)",
                     "Electrocardiogram (ECG)"};
constexpr Coded kMammography{"24623002", "Screening mammography (procedure)",
                             "Screening mammogram"};
constexpr Coded kColonoscopy{"73761001", "Colonoscopy (procedure)", "Screening colonoscopy"};

enum class Sex { kFemale, kMale };
enum class Glycemia { kNormoglycemic, kPrediabetic, kDiabetic };
enum class Smoking { kNever, kFormer };
enum class Allergy { kNoneKnown, kPeanut, kPenicillin };
enum class Route { kOral, kInhaled, kTopical, kIntramuscular, kSubcutaneous };
enum class DoseUnit { kNone, kTablet, kPuff, kMilligram };

struct ProblemSpec {
  Coded code;
  double onset_age = 0;  // years
};

struct AcuteSpec {
  Coded code;
  int duration_days = 10;
  bool febrile = false;
};

struct MedSpec {
  Coded drug;
  std::string_view instructions;
  Route route = Route::kOral;
  double dose = 1;
  DoseUnit unit = DoseUnit::kTablet;
  int frequency = 1;  // timing.repeat: `frequency` times per `period` `period_unit`
  int period = 1;
  std::string_view period_unit = "d";
  bool as_needed = false;
  int problem = -1;                 // index into PatientSpec::problems for reasonReference
  bool for_peanut_allergy = false;  // reasonCode instead (allergies are not Conditions here)
  int refills = 3;
  int supply_days = 90;
};

struct VaccineDose {
  Coded vaccine;
  std::string_view date;  // for adults: absolute date the dose was given (seed jitters it)
};

enum class ProcTiming { kLatestEncounter, kDaysAgo };

struct ProcSpec {
  Coded code;
  ProcTiming timing = ProcTiming::kLatestEncounter;
  int days_ago = 0;
  int problem = -1;
};

struct PatientSpec {
  std::string_view id;
  std::string_view given;
  std::string_view family;
  std::string_view birth_date;
  Sex sex = Sex::kFemale;
  std::string_view mrn;
  std::string_view phone;
  std::string_view address_line;
  std::string_view postal_code = "62704";
  // Adult physiology baselines (ignored below 18 years).
  double bmi = 24.0;
  int systolic = 118;
  int diastolic = 76;
  Glycemia glycemia = Glycemia::kNormoglycemic;
  int total_cholesterol = 180;
  int triglycerides = 110;
  bool thyroid_labs = false;
  Smoking smoking = Smoking::kNever;
  Allergy allergy = Allergy::kNoneKnown;
  std::vector<ProblemSpec> problems{};
  std::vector<AcuteSpec> acute{};  // at most two: placed on the oldest encounters
  std::vector<MedSpec> meds{};
  std::vector<VaccineDose> adult_vaccines{};
  std::vector<ProcSpec> procedures{};
  bool child_schedule = false;  // routine childhood immunizations by age
};

std::vector<PatientSpec> patient_specs() {
  std::vector<PatientSpec> v;
  v.push_back(PatientSpec{
      .id = kParentPatientId,
      .given = "Maria",
      .family = "Alvarez",
      .birth_date = "1988-03-14",
      .sex = Sex::kFemale,
      .mrn = "TDC-100101",
      .phone = "555-0142",
      .address_line = "418 Linden Avenue",
      .bmi = 23.4,
      .systolic = 112,
      .diastolic = 72,
      .total_cholesterol = 182,
      .triglycerides = 95,
      .allergy = Allergy::kPenicillin,
      .problems = {{kAllergicRhinitis, 22.0}},
      .acute = {{kViralPharyngitis, 10, true}},
      .meds = {{.drug = kCetirizine,
                .instructions = "Take 1 tablet (10 mg) by mouth once daily as needed for allergy "
                                "symptoms.",
                .as_needed = true,
                .problem = 0}},
      .adult_vaccines = {{kTdap, "2020-05-20"}},  // given in pregnancy (Sofia born 2020-08)
  });
  v.push_back(PatientSpec{
      .id = kChild1PatientId,
      .given = "Lucas",
      .family = "Alvarez",
      .birth_date = "2016-05-22",
      .sex = Sex::kMale,
      .mrn = "TDC-100102",
      .phone = "555-0142",
      .address_line = "418 Linden Avenue",
      .allergy = Allergy::kPeanut,
      .problems = {{kAsthma, 4.5}},
      .acute = {{kViralSinusitis, 10, false}},
      .meds = {{.drug = kAlbuterol,
                .instructions = "Inhale 2 puffs by mouth every 4 hours as needed for wheezing or "
                                "shortness of breath. Use with spacer.",
                .route = Route::kInhaled,
                .dose = 2,
                .unit = DoseUnit::kPuff,
                .period = 4,
                .period_unit = "h",
                .as_needed = true,
                .problem = 0,
                .refills = 2},
               {.drug = kFluticasone,
                .instructions = "Inhale 1 puff by mouth twice daily. Rinse mouth after each use.",
                .route = Route::kInhaled,
                .dose = 1,
                .unit = DoseUnit::kPuff,
                .frequency = 2,
                .problem = 0,
                .refills = 5,
                .supply_days = 60},
               {.drug = kEpinephrineJr,
                .instructions = "Inject 0.15 mg into the outer thigh once as needed for "
                                "anaphylaxis. Call 911. May repeat once after 5-15 minutes.",
                .route = Route::kIntramuscular,
                .dose = 0.15,
                .unit = DoseUnit::kMilligram,
                .as_needed = true,
                .for_peanut_allergy = true,
                .refills = 1,
                .supply_days = 365}},
      .procedures = {{kSpirometry, ProcTiming::kLatestEncounter, 0, 0}},
      .child_schedule = true,
  });
  v.push_back(PatientSpec{
      .id = kChild2PatientId,
      .given = "Sofia",
      .family = "Alvarez",
      .birth_date = "2020-08-09",
      .sex = Sex::kFemale,
      .mrn = "TDC-100103",
      .phone = "555-0142",
      .address_line = "418 Linden Avenue",
      .problems = {{kAtopicDermatitis, 1.2}},
      .acute = {{kOtitisMedia, 10, true}},
      .meds = {{.drug = kHydrocortisone,
                .instructions = "Apply a thin layer to affected skin twice daily during flares, "
                                "for up to 7 days at a time.",
                .route = Route::kTopical,
                .unit = DoseUnit::kNone,
                .frequency = 2,
                .problem = 0,
                .refills = 2,
                .supply_days = 30}},
      .child_schedule = true,
  });
  v.push_back(PatientSpec{
      .id = kSoloPatientId,
      .given = "James",
      .family = "Okafor",
      .birth_date = "1981-02-03",
      .sex = Sex::kMale,
      .mrn = "TDC-100104",
      .phone = "555-0167",
      .address_line = "77 Carver Street",
      .postal_code = "62702",
      .bmi = 28.6,
      .systolic = 134,
      .diastolic = 86,
      .glycemia = Glycemia::kPrediabetic,
      .total_cholesterol = 212,
      .triglycerides = 165,
      .smoking = Smoking::kFormer,
      .problems = {{kHypertension, 41.5}, {kPrediabetes, 43.8}},
      .acute = {{kAcuteBronchitis, 14, false}},
      .meds = {{.drug = kLisinopril,
                .instructions = "Take 1 tablet (10 mg) by mouth once daily.",
                .problem = 0}},
      .adult_vaccines = {{kTdap, "2021-09-14"}},
      .procedures = {{kEcg, ProcTiming::kLatestEncounter, 0, 0}},
  });
  v.push_back(PatientSpec{
      .id = "demo-p-01",
      .given = "Harold",
      .family = "Whitfield",
      .birth_date = "1949-07-19",
      .sex = Sex::kMale,
      .mrn = "TDC-100105",
      .phone = "555-0113",
      .address_line = "9 Orchard Lane",
      .postal_code = "62711",
      .bmi = 29.4,
      .systolic = 136,
      .diastolic = 80,
      .glycemia = Glycemia::kDiabetic,
      .total_cholesterol = 168,
      .triglycerides = 172,
      .smoking = Smoking::kFormer,
      .problems = {{kHypertension, 57.0}, {kHyperlipidemia, 60.0}, {kType2Diabetes, 63.0}},
      .meds = {{.drug = kLisinopril,
                .instructions = "Take 1 tablet (10 mg) by mouth once daily.",
                .problem = 0},
               {.drug = kAmlodipine,
                .instructions = "Take 1 tablet (5 mg) by mouth once daily.",
                .problem = 0},
               {.drug = kMetformin,
                .instructions = "Take 1 tablet (500 mg) by mouth twice daily with meals.",
                .frequency = 2,
                .problem = 2},
               {.drug = kAtorvastatin,
                .instructions = "Take 1 tablet (20 mg) by mouth once daily.",
                .problem = 1}},
      .adult_vaccines = {{kTdap, "2017-10-03"},
                         {kZoster, "2022-09-12"},
                         {kZoster, "2022-11-21"},
                         {kPcv20, "2024-10-08"}},
      .procedures = {{kEcg, ProcTiming::kLatestEncounter, 0, 0}},
  });
  v.push_back(PatientSpec{
      .id = "demo-p-02",
      .given = "Aisha",
      .family = "Rahman",
      .birth_date = "1995-11-02",
      .sex = Sex::kFemale,
      .mrn = "TDC-100106",
      .phone = "555-0178",
      .address_line = "1200 Monroe Street, Apt 4B",
      .postal_code = "62703",
      .bmi = 21.8,
      .systolic = 108,
      .diastolic = 68,
      .total_cholesterol = 172,
      .triglycerides = 82,
      .problems = {{kAllergicRhinitis, 15.0}, {kMigraine, 22.0}},
      .acute = {{kViralSinusitis, 10, false}},
      .meds = {{.drug = kCetirizine,
                .instructions = "Take 1 tablet (10 mg) by mouth once daily during allergy "
                                "season.",
                .problem = 0}},
      .adult_vaccines = {{kTdap, "2019-03-05"}},
  });
  v.push_back(PatientSpec{
      .id = "demo-p-03",
      .given = "Noah",
      .family = "Kim",
      .birth_date = "2023-04-15",
      .sex = Sex::kMale,
      .mrn = "TDC-100107",
      .phone = "555-0121",
      .address_line = "35 Birch Court",
      .postal_code = "62707",
      .acute = {{kOtitisMedia, 10, true}, {kUri, 7, true}},
      .child_schedule = true,
  });
  v.push_back(PatientSpec{
      .id = "demo-p-04",
      .given = "Grace",
      .family = "Thompson",
      .birth_date = "1962-09-28",
      .sex = Sex::kFemale,
      .mrn = "TDC-100108",
      .phone = "555-0189",
      .address_line = "264 Walnut Street",
      .postal_code = "62704",
      .bmi = 27.2,
      .systolic = 126,
      .diastolic = 78,
      .total_cholesterol = 176,
      .triglycerides = 128,
      .thyroid_labs = true,
      .problems = {{kHypothyroidism, 50.0}, {kHyperlipidemia, 55.0}, {kKneeOsteoarthritis, 58.5}},
      .meds = {{.drug = kLevothyroxine,
                .instructions = "Take 1 tablet (75 mcg) by mouth every morning on an empty "
                                "stomach, 30-60 minutes before breakfast.",
                .problem = 0},
               {.drug = kSimvastatin,
                .instructions = "Take 1 tablet (20 mg) by mouth once daily in the evening.",
                .problem = 1},
               {.drug = kAcetaminophen,
                .instructions = "Take 2 tablets (650 mg) by mouth every 6 hours as needed for "
                                "knee pain. Do not exceed 3,000 mg per day.",
                .dose = 2,
                .period = 6,
                .period_unit = "h",
                .as_needed = true,
                .problem = 2,
                .refills = 1,
                .supply_days = 30}},
      .adult_vaccines = {{kTdap, "2018-06-12"}, {kZoster, "2023-01-10"}, {kZoster, "2023-03-21"}},
      .procedures = {{kMammography, ProcTiming::kDaysAgo, 210, -1}},
  });
  v.push_back(PatientSpec{
      .id = "demo-p-05",
      .given = "Mateo",
      .family = "Rossi",
      .birth_date = "2010-01-11",
      .sex = Sex::kMale,
      .mrn = "TDC-100109",
      .phone = "555-0154",
      .address_line = "5 Sangamon Avenue",
      .postal_code = "62702",
      .problems = {{kAcne, 14.0}},
      .acute = {{kAnkleSprain, 21, false}},
      .child_schedule = true,
  });
  v.push_back(PatientSpec{
      .id = "demo-p-06",
      .given = "Priya",
      .family = "Nair",
      .birth_date = "1976-06-30",
      .sex = Sex::kFemale,
      .mrn = "TDC-100110",
      .phone = "555-0136",
      .address_line = "88 Lakeshore Drive",
      .postal_code = "62712",
      .bmi = 32.8,
      .systolic = 128,
      .diastolic = 82,
      .glycemia = Glycemia::kPrediabetic,
      .total_cholesterol = 205,
      .triglycerides = 178,
      .problems = {{kObesity, 40.0}, {kPrediabetes, 47.5}},
      .acute = {{kViralPharyngitis, 10, true}},
      .adult_vaccines = {{kTdap, "2021-02-17"}, {kZoster, "2026-07-14"}, {kZoster, "2026-09-22"}},
      .procedures = {{kColonoscopy, ProcTiming::kDaysAgo, 330, -1}},
  });
  return v;
}

// ---------------------------------------------------------------------------------------------
// Physiology by age (CDC/WHO 50th percentiles; ages in years). Linear interpolation.

struct AgePoint {
  double age;
  double male;
  double female;
};

constexpr std::array kHeightCm{
    AgePoint{0, 49.9, 49.1},    AgePoint{0.5, 67.6, 65.7},  AgePoint{1, 75.7, 74.0},
    AgePoint{1.5, 82.3, 80.7},  AgePoint{2, 87.1, 85.7},    AgePoint{3, 95.2, 94.1},
    AgePoint{4, 102.3, 101.0},  AgePoint{5, 109.2, 108.0},  AgePoint{6, 115.5, 115.0},
    AgePoint{7, 121.9, 121.0},  AgePoint{8, 128.0, 127.5},  AgePoint{9, 133.3, 133.0},
    AgePoint{10, 138.4, 138.6}, AgePoint{11, 143.5, 144.8}, AgePoint{12, 149.1, 151.2},
    AgePoint{13, 156.2, 156.4}, AgePoint{14, 163.8, 159.6}, AgePoint{15, 170.1, 161.3},
    AgePoint{16, 173.4, 162.4}, AgePoint{17, 175.2, 163.0}, AgePoint{18, 176.1, 163.3},
    AgePoint{20, 176.8, 163.3},
};
constexpr std::array kWeightKg{
    AgePoint{0, 3.3, 3.2},     AgePoint{0.5, 7.9, 7.3},  AgePoint{1, 9.6, 8.9},
    AgePoint{1.5, 10.9, 10.2}, AgePoint{2, 12.2, 11.5},  AgePoint{3, 14.3, 13.9},
    AgePoint{4, 16.3, 15.9},   AgePoint{5, 18.4, 17.9},  AgePoint{6, 20.7, 20.2},
    AgePoint{7, 23.0, 22.8},   AgePoint{8, 25.6, 25.8},  AgePoint{9, 28.6, 29.0},
    AgePoint{10, 31.9, 32.6},  AgePoint{11, 35.6, 36.9}, AgePoint{12, 39.9, 41.5},
    AgePoint{13, 45.3, 45.8},  AgePoint{14, 50.8, 49.4}, AgePoint{15, 56.0, 52.1},
    AgePoint{16, 60.8, 53.9},  AgePoint{17, 64.6, 55.0}, AgePoint{18, 67.2, 56.0},
};
constexpr std::array kHeadCircumferenceCm{
    AgePoint{0, 34.5, 33.9},   AgePoint{0.5, 43.3, 42.2}, AgePoint{1, 46.1, 44.9},
    AgePoint{1.5, 47.4, 46.2}, AgePoint{2, 48.3, 47.2},   AgePoint{3, 49.5, 48.5},
};
constexpr std::array kHeartRate{
    AgePoint{0, 140, 140}, AgePoint{1, 120, 122}, AgePoint{2, 110, 112},
    AgePoint{4, 100, 102}, AgePoint{6, 95, 96},   AgePoint{8, 88, 90},
    AgePoint{10, 84, 86},  AgePoint{14, 76, 80},  AgePoint{18, 70, 74},
};
constexpr std::array kRespRate{
    AgePoint{0, 40, 40}, AgePoint{1, 30, 30},  AgePoint{2, 26, 26},  AgePoint{4, 23, 23},
    AgePoint{6, 21, 21}, AgePoint{10, 19, 19}, AgePoint{14, 17, 17}, AgePoint{18, 15, 15},
};

template <std::size_t N>
double by_age(const std::array<AgePoint, N>& t, double age, Sex sex) {
  auto pick = [sex](const AgePoint& p) { return sex == Sex::kMale ? p.male : p.female; };
  if (age <= t.front().age) return pick(t.front());
  for (std::size_t i = 1; i < N; ++i) {
    if (age <= t[i].age) {
      const double f = (age - t[i - 1].age) / (t[i].age - t[i - 1].age);
      return pick(t[i - 1]) + f * (pick(t[i]) - pick(t[i - 1]));
    }
  }
  return pick(t.back());
}

// ---------------------------------------------------------------------------------------------
// Per-patient generation

enum class VisitKind { kWellness, kFollowUp, kSymptom };

struct Visit {
  std::string id;
  When start;
  When end;
  VisitKind kind = VisitKind::kWellness;
  int acute = -1;    // index into spec.acute
  int problem = -1;  // follow-up reason, index into spec.problems
  bool labs = false;
  double age = 0;
};

struct LabDef {
  std::string_view loinc;
  std::string_view display;
  std::string_view unit;
  std::string_view ucum;
  int decimals;
};

constexpr LabDef kGlucose{"2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", "mg/dL", 0};
constexpr LabDef kHbA1c{"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "%", 1};
constexpr LabDef kCholesterol{"2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL",
                              "mg/dL", 0};
constexpr LabDef kHdl{"2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL",
                      "mg/dL", 0};
constexpr LabDef kTriglycerides{"2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL",
                                "mg/dL", 0};
constexpr LabDef kLdl{"13457-7",
                      "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", "mg/dL",
                      "mg/dL", 0};
constexpr LabDef kHemoglobin{"718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", "g/dL", 1};
constexpr LabDef kLead{"5671-3", "Lead [Mass/volume] in Blood", "ug/dL", "ug/dL", 1};
constexpr LabDef kTsh{"3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "mIU/L", "m[IU]/L",
                      2};

struct RefRange {
  double low = -1;   // < 0: no lower bound
  double high = -1;  // < 0: no upper bound
  std::string_view text;
};

class PatientGenerator {
 public:
  PatientGenerator(const PatientSpec& spec, std::uint64_t seed, BundleBuilder& out)
      : spec_(spec),
        rng_(seed ^ fnv1a(spec.id)),
        out_(out),
        pid_(spec.id),
        birth_(parse_date(spec.birth_date)),
        today_(parse_date(kReferenceDate)) {}

  void run() {
    // Stable per-patient body habitus (seeded).
    height_z_ = clamp(0.8 * rng_.normal(), -1.5, 1.5);
    weight_z_ = clamp(0.5 * height_z_ + 0.7 * rng_.normal(), -1.5, 1.8);
    plan_visits();
    emit_patient();
    emit_conditions();
    emit_encounters();
    emit_allergy();
    for (const Visit& v : visits_) emit_vitals(v);
    for (const Visit& v : visits_) {
      if (v.labs) emit_labs(v);
    }
    emit_smoking_status();
    emit_medications();
    emit_immunizations();
    emit_procedures();
  }

 private:
  std::string next_id(std::string_view kind, int& counter) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", ++counter);
    return pid_ + "-" + std::string(kind) + "-" + buf;
  }
  bool male() const { return spec_.sex == Sex::kMale; }
  bool adult_at(double age) const { return age >= 18.0; }
  json subject() const { return ref("Patient", pid_); }
  const Visit& latest() const { return visits_.back(); }

  // --- planning -------------------------------------------------------------------------------

  void plan_visits() {
    const int n = rng_.range(3, 6);
    const int available = std::min(3 * 365, today_ - birth_ - 30);
    const int latest_gap = rng_.range(3, 45);
    const int spacing_max = std::max(30, std::min(300, (available - latest_gap) / (n - 1)));
    const int spacing_min = std::min(60, spacing_max);
    std::vector<int> days(static_cast<std::size_t>(n));
    days.back() = today_ - latest_gap;
    for (int i = n - 2; i >= 0; --i) {
      days[static_cast<std::size_t>(i)] =
          days[static_cast<std::size_t>(i) + 1] - rng_.range(spacing_min, spacing_max);
    }
    for (int i = 0; i < n; ++i) {
      Visit v;
      v.id = next_id("enc", enc_n_);
      v.start = When{days[static_cast<std::size_t>(i)], 8 * 60 + 20 * rng_.range(0, 23)};
      v.end = plus_minutes(v.start, 30 + 5 * rng_.range(0, 4));
      v.age = age_years(birth_, v.start.day);
      visits_.push_back(v);
    }
    // Chronic problem onsets (seeded), needed before follow-ups can cite them.
    for (const ProblemSpec& ps : spec_.problems) {
      problem_onset_.push_back(std::min(
          birth_ + static_cast<int>(ps.onset_age * 365.25) + rng_.range(-30, 30), today_ - 200));
    }
    // Acute problems go to the oldest visits (never the latest, which is the annual exam), so
    // they have resolved by the reference date.
    for (std::size_t a = 0; a < spec_.acute.size() && a + 1 < visits_.size(); ++a) {
      visits_[a].kind = VisitKind::kSymptom;
      visits_[a].acute = static_cast<int>(a);
    }
    int last_wellness = today_ + 1000;
    int rotate = 0;
    for (std::size_t i = visits_.size(); i-- > 0;) {
      Visit& v = visits_[i];
      if (v.kind == VisitKind::kSymptom) continue;
      // A follow-up cites a problem already diagnosed by then (rotating between them).
      int problem = -1;
      for (std::size_t k = 0; k < spec_.problems.size() && problem < 0; ++k) {
        const auto p = (static_cast<std::size_t>(rotate) + k) % spec_.problems.size();
        if (problem_onset_[p] < v.start.day) problem = static_cast<int>(p);
      }
      if (i + 1 == visits_.size() || last_wellness - v.start.day >= 330 || problem < 0) {
        v.kind = VisitKind::kWellness;
        last_wellness = v.start.day;
      } else {
        v.kind = VisitKind::kFollowUp;
        v.problem = problem;
        rotate = problem + 1;
      }
    }
    // Labs at the latest visit; adults also at the oldest non-acute visit at least 8 months
    // earlier (gives a trend); diabetics at every follow-up (A1c).
    visits_.back().labs = true;
    if (adult_at(visits_.back().age)) {
      // Prefer an earlier annual exam; fall back to the oldest follow-up.
      Visit* earlier = nullptr;
      for (Visit& v : visits_) {
        if (v.kind == VisitKind::kSymptom || visits_.back().start.day - v.start.day < 240) continue;
        if (earlier == nullptr ||
            (v.kind == VisitKind::kWellness && earlier->kind != VisitKind::kWellness)) {
          earlier = &v;
        }
      }
      if (earlier != nullptr) earlier->labs = true;
      if (spec_.glycemia == Glycemia::kDiabetic) {
        for (Visit& v : visits_) {
          if (v.kind == VisitKind::kFollowUp) v.labs = true;
        }
      }
    }
    // Condition ids: chronic problems first, then one per acute visit.
    for (std::size_t p = 0; p < spec_.problems.size(); ++p) {
      problem_ids_.push_back(next_id("cond", cond_n_));
    }
    for (Visit& v : visits_) {
      if (v.kind == VisitKind::kSymptom) acute_ids_.push_back(next_id("cond", cond_n_));
    }
  }

  // --- demographics ---------------------------------------------------------------------------

  json address() const {
    return json::array({json{{"use", "home"},
                             {"line", json::array({spec_.address_line})},
                             {"city", "Springfield"},
                             {"state", "IL"},
                             {"postalCode", spec_.postal_code},
                             {"country", "US"}}});
  }

  void emit_patient() {
    const bool child = age_years(birth_, today_) < 18.0;
    json p{{"resourceType", "Patient"},
           {"id", pid_},
           {"meta", meta(us_core("us-core-patient"))},
           {"identifier",
            json::array({json{{"use", "usual"},
                              {"type", concept_of(tho("v2-0203"), "MR", "Medical Record Number",
                                                  "Medical Record Number")},
                              {"system", kMrnSystem},
                              {"value", spec_.mrn}}})},
           {"active", true},
           {"name", json::array({json{{"use", "official"},
                                      {"family", spec_.family},
                                      {"given", json::array({spec_.given})}}})},
           {"telecom",
            json::array({json{
                {"system", "phone"}, {"value", spec_.phone}, {"use", child ? "home" : "mobile"}}})},
           {"gender", male() ? "male" : "female"},
           {"birthDate", spec_.birth_date},
           {"address", address()},
           {"communication",
            json::array({json{{"language", concept_of("urn:ietf:bcp:47", "en-US",
                                                      "English (United States)", "English")},
                              {"preferred", true}}})},
           {"generalPractitioner", json::array({practitioner_ref()})},
           {"managingOrganization", organization_ref()}};
    if (spec_.family == "Alvarez" && child) {
      // The children list their mother as contact (she is also RelatedPerson, see below).
      p["contact"] = json::array({json{
          {"relationship",
           json::array({concept_of(tho("v2-0131"), "N", "Next-of-Kin"),
                        concept_of(tho("v3-RoleCode"), "MTH", "mother", "Mother")})},
          {"name",
           json{{"use", "official"}, {"family", "Alvarez"}, {"given", json::array({"Maria"})}}},
          {"telecom",
           json::array({json{{"system", "phone"}, {"value", "555-0142"}, {"use", "mobile"}}})},
          {"gender", "female"}}});
    }
    if (pid_ == kParentPatientId) {
      // Maria is also the RelatedPerson (mother) of each child.
      p["link"] = json::array({json{{"other", ref("RelatedPerson", kParentAsChild1RelatedPersonId)},
                                    {"type", "seealso"}},
                               json{{"other", ref("RelatedPerson", kParentAsChild2RelatedPersonId)},
                                    {"type", "seealso"}}});
    }
    out_.add(std::move(p));
  }

  // --- problems -------------------------------------------------------------------------------

  json condition_base(std::string_view id, const Coded& code, bool problem_list) const {
    json c{
        {"resourceType", "Condition"},
        {"id", id},
        {"meta", meta(us_core(problem_list ? "us-core-condition-problems-health-concerns"
                                           : "us-core-condition-encounter-diagnosis"))},
        {"verificationStatus", concept_of(tho("condition-ver-status"), "confirmed", "Confirmed")},
        {"category",
         json::array({problem_list ? concept_of(tho("condition-category"), "problem-list-item",
                                                "Problem List Item")
                                   : concept_of(tho("condition-category"), "encounter-diagnosis",
                                                "Encounter Diagnosis")})},
        {"code", concept_of(kSnomed, code.code, code.display, code.text)},
        {"subject", subject()},
        {"recorder", practitioner_ref()},
        {"asserter", practitioner_ref()}};
    return c;
  }

  void emit_conditions() {
    for (std::size_t p = 0; p < spec_.problems.size(); ++p) {
      const ProblemSpec& ps = spec_.problems[p];
      const int onset = problem_onset_[p];
      json c = condition_base(problem_ids_[p], ps.code, true);
      c["clinicalStatus"] = concept_of(tho("condition-clinical"), "active", "Active");
      c["onsetDateTime"] = format_date(onset);
      c["recordedDate"] = format_date(std::min(onset + rng_.range(0, 21), today_ - 180));
      out_.add(std::move(c));
    }
    std::size_t k = 0;
    for (const Visit& v : visits_) {
      if (v.kind != VisitKind::kSymptom) continue;
      const AcuteSpec& as = spec_.acute[static_cast<std::size_t>(v.acute)];
      json c = condition_base(acute_ids_[k++], as.code, false);
      const int abated = std::min(v.start.day + as.duration_days + rng_.range(0, 5), today_ - 1);
      c["clinicalStatus"] = concept_of(tho("condition-clinical"), "resolved", "Resolved");
      c["encounter"] = ref("Encounter", v.id);
      c["onsetDateTime"] = format_date(std::max(birth_, v.start.day - rng_.range(1, 4)));
      c["abatementDateTime"] = format_date(abated);
      c["recordedDate"] = format_datetime(plus_minutes(v.start, 15));
      out_.add(std::move(c));
    }
  }

  std::string acute_condition_id(const Visit& v) const {
    std::size_t k = 0;
    for (const Visit& w : visits_) {
      if (w.kind != VisitKind::kSymptom) continue;
      if (w.id == v.id) return acute_ids_[k];
      ++k;
    }
    return {};
  }

  // --- encounters -----------------------------------------------------------------------------

  void emit_encounters() {
    for (const Visit& v : visits_) {
      json type;
      if (v.kind == VisitKind::kWellness) {
        type = adult_at(v.age) ? concept_of(kSnomed, "185349003",
                                            "Encounter for check up (procedure)", "Annual physical")
                               : concept_of(kSnomed, "410620009", "Well child visit (procedure)",
                                            "Well-child visit");
      } else if (v.kind == VisitKind::kFollowUp) {
        type =
            concept_of(kSnomed, "390906007", "Follow-up encounter (procedure)", "Follow-up visit");
      } else {
        type = concept_of(kSnomed, "185345009", "Encounter for symptom (procedure)", "Sick visit");
      }
      json e{
          {"resourceType", "Encounter"},
          {"id", v.id},
          {"meta", meta(us_core("us-core-encounter"))},
          {"identifier",
           json::array(
               {json{{"system", "urn:oid:2.16.840.1.113883.19.5.1"},  // visit numbers
                     {"value", std::string(spec_.mrn) + "-V" + v.id.substr(v.id.size() - 4)}}})},
          {"status", "finished"},
          {"class", coding(tho("v3-ActCode"), "AMB", "ambulatory")},
          {"type", json::array({type})},
          {"subject", subject()},
          {"participant",
           json::array({json{
               {"type", json::array({concept_of(tho("v3-ParticipationType"), "PPRF",
                                                "primary performer")})},
               {"period", {{"start", format_datetime(v.start)}, {"end", format_datetime(v.end)}}},
               {"individual", practitioner_ref()}}})},
          {"period", {{"start", format_datetime(v.start)}, {"end", format_datetime(v.end)}}},
          {"location",
           json::array({json{{"location", ref("Location", kLocationId, "Tessera Demo Clinic")}}})},
          {"serviceProvider", organization_ref()}};
      if (v.kind == VisitKind::kSymptom) {
        const AcuteSpec& as = spec_.acute[static_cast<std::size_t>(v.acute)];
        const std::string cid = acute_condition_id(v);
        e["reasonCode"] =
            json::array({concept_of(kSnomed, as.code.code, as.code.display, as.code.text)});
        e["diagnosis"] =
            json::array({json{{"condition", ref("Condition", cid)},
                              {"use", concept_of(tho("diagnosis-role"), "billing", "Billing")},
                              {"rank", 1}}});
      } else if (v.kind == VisitKind::kFollowUp) {
        const auto p = static_cast<std::size_t>(v.problem);
        e["reasonReference"] = json::array({ref("Condition", problem_ids_[p])});
        e["reasonCode"] =
            json::array({concept_of(kSnomed, spec_.problems[p].code.code,
                                    spec_.problems[p].code.display, spec_.problems[p].code.text)});
      }
      out_.add(std::move(e));
    }
  }

  // --- allergies ------------------------------------------------------------------------------

  void emit_allergy() {
    json a{{"resourceType", "AllergyIntolerance"},
           {"id", next_id("allergy", allergy_n_)},
           {"meta", meta(us_core("us-core-allergyintolerance"))},
           {"clinicalStatus", concept_of(tho("allergyintolerance-clinical"), "active", "Active")},
           {"verificationStatus",
            concept_of(tho("allergyintolerance-verification"), "confirmed", "Confirmed")},
           {"patient", subject()},
           {"recorder", practitioner_ref()}};
    const int recorded = visits_.front().start.day;
    if (spec_.allergy == Allergy::kNoneKnown) {
      a["code"] =
          concept_of(kSnomed, "716186003", "No known allergy (situation)", "No known allergies");
      a["recordedDate"] = format_date(recorded);
    } else if (spec_.allergy == Allergy::kPeanut) {
      a["type"] = "allergy";
      a["category"] = json::array({"food"});
      a["criticality"] = "high";
      a["code"] = concept_of(kSnomed, "762952008", "Peanut (substance)", "Peanut");
      const int onset = birth_ + 730 + rng_.range(0, 120);  // toddler, first exposure
      a["onsetDateTime"] = format_date(onset);
      a["recordedDate"] = format_date(onset + rng_.range(2, 14));
      a["reaction"] = json::array({json{
          {"substance", concept_of(kSnomed, "762952008", "Peanut (substance)", "Peanut")},
          {"manifestation",
           json::array({concept_of(kSnomed, "39579001", "Anaphylaxis (disorder)", "Anaphylaxis"),
                        concept_of(kSnomed, "126485001", "Urticaria (disorder)", "Hives")})},
          {"severity", "severe"},
          {"onset", format_date(onset)}}});
      a["note"] = json::array(
          {json{{"text", "Carries epinephrine auto-injector; school action plan on file."}}});
    } else {
      a["type"] = "allergy";
      a["category"] = json::array({"medication"});
      a["criticality"] = "low";
      a["code"] = concept_of(kSnomed, "764146007", "Penicillin (substance)", "Penicillin");
      const int onset = birth_ + 21 * 365 + rng_.range(0, 300);
      a["onsetDateTime"] = format_date(onset);
      a["recordedDate"] = format_date(onset + rng_.range(1, 30));
      a["reaction"] = json::array(
          {json{{"manifestation",
                 json::array({concept_of(kSnomed, "126485001", "Urticaria (disorder)", "Hives")})},
                {"severity", "moderate"}}});
    }
    out_.add(std::move(a));
  }

  // --- observations ---------------------------------------------------------------------------

  json observation(std::string_view profile, std::string_view category,
                   std::string_view category_display, std::string_view loinc,
                   std::string_view display, std::string_view text, When when, const Visit& v) {
    return json{
        {"resourceType", "Observation"},
        {"id", next_id("obs", obs_n_)},
        {"meta", meta(profile)},
        {"status", "final"},
        {"category",
         json::array({concept_of(tho("observation-category"), category, category_display)})},
        {"code", concept_of(kLoinc, loinc, display, text)},
        {"subject", subject()},
        {"encounter", ref("Encounter", v.id)},
        {"effectiveDateTime", format_datetime(when)},
        {"performer", json::array({practitioner_ref()})}};
  }

  json vital(std::string_view profile, std::string_view loinc, std::string_view display,
             std::string_view text, const Visit& v) {
    return observation(us_core(profile), "vital-signs", "Vital Signs", loinc, display, text,
                       plus_minutes(v.start, 5), v);
  }

  void emit_vitals(const Visit& v) {
    const double age = v.age;
    const bool febrile =
        v.kind == VisitKind::kSymptom && spec_.acute[static_cast<std::size_t>(v.acute)].febrile;
    const bool adult = adult_at(age);

    // Height and weight.
    const double adult_height = by_age(kHeightCm, 20.0, spec_.sex) * (1.0 + 0.035 * height_z_);
    const double height = round_to(
        adult ? adult_height + 0.3 * rng_.normal()
              : by_age(kHeightCm, age, spec_.sex) * (1.0 + 0.035 * height_z_) + 0.3 * rng_.normal(),
        1);
    double weight = 0;
    if (adult) {
      const double bmi_now = spec_.bmi + 0.45 * rng_.normal();
      weight = bmi_now * (height / 100.0) * (height / 100.0);
    } else {
      weight = by_age(kWeightKg, age, spec_.sex) * (1.0 + 0.10 * weight_z_) + 0.2 * rng_.normal();
    }
    weight = round_to(weight, 1);

    const double temp = round_to(febrile ? clamp(38.1 + 0.35 * rng_.normal(), 37.6, 39.4)
                                         : clamp(36.8 + 0.2 * rng_.normal(), 36.1, 37.3),
                                 1);
    const int hr = round_int(
        clamp(by_age(kHeartRate, age, spec_.sex) + 6.0 * rng_.normal() + (febrile ? 12.0 : 0.0), 50,
              185));
    const int rr = round_int(clamp(
        by_age(kRespRate, age, spec_.sex) + 1.5 * rng_.normal() + (febrile ? 2.0 : 0.0), 10, 60));

    json t = vital("us-core-body-temperature", "8310-5", "Body temperature", "Temperature", v);
    t["valueQuantity"] = ucum(temp, "C", "Cel");
    out_.add(std::move(t));

    json h = vital("us-core-heart-rate", "8867-4", "Heart rate", "Pulse", v);
    h["valueQuantity"] = ucum(hr, "beats/minute", "/min");
    out_.add(std::move(h));

    json r = vital("us-core-respiratory-rate", "9279-1", "Respiratory rate", "Respiratory rate", v);
    r["valueQuantity"] = ucum(rr, "breaths/minute", "/min");
    out_.add(std::move(r));

    if (age >= 3.0) {  // routine blood pressure from age 3 (AAP 2017)
      int sys = 0;
      int dia = 0;
      if (adult) {
        sys = round_int(spec_.systolic + 6.0 * rng_.normal());
        dia = round_int(spec_.diastolic + 4.0 * rng_.normal());
      } else {
        sys = round_int(90.0 + 1.5 * age + 5.0 * rng_.normal());
        dia = round_int(52.0 + 1.0 * age + 4.0 * rng_.normal());
      }
      dia = std::min(dia, sys - 25);
      json bp = vital("us-core-blood-pressure", "85354-9",
                      "Blood pressure panel with all children optional", "Blood pressure", v);
      bp["component"] =
          json::array({json{{"code", concept_of(kLoinc, "8480-6", "Systolic blood pressure")},
                            {"valueQuantity", ucum(sys, "mmHg", "mm[Hg]")}},
                       json{{"code", concept_of(kLoinc, "8462-4", "Diastolic blood pressure")},
                            {"valueQuantity", ucum(dia, "mmHg", "mm[Hg]")}}});
      out_.add(std::move(bp));
    }

    json w = vital("us-core-body-weight", "29463-7", "Body weight", "Weight", v);
    w["valueQuantity"] = ucum(weight, "kg", "kg");
    out_.add(std::move(w));

    json ht = vital("us-core-body-height", "8302-2", "Body height", "Height", v);
    ht["valueQuantity"] = ucum(height, "cm", "cm");
    out_.add(std::move(ht));

    if (adult) {
      const double bmi = round_to(weight / ((height / 100.0) * (height / 100.0)), 1);
      json b = vital("us-core-bmi", "39156-5", "Body mass index (BMI) [Ratio]", "BMI", v);
      b["valueQuantity"] = ucum(bmi, "kg/m2", "kg/m2");
      out_.add(std::move(b));
    }
    if (age < 3.0) {
      const double head =
          round_to(by_age(kHeadCircumferenceCm, age, spec_.sex) * (1.0 + 0.03 * height_z_), 1);
      json hc = vital("us-core-head-circumference", "9843-4",
                      "Head Occipital-frontal circumference", "Head circumference", v);
      hc["valueQuantity"] = ucum(head, "cm", "cm");
      out_.add(std::move(hc));
    }
  }

  RefRange reference_range(const LabDef& def, double age) const {
    const std::string_view c = def.loinc;
    if (c == kGlucose.loinc) return {70, 99, "70-99 mg/dL (fasting)"};
    if (c == kHbA1c.loinc) return {4.0, 5.6, "4.0-5.6 %"};
    if (c == kCholesterol.loinc) {
      return age < 18 ? RefRange{-1, 169, "<170 mg/dL"} : RefRange{-1, 199, "<200 mg/dL"};
    }
    if (c == kHdl.loinc)
      return male() ? RefRange{40, -1, ">40 mg/dL"} : RefRange{50, -1, ">50 mg/dL"};
    if (c == kTriglycerides.loinc) return {-1, 149, "<150 mg/dL"};
    if (c == kLdl.loinc) return {-1, 99, "<100 mg/dL"};
    if (c == kLead.loinc) return {-1, 3.4, "<3.5 ug/dL"};
    if (c == kTsh.loinc) return {0.45, 4.5, "0.45-4.50 mIU/L"};
    // Hemoglobin.
    if (age < 2) return {10.5, 13.5, "10.5-13.5 g/dL"};
    if (age < 6) return {11.0, 14.0, "11.0-14.0 g/dL"};
    if (age < 12) return {11.5, 15.5, "11.5-15.5 g/dL"};
    if (age < 18)
      return male() ? RefRange{13.0, 16.0, "13.0-16.0 g/dL"}
                    : RefRange{12.0, 16.0, "12.0-16.0 g/dL"};
    return male() ? RefRange{13.5, 17.5, "13.5-17.5 g/dL"} : RefRange{12.0, 15.5, "12.0-15.5 g/dL"};
  }

  std::string lab(const LabDef& def, double value, const Visit& v, When drawn) {
    const RefRange rr = reference_range(def, v.age);
    json o = observation(us_core("us-core-observation-lab"), "laboratory", "Laboratory", def.loinc,
                         def.display, {}, drawn, v);
    o["issued"] = format_datetime(When{drawn.day + 1, 10 * 60});
    o["valueQuantity"] = def.decimals == 0
                             ? ucum(round_int(value), def.unit, def.ucum)
                             : ucum(round_to(value, def.decimals), def.unit, def.ucum);
    auto bound = [&def](double x) {
      return def.decimals == 0 ? ucum(round_int(x), def.unit, def.ucum)
                               : ucum(x, def.unit, def.ucum);
    };
    json range{{"text", rr.text}};
    if (rr.low >= 0) range["low"] = bound(rr.low);
    if (rr.high >= 0) range["high"] = bound(rr.high);
    o["referenceRange"] = json::array({range});
    const double shown = round_to(value, def.decimals);
    const char* code = "N";
    const char* display = "Normal";
    if (rr.low >= 0 && shown < rr.low) {
      code = "L";
      display = "Low";
    } else if (rr.high >= 0 && shown > rr.high) {
      code = "H";
      display = "High";
    }
    o["interpretation"] =
        json::array({concept_of(tho("v3-ObservationInterpretation"), code, display)});
    std::string id = o["id"].get<std::string>();
    out_.add(std::move(o));
    return id;
  }

  void emit_labs(const Visit& v) {
    const When drawn = plus_minutes(v.start, 25);
    const double age = v.age;
    const bool adult = adult_at(age);
    const bool diabetic_follow_up =
        spec_.glycemia == Glycemia::kDiabetic && v.kind == VisitKind::kFollowUp;

    auto glucose = [&] {
      double g = 0;
      if (!adult) {
        g = clamp(88 + 8 * rng_.normal(), 70, 110);
      } else if (spec_.glycemia == Glycemia::kNormoglycemic) {
        g = clamp(88 + 7 * rng_.normal(), 72, 99);
      } else if (spec_.glycemia == Glycemia::kPrediabetic) {
        g = clamp(108 + 6 * rng_.normal(), 100, 125);
      } else {
        g = clamp(142 + 18 * rng_.normal(), 110, 220);
      }
      lab(kGlucose, g, v, drawn);
    };
    auto a1c = [&] {
      double x = 0;
      if (spec_.glycemia == Glycemia::kNormoglycemic) {
        x = clamp(5.2 + 0.2 * rng_.normal(), 4.6, 5.6);
      } else if (spec_.glycemia == Glycemia::kPrediabetic) {
        x = clamp(5.9 + 0.2 * rng_.normal(), 5.7, 6.4);
      } else {
        x = clamp(7.1 + 0.4 * rng_.normal(), 6.5, 8.6);
      }
      lab(kHbA1c, x, v, drawn);
    };
    auto hemoglobin = [&] {
      double mean = 0;
      if (age < 2) {
        mean = 12.0;
      } else if (age < 6) {
        mean = 12.5;
      } else if (age < 12) {
        mean = 13.1;
      } else if (age < 18) {
        mean = male() ? 14.6 : 13.3;
      } else {
        mean = male() ? 15.0 : 13.5;
      }
      lab(kHemoglobin, clamp(mean + 0.6 * rng_.normal(), mean - 1.5, mean + 1.5), v, drawn);
    };

    if (diabetic_follow_up) {
      glucose();
      a1c();
    } else if (!adult) {
      hemoglobin();
      if (age < 6) lab(kLead, clamp(1.2 + 0.5 * rng_.normal(), 0.5, 3.2), v, drawn);
      if (age >= 9 && age < 12) {  // universal lipid screening at 9-11 years (NHLBI)
        lab(kCholesterol, clamp(158 + 14 * rng_.normal(), 120, 199), v, drawn);
      }
      if (age >= 12) glucose();
    } else {
      glucose();
      if (age >= 35 || spec_.glycemia != Glycemia::kNormoglycemic) a1c();
      hemoglobin();
      if (spec_.thyroid_labs) lab(kTsh, clamp(2.1 + 0.7 * rng_.normal(), 0.6, 4.2), v, drawn);
      // Lipid panel with a Friedewald LDL, reported together.
      const int tc = round_int(clamp(spec_.total_cholesterol + 12 * rng_.normal(), 120, 300));
      const int hdl = round_int(clamp((male() ? 47 : 58) + 6 * rng_.normal(), 30, 90));
      const int tg = round_int(clamp(spec_.triglycerides + 20 * rng_.normal(), 50, 400));
      const int ldl = std::max(40, tc - hdl - round_int(tg / 5.0));
      std::vector<std::string> results;
      results.push_back(lab(kCholesterol, tc, v, drawn));
      results.push_back(lab(kTriglycerides, tg, v, drawn));
      results.push_back(lab(kHdl, hdl, v, drawn));
      results.push_back(lab(kLdl, ldl, v, drawn));
      json result_refs = json::array();
      for (const std::string& id : results) result_refs.push_back(ref("Observation", id));
      out_.add(json{{"resourceType", "DiagnosticReport"},
                    {"id", next_id("dr", dr_n_)},
                    {"meta", meta(us_core("us-core-diagnosticreport-lab"))},
                    {"status", "final"},
                    {"category", json::array({concept_of(tho("v2-0074"), "LAB", "Laboratory")})},
                    {"code", concept_of(kLoinc, "24331-1", "Lipid 1996 panel - Serum or Plasma",
                                        "Lipid panel")},
                    {"subject", subject()},
                    {"encounter", ref("Encounter", v.id)},
                    {"effectiveDateTime", format_datetime(drawn)},
                    {"issued", format_datetime(When{drawn.day + 1, 10 * 60})},
                    {"performer", json::array({organization_ref()})},
                    {"resultsInterpreter", json::array({practitioner_ref()})},
                    {"result", std::move(result_refs)}});
    }
    emit_procedure(kVenipuncture, drawn, &v, -1);
  }

  void emit_smoking_status() {
    const Visit& v = latest();
    if (!adult_at(v.age)) return;
    json o =
        observation(us_core("us-core-smokingstatus"), "social-history", "Social History", "72166-2",
                    "Tobacco smoking status", "Smoking status", plus_minutes(v.start, 8), v);
    o["valueCodeableConcept"] =
        spec_.smoking == Smoking::kNever
            ? concept_of(kSnomed, "266919005", "Never smoked tobacco (finding)", "Never smoker")
            : concept_of(kSnomed, "8517006", "Ex-smoker (finding)", "Former smoker");
    out_.add(std::move(o));
  }

  // --- medications ----------------------------------------------------------------------------

  static json route_concept(Route r) {
    switch (r) {
      case Route::kOral:
        return concept_of(kSnomed, "26643006", "Oral route (qualifier value)", "By mouth");
      case Route::kInhaled:
        return concept_of(kSnomed, "447694001", "Respiratory tract route (qualifier value)",
                          "Inhaled");
      case Route::kTopical:
        return concept_of(kSnomed, "6064005", "Topical route (qualifier value)", "On the skin");
      case Route::kIntramuscular:
        return concept_of(kSnomed, "78421000", "Intramuscular route (qualifier value)",
                          "Into the muscle");
      case Route::kSubcutaneous:
        return concept_of(kSnomed, "34206005", "Subcutaneous route (qualifier value)",
                          "Under the skin");
    }
    return json::object();
  }

  void emit_medications() {
    const Visit& v = latest();
    for (const MedSpec& m : spec_.meds) {
      json dosage{
          {"sequence", 1},
          {"text", m.instructions},
          {"timing",
           {{"repeat",
             {{"frequency", m.frequency}, {"period", m.period}, {"periodUnit", m.period_unit}}}}},
          {"asNeededBoolean", m.as_needed},
          {"route", route_concept(m.route)}};
      if (m.unit != DoseUnit::kNone) {
        json q;
        const bool whole = m.dose == std::floor(m.dose);
        if (m.unit == DoseUnit::kTablet) {
          q = ucum(static_cast<int>(m.dose), "tablet", "{tbl}");
        } else if (m.unit == DoseUnit::kPuff) {
          q = ucum(static_cast<int>(m.dose), "puff", "{puff}");
        } else {
          q = whole ? ucum(static_cast<int>(m.dose), "mg", "mg") : ucum(m.dose, "mg", "mg");
        }
        dosage["doseAndRate"] = json::array({json{{"doseQuantity", q}}});
      }
      json mr{
          {"resourceType", "MedicationRequest"},
          {"id", next_id("med", med_n_)},
          {"meta", meta(us_core("us-core-medicationrequest"))},
          {"status", "active"},
          {"intent", "order"},
          {"category",
           json::array({concept_of(tho("medicationrequest-category"), "community", "Community")})},
          {"reportedBoolean", false},
          {"medicationCodeableConcept",
           concept_of(kRxNorm, m.drug.code, m.drug.display, m.drug.text)},
          {"subject", subject()},
          {"encounter", ref("Encounter", v.id)},
          {"authoredOn", format_datetime(plus_minutes(v.start, 18))},
          {"requester", practitioner_ref()},
          {"dosageInstruction", json::array({dosage})},
          {"dispenseRequest",
           {{"numberOfRepeatsAllowed", m.refills},
            {"expectedSupplyDuration", ucum(m.supply_days, "days", "d")}}}};
      if (m.problem >= 0) {
        mr["reasonReference"] =
            json::array({ref("Condition", problem_ids_[static_cast<std::size_t>(m.problem)])});
      } else if (m.for_peanut_allergy) {
        mr["reasonCode"] =
            json::array({concept_of(kSnomed, kPeanutAllergyFinding.code,
                                    kPeanutAllergyFinding.display, kPeanutAllergyFinding.text)});
      }
      out_.add(std::move(mr));
    }
  }

  // --- immunizations --------------------------------------------------------------------------

  struct VaccineInfo {
    Route route;
    double dose_ml;
  };

  static VaccineInfo vaccine_info(const Coded& c) {
    if (c.code == kRotavirus.code) return {Route::kOral, 1.0};
    if (c.code == kMmr.code || c.code == kVaricella.code) return {Route::kSubcutaneous, 0.5};
    return {Route::kIntramuscular, 0.5};
  }

  static json v3_route(Route r) {
    const std::string system = tho("v3-RouteOfAdministration");
    if (r == Route::kOral) return concept_of(system, "PO", "Swallow, oral");
    if (r == Route::kSubcutaneous) return concept_of(system, "SQ", "Injection, subcutaneous");
    return concept_of(system, "IM", "Injection, intramuscular");
  }

  void add_immunization(const Coded& vaccine, int day) {
    if (day >= today_ || day < birth_) return;
    const VaccineInfo info = vaccine_info(vaccine);
    const double age = age_years(birth_, day);
    // One draw per statement: argument evaluation order is unspecified and differs between
    // compilers, which would break cross-platform byte-identity.
    const char lot_a = static_cast<char>('A' + rng_.range(0, 25));
    const char lot_b = static_cast<char>('A' + rng_.range(0, 25));
    const int lot_n = rng_.range(10000, 99999);
    char lot[16];
    std::snprintf(lot, sizeof lot, "%c%c%05d", lot_a, lot_b, lot_n);
    json im{
        {"resourceType", "Immunization"},
        {"id", next_id("imm", imm_n_)},
        {"meta", meta(us_core("us-core-immunization"))},
        {"status", "completed"},
        {"vaccineCode", concept_of(kCvx, vaccine.code, vaccine.display, vaccine.text)},
        {"patient", subject()},
        {"occurrenceDateTime", format_datetime(When{day, 9 * 60 + 15 * rng_.range(0, 28)})},
        {"recorded", format_date(day)},
        {"primarySource", true},
        {"location", ref("Location", kLocationId, "Tessera Demo Clinic")},
        {"lotNumber", lot},
        {"route", v3_route(info.route)},
        {"doseQuantity", ucum(info.dose_ml, "mL", "mL")},
        {"performer",
         json::array({json{{"function", concept_of(tho("v2-0443"), "AP", "Administering Provider")},
                           {"actor", practitioner_ref()}}})}};
    if (info.route != Route::kOral) {
      im["site"] = age < 3.0 ? concept_of(tho("v3-ActSite"), "LT", "left thigh")
                             : concept_of(tho("v3-ActSite"), "LA", "left arm");
    }
    out_.add(std::move(im));
  }

  void emit_immunizations() {
    std::vector<std::pair<Coded, int>> doses;  // vaccine, day
    if (spec_.child_schedule) {
      const int birth_year = static_cast<int>(ymd_of(birth_).year());
      const Coded pcv = birth_year >= 2023 ? kPcv15 : kPcv13;
      const std::array<std::pair<Coded, int>, 27> schedule{{
          {kHepBPed, 0}, {kHepBPed, 60},    {kDtap, 60},       {kIpv, 60},      {kHib, 60},
          {pcv, 60},     {kRotavirus, 60},  {kDtap, 120},      {kIpv, 120},     {kHib, 120},
          {pcv, 120},    {kRotavirus, 120}, {kDtap, 182},      {kIpv, 182},     {kHepBPed, 182},
          {pcv, 182},    {kMmr, 366},       {kVaricella, 366}, {kHepAPed, 366}, {kHib, 366},
          {kDtap, 457},  {kHepAPed, 548},   {kDtapIpv, 1480},  {kMmr, 1480},    {kVaricella, 1480},
          {kTdap, 4040}, {kMenAcwy, 4040},
      }};
      for (const auto& [vaccine, age_days] : schedule) {
        const int jitter = age_days == 0 ? rng_.range(0, 1) : rng_.range(0, 14);
        doses.emplace_back(vaccine, birth_ + age_days + jitter);
      }
      // Adolescent series: HPV x2 (11-12 y, 6-12 months apart), MenACWY booster at 16.
      doses.emplace_back(kHpv9, birth_ + 4040 + rng_.range(0, 14));
      doses.emplace_back(kHpv9, birth_ + 4040 + 200 + rng_.range(0, 120));
      doses.emplace_back(kMenAcwy, birth_ + 5844 + rng_.range(0, 60));
    }
    for (const VaccineDose& d : spec_.adult_vaccines) {
      doses.emplace_back(d.vaccine, parse_date(d.date) + rng_.range(-7, 7));
    }
    // Seasonal influenza, every autumn from 6 months of age; some seasons skipped.
    for (int season : {2023, 2024, 2025, 2026}) {
      const int day = to_days(season, 9, 20) + rng_.range(0, 50);
      const double age = age_years(birth_, day);
      if (age < 0.5) continue;
      const double skip = (age >= 18 && age < 65) ? 0.25 : 0.1;
      if (rng_.chance(skip)) continue;
      doses.emplace_back(kFlu, day);
    }
    std::stable_sort(doses.begin(), doses.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& [vaccine, day] : doses) add_immunization(vaccine, day);
  }

  // --- procedures -----------------------------------------------------------------------------

  void emit_procedure(const Coded& code, When when, const Visit* v, int problem) {
    json p{{"resourceType", "Procedure"},
           {"id", next_id("proc", proc_n_)},
           {"meta", meta(us_core("us-core-procedure"))},
           {"status", "completed"},
           {"code", concept_of(kSnomed, code.code, code.display, code.text)},
           {"subject", subject()},
           {"performedDateTime", format_datetime(when)}};
    if (v != nullptr) {
      p["encounter"] = ref("Encounter", v->id);
      p["performer"] = json::array({json{{"actor", practitioner_ref()}}});
      p["location"] = ref("Location", kLocationId, "Tessera Demo Clinic");
    }
    if (problem >= 0) {
      p["reasonReference"] =
          json::array({ref("Condition", problem_ids_[static_cast<std::size_t>(problem)])});
    }
    out_.add(std::move(p));
  }

  void emit_procedures() {
    for (const ProcSpec& ps : spec_.procedures) {
      if (ps.timing == ProcTiming::kLatestEncounter) {
        emit_procedure(ps.code, plus_minutes(latest().start, 12), &latest(), ps.problem);
      } else {
        const When when{today_ - ps.days_ago + rng_.range(-20, 20),
                        7 * 60 + 30 * rng_.range(0, 14)};
        emit_procedure(ps.code, when, nullptr, ps.problem);
      }
    }
  }

  const PatientSpec& spec_;
  SplitMix64 rng_;
  BundleBuilder& out_;
  std::string pid_;
  int birth_;
  int today_;
  double height_z_ = 0;
  double weight_z_ = 0;
  std::vector<Visit> visits_;
  std::vector<int> problem_onset_;  // day of onset per spec_.problems entry
  std::vector<std::string> problem_ids_;
  std::vector<std::string> acute_ids_;
  int enc_n_ = 0;
  int obs_n_ = 0;
  int cond_n_ = 0;
  int allergy_n_ = 0;
  int med_n_ = 0;
  int imm_n_ = 0;
  int dr_n_ = 0;
  int proc_n_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Shared resources

json clinic_address() {
  return json::array({json{{"use", "work"},
                           {"line", json::array({"100 Capitol Avenue", "Suite 200"})},
                           {"city", "Springfield"},
                           {"state", "IL"},
                           {"postalCode", "62701"},
                           {"country", "US"}}});
}

json organization() {
  return json{
      {"resourceType", "Organization"},
      {"id", kOrganizationId},
      {"meta", meta(us_core("us-core-organization"))},
      {"identifier", json::array({json{{"system", kNpi}, {"value", "1520398474"}}})},
      {"active", true},
      {"type", json::array({concept_of(tho("organization-type"), "prov", "Healthcare Provider")})},
      {"name", "Tessera Demo Clinic"},
      {"telecom", json::array({json{{"system", "phone"}, {"value", "555-0100"}, {"use", "work"}},
                               json{{"system", "url"},
                                    {"value", "https://clinic.tessera.example"},
                                    {"use", "work"}}})},
      {"address", clinic_address()}};
}

json location() {
  return json{
      {"resourceType", "Location"},
      {"id", kLocationId},
      {"meta", meta(us_core("us-core-location"))},
      {"status", "active"},
      {"name", "Tessera Demo Clinic"},
      {"mode", "instance"},
      {"type", json::array({concept_of(tho("v3-RoleCode"), "FMC", "Family Medicine Clinic")})},
      {"telecom", json::array({json{{"system", "phone"}, {"value", "555-0100"}, {"use", "work"}}})},
      {"address", clinic_address().at(0)},
      {"managingOrganization", organization_ref()}};
}

json practitioner() {
  return json{
      {"resourceType", "Practitioner"},
      {"id", kPractitionerId},
      {"meta", meta(us_core("us-core-practitioner"))},
      {"identifier", json::array({json{{"system", kNpi}, {"value", "1748392655"}}})},
      {"active", true},
      {"name", json::array({json{{"use", "official"},
                                 {"family", "Chen"},
                                 {"given", json::array({"Elena"})},
                                 {"prefix", json::array({"Dr."})},
                                 {"suffix", json::array({"MD"})}}})},
      {"telecom", json::array({json{{"system", "phone"}, {"value", "555-0100"}, {"use", "work"}},
                               json{{"system", "email"},
                                    {"value", "elena.chen@clinic.tessera.example"},
                                    {"use", "work"}}})},
      {"address", clinic_address()},
      {"gender", "female"},
      {"qualification",
       json::array({json{
           {"code", concept_of(tho("v2-0360"), "MD", "Doctor of Medicine", "Doctor of Medicine")},
           {"issuer", json{{"display",
                            "Illinois Department of Financial and "
                            "Professional Regulation"}}}}})}};
}

json related_person(std::string_view id, std::string_view child_id, std::string_view child_name) {
  return json{
      {"resourceType", "RelatedPerson"},
      {"id", id},
      {"meta", meta(us_core("us-core-relatedperson"))},
      {"active", true},
      {"patient", ref("Patient", child_id, child_name)},
      {"relationship", json::array({concept_of(tho("v3-RoleCode"), "MTH", "mother", "Mother")})},
      {"name",
       json::array(
           {json{{"use", "official"}, {"family", "Alvarez"}, {"given", json::array({"Maria"})}}})},
      {"telecom",
       json::array({json{{"system", "phone"}, {"value", "555-0142"}, {"use", "mobile"}}})},
      {"gender", "female"},
      {"birthDate", "1988-03-14"},
      {"address", json::array({json{{"use", "home"},
                                    {"line", json::array({"418 Linden Avenue"})},
                                    {"city", "Springfield"},
                                    {"state", "IL"},
                                    {"postalCode", "62704"},
                                    {"country", "US"}}})}};
}

}  // namespace

DemoData generate(std::uint64_t seed) {
  const std::vector<PatientSpec> specs = patient_specs();
  BundleBuilder builder;
  builder.add(organization());
  builder.add(location());
  builder.add(practitioner());
  builder.add(related_person(kParentAsChild1RelatedPersonId, kChild1PatientId, "Lucas Alvarez"));
  builder.add(related_person(kParentAsChild2RelatedPersonId, kChild2PatientId, "Sofia Alvarez"));

  DemoData data;
  for (const PatientSpec& spec : specs) {
    PatientGenerator(spec, seed, builder).run();
    data.patients.push_back(DemoPerson{std::string(spec.id), std::string(spec.given),
                                       std::string(spec.family), std::string(spec.birth_date),
                                       spec.sex == Sex::kMale ? "male" : "female"});
  }
  data.bundle = std::move(builder).finish();
  return data;
}

std::map<std::string, std::size_t> count_by_type(const nlohmann::json& bundle) {
  std::map<std::string, std::size_t> counts;
  const auto it = bundle.find("entry");
  if (it == bundle.end() || !it->is_array()) return counts;
  for (const auto& entry : *it) {
    const auto r = entry.find("resource");
    if (r == entry.end() || !r->is_object()) continue;
    const auto t = r->find("resourceType");
    if (t != r->end() && t->is_string()) ++counts[t->get<std::string>()];
  }
  return counts;
}

}  // namespace tessera::demo
