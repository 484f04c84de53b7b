// `par graph //label` for people and tools: the python targets below a label and their deps.
import { z } from 'zod';
import { findWorkspace } from '../common/bazel';
import { graphDot, graphJson, targetGraph } from '../graph/target-graph';
import { parseVerbArgs } from './args';
import type { Io } from './io';

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
