// A real tree nobody here wrote: pip's source from Debian's pip wheel, laid out as a
// package of a monorepo. `par gen` writes its BUILD files, the archive builds and runs, a
// second gen changes nothing, and deleting one generated dep makes both `par gen --check`
// and the build fail, the build naming the file, line and module of the missing import.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, cleanEnv, ROOT, scratch, writeWorkspace } from './harness';

const PAR = join(ROOT, 'rules/private/tools/par.js');
const WHEELS = '/usr/share/python-wheels';
const pipWheel = existsSync(WHEELS) ? readdirSync(WHEELS).find((f) => /^pip-.*\.whl$/.test(f)) : undefined;

// Imports pip's code makes for optional features or Python 2 branches, which this
// monorepo does not provide (pip does not ship them either).
const IGNORE = [
  'keyring', 'StringIO', '__builtin__', 'ConfigParser', 'urlparse', 'urllib2', 'httplib', 'xmlrpclib', 'Queue',
  'HTMLParser', 'htmlentitydefs', 'java', '__pypy__', 'docutils', 'sphinx', 'railroad', 'jinja2', 'cryptography',
  'OpenSSL', 'tornado', 'ntlm', 'pip._vendor.pygments.lexers.special', 'pip._vendor.rich.markdown',
];

function par(ws: string, args: string[]) {
  const r = spawnSync(process.execPath, [PAR, ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, BUILD_WORKSPACE_DIRECTORY: ws } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

(pipWheel ? describe : describe.skip)('par gen on pip', () => {
  const ws = join(scratch('par-gen-pip-'), 'ws');
  const startup = [`--output_base=${ws}-output-base`];

  beforeAll(() => {
    writeWorkspace(ws, {
      'bin/BUILD': `load("@rules_par//rules:defs.bzl", "python_binary")

python_binary(
    name = "pkg",
    entry_point = "pip._internal.cli.main:main",
    deps = ["//pip"],
    imports_ignore = ${JSON.stringify(IGNORE)},
)
`,
    }, 'pipmono');
    const u = spawnSync('unzip', ['-q', join(WHEELS, pipWheel!), 'pip/*', '-d', ws], { encoding: 'utf8' });
    if (u.status !== 0) throw new Error(`unzip failed: ${u.stderr}`);
  });

  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
  });

  test('gen writes BUILD files, reports the cycles it merged, and is idempotent', () => {
    const first = par(ws, ['gen']);
    expect(first.stderr).toMatch(/import cycle \/\/pip -> .* -> \/\/pip: merged into \/\/pip/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/wrote pip\/BUILD.bazel/);
    const pipBuild = readFileSync(join(ws, 'pip/BUILD.bazel'), 'utf8');
    expect(pipBuild).toMatch(/^load\("@rules_par\/\/rules:defs.bzl", "python_library"\)/);
    expect(pipBuild).toContain('"//pip/_vendor/packaging",');
    // Buildifier-clean, when the npm package's binary is there (linux-x64).
    const buildifier = join(ROOT, 'node_modules/@bazel/buildifier-linux_x64/buildifier');
    if (existsSync(buildifier)) {
      const builds = spawnSync('find', [join(ws, 'pip'), '-name', 'BUILD.bazel'], { encoding: 'utf8' }).stdout.trim().split('\n');
      expect(builds.length).toBeGreaterThan(10);
      const b = spawnSync(buildifier, ['--mode=check', '--type=build', ...builds], { encoding: 'utf8' });
      expect(b.stdout + b.stderr).toBe('');
    }
    const second = par(ws, ['gen']);
    expect(second).toMatchObject({ status: 0, stdout: '' });
    expect(par(ws, ['gen', '--check']).status).toBe(0);
  });

  test('the generated graph builds an archive that runs pip', () => {
    const b = bazel(['build', '//bin:pkg'], { cwd: ws, startup });
    expect(b.stderr).toContain('Build completed successfully');
    const bin = bazel(['info', 'bazel-bin'], { cwd: ws, startup }).stdout.trim();
    const r = spawnSync(join(bin, 'bin/pkg'), ['--version'], { env: cleanEnv(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^pip 23\.\d+(\.\d+)? from .*\(python 3\.\d+\)/);
    expect(r.status).toBe(0);
  });

  test('a deleted dep is drift for --check and an unresolved import for the build', () => {
    const file = join(ws, 'pip/BUILD.bazel');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('        "//pip/_vendor/packaging",\n', ''));
    const check = par(ws, ['gen', '--check']);
    expect(check.status).toBe(1);
    expect(check.stdout).toBe('pip/BUILD.bazel\n');
    expect(check.stderr).toContain('1 BUILD file is out of date: pip/BUILD.bazel');

    const b = bazel(['build', '//bin:pkg'], { cwd: ws, startup });
    expect(b.status).not.toBe(0);
    expect(b.stderr).toContain('//bin:pkg: imports_check = "error":');
    // e.g. pip/_internal/cli/cmdoptions.py:22: `from pip._vendor.packaging.utils import canonicalize_name` needs module pip._vendor.packaging.utils.canonicalize_name
    expect(b.stderr).toMatch(/pip\/_internal\/[\w/]+\.py:\d+: `(from|import) pip\._vendor\.packaging[\w. ,]*` needs module pip\._vendor\.packaging/);
    expect(b.stderr).toMatch(/needs module pip\._vendor\.packaging\.\w+; no target in this binary provides it and no module index is configured to look further; \/\/pip:pip needs a dep that does \(`par gen` adds it from the imports\)/);

    // gen puts it back.
    expect(par(ws, ['gen']).stdout).toBe('wrote pip/BUILD.bazel\n');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

});
