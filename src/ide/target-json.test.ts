import { parseTargetJson, targetJsonPath } from './target-json';

const valid = {
  version: 1, label: '//a:a', kind: 'python_binary', repository: '', workspace_name: 'ws', python: '>=3.8',
  interpreter: { version: '3.11.2', cache_tag: 'cpython-311' }, sources: [{ path: 'a/a.py', archive_path: 'a/a.py' }],
  transitive_sources: ['a/a.py'], import_roots: [], foreign_import_roots: [], wheels: [], closure_json: [], stubs: 'external/rules_par/src/bootstrap/stubs',
};

test('parses what the aspect writes', () => {
  expect(parseTargetJson(JSON.stringify(valid), 'x.json')).toEqual(valid);
});

test('every problem is reported at once, with the label and the file', () => {
  const bad = { ...valid, interpreter: { version: 'x', cache_tag: '' }, transitive_sources: ['/abs.py'] };
  let err: unknown;
  try {
    parseTargetJson(JSON.stringify(bad), 'bazel-bin/a/a.par_ide.json');
  } catch (e) {
    err = e;
  }
  const msg = (err as { render(): string }).render();
  expect(msg).toMatch(/^\/\/a:a: invalid par_ide_aspect JSON bazel-bin\/a\/a\.par_ide\.json:/);
  expect(msg).toContain('interpreter.version: is not MAJOR.MINOR[.MICRO]');
  expect(msg).toContain('transitive_sources.0: must be a relative path inside the execution root');
});

test('broken JSON names the file', () => {
  expect(() => parseTargetJson('{"sources": [', 'f.json')).toThrow(/^not valid JSON: /);
});

test('targetJsonPath: main and external repositories', () => {
  expect(targetJsonPath('/bin', '//a/b:c')).toBe('/bin/a/b/c.par_ide.json');
  expect(targetJsonPath('/bin', '//:c')).toBe('/bin/c.par_ide.json');
  expect(targetJsonPath('/bin', '@dep//x:y')).toBe('/bin/external/dep/x/y.par_ide.json');
  expect(targetJsonPath('/bin', '@@dep~//x:y')).toBe('/bin/external/dep~/x/y.par_ide.json');
});
