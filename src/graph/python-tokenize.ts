// A Python tokenizer that knows just enough of the grammar to find import statements
// exactly: strings (all prefixes, triple quotes, PEP 701 f-strings with nested quotes and
// format specs), comments, line continuations, brackets, logical lines and indentation.
// Numbers and operators are kept coarse; only names, strings, brackets and a few
// punctuation marks matter to the statement scanner (python-imports.ts).

export type TokenKind = 'name' | 'op' | 'string' | 'fstring' | 'number' | 'newline';

export interface Token {
  kind: TokenKind;
  /** Source text; for 'string' the whole literal with prefix and quotes. */
  text: string;
  /** 1-based line of the token's first character. */
  line: number;
  /** Indentation column of the logical line this token starts (only on a line's first token). */
  indent?: number;
}

const NAME_START = /[\p{L}\p{Nl}_\u1885\u1886\u2118\u212e\u309b\u309c]/u;
const NAME_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_\u00b7\u0387\u1369-\u1371\u19da\u1885\u1886\u2118\u212e\u309b\u309c]/u;
const OPS3 = ['**=', '//=', '>>=', '<<=', '...', '!='];
const OPS2 = ['->', ':=', '==', '<=', '>=', '**', '//', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@='];
const STRING_PREFIX = /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])?$/;

export class TokenizeError extends Error {}

interface FStringFrame {
  quote: string; // ' " ''' or """
  raw: boolean;
  /** Bracket depth inside the current replacement field; -1 while in literal text. */
  depth: number;
  /** true while scanning a format spec (literal text that a '}' ends and '{' nests into). */
  spec: boolean;
  /** A replacement field nested in a format spec: its '}' returns to the spec. */
  nested?: boolean;
}

/**
 * Tokenizes Python source. Emits a 'newline' token at the end of each logical line and
 * records the indentation column on the first token of each logical line.
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let depth = 0; // bracket depth in ordinary code
  let atLineStart = true;
  let pendingIndent = 0;
  const fstack: FStringFrame[] = [];
  const n = src.length;

  const push = (kind: TokenKind, text: string, tline: number) => {
    const t: Token = { kind, text, line: tline };
    if (atLineStart) {
      t.indent = pendingIndent;
      atLineStart = false;
    }
    out.push(t);
  };

  // Scans one non-f string literal starting at the opening quote; returns end index.
  const scanString = (start: number, raw: boolean): number => {
    let j = start;
    const q = src[j];
    const triple = src.startsWith(q + q + q, j);
    const close = triple ? q + q + q : q;
    j += close.length;
    for (;;) {
      if (j >= n) throw new TokenizeError(`unterminated string starting on line ${lineAt(start)}`);
      const c = src[j];
      if (c === '\\') {
        if (src[j + 1] === '\n') line++;
        j += 2;
        continue;
      }
      if (c === '\n') {
        if (!triple) throw new TokenizeError(`unterminated string on line ${line}`);
        line++;
      }
      if (src.startsWith(close, j)) return j + close.length;
      j++;
    }
    void raw;
  };
  const lineAt = (pos: number) => src.slice(0, pos).split('\n').length;

  // Literal text of an f-string (or a format spec): returns when a field opens ('{'),
  // the string closes, or (in a spec) the field closes.
  const scanFStringText = (f: FStringFrame): 'field' | 'closed' | 'specEnd' => {
    for (;;) {
      if (i >= n) throw new TokenizeError(`unterminated f-string`);
      const c = src[i];
      if (!f.spec && src.startsWith(f.quote, i)) {
        i += f.quote.length;
        return 'closed';
      }
      if (c === '\\') {
        if (!f.raw && src[i + 1] === 'N' && src[i + 2] === '{') {
          const e = src.indexOf('}', i);
          i = e < 0 ? n : e + 1;
          continue;
        }
        if (src[i + 1] === '{' || src[i + 1] === '}') {
          i++;
          continue;
        }
        if (src[i + 1] === '\n') line++;
        i += 2;
        continue;
      }
      if (c === '\n') {
        if (f.quote.length === 1 && !f.spec) throw new TokenizeError(`unterminated f-string on line ${line}`);
        line++;
      }
      if (c === '{') {
        if (!f.spec && src[i + 1] === '{') {
          i += 2;
          continue;
        }
        i++;
        return 'field';
      }
      if (c === '}') {
        if (f.spec) {
          i++;
          return 'specEnd';
        }
        i += src[i + 1] === '}' ? 2 : 1;
        continue;
      }
      i++;
    }
  };

  // Called whenever the top frame is in literal text (after an f-string opener, after a
  // field or spec closes): scans text until a field opens or the string closes.
  const continueFString = () => {
    for (;;) {
      const f = fstack[fstack.length - 1];
      const r = scanFStringText(f);
      if (r === 'field') {
        if (f.spec) fstack.push({ quote: f.quote, raw: f.raw, depth: 0, spec: false, nested: true });
        else f.depth = 0;
        return;
      }
      if (r === 'closed') {
        fstack.pop();
        return;
      }
      // specEnd: the '}' closed the field that owns this spec.
      fstack.pop();
      endField();
      if (fstack[fstack.length - 1].depth >= 0) return;
    }
  };
  // The field of the top frame ended: a nested field returns to its spec, else to text.
  const endField = () => {
    const f = fstack[fstack.length - 1];
    if (f.nested) fstack.pop();
    else f.depth = -1;
  };

  const inFStringCode = () => fstack.length > 0 && fstack[fstack.length - 1].depth >= 0;

  while (i < n) {
    const c = src[i];
    // Indentation at the start of a physical line in ordinary code.
    if (atLineStart && depth === 0 && !inFStringCode()) {
      let col = 0;
      let j = i;
      while (j < n) {
        const d = src[j];
        if (d === ' ') col++;
        else if (d === '\t') col = (Math.floor(col / 8) + 1) * 8;
        else if (d === '\f') col = 0;
        else break;
        j++;
      }
      i = j;
      if (i >= n) break;
      const d = src[i];
      if (d === '\n' || d === '#' || (d === '\r' && src[i + 1] === '\n')) {
        // Blank or comment-only line: no indentation, no NEWLINE.
        const e = src.indexOf('\n', i);
        i = e < 0 ? n : e + 1;
        line++;
        continue;
      }
      if (d === '\\' && (src[i + 1] === '\n' || src.startsWith('\r\n', i + 1))) {
        // A continuation right after indentation keeps the column and joins the next line.
        i += src[i + 1] === '\n' ? 2 : 3;
        line++;
        pendingIndent = col;
        // keep atLineStart so the next physical line's first token gets this indent
        const save = col;
        let k = i;
        while (k < n && (src[k] === ' ' || src[k] === '\t' || src[k] === '\f')) k++;
        i = k;
        pendingIndent = save;
        atLineStart = true;
        // fall through to normal scanning without recomputing indentation
        scanOne();
        continue;
      }
      pendingIndent = col;
    }
    void c;
    scanOne();
  }
  if (out.length && out[out.length - 1].kind !== 'newline') out.push({ kind: 'newline', text: '', line });
  return out;

  function scanOne(): void {
    if (i >= n) return;
    const c = src[i];
    const fcode = inFStringCode();
    const f = fcode ? fstack[fstack.length - 1] : undefined;
    if (c === '\n') {
      line++;
      i++;
      if (depth === 0 && !fcode && !atLineStart) {
        out.push({ kind: 'newline', text: '\n', line: line - 1 });
        atLineStart = true;
      }
      return;
    }
    if (c === ' ' || c === '\t' || c === '\f' || c === '\r') {
      i++;
      return;
    }
    if (c === '\\' && (src[i + 1] === '\n' || src.startsWith('\r\n', i + 1))) {
      i += src[i + 1] === '\n' ? 2 : 3;
      line++;
      return;
    }
    if (c === '#') {
      const e = src.indexOf('\n', i);
      i = e < 0 ? n : e;
      return;
    }
    if (f) {
      // Inside a replacement field: '}' or ':' at the field's own depth end the expression.
      if (f.depth === 0 && c === '}') {
        i++;
        endField();
        continueFString();
        return;
      }
      if (f.depth === 0 && c === ':') {
        i++;
        fstack.push({ quote: f.quote, raw: f.raw, depth: -1, spec: true });
        continueFString();
        return;
      }
      if (f.depth === 0 && c === '!' && src[i + 1] !== '=') {
        i++;
        push('op', '!', line);
        return;
      }
    }
    if (NAME_START.test(c) || c.charCodeAt(0) >= 0xd800) {
      let j = i + 1;
      while (j < n) {
        const cp = src.codePointAt(j)!;
        const ch = String.fromCodePoint(cp);
        if (!NAME_PART.test(ch)) break;
        j += ch.length;
      }
      const word = src.slice(i, j);
      const q = src[j];
      if ((q === '"' || q === "'") && STRING_PREFIX.test(word)) {
        const tline = line;
        const lower = word.toLowerCase();
        if (lower.includes('f')) {
          const triple = src.startsWith(q + q + q, j);
          const quote = triple ? q + q + q : q;
          i = j + quote.length;
          push('fstring', word + quote, tline);
          fstack.push({ quote, raw: lower.includes('r'), depth: -1, spec: false });
          continueFString();
          return;
        }
        const e = scanString(j, lower.includes('r'));
        push('string', src.slice(i, e), tline);
        i = e;
        return;
      }
      push('name', word, line);
      i = j;
      return;
    }
    if (c === '"' || c === "'") {
      const tline = line;
      const e = scanString(i, false);
      push('string', src.slice(i, e), tline);
      i = e;
      return;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n) {
        const d = src[j];
        if (/[0-9a-zA-Z_.]/.test(d)) j++;
        else if ((d === '+' || d === '-') && /[eE]/.test(src[j - 1]) && !/^0[xX]/.test(src.slice(i, j))) j++;
        else break;
      }
      push('number', src.slice(i, j), line);
      i = j;
      return;
    }
    const op = OPS3.find((o) => src.startsWith(o, i)) ?? OPS2.find((o) => src.startsWith(o, i)) ?? c;
    if (op === '(' || op === '[' || op === '{') {
      if (f) f.depth++;
      else depth++;
    } else if (op === ')' || op === ']' || op === '}') {
      if (f) f.depth = Math.max(0, f.depth - 1);
      else depth = Math.max(0, depth - 1);
    }
    push('op', op, line);
    i += op.length;
  }
}
