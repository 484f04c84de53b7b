import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendEntries } from './append';
import { parseCentralDirectory } from './directory';
import { ZipReader } from './reader';
import { expectPythonOk, PREAMBLE, PY_LIST, pySource, python, run, scratchDir, UNZIP, unzipAvailable, ZIP } from '../../../tests/helpers/zip';
import { ZipWriter } from './writer';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
let counter = 0;
const tmp = (name: string): string => join(scratch.dir, `${counter++}-${name}`);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const STAMP = [
  { name: 'build-info.json', data: Buffer.from('{"scm_revision": "abc123", "stamped": true}\n'.repeat(10)), compress: true },
  { name: 'VERSION', data: Buffer.from('1.2.3\n'), compress: false },
];

async function base(): Promise<string> {
  const out = tmp('base.par');
  const w = await ZipWriter.create(out, PREAMBLE);
  await w.addFile('__main__.py', Buffer.from('import m\n'), { compress: true });
  await w.addFile('m.py', pySource(400), { compress: true });
  await w.addFile('data/blob.bin', Buffer.alloc(5000, 7), { compress: false });
  await w.finish();
  return out;
}

describe('appendEntries', () => {
  test('keeps old bytes, adds readable entries, and Python and unzip accept the result', async () => {
    const src = await base();
    const dst = tmp('stamped.par');
    await appendEntries(src, dst, STAMP);

    const before = await ZipReader.open(src);
    const after = await ZipReader.open(dst);
    try {
      // Everything before the old central directory is copied verbatim.
      const srcBytes = readFileSync(src);
      const dstBytes = readFileSync(dst);
      expect(dstBytes.subarray(0, before.centralDirectoryOffset).equals(srcBytes.subarray(0, before.centralDirectoryOffset))).toBe(true);
      // The old central records open the new directory unchanged.
      const oldCd = await before.readCentralDirectory();
      expect((await after.readCentralDirectory()).subarray(0, oldCd.length).equals(oldCd)).toBe(true);

      expect(after.entries.map((e) => e.name)).toEqual(['__main__.py', 'm.py', 'data/blob.bin', 'build-info.json', 'VERSION']);
      expect(after.entries.slice(0, 3)).toEqual(before.entries);
      for (const e of before.entries) expect((await after.readRaw(e)).equals(await before.readRaw(e))).toBe(true);
      expect((await after.read(after.find('build-info.json')!)).equals(STAMP[0].data)).toBe(true);
      expect((await after.read(after.find('VERSION')!)).toString()).toBe('1.2.3\n');
      expect(after.preambleLength).toBe(PREAMBLE.length);
    } finally {
      await before.close();
      await after.close();
    }

    const listed = expectPythonOk(python(PY_LIST, dst)).trim().split('\n');
    expect(listed).toHaveLength(5);
    expect(listed).toContain(`m.py\t${sha(pySource(400))}`);
    expect(listed).toContain(`VERSION\t${sha(Buffer.from('1.2.3\n'))}`);
    if (unzipAvailable()) {
      const r = run(UNZIP, ['-t', dst]);
      expect(r.status).toBe(0);
      expect(r.stderr + r.stdout).not.toMatch(/warning|extra bytes/i);
    }
  });

  test('is deterministic', async () => {
    const src = await base();
    const a = tmp('a.par');
    const b = tmp('b.par');
    await appendEntries(src, a, STAMP);
    await appendEntries(src, b, STAMP);
    expect(sha(readFileSync(a))).toBe(sha(readFileSync(b)));
  });

  test('equals writing all entries at once', async () => {
    const src = await base();
    const appended = tmp('appended.par');
    await appendEntries(src, appended, STAMP);
    const direct = tmp('direct.par');
    const w = await ZipWriter.create(direct, PREAMBLE);
    await w.addFile('__main__.py', Buffer.from('import m\n'), { compress: true });
    await w.addFile('m.py', pySource(400), { compress: true });
    await w.addFile('data/blob.bin', Buffer.alloc(5000, 7), { compress: false });
    for (const s of STAMP) await w.addFile(s.name, s.data, { compress: s.compress });
    await w.finish();
    expect(sha(readFileSync(appended))).toBe(sha(readFileSync(direct)));
  });

  test('works on a zip behind a preamble with relative offsets', async () => {
    const dir = scratchDir();
    try {
      writeFileSync(join(dir.dir, 'a.py'), pySource(20));
      const plain = join(dir.dir, 'plain.zip');
      expect(run(ZIP, ['-q', '-X', plain, 'a.py'], dir.dir).status).toBe(0);
      const src = tmp('cat.par');
      writeFileSync(src, Buffer.concat([PREAMBLE, readFileSync(plain)]));
      const dst = tmp('cat-stamped.par');
      await appendEntries(src, dst, STAMP);
      const listed = expectPythonOk(python(PY_LIST, dst)).trim().split('\n');
      expect(listed.map((l) => l.split('\t')[0])).toEqual(['a.py', 'build-info.json', 'VERSION']);
      const r = await ZipReader.open(dst);
      try {
        expect(r.offsetShift).toBe(PREAMBLE.length);
        expect((await r.read(r.find('VERSION')!)).toString()).toBe('1.2.3\n');
      } finally {
        await r.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  test('a name already in the archive is refused and no output is left behind', async () => {
    const src = await base();
    const dst = tmp('dup.par');
    await expect(appendEntries(src, dst, [{ name: 'm.py', data: Buffer.from('x'), compress: false }])).rejects.toThrow(`${dst}: duplicate entry name "m.py"`);
    expect(existsSync(dst)).toBe(false);
  });

  test('a read-only source (as Bazel leaves its outputs) gives a result its owner can write, or the requested mode', async () => {
    const src = await base();
    chmodSync(src, 0o555);
    const dst = tmp('from-readonly.par');
    await appendEntries(src, dst, STAMP);
    expect(statSync(dst).mode & 0o7777).toBe(0o755);
    const exact = tmp('mode.par');
    await appendEntries(src, exact, STAMP, { mode: 0o750 });
    expect(statSync(exact).mode & 0o7777).toBe(0o750);
    expectPythonOk(python(PY_LIST, exact));
  });

  test('an archive comment longer than what is added is cut off, and the result is exactly the new entries', async () => {
    const src = tmp('comment.zip');
    expectPythonOk(python('import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    z.writestr("a.py", "x = 1\\n")\n    z.comment = b"c" * 5000\n', src));
    const dst = tmp('comment-stamped.zip');
    await appendEntries(src, dst, [{ name: 'V', data: Buffer.from('1'), compress: false }]);
    const listed = expectPythonOk(python(PY_LIST, dst)).trim().split('\n');
    expect(listed.map((l) => l.split('\t')[0])).toEqual(['a.py', 'V']);
    const before = await ZipReader.open(src);
    const after = await ZipReader.open(dst);
    try {
      // The new local entry (header 30 + name 1 + data 1) where the old directory was,
      // then the directory and a comment-less end record (22): nothing of the comment left.
      expect(after.centralDirectoryOffset).toBe(before.centralDirectoryOffset + 32);
      expect(statSync(dst).size).toBe(after.centralDirectoryOffset + after.centralDirectorySize + 22);
    } finally {
      await before.close();
      await after.close();
    }
  });

  test('reads a source whose directory is described by ZIP64 records', async () => {
    const plain = await base();
    const bytes = readFileSync(plain);
    const eocd = bytes.length - 22;
    const count = bytes.readUInt16LE(eocd + 10);
    const cdSize = bytes.readUInt32LE(eocd + 12);
    const cdOffset = bytes.readUInt32LE(eocd + 16);
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(count), 24);
    rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(eocd), 8);
    loc.writeUInt32LE(1, 16);
    // The 32-bit fields say "look in the ZIP64 record".
    const end = Buffer.from(bytes.subarray(eocd));
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
    const src = tmp('zip64.par');
    writeFileSync(src, Buffer.concat([bytes.subarray(0, eocd), rec, loc, end]));
    expectPythonOk(python(PY_LIST, src));
    const dst = tmp('zip64-stamped.par');
    await appendEntries(src, dst, STAMP);
    const listed = expectPythonOk(python(PY_LIST, dst)).trim().split('\n');
    expect(listed.map((l) => l.split('\t')[0])).toEqual(['__main__.py', 'm.py', 'data/blob.bin', 'build-info.json', 'VERSION']);
    // The ZIP64 records were overwritten by the longer new tail, not left behind.
    const direct = tmp('zip64-direct.par');
    await appendEntries(plain, direct, STAMP);
    expect(sha(readFileSync(dst))).toBe(sha(readFileSync(direct)));
  });

  test('a name stored as CP437 (no UTF-8 flag) is compared decoded, as Python reads it', async () => {
    const src = tmp('cp437.zip');
    expectPythonOk(python('import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    z.writestr("cafX.py", "x = 1\\n")\n', src));
    const bytes = readFileSync(src);
    // 'X' -> 0x82, which CP437 reads as 'é' (both the local and the central copy of the name).
    for (let at = bytes.indexOf('cafX.py'); at >= 0; at = bytes.indexOf('cafX.py', at + 1)) bytes[at + 3] = 0x82;
    writeFileSync(src, bytes);
    expect(expectPythonOk(python('import sys, zipfile\nprint(zipfile.ZipFile(sys.argv[1]).namelist()[0])', src)).trim()).toBe('café.py');
    const dst = tmp('cp437-dup.zip');
    await expect(appendEntries(src, dst, [{ name: 'café.py', data: Buffer.from('y'), compress: false }])).rejects.toThrow(`${dst}: duplicate entry name "café.py"`);
    expect(existsSync(dst)).toBe(false);
    // A name of the same length that decodes differently is no collision.
    await appendEntries(src, dst, [{ name: 'cafe.py', data: Buffer.from('y'), compress: false }]);
    expect(expectPythonOk(python(PY_LIST, dst)).trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['café.py', 'cafe.py']);
  });

  test('a name given twice among the new entries is refused', async () => {
    const src = await base();
    const dst = tmp('dup-new.par');
    await expect(appendEntries(src, dst, [STAMP[1], STAMP[1]])).rejects.toThrow(`${dst}: duplicate entry name "VERSION"`);
    expect(existsSync(dst)).toBe(false);
  });

  test('an end record that miscounts the directory is refused, naming the source', async () => {
    const src = await base();
    const bytes = readFileSync(src);
    bytes.writeUInt16LE(4, bytes.length - 22 + 8);
    bytes.writeUInt16LE(4, bytes.length - 22 + 10);
    writeFileSync(src, bytes);
    const dst = tmp('miscount.par');
    await expect(appendEntries(src, dst, STAMP)).rejects.toThrow(
      `${src}: entry count mismatch: the end of central directory record says 4 entries, the central directory holds 3`,
    );
    expect(existsSync(dst)).toBe(false);
  });

  test('a directory record with a bad signature is refused, naming the source', async () => {
    const src = await base();
    const bytes = readFileSync(src);
    const cdOffset = bytes.readUInt32LE(bytes.length - 22 + 16);
    const second = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), cdOffset + 1);
    bytes[second] = 0x51;
    writeFileSync(src, bytes);
    await expect(appendEntries(src, tmp('badsig.par'), STAMP)).rejects.toThrow(`${src}: bad central directory record signature at directory offset ${second - cdOffset} (record #1)`);
  });

  test('replaces an existing destination (the copy goes into a new file)', async () => {
    const src = await base();
    const dst = tmp('existing.par');
    writeFileSync(dst, Buffer.alloc(100_000, 1));
    await appendEntries(src, dst, STAMP);
    const fresh = tmp('fresh.par');
    await appendEntries(src, fresh, STAMP);
    expect(sha(readFileSync(dst))).toBe(sha(readFileSync(fresh)));
  });

  test('refuses to overwrite its source', async () => {
    const src = await base();
    await expect(appendEntries(src, src, STAMP)).rejects.toThrow('appendEntries cannot write into its own source');
  });
});

describe('appendEntries with replaceLast (the launch blob)', () => {
  async function withTrailer(): Promise<string> {
    const out = tmp('trailer.par');
    const w = await ZipWriter.create(out, PREAMBLE);
    await w.addFile('__main__.py', Buffer.from('import m\n'), { compress: true });
    await w.addFile('m.py', pySource(50), { compress: true });
    await w.addFile('index', Buffer.from('old index, longer than the new one will be'), { compress: false });
    await w.finish();
    return out;
  }

  test('writes over the last entry, and an entry made from the directory before it sees the added ones', async () => {
    const src = await withTrailer();
    const dst = tmp('restamped.par');
    let seen: string[] = [];
    const made = (ctx: { directory: Buffer; shift: number }) => {
      seen = parseCentralDirectory(src, ctx.directory, ctx.shift).map((e) => e.name);
      return Buffer.from(seen.join(','));
    };
    const { offsets } = await appendEntries(src, dst, [STAMP[1], { name: 'index', data: made, compress: false }], { replaceLast: 'index' });
    expect(seen).toEqual(['__main__.py', 'm.py', 'VERSION']);
    const r = await ZipReader.open(dst);
    try {
      expect(r.entries.map((e) => e.name)).toEqual(['__main__.py', 'm.py', 'VERSION', 'index']);
      expect((await r.read(r.find('index')!)).toString()).toBe('__main__.py,m.py,VERSION');
      expect(offsets).toEqual([r.find('VERSION')!.localHeaderOffset, r.find('index')!.localHeaderOffset]);
    } finally {
      await r.close();
    }
    // Shorter than before: the file is cut after the new end record, and Python reads it.
    expect(statSync(dst).size).toBeLessThan(statSync(src).size + 100);
    expect(expectPythonOk(python(PY_LIST, dst)).trim().split('\n')).toHaveLength(4);
  });

  test('finds a last entry stored as CP437 (no UTF-8 flag) by its decoded name, as Python reads it', async () => {
    // The replaceLast walk once decoded names as UTF-8 only (a second copy of the directory
    // parser): 0x82 became U+FFFD and the entry named 'café.py' was "not the last one".
    const src = tmp('cp437-last.zip');
    expectPythonOk(python('import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    z.writestr("a.py", "a = 1\\n")\n    z.writestr("cafX.py", "x = 1\\n")\n', src));
    const bytes = readFileSync(src);
    for (let at = bytes.indexOf('cafX.py'); at >= 0; at = bytes.indexOf('cafX.py', at + 1)) bytes[at + 3] = 0x82;
    writeFileSync(src, bytes);
    const dst = tmp('cp437-last-replaced.zip');
    await appendEntries(src, dst, [{ name: 'café.py', data: Buffer.from('x = 2\n'), compress: false }], { replaceLast: 'café.py' });
    expect(expectPythonOk(python(PY_LIST, dst)).trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['a.py', 'café.py']);
    expect(expectPythonOk(python('import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(z.read(z.namelist()[1]).decode(), z.infolist()[1].flag_bits & 0x800)', dst)).trim()).toBe('x = 2\n 2048');
  });

  test('refuses when the named entry is not the last one, naming what is', async () => {
    const src = await withTrailer();
    await expect(appendEntries(src, tmp('x.par'), STAMP, { replaceLast: 'm.py' })).rejects.toThrow(/expected "m.py" as the last entry of the central directory, found "index"/);
  });
});
