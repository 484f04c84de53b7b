// Which Python modules a set of source files provides, given the import roots they are
// seen through (the archive root '' is always one). Shared by the build-time check
// (closure of one target) and `par gen` (the whole repository).

export type ModuleKind = 'module' | 'package' | 'namespace';

export interface ModuleEntry {
  kind: ModuleKind;
  /** Repository-relative path of the file: x.py or x/__init__.py; absent for namespace packages. */
  path?: string;
}

/** Sorted import roots, deepest first, with '' (the root) last. */
export function normalizeRoots(roots: Iterable<string>): string[] {
  const set = new Set<string>(['']);
  for (const r of roots) set.add(r.replace(/^\/+|\/+$/g, ''));
  return [...set].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

// An extension module: name.so, or with CPython's tag (name.cpython-311-x86_64-linux-gnu.so,
// name.abi3.so), or name.pyd. Its module name is what comes before the first dot.
const EXTENSION = /^([^./]+)(\.[^/]*)?\.(so|pyd)$/;

/** 'a/b/c.py' (or an extension module 'a/b/c.cpython-311-x86_64-linux-gnu.so') under root 'a' -> ['b', 'c']; null when the path is not under the root or not a module path. */
export function moduleParts(path: string, root: string): string[] | null {
  if (root && !path.startsWith(root + '/')) return null;
  const full = root ? path.slice(root.length + 1) : path;
  const slash = full.lastIndexOf('/');
  const leaf = full.slice(slash + 1);
  let rel: string;
  if (leaf.endsWith('.py')) rel = full.slice(0, -3);
  else {
    const ext = EXTENSION.exec(leaf);
    if (!ext) return null;
    rel = full.slice(0, slash + 1) + ext[1];
  }
  const parts = rel.split('/');
  if (!parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return null;
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.length ? parts : null;
}

/** The dotted module a file is imported as (through the deepest root that contains it), or null. */
export function moduleOf(path: string, roots: string[]): string | null {
  for (const r of roots) {
    const parts = moduleParts(path, r);
    if (parts) return parts.join('.');
  }
  return null;
}

export class ModuleIndex {
  readonly modules = new Map<string, ModuleEntry>();

  constructor(paths: Iterable<string>, roots: Iterable<string> = []) {
    const rs = normalizeRoots(roots);
    for (const p of paths) {
      for (const r of rs) {
        const parts = moduleParts(p, r);
        if (!parts) continue;
        const isInit = p.endsWith('/__init__.py') || p === '__init__.py';
        this.add(parts.join('.'), { kind: isInit ? 'package' : 'module', path: p });
        for (let k = 1; k < parts.length; k++) this.add(parts.slice(0, k).join('.'), { kind: 'namespace' });
        if (isInit) for (let k = 1; k < parts.length; k++) this.add(parts.slice(0, k).join('.'), { kind: 'namespace' });
      }
    }
  }

  private add(name: string, e: ModuleEntry): void {
    const cur = this.modules.get(name);
    // A real file beats a namespace directory; the first file seen wins (deepest root first).
    if (!cur || (cur.kind === 'namespace' && e.kind !== 'namespace')) this.modules.set(name, e);
  }

  get(name: string): ModuleEntry | undefined {
    return this.modules.get(name);
  }

  hasTop(name: string): boolean {
    return this.modules.has(name.split('.')[0]);
  }

  /**
   * The entry `name` resolves to: the module itself, or the deepest prefix that is a plain
   * module file (`six.moves` resolves to six.py: the rest is attributes). undefined if none.
   */
  resolve(name: string): { name: string; entry: ModuleEntry } | undefined {
    const exact = this.modules.get(name);
    if (exact) return { name, entry: exact };
    const parts = name.split('.');
    for (let k = parts.length - 1; k >= 1; k--) {
      const prefix = parts.slice(0, k).join('.');
      const e = this.modules.get(prefix);
      if (e) return e.kind === 'module' ? { name: prefix, entry: e } : undefined;
    }
    return undefined;
  }
}
