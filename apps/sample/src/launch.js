// EHR launch (SMART App Launch, "launch" + "iss"): the EHR opened this page with ?iss=<FHIR base>
// &launch=<opaque>. fhirclient reads both, discovers the authorization server from
// {iss}/.well-known/smart-configuration, and redirects there with PKCE (S256), state and aud=iss.
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  function fail(message) {
    document.getElementById('working').hidden = true;
    document.getElementById('problem').hidden = false;
    document.getElementById('problem-text').textContent = message;
  }
  if (!params.get('iss') || !params.get('launch')) {
    fail('This page is opened by an EHR, with "iss" and "launch" in its address. ' +
         'Start it from the EHR launcher, or use the standalone launch instead.');
    return;
  }
  FHIR.oauth2.authorize({
    clientId: 'demo-app',
    scope: 'launch openid fhirUser patient/*.rs online_access',
    redirectUri: 'index.html'
  }).catch(function (e) {
    fail('The authorization server could not be reached: ' + (e && e.message ? e.message : e));
  });
})();
