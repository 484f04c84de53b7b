// `par gen`: keeps python_library targets in step with the code. One library per directory
// of Python sources (named after the directory), one python_test per test file (test_*.py,
// *_test.py, named after the file), deps from the imports of their sources
// resolved through a repository-wide module index. Hand-written targets own their files
// and keep their shape; gen only rewrites srcs/deps of python_library targets without
// `# keep`, and never drops a dep it does not understand (wheels, other repositories).
// Binaries and tests (python_binary, python_test, and their native py_ cousins) get the deps
// their srcs and entry point import added; gen never removes one of theirs.
// Import cycles between new directory targets are merged into one target at their common
// ancestor (Bazel forbids cycles); cycles through existing targets are reported.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, posix, resolve } from 'node:path';
import fg from 'fast-glob';
import { alg, Graph } from 'graphlib';
import { ModuleIndex, moduleOf, moduleParts, normalizeRoots } from '../graph/module-index';
import { extractImports, PythonSyntaxError } from '../graph/python-imports';
import { absoluteModule, packageOf } from '../graph/resolve';
import { decodePythonSource } from '../graph/source-encoding';
import { INDEX_FILE, renderModuleIndex } from '../graph/workspace-index';
import { applyEdits, compareLabels, parseBuildFile, renderList, type Edit, type ListItem, type RuleCall } from './build-file';

export const DEFS = '@rules_par//rules:defs.bzl';
const OWNING_KINDS = new Set(['python_library', 'python_binary', 'python_test', 'py_library', 'py_binary', 'py_test']);
// Kinds whose deps gen completes from their imports without touching srcs or removing deps:
// hand-written binaries and tests (a test gen creates itself is managed like a library).
const COMPLETED_KINDS = new Set(['python_binary', 'python_test', 'py_binary', 'py_test']);
type Kind = 'python_library' | 'python_test';
const isTestFile = (f: string) => /^test_.*\.py$|_test\.py$/.test(posix.basename(f));
const IGNORE = ['**/bazel-*/**', 'bazel-*/**', '**/node_modules/**', '**/.*/**', '**/__pycache__/**'];

export interface GenOptions {
  workspace: string;
  /** Directories (workspace-relative) whose BUILD files gen may write; default: all. */
  paths?: string[];
  check?: boolean;
  /** Third-party top-level modules -> the label providing them (par_wheels hubs: @pypi//requests). */
  thirdParty?: Map<string, string>;
}

export interface GenResult {
  /** BUILD files (workspace-relative) whose content changes (written unless check). */
  changed: string[];
  /** Import cycles between targets, each as a label path that returns to its start. */
  cycles: { path: string[]; merged: string | null }[];
  /** Files gen could not scan. */
  warnings: string[];
}

interface Target {
  kind: Kind;
  label: string;
  pkg: string;
  name: string;
  srcs: Set<string>; // workspace-relative paths
  existing?: { file: string; call: RuleCall };
  managed: boolean; // gen writes its srcs/deps
  /** A binary or test: gen adds the deps its imports need to these hand-written ones. */
  completed?: Set<string>;
  /** The module its entry_point names (python_binary), a dep of its own. */
  entryModule?: string;
  deps: Set<string>;
}

const posixRel = (p: string) => p.split('\\').join('/');
const pkgOf = (dir: string) => (dir === '.' ? '' : dir);

export function labelFor(pkg: string, name: string): string {
  return pkg && basename(pkg) === name ? `//${pkg}` : `//${pkg}:${name}`;
}

function shortLabel(label: string, fromPkg: string): string {
  const m = /^\/\/([^:]*)(?::(.*))?$/.exec(label);
  if (!m) return label;
  const pkg = m[1];
  const name = m[2] ?? basename(pkg);
  return pkg === fromPkg ? `:${name}` : label;
}

function canonical(label: string, fromPkg: string): string {
  if (label.startsWith(':')) return labelFor(fromPkg, label.slice(1));
  const m = /^\/\/([^:]*)(?::(.*))?$/.exec(label);
  if (!m) return label;
  return labelFor(m[1], m[2] ?? basename(m[1]));
}

export function gen(opts: GenOptions): GenResult {
  const ws = resolve(opts.workspace);
  const pyFiles = fg.sync('**/*.py', { cwd: ws, ignore: IGNORE, dot: false }).map(posixRel).sort();
  const buildFiles = fg.sync(['**/BUILD', '**/BUILD.bazel'], { cwd: ws, ignore: IGNORE }).map(posixRel).sort();
  const warnings: string[] = [];

  // 1. Existing targets and the files they own.
  const targets = new Map<string, Target>();
  const owner = new Map<string, string>();
  // Import roots the BUILD files declare (`imports = ["src"]`): a file under one is imported
  // by its path below it, as the rules put it on sys.path.
  const roots = new Set<string>();
  const buildText = new Map<string, string>();
  const buildOfPkg = new Map<string, string>();
  for (const bf of buildFiles) {
    const pkg = pkgOf(posix.dirname(bf));
    if (buildOfPkg.has(pkg)) continue; // BUILD and BUILD.bazel: Bazel reads BUILD.bazel; both sort after
    const text = readFileSync(join(ws, bf), 'utf8');
    buildText.set(bf, text);
    buildOfPkg.set(pkg, bf);
    for (const call of parseBuildFile(text)) {
      if (!OWNING_KINDS.has(call.kind) || !call.name) continue;
      for (const r of call.attrs.get('imports')?.items ?? []) {
        const root = posix.normalize(posix.join(pkg, r.value)).replace(/^\.$/, '').replace(/\/$/, '');
        if (!root.startsWith('..')) roots.add(root);
      }
      const label = labelFor(pkg, call.name);
      const srcsAttr = call.attrs.get('srcs');
      const srcs = new Set((srcsAttr?.items ?? []).map((i) => posix.join(pkg, i.value)));
      for (const s of srcs) if (!owner.has(s)) owner.set(s, label);
      const managed = call.kind === 'python_library' && !call.keep && (srcsAttr === undefined || (srcsAttr.items !== null && !srcsAttr.keep));
      const depsAttr = call.attrs.get('deps');
      const deps = new Set((depsAttr?.items ?? []).map((d) => canonical(d.value, pkg)));
      const kind: Kind = call.kind === 'python_test' ? 'python_test' : 'python_library';
      const t: Target = { kind, label, pkg, name: call.name, srcs, existing: { file: bf, call }, managed, deps };
      if (COMPLETED_KINDS.has(call.kind) && !call.keep && !depsAttr?.keep && depsAttr?.items !== null) {
        t.completed = new Set(deps);
        t.entryModule = call.attrs.get('entry_point')?.string?.split(':')[0];
      }
      targets.set(label, t);
    }
  }

  // 2. Files nobody owns join their directory's library (or a merged ancestor's); a test
  // file gets a python_test of its own.
  const pkgAbove = (dir: string): string | undefined => {
    for (let d = dir; ; d = pkgOf(posix.dirname(d))) {
      if (buildOfPkg.has(d)) return d;
      if (d === '') return undefined;
    }
  };
  for (const f of pyFiles) {
    if (owner.has(f)) continue;
    const dir = pkgOf(posix.dirname(f));
    // A managed target of the enclosing package that already owns files of this directory
    // (a merged cycle) takes new files there, so no BUILD file splits its package.
    const above = pkgAbove(dir);
    let label: string | undefined;
    if (isTestFile(f)) {
      const name = posix.basename(f, '.py');
      label = labelFor(dir, name);
      if (!targets.has(label)) targets.set(label, { kind: 'python_test', label, pkg: dir, name, srcs: new Set(), managed: true, deps: new Set() });
    } else if (above !== undefined && above !== dir) {
      label = [...targets.values()].find((t) => t.pkg === above && t.managed && [...t.srcs].some((s) => pkgOf(posix.dirname(s)) === dir))?.label;
    }
    if (!label) {
      const name = dir ? basename(dir) : 'root';
      label = labelFor(dir, name);
      if (!targets.has(label)) targets.set(label, { kind: 'python_library', label, pkg: dir, name, srcs: new Set(), managed: true, deps: new Set() });
    }
    const t = targets.get(label)!;
    if (!t.managed) continue;
    t.srcs.add(f);
    owner.set(f, label);
  }
  // Managed targets lose srcs that no longer exist.
  const existingFiles = new Set(pyFiles);
  for (const t of targets.values()) if (t.managed) for (const s of [...t.srcs]) if (!existingFiles.has(s) && s.endsWith('.py')) t.srcs.delete(s);

  // 3. Deps from imports through the repository-wide index.
  const index = new ModuleIndex(pyFiles, roots);
  const rootList = normalizeRoots(roots);
  const importsOf = new Map<string, string[]>(); // file -> paths of the files providing its imports
  const externalOf = new Map<string, Set<string>>(); // file -> third-party labels it imports
  for (const f of pyFiles) {
    let imports;
    try {
      imports = extractImports(decodePythonSource(readFileSync(join(ws, f))));
    } catch (e) {
      if (!(e instanceof PythonSyntaxError)) throw e;
      warnings.push(`${f}: not scanned: ${e.message}`);
      continue;
    }
    const mod = moduleOf(f, rootList) ?? f.slice(0, -3).replace(/\/__init__$/, '').split('/').join('.');
    const pkg = packageOf(mod, f.endsWith('__init__.py'));
    const needed = new Set<string>();
    for (const imp of imports) {
      if (imp.typeOnly) continue;
      const abs = absoluteModule(imp, pkg);
      if (abs === null || (imp.kind === 'dynamic' && imp.module.startsWith('.'))) continue;
      const names = imp.kind === 'from' ? (imp.names ?? []).map((n) => (n === '*' ? abs : `${abs}.${n}`)) : [abs];
      for (const n of names) {
        const path = providerPath(index, n) ?? (imp.kind === 'from' ? providerPath(index, abs) : undefined);
        if (path) needed.add(path);
        else {
          const ext = index.hasTop(n) ? undefined : opts.thirdParty?.get(n.split('.')[0]);
          if (ext) externalOf.set(f, (externalOf.get(f) ?? new Set()).add(ext));
        }
      }
    }
    importsOf.set(f, [...needed]);
  }
  const computeDeps = () => {
    for (const t of targets.values()) {
      if (!t.managed && !t.completed) continue;
      const d = new Set<string>(t.completed);
      const provided = [...t.srcs].flatMap((s) => importsOf.get(s) ?? []);
      const entry = t.entryModule ? providerPath(index, t.entryModule) : undefined;
      for (const p of entry ? [...provided, entry] : provided) {
        const o = owner.get(p);
        if (o && o !== t.label) d.add(o);
      }
      for (const s of t.srcs) for (const ext of externalOf.get(s) ?? []) d.add(ext);
      t.deps = d;
    }
  };
  computeDeps();

  // 4. Cycles: merge new directory targets, report the rest.
  const cycles: GenResult['cycles'] = [];
  for (let round = 0; round < 1000; round++) {
    const g = graphOf(targets);
    const sccs = alg.findCycles(g).map((c) => c.sort());
    if (sccs.length === 0) break;
    const mergeable = sccs.find((c) => c.every((l) => !targets.get(l)!.existing));
    if (!mergeable) {
      for (const c of sccs.sort((a, b) => (a[0] < b[0] ? -1 : 1))) cycles.push({ path: cyclePath(g, c), merged: null });
      break;
    }
    const into = mergeInto(mergeable, targets, buildOfPkg);
    for (const s of targets.get(into)!.srcs) owner.set(s, into);
    cycles.push({ path: cyclePath(g, mergeable), merged: into });
    computeDeps();
  }

  // 5. The workspace's module index, kept when the workspace has one (imports_check names the
  // target to add from it): every module a target's file provides, through every root.
  const changed: string[] = [];
  if (existsSync(join(ws, INDEX_FILE))) {
    const pairs: [string, string][] = [];
    for (const f of pyFiles) {
      const label = owner.get(f);
      for (const r of label ? rootList : []) {
        const parts = moduleParts(f, r);
        if (parts) pairs.push([parts.join('.'), label!]);
      }
    }
    const text = renderModuleIndex(pairs);
    if (readFileSync(join(ws, INDEX_FILE), 'utf8') !== text) {
      changed.push(INDEX_FILE);
      if (!opts.check) writeFileSync(join(ws, INDEX_FILE), text);
    }
  }

  // 6. Render BUILD files.
  const byPkg = new Map<string, Target[]>();
  for (const t of targets.values()) if (t.managed || t.completed) byPkg.set(t.pkg, [...(byPkg.get(t.pkg) ?? []), t]);
  const allowed = (pkg: string) => !opts.paths || opts.paths.some((p) => p === '' || p === '.' || pkg === p || pkg.startsWith(p + '/'));
  for (const [pkg, ts] of [...byPkg].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (!allowed(pkg)) continue;
    const bf = buildOfPkg.get(pkg) ?? posix.join(pkg, 'BUILD.bazel');
    const before = buildText.get(bf) ?? '';
    const after = renderPackage(before, pkg, ts, targets);
    if (after !== before) {
      changed.push(bf);
      if (!opts.check) writeFileSync(join(ws, bf), after);
    }
  }
  return { changed, cycles, warnings };
}

/** Path of the file that provides module `name` (module file or package __init__), if any. */
function providerPath(index: ModuleIndex, name: string): string | undefined {
  const r = index.resolve(name);
  return r?.entry.path;
}

function graphOf(targets: Map<string, Target>): Graph {
  const g = new Graph({ directed: true });
  for (const t of targets.values()) g.setNode(t.label);
  for (const t of targets.values()) for (const d of t.deps) if (targets.has(d) && d !== t.label) g.setEdge(t.label, d);
  return g;
}

/** A shortest cycle through the first (smallest) label of a strongly connected component. */
export function cyclePath(g: Graph, scc: string[]): string[] {
  const start = scc[0];
  const inScc = new Set(scc);
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of (g.successors(v) ?? []).sort()) {
      if (!inScc.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)!) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Merges new targets of a cycle into one at their common ancestor directory; returns its label. */
function mergeInto(scc: string[], targets: Map<string, Target>, buildOfPkg: Map<string, string>): string {
  const dirs = scc.map((l) => targets.get(l)!.pkg);
  let common = dirs[0].split('/');
  for (const d of dirs.slice(1)) {
    const p = d.split('/');
    let k = 0;
    while (k < common.length && k < p.length && common[k] === p[k]) k++;
    common = common.slice(0, k);
  }
  const root = common.join('/');
  // Every new target in a directory between the ancestor and a member joins too: a BUILD
  // file there would cut the merged target's package.
  const between = (pkg: string) => dirs.some((d) => (root === '' || pkg === root || pkg.startsWith(root + '/')) && (d === pkg || d.startsWith(pkg + '/')));
  const members = [...targets.values()].filter((t) => !t.existing && t.managed && (scc.includes(t.label) || (between(t.pkg) && t.kind === 'python_library')));
  const name = root ? basename(root) : 'root';
  const label = labelFor(root, name);
  const merged: Target = targets.get(label) && !targets.get(label)!.existing
    ? targets.get(label)!
    : { kind: 'python_library', label, pkg: root, name, srcs: new Set(), managed: true, deps: new Set() };
  for (const m of members) {
    for (const s of m.srcs) merged.srcs.add(s);
    if (m.label !== label) targets.delete(m.label);
  }
  targets.set(label, merged);
  // Rewrite references to the merged targets.
  const gone = new Set(members.map((m) => m.label));
  for (const t of targets.values()) for (const d of [...t.deps]) if (gone.has(d) && d !== label) {
    t.deps.delete(d);
    t.deps.add(label);
  }
  void buildOfPkg;
  return label;
}

function renderPackage(before: string, pkg: string, ts: Target[], all: Map<string, Target>): string {
  const edits: Edit[] = [];
  const appended: string[] = [];
  const newKinds = new Set<Kind>();
  const known = new Set(all.keys());
  for (const t of ts.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const srcs: ListItem[] = [...t.srcs].map((s) => ({ value: posix.relative(pkg, s), keep: false })).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const call = t.existing?.call;
    const oldDeps = call?.attrs.get('deps');
    const deps = new Map<string, ListItem>();
    for (const d of t.deps) deps.set(d, { value: shortLabel(d, pkg), keep: false });
    // Deps gen does not manage survive: `# keep` entries and labels that are no python targets it knows.
    for (const it of oldDeps?.items ?? []) {
      const c = canonical(it.value, pkg);
      if (it.keep || !known.has(c)) deps.set(c, { value: it.value, keep: it.keep });
    }
    const depItems = [...deps.values()].sort((a, b) => compareLabels(a.value, b.value));
    if (!call) {
      // Buildifier's argument order: name, srcs, (others), deps.
      // Tests are leaves: nothing depends on them, so they keep the default visibility.
      const lines = [`${t.kind}(`, `    name = ${JSON.stringify(t.name)},`, `    srcs = ${renderList(srcs)},`];
      if (t.kind === 'python_library') lines.push(`    visibility = ["//visibility:public"],`);
      newKinds.add(t.kind);
      if (depItems.length) lines.push(`    deps = ${renderList(depItems)},`);
      lines.push(`)`);
      appended.push(lines.join('\n'));
      continue;
    }
    const srcsAttr = call.attrs.get('srcs');
    if (srcsAttr && t.managed) edits.push({ start: srcsAttr.start, end: srcsAttr.end, text: renderList(srcs) });
    if (oldDeps) {
      if (!oldDeps.keep && oldDeps.items !== null) edits.push({ start: oldDeps.start, end: oldDeps.end, text: renderList(depItems) });
    } else if (depItems.length) {
      // deps sorts after the usual attributes: insert it as the last argument when the call
      // ends with `)` on its own line, else right after srcs.
      const closeLine = before.lastIndexOf('\n', call.end - 1) + 1;
      const anchor = srcsAttr ?? call.attrs.get('name')!;
      const at = /^\s*\)$/.test(before.slice(closeLine, call.end)) ? closeLine : before.indexOf('\n', anchor.end) + 1;
      edits.push({ start: at, end: at, text: `    deps = ${renderList(depItems)},\n` });
    }
  }
  let text = applyEdits(before, edits);
  if (appended.length) {
    for (const kind of [...newKinds].sort()) text = ensureLoad(text, kind);
    text = text.replace(/\n*$/, '') + (text.trim() ? '\n\n' : '') + appended.join('\n\n') + '\n';
  }
  return text;
}

/** Adds `kind` to the file's load of defs.bzl, or a load statement at the top. */
function ensureLoad(text: string, kind: Kind): string {
  const re = /load\(\s*("[^"]*defs\.bzl")((?:\s*,\s*"[^"]*")*)\s*,?\s*\)/;
  const m = re.exec(text);
  if (m) {
    const syms = [...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]);
    if (syms.includes(kind)) return text;
    const all = [...syms, kind].sort();
    return text.slice(0, m.index) + `load(${m[1]}, ${all.map((s) => JSON.stringify(s)).join(', ')})` + text.slice(m.index + m[0].length);
  }
  const load = `load("${DEFS}", "${kind}")\n`;
  if (!text.trim()) return load;
  // After leading comments (a file header), before the first statement.
  const lines = text.split('\n');
  let k = 0;
  while (k < lines.length && /^\s*#/.test(lines[k])) k++;
  return [...lines.slice(0, k), ...(k ? [''] : []), load.trimEnd(), '', ...lines.slice(k)].join('\n').replace(/\n{3,}/g, '\n\n');
}

export function describeCycles(r: GenResult): string[] {
  return r.cycles.map((c) =>
    c.merged
      ? `import cycle ${c.path.join(' -> ')}: merged into ${c.merged} (Bazel targets cannot form cycles)`
      : `import cycle ${c.path.join(' -> ')}: break it in the code or merge these targets by hand`,
  );
}


