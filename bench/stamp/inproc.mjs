#!/usr/bin/env node
// The stamper alone, without Bazel: stamp() of src/packager/stamp.ts run in this process
// against copies of the same archive, interleaved so the machine's load hits all alike:
//   stamp()        the whole ParStamp verb (status files read, entry built, archive written)
//   fs.copyFile    Node's copy (libuv: FICLONE when asked, else copy_file_range)
//   cp             the coreutils command, spawned
// Every destination is removed (untimed) before it is written, as Bazel deletes an action's
// outputs before running it.
//   node bench/stamp/inproc.mjs ARCHIVE [--runs 21]
// ARCHIVE: e.g. the body `node bench/stamp/run.mjs --keep` leaves in
// <dir>/repo/bazel-bin/_par/solve.unstamped. For a CPU profile of the stamper:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/stamp/inproc.mjs ARCHIVE --only-stamp
import { spawnSync } from 'node:child_process';
import { constants, mkdtempSync, promises as fsp, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const argv = process.argv.slice(2);
const archive = argv.find((a) => !a.startsWith('--') && argv[argv.indexOf(a) - 1] !== '--runs');
if (!archive) {
  console.error('usage: node bench/stamp/inproc.mjs ARCHIVE [--runs 21] [--only-stamp]');
  process.exit(2);
}
const RUNS = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 21;
const ONLY_STAMP = argv.includes('--only-stamp');

const dir = mkdtempSync(join(tmpdir(), 'par-bench-stamp-inproc-'));
const bundle = join(dir, 'stamp.cjs');
await build({ entryPoints: [join(ROOT, 'src/packager/stamp.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
const { stamp } = await import(pathToFileURL(bundle).href);
const stable = join(dir, 'stable-status.txt');
const volatile = join(dir, 'volatile-status.txt');
writeFileSync(stable, `STABLE_SCM_REVISION ${'0123456789abcdef'.repeat(2)}01234567\nSTABLE_SCM_DIRTY false\nSTABLE_SCM_BRANCH main\nBUILD_HOST h\n`);
writeFileSync(volatile, 'BUILD_TIMESTAMP 1700000000\n');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = join(dir, 'out');
const ways = {
  'stamp()': () => stamp({ in: archive, out, label: '//:solve', stableStatus: stable, volatileStatus: volatile }),
  'fs.copyFile': () => fsp.copyFile(archive, out),
  'fs.copyFile FICLONE': () => fsp.copyFile(archive, out, constants.COPYFILE_FICLONE),
  'cp (spawned)': () => {
    const r = spawnSync('cp', [archive, out]);
    if (r.status !== 0) throw new Error(`cp failed: ${r.stderr}`);
  },
};
const names = ONLY_STAMP ? ['stamp()'] : Object.keys(ways);
const times = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < RUNS + 1; i++) {
  for (const n of names) {
    rmSync(out, { force: true });
    const t = now();
    await ways[n]();
    // The first round warms caches and the JIT; it is not counted.
    if (i > 0) times[n].push(now() - t);
  }
}
rmSync(dir, { recursive: true, force: true });

const base = median(times[names.at(-1)]);
console.log(`${archive}: ${(statSync(archive).size / (1 << 20)).toFixed(1)} MiB; ${RUNS} interleaved runs, medians`);
console.log(`| in-process | ms | x ${names.at(-1)} |`);
console.log('|---|---|---|');
for (const n of names) console.log(`| ${n} | ${median(times[n]).toFixed(1)} | ${(median(times[n]) / base).toFixed(2)} |`);
