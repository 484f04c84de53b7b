#!/usr/bin/env node
// Packaging throughput and per-action overhead, printed as a table:
//   node bench/pack/run.mjs [--mb 100] [--runs 3] [--tools DIR]
// Same files for every tool (uncompressed in, deflate out): `zip -r -1`, `zip -r` (level 6),
// stdlib zipapp (-c), and `par pack` at compression_level 1 and at the default level 6, each
// as one process per action and through the persistent worker. Then a hello-sized binary (one module, bytecode on) packed 10 times each way.
// Run it in an empty environment, e.g. env -i PATH=/usr/bin:/bin HOME=$HOME node bench/pack/run.mjs
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { makeInputSet, manifestFor } = require('./inputs.js');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'bench/.cache');
// --tools DIR: par.js and compile_pyc.py from a frozen copy, when the work tree is in flux.
const TOOLS = process.argv.includes('--tools') ? process.argv[process.argv.indexOf('--tools') + 1] : join(ROOT, 'rules/private/tools');
const PAR = join(TOOLS, 'par.js');
const COMPILER = join(TOOLS, 'compile_pyc.py');
const PYTHON = '/usr/bin/python3';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : dflt);
const MB = opt('mb', 100);
const RUNS = opt('runs', 3);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(cmd, args, cwd = ROOT) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** A persistent worker we send requests to, as Bazel does. */
class Worker {
  constructor() {
    this.child = spawn(process.execPath, [PAR, '--persistent_worker'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    this.buf = '';
    this.waiting = null;
    this.child.stdout.setEncoding('utf8').on('data', (s) => {
      this.buf += s;
      const i = this.buf.indexOf('\n');
      if (i >= 0 && this.waiting) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiting;
        this.waiting = null;
        w(JSON.parse(line));
      }
    });
  }
  async time(args) {
    const t = process.hrtime.bigint();
    const res = await new Promise((resolve) => {
      this.waiting = resolve;
      this.child.stdin.write(JSON.stringify({ arguments: args }) + '\n');
    });
    if (res.exitCode !== 0) throw new Error(`worker request failed: ${res.output}`);
    return Number(process.hrtime.bigint() - t) / 1e9;
  }
  close() {
    this.child.stdin.end();
  }
}

const dir = join(CACHE, `pack-inputs-${MB}`);
mkdirSync(dir, { recursive: true });
process.stderr.write(`generating ${MB} MB input set in ${dir} (cached)...\n`);
const files = makeInputSet(dir, MB);
const inBytes = files.reduce((n, f) => n + f.bytes, 0);
const manifest = join(dir, 'pack.manifest.jsonl');
writeFileSync(manifest, manifestFor(ROOT, files, { compile: false }));
const manifest1 = join(dir, 'pack-level1.manifest.jsonl');
writeFileSync(manifest1, manifestFor(ROOT, files, { compile: false, level: 1 }));
const out = join(CACHE, 'pack-out');
mkdirSync(out, { recursive: true });
const packArgs = (m, o) => ['pack', '--manifest', m, '--out', o, '--python', PYTHON, '--compiler', COMPILER];

const results = [];
function record(name, secs, file) {
  const t = median(secs);
  results.push({ name, secs: t, mbps: inBytes / (1 << 20) / t, size: statSync(file).size });
}
const runs = (fn) => Array.from({ length: RUNS }, fn);

record('zip -r -1', runs(() => (rmSync(join(out, 'z1.zip'), { force: true }), time('zip', ['-r', '-1', '-q', join(out, 'z1.zip'), 'app'], dir))), join(out, 'z1.zip'));
record('zip -r (level 6)', runs(() => (rmSync(join(out, 'z6.zip'), { force: true }), time('zip', ['-r', '-q', join(out, 'z6.zip'), 'app'], dir))), join(out, 'z6.zip'));
record('python -m zipapp -c', runs(() => time(PYTHON, ['-m', 'zipapp', 'app', '-c', '-m', 'app.main:run', '-o', join(out, 'app.pyz')], dir)), join(out, 'app.pyz'));
const w = new Worker();
for (const [label, m] of [['level 1', manifest1], ['level 6, default', manifest]]) {
  const o = join(out, 'p.par');
  record(`par pack ${label} (one process)`, runs(() => time(process.execPath, [PAR, ...packArgs(m, o)])), o);
  await w.time(packArgs(m, o)); // warm-up
  const ws = [];
  for (let i = 0; i < RUNS; i++) ws.push(await w.time(packArgs(m, o)));
  record(`par pack ${label} (worker)`, ws, o);
}

// Hello-sized binary: the fixed cost of one packaging action.
const hdir = join(CACHE, 'pack-hello');
mkdirSync(hdir, { recursive: true });
writeFileSync(join(hdir, 'hello.py'), 'print("hello")\n');
const hmanifest = join(hdir, 'hello.manifest.jsonl');
writeFileSync(hmanifest, manifestFor(ROOT, [{ path: 'hello.py', file: join(hdir, 'hello.py'), bytes: 15 }], { compile: true, main: 'hello.py' }));
const HELLO_RUNS = 15;
const one = Array.from({ length: HELLO_RUNS }, () => time(process.execPath, [PAR, ...packArgs(hmanifest, join(out, 'h1.par'))]));
const hw = [];
for (let i = 0; i < HELLO_RUNS; i++) hw.push(await w.time(packArgs(hmanifest, join(out, 'hw.par'))));
w.close();

const zip1 = results[0].mbps;
console.log(`packaging ${files.length} files, ${(inBytes / (1 << 20)).toFixed(0)} MB uncompressed (deflate out), median of ${RUNS}; ${process.env.PAR_BENCH_CORES ?? ''}`);
console.log('tool                                 seconds    MB/s   vs zip -1   output MB');
for (const r of results) {
  console.log(`${r.name.padEnd(36)} ${r.secs.toFixed(2).padStart(7)} ${r.mbps.toFixed(1).padStart(7)} ${(r.mbps / zip1).toFixed(2).padStart(10)}x ${(r.size / (1 << 20)).toFixed(1).padStart(10)}`);
}
const m1 = median(one) * 1000;
const mw = median(hw) * 1000;
console.log(`hello-sized pack (bytecode on), median of ${HELLO_RUNS}: one process ${m1.toFixed(0)} ms, worker ${mw.toFixed(0)} ms = ${((mw / m1) * 100).toFixed(0)}% of one process (target < 20%)`);
