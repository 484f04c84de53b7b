// Verbs about the dependency graph: the two imports_check actions Bazel runs, and
// `par graph //label` for people and tools.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { importsCheckAction, importsReport } from '../graph/check-action';
import { graphDot, graphJson, targetGraph } from '../graph/target-graph';
import { parseVerbArgs } from './args';
import { findWorkspace } from '../common/bazel';
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

/** `par graph //label [--format=dot|json]`: the python targets below a label and their deps, from Bazel's own graph. */
export async function graphVerb(argv: string[], io: Io): Promise<void> {
  const a = parseVerbArgs('graph', argv, { format: { type: 'string' } }, z.object({
    format: z.enum(['dot', 'json']).optional(),
    positionals: z.array(z.string().regex(/^(@[\w.~+-]*)?\/\/|^:/, 'labels look like //pkg:name')).length(1, 'name exactly one //label'),
  }));
  const ws = findWorkspace();
  const g = targetGraph(ws, a.positionals[0]);
  io.out(a.format === 'json' ? JSON.stringify(graphJson(g), null, 2) + '\n' : graphDot(g));
}
