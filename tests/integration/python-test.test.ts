// python_test under real Bazel: the test protocol (exit codes, JUnit XML, shards, --test_filter,
// --test_arg, HOME, undeclared outputs) for the unittest and pytest runners, `bazel coverage`
// with coverage.py as a wheel, and the imports check. One workspace and output base; pytest
// and its dependencies are wheels rebuilt from pyenv 3.11's site-packages, coverage.py one
// built from Debian's python3-coverage files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { bazel, pyenvInterpreters, ROOT, scratch, writeWorkspace } from './harness';

jest.setTimeout(900_000);

const py311 = pyenvInterpreters().get('3.11');
const DEBIAN_COVERAGE = '/usr/lib/python3/dist-packages/coverage';
const hasCoverage = existsSync(join(DEBIAN_COVERAGE, '__init__.py'));
if (!py311) console.log('python-test: pytest cases skipped: no pyenv 3.11 to rebuild pytest wheels from');
if (!hasCoverage) console.log(`python-test: coverage case skipped: no ${DEBIAN_COVERAGE} (Debian's python3-coverage)`);

const UT_BUILD = `load("@rules_par//rules:defs.bzl", "python_test")

python_test(name = "pass_test", srcs = ["test_pass.py"], deps = ["//lib:calc"], env = {"FROM_ATTR": "set by env"})

python_test(name = "fail_test", srcs = ["test_fail.py"])

python_test(name = "shard_test", srcs = ["test_many.py"], shard_count = 3)

python_test(name = "main_test", srcs = ["run.py"], main = "run.py")

python_test(name = "nopytest_test", srcs = ["test_fail.py"], runner = "pytest")
`;

const PASS_TEST = (imports: string) => `import json
import os
import sys
${imports}
from lib import calc


def check_env():
    tmp = os.environ["TEST_TMPDIR"]
    assert os.environ["HOME"].startswith(tmp), (os.environ["HOME"], tmp)
    assert os.environ.get("FROM_ATTR") == "set by env", "python_test's env attribute"
    with open(os.path.join(os.environ["TEST_UNDECLARED_OUTPUTS_DIR"], "hello.txt"), "w") as f:
        f.write("hi")


def save_args():
    # pytest captures what a passing test prints: the arguments go to an undeclared output.
    with open(os.path.join(os.environ["TEST_UNDECLARED_OUTPUTS_DIR"], "argv.json"), "w") as f:
        json.dump(sys.argv[1:], f)
`;

const UT_PASS = `${PASS_TEST('import unittest\n')}

class CalcTest(unittest.TestCase):
    def test_positive(self):
        self.assertEqual(calc.sign(3), "non-negative")

    def test_args(self):
        save_args()

    def test_env(self):
        check_env()
`;

const PT_PASS = `${PASS_TEST('\nimport pytest\n')}

def test_positive(answer):
    assert calc.sign(answer) == "non-negative"


@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n > 0


def test_args():
    save_args()


def test_env():
    check_env()
`;

const manyUnittest = () =>
  ['import unittest', '']
    .concat(...[0, 1, 2].map((c) => [`class Case${c}(unittest.TestCase):`, ...[0, 1, 2, 3].map((t) => `    def test_${t}(self):\n        pass\n`)]))
    .join('\n');
const manyPytest = () => Array.from({ length: 10 }, (_, i) => `def test_${i}():\n    pass\n`).join('\n');

/** The tag of a wheel made from Debian's coverage package: its tracer extension's, if any. */
function coverageTag(): string {
  const so = readdirSync(DEBIAN_COVERAGE).map((n) => /^tracer\.cpython-(\d+)-(\w+)-linux-gnu\.so$/.exec(n)).find((m) => m);
  return so ? `cp${so[1]}-cp${so[1]}-linux_${so[2]}` : 'py3-none-any';
}

interface Case { classname: string; name: string; failure: { message: string; text: string } | null }

/** JUnit XML parsed by Python's ElementTree: each <testcase> with its failure or error. */
function junit(path: string): Case[] {
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'out = []',
    'for c in ET.parse(sys.argv[1]).iter("testcase"):',
    '    f = c.find("failure")',
    '    f = f if f is not None else c.find("error")',
    '    out.append({"classname": c.get("classname"), "name": c.get("name"),',
    '                "failure": None if f is None else {"message": f.get("message"), "text": f.text or ""}})',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path}: not JUnit XML:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Case[];
}

/** LCOV as { file: { line: hits } }. */
function lcov(text: string): Record<string, Record<number, number>> {
  const out: Record<string, Record<number, number>> = {};
  let cur: Record<number, number> | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('SF:')) out[line.slice(3)] = cur = {};
    else if (line.startsWith('DA:') && cur) {
      const [n, hits] = line.slice(3).split(',').map(Number);
      cur[n] = hits;
    } else if (line === 'end_of_record') cur = null;
  }
  return out;
}

/** "//pkg:name" -> status, from Bazel's summary lines. */
function statuses(out: string): Record<string, string> {
  return Object.fromEntries([...out.matchAll(/^(\/\/\S+)\s+(PASSED|FAILED|NO STATUS)\b/gm)].map((m) => [m[1], m[2]]));
}

describe('python_test', () => {
  const base = scratch('par-it-pytest-');
  const ws = join(base, 'ws');
  const opts = { cwd: ws, startup: [`--output_base=${join(base, 'ob')}`] };
  const logs = join(ws, 'bazel-testlogs');
  const xml = (target: string, shard = '') => junit(join(logs, target, shard, 'test.xml'));
  /** A file of a test's outputs.zip (its TEST_UNDECLARED_OUTPUTS_DIR). */
  const outputs = (target: string, name: string) => {
    const script = 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())';
    return spawnSync('python3', ['-c', script, join(logs, target, 'test.outputs/outputs.zip'), name], { encoding: 'utf8' }).stdout;
  };
  const names = (target: string) => xml(target).map((c) => c.name).sort();
  const run = (args: string[]) => {
    const r = bazel(args, opts);
    return { ...r, out: r.stdout + r.stderr };
  };
  const targets = ['//ut:pass_test', '//ut:fail_test', '//ut:shard_test', '//ut:main_test', '//ut:nopytest_test', ...(py311 ? ['//pt:pass_test', '//pt:fail_test', '//pt:shard_test', '//lib/tests:calc_test'] : [])];
  let first = { status: null as number | null, out: '' };

  beforeAll(() => {
    const wheels: string[] = [];
    mkdirSync(join(ws, 'third_party'), { recursive: true });
    const rebuild = (py: string, args: string[]) => {
      const r = spawnSync(py, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')}:\n${r.stderr}`);
      wheels.push(...r.stdout.trim().split('\n').map((p) => basename(p)));
    };
    if (py311) rebuild(py311, [join(ROOT, 'tests/helpers/rebuild_wheel.py'), join(ws, 'third_party'), 'pytest', 'pluggy', 'iniconfig', 'packaging', 'pygments']);
    if (hasCoverage) rebuild('python3', [join(ROOT, 'tests/helpers/wheel_from_files.py'), join(ws, 'third_party'), 'coverage', '6.5.0', coverageTag(), DEBIAN_COVERAGE]);
    const wheel = (name: string) => wheels.find((w) => w.toLowerCase().startsWith(`${name}-`))!;
    const thirdParty = [
      'load("@rules_par//rules:defs.bzl", "python_wheel")',
      'package(default_visibility = ["//visibility:public"])',
      ...(hasCoverage ? [`python_wheel(name = "coverage", wheel = "${wheel('coverage')}")`] : []),
      ...(py311
        ? [
            ...['pluggy', 'iniconfig', 'packaging', 'pygments'].map((n) => `python_wheel(name = "${n}", wheel = "${wheel(n)}")`),
            `python_wheel(name = "pytest", wheel = "${wheel('pytest')}", deps = [":pluggy", ":iniconfig", ":packaging", ":pygments"])`,
          ]
        : []),
    ].join('\n');
    const PT = (name: string, src: string, extra = '') =>
      name === 'pass_test'
        ? `python_test(name = "${name}", srcs = ["${src}"], deps = [":conftest", "//third_party:pytest", "//lib:calc"], env = {"FROM_ATTR": "set by env"}, python = ">=3.11"${extra})`
        : `python_test(name = "${name}", srcs = ["${src}"], deps = ["//third_party:pytest"], python = ">=3.11"${extra})`;
    writeWorkspace(ws, {
      // Bazel 4-6 analyse the downloaded --coverage_report_generator for every test target.
      '.bazelrc': 'build --incompatible_strict_action_env\nbuild --coverage_report_generator=@rules_par//rules/private/tools:coverage_report_generator.sh\n',
      'third_party/BUILD': thirdParty + '\n',
      'lib/BUILD': 'load("@rules_par//rules:defs.bzl", "python_library")\npython_library(name = "calc", srcs = ["calc.py"], visibility = ["//visibility:public"])\n',
      'lib/calc.py': 'def sign(x):\n    if x >= 0:\n        return "non-negative"\n    return "negative"\n',
      'ut/BUILD': UT_BUILD,
      'ut/test_pass.py': UT_PASS,
      'ut/test_fail.py': 'import unittest\n\n\nclass Broken(unittest.TestCase):\n    def test_ok(self):\n        pass\n\n    def test_wrong(self):\n        self.assertEqual(1 + 1, 3, "arithmetic is off")\n',
      'ut/test_many.py': manyUnittest(),
      'ut/run.py': 'import sys\n\nprint("hand-written runner, args %r" % (sys.argv[1:],))\n',
      'bad/BUILD': [
        'load("@rules_par//rules:defs.bzl", "python_test")',
        'python_test(name = "undeclared_test", srcs = ["test_bad.py"])',
        'python_test(name = "runner_test", srcs = ["test_bad.py"], runner = "nose")',
        'python_test(name = "empty_test")',
        'filegroup(name = "not_a_wheel", srcs = ["test_bad.py"])',
        '',
      ].join('\n'),
      'bad/test_bad.py': 'import unittest\n\nfrom lib.calc import sign\n',
      ...(py311
        ? {
            'pt/BUILD': ['load("@rules_par//rules:defs.bzl", "python_library", "python_test")', 'python_library(name = "conftest", srcs = ["conftest.py"], deps = ["//third_party:pytest"])', PT('pass_test', 'test_pt_pass.py'), PT('fail_test', 'test_pt_fail.py'), PT('shard_test', 'test_pt_many.py', ', shard_count = 3')].join('\n\n') + '\n',
            'pt/test_pt_pass.py': PT_PASS,
            // A fixture from a conftest.py that a library (not the test's srcs) ships.
            'pt/conftest.py': 'import pytest\n\n\n@pytest.fixture\ndef answer():\n    return 42\n',
            'pt/test_pt_fail.py': 'def test_ok():\n    pass\n\n\ndef test_wrong():\n    assert 1 + 1 == 3, "arithmetic is off"\n',
            'pt/test_pt_many.py': manyPytest(),
            // A test below the package it tests: pytest must not make `lib` from the runfiles.
            'lib/tests/BUILD': `load("@rules_par//rules:defs.bzl", "python_test")\n${PT('calc_test', 'test_calc.py').replace('"//third_party:pytest"', '"//third_party:pytest", "//lib:calc"')}\n`,
            'lib/tests/test_calc.py': 'from lib.calc import sign\n\n\ndef test_negative():\n    assert sign(-1) == "negative"\n',
          }
        : {}),
    });
    first = run(['test', '--keep_going', '--test_output=errors', ...targets]);
  });

  afterAll(() => bazel(['shutdown'], opts));

  test('exit code 3 when a test fails; each target passes or fails on its own tests', () => {
    expect(first.status).toBe(3);
    const want: Record<string, string> = { '//ut:pass_test': 'PASSED', '//ut:fail_test': 'FAILED', '//ut:shard_test': 'PASSED', '//ut:main_test': 'PASSED', '//ut:nopytest_test': 'FAILED' };
    if (py311) Object.assign(want, { '//pt:pass_test': 'PASSED', '//pt:fail_test': 'FAILED', '//pt:shard_test': 'PASSED', '//lib/tests:calc_test': 'PASSED' });
    expect(statuses(first.out)).toEqual(want);
    expect(readFileSync(join(logs, 'ut/main_test/test.log'), 'utf8')).toContain('hand-written runner, args []');
    expect(readFileSync(join(logs, 'ut/nopytest_test/test.log'), 'utf8')).toContain(
      '//ut:nopytest_test: runner = "pytest", but pytest is not in the test\'s closure. Add a python_wheel of pytest (and its dependencies) to deps, e.g. "@pypi//pytest", or use runner = "unittest".',
    );
  });

  test('unittest: one <testcase> per test, the failure with its message and traceback, also in the log', () => {
    expect(xml('ut/pass_test')).toEqual(['test_args', 'test_env', 'test_positive'].map((name) => ({ classname: 'ut.test_pass.CalcTest', name, failure: null })));
    const [ok, wrong] = xml('ut/fail_test');
    expect(ok).toEqual({ classname: 'ut.test_fail.Broken', name: 'test_ok', failure: null });
    expect(wrong.name).toBe('test_wrong');
    expect(wrong.failure!.message).toBe('AssertionError: 2 != 3 : arithmetic is off');
    expect(wrong.failure!.text).toBe(
      'Traceback (most recent call last):\n  File "ut/test_fail.py", line 9, in test_wrong\n    self.assertEqual(1 + 1, 3, "arithmetic is off")\nAssertionError: 2 != 3 : arithmetic is off\n',
    );
    expect(readFileSync(join(logs, 'ut/fail_test/test.log'), 'utf8')).toContain('AssertionError: 2 != 3 : arithmetic is off');
  });

  test('env reaches the test, HOME is in TEST_TMPDIR and files in TEST_UNDECLARED_OUTPUTS_DIR reach outputs.zip', () => {
    for (const t of py311 ? ['ut/pass_test', 'pt/pass_test'] : ['ut/pass_test']) {
      // test_env asserts the first two.
      expect(xml(t).filter((c) => c.name === 'test_env').map((c) => c.failure)).toEqual([null]);
      expect(`${t}: ${outputs(t, 'hello.txt')}`).toBe(`${t}: hi`);
      expect(`${t}: ${outputs(t, 'argv.json')}`).toBe(`${t}: []`);
    }
  });

  test('shard_count = 3: every test runs in exactly one shard', () => {
    const runners: [string, string[]][] = [['ut/shard_test', [0, 1, 2].flatMap((c) => [0, 1, 2, 3].map((t) => `ut.test_many.Case${c}.test_${t}`))]];
    if (py311) runners.push(['pt/shard_test', Array.from({ length: 10 }, (_, i) => `pt.test_pt_many.test_${i}`)]);
    for (const [target, all] of runners) {
      const shards = [1, 2, 3].map((s) => xml(target, `shard_${s}_of_3`).map((c) => `${c.classname}.${c.name}`));
      for (const s of shards) expect(s.length).toBeGreaterThan(0);
      expect(shards.flat().sort()).toEqual([...all].sort());
    }
  });

  (py311 ? test : test.skip)('pytest: one <testcase> per test (parametrized too), the failure with its message and source, also in the log', () => {
    expect(names('pt/pass_test')).toEqual(['test_args', 'test_env', 'test_param[1]', 'test_param[2]', 'test_positive']);
    const [ok, wrong] = xml('pt/fail_test');
    expect(ok).toEqual({ classname: 'pt.test_pt_fail', name: 'test_ok', failure: null });
    expect(wrong.failure!.message).toBe('AssertionError: arithmetic is off\nassert (1 + 1) == 3');
    expect(wrong.failure!.text).toContain('>       assert 1 + 1 == 3, "arithmetic is off"\nE       AssertionError: arithmetic is off');
    expect(readFileSync(join(logs, 'pt/fail_test/test.log'), 'utf8')).toContain('FAILED pt/test_pt_fail.py::test_wrong - AssertionError: arithmetic is off');
  });

  test('--test_filter selects by name under each runner; a target it leaves empty passes', () => {
    const pass = ['//ut:pass_test', ...(py311 ? ['//pt:pass_test'] : [])];
    const r = run(['test', '--test_filter=positive', '--test_output=errors', ...pass, '//ut:fail_test', ...(py311 ? ['//pt:fail_test'] : [])]);
    expect(r.status).toBe(0);
    expect(names('ut/pass_test')).toEqual(['test_positive']);
    if (py311) expect(names('pt/pass_test')).toEqual(['test_positive']);
    expect(names('ut/fail_test')).toEqual([]);
    expect(readFileSync(join(logs, 'ut/fail_test/test.log'), 'utf8')).toContain('//ut:fail_test: no test selected (--test_filter/--test_arg matched none of 2 tests); nothing to run.');
    if (py311) {
      expect(names('pt/fail_test')).toEqual([]);
      expect(readFileSync(join(logs, 'pt/fail_test/test.log'), 'utf8')).toContain('//pt:fail_test: no test selected (--test_filter positive matched none of 2 tests); nothing to run.');
      const node = run(['test', '--test_filter=pt/test_pt_pass.py::test_param', '//pt:pass_test']);
      expect(node.status).toBe(0);
      expect(names('pt/pass_test')).toEqual(['test_param[1]', 'test_param[2]']);
    }
  });

  test('--test_arg reaches the runner and the tests (sys.argv)', () => {
    const pass = ['//ut:pass_test', ...(py311 ? ['//pt:pass_test'] : [])];
    const r = run(['test', '--test_arg=-k', '--test_arg=args', '--test_output=all', ...pass]);
    expect(r.status).toBe(0);
    for (const t of pass) {
      const dir = t.slice(2).replace(':', '/');
      expect(names(dir)).toEqual(['test_args']);
      expect(outputs(dir, 'argv.json')).toBe('["-k", "args"]');
    }
  });

  test('an unknown --test_arg for the unittest runner fails the test, saying what it takes', () => {
    const r = run(['test', '--test_arg=--frobnicate', '//ut:pass_test']);
    expect(r.status).toBe(3);
    expect(readFileSync(join(logs, 'ut/pass_test/test.log'), 'utf8')).toContain(
      '//ut:pass_test: unknown option --frobnicate. The unittest runner takes --test_arg values: -v, -q, -f/--failfast, -k PATTERN (fnmatch on the test id, *PATTERN* without wildcards) and test ids or their prefixes (pkg.test_x.Case.test_y); what follows -- is left to the tests (sys.argv).',
    );
  });

  test('bazel coverage without a coverage tool fails, saying what to add', () => {
    const r = run(['coverage', '//ut:pass_test']);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(
      'Error in fail: python_test //ut:pass_test: `bazel coverage` needs coverage.py, and no coverage tool is set. Add a python_wheel of coverage (e.g. @pypi//coverage) and point @rules_par//rules:coverage_tool at it, e.g. in .bazelrc:\n' +
        '    coverage --@rules_par//rules:coverage_tool=//third_party:coverage\nSee docs/testing.md.',
    );
  });

  (hasCoverage ? test : test.skip)('bazel coverage: LCOV with repository-relative paths; the branch not taken is line 0', () => {
    const pass = ['//ut:pass_test', ...(py311 ? ['//pt:pass_test'] : [])];
    const r = run(['coverage', '--@rules_par//rules:coverage_tool=//third_party:coverage', '--instrumentation_filter=^//lib[/:]', '--combined_report=lcov', ...pass]);
    expect(r.status).toBe(0);
    // --combined_report=lcov through rules_par's offline report generator: one record per
    // file, the tests' hits summed (and the instrumented targets' baselines merged in).
    const n = pass.length;
    expect(readFileSync(join(ws, 'bazel-out/_coverage/_coverage_report.dat'), 'utf8')).toBe(
      `SF:lib/calc.py\nDA:1,${n}\nDA:2,${n}\nDA:3,${n}\nDA:4,0\nLH:3\nLF:4\nend_of_record\n`,
    );
    for (const t of pass) {
      const dir = t.slice(2).replace(':', '/');
      const report = lcov(readFileSync(join(logs, dir, 'coverage.dat'), 'utf8'));
      expect(`${t}: ${JSON.stringify(report)}`).toBe(`${t}: ${JSON.stringify({ 'lib/calc.py': { 1: 1, 2: 1, 3: 1, 4: 0 } })}`);
    }
  });

  test('bad attributes and a coverage tool that is no wheel fail analysis, each with its message', () => {
    const r = run(['build', '--nobuild', '--keep_going', '--collect_code_coverage', '--@rules_par//rules:coverage_tool=//bad:not_a_wheel', '//bad:runner_test', '//bad:empty_test', '//ut:pass_test']);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("Error in fail: python_test //bad:runner_test: runner = 'nose' is not one of 'auto', 'pytest', 'unittest'.\n");
    expect(r.out).toContain('Error in fail: python_test //bad:empty_test: srcs is empty. List the test files (test_*.py or *_test.py) in srcs.\n');
    expect(r.out).toContain(
      'Error in fail: python_test //ut:pass_test: `bazel coverage` needs coverage.py, and @rules_par//rules:coverage_tool names //bad:not_a_wheel, which is no python_wheel or python_library. Add a python_wheel of coverage (e.g. @pypi//coverage) and point @rules_par//rules:coverage_tool at it, e.g. in .bazelrc:\n' +
        '    coverage --@rules_par//rules:coverage_tool=//third_party:coverage\nSee docs/testing.md.\n',
    );
  });

  test('an undeclared import in a test fails the build like in a binary', () => {
    const r = run(['build', '//bad:undeclared_test']);
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      'par imports-report: error: //bad:undeclared_test: imports_check = "error": 1 import that no dependency provides:\n' +
        '  bad/test_bad.py:3: `from lib.calc import sign` needs module lib.calc; no target in this binary provides it and no module index is configured to look further; //bad:undeclared_test needs a dep that does (`par gen` adds it from the imports)\n' +
        'Add the suggested deps, run `par gen` to update BUILD files from the imports, guard optional imports with try/except ImportError (or an `if sys.version_info` test), or list intentionally absent modules in imports_ignore.\n',
    );
  });
});
