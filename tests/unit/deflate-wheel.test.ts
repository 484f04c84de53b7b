// rules/private/tools/deflate_wheel.py, python_wheel's ParWheelDeflate action: a wheel's
// deflate streams again at level 9, once per wheel, for packing to copy raw. The copy must
// hold the same entries (names, order, CRC-32, sizes, modes), read back by the packer's zip
// reader and by Python, each stream no larger than the wheel's own, and the same bytes twice.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipReader } from '../../src/archive/zip';
import { PYTHON, scratchDir } from '../helpers/zip';

const TOOL = join(__dirname, '../../rules/private/tools/deflate_wheel.py');

// Level 1 leaves room for level 9; a stored entry, an executable and an incompressible one.
const MAKE = String.raw`
import os, sys, zipfile
def info(name, mode=0o644, method=zipfile.ZIP_DEFLATED):
    i = zipfile.ZipInfo(name, (2020, 2, 3, 4, 5, 6))
    i.external_attr = (0o100000 | mode) << 16
    i.compress_type = method
    return i
text = "".join("def f%d(x):\n    return x * %d + %d\n" % (i, i % 7, i % 13) for i in range(3000)).encode()
with zipfile.ZipFile(sys.argv[1], "w", compresslevel=1) as z:
    z.writestr(info("demo/__init__.py"), text)
    z.writestr(info("demo/stored.txt", method=zipfile.ZIP_STORED), b"as is\n" * 50)
    z.writestr(info("demo/bin/tool", 0o755), b"#!/bin/sh\necho hi\n" * 200)
    z.writestr(info("demo/random.bin"), os.urandom(4096))
    z.writestr(info("demo-1.0.dist-info/RECORD"), b"")
`;

const LIST = String.raw`
import sys, zipfile
for i in zipfile.ZipFile(sys.argv[1]).infolist():
    print(i.filename, i.compress_type, i.CRC, i.file_size, oct(i.external_attr >> 16), i.compress_size)
print(zipfile.ZipFile(sys.argv[1]).testzip())
`;

function py(script: string, ...args: string[]) {
  const r = spawnSync(PYTHON, ['-S', '-c', script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

let s: ReturnType<typeof scratchDir>;
beforeEach(() => (s = scratchDir()));
afterEach(() => s.cleanup());

test('same entries, each stream no larger, deflated ones smaller where level 9 pays; stored stays stored; deterministic', async () => {
  const wheel = join(s.dir, 'demo-1.0-py3-none-any.whl');
  py(MAKE, wheel);
  const outs = [join(s.dir, 'a.whl'), join(s.dir, 'b.whl')];
  for (const out of outs) {
    const r = spawnSync(PYTHON, ['-S', '-B', TOOL, wheel, out], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  }
  expect(readFileSync(outs[0]).equals(readFileSync(outs[1]))).toBe(true);
  const row = (l: string) => l.split(' ');
  const before = py(LIST, wheel).trim().split('\n').map(row);
  const after = py(LIST, outs[0]).trim().split('\n').map(row);
  expect(after.at(-1)).toEqual(['None']); // testzip: every CRC checks
  expect(after.map((r) => r.slice(0, 5))).toEqual(before.map((r) => r.slice(0, 5)));
  const size = (rows: string[][], name: string) => Number(rows.find((r) => r[0] === name)![5]);
  expect(size(after, 'demo/__init__.py')).toBeLessThan(size(before, 'demo/__init__.py'));
  expect(size(after, 'demo/stored.txt')).toBe(size(before, 'demo/stored.txt'));
  for (const r of before.slice(0, -1)) expect(size(after, r[0])).toBeLessThanOrEqual(Number(r[5]));
  expect(readFileSync(outs[0]).length).toBeLessThan(readFileSync(wheel).length);
  // The packer's reader takes it: modes and raw streams as addWheelEntries copies them.
  const z = await ZipReader.open(outs[0]);
  try {
    expect(z.entries.map((e) => [e.name, e.mode & 0o777])).toEqual(before.slice(0, -1).map((r) => [r[0], parseInt(r[4].slice(2), 8) & 0o777]));
    const tool = z.find('demo/bin/tool')!;
    expect((await z.readRaw(tool)).length).toBe(tool.compressedSize);
  } finally {
    await z.close();
  }
});

test('a wheel it does not handle is copied unchanged, saying why', () => {
  const wheel = join(s.dir, 'broken.whl');
  writeFileSync(wheel, Buffer.from('not a zip at all'));
  const out = join(s.dir, 'out.whl');
  const r = spawnSync(PYTHON, ['-S', '-B', TOOL, wheel, out], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe(`deflate_wheel.py: ${wheel}: File is not a zip file; copied unchanged\n`);
  expect(readFileSync(out).equals(readFileSync(wheel))).toBe(true);
});

test('usage', () => {
  const r = spawnSync(PYTHON, ['-S', '-B', TOOL], { encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: 'usage: deflate_wheel.py IN.whl OUT\n' });
});
