// Streaming: the packager's peak memory must not grow with the input. Packs a 30 MB and a
// 300 MB input set (sources, text data, large blobs; bench/pack/inputs.js) and compares
// peak RSS from /usr/bin/time. Measured on 2 cores: 123 MB and 203 MB (before bounding the
// small-file cache, the 300 MB set took 278 MB and grew with it). Margins are generous.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeInputSet, manifestFor } from '../../bench/pack/inputs';
import { ROOT, scratch } from './harness';

const PAR = join(ROOT, 'rules/private/tools/par.js');

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
