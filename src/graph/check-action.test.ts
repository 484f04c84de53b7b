import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importsCheckAction, importsReport } from './check-action';

function setUp() {
  const d = mkdtempSync(join(tmpdir(), 'par-check-'));
  const w = (name: string, text: string) => {
    writeFileSync(join(d, name), text);
    return join(d, name);
  };
  const stdlib = w('stdlib.txt', 'os\nsys\njson\n');
  const main = w('main.py', [
    'import os, json',
    'from app import util',
    'from lib.strings import slug',
    'try:',
    '    import ujson',
    'except ImportError:',
    '    ujson = None',
    'if TYPE_CHECKING:',
    '    import typing_only',
    'import numpy.linalg',
    'import yaml',
    'if sys.version_info >= (3, 11):',
    '    import tomllib',
    'else:',
    '    import tomli',
  ].join('\n') + '\n');
  const util = w('util.py', 'from .. import nothing_above\n');
  const request = w('req', [
    'label\t//app:app',
    `stdlib\t${stdlib}`,
    `src\t${main}\tapp/main.py`,
    `src\t${util}\tapp/util.py`,
    'closure\tapp/main.py',
    'closure\tapp/util.py',
  ].join('\n') + '\n');
  return { d, w, request };
}

describe('imports-check and imports-report', () => {
  test('unresolved imports name file, line, module; a provider in the closure is suggested', () => {
    const { d, w, request } = setUp();
    const result = importsCheckAction(request, join(d, 'out.json'));
    expect(result.unresolved.map((u) => `${u.file}:${u.line} ${u.module} ${u.reason}`)).toEqual([
      'app/main.py:3 lib.strings missing',
      'app/main.py:10 numpy.linalg missing',
      'app/main.py:11 yaml missing',
      'app/util.py:1 .. relative-beyond-top',
    ]);
    expect(JSON.parse(readFileSync(join(d, 'out.json'), 'utf8'))).toEqual(result);
    const report = w('report', [
      'label\t//bin:pkg',
      'mode\terror',
      'ignore\tyaml',
      'owner\tlib/strings.py\t//lib:strings',
      `result\t${join(d, 'out.json')}`,
    ].join('\n') + '\n');
    const r = importsReport(report);
    expect(r.failed).toBe(true);
    expect(r.text).toBe([
      '//bin:pkg: imports_check = "error": 3 imports that no dependency provides:',
      '  app/main.py:3: `from lib.strings import slug` needs module lib.strings; //lib:strings provides it: add "//lib:strings" to deps of //app:app',
      '  app/main.py:10: `import numpy.linalg` needs module numpy.linalg; no target in this binary provides it and no module index is configured to look further; //app:app needs a dep that does (`par gen` adds it from the imports)',
      '  app/util.py:1: `from .. import nothing_above` climbs above the top-level package [in //app:app]',
      'Add the suggested deps, run `par gen` to update BUILD files from the imports, guard optional imports with try/except ImportError (or an `if sys.version_info` test), or list intentionally absent modules in imports_ignore.',
      '',
    ].join('\n'));
  });

  test('the workspace module index names the target to add: one, several, or none (then par gen)', () => {
    const { w } = setUp();
    const missing = (line: number, module: string, statement: string) => ({ file: 'app/main.py', line, module, statement, reason: 'missing' });
    const result = w('res.json', JSON.stringify({
      label: '//app:app',
      unresolved: [
        missing(1, 'libs.greet', 'from libs.greet import hello'),
        missing(2, 'yaml', 'import yaml'),
        missing(3, 'numpy.linalg', 'import numpy.linalg'),
        missing(4, 'libs.ns', 'import libs.ns'),
        missing(5, 'six.moves.urllib', 'import six.moves.urllib'),
      ],
    }));
    const index = w('par_modules.txt', [
      '# par module index: module<TAB>target. Written by `par gen`; imports_check reads it to name the target to add.',
      'libs.greet\t//libs/greet',
      'libs.greet.greet\t//libs/greet',
      'libs.ns.a\t//libs/ns/a',
      'libs.ns.b\t//libs/ns:b',
      'six\t//third_party/six',
      'yaml\t//vendor/yaml_b',
      'yaml\t//vendor/yaml_a',
    ].join('\n') + '\n');
    const r = importsReport(w('report', ['label\t//bin:pkg', 'mode\terror', `result\t${result}`, `index\t${index}\t//:par_modules.txt`].join('\n') + '\n'));
    expect(r.text).toBe([
      '//bin:pkg: imports_check = "error": 5 imports that no dependency provides:',
      '  app/main.py:1: `from libs.greet import hello` needs module libs.greet; //libs/greet provides it: add "//libs/greet" to deps of //app:app',
      '  app/main.py:2: `import yaml` needs module yaml; 2 targets provide it: add one of "//vendor/yaml_a", "//vendor/yaml_b" to deps of //app:app',
      '  app/main.py:3: `import numpy.linalg` needs module numpy.linalg; no target in the workspace provides it (module index //:par_modules.txt); add one that does to deps of //app:app, or run `par gen` to create it from the sources',
      '  app/main.py:4: `import libs.ns` needs module libs.ns; 2 targets provide it: add one of "//libs/ns/a", "//libs/ns:b" to deps of //app:app',
      '  app/main.py:5: `import six.moves.urllib` needs module six.moves.urllib; //third_party/six provides it: add "//third_party/six" to deps of //app:app',
      'Add the suggested deps, run `par gen` to update BUILD files from the imports, guard optional imports with try/except ImportError (or an `if sys.version_info` test), or list intentionally absent modules in imports_ignore.',
      '',
    ].join('\n'));
    const bad = w('bad_index.txt', 'libs.greet //libs/greet\nlibs-x\tlibs/x\n');
    expect(() => importsReport(w('report2', ['label\t//bin:pkg', 'mode\terror', `result\t${result}`, `index\t${bad}\t//:par_modules.txt`].join('\n') + '\n'))).toThrow(
      'module index //:par_modules.txt is invalid:\n  line 1: expected "module<TAB>target", found "libs.greet //libs/greet"\n  line 2: module "libs-x" must be a dotted module name; target "libs/x" must be a label',
    );
  });

  test('warn mode reports without failing; a clean closure says so', () => {
    const { d, w, request } = setUp();
    importsCheckAction(request, join(d, 'out.json'));
    const warn = importsReport(w('r1', `label\t//bin:pkg\nmode\twarn\nresult\t${join(d, 'out.json')}\n`));
    expect(warn).toMatchObject({ failed: false, count: 4 });
    const clean = w('clean.json', JSON.stringify({ label: '//x:y', unresolved: [] }));
    expect(importsReport(w('r2', `label\t//bin:pkg\nmode\terror\nresult\t${clean}\n`))).toEqual({
      text: '//bin:pkg: imports_check: every import resolves\n', failed: false, count: 0,
    });
  });

  test('a corrupt result names the file', () => {
    const { w } = setUp();
    const bad = w('bad.json', '{"label": "//x:y"}');
    expect(() => importsReport(w('r', `label\t//bin:pkg\nmode\terror\nresult\t${bad}\n`))).toThrow(/imports result .*bad.json is invalid/);
  });
});

test('__par__, which every archive ships, always resolves', () => {
  const { d, w } = setUp();
  const stdlib = w('stdlib2.txt', 'sys\n');
  const prog = w('prog.py', 'import __par__\nfrom __par__ import build_info\nimport __par_not__\n');
  const request = w('req2', ['label\t//app:prog', `stdlib\t${stdlib}`, `src\t${prog}\tapp/prog.py`, 'closure\tapp/prog.py'].join('\n') + '\n');
  const result = importsCheckAction(request, join(d, 'out2.json'));
  expect(result.unresolved.map((u) => `${u.line} ${u.module}`)).toEqual(['3 __par_not__']);
});
