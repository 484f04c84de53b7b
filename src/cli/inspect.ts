// `par inspect ARCHIVE [--json]`: the stamp first, then what runs, under which Python,
// with which distributions, and where the bytes go.
import { printable, readArchiveInfo, type ArchiveInfo } from '../archive/archive-info';
import { ParError } from '../common/errors';
import { LAUNCH_BLOB_ENTRY } from '../archive/contract';
import { ZipReader } from '../archive/zip';

/** An entry that does not read back as written, or whose name would land outside the folder it is unpacked into. */
export interface EntryProblem { entry: string; problem: string }

/** Why a name leaves the directory it is unpacked into (absolute, or a `..` part), or undefined. */
export function unsafeName(name: string): string | undefined {
  if (/^([/\\]|[A-Za-z]:)/.test(name)) return 'its name is absolute: it would be written outside the directory it is unpacked into';
  if (name.split(/[/\\]/).includes('..')) return "its name has a '..' part: it would be written outside the directory it is unpacked into";
  return undefined;
}

/**
 * Reads every entry back (inflating it and checking its size and CRC) and checks every name:
 * what a damaged copy or a hand-made zip would break at run time, found before it runs.
 */
export async function verifyEntries(archive: string): Promise<EntryProblem[]> {
  const zip = await ZipReader.open(archive);
  const problems: EntryProblem[] = [];
  try {
    for (const e of zip.entries) {
      const unsafe = unsafeName(e.name);
      if (unsafe) problems.push({ entry: e.name, problem: unsafe });
      try {
        await zip.read(e);
      } catch (err) {
        const reason = (err as { reason?: string }).reason ?? (err as Error).message;
        problems.push({ entry: e.name, problem: reason.replace(` for "${e.name}"`, '') });
      }
    }
  } finally {
    await zip.close();
  }
  return problems;
}

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

export function inspectModel(archive: string, info: ArchiveInfo, problems: EntryProblem[] = []) {
  const entry = info.manifest.entry;
  return {
    archive,
    build_info: info.buildInfo,
    problems,
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
    `  revision   ${printable(b.revision ?? 'unknown')}  (${state}${b.branch ? `, branch ${printable(b.branch)}` : ''})`,
    `  built      ${b.timestamp ?? 'at an unknown time'}`,
  ];
  const status = b.status && typeof b.status === 'object' ? Object.entries(b.status as Record<string, unknown>) : [];
  const width = Math.max(0, ...status.map(([k]) => k.length));
  for (const [k, v] of status) lines.push(`  ${k.padEnd(width)}  ${printable(String(v))}`);
  return lines;
}

export function renderInspect(model: ReturnType<typeof inspectModel>): string {
  const b = model.build_info;
  const lines = [
    `${model.archive}`,
    ...model.problems.map((p) => `  DAMAGED    ${p.entry}: ${p.problem}`),
    ...renderStamp(b),
    `  target     ${b.label}`,
    `  runs       ${'entry_point' in model.entry ? model.entry.entry_point : `${model.entry.main} (as __main__)`}`,
    `  python     ${model.python}  (launcher probes ${model.interpreters_probed.join(', ') || 'nothing'})`,
    `  code       ${b.fingerprint}`,
    renderStart(model.start),
    `  size       ${kb(model.size.archive)} in ${model.size.entries} entries (launcher ${model.size.launcher} B)`,
    `  wheels     ${model.wheels.length ? '' : 'none'}`,
    ...model.wheels.map((w) => `    ${w.name} ${w.version}  sha256:${w.sha256.slice(0, 16)}…${w.serves ? `  serves ${w.serves}` : ''}`),
    '  by top-level package (compressed / uncompressed):',
    ...model.packages.map((p) => `    ${p.name.padEnd(28)} ${kb(p.compressed).padStart(10)} / ${kb(p.uncompressed).padStart(10)}  ${p.files} files`),
  ];
  return lines.join('\n') + '\n';
}

export async function inspect(archive: string, json: boolean): Promise<string> {
  return (await inspectArchive(archive, json)).output;
}

/** The report, and the entries that are damaged or unsafe (the CLI exits non-zero for them: inspectFailure). */
export async function inspectArchive(archive: string, json: boolean): Promise<{ output: string; problems: EntryProblem[] }> {
  const info = await readArchiveInfo(archive);
  const problems = await verifyEntries(archive);
  const model = inspectModel(archive, info, problems);
  return { output: json ? JSON.stringify(model, null, 2) + '\n' : renderInspect(model), problems };
}

export function inspectFailure(archive: string, problems: EntryProblem[]): ParError {
  const n = problems.length;
  return new ParError(
    'ARCHIVE_DAMAGED',
    `${archive} has ${n} damaged or unsafe ${n === 1 ? 'entry' : 'entries'}: ${problems.map((p) => `${p.entry} (${p.problem})`).join('; ')}`,
    { file: archive, hint: 'Copy it again, or rebuild it; never run an archive whose entries leave their directory.' },
  );
}
