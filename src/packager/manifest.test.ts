import { ParError } from '../common/errors';
import { parseManifest } from './manifest';

const header = {
  t: 'header',
  manifest_version: 1,
  label: '//tools/foo:pkg',
  main: 'tools/foo/main.py',
  main_module: 'tools.foo.main',
  entry_point: null,
  python: '>=3.8',
  compression: 'deflate',
  compile: true,
  layout: 'zip',
  shebang: '#!/usr/bin/env python3',
  imports_check: 'error',
  build_python: { version: '3.11.7', cache_tag: 'cpython-311' },
};

const lines = (...objs: unknown[]) => objs.map((o) => JSON.stringify(o)).join('\n') + '\n';

function problems(text: string): string {
  try {
    parseManifest(text, 'bazel-out/k8/bin/tools/foo/_par/pkg.manifest.jsonl');
  } catch (e) {
    expect(e).toBeInstanceOf(ParError);
    return (e as ParError).render();
  }
  throw new Error('expected the manifest to be rejected');
}

describe('parseManifest', () => {
  it('reads a valid manifest into its parts', () => {
    const m = parseManifest(
      lines(
        header,
        { t: 'boot', path: '__main__.py', file: 'src/bootstrap/__main__.py' },
        { t: 'src', path: 'tools/foo/main.py', file: 'tools/foo/main.py', owner: '//tools/foo:main.py' },
        { t: 'data', path: 'tools/foo/words.txt', file: 'tools/foo/words.txt', owner: '//tools/foo:words.txt' },
        { t: 'root', path: 'libs/x/src' },
      ),
      'm.jsonl',
    );
    expect(m.header.label).toBe('//tools/foo:pkg');
    expect(m.srcs.map((s) => s.path)).toEqual(['tools/foo/main.py']);
    expect(m.data).toHaveLength(1);
    expect(m.boot).toHaveLength(1);
    expect(m.roots).toEqual(['libs/x/src']);
  });

  it("keeps python_test's runner settings in the header", () => {
    const test = { runner: 'pytest', files: ['t/test_a.py'], modules: ['t.test_a'], coverage: true };
    expect(parseManifest(lines({ ...header, main: null, main_module: null, entry_point: '__par__._testrunner:main', test }), 'm.jsonl').header.test).toEqual(test);
  });

  it('names the target and the manifest file in every error', () => {
    const msg = problems(lines({ ...header, compression: 'lzma' }));
    expect(msg).toContain('//tools/foo:pkg');
    expect(msg).toContain('pkg.manifest.jsonl');
  });

  it.each([
    ['compression', { compression: 'lzma' }, 'line 1: compression:'],
    ['layout', { layout: 'tree' }, 'line 1: layout:'],
    ['imports_check', { imports_check: 'maybe' }, 'line 1: imports_check:'],
    ['shebang', { shebang: 'python3' }, 'line 1: shebang: must be one line starting with #!'],
    ['entry_point', { main: null, main_module: null, entry_point: 'no colon' }, 'line 1: entry_point: must look like pkg.module:function'],
    ['main and entry_point', { entry_point: 'a.b:c' }, 'exactly one of main, entry_point and script must be set'],
    ['manifest_version', { manifest_version: 2 }, 'line 1: manifest_version:'],
    ['unknown key', { extra: 1 }, 'line 1:'],
    ['main path', { main: '../escape.py' }, 'line 1: main: must be a relative path inside the archive'],
    ['build_python', { build_python: { version: 'x', cache_tag: '' } }, 'line 1: build_python.version:'],
    ['test runner', { test: { runner: 'nose', files: [], modules: [], coverage: false } }, 'line 1: test.runner:'],
    ['test module', { test: { runner: 'auto', files: ['t/a.py'], modules: [''], coverage: false } }, 'line 1: test.modules.0:'],
    ['test file', { test: { runner: 'auto', files: ['/t.py'], modules: ['t'], coverage: false } }, 'line 1: test.files.0: must be a relative path inside the archive'],
  ])('rejects a bad %s, naming the field', (_name, patch, expected) => {
    expect(problems(lines({ ...header, ...patch }))).toContain(expected);
  });

  it('rejects file lines with absolute or escaping archive paths', () => {
    const msg = problems(
      lines(
        header,
        { t: 'src', path: '/etc/passwd', file: 'x', owner: '//x' },
        { t: 'data', path: 'a/../../b', file: 'y', owner: '//y' },
      ),
    );
    expect(msg).toContain('line 2: path: must be a relative path inside the archive');
    expect(msg).toContain('line 3: path: must be a relative path inside the archive');
  });

  it('reports every problem at once, with line numbers', () => {
    const msg = problems(lines({ ...header, layout: 'tree' }, { t: 'mystery' }) + '{not json}\n');
    expect(msg).toContain('line 1: layout:');
    expect(msg).toContain('line 2:');
    expect(msg).toContain('line 3: not JSON');
  });

  it('reads compression_level, 6 when absent, and rejects levels outside 1-9', () => {
    expect(parseManifest(lines(header), 'm.jsonl').header.compression_level).toBe(6);
    expect(parseManifest(lines({ ...header, compression_level: 1 }), 'm.jsonl').header.compression_level).toBe(1);
    expect(problems(lines({ ...header, compression_level: 0 }))).toContain('line 1: compression_level: must be 1-9 (zlib levels)');
    expect(problems(lines({ ...header, compression_level: 10 }))).toContain('line 1: compression_level: must be 1-9 (zlib levels)');
  });

  it('rejects an empty manifest', () => {
    expect(problems('')).toContain('is empty');
  });
});
