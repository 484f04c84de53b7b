// par ide on the shipped examples: pyright (from npm, no Python on PATH) reports no unresolved
// import with the generated config, and the unresolved ones without it. examples/monorepo has
// an `imports` root (libs/textfmt/src); examples/numpy a third-party wheel, which the aspect
// unpacks under bazel-out for the editor.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingPyenv, pyenvInterpreters, ROOT, scratch, testUnless } from './harness';
import { bareConfig, bazelWrapper, par, pyright, unresolved } from './ide-helpers';

jest.setTimeout(600_000);

test('examples/monorepo: every import resolves with the generated config, textfmt and the words package do not without', () => {
  const out = scratch('par-it-ide-mono-');
  const r = par(['ide', '//examples/monorepo/...', '--out', out], ROOT);
  // 5 libraries and binaries, tokens_test, and test_wordcount once make_wheels.sh made pytest's wheels.
  const targets = existsSync(join(ROOT, 'examples/monorepo/tests/wheels')) ? 7 : 6;
  expect(r.stderr).toContain(`par ide: wrote ${join(out, 'pyrightconfig.json')} (${targets} targets, 3 import paths, Python `);
  expect(r.status).toBe(0);
  const model = JSON.parse(r.stdout);
  expect(model.extra_paths).toEqual([ROOT, join(ROOT, 'examples/monorepo/libs/textfmt/src'), join(ROOT, 'src/bootstrap/stubs')]);
  const config = join(out, 'pyrightconfig.json');
  expect(unresolved(pyright(out, out, ['-p', config]))).toEqual([]);
  // Without it (same files, project root elsewhere than the workspace): textfmt's import root
  // and the repository root are both missing.
  const missing = unresolved(pyright(out, out, ['-p', bareConfig(config)]));
  expect(missing).toEqual(expect.arrayContaining([
    `${join(ROOT, 'examples/monorepo/tools/greeter/greeter.py')}: Import "textfmt" could not be resolved`,
    `${join(ROOT, 'examples/monorepo/tools/wordcount/cli.py')}: Import "textfmt" could not be resolved`,
    `${join(ROOT, 'examples/monorepo/tools/wordcount/cli.py')}: Import "examples.monorepo.libs.words" could not be resolved`,
  ]));
});

const py311 = pyenvInterpreters().get('3.11');
testUnless(missingPyenv(['3.11']))('examples/numpy: numpy resolves from the wheel the build unpacked, and not without the config', () => {
  const example = join(ROOT, 'examples/numpy');
  const gen = spawnSync(join(example, 'make_wheels.sh'), [py311!], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`make_wheels.sh failed:\n${gen.stderr}`);
  const base = scratch('par-it-ide-numpy-');
  const bazel = bazelWrapper(base, [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=60']);
  try {
    const r = par(['ide', '//:solve'], example, bazel);
    expect(r.status).toBe(0);
    const model = JSON.parse(r.stdout);
    const [wheel] = model.targets.find((t: { label: string }) => t.label === '//:solve').wheels;
    expect(wheel.label).toBe('//third_party:numpy');
    expect(wheel.dir).toMatch(/\/bazel-out\/[^/]+\/bin\/third_party\/_par_ide\/numpy$/);
    expect(existsSync(join(wheel.dir, 'numpy/__init__.py'))).toBe(true);
    expect(existsSync(join(wheel.dir, 'numpy/linalg/__init__.pyi'))).toBe(true);
    const config = join(example, 'pyrightconfig.json');
    // Through the workspace's bazel-out symlink, never a copy in the user's tree.
    expect(JSON.parse(readFileSync(config, 'utf8')).extraPaths).toEqual(['.', expect.stringMatching(/^bazel-out\/[^/]+-fastbuild\/bin\/third_party\/_par_ide\/numpy$/), expect.stringMatching(/\/external\/rules_par\/src\/bootstrap\/stubs$/)]);
    expect(unresolved(pyright(base, example, ['-p', config]))).toEqual([]);
    expect(unresolved(pyright(base, example, ['-p', bareConfig(config)]))).toEqual([`${join(example, 'solve.py')}: Import "numpy" could not be resolved`]);
  } finally {
    for (const f of ['pyrightconfig.json', '.par-ide.json', 'bare-pyrightconfig.json']) spawnSync('rm', ['-f', join(example, f)]);
    spawnSync(bazel, ['shutdown'], { cwd: example });
  }
});
