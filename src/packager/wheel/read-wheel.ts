// Reads and validates one .whl at build time (the python_wheel action): name and tags, the
// .dist-info metadata, every entry against RECORD, and the hostile cases (paths escaping the
// install directory, symlinks, duplicates, hash mismatches, corrupt zips, decompression
// bombs). Every problem names the wheel and the entry; all are reported at once.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import * as zlib from 'node:zlib';
import { ParError } from '../../common/errors';
import { consoleScripts } from '../../common/entry-points';
import { sha256File } from '../entries';
import { METHOD_DEFLATE, METHOD_STORED, ZipReader, type CentralEntry } from '../../archive/zip';
import { INFO_VERSION, type WheelEntry, type WheelInfo } from '../../archive/wheel-info';
import { LIMITS } from './limits';
import { parseHeaders, parseRecord, recordDigest } from './metadata';
import { normalizeName, parseRequirement, RequirementError } from './requirement';
import { expandTags, parseWheelFilename } from './tags';
import { compareVersions, parseVersion } from './version';

export interface ReadWheelOptions {
  label: string;
  requiresCheck: 'error' | 'warn' | 'off';
  zipSafe: boolean;
}

const NATIVE = /\.(so|pyd|dylib)$|\.so\.\d[\d.]*$|\.libs\/[^/]+$/;
const FLAG_ENCRYPTED = 0x1;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Why an entry name cannot be installed, or undefined if it is fine. */
export function unsafeName(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash (not a portable zip path)';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.includes('..')) return "has a '..' component that would escape the install directory";
  if (parts.some((p) => p === '' || p === '.')) return "has an empty or '.' path component";
  return undefined;
}

function inflateBounded(raw: Buffer, e: CentralEntry): Buffer {
  if (e.method === METHOD_STORED) return raw;
  // maxOutputLength stops a lying header: the payload may not inflate past its declared size.
  return zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.uncompressedSize) });
}

export async function readWheel(file: string, opts: ReadWheelOptions): Promise<WheelInfo> {
  const filename = basename(file);
  const problems: string[] = [];
  const fail = (): never => {
    throw new ParError('WHEEL_INVALID', `wheel ${filename} is rejected:\n  ${problems.join('\n  ')}`, {
      label: opts.label,
      file,
      hint: 'Use the wheel as published by its project (pip download), or rebuild it with `pip wheel`.',
    });
  };
  const name = parseWheelFilename(filename);
  if (!name) {
    problems.push(`the file name is not a wheel name (distribution-version[-build]-python-abi-platform.whl, PEP 427)`);
    fail();
  }
  const wn = name!;
  const [sha256, reader] = await Promise.all([
    sha256File(file),
    ZipReader.open(file).catch((e: Error & { reason?: string }) => {
      problems.push(`not a readable zip archive (corrupt or truncated): ${e.reason ?? e.message}`);
      return undefined;
    }),
  ]);
  if (!reader) return fail();
  try {
    return await inspectEntries(reader, file, filename, wn, sha256, opts, problems, fail);
  } finally {
    await reader.close();
  }
}

async function inspectEntries(
  reader: ZipReader,
  file: string,
  filename: string,
  wn: NonNullable<ReturnType<typeof parseWheelFilename>>,
  sha256: string,
  opts: ReadWheelOptions,
  problems: string[],
  fail: () => never,
): Promise<WheelInfo> {
  const entryProblem = (n: string, why: string) => problems.push(`entry "${n}" ${why}`);
  if (reader.entries.length > LIMITS.entries) {
    problems.push(`has ${reader.entries.length} entries, more than the limit of ${LIMITS.entries} (decompression bomb?)`);
    fail();
  }
  const seen = new Set<string>();
  const files: CentralEntry[] = [];
  let total = 0;
  for (const e of reader.entries) {
    const bad = unsafeName(e.name);
    if (bad) {
      entryProblem(e.name, bad);
      continue;
    }
    if (seen.has(e.name)) {
      entryProblem(e.name, 'appears more than once in the zip directory (duplicate entry)');
      continue;
    }
    seen.add(e.name);
    if ((e.mode & S_IFMT) === S_IFLNK) {
      entryProblem(e.name, 'is a symbolic link; wheels may only hold regular files');
      continue;
    }
    if (e.name.endsWith('/')) continue;
    if (e.flags & FLAG_ENCRYPTED) entryProblem(e.name, 'is encrypted');
    else if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE) entryProblem(e.name, `uses compression method ${e.method} (only stored and deflate are supported)`);
    else if (e.uncompressedSize > LIMITS.entryBytes) entryProblem(e.name, `would unpack to ${e.uncompressedSize} bytes, more than the limit of ${LIMITS.entryBytes} (decompression bomb?)`);
    else if (e.uncompressedSize > LIMITS.ratioFloorBytes && e.uncompressedSize > LIMITS.ratio * Math.max(1, e.compressedSize)) {
      entryProblem(e.name, `expands ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1 (${e.compressedSize} -> ${e.uncompressedSize} bytes), more than the limit of ${LIMITS.ratio}:1 (decompression bomb?)`);
    } else files.push(e);
    total += e.uncompressedSize;
  }
  if (total > LIMITS.totalBytes) problems.push(`would unpack to ${total} bytes in all, more than the limit of ${LIMITS.totalBytes} (decompression bomb?)`);
  if (problems.length) fail();

  // The .dist-info directory that belongs to the file name.
  const want = normalizeName(wn.distribution);
  const distInfos = [...new Set(files.map((e) => e.name.split('/')[0]).filter((d) => d.endsWith('.dist-info')))];
  const distInfo = distInfos.find((d) => normalizeName(d.slice(0, -'.dist-info'.length).replace(/-[^-]*$/, '')) === want);
  if (!distInfo) {
    problems.push(`has no ${wn.distribution}-${wn.version}.dist-info directory (found: ${distInfos.join(', ') || 'none'})`);
    fail();
  }
  const read = async (e: CentralEntry): Promise<Buffer> => {
    try {
      const data = inflateBounded(await reader.readRaw(e), e);
      if (data.length !== e.uncompressedSize) throw new Error(`inflates to ${data.length} bytes, not the declared ${e.uncompressedSize}`);
      return data;
    } catch (err) {
      const msg = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `inflates beyond its declared size of ${e.uncompressedSize} bytes (decompression bomb?)` : `cannot be read (corrupt data): ${(err as Error).message}`;
      throw new EntryError(e.name, msg);
    }
  };
  const meta = async (leaf: string): Promise<string> => {
    const e = reader.find(`${distInfo}/${leaf}`);
    if (!e) {
      problems.push(`has no ${distInfo}/${leaf}`);
      return fail();
    }
    try {
      return (await read(e)).toString('utf8');
    } catch (err) {
      if (err instanceof EntryError) entryProblem(err.entry, err.message);
      return fail();
    }
  };
  const metadata = parseHeaders(await meta('METADATA'));
  const wheelFile = parseHeaders(await meta('WHEEL'));
  const record = parseRecord(await meta('RECORD'));
  const entryPoints = reader.find(`${distInfo}/entry_points.txt`);
  const scripts = entryPoints ? consoleScripts((await read(entryPoints)).toString('utf8')) : {};
  problems.push(...record.problems);

  const distName = metadata.get('name')?.[0] ?? '';
  const version = metadata.get('version')?.[0] ?? '';
  if (normalizeName(distName) !== want) problems.push(`METADATA names the distribution '${distName}', but the file name says '${wn.distribution}'`);
  if (!parseVersion(version)) problems.push(`METADATA version '${version}' is not a PEP 440 version`);
  else if (version.replace(/-/g, '_') !== wn.version && !sameVersion(version, wn.version)) {
    problems.push(`METADATA says version ${version}, but the file name says ${wn.version}`);
  }
  const wheelVersion = wheelFile.get('wheel-version')?.[0] ?? '';
  if (!/^1\.\d+$/.test(wheelVersion)) problems.push(`WHEEL has Wheel-Version '${wheelVersion}'; only 1.x is understood`);
  const requires = metadata.get('requires-dist') ?? [];
  for (const r of requires) {
    try {
      parseRequirement(r);
    } catch (e) {
      if (e instanceof RequirementError) problems.push(`METADATA Requires-Dist ${e.message}`);
      else throw e;
    }
  }

  // Every file must be in RECORD with a matching sha256 (RECORD itself and signatures excepted).
  const rows = new Map(record.rows.map((r) => [r.path, r]));
  const unhashed = new Set([`${distInfo}/RECORD`, `${distInfo}/RECORD.jws`, `${distInfo}/RECORD.p7s`]);
  for (const r of record.rows) {
    if (!unhashed.has(r.path) && !seen.has(r.path)) problems.push(`RECORD lists "${r.path}", which the wheel does not contain`);
  }
  const entries: WheelEntry[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const installed = new Map<string, string>();
  let unpacked = 0;
  let native = false;
  const dataDir = `${distInfo.slice(0, -'.dist-info'.length)}.data/`;
  for (const e of files) {
    if (!unhashed.has(e.name)) {
      const row = rows.get(e.name);
      if (!row || !row.hash) {
        entryProblem(e.name, row ? 'has no hash in RECORD' : 'is not listed in RECORD');
        continue;
      }
      if (row.hash.algorithm !== 'sha256' && row.hash.algorithm !== 'sha384' && row.hash.algorithm !== 'sha512') {
        entryProblem(e.name, `has a ${row.hash.algorithm} hash in RECORD; sha256 or stronger is required`);
        continue;
      }
      let data: Buffer;
      try {
        data = await read(e);
      } catch (err) {
        if (err instanceof EntryError) {
          entryProblem(err.entry, err.message);
          continue;
        }
        throw err;
      }
      const digest = recordDigest(createHash(row.hash.algorithm).update(data).digest());
      if (digest !== row.hash.digest) {
        entryProblem(e.name, `has ${row.hash.algorithm}=${digest}, but RECORD says ${row.hash.algorithm}=${row.hash.digest} (modified after the wheel was built?)`);
        continue;
      }
    }
    let path = e.name;
    if (e.name.startsWith(dataDir)) {
      const [scheme, ...rest] = e.name.slice(dataDir.length).split('/');
      if (scheme === 'purelib' || scheme === 'platlib') path = rest.join('/');
      else {
        skipped.push({ name: e.name, reason: `.data/${scheme} is not importable code; archives leave it out` });
        continue;
      }
    }
    const prev = installed.get(path);
    if (prev) {
      entryProblem(e.name, `installs to ${path}, as does "${prev}" (duplicate entry)`);
      continue;
    }
    installed.set(path, e.name);
    if (NATIVE.test(path)) native = true;
    unpacked += e.uncompressedSize;
    entries.push({ name: e.name, path, size: e.uncompressedSize });
  }
  if (problems.length) fail();
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    info_version: INFO_VERSION,
    label: opts.label,
    filename,
    name: distName,
    normalized: want,
    version,
    sha256,
    size: (await fsp.stat(file)).size,
    unpacked_size: unpacked,
    tags: expandTags(wn),
    requires_dist: requires,
    requires_check: opts.requiresCheck,
    native,
    extract: native || !opts.zipSafe,
    entries,
    skipped,
    console_scripts: scripts,
  };
}

class EntryError extends Error {
  constructor(readonly entry: string, message: string) {
    super(message);
  }
}

function sameVersion(a: string, b: string): boolean {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  return !!x && !!y && compareVersions(x, y) === 0;
}
