import { execFileSync } from 'node:child_process';
import { marshalDumps, marshalLoads, type MarshalValue } from './marshal';

// What Python makes of our bytes: repr() of marshal.loads, by the machine's python3.
function pythonRepr(b: Buffer): string {
  return execFileSync('python3', ['-S', '-c', 'import sys,marshal;print(repr(marshal.loads(sys.stdin.buffer.read())))'], { input: b })
    .toString()
    .trim();
}

describe('marshalDumps', () => {
  it('writes what Python reads back as the same tuple of str, int and bytes', () => {
    const value: MarshalValue = ['par', 'é ü', 'x'.repeat(300), 0, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, -(2 ** 40), Buffer.from([0, 255]), []];
    expect(pythonRepr(marshalDumps(value))).toBe(
      `('par', 'é ü', '${'x'.repeat(300)}', 0, -1, 2147483647, 2147483648, 4294967295, -1099511627776, b'\\x00\\xff', ())`,
    );
  });
  it('writes tuples of 256 items and more with the long form', () => {
    const value = Array.from({ length: 300 }, (_, i) => i);
    expect(pythonRepr(marshalDumps(value))).toBe(`(${value.join(', ')})`);
  });
  it('refuses numbers that are not integers', () => {
    expect(() => marshalDumps(1.5)).toThrow(/1.5 is not an integer/);
  });
});

describe('marshalLoads', () => {
  it('reads back what marshalDumps wrote', () => {
    const value: MarshalValue = ['a', 'é', 2 ** 33, -5, Buffer.from('xyz'), [['n', 1]], 'y'.repeat(400)];
    expect(marshalLoads(marshalDumps(value))).toEqual(value);
  });
  it('reads only the first items of a top-level tuple when asked', () => {
    expect(marshalLoads(marshalDumps(['m', Buffer.from('c'), [['big', 1], ['index', 2]]]), 2)).toEqual(['m', Buffer.from('c')]);
  });
  it('names the byte where the data is cut short or of a kind it does not write', () => {
    const b = marshalDumps(['abc', 1]);
    expect(() => marshalLoads(b.subarray(0, 5))).toThrow(/truncated at byte 4/);
    expect(() => marshalLoads(Buffer.from('N'))).toThrow(/type code 0x4e at byte 0/);
  });
});
