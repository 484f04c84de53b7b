// Decodes Python source bytes as the interpreter does (PEP 263): a UTF-8 BOM, or a coding
// cookie on line 1 or 2, else UTF-8. Encodings Node cannot decode fall back to latin-1,
// which keeps every ASCII byte (all of Python's syntax) in place.

const COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

export function decodePythonSource(buf: Buffer): string {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  const head = buf.subarray(0, 400).toString('latin1').split('\n').slice(0, 2);
  let enc = 'utf-8';
  for (const [k, l] of head.entries()) {
    const m = COOKIE.exec(l);
    if (m) {
      enc = m[1].toLowerCase().replace(/_/g, '-');
      break;
    }
    // The cookie may only sit on line 2 if line 1 is blank or a comment.
    if (k === 0 && !/^[ \t\f]*(#.*)?\r?$/.test(l)) break;
  }
  if (enc === 'utf-8' || enc === 'utf8' || enc.startsWith('utf-8-')) return buf.toString('utf8');
  try {
    return new TextDecoder(enc).decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}
