// `par gen [PATH...] [--check]`: create/update python_library targets from imports.
import { relative, resolve } from 'node:path';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { describeCycles, gen } from '../gen/gen';
import { parseVerbArgs } from './args';
import { findWorkspace } from '../common/bazel';
import type { Io } from './io';

export async function genVerb(argv: string[], io: Io): Promise<void> {
  const a = parseVerbArgs('gen', argv, { check: { type: 'boolean' } }, z.object({ check: z.boolean().optional(), positionals: z.array(z.string()) }));
  const ws = findWorkspace();
  const base = process.cwd();
  const paths = a.positionals.length
    ? a.positionals.map((p) => {
        const rel = relative(ws, resolve(base, p)).split('\\').join('/');
        if (rel.startsWith('..')) throw new ParError('BAD_ARGUMENTS', `par gen: ${p} is outside the workspace ${ws}`);
        return rel;
      })
    : undefined;
  const r = gen({ workspace: ws, paths, check: a.check });
  for (const w of r.warnings) io.err(`par gen: warning: ${w}\n`);
  for (const c of describeCycles(r)) io.err(`par gen: ${c}\n`);
  const unresolvedCycles = r.cycles.filter((c) => !c.merged);
  if (a.check) {
    for (const f of r.changed) io.out(`${f}\n`);
    if (r.changed.length) {
      throw new ParError('BUILD_OUT_OF_DATE', `${r.changed.length} BUILD file${r.changed.length > 1 ? 's are' : ' is'} out of date: ${r.changed.join(', ')}`, {
        hint: 'Run `par gen` and commit the result.',
      });
    }
  } else {
    for (const f of r.changed) io.out(`wrote ${f}\n`);
  }
  if (unresolvedCycles.length) {
    throw new ParError('IMPORT_CYCLE', `${unresolvedCycles.length} import cycle${unresolvedCycles.length > 1 ? 's' : ''} between existing targets (listed above)`, {
      hint: 'Bazel cannot build cyclic deps: move the shared code into its own target, or merge the targets.',
    });
  }
}
