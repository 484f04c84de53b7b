#!/usr/bin/env node
// A second checkout against a warm remote cache, on the bench/scale workspace:
//   env -i PATH=/usr/bin:/bin HOME=$HOME node bench/remote/run.mjs [--libs 1000] [--bins 100]
// Generates the workspace (bench/scale/gen.mjs) twice, as checkouts A and B at different paths
// under bench/.cache/remote/ (each with its own frozen copy of the rule set, output base and
// $HOME), serves Bazel's HTTP cache from nginx on loopback (tests/helpers/nginx_cache.sh), and
// times `bazel build //...` in each situation a CI runner meets, server start included:
//   scratch      A, fresh output base, no cache (the baseline)
//   fill         A, `bazel clean`, then with --remote_cache: every action misses and uploads
//   warm remote  B, fresh output base, --remote_cache: what a new runner pays
//   no-op        B again, nothing changed
//   refetch      B, `bazel clean`, --remote_cache: the cache reads alone (server and analysis warm)
// with the spawns of each (cache hits and misses, by mnemonic) from --execution_log_json_file.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freezeRules } from '../scale/freeze.mjs';
import { generate } from '../scale/gen.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BAZEL = join(ROOT, 'scripts/bazel');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const LIBS = Number(opt('libs', 1000));
const BINS = Number(opt('bins', 100));
const dir = join(ROOT, 'bench/.cache/remote');
const say = (s) => process.stderr.write(`[remote ${LIBS}] ${s}\n`);

const checkout = (path) => ({ ws: join(path, 'ws'), rules: join(path, 'rules_par'), outputBase: `${path}.output_base`, home: `${path}.home` });
const A = checkout(join(dir, 'a'));
const B = checkout(join(dir, 'elsewhere/checkout-b'));
const cache = join(dir, 'cache');
const logs = join(dir, 'logs');

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}
const listening = (port) => new Promise((resolve) => {
  const c = connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

let logN = 0;
/** One bazel command in checkout `c`; returns its time and spawns from the execution log. */
function bazel(c, cmd, args = []) {
  const log = join(logs, `exec-${logN++}.json`);
  const t = process.hrtime.bigint();
  const r = spawnSync(BAZEL, [`--output_base=${c.outputBase}`, '--max_idle_secs=300', cmd, '--color=no', '--curses=no', ...(cmd === 'build' ? [`--execution_log_json_file=${log}`] : []), ...args], {
    cwd: c.ws, encoding: 'utf8', maxBuffer: 1 << 28, env: { PATH: '/usr/bin:/bin', HOME: c.home, LANG: 'C.UTF-8' },
  });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`bazel ${cmd} ${args.join(' ')} in ${c.ws} failed (${r.status}):\n${(r.stderr ?? '').slice(-4000)}`);
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  // Concatenated SpawnExec objects; each has one mnemonic and one remoteCacheHit field.
  const spawns = [...text.matchAll(/"mnemonic": "([^"]*)"[\s\S]*?"remoteCacheHit": (true|false)/g)].map((m) => ({ mnemonic: m[1], hit: m[2] === 'true' }));
  return { secs, spawns, processes: /INFO: (\d+ process(?:es)?[^\n]*)/.exec(r.stderr)?.[1] ?? 'no processes line' };
}

function counts(spawns) {
  const by = {};
  for (const s of spawns) {
    const e = (by[s.mnemonic] ??= { hit: 0, miss: 0 });
    e[s.hit ? 'hit' : 'miss']++;
  }
  const hits = spawns.filter((s) => s.hit).length;
  const detail = Object.entries(by).sort().map(([m, e]) => `${m} ${e.hit}/${e.hit + e.miss}`).join(', ');
  return `${hits} hits, ${spawns.length - hits} misses${detail ? ` (hits/spawns: ${detail})` : ''}`;
}

say('generating two checkouts...');
for (const c of [A, B]) if (existsSync(c.ws)) spawnSync(BAZEL, [`--output_base=${c.outputBase}`, 'shutdown'], { cwd: c.ws });
rmSync(dir, { recursive: true, force: true });
for (const c of [A, B]) {
  freezeRules(c.rules);
  generate({ libs: LIBS, bins: BINS, out: c.ws, rulesPar: c.rules });
  mkdirSync(c.home, { recursive: true });
}
mkdirSync(logs, { recursive: true });

const port = await freePort();
const nginx = spawn(join(ROOT, 'tests/helpers/nginx_cache.sh'), [cache, String(port)], { stdio: 'inherit' });
for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
const remote = `--remote_cache=http://127.0.0.1:${port}`;

const rows = [];
const row = (what, r) => {
  rows.push({ what, ...r });
  say(`${what}: ${r.secs.toFixed(1)} s; ${r.processes}; ${counts(r.spawns)}`);
};
try {
  row('A: from scratch, no cache', bazel(A, 'build', ['//...']));
  bazel(A, 'clean');
  row('A: clean, --remote_cache (fill: miss + upload)', bazel(A, 'build', [remote, '//...']));
  row('B: new checkout, --remote_cache (warm)', bazel(B, 'build', [remote, '//...']));
  row('B: no-op rebuild', bazel(B, 'build', [remote, '//...']));
  bazel(B, 'clean');
  row('B: clean, --remote_cache (server + analysis warm)', bazel(B, 'build', [remote, '//...']));
} finally {
  for (const c of [A, B]) spawnSync(BAZEL, [`--output_base=${c.outputBase}`, 'shutdown'], { cwd: c.ws });
  nginx.kill('SIGTERM');
}

const scratch = rows[0].secs;
const du = spawnSync('du', ['-sm', join(cache, 'root')], { encoding: 'utf8' }).stdout.split('\t')[0];
console.log(`\nbench/remote: bench/scale workspace, ${LIBS} python_library, ${BINS} python_binary; HTTP cache (nginx) holds ${du} MB`);
for (const r of rows) console.log(`${r.what.padEnd(48)} ${r.secs.toFixed(1).padStart(7)} s  ${(r.secs / scratch).toFixed(2)}x scratch  ${r.processes}; ${counts(r.spawns)}`);
