// PEP 508 requirements (Requires-Dist lines) and their environment markers. Markers are
// evaluated for the archive's targets: CPython on Linux, each Python minor the binary allows.
import { compareVersions, parseVersion } from './version';

export interface Requirement {
  raw: string;
  name: string;
  extras: string[];
  specifier: string;
  marker?: Marker;
}

export type Marker =
  | { op: 'and' | 'or'; left: Marker; right: Marker }
  | { op: string; lhs: Value; rhs: Value };
type Value = { variable: string } | { literal: string };

export class RequirementError extends Error {}

/** PEP 503 normalised distribution name: lower case, runs of -_. become one -. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*/;

export function parseRequirement(raw: string): Requirement {
  let rest = raw;
  let markerText: string | undefined;
  const semi = rest.indexOf(';');
  if (semi >= 0) {
    markerText = rest.slice(semi + 1);
    rest = rest.slice(0, semi);
  }
  const m = NAME.exec(rest);
  if (!m) throw new RequirementError(`'${raw}' does not start with a distribution name`);
  rest = rest.slice(m[0].length);
  let extras: string[] = [];
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) throw new RequirementError(`'${raw}': unclosed [extras]`);
    extras = rest.slice(1, end).split(',').map((s) => s.trim()).filter(Boolean);
    rest = rest.slice(end + 1);
  }
  rest = rest.trim();
  if (rest.startsWith('@')) throw new RequirementError(`'${raw}': URL requirements cannot be checked against bundled wheels`);
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1).trim();
  return { raw: raw.trim(), name: m[1], extras, specifier: rest, marker: markerText === undefined ? undefined : parseMarker(markerText, raw) };
}

const TOKEN = /\s*(\(|\)|'[^']*'|"[^"]*"|===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b|and\b|or\b|[A-Za-z_][A-Za-z0-9_.]*)/y;

function tokenize(text: string, raw: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw new RequirementError(`'${raw}': cannot parse the marker near '${text.slice(pos).trim()}'`);
    out.push(m[1].replace(/\s+/g, ' '));
    pos = TOKEN.lastIndex;
  }
  return out;
}

function parseMarker(text: string, raw: string): Marker {
  const toks = tokenize(text, raw);
  let i = 0;
  const fail = (): never => {
    throw new RequirementError(`'${raw}': malformed environment marker`);
  };
  const value = (): Value => {
    const t = toks[i++] ?? fail();
    if (t.startsWith('"') || t.startsWith("'")) return { literal: t.slice(1, -1) };
    if (/^[A-Za-z_]/.test(t) && !['and', 'or', 'in', 'not in'].includes(t)) return { variable: t };
    return fail();
  };
  const atom = (): Marker => {
    if (toks[i] === '(') {
      i++;
      const m = or();
      if (toks[i++] !== ')') fail();
      return m;
    }
    const lhs = value();
    const op = toks[i++] ?? fail();
    if (!['===', '==', '!=', '<=', '>=', '~=', '<', '>', 'in', 'not in'].includes(op)) fail();
    return { op, lhs, rhs: value() };
  };
  const and = (): Marker => {
    let left = atom();
    while (toks[i] === 'and') {
      i++;
      left = { op: 'and', left, right: atom() };
    }
    return left;
  };
  const or = (): Marker => {
    let left = and();
    while (toks[i] === 'or') {
      i++;
      left = { op: 'or', left, right: and() };
    }
    return left;
  };
  const m = or();
  if (i !== toks.length) fail();
  return m;
}

export type Environment = Record<string, string>;

/** The environment of a CPython 3.X on Linux (the platforms archives target). */
export function linuxEnvironment(minor: string, machine = 'x86_64'): Environment {
  return {
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_machine: machine,
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    python_version: minor,
    python_full_version: `${minor}.0`,
    implementation_version: `${minor}.0`,
    platform_release: '',
    platform_version: '',
    extra: '',
  };
}

const VERSION_VARS = new Set(['python_version', 'python_full_version', 'implementation_version']);

export function evaluateMarker(m: Marker, env: Environment): boolean {
  if (m.op === 'and' || m.op === 'or') {
    const b = m as { op: 'and' | 'or'; left: Marker; right: Marker };
    return m.op === 'and' ? evaluateMarker(b.left, env) && evaluateMarker(b.right, env) : evaluateMarker(b.left, env) || evaluateMarker(b.right, env);
  }
  const c = m as { op: string; lhs: Value; rhs: Value };
  const get = (v: Value) => ('literal' in v ? v.literal : env[v.variable] ?? '');
  const [l, r] = [get(c.lhs), get(c.rhs)];
  const versiony = ('variable' in c.lhs && VERSION_VARS.has(c.lhs.variable)) || ('variable' in c.rhs && VERSION_VARS.has(c.rhs.variable));
  if (c.op === 'in') return r.includes(l);
  if (c.op === 'not in') return !r.includes(l);
  const [vl, vr] = [parseVersion(l), parseVersion(r)];
  if (versiony && vl && vr) {
    const k = compareVersions(vl, vr);
    switch (c.op) {
      case '==': case '===': return k === 0;
      case '!=': return k !== 0;
      case '<': return k < 0;
      case '<=': return k <= 0;
      case '>': return k > 0;
      case '>=': return k >= 0;
      case '~=': return k >= 0;
    }
  }
  const le = 'variable' in c.lhs && c.lhs.variable === 'extra' ? normalizeName(l) : l;
  const re = 'variable' in c.rhs && c.rhs.variable === 'extra' ? normalizeName(r) : r;
  switch (c.op) {
    case '==': case '===': return le === re;
    case '!=': return le !== re;
    case '<': return le < re;
    case '<=': return le <= re;
    case '>': return le > re;
    case '>=': return le >= re;
    default: return false;
  }
}
