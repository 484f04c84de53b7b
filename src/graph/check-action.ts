// The two Bazel actions of imports_check (rules/private/imports_check.bzl):
//  - `imports-check`: one per library (and one for a binary's own srcs). Reads a request
//    file of tab-separated lines and writes the unresolved imports as JSON. It never fails on
//    unresolved imports, so its result is cached and reused by every binary.
//  - `imports-report`: one per binary. Reads every result of its closure, drops what the
//    binary ignores, names the target that provides each missing module (from the binary's
//    closure, else from the workspace's module index when one is configured), and fails
//    (error) or prints warnings (warn).
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { topLevelNames } from './wheel-names';
import { checkSources, type SourceFile, type Unresolved } from './check';
import { ModuleIndex, moduleOf, normalizeRoots } from './module-index';
import { readModuleIndex, workspaceProviders, type WorkspaceIndex } from './workspace-index';

const ResultSchema = z.object({
  label: z.string().min(1),
  unresolved: z.array(z.object({
    file: z.string(), line: z.number().int(), module: z.string(), statement: z.string(),
    reason: z.enum(['missing', 'relative-beyond-top', 'syntax']),
  }).strict()),
}).strict();
export type CheckResult = z.infer<typeof ResultSchema>;

function readLines(file: string): string[][] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

function field(lines: string[][], key: string, file: string): string {
  const l = lines.find((x) => x[0] === key);
  if (!l || !l[1]) throw new ParError('MANIFEST_INVALID', `imports request ${file} has no '${key}' line`, { file });
  return l[1];
}

/** Stdlib top-level names, one per line (written by rules/private/tools/stdlib_modules.py). */
export function readStdlib(file: string): Set<string> {
  return new Set(readFileSync(file, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean));
}

export function importsCheckAction(request: string, out: string): CheckResult {
  const lines = readLines(request);
  const label = field(lines, 'label', request);
  const sources: SourceFile[] = lines.filter((l) => l[0] === 'src').map((l) => ({ read: l[1], path: l[2] }));
  const closure = lines.filter((l) => l[0] === 'closure').map((l) => l[1]);
  const roots = lines.filter((l) => l[0] === 'root').map((l) => l[1]);
  const wheels = new Set<string>();
  for (const l of lines.filter((x) => x[0] === 'wheel')) for (const n of topLevelNames(l[1], l[2] ?? label)) wheels.add(n);
  const stdlib = readStdlib(field(lines, 'stdlib', request));
  // Every archive ships the __par__ package (build info, fingerprint: DESIGN.md's runtime
  // contract), so a program may always import it.
  stdlib.add('__par__');
  const unresolved = checkSources(sources, roots, { firstParty: new ModuleIndex(closure, roots), wheels, stdlib });
  const result: CheckResult = { label, unresolved };
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  return result;
}

export interface ReportOutcome { text: string; failed: boolean; count: number }

/** Builds the binary's report; the caller writes it and decides the exit status. */
export function importsReport(request: string): ReportOutcome {
  const lines = readLines(request);
  const label = field(lines, 'label', request);
  const mode = field(lines, 'mode', request);
  const ignore = lines.filter((l) => l[0] === 'ignore').map((l) => l[1]);
  const roots = normalizeRoots(lines.filter((l) => l[0] === 'root').map((l) => l[1]));
  // Best-effort suggestions: which target of this binary's closure owns each module.
  const owner = new Map<string, string>();
  for (const l of lines.filter((x) => x[0] === 'owner')) {
    const m = moduleOf(l[1], roots);
    if (m && !owner.has(m)) owner.set(m, l[2]);
  }
  // The workspace's module index (`par gen` keeps it; a declared input, so the action stays
  // hermetic), read only when some import is unresolved.
  const indexLine = lines.find((l) => l[0] === 'index');
  let index: WorkspaceIndex | null | undefined;
  const workspace = () => (index === undefined ? (index = indexLine ? readModuleIndex(indexLine[1], indexLine[2] ?? indexLine[1], label) : null) : index);
  const ignored = (m: string) => ignore.some((i) => m === i || m.startsWith(i + '.'));
  const problems: string[] = [];
  for (const l of lines.filter((x) => x[0] === 'result')) {
    const r = ResultSchema.safeParse(JSON.parse(readFileSync(l[1], 'utf8')));
    if (!r.success) throw new ParError('MANIFEST_INVALID', `imports result ${l[1]} is invalid: ${r.error.issues[0].message}`, { label, file: l[1] });
    for (const u of r.data.unresolved) {
      if (u.reason !== 'syntax' && ignored(u.module)) continue;
      problems.push(describe(u, r.data.label, owner, workspace));
    }
  }
  const uniq = [...new Set(problems)];
  if (uniq.length === 0) return { text: `${label}: imports_check: every import resolves\n`, failed: false, count: 0 };
  const head = `${label}: imports_check = "${mode}": ${uniq.length} import${uniq.length > 1 ? 's' : ''} that no dependency provides:`;
  const tail =
    'Add the suggested deps, run `par gen` to update BUILD files from the imports, guard optional imports with ' +
    'try/except ImportError (or an `if sys.version_info` test), or list intentionally absent modules in imports_ignore.';
  return { text: [head, ...uniq.map((p) => '  ' + p), tail].join('\n') + '\n', failed: mode === 'error', count: uniq.length };
}

function describe(u: Unresolved, target: string, owner: Map<string, string>, workspace: () => WorkspaceIndex | null): string {
  const where = `${u.file}:${u.line}`;
  if (u.reason === 'syntax') return `${where}: cannot be scanned for imports (a string or statement is not closed) [in ${target}]`;
  if (u.reason === 'relative-beyond-top') return `${where}: \`${u.statement}\` climbs above the top-level package [in ${target}]`;
  let provider: string | undefined;
  for (let m = u.module; m && !provider; m = m.includes('.') ? m.slice(0, m.lastIndexOf('.')) : '') provider = owner.get(m);
  return `${where}: \`${u.statement}\` needs module ${u.module}; ${provider && provider !== target ? addDep([provider], target) : fromWorkspace(u.module, target, workspace())}`;
}

function addDep(labels: string[], target: string): string {
  if (labels.length === 1) return `${labels[0]} provides it: add "${labels[0]}" to deps of ${target}`;
  return `${labels.length} targets provide it: add one of ${labels.map((l) => `"${l}"`).join(', ')} to deps of ${target}`;
}

function fromWorkspace(module: string, target: string, index: WorkspaceIndex | null): string {
  if (!index) {
    return `no target in this binary provides it and no module index is configured to look further; ${target} needs a dep that does (\`par gen\` adds it from the imports)`;
  }
  const labels = workspaceProviders(index, module).filter((l) => l !== target);
  if (labels.length) return addDep(labels, target);
  return `no target in the workspace provides it (module index ${index.label}); add one that does to deps of ${target}, or run \`par gen\` to create it from the sources`;
}
