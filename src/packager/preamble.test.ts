import { launcherPreamble, preferredInterpreter, searchOrder } from './preamble';

describe('searchOrder', () => {
  it('tries the build interpreter minor first when it qualifies (its .pyc match)', () => {
    expect(searchOrder(['3.13', '3.12', '3.11', '3.10'], '3.11.2')).toEqual(['3.11', '3.13', '3.12', '3.10']);
  });
  it('keeps newest-first when the build minor does not qualify', () => {
    expect(searchOrder(['3.13', '3.12'], '3.11.2')).toEqual(['3.13', '3.12']);
  });
});

describe('preferredInterpreter', () => {
  it('reads the interpreter through env and its options', () => {
    expect(preferredInterpreter('#!/usr/bin/env -S python3.12', '//a:b')).toBe('python3.12');
    expect(preferredInterpreter('#!/usr/bin/python3', '//a:b')).toBe('/usr/bin/python3');
  });
  it('rejects a shebang that names nothing the launcher can look for, naming the target', () => {
    expect(() => preferredInterpreter('#!/usr/bin/env', '//a:b')).toThrow(/does not name an interpreter/);
    expect(() => preferredInterpreter("#!/usr/bin/env py'thon", '//a:b')).toThrow(/'#!\/usr\/bin\/env py'thon'/);
  });
});

describe('launcherPreamble', () => {
  it('puts the data assignments between the shebang and the script', () => {
    const text = launcherPreamble('echo hi', { first: 'python3', minors: ['3.12', '3.11'], spec: '>=3.11' }).toString();
    expect(text).toBe("#!/bin/sh\npar_first='python3'\npar_minors='3.12 3.11'\npar_spec='>=3.11'\necho hi\n");
  });
  it('adds the bytecode cache key when given: build minor, cache tag, fingerprint', () => {
    const bytecode = { build: '3.11', tag: 'cpython-311', fingerprint: 'ab'.repeat(32) };
    const text = launcherPreamble('echo hi', { first: 'python3', minors: ['3.11'], spec: '>=3.11', bytecode }).toString();
    expect(text).toBe(`#!/bin/sh\npar_first='python3'\npar_minors='3.11'\npar_spec='>=3.11'\npar_build='3.11'\npar_tag='cpython-311'\npar_fp='${'ab'.repeat(32)}'\necho hi\n`);
    expect(() => launcherPreamble('', { first: 'python3', minors: [], spec: '', bytecode: { ...bytecode, tag: "x'y" } })).toThrow(/unsafe launcher value "x'y"/);
  });
});
