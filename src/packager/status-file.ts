// Bazel's workspace status files (bazel-out/stable-status.txt, volatile-status.txt): one
// "KEY value" per line, the value running to the end of the line (it may hold spaces).
// A key that appears twice keeps its last value, as Bazel's own stamping does.
import { readFileSync } from 'node:fs';
import { ParError } from '../common/errors';

export function parseStatus(text: string, file: string, label: string): Map<string, string> {
  const out = new Map<string, string>();
  const bad: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) return;
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      bad.push(`line ${i + 1}: '${line.length > 60 ? line.slice(0, 60) + '…' : line}' does not start with a KEY`);
      return;
    }
    out.set(key, sp < 0 ? '' : line.slice(sp + 1));
  });
  if (bad.length) {
    throw new ParError('STATUS_INVALID', `workspace status file ${file} is not "KEY value" lines: ${bad.join('; ')}`, {
      label,
      file,
      hint: 'Each line your --workspace_status_command prints must be a key, a space and a value.',
    });
  }
  return out;
}

export function readStatusFile(file: string, label: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ParError('MISSING_FILE', `cannot read workspace status file ${file}: ${(e as Error).message}`, { label, file });
  }
  return parseStatus(text, file, label);
}
