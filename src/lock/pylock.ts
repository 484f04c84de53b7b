// PEP 751 pylock.toml: every package with the URLs and hashes of its wheels (and sdist).
// Packages whose `marker` is false for the target (Linux, the build toolchain's Python) are
// left out, as an installer would; VCS, directory and archive sources cannot be locked wheels.
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { evaluateMarker, normalizeName, parseRequirement, RequirementError, type Environment } from '../packager/wheel/requirement';
import { LockError } from './errors';
import type { LockedFile, LockedPackage } from './types';

const Hashes = z.object({
  sha256: z.string({ error: 'needs a sha256 (hashes = { sha256 = "..." })' }).regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits'),
}).loose();
const FileSchema = z.object({
  name: z.string().optional(),
  url: z.string().min(1).optional(),
  path: z.string().optional(),
  hashes: Hashes,
}).loose();
const PackageSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1).optional(),
  marker: z.string().optional(),
  wheels: z.array(FileSchema).optional(),
  sdist: FileSchema.optional(),
  vcs: z.unknown().optional(),
  directory: z.unknown().optional(),
  archive: z.unknown().optional(),
}).loose();
const PylockSchema = z.object({
  'lock-version': z.string({ error: 'is required (lock-version = "1.0")' }),
  packages: z.array(PackageSchema).default([]),
}).loose();

function issues(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)'}: ${i.message}`);
}

function fileOf(f: z.infer<typeof FileSchema>, what: string, problems: string[]): LockedFile | undefined {
  if (!f.url) {
    problems.push(`${what} has no url (a path = ... entry cannot be fetched by Bazel's downloader)`);
    return undefined;
  }
  const filename = f.name ?? decodeURIComponent(new URL(f.url, 'file:///').pathname.split('/').pop() ?? '');
  return { filename, url: f.url, sha256: f.hashes.sha256.toLowerCase() };
}

/** The packages of a pylock.toml whose markers hold in `env`. */
export function parsePylock(text: string, file: string, env: Environment): LockedPackage[] {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    throw new LockError(`${file} is not valid TOML: ${(e as Error).message.split('\n')[0]}`, file);
  }
  const r = PylockSchema.safeParse(raw);
  if (!r.success) throw new LockError(`${file} is not a PEP 751 lock file:\n  ${issues(r.error).join('\n  ')}`, file);
  if (!/^1\./.test(r.data['lock-version'])) throw new LockError(`${file} has lock-version ${r.data['lock-version']}; only 1.x is understood`, file);
  const problems: string[] = [];
  const out: LockedPackage[] = [];
  r.data.packages.forEach((p, i) => {
    const where = `${file} [[packages]] #${i + 1}`;
    if (p.marker) {
      try {
        const req = parseRequirement(`x ; ${p.marker}`);
        if (req.marker && !evaluateMarker(req.marker, env)) return;
      } catch (e) {
        if (!(e instanceof RequirementError)) throw e;
        problems.push(`${where}: marker '${p.marker}' does not parse`);
        return;
      }
    }
    const source = ['vcs', 'directory', 'archive'].find((k) => p[k as 'vcs'] !== undefined);
    if (source) {
      problems.push(`${where}: a ${source} source is not a wheel; lock a wheel of ${p.name} from an index`);
      return;
    }
    if (!p.version) {
      problems.push(`${where}: has no version`);
      return;
    }
    const wheels = (p.wheels ?? []).map((w, k) => fileOf(w, `${where} wheels[${k}]`, problems)).filter((w): w is LockedFile => !!w);
    const sdist = p.sdist ? fileOf(p.sdist, `${where} sdist`, problems) ?? null : null;
    out.push({ name: p.name, normalized: normalizeName(p.name), version: p.version, extras: [], where, wheels, sdist, hashes: [], pages: [] });
  });
  if (problems.length) throw new LockError(`${file} has ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  ${problems.join('\n  ')}`, file);
  return out;
}
