// `par diff A B [--json]`: what differs between two archives, the question a release
// engineer asks ("what changed between the build we ship and the one we shipped?"):
// build info (revision, dirty, timestamp, python, wheels, status keys...), the launcher,
// and the files added, removed or changed, with their sizes. Files compare by content
// (CRC-32 and size from the central directory), so nothing is decompressed.
import { existsSync, promises as fsp } from 'node:fs';
import { printable, readArchiveInfo, type ArchiveInfo } from '../archive/archive-info';
import { ParError } from '../common/errors';
import { stableStringify } from '../common/stable-json';
import { LAUNCH_BLOB_ENTRY, STAMP_ENTRY } from '../archive/contract';

export interface FileSize { size: number; compressed: number }
export interface DiffModel {
  a: string;
  b: string;
  identical: boolean;
  /** Changed build-info fields, flattened: status.STABLE_X, wheels.<name>. Absent = null. */
  build_info: Array<{ field: string; a: unknown; b: unknown }>;
  launcher: { a: number; b: number } | null;
  files: {
    added: Array<{ name: string } & FileSize>;
    removed: Array<{ name: string } & FileSize>;
    changed: Array<{ name: string; a: FileSize; b: FileSize }>;
    unchanged: number;
  };
  size: { a: number; b: number };
}

/** Build info as field -> value, one level deep for objects and for lists of named items (wheels). */
export function flattenBuildInfo(info: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(info)) {
    if (Array.isArray(v) && v.every((x) => x && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string')) {
      const items = v as Array<{ name: string } & Record<string, unknown>>;
      for (const item of items) {
        const { name, ...rest } = item;
        // Several builds of one wheel (python_wheel(wheels = [...])): one field per file.
        const several = typeof item.filename === 'string' && items.filter((x) => x.name === name).length > 1;
        out.set(several ? `${k}.${name}[${item.filename}]` : `${k}.${name}`, rest);
      }
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out.set(`${k}.${k2}`, v2);
    } else {
      out.set(k, v);
    }
  }
  return out;
}

function diffBuildInfo(a: Record<string, unknown>, b: Record<string, unknown>): DiffModel['build_info'] {
  const fa = flattenBuildInfo(a);
  const fb = flattenBuildInfo(b);
  const fields = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return fields
    .filter((f) => stableStringify(fa.get(f) ?? null) !== stableStringify(fb.get(f) ?? null))
    .map((f) => ({ field: f, a: fa.get(f) ?? null, b: fb.get(f) ?? null }));
}

async function preamble(path: string, length: number): Promise<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, 0);
    return buf;
  } finally {
    await fh.close();
  }
}

export async function diffModel(a: string, b: string): Promise<DiffModel> {
  for (const p of [a, b]) {
    if (!existsSync(p)) throw new ParError('MISSING_FILE', `${p} does not exist`, { file: p, hint: 'par diff compares two archive files: par diff OLD NEW.' });
  }
  const [ia, ib]: ArchiveInfo[] = [await readArchiveInfo(a), await readArchiveInfo(b)];
  // The stamp entry's content is the build info, compared field by field above. The launch
  // blob is derived: copies of bootstrap entries and a directory of the others, which change
  // with them (and with every stamp).
  const derived = new Set([STAMP_ENTRY, LAUNCH_BLOB_ENTRY]);
  const files = (i: ArchiveInfo) => new Map(i.entries.filter((e) => !derived.has(e.name) && !e.name.endsWith('/')).map((e) => [e.name, e]));
  const ea = files(ia);
  const eb = files(ib);
  const size = (e: { uncompressedSize: number; compressedSize: number }): FileSize => ({ size: e.uncompressedSize, compressed: e.compressedSize });
  const added = [...eb.keys()].filter((n) => !ea.has(n)).sort().map((n) => ({ name: n, ...size(eb.get(n)!) }));
  const removed = [...ea.keys()].filter((n) => !eb.has(n)).sort().map((n) => ({ name: n, ...size(ea.get(n)!) }));
  const common = [...ea.keys()].filter((n) => eb.has(n)).sort();
  const changed = common
    .filter((n) => ea.get(n)!.crc32 !== eb.get(n)!.crc32 || ea.get(n)!.uncompressedSize !== eb.get(n)!.uncompressedSize)
    .map((n) => ({ name: n, a: size(ea.get(n)!), b: size(eb.get(n)!) }));
  const pa = await preamble(a, ia.preambleLength);
  const pb = await preamble(b, ib.preambleLength);
  const build_info = diffBuildInfo(ia.buildInfo, ib.buildInfo);
  const launcher = pa.equals(pb) ? null : { a: pa.length, b: pb.length };
  return {
    a,
    b,
    identical: !build_info.length && !launcher && !added.length && !removed.length && !changed.length,
    build_info,
    launcher,
    files: { added, removed, changed, unchanged: common.length - changed.length },
    size: { a: ia.size, b: ib.size },
  };
}

export function human(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1024) return `${n} B`;
  if (abs < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}
const signed = (n: number) => (n > 0 ? `+${human(n)}` : n < 0 ? `-${human(-n)}` : '±0 B');
const show = (v: unknown) => (v === null || v === undefined ? '(none)' : typeof v === 'string' ? printable(v) : stableStringify(v));

export function renderDiff(d: DiffModel): string {
  if (d.identical) return `${d.a} and ${d.b} are the same archive: same build info, launcher and files.\n`;
  const lines = [`--- ${d.a}`, `+++ ${d.b}`];
  if (d.build_info.length) {
    const w = Math.max(...d.build_info.map((c) => c.field.length));
    lines.push('build info:');
    for (const c of d.build_info) lines.push(`  ${c.field.padEnd(w)}  ${show(c.a)} -> ${show(c.b)}`);
  } else {
    lines.push('build info: same');
  }
  if (d.launcher) lines.push(`launcher: differs (${human(d.launcher.a)} -> ${human(d.launcher.b)})`);
  const f = d.files;
  lines.push(
    `files: ${f.added.length} added, ${f.removed.length} removed, ${f.changed.length} changed, ${f.unchanged} unchanged; ` +
      `archive ${human(d.size.a)} -> ${human(d.size.b)} (${signed(d.size.b - d.size.a)})`,
  );
  const w = Math.max(0, ...[...f.added, ...f.removed, ...f.changed].map((e) => e.name.length));
  for (const e of f.added) lines.push(`  + ${e.name.padEnd(w)}  ${human(e.size)}`);
  for (const e of f.removed) lines.push(`  - ${e.name.padEnd(w)}  ${human(e.size)}`);
  for (const e of f.changed) lines.push(`  ~ ${e.name.padEnd(w)}  ${human(e.a.size)} -> ${human(e.b.size)} (${signed(e.b.size - e.a.size)})`);
  return lines.join('\n') + '\n';
}

export async function diff(a: string, b: string, json: boolean): Promise<string> {
  const d = await diffModel(a, b);
  return json ? JSON.stringify(d, null, 2) + '\n' : renderDiff(d);
}
