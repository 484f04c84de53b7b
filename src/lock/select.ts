// Which locked wheels of each distribution the hub uses. A lock may hold several builds of one
// distribution (other Pythons, other platforms); the hub keeps, for each declared Python minor
// and each declared platform (default: the toolchain's minor, the host), the best build that
// fits, and python_wheel(wheels = [...]) lets the launcher pick among them.
import { LockError } from './errors';
import { parseSimplePage } from './simple-index';
import { parseWheelFilename, expandTags, type Tag } from '../packager/wheel/tags';
import type { LockedFile, LockedPackage } from './types';

export interface Target {
  /** Python minors to keep builds for, "3.11"; the first is the build toolchain's unless told. */
  minors: string[];
  /** Linux machine (uname -m), e.g. x86_64. */
  machine: string;
  /** glibc of the host, "2.36", or '' when unknown (then any manylinux level is accepted). */
  glibc: string;
  /** Platform tags to accept besides "any"; empty: the host's (linux_<m>, manylinux up to glibc). */
  platforms: string[];
}

export interface Selected {
  name: string;
  normalized: string;
  version: string;
  extras: string[];
  /** The best fit for the first minor (the toolchain's, when kept): its METADATA gives the deps. */
  wheel: LockedFile;
  /** Every build kept (one per minor x platform, deduplicated), sorted by file name; holds `wheel`. */
  wheels: LockedFile[];
  /** Which minors or platforms have no build, or how many locked wheels were left out. */
  note: string | null;
}

const LEGACY: Record<string, number> = { manylinux1: 5, manylinux2010: 12, manylinux2014: 17 };

/** 0 = does not fit; higher = more specific. */
function platformScore(plat: string, t: Target): number {
  if (plat === 'any') return 1;
  if (t.platforms.length) return t.platforms.includes(plat) ? 500 : 0;
  if (plat === `linux_${t.machine}`) return 50;
  const m = /^(manylinux1|manylinux2010|manylinux2014|manylinux_(\d+)_(\d+))_(.+)$/.exec(plat);
  if (!m || m[4] !== t.machine) return 0;
  const level = m[2] ? (m[2] === '2' ? Number(m[3]) : 0) : LEGACY[m[1]];
  const host = /^2\.(\d+)$/.exec(t.glibc);
  if (!level || (host && level > Number(host[1]))) return 0;
  return 100 + level;
}

function pythonScore(tag: Tag, minor: number): number {
  const [py, abi] = tag;
  const m = /^(py|cp)3(\d*)$/.exec(py);
  if (!m) return 0;
  const want = m[2] === '' ? undefined : Number(m[2]);
  if (abi === `cp3${minor}` && m[1] === 'cp' && want === minor) return 300;
  if (abi === 'abi3' && m[1] === 'cp' && want !== undefined && want <= minor) return 200 + want;
  if (abi === 'none' && (want === undefined || want <= minor)) return 100 + (want ?? 0);
  return 0;
}

/** How well a wheel file fits CPython 3.`minor` on the target: 0 when it does not. */
export function wheelScore(filename: string, minor: number, t: Target): number {
  const wn = parseWheelFilename(filename);
  if (!wn) return 0;
  let best = 0;
  for (const tag of expandTags(wn)) {
    const [p, pl] = [pythonScore(tag, minor), platformScore(tag[2], t)];
    if (p && pl) best = Math.max(best, p * 1000 + pl);
  }
  return best;
}

const minorOf = (v: string) => Number(v.split('.')[1]);

function describeTarget(t: Target): string {
  const plats = t.platforms.length ? t.platforms.join(', ') : `linux ${t.machine}${t.glibc ? ` (glibc ${t.glibc})` : ''}`;
  return `CPython ${t.minors.join(' or ')} on ${plats}`;
}

/**
 * The candidate files of each package: pylock's wheels, or the files of the fetched index pages
 * whose sha256 the requirements line allows. `pages` maps a page URL to its text (absent:
 * it could not be fetched).
 */
export function candidates(p: LockedPackage, pages: Map<string, string>): { wheels: LockedFile[]; sdists: LockedFile[]; problem?: string } {
  if (!p.pages.length) return { wheels: p.wheels, sdists: p.sdist ? [p.sdist] : [] };
  const fetched = p.pages.filter((u) => pages.has(u));
  if (!fetched.length) return { wheels: [], sdists: [], problem: `${p.name} ${p.version} (${p.where}): no index page could be fetched: ${p.pages.join(', ')}` };
  const want = new Set(p.hashes);
  const files = new Map<string, LockedFile>();
  const listed: string[] = [];
  for (const u of fetched) {
    for (const f of parseSimplePage(pages.get(u)!, u)) {
      listed.push(`${f.filename} sha256 ${f.sha256 ?? '(none given)'}`);
      if (f.sha256 && want.has(f.sha256) && !files.has(f.sha256)) files.set(f.sha256, { filename: f.filename, url: f.url, sha256: f.sha256 });
    }
  }
  const all = [...files.values()];
  if (!all.length) {
    return { wheels: [], sdists: [], problem: `${p.name} ${p.version} (${p.where}): none of the ${listed.length} files listed at ${fetched.join(', ')} has one of the locked hashes (${p.hashes.join(', ')}); listed: ${listed.slice(0, 8).join(', ')}${listed.length > 8 ? ', ...' : ''}` };
  }
  return { wheels: all.filter((f) => f.filename.endsWith('.whl')), sdists: all.filter((f) => !f.filename.endsWith('.whl')) };
}

export function selectWheels(packages: LockedPackage[], pages: Map<string, string>, t: Target, lock: string): Selected[] {
  const problems: string[] = [];
  const out: Selected[] = [];
  for (const p of packages) {
    const c = candidates(p, pages);
    if (c.problem) {
      problems.push(c.problem);
      continue;
    }
    if (!c.wheels.length) {
      const sd = c.sdists.map((s) => s.filename).join(', ');
      problems.push(`${p.name} ${p.version} (${p.where}) is locked only as a source distribution${sd ? ` (${sd})` : ''}; rules_par installs wheels, never builds them: lock a wheel of ${p.name} (e.g. uv lock / pip-compile with --only-binary=:all:, or build one and serve it from your index)`);
      continue;
    }
    // The best build for each minor x platform; platform '' is the host's.
    const plats = t.platforms.length ? t.platforms : [''];
    const kept = new Map<string, LockedFile>();
    const missing: string[] = [];
    let first: LockedFile | undefined;
    for (const v of t.minors) {
      for (const plat of plats) {
        const tt = plat ? { ...t, platforms: [plat] } : t;
        let best: { f: LockedFile; score: number } | undefined;
        for (const f of c.wheels) {
          const score = wheelScore(f.filename, minorOf(v), tt);
          if (score > 0 && (!best || score > best.score)) best = { f, score };
        }
        if (!best) missing.push(plat ? `CPython ${v} on ${plat}` : `CPython ${v}`);
        else {
          first ??= best.f;
          kept.set(best.f.sha256, best.f);
        }
      }
    }
    if (!first) {
      problems.push(`${p.name} ${p.version} (${p.where}): none of its ${c.wheels.length} locked wheels fits ${describeTarget(t)}: ${c.wheels.map((w) => w.filename).join(', ')}`);
      continue;
    }
    const wheels = [...kept.values()].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    const notes: string[] = [];
    if (c.wheels.length > wheels.length) notes.push(`${c.wheels.length} wheels locked; kept ${wheels.length === 1 ? `${first.filename}, the best fit` : `${wheels.length}, the best fit for each Python and platform,`} for ${describeTarget(t)}`);
    if (missing.length) notes.push(`no locked build fits ${missing.join(', ')}`);
    const note = notes.length ? notes.join('; ') : null;
    out.push({ name: p.name, normalized: p.normalized, version: p.version, extras: p.extras, wheel: first, wheels, note });
  }
  if (problems.length) throw new LockError(`${lock}: ${problems.length} locked distribution${problems.length > 1 ? 's' : ''} cannot be used:\n  ${problems.join('\n  ')}`, lock);
  return out;
}
