import { ParError } from '../common/errors';

/** A lock file, index page or locked wheel that par_wheels cannot use; the message names the file. */
export class LockError extends ParError {
  constructor(message: string, file?: string, hint?: string) {
    super('LOCK_INVALID', message, { file, hint });
  }
}
