// Reads the top-level rule calls of a BUILD file and edits attribute values in place, so
// everything gen does not manage (other rules, comments, formatting) stays byte-identical.

export interface ListItem { value: string; keep: boolean }

export interface Attr {
  name: string;
  /** Offsets of the value expression in the file text. */
  start: number;
  end: number;
  /** String list items when the value is a plain list of string literals; null otherwise (glob(), select(), variables). */
  items: ListItem[] | null;
  /** The value itself is a single string literal. */
  string: string | null;
  /** `# keep` after the value on its last line: gen leaves the attribute alone. */
  keep: boolean;
}

export interface RuleCall {
  kind: string;
  start: number;
  /** Offset just after the closing parenthesis. */
  end: number;
  /** `# keep` on the call's first line or on a comment line right above it. */
  keep: boolean;
  attrs: Map<string, Attr>;
  name: string | null;
}

const KEEP = /#\s*keep\b/;

/** Skips a string literal starting at i (quote char or triple); returns the index after it. */
function skipString(text: string, i: number): number {
  const q = text[i];
  const triple = text.startsWith(q.repeat(3), i);
  const close = triple ? q.repeat(3) : q;
  let j = i + close.length;
  while (j < text.length) {
    if (text[j] === '\\') j += 2;
    else if (text.startsWith(close, j)) return j + close.length;
    else j++;
  }
  return j;
}

function lineEnd(text: string, i: number): number {
  const e = text.indexOf('\n', i);
  return e < 0 ? text.length : e;
}

/** The first index from `i` (below `end`) that is not whitespace, a comma or a comment. */
function skipSeparators(text: string, i: number, end: number): number {
  while (i < end) {
    if (/\s|,/.test(text[i])) i++;
    else if (text[i] === '#') i = lineEnd(text, i);
    else break;
  }
  return i;
}

function unquote(lit: string): string | null {
  const m = /^(?:'([^'\\\n]*)'|"([^"\\\n]*)")$/.exec(lit.trim());
  return m ? (m[1] ?? m[2]) : null;
}

export function parseBuildFile(text: string): RuleCall[] {
  const calls: RuleCall[] = [];
  let i = 0;
  while (i < text.length) {
    const lineStart = i === 0 || text[i - 1] === '\n';
    const c = text[i];
    if (c === '#') {
      i = lineEnd(text, i);
      continue;
    }
    if (c === '"' || c === "'") {
      i = skipString(text, i);
      continue;
    }
    const m = lineStart ? /^([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(text.slice(i, i + 200)) : null;
    if (!m) {
      if (c === '(' || c === '[' || c === '{') i = skipBalanced(text, i);
      else i++;
      continue;
    }
    const open = i + m[0].length - 1;
    const close = skipBalanced(text, open);
    const prevLineStart = text.lastIndexOf('\n', i - 2) + 1;
    const prevLine = i > 0 ? text.slice(prevLineStart, i - 1) : '';
    const call: RuleCall = {
      kind: m[1],
      start: i,
      end: close,
      keep: KEEP.test(text.slice(open, lineEnd(text, open))) || (/^\s*#/.test(prevLine) && KEEP.test(prevLine)),
      attrs: parseArgs(text, open + 1, close - 1),
      name: null,
    };
    call.name = call.attrs.get('name')?.string ?? null;
    calls.push(call);
    i = close;
  }
  return calls;
}

/** From an opening bracket, the index after its matching close (strings and comments skipped). */
function skipBalanced(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i = skipString(text, i);
      continue;
    }
    if (c === '#') {
      i = lineEnd(text, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

function parseArgs(text: string, from: number, to: number): Map<string, Attr> {
  const attrs = new Map<string, Attr>();
  let i = from;
  for (;;) {
    i = skipSeparators(text, i, to);
    if (i >= to) break;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*/.exec(text.slice(i, i + 200));
    const vstart = m ? i + m[0].length : i;
    // The value runs to the next ',' at depth 0 or the end of the arguments.
    let j = vstart;
    while (j < to) {
      const d = text[j];
      if (d === '"' || d === "'") j = skipString(text, j);
      else if (d === '(' || d === '[' || d === '{') j = skipBalanced(text, j);
      else if (d === '#') j = lineEnd(text, j);
      else if (d === ',') break;
      else j++;
    }
    let vend = j;
    while (vend > vstart && /\s/.test(text[vend - 1])) vend--;
    // Trailing comments inside the span belong to the line, not the value.
    const value = text.slice(vstart, vend).replace(/\s*#[^\n]*$/, '');
    vend = vstart + value.length;
    if (m) {
      const after = text.slice(vend, lineEnd(text, vend));
      attrs.set(m[1], { name: m[1], start: vstart, end: vend, items: listItems(text, vstart, vend), string: unquote(value), keep: KEEP.test(after) });
    }
    i = j + 1;
  }
  return attrs;
}

function listItems(text: string, start: number, end: number): ListItem[] | null {
  const v = text.slice(start, end);
  if (!v.startsWith('[') || !v.endsWith(']')) return null;
  const items: ListItem[] = [];
  let i = start + 1;
  for (;;) {
    i = skipSeparators(text, i, end - 1);
    if (i >= end - 1) break;
    const c = text[i];
    if (c !== '"' && c !== "'") return null;
    const e = skipString(text, i);
    const value = unquote(text.slice(i, e));
    if (value === null) return null;
    const rest = text.slice(e, Math.min(lineEnd(text, e), end - 1));
    items.push({ value, keep: KEEP.test(rest) });
    i = e;
  }
  return items;
}

/** Buildifier's order for labels: local ':x' first, then '//...', then '@repo//...'. */
export function compareLabels(a: string, b: string): number {
  const phase = (s: string) => (s.startsWith(':') ? 0 : s.startsWith('//') ? 1 : s.startsWith('@') ? 2 : 0);
  return phase(a) - phase(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A string list as buildifier prints it at `indent` (the attribute's indentation). */
export function renderList(items: ListItem[], indent = '    '): string {
  if (items.length === 0) return '[]';
  if (items.length === 1 && !items[0].keep) return `[${JSON.stringify(items[0].value)}]`;
  const lines = items.map((it) => `${indent}    ${JSON.stringify(it.value)},${it.keep ? '  # keep' : ''}`);
  return `[\n${lines.join('\n')}\n${indent}]`;
}

export interface Edit { start: number; end: number; text: string }

export function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
