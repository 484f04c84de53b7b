// Resolves the imports of one file against what is importable: first-party modules (a
// ModuleIndex), bundled wheels' top-level names and the standard library's top-level names.
import type { ModuleIndex } from './module-index';
import type { PythonImport } from './python-imports';

export interface Importable {
  firstParty: ModuleIndex;
  /** Top-level names of bundled distributions (numpy, six, _cffi_backend, ...). */
  wheels: Set<string>;
  /** Top-level names of the target Python's standard library. */
  stdlib: Set<string>;
}

/** The package a file's relative imports start from: a.b for a/b/x.py and for a/b/__init__.py. */
export function packageOf(fileModule: string, isInit: boolean): string {
  if (isInit) return fileModule;
  const i = fileModule.lastIndexOf('.');
  return i < 0 ? '' : fileModule.slice(0, i);
}

/** Absolute module of a (possibly relative) import, or null when the dots climb above the top. */
export function absoluteModule(imp: PythonImport, pkg: string): string | null {
  if (imp.level === 0) return imp.module;
  const parts = pkg ? pkg.split('.') : [];
  const base = parts.slice(0, parts.length - (imp.level - 1));
  if (imp.level - 1 >= parts.length || base.length === 0) return null; // no parent package
  return [...base, ...(imp.module ? [imp.module] : [])].join('.');
}

export type Resolution =
  | { status: 'first-party'; module: string; path?: string }
  | { status: 'wheel' | 'stdlib'; module: string }
  | { status: 'unresolved'; module: string; reason: 'relative-beyond-top' | 'missing' };

/**
 * Resolves one import. For `from M import n`: M.n as a submodule, else M itself when it is a
 * module file or a package with __init__.py (n is then taken to be an attribute).
 */
export function resolveImport(imp: PythonImport, pkg: string, env: Importable): Resolution[] {
  if (imp.kind === 'dynamic' && imp.module.startsWith('.')) return []; // needs the package argument
  const mod = absoluteModule(imp, pkg);
  if (mod === null) return [{ status: 'unresolved', module: '.'.repeat(imp.level) + imp.module, reason: 'relative-beyond-top' }];
  if (imp.kind !== 'from') return [resolveName(mod, env)];
  // `from M import n` where M itself is missing: one problem, named M.
  const base = resolveName(mod, env);
  if (base.status === 'unresolved') return [base];
  const out: Resolution[] = [];
  for (const n of imp.names ?? []) {
    if (n === '*') {
      out.push(resolveName(mod, env));
      continue;
    }
    const sub = resolveName(`${mod}.${n}`, env);
    if (sub.status !== 'unresolved') {
      out.push(sub);
      continue;
    }
    // Not a submodule: an attribute of M, if M is a module file or a package with __init__.py.
    const e = env.firstParty.get(mod);
    out.push(e && e.kind !== 'namespace' ? { status: 'first-party', module: mod, path: e.path } : sub);
  }
  return out;
}

export function resolveName(mod: string, env: Importable): Resolution {
  const top = mod.split('.')[0];
  if (env.firstParty.hasTop(mod)) {
    const r = env.firstParty.resolve(mod);
    if (r) return { status: 'first-party', module: r.name, path: r.entry.path };
    return { status: 'unresolved', module: mod, reason: 'missing' };
  }
  if (env.wheels.has(top)) return { status: 'wheel', module: mod };
  if (env.stdlib.has(top)) return { status: 'stdlib', module: mod };
  return { status: 'unresolved', module: mod, reason: 'missing' };
}
