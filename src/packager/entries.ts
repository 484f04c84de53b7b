// Collects what goes into an archive from the manifest: one entry per archive path.
// Two files claiming one path is fine when their bytes agree (e.g. a file reached through
// two deps) and an error naming both owners when they differ.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { RESERVED } from '../archive/contract';
import { ParError } from '../common/errors';
import type { Manifest } from './manifest';

export interface SourceEntry {
  path: string;
  /** The file to read; for a source in a fragment, where the fragment read it (messages only). */
  file: string;
  owner: string;
  kind: 'src' | 'data' | 'boot';
  /** Set for a source held by a fragment: its position in the plan's fragments, and its content hash from the index. */
  fragment?: number;
  sha256?: string;
}

/** A fragment's sources as the packer sees them (fragment/format.ts). */
export interface FragmentSources {
  kind: 'src' | 'boot';
  file: string;
  owner: string;
  sources: readonly (readonly [string, string, boolean, string])[];
}


export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function sameBytes(a: SourceEntry, b: SourceEntry): Promise<boolean> {
  if (a.sha256 === undefined && b.sha256 === undefined) {
    const [sa, sb] = await Promise.all([fsp.stat(a.file), fsp.stat(b.file)]);
    if (sa.size !== sb.size) return false;
  }
  return (a.sha256 ?? (await sha256File(a.file))) === (b.sha256 ?? (await sha256File(b.file)));
}

/** Every file of the archive by path: fragments' sources first (in the order given), then loose sources and data. */
export async function collectEntries(m: Manifest, fragments: readonly FragmentSources[] = []): Promise<SourceEntry[]> {
  const label = m.header.label;
  const byPath = new Map<string, SourceEntry>();
  const add = async (e: SourceEntry) => {
    if (e.kind !== 'boot' && RESERVED.some((r) => (r.endsWith('/') ? e.path.startsWith(r) : e.path === r))) {
      throw new ParError('DUPLICATE_PATH', `${e.owner} puts ${e.path} in the archive, a path the launcher owns`, {
        label,
        file: e.file,
        hint: 'Rename or move the file: __main__.py and __par__/ at the archive root are reserved.',
      });
    }
    const prev = byPath.get(e.path);
    if (!prev) {
      byPath.set(e.path, e);
      return;
    }
    if ((prev.file === e.file && prev.fragment === e.fragment) || (await sameBytes(prev, e))) return;
    throw new ParError(
      'DUPLICATE_PATH',
      `two deps provide ${e.path} with different content: ${prev.owner} (${prev.file}) and ${e.owner} (${e.file})`,
      { label, file: e.file, hint: 'Keep one of them, or move one so their archive paths differ.' },
    );
  };
  for (const b of m.boot) if (b.path !== 'launcher.sh') await add({ ...b, owner: '@rules_par//src/bootstrap', kind: 'boot' });
  for (const [i, f] of fragments.entries()) {
    for (const [path, sha256, , file] of f.sources) await add({ path, file, owner: f.owner, kind: f.kind, fragment: i, sha256 });
  }
  for (const s of m.srcs) await add({ ...s, kind: 'src' });
  for (const d of m.data) await add({ ...d, kind: 'data' });
  const missing: string[] = [];
  const files = new Map<string, SourceEntry>(); // fragments were read already (their indexes)
  for (const e of byPath.values()) if (e.fragment === undefined) files.set(e.file, e);
  await Promise.all(
    [...files.values()].map(async (e) => {
      try {
        await fsp.access(e.file);
      } catch {
        missing.push(`${e.file} (${e.owner})`);
      }
    }),
  );
  if (missing.length) {
    throw new ParError('MISSING_FILE', `input files are missing: ${missing.sort().join(', ')}`, { label });
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
