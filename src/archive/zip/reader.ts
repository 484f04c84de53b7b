import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { decodeCp437 } from './cp437';
import { ZipError } from './errors';
import {
  CENTRAL_HEADER_SIZE,
  EOCD_SIZE,
  FLAG_ENCRYPTED,
  FLAG_UTF8,
  LOCAL_HEADER_SIZE,
  MAX_32,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_LOCAL,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
} from './records';
import { METHOD_DEFLATE, METHOD_STORED, type CentralEntry } from './types';

const inflateRaw = promisify(zlib.inflateRaw);

// EOCD plus the longest possible archive comment.
const EOCD_SEARCH = EOCD_SIZE + 0xffff;

interface Directory {
  count: number;
  size: number;
  /** Offset as recorded in the archive (relative when data was prepended). */
  offset: number;
  /** Where the record describing the directory starts: EOCD or ZIP64 EOCD. */
  recordPos: number;
  zip64: boolean;
}

/** Reads zips written by anyone: our writer, pip/wheel (possibly ZIP64), `zip`, or a zip behind a preamble. */
export class ZipReader {
  private readonly byName: Map<string, CentralEntry>;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly entries: readonly CentralEntry[],
    /** Absolute file offset of the central directory. */
    readonly centralDirectoryOffset: number,
    readonly centralDirectorySize: number,
    /**
     * Added to every offset recorded in the archive to get a file offset: non-zero
     * when data was prepended to a zip without adjusting its offsets (Python's `concat`).
     */
    readonly offsetShift: number,
    readonly zip64: boolean,
  ) {
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Bytes before the first local header: where the zip proper begins. */
  get preambleLength(): number {
    return this.entries.reduce((min, e) => Math.min(min, e.localHeaderOffset), this.centralDirectoryOffset);
  }

  static async open(path: string): Promise<ZipReader> {
    const fh = await fsp.open(path, 'r');
    try {
      const { size } = await fh.stat();
      const dir = await findDirectory(fh, path, size);
      const shift = dir.recordPos - dir.size - dir.offset;
      if (shift < 0) {
        throw new ZipError(path, `truncated central directory: it claims ${dir.size} bytes at offset ${dir.offset}, but its end record is at offset ${dir.recordPos}`);
      }
      const cdStart = dir.offset + shift;
      const cd = await readExactly(fh, path, cdStart, dir.size, 'central directory');
      const entries = parseCentralDirectory(path, cd, shift);
      if (entries.length !== dir.count) {
        throw new ZipError(path, `entry count mismatch: the end of central directory record says ${dir.count} entries, the central directory holds ${entries.length}`);
      }
      return new ZipReader(fh, path, entries, cdStart, dir.size, shift, dir.zip64);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  find(name: string): CentralEntry | undefined {
    return this.byName.get(name);
  }

  /** The central-directory records exactly as stored. */
  async readCentralDirectory(): Promise<Buffer> {
    return readExactly(this.fh, this.path, this.centralDirectoryOffset, this.centralDirectorySize, 'central directory');
  }

  /** The payload exactly as stored (compressed for deflate entries). */
  async readRaw(e: CentralEntry): Promise<Buffer> {
    const header = await readAt(this.fh, e.localHeaderOffset, LOCAL_HEADER_SIZE);
    if (header.length < LOCAL_HEADER_SIZE || header.readUInt32LE(0) !== SIG_LOCAL) {
      throw new ZipError(this.path, `local header signature mismatch for "${e.name}" at offset ${e.localHeaderOffset}`);
    }
    // The local name/extra lengths may differ from the central ones, so use the local ones.
    const dataStart = e.localHeaderOffset + LOCAL_HEADER_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
    return readExactly(this.fh, this.path, dataStart, e.compressedSize, `data of "${e.name}"`);
  }

  /** The uncompressed bytes, with size and CRC verified. */
  async read(e: CentralEntry): Promise<Buffer> {
    if (e.flags & FLAG_ENCRYPTED) throw new ZipError(this.path, `entry "${e.name}" is encrypted, which is not supported`);
    if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE) {
      throw new ZipError(this.path, `unsupported compression method ${e.method} for "${e.name}" (only stored (0) and deflate (8) are supported)`);
    }
    const raw = await this.readRaw(e);
    let data: Buffer;
    if (e.method === METHOD_STORED) {
      data = raw;
    } else {
      try {
        data = await inflateRaw(raw);
      } catch (err) {
        throw new ZipError(this.path, `corrupt deflate data for "${e.name}": ${(err as Error).message}`);
      }
    }
    if (data.length !== e.uncompressedSize) {
      throw new ZipError(this.path, `size mismatch for "${e.name}": expected ${e.uncompressedSize} bytes, got ${data.length}`);
    }
    const crc = zlib.crc32(data) >>> 0;
    if (crc !== e.crc32) {
      throw new ZipError(this.path, `CRC mismatch for "${e.name}": expected ${hex(e.crc32)}, got ${hex(crc)}`);
    }
    return data;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

async function findDirectory(fh: FileHandle, path: string, size: number): Promise<Directory> {
  const tailLen = Math.min(size, EOCD_SEARCH);
  const tailStart = size - tailLen;
  const tail = await readAt(fh, tailStart, tailLen);
  // Scan backwards and insist the comment length reaches exactly to the end of the
  // file, so a stray signature inside a comment or payload is not mistaken for EOCD.
  let at = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    throw new ZipError(path, `no end of central directory record found (not a zip, or truncated); searched the last ${tailLen} bytes`);
  }
  const eocdPos = tailStart + at;
  const disk = tail.readUInt16LE(at + 4);
  const cdDisk = tail.readUInt16LE(at + 6);
  const dir: Directory = {
    count: tail.readUInt16LE(at + 10),
    size: tail.readUInt32LE(at + 12),
    offset: tail.readUInt32LE(at + 16),
    recordPos: eocdPos,
    zip64: false,
  };
  const locatorPos = eocdPos - ZIP64_LOCATOR_SIZE;
  if (locatorPos >= 0) {
    const loc = await readAt(fh, locatorPos, ZIP64_LOCATOR_SIZE);
    if (loc.readUInt32LE(0) === SIG_ZIP64_LOCATOR) return readZip64(fh, path, locatorPos);
  }
  if (disk !== 0 || cdDisk !== 0) throw new ZipError(path, `multi-disk archives are not supported (disk ${disk}, central directory on disk ${cdDisk})`);
  return dir;
}

async function readZip64(fh: FileHandle, path: string, locatorPos: number): Promise<Directory> {
  // Like Python's zipfile, expect the ZIP64 EOCD right before its locator rather than
  // trusting the locator's offset, which is wrong when data was prepended.
  const recordPos = locatorPos - ZIP64_EOCD_SIZE;
  const rec = recordPos >= 0 ? await readAt(fh, recordPos, ZIP64_EOCD_SIZE) : Buffer.alloc(0);
  if (rec.length < ZIP64_EOCD_SIZE || rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) {
    throw new ZipError(path, `ZIP64 end of central directory record missing before its locator at offset ${locatorPos}`);
  }
  const disk = rec.readUInt32LE(16);
  const cdDisk = rec.readUInt32LE(20);
  if (disk !== 0 || cdDisk !== 0) throw new ZipError(path, `multi-disk archives are not supported (disk ${disk}, central directory on disk ${cdDisk})`);
  return {
    count: u64(rec, 32),
    size: u64(rec, 40),
    offset: u64(rec, 48),
    recordPos,
    zip64: true,
  };
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`64-bit zip field ${v} is too large`);
  return Number(v);
}

export function parseCentralDirectory(path: string, cd: Buffer, shift: number): CentralEntry[] {
  const entries: CentralEntry[] = [];
  let p = 0;
  while (p < cd.length) {
    const index = entries.length;
    if (p + CENTRAL_HEADER_SIZE > cd.length) {
      throw new ZipError(path, `truncated central directory: record #${index} at directory offset ${p} extends past its end`);
    }
    if (cd.readUInt32LE(p) !== SIG_CENTRAL) {
      throw new ZipError(path, `bad central directory record signature at directory offset ${p} (record #${index})`);
    }
    const flags = cd.readUInt16LE(p + 8);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const end = p + CENTRAL_HEADER_SIZE + nameLen + extraLen + commentLen;
    if (end > cd.length) {
      throw new ZipError(path, `truncated central directory: record #${index} at directory offset ${p} extends past its end`);
    }
    const nameBytes = cd.subarray(p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + nameLen);
    const name = flags & FLAG_UTF8 ? nameBytes.toString('utf8') : decodeCp437(nameBytes);
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
      flags,
      dosTime: cd.readUInt16LE(p + 12),
      dosDate: cd.readUInt16LE(p + 14),
    });
    p = end;
  }
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

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(b, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? b : b.subarray(0, done);
}

async function readExactly(fh: FileHandle, path: string, position: number, length: number, what: string): Promise<Buffer> {
  const b = await readAt(fh, position, length);
  if (b.length !== length) {
    throw new ZipError(path, `truncated ${what}: wanted ${length} bytes at offset ${position}, the file ends after ${b.length}`);
  }
  return b;
}
