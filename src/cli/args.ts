// Command-line arguments: node's parseArgs for the syntax, zod for the meaning, so every
// verb reports all of its bad arguments at once.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ParError } from '../common/errors';

export function parseVerbArgs<T extends z.ZodTypeAny>(
  verb: string,
  argv: string[],
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>,
  schema: T,
): z.infer<T> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new ParError('BAD_ARGUMENTS', `par ${verb}: ${(e as Error).message}`);
  }
  const r = schema.safeParse({ ...parsed.values, positionals: parsed.positionals });
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.length ? '--' + i.path.join('.') : 'arguments'}: ${i.message}`);
    throw new ParError('BAD_ARGUMENTS', `par ${verb}: ${lines.join('; ').replace('--positionals', 'arguments')}`);
  }
  return r.data;
}
