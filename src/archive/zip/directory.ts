// The one parser of a zip's end records and central directory, for ZipReader (every zip
// the packager reads: wheels, archives for `par inspect`/`par diff`) and appendEntries (the
// stamper). Both used to carry a copy; the copies had drifted apart in how names decode.
//
// The reads are synchronous: two to four preads, one after the other, that a thread-pool
// round trip per call would only slow down on a loaded machine (see append.ts).
import { readSync } from 'node:fs';
import { decodeCp437 } from './cp437';
import { ZipError } from './errors';
import {
  CENTRAL_HEADER_SIZE,
  EOCD_SIZE,
  FLAG_UTF8,
  MAX_32,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
} from './records';
import type { CentralEntry } from './types';

// EOCD plus the longest possible archive comment.
const EOCD_SEARCH = EOCD_SIZE + 0xffff;

/** Where a zip's central directory is, and its records exactly as stored. */
export interface Directory {
  /** Entry count as the end record states it. */
  count: number;
  /** Absolute file offset of the central directory. */
  cdStart: number;
  /** The central-directory records exactly as stored. */
  cd: Buffer;
  /**
   * Added to every offset recorded in the archive to get a file offset: non-zero when data
   * was prepended to a zip without adjusting its offsets (Python's `concat`, our preamble).
   */
  shift: number;
  zip64: boolean;
}

/**
 * The end record (whose comment must reach exactly to the end of the file, so a stray
 * signature inside a comment or payload is not taken for it), the ZIP64 record when a
 * locator precedes the end record, and the directory they describe.
 */
export function readDirectory(path: string, source: number | Buffer, size: number): Directory {
  // `source`: an open file, or the whole file already in memory (a fragment, read once).
  const readAt = (position: number, length: number) => (typeof source === 'number' ? readAtFd(source, position, length) : source.subarray(position, position + length));
  const tailLen = Math.min(size, EOCD_SEARCH);
  const tailStart = size - tailLen;
  const tail = readAt(tailStart, tailLen);
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
  let zip64 = false;
  const locatorPos = recordPos - ZIP64_LOCATOR_SIZE;
  // The locator, when there is one, lies within the tail already read (unless a comment fills it).
  const locator = locatorPos >= tailStart ? tail.subarray(locatorPos - tailStart) : locatorPos >= 0 ? readAt(locatorPos, 4) : undefined;
  if (locator?.readUInt32LE(0) === SIG_ZIP64_LOCATOR) {
    // Like Python's zipfile, expect the ZIP64 record right before its locator rather than
    // trusting the locator's offset, which is wrong when data was prepended.
    recordPos = locatorPos - ZIP64_EOCD_SIZE;
    const rec = recordPos >= 0 ? readAt(recordPos, ZIP64_EOCD_SIZE) : Buffer.alloc(0);
    if (rec.length < ZIP64_EOCD_SIZE || rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) {
      throw new ZipError(path, `ZIP64 end of central directory record missing before its locator at offset ${locatorPos}`);
    }
    disk = rec.readUInt32LE(16);
    cdDisk = rec.readUInt32LE(20);
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
    zip64 = true;
  }
  if (disk !== 0 || cdDisk !== 0) throw new ZipError(path, `multi-disk archives are not supported (disk ${disk}, central directory on disk ${cdDisk})`);
  const shift = recordPos - cdSize - cdOffset;
  if (shift < 0) {
    throw new ZipError(path, `truncated central directory: it claims ${cdSize} bytes at offset ${cdOffset}, but its end record is at offset ${recordPos}`);
  }
  const cdStart = cdOffset + shift;
  // Usually the directory is longer than the tail read above; read it whole rather than piece it together.
  const cd = cdStart >= tailStart ? tail.subarray(cdStart - tailStart, cdStart - tailStart + cdSize) : readAt(cdStart, cdSize);
  if (cd.length !== cdSize) throw new ZipError(path, `truncated central directory: wanted ${cdSize} bytes at offset ${cdStart}, the file ends after ${cd.length}`);
  return { count, cdStart, cd, shift, zip64 };
}

/**
 * Calls `visit` with the directory offset of each record after checking its signature and
 * bounds; returns the record count. Names are not decoded here (centralName does that): the
 * stamper looks at a few of a numpy archive's 1,500.
 */
export function walkCentralDirectory(path: string, cd: Buffer, visit: (p: number, index: number) => void): number {
  let p = 0;
  let index = 0;
  while (p < cd.length) {
    if (p + CENTRAL_HEADER_SIZE > cd.length) {
      throw new ZipError(path, `truncated central directory: record #${index} at directory offset ${p} extends past its end`);
    }
    if (cd.readUInt32LE(p) !== SIG_CENTRAL) {
      throw new ZipError(path, `bad central directory record signature at directory offset ${p} (record #${index})`);
    }
    const end = p + CENTRAL_HEADER_SIZE + cd.readUInt16LE(p + 28) + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    if (end > cd.length) {
      throw new ZipError(path, `truncated central directory: record #${index} at directory offset ${p} extends past its end`);
    }
    visit(p, index);
    p = end;
    index++;
  }
  return index;
}

/** Byte length of the name of the record at directory offset `p`. */
export function centralNameLength(cd: Buffer, p: number): number {
  return cd.readUInt16LE(p + 28);
}

/**
 * The name of the record at `p`: UTF-8 when the record's flag bit 11 says so, else CP437
 * by the spec (APPNOTE appendix D), which is also how Python's zipfile reads it.
 */
export function centralName(cd: Buffer, p: number): string {
  const bytes = cd.subarray(p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + centralNameLength(cd, p));
  return cd.readUInt16LE(p + 8) & FLAG_UTF8 ? bytes.toString('utf8') : decodeCp437(bytes);
}

/** Every record of `cd`, with offsets made absolute by `shift`. */
export function parseCentralDirectory(path: string, cd: Buffer, shift: number): CentralEntry[] {
  const entries: CentralEntry[] = [];
  walkCentralDirectory(path, cd, (p) => {
    const nameLen = centralNameLength(cd, p);
    const extraLen = cd.readUInt16LE(p + 30);
    const name = centralName(cd, p);
    const fields = {
      uncompressedSize: cd.readUInt32LE(p + 24),
      compressedSize: cd.readUInt32LE(p + 20),
      offset: cd.readUInt32LE(p + 42),
    };
    applyZip64Extra(path, name, cd.subarray(p + CENTRAL_HEADER_SIZE + nameLen, p + CENTRAL_HEADER_SIZE + nameLen + extraLen), fields);
    entries.push({
      name,
      method: cd.readUInt16LE(p + 10),
      crc32: cd.readUInt32LE(p + 16),
      compressedSize: fields.compressedSize,
      uncompressedSize: fields.uncompressedSize,
      localHeaderOffset: fields.offset + shift,
      mode: cd.readUInt32LE(p + 38) >>> 16,
      flags: cd.readUInt16LE(p + 8),
      dosTime: cd.readUInt16LE(p + 12),
      dosDate: cd.readUInt16LE(p + 14),
    });
  });
  return entries;
}

/** Replaces 0xFFFFFFFF placeholders with the values from a ZIP64 extra field (APPNOTE 4.5.3). */
function applyZip64Extra(path: string, name: string, extra: Buffer, f: { uncompressedSize: number; compressedSize: number; offset: number }): void {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const take = (): number => {
        if (q + 8 > p + 4 + len) throw new ZipError(path, `ZIP64 extra field of "${name}" is too short`);
        const v = u64(extra, q);
        q += 8;
        return v;
      };
      if (f.uncompressedSize === MAX_32) f.uncompressedSize = take();
      if (f.compressedSize === MAX_32) f.compressedSize = take();
      if (f.offset === MAX_32) f.offset = take();
      return;
    }
    p += 4 + len;
  }
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`64-bit zip field ${v} is too large`);
  return Number(v);
}

/** Up to `length` bytes at `position`: fewer only at the end of the file. */
export function readAt(fd: number, position: number, length: number): Buffer {
  return readAtFd(fd, position, length);
}

function readAtFd(fd: number, position: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, b, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? b : b.subarray(0, done);
}
