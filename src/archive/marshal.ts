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

/**
 * Writes into one growing buffer: the stamping action encodes a directory of every entry
 * (numpy: ~1,500 tuples of 8), where a Buffer per value made the stamp ~10 ms slower.
 */
class Out {
  buf = Buffer.allocUnsafe(1 << 16);
  at = 0;

  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  u32(n: number): void {
    this.room(4);
    this.buf.writeUInt32LE(n, this.at);
    this.at += 4;
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.at);
    this.at += b.length;
  }
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

function encodeInt(n: number, out: Out): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`marshal: ${n} is not an integer`);
  if (n >= -0x80000000 && n <= 0x7fffffff) {
    out.byte(TYPE_INT);
    out.room(4);
    out.buf.writeInt32LE(n, out.at);
    out.at += 4;
    return;
  }
  const digits: number[] = [];
  let rest = BigInt(Math.abs(n));
  while (rest > 0n) {
    digits.push(Number(rest & 0x7fffn));
    rest >>= 15n;
  }
  out.byte(TYPE_LONG);
  out.room(4 + 2 * digits.length);
  out.buf.writeInt32LE(n < 0 ? -digits.length : digits.length, out.at);
  out.at += 4;
  for (const d of digits) {
    out.buf.writeUInt16LE(d, out.at);
    out.at += 2;
  }
}

function encode(v: MarshalValue, out: Out): void {
  if (typeof v === 'number') encodeInt(v, out);
  else if (Buffer.isBuffer(v)) {
    out.byte(TYPE_STRING);
    out.u32(v.length);
    out.bytes(v);
  } else if (typeof v === 'string') {
    const ascii = ASCII.test(v);
    const n = Buffer.byteLength(v, 'utf8');
    if (ascii && n < 256) {
      out.byte(TYPE_SHORT_ASCII);
      out.byte(n);
    } else {
      out.byte(ascii ? TYPE_ASCII : TYPE_UNICODE);
      out.u32(n);
    }
    out.room(n);
    out.at += out.buf.write(v, out.at, 'utf8');
  } else {
    if (v.length < 256) {
      out.byte(TYPE_SMALL_TUPLE);
      out.byte(v.length);
    } else {
      out.byte(TYPE_TUPLE);
      out.u32(v.length);
    }
    for (const item of v) encode(item, out);
  }
}

/** marshal.dumps of `v`, arrays as tuples. */
export function marshalDumps(v: MarshalValue): Buffer {
  const out = new Out();
  encode(v, out);
  return Buffer.from(out.buf.subarray(0, out.at));
}

/**
 * marshal.loads for what marshalDumps writes; throws on anything else or on truncation.
 * `firstItems`: of a top-level tuple, read only that many items (the stamping action needs
 * the blob's codes, not its directory of every entry).
 */
export function marshalLoads(b: Buffer, firstItems?: number): MarshalValue {
  let p = 0;
  const need = (n: number) => {
    if (p + n > b.length) throw new Error(`marshal: truncated at byte ${p} (needs ${n} more of ${b.length})`);
  };
  let depth = 0;
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
        const take = depth === 0 && firstItems !== undefined ? Math.min(n, firstItems) : n;
        depth++;
        const items = Array.from({ length: take }, read);
        depth--;
        return items;
      }
      default:
        throw new Error(`marshal: type code 0x${type.toString(16)} at byte ${p - 1} is not one the launch blob uses`);
    }
  };
  return read();
}
