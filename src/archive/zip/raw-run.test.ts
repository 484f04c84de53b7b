// ZipWriter.addRawRun: whole local entries copied as one block give the same bytes as adding
// each entry, and a block whose headers are not the writer's own is refused, not copied.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../../../tests/helpers/zip';
import { parseCentralDirectory, readDirectory } from './directory';
import { ZipReader } from './reader';
import type { RunEntry } from './types';
import { ZipWriter } from './writer';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
let n = 0;
const tmp = () => join(scratch.dir, `${n++}.zip`);

/** A zip of three entries (one stored, two deflated) written by ZipWriter, and its directory. */
async function source(): Promise<{ buf: Buffer; runs: RunEntry[] }> {
  const f = tmp();
  const w = await ZipWriter.create(f, Buffer.alloc(0));
  await w.addFile('pkg/a.py', Buffer.from('A = 1\n'.repeat(50)), { compress: true });
  await w.addFile('pkg/b.bin', Buffer.from([1, 2, 3]), { compress: false });
  await w.addFile('pkg/é.py', Buffer.from('print("x")\n'.repeat(20)), { compress: true });
  await w.finish();
  const buf = readFileSync(f);
  const dir = readDirectory(f, buf, buf.length);
  const runs = parseCentralDirectory(f, dir.cd, dir.shift).map((e) => ({
    name: e.name, at: e.localHeaderOffset, method: e.method, crc32: e.crc32, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize,
  }));
  return { buf, runs };
}

async function write(fn: (w: ZipWriter) => Promise<void>): Promise<Buffer> {
  const f = tmp();
  const w = await ZipWriter.create(f, Buffer.from('#!/bin/sh\n'));
  await w.addFile('first.txt', Buffer.from('before the run\n'), { compress: false });
  await fn(w);
  await w.addFile('last.txt', Buffer.from('after the run\n'), { compress: true });
  await w.finish();
  return readFileSync(f);
}

test('a run copied as one block is byte for byte what addRaw of each entry writes', async () => {
  const { buf, runs } = await source();
  const end = runs[2].at + 30 + Buffer.byteLength(runs[2].name) + runs[2].compressedSize; // the last local entry's end
  const byRun = await write(async (w) => {
    expect(runs.every((e) => w.runHeaderMatches(buf, e))).toBe(true);
    await w.addRawRun(buf.subarray(0, end), runs);
  });
  const byEntry = await write(async (w) => {
    for (const e of runs) {
      const start = e.at + 30 + Buffer.byteLength(e.name);
      await w.addRaw({ ...e, data: buf.subarray(start, start + e.compressedSize) });
    }
  });
  expect(byRun.equals(byEntry)).toBe(true);
  const f = tmp();
  writeFileSync(f, byRun);
  const z = await ZipReader.open(f);
  try {
    expect(z.entries.map((e) => e.name)).toEqual(['first.txt', 'pkg/a.py', 'pkg/b.bin', 'pkg/é.py', 'last.txt']);
    expect((await z.read(z.entries[1])).toString()).toBe('A = 1\n'.repeat(50));
  } finally {
    await z.close();
  }
});

test('a block whose headers are not the writer\'s own is refused with the entry named, and nothing is written', async () => {
  const { buf, runs } = await source();
  const end = runs[1].at;
  const renamed = [{ ...runs[0], name: 'pkg/other.py' }];
  let err: Error | undefined;
  const f = tmp();
  const w = await ZipWriter.create(f, Buffer.alloc(0));
  expect(w.runHeaderMatches(buf, renamed[0])).toBe(false);
  await w.addRawRun(buf.subarray(0, end), renamed).catch((e: Error) => (err = e));
  expect(err?.message).toContain('raw run: the entry "pkg/other.py" at 0 of the block is not a local header this writer would write there');
  await expect(w.finish()).rejects.toThrow('pkg/other.py');
});

test('a run must tile its block exactly, and its names count as added (duplicates refused)', async () => {
  const { buf, runs } = await source();
  const f = tmp();
  const w = await ZipWriter.create(f, Buffer.alloc(0));
  await expect(w.addRawRun(buf.subarray(0, runs[1].at + 1), [runs[0]])).rejects.toThrow(`its entries end at ${runs[1].at}, the block at ${runs[1].at + 1}`);
  const w2 = await ZipWriter.create(tmp(), Buffer.alloc(0));
  await w2.addFile('pkg/a.py', Buffer.from('x'), { compress: false });
  await expect(w2.addRawRun(buf.subarray(0, runs[1].at), [runs[0]])).rejects.toThrow('duplicate entry name "pkg/a.py"');
});
