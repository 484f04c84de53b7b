import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipError } from './errors';
import { ZipReader } from './reader';
import { assertFits32, DOS_DATE, DOS_TIME, FLAG_UTF8, VERSION_MADE_BY } from './records';
import {
  expectPythonOk,
  noise,
  PREAMBLE,
  PY_LIST,
  pySource,
  python,
  run,
  scratchDir,
  UNZIP,
  unzipAvailable,
} from '../../../tests/helpers/zip';
import { METHOD_DEFLATE, METHOD_STORED } from './types';
import { STREAM_THRESHOLD, ZipWriter } from './writer';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
let counter = 0;
const tmp = (name: string): string => join(scratch.dir, `${counter++}-${name}`);

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Source files on disk for the path-based adds, including one that gets streamed. */
function makeSources(): { small: string; big: string; exe: string } {
  const small = tmp('small.py');
  const big = tmp('big.bin');
  const exe = tmp('tool.sh');
  writeFileSync(small, pySource(50));
  writeFileSync(big, Buffer.concat([pySource(40000), noise(300_000)]));
  writeFileSync(exe, '#!/bin/sh\necho hi\n');
  return { small, big, exe };
}

async function buildSample(out: string, src: { small: string; big: string; exe: string }): Promise<void> {
  const w = await ZipWriter.create(out, PREAMBLE);
  await w.addFile('__main__.py', Buffer.from('import m\nprint(m.VALUE)\n'), { compress: true });
  await w.addFile('m.py', Buffer.from('VALUE = 42\n'), { compress: false });
  await w.addFile('pkg/', Buffer.alloc(0), { compress: false });
  await w.addFile('pkg/dätä.txt', Buffer.from('non-ascii name\n'.repeat(20)), { compress: true });
  await w.addFileFromPath('pkg/small.py', src.small, { compress: true });
  await w.addFileFromPath('pkg/big.bin', src.big, { compress: true, level: 1 });
  await w.addFileFromPath('bin/tool.sh', src.exe, { compress: false, mode: 0o100755 });
  await w.addFile('empty', Buffer.alloc(0), { compress: true });
  await w.finish();
}

describe('ZipWriter', () => {
  test('identical input gives identical bytes regardless of file times, modes, umask and clock', async () => {
    const src = makeSources();
    const a = tmp('a.par');
    await buildSample(a, src);

    // Everything a non-deterministic writer might pick up from the environment changes.
    utimesSync(src.small, new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    utimesSync(src.big, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    chmodSync(src.small, 0o600);
    chmodSync(src.exe, 0o700);
    let oldUmask: number | undefined;
    try {
      oldUmask = process.umask(0o077);
    } catch {
      // process.umask cannot be set from a worker thread; the chmods above still cover modes.
    }
    jest.useFakeTimers({
      now: new Date('2040-06-07T08:09:10Z'),
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
    });
    const b = tmp('b.par');
    try {
      await buildSample(b, src);
    } finally {
      jest.useRealTimers();
      if (oldUmask !== undefined) process.umask(oldUmask);
    }
    expect(sha(readFileSync(b))).toBe(sha(readFileSync(a)));
  });

  test('headers carry the fixed date, Unix host, modes and the UTF-8 flag only where needed', async () => {
    const out = tmp('hdr.par');
    await buildSample(out, makeSources());
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, PREAMBLE.length).equals(PREAMBLE)).toBe(true);
    const r = await ZipReader.open(out);
    try {
      expect(r.preambleLength).toBe(PREAMBLE.length);
      expect(r.offsetShift).toBe(0);
      expect(r.entries.map((e) => e.name)).toEqual(['__main__.py', 'm.py', 'pkg/', 'pkg/dätä.txt', 'pkg/small.py', 'pkg/big.bin', 'bin/tool.sh', 'empty']);
      for (const e of r.entries) {
        const local = bytes.subarray(e.localHeaderOffset, e.localHeaderOffset + 30);
        expect(local.readUInt32LE(0)).toBe(0x04034b50);
        expect(local.readUInt16LE(10)).toBe(DOS_TIME);
        expect(local.readUInt16LE(12)).toBe(DOS_DATE);
        expect(local.readUInt16LE(28)).toBe(0); // no extra fields
        expect(e.flags).toBe(e.name === 'pkg/dätä.txt' ? FLAG_UTF8 : 0);
        const versionNeeded = local.readUInt16LE(4);
        expect(versionNeeded).toBe(e.method === METHOD_STORED && !e.name.endsWith('/') ? 10 : 20);
      }
      const cd = await r.readCentralDirectory();
      expect(cd.readUInt16LE(4)).toBe(VERSION_MADE_BY);
      const mode = (n: string): number => r.find(n)!.mode;
      expect(mode('m.py')).toBe(0o100644);
      expect(mode('bin/tool.sh')).toBe(0o100755);
      expect(mode('pkg/')).toBe(0o040755);
      expect(r.find('m.py')!.method).toBe(METHOD_STORED);
      expect(r.find('pkg/big.bin')!.method).toBe(METHOD_DEFLATE);
      expect(r.find('empty')!.method).toBe(METHOD_STORED);
    } finally {
      await r.close();
    }
  });

  test('an archive behind a shell preamble passes zipfile.testzip and unzip -t without warnings', async () => {
    const src = makeSources();
    const out = tmp('ok.par');
    await buildSample(out, src);
    const listed = expectPythonOk(python(PY_LIST, out)).trim().split('\n');
    expect(listed).toContain(`pkg/big.bin\t${sha(readFileSync(src.big))}`);
    expect(listed).toContain(`pkg/dätä.txt\t${sha(Buffer.from('non-ascii name\n'.repeat(20)))}`);
    expect(listed).toHaveLength(8);

    if (unzipAvailable()) {
      const r = run(UNZIP, ['-t', out]);
      expect(r.stderr).toBe('');
      expect(r.stdout).not.toMatch(/warning|extra bytes/i);
      // Every line is the banner, an OK, or the summary: nothing else was reported.
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`Archive:  ${out}`);
      for (const l of lines.slice(1, -1)) expect(l).toMatch(/^ {4}testing: .+ {2,}OK$/);
      expect(lines[lines.length - 1]).toBe(`No errors detected in compressed data of ${out}.`);
      expect(r.status).toBe(0);
    }
  });

  test('zipimport imports a module from the archive', async () => {
    const out = tmp('imp.par');
    await buildSample(out, makeSources());
    const r = python('import sys; sys.path.insert(0, sys.argv[1]); import m; print(m.VALUE, m.__file__)', out);
    expect(expectPythonOk(r)).toBe(`42 ${join(out, 'm.py')}\n`);
    // Runs as a launchable archive: the preamble is skipped and __main__.py runs.
    expect(expectPythonOk({ ...run('/usr/bin/python3', ['-S', out]) })).toBe('42\n');
  });

  test('addFileFromPath streams a multi-MB file and the result reads back intact', async () => {
    const big = tmp('big.dat');
    const text = pySource(120_000); // ~7 MB, compressible
    writeFileSync(big, text);
    const random = tmp('random.dat');
    writeFileSync(random, noise(3 * STREAM_THRESHOLD + 17, 7)); // streamed, deflate does not help
    const out = tmp('stream.par');
    const w = await ZipWriter.create(out, PREAMBLE);
    await w.addFileFromPath('big.py', big, { compress: true });
    await w.addFileFromPath('random.bin', random, { compress: true });
    await w.addFile('after.txt', Buffer.from('after'), { compress: true });
    const res = await w.finish();
    expect(res.entries).toBe(3);
    expect(res.bytes).toBe(readFileSync(out).length);

    const r = await ZipReader.open(out);
    try {
      const e = r.find('big.py')!;
      expect(e.method).toBe(METHOD_DEFLATE);
      expect(e.flags & 0x8).toBe(0); // patched header, no data descriptor
      expect(e.compressedSize).toBeLessThan(text.length / 3);
      expect((await r.read(e)).equals(text)).toBe(true);
      const rnd = r.find('random.bin')!;
      expect(rnd.method).toBe(METHOD_STORED);
      expect((await r.read(rnd)).equals(readFileSync(random))).toBe(true);
      expect((await r.read(r.find('after.txt')!)).toString()).toBe('after');
    } finally {
      await r.close();
    }
    expectPythonOk(python(PY_LIST, out));
    if (unzipAvailable()) expect(run(UNZIP, ['-tq', out]).status).toBe(0);
  });

  test('a big entry gets the same bytes from memory as from disk, at and around chunk boundaries', async () => {
    const text = pySource(200_000);
    for (const size of [STREAM_THRESHOLD, 2 * STREAM_THRESHOLD, 2 * STREAM_THRESHOLD + 5]) {
      const data = text.subarray(0, size);
      const file = tmp('chunky.py');
      writeFileSync(file, data);
      const out = tmp('chunky.par');
      const w = await ZipWriter.create(out, PREAMBLE);
      await w.addFile('mem.py', data, { compress: true, level: 1 });
      await w.addFileFromPath('disk.py', file, { compress: true, level: 1 });
      await w.finish();
      const r = await ZipReader.open(out);
      try {
        const [mem, disk] = [r.find('mem.py')!, r.find('disk.py')!];
        expect(mem.method).toBe(METHOD_DEFLATE);
        expect((await r.readRaw(mem)).equals(await r.readRaw(disk))).toBe(true);
        expect((await r.read(disk)).equals(data)).toBe(true);
      } finally {
        await r.close();
      }
      expect(expectPythonOk(python(PY_LIST, out))).toContain(`disk.py\t${sha(data)}`);
    }
  });

  test('un-awaited adds land in call order even when compression finishes out of order', async () => {
    const out = tmp('order.par');
    const w = await ZipWriter.create(out, Buffer.alloc(0), { window: 8 });
    const names: string[] = [];
    const adds: Array<Promise<void>> = [];
    for (let i = 0; i < 200; i++) {
      const name = `f${String(i).padStart(3, '0')}-${199 - i}.py`;
      names.push(name);
      // Big entries first, small later: later ones tend to finish compressing first.
      adds.push(w.addFile(name, pySource(i % 3 === 0 ? 4000 : 5, name), { compress: true }));
    }
    await Promise.all(adds);
    await w.finish();
    const r = await ZipReader.open(out);
    try {
      expect(r.entries.map((e) => e.name)).toEqual(names);
      for (const e of r.entries.slice(0, 10)) expect((await r.read(e)).equals(pySource(names.indexOf(e.name) % 3 === 0 ? 4000 : 5, e.name))).toBe(true);
    } finally {
      await r.close();
    }
  });

  test('addFiles pipelines paths and buffers in order', async () => {
    const dir = scratchDir();
    try {
      const items = Array.from({ length: 120 }, (_, i) => {
        const path = join(dir.dir, `m${i}.py`);
        writeFileSync(path, pySource(i + 1, `m${i}`));
        return i % 2 ? { name: `p/m${i}.py`, path, opts: { compress: true } } : { name: `p/m${i}.py`, data: pySource(i + 1, `m${i}`), opts: { compress: true } };
      });
      const out = tmp('many.par');
      const w = await ZipWriter.create(out, PREAMBLE, { window: 4 });
      await w.addFiles(items);
      await w.finish();
      const lines = expectPythonOk(python(PY_LIST, out)).trim().split('\n');
      expect(lines.map((l) => l.split('\t')[0])).toEqual(items.map((i) => i.name));
      expect(lines[7]).toBe(`p/m7.py\t${sha(pySource(8, 'm7'))}`);
    } finally {
      dir.cleanup();
    }
  });

  test('a duplicate name rejects naming the entry, and finish reports it too', async () => {
    const out = tmp('dup.par');
    const w = await ZipWriter.create(out, PREAMBLE);
    await w.addFile('a.py', Buffer.from('1'), { compress: false });
    const dup = w.addFile('a.py', Buffer.from('2'), { compress: false });
    await expect(dup).rejects.toThrow(ZipError);
    await expect(dup).rejects.toThrow(`${out}: duplicate entry name "a.py"`);
    await expect(w.finish()).rejects.toThrow('duplicate entry name "a.py"');
  });

  test('more than 65535 entries is refused with the ZIP64 explanation', async () => {
    const out = tmp('limit.par');
    const w = await ZipWriter.create(out, Buffer.alloc(0));
    const empty = Buffer.alloc(0);
    for (let i = 0; i < 65535; i++) void w.addFile(`e${i}`, empty, { compress: false });
    const over = w.addFile('one-too-many', empty, { compress: false });
    await expect(over).rejects.toThrow(
      `${out}: too many entries (65536); a zip without ZIP64 holds at most 65535. ZIP64 is not written because Python's zipimport before 3.13 cannot read it`,
    );
    await expect(w.finish()).rejects.toMatchObject({ code: 'ZIP_FORMAT' });
  }, 60_000); // 65535 adds: ~6 s on a loaded 2-core machine

  test('a 65535-entry archive is fine and Python reads it', async () => {
    const out = tmp('max.par');
    const w = await ZipWriter.create(out, Buffer.alloc(0));
    const empty = Buffer.alloc(0);
    for (let i = 0; i < 65535; i++) void w.addFile(`e${i}`, empty, { compress: false });
    expect(await w.finish()).toMatchObject({ entries: 65535 });
    expect(expectPythonOk(python('import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))', out))).toBe('65535\n');
  }, 60_000);

  test('sizes and offsets that need ZIP64 are refused with the same explanation', () => {
    expect(() => assertFits32('/x.par', 'the size of "huge.bin"', 0xffffffff)).toThrow(
      `/x.par: the size of "huge.bin" is 4294967295 bytes, which needs ZIP64 (limit 4294967294). ZIP64 is not written because Python's zipimport before 3.13 cannot read it`,
    );
    expect(() => assertFits32('/x.par', 'the offset of "a"', 0xfffffffe)).not.toThrow();
  });

  test('adding after finish is refused', async () => {
    const out = tmp('late.par');
    const w = await ZipWriter.create(out, PREAMBLE);
    await w.finish();
    await expect(w.addFile('x', Buffer.from('x'), { compress: false })).rejects.toThrow('cannot add "x": the writer is already finished');
  });

  test('an unreadable source file fails the add and the archive', async () => {
    const out = tmp('missing.par');
    const w = await ZipWriter.create(out, PREAMBLE);
    await expect(w.addFileFromPath('gone.py', join(scratch.dir, 'does-not-exist.py'), { compress: true })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(w.finish()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
