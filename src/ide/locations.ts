// Where Bazel's paths are on disk, and how an editor config in some directory should spell them.
import { isAbsolute, join, relative, sep } from 'node:path';

export interface BazelLocations {
  /** Absolute workspace root (where BUILD files live). */
  workspace: string;
  /** `bazel info execution_root`: bazel-out/ lives here. */
  executionRoot: string;
  /** `bazel info output_base`: external/<repo>/ holds external repositories' sources. */
  outputBase: string;
  /** `bazel info bazel-bin`: where top-level targets' outputs are. */
  bazelBin: string;
  /**
   * The workspace's bazel-out symlink if it points at execution_root/bazel-out (else null).
   * Unlike bazel-bin it does not move when a later build uses other flags (k8-opt, ...).
   */
  bazelOutLink: string | null;
}

/** Absolute path of an execution-root-relative path from the aspect ("" is the workspace). */
export function resolveExecPath(loc: BazelLocations, p: string): string {
  if (p === 'external' || p.startsWith('external/')) return join(loc.outputBase, p);
  if (p === 'bazel-out' || p.startsWith('bazel-out/')) return join(loc.executionRoot, p);
  return p ? join(loc.workspace, p) : loc.workspace;
}

function inside(parent: string, child: string): string | null {
  const r = relative(parent, child);
  if (r === '') return '';
  if (r.startsWith('..') || isAbsolute(r)) return null;
  return r;
}

/**
 * How a config file in `configDir` names an absolute path: relative when it is in the workspace
 * (outputs through the bazel-out symlink, which keeps them stable and short), else absolute.
 * pyright ignores absolute "include" entries, and workspace paths must survive a move of the
 * checkout; only external repositories (under Bazel's output base) are spelled absolute.
 */
export function editorPath(loc: BazelLocations, configDir: string, abs: string): string {
  let target: string | null = null;
  const inOut = inside(join(loc.executionRoot, 'bazel-out'), abs);
  if (inOut !== null && loc.bazelOutLink) target = join(loc.bazelOutLink, inOut);
  else if (inside(loc.workspace, abs) !== null) target = abs;
  if (target === null) return abs;
  const r = relative(configDir, target);
  if (r === '') return '.';
  return r.split(sep).join('/');
}
