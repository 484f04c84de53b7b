import type { BazelLocations } from './locations';
import { editorPath } from './locations';
import { buildProjectModel, importRootsOf, sourceTreeOf } from './project-model';
import type { TargetJson } from './target-json';

const loc: BazelLocations = {
  workspace: '/ws',
  executionRoot: '/ob/execroot/ws',
  outputBase: '/ob',
  bazelBin: '/ob/execroot/ws/bazel-out/k8-fastbuild/bin',
  bazelOutLink: '/ws/bazel-out',
};

function target(over: Partial<TargetJson>): TargetJson {
  return {
    version: 1, label: '//a:a', kind: 'python_library', repository: '', workspace_name: 'ws', python: null,
    interpreter: { version: '3.11.2', cache_tag: 'cpython-311' }, sources: [], transitive_sources: [], import_roots: [],
    foreign_import_roots: [], wheels: [], closure_json: [], stubs: 'external/rules_par/src/bootstrap/stubs', ...over,
  };
}

test('sourceTreeOf: main repository, external repositories and output trees', () => {
  expect(sourceTreeOf('a/b.py')).toBe('');
  expect(sourceTreeOf('external/dep/x/y.py')).toBe('external/dep');
  expect(sourceTreeOf('bazel-out/k8-fastbuild/bin/gen/x.py')).toBe('bazel-out/k8-fastbuild/bin');
  expect(sourceTreeOf('bazel-out/k8-fastbuild/bin/external/dep/x.py')).toBe('bazel-out/k8-fastbuild/bin/external/dep');
});

test('import roots apply below every source tree of the closure, as in the archive, and only existing ones are kept', () => {
  const t = target({
    transitive_sources: ['a/x.py', 'external/dep/src/d.py'],
    import_roots: ['lib/src'],
    foreign_import_roots: ['dep/src'],
  });
  const existing = new Set(['/ws/lib/src', '/ob/external/dep', '/ob/external/dep/src']);
  expect(importRootsOf(t, loc, (p) => existing.has(p))).toEqual(['/ws', '/ws/lib/src', '/ob/external/dep', '/ob/external/dep/src']);
});

test('the model merges targets: sources, main-repository includes, extra paths with wheels, python version', () => {
  const lib = target({ label: '//lib', sources: [{ path: 'lib/src/m/__init__.py', archive_path: 'lib/src/m/__init__.py' }], import_roots: ['lib/src'], transitive_sources: ['lib/src/m/__init__.py'] });
  const bin = target({
    label: '//app:app', kind: 'python_binary', python: '>=3.9',
    sources: [{ path: 'app/main.py', archive_path: 'app/main.py' }],
    transitive_sources: ['app/main.py', 'lib/src/m/__init__.py'],
    import_roots: ['lib/src'],
    wheels: [{ label: '//third_party:numpy', dir: 'bazel-out/k8-fastbuild/bin/third_party/_par_ide/numpy', info: 'bazel-out/k8-fastbuild/bin/third_party/numpy.json' }],
  });
  const m = buildProjectModel([bin, lib, bin], loc, () => true);
  expect(m.targets.map((t) => t.label)).toEqual(['//app:app', '//lib']);
  expect(m.python_version).toBe('3.11');
  expect(m.include).toEqual(['/ws/app/main.py', '/ws/lib/src/m/__init__.py']);
  expect(m.extra_paths).toEqual(['/ws', '/ws/lib/src', '/ob/execroot/ws/bazel-out/k8-fastbuild/bin/third_party/_par_ide/numpy', '/ob/external/rules_par/src/bootstrap/stubs']);
  expect(m.targets[0]).toEqual(expect.objectContaining({ python: '>=3.9', wheels: [{ label: '//third_party:numpy', dir: '/ob/execroot/ws/bazel-out/k8-fastbuild/bin/third_party/_par_ide/numpy' }] }));
});

test('no Python target among the labels is an error that says what par ide needs', () => {
  expect(() => buildProjectModel([], loc)).toThrow('none of the labels is a Python target (python_binary, python_library or python_wheel)');
});

test('editorPath: workspace files and outputs relative to the config, external repositories absolute', () => {
  expect(editorPath(loc, '/ws', '/ws')).toBe('.');
  expect(editorPath(loc, '/ws', '/ws/lib/src')).toBe('lib/src');
  expect(editorPath(loc, '/ws/sub', '/ws/lib/src')).toBe('../lib/src');
  expect(editorPath(loc, '/ws', '/ob/execroot/ws/bazel-out/k8-fastbuild/bin/w/_par_ide/n')).toBe('bazel-out/k8-fastbuild/bin/w/_par_ide/n');
  expect(editorPath({ ...loc, bazelOutLink: null }, '/ws', '/ob/execroot/ws/bazel-out/k8-fastbuild/bin/w')).toBe('/ob/execroot/ws/bazel-out/k8-fastbuild/bin/w');
  expect(editorPath(loc, '/ws', '/ob/external/dep/src')).toBe('/ob/external/dep/src');
});
