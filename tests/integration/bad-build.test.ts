// Bad BUILD input gets one clear error naming the target label and the offending value or
// file (DESIGN.md "Rules of the house"): never a stack trace from deep inside, never a
// half-written output. All cases share one temporary workspace and one Bazel server.
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bazel, scratch, writeWorkspace, type Result } from './harness';

jest.setTimeout(5 * 60_000);

const BUILD = `load("@rules_par//rules:defs.bzl", "python_binary", "python_library")

python_binary(name = "no_main", srcs = ["a.py"])

python_binary(name = "script_and_main", main = "a.py", srcs = ["a.py"], script = "black")

python_binary(name = "main_not_in_srcs", main = "b.py", srcs = ["a.py"])

python_binary(name = "main_and_entry_point", main = "a.py", srcs = ["a.py"], entry_point = "bad.a:main")

python_binary(name = "entry_point_no_colon", entry_point = "bad.a.main", srcs = ["a.py"])

python_binary(name = "entry_point_bad_module", entry_point = "bad-pkg.a:main", srcs = ["a.py"])

python_binary(name = "entry_point_bad_function", entry_point = "bad.a:", srcs = ["a.py"])

python_binary(name = "bad_python", main = "a.py", srcs = ["a.py"], python = ">=three")

python_binary(name = "impossible_python", main = "a.py", srcs = ["a.py"], python = ">=3.10,<3.9")

python_library(name = "escaping_lib", srcs = ["a.py"], imports = ["../.."])

python_binary(name = "escaping_imports", main = "a.py", srcs = ["a.py"], deps = [":escaping_lib"])

python_binary(name = "escaping_binary_imports", main = "a.py", srcs = ["a.py"], imports = ["../.."])

# @one and @two both ship lib/x.py (archive paths drop the repository), with different bytes.
python_binary(name = "duplicate_path", main = "a.py", srcs = ["a.py"], deps = ["@one//lib", "@two//lib"])

# The same bytes under one path from two repositories are fine.
python_binary(name = "same_content", main = "a.py", srcs = ["a.py"], deps = ["@one//lib", "@three//lib"])
`;

// Choices are attr.string(values = ...): Bazel refuses them when it loads the package, so
// they live in a package of their own (the others' targets must still load).
const CHOICE_BUILD = `load("@rules_par//rules:defs.bzl", "python_binary", "python_wheel")

python_binary(name = "unknown_compression", main = "a.py", srcs = ["a.py"], compression = "zstd")

python_binary(name = "unknown_layout", main = "a.py", srcs = ["a.py"], layout = "tar")

python_binary(name = "unknown_imports_check", main = "a.py", srcs = ["a.py"], imports_check = "maybe")

python_wheel(name = "unknown_requires_check", wheel = "demo-1.0-py3-none-any.whl", requires_check = "sometimes")
`;

// Node toolchains of several versions: those without zlib.crc32 (before 20.15, 21.x, 22.0-22.1) are refused.
const NODE_VERSIONS = ['18.20.4', '20.14.0', '21.7.3', '22.1.0', '20.15.0', '22.2.0', 'v24.1.0'];
const NODE_BUILD = `load("@rules_par//toolchains/node:toolchain.bzl", "par_node_toolchain")

[par_node_toolchain(name = "node_" + v.lstrip("v").replace(".", "_"), node = "fake_node", version = v) for v in ${JSON.stringify(NODE_VERSIONS)}]
`;

function write(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

describe('bad BUILD input', () => {
  const base = scratch('par-it-bad-build-');
  const ws = join(base, 'ws');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=120'];
  const build = (target: string): Result => bazel(['build', target], { cwd: ws, startup });
  let bin: string;

  beforeAll(() => {
    writeWorkspace(ws, { 'bad/BUILD': BUILD, 'bad/a.py': 'def main():\n    pass\n', 'bad/b.py': '', 'node/BUILD': NODE_BUILD, 'node/fake_node': '', 'choice/BUILD': CHOICE_BUILD, 'choice/a.py': '' });
    for (const [repo, content] of [['one', 'ONE = 1\n'], ['two', 'TWO = 2\n'], ['three', 'ONE = 1\n']]) {
      write(join(base, repo), {
        WORKSPACE: `workspace(name = "${repo}")\n`,
        'lib/BUILD': 'load("@rules_par//rules:defs.bzl", "python_library")\n\npython_library(name = "lib", srcs = ["x.py"], visibility = ["//visibility:public"])\n',
        'lib/x.py': content,
      });
      appendFileSync(join(ws, 'WORKSPACE'), `local_repository(name = "${repo}", path = ${JSON.stringify(join(base, repo))})\n`);
    }
    bin = bazel(['info', 'bazel-bin'], { cwd: ws, startup }).stdout.trim();
  });

  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
    rmSync(base, { recursive: true, force: true });
  });

  /** Builds //bad:name, which must fail with every `expected` fragment and nothing internal. */
  function fails(name: string, expected: (string | RegExp)[]): string {
    const r = build(`//bad:${name}`);
    expect(r.status).not.toBe(0);
    for (const e of expected) {
      if (typeof e === 'string') expect(r.stderr).toContain(e);
      else expect(r.stderr).toMatch(e);
    }
    // Bazel prints its own (tab-indented) Starlark trace above a rule's fail(); what must not
    // appear is the packager's: a JavaScript stack, "internal error" or a Python traceback.
    expect(r.stderr).not.toMatch(/internal error|Traceback \(most recent call last\):\n {2}File|\n\s+at .+\.js:\d+/);
    // A fail() message ends as written (fail's extra arguments would be appended to it).
    for (const line of r.stderr.split('\n').filter((l) => l.startsWith('Error in fail: '))) expect(line).toMatch(/[.)]$/);
    expect(existsSync(join(bin, 'bad', name))).toBe(false);
    return r.stderr;
  }

  test('neither main nor entry_point', () => {
    fails('no_main', ['python_binary //bad:no_main: neither main nor entry_point is set', 'entry_point = "pkg.module:function"']);
  });

  test('script with main', () => {
    fails('script_and_main', ["Error in fail: python_binary //bad:script_and_main: set one of main, entry_point and script (script = 'black' runs a wheel's console script)."]);
  });

  test('main not in srcs', () => {
    fails('main_not_in_srcs', ['python_binary //bad:main_not_in_srcs: main names bad/b.py, which is not in srcs']);
  });

  test('both main and entry_point', () => {
    fails('main_and_entry_point', [
      "python_binary //bad:main_and_entry_point: set either main or entry_point, not both (main = //bad:a.py, entry_point = 'bad.a:main')",
    ]);
  });

  test.each([
    ['entry_point_no_colon', 'bad.a.main'],
    ['entry_point_bad_module', 'bad-pkg.a:main'],
    ['entry_point_bad_function', 'bad.a:'],
  ])('malformed entry_point (%s)', (name, value) => {
    fails(name, [`python_binary //bad:${name}: entry_point '${value}' is not of the form 'pkg.module:function'`]);
  });

  test('unknown compression (and every other choice): Bazel refuses the value, naming target, attribute and choices', () => {
    const r = bazel(['build', '--keep_going', '//choice:all'], { cwd: ws, startup });
    expect(r.status).not.toBe(0);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('ERROR: ') && l.includes('invalid value')).map((l) => l.replace(/^ERROR: \S+: /, '')).sort();
    expect(errors).toEqual([
      "//choice:unknown_compression: invalid value in 'compression' attribute: has to be one of 'deflate' or 'stored' instead of 'zstd'",
      "//choice:unknown_imports_check: invalid value in 'imports_check' attribute: has to be one of 'error', 'warn' or 'off' instead of 'maybe'",
      "//choice:unknown_layout: invalid value in 'layout' attribute: has to be one of 'zip' or 'extract' instead of 'tar'",
      "//choice:unknown_requires_check: invalid value in 'requires_check' attribute: has to be one of 'error', 'warn' or 'off' instead of 'sometimes'",
    ]);
  });

  test('a python specifier that does not parse', () => {
    fails('bad_python', ["//bad:bad_python: python = '>=three' is not a usable PEP 440 specifier", "python = '>=3.8'"]);
  });

  test('a python specifier no release satisfies', () => {
    fails('impossible_python', ["//bad:impossible_python: python = '>=3.10,<3.9' is not a usable PEP 440 specifier: no Python 3 release satisfies it"]);
  });

  test('an imports entry that leaves the repository', () => {
    const err = fails('escaping_imports', ["python_library //bad:escaping_lib: imports entry '../..' leaves the repository root"]);
    expect(err).toContain('//bad:escaping_lib');
  });

  test("a binary's own imports entry that leaves the repository names python_binary", () => {
    fails('escaping_binary_imports', ["python_binary //bad:escaping_binary_imports: imports entry '../..' leaves the repository root. Import roots must stay inside it."]);
  });

  test('two deps providing the same archive path with different content', () => {
    fails('duplicate_path', [
      '//bad:duplicate_path: two deps provide lib/x.py with different content',
      // the library targets (whose fragments hold the files) and the files themselves
      /@one\/\/lib:lib \(external\/one\/lib\/x\.py\)/,
      /@two\/\/lib:lib \(external\/two\/lib\/x\.py\)/,
    ]);
  });

  test('the node toolchain refuses a Node.js without zlib.crc32, naming the floor', () => {
    const r = bazel(['build', '--keep_going', '//node:all'], { cwd: ws, startup });
    expect(r.status).not.toBe(0);
    const refused = r.stderr.split('\n').filter((l) => l.startsWith('Error in fail: ')).sort();
    expect(refused).toEqual(['18.20.4', '20.14.0', '21.7.3', '22.1.0'].map((v) =>
      `Error in fail: par_node_toolchain //node:node_${v.replace(/\./g, '_')}: Node.js ${v} is too old for the packager, which needs Node.js 20.15+ on the 20 line, or 22.2+ (zlib.crc32). Point PAR_NODE_BIN at a newer node.`));
  });

  test('the same path with the same bytes from two deps is fine', () => {
    const r = build('//bad:same_content');
    expect(r.stderr).toContain('Build completed successfully');
    expect(r.status).toBe(0);
  });
});
