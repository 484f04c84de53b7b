// Byte layouts of the zip records we write (APPNOTE.TXT 4.3). Shared by the writer
// and appendEntries so both produce identical headers for identical input.
import { ZipError } from './errors';
import { METHOD_STORED } from './types';

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIZE = 22;
export const ZIP64_EOCD_SIZE = 56;
export const ZIP64_LOCATOR_SIZE = 20;

export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_UTF8 = 0x0800;

// A fixed timestamp instead of file mtimes: identical inputs must give identical
// bytes on any machine, any day. 1980-01-01 00:00:00 is the earliest DOS date.
export const DOS_TIME = 0;
export const DOS_DATE = (0 << 9) | (1 << 5) | 1;

// Host 3 (Unix) so readers honour the mode bits in the external attributes.
export const VERSION_MADE_BY = (3 << 8) | 20;

export const MAX_ENTRIES = 0xffff;
/** 0xFFFFFFFF itself is reserved: it tells readers to look for a ZIP64 field. */
export const MAX_32 = 0xffffffff;

export const NO_ZIP64 = "ZIP64 is not written because Python's zipimport before 3.13 cannot read it";

/** One entry's header fields; sizes and crc describe the stored payload. */
export interface EntryRecord {
  nameBytes: Buffer;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
}

export function encodeName(file: string, name: string): { nameBytes: Buffer; flags: number } {
  if (name.length === 0) throw new ZipError(file, 'entry name is empty');
  if (name.startsWith('/')) throw new ZipError(file, `entry name "${name}" is absolute`);
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 0xffff) throw new ZipError(file, `entry name "${name.slice(0, 64)}..." is longer than 65535 bytes`);
  // The UTF-8 flag only when needed: plain ASCII names then match what `zip` writes.
  // eslint-disable-next-line no-control-regex
  const flags = /[^\x00-\x7f]/.test(name) ? FLAG_UTF8 : 0;
  return { nameBytes, flags };
}

export function isDirectoryName(name: string): boolean {
  return name.endsWith('/');
}

/** Unix mode in the high half; directories also get the MS-DOS directory bit. */
export function externalAttributes(name: string, mode: number | undefined): number {
  const dir = isDirectoryName(name);
  let m = mode ?? (dir ? 0o040755 : 0o100644);
  // A bare permission mode (0o755) gets its file type, or unzip restores a mode-less file.
  if ((m & 0o170000) === 0) m |= dir ? 0o040000 : 0o100000;
  return ((m & 0xffff) * 0x10000 + (dir ? 0x10 : 0)) >>> 0;
}

function versionNeeded(r: EntryRecord): number {
  // APPNOTE 4.4.3.2: 1.0 for plain stored files, 2.0 for deflate and for folders.
  const dir = r.nameBytes.length > 0 && r.nameBytes[r.nameBytes.length - 1] === 0x2f;
  return r.method === METHOD_STORED && !dir ? 10 : 20;
}

export function localHeader(r: EntryRecord): Buffer {
  const b = Buffer.alloc(LOCAL_HEADER_SIZE + r.nameBytes.length);
  b.writeUInt32LE(SIG_LOCAL, 0);
  b.writeUInt16LE(versionNeeded(r), 4);
  b.writeUInt16LE(r.flags, 6);
  b.writeUInt16LE(r.method, 8);
  b.writeUInt16LE(DOS_TIME, 10);
  b.writeUInt16LE(DOS_DATE, 12);
  b.writeUInt32LE(r.crc32 >>> 0, 14);
  b.writeUInt32LE(r.compressedSize, 18);
  b.writeUInt32LE(r.uncompressedSize, 22);
  b.writeUInt16LE(r.nameBytes.length, 26);
  b.writeUInt16LE(0, 28);
  r.nameBytes.copy(b, LOCAL_HEADER_SIZE);
  return b;
}

/**
 * True when `b` holds at `at` exactly the local header localHeader(r) writes (our fixed fields,
 * no extra field): such an entry can be copied with its header as it is, and the copy is the
 * same bytes as writing it afresh. Read in place: no header is built to compare.
 */
export function matchesLocalHeader(b: Buffer, at: number, r: EntryRecord): boolean {
  const n = r.nameBytes.length;
  return (
    at + LOCAL_HEADER_SIZE + n <= b.length &&
    b.readUInt32LE(at) === SIG_LOCAL &&
    b.readUInt16LE(at + 4) === versionNeeded(r) &&
    b.readUInt16LE(at + 6) === r.flags &&
    b.readUInt16LE(at + 8) === r.method &&
    b.readUInt16LE(at + 10) === DOS_TIME &&
    b.readUInt16LE(at + 12) === DOS_DATE &&
    b.readUInt32LE(at + 14) === r.crc32 >>> 0 &&
    b.readUInt32LE(at + 18) === r.compressedSize &&
    b.readUInt32LE(at + 22) === r.uncompressedSize &&
    b.readUInt16LE(at + 26) === n &&
    b.readUInt16LE(at + 28) === 0 &&
    b.compare(r.nameBytes, 0, n, at + LOCAL_HEADER_SIZE, at + LOCAL_HEADER_SIZE + n) === 0
  );
}

export function centralHeader(r: EntryRecord, localHeaderOffset: number, externalAttr: number): Buffer {
  const b = Buffer.alloc(CENTRAL_HEADER_SIZE + r.nameBytes.length);
  b.writeUInt32LE(SIG_CENTRAL, 0);
  b.writeUInt16LE(VERSION_MADE_BY, 4);
  b.writeUInt16LE(versionNeeded(r), 6);
  b.writeUInt16LE(r.flags, 8);
  b.writeUInt16LE(r.method, 10);
  b.writeUInt16LE(DOS_TIME, 12);
  b.writeUInt16LE(DOS_DATE, 14);
  b.writeUInt32LE(r.crc32 >>> 0, 16);
  b.writeUInt32LE(r.compressedSize, 20);
  b.writeUInt32LE(r.uncompressedSize, 24);
  b.writeUInt16LE(r.nameBytes.length, 28);
  // extra (30), comment (32), disk (34), internal attributes (36) stay 0.
  b.writeUInt32LE(externalAttr >>> 0, 38);
  b.writeUInt32LE(localHeaderOffset, 42);
  r.nameBytes.copy(b, CENTRAL_HEADER_SIZE);
  return b;
}

export function endOfCentralDirectory(entries: number, size: number, offset: number): Buffer {
  const b = Buffer.alloc(EOCD_SIZE);
  b.writeUInt32LE(SIG_EOCD, 0);
  b.writeUInt16LE(entries, 8);
  b.writeUInt16LE(entries, 10);
  b.writeUInt32LE(size, 12);
  b.writeUInt32LE(offset, 16);
  return b;
}

export function assertEntryCount(file: string, count: number): void {
  if (count > MAX_ENTRIES) {
    throw new ZipError(file, `too many entries (${count}); a zip without ZIP64 holds at most ${MAX_ENTRIES}. ${NO_ZIP64}`);
  }
}

/** Sizes and offsets must stay below 0xFFFFFFFF to be representable without ZIP64. */
export function assertFits32(file: string, what: string, value: number): void {
  if (value >= MAX_32) {
    throw new ZipError(file, `${what} is ${value} bytes, which needs ZIP64 (limit ${MAX_32 - 1}). ${NO_ZIP64}`);
  }
}
