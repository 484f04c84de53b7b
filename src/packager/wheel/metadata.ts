// The text files of a wheel's .dist-info: METADATA and WHEEL (email-header format, RFC 822
// with continuation lines) and RECORD (CSV: path,sha256=<urlsafe-b64>,size).

/** Header fields in order; repeated fields (Requires-Dist, Tag) keep every value. Stops at the body. */
export function parseHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: [string, number] | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line === '') break; // the body (long description) follows the first blank line
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      const values = out.get(last[0])!;
      values[last[1]] += '\n' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = out.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    out.set(key, values);
    last = [key, values.length - 1];
  }
  return out;
}

export interface RecordRow {
  path: string;
  hash?: { algorithm: string; digest: string };
  size?: number;
}

/** Splits one CSV line (RECORD uses Python's csv module: quotes only when needed). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

export function parseRecord(text: string): { rows: RecordRow[]; problems: string[] } {
  const rows: RecordRow[] = [];
  const problems: string[] = [];
  text.replace(/\r\n?/g, '\n').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const [path, hash, size] = csvFields(line);
    if (!path) {
      problems.push(`RECORD line ${i + 1} has no path`);
      return;
    }
    const row: RecordRow = { path };
    if (hash) {
      const eq = hash.indexOf('=');
      if (eq <= 0) problems.push(`RECORD line ${i + 1}: hash '${hash}' is not of the form algorithm=digest`);
      else row.hash = { algorithm: hash.slice(0, eq), digest: hash.slice(eq + 1) };
    }
    if (size) row.size = Number(size);
    rows.push(row);
  });
  return { rows, problems };
}

/** The RECORD digest form: urlsafe base64 without padding. */
export function recordDigest(hex: Buffer): string {
  return hex.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
