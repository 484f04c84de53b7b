// `par gen [PATH...] [--check]`: create/update python_library targets from imports.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { describeCycles, gen } from '../gen/gen';
import { parseVerbArgs } from './args';
import { bazelInfo, bazelQuery, findWorkspace } from '../common/bazel';
import { declaredHubs, thirdPartyModules } from '../lock/hubs';
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
  const third = hubModules(ws);
  const r = gen({ workspace: ws, paths, check: a.check, thirdParty: third.modules });
  for (const w of [...third.warnings, ...r.warnings]) io.err(`par gen: warning: ${w}\n`);
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

/**
 * The modules of the par_wheels hubs the workspace declares: Bazel fetches each hub (a query
 * of its par_hub.json) and gen reads the description from the output base. No hubs: no Bazel.
 */
function hubModules(ws: string): { modules: Map<string, string>; warnings: string[] } {
  const hubs = declaredHubs(ws);
  if (!hubs.length) return { modules: new Map(), warnings: [] };
  const q = bazelQuery(ws, hubs.map((h) => `@${h}//:par_hub.json`).join(' + '), ['--keep_going'], true);
  const external = join(bazelInfo(ws, ['output_base']).output_base, 'external');
  const files = hubs.map((h) => join(external, h, 'par_hub.json'));
  const missing = hubs.filter((_h, i) => !existsSync(files[i]));
  const r = thirdPartyModules(files.filter((f) => existsSync(f)));
  for (const h of missing) r.warnings.push(`the par_wheels hub @${h} could not be fetched, so imports of its wheels get no deps: ${q.stderr.split('\n').filter((l) => l.includes('ERROR')).join(' ').trim() || 'see bazel query @' + h + '//:par_hub.json'}`);
  return r;
}
