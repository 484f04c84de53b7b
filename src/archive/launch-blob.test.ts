import { execFileSync } from 'node:child_process';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CentralEntry } from './zip';
import { fastFieldAt, fastFieldValue, FAST_PLACEHOLDER, launchBlob, launchBlobNames, readFastField, readLaunchBlob, type LaunchCodes } from './launch-blob';
import { LAUNCH_BLOB_ENTRY } from './contract';

function entry(name: string, localHeaderOffset: number, crc32: number): CentralEntry {
  return { name, method: 8, crc32, compressedSize: 10, uncompressedSize: 20, localHeaderOffset, mode: 0o100644, flags: 0, dosTime: 0, dosDate: 33 };
}

// Real code objects, as the packer has them: .pyc bytes from the machine's python3.
function pyc(source: string): Buffer {
  const script = 'import sys,marshal,importlib.util as u;c=compile(sys.argv[1],"m.py","exec");sys.stdout.buffer.write(u.MAGIC_NUMBER+bytes(12)+marshal.dumps(c))';
  return execFileSync('python3', ['-S', '-c', script, source]);
}

describe('launchBlob', () => {
  const codes = [pyc('w = 0'), pyc('x = 1'), pyc('y = 2'), pyc('DATA = {}')].map((p) => p.subarray(16)) as LaunchCodes;
  const entries = [entry('__main__.py', 100, 0xffffffff), entry('pkg/', 200, 0), entry(LAUNCH_BLOB_ENTRY, 300, 7)];

  it('is a raw deflate stream (inflated as the launcher line does, what follows ignored) of the marker, four code objects and zipimport-shaped directory entries, for Python', () => {
    const blob = launchBlob(codes, entries);
    const script = [
      'import sys,marshal',
      'import zlib',
      'd=marshal.loads(zlib.decompress(sys.stdin.buffer.read()+b"PK trailing bytes",-15))',
      'g={}',
      'for c in d[1:5]: exec(marshal.loads(c), g)',
      'print(d[0], g["w"], g["x"], g["y"], g["DATA"], d[5])',
    ].join('\n');
    expect(execFileSync('python3', ['-S', '-c', script], { input: blob }).toString().trim()).toBe(
      "par-launch-2 0 1 2 {} (('__main__.py', 8, 10, 20, 100, 0, 33, 4294967295), ('pkg/', 8, 10, 20, 200, 0, 33, 0))",
    );
  });
  it('does not list itself, and gives its codes back to the stamping action', () => {
    expect(readLaunchBlob(launchBlob(codes, entries), 'a.par')).toEqual(codes);
  });
  it('lists only the entries `listed` keeps (the packer leaves out wheels unpacked at launch), and says which', () => {
    const blob = launchBlob(codes, [...entries, entry('_w/np-1.0/np/core.so', 400, 1)], (n) => !n.startsWith('_w/np-1.0/'));
    expect([...launchBlobNames(blob, 'a.par')]).toEqual(['__main__.py', 'pkg/']);
    expect([...launchBlobNames(launchBlob(codes, entries), 'a.par')]).toEqual(['__main__.py', 'pkg/']);
    expect(() => launchBlobNames(Buffer.from('PK\x03\x04'), 'bazel-bin/a')).toThrow(/^bazel-bin\/a: __par__\/_launch.blob is not a launch blob: not a deflate stream \(/);
  });
  it('names the archive when what the launcher line points at is not a blob', () => {
    expect(() => readLaunchBlob(Buffer.from('PK\x03\x04'), 'bazel-bin/a')).toThrow(/^bazel-bin\/a: __par__\/_launch.blob is not a launch blob: not a deflate stream \(/);
    const notMarshal = deflateRawSync(Buffer.from('PK\x03\x04'));
    expect(() => readLaunchBlob(notMarshal, 'bazel-bin/a')).toThrow(/^bazel-bin\/a: __par__\/_launch.blob is not a launch blob: marshal: type code/);
  });
  it('is deflated: smaller than the marshal it holds', () => {
    const many = Array.from({ length: 200 }, (_, i) => entry(`pkg/mod_${i}.pyc`, 1000 + 100 * i, i));
    const blob = launchBlob(codes, many);
    const marshalled = inflateRawSync(blob);
    expect(blob.length).toBeLessThan(marshalled.length / 3);
  });
});

describe('the par_fast launcher line', () => {
  const head = Buffer.from(`#!/bin/sh\npar_x='1'\n${FAST_PLACEHOLDER}\necho\n`);
  it('is found, reads as "no blob" until filled, then as offset and length', () => {
    const at = fastFieldAt(head);
    expect(readFastField(head)).toEqual({ at });
    fastFieldValue(12345, 678).copy(head, at);
    expect(head.toString()).toContain("par_fast='     12345        678'\n");
    expect(readFastField(head)).toEqual({ at, blob: { offset: 12345, length: 678 } });
  });
  it('is absent from archives made without a blob', () => {
    expect(readFastField(Buffer.from("#!/bin/sh\npar_x='1'\n"))).toBeUndefined();
  });
  it('refuses a position that does not fit its fixed width', () => {
    expect(() => fastFieldValue(1e10, 1)).toThrow(/does not fit the launcher/);
  });
});
