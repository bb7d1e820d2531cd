// The sample app's main page (the redirect_uri): fhirclient completes the authorization
// (code + PKCE verifier -> token), then the page reads the patient in context and lists recent
// vital signs, labs, conditions, medications and allergies through client.request().
//
// Everything shown comes from the FHIR server and is untrusted: it is put into the page with
// textContent only, never as HTML. A 403 for one resource type (the user did not grant it) is
// shown as "This app was not given access to ..." in that panel; the rest of the page still works.
(function () {
  'use strict';

  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var MAX_PAGES = 10;  // bound on paging through search results

  // ---- tiny DOM helpers ----
  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null && text !== '') e.textContent = String(text);
    return e;
  }
  function setText(id, text) { $(id).textContent = text === undefined || text === null ? '' : String(text); }

  // ---- FHIR value formatting ----
  // "2024-03-05T10:00:00Z" -> "5 Mar 2024"; "2024-03" -> "Mar 2024"; no time zone shifts.
  function humanDate(d) {
    if (!d || typeof d !== 'string') return '';
    var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(d);
    if (!m) return d;
    if (!m[2]) return m[1];
    var month = MONTHS[parseInt(m[2], 10) - 1] || m[2];
    if (!m[3]) return month + ' ' + m[1];
    return parseInt(m[3], 10) + ' ' + month + ' ' + m[1];
  }
  function age(birthDate) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate || '');
    if (!m) return '';
    var now = new Date();
    var years = now.getFullYear() - Number(m[1]);
    var months = now.getMonth() + 1 - Number(m[2]);
    if (months < 0 || (months === 0 && now.getDate() < Number(m[3]))) years -= 1;
    if (years >= 2) return years + ' years';
    var total = years * 12 + ((months + 12) % 12);
    return total + (total === 1 ? ' month' : ' months');
  }
  function conceptText(c) {
    if (!c) return '';
    if (c.text) return c.text;
    var codings = c.coding || [];
    for (var i = 0; i < codings.length; i++) if (codings[i].display) return codings[i].display;
    return codings.length ? codings[0].code || '' : '';
  }
  function firstConcept(list) {
    list = list || [];
    for (var i = 0; i < list.length; i++) {
      var t = conceptText(list[i]);
      if (t) return t;
    }
    return '';
  }
  function codeKey(c) {
    var codings = (c && c.coding) || [];
    return codings.length ? (codings[0].system || '') + '|' + (codings[0].code || '') : conceptText(c);
  }
  function quantity(q) {
    if (!q || q.value === undefined) return '';
    var unit = q.unit || q.code || '';
    return String(q.value) + (unit ? ' ' + unit : '');
  }
  function observationValue(o) {
    if (o.valueQuantity) return quantity(o.valueQuantity);
    if (o.valueCodeableConcept) return conceptText(o.valueCodeableConcept);
    if (o.valueString !== undefined) return o.valueString;
    if (o.valueBoolean !== undefined) return o.valueBoolean ? 'Yes' : 'No';
    if (o.valueInteger !== undefined) return String(o.valueInteger);
    if (Array.isArray(o.component) && o.component.length) {
      // Blood pressure: "118/76 mmHg"
      var values = o.component.map(function (c) { return c.valueQuantity; }).filter(Boolean);
      if (values.length === o.component.length && values.every(function (v) { return v.unit === values[0].unit; })) {
        return values.map(function (v) { return v.value; }).join('/') + ' ' + (values[0].unit || '');
      }
      return o.component.map(function (c) { return conceptText(c.code) + ' ' + quantity(c.valueQuantity); }).join(', ');
    }
    if (o.dataAbsentReason) return conceptText(o.dataAbsentReason);
    return '';
  }
  function when(o) {
    return o.effectiveDateTime || (o.effectivePeriod && o.effectivePeriod.start) || o.issued || '';
  }
  function interpretationFlag(o) {
    var codes = [];
    (o.interpretation || []).forEach(function (i) {
      (i.coding || []).forEach(function (c) { codes.push(c.code); });
    });
    if (codes.indexOf('H') >= 0 || codes.indexOf('HH') >= 0) return { text: 'High', cls: 'flag high' };
    if (codes.indexOf('L') >= 0 || codes.indexOf('LL') >= 0) return { text: 'Low', cls: 'flag low' };
    if (codes.indexOf('A') >= 0 || codes.indexOf('AA') >= 0) return { text: 'Abnormal', cls: 'flag high' };
    return null;
  }
  function byDateDesc(get) {
    return function (a, b) {
      var x = get(a) || '', y = get(b) || '';
      return x < y ? 1 : x > y ? -1 : 0;
    };
  }

  // ---- rows ----
  // One list row: title + optional sub line on the left, value + date on the right.
  function row(resource, title, sub, value, date, badge) {
    var li = el('li', 'row');
    li.dataset.id = resource.resourceType + '/' + resource.id;
    var main = el('div', 'row-main');
    main.appendChild(el('span', 'row-title', title || 'Unnamed'));
    if (sub) main.appendChild(el('span', 'row-sub', sub));
    li.appendChild(main);
    var side = el('div', value && String(value).length > 22 ? 'row-side long' : 'row-side');
    if (value) side.appendChild(el('span', 'row-value', value));
    if (badge) side.appendChild(el('span', 'badge ' + (badge.cls || ''), badge.text));
    if (date) {
      var t = el('time', 'row-date', humanDate(date));
      t.dateTime = String(date).slice(0, 10);
      side.appendChild(t);
    }
    li.appendChild(side);
    return li;
  }

  function renderVitals(list) {
    // The latest reading of each kind of vital sign.
    var latest = {};
    list.slice().sort(byDateDesc(when)).forEach(function (o) {
      var k = codeKey(o.code);
      if (!latest[k]) latest[k] = o;
    });
    var items = Object.keys(latest).map(function (k) { return latest[k]; });
    items.sort(function (a, b) { return conceptText(a.code).localeCompare(conceptText(b.code)); });
    return {
      count: items.length + (items.length === 1 ? ' kind' : ' kinds') + ', latest of each',
      rows: items.map(function (o) { return row(o, conceptText(o.code), '', observationValue(o), when(o)); })
    };
  }
  // LOINC long names read "Glucose [Mass/volume] in Blood": show the part before the bracket.
  function shortName(t) {
    var i = (t || '').indexOf(' [');
    return i > 0 ? t.slice(0, i) : t;
  }
  function rangeText(o) {
    var r = (o.referenceRange || [])[0];
    if (!r) return '';
    if (r.text) return 'Normal ' + r.text;
    var unit = (r.high && r.high.unit) || (r.low && r.low.unit) || '';
    var low = r.low && r.low.value, high = r.high && r.high.value;
    if (low !== undefined && high !== undefined) return 'Normal ' + low + '\u2013' + high + (unit ? ' ' + unit : '');
    if (high !== undefined) return 'Normal \u2264 ' + high + (unit ? ' ' + unit : '');
    if (low !== undefined) return 'Normal \u2265 ' + low + (unit ? ' ' + unit : '');
    return '';
  }
  function renderLabs(list) {
    // The latest result of each test, with the one before it for comparison.
    var byCode = {};
    var order = [];
    list.slice().sort(byDateDesc(when)).forEach(function (o) {
      var k = codeKey(o.code);
      if (!byCode[k]) { byCode[k] = []; order.push(k); }
      byCode[k].push(o);
    });
    var rows = order.map(function (k) {
      var o = byCode[k][0], prev = byCode[k][1];
      var sub = [rangeText(o)];
      if (prev) sub.push('was ' + observationValue(prev) + ' in ' + humanDate(when(prev)).replace(/^\d+ /, ''));
      var r = row(o, shortName(conceptText(o.code)), sub.filter(Boolean).join(' \u00b7 '),
                  observationValue(o), when(o), interpretationFlag(o));
      r.querySelector('.row-title').title = conceptText(o.code);
      return r;
    });
    return {
      count: order.length + (order.length === 1 ? ' test' : ' tests') + ', latest of each',
      rows: rows
    };
  }
  function clinicalStatus(c) { return conceptText(c.clinicalStatus).toLowerCase(); }
  function renderConditions(list) {
    var rank = function (c) { return clinicalStatus(c) === 'active' ? 0 : 1; };
    var items = list.slice().sort(function (a, b) {
      return rank(a) - rank(b) || byDateDesc(function (c) { return c.onsetDateTime || c.recordedDate; })(a, b);
    });
    return {
      count: String(items.length),
      rows: items.map(function (c) {
        var status = clinicalStatus(c) || 'unknown';
        var onset = c.onsetDateTime || (c.onsetPeriod && c.onsetPeriod.start) || c.recordedDate;
        return row(c, conceptText(c.code), onset ? 'Since ' + humanDate(onset) : '', '', '',
                   { text: status, cls: status === 'active' ? 'active' : 'inactive' });
      })
    };
  }
  function renderMedications(list) {
    var rank = function (m) { return m.status === 'active' ? 0 : 1; };
    var items = list.slice().sort(function (a, b) {
      return rank(a) - rank(b) || byDateDesc(function (m) { return m.authoredOn; })(a, b);
    });
    return {
      count: String(items.length),
      rows: items.map(function (m) {
        var name = conceptText(m.medicationCodeableConcept) ||
          (m.medicationReference && (m.medicationReference.display || m.medicationReference.reference));
        var dose = ((m.dosageInstruction || [])[0] || {}).text || '';
        return row(m, name, dose, '', m.authoredOn,
                   { text: m.status || 'unknown', cls: m.status === 'active' ? 'active' : 'inactive' });
      })
    };
  }
  function renderAllergies(list) {
    return {
      count: String(list.length),
      rows: list.map(function (a) {
        var reaction = (a.reaction || [])[0];
        var sub = [];
        if (reaction) {
          var m = firstConcept(reaction.manifestation);
          if (m) sub.push(m);
          if (reaction.severity) sub.push(reaction.severity);
        }
        if (a.category && a.category.length) sub.push(a.category.join(', '));
        var crit = a.criticality === 'high' ? { text: 'high risk', cls: 'flag high' } : null;
        return row(a, conceptText(a.code), sub.join(' · '), '', '', crit);
      })
    };
  }

  var PANELS = [
    { key: 'vitals', what: 'vital signs', type: 'Observation', query: 'category=vital-signs', render: renderVitals,
      empty: 'No vital signs recorded.' },
    { key: 'labs', what: 'lab results', type: 'Observation', query: 'category=laboratory', render: renderLabs,
      empty: 'No lab results recorded.' },
    { key: 'conditions', what: 'conditions', type: 'Condition', query: '', render: renderConditions,
      empty: 'No conditions recorded.' },
    { key: 'medications', what: 'medications', type: 'MedicationRequest', query: '', render: renderMedications,
      empty: 'No medications recorded.' },
    { key: 'allergies', what: 'allergies', type: 'AllergyIntolerance', query: '', render: renderAllergies,
      empty: 'No known allergies recorded.' }
  ];

  function statusOf(e) { return e && (e.status || e.statusCode); }

  function panelMessage(panel, cls, text, state) {
    var section = $('panel-' + panel.key);
    section.dataset.state = state;
    var body = section.querySelector('.body');
    body.replaceChildren(el('p', cls, text));
  }

  function loadPanel(client, patientId, panel) {
    var url = panel.type + '?patient=' + encodeURIComponent(patientId) + (panel.query ? '&' + panel.query : '');
    return client.request(url, { pageLimit: MAX_PAGES, flat: true }).then(function (entries) {
      var list = (entries || []).filter(function (r) { return r && r.resourceType === panel.type; });
      var section = $('panel-' + panel.key);
      if (!list.length) {
        panelMessage(panel, 'muted', panel.empty, 'empty');
        return;
      }
      var out = panel.render(list);
      var ul = el('ul', 'rows');
      out.rows.forEach(function (r) { ul.appendChild(r); });
      section.querySelector('.body').replaceChildren(ul);
      section.querySelector('.count').textContent = out.count;
      section.dataset.state = 'loaded';
    }, function (e) {
      var s = statusOf(e);
      if (s === 403) {
        // The user did not grant this type (or the server refuses it): say so plainly.
        panelMessage(panel, 'notice', 'This app was not given access to ' + panel.what + '.', 'denied');
      } else if (s === 401) {
        panelMessage(panel, 'notice', 'The app\u2019s access has expired. Start over to sign in again.', 'error');
      } else {
        panelMessage(panel, 'notice error', 'Could not load ' + panel.what + ': ' + (e && e.message ? e.message : e), 'error');
      }
    });
  }

  // ---- patient banner and context ----
  function patientName(p) {
    var n = (p.name || []).filter(function (x) { return x.use === 'official'; })[0] || (p.name || [])[0];
    if (!n) return 'Unnamed patient';
    if (n.text) return n.text;
    return [].concat(n.prefix || [], n.given || [], n.family ? [n.family] : []).join(' ') || 'Unnamed patient';
  }
  function renderBanner(p) {
    var name = patientName(p);
    setText('patient-name', name);
    setText('patient-initials', name.split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) { return w[0]; }).join('').toUpperCase());
    var dob = p.birthDate ? 'Born ' + humanDate(p.birthDate) + (age(p.birthDate) ? ' (' + age(p.birthDate) + ')' : '') : 'Birth date unknown';
    setText('patient-dob', dob);
    $('patient-dob').dataset.birthDate = p.birthDate || '';
    setText('patient-gender', p.gender ? p.gender.charAt(0).toUpperCase() + p.gender.slice(1) : '');
    setText('patient-id', p.id);
    $('banner').hidden = false;
    document.title = name + ' · Tessera Sample App';
  }

  function applyStyle(url) {
    // SMART styling (CTX-8): colours from the EHR's smart_style_url, if it gave one.
    if (!url) return Promise.resolve();
    return fetch(url).then(function (r) { return r.ok ? r.json() : {}; }).then(function (s) {
      var root = document.documentElement.style;
      if (s.color_highlight) root.setProperty('--accent', s.color_highlight);
      if (s.color_background) root.setProperty('--bg', s.color_background);
      if (s.color_text) root.setProperty('--text', s.color_text);
      if (s.color_error) root.setProperty('--danger', s.color_error);
      if (s.dim_border_radius) root.setProperty('--radius', s.dim_border_radius);
    }).catch(function () { /* styling is optional */ });
  }

  function showContext(client, encounter) {
    var tr = client.state.tokenResponse || {};
    var parts = [];
    var launch = tr.encounter || tr.intent || (tr.scope || '').split(' ').indexOf('launch') >= 0 ? 'EHR launch' : 'Standalone launch';
    parts.push(launch);
    if (launch === 'EHR launch') {
      $('start-over').href = '/launcher';
      $('start-over').textContent = 'Back to the launcher';
    }
    if (encounter) parts.push('Encounter: ' + encounter);
    if (tr.intent) parts.push('Intent: ' + tr.intent);
    var p = $('context');
    p.replaceChildren();
    parts.forEach(function (t, i) {
      if (i) p.appendChild(el('span', 'sep', '·'));
      p.appendChild(el('span', i === 0 ? 'pill' : '', t));
    });
    p.hidden = false;

    setText('d-server', client.state.serverUrl);
    setText('d-patient', client.patient.id || '(none)');
    setText('d-encounter', client.encounter.id || '(none)');
    setText('d-user', (client.user && client.user.fhirUser) || '(none)');
    setText('d-scope', tr.scope || '');
    setText('d-expires', client.state.expiresAt ? new Date(client.state.expiresAt * 1000).toLocaleString() : '');
    setText('d-refresh', tr.refresh_token ? 'yes (offline_access)' : 'no');
    var ctx = {};
    ['patient', 'encounter', 'need_patient_banner', 'intent', 'smart_style_url', 'tenant', 'fhirContext'].forEach(function (k) {
      if (tr[k] !== undefined) ctx[k] = tr[k];
    });
    setText('d-context', JSON.stringify(ctx));
    $('details').hidden = false;
  }

  function encounterLabel(e) {
    var start = e.period && e.period.start;
    var kind = firstConcept(e.type) || (e['class'] && (e['class'].display || e['class'].code)) || '';
    var reason = firstConcept(e.reasonCode);
    return [humanDate(start), kind + (reason ? ': ' + reason : '')].filter(Boolean).join(' · ') || e.id;
  }

  // ---- errors ----
  var KNOWN_ERRORS = {
    access_denied: ['Access was not allowed', 'You chose not to share your record with this app, so it has nothing to show.'],
    invalid_scope: ['The app asked for something it may not have', 'The authorization server refused the access this app asked for.'],
    server_error: ['The authorization server had a problem', 'Try again in a moment.']
  };
  function fatal(title, text, code) {
    $('status').hidden = true;
    setText('problem-title', title);
    setText('problem-text', text);
    setText('problem-code', code || 'none');
    $('problem').hidden = false;
    document.body.dataset.ready = 'error';
  }

  function start(client) {
    window.sampleApp = { client: client };  // for the end-to-end tests and the curious
    var tr = client.state.tokenResponse || {};
    var patientId = client.patient.id;
    if (!patientId) {
      fatal('No patient was chosen', 'The authorization did not include a patient, so there is no record to show.', 'no_patient');
      return;
    }
    var work = [applyStyle(tr.smart_style_url)];
    work.push(client.request('Patient/' + encodeURIComponent(patientId)).then(renderBanner, function (e) {
      setText('patient-name', statusOf(e) === 403 ? 'This app was not given access to the patient\u2019s details.' : 'Could not load the patient: ' + e.message);
      setText('patient-id', patientId);
      $('banner').hidden = false;
    }));
    var encounterId = client.encounter.id;
    var enc = encounterId
      ? client.request('Encounter/' + encodeURIComponent(encounterId)).then(encounterLabel, function () { return 'Encounter/' + encounterId; })
      : Promise.resolve('');
    work.push(enc.then(function (label) { showContext(client, label); }));
    $('panels').hidden = false;
    PANELS.forEach(function (panel) { work.push(loadPanel(client, patientId, panel)); });
    return Promise.all(work).then(function () {
      $('status').hidden = true;
      document.body.dataset.ready = 'true';
    });
  }

  var params = new URLSearchParams(window.location.search);
  var error = params.get('error');
  if (error) {
    // The authorization server sent the user back with an error (e.g. Deny on the consent page).
    var known = KNOWN_ERRORS[error] || ['The app could not get access', params.get('error_description') || 'The authorization server returned an error.'];
    fatal(known[0], known[1], error);
    return;
  }
  // A public client names itself on refresh (RFC 6749 §3.2.1); fhirclient leaves client_id out
  // unless told to, and Tessera then refuses the refresh as unauthenticated.
  FHIR.oauth2.settings.refreshTokenWithClientId = true;
  FHIR.oauth2.ready().then(start).catch(function (e) {
    var msg = e && e.message ? e.message : String(e);
    if (/No 'state'|No state found/.test(msg)) {
      fatal('Open the app from its start page', 'This page is where the app lands after you sign in. Start from the sample app\u2019s start page or the EHR launcher.', 'no_state');
    } else {
      fatal('The app could not get access', msg, 'authorization_failed');
    }
  });
})();
