// python_test's runner modules (src/bootstrap/__par__/_testrunner.py, _testunittest.py) run by
// the system python3 against throw-away test modules, without Bazel: shard dealing, filters,
// --test_arg parsing and the JUnit XML they write (parsed back with ElementTree).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BOOTSTRAP = __dirname;

/** Runs `code` with the bootstrap and `dir` importable; returns its stdout parsed as JSON. */
function py(code: string, dir: string): unknown {
  const r = spawnSync('python3', ['-c', code], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, PYTHONPATH: `${BOOTSTRAP}:${dir}`, LANG: 'C.UTF-8' } });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('_testrunner.select', () => {
  test('the shards of any size partition the tests, each within one of the others in size', () => {
    const got = py(
      [
        'import json',
        'from __par__._testrunner import select',
        'ids = ["m.T.test_%02d" % i for i in (7, 3, 11, 0, 5, 9, 1, 2, 10, 4, 8, 6, 12)]',
        'out = {}',
        'for total in (1, 2, 3, 5, 13, 20):',
        '    shards = [[ids[i] for i in select(ids, (k, total))] for k in range(total)]',
        '    out[total] = {"union": sorted(sum(shards, [])) == sorted(ids), "sizes": sorted(set(len(s) for s in shards))}',
        'out["none"] = select(ids, None) == list(range(len(ids)))',
        'print(json.dumps(out))',
      ].join('\n'),
      tmpdir(),
    );
    expect(got).toEqual({
      1: { union: true, sizes: [13] },
      2: { union: true, sizes: [6, 7] },
      3: { union: true, sizes: [4, 5] },
      5: { union: true, sizes: [2, 3] },
      13: { union: true, sizes: [1] },
      20: { union: true, sizes: [0, 1] },
      none: true,
    });
  });
});

describe('_testunittest.run', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'par-testrunner-'));
    writeFileSync(
      join(dir, 'mod_a.py'),
      [
        'import unittest',
        '',
        '',
        'class Alpha(unittest.TestCase):',
        '    def test_ok(self):',
        '        pass',
        '',
        '    def test_sub(self):',
        '        for i in range(3):',
        '            with self.subTest(i=i):',
        '                self.assertLess(i, 2, "too big")',
        '',
        '    @unittest.skip("not today")',
        '    def test_skipped(self):',
        '        pass',
        '',
        '    def test_error(self):',
        '        raise ValueError("control\\x01char <&\\">")',  // XML 1.0 cannot carry \x01, even escaped
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'mod_broken.py'), 'import not_a_module_anywhere\n');
    writeFileSync(join(dir, 'mod_empty.py'), 'X = 1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the unittest runner over `modules`; returns its exit code, stderr's last line and the XML's cases. */
  const run = (modules: string[], argv: string[] = [], only: string | null = null, shard: [number, number] | null = null) =>
    py(
      [
        'import io, json, sys',
        'import xml.etree.ElementTree as ET',
        'from __par__ import _testunittest',
        'err = io.StringIO()',
        'sys.stderr = err',
        `config = {"runner": "unittest", "modules": ${JSON.stringify(modules)}, "files": [m + ".py" for m in ${JSON.stringify(modules)}], "coverage": False}`,
        'try:',
        `    code = _testunittest.run("//t:t", config, ${JSON.stringify(argv)}, ${shard ? JSON.stringify(shard) : 'None'}, ${only === null ? 'None' : JSON.stringify(only)}, {"XML_OUTPUT_FILE": "out.xml"})`,
        'except SystemExit as e:',
        '    code = str(e)',
        'sys.stderr = sys.__stderr__',
        'cases = []',
        'try:',
        '    root = ET.parse("out.xml").getroot()',
        'except OSError:',
        '    root = None',
        'if root is not None:',
        '    for c in root.iter("testcase"):',
        '        bad = [k for k in ("failure", "error", "skipped") if c.find(k) is not None]',
        '        cases.append([c.get("classname") + "." + c.get("name"), bad[0] if bad else "ok", c.find(bad[0]).get("message") if bad else None])',
        '    suite = root.find("testsuite")',
        '    cases.append({k: suite.get(k) for k in ("name", "tests", "failures", "errors", "skipped")})',
        'lines = err.getvalue().strip().splitlines()',
        'print(json.dumps({"code": code, "last": lines[-1] if lines else "", "cases": cases}))',
      ].join('\n'),
      dir,
    ) as { code: number | string; last: string; cases: unknown[] };

  test('records every outcome with its message, in XML that parses; a failed subtest fails its test', () => {
    rmSync(join(dir, 'out.xml'), { force: true });
    const r = run(['mod_a']);
    expect(r.code).toBe(1);
    expect(r.cases).toEqual([
      ['mod_a.Alpha.test_error', 'error', 'ValueError: control\\x01char <&">'],
      ['mod_a.Alpha.test_ok', 'ok', null],
      ['mod_a.Alpha.test_skipped', 'skipped', 'not today'],
      ['mod_a.Alpha.test_sub', 'failure', 'AssertionError: 2 not less than 2 : too big'],
      { name: '//t:t', tests: '4', failures: '1', errors: '1', skipped: '1' },
    ]);
  });

  test('a module that fails to import is one failing test, not an aborted run', () => {
    const r = run(['mod_broken', 'mod_a'], ['-k', 'test_ok']);
    expect(r.code).toBe(0);
    expect(r.cases.slice(0, -1)).toEqual([['mod_a.Alpha.test_ok', 'ok', null]]);
    const broken = run(['mod_broken']);
    expect(broken.code).toBe(1);
    const [id, kind, message] = broken.cases[0] as string[];
    expect([id, kind]).toEqual(['unittest.loader._FailedTest.mod_broken', 'error']);
    // unittest's message carries the import's traceback (with this machine's paths).
    expect(message).toMatch(/^ImportError: Failed to import test module: mod_broken\nTraceback \(most recent call last\):\n[^]*\n {4}import not_a_module_anywhere\nModuleNotFoundError: No module named 'not_a_module_anywhere'\n$/);
  });

  test('--test_filter patterns (comma-separated, fnmatch or substring) and id prefixes from --test_arg', () => {
    const ids = (r: { cases: unknown[] }) => r.cases.slice(0, -1).map((c) => (c as string[])[0]);
    expect(ids(run(['mod_a'], [], 'ok,*.test_skip*'))).toEqual(['mod_a.Alpha.test_ok', 'mod_a.Alpha.test_skipped']);
    expect(ids(run(['mod_a'], ['mod_a.Alpha.test_ok']))).toEqual(['mod_a.Alpha.test_ok']);
    expect(ids(run(['mod_a'], ['--', 'whatever', '-x'], 'test_ok'))).toEqual(['mod_a.Alpha.test_ok']);
  });

  test('a filter or shard that selects nothing passes with a note and an empty suite', () => {
    const none = run(['mod_a'], [], 'nomatch');
    expect(none).toEqual({ code: 0, last: '//t:t: no test selected (--test_filter/--test_arg matched none of 4 tests); nothing to run.', cases: [{ name: '//t:t', tests: '0', failures: '0', errors: '0', skipped: '0' }] });
    const shard = run(['mod_a'], ['-k', 'test_ok'], null, [1, 2]);
    expect(shard.code).toBe(0);
    expect(shard.last).toBe('//t:t: no test selected (shard 2 of 2 got none of the 1 selected tests); nothing to run.');
  });

  test('no tests at all fails, naming the files; a bad --test_arg fails with the usage', () => {
    expect(run(['mod_empty'])).toMatchObject({
      code: 1,
      last: '//t:t: unittest found no tests in mod_empty.py. Name test methods test_* in unittest.TestCase subclasses (pytest: test_* functions), or check that srcs lists the test files.',
    });
    expect(run(['mod_a'], ['-k']).code).toBe(
      '//t:t: -k needs a pattern. The unittest runner takes --test_arg values: -v, -q, -f/--failfast, -k PATTERN (fnmatch on the test id, *PATTERN* without wildcards) and test ids or their prefixes (pkg.test_x.Case.test_y); what follows -- is left to the tests (sys.argv).',
    );
  });
});
