// Turns the raw runs of bench/run.sh (one JSON object per wrk run) into the markdown table of
// bench/results/latest.md: medians over the repeats, ratios from the same repeat, the targets of
// issue 5 with pass/miss.
//
//   node report.mjs RESULTS.jsonl META.json > latest.md
import { readFileSync } from 'node:fs';

const [resultsFile, metaFile] = process.argv.slice(2);
const runs = readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const meta = JSON.parse(readFileSync(metaFile, 'utf8'));

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const ms = (us) => (Number.isFinite(us) ? (us / 1000).toFixed(us < 10000 ? 2 : 1) : '–');
const mib = (kb) => (Number.isFinite(kb) ? (kb / 1024).toFixed(1) : '–');

for (const r of runs) {
  r.rps = r.requests / (r.duration_us / 1e6);
  r.cpu_s = r.cpu_ticks / r.clk_tck;
  r.cpu_pct = (100 * r.cpu_s) / (r.duration_us / 1e6);
  r.per_cpu_s = r.cpu_s > 0 ? r.requests / r.cpu_s : NaN;
  r.failed = r.err_connect + r.err_read + r.err_write + r.err_status + r.err_timeout + r.non2xx;
}

// Group: workload key + connections + server.
const groups = new Map();
const order = [];
for (const r of runs) {
  const key = `${r.workload}|${r.conns}`;
  if (!groups.has(key)) {
    groups.set(key, new Map());
    order.push(key);
  }
  const g = groups.get(key);
  if (!g.has(r.server)) g.set(r.server, []);
  g.get(r.server).push(r);
}
const serverOrder = ['tessera', 'nginx', 'oidc-provider'];

function ratio(g, other, field = 'rps') {
  const t = g.get('tessera');
  const o = g.get(other);
  if (!t || !o) return NaN;
  const byRep = new Map(o.map((r) => [r.rep, r[field]]));
  return median(t.filter((r) => byRep.has(r.rep)).map((r) => r[field] / byRep.get(r.rep)));
}

const summary = {};  // key -> server -> aggregated row
const lines = [];
lines.push('| workload | conns | server | req/s | p50 ms | p99 ms | server CPU % | req per CPU-s | RSS idle MiB | RSS peak MiB | failed | Tessera/nginx req/s (per CPU-s) | Tessera/oidc-provider req/s (per CPU-s) |');
lines.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const key of order) {
  const g = groups.get(key);
  const servers = [...g.keys()].sort((a, b) => serverOrder.indexOf(a) - serverOrder.indexOf(b));
  summary[key] = {};
  for (const s of servers) {
    const rs = g.get(s);
    const row = {
      label: rs[0].label,
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50_us)),
      p99: median(rs.map((r) => r.p99_us)),
      cpu: median(rs.map((r) => r.cpu_pct)),
      per_cpu: median(rs.map((r) => r.per_cpu_s)),
      idle: Math.min(...rs.map((r) => r.rss_idle_kb)),
      peak: Math.max(...rs.map((r) => r.hwm_kb)),
      failed: rs.reduce((a, r) => a + r.failed, 0),
      n: rs.length,
    };
    summary[key][s] = row;
    const isT = s === 'tessera';
    const rn = isT ? ratio(g, 'nginx') : NaN;
    const ro = isT ? ratio(g, 'oidc-provider') : NaN;
    const rnc = isT ? ratio(g, 'nginx', 'per_cpu_s') : NaN;
    const roc = isT ? ratio(g, 'oidc-provider', 'per_cpu_s') : NaN;
    row.ratio = { nginx: rn, oidc: ro, nginx_cpu: rnc, oidc_cpu: roc };
    lines.push(`| ${row.label} | ${rs[0].conns} | ${s} | ${fmtInt(row.rps)} | ${ms(row.p50)} | ${ms(row.p99)} | ` +
               `${fmt(row.cpu)} | ${fmtInt(row.per_cpu)} | ${mib(row.idle)} | ${mib(row.peak)} | ${row.failed} | ` +
               `${isT && Number.isFinite(rn) ? `**${rn.toFixed(2)}** (${fmt(rnc, 2)})` : ''} | ` +
               `${isT && Number.isFinite(ro) ? `**${ro.toFixed(1)}** (${fmt(roc, 1)})` : ''} |`);
  }
}

// ---- targets (issue 5) ----
const get = (w, c, s) => summary[`${w}|${c}`]?.[s];
const g = (w, c) => groups.get(`${w}|${c}`);
const targets = [];
const check = (name, value, goal, ok, unit = '', alt = NaN) =>
  targets.push(`| ${name} | ${Number.isFinite(value) ? value.toFixed(2) + unit : 'not measured'}${Number.isFinite(alt) ? ` (per CPU-s: ${alt.toFixed(2)})` : ''} | ${goal} | ${Number.isFinite(value) ? (ok(value) ? 'met' : '**missed**') : '–'} |`);
const hi = 64;
if (g('w1', hi)) {
  check('introspection (active), Tessera/nginx, 64 conns', ratio(g('w1', hi), 'nginx'), '≥ 0.6', (v) => v >= 0.6, '', ratio(g('w1', hi), 'nginx', 'per_cpu_s'));
  check('introspection (active), Tessera/oidc-provider, 64 conns', ratio(g('w1', hi), 'oidc-provider'), '≥ 10', (v) => v >= 10, '', ratio(g('w1', hi), 'oidc-provider', 'per_cpu_s'));
  check('introspection (active), Tessera p99, 64 conns', get('w1', hi, 'tessera')?.p99 / 1000, '≤ 2 ms', (v) => v <= 2, ' ms');
}
if (g('w3', hi)) check('token issuance, Tessera/oidc-provider, 64 conns', ratio(g('w3', hi), 'oidc-provider'), '≥ 5', (v) => v >= 5, '', ratio(g('w3', hi), 'oidc-provider', 'per_cpu_s'));
if (g('w4', hi)) check('FHIR read (warm), Tessera/nginx, 64 conns', ratio(g('w4', hi), 'nginx'), '≥ 0.4', (v) => v >= 0.4, '', ratio(g('w4', hi), 'nginx', 'per_cpu_s'));
if (g('w5', hi)) check('FHIR search 20 Observations (warm), Tessera/nginx, 64 conns', ratio(g('w5', hi), 'nginx'), '≥ 0.15', (v) => v >= 0.15, '', ratio(g('w5', hi), 'nginx', 'per_cpu_s'));
for (const [big, small, what] of [['w1-1M', 'w1', 'same token'], ['w1r-1M', 'w1r', 'random live tokens']]) {
  const b = get(big, hi, 'tessera');
  const s = get(small, hi, 'tessera');
  if (b && s) check(`1,000,000 vs 1,000 live tokens, introspection (${what}), 64 conns`, b.rps / s.rps, '≥ 0.9', (v) => v >= 0.9, '', b.per_cpu / s.per_cpu);
}
if (meta.startup_ms_1m?.length) check('start-up with 1,000,000 tokens (median)', median(meta.startup_ms_1m), '≤ 1000 ms', (v) => v <= 1000, ' ms');
const tRows = Object.entries(summary).map(([, v]) => v.tessera).filter(Boolean);
if (tRows.length) {
  check('Tessera RSS idle (max over servers started)', Math.max(...tRows.map((r) => r.idle)) / 1024, '≤ 32 MiB', (v) => v <= 32, ' MiB');
  const hiRows = Object.entries(summary).filter(([k]) => k.endsWith(`|${hi}`)).map(([, v]) => v.tessera).filter(Boolean);
  if (hiRows.length) check('Tessera RSS peak under 64-connection loads', Math.max(...hiRows.map((r) => r.peak)) / 1024, '≤ 96 MiB', (v) => v <= 96, ' MiB');
}

const out = [];
out.push(`# Tessera benchmark: ${meta.date}`);
out.push('');
out.push(`Machine: ${meta.cpu} (${meta.nproc} cores), ${meta.mem}; load average at start ${meta.loadavg}. ` +
         `Servers pinned to CPU 0 (\`taskset -c 0\`), wrk ${meta.wrk} pinned to CPU 1, \`-t1\`, ` +
         `${meta.duration} s per run, median of ${meta.repeats} repeats; the three servers take turns inside each repeat, ` +
         'and the ratios are medians of the per-repeat ratios.');
out.push('');
out.push(`Servers: Tessera ${meta.tessera} (Release, one worker thread, log level warn, SQLite WAL synchronous=NORMAL); ` +
         `nginx ${meta.nginx} (one process, static file of the same size as Tessera's answer, open_file_cache, access_log off); ` +
         `node-oidc-provider ${meta.oidc} on Node ${meta.node} (in-memory adapter, opaque tokens).`);
out.push('');
out.push(lines.join('\n'));
out.push('');
out.push('Columns: p50/p99 from wrk; server CPU = (utime+stime) of the server process over the run, in % of one core; ' +
         'req per CPU-s = requests ÷ server CPU seconds; RSS idle = VmRSS before the first run of the workload, ' +
         'RSS peak = VmHWM after it; failed = socket errors + non-2xx answers (must be 0).');
out.push('');
out.push('Workloads:');
for (const w of meta.workloads || []) out.push(`- **${w.label}**: ${w.text}`);
out.push('');
if (meta.scale) {
  const s = meta.scale;
  out.push('## Scale');
  out.push('');
  out.push(`| database | live tokens | file bytes | bytes per live token (whole file) | tokens table + indexes, bytes per token | grants, bytes per grant |`);
  out.push('|---|---:|---:|---:|---:|---:|');
  for (const d of s.dbs) {
    out.push(`| ${d.name} | ${fmtInt(d.live)} | ${fmtInt(d.bytes)} | ${fmt(d.bytes / d.live)} | ${fmt(d.tokens_bytes / d.live)} | ${fmt(d.grants_bytes / d.live)} |`);
  }
  out.push('');
  out.push(`Marginal bytes per additional live token (1M file − 1k file) ÷ (live difference): **${fmt(s.marginal_bytes_per_token)}** ` +
           '(one access-token row with its three index entries, plus its grant row with its primary-key index).');
  out.push(`Loading ${fmtInt(s.inserted)} tokens with sqlite3: ${fmt(s.load_s, 1)} s.`);
  out.push(`Start-up with ${fmtInt(s.dbs.at(-1)?.live)} live tokens, exec to the port line, ${meta.startup_ms_1m.length} starts: ` +
           `${meta.startup_ms_1m.map((x) => `${x} ms`).join(', ')} (median ${fmt(median(meta.startup_ms_1m))} ms); ` +
           `with ${fmtInt(s.dbs[0]?.live)}: ${(meta.startup_ms_1k || []).map((x) => `${x} ms`).join(', ')}.`);
  out.push('');
}
if (targets.length) {
  out.push('## Targets (issue 5)');
  out.push('');
  out.push('| target | measured | goal | |');
  out.push('|---|---:|---:|---|');
  out.push(...targets);
  out.push('');
}
if (meta.notes?.length) {
  out.push('## Notes from this run');
  out.push('');
  for (const n of meta.notes) out.push(`- ${n}`);
  out.push('');
}
process.stdout.write(out.join('\n'));
