// jest scaffolding (not used at run time): small archives shaped like the packager's, for
// the stamp, inspect and diff tests. Real zips from the real writer, with a launcher line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_ENTRY } from '../../src/archive/contract';
import { pythonDataModule } from '../../src/archive/python-literal';
import { ZipWriter } from '../../src/archive/zip';

export function scratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'par-stamp-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const LAUNCHER = Buffer.from('#!/bin/sh\nexec python3 "$0" "$@"\n');

/** The build info pack.ts writes for an unstamped archive. */
export function unstampedInfo(label: string, fingerprint: string): Record<string, unknown> {
  return {
    label, revision: null, dirty: null, branch: null, stamped: false, timestamp: null,
    python: '>=3.8', build_python: '3.11.2', fingerprint, wheels: [],
  };
}

/** Writes an archive holding `files` plus __par__/_manifest.py; returns its path. */
export async function writeArchive(
  path: string,
  files: Record<string, string | Buffer>,
  opts: { label?: string; fingerprint?: string; compress?: boolean } = {},
): Promise<string> {
  const label = opts.label ?? '//app:pkg';
  const fingerprint = opts.fingerprint ?? 'f'.repeat(64);
  const manifest = pythonDataModule(`Build facts of ${label}.`, {
    label,
    entry: { module: 'app.main', path: 'app/main.py' },
    python: { spec: '>=3.8', clauses: [['>=', '3.8']], minors: ['3.13', '3.12'] },
    roots: [''],
    fingerprint,
    build_info: unstampedInfo(label, fingerprint),
  });
  const all: Record<string, string | Buffer> = { [MANIFEST_ENTRY]: manifest, ...files };
  const w = await ZipWriter.create(path, LAUNCHER);
  for (const name of Object.keys(all).sort()) {
    const v = all[name];
    void w.addFile(name, Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8'), { compress: opts.compress ?? true });
  }
  await w.finish();
  return path;
}

export function writeStatus(path: string, lines: Record<string, string>): string {
  writeFileSync(path, Object.entries(lines).map(([k, v]) => `${k} ${v}\n`).join(''));
  return path;
}
