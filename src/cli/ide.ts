// par ide //label... [--out DIR]: builds par_ide_aspect over the targets, merges its JSON into a
// project model (printed on stdout for any editor) and writes pyrightconfig.json (VS Code's
// Pylance, pyright) by merging its keys (src/ide/pyright-config.ts). docs/ide.md has the steps.
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type BazelLocations, editorPath } from '../ide/locations';
import { buildProjectModel, type ProjectModel } from '../ide/project-model';
import { writePyrightConfig } from '../ide/pyright-config';
import { readClosure } from '../ide/target-json';
import { parseVerbArgs } from './args';
import { bazelBuildAspect, bazelInfo, findWorkspace } from '../common/bazel';

export const IDE_ASPECT = '@rules_par//rules:defs.bzl%par_ide_aspect';

/**
 * The aspect's label as the workspace's BUILD files load rules_par. In rules_par's own
 * repository they load "//rules:defs.bzl", and Bazel 4 (WORKSPACE mode) gives "@rules_par//..."
 * separate provider identities there, so the aspect would find no PythonInfo.
 */
export function ideAspectFor(workspace: string): string {
  for (const [file, re] of [['MODULE.bazel', /^\s*module\(\s*name\s*=\s*"rules_par"/m], ['WORKSPACE', /^\s*workspace\(\s*name\s*=\s*"rules_par"/m]] as const) {
    const p = join(workspace, file);
    if (existsSync(p) && re.test(readFileSync(p, 'utf8'))) return IDE_ASPECT.replace('@rules_par//', '//');
  }
  return IDE_ASPECT;
}
export const IDE_OUTPUT_GROUP = 'par_ide_info';

function locations(workspace: string): BazelLocations {
  const info = bazelInfo(workspace, ['execution_root', 'output_base', 'bazel-bin']);
  const link = join(workspace, 'bazel-out');
  let bazelOutLink: string | null = null;
  try {
    if (existsSync(link) && realpathSync(link) === realpathSync(join(info.execution_root, 'bazel-out'))) bazelOutLink = link;
  } catch {
    bazelOutLink = null; // no symlink (--symlink_prefix=/) or a dangling one: use absolute paths
  }
  return { workspace, executionRoot: info.execution_root, outputBase: info.output_base, bazelBin: info['bazel-bin'], bazelOutLink };
}

export interface IdeResult {
  model: ProjectModel;
  config: string;
  changed: boolean;
  notes: string[];
}

export function ide(labels: string[], out: string | undefined, cwd = process.cwd()): IdeResult {
  const workspace = findWorkspace(cwd);
  const built = bazelBuildAspect(workspace, labels, ideAspectFor(workspace), IDE_OUTPUT_GROUP);
  const loc = locations(workspace);
  const targets = readClosure(loc.bazelBin, loc.executionRoot, built);
  const model = buildProjectModel(targets, loc);
  const dir = resolve(cwd, out ?? workspace);
  mkdirSync(dir, { recursive: true });
  const w = writePyrightConfig(dir, {
    include: model.include.map((p) => editorPath(loc, dir, p)),
    extraPaths: model.extra_paths.map((p) => editorPath(loc, dir, p)),
    pythonVersion: model.python_version,
  });
  return { model, ...w };
}

/** The verb: arguments, then the model on stdout and what was written on stderr. */
export async function ideVerb(argv: string[], io: { out: (s: string) => void; err: (s: string) => void }): Promise<void> {
  const a = parseVerbArgs('ide', argv, { out: { type: 'string' } }, z.object({
    out: z.string().min(1, '--out needs a directory').optional(),
    positionals: z.array(z.string().regex(/^(@[\w.~+-]*)?\/\/|^:/, 'labels look like //pkg:name')).min(1, 'name at least one //label'),
  }));
  const r = ide(a.positionals, a.out);
  const n = r.model.targets.length;
  io.err(`par ide: ${r.changed ? 'wrote' : 'unchanged'} ${r.config} (${n} target${n === 1 ? '' : 's'}, ${r.model.extra_paths.length} import paths, Python ${r.model.python_version})\n`);
  for (const note of r.notes) io.err(`par ide: ${note}\n`);
  io.out(JSON.stringify(r.model, null, 2) + '\n');
}
