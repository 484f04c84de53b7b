import { linuxEnvironment } from '../packager/wheel/requirement';
import { packageBuild, resolveDeps, type DistInfo } from './hub';
import { parsePylock } from './pylock';
import { parseRequirementsLock } from './requirements';
import { selectWheels, wheelScore, type Target } from './select';
import { parseSimplePage } from './simple-index';
import type { LockedPackage } from './types';

const env = linuxEnvironment('3.11');
const H = (c: string) => c.repeat(64);
const target: Target = { minors: ['3.11'], machine: 'x86_64', glibc: '2.36', platforms: [] };

describe('hashed requirements', () => {
  it('reads pins, hashes, extras, markers, continuations and index options', () => {
    const text = [
      '# comment',
      '--index-url https://example.test/simple',
      '--extra-index-url https://mirror.test/simple/',
      'Requests[socks]==2.32.3 \\',
      `    --hash=sha256:${H('a')} \\`,
      `    --hash=sha256:${H('B')}`,
      `tomli==2.0.1 ; python_version < "3.11" --hash=sha256:${H('c')}`,
      `idna==3.7 --hash=sha256:${H('d')}  # via requests`,
    ].join('\n');
    const r = parseRequirementsLock(text, 'reqs.txt', env, '');
    expect(r.indexes).toEqual(['https://example.test/simple', 'https://mirror.test/simple/']);
    expect(r.packages.map((p) => [p.normalized, p.version, p.extras, p.hashes, p.pages, p.where])).toEqual([
      ['requests', '2.32.3', ['socks'], [H('a'), H('b')], ['https://example.test/simple/requests/', 'https://mirror.test/simple/requests/'], 'reqs.txt:4'],
      ['idna', '3.7', [], [H('d')], ['https://example.test/simple/idna/', 'https://mirror.test/simple/idna/'], 'reqs.txt:8'],
    ]);
  });

  it("the rule's index_url wins over the file's --index-url", () => {
    const r = parseRequirementsLock(`-i https://file.test/simple\nidna==3.7 --hash=sha256:${H('d')}\n`, 'r.txt', env, 'https://rule.test/simple/');
    expect(r.indexes).toEqual(['https://rule.test/simple/']);
  });

  it('reports every bad line at once, each by number and text', () => {
    const text = ['requests>=2', `idna==3.7`, `six==1.0 --hash=md5:abc`, '-r other.txt', `certifi==1 --hash=sha256:${H('e')}`, `Certifi==1 --hash=sha256:${H('e')}`, '--index-url http://plain.test/simple'].join('\n');
    expect(() => parseRequirementsLock(text, 'r.txt', env, '')).toThrow(
      [
        'r.txt has 6 problems:',
        "  r.txt:1: 'requests>=2': is not pinned to one version with ==",
        "  r.txt:2: 'idna==3.7': has no --hash=sha256:...; a lock must name the hash of every file it allows",
        "  r.txt:3: 'six==1.0 --hash=md5:abc': --hash=md5:abc is not sha256:<64 hex digits>",
        "  r.txt:4: '-r other.txt': this option is not supported in a lock; list every distribution in this file, pinned with == and hashed",
        `  r.txt:6: 'Certifi==1 --hash=sha256:${H('e')}': Certifi is already pinned on line 5`,
        '  the index http://plain.test/simple is not an https:// URL: Bazel\'s downloader fetches files without a known sha256 (the index pages) only over https. Serve the index over https, or lock with a pylock.toml (its wheels carry their sha256, so plain http works)',
      ].join('\n'),
    );
  });
});

describe('pylock.toml', () => {
  const lock = (body: string) => `lock-version = "1.0"\ncreated-by = "test"\n${body}`;
  it('keeps packages whose marker holds, with wheels and sdist', () => {
    const text = lock(`
[[packages]]
name = "Tomli"
version = "2.0.1"
marker = "python_version < '3.11'"
wheels = [{ url = "https://x.test/tomli-2.0.1-py3-none-any.whl", hashes = { sha256 = "${H('a')}" } }]

[[packages]]
name = "numpy"
version = "2.4.6"
sdist = { url = "https://x.test/numpy-2.4.6.tar.gz", hashes = { sha256 = "${H('b')}" } }
[[packages.wheels]]
name = "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl"
url = "https://x.test/files/n.whl"
hashes = { sha256 = "${H('C')}" }
`);
    expect(parsePylock(text, 'pylock.toml', env)).toEqual([{
      name: 'numpy', normalized: 'numpy', version: '2.4.6', extras: [], where: 'pylock.toml [[packages]] #2', hashes: [], pages: [],
      wheels: [{ filename: 'numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl', url: 'https://x.test/files/n.whl', sha256: H('c') }],
      sdist: { filename: 'numpy-2.4.6.tar.gz', url: 'https://x.test/numpy-2.4.6.tar.gz', sha256: H('b') },
    }]);
  });

  it('names what is wrong', () => {
    expect(() => parsePylock('x = [', 'p.toml', env)).toThrow(/^p\.toml is not valid TOML: /);
    expect(() => parsePylock('packages = []', 'p.toml', env)).toThrow('p.toml is not a PEP 751 lock file:\n  lock-version: is required (lock-version = "1.0")');
    expect(() => parsePylock(lock(`
[[packages]]
name = "a"
version = "1"
vcs = { type = "git", url = "https://x.test/a.git", commit-id = "abc" }
[[packages]]
name = "b"
version = "1"
wheels = [{ url = "https://x.test/b-1-py3-none-any.whl", hashes = { md5 = "x" } }]
`), 'p.toml', env)).toThrow('p.toml is not a PEP 751 lock file:\n  packages[1].wheels[0].hashes.sha256: needs a sha256 (hashes = { sha256 = "..." })');
    expect(() => parsePylock(lock(`
[[packages]]
name = "a"
version = "1"
vcs = { type = "git", url = "https://x.test/a.git", commit-id = "abc" }
`), 'p.toml', env)).toThrow('p.toml has 1 problem:\n  p.toml [[packages]] #1: a vcs source is not a wheel; lock a wheel of a from an index');
  });
});

describe('simple API pages', () => {
  it('PEP 503 HTML: absolute URLs, sha256 from the fragment, entities, yanked', () => {
    const html = `<html><body>
<a href="../../files/a-1.0-py3-none-any.whl#sha256=${H('A')}" data-requires-python="&gt;=3.8">a-1.0-py3-none-any.whl</a><br/>
<a href="https://cdn.test/a-1.0.tar.gz#sha256=${H('b')}" data-yanked="">a-1.0.tar.gz</a>
<a href="a-0.9.tar.gz">a-0.9.tar.gz</a></body></html>`;
    expect(parseSimplePage(html, 'https://idx.test/simple/a/')).toEqual([
      { filename: 'a-1.0-py3-none-any.whl', url: 'https://idx.test/files/a-1.0-py3-none-any.whl', sha256: H('a'), yanked: false },
      { filename: 'a-1.0.tar.gz', url: 'https://cdn.test/a-1.0.tar.gz', sha256: H('b'), yanked: true },
      { filename: 'a-0.9.tar.gz', url: 'https://idx.test/simple/a/a-0.9.tar.gz', sha256: undefined, yanked: false },
    ]);
  });

  it('PEP 691 JSON', () => {
    const json = JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'a', files: [{ filename: 'a-1.0-py3-none-any.whl', url: '/f/a.whl', hashes: { sha256: H('c') } }] });
    expect(parseSimplePage(json, 'https://idx.test/simple/a/')).toEqual([{ filename: 'a-1.0-py3-none-any.whl', url: 'https://idx.test/f/a.whl', sha256: H('c'), yanked: false }]);
    expect(() => parseSimplePage('{"files": 3}', 'https://idx.test/simple/a/')).toThrow('the index page https://idx.test/simple/a/ is not a PEP 691 project page: files: ');
  });
});

describe('choosing the wheel', () => {
  const pkg = (files: string[], sdist = false): LockedPackage => ({
    name: 'numpy', normalized: 'numpy', version: '2.4.6', extras: [], where: 'pylock.toml [[packages]] #1', hashes: [], pages: [],
    wheels: files.map((f, i) => ({ filename: f, url: `https://x.test/${f}`, sha256: String(i).repeat(64) })),
    sdist: sdist ? { filename: 'numpy-2.4.6.tar.gz', url: 'https://x.test/numpy-2.4.6.tar.gz', sha256: H('f') } : null,
  });

  it('the most specific build that fits the toolchain Python and the host, and says so', () => {
    const files = ['numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.whl', 'numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.whl', 'numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'numpy-2.4.6-cp311-cp311-manylinux_2_39_x86_64.whl', 'numpy-2.4.6-cp39-abi3-manylinux_2_27_x86_64.whl'];
    const [sel] = selectWheels([pkg(files)], new Map(), target, 'pylock.toml');
    expect(sel.wheel.filename).toBe('numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
    expect(sel.wheels).toEqual([sel.wheel]);
    expect(sel.note).toBe('5 wheels locked; kept numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl, the best fit for CPython 3.11 on linux x86_64 (glibc 2.36)');
  });

  it('two python_versions keep the best cp3X build of each: python_wheel(wheels = [...])', () => {
    const files = ['numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.whl', 'numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl', 'numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.whl', 'numpy-2.4.6-cp310-cp310-manylinux_2_27_x86_64.whl'];
    const [sel] = selectWheels([pkg(files)], new Map(), { ...target, minors: ['3.12', '3.11'] }, 'l');
    expect(sel.wheel.filename).toBe(files[0]);
    expect(sel.wheels.map((w) => w.filename)).toEqual([files[1], files[0]]);
    expect(sel.note).toBe('4 wheels locked; kept 2, the best fit for each Python and platform, for CPython 3.12 or 3.11 on linux x86_64 (glibc 2.36)');
    const build = packageBuild({ ...sel, info: { name: 'numpy', version: '2.4.6', requires: [], consoleScripts: {}, modules: ['numpy'] }, deps: [], requestedExtras: [] }, 'pypi');
    expect(build).toBe([
      `# numpy 2.4.6 from https://x.test/${files[1]}`, `# sha256 ${'1'.repeat(64)}`,
      `# numpy 2.4.6 from https://x.test/${files[0]}`, `# sha256 ${'0'.repeat(64)}`,
      `# ${sel.note}`,
      '# Generated by par_wheels(name = "pypi"); do not edit.',
      'load("@rules_par//rules:defs.bzl", "python_wheel")', '',
      'python_wheel(', '    name = "numpy",', '    wheels = [', `        "${files[1]}",`, `        "${files[0]}",`, '    ],',
      '    deps = [],', '    visibility = ["//visibility:public"],', ')', '',
    ].join('\n'));
    // A minor without a build is named, the others kept.
    const [some] = selectWheels([pkg(files)], new Map(), { ...target, minors: ['3.11', '3.13'] }, 'l');
    expect(some.wheels.map((w) => w.filename)).toEqual([files[1]]);
    expect(some.note).toBe(`4 wheels locked; kept ${files[1]}, the best fit for CPython 3.11 or 3.13 on linux x86_64 (glibc 2.36); no locked build fits CPython 3.13`);
  });

  it('platforms: the best build for each listed platform tag, others left out', () => {
    const files = ['numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl', 'numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.whl', 'numpy-2.4.6-cp311-cp311-macosx_11_0_arm64.whl', 'numpy-2.4.6-cp312-cp312-macosx_11_0_arm64.whl'];
    const [sel] = selectWheels([pkg(files)], new Map(), { ...target, platforms: ['manylinux_2_27_aarch64', 'macosx_11_0_arm64'] }, 'l');
    expect(sel.wheels.map((w) => w.filename)).toEqual([files[2], files[1]]);
    const [both] = selectWheels([pkg(files)], new Map(), { ...target, minors: ['3.11', '3.12'], platforms: ['macosx_11_0_arm64', 'win_amd64'] }, 'l');
    expect(both.wheels.map((w) => w.filename)).toEqual([files[2], files[3]]);
    expect(both.note).toBe('4 wheels locked; kept 2, the best fit for each Python and platform, for CPython 3.11 or 3.12 on macosx_11_0_arm64, win_amd64; no locked build fits CPython 3.11 on win_amd64, CPython 3.12 on win_amd64');
  });

  it('one wheel, or one build fitting every declared Python, stays wheel = ...', () => {
    const [pure] = selectWheels([pkg(['numpy-2.4.6-py3-none-any.whl'])], new Map(), { ...target, minors: ['3.11', '3.12'] }, 'l');
    expect(pure.wheels).toEqual([pure.wheel]);
    expect(pure.note).toBeNull();
    const build = packageBuild({ ...pure, info: { name: 'numpy', version: '2.4.6', requires: [], consoleScripts: {}, modules: ['numpy'] }, deps: ['six'], requestedExtras: [] }, 'pypi');
    expect(build).toContain('    wheel = "numpy-2.4.6-py3-none-any.whl",\n    deps = ["//six"],');
    expect(build).not.toContain('wheels = [');
  });

  it('python_versions and platforms pick other builds', () => {
    const files = ['numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.whl', 'numpy-2.4.6-cp311-cp311-musllinux_1_2_x86_64.whl'];
    expect(selectWheels([pkg(files)], new Map(), { ...target, minors: ['3.12'] }, 'l')[0].wheel.filename).toBe(files[0]);
    expect(selectWheels([pkg(files)], new Map(), { ...target, platforms: ['musllinux_1_2_x86_64'] }, 'l')[0].wheel.filename).toBe(files[1]);
    expect(wheelScore('a-1-py2.py3-none-any.whl', 11, target)).toBeGreaterThan(0);
    expect(wheelScore('a-1-cp311-cp311-win_amd64.whl', 11, target)).toBe(0);
  });

  it('no fitting wheel, or only an sdist, is an error naming the package and what to do', () => {
    expect(() => selectWheels([pkg(['numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.whl']), pkg([], true)], new Map(), target, 'pylock.toml')).toThrow([
      'pylock.toml: 2 locked distributions cannot be used:',
      '  numpy 2.4.6 (pylock.toml [[packages]] #1): none of its 1 locked wheels fits CPython 3.11 on linux x86_64 (glibc 2.36): numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.whl',
      '  numpy 2.4.6 (pylock.toml [[packages]] #1) is locked only as a source distribution (numpy-2.4.6.tar.gz); rules_par installs wheels, never builds them: lock a wheel of numpy (e.g. uv lock / pip-compile with --only-binary=:all:, or build one and serve it from your index)',
    ].join('\n'));
  });

  it('requirements: the files of the index pages whose sha256 the line allows', () => {
    const p: LockedPackage = { ...pkg([]), hashes: [H('a')], pages: ['https://i.test/simple/numpy/', 'https://j.test/simple/numpy/'] };
    const page = `<a href="/f/numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl#sha256=${H('a')}">x</a><a href="/f/numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl#sha256=${H('9')}">tampered</a>`;
    const [sel] = selectWheels([p], new Map([['https://j.test/simple/numpy/', page]]), target, 'r.txt');
    expect(sel.wheel).toEqual({ filename: 'numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl', url: 'https://j.test/f/numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl', sha256: H('a') });
    expect(() => selectWheels([p], new Map(), target, 'r.txt')).toThrow('r.txt: 1 locked distribution cannot be used:\n  numpy 2.4.6 (pylock.toml [[packages]] #1): no index page could be fetched: https://i.test/simple/numpy/, https://j.test/simple/numpy/');
    expect(() => selectWheels([p], new Map([['https://i.test/simple/numpy/', '<a href="/x.whl#sha256=' + H('7') + '">x.whl</a>']]), target, 'r.txt')).toThrow(
      `r.txt: 1 locked distribution cannot be used:\n  numpy 2.4.6 (pylock.toml [[packages]] #1): none of the 1 files listed at https://i.test/simple/numpy/ has one of the locked hashes (${H('a')}); listed: x.whl sha256 ${H('7')}`);
  });
});

describe('deps from Requires-Dist', () => {
  const dist = (name: string, requires: string[], extras: string[] = []) => ({
    sel: { name, normalized: name, version: '1.0', extras, wheel: { filename: `${name}-1.0-py3-none-any.whl`, url: 'u', sha256: H('0') }, wheels: [{ filename: `${name}-1.0-py3-none-any.whl`, url: 'u', sha256: H('0') }], note: null },
    info: { name, version: '1.0', requires, consoleScripts: {}, modules: [name] } as DistInfo,
  });

  it('markers for the target, extras requested by the lock and by other distributions', () => {
    const out = resolveDeps([
      dist('app', ['lib[fast]>=1', 'old; python_version < "3.8"', 'win; sys_platform == "win32"', 'opt; extra == "cli"'], ['cli']),
      dist('lib', ['speedup; extra == "fast"', 'docs; extra == "docs"']),
      dist('speedup', []),
      dist('opt', ['app']), // a cycle back to app is kept out of nothing: Bazel reports it if built
    ], [env], 'l');
    expect(out.map((d) => [d.name, d.deps, d.requestedExtras])).toEqual([
      ['app', ['lib', 'opt'], ['cli']],
      ['lib', ['speedup'], ['fast']],
      ['speedup', [], []],
      ['opt', ['app'], []],
    ]);
  });

  it('markers for each declared Python: the union, restricted to the lock beyond the first', () => {
    const env12 = linuxEnvironment('3.12');
    const out = resolveDeps([
      dist('app', ['tomli; python_version < "3.12"', 'new; python_version >= "3.12"', 'gone12; python_version >= "3.12"']),
      dist('tomli', []), dist('new', []),
    ], [env, env12], 'l');
    expect(out[0].deps).toEqual(['new', 'tomli']);
    expect(() => resolveDeps([dist('app', ['gone11; python_version < "3.12"'])], [env, env12], 'pylock.toml')).toThrow(
      "pylock.toml is not complete for python_version 3.11 on Linux:\n  app 1.0 requires 'gone11; python_version < \"3.12\"' (Requires-Dist), but the lock has no gone11");
  });

  it('a requirement the lock lacks or pins at another version names both', () => {
    expect(() => resolveDeps([dist('app', ['lib>=2', 'gone']), dist('lib', [])], [env], 'pylock.toml')).toThrow([
      'pylock.toml is not complete for python_version 3.11 on Linux:',
      "  app 1.0 requires 'lib>=2' (Requires-Dist), but the lock pins lib 1.0",
      "  app 1.0 requires 'gone' (Requires-Dist), but the lock has no gone",
    ].join('\n'));
  });
});
