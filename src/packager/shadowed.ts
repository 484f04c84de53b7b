// Shadowed modules: two providers in one binary (targets through their import roots, or a
// target and a bundled wheel) that give the same module. Only the one earlier on sys.path is
// ever imported, so the other target's code silently never runs. A packaging conflict, so
// it fails the pack whatever imports_check says; `allow_shadowed_modules` accepts a
// deliberate override (a patched copy of a wheel's package, say).
import { ParError } from '../common/errors';
import { moduleParts } from '../graph/module-index';
import type { WheelInfo } from '../archive/wheel-info';

/** One file (or namespace directory) that provides a module, seen through one sys.path entry. */
export interface Provision {
  module: string;
  /** 'file' for module files and regular packages (x.py, x/__init__.py, x.so); 'portion' for a namespace package directory. */
  kind: 'file' | 'portion';
  /** Index of its sys.path entry (the runtime order: lower wins). */
  entry: number;
  /** Its archive path (a directory ends in /); inside a wheel "<wheel file>!/<path>". */
  key: string;
  /** The target (or wheel) label. */
  owner: string;
}

export interface ShadowInput {
  label: string;
  /** The binary's sys.path entries inside the archive in runtime order; '' is the archive root. */
  roots: string[];
  /** Archive paths of the program's modules (.py sources, extension modules) with the target that lists each. */
  files: { path: string; owner: string }[];
  /** Bundled wheels, each at the sys.path entry `entry`. */
  wheels: { info: WheelInfo; entry: number }[];
  /** allow_shadowed_modules: these modules and their submodules may be shadowed. */
  allowed: string[];
}

/**
 * What `path` provides through sys.path entry `entry`: its module, and a namespace portion
 * per folder above it. `portions` holds the folders already given (by `entry\0key`): a
 * folder listed by its first file only is what the checks below keep anyway (they take
 * portions once per key), and a pack sees ~1,500 files in a few hundred folders.
 */
function provisions(path: string, root: string, entry: number, owner: string, portions: Set<string>, prefix = ''): Provision[] {
  const parts = moduleParts(path, root);
  if (!parts) return [];
  const out: Provision[] = [{ module: parts.join('.'), kind: 'file', entry, key: prefix + path, owner }];
  // Each folder between the root and the file is a package: a namespace portion unless an
  // __init__.py in it provides the package as a file (see the portion filter below).
  const rel = root ? path.slice(root.length + 1) : path;
  const dirs = rel.split('/').slice(0, -1);
  if (rel === '__init__.py' || rel.endsWith('/__init__.py')) dirs.pop();
  for (let k = dirs.length; k >= 1; k--) {
    const dir = [root, ...dirs.slice(0, k)].filter(Boolean).join('/');
    const key = `${prefix}${dir}/`;
    // Deepest first: once a folder was given, so were the ones above it.
    if (portions.has(`${entry}\0${key}`)) break;
    portions.add(`${entry}\0${key}`);
    out.push({ module: dirs.slice(0, k).join('.'), kind: 'portion', entry, key, owner });
  }
  return out;
}

// Within one sys.path entry Python's FileFinder tries a package directory first, then
// extension modules, then source files.
const rank = (p: Provision) => (p.key.endsWith('__init__.py') ? 0 : p.key.endsWith('.py') ? 2 : 1);

/** The shadowed modules: each group lists its providers, the one imported at run time first. */
export function findShadowed(input: ShadowInput): Provision[][] {
  const byModule = new Map<string, Provision[]>();
  const add = (p: Provision) => {
    const list = byModule.get(p.module);
    if (list) list.push(p);
    else byModule.set(p.module, [p]);
  };
  const portions = new Set<string>();
  input.roots.forEach((root, entry) => {
    for (const f of input.files) for (const p of provisions(f.path, root, entry, f.owner, portions)) add(p);
  });
  for (const w of input.wheels) {
    for (const e of w.info.entries) {
      const first = e.path.split('/')[0];
      if (first.endsWith('.dist-info') || first.endsWith('.data')) continue;
      for (const p of provisions(e.path, '', w.entry, w.info.label, portions, `${w.info.filename}!/`)) add(p);
    }
  }
  const allowed = (m: string) => input.allowed.some((a) => m === a || m.startsWith(`${a}.`));
  const groups: Provision[][] = [];
  for (const [module, list] of byModule) {
    if (allowed(module)) continue;
    // One wheel providing a module twice is its installed layout, not a conflict: mypyc-compiled
    // wheels (charset_normalizer, black) ship cd.py beside cd.cpython-311-x86_64-linux-gnu.so,
    // and Python imports the extension, as after pip install. Keep the one Python imports.
    const ranked = list.filter((p) => p.kind === 'file').sort((a, b) => a.entry - b.entry || rank(a) - rank(b));
    const files = uniqueBy(uniqueBy(ranked, (p) => p.key), (p) => (p.key.includes('!/') ? p.key.slice(0, p.key.indexOf('!/')) : `\0${p.key}`));
    if (files.length === 0) continue;
    // Two files for one module; or a module or regular package that hides a namespace
    // portion in another directory (a portion whose own directory holds the package's
    // __init__.py is that package).
    const portions = uniqueBy(list.filter((p) => p.kind === 'portion' && !files.some((f) => f.key.startsWith(p.key))), (p) => p.key);
    if (files.length + portions.length < 2) continue;
    files.sort((a, b) => a.entry - b.entry || rank(a) - rank(b));
    groups.push([...files, ...portions.sort((a, b) => a.entry - b.entry)]);
  }
  return groups.sort((a, b) => (a[0].module < b[0].module ? -1 : a[0].module > b[0].module ? 1 : 0));
}

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => !seen.has(key(x)) && (seen.add(key(x)), true));
}

const where = (p: Provision) => {
  const i = p.key.indexOf('!/');
  return i < 0 ? p.key : `${p.key.slice(i + 2)} in ${p.key.slice(0, i)}`;
};

/** Throws SHADOWED_MODULE naming each module, its providers (targets and files) and which one Python imports. */
export function checkShadowed(input: ShadowInput): void {
  const groups = findShadowed(input);
  if (groups.length === 0) return;
  const lines = groups.map((g) => {
    const [winner, ...rest] = g;
    const who = (p: Provision) => `${p.owner} (${where(p)})`;
    return `module ${winner.module}: ${who(winner)} is imported; ${rest.map(who).join(', ')} never ${rest.length > 1 ? 'are' : 'is'}`;
  });
  const n = groups.length;
  throw new ParError(
    'SHADOWED_MODULE',
    `${n} module${n > 1 ? 's are' : ' is'} provided twice in this binary, and Python imports only the first on sys.path:\n  ${lines.join('\n  ')}\n`,
    {
      label: input.label,
      hint: 'Rename or remove one of them (or drop the dep that brings it), or, if one deliberately overrides the other, list the module in allow_shadowed_modules.',
    },
  );
}
