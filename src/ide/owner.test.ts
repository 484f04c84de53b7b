import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLabel, ownerQuery, owners, parseQueryXml } from './owner';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'par-owner-'));
  for (const [p, text] of Object.entries({
    WORKSPACE: '', 'a/BUILD': '', 'a/x.py': '', 'a/sub/y.py': '', 'a/b/BUILD.bazel': '', 'a/b/z.py': '', 'top.py': '', 'a/dir/keep': '',
  })) {
    mkdirSync(join(ws, p, '..'), { recursive: true });
    writeFileSync(join(ws, p), text);
  }
  return ws;
}

describe('fileLabel', () => {
  const ws = workspace();
  test('the nearest BUILD file above a file makes its package', () => {
    expect(fileLabel(ws, 'a/x.py', ws)).toEqual({ file: 'a/x.py', path: 'a/x.py', label: '//a:x.py', package: 'a' });
    expect(fileLabel(ws, 'sub/y.py', join(ws, 'a')).label).toBe('//a:sub/y.py');
    expect(fileLabel(ws, join(ws, 'a/b/z.py')).label).toBe('//a/b:z.py');
  });
  test('a file with no BUILD file above it has no label', () => {
    expect(fileLabel(ws, 'top.py', ws)).toEqual({ file: 'top.py', path: 'top.py', label: null, package: null });
  });
  test('a path outside the workspace is a clear error', () => {
    expect(() => fileLabel(ws, '/etc/hostname', ws)).toThrow(`/etc/hostname is outside the workspace (${ws}).`);
    expect(() => fileLabel(ws, '../x.py', ws)).toThrow(/^\.\.\/x\.py is outside the workspace/);
  });
  test('a file under a bazel-* output symlink is not a source file', () => {
    const out = mkdtempSync(join(tmpdir(), 'par-owner-out-'));
    writeFileSync(join(out, 'gen.py'), '');
    symlinkSync(out, join(ws, 'bazel-bin'));
    expect(() => fileLabel(ws, 'bazel-bin/gen.py', ws)).toThrow("bazel-bin/gen.py is under Bazel's output symlink bazel-bin/, not a source file");
  });
  test('missing files and directories are errors naming them', () => {
    expect(() => fileLabel(ws, 'a/nope.py', ws)).toThrow(`a/nope.py does not exist (looked at ${join(ws, 'a/nope.py')})`);
    expect(() => fileLabel(ws, 'a/dir', ws)).toThrow('a/dir is a directory; par owner takes source files');
  });
});

const XML = `<?xml version="1.1" encoding="UTF-8" standalone="no"?>
<query version="2">
    <rule class="python_library" location="/ws/a/BUILD:1:15" name="//a:lib">
        <string name="name" value="lib"/>
        <list name="srcs">
            <label value="//a:x.py"/>
            <label value="//a:sub/y.py"/>
        </list>
        <list name="data"><label value="//a:z.py"/></list>
    </rule>
    <rule class="python_binary" location="/ws/a/BUILD:5:14" name="//a:bin">
        <list name="srcs">
            <label value="//a:x.py"/>
        </list>
    </rule>
    <rule class="filegroup" location="/ws/a/BUILD:9:10" name="//a:&quot;odd&quot;"/>
    <rule class="genrule" location="/ws/a/BUILD:12:8" name="//a:gen">
        <list name="srcs"/>
    </rule>
</query>`;

test('parseQueryXml reads each rule, its kind and only its srcs', () => {
  expect(parseQueryXml(XML)).toEqual([
    { label: '//a:lib', kind: 'python_library', srcs: ['//a:x.py', '//a:sub/y.py'] },
    { label: '//a:bin', kind: 'python_binary', srcs: ['//a:x.py'] },
    { label: '//a:"odd"', kind: 'filegroup', srcs: [] },
    { label: '//a:gen', kind: 'genrule', srcs: [] },
  ]);
});

test('owners: a shared file has both owners, an unlisted or unpackaged file none', () => {
  const rules = parseQueryXml(XML);
  const files = [
    { file: 'a/x.py', path: 'a/x.py', label: '//a:x.py', package: 'a' },
    { file: 'a/z.py', path: 'a/z.py', label: '//a:z.py', package: 'a' },
    { file: 'top.py', path: 'top.py', label: null, package: null },
  ];
  expect(owners(files, rules).map((o) => o.owners)).toEqual([
    [{ label: '//a:bin', kind: 'python_binary' }, { label: '//a:lib', kind: 'python_library' }],
    [],
    [],
  ]);
});

test('owners: Bazel 7 spells main-repository labels with @@', () => {
  const rules = [{ label: '@@//a:lib', kind: 'python_library', srcs: ['@@//a:x.py'] }];
  expect(owners([{ file: 'x', path: 'a/x.py', label: '//a:x.py', package: 'a' }], rules)[0].owners).toEqual([{ label: '//a:lib', kind: 'python_library' }]);
});

test('ownerQuery loads each package once', () => {
  expect(ownerQuery(['b', 'a', 'b', ''])).toBe('//:all + //a:all + //b:all');
});
