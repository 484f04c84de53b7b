// `par inspect ARCHIVE [--json]`: the stamp first, then what runs, under which Python,
// with which distributions, and where the bytes go.
import { readArchiveInfo, type ArchiveInfo } from '../archive/archive-info';
import { LAUNCH_BLOB_ENTRY } from '../archive/contract';

export interface PackageSize { name: string; files: number; compressed: number; uncompressed: number }

export function sizeByTopLevel(info: ArchiveInfo): PackageSize[] {
  const by = new Map<string, PackageSize>();
  for (const e of info.entries) {
    const top = e.name.includes('/') ? e.name.slice(0, e.name.indexOf('/')) : e.name;
    const s = by.get(top) ?? { name: top, files: 0, compressed: 0, uncompressed: 0 };
    if (!e.name.endsWith('/')) s.files++; // directory entries are not files
    s.compressed += e.compressedSize;
    s.uncompressed += e.uncompressedSize;
    by.set(top, s);
  }
  return [...by.values()].sort((a, b) => b.compressed - a.compressed || (a.name < b.name ? -1 : 1));
}

/** How the archive starts: where its code is imported from, and whether the launch blob is there. */
export function startModel(info: ArchiveInfo) {
  const m = info.manifest as Record<string, unknown>;
  const native = (m.native as { modules?: Record<string, string> } | undefined)?.modules ?? {};
  const blob = info.entries.find((e) => e.name === LAUNCH_BLOB_ENTRY);
  return {
    layout: 'extract' in m ? 'extract' : 'zip',
    extension_modules_unpacked: Object.keys(native).sort(),
    launch_blob_bytes: blob ? blob.uncompressedSize : null,
    build_python: String((info.buildInfo as Record<string, unknown>).build_python ?? ''),
  };
}

function renderStart(s: ReturnType<typeof startModel>): string {
  const where = s.layout === 'extract'
    ? 'unpacked once into the cache (layout = "extract")'
    : s.extension_modules_unpacked.length
      ? `from the zip; extension modules unpacked once into the cache: ${s.extension_modules_unpacked.join(', ')}`
      : 'from the zip';
  const minor = s.build_python.split('.').slice(0, 2).join('.');
  const blob = s.launch_blob_bytes === null ? 'no launch blob' : `launch blob ${kb(s.launch_blob_bytes)} (used by python${minor})`;
  return `  starts     ${where}; ${blob}`;
}

export function inspectModel(archive: string, info: ArchiveInfo) {
  const entry = info.manifest.entry;
  return {
    archive,
    build_info: info.buildInfo,
    entry: 'entry_point' in entry ? { entry_point: entry.entry_point } : { main: entry.path, module: entry.module },
    python: info.manifest.python.spec,
    interpreters_probed: info.manifest.python.minors.map((m) => `python${m}`),
    import_roots: info.manifest.roots,
    wheels: info.buildInfo.wheels,
    start: startModel(info),
    size: { archive: info.size, launcher: info.preambleLength, entries: info.entries.length },
    packages: sizeByTopLevel(info),
  };
}

function kb(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/**
 * The stamp, first and readable at a glance: which revision, whether the tree was clean,
 * which branch, when; then any STABLE_* keys the repository's status script added.
 */
export function renderStamp(b: ArchiveInfo['buildInfo']): string[] {
  if (!b.stamped) {
    return ['  revision   none: unstamped build (stamp with --config=release, or stamp = 1 on the target)'];
  }
  const state = b.dirty === true ? 'DIRTY: built with uncommitted changes' : b.dirty === false ? 'clean' : 'clean or dirty: unknown';
  const lines = [
    `  revision   ${b.revision ?? 'unknown'}  (${state}${b.branch ? `, branch ${b.branch}` : ''})`,
    `  built      ${b.timestamp ?? 'at an unknown time'}`,
  ];
  const status = b.status && typeof b.status === 'object' ? Object.entries(b.status as Record<string, unknown>) : [];
  const width = Math.max(0, ...status.map(([k]) => k.length));
  for (const [k, v] of status) lines.push(`  ${k.padEnd(width)}  ${String(v)}`);
  return lines;
}

export function renderInspect(model: ReturnType<typeof inspectModel>): string {
  const b = model.build_info;
  const lines = [
    `${model.archive}`,
    ...renderStamp(b),
    `  target     ${b.label}`,
    `  runs       ${'entry_point' in model.entry ? model.entry.entry_point : `${model.entry.main} (as __main__)`}`,
    `  python     ${model.python}  (launcher probes ${model.interpreters_probed.join(', ') || 'nothing'})`,
    `  code       ${b.fingerprint}`,
    renderStart(model.start),
    `  size       ${kb(model.size.archive)} in ${model.size.entries} entries (launcher ${model.size.launcher} B)`,
    `  wheels     ${model.wheels.length ? '' : 'none'}`,
    ...model.wheels.map((w) => `    ${w.name} ${w.version}  sha256:${w.sha256.slice(0, 16)}…`),
    '  by top-level package (compressed / uncompressed):',
    ...model.packages.map((p) => `    ${p.name.padEnd(28)} ${kb(p.compressed).padStart(10)} / ${kb(p.uncompressed).padStart(10)}  ${p.files} files`),
  ];
  return lines.join('\n') + '\n';
}

export async function inspect(archive: string, json: boolean): Promise<string> {
  const model = inspectModel(archive, await readArchiveInfo(archive));
  return json ? JSON.stringify(model, null, 2) + '\n' : renderInspect(model);
}
