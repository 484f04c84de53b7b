// The archive's first bytes: `#!/bin/sh`, the truncation guard, then a few data assignments
// and the static launcher script (src/bootstrap/launcher.sh) that picks the interpreter and
// execs it, all inside one `{ ... }`.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { ParError } from '../common/errors';
import { FAST_PLACEHOLDER } from '../archive/launch-blob';

const SHELL_SAFE = /^[A-Za-z0-9._/+-]+$/;

/** The interpreter a shebang names: "#!/usr/bin/env python3" -> "python3". */
export function preferredInterpreter(shebang: string, label: string): string {
  const words = shebang.slice(2).trim().split(/\s+/);
  let i = 0;
  if (words[0]?.endsWith('/env')) {
    i = 1;
    while (i < words.length && words[i].startsWith('-')) i++;
  }
  const name = words[i];
  if (!name || !SHELL_SAFE.test(name)) {
    throw new ParError('MANIFEST_INVALID', `shebang '${shebang}' does not name an interpreter the launcher can look for`, {
      label,
      hint: "Use e.g. '#!/usr/bin/env python3' or '#!/usr/bin/python3.11'.",
    });
  }
  return name;
}

/**
 * The order the launcher tries python3.X in: the build interpreter's minor first when it
 * qualifies (the shipped .pyc match it; any other minor compiles every module from source at
 * each launch, ~1 ms per 300 lines), then newest first.
 */
export function searchOrder(minors: string[], buildVersion: string): string[] {
  const build = buildVersion.split('.').slice(0, 2).join('.');
  return minors.includes(build) ? [build, ...minors.filter((m) => m !== build)] : minors;
}

/**
 * What the launcher's bytecode-cache line needs (src/bootstrap/__par__/_bytecode.py): the
 * build interpreter's minor and cache tag (whose .pyc the archive ships) and the fingerprint
 * that keys <cache>/bytecode/<fingerprint>-<cache_tag>/.
 */
export interface BytecodeKey {
  build: string;
  tag: string;
  fingerprint: string;
}

// A half-copied archive must never run (sh runs a script line by line, as it reads it): the
// second line arms an EXIT trap that names the cut, and everything else sits in one
// `{ ... }` that sh runs only once it has read all of it; a cut anywhere in the launcher text
// leaves it unclosed (a syntax error, then the trap). The launcher disarms the trap before it
// execs Python, whose -c line compares the archive's size with par_size before anything else
// runs (cuts in the zip). The size is filled in after the archive is written (writeSizeField).
const SIZE_FIELD = '; par_size=';
const SIZE_WIDTH = 13;
const GUARD =
  `trap 'echo "$0 is truncated or damaged ($(($(wc -c <"$0" 2>/dev/null || echo 0))) of $par_size bytes); copy it again" >&2; exit 1' EXIT` +
  `${SIZE_FIELD}${'0'.padEnd(SIZE_WIDTH)}`;

/**
 * launcher.sh as the archive carries it: without its comment lines. sh reads every byte of
 * the launcher at every start (~25 instructions a byte for dash), and half of the file is
 * comments. Lines inside a multi-line double-quoted string (the Python lines) are kept.
 */
export function launcherScript(text: string): string {
  let state: '' | '"' | "'" = '';
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (state === '' && /^\s*#/.test(line)) continue;
    out.push(line);
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (state === "'") {
        if (c === "'") state = '';
      } else if (c === '\\') {
        i++;
      } else if (state === '"') {
        if (c === '"') state = '';
      } else if (c === '"' || c === "'") {
        state = c;
      } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
        break; // a comment runs to the end of the line
      }
    }
  }
  return out.join('\n');
}

/** Single-quoted for sh: any text without a newline. */
function shQuote(v: string): string {
  return `'${v.replace(/'/g, "'\\''")}'`;
}

/**
 * `fast`: the archive will end with a launch blob (src/archive/launch-blob.ts), named by a par_fast line.
 * `label` names the target in the launcher's own interpreter errors.
 */
export function launcherPreamble(
  script: string,
  opts: { first: string; minors: string[]; spec: string; label?: string; bytecode?: BytecodeKey; fast?: boolean },
): Buffer {
  const bc = opts.bytecode;
  for (const v of [opts.first, ...opts.minors, ...(bc ? [bc.build, bc.tag, bc.fingerprint] : [])]) {
    if (!SHELL_SAFE.test(v)) throw new Error(`internal: unsafe launcher value ${JSON.stringify(v)}`);
  }
  if (!/^[0-9.,<>=!~* ]*$/.test(opts.spec)) throw new Error(`internal: unsafe specifier ${JSON.stringify(opts.spec)}`);
  if (opts.label !== undefined && /[\n\r\0]/.test(opts.label)) throw new Error(`internal: unsafe label ${JSON.stringify(opts.label)}`);
  const data = [
    '#!/bin/sh',
    GUARD,
    '{',
    `par_first='${opts.first}'`,
    `par_minors='${opts.minors.join(' ')}'`,
    `par_spec='${opts.spec}'`,
    ...(opts.label !== undefined ? [`par_label=${shQuote(opts.label)}`] : []),
    ...(bc ? [`par_build='${bc.build}'`, `par_tag='${bc.tag}'`, `par_fp='${bc.fingerprint}'`] : []),
    ...(opts.fast ? [FAST_PLACEHOLDER] : []),
  ].join('\n');
  const body = launcherScript(script);
  return Buffer.from(`${data}\n${body.endsWith('\n') ? body : body + '\n'}}\n`, 'utf8');
}

/** Where the digits of par_size start in an archive's first bytes, or -1 (an archive from before the guard). */
export function sizeFieldAt(head: Buffer): number {
  const line = head.indexOf('\n') + 1;
  const at = head.indexOf(SIZE_FIELD, line);
  const end = head.indexOf('\n', line);
  return line > 0 && at >= 0 && at < end ? at + SIZE_FIELD.length : -1;
}

/** Writes `file`'s own size into its par_size field (the packer's and the stamper's last step). */
export function writeSizeField(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    const head = Buffer.alloc(4096);
    const at = sizeFieldAt(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    if (at < 0) return;
    const { size } = fstatSync(fd);
    const bytes = Buffer.from(String(size).padEnd(SIZE_WIDTH), 'latin1');
    if (bytes.length !== SIZE_WIDTH) throw new Error(`internal: ${file} is too large for the launcher's size field`);
    if (writeSync(fd, bytes, 0, bytes.length, at) !== bytes.length) throw new Error(`short write patching ${file} at ${at}`);
  } finally {
    closeSync(fd);
  }
}
