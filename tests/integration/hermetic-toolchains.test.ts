// Hermetic toolchains (docs/remote.md): rules_par_register_toolchains takes the build-time
// Python and Node as labels of files in repositories, and every action that runs one declares
// its files as inputs — what a remote executor needs, since it has no host interpreter.
//
// The Python is a copy of pyenv 3.12's tree in a new_local_repository (made at test time,
// its RUNPATH rewritten to $ORIGIN/../lib as standalone builds have it); node is a copy of
// this node in the main repository. The proof: with every action in linux-sandbox and the
// host's interpreters (pyenv, /usr/bin/python3 and its stdlib, node) blocked from the
// sandbox, the build succeeds and the archive runs; the execution log shows each runtime's
// files among each action's inputs and no host path on any command line. The same build with
// persistent workers (the default strategy) comes first: a worker's executable is the File.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, chmodSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { executed, readExecLog, type Spawn } from './exec-log';
import { bazel, pyenvInterpreters, ROOT, runArchive, scratch, writeWorkspace } from './harness';

jest.setTimeout(10 * 60_000);

const py312 = pyenvInterpreters().get('3.12');
const maybe = py312 ? describe : describe.skip;
if (!py312) console.warn('hermetic-toolchains.test.ts SKIPPED: no pyenv 3.12 to copy as the hermetic interpreter');

// Not needed to run the build tools, and large: the test suite, GUI, installers, site-packages.
const SKIP = /\/(test|site-packages|__pycache__|idlelib|tkinter|turtledemo|ensurepip|lib2to3|config-3\.12[^/]*)$/;

maybe('hermetic Python and Node given as labels', () => {
  const base = scratch('par-it-hermetic-');
  const ws = join(base, 'ws');
  const pyCopy = join(base, 'python-3.12');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=120'];
  const prefix = py312 ? realpathSync(join(dirname(realpathSync(py312)), '..')) : '';
  const pyenvRoot = prefix ? dirname(dirname(prefix)) : '';
  const hostPython = realpathSync('/usr/bin/python3');
  const hostStdlib = spawnSync(hostPython, ['-S', '-c', 'import os; print(os.path.dirname(os.__file__))'], { encoding: 'utf8' }).stdout.trim();
  const hostNode = realpathSync(process.execPath);
  const blocked = [pyenvRoot, hostPython, hostStdlib, hostNode];
  // A file of each, which a blocked path hides (an empty directory or file stands in for it).
  const probes = py312 ? [realpathSync(py312), join(prefix, 'lib/python3.12/os.py'), hostPython, join(hostStdlib, 'os.py'), hostNode] : [];
  const sandboxed = ['--spawn_strategy=linux-sandbox', ...blocked.map((p) => `--sandbox_block_path=${p}`)];
  let n = 0;

  function build(args: string[], targets = ['//app:tool']): Spawn[] {
    const log = join(base, `exec-${n++}.json`);
    const r = bazel(['build', `--execution_log_json_file=${log}`, ...args, ...targets], { cwd: ws, startup });
    if (r.status !== 0) throw new Error(`bazel build ${args.join(' ')} failed:\n${r.stderr.slice(-4000)}`);
    return readExecLog(log);
  }

  beforeAll(() => {
    // The interpreter's tree, as an http_archive of a standalone Python would unpack it.
    for (const d of ['bin', 'lib']) mkdirSync(join(pyCopy, d), { recursive: true });
    for (const f of ['bin/python3.12', 'lib/libpython3.12.so.1.0']) copyFileSync(join(prefix, f), join(pyCopy, f));
    cpSync(join(prefix, 'lib/python3.12'), join(pyCopy, 'lib/python3.12'), { recursive: true, filter: (src) => !SKIP.test(src) });
    // pyenv links its interpreter to libpython by absolute RUNPATH; the copy finds its own.
    const exe = readFileSync(join(pyCopy, 'bin/python3.12'));
    const runpath = Buffer.from(`${join(prefix, 'lib')}\0`);
    const at = exe.indexOf(runpath);
    if (at >= 0) {
      Buffer.from('$ORIGIN/../lib'.padEnd(runpath.length, '\0')).copy(exe, at);
      writeFileSync(join(pyCopy, 'bin/python3.12'), exe);
    }
    chmodSync(join(pyCopy, 'bin/python3.12'), 0o755);
    const self = spawnSync(join(pyCopy, 'bin/python3.12'), ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' });
    if (self.stdout.trim() !== pyCopy) throw new Error(`the copied interpreter is not self-contained: prefix ${self.stdout}${self.stderr}`);
    mkdirSync(join(base, 'wheel'));
    const whl = join(base, 'wheel/tinyfmt-1.0-py3-none-any.whl');
    spawnSync('/usr/bin/python3', [join(ROOT, 'tests/helpers/make_wheel.py'), whl, 'tinyfmt', '1.0', 'tinyfmt/__init__.py=def shout(s):\n    return s.upper() + "!"\n']);

    writeWorkspace(
      ws,
      {
        'runtime/BUILD': 'exports_files(["node"])\n',
        'third_party/BUILD': 'load("@rules_par//rules:defs.bzl", "python_wheel")\npython_wheel(name = "tinyfmt", wheel = "tinyfmt-1.0-py3-none-any.whl", visibility = ["//visibility:public"])\n',
        'lib/BUILD': 'load("@rules_par//rules:defs.bzl", "python_library")\npython_library(name = "lib", srcs = ["greet.py"], deps = ["//third_party:tinyfmt"], visibility = ["//visibility:public"])\n',
        'lib/greet.py': 'import json\nimport tinyfmt\n\ndef greet(name):\n    return tinyfmt.shout("hello " + name)\n',
        'app/BUILD': 'load("@rules_par//rules:defs.bzl", "python_binary")\npython_binary(name = "tool", srcs = ["main.py"], main = "main.py", deps = ["//lib"])\n',
        'app/main.py': 'import sys\nfrom lib.greet import greet\n\nprint(greet(sys.argv[1]))\n',
        // Whether the sandbox really hides the host interpreters.
        'probe/BUILD': `genrule(name = "probe", outs = ["seen.txt"], cmd = "for p in ${probes.join(' ')}; do if [ -s $$p ]; then echo $$p; fi; done > $@")\n`,
      },
      'par_test',
      ROOT,
      {
        prelude: `new_local_repository(
    name = "hermetic_python",
    path = ${JSON.stringify(pyCopy)},
    build_file_content = """
filegroup(name = "files", srcs = glob(["bin/**", "lib/**"]), visibility = ["//visibility:public"])
exports_files(["bin/python3.12"])
""",
)
`,
        args: `
    python_interpreter_target = "@hermetic_python//:bin/python3.12",
    python_files = "@hermetic_python//:files",
    node_target = "//runtime:node",
`,
      },
    );
    copyFileSync(whl, join(ws, 'third_party/tinyfmt-1.0-py3-none-any.whl'));
    copyFileSync(hostNode, join(ws, 'runtime/node'));
    chmodSync(join(ws, 'runtime/node'), 0o755);
  });
  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
    rmSync(base, { recursive: true, force: true });
  });

  test('the generated toolchains name the labels, not host paths', () => {
    const q = bazel(['query', '--output=build', '@par_python//:runtime + @par_node//:runtime'], { cwd: ws, startup });
    expect(q.stderr).not.toMatch(/ERROR/);
    expect(q.stdout).toContain('interpreter = "@hermetic_python//:bin/python3.12"');
    expect(q.stdout).toContain('files = ["@hermetic_python//:files"]');
    expect(q.stdout).toContain('node = "//runtime:node"');
    expect(q.stdout).toMatch(/version = "3\.12\.\d+"/);
  });

  test('persistent workers run the hermetic node (a File as the worker executable)', () => {
    const spawns = build([]);
    expect(executed(spawns, /^Par(Pack|ImportsCheck|Wheel)$/).every((s) => s.endsWith(' worker'))).toBe(true);
    expect(executed(spawns, /^ParPack$/)).toEqual(['ParPack worker']);
    expect(runArchive(join(ws, 'bazel-bin/app/tool'), ['ada']).stdout).toBe('HELLO ADA!\n');
  });

  test('every action in a sandbox without the host interpreters: builds, and the archive runs', () => {
    expect(bazel(['clean'], { cwd: ws, startup }).status).toBe(0);
    build(sandboxed, ['//probe']);
    expect(readFileSync(join(ws, 'bazel-bin/probe/seen.txt'), 'utf8')).toBe('');

    const spawns = build(sandboxed).filter((s) => s.mnemonic.startsWith('Par'));
    expect(new Set(spawns.map((s) => s.mnemonic))).toEqual(
      new Set(['ParWheel', 'ParWheelBytecode', 'ParWheelDeflate', 'ParStdlibModules', 'ParFragment', 'ParImportsCheck', 'ParImportsReport', 'ParPack']),
    );
    expect(spawns.map((s) => s.runner)).toEqual(spawns.map(() => 'linux-sandbox'));
    const hostPaths = [pyenvRoot, hostPython, hostStdlib, hostNode, pyCopy, '/usr/bin/python', '/usr/bin/node'];
    for (const s of spawns) {
      const inputs = new Set(s.inputs.map((i) => i.path));
      const where = `${s.mnemonic} (${s.progressMessage})`;
      expect([where, s.commandArgs.filter((a) => hostPaths.some((h) => a.includes(h)))]).toEqual([where, []]);
      // Each runs the node or the Python of the toolchain, by its execroot path; no shell.
      const runtime = /^Par(StdlibModules|WheelDeflate)$/.test(s.mnemonic) ? 'external/hermetic_python/bin/python3.12' : 'runtime/node';
      expect([where, s.commandArgs[0], inputs.has(runtime)]).toEqual([where, runtime, true]);
      if (/ParPack|ParWheelBytecode|ParWheelDeflate|ParStdlibModules/.test(s.mnemonic)) {
        const py = ['bin/python3.12', 'lib/libpython3.12.so.1.0', 'lib/python3.12/os.py', 'lib/python3.12/lib-dynload'];
        const found = py.map((f) => [...inputs].some((i) => i.startsWith(`external/hermetic_python/${f}`)));
        expect([where, found]).toEqual([where, py.map(() => true)]);
      }
    }
    expect(runArchive(join(ws, 'bazel-bin/app/tool'), ['grace']).stdout).toBe('HELLO GRACE!\n');
  });
});

describe('contradictory toolchain arguments fail at WORKSPACE loading, naming both', () => {
  const base = scratch('par-it-hermetic-args-');
  const ws = join(base, 'ws');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=60'];
  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
    rmSync(base, { recursive: true, force: true });
  });
  const failure = (args: string) => {
    writeWorkspace(ws, {}, 'par_test', ROOT, { args });
    const r = bazel(['query', '//...'], { cwd: ws, startup });
    expect(r.status).not.toBe(0);
    return r.stderr.split('\n').filter((l) => l.startsWith('Error in fail: '));
  };

  test('a host path and a label for the same runtime', () => {
    expect(failure('node = "/usr/bin/node", node_target = "@n//:node"')).toEqual([
      'Error in fail: rules_par_register_toolchains: node = "/usr/bin/node" is a host path and node_target = "@n//:node" a hermetic runtime; give one of them.',
    ]);
  });

  test('files without the executable among them', () => {
    expect(failure('python_files = "@py//:files"')).toEqual([
      'Error in fail: rules_par_register_toolchains: python_files = "@py//:files" needs python_interpreter_target, the executable among those files; a runtime found on the host takes no files.',
    ]);
  });
});
