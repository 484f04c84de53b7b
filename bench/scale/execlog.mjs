// What a Bazel build ran and for how long, as the benchmarks need it. Bazel 4.2's
// --execution_log_json_file names each spawn (mnemonic, outputs) but records no time, so the
// wall time of each action comes from the JSON trace --profile: its "action processing" events,
// named by the action's progress message, which the log also carries. That span is the whole
// action as Bazel runs it: waiting for a local resource slot, the spawn or worker request,
// digesting outputs.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The spawns of one execution log (none when Bazel wrote no file): mnemonic, progress message,
 * runner and the execroot-relative outputs. Bazel 4-7 write one pretty-printed SpawnExec object
 * after another, the next "{" right after the closing "}" of the last, at the start of a line.
 */
export function readSpawns(file) {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8').replace(/^\}\{$/gm, '}\n{');
  return text.split(/^\}$/m).filter((chunk) => chunk.trim()).map((chunk, i) => {
    let e;
    try {
      e = JSON.parse(`${chunk}}`);
    } catch (err) {
      throw new Error(`${file}: entry ${i + 1} is not JSON: ${err.message}`);
    }
    if (typeof e.mnemonic !== 'string') throw new Error(`${file}: entry ${i + 1} has no mnemonic`);
    const outputs = new Set([...(e.listedOutputs ?? []), ...(e.actualOutputs ?? []).map((o) => o.path)]);
    return { mnemonic: e.mnemonic, progress: e.progressMessage ?? '', runner: e.runner ?? '', outputs: [...outputs] };
  });
}

/**
 * The actions a build executed, from its --profile (JSON trace, gzipped or not): each with its
 * wall time in seconds and the mnemonic of its spawn, or null for an action Bazel runs
 * in-process (writing a file, a symlink, the workspace status).
 */
export function readActions(profile, spawns) {
  if (!existsSync(profile)) return [];
  const raw = readFileSync(profile);
  const trace = JSON.parse((raw[0] === 0x1f ? gunzipSync(raw) : raw).toString('utf8'));
  const mnemonic = new Map(spawns.map((s) => [s.progress, s.mnemonic]));
  return (trace.traceEvents ?? trace)
    .filter((e) => e.ph === 'X' && e.cat === 'action processing')
    .map((e) => ({ mnemonic: mnemonic.get(e.name) ?? null, secs: e.dur / 1e6 }));
}

/** Summed wall time of the actions that ran a spawn. */
export const spawnSecs = (actions) => actions.filter((a) => a.mnemonic).reduce((n, a) => n + a.secs, 0);

/**
 * "ParImportsCheck 1 (0.21 s), ParPack 2 (0.64 s); in-process actions 5 (0.02 s)": spawns by
 * mnemonic (from the log) with their actions' summed wall time (from the profile).
 */
export function byMnemonic(spawns, actions) {
  const by = new Map();
  for (const s of spawns) by.set(s.mnemonic, { n: (by.get(s.mnemonic)?.n ?? 0) + 1, secs: 0 });
  for (const a of actions) if (a.mnemonic && by.has(a.mnemonic)) by.get(a.mnemonic).secs += a.secs;
  const internal = actions.filter((a) => !a.mnemonic);
  const list = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([m, e]) => `${m} ${e.n} (${e.secs.toFixed(2)} s)`).join(', ') || 'no spawns';
  return `${list}; in-process actions ${internal.length} (${internal.reduce((n, a) => n + a.secs, 0).toFixed(2)} s)`;
}
