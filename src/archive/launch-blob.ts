// The launch blob: what a start with the build interpreter reads in one pread instead of
// importing the bootstrap through zipimport (src/bootstrap/__par__/_boot.py, fast()).
//
//   raw deflate (level 1) of
//   marshal((MARKER, code of __par__/_blob_start, of __par__/_boot, of __par__/__init__, of
//            __par__/_manifest, ((name, method, compressed size, size, offset, dos time, dos
//            date, crc), ...)))
//
// Deflated because it is the largest part of a small archive: hello's blob is 32 KB as
// marshal, 12 KB deflated, and widepure's (700 entries) 92 KB and 22 KB. Inflating it costs
// ~0.1 ms per start, and zlib is imported anyway by any archive whose entries are deflated
// (docs/PERFORMANCE.md "Size").
// The codes are the shipped .pyc without their 16-byte header (_blob_start is what the
// launcher's line runs: precompiled, so the line itself stays short to compile); the tuple of tuples is
// zipimport's own directory of the archive minus the archive path (zipimport._read_directory
// builds it in Python: ~0.2 ms for hello, ~2.6 ms for 700 entries; from the blob ~1/20).
// The blob is the last entry, a stored zip entry (its deflate stream is the blob's own, so
// its data sits at a fixed offset that the launcher's
// `par_fast` line names; it does not list itself. Stamping appends an entry, so the stamping
// action writes the blob again after it (stamp.ts).
import { closeSync, openSync, writeSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LOCAL_HEADER_SIZE, type CentralEntry } from './zip';
import { BLOB_MODULES, LAUNCH_BLOB_ENTRY } from './contract';
import { marshalDumps, marshalLoads, type MarshalValue } from './marshal';

const MARKER = 'par-launch-2';


/** Python code objects as marshal bytes (a .pyc minus its header), in BLOB_MODULES order. */
export type LaunchCodes = [Buffer, Buffer, Buffer, Buffer];

/** Python 3.8 is the first whose zipimport (pure Python) the blob's directory can fill. */
export function blobSupported(buildVersion: string): boolean {
  const [major, minor] = buildVersion.split('.').map(Number);
  return major === 3 && minor >= 8;
}

export function codesFromPycs(pycs: Buffer[]): LaunchCodes {
  if (pycs.length !== BLOB_MODULES.length) throw new Error(`internal: ${pycs.length} bootstrap .pyc for the launch blob, expected ${BLOB_MODULES.length}`);
  return pycs.map((p) => p.subarray(16)) as LaunchCodes;
}

/**
 * `listed`: which entries the directory names (default all). The packer leaves out the files
 * of wheels unpacked at launch (zipimport never reads them: sys.path names the unpacked copy;
 * the unpacking reads the zip's own directory), numpy's 1,167 entries ~30 KB of the blob.
 */
export function launchBlob(codes: LaunchCodes, entries: readonly CentralEntry[], listed: (name: string) => boolean = () => true): Buffer {
  const index: MarshalValue[] = entries
    .filter((e) => e.name !== LAUNCH_BLOB_ENTRY && listed(e.name))
    .map((e) => [e.name, e.method, e.compressedSize, e.uncompressedSize, e.localHeaderOffset, e.dosTime, e.dosDate, e.crc32]);
  // Level 1: every pack of every binary writes one. At 1,500 entries: level 9 11 ms, 6 5.7 ms,
  // 1 1.2 ms, for 37.8 / 38.0 / ~40 KB (bench/scale's repack of 100 binaries pays it 100 times).
  return deflateRawSync(marshalDumps([MARKER, ...codes, index]), { level: 1 });
}

/** The codes of a blob this module wrote; `where` names the archive in errors. */
export function readLaunchBlob(blob: Buffer, where: string): LaunchCodes {
  return blobCodes(loadBlob(blob, where, BLOB_MODULES.length + 1), where); // the directory is made anew
}

/** The codes and the entry names a blob this module wrote lists (the stamping action lists the same ones again). */
export function readLaunchBlobListing(blob: Buffer, where: string): { codes: LaunchCodes; listed: Set<string> } {
  const v = loadBlob(blob, where);
  const codes = blobCodes(v.slice(0, BLOB_MODULES.length + 1), where);
  const index = v[BLOB_MODULES.length + 1];
  if (!Array.isArray(index) || !index.every((e) => Array.isArray(e) && typeof e[0] === 'string')) {
    throw new Error(`${where}: ${LAUNCH_BLOB_ENTRY} is not a ${MARKER} launch blob: no directory after the codes`);
  }
  return { codes, listed: new Set(index.map((e) => (e as MarshalValue[])[0] as string)) };
}

/** The entry names a blob this module wrote lists. */
export function launchBlobNames(blob: Buffer, where: string): Set<string> {
  return readLaunchBlobListing(blob, where).listed;
}

/** The blob inflated and unmarshalled (its first `count` items only, when given). */
function loadBlob(blob: Buffer, where: string, count?: number): MarshalValue[] {
  let raw: Buffer;
  try {
    raw = inflateRawSync(blob);
  } catch (e) {
    throw new Error(`${where}: ${LAUNCH_BLOB_ENTRY} is not a launch blob: not a deflate stream (${(e as Error).message})`);
  }
  let v: MarshalValue;
  try {
    v = marshalLoads(raw, count);
  } catch (e) {
    throw new Error(`${where}: ${LAUNCH_BLOB_ENTRY} is not a launch blob: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new Error(`${where}: ${LAUNCH_BLOB_ENTRY} is not a ${MARKER} launch blob`);
  return v;
}

/** The codes of `v`, the blob's marker and codes, checked. */
function blobCodes(v: MarshalValue[], where: string): LaunchCodes {
  const n = BLOB_MODULES.length;
  if (v[0] !== MARKER || v.length !== n + 1 || !v.slice(1, n + 1).every((c) => Buffer.isBuffer(c))) {
    throw new Error(`${where}: ${LAUNCH_BLOB_ENTRY} is not a ${MARKER} launch blob`);
  }
  return v.slice(1, n + 1) as LaunchCodes;
}

// The launcher line that names the blob's data: offset and length, fixed width so that the
// packer can write the preamble before it knows them and fill them in place afterwards.
// Padded with spaces (the launcher splits the words; Python rejects leading zeros), so the
// unfilled placeholder reads as "no blob".
const FIELD = "\npar_fast='";
const WIDTH = 10;
export const FAST_PLACEHOLDER = `par_fast='${' '.repeat(2 * WIDTH + 1)}'`;

/** Where in the preamble the digits of `par_fast` start, or -1 when it has no such line. */
export function fastFieldAt(preamble: Buffer): number {
  const at = preamble.indexOf(FIELD);
  return at < 0 ? -1 : at + FIELD.length;
}

/** The blob an archive's first bytes name: where the field is, and the blob's offset and length unless unfilled. */
export function readFastField(head: Buffer): { at: number; blob?: { offset: number; length: number } } | undefined {
  const at = fastFieldAt(head);
  if (at < 0) return undefined;
  const words = head.subarray(at, at + 2 * WIDTH + 1).toString('latin1').trim().split(/ +/);
  if (words.length !== 2 || !words.every((w) => /^\d+$/.test(w))) return { at };
  return { at, blob: { offset: Number(words[0]), length: Number(words[1]) } };
}

/** The digits that go at fastFieldAt(). */
export function fastFieldValue(offset: number, length: number): Buffer {
  const pad = (n: number) => {
    const s = String(n);
    if (!Number.isSafeInteger(n) || n < 0 || s.length > WIDTH) throw new Error(`internal: launch blob position ${n} does not fit the launcher`);
    return s.padStart(WIDTH, ' ');
  };
  return Buffer.from(`${pad(offset)} ${pad(length)}`, 'latin1');
}

/**
 * Points the par_fast line of `file` (its digits at `fieldAt`) at the launch blob whose local
 * header is at `headerOffset` (the packer's and the stamper's last step).
 */
export function writeFastField(file: string, fieldAt: number, headerOffset: number, length: number): void {
  const bytes = fastFieldValue(headerOffset + LOCAL_HEADER_SIZE + Buffer.byteLength(LAUNCH_BLOB_ENTRY), length);
  const fd = openSync(file, 'r+');
  try {
    if (writeSync(fd, bytes, 0, bytes.length, fieldAt) !== bytes.length) throw new Error(`short write patching ${file} at ${fieldAt}`);
  } finally {
    closeSync(fd);
  }
}
