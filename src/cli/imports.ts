// The two imports_check actions Bazel runs (rules/private/imports_check.bzl): one library's
// imports resolved, and a binary's report of what stayed unresolved (fail or warn).
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { importsCheckAction, importsReport } from '../graph/check-action';
import { parseVerbArgs } from './args';
import type { Io } from './io';

const req = (name: string) => z.string({ error: `--${name} is required` }).min(1, `--${name} is required`);
const actionArgs = z.object({ request: req('request'), out: req('out'), positionals: z.array(z.string()).max(0) });

export async function importsCheckVerb(argv: string[]): Promise<void> {
  const a = parseVerbArgs('imports-check', argv, { request: { type: 'string' }, out: { type: 'string' } }, actionArgs);
  importsCheckAction(a.request, a.out);
}

export async function importsReportVerb(argv: string[], io: Io): Promise<void> {
  const a = parseVerbArgs('imports-report', argv, { request: { type: 'string' }, out: { type: 'string' } }, actionArgs);
  const r = importsReport(a.request);
  if (r.failed) throw new ParError('IMPORT_UNRESOLVED', r.text.trimEnd());
  // warn: Bazel shows a successful action's stderr when the action runs.
  if (r.count > 0) io.err(`WARNING: ${r.text}`);
  writeFileSync(a.out, r.text);
}
