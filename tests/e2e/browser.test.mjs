// Issue 4: real SMART apps in a real browser. Headless Debian Chromium (driven by playwright-core)
// runs Tessera's sample app, which is built on SMART's own `fhirclient` library, against a
// `tessera serve --role all --mode demo` seeded with the demo world:
//   1 standalone launch: login, patient picker, consent, back in the app with the banner and
//     observations of THAT patient (checked against the FHIR API with the app's own token),
//     plus a refresh through fhirclient;
//   2 proxy access: the parent picks child 2 (Sofia); the app shows Sofia only;
//   3 EHR launch from the launcher page, with patient and encounter context;
//   4 limited consent: un-ticked scopes shrink the token's scope; denied types answer 403;
//   5 refresh with openid-client + id_token verified with jose: see openid_client.test.mjs;
//   6 error paths a person meets: wrong password, unknown app, bad redirect URI, denied consent.
// Every page is screenshotted into test-artifacts/e2e/ (git-ignored).
//
// Trust boundary: the test only talks to the tessera process it started on a free 127.0.0.1
// port, with a throw-away database; Chromium runs with a fresh profile and no network services.
//
// Env: TESSERA_BIN (default build/apps/tessera/tessera), TESSERA_APPS_DIR (a built apps dir;
// default: apps/sample/build.sh into a temp dir), CHROMIUM (default /usr/bin/chromium).

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = process.env.TESSERA_BIN || path.join(ROOT, 'build/apps/tessera/tessera');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-artifacts/e2e');
const STEP_TIMEOUT = 15_000;  // any single wait in a page
const TEST_TIMEOUT = 90_000;

// ---------------------------------------------------------------------------------------------
// Fixture: the sample app, a seeded server, a browser
// ---------------------------------------------------------------------------------------------

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 240_000, ...opts });
  if (r.error) throw new Error(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function startServer(args) {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { log += d; if (/port=\d+/.test(log)) resolve(); });
    child.stderr.on('data', (d) => { log += d; });
    child.on('error', (e) => reject(new Error(`spawn ${BIN}: ${e.message}`)));
    child.on('exit', (code, sig) => reject(new Error(`tessera serve exited early (${code}, ${sig}):\n${log}`)));
  });
  return { child, ready, log: () => log };
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(killTimer); resolve(); });
    child.kill('SIGTERM');  // by PID: only the process this test started
  });
}

const env = {};  // filled by before()

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// FHIR read with the app's own access token (the check "against the store" goes through the
// FHIR API the token is good for).
async function fhirGet(relative, token) {
  const res = await fetch(`${env.fhir}/${relative}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/fhir+json' },
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

// Every resource of a search, following `next` links (bounded).
async function searchAll(query, token) {
  const out = [];
  let url = `${env.fhir}/${query}`;
  for (let i = 0; url && i < 20; i++) {
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `search ${url}`);
    const b = await res.json();
    for (const e of b.entry || []) if (e.resource && (!e.search || e.search.mode !== 'outcome')) out.push(e.resource);
    url = (b.link || []).find((l) => l.relation === 'next')?.url;
  }
  return out;
}

// ---- page steps ----

async function signIn(page, username, password, shotName) {
  await page.waitForSelector('#username');
  if (shotName) await shot(page, shotName);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}

async function pickPatient(page, id, shotName) {
  await page.waitForSelector(`input[name=patient][value="${id}"]`);
  if (shotName) await shot(page, shotName);
  await page.check(`input[name=patient][value="${id}"]`);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}

async function consent(page, { untick = [], deny = false, shotName } = {}) {
  await page.waitForSelector('button[value=approve]');
  for (const s of untick) await page.uncheck(`input[name=scope][value="${s}"]`);
  if (shotName) await shot(page, shotName);
  await page.click(deny ? 'button[value=deny]' : 'button[value=approve]');
}

async function startStandalone(page, { granular = false, shotName } = {}) {
  await page.goto(`${env.base}/apps/sample/standalone.html${granular ? '?granular=1' : ''}`);
  await page.waitForSelector('#connect-button');
  if (shotName) await shot(page, shotName);
  await page.click('#connect-button');
  await page.waitForURL((u) => u.pathname.startsWith('/interaction/'), { timeout: STEP_TIMEOUT });
}

// Waits for the app to finish loading; returns what it shows and the token it holds.
async function appState(page) {
  await page.waitForURL((u) => u.pathname === '/apps/sample/index.html', { timeout: STEP_TIMEOUT });
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: STEP_TIMEOUT });
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id)?.textContent || '';
    const panel = (key) => {
      const s = document.getElementById(`panel-${key}`);
      return {
        state: s?.dataset.state || '',
        text: s?.querySelector('.body')?.textContent || '',
        ids: [...(s?.querySelectorAll('li[data-id]') || [])].map((li) => li.dataset.id),
      };
    };
    const tr = window.sampleApp?.client?.state?.tokenResponse || {};
    return {
      ready: document.body.dataset.ready,
      name: text('patient-name'),
      birthDate: document.getElementById('patient-dob')?.dataset.birthDate || '',
      patientId: text('patient-id'),
      context: text('context'),
      problemTitle: text('problem-title'),
      problemCode: text('problem-code'),
      scope: text('d-scope'),
      encounter: text('d-encounter'),
      panels: Object.fromEntries(['vitals', 'labs', 'conditions', 'medications', 'allergies'].map((k) => [k, panel(k)])),
      token: tr,
      bodyText: document.body.innerText,
    };
  });
}

// The app shows observations of exactly this patient: every vital sign and lab row is an
// Observation the FHIR server returns for the patient (with the app's own token), and the
// vitals panel has one row per kind of vital sign the patient has.
async function expectObservationsOf(state, patientId) {
  const token = state.token.access_token;
  const vitals = await searchAll(`Observation?patient=${patientId}&category=vital-signs`, token);
  const labs = await searchAll(`Observation?patient=${patientId}&category=laboratory`, token);
  assert.ok(vitals.length > 0, 'the demo patient has vital signs');
  for (const o of [...vitals, ...labs]) {
    assert.equal(o.subject?.reference, `Patient/${patientId}`, `server returned ${o.id} for ${patientId}`);
  }
  const vitalIds = new Set(vitals.map((o) => `Observation/${o.id}`));
  const labIds = new Set(labs.map((o) => `Observation/${o.id}`));
  assert.equal(state.panels.vitals.state, 'loaded');
  assert.ok(state.panels.vitals.ids.length > 0);
  for (const id of state.panels.vitals.ids) assert.ok(vitalIds.has(id), `${id} is a vital sign of ${patientId}`);
  const kinds = new Set(vitals.map((o) => JSON.stringify(o.code?.coding?.[0] ? [o.code.coding[0].system, o.code.coding[0].code] : o.code?.text)));
  assert.equal(state.panels.vitals.ids.length, kinds.size, 'one row per kind of vital sign');
  for (const id of state.panels.labs.ids) assert.ok(labIds.has(id), `${id} is a lab result of ${patientId}`);
  if (labs.length) assert.equal(state.panels.labs.state, 'loaded');
}

// ---------------------------------------------------------------------------------------------

describe('SMART apps in a real browser (fhirclient, sample app, EHR launcher)', { timeout: 600_000 }, () => {
  let server;
  let context;
  let page;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-browser-'));

  before(async () => {
    assert.ok(existsSync(BIN), `tessera binary not found at ${BIN} (set TESSERA_BIN)`);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (Debian: apt-get install chromium)`);
    mkdirSync(SHOTS, { recursive: true });
    env.apps = process.env.TESSERA_APPS_DIR || path.join(tmp, 'apps');
    if (!process.env.TESSERA_APPS_DIR) run('bash', [path.join(ROOT, 'apps/sample/build.sh'), env.apps]);
    assert.ok(existsSync(path.join(env.apps, 'sample/fhir-client.min.js')), `no built sample app in ${env.apps}`);

    const port = await freePort();
    env.base = `http://127.0.0.1:${port}`;
    env.fhir = `${env.base}/fhir`;
    const db = path.join(tmp, 'tessera.db');
    run(BIN, ['--database', db, '--mode', 'demo', 'init', '--demo', '--demo-base-url', env.base]);
    server = startServer(['--database', db, '--mode', 'demo', '--log-level', 'warn', 'serve', '--role', 'all',
      '--listen', `127.0.0.1:${port}`, '--apps-dir', env.apps]);
    await server.ready;

    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);
  });

  after(async () => {
    if (context) await context.close().catch(() => {});
    await stopServer(server?.child);
    rmSync(tmp, { recursive: true, force: true });
  });

  const consoleErrors = [];
  beforeEach(async () => {
    await context.clearCookies();
    for (const p of context.pages()) await p.close();
    page = await context.newPage();
    consoleErrors.length = 0;
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  // A failing test shows the server's log tail.
  function withLog(fn) {
    return async (t) => {
      try {
        await fn(t);
      } catch (e) {
        const log = server?.log() || '';
        e.message += `\n---- server log (tail) ----\n${log.slice(-4000)}\n---- browser console ----\n${consoleErrors.join('\n')}`;
        throw e;
      }
    };
  }

  it('1: standalone launch with fhirclient shows the chosen patient and their observations', { timeout: TEST_TIMEOUT }, withLog(async () => {
    await startStandalone(page, { shotName: '01-standalone-start' });
    await signIn(page, 'parent', 'parent-demo', '02-login');
    await pickPatient(page, 'demo-parent', '03-patient-picker');
    await consent(page, { shotName: '04-consent' });
    const s = await appState(page);
    await shot(page, '05-app-standalone');
    assert.equal(s.ready, 'true', s.bodyText);
    assert.equal(s.token.patient, 'demo-parent');
    assert.equal(s.patientId, 'demo-parent');
    assert.equal(s.name, 'Maria Alvarez');
    assert.match(s.context, /Standalone launch/);
    // The banner against the FHIR API: name and birth date of that Patient resource.
    const p = await fhirGet('Patient/demo-parent', s.token.access_token);
    assert.equal(p.status, 200, p.text);
    assert.equal(s.birthDate, p.json.birthDate);
    await expectObservationsOf(s, 'demo-parent');
    for (const k of ['conditions', 'medications', 'allergies']) assert.match(s.panels[k].state, /loaded|empty/, k);
    assert.ok(s.token.refresh_token, 'offline_access gave a refresh token');
    assert.deepEqual(consoleErrors.filter((e) => /Content Security Policy/.test(e)), []);

    // fhirclient's own refresh (the openid-client + jose refresh is openid_client.test.mjs).
    const refreshed = await page.evaluate(async () => {
      const c = window.sampleApp.client;
      const before = c.state.tokenResponse.access_token;
      await c.refresh();
      const after = c.state.tokenResponse.access_token;
      const pt = await c.request(`Patient/${c.patient.id}`);
      return { changed: before !== after, id: pt.id, patient: c.state.tokenResponse.patient };
    });
    assert.deepEqual(refreshed, { changed: true, id: 'demo-parent', patient: 'demo-parent' });

    // Phone width: the same page stays readable.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '05-app-standalone-phone');
  }));

  it('2: proxy access: the parent picks child 2 and the app shows Sofia only', { timeout: TEST_TIMEOUT }, withLog(async () => {
    await startStandalone(page);
    await signIn(page, 'parent', 'parent-demo');
    await pickPatient(page, 'demo-child-2', '06-picker-proxy');
    await consent(page, { shotName: '07-consent-proxy' });
    const s = await appState(page);
    await shot(page, '08-app-proxy-sofia');
    assert.equal(s.ready, 'true', s.bodyText);
    assert.equal(s.token.patient, 'demo-child-2');
    assert.equal(s.name, 'Sofia Alvarez');
    assert.doesNotMatch(s.bodyText, /Maria|Lucas/);
    await expectObservationsOf(s, 'demo-child-2');
    // Whatever patient id the app sends, the token reaches Sofia's compartment only: her
    // brother's record is refused. (Maria's own Patient resource stays readable: it is the
    // token's fhirUser.)
    for (const q of ['Patient/demo-child-1', 'Observation?patient=demo-child-1']) {
      const other = await fhirGet(q, s.token.access_token);
      assert.ok([403, 404].includes(other.status) || (other.json?.total === 0 && !other.json?.entry?.length),
        `${q} with Sofia's token: ${other.status} ${other.text.slice(0, 200)}`);
    }
  }));

  it('3: EHR launch from the launcher page carries patient and encounter context', { timeout: TEST_TIMEOUT }, withLog(async () => {
    await page.goto(`${env.base}/launcher`);
    await signIn(page, 'doctor', 'doctor-demo', '09-launcher-login');
    await page.waitForSelector('select#patient');
    await page.selectOption('select#patient', 'demo-solo');
    // The first encounter listed for James (the most recent one).
    const encounter = await page.$eval('select#encounter', (sel) => {
      const group = [...sel.querySelectorAll('optgroup')].find((g) => /James Okafor/.test(g.label));
      return group?.querySelector('option')?.value || '';
    });
    assert.ok(encounter, 'the launcher lists encounters for James Okafor');
    await page.selectOption('select#encounter', encounter);
    await page.selectOption('select#client_id', 'demo-app');
    await page.fill('#intent', 'review-vitals');
    await shot(page, '10-launcher');
    await page.click('button[type=submit]');
    // launch.html -> fhirclient -> /authorize -> sign-in at the AS (the launch is bound to doctor).
    await page.waitForURL((u) => u.pathname.startsWith('/interaction/'), { timeout: STEP_TIMEOUT });
    await signIn(page, 'doctor', 'doctor-demo');
    await consent(page, { shotName: '11-consent-ehr' });
    const s = await appState(page);
    await shot(page, '12-app-ehr-launch');
    assert.equal(s.ready, 'true', s.bodyText);
    assert.equal(s.token.patient, 'demo-solo');
    assert.equal(s.token.encounter, encounter);
    assert.equal(s.token.intent, 'review-vitals');
    assert.equal(s.token.need_patient_banner, true);
    assert.equal(s.token.smart_style_url, `${env.base}/smart-style/v1.json`);
    assert.equal(s.name, 'James Okafor');
    assert.equal(s.encounter, encounter);
    assert.match(s.context, /EHR launch/);
    assert.match(s.context, /Encounter: /);
    assert.match(s.context, /Intent: review-vitals/);
    // The encounter is James's, read with the app's token.
    const e = await fhirGet(`Encounter/${encounter}`, s.token.access_token);
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.subject.reference, 'Patient/demo-solo');
    await expectObservationsOf(s, 'demo-solo');
  }));

  it('4: limited consent shrinks the token scope; denied types answer 403', { timeout: TEST_TIMEOUT }, withLog(async () => {
    await startStandalone(page, { granular: true, shotName: '13-standalone-granular' });
    await signIn(page, 'patient', 'patient-demo');  // one patient: no picker
    const denied = ['patient/Observation.rs', 'patient/AllergyIntolerance.rs'];
    await consent(page, { untick: denied, shotName: '14-consent-limited' });
    const s = await appState(page);
    await shot(page, '15-app-limited');
    assert.equal(s.ready, 'true', s.bodyText);
    const granted = s.token.scope.split(' ');
    for (const d of denied) assert.ok(!granted.includes(d), `${d} not granted: ${s.token.scope}`);
    for (const k of ['patient/Patient.rs', 'patient/Condition.rs', 'patient/MedicationRequest.rs'])
      assert.ok(granted.includes(k), `${k} granted: ${s.token.scope}`);
    assert.equal(s.scope, s.token.scope);
    // The app tells the person what it was not given...
    assert.equal(s.panels.vitals.state, 'denied');
    assert.match(s.panels.vitals.text, /This app was not given access to vital signs/);
    assert.equal(s.panels.labs.state, 'denied');
    assert.equal(s.panels.allergies.state, 'denied');
    assert.match(s.panels.allergies.text, /This app was not given access to allergies/);
    assert.match(s.panels.conditions.state, /loaded|empty/);
    assert.equal(s.name, 'James Okafor');
    // ... because the FHIR server refuses those types with 403 (and serves the granted ones).
    const token = s.token.access_token;
    assert.equal((await fhirGet('Observation?patient=demo-solo', token)).status, 403);
    assert.equal((await fhirGet('AllergyIntolerance?patient=demo-solo', token)).status, 403);
    assert.equal((await fhirGet('Condition?patient=demo-solo', token)).status, 200);
  }));

  it('6a: a wrong password shows a clear message on the sign-in page', { timeout: TEST_TIMEOUT }, withLog(async () => {
    await startStandalone(page);
    await signIn(page, 'patient', 'not-the-password');
    await page.waitForSelector('[role=alert]');
    await shot(page, '16-error-wrong-password');
    assert.match(await page.textContent('[role=alert]'), /The username or password is not right/);
    assert.equal(await page.inputValue('#username'), 'patient');
    // The launcher says the same.
    await page.goto(`${env.base}/launcher`);
    await signIn(page, 'doctor', 'wrong');
    assert.match(await page.textContent('[role=alert]'), /The username or password is not right/);
  }));

  it('6b: an unknown app gets an error page, never a redirect', { timeout: TEST_TIMEOUT }, withLog(async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: 'no-such-app', redirect_uri: 'http://127.0.0.1:9/cb',
      scope: 'openid launch/patient patient/*.rs', state: 'abcdefgh', aud: env.fhir,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const res = await page.goto(`${env.base}/authorize?${q}`);
    await shot(page, '17-error-unknown-app');
    assert.equal(res.status(), 400);
    assert.equal(new URL(page.url()).pathname, '/authorize');
    assert.match(await page.textContent('h1'), /Unknown app/);
  }));

  it('6c: a redirect URI the app did not register gets an error page', { timeout: TEST_TIMEOUT }, withLog(async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: 'demo-app', redirect_uri: 'http://127.0.0.1:9/not-registered',
      scope: 'openid launch/patient patient/*.rs', state: 'abcdefgh', aud: env.fhir,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const res = await page.goto(`${env.base}/authorize?${q}`);
    await shot(page, '18-error-bad-redirect-uri');
    assert.equal(res.status(), 400);
    assert.equal(new URL(page.url()).host, new URL(env.base).host);
    assert.match(await page.textContent('h1'), /address is not recognised/);
  }));

  it('6d: denying consent sends error=access_denied back to the app', { timeout: TEST_TIMEOUT }, withLog(async () => {
    await startStandalone(page);
    await signIn(page, 'patient', 'patient-demo');
    await consent(page, { deny: true });
    const s = await appState(page);
    await shot(page, '19-app-access-denied');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.ok(!url.searchParams.get('code'));
    assert.equal(s.ready, 'error');
    assert.equal(s.problemCode, 'access_denied');
    assert.match(s.problemTitle, /Access was not allowed/);
  }));
});
