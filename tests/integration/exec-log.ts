// Reads Bazel's --execution_log_json_file: Bazel 4-7 write one pretty-printed SpawnExec
// object after another (no array, no separator), each a spawn that was looked up in a cache
// or executed. An action that was neither (up to date in the output base) has no entry.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Spawn = z.object({
  mnemonic: z.string(),
  commandArgs: z.array(z.string()).default([]),
  inputs: z.array(z.object({ path: z.string() })).default([]),
  runner: z.string().default(''),
  remoteCacheHit: z.boolean().default(false),
  // False when the action's execution requirements keep it off a remote executor / cache.
  remotable: z.boolean().default(false),
  cacheable: z.boolean().default(false),
  remoteCacheable: z.boolean().default(false),
  progressMessage: z.string().default(''),
});
export type Spawn = z.infer<typeof Spawn>;

/** The spawns of one log; fails naming the file and the entry when one is not a spawn. */
export function readExecLog(file: string): Spawn[] {
  const text = readFileSync(file, 'utf8');
  const spawns: Spawn[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' && depth++ === 0) start = i;
    else if (c === '}' && --depth === 0) {
      const parsed = Spawn.safeParse(JSON.parse(text.slice(start, i + 1)));
      if (!parsed.success) throw new Error(`${file}: entry ${spawns.length + 1} is not a spawn: ${parsed.error.message}`);
      spawns.push(parsed.data);
    }
  }
  if (depth !== 0) throw new Error(`${file}: truncated (an object is not closed)`);
  return spawns;
}

/** "Mnemonic runner" of each spawn that was not served from a cache, sorted: what ran. */
export function executed(spawns: Spawn[], mnemonic = /^Par/): string[] {
  return spawns.filter((s) => mnemonic.test(s.mnemonic) && !s.remoteCacheHit).map((s) => `${s.mnemonic} ${s.runner}`).sort();
}
