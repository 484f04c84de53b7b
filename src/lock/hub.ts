// The hub repository of par_wheels: `@NAME//<dist>` is a python_wheel per locked distribution,
// its deps the Requires-Dist of the wheel's METADATA whose markers hold for the target
// (Linux, each declared Python: the union), with the extras that the lock and the other
// distributions request. A requirement the lock does not satisfy for the first Python (the
// one the lock was read for) is an error naming both; for the other Pythons, requirements
// the lock lacks are left out (the lock was not resolved for them).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { consoleScripts } from '../common/entry-points';
import { topLevelFromPaths } from '../graph/wheel-names';
import { parseHeaders } from '../packager/wheel/metadata';
import { evaluateMarker, normalizeName, parseRequirement, type Environment, type Requirement } from '../packager/wheel/requirement';
import { specifierMatches, VersionSpecError } from '../packager/wheel/version';
import { ZipReader } from '../archive/zip';
import { LockError } from './errors';
import type { Selected } from './select';
import type { LockedFile } from './types';

export interface DistInfo {
  name: string;
  version: string;
  requires: string[];
  consoleScripts: Record<string, string>;
  modules: string[];
}

/** METADATA, entry_points.txt and the top-level import names of a downloaded wheel. */
export async function readDistInfo(file: string, normalized: string): Promise<DistInfo> {
  const z = await ZipReader.open(file);
  try {
    const distInfos = [...new Set(z.entries.map((e) => e.name.split('/')[0]).filter((d) => d.endsWith('.dist-info')))];
    const di = distInfos.find((d) => normalizeName(d.slice(0, -10).replace(/-[^-]*$/, '')) === normalized) ?? distInfos[0];
    const text = async (leaf: string) => {
      const e = di ? z.find(`${di}/${leaf}`) : undefined;
      return e ? (await z.read(e)).toString('utf8') : undefined;
    };
    const metaText = await text('METADATA');
    if (!metaText) throw new LockError(`${file} has no .dist-info/METADATA; it is not a wheel`, file);
    const meta = parseHeaders(metaText);
    const topLevel = await text('top_level.txt');
    // install paths: .data/purelib|platlib/x lands at x
    const paths = z.entries.map((e) => e.name.replace(/^[^/]+\.data\/(purelib|platlib)\//, ''));
    const modules = topLevel
      ? topLevel.split('\n').map((l) => l.trim().split('/')[0]).filter((l) => /^[A-Za-z_]\w*$/.test(l))
      : [...topLevelFromPaths(paths)];
    return {
      name: meta.get('name')?.[0] ?? normalized,
      version: meta.get('version')?.[0] ?? '',
      requires: meta.get('requires-dist') ?? [],
      consoleScripts: consoleScripts((await text('entry_points.txt')) ?? ''),
      modules: [...new Set(modules)].sort(),
    };
  } finally {
    await z.close();
  }
}

export interface HubDist extends Selected {
  info: DistInfo;
  deps: string[];
  /** Extras some requirement asks for (the lock or another distribution). */
  requestedExtras: string[];
}

/** `charset-normalizer` -> `charset_normalizer`: the hub package of a distribution. */
export const hubPackage = (normalized: string) => normalized.replace(/-/g, '_');

function applies(r: Requirement, envs: Environment[], extras: Set<string>): boolean {
  if (!r.marker) return true;
  for (const env of envs) for (const extra of ['', ...extras]) if (evaluateMarker(r.marker, { ...env, extra })) return true;
  return false;
}

/**
 * Each distribution's deps within the lock; all problems at once. `envs`: one per declared
 * Python, the first the one the lock was read for (a requirement only the others activate is
 * kept when the lock has it, left out otherwise).
 */
export function resolveDeps(dists: { sel: Selected; info: DistInfo }[], envs: Environment[], lock: string): HubDist[] {
  const env = envs[0];
  const by = new Map(dists.map((d) => [d.sel.normalized, d]));
  const extras = new Map(dists.map((d) => [d.sel.normalized, new Set(d.sel.extras)]));
  const reqs = new Map(dists.map((d) => [d.sel.normalized, d.info.requires.map((r) => parseRequirement(r))]));
  // Requested extras grow as requirements become active: iterate to the fixpoint.
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of dists) {
      for (const r of reqs.get(d.sel.normalized)!) {
        if (!applies(r, envs, extras.get(d.sel.normalized)!)) continue;
        const target = extras.get(normalizeName(r.name));
        for (const x of r.extras.map(normalizeName)) {
          if (target && !target.has(x)) {
            target.add(x);
            changed = true;
          }
        }
      }
    }
  }
  const problems: string[] = [];
  const out: HubDist[] = [];
  for (const d of dists) {
    const deps = new Set<string>();
    const mine = extras.get(d.sel.normalized)!;
    for (const r of reqs.get(d.sel.normalized)!) {
      if (!applies(r, envs, mine)) continue;
      const n = normalizeName(r.name);
      const dep = by.get(n);
      if (!dep && !applies(r, [env], mine)) continue;
      if (!dep) {
        problems.push(`${d.sel.name} ${d.sel.version} requires '${r.raw}' (Requires-Dist), but the lock has no ${r.name}`);
        continue;
      }
      let ok = true;
      try {
        ok = specifierMatches(r.specifier, dep.sel.version);
      } catch (e) {
        if (!(e instanceof VersionSpecError)) throw e;
      }
      if (!ok) problems.push(`${d.sel.name} ${d.sel.version} requires '${r.raw}' (Requires-Dist), but the lock pins ${dep.sel.name} ${dep.sel.version}`);
      if (n !== d.sel.normalized) deps.add(n);
    }
    out.push({ ...d.sel, info: d.info, deps: [...deps].sort(), requestedExtras: [...mine].sort() });
  }
  if (problems.length) {
    throw new LockError(`${lock} is not complete for python_version ${env.python_version} on Linux:\n  ${problems.join('\n  ')}`, lock,
      'Regenerate the lock from the requirements of everything you build (pip-compile / uv lock), or add the missing distributions.');
  }
  return out;
}

const q = (s: string) => JSON.stringify(s);

export function packageBuild(d: HubDist, hub: string): string {
  const builds = d.wheels.length > 1 ? d.wheels : [d.wheel];
  const lines = [
    ...builds.flatMap((w) => [`# ${d.name} ${d.version} from ${w.url}`, `# sha256 ${w.sha256}`]),
    ...(d.note ? [`# ${d.note}`] : []),
    `# Generated by par_wheels(name = ${q(hub)}); do not edit.`,
    'load("@rules_par//rules:defs.bzl", "python_wheel")',
    '',
    'python_wheel(',
    `    name = ${q(hubPackage(d.normalized))},`,
    ...(builds.length > 1
      ? ['    wheels = [', ...builds.map((w) => `        ${q(w.filename)},`), '    ],']
      : [`    wheel = ${q(d.wheel.filename)},`]),
    `    deps = [${d.deps.map((x) => q(`//${hubPackage(x)}`)).join(', ')}],`,
    '    visibility = ["//visibility:public"],',
    ')',
    '',
  ];
  return lines.join('\n');
}

/** par_hub.json: what `par gen` and `par audit` read about the hub. */
export function hubJson(hub: string, lock: string, dists: HubDist[]): unknown {
  return {
    hub,
    lock,
    distributions: dists.map((d) => ({
      name: d.name,
      normalized: d.normalized,
      version: d.version,
      label: `@${hub}//${hubPackage(d.normalized)}`,
      filename: d.wheel.filename,
      url: d.wheel.url,
      sha256: d.wheel.sha256,
      wheels: d.wheels.map((w) => ({ filename: w.filename, url: w.url, sha256: w.sha256 })),
      modules: d.info.modules,
      console_scripts: d.info.consoleScripts,
      deps: d.deps.map((x) => `@${hub}//${hubPackage(x)}`),
      extras: d.requestedExtras,
    })),
  };
}

/**
 * Offline: the files of a requirements line found in the repository cache by their locked
 * sha256 (`_par/cached/<dist>/<sha256>`), named from their own metadata (the index page that
 * names them could not be fetched). `url` is the page: the downloader serves the wheel from the
 * cache again by its hash.
 */
export async function fromRepositoryCache(dir: string, url: string, normalized: string): Promise<{ wheels: LockedFile[]; sdists: LockedFile[] }> {
  const wheels: LockedFile[] = [];
  const sdists: LockedFile[] = [];
  for (const sha256 of readdirSync(dir).filter((f) => /^[0-9a-f]{64}$/.test(f)).sort()) {
    const file = join(dir, sha256);
    let z: ZipReader | undefined;
    try {
      z = await ZipReader.open(file);
    } catch {
      sdists.push({ filename: `${normalized}-(sdist ${sha256.slice(0, 12)})`, url, sha256 });
      continue;
    }
    try {
      const wheelFile = z.entries.find((e) => /^[^/]+\.dist-info\/WHEEL$/.test(e.name));
      const meta = z.entries.find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
      if (!wheelFile || !meta) continue;
      const headers = parseHeaders((await z.read(meta)).toString('utf8'));
      const tags = (parseHeaders((await z.read(wheelFile)).toString('utf8')).get('tag') ?? []).map((t) => t.split('-'));
      const part = (k: number) => [...new Set(tags.map((t) => t[k]))].join('.');
      const name = (headers.get('name')?.[0] ?? normalized).replace(/[-_.]+/g, '_');
      wheels.push({ filename: `${name}-${headers.get('version')?.[0] ?? '0'}-${part(0)}-${part(1)}-${part(2)}.whl`, url, sha256 });
    } finally {
      await z.close();
    }
  }
  return { wheels, sdists };
}
