// The wheel side of `pack`: loads the closure's wheel descriptions, checks them, narrows the
// Python minors to what the wheels' tags allow, copies their entries into the archive (the
// compressed bytes as they are when the method matches) and describes them for the bootstrap.
import * as zlib from 'node:zlib';
import { ParError } from '../../common/errors';
import { WHEELS_DIR } from '../../archive/contract';
import type { Manifest } from '../manifest';
import { METHOD_DEFLATE, METHOD_STORED, ZipReader, type ZipWriter } from '../../archive/zip';
import { checkOneVersion, checkRequirements } from './closure';
import { readWheelInfo, type WheelInfo } from '../../archive/wheel-info';
import { describeTag, needsLaunchCheck, wheelMinors } from './tags';

/** Where a wheel's install tree lives inside the archive. */

export function wheelDir(w: WheelInfo): string {
  return `${WHEELS_DIR}/${w.normalized}-${w.version}`;
}

export interface LoadedWheels {
  wheels: WheelInfo[];
  files: Map<string, string>;
  warnings: string[];
  /** The specifier's minors narrowed to those every wheel's tags allow. */
  minors: string[];
}

/** Reads and checks every wheel of the manifest (`minors`: those the python specifier allows). */
export function loadWheels(m: Manifest, spec: string, specMinors: string[]): LoadedWheels {
  const label = m.header.label;
  const files = new Map<string, string>();
  const wheels: WheelInfo[] = [];
  for (const ref of m.wheels) {
    if (files.has(ref.label)) continue;
    const info = readWheelInfo(ref.info, ref.label);
    files.set(ref.label, ref.file);
    wheels.push(info);
  }
  wheels.sort((a, b) => (a.normalized < b.normalized ? -1 : a.normalized > b.normalized ? 1 : 0));
  checkOneVersion(label, wheels);
  const minors = wheels.length && specMinors.length ? narrowMinors(label, spec, specMinors, wheels) : specMinors;
  const warnings = checkRequirements(label, wheels, minors);
  return { wheels, files, warnings, minors };
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
    const file = loaded.files.get(info.label)!;
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
export function launchData(wheels: WheelInfo[], bytecode: ReadonlyMap<string, string> = new Map()) {
  const out = wheels
    .filter((w) => w.extract || w.tags.every(needsLaunchCheck))
    .map((w) => ({
      name: w.name,
      version: w.version,
      filename: w.filename,
      sha256: w.sha256,
      key: bytecode.has(w.label) ? `${w.sha256}.${bytecode.get(w.label)!.slice(0, 16)}` : w.sha256,
      dir: wheelDir(w),
      extract: w.extract,
      size: w.unpacked_size,
      // Only tags that constrain the interpreter at launch; none means "runs anywhere".
      tags: w.tags.every(needsLaunchCheck) ? w.tags : [],
      needs: [...new Set(w.tags.map(describeTag))].join(' or '),
    }));
  return out;
}

export function buildInfoWheels(wheels: WheelInfo[]) {
  return wheels.map((w) => ({ name: w.name, version: w.version, sha256: w.sha256, label: w.label }));
}

/** Archive paths of every wheel file (for the directory entries zipimport needs). */
export function wheelPaths(loaded: LoadedWheels): string[] {
  return loaded.wheels.flatMap((w) => w.entries.map((e) => `${wheelDir(w)}/${e.path}`));
}
