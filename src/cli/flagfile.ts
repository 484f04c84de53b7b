// Bazel hands every action's arguments over in a @flagfile (ctx.actions.args().use_param_file
// with the "multiline" format: one argument per line, no quoting), which is what lets the same
// action run as a one-shot process or as a request to a persistent worker.
import { readFileSync } from 'node:fs';
import { ParError } from '../common/errors';

/**
 * True for "@path/to/file.params". Labels ("@repo//pkg:x", "@//x") also start with "@",
 * and `par build` takes labels, so anything containing "//" is left alone.
 */
export function isFlagfile(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('@') && !arg.includes('//');
}

/** Replaces each @flagfile argument by the lines of that file (not recursive, like Bazel's). */
export function expandFlagfiles(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    if (!isFlagfile(arg)) {
      out.push(arg);
      continue;
    }
    const file = arg.slice(1);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ParError('BAD_ARGUMENTS', `cannot read the flagfile ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        hint: 'Arguments starting with @ name a file that holds one argument per line.',
      });
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    out.push(...lines);
  }
  return out;
}
