// Import extraction from Python source, without a Python interpreter: the statement-level
// structure that decides what a file imports and under which guard. Validated against
// Python's own `ast` on every standard-library file of Python 3.8–3.13
// (tests/integration/imports-stdlib.test.ts, helper tests/helpers/ast_imports.py).
import { tokenize, TokenizeError, type Token } from './python-tokenize';

export interface PythonImport {
  /** 1-based line of the `import`/`from` keyword, or of the call. */
  line: number;
  /** 'import': `import a.b`; 'from': `from .a import x`; 'dynamic': `__import__("a")` etc. */
  kind: 'import' | 'from' | 'dynamic';
  /** Dotted module as written (without leading dots); '' for `from . import x`. */
  module: string;
  /** Number of leading dots of a relative import; 0 when absolute. */
  level: number;
  /** Imported names of a `from` import ('*' for a star import); absent otherwise. */
  names?: string[];
  /** For 'dynamic': the function called ('__import__', 'importlib.import_module' or 'import_module'). */
  call?: string;
  /** Inside the body of a try whose handlers catch ImportError (or a parent class), or in an ImportError handler. */
  optional: boolean;
  /** Inside `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): never executed at run time. */
  typeOnly: boolean;
  /**
   * In a branch of an if/elif/else chain whose tests read `version_info` or `hexversion`
   * (`if sys.version_info >= (3, 11): import tomllib / else: import tomli`): runs only on
   * some Pythons, so not required by the imports check.
   */
  versionGuarded: boolean;
}

export class PythonSyntaxError extends Error {
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

const COMPOUND = new Set(['if', 'elif', 'else', 'try', 'except', 'finally', 'for', 'while', 'with', 'def', 'class', 'async']);
/** Handler types whose presence makes a try body's imports optional. */
const GUARDING = new Set(['ImportError', 'ModuleNotFoundError', 'Exception', 'BaseException']);
/** Handlers whose body is an import fallback. */
const FALLBACK = new Set(['ImportError', 'ModuleNotFoundError']);

interface TryFrame { guarded: boolean }
interface Frame {
  col: number;
  typeOnly?: boolean;
  versionGuarded?: boolean;
  tryBody?: TryFrame;
  fallback?: boolean;
}

interface Pending { imp: PythonImport; tries: TryFrame[]; fallback: boolean }

/** Extracts every import of a Python source text. Throws PythonSyntaxError on broken lexical structure. */
export function extractImports(src: string): PythonImport[] {
  let tokens: Token[];
  try {
    tokens = tokenize(src);
  } catch (e) {
    if (e instanceof TokenizeError) throw new PythonSyntaxError(e.message);
    throw e;
  }
  const pending: Pending[] = [];
  let frames: Frame[] = [];
  const lastTryAt = new Map<number, TryFrame>();

  // Per column: whether the if/elif chain there so far has a version test (until a statement
  // other than elif/else appears at that column).
  const versionChainAt = new Map<number, boolean>();

  const record = (imp: Omit<PythonImport, 'optional' | 'typeOnly' | 'versionGuarded'>, ctx: Frame[]) => {
    const tries = ctx.filter((f) => f.tryBody).map((f) => f.tryBody!);
    pending.push({
      imp: { ...imp, optional: false, typeOnly: ctx.some((f) => f.typeOnly), versionGuarded: ctx.some((f) => f.versionGuarded) },
      tries,
      fallback: ctx.some((f) => f.fallback),
    });
  };

  let pos = 0;
  while (pos < tokens.length) {
    let end = pos;
    while (tokens[end].kind !== 'newline') end++;
    const lineToks = tokens.slice(pos, end);
    pos = end + 1;
    if (lineToks.length === 0) continue;
    const col = lineToks[0].indent ?? 0;
    frames = frames.filter((f) => f.col < col);
    for (const [c] of lastTryAt) if (c > col) lastTryAt.delete(c);
    for (const [c] of versionChainAt) if (c > col) versionChainAt.delete(c);
    const head = lineToks[0];
    if (!(head.kind === 'name' && (head.text === 'elif' || head.text === 'else'))) versionChainAt.delete(col);
    logicalLine(lineToks, col);
  }

  function logicalLine(toks: Token[], col: number): void {
    const first = toks[0];
    const isCompound =
      first.kind === 'name' &&
      (COMPOUND.has(first.text) || ((first.text === 'match' || first.text === 'case') && headerColon(toks) > 0));
    if (!isCompound || (first.text === 'async' && !['def', 'for', 'with'].includes(toks[1]?.text))) {
      simpleStatements(toks, frames);
      return;
    }
    const colon = headerColon(toks);
    if (colon < 0) throw new PythonSyntaxError(`line ${first.line}: '${first.text}' statement without ':'`, first.line);
    const header = toks.slice(0, colon);
    const body = toks.slice(colon + 1);
    const kw = first.text;
    // Header expressions run in the enclosing context.
    dynamicCalls(header, frames);
    const frame: Frame = { col };
    if ((kw === 'if' || kw === 'elif') && isTypeChecking(header.slice(1))) frame.typeOnly = true;
    if (kw === 'if' || kw === 'elif') {
      const chain = (kw === 'elif' && versionChainAt.get(col) === true) || readsVersion(header.slice(1));
      versionChainAt.set(col, chain);
      if (chain) frame.versionGuarded = true;
    } else if (kw === 'else' && versionChainAt.get(col) === true) {
      frame.versionGuarded = true;
    }
    if (kw === 'try') {
      const t: TryFrame = { guarded: false };
      lastTryAt.set(col, t);
      frame.tryBody = t;
    }
    if (kw === 'except') {
      const t = lastTryAt.get(col);
      const names = handlerNames(header.slice(header[1]?.text === '*' ? 2 : 1));
      if (t && (names === null || names.some((x) => GUARDING.has(x)))) t.guarded = true;
      if (names === null || names.some((x) => FALLBACK.has(x))) frame.fallback = true;
    }
    frames = [...frames, frame];
    if (body.length) simpleStatements(body, frames);
  }

  function simpleStatements(toks: Token[], ctx: Frame[]): void {
    let start = 0;
    let d = 0;
    for (let k = 0; k <= toks.length; k++) {
      const t = toks[k];
      if (t && t.kind === 'op') {
        if ('([{'.includes(t.text)) d++;
        else if (')]}'.includes(t.text)) d--;
      }
      if (k === toks.length || (d === 0 && t.kind === 'op' && t.text === ';')) {
        statement(toks.slice(start, k), ctx);
        start = k + 1;
      }
    }
  }

  function statement(toks: Token[], ctx: Frame[]): void {
    if (toks.length === 0) return;
    const first = toks[0];
    if (first.kind === 'name' && first.text === 'import') {
      importStatement(toks, ctx);
      return;
    }
    if (first.kind === 'name' && first.text === 'from' && toks.some((t) => t.kind === 'name' && t.text === 'import')) {
      fromStatement(toks, ctx);
      return;
    }
    dynamicCalls(toks, ctx);
  }

  function importStatement(toks: Token[], ctx: Frame[]): void {
    const line = toks[0].line;
    let k = 1;
    for (;;) {
      const [mod, next] = dotted(toks, k);
      if (!mod) throw new PythonSyntaxError(`line ${line}: bad import statement`, line);
      record({ line, kind: 'import', module: mod, level: 0 }, ctx);
      k = next;
      if (toks[k]?.text === 'as') k += 2;
      if (k >= toks.length) return;
      if (toks[k].text !== ',') throw new PythonSyntaxError(`line ${line}: bad import statement`, line);
      k++;
    }
  }

  function fromStatement(toks: Token[], ctx: Frame[]): void {
    const line = toks[0].line;
    let k = 1;
    let level = 0;
    while (toks[k]?.kind === 'op' && (toks[k].text === '.' || toks[k].text === '...')) {
      level += toks[k].text.length;
      k++;
    }
    let module = '';
    if (toks[k]?.text !== 'import') {
      const [mod, next] = dotted(toks, k);
      if (!mod) throw new PythonSyntaxError(`line ${line}: bad from-import`, line);
      module = mod;
      k = next;
    }
    if (toks[k]?.text !== 'import' || (level === 0 && !module)) throw new PythonSyntaxError(`line ${line}: bad from-import`, line);
    k++;
    const names: string[] = [];
    const rest = toks.slice(k).filter((t) => !(t.kind === 'op' && (t.text === '(' || t.text === ')')));
    for (let j = 0; j < rest.length; j++) {
      const t = rest[j];
      if (t.text === '*' || t.kind === 'name') {
        names.push(t.text);
        if (rest[j + 1]?.text === 'as') j += 2;
        if (j + 1 < rest.length && rest[j + 1].text !== ',') throw new PythonSyntaxError(`line ${line}: bad from-import`, line);
        j++;
      } else {
        throw new PythonSyntaxError(`line ${line}: bad from-import`, line);
      }
    }
    record({ line, kind: 'from', module, level, names }, ctx);
  }

  /** `__import__("m")`, `importlib.import_module("m")`, `import_module("m")` with a literal first argument. */
  function dynamicCalls(toks: Token[], ctx: Frame[]): void {
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k];
      if (t.kind !== 'name') continue;
      if (toks[k - 1]?.kind === 'op' && toks[k - 1].text === '.') continue;
      let call: string | undefined;
      let open = -1;
      if ((t.text === '__import__' || t.text === 'import_module') && toks[k + 1]?.text === '(') {
        call = t.text;
        open = k + 1;
      } else if (
        t.text === 'importlib' &&
        toks[k + 1]?.text === '.' &&
        toks[k + 2]?.kind === 'name' &&
        toks[k + 2].text === 'import_module' &&
        toks[k + 3]?.text === '('
      ) {
        call = 'importlib.import_module';
        open = k + 3;
      }
      if (!call || toks[open].kind !== 'op') continue;
      const value = literalArgument(toks, open + 1);
      if (value !== null) record({ line: t.line, kind: 'dynamic', module: value, level: 0, call }, ctx);
    }
  }

  for (const p of pending) p.imp.optional = p.fallback || p.tries.some((t) => t.guarded);
  return pending.map((p) => p.imp);
}

/** Index of the ':' ending a compound statement's header (depth 0, not a lambda's), or -1. */
function headerColon(toks: Token[]): number {
  let d = 0;
  let lambdas = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === 'op') {
      if ('([{'.includes(t.text)) d++;
      else if (')]}'.includes(t.text)) d--;
      else if (t.text === ':' && d === 0) {
        if (lambdas > 0) lambdas--;
        else return k;
      }
    } else if (t.kind === 'name' && t.text === 'lambda' && d === 0) lambdas++;
  }
  return -1;
}

function dotted(toks: Token[], k: number): [string, number] {
  if (toks[k]?.kind !== 'name') return ['', k];
  const parts = [toks[k].text];
  k++;
  while (toks[k]?.text === '.' && toks[k + 1]?.kind === 'name') {
    parts.push(toks[k + 1].text);
    k += 2;
  }
  return [parts.join('.'), k];
}

/** `TYPE_CHECKING` or `x.y.TYPE_CHECKING`, optionally parenthesised. */
function isTypeChecking(expr: Token[]): boolean {
  while (expr.length >= 2 && expr[0].text === '(' && expr[expr.length - 1].text === ')') expr = expr.slice(1, -1);
  if (expr.length === 0 || expr[expr.length - 1].text !== 'TYPE_CHECKING') return false;
  for (let k = 0; k < expr.length; k++) {
    if (k % 2 === 0 ? expr[k].kind !== 'name' : expr[k].text !== '.') return false;
  }
  return expr.length % 2 === 1;
}

/** True when an if/elif test reads the interpreter version: a name or attribute `version_info` or `hexversion`. */
function readsVersion(test: Token[]): boolean {
  return test.some((t) => t.kind === 'name' && (t.text === 'version_info' || t.text === 'hexversion'));
}

/** Last components of the exception names a handler catches; null for a bare `except:`; [] when not plain names. */
function handlerNames(expr: Token[]): string[] | null {
  const asAt = expr.findIndex((t) => t.kind === 'name' && t.text === 'as');
  if (asAt >= 0) expr = expr.slice(0, asAt);
  if (expr.length === 0) return null;
  if (expr[0].text === '(' && expr[expr.length - 1].text === ')') expr = expr.slice(1, -1);
  const out: string[] = [];
  let k = 0;
  while (k < expr.length) {
    const [name, next] = dotted(expr, k);
    if (!name) return [];
    out.push(name.split('.').pop()!);
    k = next;
    if (k < expr.length) {
      if (expr[k].text !== ',') return [];
      k++;
    }
  }
  return out;
}

/** The value of a first argument made only of (parenthesised, concatenated) plain str literals, else null. */
function literalArgument(toks: Token[], k: number): string | null {
  let parens = 0;
  while (toks[k]?.text === '(' && toks[k].kind === 'op') {
    parens++;
    k++;
  }
  let value = '';
  let any = false;
  while (toks[k]?.kind === 'string') {
    const v = stringValue(toks[k].text);
    if (v === null) return null;
    value += v;
    any = true;
    k++;
  }
  if (!any) return null;
  for (; parens > 0; parens--, k++) if (toks[k]?.text !== ')') return null;
  const after = toks[k]?.text;
  return after === ',' || after === ')' ? value : null;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

/** Decodes a str literal (not bytes); null for bytes literals. */
export function stringValue(lit: string): string | null {
  const m = /^([a-zA-Z]*)('''|"""|'|")/.exec(lit)!;
  const prefix = m[1].toLowerCase();
  if (prefix.includes('b')) return null;
  const q = m[2];
  const body = lit.slice(m[0].length, lit.length - q.length);
  if (prefix.includes('r') || !body.includes('\\')) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\}|.|\n)/g, (all, e: string) => {
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e];
    if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return all; // unknown escapes and \N{...} stay as written
  });
}
