import { ParError } from '../common/errors';
import { checkShadowed, findShadowed, type ShadowInput } from './shadowed';
import type { WheelInfo } from '../archive/wheel-info';

const wheel = (label: string, filename: string, paths: string[]) =>
  ({ label, filename, entries: paths.map((path) => ({ name: path, path, size: 1 })) }) as unknown as WheelInfo;

const HINT = ' Rename or remove one of them (or drop the dep that brings it), or, if one deliberately overrides the other, list the module in allow_shadowed_modules.';
const ONE = '//app:app: 1 module is provided twice in this binary, and Python imports only the first on sys.path:\n';
const base: ShadowInput = { label: '//app:app', roots: [''], files: [], wheels: [], allowed: [] };
const render = (input: ShadowInput) => {
  try {
    checkShadowed(input);
    return 'no error';
  } catch (e) {
    return (e as ParError).render();
  }
};

test('two import roots that both hold mod.py: the module, both targets and both files', () => {
  const input = {
    ...base,
    roots: ['', 'libs/a/src', 'libs/b/src'],
    files: [
      { path: 'app/main.py', owner: '//app:app' },
      { path: 'libs/a/src/mod.py', owner: '//libs/a' },
      { path: 'libs/b/src/mod.py', owner: '//libs/b' },
    ],
  };
  expect(render(input)).toBe(
    ONE +
      '  module mod: //libs/a (libs/a/src/mod.py) is imported; //libs/b (libs/b/src/mod.py) never is\n' +
      HINT,
  );
  expect(render({ ...input, allowed: ['mod'] })).toBe('no error');
});

test('a first-party package named like a wheel top-level package, regular or namespace', () => {
  const req = wheel('@pypi//requests', 'requests-2.31.0-py3-none-any.whl', ['requests/__init__.py', 'requests/api.py', 'requests-2.31.0.dist-info/METADATA']);
  const regular = { ...base, roots: ['', 'vendor'], files: [{ path: 'vendor/requests/__init__.py', owner: '//vendor:requests' }], wheels: [{ info: req, entry: 2 }] };
  expect(findShadowed(regular).map((g) => g.map((p) => `${p.module} ${p.owner} ${p.key}`))).toEqual([
    ['requests //vendor:requests vendor/requests/__init__.py', 'requests @pypi//requests requests-2.31.0-py3-none-any.whl!/requests/__init__.py'],
  ]);
  // A directory without __init__.py is a namespace portion, which the wheel's package hides.
  const namespace = { ...regular, files: [{ path: 'requests/helpers.py', owner: '//requests' }], roots: [''], wheels: [{ info: req, entry: 1 }] };
  expect(render(namespace)).toBe(
    ONE +
      '  module requests: @pypi//requests (requests/__init__.py in requests-2.31.0-py3-none-any.whl) is imported; //requests (requests/) never is\n' +
      HINT,
  );
  expect(render({ ...namespace, allowed: ['requests'] })).toBe('no error');
});

test('no conflict: a package split across targets in one directory, namespace packages merging, one file under two roots', () => {
  const input = {
    ...base,
    roots: ['', 'src'],
    files: [
      { path: 'src/pkg/__init__.py', owner: '//src/pkg:init' },
      { path: 'src/pkg/a.py', owner: '//src/pkg:a' },
      { path: 'ns/x.py', owner: '//ns/x' },
      { path: 'src/ns/y.py', owner: '//src/ns' },
    ],
    wheels: [{ info: wheel('@pypi//protobuf', 'protobuf-4-py3-none-any.whl', ['google/protobuf/__init__.py']), entry: 2 }],
  };
  expect(findShadowed({ ...input, files: [...input.files, { path: 'google/cloud/z.py', owner: '//google/cloud' }] })).toEqual([]);
});

test('within one directory the package beats the module file, and an extension beats the source', () => {
  const groups = findShadowed({
    ...base,
    files: [
      { path: 'lib/mod.py', owner: '//lib:py' },
      { path: 'lib/mod/__init__.py', owner: '//lib:pkg' },
      { path: 'lib/fast.py', owner: '//lib:py' },
      { path: 'lib/fast.cpython-311-x86_64-linux-gnu.so', owner: '//lib:native' },
    ],
  });
  expect(groups.map((g) => g.map((p) => p.key))).toEqual([
    ['lib/fast.cpython-311-x86_64-linux-gnu.so', 'lib/fast.py'],
    ['lib/mod/__init__.py', 'lib/mod.py'],
  ]);
});

test('several modules: counted and listed in module order', () => {
  const out = render({
    ...base,
    roots: ['', 'a', 'b'],
    files: ['a/x.py', 'b/x.py', 'a/y.py', 'b/y.py', 'b/z.py'].map((path) => ({ path, owner: `//${path[0]}` })),
  });
  expect(out).toBe(
    '//app:app: 2 modules are provided twice in this binary, and Python imports only the first on sys.path:\n' +
      '  module x: //a (a/x.py) is imported; //b (b/x.py) never is\n' +
      '  module y: //a (a/y.py) is imported; //b (b/y.py) never is\n' +
      HINT,
  );
});

test("one wheel's own x.py beside its compiled x.*.so (mypyc) is its layout, not a conflict; another provider still is", () => {
  const cn = wheel('@pypi//charset_normalizer', 'charset_normalizer-3.4.7-cp311-cp311-manylinux_2_17_x86_64.whl', [
    'charset_normalizer/__init__.py', 'charset_normalizer/cd.py', 'charset_normalizer/cd.cpython-311-x86_64-linux-gnu.so',
  ]);
  expect(render({ ...base, wheels: [{ info: cn, entry: 1 }] })).toBe('no error');
  const input = { ...base, roots: ['', 'vendor'], files: [{ path: 'vendor/charset_normalizer/cd.py', owner: '//vendor:cn' }], wheels: [{ info: cn, entry: 2 }] };
  expect(findShadowed(input).map((g) => g.map((p) => p.key))).toEqual([
    ['charset_normalizer-3.4.7-cp311-cp311-manylinux_2_17_x86_64.whl!/charset_normalizer/__init__.py', 'vendor/charset_normalizer/'],
    ['vendor/charset_normalizer/cd.py', 'charset_normalizer-3.4.7-cp311-cp311-manylinux_2_17_x86_64.whl!/charset_normalizer/cd.cpython-311-x86_64-linux-gnu.so'],
  ]);
});
