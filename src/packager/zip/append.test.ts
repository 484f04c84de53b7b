import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendEntries } from './append';
import { ZipReader } from './reader';
import { expectPythonOk, PREAMBLE, PY_LIST, pySource, python, run, scratchDir, UNZIP, unzipAvailable, ZIP } from './test-helpers';
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

  test('refuses to overwrite its source', async () => {
    const src = await base();
    await expect(appendEntries(src, src, STAMP)).rejects.toThrow('appendEntries cannot write into its own source');
  });
});
