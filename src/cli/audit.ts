// `par audit [PATTERN...] [--json]`: one version per third-party distribution across the
// repository. Every python_wheel target the patterns (default //...) hold is built (that is
// its validation action, cached) and its description read; two targets that provide one
// normalised distribution at different versions fail the audit, naming both labels and
// versions, so all tools built from one revision ship the same libraries.
import { spawnSync } from 'node:child_process';
import { ParError } from '../common/errors';
import { readWheelInfo, type WheelInfo } from '../archive/wheel-info';
import { bazelBuild, findBazel, findWorkspace } from '../common/bazel';
import { declaredHubs } from '../lock/hubs';

export interface Distribution {
  name: string;
  versions: { version: string; labels: string[] }[];
}

/** The wheels grouped by normalised name, versions and labels sorted. */
export function groupDistributions(wheels: Pick<WheelInfo, 'label' | 'name' | 'normalized' | 'version'>[]): Distribution[] {
  const by = new Map<string, Map<string, string[]>>();
  for (const w of wheels) {
    const versions = by.get(w.normalized) ?? new Map<string, string[]>();
    versions.set(w.version, [...(versions.get(w.version) ?? []), w.label].sort());
    by.set(w.normalized, versions);
  }
  return [...by.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([name, versions]) => ({
      name,
      versions: [...versions.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([version, labels]) => ({ version, labels })),
    }));
}

/** Throws ONE_VERSION listing every distribution provided at more than one version. */
export function checkDistributions(dists: Distribution[]): void {
  const conflicts = dists.filter((d) => d.versions.length > 1);
  if (conflicts.length === 0) return;
  const lines = conflicts.map((d) => `${d.name}: ${d.versions.map((v) => v.labels.map((l) => `${l} (${v.version})`).join(', ')).join(' vs ')}`);
  throw new ParError('ONE_VERSION', `${conflicts.length} distribution${conflicts.length === 1 ? ' is' : 's are'} provided at more than one version:\n  ${lines.join('\n  ')}`, {
    hint: 'Keep one python_wheel per distribution (one version) and point every dependent at it.',
  });
}

export function renderDistributions(dists: Distribution[]): string {
  if (dists.length === 0) return 'par audit: no python_wheel targets\n';
  const lines = dists.map((d) => `${d.name.padEnd(28)} ${d.versions.map((v) => `${v.version}  ${v.labels.join(' ')}`).join('; ')}`);
  return `par audit: ${dists.length} distribution${dists.length === 1 ? '' : 's'}, one version each\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

function queryWheels(workspace: string, patterns: string[]): string[] {
  const expr = `kind("python_wheel rule", ${patterns.map((p) => `"${p}"`).join(' + ')})`;
  const r = spawnSync(findBazel(), ['query', '--output=label', '--', expr], { cwd: workspace, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const why = (r.stderr ?? '').split('\n').filter((l) => /ERROR/.test(l)).join(' ').trim();
    throw new ParError('BAZEL_FAILED', `bazel query '${expr}' failed (exit ${r.status ?? r.signal})${why ? ': ' + why : ''}`);
  }
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

/** Canonical '//pkg:name' for the labels Bazel reports ('@//pkg:name' in newer versions). */
const canonical = (label: string) => label.replace(/^@@?\/\//, '//');

export async function audit(patterns: string[], json: boolean): Promise<string> {
  const ws = findWorkspace();
  // By default the in-tree wheels and those of every par_wheels hub the workspace declares.
  const labels = queryWheels(ws, patterns.length ? patterns : ['//...', ...declaredHubs(ws).map((h) => `@${h}//...`)]);
  const infos: WheelInfo[] = [];
  if (labels.length) {
    const built = bazelBuild(ws, labels);
    for (const t of built) {
      const file = t.outputs.find((o) => o.endsWith('.wheel.json'));
      if (!file) throw new ParError('BAZEL_FAILED', `the build of ${t.label} reported no wheel description (.wheel.json)`, { label: t.label });
      const info = readWheelInfo(file, t.label);
      infos.push({ ...info, label: canonical(info.label) });
    }
  }
  const dists = groupDistributions(infos);
  const out = json ? JSON.stringify({ distributions: dists }, null, 2) + '\n' : renderDistributions(dists);
  checkDistributions(dists);
  return out;
}
