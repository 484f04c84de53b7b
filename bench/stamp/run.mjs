#!/usr/bin/env node
// Late stamping's cost: the stamped rebuild of a numpy-bundling archive after a new commit,
// against a plain `cp` of the same archive, measured side by side (interleaved) in one run.
//   node bench/stamp/run.mjs [--runs 7] [--data-mb 0]
// It copies examples/numpy into a scratch git repository (its own Bazel output base, the
// rule set through local_repository), builds //:solve with --config=release once, then per
// run: commits, rebuilds with --config=release, and times `cp` of the archive. It reports
//   - the ParStamp action's duration (Bazel's --profile: the work Bazel does per stamped
//     binary when the revision changes), and the whole `bazel build` invocation (wall);
//   - which actions ran (execution log: must be ParStamp only);
//   - `cp` of the archive, and ratios.
// --data-mb N adds N MB of incompressible data files to the binary (a synthetic large archive).
// Run it in an empty environment: env -i PATH=/usr/bin:/bin HOME=$HOME node bench/stamp/run.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : dflt);
const RUNS = opt('runs', 7);
const DATA_MB = opt('data-mb', 0);

const dir = mkdtempSync(join(tmpdir(), 'par-bench-stamp-'));
const ws = join(dir, 'repo');
const startup = [`--output_base=${join(dir, 'ob')}`, '--max_idle_secs=120'];

function run(cmd, args, cwd = ws) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}
const bazel = (...args) => run(join(ROOT, 'scripts/bazel'), [...startup, ...args]);
const git = (...args) => run('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args]);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function setup() {
  const src = join(ROOT, 'examples/numpy');
  if (!readdirSync(join(src, 'third_party')).some((f) => f.endsWith('.whl'))) run(join(src, 'make_wheels.sh'), [], src);
  mkdirSync(join(ws, 'third_party'), { recursive: true });
  mkdirSync(join(ws, 'tools'), { recursive: true });
  for (const f of ['BUILD', 'solve.py']) copyFileSync(join(src, f), join(ws, f));
  for (const f of readdirSync(join(src, 'third_party'))) copyFileSync(join(src, 'third_party', f), join(ws, 'third_party', f));
  writeFileSync(join(ws, 'WORKSPACE'), readFileSync(join(src, 'WORKSPACE'), 'utf8').replaceAll('"../..', JSON.stringify(ROOT).slice(0, -1)));
  writeFileSync(join(ws, '.bazelrc'), readFileSync(join(src, '.bazelrc'), 'utf8') +
    'build:release --stamp\nbuild:release --workspace_status_command=tools/workspace_status.sh\n');
  copyFileSync(join(ROOT, 'tools/workspace_status.sh'), join(ws, 'tools/workspace_status.sh'));
  if (DATA_MB > 0) {
    mkdirSync(join(ws, 'blobs'));
    // Incompressible, so the archive really grows by DATA_MB (a power-of-two LCG would not be).
    for (let i = 0; i < DATA_MB; i++) writeFileSync(join(ws, 'blobs', `blob${i}.bin`), randomBytes(1 << 20));
    writeFileSync(join(ws, 'BUILD'), readFileSync(join(ws, 'BUILD'), 'utf8').replace('deps = [', 'data = glob(["blobs/*.bin"]),\n    deps = ['));
  }
  writeFileSync(join(ws, 'NOTES'), 'run 0\n');
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'bench');
}

function profileStampMs(file) {
  const raw = readFileSync(file);
  const trace = JSON.parse((raw[0] === 0x1f ? gunzipSync(raw) : raw).toString('utf8'));
  const events = (trace.traceEvents ?? trace).filter((e) => e.ph === 'X' && /Stamping Python archive/.test(e.name ?? ''));
  return events.length ? Math.max(...events.map((e) => e.dur)) / 1000 : NaN;
}

setup();
const log = join(dir, 'exec.json');
const prof = join(dir, 'profile.json');
process.stderr.write(`bench/stamp: warm-up builds in ${ws}\n`);
bazel('build', '//:solve');
bazel('build', '--config=release', '//:solve');
const archive = join(ws, 'bazel-bin/solve');
const size = statSync(archive).size;
const rows = { stamp: [], bazel: [], cp: [] };
const ran = new Set();
for (let i = 1; i <= RUNS; i++) {
  writeFileSync(join(ws, 'NOTES'), `run ${i}\n`);
  git('commit', '-qam', `run ${i}`);
  let t = now();
  bazel('build', '--config=release', `--execution_log_json_file=${log}`, `--profile=${prof}`, '//:solve');
  rows.bazel.push(now() - t);
  rows.stamp.push(profileStampMs(prof));
  for (const m of readFileSync(log, 'utf8').matchAll(/"mnemonic": "([^"]*)"/g)) ran.add(m[1]);
  const dst = join(dir, 'copy');
  rmSync(dst, { force: true });
  t = now();
  run('cp', [archive, dst], dir);
  rows.cp.push(now() - t);
}
bazel('shutdown');
rmSync(dir, { recursive: true, force: true });

const cp = median(rows.cp);
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const what = DATA_MB ? `examples/numpy solve + ${DATA_MB} MB of data files` : 'examples/numpy solve (numpy wheel bundled)';
console.log(`archive: ${what}, ${(size / (1 << 20)).toFixed(1)} MiB; ${RUNS} runs, medians; actions executed per rebuild: ${[...ran].sort().join(', ') || 'none'}`);
console.log('| after a new commit | ms | x cp |');
console.log('|---|---|---|');
console.log(`| \`cp\` of the archive | ${fmt(cp)} | 1.00 |`);
console.log(`| ParStamp action (Bazel profile) | ${fmt(median(rows.stamp))} | ${(median(rows.stamp) / cp).toFixed(2)} |`);
console.log(`| whole \`bazel build --config=release\` | ${fmt(median(rows.bazel))} | ${(median(rows.bazel) / cp).toFixed(2)} |`);
