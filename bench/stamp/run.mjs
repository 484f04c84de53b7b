#!/usr/bin/env node
// Late stamping's cost: the stamped rebuild of a numpy-bundling archive after a new commit,
// against a plain copy of the same archive, measured side by side in one run:
//   (a) the ParStamp action (persistent worker, as a release build runs it);
//   (b) a plain Bazel copy action of the same archive: a genrule running `cp` (no sandbox,
//       like the unsandboxed worker), built in the same invocation right after (a) because
//       its input, the stamped archive, changed. Bazel deletes, and afterwards digests, the
//       output of both, so (b) is the copy a build system pays;
//   (c) `cp` of the archive outside Bazel (spawned by this script, as a shell would);
// and, after the Bazel runs, bench/stamp/inproc.mjs on the same body: the stamper alone.
//   node bench/stamp/run.mjs [--runs 7] [--data-mb 0] [--keep]
// It copies examples/numpy into a scratch git repository (its own Bazel output base, a
// snapshot of the rule set through local_repository), builds once with --config=release, then per run:
// commits, rebuilds //:solve and //:solve_copy with --config=release, reads the durations
// of (a) and (b) from Bazel's --profile and the executed actions from the execution log
// (must be ParStamp and Genrule only), then times (c).
// --data-mb N adds N MB of incompressible data files to the binary (a synthetic large archive).
// --keep leaves the scratch directory (workspace, output base) for bench/stamp/inproc.mjs.
// Run it in an empty environment: env -i PATH=/usr/bin:/bin HOME=$HOME node bench/stamp/run.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
const KEEP = argv.includes('--keep');

const dir = mkdtempSync(join(tmpdir(), 'par-bench-stamp-'));
const ws = join(dir, 'repo');
const rules = join(dir, 'rules_par');
const startup = [`--output_base=${join(dir, 'ob')}`, '--max_idle_secs=300'];

function run(cmd, args, cwd = ws) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}
const bazel = (...args) => run(join(ROOT, 'scripts/bazel'), [...startup, ...args]);
const git = (...args) => run('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args]);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// (b): the plain Bazel copy. `no-sandbox` because ParStamp's worker is not sandboxed either;
// a sandboxed genrule would pay the sandbox set-up and flatter the ratio.
const COPY_RULE = `
genrule(
    name = "solve_copy",
    srcs = [":solve"],
    outs = ["solve_copy.bin"],
    cmd = "cp $(location :solve) $@",
    message = "Copying archive",
    tags = ["no-sandbox"],
)
`;

function setup() {
  const src = join(ROOT, 'examples/numpy');
  if (!readdirSync(join(src, 'third_party')).some((f) => f.endsWith('.whl'))) run(join(src, 'make_wheels.sh'), [], src);
  mkdirSync(join(ws, 'third_party'), { recursive: true });
  mkdirSync(join(ws, 'tools'), { recursive: true });
  for (const f of ['BUILD', 'solve.py']) copyFileSync(join(src, f), join(ws, f));
  for (const f of readdirSync(join(src, 'third_party'))) copyFileSync(join(src, 'third_party', f), join(ws, 'third_party', f));
  // A snapshot of the rule set: others editing the tree (a regenerated bundle, a bootstrap
  // file) would otherwise re-run ParPack in the middle of the timed rebuilds.
  const skip = (f) => !/\/(bazel-[^/]*|node_modules|\.git|__pycache__)$/.test(f);
  for (const d of ['rules', 'toolchains', 'src', 'tools', 'third_party']) cpSync(join(ROOT, d), join(rules, d), { recursive: true, filter: skip });
  for (const f of ['WORKSPACE', 'BUILD', 'MODULE.bazel', 'package.json']) if (existsSync(join(ROOT, f))) copyFileSync(join(ROOT, f), join(rules, f));
  writeFileSync(join(ws, 'WORKSPACE'), readFileSync(join(src, 'WORKSPACE'), 'utf8').replaceAll('"../..', JSON.stringify(rules).slice(0, -1)));
  writeFileSync(join(ws, '.bazelrc'), readFileSync(join(src, '.bazelrc'), 'utf8') +
    'build:release --stamp\nbuild:release --workspace_status_command=tools/workspace_status.sh\n');
  copyFileSync(join(ROOT, 'tools/workspace_status.sh'), join(ws, 'tools/workspace_status.sh'));
  let build = readFileSync(join(ws, 'BUILD'), 'utf8') + COPY_RULE;
  if (DATA_MB > 0) {
    mkdirSync(join(ws, 'blobs'));
    // Incompressible, so the archive really grows by DATA_MB (a power-of-two LCG would not be).
    for (let i = 0; i < DATA_MB; i++) writeFileSync(join(ws, 'blobs', `blob${i}.bin`), randomBytes(1 << 20));
    build = build.replace('deps = [', 'data = glob(["blobs/*.bin"]),\n    deps = [');
  }
  writeFileSync(join(ws, 'BUILD'), build);
  writeFileSync(join(ws, 'NOTES'), 'run 0\n');
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'bench');
}

/**
 * The longest action event whose description matches, in ms, split into: Bazel deleting the
 * old output, the spawn (the worker request, or the process), Bazel digesting the new output,
 * and the rest (scheduling, metadata). 'action processing' spans the whole action; 'action
 * dependency checking' events share its name. Bazel records VFS events only above a few ms,
 * so a fast delete shows as 0.
 */
function action(trace, re) {
  const a = trace.filter((e) => e.ph === 'X' && e.cat === 'action processing' && re.test(e.name ?? '')).sort((x, y) => y.dur - x.dur)[0];
  if (!a) return undefined;
  const within = (outer) => (e) => e.ph === 'X' && e.tid === outer.tid && e.ts >= outer.ts && e.ts + e.dur <= outer.ts + outer.dur;
  const inside = trace.filter(within(a));
  const sum = (events) => events.reduce((n, e) => n + e.dur / 1000, 0);
  const digests = inside.filter((e) => e.cat === 'VFS md5');
  const exec = inside.find((e) => e.name === 'ActionContinuation.execute');
  const parts = {
    total: a.dur / 1000,
    delete: sum(inside.filter((e) => e.cat === 'VFS delete')),
    digest: sum(digests),
    // Bazel 4 digests outputs inside the execute continuation, after the spawn returns.
    spawn: exec ? exec.dur / 1000 - sum(digests.filter(within(exec))) : NaN,
  };
  return { ...parts, rest: parts.total - parts.delete - parts.digest - parts.spawn };
}

function readProfile(file) {
  const raw = readFileSync(file);
  const trace = JSON.parse((raw[0] === 0x1f ? gunzipSync(raw) : raw).toString('utf8'));
  return trace.traceEvents ?? trace;
}

setup();
const log = join(dir, 'exec.json');
const prof = join(dir, 'profile.json');
const targets = ['//:solve', '//:solve_copy'];
// Output deletion and digesting as profile events of their own (off by default).
const PROFILE_PARTS = ['--experimental_profile_additional_tasks=vfs_delete', '--experimental_profile_additional_tasks=vfs_md5'];
process.stderr.write(`bench/stamp: warm-up builds in ${ws}\n`);
bazel('build', ...targets);
bazel('build', '--config=release', ...targets);
const archive = join(ws, 'bazel-bin/solve');
const size = statSync(archive).size;
const rows = { stamp: [], bazelCp: [], cp: [], build: [] };
const ran = new Set();
for (let i = 1; i <= RUNS; i++) {
  writeFileSync(join(ws, 'NOTES'), `run ${i}\n`);
  git('commit', '-qam', `run ${i}`);
  let t = now();
  bazel('build', '--config=release', `--execution_log_json_file=${log}`, `--profile=${prof}`, ...PROFILE_PARTS, ...targets);
  rows.build.push(now() - t);
  const trace = readProfile(prof);
  const stamp = action(trace, /^Stamping Python archive/);
  const copy = action(trace, /^Copying archive/);
  if (!stamp || !copy) throw new Error(`run ${i}: the profile lacks the ParStamp or the genrule action`);
  rows.stamp.push(stamp);
  rows.bazelCp.push(copy);
  const mnemonics = [...readFileSync(log, 'utf8').matchAll(/"mnemonic": "([^"]*)"/g)].map((m) => m[1]);
  for (const m of mnemonics) ran.add(m);
  const dst = join(dir, 'copy');
  rmSync(dst, { force: true });
  t = now();
  run('cp', [archive, dst], dir);
  rows.cp.push(now() - t);
  process.stderr.write(`run ${i}: ParStamp ${stamp.total.toFixed(1)} ms, Bazel cp ${copy.total.toFixed(1)} ms, cp ${rows.cp.at(-1).toFixed(1)} ms; executed: ${mnemonics.join(', ')}\n`);
}
bazel('shutdown');
// The stamper alone on the same body, in one Node process (bench/stamp/inproc.mjs).
const body = join(ws, 'bazel-bin/_par/solve.unstamped');
const inproc = run(process.execPath, [join(ROOT, 'bench/stamp/inproc.mjs'), body, '--runs', '21'], dir);
if (KEEP) process.stderr.write(`bench/stamp: kept ${dir} (stamp input: ${body})\n`);
else rmSync(dir, { recursive: true, force: true });

const part = (xs, k) => median(xs.map((x) => x[k]));
const a = part(rows.stamp, 'total');
const b = part(rows.bazelCp, 'total');
const c = median(rows.cp);
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const parts = (xs) => ['delete', 'spawn', 'digest', 'rest'].map((k) => `${k} ${fmt(part(xs, k))}`).join(', ');
const what = DATA_MB ? `examples/numpy solve + ${DATA_MB} MB of data files` : 'examples/numpy solve (numpy wheel bundled)';
console.log(`archive: ${what}, ${(size / (1 << 20)).toFixed(1)} MiB; ${RUNS} runs, medians; actions executed per rebuild: ${[...ran].sort().join(', ') || 'none'}`);
console.log('| after a new commit | ms | (a) / this |');
console.log('|---|---|---|');
console.log(`| (a) ParStamp action (Bazel profile) | ${fmt(a)} | 1.00 |`);
console.log(`| (b) Bazel genrule \`cp\` of the archive (Bazel profile) | ${fmt(b)} | ${(a / b).toFixed(2)} |`);
console.log(`| (c) \`cp\` of the archive outside Bazel | ${fmt(c)} | ${(a / c).toFixed(2)} |`);
console.log(`| whole \`bazel build --config=release\` (a + b + status, analysis) | ${fmt(median(rows.build))} | |`);
console.log(`parts (medians of each): (a) ${parts(rows.stamp)}; (b) ${parts(rows.bazelCp)}`);
const each = (xs, k) => xs.map((x) => x[k].toFixed(0)).join(' ');
console.log(`per run (ms): a ${each(rows.stamp, 'total')} (spawn ${each(rows.stamp, 'spawn')}); b ${each(rows.bazelCp, 'total')} (spawn ${each(rows.bazelCp, 'spawn')}); c ${rows.cp.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`\n${inproc}`);
