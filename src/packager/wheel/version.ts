// PEP 440 versions and specifiers for third-party distributions (Requires-Dist checks at
// build time). Unlike src/common/specifier.ts, which covers interpreter versions only, this
// handles epochs, pre/post/dev releases, local versions, ~= and ===.

export interface Version {
  epoch: number;
  release: number[];
  pre?: [string, number];
  post?: number;
  dev?: number;
  local?: string;
}

const VERSION =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const v: Version = { epoch: m[1] ? Number(m[1]) : 0, release: m[2].split('.').map(Number) };
  if (m[3]) {
    const l = m[3].toLowerCase();
    v.pre = [l === 'alpha' ? 'a' : l === 'beta' ? 'b' : l === 'c' || l === 'pre' || l === 'preview' ? 'rc' : l, Number(m[4] || 0)];
  }
  if (m[5] !== undefined) v.post = Number(m[5]);
  else if (m[6]) v.post = Number(m[7] || 0);
  if (m[8]) v.dev = Number(m[9] || 0);
  if (m[10]) v.local = m[10].toLowerCase().replace(/[-_]/g, '.');
  return v;
}

function cmpRelease(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// Sort keys as in packaging.version: dev-only releases sort before pre-releases, etc.
function preKey(v: Version): [number, number] {
  if (v.pre) return [['a', 'b', 'rc'].indexOf(v.pre[0]), v.pre[1]];
  if (v.post === undefined && v.dev !== undefined) return [-2, 0];
  return [9, 0];
}

export function compareVersions(a: Version, b: Version): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const r = cmpRelease(a.release, b.release);
  if (r) return r;
  const [pa, pb] = [preKey(a), preKey(b)];
  if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
  if (pa[1] !== pb[1]) return pa[1] < pb[1] ? -1 : 1;
  const [qa, qb] = [a.post ?? -1, b.post ?? -1];
  if (qa !== qb) return qa < qb ? -1 : 1;
  const [da, db] = [a.dev ?? Infinity, b.dev ?? Infinity];
  if (da !== db) return da < db ? -1 : 1;
  const [la, lb] = [a.local ?? '', b.local ?? ''];
  return la === lb ? 0 : la < lb ? -1 : 1;
}

export class VersionSpecError extends Error {}

const CLAUSE = /^(~=|===|==|!=|>=|<=|>|<)\s*(\S+?)\s*$/;

function withoutLocal(v: Version): Version {
  return { ...v, local: undefined };
}

/** True if `version` satisfies every comma-separated clause of `spec` (empty spec: any). */
export function specifierMatches(spec: string, version: string): boolean {
  const have = parseVersion(version);
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = CLAUSE.exec(raw);
    if (!m) throw new VersionSpecError(`'${raw}' is not a PEP 440 version clause`);
    const [, op, target] = m;
    if (op === '===') {
      if (version.trim().toLowerCase() !== target.toLowerCase()) return false;
      continue;
    }
    if (!have) return false;
    if (target.endsWith('.*')) {
      const want = parseVersion(target.slice(0, -2));
      if (!want || (op !== '==' && op !== '!=')) throw new VersionSpecError(`'${raw}': a trailing .* needs == or !=`);
      const prefix = have.epoch === want.epoch && cmpRelease(have.release.slice(0, want.release.length), want.release) === 0;
      if ((op === '==') !== prefix) return false;
      continue;
    }
    const want = parseVersion(target);
    if (!want) throw new VersionSpecError(`'${raw}': '${target}' is not a PEP 440 version`);
    const c = compareVersions(want.local ? have : withoutLocal(have), want);
    let ok: boolean;
    switch (op) {
      case '==': ok = c === 0; break;
      case '!=': ok = c !== 0; break;
      case '>=': ok = c >= 0; break;
      case '<=': ok = c <= 0; break;
      case '>': ok = c > 0; break;
      case '<': ok = c < 0; break;
      default: {
        // ~=X.Y.Z: >=X.Y.Z and ==X.Y.*
        if (want.release.length < 2) throw new VersionSpecError(`'${raw}': ~= needs at least two release segments`);
        const prefix = want.release.slice(0, -1);
        ok = c >= 0 && have.epoch === want.epoch && cmpRelease(have.release.slice(0, prefix.length), prefix) === 0;
      }
    }
    if (!ok) return false;
  }
  return true;
}
