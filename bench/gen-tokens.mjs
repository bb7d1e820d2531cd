// Streams SQL that inserts COUNT live access tokens (each with its grant, as an authorization code
// flow leaves them) into a Tessera database, for the scale workloads of bench/run.sh:
//
//   node gen-tokens.mjs COUNT ISSUER FHIR_BASE SAMPLE_FILE SAMPLE_EVERY | sqlite3 DB
//
// Rows look like real ones: token strings are `tsr_at_` + base64url(32 random bytes) and are
// stored, as Tessera stores them, only as the hex SHA-256 (token_hash); grant ids are 16 random
// bytes in base64url; subjects, fhirUser, scope, aud and the launch context vary per row; every
// token is live (issued in the last 30 minutes, expires 3600 s after issue). Rows arrive in random
// key order, as they would from a running server. Every SAMPLE_EVERY-th token string is written
// to SAMPLE_FILE (one per line) so that a workload can introspect tokens spread over the table.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';

const [count, issuer, fhirBase, sampleFile, sampleEvery] = process.argv.slice(2);
const n = Number(count);
const every = Math.max(1, Number(sampleEvery || 1));
if (!(n >= 0) || !issuer || !fhirBase || !sampleFile) {
  console.error('usage: node gen-tokens.mjs COUNT ISSUER FHIR_BASE SAMPLE_FILE SAMPLE_EVERY');
  process.exit(2);
}
const sample = createWriteStream(sampleFile);
const now = Math.floor(Date.now() / 1000);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const b64u = (b) => b.toString('base64url');
const scope = 'launch openid fhirUser patient/*.rs';
const styleUrl = `${issuer}/smart-style/v1.json`;
const batch = 500;

const out = [];
function flush(force) {
  if (!force && out.length < 64) return true;
  const ok = process.stdout.write(out.join(''));
  out.length = 0;
  return ok;
}

process.stdout.write(
  'PRAGMA synchronous=OFF;\nPRAGMA cache_size=-1000000;\nBEGIN;\n');
let i = 0;
function step() {
  while (i < n) {
    const rows = Math.min(batch, n - i);
    const grants = [];
    const tokens = [];
    for (let k = 0; k < rows; ++k, ++i) {
      const token = `tsr_at_${b64u(randomBytes(32))}`;
      const hash = createHash('sha256').update(token).digest('hex');
      const grant = b64u(randomBytes(16));
      const practitioner = i % 3 === 0;
      const subject = practitioner ? `clinician-${i % 5000}` : `person-${i % 200000}`;
      const fhirUser = practitioner ? `Practitioner/pr-${i % 5000}` : `Patient/p-${i % 200000}`;
      const issued = now - Math.floor(Math.random() * 1800);
      const ctx = JSON.stringify({
        patient: `p-${(i * 7919) % 200000}`,
        encounter: `enc-${i}`,
        need_patient_banner: true,
        smart_style_url: styleUrl,
      });
      grants.push(`(${q(grant)},'bench-app',${q(subject)},${q(fhirUser)},${q(scope)},${q(fhirBase)},` +
                  `${q(ctx)},1,${issued},${issued},0)`);
      tokens.push(`(${q(hash)},0,${q(grant)},'bench-app',${q(subject)},${q(fhirUser)},${q(scope)},` +
                  `${q(fhirBase)},${q(ctx)},1,${issued},${issued + 3600},0)`);
      if (i % every === 0) sample.write(`${token}\n`);
    }
    out.push('INSERT INTO grants(grant_id, client_id, subject, fhir_user, scope, aud, context_json, ' +
             'id_token, created_at, auth_time, revoked) VALUES\n' + grants.join(',\n') + ';\n');
    out.push('INSERT INTO tokens(token_hash, kind, grant_id, client_id, subject, fhir_user, scope, ' +
             'aud, context_json, id_token, issued_at, expires_at, revoked) VALUES\n' +
             tokens.join(',\n') + ';\n');
    if (!flush(false)) {
      process.stdout.once('drain', step);
      return;
    }
  }
  flush(true);
  process.stdout.write('COMMIT;\nPRAGMA wal_checkpoint(TRUNCATE);\n');
  sample.end();
}
step();
