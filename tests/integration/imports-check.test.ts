// imports_check end to end in a throw-away workspace: an undeclared import fails the build
// naming file, line, module and the target that provides it; optional and type-only imports
// pass; warn / off / imports_ignore; and a one-file edit re-runs one library's check.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BAZEL, bazel, cleanEnv, ROOT, scratch, writeWorkspace } from './harness';
import { spawnSync } from 'node:child_process';

const LIB = (name: string, srcs: string[], deps: string[] = []) => `load("@rules_par//rules:defs.bzl", "python_library")

python_library(
    name = "${name}",
    srcs = ${JSON.stringify(srcs)},
    deps = ${JSON.stringify(deps)},
    visibility = ["//visibility:public"],
)
`;

const BIN = `load("@rules_par//rules:defs.bzl", "python_binary")

[python_binary(
    name = name,
    entry_point = "app.main:run",
    deps = ["//app", "//lib/strings"],
    imports_check = check,
    imports_ignore = ignore,
) for name, check, ignore in [
    ("pkg", "error", []),
    ("pkg_warn", "warn", []),
    ("pkg_off", "off", []),
    ("pkg_ignore", "error", ["lib.strings"]),
]]
`;

describe('imports_check', () => {
  const ws = join(scratch('par-imports-'), 'ws');
  const startup = [`--output_base=${ws}-output-base`];
  const build = (label: string, extra: string[] = []) => bazel(['build', ...extra, label], { cwd: ws, startup });

  beforeAll(() => {
    writeWorkspace(ws, {
      'lib/strings/BUILD': LIB('strings', ['slug.py']),
      'lib/strings/slug.py': 'import re\n\ndef slug(s):\n    return re.sub("[^a-z]+", "-", s.lower())\n',
      'lib/other/BUILD': LIB('other', ['other.py']),
      'lib/other/other.py': 'X = 1\n',
      'app/BUILD': LIB('app', ['main.py', '__init__.py'], ['//lib/other']),
      'app/__init__.py': '',
      'app/main.py': [
        'import sys',
        'from lib.other import other',
        'from lib.strings.slug import slug',
        'try:',
        '    import ujson as json',
        'except ImportError:',
        '    import json',
        'from typing import TYPE_CHECKING',
        'if TYPE_CHECKING:',
        '    import mypy_extensions',
        '',
        'def run():',
        '    print(slug("Hello World"), other.X)',
        '',
      ].join('\n'),
      'bin/BUILD': BIN,
    });
  });

  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
  });

  test('an undeclared import fails the build with file, line, module and the providing target', () => {
    const r = build('//bin:pkg');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('//bin:pkg: imports_check = "error": 1 import that no dependency provides:');
    expect(r.stderr).toContain(
      'app/main.py:3: `from lib.strings.slug import slug` needs module lib.strings.slug; //lib/strings:strings provides it: add "//lib/strings:strings" to deps of //app:app',
    );
    // Optional (try/except ImportError) and type-only imports are not errors.
    expect(r.stderr).not.toMatch(/ujson|mypy_extensions/);
  });

  test('warn builds and prints the same report; off and imports_ignore build silently', () => {
    const w = build('//bin:pkg_warn');
    expect(w.status).toBe(0);
    expect(w.stderr).toContain('WARNING: //bin:pkg_warn: imports_check = "warn": 1 import that no dependency provides:');
    for (const t of ['//bin:pkg_off', '//bin:pkg_ignore']) {
      const r = build(t);
      expect(r.status).toBe(0);
      expect(r.stderr).not.toContain('imports_check');
    }
    const bin = bazel(['info', 'bazel-bin'], { cwd: ws, startup }).stdout.trim();
    const run = spawnSync(join(bin, 'bin/pkg_ignore'), [], { env: cleanEnv(), encoding: 'utf8' });
    expect(run.stdout).toBe('hello-world 1\n');
  });

  test('fixing the deps makes the check pass; a one-file edit re-runs one check', () => {
    writeFileSync(join(ws, 'app/BUILD'), LIB('app', ['main.py', '__init__.py'], ['//lib/other', '//lib/strings']));
    expect(build('//bin:pkg').status).toBe(0);
    const log = join(ws, '..', 'exec.json');
    const slug = join(ws, 'lib/strings/slug.py');
    writeFileSync(slug, readFileSync(slug, 'utf8') + '# edited\n');
    expect(build('//bin:pkg', [`--execution_log_json_file=${log}`]).status).toBe(0);
    const mnemonics = [...readFileSync(log, 'utf8').matchAll(/"mnemonic": "(\w+)"/g)].map((m) => m[1]);
    expect(mnemonics.filter((m) => m === 'ParImportsCheck')).toHaveLength(1);
  });

  test('par graph prints the target graph of the binary as JSON and dot', () => {
    // par graph runs `bazel query` in the workspace; this wrapper keeps it on the test's server.
    const wrapper = join(ws, '..', 'bazel-wrapper');
    writeFileSync(wrapper, `#!/bin/sh\nBAZEL= exec ${BAZEL} --output_base=${ws}-output-base "$@"\n`);
    chmodSync(wrapper, 0o755);
    const graph = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), 'graph', ...args], {
        cwd: ws, encoding: 'utf8', env: { ...process.env, BAZEL: wrapper, BUILD_WORKSPACE_DIRECTORY: ws },
      });
    const j = graph(['//bin:pkg', '--format=json']);
    expect(j.stderr).toBe('');
    expect(JSON.parse(j.stdout)).toEqual({
      nodes: [
        { label: '//app:app', kind: 'python_library', deps: ['//lib/other:other', '//lib/strings:strings'] },
        { label: '//bin:pkg', kind: 'python_binary', deps: ['//app:app', '//lib/strings:strings'] },
        { label: '//lib/other:other', kind: 'python_library', deps: [] },
        { label: '//lib/strings:strings', kind: 'python_library', deps: [] },
      ],
      order: expect.arrayContaining(['//bin:pkg']),
    });
    expect(JSON.parse(j.stdout).order.slice(-2)).toEqual(['//app:app', '//bin:pkg']);
    const d = graph(['//bin:pkg']);
    expect(d.stdout).toContain('  "//app:app" -> "//lib/strings:strings";\n');
    const bad = graph(['//nope:nothing']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`par graph: error: bazel query 'kind("python_|py_", deps(//nope:nothing))' failed`);
  });
});
