// The zip module's types. Everything outside src/archive/zip/ imports the module through
// index.ts (the reader, writer, appender, the directory parser and these types), never a
// file inside it, so the files can evolve freely.

/** Compression method codes from APPNOTE.TXT 4.4.5. */
export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

/** Options for one entry written from uncompressed bytes. */
export interface AddOptions {
  /** Deflate the entry; stored instead when it is not smaller, or when it is longer than 64 KiB and its first 64 KiB do not deflate (compress.ts PROBE_SIZE). */
  compress: boolean;
  /** zlib level 1-9 (default 6). */
  level?: number;
  /** Unix mode bits stored in the external attributes (default 0o100644). */
  mode?: number;
}

/** An entry copied byte-for-byte from another zip (no recompression). */
export interface RawEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** The compressed payload exactly as stored in the source zip. */
  data: Buffer;
  mode?: number;
}

/**
 * One entry of a run copied whole (ZipWriter.addRawRun): where its local header starts in
 * the run's block, and the fields that header must hold.
 */
export interface RunEntry {
  name: string;
  /** Offset of the entry's local header inside the block. */
  at: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
}

/** One central-directory record as read back from an archive. */
export interface CentralEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Absolute file offset of the local header. */
  localHeaderOffset: number;
  /** Unix mode (external attributes >> 16), 0 when not recorded. */
  mode: number;
  flags: number;
  /** MS-DOS modification time and date, as recorded. */
  dosTime: number;
  dosDate: number;
}

/** One item for ZipWriter.addFiles: bytes in memory, or a file read (or streamed) from disk. */
export type FileSource =
  | { name: string; data: Buffer; path?: undefined; opts: AddOptions }
  | { name: string; path: string; data?: undefined; opts: AddOptions };

export interface WriterOptions {
  /**
   * How many entries may be in flight (read, compressed, or waiting for their turn
   * to be written) at once. Bounds memory; default 32.
   */
  window?: number;
}

/** What ZipWriter.finish reports. */
export interface FinishResult {
  entries: number;
  /** Total file size, preamble included. */
  bytes: number;
}

/** What an AppendEntry's data function sees: the archive up to where its entry goes. */
export interface AppendContext {
  /** The central records of every entry before this one (the kept old ones, then the added ones). */
  directory: Buffer;
  /** Added to recorded offsets to get file offsets. */
  shift: number;
}

/** One entry added by appendEntries. */
export interface AppendEntry {
  name: string;
  /** The content, or a function that makes it from the entries before it (a directory of them). */
  data: Buffer | ((ctx: AppendContext) => Buffer);
  compress: boolean;
  level?: number;
  mode?: number;
}
