// The wheel side of `pack`: loads the closure's wheel descriptions, checks them, narrows the
// Python minors to what the wheels' tags allow, copies their entries into the archive (the
// compressed bytes as they are when the method matches) and describes them for the bootstrap.
import * as zlib from 'node:zlib';
import { ParError } from '../../common/errors';
import { WHEELS_DIR } from '../../archive/contract';
import type { Manifest } from '../manifest';
import { METHOD_DEFLATE, METHOD_STORED, ZipReader, type ZipWriter } from '../../archive/zip';
import { checkOneVersion, checkRequirements } from './closure';
import { checkTargets, servesSomePlatform } from './coverage';
import { readWheelInfo, type WheelInfo } from '../../archive/wheel-info';
import { describeTag, needsLaunchCheck, wheelMinors } from './tags';
import { groupByLabel, mergedView, naturalCompare, serves, wheelId, type BundledWheel } from './variants';

/** A variant (one of several builds of a label) has its own directory, named by its file. */
export function wheelDir(w: BundledWheel): string {
  return w.variant ? `${WHEELS_DIR}/${w.filename.slice(0, -'.whl'.length)}` : `${WHEELS_DIR}/${w.normalized}-${w.version}`;
}

/** The import root of a label's wheel: a variant group's is replaced at launch by the chosen variant's. */
export function groupDir(group: BundledWheel[]): string {
  return wheelDir({ ...group[0], variant: false });
}

export interface LoadedWheels {
  wheels: BundledWheel[];
  /** The wheels per label (several for python_wheel(wheels = [...])), sorted by name. */
  groups: BundledWheel[][];
  /** wheelId -> the .whl file. */
  files: Map<string, string>;
  warnings: string[];
  /** The specifier's minors narrowed to those every wheel's tags allow. */
  minors: string[];
}

/** Reads and checks every wheel of the manifest (`minors`: those the python specifier allows). */
export function loadWheels(m: Manifest, spec: string, specMinors: string[]): LoadedWheels {
  const label = m.header.label;
  const files = new Map<string, string>();
  const wheels: BundledWheel[] = [];
  for (const ref of m.wheels) {
    const info = readWheelInfo(ref.info, ref.label);
    const w: BundledWheel = ref.variant ? { ...info, variant: true } : info;
    if (files.has(wheelId(w))) continue;
    files.set(wheelId(w), ref.file);
    wheels.push(w);
  }
  const order = (w: BundledWheel) => `${w.normalized}\0${w.label}\0`;
  wheels.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : naturalCompare(a.filename, b.filename)));
  const { target_pythons: targets, target_platforms: platforms } = m.header;
  checkTargets(label, spec, specMinors, targets, platforms, groupByLabel(wheels).map(mergedView));
  // Builds for none of the target platforms are left out (they could never be chosen).
  const kept = wheels.filter((w) => !w.variant || servesSomePlatform(w, platforms));
  const groups = groupByLabel(kept);
  const views = groups.map(mergedView); // a label's variants count as one distribution
  checkOneVersion(label, views);
  const minors = views.length && specMinors.length ? narrowMinors(label, spec, specMinors, views) : specMinors;
  const warnings = checkRequirements(label, views, minors, platforms);
  return { wheels: kept, groups, files, warnings, minors };
}

/** The minors (e.g. '3.11') every wheel's tags allow, among the specifier's. */
export function narrowMinors(label: string, spec: string, minors: string[], wheels: WheelInfo[]): string[] {
  let ok = minors.map((m) => Number(m.split('.')[1]));
  for (const w of wheels) {
    const fit = wheelMinors(w.tags, ok);
    if (fit.length === 0) {
      const needs = [...new Set(w.tags.map(describeTag))].join(' or ');
      throw new ParError('WHEEL_INVALID', `${w.label} (${w.filename}) needs ${needs}, but python = '${spec}'${ok.length < minors.length ? ' and the other wheels' : ''} allow${ok.length === 1 ? 's' : ''} only ${minors.length ? ok.map((n) => `3.${n}`).join(', ') || 'none' : 'none'}`, {
        label,
        hint: 'Use a wheel built for one of the allowed Pythons, or change python to include the one this wheel is built for.',
      });
    }
    ok = fit;
  }
  return ok.map((n) => `3.${n}`);
}

/** Copies every wheel's files into the archive under wheelDir(). */
export async function addWheelEntries(w: ZipWriter, loaded: LoadedWheels, compress: boolean): Promise<void> {
  for (const info of loaded.wheels) {
    const file = loaded.files.get(wheelId(info))!;
    const reader = await ZipReader.open(file);
    try {
      const dir = wheelDir(info);
      const pending: Promise<void>[] = [];
      for (const e of info.entries) {
        const ce = reader.find(e.name);
        if (!ce) throw new ParError('WHEEL_INVALID', `${file} has no entry "${e.name}", which its description lists (changed after validation?)`, { label: info.label, file });
        const raw = await reader.readRaw(ce);
        const name = `${dir}/${e.path}`;
        const mode = ce.mode & 0o111 ? 0o100755 : 0o100644;
        const want = compress ? METHOD_DEFLATE : METHOD_STORED;
        if (ce.method === want) {
          pending.push(w.addRaw({ name, method: ce.method, crc32: ce.crc32, compressedSize: ce.compressedSize, uncompressedSize: ce.uncompressedSize, data: raw, mode }));
        } else {
          const data = ce.method === METHOD_DEFLATE ? zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, ce.uncompressedSize) }) : raw;
          pending.push(w.addFile(name, data, { compress, mode }));
        }
      }
      await Promise.all(pending);
    } finally {
      await reader.close();
    }
  }
}

/**
 * What the bootstrap needs per wheel that must be checked or extracted at launch.
 * `bytecode`: per label, the digest of the .pyc files packed with it (compileWheels): an
 * extracted copy holds them, so its cache key names them too.
 */
export function launchData(groups: BundledWheel[][], bytecode: ReadonlyMap<string, string> = new Map()) {
  const one = (w: BundledWheel) => ({
    name: w.name,
    version: w.version,
    filename: w.filename,
    sha256: w.sha256,
    key: bytecode.has(wheelId(w)) ? `${w.sha256}.${bytecode.get(wheelId(w))!.slice(0, 16)}` : w.sha256,
    dir: wheelDir(w),
    extract: w.extract,
    size: w.unpacked_size,
    // Only tags that constrain the interpreter at launch; none means "runs anywhere".
    tags: w.tags.every(needsLaunchCheck) ? w.tags : [],
    needs: [...new Set(w.tags.map(describeTag))].join(' or '),
  });
  const out = [];
  for (const g of groups) {
    if (g.length === 1 && !g[0].variant) {
      if (g[0].extract || g[0].tags.every(needsLaunchCheck)) out.push(one(g[0]));
      continue;
    }
    // Variants: the bootstrap picks one (every tag kept: it ranks them) and puts its
    // directory, or its extracted copy, where the group's root `dir` is on sys.path.
    const view = mergedView(g);
    out.push({
      name: view.name,
      version: view.version,
      filename: view.filename,
      dir: groupDir(g),
      tags: view.tags,
      needs: serves(view),
      variants: g.map((w) => ({ ...one(w), tags: w.tags })),
    });
  }
  return out;
}

/** Build info per bundled wheel (each variant of a label its own): what it is and which Pythons it serves. */
export function buildInfoWheels(wheels: WheelInfo[]) {
  return wheels.map((w) => ({ name: w.name, version: w.version, sha256: w.sha256, label: w.label, filename: w.filename, serves: serves(w) }));
}

/**
 * The directories (with their trailing slash) of wheels that are unpacked before anything
 * imports from them: native ones and zip_safe = False (_wheels.py), and every wheel under
 * layout = "extract". Their files need no directory entries (the unpacking makes the parents)
 * and no place in the launch blob's copy of zipimport's directory (sys.path names the copy).
 */
export function unpackedWheelDirs(loaded: LoadedWheels, layout: string): string[] {
  return loaded.wheels.filter((w) => w.extract || layout === 'extract').map((w) => `${wheelDir(w)}/`);
}

/** Archive paths of every wheel file. */
export function wheelPaths(loaded: LoadedWheels): string[] {
  return loaded.wheels.flatMap((w) => w.entries.map((e) => `${wheelDir(w)}/${e.path}`));
}
