// The par_wheels repository rule's steps (rules/private/pypi/wheels.bzl). Bazel's downloader
// fetches everything; these verbs only read what it fetched and write JSON and BUILD files:
//   lock-plan    parse the lock file (pylock.toml or hashed requirements)
//   lock-select  pick the wheel of each distribution (index pages for requirements files)
//   lock-hub     read the downloaded wheels' metadata and write the hub's BUILD files
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { stableStringify } from '../common/stable-json';
import { LockError } from '../lock/errors';
import { fromRepositoryCache, hubJson, hubPackage, packageBuild, readDistInfo, resolveDeps } from '../lock/hub';
import { parsePylock } from '../lock/pylock';
import { parseRequirementsLock } from '../lock/requirements';
import { selectWheels, type Selected, type Target } from '../lock/select';
import { LockPlanSchema, type LockPlan } from '../lock/types';
import { linuxEnvironment, type Environment } from '../packager/wheel/requirement';
import { parseVerbArgs } from './args';
import type { Io } from './io';

const req = (name: string) => z.string({ error: `--${name} is required` }).min(1, `--${name} is required`);
const TARGET_OPTIONS = {
  python: { type: 'string' }, machine: { type: 'string' }, glibc: { type: 'string' },
  platform: { type: 'string', multiple: true }, 'python-version': { type: 'string', multiple: true },
} as const;
const TargetArgs = {
  python: req('python').regex(/^3\.\d+\.\d+/, '--python looks like 3.11.7'),
  machine: req('machine'),
  glibc: z.string().default(''),
  platform: z.array(z.string()).default([]),
  'python-version': z.array(z.string().regex(/^3\.\d+$/, 'python_versions entries look like 3.11')).default([]),
};
type TargetArgsT = { python: string; machine: string; glibc: string; platform: string[]; 'python-version': string[] };

function target(a: TargetArgsT): { t: Target; env: Environment; envs: Environment[] } {
  const own = a.python.split('.').slice(0, 2).join('.');
  const kept = a['python-version'];
  // The build toolchain's minor first when it is among the kept ones: its wheel is the one used.
  const minors = kept.length ? (kept.includes(own) ? [own, ...kept.filter((m) => m !== own)] : kept) : [own];
  const env = linuxEnvironment(minors[0], a.machine);
  if (minors[0] === own) env.python_full_version = env.implementation_version = a.python;
  // Deps: markers for each kept minor (the union); the first is the one the lock is read for.
  const envs = [env, ...minors.slice(1).map((m) => linuxEnvironment(m, a.machine))];
  return { t: { minors, machine: a.machine, glibc: a.glibc, platforms: a.platform }, env, envs };
}

const readJson = (file: string): unknown => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ParError('BAD_ARGUMENTS', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
};

function writeText(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

export async function lockPlanVerb(argv: string[], _io: Io): Promise<void> {
  const a = parseVerbArgs('lock-plan', argv, { lock: { type: 'string' }, name: { type: 'string' }, 'index-url': { type: 'string' }, out: { type: 'string' }, ...TARGET_OPTIONS },
    z.object({ lock: req('lock'), name: req('name'), 'index-url': z.string().default(''), out: req('out'), ...TargetArgs, positionals: z.array(z.string()).max(0) }));
  const { env } = target(a);
  const text = readFileSync(a.lock, 'utf8');
  const isToml = /(^|[./])pylock(\.[^/]*)?\.toml$/.test(basename(a.lock)) || a.lock.endsWith('.toml');
  const plan: LockPlan = isToml
    ? { format: 'pylock', lock: a.name, packages: parsePylock(text, a.name, env) }
    : { format: 'requirements', lock: a.name, packages: parseRequirementsLock(text, a.name, env, a['index-url']).packages };
  if (!plan.packages.length) throw new LockError(`${a.name} locks no distribution (for python_version ${env.python_version} on Linux)`, a.name);
  writeText(a.out, stableStringify(plan) + '\n');
}

export async function lockSelectVerb(argv: string[], _io: Io): Promise<void> {
  const a = parseVerbArgs('lock-select', argv, { plan: { type: 'string' }, pages: { type: 'string' }, out: { type: 'string' }, ...TARGET_OPTIONS },
    z.object({ plan: req('plan'), pages: z.string().default(''), out: req('out'), ...TargetArgs, positionals: z.array(z.string()).max(0) }));
  const plan = LockPlanSchema.parse(readJson(a.plan));
  const pages = new Map<string, string>();
  for (const p of plan.packages) {
    p.pages.forEach((url, i) => {
      const f = join(a.pages, `${p.normalized}.${i}`);
      if (a.pages && existsSync(f)) pages.set(url, readFileSync(f, 'utf8'));
    });
  }
  for (const p of plan.packages) {
    const dir = join(a.pages, '..', 'cached', p.normalized);
    if (p.pages.length && !p.pages.some((u) => pages.has(u)) && existsSync(dir)) {
      const files = await fromRepositoryCache(dir, p.pages[0], p.normalized);
      if (files.wheels.length || files.sdists.length) Object.assign(p, { pages: [], wheels: files.wheels, sdist: files.sdists[0] ?? null });
    }
  }
  const selected = selectWheels(plan.packages, pages, target(a).t, plan.lock);
  writeText(a.out, stableStringify({ lock: plan.lock, selected }) + '\n');
}

const LockedFileSchema = z.object({ filename: z.string(), url: z.string(), sha256: z.string() });
const SelectedFile = z.object({ lock: z.string(), selected: z.array(z.object({
  name: z.string(), normalized: z.string(), version: z.string(), extras: z.array(z.string()),
  wheel: LockedFileSchema, wheels: z.array(LockedFileSchema).min(1), note: z.string().nullable(),
})) });

export async function lockHubVerb(argv: string[], _io: Io): Promise<void> {
  const a = parseVerbArgs('lock-hub', argv, { selected: { type: 'string' }, root: { type: 'string' }, hub: { type: 'string' }, ...TARGET_OPTIONS },
    z.object({ selected: req('selected'), root: req('root'), hub: req('hub'), ...TargetArgs, positionals: z.array(z.string()).max(0) }));
  const { lock, selected } = SelectedFile.parse(readJson(a.selected));
  const dists: { sel: Selected; info: Awaited<ReturnType<typeof readDistInfo>> }[] = [];
  for (const sel of selected) {
    const file = join(a.root, hubPackage(sel.normalized), sel.wheel.filename);
    dists.push({ sel, info: await readDistInfo(file, sel.normalized) });
  }
  const hub = resolveDeps(dists, target(a).envs, lock);
  for (const d of hub) writeText(join(a.root, hubPackage(d.normalized), 'BUILD.bazel'), packageBuild(d, a.hub));
  writeText(join(a.root, 'par_hub.json'), stableStringify(hubJson(a.hub, lock, hub)) + '\n');
}

/**
 * Error path only: after Bazel's downloader failed to fetch a locked file with its sha256,
 * fetch it once more without the hash, to tell a changed file (print its sha256) from a
 * missing one (print the HTTP status). Bazel's downloader cannot do this: it refuses plain
 * http without a checksum and does not report the status with allow_fail.
 */
export async function lockProbeVerb(argv: string[], io: Io): Promise<void> {
  const a = parseVerbArgs('lock-probe', argv, { url: { type: 'string' } }, z.object({ url: req('url'), positionals: z.array(z.string()).max(0) }));
  let out: { status?: string; sha256?: string; error?: string };
  try {
    const r = await fetch(a.url, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
    if (!r.ok) out = { status: `${r.status} ${r.statusText}`.trim() };
    else out = { sha256: createHash('sha256').update(Buffer.from(await r.arrayBuffer())).digest('hex') };
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    out = { error: cause ?? (e as Error).message };
  }
  io.out(JSON.stringify(out) + '\n');
}
