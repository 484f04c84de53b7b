// python_wheel(wheels = [...]): several builds (variants) of one distribution at one version.
// Every variant is bundled under its own directory; the closure checks (one version per
// distribution, Requires-Dist, the Pythons the archive can run on) see one distribution whose
// tags are all the variants' tags, and the bootstrap picks the variant that fits the running
// interpreter (src/bootstrap/__par__/_wheels.py).
import type { WheelInfo } from '../../archive/wheel-info';
import { describeTag } from './tags';

/** A wheel of a binary's closure; `variant`: one of several builds of its label. */
export type BundledWheel = WheelInfo & { variant?: boolean };

/** The key of one bundled file: the label, plus the file name for a variant. */
export function wheelId(w: BundledWheel): string {
  return w.variant ? `${w.label} ${w.filename}` : w.label;
}

/** Natural order ('cp38' before 'cp310'), so a wheel's builds are listed by Python version. */
export function naturalCompare(a: string, b: string): number {
  const x = a.split(/(\d+)/);
  const y = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    if (i % 2 === 1) return Number(x[i]) - Number(y[i]) || (x[i] < y[i] ? -1 : 1);
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/** The wheels of each label together (input sorted by name, then file name). */
export function groupByLabel(wheels: BundledWheel[]): BundledWheel[][] {
  const groups = new Map<string, BundledWheel[]>();
  for (const w of wheels) groups.set(w.label, [...(groups.get(w.label) ?? []), w]);
  return [...groups.values()];
}

/** One description standing for all variants of a label: their tags and requirements together. */
export function mergedView(group: BundledWheel[]): WheelInfo {
  if (group.length === 1) return group[0];
  return {
    ...group[0],
    filename: group.map((w) => w.filename).join(', '),
    tags: group.flatMap((w) => w.tags),
    requires_dist: [...new Set(group.flatMap((w) => w.requires_dist))],
  };
}

/** What a wheel asks of the interpreter, e.g. "CPython 3.11 (ABI cp311) on linux_x86_64". */
export function serves(w: WheelInfo): string {
  return [...new Set(w.tags.map(describeTag))].join(' or ') || 'any Python';
}
