/**
 * The one error type of the zip module. Callers (packager, stamper, `par inspect`)
 * match on `code` rather than on the class, because errors cross bundle boundaries
 * where `instanceof` is unreliable.
 */
export class ZipError extends Error {
  readonly code = 'ZIP_FORMAT' as const;

  constructor(
    /** The archive being read or written. */
    readonly file: string,
    /** What is wrong, without the file name. */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ZipError';
  }
}
