import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipError } from './errors';
import { ZipReader } from './reader';
import { expectPythonOk, PREAMBLE, pySource, python, run, scratchDir, ZIP } from '../../../tests/helpers/zip';
import { METHOD_DEFLATE } from './types';
import { ZipWriter } from './writer';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
let counter = 0;
const tmp = (name: string): string => join(scratch.dir, `${counter++}-${name}`);

/** Three entries: stored m.py, deflated big.py, stored data.txt. */
async function sample(): Promise<string> {
  const out = tmp('sample.par');
  const w = await ZipWriter.create(out, PREAMBLE);
  await w.addFile('m.py', Buffer.from('VALUE = 42\n'), { compress: false });
  await w.addFile('big.py', pySource(500), { compress: true });
  await w.addFile('data.txt', Buffer.from('some data'), { compress: false });
  await w.finish();
  return out;
}

/** Rewrites bytes of a copy of `path` and returns the copy. */
function patched(path: string, edit: (b: Buffer, eocd: number) => void): string {
  const b = Buffer.from(readFileSync(path));
  edit(b, b.length - 22);
  const out = tmp('patched.par');
  writeFileSync(out, b);
  return out;
}

async function openError(path: string): Promise<ZipError> {
  try {
    await ZipReader.open(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ZipError);
    expect((e as ZipError).code).toBe('ZIP_FORMAT');
    expect((e as ZipError).file).toBe(path);
    return e as ZipError;
  }
  throw new Error(`expected ${path} to be rejected`);
}

async function readError(path: string, name: string, raw = false): Promise<ZipError> {
  const r = await ZipReader.open(path);
  try {
    const e = r.find(name)!;
    await (raw ? r.readRaw(e) : r.read(e));
  } catch (err) {
    expect(err).toBeInstanceOf(ZipError);
    return err as ZipError;
  } finally {
    await r.close();
  }
  throw new Error(`expected reading ${name} from ${path} to fail`);
}

describe('ZipReader on good archives', () => {
  test('reads our own archive: absolute offsets, preamble length, contents', async () => {
    const path = await sample();
    const r = await ZipReader.open(path);
    try {
      expect(r.offsetShift).toBe(0);
      expect(r.preambleLength).toBe(PREAMBLE.length);
      expect(r.zip64).toBe(false);
      expect(r.entries.map((e) => e.name)).toEqual(['m.py', 'big.py', 'data.txt']);
      expect((await r.read(r.find('big.py')!)).equals(pySource(500))).toBe(true);
      const cdEnd = r.centralDirectoryOffset + r.centralDirectorySize;
      expect(cdEnd).toBe(readFileSync(path).length - 22);
    } finally {
      await r.close();
    }
  });

  test('handles a preamble prepended to a zip whose offsets are relative (like `cat stub x.zip`)', async () => {
    const dir = scratchDir();
    try {
      writeFileSync(join(dir.dir, 'a.py'), pySource(30));
      writeFileSync(join(dir.dir, 'b.txt'), 'bee\n');
      const plain = join(dir.dir, 'plain.zip');
      expect(run(ZIP, ['-q', '-X', plain, 'a.py', 'b.txt'], dir.dir).status).toBe(0);
      const cat = tmp('cat.par');
      writeFileSync(cat, Buffer.concat([PREAMBLE, readFileSync(plain)]));
      const r = await ZipReader.open(cat);
      try {
        expect(r.offsetShift).toBe(PREAMBLE.length);
        expect(r.preambleLength).toBe(PREAMBLE.length);
        expect(r.entries[0].localHeaderOffset).toBe(PREAMBLE.length);
        expect((await r.read(r.find('a.py')!)).equals(pySource(30))).toBe(true);
        expect((await r.read(r.find('b.txt')!)).toString()).toBe('bee\n');
      } finally {
        await r.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  test.each([
    ['plain', Buffer.alloc(0)],
    ['behind a preamble', PREAMBLE],
  ])('reads a ZIP64 archive (as some wheels are) %s', async (_label, pre) => {
    const z = tmp('z64.zip');
    // Lowering Python's limits makes it write ZIP64 records for a tiny archive.
    expectPythonOk(
      python(
        `import sys, zipfile
zipfile.ZIP64_LIMIT = 0
zipfile.ZIP_FILECOUNT_LIMIT = 0
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("pkg/__init__.py", b"x = 1\\n" * 100)
    z.writestr("pkg-1.0.dist-info/RECORD", b"pkg/__init__.py,,\\n")`,
        z,
      ),
    );
    const path = tmp('z64.par');
    writeFileSync(path, Buffer.concat([pre, readFileSync(z)]));
    const r = await ZipReader.open(path);
    try {
      expect(r.zip64).toBe(true);
      expect(r.offsetShift).toBe(pre.length);
      expect(r.preambleLength).toBe(pre.length);
      const init = r.find('pkg/__init__.py')!;
      expect(init.method).toBe(METHOD_DEFLATE);
      expect(init.uncompressedSize).toBe(600);
      expect((await r.read(init)).toString()).toBe('x = 1\n'.repeat(100));
      expect((await r.read(r.find('pkg-1.0.dist-info/RECORD')!)).toString()).toBe('pkg/__init__.py,,\n');
    } finally {
      await r.close();
    }
  });

  test('decodes names without the UTF-8 flag as CP437, like Python', async () => {
    const out = tmp('cp437.zip');
    const w = await ZipWriter.create(out, Buffer.alloc(0));
    await w.addFile('caf_.txt', Buffer.from('x'), { compress: false });
    await w.finish();
    const path = patched(out, (b) => {
      const at = b.lastIndexOf('caf_.txt');
      b[at + 3] = 0x82; // CP437 'é'
    });
    const r = await ZipReader.open(path);
    try {
      expect(r.entries[0].name).toBe('café.txt');
    } finally {
      await r.close();
    }
    expect(expectPythonOk(python('import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).namelist()[0])', path))).toBe('café.txt\n');
  });
});

describe('ZipReader on corrupt archives', () => {
  test('no end of central directory record', async () => {
    const path = tmp('not-a-zip.txt');
    writeFileSync(path, 'just some text, certainly not a zip archive\n');
    const e = await openError(path);
    expect(e.message).toBe(`${path}: no end of central directory record found (not a zip, or truncated); searched the last 44 bytes`);

    const empty = tmp('empty');
    writeFileSync(empty, '');
    expect((await openError(empty)).reason).toContain('no end of central directory record found');

    const cut = tmp('cut.par');
    writeFileSync(cut, readFileSync(await sample()).subarray(0, -5));
    expect((await openError(cut)).reason).toContain('no end of central directory record found');
  });

  test('central directory larger than the space before its end record', async () => {
    const path = patched(await sample(), (b, eocd) => b.writeUInt32LE(b.readUInt32LE(eocd + 12) + 4096, eocd + 12));
    expect((await openError(path)).reason).toMatch(/^truncated central directory: it claims \d+ bytes at offset \d+, but its end record is at offset \d+$/);
  });

  test('central directory record cut short', async () => {
    const good = readFileSync(await sample());
    const eocd = good.length - 22;
    const size = good.readUInt32LE(eocd + 12);
    const cdEnd = good.readUInt32LE(eocd + 16) + size;
    // Drop the last 10 bytes of the directory and say so in the EOCD: the start stays put, the last record is cut.
    const end = Buffer.from(good.subarray(eocd));
    end.writeUInt32LE(size - 10, 12);
    const path = tmp('cut-record.par');
    writeFileSync(path, Buffer.concat([good.subarray(0, cdEnd - 10), end]));
    expect((await openError(path)).reason).toMatch(/^truncated central directory: record #2 at directory offset \d+ extends past its end$/);
  });

  test('bad central directory record signature', async () => {
    const path = patched(await sample(), (b, eocd) => b.writeUInt32LE(0xdeadbeef, b.readUInt32LE(eocd + 16)));
    expect((await openError(path)).reason).toBe('bad central directory record signature at directory offset 0 (record #0)');
  });

  test('entry count mismatch', async () => {
    const path = patched(await sample(), (b, eocd) => {
      b.writeUInt16LE(4, eocd + 8);
      b.writeUInt16LE(4, eocd + 10);
    });
    expect((await openError(path)).message).toBe(
      `${path}: entry count mismatch: the end of central directory record says 4 entries, the central directory holds 3`,
    );
  });

  test('local header signature mismatch', async () => {
    const good = await sample();
    const r = await ZipReader.open(good);
    const offset = r.find('data.txt')!.localHeaderOffset;
    await r.close();
    const path = patched(good, (b) => b.writeUInt32LE(0, offset));
    expect((await readError(path, 'data.txt', true)).message).toBe(`${path}: local header signature mismatch for "data.txt" at offset ${offset}`);
  });

  test('CRC mismatch', async () => {
    const path = patched(await sample(), (b) => {
      const at = b.indexOf('some data');
      b[at] ^= 0x20;
    });
    const e = await readError(path, 'data.txt');
    expect(e.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: CRC mismatch for "data.txt": expected 0x[0-9a-f]{8}, got 0x[0-9a-f]{8}$`));
  });

  test('unsupported compression method', async () => {
    const path = patched(await sample(), (b, eocd) => b.writeUInt16LE(12, b.readUInt32LE(eocd + 16) + 10));
    expect((await readError(path, 'm.py')).reason).toBe('unsupported compression method 12 for "m.py" (only stored (0) and deflate (8) are supported)');
  });

  test('corrupt deflate stream', async () => {
    const good = await sample();
    const r = await ZipReader.open(good);
    const e = r.find('big.py')!;
    const raw = await r.readRaw(e);
    await r.close();
    const path = patched(good, (b) => {
      const at = b.indexOf(raw);
      b.fill(0xff, at, at + 16);
    });
    expect((await readError(path, 'big.py')).reason).toMatch(/^(corrupt deflate data for "big.py": .+|CRC mismatch for "big.py": .+|size mismatch for "big.py": .+)$/);
  });
});
