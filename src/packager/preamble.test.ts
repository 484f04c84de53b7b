import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launcherPreamble, launcherScript, preferredInterpreter, searchOrder, sizeFieldAt, writeSizeField } from './preamble';

const GUARD = `trap 'echo "$0 is truncated or damaged ($(($(wc -c <"$0" 2>/dev/null || echo 0))) of $par_size bytes); copy it again" >&2; exit 1' EXIT; par_size=0            `;

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
  it('puts the guard after the shebang, then the data assignments and the script in one { ... }', () => {
    const text = launcherPreamble('echo hi', { first: 'python3', minors: ['3.12', '3.11'], spec: '>=3.11' }).toString();
    expect(text).toBe(`#!/bin/sh\n${GUARD}\n{\npar_first='python3'\npar_minors='3.12 3.11'\npar_spec='>=3.11'\necho hi\n}\n`);
  });
  it('quotes the label for sh, whatever characters it has', () => {
    const text = launcherPreamble('echo hi', { first: 'python3', minors: [], spec: '', label: "//a:it's $x" }).toString();
    expect(text.split('\n')[6]).toBe("par_label='//a:it'\\''s $x'");
  });
  it('writeSizeField writes the file\'s own size into par_size, padded in place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'par-size-'));
    try {
      const file = join(dir, 'a');
      const head = launcherPreamble('echo hi', { first: 'python3', minors: [], spec: '' });
      writeFileSync(file, Buffer.concat([head, Buffer.alloc(123456)]));
      writeSizeField(file);
      const after = readFileSync(file);
      expect(after.length).toBe(head.length + 123456);
      expect(after.subarray(0, head.length).toString()).toBe(head.toString().replace('par_size=0            ', `par_size=${after.length}       `));
      expect(sizeFieldAt(Buffer.from('#!/bin/sh\necho par_size=1\n'))).toBe(-1); // only the guard line counts
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('adds the bytecode cache key when given: build minor, cache tag, fingerprint', () => {
    const bytecode = { build: '3.11', tag: 'cpython-311', fingerprint: 'ab'.repeat(32) };
    const text = launcherPreamble('echo hi', { first: 'python3', minors: ['3.11'], spec: '>=3.11', bytecode }).toString();
    expect(text).toBe(`#!/bin/sh\n${GUARD}\n{\npar_first='python3'\npar_minors='3.11'\npar_spec='>=3.11'\npar_build='3.11'\npar_tag='cpython-311'\npar_fp='${'ab'.repeat(32)}'\necho hi\n}\n`);
    expect(() => launcherPreamble('', { first: 'python3', minors: [], spec: '', bytecode: { ...bytecode, tag: "x'y" } })).toThrow(/unsafe launcher value "x'y"/);
  });
});

describe('launcherScript', () => {
  it('drops the comment lines of launcher.sh (sh reads every byte at every start), nothing else', () => {
    const text = readFileSync(join(__dirname, '../bootstrap/launcher.sh'), 'utf8');
    const out = launcherScript(text);
    expect(out).toBe(text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n'));
    expect(out.length).toBeLessThan(text.length * 0.75);
  });
  it('keeps a # line inside a multi-line double-quoted string (Python code)', () => {
    const text = ['# a comment', 'x="a', '# python', "it's\" # trailing", '  # indented comment', "y='\"'", '# last'].join('\n');
    expect(launcherScript(text)).toBe(['x="a', '# python', "it's\" # trailing", "y='\"'"].join('\n'));
  });
});
