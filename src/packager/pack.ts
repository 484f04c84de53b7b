// `pack`: manifest in, archive body out. Launcher preamble, then a deterministic zip spliced
// from the fragments of the bootstrap and of every library (sources and bytecode compiled
// once per target, fragment/), plus data, wheels, and __par__/_manifest.py with the build
// facts. Three steps: planPack (manifest, fragment indexes, wheels, entries, layout; every
// refusal), compilePack (hashes of the loose files, fingerprint, the little bytecode left to
// compile), writePack (the zip, renamed into place when whole).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { ParError } from '../common/errors';
import { compatibleMinors, NEWEST_MINOR, parseSpecifier, satisfies, SpecifierError } from '../common/specifier';
import { collectEntries, sha256File, type SourceEntry } from './entries';
import { fragmentPycName, type FragmentIndex } from './fragment/format';
import { beginPack, fragmentIndex } from './fragment/loaded';
import { fragmentSources, spliceFragment } from './fragment/splice';
import { checkShadowed } from './shadowed';
import { launcherPreamble, preferredInterpreter, searchOrder, writeSizeField } from './preamble';
import { readManifest, type FragmentRef, type Manifest } from './manifest';
import { compilePyc, syntaxErrorsFailure, type CompileItem } from './pyc';
import { pythonDataModule } from '../archive/python-literal';
import { scriptEntryPoint } from './script';
import { addWheelEntries, buildInfoWheels, groupDir, launchData, loadWheels, unpackedWheelDirs, wheelDir, wheelPaths } from './wheel/bundle';
import { compileWheels } from './wheel/bytecode';
import { readWheelBytecode } from './wheel/bytecode-bundle';
import { extractKey, nativeKey, nativePlan, programPycPath } from './extract-layout';
import { bootFiles } from './boot-files';
import { parseCentralDirectory, ZipWriter } from '../archive/zip';
import { BLOB_MODULES, LAUNCH_BLOB_ENTRY, MANIFEST_ENTRY } from '../archive/contract';
import { blobSupported, codesFromPycs, fastFieldAt, launchBlob, writeFastField } from '../archive/launch-blob';

export interface PackArgs {
  manifest: string;
  out: string;
  python: string;
  compiler: string;
}

/** Files below this size are read once into memory (hashed and compressed from the buffer). */
const SMALL = 1 << 20;
/**
 * Small files stay in memory between hashing and zipping up to this total; the others are
 * read again when zipped (from the page cache), so peak memory does not grow with the
 * input set: measured 278 MB RSS on a 300 MB input set before this bound, see
 * docs/PERFORMANCE.md "Build speed" for the figure after it.
 */
const CACHE_BUDGET = 32 << 20;
/** Files hashed at once: enough to keep the disk and the thread pool busy. */
const HASH_CONCURRENCY = 16;

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function pythonInfo(m: Manifest) {
  const { label, python } = m.header;
  try {
    const clauses = parseSpecifier(python);
    const minors = compatibleMinors(clauses);
    // A specifier only a future release meets (e.g. '>=3.99') still builds; the archive then
    // stops at launch with the contract message naming what it needs and what was tried.
    const future = () => Array.from({ length: 100 }, (_, i) => NEWEST_MINOR + 1 + i).some((minor) => satisfies(clauses, [3, minor, 0]));
    if (minors.length === 0 && !future()) {
      throw new SpecifierError(`no Python 3 release satisfies it`);
    }
    return { spec: python, clauses, minors };
  } catch (e) {
    if (e instanceof SpecifierError) {
      throw new ParError('BAD_SPECIFIER', `python = '${python}' is not a usable PEP 440 specifier: ${e.message}`, {
        label,
        hint: "Write e.g. python = '>=3.8' or '>=3.10,<3.14'.",
      });
    }
    throw e;
  }
}

/**
 * What pack decided before reading any file's content or starting a compiler: every refusal
 * that the manifest alone implies happens here, so a wrong attribute fails in milliseconds.
 */
export interface PackPlan {
  m: Manifest;
  py: ReturnType<typeof pythonInfo>;
  bundled: ReturnType<typeof loadWheels>;
  launcherScript: string;
  /** The interpreter the shebang names, which the launcher tries first. */
  first: string;
  entries: SourceEntry[];
  /** The bootstrap's fragment first, then the libraries' by owner: the order they are spliced in. */
  fragments: (FragmentRef & { index: FragmentIndex })[];
  /** Import roots: the archive root, the program's own, then each wheel's directory. */
  roots: string[];
  native: ReturnType<typeof nativePlan>;
  /** For the caller to print (Bazel shows them with the action, worker or not). */
  warnings: string[];
  /** The bootstrap files compiled to .pyc (boot-files.ts; `entries` holds those shipped). */
  bootCompiled: Set<string>;
  /** Bootstrap modules compiled for the launch blob whose .pyc the zip does not hold. */
  blobOnly: Set<string>;
}

export async function planPack(args: Pick<PackArgs, 'manifest'>): Promise<PackPlan> {
  const m = readManifest(args.manifest);
  const h = m.header;
  const py = pythonInfo(m);
  // Wheels: one version per distribution, Requires-Dist satisfied, and only the Pythons
  // their tags allow (the launcher then finds a fitting interpreter before Python starts).
  const bundled = loadWheels(m, py.spec, py.minors);
  py.minors = bundled.minors;
  const warnings = bundled.warnings.map((w) => `${h.label}: warning: ${w}`);
  const launcherFile = m.boot.find((b) => b.path === 'launcher.sh');
  if (!launcherFile) throw new ParError('MANIFEST_INVALID', 'the manifest lists no launcher.sh bootstrap file', { label: h.label });
  const launcherScript = await fsp.readFile(launcherFile.file, 'utf8');
  const first = preferredInterpreter(h.shebang, h.label);
  const boots = m.fragments.filter((f) => f.kind === 'boot');
  // The rules list the bootstrap as one fragment; a hand-written manifest may list its files instead.
  if (boots.length > 1) throw new ParError('MANIFEST_INVALID', `the manifest lists ${boots.length} bootstrap fragments; it takes one`, { label: h.label });
  const byOwner = (a: FragmentRef, b: FragmentRef) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.file < b.file ? -1 : 1);
  const fragments = [...boots, ...m.fragments.filter((f) => f.kind === 'src').sort(byOwner)].map((f) => ({ ...f, index: fragmentIndex(f.file, f.owner, h.label) }));
  const collected = await collectEntries(m, fragments.map((f) => ({ ...f, sources: f.index.sources })));
  const roots = ['', ...[...new Set(m.roots.filter((r) => r !== ''))].sort(), ...bundled.groups.map(groupDir)];
  const firstParty = roots.length - bundled.groups.length;
  checkShadowed({
    label: h.label,
    roots: roots.slice(0, firstParty),
    files: collected.filter((e) => e.kind !== 'boot').map((e) => ({ path: e.path, owner: m.owners.get(e.path) ?? e.owner })),
    wheels: bundled.groups.map((g, i) => ({ info: g[0], entry: firstParty + i })), // variants: one stands for all
    allowed: h.allow_shadowed_modules,
  });
  const native = nativePlan(h.layout, collected.filter((e) => e.kind !== 'boot').map((e) => e.path), roots);
  const boot = bootFiles(
    collected.filter((e) => e.kind === 'boot').map((e) => e.path),
    {
      test: !!h.test,
      launchWheels: launchData(bundled.groups).length > 0,
      native: !!native.modules,
      extract: native.layout === 'extract',
      localCopy: h.local_copy,
      blob: native.layout === 'zip' && blobSupported(h.build_python.version),
      bytecodeCache: bytecodeCacheOnBuild(h.compile, native.layout),
    },
  );
  const entries = collected.filter((e) => e.kind !== 'boot' || boot.shipped.has(e.path));
  // sources = False: the program's own .py stay out, their .pyc go in alone.
  if (!h.sources && (!h.compile || native.layout !== 'zip')) {
    const why = !h.compile
      ? 'compile = False leaves no bytecode to ship instead'
      : native.native
        ? `${native.native} is a shared object Python cannot load from a zip, so the binary runs unpacked, where Python wants the sources`
        : 'layout = "extract" runs the binary unpacked, where Python wants the sources';
    throw new ParError('MANIFEST_INVALID', `sources = False cannot be honoured: ${why}`, { label: h.label, hint: 'Keep sources = True for this binary.' });
  }
  return { m, py, bundled, launcherScript, first, entries, fragments, roots, native, warnings, bootCompiled: boot.compiled, blobOnly: boot.blobOnly };
}

/** compile = False ships no program .pyc: a small archive whose modules the build interpreter
 * compiles at the first launch into the per-user bytecode cache, as other minors do. Not for
 * layout = "extract" (it imports unpacked files, not through zipimport's hook). */
function bytecodeCacheOnBuild(compile: boolean, layout: string): boolean {
  return !compile && layout === 'zip';
}

/** What compilePack made: the preamble, and the archive's contents that are not plain files. */
interface Compiled {
  preamble: Buffer;
  /** Small files read while hashing, by archive path (the others are streamed when zipped). */
  contents: Map<string, Buffer>;
  /** Made here: the manifest module, the .pyc of sources no usable fragment compiled. */
  extra: Map<string, Buffer>;
  /** Fragments whose bytecode this binary uses (made for its interpreter). */
  usable: Set<number>;
  /** The .pyc compiled here (manifest module, loose sources), by archive name, once the compiler answers. */
  compiledNames: string[];
  compiling: Promise<Map<string, Buffer>>;
}

/** Hashes the inputs (the fingerprint), writes the manifest module and compiles the bytecode. */
async function compilePack(plan: PackPlan, args: PackArgs): Promise<Compiled> {
  const { m, py, bundled, entries, roots, native } = plan;
  const h = m.header;
  const layout = native.layout;
  const contents = new Map<string, Buffer>();
  const digests = new Map<string, string>();
  let cached = 0;
  for (const e of entries) if (e.sha256 !== undefined) digests.set(e.path, e.sha256); // from fragment indexes
  await forEachLimit(entries.filter((e) => e.sha256 === undefined), HASH_CONCURRENCY, async (e) => {
    const st = await fsp.stat(e.file);
    if (st.size < SMALL) {
      const b = await fsp.readFile(e.file);
      digests.set(e.path, createHash('sha256').update(b).digest('hex'));
      if (cached + b.length <= CACHE_BUDGET) {
        contents.set(e.path, b);
        cached += b.length;
      }
    } else {
      digests.set(e.path, await sha256File(e.file));
    }
  });

  // The fingerprint identifies the code: every shipped path with its content hash.
  const fp = createHash('sha256');
  for (const e of entries) if (e.kind !== 'boot') fp.update(`${e.path}\0${digests.get(e.path)}\n`);
  for (const wh of bundled.wheels) fp.update(`${wheelDir(wh)}/\0${wh.sha256}\n`);
  const fingerprint = fp.digest('hex');
  const preamble = launcherPreamble(plan.launcherScript, {
    first: plan.first,
    minors: searchOrder(py.minors, h.build_python.version),
    spec: py.spec,
    label: h.label,
    // Keys the bytecode cache of other interpreters (src/bootstrap/__par__/_bytecode.py).
    bytecode: { build: h.build_python.version.split('.').slice(0, 2).join('.'), tag: h.build_python.cache_tag, fingerprint },
    fast: blobSupported(h.build_python.version),
  });

  const prebuilt = new Map<string, Map<string, Buffer>>();
  for (const ref of m.wheels) {
    const pycs = ref.bytecode ? readWheelBytecode(ref.bytecode, ref.label, h.build_python.cache_tag) : undefined;
    if (pycs) prebuilt.set(ref.variant ? `${ref.label} ${basename(ref.file)}` : ref.label, pycs); // wheelId
  }
  const wheelPyc = await compileWheels(bundled, h, args.python, args.compiler, wheelDir, layout === 'extract', prebuilt);
  const nativeWheels = launchData(bundled.groups, wheelPyc.digests);
  const entryPoint = h.script !== null ? scriptEntryPoint(h.label, h.script, bundled.groups.map((g) => g[0])) : h.entry_point;
  const entry = entryPoint ? { entry_point: entryPoint } : { module: h.main_module, path: h.main };
  const manifestModule = pythonDataModule(`Build facts of ${h.label}.`, {
    label: h.label,
    entry,
    python: py,
    roots,
    fingerprint,
    ...(h.local_copy ? { local_copy: true } : {}), // the launcher runs it from a copy in the cache
    // compile = False: no .pyc of the program; the build interpreter too caches what it compiles (_bytecode.py)
    ...(bytecodeCacheOnBuild(h.compile, layout) ? { bytecode_cache: true } : {}),
    ...(h.test ? { test: h.test } : {}), // python_test: read by __par__/_testrunner.py
    // extension modules of the program's own, unpacked at launch (__par__/_native.py)
    ...(native.modules ? { native: { key: nativeKey(native.modules, digests), modules: native.modules } } : {}),
    ...(nativeWheels.length ? { wheels: nativeWheels } : {}), // checked and extracted at launch (_wheels.py)
    // layout = "extract": unpacked once into the cache under this key (_extract.py)
    ...(layout === 'extract' ? { extract: { key: extractKey(fingerprint, h, wheelPyc.digests) } } : {}),
    build_info: {
      label: h.label,
      revision: null,
      dirty: null,
      branch: null,
      stamped: false,
      timestamp: null,
      python: h.python,
      build_python: h.build_python.version,
      fingerprint,
      wheels: buildInfoWheels(bundled.wheels),
    },
  });
  const extra = new Map<string, Buffer>([[MANIFEST_ENTRY, Buffer.from(manifestModule, 'utf8')]]);
  // Bytecode for the launcher (always: it runs on every start) and for the program (compile =
  // True): from the fragments, which compiled it once per target; here only for the manifest
  // module, loose sources, and fragments made for another interpreter than this binary's.
  // Of the bootstrap, only what boot-files.ts says is compiled.
  const byPath = new Map(entries.map((e) => [e.path, e] as [string, SourceEntry]));
  const wanted = (kind: SourceEntry['kind'], path: string) => (kind === 'boot' ? plan.bootCompiled.has(path) : kind === 'src' && h.compile);
  const errors = plan.fragments.flatMap((f) => (f.kind === 'boot' || h.compile ? f.index.errors : []));
  if (errors.length) throw syntaxErrorsFailure(h.label, errors);
  const usable = new Set<number>();
  const toCompile: CompileItem[] = [];
  plan.fragments.forEach((f, i) => {
    if (f.index.cache_tag === h.build_python.cache_tag) usable.add(i);
    else {
      for (const [path, source] of fragmentSources(f.file, f.index, f.owner, h.label)) {
        if (byPath.get(path)?.fragment === i && wanted(f.kind, path)) toCompile.push({ source_b64: source.toString('base64'), dfile: path });
      }
    }
  });
  for (const e of entries) if (e.fragment === undefined && e.path.endsWith('.py') && wanted(e.kind, e.path)) toCompile.push({ src: e.file, dfile: e.path });
  toCompile.push({ source: manifestModule, dfile: MANIFEST_ENTRY });
  // Not awaited here: the interpreter compiles while writePack splices the fragments (in a
  // warm worker the round trip to the compiler was ~1/3 of a 115-library binary's pack).
  const compiledNames = toCompile.map((c) => programPycPath(c.dfile, layout, h.build_python.cache_tag));
  const compiling = compilePyc(args.python, args.compiler, toCompile, h.label).then((pycs) => new Map(compiledNames.map((n, i) => [n, pycs[i]])));
  compiling.catch(() => undefined); // writePack awaits it; this keeps a write failed first from leaving it unhandled
  for (const [path, pyc] of wheelPyc.files) extra.set(path, pyc); // beside the raw-copied wheel entries
  return { preamble, contents, extra, usable, compiledNames, compiling };
}

/**
 * Writes the zip beside `out` and renames it into place: never a half-written output. Order:
 * each fragment's entries as spliced (the bootstrap's, then by owner), then directories and
 * the files made or read here (sorted), then the wheels, then the launch blob.
 */
async function writePack(plan: PackPlan, compiled: Compiled, out: string): Promise<void> {
  const { m, bundled, entries, fragments } = plan;
  const { preamble, contents, extra, usable, compiledNames } = compiled;
  const h = m.header;
  const layout = plan.native.layout;
  const tag = h.build_python.cache_tag;
  const fromWheels = new Set(wheelPaths(bundled));
  const shipSource = (e: SourceEntry) => h.sources || !(e.kind === 'src' && e.path.endsWith('.py'));
  const byPath = new Map(entries.map((e) => [e.path, e] as [string, SourceEntry]));
  // Bytecode of the launch blob's modules: compiled for the blob, left out of the zip (boot-files.ts).
  const blobOnly = new Set([...plan.blobOnly].map((p) => programPycPath(p, layout, tag)));
  // What each fragment contributes, by archive name: its sources that no earlier provider
  // of the same path shipped, and their .pyc where this binary wants bytecode from it.
  const own = (i: number, path: string) => byPath.get(path)?.fragment === i;
  const spliced = fragments.map((f, i) => ({
    sourceName: (path: string) => (own(i, path) && shipSource(byPath.get(path)!) ? path : null),
    pycName: (path: string) =>
      own(i, path) && usable.has(i) && (f.kind === 'boot' ? plan.bootCompiled.has(path) : h.compile) ? (f.kind === 'boot' ? fragmentPycName(path) : programPycPath(path, layout, tag)) : null,
  }));
  const names: string[] = [];
  fragments.forEach((f, i) => {
    for (const [path, , compiled] of f.index.sources) {
      const src = spliced[i].sourceName(path);
      if (src !== null) names.push(src);
      const pyc = compiled ? spliced[i].pycName(path) : null;
      if (pyc !== null && !blobOnly.has(pyc)) names.push(pyc);
    }
  });
  const loose = entries.filter((e) => e.fragment === undefined && shipSource(e)).map((e) => e.path);
  const made = [...extra.keys(), ...compiledNames].filter((p) => !blobOnly.has(p));
  // Wheels unpacked at launch are read from the zip by name only (bundle.ts unpackedWheelDirs).
  const unpacked = unpackedWheelDirs(bundled, layout);
  const imported = (name: string) => !unpacked.some((d) => name.startsWith(d));
  const files = [...names, ...loose, ...made, ...fromWheels].filter(imported);
  // zipimport finds a package (namespace packages included) only through its directory
  // entry: list every parent folder, as `zip -r` does (numpy's 124 would be 22.8 KB).
  const dirs = new Set<string>();
  for (const f of files) for (let i = f.indexOf('/'); i !== -1; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i + 1));
  const here = [...new Set([...loose, ...made, ...dirs])].sort();
  await ZipWriter.writeInPlace(out, preamble, async (w, tmp) => {
    const compress = h.compression === 'deflate';
    const level = h.compression_level;
    const blobPycs = new Set(BLOB_MODULES.map((p) => programPycPath(p, layout, tag)));
    const kept = new Map<string, Buffer>();
    for (const [i, f] of fragments.entries()) {
      const got = await spliceFragment(w, f.file, f.index, { compress, level, ...spliced[i], keep: blobPycs, omit: blobOnly, label: h.label, owner: f.owner });
      for (const [k, v] of got) kept.set(k, v);
    }
    for (const [name, pyc] of await compiled.compiling) extra.set(name, pyc);
    const adds: Promise<void>[] = [];
    for (const name of here) {
      const buf = extra.get(name) ?? contents.get(name);
      if (dirs.has(name)) adds.push(w.addFile(name, Buffer.alloc(0), { compress: false }));
      else if (buf) adds.push(w.addFile(name, buf, { compress, level }));
      else adds.push(w.addFileFromPath(name, byPath.get(name)!.file, { compress, level }));
    }
    await Promise.all(adds);
    await addWheelEntries(w, bundled, compress);
    const fastAt = fastFieldAt(preamble);
    if (fastAt >= 0) {
      // Last, so that it can list every other entry; stored, so the launcher reads it as is.
      const { directory, next } = await w.written();
      const codes = codesFromPycs(BLOB_MODULES.map((p) => {
        const name = programPycPath(p, layout, tag);
        const pyc = extra.get(name) ?? kept.get(name);
        if (!pyc) throw new ParError('MANIFEST_INVALID', `the bootstrap's fragment has no bytecode for ${p}`, { label: h.label, hint: 'Rebuild @rules_par//src/bootstrap:fragment.' });
        return pyc;
      }));
      const blob = launchBlob(codes, parseCentralDirectory(tmp, directory, 0), imported);
      await w.addFile(LAUNCH_BLOB_ENTRY, blob, { compress: false });
      await w.finish();
      writeFastField(tmp, fastAt, next, blob.length);
    } else {
      await w.finish();
    }
    writeSizeField(tmp);
    await fsp.chmod(tmp, 0o755);
  });
}

/** plan (refusals first) -> compile (hashes, manifest module, bytecode) -> write. */
export async function pack(args: PackArgs): Promise<{ warnings: string[] }> {
  beginPack();
  const plan = await planPack(args);
  const compiled = await compilePack(plan, args);
  await writePack(plan, compiled, args.out);
  return { warnings: plan.warnings };
}
