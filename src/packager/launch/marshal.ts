// Python's marshal format, for the few types the launch blob holds (tuples, str, int,
// bytes). Written here rather than by the toolchain interpreter because the blob's index is
// made after the zip entries are placed, and the stamping action, which has no Python, makes
// it again. These types have not changed encoding since marshal version 2 (Python 2.5):
// every Python 3 reads them. Reading is for our own blobs only (the stamping action).

export type MarshalValue = string | number | Buffer | MarshalValue[];

const TYPE_INT = 0x69; // 'i': int32
const TYPE_LONG = 0x6c; // 'l': digit count, then 15-bit digits
const TYPE_STRING = 0x73; // 's': bytes
const TYPE_SHORT_ASCII = 0x7a; // 'z'
const TYPE_ASCII = 0x61; // 'a'
const TYPE_UNICODE = 0x75; // 'u': UTF-8
const TYPE_SMALL_TUPLE = 0x29; // ')'
const TYPE_TUPLE = 0x28; // '('

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function encodeInt(n: number, out: Buffer[]): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`marshal: ${n} is not an integer`);
  if (n >= -0x80000000 && n <= 0x7fffffff) {
    const b = Buffer.alloc(5);
    b[0] = TYPE_INT;
    b.writeInt32LE(n, 1);
    out.push(b);
    return;
  }
  const digits: number[] = [];
  let rest = BigInt(Math.abs(n));
  while (rest > 0n) {
    digits.push(Number(rest & 0x7fffn));
    rest >>= 15n;
  }
  const b = Buffer.alloc(5 + 2 * digits.length);
  b[0] = TYPE_LONG;
  b.writeInt32LE(n < 0 ? -digits.length : digits.length, 1);
  digits.forEach((d, i) => b.writeUInt16LE(d, 5 + 2 * i));
  out.push(b);
}

function encode(v: MarshalValue, out: Buffer[]): void {
  if (typeof v === 'number') encodeInt(v, out);
  else if (Buffer.isBuffer(v)) out.push(Buffer.from([TYPE_STRING]), u32(v.length), v);
  else if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    // eslint-disable-next-line no-control-regex
    const ascii = /^[\x00-\x7f]*$/.test(v);
    if (ascii && bytes.length < 256) out.push(Buffer.from([TYPE_SHORT_ASCII, bytes.length]), bytes);
    else out.push(Buffer.from([ascii ? TYPE_ASCII : TYPE_UNICODE]), u32(bytes.length), bytes);
  } else {
    out.push(v.length < 256 ? Buffer.from([TYPE_SMALL_TUPLE, v.length]) : Buffer.concat([Buffer.from([TYPE_TUPLE]), u32(v.length)]));
    for (const item of v) encode(item, out);
  }
}

/** marshal.dumps of `v`, arrays as tuples. */
export function marshalDumps(v: MarshalValue): Buffer {
  const out: Buffer[] = [];
  encode(v, out);
  return Buffer.concat(out);
}

/** marshal.loads for what marshalDumps writes; throws on anything else or on truncation. */
export function marshalLoads(b: Buffer): MarshalValue {
  let p = 0;
  const need = (n: number) => {
    if (p + n > b.length) throw new Error(`marshal: truncated at byte ${p} (needs ${n} more of ${b.length})`);
  };
  const read = (): MarshalValue => {
    need(1);
    const type = b[p++] & 0x7f; // 0x80 is FLAG_REF, which marshalDumps never sets
    switch (type) {
      case TYPE_INT:
        need(4);
        p += 4;
        return b.readInt32LE(p - 4);
      case TYPE_LONG: {
        need(4);
        const count = b.readInt32LE(p);
        p += 4;
        need(2 * Math.abs(count));
        let n = 0n;
        for (let i = Math.abs(count) - 1; i >= 0; i--) n = (n << 15n) | BigInt(b.readUInt16LE(p + 2 * i));
        p += 2 * Math.abs(count);
        return Number(count < 0 ? -n : n);
      }
      case TYPE_STRING:
      case TYPE_ASCII:
      case TYPE_UNICODE: {
        need(4);
        const n = b.readUInt32LE(p);
        p += 4;
        need(n);
        p += n;
        const bytes = b.subarray(p - n, p);
        return type === TYPE_STRING ? bytes : bytes.toString('utf8');
      }
      case TYPE_SHORT_ASCII: {
        need(1);
        const n = b[p++];
        need(n);
        p += n;
        return b.subarray(p - n, p).toString('latin1');
      }
      case TYPE_SMALL_TUPLE:
      case TYPE_TUPLE: {
        need(type === TYPE_TUPLE ? 4 : 1);
        const n = type === TYPE_TUPLE ? b.readUInt32LE(p) : b[p];
        p += type === TYPE_TUPLE ? 4 : 1;
        return Array.from({ length: n }, read);
      }
      default:
        throw new Error(`marshal: type code 0x${type.toString(16)} at byte ${p - 1} is not one the launch blob uses`);
    }
  };
  return read();
}
