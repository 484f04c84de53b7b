import { chmodSync, closeSync, constants, copyFileSync, fstatSync, ftruncateSync, openSync, rmSync, writevSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_LEVEL, encodeData } from './compress';
import { centralName, centralNameLength, readDirectory, walkCentralDirectory } from './directory';
import { ZipError } from './errors';
import {
  assertEntryCount,
  assertFits32,
  centralHeader,
  encodeName,
  endOfCentralDirectory,
  externalAttributes,
  LOCAL_HEADER_SIZE,
  localHeader,
  type EntryRecord,
} from './records';
import type { AppendEntry } from './types';

export interface AppendOptions {
  /** Permission bits of the result; default: the source's, plus write for its owner. */
  mode?: number;
  /**
   * The name of src's last entry, which is dropped and written over: an entry that describes
   * the others and is made again after the added ones (the launch blob). Its data must be the
   * last bytes before the central directory.
   */
  replaceLast?: string;
}

/** Where appendEntries put each added entry: absolute offsets of their local headers. */
export interface AppendResult {
  offsets: number[];
}

/**
 * dst = src with `entries` added, for stamping after the (large) archive was built.
 * The cost is one file copy plus a few small reads and one write (bench/stamp/inproc.mjs;
 * docs/PERFORMANCE.md, section Stamping). The file system calls are synchronous on purpose:
 * they are a dozen, one after the other, and each async call is a thread-pool round trip
 * that waits for a core on a loaded machine (the stamper runs alone in its worker):
 *  - of src only the end record and the central directory are read (one or two preads),
 *    and the directory is walked for its record bounds and for name collisions only:
 *    names are compared as bytes, decoded only when their length could match;
 *  - the file is copied by the kernel: a reflink (FICLONE) where the file system has
 *    them, else copy_file_range, so no byte of the body passes through JavaScript, into
 *    a new file (see the EXCL below);
 *  - the new tail (new local entries, the old central records verbatim, the new ones,
 *    the end record) is written over the old directory in one pwritev. The file is cut
 *    only when the new tail is shorter than the old one (an archive comment, ZIP64
 *    records): ftruncate of a freshly copied file costs ext4 about half a copy (~8 ms
 *    of 18 MiB, measured), so it is not done when the write covers the old tail anyway.
 * The result equals a ZipWriter writing all entries at once (append.test.ts).
 */
export async function appendEntries(srcPath: string, dstPath: string, entries: AppendEntry[], options: AppendOptions = {}): Promise<AppendResult> {
  if (resolve(srcPath) === resolve(dstPath)) {
    throw new ZipError(dstPath, 'appendEntries cannot write into its own source; pass a different destination');
  }
  const whole = sourceDirectory(srcPath);
  const src = options.replaceLast === undefined ? whole : withoutLast(whole, options.replaceLast);
  // Everything that can fail on the entries is checked before dst exists.
  const { tail, offsets } = await newTail(dstPath, src, entries);
  // EXCL (dst removed first, as Bazel does with outputs anyway) because without it libuv
  // ftruncates the new file to 0, which ext4 takes for replace-via-truncate (auto_da_alloc)
  // and answers by starting writeback of the whole file at close: 10-30% of the copy
  // (measured: 18 MiB 11.7 -> 8.8 ms, 138 MiB 81 -> 62-74 ms).
  rmSync(dstPath, { force: true });
  copyFileSync(srcPath, dstPath, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  try {
    // copyFile gives dst the mode of src, and Bazel leaves its outputs read-only (0555):
    // without this, opening the copy for writing fails for everyone but root.
    chmodSync(dstPath, options.mode ?? (src.mode | 0o200));
    const fd = openSync(dstPath, 'r+');
    try {
      const length = tail.reduce((n, b) => n + b.length, 0);
      const written = writevSync(fd, tail, src.cdStart);
      if (written !== length) throw new ZipError(dstPath, `short write: ${written} of ${length} bytes at offset ${src.cdStart}`);
      if (src.cdStart + length < src.size) ftruncateSync(fd, src.cdStart + length);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    rmSync(dstPath, { force: true });
    throw e;
  }
  return { offsets };
}

/** src as if its last entry, `name`, were not there: the new tail starts at its local header. */
function withoutLast(src: SourceDirectory, name: string): SourceDirectory {
  const { cd, path } = src;
  let last = -1;
  walkCentralDirectory(path, cd, (p) => {
    last = p;
  });
  const lastName = last < 0 ? undefined : centralName(cd, last);
  if (lastName !== name) {
    throw new ZipError(path, `expected "${name}" as the last entry of the central directory, found ${lastName === undefined ? 'none' : `"${lastName}"`}`);
  }
  const start = cd.readUInt32LE(last + 42) + src.shift;
  const end = start + LOCAL_HEADER_SIZE + centralNameLength(cd, last) + cd.readUInt32LE(last + 20);
  if (end !== src.cdStart) {
    throw new ZipError(path, `"${name}" (local header at ${start}) does not end where the central directory starts (${src.cdStart})`);
  }
  return { ...src, cdStart: start, cd: cd.subarray(0, last), count: src.count - 1 };
}

/** What appending needs to know of the source archive. */
interface SourceDirectory {
  path: string;
  size: number;
  mode: number;
  /** Absolute file offset of the central directory: where the new tail goes. */
  cdStart: number;
  /** The central-directory records exactly as stored. */
  cd: Buffer;
  count: number;
  /** Added to recorded offsets to get file offsets (non-zero when a preamble was prepended to a finished zip). */
  shift: number;
}

/** The end record and central directory of `path` (directory.ts, as ZipReader finds them), its size and mode. */
function sourceDirectory(path: string): SourceDirectory {
  const fd = openSync(path, 'r');
  try {
    const { size, mode } = fstatSync(fd);
    const { cdStart, cd, count, shift } = readDirectory(path, fd, size);
    return { path, size, mode: mode & 0o7777, cdStart, cd, count, shift };
  } finally {
    closeSync(fd);
  }
}

/** The bytes that replace src's tail from src.cdStart on; throws on a name collision or a limit. */
async function newTail(dstPath: string, src: SourceDirectory, entries: AppendEntry[]): Promise<{ tail: Buffer[]; offsets: number[] }> {
  const added = entries.map((e) => ({ e, ...encodeName(dstPath, e.name) }));
  const seen = new Set<string>();
  for (const a of added) {
    if (seen.has(a.e.name)) throw new ZipError(dstPath, `duplicate entry name "${a.e.name}"`);
    seen.add(a.e.name);
  }
  const records = walkDirectory(src, dstPath, added);
  if (records !== src.count) {
    throw new ZipError(src.path, `entry count mismatch: the end of central directory record says ${src.count} entries, the central directory holds ${records}`);
  }
  assertEntryCount(dstPath, src.count + entries.length);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let position = src.cdStart;
  for (const { e, nameBytes, flags } of added) {
    const data = typeof e.data === 'function' ? e.data({ directory: Buffer.concat([src.cd, ...centrals]), shift: src.shift }) : e.data;
    const enc = await encodeData(data, e.compress, e.level ?? DEFAULT_LEVEL);
    const offset = position - src.shift;
    offsets.push(position);
    assertFits32(dstPath, `the offset of "${e.name}"`, offset);
    assertFits32(dstPath, `the size of "${e.name}"`, enc.uncompressedSize);
    assertFits32(dstPath, `the compressed size of "${e.name}"`, enc.compressedSize);
    const rec: EntryRecord = { nameBytes, flags, ...enc };
    const header = localHeader(rec);
    locals.push(header, enc.data);
    centrals.push(centralHeader(rec, offset, externalAttributes(e.name, e.mode)));
    position += header.length + enc.data.length;
  }
  const cdOffset = position - src.shift;
  const cdSize = src.cd.length + centrals.reduce((n, b) => n + b.length, 0);
  assertFits32(dstPath, 'the central directory offset', cdOffset);
  assertFits32(dstPath, 'the central directory size', cdSize);
  return { tail: [...locals, src.cd, ...centrals, endOfCentralDirectory(src.count + entries.length, cdSize, cdOffset)], offsets };
}

/**
 * Checks every record's bounds and that no old name equals an added one; returns the
 * record count. A name is decoded (UTF-8 flag, else CP437 as ZipReader does) only when
 * its byte length could match an added name: a handful of 1,500 in a numpy archive.
 */
function walkDirectory(src: SourceDirectory, dstPath: string, added: Array<{ e: AppendEntry; nameBytes: Buffer }>): number {
  const { cd } = src;
  // CP437 is one byte per character, UTF-8 is the bytes themselves.
  const byLength = new Set<number>(added.flatMap((a) => [a.nameBytes.length, a.e.name.length]));
  return walkCentralDirectory(src.path, cd, (p) => {
    if (!byLength.has(centralNameLength(cd, p))) return;
    const name = centralName(cd, p);
    for (const a of added) if (a.e.name === name) throw new ZipError(dstPath, `duplicate entry name "${name}"`);
  });
}
