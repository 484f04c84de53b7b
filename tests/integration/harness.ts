// Shared by the integration tests: run real Bazel on this repository (or another workspace)
// and run the archives it produces with real interpreters, in a scrubbed environment.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const BAZEL = join(ROOT, 'scripts/bazel');

export interface BazelOptions {
  cwd?: string;
  /** Startup options, e.g. [`--output_base=${dir}`] for an isolated server. */
  startup?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Result { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function result(r: SpawnSyncReturns<string>): Result {
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function bazel(args: string[], opts: BazelOptions = {}): Result {
  const [cmd, ...rest] = args;
  return result(
    spawnSync(BAZEL, [...(opts.startup ?? []), cmd, '--color=no', '--curses=no', ...rest], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  );
}

/** Builds a label and returns the real path of its archive (bazel-bin/<package>/<name>). */
export function buildArchive(label: string, args: string[] = [], opts: BazelOptions = {}): string {
  const r = bazel(['build', ...args, label], opts);
  if (r.status !== 0) throw new Error(`bazel build ${label} failed:\n${r.stderr.slice(-4000)}`);
  const [pkg, name] = label.replace(/^\/\//, '').split(':');
  const bin = bazel(['info', ...args, 'bazel-bin'], opts).stdout.trim();
  return realpathSync(join(bin, pkg, name));
}

/** The environment an archive runs in: nothing inherited but PATH, HOME and a UTF-8 locale. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...extra };
}

export function runArchive(
  archive: string,
  args: string[] = [],
  opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; interpreter?: string } = {},
): Result {
  const cmd = opts.interpreter ?? archive;
  const argv = opts.interpreter ? [archive, ...args] : args;
  return result(spawnSync(cmd, argv, { env: cleanEnv(opts.env), input: opts.input, cwd: opts.cwd, encoding: 'utf8' }));
}

/**
 * PAR_TEST_NO_PYENV=1 hides pyenv from every test, as on a machine with only the system
 * python3 (Debian's): what needs another interpreter skips, the rest must still pass.
 */
export const NO_PYENV = process.env.PAR_TEST_NO_PYENV === '1';
if (NO_PYENV) {
  // pyenv's shims would still answer `python3` on PATH (and Bazel would find them): drop them.
  const root = process.env.PYENV_ROOT ?? join(process.env.HOME ?? '/root', '.pyenv');
  process.env.PATH = (process.env.PATH ?? '/usr/bin:/bin').split(':').filter((d) => d !== root && !d.startsWith(`${root}/`)).join(':');
}

/** pyenv interpreters by "3.X" (absent ones are simply missing from the map; none under PAR_TEST_NO_PYENV=1). */
export function pyenvInterpreters(): Map<string, string> {
  const out = new Map<string, string>();
  if (NO_PYENV) return out;
  const root = process.env.PYENV_ROOT ?? join(process.env.HOME ?? '/root', '.pyenv');
  const versions = join(root, 'versions');
  if (!existsSync(versions)) return out;
  for (const v of readdirSync(versions).sort()) {
    const m = /^(\d+)\.(\d+)\.\d+$/.exec(v);
    const bin = join(versions, v, 'bin', 'python');
    if (m && existsSync(bin)) out.set(`${m[1]}.${m[2]}`, bin);
  }
  return out;
}

/** What a test needs but this machine lacks, e.g. "pyenv Python 3.12" (for the skip's title). */
export function missingPyenv(minors: readonly string[]): string | undefined {
  const pyenv = pyenvInterpreters();
  const absent = minors.filter((m) => !pyenv.has(m));
  if (!absent.length) return undefined;
  return `no pyenv Python ${absent.join(', ')}${NO_PYENV ? ' (PAR_TEST_NO_PYENV=1)' : ''}`;
}

type TestFn = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

/**
 * `test`, or when `missing` says what this machine lacks, a skip whose title ends in
 * "[skipped: <missing>]" (jest lists it; the summary reporter repeats it at the end).
 */
export function testUnless(missing: string | undefined): TestFn {
  if (!missing) return test;
  return (name) => test.skip(`${name} [skipped: ${missing}]`, () => undefined);
}

/** `describe`, or when `missing` says what this machine lacks, one visible skip in its place. */
export function describeUnless(missing: string | undefined): (name: string, fn: () => void) => void {
  if (!missing) return describe;
  return (name) => testUnless(missing)(name, () => undefined);
}

/**
 * test.each over `rows`, or one visible skip when there are none: jest's .each throws on an
 * empty table, which would fail the whole file on a machine without the interpreters.
 */
export function testEach<T>(rows: readonly T[], name: string, missing: string | undefined, fn: (row: T) => unknown, timeout?: number): void {
  if (rows.length) test.each(rows.map((r) => [r] as [T]))(name, (row) => fn(row), timeout);
  else testUnless(missing ?? 'no rows')(name.replace(/%s/g, '*'), () => undefined);
}

export function scratch(prefix = 'par-it-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `files` (path -> text) below `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/**
 * Writes a throw-away workspace at `dir` that uses this checkout (or a copy of it, `rules`)
 * as @rules_par (with the offline rules_java/rules_cc stubs) plus `files` (path -> text).
 * Give it its own output base.
 */
export function writeWorkspace(
  dir: string,
  files: Record<string, string>,
  name = 'par_test',
  rules = ROOT,
  /** WORKSPACE lines before the toolchains, and the arguments of rules_par_register_toolchains. */
  toolchains: { prelude?: string; args?: string } = {},
): void {
  const stubs = join(rules, 'third_party/offline_stubs');
  writeFiles(dir, {
    WORKSPACE: `workspace(name = "${name}")
local_repository(name = "rules_par", path = ${JSON.stringify(rules)})
local_repository(name = "rules_java", path = ${JSON.stringify(join(stubs, 'rules_java'))})
local_repository(name = "rules_cc", path = ${JSON.stringify(join(stubs, 'rules_cc'))})
load("@rules_par//rules:repositories.bzl", "rules_par_dependencies", "rules_par_register_toolchains")
rules_par_dependencies()
${toolchains.prelude ?? ''}rules_par_register_toolchains(${toolchains.args ?? ''})
`,
    // (scripts/bazel adds Bazel 4.2's JSON-worker flag itself.)
    '.bazelrc': 'build --incompatible_strict_action_env\n',
    BUILD: '',
    ...files,
  });
}

/** Python (for PAR_INTERPRETER=1 ARCHIVE -c) that prints OK when zipimport's cached directory of the archive is exactly what it reads itself. */
export const DIRECTORY_CHECK = [
  'import sys, zipimport, __par__',
  'a = __par__.archive',
  'mine = zipimport._zip_directory_cache[a]',
  "real = {k: v for k, v in zipimport._read_directory(a).items() if k != '__par__/_launch.blob'}",
  "print('OK' if mine == real else 'DIFFERENT: %r' % sorted(set(mine.items()) ^ set(real.items()))[:4])",
].join('\n');
