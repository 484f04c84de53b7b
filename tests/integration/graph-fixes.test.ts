// The graph tells you the fix (issue 14), in one throw-away workspace with its own server:
// shadowed modules fail the build naming the module, both targets and both files (whatever
// imports_check says); the undeclared-import error names the target to add, found in the
// workspace's module index; `par gen` completes a binary's deps for a pure-Python package
// copied in as source from pyenv 3.11's site-packages, and the archive then builds and runs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, cleanEnv, missingPyenv, pyenvInterpreters, ROOT, scratch, testUnless, writeWorkspace } from './harness';

jest.setTimeout(10 * 60_000);

const PAR = join(ROOT, 'rules/private/tools/par.js');
const HINT = ' Rename or remove one of them (or drop the dep that brings it), or, if one deliberately overrides the other, list the module in allow_shadowed_modules.';
const WHEEL = 'requests-2.31.0-py3-none-any.whl';
// A wheel whose top-level package is `requests` (its content does not matter here).
const MAKE_WHEEL = `
import sys, zipfile, hashlib, base64
out = sys.argv[1]
def h(b): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
di = "requests-2.31.0.dist-info/"
files = [("requests/__init__.py", b"WHO = 'wheel'\\n"),
         (di + "METADATA", b"Metadata-Version: 2.1\\nName: requests\\nVersion: 2.31.0\\n"),
         (di + "WHEEL", b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files: z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), d)
    z.writestr(di + "RECORD", "".join("%s,%s,%d\\n" % (n, h(d), len(d)) for n, d in files) + di + "RECORD,,\\n")
`;

const LOAD = 'load("@rules_par//rules:defs.bzl", "python_binary", "python_library", "python_wheel")\n\n';
const lib = (name: string, srcs: string[], extra = '') =>
  `${LOAD}python_library(\n    name = "${name}",\n    srcs = ${JSON.stringify(srcs)},${extra}\n    visibility = ["//visibility:public"],\n)\n`;

describe('issue 14 in one workspace', () => {
  const base = scratch('par-it-graph-');
  const ws = join(base, 'ws');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=120'];
  const run = (args: string[]) => bazel(args, { cwd: ws, startup });
  const par = (args: string[]) => spawnSync(process.execPath, [PAR, ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, BUILD_WORKSPACE_DIRECTORY: ws } });
  let bin = '';

  beforeAll(() => {
    writeWorkspace(ws, {
      '.bazelrc': 'build --incompatible_strict_action_env\nbuild --@rules_par//:module_index=//:par_modules.txt\n',
      'par_modules.txt': '',
      BUILD: 'exports_files(["par_modules.txt"])\n',
      'libs/greet/BUILD': lib('greet', ['greet.py']),
      'libs/greet/greet.py': 'def hello(name):\n    return "hello " + name\n',
      'libs/a/BUILD': lib('a', ['src/mod.py'], '\n    imports = ["src"],'),
      'libs/a/src/mod.py': 'WHO = "a"\n',
      'libs/b/BUILD': lib('b', ['src/mod.py'], '\n    imports = ["src"],'),
      'libs/b/src/mod.py': 'WHO = "b"\n',
      'vendor/BUILD': lib('requests', ['requests/__init__.py'], '\n    imports = ["."],'),
      'vendor/requests/__init__.py': 'WHO = "vendor"\n',
      'third_party/requests/BUILD': `${LOAD}python_wheel(name = "requests", wheel = "${WHEEL}", visibility = ["//visibility:public"])\n`,
      'shadow/roots.py': 'import mod\n\nprint(mod.WHO)\n',
      'shadow/wheel.py': 'import requests\n\nprint(requests.WHO)\n',
      'shadow/BUILD': `${LOAD}# keep
python_binary(
    name = "roots",
    srcs = ["roots.py"],
    imports_check = "off",
    main = "roots.py",
    deps = ["//libs/a", "//libs/b"],
)

# keep
python_binary(
    name = "wheel",
    srcs = ["wheel.py"],
    main = "wheel.py",
    deps = ["//third_party/requests", "//vendor:requests"],
)

# keep
python_binary(
    name = "allowed",
    srcs = ["roots.py"],
    allow_shadowed_modules = ["mod"],
    main = "roots.py",
    deps = ["//libs/a", "//libs/b"],
)
`,
      'app/app.py': 'from libs.greet import greet\n\nprint(greet.hello("you"))\n',
      // # keep: par gen would add the dep; this binary stands for one nobody ran it on.
      'app/BUILD': `${LOAD}# keep\npython_binary(\n    name = "app",\n    srcs = ["app.py"],\n    main = "app.py",\n)\n`,
    });
    const w = spawnSync('/usr/bin/python3', ['-S', '-c', MAKE_WHEEL, join(ws, 'third_party/requests', WHEEL)], { encoding: 'utf8' });
    if (w.status !== 0) throw new Error(w.stderr);
    bin = run(['info', 'bazel-bin']).stdout.trim();
  });
  afterAll(() => {
    run(['shutdown']);
    rmSync(base, { recursive: true, force: true });
  });

  test('par gen writes the module index the build reads', () => {
    const g = par(['gen', 'libs']);
    expect([g.status, g.stderr]).toEqual([0, '']);
    expect(g.stdout).toBe('wrote par_modules.txt\n');
    expect(readFileSync(join(ws, 'par_modules.txt'), 'utf8')).toContain('\nlibs.greet.greet\t//libs/greet\n');
  });

  test('shadowed modules fail the build naming both targets and files; the undeclared import names the target to add', () => {
    const r = run(['build', '--keep_going', '//shadow:roots', '//shadow:wheel', '//shadow:allowed', '//app']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      '//shadow:roots: 1 module is provided twice in this binary, and Python imports only the first on sys.path:\n' +
        '  module mod: //libs/a:a (libs/a/src/mod.py) is imported; //libs/b:b (libs/b/src/mod.py) never is\n' +
        HINT,
    );
    expect(r.stderr).toContain(
      '//shadow:wheel: 1 module is provided twice in this binary, and Python imports only the first on sys.path:\n' +
        `  module requests: //vendor:requests (vendor/requests/__init__.py) is imported; //third_party/requests:requests (requests/__init__.py in ${WHEEL}) never is\n` +
        HINT,
    );
    expect(r.stderr).toContain('  app/app.py:1: `from libs.greet import greet` needs module libs.greet; //libs/greet provides it: add "//libs/greet" to deps of //app:app\n');
    // The deliberate override builds, and the first root on sys.path wins.
    const allowed = spawnSync(join(bin, 'shadow/allowed'), [], { env: cleanEnv(), encoding: 'utf8' });
    expect([allowed.stdout, allowed.stderr, allowed.status]).toEqual(['a\n', '', 0]);
  });

  const site = pyenvInterpreters().get('3.11') ? spawnSync(pyenvInterpreters().get('3.11')!, ['-S', '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).stdout.trim() : '';
  const idna = site && existsSync(join(site, 'idna/core.py')) ? join(site, 'idna') : '';
  testUnless(missingPyenv(['3.11']) ?? (idna ? undefined : "pyenv 3.11's site-packages has no idna"))(
    'par gen completes a binary importing a package copied in as source; it builds, runs, and --check is clean',
    () => {
      cpSync(idna, join(ws, 'idna'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
      mkdirSync(join(ws, 'idn'));
      writeFileSync(join(ws, 'idn/BUILD'), `${LOAD}python_binary(\n    name = "idn",\n    srcs = ["idn.py"],\n    main = "idn.py",\n)\n`);
      writeFileSync(join(ws, 'idn/idn.py'), 'import sys\n\nimport idna\n\nprint(idna.encode(sys.argv[1]).decode())\n');
      const g = par(['gen', 'idna', 'idn']);
      expect([g.status, g.stderr, g.stdout]).toEqual([0, '', 'wrote par_modules.txt\nwrote idn/BUILD\nwrote idna/BUILD.bazel\n']);
      expect(readFileSync(join(ws, 'idn/BUILD'), 'utf8')).toBe(`${LOAD}python_binary(\n    name = "idn",\n    srcs = ["idn.py"],\n    main = "idn.py",\n    deps = ["//idna"],\n)\n`);
      expect(readdirSync(join(ws, 'idna')).filter((f) => f.endsWith('.py')).length).toBeGreaterThan(5);
      const b = run(['build', '//idn']);
      expect(b.stderr).toContain('Build completed successfully');
      const out = spawnSync(join(bin, 'idn/idn'), ['ドメイン.テスト'], { env: cleanEnv(), encoding: 'utf8' });
      expect([out.stdout, out.stderr, out.status]).toEqual(['xn--eckwd4c7c.xn--zckzah\n', '', 0]);
      const check = par(['gen', '--check', 'idna', 'idn']);
      expect([check.status, check.stdout, check.stderr]).toEqual([0, '', '']);
    },
  );
});
