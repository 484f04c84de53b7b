// `pack`: manifest in, archive body out. Launcher preamble, then a deterministic zip of the
// bootstrap, sources, data and bytecode, plus __par__/_manifest.py with the build facts.
// Never leaves a half-written output: the zip is written beside it and renamed into place.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { ParError } from '../common/errors';
import { compatibleMinors, NEWEST_MINOR, parseSpecifier, satisfies, SpecifierError } from '../common/specifier';
import { collectEntries, sha256File, type SourceEntry } from './entries';
import { checkShadowed } from './shadowed';
import { launcherPreamble, preferredInterpreter, searchOrder, writeSizeField } from './launcher';
import { readManifest, type Manifest } from './manifest';
import { compilePyc, type CompileItem } from './pyc';
import { pythonDataModule } from './python-literal';
import { addWheelEntries, buildInfoWheels, groupDir, launchData, loadWheels, wheelDir, wheelPaths } from './wheel/bundle';
import { compileWheels } from './wheel/bytecode';
import { readWheelBytecode } from './wheel/bytecode-bundle';
import { extractKey, nativeKey, nativePlan, programPycPath } from './extract-layout';
import { ZipWriter } from './zip';
import { parseCentralDirectory } from './zip/reader';
import { BLOB_MODULES, blobSupported, codesFromPycs, fastFieldAt, LAUNCH_BLOB_ENTRY, launchBlob, writeFastField } from './launch/blob';

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

export async function pack(args: PackArgs): Promise<void> {
  const m = readManifest(args.manifest);
  const h = m.header;
  const py = pythonInfo(m);
  // Wheels: one version per distribution, Requires-Dist satisfied, and only the Pythons
  // their tags allow (the launcher then finds a fitting interpreter before Python starts).
  const bundled = loadWheels(m, py.spec, py.minors);
  py.minors = bundled.minors;
  for (const warning of bundled.warnings) process.stderr.write(`${h.label}: warning: ${warning}\n`);
  const launcherFile = m.boot.find((b) => b.path === 'launcher.sh');
  if (!launcherFile) throw new ParError('MANIFEST_INVALID', 'the manifest lists no launcher.sh bootstrap file', { label: h.label });
  const launcherScript = await fsp.readFile(launcherFile.file, 'utf8');
  const first = preferredInterpreter(h.shebang, h.label);

  const entries = await collectEntries(m);
  const contents = new Map<string, Buffer>();
  const digests = new Map<string, string>();
  let cached = 0;
  await forEachLimit(entries, HASH_CONCURRENCY, async (e) => {
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
  const preamble = launcherPreamble(launcherScript, {
    first,
    minors: searchOrder(py.minors, h.build_python.version),
    spec: py.spec,
    label: h.label,
    // Keys the bytecode cache of other interpreters (src/bootstrap/__par__/_bytecode.py).
    bytecode: { build: h.build_python.version.split('.').slice(0, 2).join('.'), tag: h.build_python.cache_tag, fingerprint },
    fast: blobSupported(h.build_python.version),
  });

  const roots = ['', ...[...new Set(m.roots.filter((r) => r !== ''))].sort(), ...bundled.groups.map(groupDir)];
  const firstParty = roots.length - bundled.groups.length;
  checkShadowed({
    label: h.label,
    roots: roots.slice(0, firstParty),
    files: entries.filter((e) => e.kind !== 'boot').map((e) => ({ path: e.path, owner: m.owners.get(e.path) ?? e.owner })),
    wheels: bundled.groups.map((g, i) => ({ info: g[0], entry: firstParty + i })), // variants: one stands for all
    allowed: h.allow_shadowed_modules,
  });
  const native = nativePlan(h.layout, entries.filter((e) => e.kind !== 'boot').map((e) => e.path), roots);
  const layout = native.layout;
  const prebuilt = new Map<string, Map<string, Buffer>>();
  for (const ref of m.wheels) {
    const pycs = ref.bytecode ? readWheelBytecode(ref.bytecode, ref.label, h.build_python.cache_tag) : undefined;
    if (pycs) prebuilt.set(ref.variant ? `${ref.label} ${basename(ref.file)}` : ref.label, pycs); // wheelId
  }
  const wheelPyc = await compileWheels(bundled, h, args.python, args.compiler, wheelDir, layout === 'extract', prebuilt);
  const nativeWheels = launchData(bundled.groups, wheelPyc.digests);
  const entry = h.entry_point ? { entry_point: h.entry_point } : { module: h.main_module, path: h.main };
  const manifestModule = pythonDataModule(`Build facts of ${h.label}.`, {
    label: h.label,
    entry,
    python: py,
    roots,
    fingerprint,
    ...(h.local_copy ? { local_copy: true } : {}), // the launcher runs it from a copy in the cache
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
  const extra = new Map<string, Buffer>([['__par__/_manifest.py', Buffer.from(manifestModule, 'utf8')]]);
  // Bytecode for the launcher (always: it runs on every start) and for the program (compile = True).
  const toCompile: CompileItem[] = entries
    .filter((e) => e.path.endsWith('.py') && (e.kind === 'boot' || (e.kind === 'src' && h.compile)))
    .map((e) => ({ src: e.file, dfile: e.path }));
  toCompile.push({ source: manifestModule, dfile: '__par__/_manifest.py' });
  const pycs = await compilePyc(args.python, args.compiler, toCompile, h.label);
  toCompile.forEach((c, i) => extra.set(programPycPath(c.dfile, layout, h.build_python.cache_tag), pycs[i]));
  for (const [path, pyc] of wheelPyc.files) extra.set(path, pyc); // beside the raw-copied wheel entries

  const fromWheels = new Set(wheelPaths(bundled));
  // sources = False: the program's own .py stay out, their .pyc (compiled above) go in alone.
  if (!h.sources && (!h.compile || layout !== 'zip')) {
    const why = !h.compile
      ? 'compile = False leaves no bytecode to ship instead'
      : native.native
        ? `${native.native} is a shared object Python cannot load from a zip, so the binary runs unpacked, where Python wants the sources`
        : 'layout = "extract" runs the binary unpacked, where Python wants the sources';
    throw new ParError('MANIFEST_INVALID', `sources = False cannot be honoured: ${why}`, { label: h.label, hint: 'Keep sources = True for this binary.' });
  }
  const shipped = h.sources ? entries : entries.filter((e) => !(e.kind === 'src' && e.path.endsWith('.py')));
  const files = [...shipped.map((e) => e.path), ...extra.keys(), ...fromWheels];
  // zipimport finds a package (namespace packages included) only through its directory
  // entry: list every parent folder, as `zip -r` does.
  const dirs = new Set<string>();
  for (const f of files) for (let i = f.indexOf('/'); i !== -1; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i + 1));
  const names = [...files, ...dirs].sort();
  const byPath = new Map(entries.map((e) => [e.path, e] as [string, SourceEntry]));
  const tmp = `${args.out}.tmp-${process.pid}`;
  const w = await ZipWriter.create(tmp, preamble);
  try {
    const compress = h.compression === 'deflate';
    const level = h.compression_level;
    const adds: Promise<void>[] = [];
    for (const name of names) {
      if (fromWheels.has(name)) continue; // copied below, compressed bytes as they are
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
      const codes = codesFromPycs(BLOB_MODULES.map((p) => extra.get(programPycPath(p, layout, h.build_python.cache_tag))!));
      const blob = launchBlob(codes, parseCentralDirectory(tmp, directory, 0));
      await w.addFile(LAUNCH_BLOB_ENTRY, blob, { compress: false });
      await w.finish();
      writeFastField(tmp, fastAt, next, blob.length);
    } else {
      await w.finish();
    }
    writeSizeField(tmp);
    await fsp.chmod(tmp, 0o755);
    await fsp.rename(tmp, args.out);
  } catch (e) {
    await w.abort().catch(() => undefined); // closes the handle and removes the partial file
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
