// Errors as data: each names what went wrong, for which target and file, and how to fix it.
// One top-level catch (src/cli/main.ts) turns them into one readable paragraph and an exit code.

export type ErrorCode =
  | 'MANIFEST_INVALID'
  | 'BAD_SPECIFIER'
  | 'DUPLICATE_PATH'
  | 'COMPILE_FAILED'
  | 'MISSING_FILE'
  | 'BAD_ARGUMENTS'
  | 'NOT_AN_ARCHIVE'
  | 'ARCHIVE_DAMAGED'
  | 'BAZEL_FAILED'
  | 'WHEEL_INVALID'
  | 'IMPORT_UNRESOLVED'
  | 'IMPORT_CYCLE'
  | 'BUILD_OUT_OF_DATE'
  | 'STATUS_INVALID'
  | 'ONE_VERSION'
  | 'SHADOWED_MODULE'
  | 'LOCK_INVALID';

export class ParError extends Error {
  readonly code: ErrorCode;
  readonly label?: string;
  readonly file?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { label?: string; file?: string; hint?: string } = {}) {
    super(message);
    this.name = 'ParError';
    this.code = code;
    this.label = opts.label;
    this.file = opts.file;
    this.hint = opts.hint;
  }

  /** One paragraph: "<label>: <message> (<file>) <hint>". */
  render(): string {
    const where = this.label ? `${this.label}: ` : '';
    const file = this.file && !this.message.includes(this.file) ? ` [${this.file}]` : '';
    const hint = this.hint ? ` ${this.hint}` : '';
    return `${where}${this.message}${file}${hint}`;
  }
}
