// Finding and running Bazel for the CLI verbs. The CLI acts on the workspace it was started
// from: under `bazel run` that is $BUILD_WORKSPACE_DIRECTORY (as gazelle does), else the
// nearest directory above the cwd holding WORKSPACE or MODULE.bazel.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ParError } from '../common/errors';

const MARKERS = ['WORKSPACE', 'WORKSPACE.bazel', 'MODULE.bazel'];

export function findWorkspace(start = process.cwd(), env = process.env): string {
  if (env.BUILD_WORKSPACE_DIRECTORY) return env.BUILD_WORKSPACE_DIRECTORY;
  let dir = resolve(start);
  for (;;) {
    if (MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new ParError('BAD_ARGUMENTS', `no Bazel workspace above ${start} (looked for ${MARKERS.join(', ')})`, {
        hint: 'Run par inside a workspace, or through `bazel run @rules_par//:par -- VERB`.',
      });
    }
    dir = up;
  }
}

export function findBazel(env = process.env): string {
  if (env.BAZEL) return env.BAZEL;
  for (const name of ['bazel', 'bazelisk']) {
    for (const d of (env.PATH ?? '').split(delimiter)) {
      if (d && existsSync(join(d, name))) return join(d, name);
    }
  }
  throw new ParError('BAZEL_FAILED', 'no bazel or bazelisk on PATH', { hint: 'Install Bazel (see README.md) or set BAZEL to its path.' });
}

export interface BuiltTarget { label: string; kind: string; outputs: string[] }

interface BepEvent {
  id?: { targetConfigured?: { label: string }; targetCompleted?: { label: string } };
  configured?: { targetKind?: string };
  completed?: { success?: boolean; importantOutput?: { uri?: string }[] };
}

/** Builds the labels and returns each target's kind and output files, read from the build event protocol. */
export function bazelBuild(workspace: string, labels: string[], extraArgs: string[] = []): BuiltTarget[] {
  const dir = mkdtempSync(join(tmpdir(), 'par-bep-'));
  const bep = join(dir, 'events.json');
  try {
    const r = spawnSync(findBazel(), ['build', `--build_event_json_file=${bep}`, ...extraArgs, '--', ...labels], {
      cwd: workspace,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) {
      throw new ParError('BAZEL_FAILED', `bazel build ${labels.join(' ')} failed (exit ${r.status ?? r.signal})`, {
        hint: 'The Bazel output above names the cause.',
      });
    }
    const kinds = new Map<string, string>();
    const out: BuiltTarget[] = [];
    for (const line of readFileSync(bep, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line) as BepEvent;
      if (ev.id?.targetConfigured && ev.configured) kinds.set(ev.id.targetConfigured.label, ev.configured.targetKind ?? '');
      if (ev.id?.targetCompleted && ev.completed?.success) {
        const label = ev.id.targetCompleted.label;
        const outputs = (ev.completed.importantOutput ?? [])
          .map((o) => o.uri ?? '')
          .filter((u) => u.startsWith('file://'))
          .map((u) => decodeURIComponent(u.slice('file://'.length)));
        out.push({ label, kind: kinds.get(label) ?? '', outputs });
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Builds `aspect` (output group `outputGroup` only) over the labels and returns the top-level
 * labels it completed on, read from the build event protocol. Bazel's stdout goes to our
 * stderr, so a verb's stdout stays machine-readable.
 */
export function bazelBuildAspect(workspace: string, labels: string[], aspect: string, outputGroup: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'par-bep-'));
  const bep = join(dir, 'events.json');
  try {
    const args = ['build', `--build_event_json_file=${bep}`, `--aspects=${aspect}`, `--output_groups=${outputGroup}`, '--', ...labels];
    const r = spawnSync(findBazel(), args, { cwd: workspace, stdio: ['ignore', process.stderr.fd, 'inherit'] });
    if (r.status !== 0) {
      throw new ParError('BAZEL_FAILED', `bazel build ${labels.join(' ')} failed (exit ${r.status ?? r.signal})`, {
        hint: 'The Bazel output above names the cause.',
      });
    }
    const done = new Set<string>();
    for (const line of readFileSync(bep, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line) as { id?: { targetCompleted?: { label: string; aspect?: string } }; completed?: { success?: boolean } };
      const t = ev.id?.targetCompleted;
      if (t?.aspect && t.aspect.endsWith(aspect.slice(aspect.lastIndexOf('%'))) && ev.completed?.success) done.add(t.label);
    }
    return [...done];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `bazel info KEY...` as a map; throws when Bazel fails. */
export function bazelInfo(workspace: string, keys: string[], extraArgs: string[] = []): Record<string, string> {
  const r = spawnSync(findBazel(), ['info', ...extraArgs, ...keys], { cwd: workspace, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) {
    throw new ParError('BAZEL_FAILED', `bazel info ${keys.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').pop()}`);
  }
  const out: Record<string, string> = {};
  const lines = r.stdout.trim().split('\n');
  if (keys.length === 1) out[keys[0]] = lines[lines.length - 1].trim();
  else for (const l of lines) {
    const m = /^([\w-]+): (.*)$/.exec(l);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/**
 * `bazel query EXPR` with the given flags; returns stdout. Exit code 3 (partial result under
 * --keep_going) is accepted only when `partialOk`.
 */
export function bazelQuery(workspace: string, expr: string, flags: string[] = [], partialOk = false): { stdout: string; stderr: string; partial: boolean } {
  const r = spawnSync(findBazel(), ['query', ...flags, '--', expr], { cwd: workspace, encoding: 'utf8', maxBuffer: 64 << 20 });
  const partial = r.status === 3 && partialOk;
  if (r.status !== 0 && !partial) {
    const why = (r.stderr ?? '').split('\n').filter((l) => /ERROR/.test(l)).join(' ').trim();
    throw new ParError('BAZEL_FAILED', `bazel query '${expr}' failed (exit ${r.status ?? r.signal})${why ? ': ' + why : ''}`);
  }
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', partial };
}
