// The per-user cache root ($PAR_ROOT, else $XDG_CACHE_HOME/par, else ~/.cache/par) is spelled
// in four places, each where importing another would cost launch time or cross a language:
// launcher.sh (the bytecode-cache line), __par__/_bytecode.py (before __par__ is imported),
// __par__/_cache.py (the owner) and `par cache` (src/cli/cache.ts). They must agree.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { cacheRoot } from '../../src/cli/cache';

const ROOT = join(__dirname, '../..');
const PAR = join(ROOT, 'src/bootstrap/__par__');

const CASES: Array<Record<string, string>> = [
  { HOME: '/home/u' },
  { HOME: '/home/u/' },
  { PAR_ROOT: '/srv/par-cache', HOME: '/home/u' },
  { PAR_ROOT: '/srv/par-cache//', HOME: '/home/u' },
  { XDG_CACHE_HOME: '/xdg', HOME: '/home/u' },
  { XDG_CACHE_HOME: '/xdg/', HOME: '/home/u' },
  { XDG_CACHE_HOME: 'relative', HOME: '/home/u' }, // ignored, as the XDG spec says
  { PAR_ROOT: '', XDG_CACHE_HOME: '/xdg', HOME: '/home/u' }, // empty means unset
  {}, // no $HOME: the password database's home directory
];

function python(fn: string, env: Record<string, string>): string {
  const code = `import importlib.util as u, sys
s = u.spec_from_file_location('m', sys.argv[1]); m = u.module_from_spec(s); s.loader.exec_module(m)
print(m.${fn}())`;
  const module = fn === 'candidate_root' ? '_bytecode.py' : '_cache.py';
  const r = spawnSync('/usr/bin/python3', ['-S', '-c', code, join(PAR, module)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** launcher.sh's own lines that pick the bytecode cache's root, run by sh. */
function launcher(env: Record<string, string>): string {
  const text = readFileSync(join(ROOT, 'src/bootstrap/launcher.sh'), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'par_bc=');
  const end = lines.findIndex((l, i) => i > start && l.trim() === 'fi');
  expect(start).toBeGreaterThan(0);
  const r = spawnSync('/bin/sh', ['-c', `${lines.slice(start, end + 1).join('\n')}\necho "$par_bc"`], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** The same directory: repeated and trailing slashes do not matter to the file system. */
const canonical = (p: string) => p.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

test.each(CASES.map((env) => [JSON.stringify(env), env] as const))('every copy of the cache-root rule agrees for %s', (_name, env) => {
  const ts = cacheRoot(env);
  const expected = env.HOME === undefined && !env.PAR_ROOT && !env.XDG_CACHE_HOME?.startsWith('/') ? join(userInfo().homedir, '.cache/par') : ts;
  expect(ts).toBe(expected);
  expect(python('_candidate', env)).toBe(ts);
  expect(python('candidate_root', env)).toBe(ts);
  // Without $HOME the launcher leaves the cache to the bootstrap (no password database in sh).
  expect(canonical(launcher(env))).toBe(env.HOME === undefined && !env.PAR_ROOT && !env.XDG_CACHE_HOME ? '' : ts);
});
