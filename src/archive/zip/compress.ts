import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { METHOD_DEFLATE, METHOD_STORED } from './types';

// The async form runs on the libuv thread pool, which is what lets several chunks or
// entries deflate at once while the main thread keeps reading and writing.
const deflateRaw = promisify(zlib.deflateRaw);

export const DEFAULT_LEVEL = 6;

/**
 * Below this size an async deflate costs more in round trip (handle setup, pool
 * hand-off, callback) than the compression itself: measured on Node 20, a 1 KiB
 * entry takes ~50us inline but ~170us through the pool, and the pool only wins from
 * about 32 KiB up. Typical .py files are small, so this matters for throughput.
 */
export const SYNC_DEFLATE_LIMIT = 32 << 10;

/**
 * Inputs at least this long are deflated in chunks of this size, in parallel. The
 * writer streams files from this size on, so an entry gets the same bytes whether
 * it was added from memory or from disk.
 */
export const CHUNK_SIZE = 1 << 20;

/** Chunks deflating at once: the default libuv pool has 4 threads. */
const PARALLEL_CHUNKS = 4;
const DICTIONARY_SIZE = 32 << 10;
/** An empty fixed-Huffman block with BFINAL set: terminates a run of sync-flushed chunks. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

export interface EncodedData {
  method: number;
  crc32: number;
  uncompressedSize: number;
  compressedSize: number;
  data: Buffer;
}

/**
 * Entries longer than this are probed before being deflated: the first PROBE_SIZE bytes are
 * deflated at level 1 (about 1 ms) and, when they do not shrink by at least 1/PROBE_MARGIN,
 * the whole entry is stored without deflating the rest. Incompressible content (models,
 * images, archives, encrypted or already-compressed data) dominates the bytes of large data
 * sets, and deflating it only to store it cost about half of `par pack`'s CPU time on the
 * bench input set (docs/PERFORMANCE.md "Build speed"). The decision depends on the content
 * alone, so identical inputs still give identical archives.
 */
export const PROBE_SIZE = 64 << 10;
/** A sample that saves less than 1/64 (1.6%) is treated as incompressible. */
const PROBE_MARGIN = 64;

/** True when the sample (an entry's first PROBE_SIZE bytes) is not worth deflating. */
export function looksIncompressible(sample: Buffer): boolean {
  if (sample.length === 0) return false;
  const deflated = zlib.deflateRawSync(sample, { level: 1, chunkSize: sample.length + 1024 });
  return deflated.length > sample.length - sample.length / PROBE_MARGIN;
}

export async function encodeData(data: Buffer, compress: boolean, level: number = DEFAULT_LEVEL): Promise<EncodedData> {
  const crc32 = zlib.crc32(data) >>> 0;
  if (compress && data.length > 0 && !(data.length > PROBE_SIZE && looksIncompressible(data.subarray(0, PROBE_SIZE)))) {
    const deflated = await deflateWhole(data, level);
    if (deflated.length < data.length) {
      return { method: METHOD_DEFLATE, crc32, uncompressedSize: data.length, compressedSize: deflated.length, data: deflated };
    }
  }
  return { method: METHOD_STORED, crc32, uncompressedSize: data.length, compressedSize: data.length, data };
}

async function deflateWhole(data: Buffer, level: number): Promise<Buffer> {
  if (data.length >= CHUNK_SIZE) {
    const parts: Buffer[] = [];
    for await (const part of deflateChunks(splitChunks(data), level)) parts.push(part);
    return Buffer.concat(parts);
  }
  // One output chunk sized to the input avoids zlib's default 16 KiB chunking, which
  // costs a pool round trip per chunk. Same parameters on both paths, same bytes.
  const options = { level, chunkSize: Math.max(data.length + 64, 1024) };
  return data.length < SYNC_DEFLATE_LIMIT ? zlib.deflateRawSync(data, options) : deflateRaw(data, options);
}

function* splitChunks(data: Buffer): Generator<Buffer> {
  for (let at = 0; at < data.length; at += CHUNK_SIZE) yield data.subarray(at, at + CHUNK_SIZE);
}

/**
 * pigz's scheme: each CHUNK_SIZE piece is deflated on its own, several at once,
 * primed with the previous piece's last 32 KiB as dictionary so the ratio matches a
 * single stream, and ended with a sync flush so the pieces concatenate into one
 * valid deflate stream. Boundaries depend only on offsets, so the output is as
 * deterministic as one stream. Every chunk but the last must be CHUNK_SIZE long.
 */
export async function* deflateChunks(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, level: number): AsyncGenerator<Buffer> {
  const inFlight: Array<Promise<Buffer>> = [];
  let previous: Buffer | undefined;
  try {
    for await (const chunk of chunks) {
      const options: zlib.ZlibOptions = { level, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: chunk.length + (64 << 10) };
      if (previous !== undefined) options.dictionary = previous.subarray(previous.length - DICTIONARY_SIZE);
      inFlight.push(deflateRaw(chunk, options));
      previous = chunk;
      if (inFlight.length >= PARALLEL_CHUNKS) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
    yield FINAL_BLOCK;
  } finally {
    // An early exit must not leave rejections unobserved.
    for (const p of inFlight) p.catch(() => undefined);
  }
}
