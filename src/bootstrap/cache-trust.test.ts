// The per-user cache (__par__/_cache.py) trusts only what this user wrote: entries planted by
// another user, world-writable trees, a symlinked temp fallback, a relative PAR_ROOT, a full
// disk and a damaged archive entry. The bootstrap's own _cache.use() + _extract.unpack() run
// as uid 65534 (setpriv) on a small zip holding a real shared library, which the driver then
// loads with ctypes, as the import system would load an extension module: a planted library
// would run its constructor, which writes a file.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const BOOTSTRAP = resolve(__dirname, '__par__');
const VICTIM = 65534;
const OTHER = 65533;
const KEY = 'demo-0123456789abcdef';
const BLOB = 3 << 19; // 1.5 MiB of incompressible data: more than the 1 MiB tmpfs holds

const isRoot = process.getuid?.() === 0;
const tools = ['setpriv', 'gcc'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
const skip = !isRoot ? 'needs root (to run as other uids with setpriv)' : !tools ? 'needs setpriv and gcc' : '';
const maybe = skip ? describe.skip : describe;
if (skip) test(`cache trust (skipped: ${skip})`, () => console.log(`skipped: ${skip}`));

jest.setTimeout(60_000);

const LIB = (extra: string) => `#include <stdio.h>
${extra}
int answer(void) { return 42; }
`;

// Runs as uid: unpacks ARCHIVE's pkg/ through _cache.use(), loads the library, prints both.
const DRIVER = String.raw`
import sys, ctypes
archive, boot = sys.argv[1:3]
sys.path.insert(0, boot)
sys.argv[0] = "app"
from __par__ import _cache, _extract
def fill(tmp):
    _extract.unpack(archive, "", tmp, "demo 1.0")
p = _cache.use("wheels", "${KEY}", fill)
print(p)
print(ctypes.CDLL(p + "/pkg/_native.so").answer())
`;

maybe('the cache trusts only what this user wrote', () => {
  const base = mkdtempSync('/tmp/par-trust-');
  const boot = join(base, 'boot');
  const archive = join(base, 'demo.zip');
  const evil = join(base, 'evil.so');
  const pwned = join(base, 'pwned');

  const sh = (cmd: string): void => {
    const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  const cc = (out: string, extra: string): void => {
    writeFileSync(`${out}.c`, LIB(extra));
    sh(`gcc -shared -fPIC -O1 -o ${out} ${out}.c`);
  };

  beforeAll(() => {
    chmodSync(base, 0o755);
    cpSync(BOOTSTRAP, join(boot, '__par__'), { recursive: true });
    sh(`chmod -R a+rX ${boot}`);
    cc(join(base, 'good.so'), '');
    cc(evil, `__attribute__((constructor)) static void planted(void) { FILE *f = fopen("${pwned}", "w"); if (f) fclose(f); }`);
    // The library is stored (not deflated) so that a flipped byte is a CRC-32 error.
    const make = String.raw`
import sys, zipfile, random
out, lib, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
with zipfile.ZipFile(out, "w") as z:
    def put(name, data, mode, how):
        i = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)); i.external_attr = mode << 16; i.compress_type = how
        z.writestr(i, data)
    put("pkg/__init__.py", b"", 0o644, zipfile.ZIP_DEFLATED)
    put("pkg/_native.so", open(lib, "rb").read(), 0o644, zipfile.ZIP_STORED)  # no x bit: made 0700 as a .so
    put("pkg/data/blob.bin", random.Random(1).randbytes(size), 0o644, zipfile.ZIP_DEFLATED)
`;
    const r = spawnSync('/usr/bin/python3', ['-S', '-c', make, archive, join(base, 'good.so'), String(BLOB)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    chmodSync(archive, 0o644);
  });
  afterAll(() => {
    spawnSync('umount', [join(base, 'small')]);
    rmSync(base, { recursive: true, force: true });
  });

  /** A directory owned by uid (mode), for a cache root or a squatter's plant. */
  const dirOf = (path: string, uid: number, mode = 0o700): string => {
    mkdirSync(path, { recursive: true });
    chownSync(path, uid, uid);
    chmodSync(path, mode);
    return path;
  };
  const as = (uid: number, argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; archive?: string } = {}): SpawnSyncReturns<string> =>
    spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...argv], {
      encoding: 'utf8', cwd: opts.cwd ?? base, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ...opts.env },
    });
  const launch = (env: NodeJS.ProcessEnv, opts: { umask?: string; archive?: string; cwd?: string } = {}) => {
    const py = ['/usr/bin/python3', '-S', '-c', DRIVER, opts.archive ?? archive, boot];
    const r = as(VICTIM, opts.umask ? ['sh', '-c', `umask ${opts.umask}; exec "$@"`, 'sh', ...py] : py, { env, cwd: opts.cwd });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (entry: string) => ({ status: 0, stdout: `${entry}\n42\n`, stderr: '' });
  // Names in a kind directory other than the .<key>.lock/.use lock files.
  const names = (dir: string) => readdirSync(dir).filter((n) => !/^\.[^.].*\.(lock|use)$/.test(n)).sort();
  const modes = (dir: string) => spawnSync('find', [dir, '-printf', '%m %y\n'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

  test("another user's world-writable entry (a planted library) is set aside and unpacked afresh", () => {
    const root = dirOf(join(base, 'r1'), VICTIM);
    const entry = join(root, 'wheels', KEY);
    expect(launch({ PAR_ROOT: root })).toEqual(ok(entry));
    copyFileSync(evil, join(entry, 'pkg/_native.so'));
    sh(`chown -R ${OTHER}:${OTHER} ${entry} && chmod -R 777 ${entry}`);
    expect(launch({ PAR_ROOT: root })).toEqual({
      ...ok(entry),
      stderr: `app: warning: cannot trust the cache entry ${entry} (it is owned by uid ${OTHER}, not by you, uid ${VICTIM}); set it aside and unpacking it afresh\n`,
    });
    expect(existsSync(pwned)).toBe(false);
    expect(names(join(root, 'wheels'))).toEqual([KEY]); // the planted tree is gone
    expect(launch({ PAR_ROOT: root })).toEqual(ok(entry));
  });

  test('an own entry that others can write to is set aside too; one whose marker names another key as well', () => {
    const root = dirOf(join(base, 'r1b'), VICTIM);
    const entry = join(root, 'wheels', KEY);
    expect(launch({ PAR_ROOT: root })).toEqual(ok(entry));
    chmodSync(entry, 0o777);
    expect(launch({ PAR_ROOT: root }).stderr).toBe(
      `app: warning: cannot trust the cache entry ${entry} (others have access to it: mode 0777, not 0700); set it aside and unpacking it afresh\n`,
    );
    writeFileSync(join(entry, '.par-entry'), 'demo-another-key');
    expect(launch({ PAR_ROOT: root }).stderr).toBe(
      `app: warning: cannot trust the cache entry ${entry} (its completion marker names another entry); set it aside and unpacking it afresh\n`,
    );
    expect(launch({ PAR_ROOT: root })).toEqual(ok(entry));
  });

  test('an entry made before completion markers existed is checked once, tightened and kept', () => {
    const root = dirOf(join(base, 'r1c'), VICTIM);
    const entry = join(root, 'wheels', KEY);
    expect(launch({ PAR_ROOT: root })).toEqual(ok(entry));
    rmSync(join(entry, '.par-entry'));
    chmodSync(join(entry, 'pkg/data/blob.bin'), 0o666); // as an older version left it under umask 000
    const ino = lstatSync(join(entry, 'pkg/_native.so')).ino;
    expect(launch({ PAR_ROOT: root })).toEqual(ok(entry));
    expect(lstatSync(join(entry, 'pkg/_native.so')).ino).toBe(ino); // not unpacked again
    expect(lstatSync(join(entry, 'pkg/data/blob.bin')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(entry, '.par-entry'), 'utf8')).toBe(KEY);
  });

  test('a root that was 0777, where another user made the kind directory and a complete-looking entry first', () => {
    const root = dirOf(join(base, 'r2'), VICTIM, 0o777);
    const planted = join(root, 'wheels', KEY);
    const r = as(OTHER, ['sh', '-c', `mkdir -p ${planted}/pkg && cp ${evil} ${planted}/pkg/_native.so && printf %s ${KEY} > ${planted}/.par-entry && chmod -R go-w ${root}/wheels`]);
    expect(r.stderr).toBe('');
    expect(launch({ PAR_ROOT: root })).toEqual({
      ...ok(planted),
      stderr: `app: warning: cannot trust the cache directory ${root}/wheels (it is owned by uid ${OTHER}, not by you, uid ${VICTIM}); set it aside and unpacking it afresh\n`,
    });
    expect(existsSync(pwned)).toBe(false);
    expect(lstatSync(root).mode & 0o7777).toBe(0o700);
    expect(lstatSync(join(root, 'wheels')).uid).toBe(VICTIM);
  });

  test('under umask 000 every directory is 0700 and every file 0600, executables 0700', () => {
    const root = dirOf(join(base, 'r3'), VICTIM, 0o755);
    expect(launch({ PAR_ROOT: root }, { umask: '000' })).toEqual(ok(join(root, 'wheels', KEY)));
    expect(new Set(modes(root))).toEqual(new Set(['700 d', '600 f', '700 f']));
    expect(lstatSync(join(root, 'wheels', KEY, 'pkg/_native.so')).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(root, 'wheels', KEY, 'pkg/data')).mode & 0o777).toBe(0o700);
  });

  test('the temp fallback never follows a symlink or uses a squatted directory, and reuses one private alternative', () => {
    const tmp = dirOf(join(base, 'tmp'), 0, 0o1777);
    const mine = dirOf(join(base, 'victim-docs'), VICTIM, 0o755);
    writeFileSync(join(mine, 'notes.txt'), 'mine\n');
    const notMine = dirOf(join(base, 'not-mine'), 0, 0o755);
    const r = as(OTHER, ['ln', '-s', mine, join(tmp, `par-${VICTIM}`)]);
    expect(r.stderr).toBe('');
    const used = join(tmp, `par-${VICTIM}-2`);
    const fallback = {
      ...ok(join(used, 'wheels', KEY)),
      stderr: `app: warning: the cache ${notMine} is not a private directory of this user (it must be owned by you and writable; it is made 0700); using ${used} instead. Set PAR_ROOT to a directory you own to keep extracted files between runs.\n`,
    };
    const env = { PAR_ROOT: notMine, TMPDIR: tmp };
    expect(launch(env)).toEqual(fallback);
    expect(launch(env)).toEqual(fallback);
    expect(readdirSync(tmp).sort()).toEqual([`par-${VICTIM}`, `par-${VICTIM}-2`]);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    expect(lstatSync(mine).mode & 0o777).toBe(0o755);
    // Both names squatted: a directory of this run only, removed when it exits.
    rmSync(used, { recursive: true });
    dirOf(used, OTHER, 0o777);
    const last = launch(env);
    const dir = /using (\S+) instead/.exec(last.stderr)?.[1] ?? '';
    expect(dir).toMatch(new RegExp(`^${tmp}/par-[a-z0-9_]+$`)); // mkdtemp's
    expect(last).toEqual({ ...ok(join(dir, 'wheels', KEY)), stderr: fallback.stderr.replace(used, dir) });
    expect(readdirSync(tmp).sort()).toEqual([`par-${VICTIM}`, `par-${VICTIM}-2`]);
  });

  test('a relative PAR_ROOT is refused', () => {
    const cwd = dirOf(join(base, 'cwd'), VICTIM);
    expect(launch({ PAR_ROOT: 'rel/cache' }, { cwd })).toEqual({
      status: 1,
      stdout: '',
      stderr: 'app: PAR_ROOT=rel/cache is a relative path; set it to an absolute one (a relative path would give every working directory its own cache)\n',
    });
    expect(readdirSync(cwd)).toEqual([]);
  });

  test('a full disk: one paragraph naming the archive, the entry, the cache and the space needed; nothing published', () => {
    const small = dirOf(join(base, 'small'), 0, 0o755);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=1m,uid=${VICTIM},gid=${VICTIM},mode=0700`, 'tmpfs', small], { encoding: 'utf8' });
    if (m.status !== 0) {
      console.log(`skipped: cannot mount a 1 MiB tmpfs: ${m.stderr.trim()}`);
      return;
    }
    const root = join(small, 'root');
    expect(launch({ PAR_ROOT: root })).toEqual({
      status: 1,
      stdout: '',
      stderr: `app: cannot unpack demo 1.0 from ${archive} into the cache ${root}: no space left on device while writing pkg/data/blob.bin (the unpacked files need 1.5 MiB in all). Nothing was kept. Free some space there (\`par cache gc\` removes entries unused for 30 days) or set PAR_ROOT to a directory on a disk with room, then run it again.\n`,
    });
    expect(names(join(root, 'wheels'))).toEqual([]);
  });

  test('a cache it cannot write to: one paragraph naming the entry and the error, not a traceback', () => {
    const root = dirOf(join(base, 'r6'), VICTIM);
    dirOf(join(root, 'wheels'), VICTIM, 0o500);
    expect(launch({ PAR_ROOT: root })).toEqual({
      status: 1,
      stdout: '',
      stderr: `app: cannot make the cache entry ${root}/wheels/${KEY}: Permission denied. Nothing was kept. Check that the cache is writable and has room (\`par cache gc\` removes entries unused for 30 days), or set PAR_ROOT to a directory that is, then run it again.\n`,
    });
    expect(readdirSync(join(root, 'wheels'))).toEqual([]);
  });

  test('a flipped byte in the library: one paragraph naming the archive and the entry; nothing published', () => {
    const damaged = join(base, 'damaged.zip');
    const flip = String.raw`
import sys, zipfile
src, out = sys.argv[1:3]
data = bytearray(open(src, "rb").read())
info = zipfile.ZipFile(src).getinfo("pkg/_native.so")
h = info.header_offset  # local header: 30 bytes, the name, then an extra field of this length
start = h + 30 + len(info.filename) + int.from_bytes(data[h + 28:h + 30], "little")
data[start + 100] ^= 0xFF
open(out, "wb").write(bytes(data))
`;
    const f = spawnSync('/usr/bin/python3', ['-S', '-c', flip, archive, damaged], { encoding: 'utf8' });
    expect(f.stderr).toBe('');
    chmodSync(damaged, 0o644);
    const root = dirOf(join(base, 'r5'), VICTIM);
    expect(launch({ PAR_ROOT: root }, { archive: damaged })).toEqual({
      status: 1,
      stdout: '',
      stderr: `app: ${damaged} is damaged: its entry pkg/_native.so cannot be read back (Bad CRC-32 for file 'pkg/_native.so'); nothing was unpacked from it. Copy or build the archive again.\n`,
    });
    expect(names(join(root, 'wheels'))).toEqual([]);
  });
});
