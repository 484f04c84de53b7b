import { ModuleIndex, moduleParts } from './module-index';

describe('moduleParts', () => {
  it('names sources and packages through their root', () => {
    expect(moduleParts('a/b/c.py', 'a')).toEqual(['b', 'c']);
    expect(moduleParts('a/b/__init__.py', '')).toEqual(['a', 'b']);
    expect(moduleParts('x/b/c.py', 'a')).toBeNull();
    expect(moduleParts('a/b-c/d.py', '')).toBeNull();
  });
  it('names extension modules by what comes before the first dot, whatever their tag', () => {
    expect(moduleParts('app/fast/_speed.cpython-311-x86_64-linux-gnu.so', '')).toEqual(['app', 'fast', '_speed']);
    expect(moduleParts('pkg/_c.abi3.so', '')).toEqual(['pkg', '_c']);
    expect(moduleParts('pkg/m.pyd', '')).toEqual(['pkg', 'm']);
    expect(moduleParts('pkg/plain.so', 'pkg')).toEqual(['plain']);
  });
  it('leaves other data alone, shared libraries with a version suffix included', () => {
    expect(moduleParts('pkg/libfoo.so.1', '')).toBeNull();
    expect(moduleParts('pkg/table.csv', '')).toBeNull();
  });
});

describe('ModuleIndex', () => {
  it('resolves an extension module in a package of sources', () => {
    const index = new ModuleIndex(['app/fast/__init__.py', 'app/fast/_speed.cpython-311-x86_64-linux-gnu.so']);
    expect(index.get('app.fast._speed')).toEqual({ kind: 'module', path: 'app/fast/_speed.cpython-311-x86_64-linux-gnu.so' });
    expect(index.get('app.fast')?.kind).toBe('package');
  });
});
