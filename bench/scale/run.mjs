#!/usr/bin/env node
// Build speed of a synthetic monorepo, in one run:
//   node bench/scale/run.mjs --libs 1000 [--bins 100] [--analysis-only]
// Generates the workspace (bench/scale/gen.mjs) under bench/scale/ws/ (git-ignored), starts a
// Bazel server with its own output base beside it, and prints: cold analysis time
// (`bazel build --nobuild //...`) and re-analysis with the packages loaded, full build, no-op rebuild, one-file-change rebuild (the
// spawns that ran, by mnemonic, from --execution_log_json_file), then the packaging of all
// binaries with and without the persistent worker (their pack outputs deleted so only
// ParPack re-runs) against `zip -1`, `zip` (level 6) and stdlib zipapp on the same files.
// --analysis-only stops after the analysis (for the 10k point on a small machine).
// Run it in an empty environment, e.g. env -i PATH=/usr/bin:/bin HOME=$HOME node bench/scale/run.mjs
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freezeRules, generate } from './gen.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BAZEL = join(ROOT, 'scripts/bazel');
const PYTHON = '/usr/bin/python3';
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const LIBS = Number(opt('libs', 1000));
const BINS = Number(opt('bins', 100));
const ANALYSIS_ONLY = argv.includes('--analysis-only');

const ws = join(ROOT, `bench/scale/ws/libs-${LIBS}`);
const outputBase = join(ROOT, `bench/scale/ws/libs-${LIBS}.output_base`);
const logs = join(ROOT, `bench/scale/ws/libs-${LIBS}.logs`);
const startup = [`--output_base=${outputBase}`];
const say = (s) => process.stderr.write(`[scale ${LIBS}] ${s}\n`);

function run(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ws, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stderr ?? '').slice(-4000)}`);
  return { secs, stdout: r.stdout, stderr: r.stderr };
}

let logN = 0;
/** One bazel command; returns its time, the "N processes" line and the spawns by mnemonic. */
function bazel(cmd, args = []) {
  const log = join(logs, `exec-${logN++}.json`);
  const r = run(BAZEL, [...startup, cmd, '--color=no', '--curses=no', `--execution_log_json_file=${log}`, ...args]);
  const processes = /INFO: (\d+ process(?:es)?[^\n]*)/.exec(r.stderr)?.[1] ?? 'no processes line';
  const spawns = {};
  if (existsSync(log)) for (const m of readFileSync(log, 'utf8').matchAll(/"mnemonic": "([^"]*)"/g)) spawns[m[1]] = (spawns[m[1]] ?? 0) + 1;
  return { secs: r.secs, processes, spawns };
}
const fmtSpawns = (s) => Object.entries(s).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

const rows = [];
const row = (what, secs, note = '') => {
  rows.push({ what, secs, note });
  say(`${what}: ${secs.toFixed(1)} s ${note}`);
};

say('generating...');
run(BAZEL, [...startup, 'shutdown'], { cwd: existsSync(ws) ? ws : ROOT });
rmSync(outputBase, { recursive: true, force: true });
const rulesPar = join(ROOT, `bench/scale/ws/libs-${LIBS}.rules_par`);
freezeRules(rulesPar);
const graph = generate({ libs: LIBS, bins: BINS, out: ws, rulesPar });
rmSync(logs, { recursive: true, force: true });
mkdirSync(logs, { recursive: true });

try {
  row('server start (bazel info)', run(BAZEL, [...startup, 'info', 'release']).secs);
  const analysis = bazel('build', ['--nobuild', '//...']);
  row('analysis, cold (build --nobuild //...)', analysis.secs);
  // A changed --define discards the analysis cache but keeps the loaded packages: this is
  // the analysis proper, without loading, repository rules and server warm-up.
  row('re-analysis (--nobuild, new --define)', bazel('build', ['--nobuild', '--define=par_scale_bench=1', '//...']).secs);
  if (!ANALYSIS_ONLY) {
    const full = bazel('build', ['//...']);
    row('full build //...', full.secs, `${full.processes}; ${fmtSpawns(full.spawns)}`);
    const noop = bazel('build', ['//...']);
    row('no-op rebuild', noop.secs, noop.processes);
    appendFileSync(join(ws, graph.edit.file), '\n# edited by bench/scale/run.mjs\n');
    const one = bazel('build', ['//...']);
    row(`one-file change (${graph.edit.file})`, one.secs, `${one.processes}; ${fmtSpawns(one.spawns)}; ${graph.edit.binaries.length} binaries contain it`);
    packing();
  }
} finally {
  run(BAZEL, [...startup, 'shutdown']);
}

console.log(`\nbench/scale: ${graph.libs} python_library (${graph.modules} modules, ${graph.edges} deps, max fan-in ${graph.maxFanIn}), ${graph.bins} python_binary (mean closure ${graph.meanClosure} libraries${graph.numpy ? `; ${graph.numpy} bundles numpy` : ''})`);
for (const r of rows) console.log(`${r.what.padEnd(44)} ${r.secs.toFixed(1).padStart(8)} s  ${r.note}`);

/** Packaging of every binary: in Bazel with and without the worker, then zip/zipapp on the same files. */
function packing() {
  const execroot = run(BAZEL, [...startup, 'info', 'execution_root']).stdout.trim();
  const bin = join(ws, 'bazel-bin');
  const apps = readdirSync(join(ws, 'apps')).sort();
  const unstamped = apps.map((a) => join(bin, 'apps', a, '_par', `${a}.unstamped`));
  // Each binary's files, from the manifest the packager read (paths relative to the execroot).
  const lists = apps.map((a) => {
    const lines = readFileSync(join(bin, 'apps', a, '_par', `${a}.manifest.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const files = lines.filter((l) => l.t === 'src' || l.t === 'data').map((l) => ({ path: l.path, file: l.file }));
    const wheels = lines.filter((l) => l.t === 'wheel').map((l) => l.file);
    return { app: a, files, wheels };
  });
  const size = (f) => statSync(join(execroot, f)).size;
  const srcBytes = lists.reduce((n, l) => n + l.files.reduce((m, f) => m + size(f.file), 0), 0);
  const wheelBytes = lists.reduce((n, l) => n + l.wheels.reduce((m, f) => m + size(f), 0), 0);
  const mb = (srcBytes + wheelBytes) / (1 << 20);
  const srcMb = srcBytes / (1 << 20);
  const outMb = () => unstamped.reduce((n, f) => n + statSync(f).size, 0) / (1 << 20);
  say(`packaging ${apps.length} binaries: ${srcMb.toFixed(1)} MB of sources + ${(wheelBytes / (1 << 20)).toFixed(1)} MB of wheels`);

  const repack = (label, args) => {
    for (const f of unstamped) rmSync(f, { force: true });
    const r = bazel('build', [...args, '//apps/...']);
    row(`repack ${apps.length} binaries, ${label}`, r.secs, `${(mb / r.secs).toFixed(1)} MB/s; output ${outMb().toFixed(1)} MB; ${r.processes}; ${fmtSpawns(r.spawns)}`);
    return r.secs;
  };
  const worker = repack('worker (default)', []);
  const local = repack('one process each (--strategy=ParPack=local)', ['--strategy=ParPack=local']);

  // Same files outside Bazel: zip from a file list (as `zip -r` would find them), zipapp from
  // a staged tree of symlinks (staging not timed). Wheels are given to zip as files too.
  const stage = join(logs, 'stage');
  const tools = [
    ['zip -1', (l, o) => run('zip', ['-1', '-q', o, '-@'], { cwd: execroot, input: [...l.files.map((f) => f.file), ...l.wheels].join('\n') })],
    ['zip (level 6)', (l, o) => run('zip', ['-6', '-q', o, '-@'], { cwd: execroot, input: [...l.files.map((f) => f.file), ...l.wheels].join('\n') })],
    ['python -m zipapp -c', (l, o) => {
      const d = join(stage, l.app);
      rmSync(d, { recursive: true, force: true });
      for (const f of [...l.files, ...l.wheels.map((w) => ({ path: w.split('/').pop(), file: w }))]) {
        mkdirSync(dirname(join(d, f.path)), { recursive: true });
        symlinkSync(join(execroot, f.file), join(d, f.path));
      }
      return run(PYTHON, ['-m', 'zipapp', d, '-c', '-m', 'x:y', '-o', o]);
    }],
  ];
  for (const [name, fn] of tools) {
    let secs = 0;
    let out = 0;
    for (const l of lists) {
      const o = join(logs, `${l.app}.${name.replace(/\W+/g, '_')}.zip`);
      rmSync(o, { force: true });
      secs += fn(l, o).secs;
      out += statSync(o).size;
    }
    row(`${name}, ${apps.length} archives, same files`, secs, `${(mb / secs).toFixed(1)} MB/s; output ${(out / (1 << 20)).toFixed(1)} MB; worker pack at ${(secs / worker).toFixed(2)}x its speed, one-process pack at ${(secs / local).toFixed(2)}x`);
  }
}
