import { join } from 'node:path';
import { ZipReader } from './reader';
import { expectPythonOk, PREAMBLE, PY_LIST, pySource, python, scratchDir } from '../../../tests/helpers/zip';
import { ZipWriter } from './writer';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

test('addRaw copies wheel entries byte-for-byte: same payload, CRC and sizes, still readable', async () => {
  // A "wheel" compressed by Python at level 9, so recompressing at our level would show.
  const wheel = join(scratch.dir, 'pkg-1.0-py3-none-any.whl');
  expectPythonOk(
    python(
      `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("pkg/__init__.py", sys.argv[2])
    z.writestr(zipfile.ZipInfo("pkg/stored.txt"), b"stored as is")
    z.writestr("pkg-1.0.dist-info/METADATA", "Name: pkg\\nVersion: 1.0\\n")`,
      wheel,
      pySource(300).toString(),
    ),
  );
  const src = await ZipReader.open(wheel);
  const out = join(scratch.dir, 'raw.par');
  const w = await ZipWriter.create(out, PREAMBLE);
  try {
    for (const e of src.entries) {
      await w.addRaw({ ...e, name: `site-packages/${e.name}`, data: await src.readRaw(e) });
    }
    await w.finish();

    const dst = await ZipReader.open(out);
    try {
      expect(dst.entries).toHaveLength(src.entries.length);
      for (const e of src.entries) {
        const copy = dst.find(`site-packages/${e.name}`)!;
        expect({ method: copy.method, crc32: copy.crc32, c: copy.compressedSize, u: copy.uncompressedSize }).toEqual({
          method: e.method,
          crc32: e.crc32,
          c: e.compressedSize,
          u: e.uncompressedSize,
        });
        expect((await dst.readRaw(copy)).equals(await src.readRaw(e))).toBe(true);
        expect((await dst.read(copy)).equals(await src.read(e))).toBe(true);
      }
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
  expect(expectPythonOk(python(PY_LIST, out)).trim().split('\n')).toHaveLength(3);
});

test('addRaw refuses a payload whose length disagrees with its compressed size', async () => {
  const w = await ZipWriter.create(join(scratch.dir, 'bad-raw.par'), PREAMBLE);
  const p = w.addRaw({ name: 'x', method: 8, crc32: 0, compressedSize: 10, uncompressedSize: 20, data: Buffer.alloc(3) });
  await expect(p).rejects.toThrow('raw entry "x" has 3 payload bytes but claims compressedSize 10');
  await w.abort();
});
