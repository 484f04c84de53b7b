// The per-target JSON written by par_ide_aspect (rules/private/ide_aspect.bzl), validated.
// Paths are execution-root relative: main-repository sources are workspace-relative,
// `external/<repo>/...` and `bazel-out/...` resolve under Bazel's output base / exec root.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ParError } from '../common/errors';

export const IDE_JSON_VERSION = 1;

const execPath = z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the execution root');

export const TargetJsonSchema = z.object({
  version: z.literal(IDE_JSON_VERSION),
  label: z.string().min(1),
  kind: z.string().min(1),
  repository: z.string(),
  workspace_name: z.string(),
  python: z.string().nullable(),
  interpreter: z.object({ version: z.string().regex(/^\d+\.\d+/, 'is not MAJOR.MINOR[.MICRO]'), cache_tag: z.string() }),
  sources: z.array(z.object({ path: execPath, archive_path: z.string() })),
  transitive_sources: z.array(execPath),
  import_roots: z.array(z.string()),
  foreign_import_roots: z.array(z.string()),
  wheels: z.array(z.object({ label: z.string(), dir: execPath, info: execPath })),
  /** The JSON files of the target's deps, transitively: `par ide` reads them all from the top. */
  closure_json: z.array(execPath),
  /** The directory of rules_par's typed stub for `import __par__` (__par__/__init__.pyi). */
  stubs: execPath,
});
export type TargetJson = z.infer<typeof TargetJsonSchema>;

/** Parses one aspect output; every problem is reported at once, naming the file. */
export function parseTargetJson(text: string, file: string): TargetJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ParError('MANIFEST_INVALID', `not valid JSON: ${(e as Error).message}`, { file, hint: 'It is written by par_ide_aspect; rebuild it.' });
  }
  const r = TargetJsonSchema.safeParse(raw);
  if (!r.success) {
    const label = typeof (raw as { label?: unknown })?.label === 'string' ? (raw as { label: string }).label : undefined;
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new ParError('MANIFEST_INVALID', `invalid par_ide_aspect JSON ${file}:\n  ${lines.join('\n  ')}`, {
      label,
      file,
      hint: 'The aspect and the par CLI come from different rules_par versions? Use the same checkout for both.',
    });
  }
  return r.data;
}

export function readTargetJson(file: string): TargetJson {
  return parseTargetJson(readFileSync(file, 'utf8'), file);
}

/**
 * Where the aspect wrote a top-level target's JSON: bazel-bin/[external/<repo>/]<pkg>/<name>.par_ide.json.
 * Labels are as the build event protocol spells them ("//p:n", "@repo//p:n", "@@repo//p:n").
 */
export function targetJsonPath(bazelBin: string, label: string): string {
  const m = /^(?:@@?([^/]*))?\/\/([^:]*):(.+)$/.exec(label);
  if (!m) throw new ParError('BAZEL_FAILED', `unexpected label '${label}' in Bazel's build events`);
  const [, repo, pkg, name] = m;
  return join(bazelBin, ...(repo ? ['external', repo] : []), pkg, `${name}.par_ide.json`);
}

/**
 * Reads the JSON of the built top-level targets and of everything in their closures. Top-level
 * targets without a JSON carry no PythonInfo (a filegroup in //pkg/...) and are skipped.
 */
export function readClosure(bazelBin: string, executionRoot: string, labels: string[]): TargetJson[] {
  const seen = new Map<string, TargetJson>();
  const todo = labels.map((l) => targetJsonPath(bazelBin, l)).filter((f) => existsSync(f));
  while (todo.length) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    const t = readTargetJson(file);
    seen.set(file, t);
    for (const dep of t.closure_json) todo.push(join(executionRoot, dep));
  }
  return [...seen.values()];
}
