#!/usr/bin/env node
// Raw copy of a wheel's deflate streams vs recompressing the same files:
//   node bench/pack/wheels.mjs [--runs 5] [--tools DIR]
// Needs examples/numpy/make_wheels.sh to have generated the numpy wheel. Packs (one process
// each) a manifest holding the wheel (its entries copied compressed, as they are) and one
// holding the wheel's files unpacked as sources and data (deflated by the packager at level
// 6, the default, and at level 1), and prints the medians. Both sides compile the same
// modules to bytecode.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { manifestFor } = require('./inputs.js');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const RUNS = Number(opt('runs', 5));
const TOOLS = opt('tools', join(ROOT, 'rules/private/tools'));
const PAR = join(TOOLS, 'par.js');
const COMPILER = join(TOOLS, 'compile_pyc.py');
const dir = join(ROOT, 'bench/.cache/pack-wheel');
const wheelDir = join(ROOT, 'examples/numpy/third_party');
const wheel = existsSync(wheelDir) && readdirSync(wheelDir).find((f) => f.endsWith('.whl'));
if (!wheel) throw new Error('no wheel in examples/numpy/third_party: run examples/numpy/make_wheels.sh first');
const whl = join(wheelDir, wheel);

const sh = (cmd, args, opts = {}) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
};
mkdirSync(dir, { recursive: true });
const info = join(dir, 'wheel.info.json');
sh(process.execPath, [PAR, 'wheel', '--wheel', whl, '--label', '//third_party:numpy', '--out', info, '--requires-check', 'error']);
const unpacked = join(dir, 'unpacked');
if (!existsSync(unpacked)) sh('unzip', ['-q', whl, '-d', unpacked]);
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
const files = walk(unpacked).map((f) => ({ path: relative(unpacked, f), file: f, bytes: statSync(f).size }));
const bytes = files.reduce((n, f) => n + f.bytes, 0);

const raw = join(dir, 'raw.manifest.jsonl');
writeFileSync(raw, manifestFor(ROOT, [], { compile: false }) + JSON.stringify({ t: 'wheel', label: '//third_party:numpy', file: whl, info }) + '\n');
const re6 = join(dir, 'recompress6.manifest.jsonl');
// compile: true so both sides compile the same modules: the packager compiles a wheel's
// .py files (src/packager/wheel/bytecode.ts) whatever the binary's compile attribute says.
writeFileSync(re6, manifestFor(ROOT, files, { compile: true }));
const re1 = join(dir, 'recompress1.manifest.jsonl');
writeFileSync(re1, manifestFor(ROOT, files, { compile: true, level: 1 }));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = join(dir, 'out.par');
const time = (m) => median(Array.from({ length: RUNS }, () => sh(process.execPath, [PAR, 'pack', '--manifest', m, '--out', out, '--python', '/usr/bin/python3', '--compiler', COMPILER])));
const rows = [
  ['raw copy of the wheel entries', time(raw), statSync(out).size],
  ['recompress unpacked files, level 6', time(re6), statSync(out).size],
  ['recompress unpacked files, level 1', time(re1), statSync(out).size],
];
console.log(`${wheel}: ${files.length} files, ${(bytes / (1 << 20)).toFixed(1)} MB unpacked, ${(statSync(whl).size / (1 << 20)).toFixed(1)} MB as a wheel; par pack one process, median of ${RUNS}`);
for (const [name, secs, size] of rows) {
  console.log(`${name.padEnd(38)} ${secs.toFixed(2).padStart(6)} s ${(size / (1 << 20)).toFixed(1).padStart(7)} MB  raw copy ${(secs / rows[0][1]).toFixed(1)}x faster`);
}
