// The OAuth peer of `make bench`: node-oidc-provider 9 with a tiny in-memory adapter (a Map with
// expiry), one confidential client (client_secret_basic, client_credentials), opaque access
// tokens and token introspection enabled at /introspect.
//
//   node server.js PORT            prints "oidc-provider listening on http://127.0.0.1:PORT (port=PORT)"
//
// Workload 1 (introspection of an active token with launch context): the harness obtains a
// client_credentials token whose scope includes `launch`; extraTokenClaims then stores patient,
// encounter, fhirUser and the other launch members with the token, and introspection returns
// them as top-level members, as Tessera does. Tokens without `launch` carry no extra claims.
// Loopback only; secrets here are benchmark fixtures, never real credentials.
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const issuer = `http://127.0.0.1:${port}`;

// In-memory adapter: one Map per model, entries expire by `expiresIn`.
const stores = new Map();
class MemoryAdapter {
  constructor(name) {
    this.name = name;
    if (!stores.has(name)) stores.set(name, new Map());
    this.map = stores.get(name);
  }
  async upsert(id, payload, expiresIn) {
    const exp = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    this.map.set(id, { payload, exp });
  }
  async find(id) {
    const e = this.map.get(id);
    if (!e) return undefined;
    if (e.exp <= Date.now()) {
      this.map.delete(id);
      return undefined;
    }
    return e.payload;
  }
  async findByUserCode() { return undefined; }
  async findByUid() { return undefined; }
  async consume(id) {
    const e = this.map.get(id);
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) { this.map.delete(id); }
  async revokeByGrantId(grantId) {
    for (const [id, e] of this.map) if (e.payload.grantId === grantId) this.map.delete(id);
  }
}
// Bound memory under the issuance workload: drop expired entries every 10 s.
setInterval(() => {
  const now = Date.now();
  for (const m of stores.values()) for (const [id, e] of m) if (e.exp <= now) m.delete(id);
}, 10_000).unref();

const launchContext = {
  patient: 'bench-patient',
  encounter: 'bench-encounter',
  fhirUser: 'Practitioner/bench-practitioner',
  need_patient_banner: true,
  smart_style_url: `${issuer}/smart-style/v1.json`,
};

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  clients: [{
    client_id: 'bench-client',
    client_secret: 'bench-client-secret-0123456789abcdef',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'system/Patient.rs system/Observation.rs launch',
  }],
  scopes: ['system/Patient.rs', 'system/Observation.rs', 'launch'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: { enabled: false },
  },
  // Opaque access tokens (no resource indicators, so no JWT format).
  extraTokenClaims: async (ctx, token) =>
    (String(token.scope || '').split(' ').includes('launch') ? launchContext : undefined),
  ttl: { ClientCredentials: 300 },
  routes: { token: '/token', introspection: '/introspect' },
  cookies: { keys: ['bench-cookie-key-not-a-secret'] },
  renderError: async (ctx, out) => { ctx.type = 'json'; ctx.body = out; },
});
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  const p = server.address().port;
  console.log(`oidc-provider listening on http://127.0.0.1:${p} (port=${p})`);
});
server.keepAliveTimeout = 65_000;
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
