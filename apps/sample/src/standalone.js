// Standalone launch (SMART App Launch, "launch/patient"): the app starts on its own, names the
// FHIR server (iss), and the authorization server asks the user to sign in and pick a patient.
// The FHIR base defaults to this server's /fhir; ?iss=<url> overrides it.
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var input = document.getElementById('iss');
  input.value = params.get('iss') || (window.location.origin + '/fhir');
  var granular = document.getElementById('granular');
  granular.checked = params.get('granular') === '1';
  // One scope for everything, or one per resource type (SMART v2 granular scopes) so the user
  // can leave some types out on the consent page.
  var ALL = 'launch/patient openid fhirUser patient/*.rs offline_access';
  var PER_TYPE = 'launch/patient openid fhirUser offline_access patient/Patient.rs ' +
    'patient/Observation.rs patient/Condition.rs patient/MedicationRequest.rs ' +
    'patient/AllergyIntolerance.rs patient/Encounter.rs';
  document.getElementById('connect').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var button = document.getElementById('connect-button');
    button.disabled = true;
    button.textContent = 'Connecting…';
    FHIR.oauth2.authorize({
      iss: input.value.trim(),
      clientId: 'demo-app',
      scope: granular.checked ? PER_TYPE : ALL,
      redirectUri: 'index.html'
    }).catch(function (e) {
      button.disabled = false;
      button.textContent = 'Connect to a health record';
      var p = document.getElementById('problem');
      p.hidden = false;
      p.textContent = 'Could not reach the FHIR server\u2019s authorization server: ' +
        (e && e.message ? e.message : e);
    });
  });
})();
