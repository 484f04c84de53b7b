// The workspace's module index: which target provides each module, for every Python file of
// the workspace that a target owns. `par gen` writes it (par_modules.txt at the workspace
// root, when that file exists) and `par gen --check` keeps it honest; imports_check reads it
// as a declared input (the `@rules_par//:module_index` flag), so its report can name the
// target to add for an import the binary's closure lacks without looking at the workspace.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../common/errors';

export const INDEX_FILE = 'par_modules.txt';
const HEADER = '# par module index: module<TAB>target. Written by `par gen`; imports_check reads it to name the target to add.';

export interface WorkspaceIndex {
  /** The index's label (or path), for messages. */
  label: string;
  /** module -> labels of the targets that provide it, as the index lists them. */
  modules: Map<string, string[]>;
}

/** The index text for module -> owner pairs (deterministic: sorted, one pair a line). */
export function renderModuleIndex(pairs: Iterable<[string, string]>): string {
  const lines = new Set<string>();
  for (const [m, l] of pairs) lines.add(`${m}\t${l}`);
  return [HEADER, ...[...lines].sort()].join('\n') + '\n';
}

const MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const LABEL = /^(@[^/]*)?\/\/[^:]*(:.+)?$/;
const GOOD_LINE = new RegExp(`${MODULE.source.slice(0, -1)}\t${LABEL.source.slice(1)}`);
const Pair = z.tuple([
  z.string().regex(MODULE, 'must be a dotted module name'),
  z.string().regex(LABEL, 'must be a label'),
]);

export function parseModuleIndex(text: string, label: string, target: string): WorkspaceIndex {
  const modules = new Map<string, string[]>();
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line || line.startsWith('#')) return;
    const fields = line.split('\t');
    // Fast path for the 45k lines of a 10k-library workspace: zod only explains a bad line.
    if (fields.length === 2 && GOOD_LINE.test(line)) {
      const list = modules.get(fields[0]);
      if (list) list.push(fields[1]);
      else modules.set(fields[0], [fields[1]]);
      return;
    }
    if (fields.length !== 2) {
      problems.push(`line ${i + 1}: expected "module<TAB>target", found ${JSON.stringify(line)}`);
      return;
    }
    const r = Pair.safeParse(fields);
    if (!r.success) {
      problems.push(`line ${i + 1}: ${r.error.issues.map((x) => `${x.path[0] === 0 ? 'module' : 'target'} ${JSON.stringify(fields[Number(x.path[0])])} ${x.message}`).join('; ')}`);
      return;
    }
    modules.set(r.data[0], [...(modules.get(r.data[0]) ?? []), r.data[1]]);
  });
  if (problems.length) {
    throw new ParError('MANIFEST_INVALID', `module index ${label} is invalid:\n  ${problems.slice(0, 20).join('\n  ')}`, {
      label: target,
      hint: 'Regenerate it with `par gen`.',
    });
  }
  return { label, modules };
}

export function readModuleIndex(file: string, label: string, target: string): WorkspaceIndex {
  return parseModuleIndex(readFileSync(file, 'utf8'), label, target);
}

/**
 * The targets that provide `module`: its own entry; else, for a namespace package, the
 * targets of the modules inside it; else the nearest enclosing module that has an entry
 * (`a.b.c` where a/b.py defines c, or where a whole package is missing from the closure).
 */
export function workspaceProviders(index: WorkspaceIndex, module: string): string[] {
  const sorted = (ls: Iterable<string>) => [...new Set(ls)].sort();
  const exact = index.modules.get(module);
  if (exact) return sorted(exact);
  const inside = new Set<string>();
  for (const [m, ls] of index.modules) if (m.startsWith(`${module}.`)) for (const l of ls) inside.add(l);
  if (inside.size) return sorted(inside);
  const parts = module.split('.');
  for (let k = parts.length - 1; k >= 1; k--) {
    const hit = index.modules.get(parts.slice(0, k).join('.'));
    if (hit) return sorted(hit);
  }
  return [];
}
