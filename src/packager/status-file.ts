// Bazel's workspace status files: one "KEY value" per line (value may contain spaces).
import { readFileSync } from 'node:fs';
import { ParError } from '../common/errors';

export function readStatusFile(file: string, label: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ParError('MISSING_FILE', `cannot read workspace status file ${file}: ${(e as Error).message}`, { label, file });
  }
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const sp = line.indexOf(' ');
    if (sp < 0) out.set(line.trim(), '');
    else out.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return out;
}
