// End to end: build every example with real Bazel, run the archives with real interpreters
// and check they behave as the plain program would (DESIGN.md "Runtime contract").
//
// Three Bazel servers: this workspace's shared one (examples/hello, examples/monorepo), one
// for examples/external (a separate workspace consuming @rules_par), and one for a temporary
// workspace with probe programs no user needs as an example (exit codes, signals, >=3.99).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { bazel, cleanEnv, missingPyenv, pyenvInterpreters, ROOT, runArchive, scratch, testUnless, writeWorkspace, type Result } from './harness';

jest.setTimeout(10 * 60_000);

const EXTERNAL = join(ROOT, 'examples/external');
const MINORS = ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13'];

function ok(r: Result, what: string): Result {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stderr.slice(-4000)}`);
  return r;
}

/** The python3 the launcher itself would choose: first on PATH outside version-manager shims. */
function hostPython(): string {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (!d || /\/shims\/?$/.test(d)) continue;
    const p = join(d, 'python3');
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  throw new Error('no python3 on PATH outside shim directories');
}

/** Frames of a printed traceback as "file-basename:line:function", for comparing two runs. */
function frames(stderr: string): string[] {
  return [...stderr.matchAll(/File "([^"]*)", line (\d+), in (\S+)/g)].map((m) => `${m[1].split('/').pop()}:${m[2]}:${m[3]}`);
}

/** Starts cmd, waits for "ready" on stdout, sends SIGINT, and reports how it ended. */
function interrupt(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: cleanEnv(env) });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready')) p.kill('SIGINT');
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr: err });
    });
  });
}

describe('examples of this workspace', () => {
  let bin: string;
  const hello = () => join(bin, 'examples/hello/pkg');
  const wordcount = () => join(bin, 'examples/monorepo/tools/wordcount/wordcount');
  const greeter = () => join(bin, 'examples/monorepo/tools/greeter/greeter');

  beforeAll(() => {
    ok(bazel(['build', '//examples/hello/...', '//examples/monorepo/...']), 'bazel build of the examples');
    bin = ok(bazel(['info', 'bazel-bin']), 'bazel info').stdout.trim();
  });

  test('hello prints its greeting and arguments, exit 0', () => {
    const r = runArchive(hello(), ['a', 'b']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Hello from rules_par! a b\n');
    expect(r.status).toBe(0);
  });

  test('bazel run //examples/hello:pkg -- args', () => {
    const r = ok(bazel(['run', '//examples/hello:pkg', '--', 'two words', 'x']), 'bazel run');
    expect(r.stdout).toBe('Hello from rules_par! two words x\n');
  });

  test('python3 ARCHIVE runs it directly', () => {
    const r = runArchive(hello(), ['direct'], { interpreter: hostPython() });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Hello from rules_par! direct\n');
    const shim = runArchive(hello(), ['via', 'PATH'], { interpreter: 'python3' });
    expect(shim.stdout).toBe('Hello from rules_par! via PATH\n');
    expect(shim.status).toBe(0);
  });

  test('wordcount (entry_point) reads stdin and shared libs, including one with an imports root', () => {
    const r = runArchive(wordcount(), ['--top', '2'], { input: "To be, or not to be: that's the question. TO BE!" });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('to  3\nbe  3\n');
    expect(r.status).toBe(0);
  });

  test("wordcount's main() return value is the exit code", () => {
    const r = runArchive(wordcount(), ['/nonexistent/file.txt']);
    expect(r.stderr).toBe('wordcount: /nonexistent/file.txt: No such file or directory\n');
    expect(r.status).toBe(1);
    const usage = runArchive(wordcount(), ['--top', 'many']);
    expect(usage.stderr).toContain("wordcount: error: argument --top: invalid int value: 'many'");
    expect(usage.status).toBe(2);
  });

  test('greeter reads its data file with importlib.resources', () => {
    const r = runArchive(greeter(), ['--lang', 'ja', 'Ada', 'Grace Hopper']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('=============\n2 greeting(s)\n=============\nこんにちは, Ada!\nこんにちは, Grace Hopper!\n');
    const bad = runArchive(greeter(), ['--lang', 'xx', 'Ada']);
    expect(bad.stderr).toBe("greeter: unknown language 'xx' (known: de, en, fr, ja)\n");
    expect(bad.status).toBe(2);
  });

  test('PAR_INFO=1 prints the build info as JSON and exits 0', () => {
    const r = runArchive(greeter(), ['ignored'], { env: { PAR_INFO: '1' } });
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      label: '//examples/monorepo/tools/greeter:greeter',
      stamped: false,
      revision: null,
      python: '>=3.8',
      wheels: [],
    });
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['label', 'revision', 'dirty', 'stamped', 'timestamp', 'python', 'wheels']));
  });

  test('PAR_INTERPRETER=1 behaves as python with the archive importable (-c and -m)', () => {
    const c = runArchive(greeter(), ['-c', 'import sys, textfmt; print(textfmt.banner(sys.argv[1])); print(sys.argv[2:])', 'hi', 'x y'], {
      env: { PAR_INTERPRETER: '1' },
    });
    expect(c.stderr).toBe('');
    expect(c.stdout).toBe("==\nhi\n==\n['x y']\n");
    const m = runArchive(greeter(), ['-m', 'examples.monorepo.tools.greeter.greeter', '--lang', 'fr', 'Ada'], {
      env: { PAR_INTERPRETER: '1' },
    });
    expect(m.stderr).toBe('');
    expect(m.stdout).toContain('Bonjour, Ada!\n');
    expect(m.status).toBe(0);
    const exit = runArchive(greeter(), ['-c', 'import sys; sys.exit(5)'], { env: { PAR_INTERPRETER: '1' } });
    expect(exit.status).toBe(5);
  });

  testUnless(missingPyenv(['3.11']))('host site-packages are off sys.path (pyenv 3.11 has numpy)', () => {
    const py = pyenvInterpreters().get('3.11')!;
    if (spawnSync(py, ['-c', 'import numpy'], { env: cleanEnv() }).status !== 0) {
      return console.log(`skipped: ${py} has no numpy to hide`);
    }
    const code = 'import sys\ntry:\n    import numpy\nexcept ImportError as e:\n    print(type(e).__name__, e)\nprint(any("-packages" in p for p in sys.path))';
    for (const how of [{ env: { PAR_PYTHON: py, PAR_INTERPRETER: '1' } }, { env: { PAR_INTERPRETER: '1' }, interpreter: py }]) {
      const r = runArchive(greeter(), ['-c', code], how);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe("ModuleNotFoundError No module named 'numpy'\nFalse\n");
    }
  });

  describe.each(MINORS)('hello under pyenv Python %s', (minor) => {
    const py = pyenvInterpreters().get(minor);
    const which = `import sys; print("%d.%d" % sys.version_info[:2])`;
    testUnless(missingPyenv([minor]))('via PAR_PYTHON and via INTERP ARCHIVE', () => {
      if (!py) throw new Error(`no pyenv Python ${minor}`);
      const viaEnv = runArchive(hello(), ['x', 'y z'], { env: { PAR_PYTHON: py } });
      expect(viaEnv.stderr).toBe('');
      expect(viaEnv.stdout).toBe('Hello from rules_par! x y z\n');
      const direct = runArchive(hello(), ['x', 'y z'], { interpreter: py });
      expect(direct.stderr).toBe('');
      expect(direct.stdout).toBe('Hello from rules_par! x y z\n');
      // And it really ran under that interpreter.
      expect(runArchive(hello(), ['-c', which], { env: { PAR_PYTHON: py, PAR_INTERPRETER: '1' } }).stdout).toBe(`${minor}\n`);
      expect(runArchive(hello(), ['-c', which], { env: { PAR_INTERPRETER: '1' }, interpreter: py }).stdout).toBe(`${minor}\n`);
    });
  });
});

describe('examples/external: a workspace that uses rules_par as @rules_par', () => {
  const base = scratch('par-it-external-');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=300'];
  const opts = { cwd: EXTERNAL, startup };

  afterAll(() => {
    bazel(['shutdown'], opts);
    rmSync(base, { recursive: true, force: true });
  });

  test('builds and runs its binary', () => {
    ok(bazel(['build', '//app:quote'], opts), 'bazel build //app:quote (examples/external)');
    const r = runArchive(join(EXTERNAL, 'bazel-bin/app/quote'), ['--n', '2']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Simple is better than complex.\nReadability counts.\nbuilt from //app:quote\n');
  });

  test('bazel run @rules_par//:par -- inspect works on that workspace and its working directory', () => {
    const r = ok(bazel(['run', '@rules_par//:par', '--', 'inspect', 'bazel-bin/app/quote'], opts), 'par inspect');
    expect(r.stdout).toContain('target     //app:quote');
    expect(r.stdout).toContain('runs       app/quote.py (as __main__)');
    expect(r.stdout).toMatch(/\n  starts     from the zip; launch blob \d+\.\d KiB \(used by python3\.\d+\)\n/);
    // From a subdirectory, a relative path is the user's (BUILD_WORKING_DIRECTORY).
    const sub = ok(bazel(['run', '@rules_par//:par', '--', 'inspect', '--json', '../bazel-bin/app/quote'], { ...opts, cwd: join(EXTERNAL, 'lib') }), 'par inspect --json');
    expect(JSON.parse(sub.stdout)).toMatchObject({ archive: join(EXTERNAL, 'bazel-bin/app/quote') });
    expect(sub.stdout).toContain('"//app:quote"');
  });
});

// Programs that exist only to pin behaviour down; each runs as an archive and as a plain script.
const PROBE = String.raw`"""probe CMD [ARGS]: one behaviour of a command-line program per CMD."""

import json
import sys
import time


def fail(message):
    raise ValueError(message)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else "argv"
    if cmd == "argv":
        print(json.dumps(argv))
    elif cmd == "exit":
        sys.exit(int(argv[2]))
    elif cmd == "return":
        return int(argv[2])
    elif cmd == "raise":
        fail("boom")
    elif cmd == "stdin":
        data = sys.stdin.read()
        sys.stdout.write("%d chars\n" % len(data))
        sys.stdout.write(data.upper())
    elif cmd == "sleep":
        print("ready", flush=True)
        time.sleep(60)
    return 0


def entry():
    return main(sys.argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`;

const PROBE_BUILD = `load("@rules_par//rules:defs.bzl", "python_binary")

python_binary(name = "probe", main = "probe.py", srcs = ["probe.py"])

python_binary(name = "probe_ep", entry_point = "probe.probe:entry", srcs = ["probe.py"])

python_binary(name = "future", main = "probe.py", srcs = ["probe.py"], python = ">=3.99")
`;

describe('runtime contract, probed in a temporary workspace', () => {
  const base = scratch('par-it-probe-');
  const ws = join(base, 'ws');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=300'];
  let bin: string;
  const py = hostPython();
  const script = () => join(ws, 'probe/probe.py');

  beforeAll(() => {
    writeWorkspace(ws, { 'probe/BUILD': PROBE_BUILD, 'probe/probe.py': PROBE });
    ok(bazel(['build', '//probe:all'], { cwd: ws, startup }), 'bazel build //probe:all');
    bin = ok(bazel(['info', 'bazel-bin'], { cwd: ws, startup }), 'bazel info').stdout.trim();
  });

  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
    rmSync(base, { recursive: true, force: true });
  });

  test('argv arrives unchanged: spaces, empty strings, unicode, option-like words', () => {
    const args = ['argv', 'with space', '', 'ünïcødé ✓ 日本', '--flag=x', '-c', '*', "'quoted'"];
    for (const name of ['probe', 'probe_ep']) {
      const r = spawnSync(`./${name}`, args, { cwd: join(bin, 'probe'), env: cleanEnv(), encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual([`./${name}`, ...args]);
    }
  });

  test('exit codes: normal 0, sys.exit(3) -> 3, a returned 4 from an entry point -> 4', () => {
    expect(runArchive(join(bin, 'probe/probe'), ['exit', '0']).status).toBe(0);
    expect(runArchive(join(bin, 'probe/probe'), ['exit', '3']).status).toBe(3);
    expect(runArchive(join(bin, 'probe/probe_ep'), ['exit', '3']).status).toBe(3);
    expect(runArchive(join(bin, 'probe/probe_ep'), ['return', '4']).status).toBe(4);
  });

  test('an uncaught exception exits 1 with the traceback starting at the program, as for the script', () => {
    const plain = spawnSync(py, [script(), 'raise'], { env: cleanEnv(), encoding: 'utf8' });
    const r = runArchive(join(bin, 'probe/probe'), ['raise'], { env: { PAR_PYTHON: py } });
    expect(r.status).toBe(1);
    expect(plain.status).toBe(1);
    expect(r.stderr).not.toContain('__par__');
    expect(r.stderr.startsWith('Traceback (most recent call last):\n  File "probe/probe.py"')).toBe(true);
    expect(frames(r.stderr)).toEqual(frames(plain.stderr));
    expect(frames(r.stderr)[0]).toMatch(/^probe\.py:\d+:<module>$/);
    expect(r.stderr.endsWith('ValueError: boom\n')).toBe(true);

    const ep = runArchive(join(bin, 'probe/probe_ep'), ['raise']);
    expect(ep.status).toBe(1);
    expect(ep.stderr).not.toContain('__par__');
    expect(frames(ep.stderr).map((f) => f.replace(/:\d+:/, ':'))).toEqual(['probe.py:entry', 'probe.py:main', 'probe.py:fail']);
    expect(ep.stderr.endsWith('ValueError: boom\n')).toBe(true);
  });

  test('stdin is piped through and stdout written in full', () => {
    const input = 'line one\nünïcødé\n'.repeat(50_000);
    const r = runArchive(join(bin, 'probe/probe'), ['stdin'], { input });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${input.length} chars\n${input.toUpperCase()}`);
  });

  test('SIGINT raises KeyboardInterrupt and ends the process as it ends the plain script', async () => {
    const plain = await interrupt(py, [script(), 'sleep'], {});
    for (const name of ['probe', 'probe_ep']) {
      const r = await interrupt(join(bin, 'probe', name), ['sleep'], { PAR_PYTHON: py });
      expect({ code: r.code, signal: r.signal }).toEqual({ code: plain.code, signal: plain.signal });
      expect(r.stderr.trimEnd().split('\n').pop()).toBe('KeyboardInterrupt');
      expect(plain.stderr.trimEnd().split('\n').pop()).toBe('KeyboardInterrupt');
    }
    expect(plain.signal).toBe('SIGINT');
  });

  test('python = ">=3.99" fails at launch with the contract message', () => {
    const archive = join(bin, 'probe/future');
    const r = runArchive(archive, ['argv']);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
    const msg = r.stderr.trim();
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toMatch(new RegExp(`^${archive}: //probe:future needs Python >=3\\.99, but this is Python 3\\.\\d+\\.\\d+ \\(/[^)]+\\)\\. Tried: the running interpreter /\\S+ \\(Python 3\\.\\d+\\.\\d+\\);`));
    expect(msg).toContain('no python3.X known to this build satisfies it');
    expect(msg).toContain('set PAR_PYTHON to one');

    const pinned = runArchive(archive, ['argv'], { env: { PAR_PYTHON: py } });
    expect(pinned.status).toBe(1);
    expect(pinned.stderr).toContain(`needs Python >=3.99, but this is Python`);
    expect(pinned.stderr).toContain(`$PAR_PYTHON=${py} (set explicitly, so nothing else is tried)`);

    const direct = runArchive(archive, ['argv'], { interpreter: py });
    expect(direct.status).toBe(1);
    expect(direct.stderr).toContain('//probe:future needs Python >=3.99, but this is Python');
  });
});
