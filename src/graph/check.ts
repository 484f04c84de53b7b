// The imports check of one target: every import of its own sources must resolve to a module
// of its closure, a bundled wheel or the standard library. Optional (ImportError-guarded)
// and type-only imports never fail the check.
import { readFileSync } from 'node:fs';
import { ModuleIndex, moduleOf, normalizeRoots } from './module-index';
import { extractImports, PythonSyntaxError, type PythonImport } from './python-imports';
import { packageOf, resolveImport, type Importable } from './resolve';
import { decodePythonSource } from './source-encoding';

export interface Unresolved {
  /** Repository-relative path of the importing file. */
  file: string;
  line: number;
  /** The module that no dep provides (absolute, dotted). */
  module: string;
  /** How the source spells it: `import a.b`, `from .x import y`, `importlib.import_module("a")`. */
  statement: string;
  reason: 'missing' | 'relative-beyond-top' | 'syntax';
}

export interface SourceFile {
  /** Where to read it now (exec path in an action). */
  read: string;
  /** Repository-relative path (archive path). */
  path: string;
}

export function spell(imp: PythonImport): string {
  if (imp.kind === 'dynamic') return `${imp.call}(${JSON.stringify(imp.module)})`;
  if (imp.kind === 'from') return `from ${'.'.repeat(imp.level)}${imp.module} import ${imp.names!.join(', ')}`;
  return `import ${imp.module}`;
}

/** Checks the sources against the importable set; returns the unresolved imports in file/line order. */
export function checkSources(sources: SourceFile[], roots: string[], env: Importable, read = (p: string) => readFileSync(p)): Unresolved[] {
  const rs = normalizeRoots(roots);
  const out: Unresolved[] = [];
  for (const src of [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    let imports: PythonImport[];
    try {
      imports = extractImports(decodePythonSource(read(src.read)));
    } catch (e) {
      if (!(e instanceof PythonSyntaxError)) throw e;
      out.push({ file: src.path, line: e.line ?? 0, module: '', statement: '', reason: 'syntax' });
      continue;
    }
    const mod = moduleOf(src.path, rs) ?? '';
    const pkg = packageOf(mod, src.path.endsWith('__init__.py'));
    for (const imp of imports) {
      if (imp.optional || imp.typeOnly || imp.versionGuarded) continue; // runs only sometimes: not required
      for (const r of resolveImport(imp, pkg, env)) {
        if (r.status === 'unresolved') out.push({ file: src.path, line: imp.line, module: r.module, statement: spell(imp), reason: r.reason });
      }
    }
  }
  return out;
}

export { ModuleIndex };
