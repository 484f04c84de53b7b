// Byte-for-byte reproducibility (DESIGN.md "Outputs are deterministic"): two clean builds
// of the same sources, differing in everything that must not matter — checkout path, output
// base, umask, file modes and modification times, wall clock — give archives with the same
// sha256.
//
// Each build runs on its own frozen copy of the rule set and the examples, so engineers
// editing the shared tree meanwhile cannot make the two builds see different inputs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { BAZEL, ROOT, scratch } from './harness';

jest.setTimeout(10 * 60_000);

const COPY = ['WORKSPACE', 'BUILD', '.bazelrc', 'package.json', 'rules', 'toolchains', 'src/bootstrap', 'third_party/offline_stubs', 'examples/hello', 'examples/monorepo'];
const ARCHIVES = ['examples/hello/pkg', 'examples/monorepo/tools/wordcount/wordcount', 'examples/monorepo/tools/greeter/greeter'];

function freeze(dest: string): void {
  for (const p of COPY) cpSync(join(ROOT, p), join(dest, p), { recursive: true, filter: (src) => !/\/bazel-[^/]*$/.test(src) });
}

function walk(dir: string, fn: (path: string, isDir: boolean) => void): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, fn);
    fn(p, e.isDirectory());
  }
}

/** Runs Bazel in `ws` with its own server (output base) started under `umask`. */
function build(ws: string, outputBase: string, umask: string): Map<string, string> {
  const bazel = (...args: string[]) =>
    spawnSync('sh', ['-c', `umask ${umask} && exec "$0" "$@"`, BAZEL, `--output_base=${outputBase}`, '--max_idle_secs=60', ...args], {
      cwd: ws,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
  try {
    const r = bazel('build', '--color=no', '--curses=no', ...ARCHIVES.map((a) => `//${a.replace(/\/([^/]+)$/, ':$1')}`));
    if (r.status !== 0) throw new Error(`bazel build in ${ws} failed:\n${r.stderr.slice(-4000)}`);
    const bin = bazel('info', 'bazel-bin').stdout.trim();
    const sums = new Map<string, string>();
    for (const a of ARCHIVES) {
      const file = realpathSync(join(bin, a));
      sums.set(a, createHash('sha256').update(readFileSync(file)).digest('hex'));
    }
    return sums;
  } finally {
    bazel('shutdown');
  }
}

test('two clean builds (other path, output base, umask, modes, mtimes, clock) give identical archives', () => {
  const base = scratch('par-it-determinism-');
  try {
    const first = join(base, 'a');
    const second = join(base, 'second', 'checkout-with-a-longer-path');
    freeze(first);
    freeze(second);
    // The second checkout looks like a fresh clone under a strict umask, edited a day later.
    const later = new Date(Date.now() + 24 * 3600_000);
    walk(second, (p, isDir) => {
      chmodSync(p, isDir ? 0o700 : statSync(p).mode & 0o100 ? 0o700 : 0o600);
      utimesSync(p, later, later);
    });

    const a = build(first, join(base, 'ob-a'), '022');
    const b = build(second, join(base, 'ob-b'), '077');
    expect(Object.fromEntries(b)).toEqual(Object.fromEntries(a));
    for (const sum of a.values()) expect(sum).toMatch(/^[0-9a-f]{64}$/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
