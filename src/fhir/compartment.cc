#include "fhir/compartment.h"

#include <algorithm>
#include <map>

#include "fhir/element_path.h"
#include "fhir/reference.h"
#include "fhir/resource_types.h"

namespace tessera::fhir {
namespace {

struct Row {
  std::string_view type;
  std::string_view param;
  std::string_view path;
};

// The R4 (4.0.1) Patient CompartmentDefinition, one row per (type, param, element path). Paths are
// the element(s) the R4 SearchParameter expression reads; `.where(resolve() is Patient)` filters
// are implied because only Patient references count.
constexpr Row kRows[] = {
    {"Account", "subject", "Account.subject"},
    {"AdverseEvent", "subject", "AdverseEvent.subject"},
    {"AllergyIntolerance", "patient", "AllergyIntolerance.patient"},
    {"AllergyIntolerance", "recorder", "AllergyIntolerance.recorder"},
    {"AllergyIntolerance", "asserter", "AllergyIntolerance.asserter"},
    {"Appointment", "actor", "Appointment.participant.actor"},
    {"AppointmentResponse", "actor", "AppointmentResponse.actor"},
    {"AuditEvent", "patient", "AuditEvent.agent.who"},
    {"AuditEvent", "patient", "AuditEvent.entity.what"},
    {"Basic", "patient", "Basic.subject"},
    {"Basic", "author", "Basic.author"},
    {"BodyStructure", "patient", "BodyStructure.patient"},
    {"CarePlan", "patient", "CarePlan.subject"},
    {"CarePlan", "performer", "CarePlan.activity.detail.performer"},
    {"CareTeam", "patient", "CareTeam.subject"},
    {"CareTeam", "participant", "CareTeam.participant.member"},
    {"ChargeItem", "subject", "ChargeItem.subject"},
    {"Claim", "patient", "Claim.patient"},
    {"Claim", "payee", "Claim.payee.party"},
    {"ClaimResponse", "patient", "ClaimResponse.patient"},
    {"ClinicalImpression", "subject", "ClinicalImpression.subject"},
    {"Communication", "subject", "Communication.subject"},
    {"Communication", "sender", "Communication.sender"},
    {"Communication", "recipient", "Communication.recipient"},
    {"CommunicationRequest", "subject", "CommunicationRequest.subject"},
    {"CommunicationRequest", "sender", "CommunicationRequest.sender"},
    {"CommunicationRequest", "recipient", "CommunicationRequest.recipient"},
    {"CommunicationRequest", "requester", "CommunicationRequest.requester"},
    {"Composition", "subject", "Composition.subject"},
    {"Composition", "author", "Composition.author"},
    {"Composition", "attester", "Composition.attester.party"},
    {"Condition", "patient", "Condition.subject"},
    {"Condition", "asserter", "Condition.asserter"},
    {"Consent", "patient", "Consent.patient"},
    {"Coverage", "policy-holder", "Coverage.policyHolder"},
    {"Coverage", "subscriber", "Coverage.subscriber"},
    {"Coverage", "beneficiary", "Coverage.beneficiary"},
    {"Coverage", "payor", "Coverage.payor"},
    {"CoverageEligibilityRequest", "patient", "CoverageEligibilityRequest.patient"},
    {"CoverageEligibilityResponse", "patient", "CoverageEligibilityResponse.patient"},
    {"DetectedIssue", "patient", "DetectedIssue.patient"},
    {"DeviceRequest", "subject", "DeviceRequest.subject"},
    {"DeviceRequest", "performer", "DeviceRequest.performer"},
    {"DeviceUseStatement", "subject", "DeviceUseStatement.subject"},
    {"DiagnosticReport", "subject", "DiagnosticReport.subject"},
    {"DocumentManifest", "subject", "DocumentManifest.subject"},
    {"DocumentManifest", "author", "DocumentManifest.author"},
    {"DocumentManifest", "recipient", "DocumentManifest.recipient"},
    {"DocumentReference", "subject", "DocumentReference.subject"},
    {"DocumentReference", "author", "DocumentReference.author"},
    {"Encounter", "patient", "Encounter.subject"},
    {"EnrollmentRequest", "subject", "EnrollmentRequest.candidate"},
    {"EpisodeOfCare", "patient", "EpisodeOfCare.patient"},
    {"ExplanationOfBenefit", "patient", "ExplanationOfBenefit.patient"},
    {"ExplanationOfBenefit", "payee", "ExplanationOfBenefit.payee.party"},
    {"FamilyMemberHistory", "patient", "FamilyMemberHistory.patient"},
    {"Flag", "patient", "Flag.subject"},
    {"Goal", "patient", "Goal.subject"},
    {"Group", "member", "Group.member.entity"},
    {"ImagingStudy", "patient", "ImagingStudy.subject"},
    {"Immunization", "patient", "Immunization.patient"},
    {"ImmunizationEvaluation", "patient", "ImmunizationEvaluation.patient"},
    {"ImmunizationRecommendation", "patient", "ImmunizationRecommendation.patient"},
    {"Invoice", "subject", "Invoice.subject"},
    {"Invoice", "patient", "Invoice.subject"},
    {"Invoice", "recipient", "Invoice.recipient"},
    {"List", "subject", "List.subject"},
    {"List", "source", "List.source"},
    {"MeasureReport", "patient", "MeasureReport.subject"},
    {"Media", "subject", "Media.subject"},
    {"MedicationAdministration", "patient", "MedicationAdministration.subject"},
    {"MedicationAdministration", "performer", "MedicationAdministration.performer.actor"},
    {"MedicationAdministration", "subject", "MedicationAdministration.subject"},
    {"MedicationDispense", "subject", "MedicationDispense.subject"},
    {"MedicationDispense", "patient", "MedicationDispense.subject"},
    {"MedicationDispense", "receiver", "MedicationDispense.receiver"},
    {"MedicationRequest", "subject", "MedicationRequest.subject"},
    {"MedicationStatement", "subject", "MedicationStatement.subject"},
    {"MolecularSequence", "patient", "MolecularSequence.patient"},
    {"NutritionOrder", "patient", "NutritionOrder.patient"},
    {"Observation", "subject", "Observation.subject"},
    {"Observation", "performer", "Observation.performer"},
    {"Patient", "link", "Patient.link.other"},
    {"Person", "patient", "Person.link.target"},
    {"Procedure", "patient", "Procedure.subject"},
    {"Procedure", "performer", "Procedure.performer.actor"},
    {"Provenance", "patient", "Provenance.target"},
    {"QuestionnaireResponse", "subject", "QuestionnaireResponse.subject"},
    {"QuestionnaireResponse", "author", "QuestionnaireResponse.author"},
    {"RelatedPerson", "patient", "RelatedPerson.patient"},
    {"RequestGroup", "subject", "RequestGroup.subject"},
    {"RequestGroup", "participant", "RequestGroup.action.participant"},
    {"ResearchSubject", "individual", "ResearchSubject.individual"},
    {"RiskAssessment", "subject", "RiskAssessment.subject"},
    {"Schedule", "actor", "Schedule.actor"},
    {"ServiceRequest", "subject", "ServiceRequest.subject"},
    {"ServiceRequest", "performer", "ServiceRequest.performer"},
    {"Specimen", "subject", "Specimen.subject"},
    {"SupplyDelivery", "patient", "SupplyDelivery.patient"},
    {"SupplyRequest", "subject", "SupplyRequest.deliverTo"},
    {"VisionPrescription", "patient", "VisionPrescription.patient"},
};

struct TypeEntry {
  std::vector<std::string> names;
  std::vector<CompartmentParam> params;
};

const std::map<std::string, TypeEntry, std::less<>>& table() {
  static const std::map<std::string, TypeEntry, std::less<>> kTable = [] {
    std::map<std::string, TypeEntry, std::less<>> t;
    for (const Row& row : kRows) {
      TypeEntry& e = t[std::string(row.type)];
      auto it = std::find_if(e.params.begin(), e.params.end(),
                             [&](const CompartmentParam& p) { return p.name == row.param; });
      if (it == e.params.end()) {
        e.names.emplace_back(row.param);
        e.params.push_back({std::string(row.param), {}});
        it = e.params.end() - 1;
      }
      it->paths.emplace_back(row.path);
    }
    return t;
  }();
  return kTable;
}

const TypeEntry* find_type(std::string_view resource_type) {
  const auto& t = table();
  auto it = t.find(resource_type);
  return it == t.end() ? nullptr : &it->second;
}

}  // namespace

const std::vector<std::string>* compartment_params(std::string_view resource_type) {
  const TypeEntry* e = find_type(resource_type);
  return e ? &e->names : nullptr;
}

const std::vector<CompartmentParam>* compartment_definition(std::string_view resource_type) {
  const TypeEntry* e = find_type(resource_type);
  return e ? &e->params : nullptr;
}

const std::vector<std::string>* compartment_param_paths(std::string_view resource_type,
                                                        std::string_view param) {
  const TypeEntry* e = find_type(resource_type);
  if (!e) return nullptr;
  for (const CompartmentParam& p : e->params) {
    if (p.name == param) return &p.paths;
  }
  return nullptr;
}

bool in_patient_compartment_type(std::string_view resource_type) {
  return find_type(resource_type) != nullptr;
}

std::vector<std::string_view> patient_compartment_types() {
  std::vector<std::string_view> out;
  for (const auto& [type, entry] : table()) out.emplace_back(type);
  return out;  // std::map keeps keys sorted
}

std::vector<std::string> compartment_patients(const nlohmann::json& resource) {
  std::vector<std::string> ids;
  if (!resource.is_object()) return ids;
  auto rt = resource.find("resourceType");
  if (rt == resource.end() || !rt->is_string()) return ids;
  const std::string& type = rt->get_ref<const std::string&>();
  const TypeEntry* e = find_type(type);
  if (!e) return ids;

  if (type == "Patient") {
    auto id = resource.find("id");
    if (id != resource.end() && id->is_string() && is_valid_id(id->get_ref<const std::string&>())) {
      ids.push_back(id->get<std::string>());
    }
  }
  for (const CompartmentParam& p : e->params) {
    for (const std::string& path : p.paths) {
      for (const PathMatch& m : select_path(resource, path)) {
        if (!m.value->is_object()) continue;
        auto ref = m.value->find("reference");
        if (ref == m.value->end() || !ref->is_string()) continue;
        auto parsed = parse_reference(ref->get_ref<const std::string&>());
        if (parsed && parsed->type == "Patient") ids.push_back(std::move(parsed->id));
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

bool in_patient_compartment(const nlohmann::json& resource, std::string_view patient_id) {
  auto ids = compartment_patients(resource);
  return std::binary_search(ids.begin(), ids.end(), patient_id);
}

}  // namespace tessera::fhir
