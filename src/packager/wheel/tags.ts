// Wheel file names (PEP 427) and compatibility tags (PEP 425): which Python minors a wheel
// can run on (decided at build time, so the launcher looks for a fitting interpreter before
// Python starts) and what the bootstrap must still check at launch (ABI and platform).

export interface WheelName {
  distribution: string;
  version: string;
  build?: string;
  python: string[];
  abi: string[];
  platform: string[];
}

export type Tag = [string, string, string];

export function parseWheelFilename(filename: string): WheelName | undefined {
  if (!filename.endsWith('.whl')) return undefined;
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [distribution, version] = parts;
  const [py, abi, plat] = parts.slice(-3);
  if (!distribution || !version || !py || !abi || !plat) return undefined;
  return {
    distribution,
    version,
    build: parts.length === 6 ? parts[2] : undefined,
    python: py.split('.'),
    abi: abi.split('.'),
    platform: plat.split('.'),
  };
}

/** Every (python, abi, platform) triple a compressed tag set stands for, sorted. */
export function expandTags(w: Pick<WheelName, 'python' | 'abi' | 'platform'>): Tag[] {
  const out: Tag[] = [];
  for (const p of w.python) for (const a of w.abi) for (const pl of w.platform) out.push([p, a, pl]);
  return out.sort((x, y) => (x.join('-') < y.join('-') ? -1 : 1));
}

/** True if a tag can only be judged at launch (a specific ABI or platform). */
export function needsLaunchCheck(t: Tag): boolean {
  return t[1] !== 'none' || t[2] !== 'any';
}

/** Python 3 minors (e.g. 11 for 3.11) the tag's python part allows, among `minors`. */
function minorsForTag(t: Tag, minors: number[]): number[] {
  const [py, abi] = t;
  const m = /^(py|cp|pp|ip|jy)(\d)(\d*)$/.exec(py);
  if (!m) return [];
  const [, impl, major, minorText] = m;
  if (major !== '3') return [];
  if (impl !== 'py' && impl !== 'cp') return []; // archives run on CPython
  if (!minorText) return minors; // py3
  const minor = Number(minorText);
  // cp3X with a cp3X ABI is exactly 3.X; py3X and abi3 / none wheels run on 3.X and later.
  const exact = impl === 'cp' && abi !== 'abi3' && abi !== 'none';
  return minors.filter((n) => (exact ? n === minor : n >= minor));
}

/** The minors among `minors` on which at least one of the wheel's tags may work. */
export function wheelMinors(tags: Tag[], minors: number[]): number[] {
  const ok = new Set<number>();
  for (const t of tags) for (const n of minorsForTag(t, minors)) ok.add(n);
  return minors.filter((n) => ok.has(n));
}

/** "CPython 3.11 (ABI cp311) on manylinux_2_17_x86_64": what a tag asks of the interpreter. */
export function describeTag(t: Tag): string {
  const [py, abi, plat] = t;
  const m = /^(py|cp)(\d)(\d*)$/.exec(py);
  const impl = m ? (m[1] === 'cp' ? 'CPython' : 'Python') : py;
  const ver = m ? (m[3] ? `${m[2]}.${m[3]}` : m[2]) : '';
  const exact = m && m[1] === 'cp' && abi !== 'abi3' && abi !== 'none';
  const pyText = `${impl} ${ver}${exact || !m || !m[3] ? '' : ' or later'}`.trim();
  const abiText = abi === 'none' ? '' : ` (ABI ${abi})`;
  const platText = plat === 'any' ? '' : ` on ${plat}`;
  return `${pyText}${abiText}${platText}`;
}
