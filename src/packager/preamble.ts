// The archive's first bytes: `#!/bin/sh`, a few data assignments, then the static launcher
// script (src/bootstrap/launcher.sh) that picks the interpreter and execs it.
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

/** `fast`: the archive will end with a launch blob (src/archive/launch-blob.ts), named by a par_fast line. */
export function launcherPreamble(script: string, opts: { first: string; minors: string[]; spec: string; bytecode?: BytecodeKey; fast?: boolean }): Buffer {
  const bc = opts.bytecode;
  for (const v of [opts.first, ...opts.minors, ...(bc ? [bc.build, bc.tag, bc.fingerprint] : [])]) {
    if (!SHELL_SAFE.test(v)) throw new Error(`internal: unsafe launcher value ${JSON.stringify(v)}`);
  }
  if (!/^[0-9.,<>=!~* ]*$/.test(opts.spec)) throw new Error(`internal: unsafe specifier ${JSON.stringify(opts.spec)}`);
  const data = [
    '#!/bin/sh',
    `par_first='${opts.first}'`,
    `par_minors='${opts.minors.join(' ')}'`,
    `par_spec='${opts.spec}'`,
    ...(bc ? [`par_build='${bc.build}'`, `par_tag='${bc.tag}'`, `par_fp='${bc.fingerprint}'`] : []),
    ...(opts.fast ? [FAST_PLACEHOLDER] : []),
  ].join('\n');
  return Buffer.from(`${data}\n${script.endsWith('\n') ? script : script + '\n'}`, 'utf8');
}
