// Streaming: the packager's peak memory must not grow with the input. Packs a 30 MB and a
// 300 MB input set (sources, text data, large blobs; bench/pack/inputs.js) and compares
// peak RSS from /usr/bin/time. Measured on 2 cores: 123 MB and 203 MB (before bounding the
// small-file cache, the 300 MB set took 278 MB and grew with it). Margins are generous.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeInputSet, manifestFor } from '../../bench/pack/inputs';
import { ROOT, scratch } from './harness';
import { closeCompilers, keepCompilersAlive } from '../../src/packager/pyc';

const PAR = join(ROOT, 'rules/private/tools/par.js');
const PY_SYSTEM = '/usr/bin/python3';

function peakRssMB(dir: string, mb: number): number {
  const files = makeInputSet(join(dir, `in-${mb}`), mb);
  const manifest = join(dir, `m-${mb}.jsonl`);
  writeFileSync(manifest, manifestFor(ROOT, files, { compile: false }));
  const out = join(dir, `out-${mb}.par`);
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', process.execPath, PAR, 'pack', '--manifest', manifest, '--out', out,
    '--python', '/usr/bin/python3', '--compiler', join(ROOT, 'rules/private/tools/compile_pyc.py')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pack failed: ${r.stderr}`);
  rmSync(join(dir, `in-${mb}`), { recursive: true, force: true });
  rmSync(out, { force: true });
  return Number(/PEAK_RSS_KB=(\d+)/.exec(r.stderr)![1]) / 1024;
}

test('peak RSS on a 300 MB input set stays bounded', () => {
  const dir = scratch('par-mem-');
  try {
    const small = peakRssMB(dir, 30);
    const big = peakRssMB(dir, 300);
    process.stderr.write(`pack peak RSS: 30 MB set ${small.toFixed(0)} MB, 300 MB set ${big.toFixed(0)} MB\n`);
    expect(big).toBeLessThan(300); // never the input set in memory
    expect(big - small).toBeLessThan(150); // 10x the input, not 10x the memory (measured +80 MB)
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

// Bytecode: before fragments every .pyc of the closure sat in memory until zipped (about the
// size of the sources). Now the packer splices one fragment at a time, so a closure 10x the
// size must not cost 10x the memory. Modules are one long string constant: cheap to compile,
// about as big compiled as as source.
async function fragmentsPeakRssMB(dir: string, fragments: number): Promise<number> {
  const { par, writeManifest, PY, COMPILER } = await import('../helpers/pack-archive');
  // 48 KiB of pseudo-random letters per module: deflates to ~60%, like real code does.
  let seed = 1;
  const letter = () => String.fromCharCode(97 + (((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16) % 26));
  const body = (n: number) => `DATA = "${Array.from({ length: 48 * 1024 }, letter).join('')}"\nN = ${n}\n`;
  const lines: object[] = [];
  const src = join(dir, `src-${fragments}`);
  mkdirSync(src, { recursive: true });
  for (let f = 0; f < fragments; f++) {
    const args: string[] = [];
    for (let m = 0; m < 20; m++) {
      const file = join(src, `f${f}_m${m}.py`);
      writeFileSync(file, body(f * 100 + m));
      args.push('--src', `lib${f}/m${m}.py\t${file}`);
    }
    if (f === 0) {
      const main = join(src, 'main.py');
      writeFileSync(main, 'import lib0.m0\nprint(len(lib0.m0.DATA))\n');
      args.push('--src', `app/main.py\t${main}`);
    }
    const out = join(dir, `lib${f}-${fragments}.parf`);
    const r = await par(['fragment', '--label', `//lib${f}:lib`, '--python', PY, '--cache-tag', `cpython-${process.env.PAR_TEST_TAG ?? ''}`, '--compiler', COMPILER, '--out', out, ...args]);
    if (r.code !== 0) throw new Error(r.err);
    lines.push({ t: 'fragment', kind: 'src', file: out, owner: `//lib${f}:lib` });
  }
  rmSync(src, { recursive: true, force: true });
  const manifest = writeManifest(dir, `frag-${fragments}`, {}, lines);
  const out = join(dir, `frag-${fragments}.par`);
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', process.execPath, PAR, 'pack', '--manifest', manifest, '--out', out,
    '--python', PY, '--compiler', COMPILER], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pack failed: ${r.stderr}`);
  const run = spawnSync(PY, [out], { encoding: 'utf8', env: {} });
  if (run.stdout !== '49152\n') throw new Error(`the archive printed ${JSON.stringify(run.stdout)} ${run.stderr}`);
  const size = statSync(out).size;
  rmSync(out, { force: true });
  process.stderr.write(`  ${fragments} fragments: archive ${(size / 1e6).toFixed(0)} MB\n`);
  return Number(/PEAK_RSS_KB=(\d+)/.exec(r.stderr)![1]) / 1024;
}

test('peak RSS of packing a closure of fragments does not grow with the closure (bytecode included)', async () => {
  const dir = scratch('par-mem-frag-');
  keepCompilersAlive(); // one compiler for the fragments made here, as the worker keeps one
  try {
    process.env.PAR_TEST_TAG = spawnSync(PY_SYSTEM, ['-c', 'import sys; print("%d%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
    const small = await fragmentsPeakRssMB(dir, 10);
    const big = await fragmentsPeakRssMB(dir, 100);
    process.stderr.write(`pack peak RSS: 10 fragments (200 modules) ${small.toFixed(0)} MB, 100 fragments (2000 modules) ${big.toFixed(0)} MB\n`);
    // The 100-fragment closure: ~98 MB of sources, as much bytecode, ~120 MB deflated.
    expect(big - small).toBeLessThan(60);
  } finally {
    closeCompilers();
    rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
