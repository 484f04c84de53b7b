// par cache gc: least recently used first, never what a running process uses. The "running
// archives" here are real Python processes: one holds an entry through the bootstrap's own
// _cache.use() (shared flock), one only has a file of an entry open (seen in /proc).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cacheRoot, cacheVerb, parseDuration, parseSize, planGc, type CacheEntry } from './cache';

const BOOTSTRAP = resolve(__dirname, '../bootstrap');
const DAY = 86400_000;

let root: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'par-cache-'));
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function entry(kind: string, key: string, size: number, daysAgo: number): string {
  const dir = join(root, kind, key);
  mkdirSync(join(dir, 'pkg'), { recursive: true, mode: 0o700 }); // as the bootstrap makes them
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, 'pkg', 'data.bin'), Buffer.alloc(size));
  const t = (Date.now() - daysAgo * DAY) / 1000;
  utimesSync(dir, t, t);
  return dir;
}

/** Starts python running `code`; resolves once it printed "ready". */
function holder(code: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const p = spawn('/usr/bin/python3', ['-S', '-c', code], { env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(p);
  return new Promise((res, rej) => {
    p.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && res(p));
    p.on('exit', (c) => rej(new Error(`holder exited ${c}`)));
  });
}

async function gc(args: string[]): Promise<string> {
  let out = '';
  await cacheVerb(['gc', '--root', root, ...args], { out: (s) => (out += s), err: (s) => (out += s) });
  return out;
}

const left = (kind: string) => readdirSync(join(root, kind)).filter((n) => !n.startsWith('.')).sort();

test('sizes and durations', () => {
  expect(parseSize('500M')).toBe(500 << 20);
  expect(parseSize('1.5GiB')).toBe(1.5 * 2 ** 30);
  expect(parseSize('4096')).toBe(4096);
  expect(() => parseSize('lots')).toThrow("par cache gc: --max-size 'lots' is not a size (e.g. 500M, 2G, 1073741824)");
  expect(parseDuration('30d')).toBe(30 * DAY);
  expect(parseDuration('90m')).toBe(90 * 60_000);
  expect(() => parseDuration('soon')).toThrow("par cache gc: --older-than 'soon' is not a duration (e.g. 30d, 12h, 90m, 3600s)");
});

test('plan: older-than, then least recently used first down to max-size; in-use entries stay and still count', () => {
  const e = (key: string, size: number, days: number, inUse?: string): CacheEntry => ({ kind: 'wheels', key, path: `/c/wheels/${key}`, size, lastUse: 100 * DAY - days * DAY, inUse });
  const entries = [e('new', 10, 1), e('old', 10, 50), e('mid', 10, 10), e('busy', 10, 60, 'pid 1')];
  const keys = (p: CacheEntry[]) => p.map((x) => x.key);
  expect(keys(planGc(entries, { olderThan: 30 * DAY, now: 100 * DAY }).remove)).toEqual(['old']);
  expect(keys(planGc(entries, { maxSize: 25, now: 100 * DAY }).remove)).toEqual(['old', 'mid']);
  expect(keys(planGc(entries, { maxSize: 0, now: 100 * DAY }).remove)).toEqual(['old', 'mid', 'new']);
});

test('gc --max-size 0 removes every entry except those running processes use, LRU first', async () => {
  entry('wheels', 'aaa', 1000, 9);
  entry('extract', 'bbb', 2000, 5);
  const copy = entry('copies', 'ccc', 3000, 7);
  entry('extract', 'held', 4000, 8);
  // A running archive: the bootstrap's own _cache.use() on extract/held.
  await holder(
    `import sys; sys.path.insert(0, ${JSON.stringify(BOOTSTRAP)}); from __par__ import _cache\n` +
      `p = _cache.use("extract", "held", None); print("ready", p, flush=True); sys.stdin.read()`,
    { PAR_ROOT: root },
  );
  // A process that only has a file of copies/ccc open (an older archive without the lock).
  await holder(`import sys; f = open(${JSON.stringify(join(copy, 'pkg/data.bin'))}, "rb"); print("ready", flush=True); sys.stdin.read()`);
  const out = await gc(['--max-size', '0']);
  expect(out).toMatch(/^removed wheels\/aaa \(1\.0 KiB, last used 9\.0d ago\)\nremoved extract\/bbb \(2\.0 KiB, last used 5\.0d ago\)\n/);
  expect(out).toMatch(/kept copies\/ccc \(2\.9 KiB\): in use: pid \d+ has pkg\/data\.bin open\n/);
  expect(out).toContain('kept extract/held (3.9 KiB): a running archive holds it\n');
  expect(out).toContain('par cache gc: removed 2 of 4 entries, 2.9 KiB in ');
  expect(left('wheels')).toEqual([]);
  expect(left('extract')).toEqual(['held']);
  expect(left('copies')).toEqual(['ccc']);
  expect(readdirSync(join(root, 'extract')).filter((n) => n.startsWith('.gc-'))).toEqual([]);
  // Once the archive exits, its entry goes too.
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  expect(await gc(['--max-size', '0'])).toContain('removed 2 of 2 entries');
  expect(left('extract')).toEqual([]);
});

test('gc --older-than keeps recently used entries; --dry-run removes nothing; no limits means 30 days', async () => {
  entry('wheels', 'recent', 10, 1);
  entry('wheels', 'stale', 10, 40);
  entry('wheels', 'ancient', 10, 400);
  expect(await gc(['--older-than', '2d', '--dry-run'])).toContain('would remove 2 of 3 entries');
  expect(left('wheels')).toEqual(['ancient', 'recent', 'stale']);
  expect(await gc(['--older-than', '100d'])).toContain('removed wheels/ancient');
  expect(left('wheels')).toEqual(['recent', 'stale']);
  expect(await gc([])).toContain('removed wheels/stale');
  expect(left('wheels')).toEqual(['recent']);
});

test('a launch after gc removed its entry unpacks it again', async () => {
  entry('extract', 'k', 10, 3);
  await gc(['--max-size', '0']);
  const p = await holder(
    `import sys, os; sys.path.insert(0, ${JSON.stringify(BOOTSTRAP)}); from __par__ import _cache\n` +
      `def fill(d):\n  open(d + "/new", "w").write("x")\n` +
      `p = _cache.use("extract", "k", fill); print("ready", sorted(os.listdir(p)), flush=True)`,
    { PAR_ROOT: root },
  ).catch((e) => e);
  expect(p).not.toBeInstanceOf(Error);
  expect(readdirSync(join(root, 'extract', 'k')).sort()).toEqual(['.par-entry', 'new']);
});

test('leftovers of killed extractions and set-aside entries are listed; gc collects them once their process is gone', async () => {
  // A first launch unpacking into extract/.tmp-<key>-<pid>, then killed (or still running).
  const unpacking = (key: string) =>
    `import sys, time; sys.path.insert(0, ${JSON.stringify(BOOTSTRAP)}); from __par__ import _cache\n` +
    `def fill(d):\n  open(d + "/part", "wb").write(b"x" * 2048); print("ready", flush=True); time.sleep(600)\n` +
    `_cache.use("extract", "${key}", fill)`;
  const dead = await holder(unpacking('dead'), { PAR_ROOT: root });
  const live = await holder(unpacking('live'), { PAR_ROOT: root });
  await new Promise((r) => {
    dead.on('exit', r);
    dead.kill('SIGKILL');
  });
  mkdirSync(join(root, 'wheels', '.set-aside-k-1', 'pkg'), { recursive: true }); // by a launch that distrusted it
  writeFileSync(join(root, 'wheels', '.set-aside-k-1', 'pkg', 'x'), Buffer.alloc(1024));
  const row = (name: string, size: string, state: string) => `  ${name.padEnd(40)}  ${size.padStart(10)}  ${state}\n`;
  let out = '';
  await cacheVerb(['list', '--root', root], { out: (t) => (out += t), err: (t) => (out += t) });
  expect(out).toBe(
    `${root}: 0 entries, 0.0 KiB\n` +
      '  leftovers (par cache gc removes them once no process is filling them):\n' +
      row(`extract/.tmp-dead-${dead.pid}`, '2.0 KiB', `unpacked by process ${dead.pid}, which is gone`) +
      row(`extract/.tmp-live-${live.pid}`, '2.0 KiB', `being unpacked by process ${live.pid}`) +
      row('wheels/.set-aside-k-1', '1.0 KiB', 'set aside by a launch that could not trust it'),
  );
  expect(await gc([])).toBe(
    `removed leftover extract/.tmp-dead-${dead.pid} (2.0 KiB)\n` +
      'removed leftover wheels/.set-aside-k-1 (1.0 KiB)\n' +
      `kept leftover extract/.tmp-live-${live.pid} (2.0 KiB): being unpacked by process ${live.pid}\n` +
      `par cache gc: removed 0 of 0 entries and 2 leftovers, 3.0 KiB in ${root}\n`,
  );
  expect(readdirSync(join(root, 'extract')).filter((n) => n.startsWith('.tmp-'))).toEqual([`.tmp-live-${live.pid}`]);
  expect(readdirSync(join(root, 'wheels'))).toEqual([]);
});

test('unknown subcommands and bad options are reported', async () => {
  await expect(cacheVerb(['prune'], { out: () => undefined, err: () => undefined })).rejects.toThrow("par cache: unknown subcommand 'prune'; usage: par cache list");
  expect(() => cacheRoot({ PAR_ROOT: 'rel/cache' })).toThrow(
    /^par cache: PAR_ROOT=rel\/cache is a relative path; set it to an absolute one \(archives refuse a relative one\)$/,
  );
  await expect(cacheVerb(['gc', '--max-size', '12 parsecs'], { out: () => undefined, err: () => undefined })).rejects.toThrow("--max-size '12 parsecs' is not a size");
});
