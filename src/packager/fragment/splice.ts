// Splices a fragment (format.ts) into an archive being written: each wanted entry's deflate
// stream, CRC and sizes are copied as they are, under the name the binary wants (a .pyc moves
// to __pycache__/ in the extract layout). Only a binary that asks for other compression than
// the fragment's (compression = "stored", compression_level != 6) gets entries re-encoded,
// exactly as the packer would have encoded the plain bytes: archives never depend on whether
// an entry came from a fragment.
import * as zlib from 'node:zlib';
import { LOCAL_HEADER_SIZE, METHOD_DEFLATE, METHOD_STORED, SIG_LOCAL, type CentralEntry, type RunEntry, type ZipWriter } from '../../archive/zip';

import { fragmentFailure, fragmentPycName, INDEX_ENTRY, type FragmentIndex } from './format';
import { fragmentBytes } from './loaded';

export interface SpliceOptions {
  compress: boolean;
  level: number;
  /** The archive name of source `path`'s entry, or null to leave it out. */
  sourceName: (path: string) => string | null;
  /** The archive name of the .pyc of source `path`, or null to leave it out. */
  pycName: (path: string) => string | null;
  /** Archive names whose uncompressed bytes the caller wants back (the launch blob's modules). */
  keep?: ReadonlySet<string>;
  /** Archive names left out of the zip after `keep` took their bytes (boot-files.ts blobOnly). */
  omit?: ReadonlySet<string>;
  /** For messages. */
  label: string;
  owner: string;
}

/** The entry's stored payload (deflate stream or plain bytes), checked against its local header. */
function payload(buf: Buffer, e: CentralEntry, bad: (why: string) => Error): Buffer {
  const at = e.localHeaderOffset;
  if (at + LOCAL_HEADER_SIZE > buf.length || buf.readUInt32LE(at) !== SIG_LOCAL) throw bad(`no local header for ${e.name} at ${at}`);
  const start = at + LOCAL_HEADER_SIZE + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + e.compressedSize);
  if (data.length !== e.compressedSize || (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE)) throw bad(`${e.name} is truncated or uses compression method ${e.method}`);
  return data;
}

function plain(e: CentralEntry, data: Buffer): Buffer {
  return e.method === METHOD_DEFLATE ? zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, e.uncompressedSize) }) : data;
}

/** Adds the fragment's wanted entries to `w`; returns the kept entries' bytes by archive name. */
export async function spliceFragment(w: ZipWriter, file: string, index: FragmentIndex, o: SpliceOptions): Promise<Map<string, Buffer>> {
  const bad = fragmentFailure(file, o.owner, o.label);
  const { buf, entries } = fragmentBytes(file, o.owner, o.label);
  // What each entry is, from the index: a source, or the .pyc of one.
  const role = new Map<string, { path: string; pyc: boolean }>();
  for (const [path, , compiled] of index.sources) {
    role.set(path, { path, pyc: false });
    if (compiled) role.set(fragmentPycName(path), { path, pyc: true });
  }
  const kept = new Map<string, Buffer>();
  const adds: Promise<void>[] = [];
  // Entries kept under their own name and next to each other in the fragment (the zip
  // layout: all of a library's but the launch blob's modules) go in as one block with
  // their headers (ZipWriter.addRawRun); the others one by one.
  let run: { start: number; end: number; entries: RunEntry[] } | null = null;
  const endRun = () => {
    if (run) adds.push(w.addRawRun(buf.subarray(run.start, run.end), run.entries));
    run = null;
  };
  let seen = 0;
  for (const e of entries) {
    if (e.name === INDEX_ENTRY) continue;
    const r = role.get(e.name);
    if (!r) throw bad(`it holds ${e.name}, which its index does not list`);
    seen++;
    const name = r.pyc ? o.pycName(r.path) : o.sourceName(r.path);
    if (name === null) continue;
    const data = payload(buf, e, bad);
    const inflate = () => plain(e, data);
    if (o.keep?.has(name)) kept.set(name, inflate());
    if (o.omit?.has(name)) {
      endRun();
      continue;
    }
    const raw = (o.compress && o.level === index.level) || (!o.compress && e.method === METHOD_STORED);
    const at = e.localHeaderOffset;
    const entry: RunEntry = { name, at, method: e.method, crc32: e.crc32, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize };
    if (raw && name === e.name && w.runHeaderMatches(buf, entry)) {
      if (run && run.end !== at) endRun();
      run ??= { start: at, end: at, entries: [] };
      run.entries.push({ ...entry, at: at - run.start });
      run.end = data.byteOffset - buf.byteOffset + data.length;
      continue;
    }
    endRun();
    if (raw) {
      adds.push(w.addRaw({ name, method: e.method, crc32: e.crc32, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize, data }));
    } else {
      adds.push(w.addFile(name, inflate(), { compress: o.compress, level: o.level }));
    }
  }
  endRun();
  if (seen !== role.size) throw bad(`its index lists ${role.size} entries, it holds ${seen}`);
  // Awaited per fragment: one fragment's bytes in memory at a time, whatever the closure's size.
  await Promise.all(adds);
  return kept;
}

/** The source bytes of a fragment by archive path (when its bytecode is for another interpreter). */
export function fragmentSources(file: string, index: FragmentIndex, owner: string, label: string): Map<string, Buffer> {
  const bad = fragmentFailure(file, owner, label);
  const { buf, entries } = fragmentBytes(file, owner, label);
  const wanted = new Set(index.sources.map((s) => s[0]));
  const out = new Map<string, Buffer>();
  for (const e of entries) if (wanted.has(e.name)) out.set(e.name, Buffer.from(plain(e, payload(buf, e, bad))));
  return out;
}
