#!/usr/bin/env node
// Build speed of a synthetic monorepo, in one run, optionally against a baseline rule set:
//   node bench/scale/run.mjs --libs 1000 [--bins 100] [--baseline REF] [--current REF]
//                            [--rounds 1] [--dir DIR] [--analysis-only] [--no-zipapp] [--no-local]
//                            [--pack-mnemonic ParPack]
// Generates the workspace (bench/scale/gen.mjs) under DIR (default bench/scale/ws/, git-ignored)
// once per rule set -- the working tree's (or --current REF's) and, with --baseline, the one
// committed at REF (git archive) -- each copy with its own output base, and prints for each:
// cold analysis time (`bazel build --nobuild //...`) and re-analysis with the packages loaded,
// full build, no-op rebuild, one-file-change rebuild (wall time; the spawns by mnemonic from
// --execution_log_json_file, their actions' wall time summed from --profile, as Bazel 4.2's
// execution log records no time: bench/scale/execlog.mjs), then the repacking of all binaries with
// and without the persistent worker (the outputs of the pack spawns deleted so only they re-run)
// against `zip -1`, `zip -6` and stdlib zipapp on the same files. The two sides take turns phase
// by phase (the first alternates), so load on a shared machine hits both alike; the last column
// is current/baseline. --rounds N repeats every phase but the server start and the cold analysis
// (full builds after `bazel clean`) and reports medians.
// --analysis-only stops after the analysis (for the 10k point on a small machine).
// Run it in an empty environment, e.g. env -i PATH=/usr/bin:/bin HOME=$HOME node bench/scale/run.mjs
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeCpuSecs } from './cputime.mjs';
import { byMnemonic, readActions, readSpawns, spawnSecs } from './execlog.mjs';
import { freezeRef, freezeRules } from './freeze.mjs';
import { generate } from './gen.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BAZEL = join(ROOT, 'scripts/bazel');
const PYTHON = '/usr/bin/python3';
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const LIBS = Number(opt('libs', 1000));
const BINS = Number(opt('bins', 100));
const BASELINE = opt('baseline', null);
const CURRENT = opt('current', null);
const DIR = resolve(opt('dir', join(ROOT, 'bench/scale/ws')));
/** The mnemonic of the action that writes a binary's archive (repacking deletes its outputs). */
const PACK = opt('pack-mnemonic', 'ParPack');
const ANALYSIS_ONLY = argv.includes('--analysis-only');
/** Repetitions of every phase but the server start and the cold analysis (medians reported). */
const ROUNDS = Number(opt('rounds', 1));
const say = (s) => process.stderr.write(`[scale ${LIBS}] ${s}\n`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function run(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stderr ?? '').slice(-4000)}`);
  return { secs, stdout: r.stdout, stderr: r.stderr };
}

/** One rule set's copy of the workspace: its directory, frozen rule set, output base and logs. */
function side(name, ref) {
  const base = join(DIR, `libs-${LIBS}.${name}`);
  const s = { name, ref, ws: base, rules: `${base}.rules_par`, outputBase: `${base}.output_base`, logs: `${base}.logs`, logN: 0 };
  // A long idle limit: one side's server waits while the other side builds, and must not
  // restart in a timed phase; it still goes away if this script dies.
  s.startup = [`--output_base=${s.outputBase}`, '--max_idle_secs=3600'];
  return s;
}
const sides = [...(BASELINE ? [side('baseline', BASELINE)] : []), side('current', CURRENT)];

/** One bazel command on side `s`: its time, the "N processes" line, the spawns and the actions it ran. */
function bazel(s, cmd, args = []) {
  const log = join(s.logs, `exec-${s.logN}.json`);
  const profile = join(s.logs, `profile-${s.logN++}.json`);
  const cpu = s.serverPid ? treeCpuSecs(s.serverPid) : null;
  const r = run(BAZEL, [...s.startup, cmd, '--color=no', '--curses=no', `--execution_log_json_file=${log}`, `--profile=${profile}`, ...args], { cwd: s.ws });
  const cpuAfter = s.serverPid ? treeCpuSecs(s.serverPid) : null;
  const processes = /INFO: (\d+ process(?:es)?[^\n]*?)\.?\n/.exec(r.stderr)?.[1] ?? 'no processes line';
  const spawns = readSpawns(log);
  return { secs: r.secs, processes, spawns, actions: readActions(profile, spawns), cpu: cpu === null || cpuAfter === null ? null : cpuAfter - cpu };
}
const spawnNote = (r) => `${r.processes}; ${byMnemonic(r.spawns, r.actions)}`;
/** A build's rows: wall time (with `note`), its spawns' actions' summed wall time, CPU time. */
const buildRows = (r, note) => [{ value: r.secs, note }, { value: spawnSecs(r.actions) }, { value: r.cpu }];

/** The sub-row under a build: its spawns' actions' wall times, summed (from the profile). */
const ACTIONS = '  actions that ran a spawn, summed';
/** The other: CPU time of the Bazel server and all processes below it (bench/scale/cputime.mjs). */
const CPU = '  CPU time, server + workers + spawns';
const rows = [];
let turn = 0;
/** The 1-minute load average as each phase starts. */
const loads = [];
const median = (xs) => {
  const v = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
/**
 * A phase: `fn(side, round)` on every side, `rounds` times, the sides taking turns going first;
 * it returns { value, note } or an array of them (several rows from one measurement). A row's
 * value is the median over the rounds, its note the last round's plus every round's value.
 * Rows with unit 'x' are speed ratios (higher is faster); unit 's' are seconds.
 */
function phase(whats, fn, rounds = 1) {
  const list = Array.isArray(whats) ? whats : [whats];
  const got = Object.fromEntries(sides.map((s) => [s.name, list.map(() => [])]));
  for (let round = 0; round < rounds; round++) {
    const order = turn++ % 2 === 0 ? sides : [...sides].reverse();
    loads.push(loadavg()[0]);
    for (const s of order) {
      [fn(s, round)].flat().forEach((x, i) => {
        got[s.name][i].push(x);
        say(`${s.name}: ${list[i]}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}: ${x.value === null ? 'n/a' : x.value.toFixed(2)} s ${x.note ?? ''}`);
      });
    }
  }
  list.forEach((what, i) => rows.push({
    what,
    unit: 's',
    values: Object.fromEntries(sides.map((s) => {
      const xs = got[s.name][i];
      const all = rounds > 1 ? ` [${rounds} rounds: ${xs.map((x) => (x.value === null ? 'n/a' : x.value.toFixed(2))).join(' / ')} s]` : '';
      return [s.name, { value: median(xs.map((x) => x.value)), note: xs.at(-1).note === undefined ? undefined : `${xs.at(-1).note}${all}` }];
    })),
  }));
}
/** A row computed from the others (no measurement of its own). */
const derived = (what, unit, fn) => rows.push({ what, unit, values: Object.fromEntries(sides.map((s) => [s.name, fn(s)])) });
const value = (what, s) => rows.find((r) => r.what === what)?.values[s.name]?.value ?? null;

say(`generating ${sides.length === 2 ? 'two copies' : 'the workspace'} under ${DIR}; load average ${load()}`);
const loadStart = load();
let graph;
for (const s of sides) {
  if (existsSync(s.outputBase)) spawnSync(BAZEL, [...s.startup, 'shutdown'], { cwd: existsSync(s.ws) ? s.ws : ROOT });
  rmSync(s.outputBase, { recursive: true, force: true });
  s.describe = s.ref ? freezeRef(s.ref, s.rules) : freezeRules(s.rules);
  graph = generate({ libs: LIBS, bins: BINS, out: s.ws, rulesPar: s.rules });
  rmSync(s.logs, { recursive: true, force: true });
  mkdirSync(s.logs, { recursive: true });
}

try {
  phase('server start (bazel info)', (s) => {
    const r = run(BAZEL, [...s.startup, 'info', 'release'], { cwd: s.ws });
    s.serverPid = Number(run(BAZEL, [...s.startup, 'info', 'server_pid'], { cwd: s.ws }).stdout.trim());
    return { value: r.secs };
  });
  phase('analysis, cold (build --nobuild //...)', (s) => ({ value: bazel(s, 'build', ['--nobuild', '//...']).secs }));
  // A changed --define discards the analysis cache but keeps the loaded packages: this is
  // the analysis proper, without loading, repository rules and server warm-up.
  phase('re-analysis (--nobuild, new --define)', (s, round) => ({ value: bazel(s, 'build', ['--nobuild', `--define=par_scale_bench=${round + 1}`, '//...']).secs }), ROUNDS);
  if (!ANALYSIS_ONLY) {
    // Every round from a clean output tree, with a --define of its own so each includes the
    // analysis (as the first did before rounds existed); later builds keep the last define.
    phase(['full build //...', ACTIONS, CPU], (s, round) => {
      run(BAZEL, [...s.startup, 'clean'], { cwd: s.ws });
      s.flags = [`--define=par_scale_bench=full-${round + 1}`];
      const r = bazel(s, 'build', [...s.flags, '//...']);
      s.packOutputs = r.spawns.filter((x) => x.mnemonic === PACK).flatMap((x) => x.outputs);
      return buildRows(r, spawnNote(r));
    }, ROUNDS);
    phase('no-op rebuild', (s) => {
      const r = bazel(s, 'build', [...s.flags, '//...']);
      return { value: r.secs, note: spawnNote(r) };
    }, ROUNDS);
    phase([`one-file change (${graph.edit.file})`, ACTIONS, CPU], (s, round) => {
      appendFileSync(join(s.ws, graph.edit.file), `\n# edited by bench/scale/run.mjs, round ${round + 1}\n`);
      const r = bazel(s, 'build', [...s.flags, '//...']);
      return buildRows(r, `${spawnNote(r)}; ${graph.edit.binaries.length} binaries contain it`);
    }, ROUNDS);
    packing();
  }
} finally {
  for (const s of sides) spawnSync(BAZEL, [...s.startup, 'shutdown'], { cwd: s.ws });
}

const g = graph;
console.log(`\nbench/scale: ${g.libs} python_library (${g.modules} modules, ${g.edges} deps, max fan-in ${g.maxFanIn}), ${g.bins} python_binary (mean closure ${g.meanClosure} libraries${g.numpy ? `; ${g.numpy} bundles numpy` : ''})`);
for (const s of sides) console.log(`${s.name}: ${s.describe}`);
console.log(`load average (1/5/15 min) at start ${loadStart}, at end ${load()}; 1-min load as phases began: ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}; ${cpus().length} CPUs`);
const cell = (v, unit) => {
  if (v === null || v === undefined) return 'n/a';
  return unit === 'x' ? `${v.toFixed(2)}x` : `${v.toFixed(v < 10 ? 2 : 1)} s`;
};
if (sides.length === 1) {
  for (const r of rows) console.log(`${r.what.padEnd(52)} ${cell(r.values.current?.value, r.unit).padStart(10)}  ${r.values.current?.note ?? ''}`);
} else {
  console.log(`\n${''.padEnd(52)} ${'baseline'.padStart(10)} ${'current'.padStart(10)} ${'cur/base'.padStart(9)}`);
  for (const r of rows) {
    const [b, c] = [r.values.baseline?.value, r.values.current?.value];
    const ratio = b && c !== null && c !== undefined ? `${(c / b).toFixed(2)}x` : 'n/a';
    console.log(`${r.what.padEnd(52)} ${cell(b, r.unit).padStart(10)} ${cell(c, r.unit).padStart(10)} ${ratio.padStart(9)}`);
  }
  console.log('(cur/base: below 1 is faster for seconds, above 1 is faster for the "x" speed rows)\n');
  for (const r of rows.filter((x) => sides.some((s) => x.values[s.name]?.note))) {
    console.log(r.what);
    for (const s of sides) console.log(`  ${s.name}: ${r.values[s.name]?.note ?? ''}`);
  }
}

/**
 * Packaging of every binary: in Bazel with and without the worker (the pack spawns' outputs
 * deleted first, so only they re-run), then zip and zipapp on the same files, on each side.
 */
function packing() {
  const size = (s, f) => statSync(join(s.ws, f)).size;
  const first = sides[0];
  const srcBytes = graph.files.reduce((n, l) => n + l.files.reduce((m, f) => m + size(first, f), 0), 0);
  const wheelBytes = graph.files.reduce((n, l) => n + l.wheels.reduce((m, f) => m + size(first, f), 0), 0);
  const mb = (srcBytes + wheelBytes) / (1 << 20);
  const n = graph.files.length;
  say(`packaging ${n} binaries: ${(srcBytes / (1 << 20)).toFixed(1)} MB of sources + ${(wheelBytes / (1 << 20)).toFixed(1)} MB of wheels`);
  for (const s of sides) {
    s.execroot = run(BAZEL, [...s.startup, 'info', 'execution_root'], { cwd: s.ws }).stdout.trim();
    if (s.packOutputs.length === 0) throw new Error(`${s.name}: the full build ran no ${PACK} spawn (is --pack-mnemonic right?)`);
  }

  const repack = (label, args) => phase([`repack ${n} binaries, ${label}`, ACTIONS, CPU], (s) => {
    for (const f of s.packOutputs) rmSync(join(s.execroot, f), { force: true });
    const r = bazel(s, 'build', [...s.flags, ...args, '//apps/...']);
    const out = s.packOutputs.reduce((k, f) => k + statSync(join(s.execroot, f)).size, 0) / (1 << 20);
    return buildRows(r, `${(mb / r.secs).toFixed(1)} MB/s; ${PACK} outputs ${out.toFixed(1)} MB; ${spawnNote(r)}`);
   }, ROUNDS);
  const worker = `repack ${n} binaries, worker (default)`;
  repack('worker (default)', []);
  if (!argv.includes('--no-local')) repack('one process each', [`--strategy=${PACK}=local`]);

  // The same files outside Bazel: zip from a file list (as `zip -r` would find them), zipapp
  // from a staged tree of symlinks (staging not timed). Wheels are given to zip as files too.
  const zip = (level) => (s, l, o) => run('zip', [`-${level}`, '-q', o, '-@'], { cwd: s.ws, input: [...l.files, ...l.wheels].join('\n') });
  const tools = [['zip -1', zip(1)], ['zip -6', zip(6)]];
  if (!argv.includes('--no-zipapp')) {
    tools.push(['python -m zipapp -c', (s, l, o) => {
      const d = join(s.logs, 'stage', l.app);
      rmSync(d, { recursive: true, force: true });
      for (const [path, file] of [...l.files.map((f) => [f, f]), ...l.wheels.map((w) => [w.split('/').pop(), w])]) {
        mkdirSync(dirname(join(d, path)), { recursive: true });
        symlinkSync(join(s.ws, file), join(d, path));
      }
      return run(PYTHON, ['-m', 'zipapp', d, '-c', '-m', 'x:y', '-o', o]);
    }]);
  }
  for (const [name, fn] of tools) {
    phase(`${name}, ${n} archives, same files`, (s) => {
      let secs = 0;
      let out = 0;
      for (const l of graph.files) {
        const o = join(s.logs, `${l.app}.${name.replace(/\W+/g, '_')}.zip`);
        rmSync(o, { force: true });
        secs += fn(s, l, o).secs;
        out += statSync(o).size;
      }
      return { value: secs, note: `${(mb / secs).toFixed(1)} MB/s; output ${(out / (1 << 20)).toFixed(1)} MB` };
       }, ROUNDS);
  }
  // Each side's ratio uses its own zip timings, taken minutes apart from the other side's.
  for (const name of ['zip -1', 'zip -6']) {
    derived(`repack speed (worker) vs ${name} (${name} s / repack s)`, 'x', (s) => {
      const [z, p] = [value(`${name}, ${n} archives, same files`, s), value(worker, s)];
      return { value: z && p ? z / p : null };
    });
  }
}
