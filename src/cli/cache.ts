// `par cache list|gc`: the per-user cache the archives unpack into (src/bootstrap/__par__/
// _cache.py): <root>/<kind>/<key>/ entries (native wheels, layout = "extract", local copies).
//
// gc removes least recently used entries first (last use = the entry's mtime, which every
// launch's lookup() touches) and never one a running process uses:
//  - archives hold a shared flock on <kind>/.<key>.use while they run (_cache.use()); gc
//    takes it exclusively without waiting (flock(1)) and, under it, renames the entry away
//    before deleting it, so a launch sees the whole entry or none (and then unpacks again);
//  - entries that /proc/*/maps (loaded .so files) or /proc/*/fd (open files, e.g. a local
//    copy of an archive) reference are kept too, for archives that hold no lock.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { parseVerbArgs } from './args';
import type { Io } from './io';

/** The cache root the bootstrap uses: $PAR_ROOT, else $XDG_CACHE_HOME/par, else ~/.cache/par. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PAR_ROOT && !env.PAR_ROOT.startsWith('/')) {
    throw new ParError('BAD_ARGUMENTS', `par cache: PAR_ROOT=${env.PAR_ROOT} is a relative path; set it to an absolute one (archives refuse a relative one)`);
  }
  if (env.PAR_ROOT) return env.PAR_ROOT.replace(/\/+$/, '') || '/';
  if (env.XDG_CACHE_HOME?.startsWith('/')) return join(env.XDG_CACHE_HOME, 'par');
  // Without $HOME in `env`, the password database's home, as the bootstrap's pwd lookup gives
  // (os.homedir() would read this process's own $HOME instead).
  return join(env.HOME || userInfo().homedir, '.cache', 'par');
}

export interface CacheEntry {
  kind: string;
  key: string;
  path: string;
  size: number;
  /** Last use (ms since the epoch): the entry directory's mtime. */
  lastUse: number;
  /** Why it is in use (e.g. "pid 123 maps numpy/_core/_multiarray_umath.so"), or undefined. */
  inUse?: string;
}

function treeSize(path: string, st: Stats = lstatSync(path)): number {
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) {
    try {
      total += treeSize(join(path, name));
    } catch {
      // vanished meanwhile
    }
  }
  return total;
}

/** Every published entry (dot-names are locks, temp and removed dirs). */
export function listEntries(root: string): CacheEntry[] {
  if (!existsSync(root)) return [];
  const out: CacheEntry[] = [];
  for (const kind of readdirSync(root).sort()) {
    const kdir = join(root, kind);
    if (kind.startsWith('.') || !statSync(kdir).isDirectory()) continue;
    for (const key of readdirSync(kdir).sort()) {
      if (key.startsWith('.')) continue;
      const path = join(kdir, key);
      try {
        const st = lstatSync(path);
        if (!st.isDirectory()) continue;
        out.push({ kind, key, path, size: treeSize(path, st), lastUse: st.mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
  }
  return out;
}

/** What launches leave beside the entries: .tmp-<key>-<pid> (an unpacking, killed if its process
 * is gone) and .set-aside-<name>-<pid> (an entry or kind directory a launch did not trust). */
export interface Leftover {
  path: string;
  /** kind/name, or name for those at the root. */
  name: string;
  size: number;
  /** Set while the process that fills it runs: then it stays. */
  fillingPid?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // another user's process
  }
}

export function listLeftovers(root: string): Leftover[] {
  const out: Leftover[] = [];
  const scan = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const tmp = /^\.tmp-.+-(\d+)$/.exec(name);
      if (!tmp && !name.startsWith('.set-aside-')) continue;
      const path = join(dir, name);
      try {
        const pid = tmp ? Number(tmp[1]) : undefined;
        out.push({ path, name: prefix + name, size: treeSize(path), fillingPid: pid !== undefined && isAlive(pid) ? pid : undefined });
      } catch {
        // removed meanwhile
      }
    }
  };
  if (!existsSync(root)) return out;
  scan(root, '');
  for (const kind of readdirSync(root).sort()) {
    const kdir = join(root, kind);
    if (!kind.startsWith('.') && statSync(kdir).isDirectory()) scan(kdir, `${kind}/`);
  }
  return out;
}

function leftoverState(l: Leftover): string {
  const pid = /-(\d+)$/.exec(l.path)?.[1];
  if (!l.name.split('/').pop()!.startsWith('.tmp-')) return 'set aside by a launch that could not trust it';
  return l.fillingPid !== undefined ? `being unpacked by process ${pid}` : `unpacked by process ${pid}, which is gone`;
}

/** Files that running processes (those we may inspect) have mapped or open, with their pid. */
export function filesInUse(proc = '/proc'): Map<string, number> {
  const used = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((n) => /^\d+$/.test(n));
  } catch {
    return used;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      for (const line of readFileSync(join(proc, pid, 'maps'), 'utf8').split('\n')) {
        const i = line.indexOf('/');
        if (i !== -1) used.set(line.slice(i).replace(/ \(deleted\)$/, ''), Number(pid));
      }
    } catch {
      // gone, or another user's
    }
    try {
      for (const fd of readdirSync(join(proc, pid, 'fd'))) {
        try {
          const target = readlinkSync(join(proc, pid, 'fd', fd));
          if (target.startsWith('/')) used.set(target.replace(/ \(deleted\)$/, ''), Number(pid));
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // gone, or another user's
    }
  }
  return used;
}

/** Marks entries referenced by a running process. */
export function markInUse(entries: CacheEntry[], used: Map<string, number>): void {
  for (const [file, pid] of used) {
    for (const e of entries) {
      if (!e.inUse && (file === e.path || file.startsWith(e.path + '/'))) e.inUse = `pid ${pid} has ${file.slice(e.path.length + 1) || 'it'} open`;
    }
  }
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1 << 10, kb: 1 << 10, kib: 1 << 10, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };
const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** '500M', '2G', '1.5GiB', '1048576' -> bytes (binary units). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new ParError('BAD_ARGUMENTS', `par cache gc: --max-size '${text}' is not a size (e.g. 500M, 2G, 1073741824)`);
  return Math.floor(Number(m[1]) * unit);
}

/** '30d', '12h', '90m', '3600s', '2w' -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (!m) throw new ParError('BAD_ARGUMENTS', `par cache gc: --older-than '${text}' is not a duration (e.g. 30d, 12h, 90m, 3600s)`);
  return Number(m[1]) * SECONDS[m[2]] * 1000;
}

export interface GcPlan { remove: CacheEntry[]; keep: CacheEntry[] }

/**
 * Which entries to remove: those last used before now - olderThan, then least recently used
 * first until the total is at most maxSize. In-use entries are never removed (they still
 * count towards the total).
 */
export function planGc(entries: CacheEntry[], opts: { maxSize?: number; olderThan?: number; now: number }): GcPlan {
  const byAge = [...entries].sort((a, b) => a.lastUse - b.lastUse || (a.path < b.path ? -1 : 1));
  const remove = new Set<CacheEntry>();
  if (opts.olderThan !== undefined) {
    for (const e of byAge) if (!e.inUse && e.lastUse < opts.now - opts.olderThan) remove.add(e);
  }
  if (opts.maxSize !== undefined) {
    let total = entries.reduce((n, e) => n + (remove.has(e) ? 0 : e.size), 0);
    for (const e of byAge) {
      if (total <= opts.maxSize) break;
      if (e.inUse || remove.has(e)) continue;
      remove.add(e);
      total -= e.size;
    }
  }
  return { remove: byAge.filter((e) => remove.has(e)), keep: byAge.filter((e) => !remove.has(e)) };
}

const LOCKED = 75; // flock(1) -E: the entry's .use lock is held by a running archive

/** Removes one entry unless a running archive holds it; returns why it was kept, if it was. */
export function removeEntry(e: CacheEntry): string | undefined {
  const grave = join(e.path, '..', `.gc-${e.key}-${process.pid}`);
  const lock = join(e.path, '..', `.${e.key}.use`);
  // Rename under the exclusive lock: a launch that found the entry before waits on its shared
  // lock, then finds it gone and unpacks again; one that holds the lock keeps the entry.
  const r = spawnSync('flock', ['-n', '-x', '-E', String(LOCKED), lock, 'mv', '-T', '--', e.path, grave], { encoding: 'utf8' });
  if (r.error) throw new ParError('BAD_ARGUMENTS', `par cache gc needs flock(1) (util-linux): ${r.error.message}`);
  if (r.status === LOCKED) return 'a running archive holds it';
  if (r.status !== 0) return `cannot move it away: ${(r.stderr ?? '').trim()}`;
  rmSync(grave, { recursive: true, force: true });
  rmSync(lock, { force: true });
  rmSync(join(e.path, '..', `.${e.key}.lock`), { force: true });
  return undefined;
}

/** Leftovers of interrupted gc runs (.gc-*): removed whenever gc runs. */
function removeGraves(root: string): void {
  for (const kind of existsSync(root) ? readdirSync(root) : []) {
    const kdir = join(root, kind);
    if (kind.startsWith('.') || !statSync(kdir).isDirectory()) continue;
    for (const name of readdirSync(kdir)) if (name.startsWith('.gc-')) rmSync(join(kdir, name), { recursive: true, force: true });
  }
}

function human(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function age(ms: number): string {
  const s = Math.max(0, ms / 1000);
  return s >= 86400 ? `${(s / 86400).toFixed(1)}d` : s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.round(s / 60)}m` : `${Math.round(s)}s`;
}

const USAGE = 'usage: par cache list [--root DIR] [--json] | par cache gc [--max-size N] [--older-than D] [--root DIR] [--dry-run] [--json]';

export async function cacheVerb(argv: string[], io: Io): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'gc') throw new ParError('BAD_ARGUMENTS', `par cache: ${sub ? `unknown subcommand '${sub}'` : 'name a subcommand'}; ${USAGE}`);
  const a = parseVerbArgs(`cache ${sub}`, rest, {
    root: { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' },
    'max-size': { type: 'string' }, 'older-than': { type: 'string' },
  }, z.object({
    root: z.string().min(1).optional(), json: z.boolean().optional(), 'dry-run': z.boolean().optional(),
    'max-size': z.string().optional(), 'older-than': z.string().optional(), positionals: z.array(z.string()).max(0),
  }));
  const root = a.root ?? cacheRoot();
  const now = Date.now();
  const entries = listEntries(root);
  markInUse(entries, filesInUse());
  const leftovers = listLeftovers(root);
  if (sub === 'list') {
    if (a.json) io.out(JSON.stringify({ root, entries, leftovers: leftovers.map((l) => ({ ...l, state: leftoverState(l) })) }, null, 2) + '\n');
    else {
      io.out(`${root}: ${entries.length} entries, ${human(entries.reduce((n, e) => n + e.size, 0))}\n`);
      for (const e of entries) io.out(`  ${`${e.kind}/${e.key}`.padEnd(40).slice(0, 90)}  ${human(e.size).padStart(10)}  used ${age(now - e.lastUse)} ago${e.inUse ? `  (in use: ${e.inUse})` : ''}\n`);
      if (leftovers.length) io.out('  leftovers (par cache gc removes them once no process is filling them):\n');
      for (const l of leftovers) io.out(`  ${l.name.padEnd(40)}  ${human(l.size).padStart(10)}  ${leftoverState(l)}\n`);
    }
    return;
  }
  // Without limits gc removes what has not been used for 30 days.
  const olderThan = a['older-than'] !== undefined ? parseDuration(a['older-than']) : a['max-size'] === undefined ? parseDuration('30d') : undefined;
  const maxSize = a['max-size'] !== undefined ? parseSize(a['max-size']) : undefined;
  const plan = planGc(entries, { maxSize, olderThan, now });
  const removed: CacheEntry[] = [];
  const kept: { entry: CacheEntry; why: string }[] = plan.keep.filter((e) => e.inUse).map((e) => ({ entry: e, why: `in use: ${e.inUse}` }));
  if (!a['dry-run']) removeGraves(root);
  for (const e of plan.remove) {
    const why = a['dry-run'] ? undefined : removeEntry(e);
    if (why) kept.push({ entry: e, why });
    else removed.push(e);
  }
  // A .tmp- dir whose process is gone can never be published (the next publisher of its key
  // would remove it too); one being filled stays. Set-aside trees are never used again.
  const gone: Leftover[] = [];
  const busy: { leftover: Leftover; why: string }[] = [];
  for (const l of leftovers) {
    if (l.fillingPid !== undefined) busy.push({ leftover: l, why: leftoverState(l) });
    else if (a['dry-run']) gone.push(l);
    else {
      try {
        rmSync(l.path, { recursive: true, force: true });
        gone.push(l);
      } catch (e) {
        // e.g. a set-aside tree another user planted, with files we may not delete
        busy.push({ leftover: l, why: `cannot remove it: ${(e as Error).message}` });
      }
    }
  }
  const freed = removed.reduce((n, e) => n + e.size, 0) + gone.reduce((n, l) => n + l.size, 0);
  if (a.json) {
    io.out(JSON.stringify({ root, dry_run: !!a['dry-run'], removed, kept: kept.map((k) => ({ ...k.entry, why: k.why })), removed_leftovers: gone, kept_leftovers: busy.map((b) => ({ ...b.leftover, why: b.why })), freed }, null, 2) + '\n');
    return;
  }
  const verb = a['dry-run'] ? 'would remove' : 'removed';
  for (const e of removed) io.out(`${verb} ${e.kind}/${e.key} (${human(e.size)}, last used ${age(now - e.lastUse)} ago)\n`);
  for (const l of gone) io.out(`${verb} leftover ${l.name} (${human(l.size)})\n`);
  for (const k of kept) io.out(`kept ${k.entry.kind}/${k.entry.key} (${human(k.entry.size)}): ${k.why}\n`);
  for (const b of busy) io.out(`kept leftover ${b.leftover.name} (${human(b.leftover.size)}): ${b.why}\n`);
  const also = gone.length ? ` and ${gone.length} leftover${gone.length === 1 ? '' : 's'}` : '';
  io.out(`par cache gc: ${verb} ${removed.length} of ${entries.length} entries${also}, ${human(freed)} in ${root}\n`);
}
