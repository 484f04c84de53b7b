// Bounds that separate a large wheel from a decompression bomb. The biggest real wheels
// (torch, tensorflow) unpack to a few GiB in files of at most ~1 GiB, compressed ~2-4:1;
// deflate tops out near 1032:1, so a large entry above 200:1 is a bomb, not data.
export const LIMITS = {
  /** Largest single entry, uncompressed. */
  entryBytes: 2 ** 30,
  /** All entries together, uncompressed. */
  totalBytes: 8 * 2 ** 30,
  /** Largest compression ratio for entries above ratioFloorBytes. */
  ratio: 200,
  ratioFloorBytes: 1 << 20,
  /** Entries in one wheel. */
  entries: 200_000,
};
