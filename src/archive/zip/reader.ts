import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { parseCentralDirectory, readDirectory } from './directory';
import { ZipError } from './errors';
import { FLAG_ENCRYPTED, LOCAL_HEADER_SIZE, SIG_LOCAL } from './records';
import { METHOD_DEFLATE, METHOD_STORED, type CentralEntry } from './types';

const inflateRaw = promisify(zlib.inflateRaw);

/** Reads zips written by anyone: our writer, pip/wheel (possibly ZIP64), `zip`, or a zip behind a preamble. */
export class ZipReader {
  private readonly byName: Map<string, CentralEntry>;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly entries: readonly CentralEntry[],
    /** Absolute file offset of the central directory. */
    readonly centralDirectoryOffset: number,
    readonly centralDirectorySize: number,
    /**
     * Added to every offset recorded in the archive to get a file offset: non-zero
     * when data was prepended to a zip without adjusting its offsets (Python's `concat`).
     */
    readonly offsetShift: number,
    readonly zip64: boolean,
  ) {
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Bytes before the first local header: where the zip proper begins. */
  get preambleLength(): number {
    return this.entries.reduce((min, e) => Math.min(min, e.localHeaderOffset), this.centralDirectoryOffset);
  }

  static async open(path: string): Promise<ZipReader> {
    const fh = await fsp.open(path, 'r');
    try {
      const { size } = await fh.stat();
      const dir = readDirectory(path, fh.fd, size);
      const entries = parseCentralDirectory(path, dir.cd, dir.shift);
      if (entries.length !== dir.count) {
        throw new ZipError(path, `entry count mismatch: the end of central directory record says ${dir.count} entries, the central directory holds ${entries.length}`);
      }
      return new ZipReader(fh, path, entries, dir.cdStart, dir.cd.length, dir.shift, dir.zip64);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  find(name: string): CentralEntry | undefined {
    return this.byName.get(name);
  }

  /** The central-directory records exactly as stored. */
  async readCentralDirectory(): Promise<Buffer> {
    return readExactly(this.fh, this.path, this.centralDirectoryOffset, this.centralDirectorySize, 'central directory');
  }

  /** The payload exactly as stored (compressed for deflate entries). */
  async readRaw(e: CentralEntry): Promise<Buffer> {
    const header = await readAt(this.fh, e.localHeaderOffset, LOCAL_HEADER_SIZE);
    if (header.length < LOCAL_HEADER_SIZE || header.readUInt32LE(0) !== SIG_LOCAL) {
      throw new ZipError(this.path, `local header signature mismatch for "${e.name}" at offset ${e.localHeaderOffset}`);
    }
    // The local name/extra lengths may differ from the central ones, so use the local ones.
    const dataStart = e.localHeaderOffset + LOCAL_HEADER_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
    return readExactly(this.fh, this.path, dataStart, e.compressedSize, `data of "${e.name}"`);
  }

  /** The uncompressed bytes, with size and CRC verified. */
  async read(e: CentralEntry): Promise<Buffer> {
    if (e.flags & FLAG_ENCRYPTED) throw new ZipError(this.path, `entry "${e.name}" is encrypted, which is not supported`);
    if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE) {
      throw new ZipError(this.path, `unsupported compression method ${e.method} for "${e.name}" (only stored (0) and deflate (8) are supported)`);
    }
    const raw = await this.readRaw(e);
    let data: Buffer;
    if (e.method === METHOD_STORED) {
      data = raw;
    } else {
      try {
        data = await inflateRaw(raw);
      } catch (err) {
        throw new ZipError(this.path, `corrupt deflate data for "${e.name}": ${(err as Error).message}`);
      }
    }
    if (data.length !== e.uncompressedSize) {
      throw new ZipError(this.path, `size mismatch for "${e.name}": expected ${e.uncompressedSize} bytes, got ${data.length}`);
    }
    const crc = zlib.crc32(data) >>> 0;
    if (crc !== e.crc32) {
      throw new ZipError(this.path, `CRC mismatch for "${e.name}": expected ${hex(e.crc32)}, got ${hex(crc)}`);
    }
    return data;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(b, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? b : b.subarray(0, done);
}

async function readExactly(fh: FileHandle, path: string, position: number, length: number, what: string): Promise<Buffer> {
  const b = await readAt(fh, position, length);
  if (b.length !== length) {
    throw new ZipError(path, `truncated ${what}: wanted ${length} bytes at offset ${position}, the file ends after ${b.length}`);
  }
  return b;
}
