// Merges the aspect's per-target JSON into one project model: what an editor needs to resolve
// every import of the targets exactly as their archives do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ParError } from '../common/errors';
import { type BazelLocations, resolveExecPath } from './locations';
import type { TargetJson } from './target-json';

export const PROJECT_MODEL_VERSION = 1;

export interface ModelTarget {
  label: string;
  kind: string;
  /** The interpreter constraint of a python_binary (PEP 440), null for libraries and wheels. */
  python: string | null;
  /** Absolute paths of the target's own sources. */
  sources: string[];
  /** Absolute directories from which its closure's imports resolve (archive import roots). */
  import_roots: string[];
  wheels: { label: string; dir: string }[];
}

export interface ProjectModel {
  version: number;
  workspace: string;
  /** The build-time interpreter (it compiles the archives' bytecode), e.g. "3.11.2". */
  interpreter: string;
  /** MAJOR.MINOR of `interpreter`: what editors should analyse for. */
  python_version: string;
  targets: ModelTarget[];
  /** Union of every target's import roots and unpacked wheels, then the `__par__` stub's directory: pyright's extraPaths. */
  extra_paths: string[];
  /** Main-repository sources of all targets: what the editor should analyse. */
  include: string[];
}

/**
 * The repository (or output tree) a file's path belongs to. Repositories share one tree in
 * the archive, so every import root applies below each of them.
 */
export function sourceTreeOf(execPath: string): string {
  const parts = execPath.split('/');
  if (parts[0] === 'external') return parts.slice(0, 2).join('/');
  if (parts[0] === 'bazel-out') {
    // bazel-out/<config>/bin[/external/<repo>]/...
    const base = parts.slice(0, 3).join('/');
    return parts[3] === 'external' ? `${base}/external/${parts[4]}` : base;
  }
  return '';
}

/** PyInfo spells roots "repo/path"; in the archive the repository prefix is dropped. */
function stripRepo(root: string): string {
  const i = root.indexOf('/');
  return i < 0 ? '' : root.slice(i + 1);
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export function importRootsOf(t: TargetJson, loc: BazelLocations, exists: (p: string) => boolean = existsSync): string[] {
  const trees = uniq(['', t.repository, ...t.transitive_sources.map(sourceTreeOf)]);
  const roots = uniq(['', ...t.import_roots, ...t.foreign_import_roots.map(stripRepo)]);
  const out: string[] = [];
  for (const tree of trees) {
    for (const root of roots) {
      const dir = resolveExecPath(loc, [tree, root].filter(Boolean).join('/'));
      // The cross product names directories that need not exist (a root of one repository
      // applies to all of them in the archive); editors only need the real ones.
      if ((tree === '' && root === '') || exists(dir)) out.push(dir);
    }
  }
  return uniq(out);
}

export function buildProjectModel(targets: TargetJson[], loc: BazelLocations, exists: (p: string) => boolean = existsSync): ProjectModel {
  if (targets.length === 0) {
    throw new ParError('BAD_ARGUMENTS', 'none of the labels is a Python target (python_binary, python_library or python_wheel)', {
      hint: 'par ide reads what par_ide_aspect writes; name targets that carry PythonInfo.',
    });
  }
  const byLabel = new Map<string, TargetJson>();
  for (const t of targets) byLabel.set(t.label, t);
  const sorted = [...byLabel.values()].sort((a, b) => a.label.localeCompare(b.label));
  const interpreter = sorted[0].interpreter.version;
  const model: ModelTarget[] = sorted.map((t) => ({
    label: t.label,
    kind: t.kind,
    python: t.python,
    sources: t.sources.map((s) => resolveExecPath(loc, s.path)),
    import_roots: importRootsOf(t, loc, exists),
    wheels: t.wheels.map((w) => ({ label: w.label, dir: resolveExecPath(loc, w.dir) })),
  }));
  const include = uniq(sorted.flatMap((t) => t.sources.filter((s) => sourceTreeOf(s.path) === '').map((s) => join(loc.workspace, s.path)))).sort();
  return {
    version: PROJECT_MODEL_VERSION,
    workspace: loc.workspace,
    interpreter,
    python_version: interpreter.split('.').slice(0, 2).join('.'),
    targets: model,
    extra_paths: uniq([...model.flatMap((t) => [...t.import_roots, ...t.wheels.map((w) => w.dir)]), ...sorted.map((t) => resolveExecPath(loc, t.stubs))]),
    include,
  };
}
