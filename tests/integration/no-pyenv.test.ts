// The suite on a machine with only the system python3 (issue 14): PAR_TEST_NO_PYENV=1 hides
// pyenv from the harness. Running the whole suite twice would double CI's time, so this
// checks the part that breaks without pyenv at no Bazel cost: every integration file is
// collected with pyenv hidden (jest's .each on an empty table fails a file right there), and
// each test that needs a pyenv interpreter is a skip that names it. Jest runs no hooks for
// a file whose tests are all filtered out, so nothing is built. The full run without pyenv:
//   PAR_TEST_NO_PYENV=1 npm test
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, scratch } from './harness';

jest.setTimeout(5 * 60_000);

test('with PAR_TEST_NO_PYENV=1 the harness finds no pyenv interpreter and drops pyenv from PATH', () => {
  const saved = { PATH: process.env.PATH, flag: process.env.PAR_TEST_NO_PYENV };
  const root = join(process.env.HOME ?? '/root', '.pyenv');
  process.env.PATH = `${root}/shims:${root}/plugins/pyenv-virtualenv/shims:/usr/bin:/bin`;
  process.env.PAR_TEST_NO_PYENV = '1';
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const h = require('./harness') as typeof import('./harness');
      expect([h.NO_PYENV, h.pyenvInterpreters().size, process.env.PATH]).toEqual([true, 0, '/usr/bin:/bin']);
      expect(h.missingPyenv(['3.12'])).toBe('no pyenv Python 3.12 (PAR_TEST_NO_PYENV=1)');
    });
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.flag === undefined) delete process.env.PAR_TEST_NO_PYENV;
    else process.env.PAR_TEST_NO_PYENV = saved.flag;
  }
});

test('every integration file loads with pyenv hidden, and what needs pyenv is a skip naming it', () => {
  const dir = scratch('par-it-nopyenv-');
  const out = join(dir, 'results.json');
  try {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/jest/bin/jest.js'), '--selectProjects', 'integration', '--runInBand', '--silent', '--reporters=default',
        '--testPathIgnorePatterns', 'no-pyenv\\.test\\.ts$', '-t', '\\[skipped: ', '--json', '--outputFile', out],
      { cwd: ROOT, env: { ...process.env, PAR_TEST_NO_PYENV: '1' }, encoding: 'utf8' },
    );
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      numFailedTestSuites: number;
      numRuntimeErrorTestSuites: number;
      testResults: { name: string; message: string; assertionResults: { fullName: string }[] }[];
    };
    const broken = results.testResults.filter((f) => f.message).map((f) => `${f.name}: ${f.message.slice(0, 400)}`);
    expect(broken).toEqual([]);
    expect([r.status, results.numFailedTestSuites, results.numRuntimeErrorTestSuites]).toEqual([0, 0, 0]);
    const skips = results.testResults.flatMap((f) => f.assertionResults.map((t) => t.fullName)).filter((n) => n.includes('[skipped: '));
    // The two files whose empty .each tables failed them before (issue 14), and a pyenv skip
    // elsewhere, each with its reason.
    expect(skips).toEqual(
      expect.arrayContaining([
        'the archive file goes away mid-run replaced, under Python * (zipimport differs across versions) [skipped: no pyenv Python 3.8, 3.13 (PAR_TEST_NO_PYENV=1)]',
        'interpreter selection PAR_PYTHON wins over PATH [skipped: no pyenv Python 3.11, 3.12, 3.13 (PAR_TEST_NO_PYENV=1)]',
        'examples/numpy: native wheels from an archive [skipped: no pyenv Python 3.11, 3.12 (PAR_TEST_NO_PYENV=1)]',
      ]),
    );
    // Every skip for want of pyenv says so; none claims another cause.
    expect(skips.filter((n) => !n.endsWith('(PAR_TEST_NO_PYENV=1)]'))).toEqual([]);
    // imports-stdlib has no pyenv skip: it falls back to the system python3's library.
    const stdlib = results.testResults.find((f) => f.name.endsWith('imports-stdlib.test.ts'))!;
    expect(stdlib.assertionResults.map((t) => t.fullName)).toContainEqual(expect.stringMatching(/^Python 3\.\d+ standard library TypeScript extraction equals ast extraction on every file \(python3\)$/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
