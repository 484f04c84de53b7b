// Bytecode for wheel code, compiled at build time by the toolchain interpreter. Wheels ship
// .py files only, and an extracted copy in the cache never gets a __pycache__ when
// PYTHONDONTWRITEBYTECODE is set (zipimport never writes one), so without this every launch
// compiled the wheel's modules again: measured on examples/numpy, 0.40 s of CPU per warm
// launch against 0.15 s for the same program from site-packages (docs/PERFORMANCE.md).
//
// PEP 552 unchecked-hash .pyc, placed where the importer looks:
//   zip-imported (pure) wheels   <dir>/pkg/mod.pyc beside pkg/mod.py (zipimport prefers it);
//   extracted wheels             <dir>/pkg/__pycache__/mod.<cache_tag>.pyc (SourceFileLoader).
// Only for wheels whose tags allow the toolchain's minor, in a binary that may run on it:
// bytecode for another minor is never loaded. Modules under a `tests/` directory stay source
// (only test suites import them; they are half of numpy's .py bytes).
import { createHash } from 'node:crypto';
import type { ManifestHeader } from '../manifest';
import { compilePyc, type CompileItem } from '../pyc';
import { ZipReader } from '../../archive/zip';
import type { LoadedWheels } from './bundle';
import type { WheelInfo } from '../../archive/wheel-info';
import { wheelMinors } from './tags';
import { wheelId } from './variants';

export interface WheelBytecode {
  /** Archive path -> .pyc bytes. */
  files: Map<string, Buffer>;
  /** Per wheel label: a digest of its bytecode (part of its cache key when it is extracted). */
  digests: Map<string, string>;
}

/** Where the .pyc for install path `path` (ending in .py) goes, relative to the wheel's dir. */
export function pycPath(path: string, extracted: boolean, cacheTag: string): string {
  const stem = path.slice(0, -3);
  if (!extracted) return `${stem}.pyc`;
  const slash = stem.lastIndexOf('/');
  return `${stem.slice(0, slash + 1)}__pycache__/${stem.slice(slash + 1)}.${cacheTag}.pyc`;
}

/** True if the toolchain's bytecode can be used by this wheel in this binary. */
export function compilesFor(w: WheelInfo, buildMinor: number, binaryMinors: string[]): boolean {
  return binaryMinors.includes(`3.${buildMinor}`) && wheelMinors(w.tags, [buildMinor]).length > 0;
}

function wanted(path: string): boolean {
  return path.endsWith('.py') && !`/${path}`.includes('/tests/');
}

/**
 * Every wanted source of one wheel compiled by `python` (install path -> .pyc; files that do
 * not compile on it are left out). Depends on the wheel alone: the bytes are the same in
 * every binary, so the python_wheel target compiles them once (`par wheel-bytecode`,
 * bytecode-bundle.ts) and binaries reuse them.
 */
export async function compileWheelSources(w: WheelInfo, wheelFile: string, dir: string, python: string, compiler: string, label: string): Promise<Map<string, Buffer>> {
  const sources = w.entries.filter((e) => wanted(e.path));
  const out = new Map<string, Buffer>();
  if (sources.length === 0) return out;
  const reader = await ZipReader.open(wheelFile);
  const items: CompileItem[] = [];
  try {
    for (const e of sources) {
      const data = await reader.read(reader.find(e.name)!);
      items.push({ source_b64: data.toString('base64'), dfile: `${dir}/${e.path}` });
    }
  } finally {
    await reader.close();
  }
  // One batch per wheel, in the description's (sorted, deterministic) order.
  const pycs = await compilePyc(python, compiler, items, label, { skipSyntaxErrors: true });
  sources.forEach((e, i) => {
    if (pycs[i].length > 0) out.set(e.path, pycs[i]); // empty: does not compile on this minor
  });
  return out;
}

export async function compileWheels(
  loaded: LoadedWheels,
  header: Pick<ManifestHeader, 'label' | 'build_python'>,
  python: string,
  compiler: string,
  dirOf: (w: WheelInfo) => string,
  /** layout = "extract": every wheel runs from disk, so every .pyc goes to __pycache__/. */
  allOnDisk = false,
  /** Per wheel label, its bytecode already compiled by its python_wheel target (install path -> .pyc). */
  prebuilt: ReadonlyMap<string, ReadonlyMap<string, Buffer>> = new Map(),
): Promise<WheelBytecode> {
  const files = new Map<string, Buffer>();
  const digests = new Map<string, string>();
  const buildMinor = Number(header.build_python.version.split('.')[1]);
  const cacheTag = header.build_python.cache_tag;
  for (const w of loaded.wheels) {
    if (!compilesFor(w, buildMinor, loaded.minors)) continue;
    // A native wheel in the zip layout is unpacked into the cache at its first launch, and
    // _wheels.py compiles there every module the archive brought no bytecode for: shipping
    // it only moves that compile from the first launch to the build, at the cost of the
    // bytecode's size in every archive (numpy: 1.5 MB, 237 entries, 9% of the archive;
    // first launch 3.2 s -> see docs/PERFORMANCE.md "Size"). Warm launches are the same.
    if (w.extract && !allOnDisk) continue;
    const dir = dirOf(w);
    const onDisk = w.extract || allOnDisk;
    const compiled = prebuilt.get(wheelId(w)) ?? (await compileWheelSources(w, loaded.files.get(wheelId(w))!, dir, python, compiler, header.label));
    const shipped = new Set(w.entries.map((e) => e.path));
    const digest = createHash('sha256').update(cacheTag);
    let any = false;
    for (const e of w.entries) {
      const pyc = compiled.get(e.path); // wanted sources only
      if (!pyc) continue;
      const path = pycPath(e.path, onDisk, cacheTag);
      if (shipped.has(path)) continue; // the wheel ships its own .pyc there
      files.set(`${dir}/${path}`, pyc);
      digest.update(`${path}\0`).update(pyc);
      any = true;
    }
    if (any) digests.set(wheelId(w), digest.digest('hex'));
  }
  return { files, digests };
}
