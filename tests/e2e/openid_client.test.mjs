// Acceptance item 5: a real, independent OAuth 2.0 / OpenID Connect client library
// (openid-client v6, built on oauth4webapi) completes discovery, an authorization code flow with
// PKCE against Tessera (driving the login, patient-picker and consent HTML forms the way a
// browser would), a refresh, and the id_token signature is verified against the published JWKS
// with jose.
//
// Trust boundary: this test only talks to a tessera process it started itself on a free
// 127.0.0.1 port, with a throw-away database in a temp directory. The app's redirect_uri
// (http://127.0.0.1:9/callback) is never fetched: the test reads the Location header instead.
//
// Env: TESSERA_BIN (default /work/main/build/apps/tessera/tessera).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import * as client from 'openid-client';
import * as jose from 'jose';

const BIN = process.env.TESSERA_BIN || '/work/main/build/apps/tessera/tessera';
const CLIENT_ID = 'oidc-app';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const SCOPE = 'openid fhirUser launch/patient patient/*.rs offline_access';
const USERNAME = 'parent';
const PASSWORD = 'parent-password';
const CHOSEN_PATIENT = 'demo-child-2';

// ---------------------------------------------------------------------------------------------
// Server fixture
// ---------------------------------------------------------------------------------------------

function tessera(db, args) {
  const r = spawnSync(BIN, ['--database', db, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`could not run ${BIN}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`tessera ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

function seed(db) {
  tessera(db, ['init']);
  tessera(db, ['client', 'add', '--id', CLIENT_ID, '--name', 'OIDC Test App', '--type', 'public',
    '--redirect-uri', REDIRECT_URI, '--scope', SCOPE]);
  tessera(db, ['user', 'add', USERNAME, '--password', PASSWORD, '--fhir-user',
    'Patient/demo-parent', '--name', 'Maria Alvarez']);
  tessera(db, ['access', 'grant', '--user', USERNAME, '--patient', 'demo-parent',
    '--relationship', 'self']);
  tessera(db, ['access', 'grant', '--user', USERNAME, '--patient', CHOSEN_PATIENT,
    '--relationship', 'parent']);
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

// Starts `tessera serve` and resolves once it prints its `port=NNNN` line. Rejects if the process
// exits first (with its output, so a failing start is diagnosable).
function startServer(db, port) {
  const child = spawn(BIN, ['--database', db, 'serve', '--role', 'authz', '--listen',
    `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      if (/port=\d+/.test(out)) resolve();
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => reject(new Error(`spawn ${BIN}: ${e.message}`)));
    child.on('exit', (code, sig) => {
      reject(new Error(`tessera serve exited early (code ${code}, signal ${sig}):\n${out}${err}`));
    });
  });
  return { child, ready };
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// A very small "browser": fetch with manual redirects and a cookie jar keyed by cookie name that
// honours the cookie's Path (the interaction cookie is scoped to /interaction/<id>).
// ---------------------------------------------------------------------------------------------

class Browser {
  constructor() {
    this.jar = new Map(); // name -> { value, path }
  }

  cookieHeader(url) {
    const parts = [];
    for (const [name, c] of this.jar) {
      const p = c.path;
      if (url.pathname === p || url.pathname.startsWith(p.endsWith('/') ? p : `${p}/`)) {
        parts.push(`${name}=${c.value}`);
      }
    }
    return parts.join('; ');
  }

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cookiePath = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        if (k.toLowerCase() === 'path') cookiePath = v || '/';
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, { value, path: cookiePath });
    }
  }

  async request(url, init = {}) {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(u);
    if (cookie) headers.set('Cookie', cookie);
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    this.store(res);
    const body = await res.text();
    const location = res.headers.get('location');
    return { status: res.status, body, location: location ? new URL(location, u).href : null };
  }

  get(url) { return this.request(url); }

  postForm(url, pairs) {
    const body = new URLSearchParams();
    for (const [k, v] of pairs) body.append(k, v);
    return this.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }
}

// Minimal HTML form scraping: enough for Tessera's own server-rendered pages.
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|#39|apos);/gi, (m, e) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    if (l.startsWith('#x')) return String.fromCodePoint(parseInt(l.slice(2), 16));
    return String.fromCodePoint(parseInt(l.slice(1), 10));
  });
}

function inputs(html) {
  const result = [];
  for (const m of html.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = {};
    for (const a of m[1].matchAll(/([a-zA-Z_:-]+)(?:="([^"]*)")?/g)) {
      attrs[a[1].toLowerCase()] = a[2] === undefined ? '' : decodeEntities(a[2]);
    }
    result.push(attrs);
  }
  return result;
}

function hidden(html, name) {
  const i = inputs(html).find((x) => x.type === 'hidden' && x.name === name);
  assert.ok(i, `no hidden input "${name}" in page:\n${html}`);
  return i.value;
}

function valuesOf(html, name) {
  return [...new Set(inputs(html).filter((x) => x.name === name).map((x) => x.value))];
}

function formAction(html, pageUrl) {
  const m = html.match(/<form\b[^>]*\baction="([^"]*)"/i);
  assert.ok(m, `no form on page:\n${html}`);
  return new URL(decodeEntities(m[1]), pageUrl).href;
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

describe('openid-client v6 against tessera (acceptance item 5)', () => {
  let tmp;
  let server;
  let issuer;
  let config;
  let callbackUrl;
  let pkceCodeVerifier;
  let state;
  let nonce;
  let tokens;
  let refreshed;
  const rawTokenResponses = [];

  before(async () => {
    if (!existsSync(BIN)) {
      throw new Error(`tessera binary not found at ${BIN}: build it first ` +
        '(cmake --build build) or point TESSERA_BIN at it');
    }
    tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
    const db = path.join(tmp, 'as.db');
    seed(db);
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = startServer(db, port);
    await server.ready;
  });

  after(async () => {
    if (server) await stopServer(server.child);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  // OIDC-9, DISC-5/7/8/9/10: openid-client fetches {issuer}/.well-known/openid-configuration and
  // checks that its `issuer` equals the URL it was given.
  it('discovers the server metadata (plain http is allowed only because it is loopback)', async () => {
    config = await client.discovery(new URL(issuer), CLIENT_ID, undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    // Record the raw token endpoint bodies: oauth4webapi normalises token_type to lower case, and
    // SMART clients are told to expect "Bearer" on the wire.
    config[client.customFetch] = async (url, options) => {
      const res = await fetch(url, options);
      if (String(url) === `${issuer}/token`) rawTokenResponses.push(await res.clone().json());
      return res;
    };
    const md = config.serverMetadata();
    assert.equal(md.issuer, issuer);
    assert.equal(md.authorization_endpoint, `${issuer}/authorize`);
    assert.equal(md.token_endpoint, `${issuer}/token`);
    assert.ok(md.jwks_uri, 'jwks_uri advertised');
    assert.ok(md.code_challenge_methods_supported.includes('S256'));
    assert.ok(md.id_token_signing_alg_values_supported.includes('RS256'));
    assert.ok(md.token_endpoint_auth_methods_supported.includes('none'));
  });

  // AUTHZ-6..10, PKCE-1, CTX-2: standalone launch, the user picks one of two patients.
  it('completes the authorization code flow with PKCE through the login, picker and consent forms',
    async () => {
      assert.ok(config, 'needs discovery');
      pkceCodeVerifier = client.randomPKCECodeVerifier();
      const codeChallenge = await client.calculatePKCECodeChallenge(pkceCodeVerifier);
      state = client.randomState();
      nonce = client.randomNonce();
      const authUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: SCOPE,
        aud: `${issuer}/fhir`,
        state,
        nonce,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      });

      const browser = new Browser();
      let r = await browser.get(authUrl);
      assert.equal(r.status, 303, `authorize: ${r.status} ${r.body}`);
      assert.match(r.location, new RegExp(`^${issuer}/interaction/[^/?]+$`));
      assert.ok([...browser.jar.keys()].includes('tessera_ix'), 'interaction cookie set');

      // Login.
      let pageUrl = r.location;
      r = await browser.get(pageUrl);
      assert.equal(r.status, 200, `login page: ${r.status} ${r.body}`);
      let action = formAction(r.body, pageUrl);
      assert.match(action, /\/login$/);
      r = await browser.postForm(action, [
        ['interaction', hidden(r.body, 'interaction')],
        ['csrf', hidden(r.body, 'csrf')],
        ['username', USERNAME],
        ['password', PASSWORD],
      ]);
      assert.equal(r.status, 303, `login: ${r.status} ${r.body}`);

      // Patient picker (the user may act for two patients).
      pageUrl = r.location;
      r = await browser.get(pageUrl);
      assert.equal(r.status, 200, `picker page: ${r.status} ${r.body}`);
      action = formAction(r.body, pageUrl);
      assert.match(action, /\/patient$/);
      assert.deepEqual(valuesOf(r.body, 'patient').sort(), ['demo-child-2', 'demo-parent']);
      r = await browser.postForm(action, [
        ['interaction', hidden(r.body, 'interaction')],
        ['csrf', hidden(r.body, 'csrf')],
        ['patient', CHOSEN_PATIENT],
      ]);
      assert.equal(r.status, 303, `picker: ${r.status} ${r.body}`);

      // Consent: approve every offered scope.
      pageUrl = r.location;
      r = await browser.get(pageUrl);
      assert.equal(r.status, 200, `consent page: ${r.status} ${r.body}`);
      action = formAction(r.body, pageUrl);
      assert.match(action, /\/consent$/);
      const scopes = valuesOf(r.body, 'scope');
      assert.ok(scopes.includes('openid') && scopes.includes('offline_access'),
        `offered scopes: ${scopes.join(' ')}`);
      r = await browser.postForm(action, [
        ['interaction', hidden(r.body, 'interaction')],
        ['csrf', hidden(r.body, 'csrf')],
        ...scopes.map((s) => ['scope', s]),
        ['decision', 'approve'],
      ]);
      assert.equal(r.status, 303, `consent: ${r.status} ${r.body}`);
      assert.ok(r.location.startsWith(`${REDIRECT_URI}?`), `redirect: ${r.location}`);
      callbackUrl = new URL(r.location);
      assert.ok(callbackUrl.searchParams.get('code'), 'code in redirect');
      assert.equal(callbackUrl.searchParams.get('state'), state);
    });

  // AUTHZ-7: the state comes back unchanged, and the client library enforces it.
  it('openid-client rejects the callback when the state does not match', async () => {
    assert.ok(callbackUrl, 'needs the callback');
    // validateAuthResponse runs before any token request, so the code is not spent here.
    await assert.rejects(
      client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier,
        expectedState: client.randomState(),
        expectedNonce: nonce,
      }),
      (e) => {
        // openid-client wraps oauth4webapi's error: 'unexpected "state" response parameter value'.
        assert.match(String(e.cause?.message), /"state"/);
        return true;
      },
    );
  });

  // PKCE-3, OIDC-2/5/6/8, CTX-4, REFRESH-1. openid-client checks iss, aud, azp, exp, iat, nonce
  // (OIDC Core 3.1.3.7) but, per OIDC, not the signature of an id_token from the token endpoint.
  it('exchanges the code; openid-client validates the id_token claims (iss, aud, nonce, exp)',
    async () => {
      assert.ok(callbackUrl, 'needs the callback');
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      assert.equal(tokens.token_type, 'bearer'); // as normalised by oauth4webapi
      assert.equal(rawTokenResponses.at(-1).token_type, 'Bearer'); // on the wire
      assert.ok(tokens.access_token);
      assert.ok(tokens.refresh_token, 'offline_access yields a refresh_token');
      assert.ok(tokens.id_token);
      assert.equal(tokens.patient, CHOSEN_PATIENT);
      assert.ok(tokens.expiresIn() > 0);
      const granted = tokens.scope.split(' ');
      for (const s of ['openid', 'fhirUser', 'launch/patient', 'patient/*.rs', 'offline_access']) {
        assert.ok(granted.includes(s), `granted scope includes ${s}: ${tokens.scope}`);
      }

      const claims = tokens.claims();
      assert.equal(claims.iss, issuer);
      assert.equal(claims.aud, CLIENT_ID);
      assert.equal(claims.sub, USERNAME);
      assert.equal(claims.nonce, nonce);
      assert.ok(String(claims.fhirUser).endsWith('/Patient/demo-parent'),
        `fhirUser: ${claims.fhirUser}`);
    });

  // OIDC-3/4/8/9: the signature verifies against {jwks_uri}.
  it('verifies the id_token signature against the JWKS with jose (RS256)', async () => {
    assert.ok(tokens, 'needs tokens');
    const JWKS = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token, JWKS, {
      issuer,
      audience: CLIENT_ID,
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.ok(protectedHeader.kid, 'kid in header selects the JWKS key');
    assert.equal(payload.sub, USERNAME);
    assert.equal(payload.nonce, nonce);
  });

  it('rejects a tampered id_token signature', async () => {
    assert.ok(tokens, 'needs tokens');
    const [h, p, sig] = tokens.id_token.split('.');
    // Flip a character in the middle of the signature (not the last one, whose low bits may be
    // padding and so not change the decoded bytes).
    const i = Math.floor(sig.length / 2);
    const flipped = sig[i] === 'A' ? 'B' : 'A';
    const tampered = `${h}.${p}.${sig.slice(0, i)}${flipped}${sig.slice(i + 1)}`;
    const JWKS = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
    await assert.rejects(jose.jwtVerify(tampered, JWKS, { issuer, audience: CLIENT_ID }),
      jose.errors.JWSSignatureVerificationFailed);
  });

  // REFRESH-4/5/6/9.
  it('refreshes: a new access token, a rotated refresh token, the same patient', async () => {
    assert.ok(tokens, 'needs tokens');
    refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.equal(refreshed.token_type, 'bearer');
    assert.equal(rawTokenResponses.at(-1).token_type, 'Bearer');
    assert.equal(rawTokenResponses.at(-1).patient, CHOSEN_PATIENT);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.ok(refreshed.refresh_token, 'refresh response carries a refresh_token');
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(refreshed.patient, CHOSEN_PATIENT);
    if (refreshed.id_token) {
      // openid-client already checked sub/iss/aud against the first id_token; check the signature.
      const JWKS = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
      const { payload } = await jose.jwtVerify(refreshed.id_token, JWKS, {
        issuer,
        audience: CLIENT_ID,
      });
      assert.equal(payload.sub, USERNAME);
    }
  });

  // REFRESH-7/8: after rotation the old refresh token is refused with invalid_grant.
  it('refuses the rotated-out refresh token with invalid_grant', async () => {
    assert.ok(refreshed, 'needs a refresh');
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (e) => {
      assert.ok(e instanceof client.ResponseBodyError, `unexpected error: ${e}`);
      assert.equal(e.error, 'invalid_grant');
      return true;
    });
  });
});
