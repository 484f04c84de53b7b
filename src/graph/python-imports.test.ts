import { extractImports, stringValue } from './python-imports';

const brief = (src: string) =>
  extractImports(src).map((i) => {
    const flags = `${i.optional ? ' optional' : ''}${i.typeOnly ? ' typeOnly' : ''}${i.versionGuarded ? ' versionGuarded' : ''}`;
    if (i.kind === 'from') return `${i.line}: from ${'.'.repeat(i.level)}${i.module} import ${i.names!.join(',')}${flags}`;
    if (i.kind === 'dynamic') return `${i.line}: ${i.call}(${i.module})${flags}`;
    return `${i.line}: import ${i.module}${flags}`;
  });

describe('extractImports', () => {
  test('absolute, aliased, relative and parenthesised imports', () => {
    expect(brief('import a.b as c, d\nfrom . import x\nfrom ..p.q import (\n  r as s,\n  t,\n)\nfrom m import *\n')).toEqual([
      '1: import a.b',
      '1: import d',
      '2: from . import x',
      '3: from ..p.q import r,t',
      '7: from m import *',
    ]);
  });

  test('imports inside functions, classes and one-line compound statements', () => {
    expect(brief('def f():\n    import os\nclass C:\n    def g(self): import json; from sys import path\nif x: import y\n')).toEqual([
      '2: import os',
      '4: import json',
      '4: from sys import path',
      '5: import y',
    ]);
  });

  test('try/except ImportError marks the attempt and the fallback optional, nothing else', () => {
    const src = [
      'try:',
      '    import simplejson as json',
      'except ImportError:',
      '    import json',
      'try:',
      '    import a',
      'except (OSError, builtins.ModuleNotFoundError) as e:',
      '    pass',
      'try:',
      '    import b',
      'except ValueError:',
      '    import c',
      'else:',
      '    import d',
      'try: import e',
      'except: pass',
    ].join('\n');
    expect(brief(src)).toEqual([
      '2: import simplejson optional',
      '4: import json optional',
      '6: import a optional',
      '10: import b',
      '12: import c',
      '14: import d',
      '15: import e optional',
    ]);
  });

  test('if TYPE_CHECKING blocks are type-only, their else branch is not', () => {
    expect(brief('if typing.TYPE_CHECKING:\n    from a import B\nelse:\n    B = None\nif (TYPE_CHECKING):\n    import c\nelif x:\n    import d\n')).toEqual([
      '2: from a import B typeOnly',
      '6: import c typeOnly',
      '8: import d',
    ]);
  });

  test('if/elif/else chains that test the Python version mark every branch from the first such test on', () => {
    const src = [
      'if sys.version_info >= (3, 11):',
      '    import tomllib',
      'else:',
      '    import tomli as tomllib',
      'if x:',
      '    import a',
      'elif sys.hexversion < 0x030900F0:',
      '    import b',
      'else:',
      '    import c',
      'for i in y:',
      '    pass',
      'else:',
      '    import d',
      'if version_info[0] == 2:',
      '    pass',
      'import e',
    ].join('\n');
    expect(brief(src)).toEqual(['2: import tomllib versionGuarded', '4: import tomli versionGuarded', '6: import a', '8: import b versionGuarded', '10: import c versionGuarded', '14: import d', '17: import e']);
  });

  test('__import__ and import_module with literal strings only', () => {
    const src = "m = __import__('a.b')\nimportlib.import_module(\"c\" 'd', package=None)\nimport_module(name)\nx.__import__('no')\n__import__(f'no{x}')\n__import__(b'no')\n";
    expect(brief(src)).toEqual(['1: __import__(a.b)', '2: importlib.import_module(cd)']);
  });

  test('strings, comments, f-strings and continuations hide nothing and invent nothing', () => {
    const src = [
      '"""',
      'import notreal',
      '"""',
      "s = 'import no'  # import no",
      'f"{x!r:>{width}} {\'}\'} {d[\'k\']}" ; import real1',
      'f"{f"{\'nested\'}"}"',
      'x = 1 + \\',
      '    2; import real2',
      'from \\',
      '  pkg import mod',
      "t = rb'\\\\' ; u = '\\\\'",
      'import real3',
    ].join('\n');
    expect(brief(src)).toEqual(['5: import real1', '8: import real2', '9: from pkg import mod', '12: import real3']);
  });

  test('match statements and lambdas in headers keep block structure', () => {
    const src = 'match cmd:\n    case [x]: import a\nwhile (lambda: 1)() if True else 0:\n    import b\nwith open(f) as g, lambda y: y:\n    import c\n';
    expect(brief(src)).toEqual(['2: import a', '4: import b', '6: import c']);
  });

  test('broken source raises a syntax error naming the line', () => {
    expect(() => extractImports("x = 'abc\n")).toThrow(/unterminated string on line 1/);
    expect(() => extractImports('import\n')).toThrow(/line 1: bad import statement/);
    expect(() => extractImports('from import x\n')).toThrow(/line 1: bad from-import/);
  });
});

describe('stringValue', () => {
  test('decodes escapes of str literals and refuses bytes', () => {
    expect(stringValue("'a\\x2eb'")).toBe('a.b');
    expect(stringValue("r'a\\n'")).toBe('a\\n');
    expect(stringValue("b'x'")).toBeNull();
    expect(stringValue('"""x"""')).toBe('x');
  });
});
