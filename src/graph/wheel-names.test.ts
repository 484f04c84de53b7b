import { topLevelFromPaths } from './wheel-names';

test('top-level import names of a wheel from its install paths', () => {
  expect([...topLevelFromPaths([
    'numpy/__init__.py',
    'numpy/linalg/linalg.py',
    'numpy.libs/libopenblas.so',
    'numpy-2.0.dist-info/RECORD',
    'numpy-2.0.data/scripts/f2py',
    'six.py',
    '_cffi_backend.cpython-311-x86_64-linux-gnu.so',
    'README.txt',
  ])].sort()).toEqual(['_cffi_backend', 'numpy', 'six']);
});
