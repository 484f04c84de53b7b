import { chmodSync, closeSync, constants, copyFileSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, writevSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_LEVEL, encodeData } from './compress';
import { decodeCp437 } from './cp437';
import { ZipError } from './errors';
import {
  assertEntryCount,
  assertFits32,
  centralHeader,
  CENTRAL_HEADER_SIZE,
  encodeName,
  endOfCentralDirectory,
  EOCD_SIZE,
  externalAttributes,
  FLAG_UTF8,
  LOCAL_HEADER_SIZE,
  localHeader,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
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
  const whole = readDirectory(srcPath);
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
  let p = 0;
  let last = -1;
  while (p + CENTRAL_HEADER_SIZE <= cd.length && cd.readUInt32LE(p) === SIG_CENTRAL) {
    last = p;
    p += CENTRAL_HEADER_SIZE + cd.readUInt16LE(p + 28) + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
  }
  const nameLen = last < 0 ? 0 : cd.readUInt16LE(last + 28);
  const lastName = last < 0 ? '' : cd.subarray(last + CENTRAL_HEADER_SIZE, last + CENTRAL_HEADER_SIZE + nameLen).toString('utf8');
  if (p !== cd.length || lastName !== name) {
    throw new ZipError(path, `expected "${name}" as the last entry of the central directory, found ${last < 0 ? 'none' : `"${lastName}"`}`);
  }
  const start = cd.readUInt32LE(last + 42) + src.shift;
  const end = start + LOCAL_HEADER_SIZE + nameLen + cd.readUInt32LE(last + 20);
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

// EOCD plus the longest possible archive comment.
const EOCD_SEARCH = EOCD_SIZE + 0xffff;

/**
 * The end record and central directory of `path`, found by the same rules as ZipReader
 * (end record whose comment reaches the end of the file; ZIP64 record right before its
 * locator; offsets relative to a preamble), with the same messages.
 */
function readDirectory(path: string): SourceDirectory {
  const fd = openSync(path, 'r');
  try {
    const { size, mode } = fstatSync(fd);
    const tailLen = Math.min(size, EOCD_SEARCH);
    const tailStart = size - tailLen;
    const tail = readAt(fd, tailStart, tailLen);
    let at = -1;
    for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === SIG_EOCD && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new ZipError(path, `no end of central directory record found (not a zip, or truncated); searched the last ${tailLen} bytes`);
    let recordPos = tailStart + at;
    let disk = tail.readUInt16LE(at + 4);
    let cdDisk = tail.readUInt16LE(at + 6);
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    const locatorPos = recordPos - ZIP64_LOCATOR_SIZE;
    // The locator, when there is one, lies within the tail already read (unless a comment fills it).
    const locator = locatorPos >= tailStart ? tail.subarray(locatorPos - tailStart) : locatorPos >= 0 ? readAt(fd, locatorPos, 4) : undefined;
    if (locator?.readUInt32LE(0) === SIG_ZIP64_LOCATOR) {
      // Like Python's zipfile: the ZIP64 record is expected right before its locator.
      recordPos = locatorPos - ZIP64_EOCD_SIZE;
      const rec = recordPos >= 0 ? readAt(fd, recordPos, ZIP64_EOCD_SIZE) : Buffer.alloc(0);
      if (rec.length < ZIP64_EOCD_SIZE || rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) {
        throw new ZipError(path, `ZIP64 end of central directory record missing before its locator at offset ${locatorPos}`);
      }
      disk = rec.readUInt32LE(16);
      cdDisk = rec.readUInt32LE(20);
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
    if (disk !== 0 || cdDisk !== 0) throw new ZipError(path, `multi-disk archives are not supported (disk ${disk}, central directory on disk ${cdDisk})`);
    const shift = recordPos - cdSize - cdOffset;
    if (shift < 0) {
      throw new ZipError(path, `truncated central directory: it claims ${cdSize} bytes at offset ${cdOffset}, but its end record is at offset ${recordPos}`);
    }
    const cdStart = cdOffset + shift;
    // Usually the directory is longer than the tail read above; read it whole rather than piece it together.
    const cd = cdStart >= tailStart ? tail.subarray(cdStart - tailStart, cdStart - tailStart + cdSize) : readAt(fd, cdStart, cdSize);
    if (cd.length !== cdSize) throw new ZipError(path, `truncated central directory: wanted ${cdSize} bytes at offset ${cdStart}, the file ends after ${cd.length}`);
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
  const { path } = src;
  let p = 0;
  let index = 0;
  while (p < cd.length) {
    if (p + CENTRAL_HEADER_SIZE > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) {
      throw new ZipError(path, p + CENTRAL_HEADER_SIZE > cd.length
        ? `truncated central directory: record #${index} at directory offset ${p} extends past its end`
        : `bad central directory record signature at directory offset ${p} (record #${index})`);
    }
    const nameLen = cd.readUInt16LE(p + 28);
    const end = p + CENTRAL_HEADER_SIZE + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    if (end > cd.length) throw new ZipError(path, `truncated central directory: record #${index} at directory offset ${p} extends past its end`);
    if (byLength.has(nameLen)) {
      const nameBytes = cd.subarray(p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + nameLen);
      const name = cd.readUInt16LE(p + 8) & FLAG_UTF8 ? nameBytes.toString('utf8') : decodeCp437(nameBytes);
      for (const a of added) if (a.e.name === name) throw new ZipError(dstPath, `duplicate entry name "${name}"`);
    }
    p = end;
    index++;
  }
  return index;
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`64-bit zip field ${v} is too large`);
  return Number(v);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, b, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? b : b.subarray(0, done);
}
