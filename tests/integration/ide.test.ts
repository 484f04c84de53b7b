// par ide and par owner on a user's workspace (rules_par as @rules_par): pyright resolves every
// import with the generated config and not without it; re-runs follow BUILD changes and keep
// hand-written settings; owner finds shared, unowned and outside files.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch } from './harness';
import { bareConfig, bazelWrapper, par, pyright, unresolved, WORKSPACE_PREAMBLE, writeTree } from './ide-helpers';

jest.setTimeout(600_000);

const base = scratch('par-it-ide-');
const ws = join(base, 'ws');
const bazel = bazelWrapper(base, [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=120']);

beforeAll(() => {
  writeTree(ws, {
    WORKSPACE: WORKSPACE_PREAMBLE,
    'BUILD': '',
    'app/BUILD': `load("@rules_par//rules:defs.bzl", "python_binary", "python_library")
python_library(name = "shared", srcs = ["shared.py"])
python_binary(name = "app", main = "main.py", srcs = ["main.py", "shared.py"], deps = ["//lib:fmt"])
`,
    'app/main.py': 'import __par__\nimport fmt\nfrom app import shared\n\nprint(fmt.shout(shared.NAME), __par__.build_info["label"])\n',
    'app/shared.py': 'NAME = "world"\n',
    'app/notes.py': '# in no target\n',
    'lib/BUILD': `load("@rules_par//rules:defs.bzl", "python_library")
python_library(name = "fmt", srcs = ["src/fmt/__init__.py"], imports = ["src"], visibility = ["//visibility:public"])
`,
    'lib/src/fmt/__init__.py': 'def shout(s):\n    return s.upper()\n',
    'lib2/BUILD': `load("@rules_par//rules:defs.bzl", "python_library")
python_library(name = "util", srcs = ["py/util.py"], imports = ["py"], visibility = ["//visibility:public"])
`,
    'lib2/py/util.py': 'def twice(s):\n    return s + s\n',
  });
});
afterAll(() => spawnSync(bazel, ['shutdown'], { cwd: ws }));

const config = () => JSON.parse(readFileSync(join(ws, 'pyrightconfig.json'), 'utf8'));
// The typed stub of `import __par__` (src/bootstrap/stubs), through the @rules_par repository.
const STUBS = join(base, 'ob/external/rules_par/src/bootstrap/stubs');

test('par ide writes pyrightconfig.json in the workspace and prints the project model', () => {
  const r = par(['ide', '//app:app'], ws, bazel);
  expect(r.stderr).toContain(`par ide: wrote ${join(ws, 'pyrightconfig.json')} (2 targets, 3 import paths, Python `);
  expect(r.status).toBe(0);
  const model = JSON.parse(r.stdout);
  expect(model.targets.map((t: { label: string }) => t.label)).toEqual(['//app:app', '//lib:fmt']);
  expect(model.targets[0]).toEqual(expect.objectContaining({ kind: 'python_binary', python: '>=3.8', sources: [join(ws, 'app/main.py'), join(ws, 'app/shared.py')] }));
  expect(model.extra_paths).toEqual([ws, join(ws, 'lib/src'), STUBS]);
  expect(config()).toEqual({
    include: ['app/main.py', 'app/shared.py', 'lib/src/fmt/__init__.py'],
    extraPaths: ['.', 'lib/src', STUBS],
    pythonVersion: model.python_version,
  });
});

test('pyright: with the config no import is unresolved; without it the import root is missing', () => {
  expect(unresolved(pyright(base, ws, ['-p', join(ws, 'pyrightconfig.json')]))).toEqual([]);
  expect(unresolved(pyright(base, ws, ['-p', bareConfig(join(ws, 'pyrightconfig.json'))]))).toEqual([
    `${join(ws, 'app/main.py')}: Import "__par__" could not be resolved`,
    `${join(ws, 'app/main.py')}: Import "fmt" could not be resolved`,
  ]);
});

test('import __par__ is typed: build_info is a TypedDict, require_fingerprint takes a str', () => {
  const probe = join(ws, 'app/par_probe.py');
  writeFileSync(probe, 'import __par__\n\ninfo = __par__.build_info\nreveal_type(info["dirty"])\nreveal_type(info["wheels"][0]["sha256"])\nreveal_type(__par__.require_fingerprint)\nn: int = info["label"]\n');
  try {
    const diags = pyright(base, ws, ['-p', join(ws, 'pyrightconfig.json'), probe]).map((d) => `${d.rule ?? '-'}: ${d.message.split('\n')[0]}`);
    expect(diags).toEqual([
      '-: Type of "info["dirty"]" is "bool | None"',
      '-: Type of "info["wheels"][0]["sha256"]" is "str"',
      '-: Type of "__par__.require_fingerprint" is "(expected: str) -> None"',
      'reportAssignmentType: Type "str" is not assignable to declared type "int"',
    ]);
  } finally {
    rmSync(probe);
  }
});

test('a re-run after a BUILD change updates par\'s entries and keeps hand-written settings, saying so', () => {
  const hand = config();
  hand.extraPaths.push('vendor');
  hand.typeCheckingMode = 'basic';
  writeFileSync(join(ws, 'pyrightconfig.json'), JSON.stringify(hand, null, 2));
  writeFileSync(join(ws, 'app/BUILD'), readFileSync(join(ws, 'app/BUILD'), 'utf8').replace('deps = ["//lib:fmt"]', 'deps = ["//lib:fmt", "//lib2:util"]'));
  writeFileSync(join(ws, 'app/main.py'), 'import fmt\nimport util\nfrom app import shared\n\nprint(fmt.shout(util.twice(shared.NAME)))\n');
  expect(unresolved(pyright(base, ws, ['-p', join(ws, 'pyrightconfig.json')]))).toEqual([`${join(ws, 'app/main.py')}: Import "util" could not be resolved`]);

  const r = par(['ide', '//app:app'], ws, bazel);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('par ide: kept 1 hand-written entry of "extraPaths": vendor');
  expect(config()).toEqual({
    include: ['app/main.py', 'app/shared.py', 'lib/src/fmt/__init__.py', 'lib2/py/util.py'],
    extraPaths: ['.', 'lib/src', 'lib2/py', STUBS, 'vendor'],
    pythonVersion: hand.pythonVersion,
    typeCheckingMode: 'basic',
  });
  expect(unresolved(pyright(base, ws, ['-p', join(ws, 'pyrightconfig.json')]))).toEqual([]);

  const again = par(['ide', '//app:app'], ws, bazel);
  expect(again.stderr).toContain(`par ide: unchanged ${join(ws, 'pyrightconfig.json')}`);
});

test('par ide without labels, or with a config it cannot merge, fails with a message', () => {
  const none = par(['ide'], ws, bazel);
  expect(none.status).toBe(2);
  expect(none.stderr).toContain('par ide: error: par ide: arguments: name at least one //label');
  const out = join(base, 'commented');
  writeTree(out, { 'pyrightconfig.json': '{ // mine\n "strict": ["app"] }\n' });
  const bad = par(['ide', '//app:app', '--out', out], ws, bazel);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/is not plain JSON .*; par ide merges its settings by key and would lose comments or trailing commas .*Remove the comments, or run par ide with --out DIR/);
  expect(readFileSync(join(out, 'pyrightconfig.json'), 'utf8')).toBe('{ // mine\n "strict": ["app"] }\n');
});

test('par owner: a file in two targets has both, a file in none an empty list, exit 0', () => {
  const r = par(['owner', 'app/shared.py', 'app/notes.py', join(ws, 'lib/src/fmt/__init__.py')], ws, bazel);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual([
    { file: 'app/shared.py', path: 'app/shared.py', label: '//app:shared.py', owners: [{ label: '//app:app', kind: 'python_binary' }, { label: '//app:shared', kind: 'python_library' }] },
    { file: 'app/notes.py', path: 'app/notes.py', label: '//app:notes.py', owners: [] },
    { file: join(ws, 'lib/src/fmt/__init__.py'), path: 'lib/src/fmt/__init__.py', label: '//lib:src/fmt/__init__.py', owners: [{ label: '//lib:fmt', kind: 'python_library' }] },
  ]);
});

test('par owner: a path outside the workspace is a clear error', () => {
  const r = par(['owner', '/etc/hostname'], ws, bazel);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`par owner: error: /etc/hostname is outside the workspace (${ws}). par owner answers for source files of the workspace it runs in; run it from the workspace that holds the file.\n`);
});
