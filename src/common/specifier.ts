// PEP 440 version specifiers, restricted to what makes sense for a Python interpreter
// version (release segments only). Parsed at build time into clauses the bootstrap
// evaluates with tuple comparisons, so launch pays no parsing.

export type Op = '==' | '!=' | '>=' | '<=' | '>' | '<';
/** [operator, release segments, wildcard (==3.11.* / !=3.11.*)] */
export type Clause = [Op, number[], boolean];

export class SpecifierError extends Error {}

const CLAUSE = /^(~=|===|==|!=|>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?$/;

/** Parses e.g. ">=3.8, <4" or "~=3.10". Throws SpecifierError naming the bad clause. */
export function parseSpecifier(spec: string): Clause[] {
  const parts = spec.split(',').map((p) => p.trim());
  if (spec.trim() === '') return [];
  const clauses: Clause[] = [];
  for (const part of parts) {
    const m = CLAUSE.exec(part);
    if (!m) {
      throw new SpecifierError(
        `'${part}' is not a version clause; write e.g. '>=3.8', '<3.13', '==3.11.*' or '~=3.10' (PEP 440, comma-separated)`,
      );
    }
    const [, op, ver, star] = m;
    const release = ver.split('.').map((n) => Number(n));
    const wildcard = star !== undefined;
    if (op === '===') throw new SpecifierError(`'${part}': arbitrary equality (===) cannot describe an interpreter version; use ==`);
    if (wildcard && op !== '==' && op !== '!=') {
      throw new SpecifierError(`'${part}': a trailing .* is only allowed with == and !=`);
    }
    if (op === '~=') {
      if (release.length < 2) throw new SpecifierError(`'${part}': ~= needs at least two release segments, e.g. ~=3.10`);
      // ~=X.Y.Z means >=X.Y.Z, ==X.Y.*
      clauses.push(['>=', release, false]);
      clauses.push(['==', release.slice(0, -1), true]);
      continue;
    }
    clauses.push([op as Op, release, wildcard]);
  }
  return clauses;
}

function pad(v: number[], n: number): number[] {
  return [...v, ...new Array(Math.max(0, n - v.length)).fill(0)].slice(0, Math.max(n, v.length));
}

function cmp(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  const x = pad(a, n);
  const y = pad(b, n);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/** Same semantics as the bootstrap's _satisfies (src/bootstrap/__par__/_boot.py). */
export function satisfies(clauses: Clause[], version: number[]): boolean {
  return clauses.every(([op, release, wildcard]) => {
    if (wildcard) {
      const eq = cmp(version.slice(0, release.length), release) === 0;
      return op === '==' ? eq : !eq;
    }
    const c = cmp(pad(version, 3), release);
    switch (op) {
      case '==': return c === 0;
      case '!=': return c !== 0;
      case '>=': return c >= 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '<': return c < 0;
    }
  });
}

/** The newest minor the launcher probes for; raise it as CPython releases appear. */
export const NEWEST_MINOR = 16;
export const OLDEST_MINOR = 6;

/** "3.X" minors with at least one micro release satisfying the clauses, newest first. */
export function compatibleMinors(clauses: Clause[]): string[] {
  const out: string[] = [];
  for (let minor = NEWEST_MINOR; minor >= OLDEST_MINOR; minor--) {
    for (let micro = 0; micro < 100; micro++) {
      if (satisfies(clauses, [3, minor, micro])) {
        out.push(`3.${minor}`);
        break;
      }
    }
  }
  return out;
}
