// The par_wheels hubs a workspace declares, for `par gen` (top-level module -> @hub//dist)
// and `par audit` (the hubs' wheels beside the in-tree ones).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ParError } from '../common/errors';

/** Hub names from `par_wheels(name = "...")` in WORKSPACE and `par.wheels(name = "...")` in MODULE.bazel. */
export function declaredHubs(ws: string): string[] {
  const names = new Set<string>();
  for (const f of ['WORKSPACE', 'WORKSPACE.bazel', 'MODULE.bazel']) {
    const p = join(ws, f);
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8').replace(/#.*$/gm, '');
    for (const m of text.matchAll(/\bpar(?:_wheels|\.wheels)\s*\(([^)]*)\)/g)) {
      const name = /\bname\s*=\s*["']([^"']+)["']/.exec(m[1]);
      if (name) names.add(name[1]);
    }
  }
  return [...names].sort();
}

const HubJson = z.object({
  hub: z.string().min(1),
  distributions: z.array(z.object({ name: z.string(), label: z.string().min(1), modules: z.array(z.string()) }).loose()),
}).loose();

/** Top-level module -> hub label, from the hubs' par_hub.json; a module two distributions provide is reported. */
export function thirdPartyModules(files: string[]): { modules: Map<string, string>; warnings: string[] } {
  const modules = new Map<string, string>();
  const warnings: string[] = [];
  for (const file of files) {
    const r = HubJson.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!r.success) throw new ParError('LOCK_INVALID', `${file} is not a par_wheels hub description: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { file });
    for (const d of r.data.distributions) {
      for (const m of d.modules) {
        const prev = modules.get(m);
        if (prev && prev !== d.label) warnings.push(`module ${m} is provided by ${prev} and ${d.label}; imports of it get ${prev}`);
        else modules.set(m, d.label);
      }
    }
  }
  return { modules, warnings };
}
