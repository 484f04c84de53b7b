import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { ZipError } from './errors';
import { ZipReader } from './reader';
import type { AppendEntry } from './types';
import { ZipWriter } from './writer';

/**
 * dst = src with `entries` added, for stamping after the (large) archive was built.
 * Nothing of src is re-read through JavaScript or recompressed: the file is copied
 * by the kernel (copy_file_range/reflink where available), cut at the old central
 * directory, and the new entries plus a central directory (old records verbatim,
 * then the new ones) and EOCD are written there. The cost is about one file copy.
 */
export async function appendEntries(srcPath: string, dstPath: string, entries: AppendEntry[]): Promise<void> {
  if (resolve(srcPath) === resolve(dstPath)) {
    throw new ZipError(dstPath, 'appendEntries cannot write into its own source; pass a different destination');
  }
  const src = await ZipReader.open(srcPath);
  let centralDirectory: Buffer;
  try {
    centralDirectory = await src.readCentralDirectory();
  } finally {
    await src.close();
  }
  await fsp.copyFile(srcPath, dstPath);
  const writer = await ZipWriter.resume(dstPath, {
    position: src.centralDirectoryOffset,
    // Keeps new offsets consistent with the old records when src's offsets are
    // relative to a preamble; zero for archives from our own writer.
    offsetBase: src.offsetShift,
    centralDirectory,
    names: src.entries.map((e) => e.name),
  });
  try {
    for (const e of entries) void writer.addFile(e.name, e.data, { compress: e.compress, level: e.level, mode: e.mode });
    await writer.finish();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
