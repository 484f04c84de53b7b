import { extractKey, nativeKey, nativePlan, programPycPath } from './extract-layout';

const header = { build_python: { version: '3.11.2', cache_tag: 'cpython-311' }, compile: true };

test('program bytecode goes to __pycache__ for layout = "extract", beside the source for "zip"; the bootstrap always beside', () => {
  expect(programPycPath('app/main.py', 'zip', 'cpython-311')).toBe('app/main.pyc');
  expect(programPycPath('app/main.py', 'extract', 'cpython-311')).toBe('app/__pycache__/main.cpython-311.pyc');
  expect(programPycPath('__par__/_boot.py', 'extract', 'cpython-311')).toBe('__par__/_boot.pyc');
  expect(programPycPath('__main__.py', 'extract', 'cpython-311')).toBe('__main__.pyc');
});

test('the unpacked copy key changes with the code, the toolchain and the wheels bytecode, not with their order', () => {
  const k = extractKey('f'.repeat(64), header, new Map([['//a', '1'], ['//b', '2']]));
  expect(k).toMatch(/^[0-9a-f]{64}$/);
  expect(extractKey('f'.repeat(64), header, new Map([['//b', '2'], ['//a', '1']]))).toBe(k);
  expect(extractKey('e'.repeat(64), header, new Map([['//a', '1'], ['//b', '2']]))).not.toBe(k);
  expect(extractKey('f'.repeat(64), { ...header, build_python: { version: '3.11.7', cache_tag: 'cpython-311' } }, new Map([['//a', '1'], ['//b', '2']]))).not.toBe(k);
  expect(extractKey('f'.repeat(64), { ...header, compile: false }, new Map([['//a', '1'], ['//b', '2']]))).not.toBe(k);
  expect(extractKey('f'.repeat(64), header, new Map([['//a', '1'], ['//b', '3']]))).not.toBe(k);
});

describe('nativePlan', () => {
  const so = 'app/fast/_speed.cpython-311-x86_64-linux-gnu.so';
  it('keeps the zip layout for tagged extension modules, named through the deepest root', () => {
    expect(nativePlan('zip', ['app/main.py', so, 'lib/src/pkg/_c.abi3.so'], ['', 'lib/src'])).toEqual({
      layout: 'zip',
      modules: { 'app.fast._speed': so, 'pkg._c': 'lib/src/pkg/_c.abi3.so' },
    });
  });
  it('extracts for any other shared object, naming it', () => {
    expect(nativePlan('zip', [so, 'app/libhelper.so.1'], [''])).toEqual({ layout: 'extract', native: 'app/libhelper.so.1' });
    expect(nativePlan('zip', ['app/plain.so'], [''])).toEqual({ layout: 'extract', native: 'app/plain.so' });
    expect(nativePlan('zip', ['app/x.dylib'], [''])).toEqual({ layout: 'extract', native: 'app/x.dylib' });
  });
  it('changes nothing without shared objects, or when the binary already extracts', () => {
    expect(nativePlan('zip', ['app/main.py', 'app/table.csv'], [''])).toEqual({ layout: 'zip' });
    expect(nativePlan('extract', [so], [''])).toEqual({ layout: 'extract' });
  });
  it('keys the unpacked modules by their paths and contents', () => {
    const a = nativeKey({ m: so }, new Map([[so, 'aa']]));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(nativeKey({ m: so }, new Map([[so, 'bb']]))).not.toBe(a);
  });
});
