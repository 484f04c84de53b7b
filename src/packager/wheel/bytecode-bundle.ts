// A python_wheel target's bytecode, compiled once per wheel and toolchain (`par
// wheel-bytecode`, action ParWheelBytecode) and read by every binary's pack: before it,
// each binary compiled its wheels' modules again in its own pack action (numpy: ~265 modules,
// most of a 1.4 s CPU pack), and again whenever anything else in the binary changed.
//
// File format: a first line `par-wheel-bytecode-1`, a JSON line
// {"label", "cache_tag", "entries": [[install path, .pyc size], ...]}, then the .pyc bytes
// one after another in that order. Not a zip: the packer deflates them with the rest.
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../../common/errors';
import { compileWheelSources } from './bytecode';
import { wheelDir } from './bundle';
import { readWheelInfo } from '../../archive/wheel-info';
import { wheelMinors } from './tags';

const MAGIC = 'par-wheel-bytecode-1';

const Header = z.object({
  label: z.string(),
  cache_tag: z.string(),
  entries: z.array(z.tuple([z.string().min(1), z.number().int().nonnegative()])),
}).strict();

export interface WheelBytecodeArgs {
  wheel: string;
  info: string;
  label: string;
  python: string;
  pythonVersion: string;
  cacheTag: string;
  compiler: string;
  out: string;
  /** One of several builds of the label: its own directory in the archive (variants.ts). */
  variant?: boolean;
}

/** Compiles one wheel's modules (none when its tags rule out the toolchain's minor) into a bundle file. */
export async function writeWheelBytecode(a: WheelBytecodeArgs): Promise<void> {
  const info = readWheelInfo(a.info, a.label);
  const minor = Number(a.pythonVersion.split('.')[1]);
  const compiled = wheelMinors(info.tags, [minor]).length
    ? await compileWheelSources(info, a.wheel, wheelDir({ ...info, variant: a.variant }), a.python, a.compiler, a.label)
    : new Map<string, Buffer>();
  const entries = [...compiled].map(([path, pyc]) => [path, pyc.length] as [string, number]);
  const header = JSON.stringify({ label: a.label, cache_tag: a.cacheTag, entries });
  writeFileSync(a.out, Buffer.concat([Buffer.from(`${MAGIC}\n${header}\n`, 'utf8'), ...compiled.values()]));
}

/**
 * A bundle's .pyc by install path, or undefined when it was made for another interpreter
 * than this binary's (the binary then compiles the wheel itself). Anything malformed is an
 * error naming the wheel and the file.
 */
export function readWheelBytecode(file: string, label: string, cacheTag: string): Map<string, Buffer> | undefined {
  const bad = (why: string) =>
    new ParError('MANIFEST_INVALID', `${file} is not a wheel bytecode bundle: ${why}`, { label, file, hint: 'Rebuild the python_wheel target.' });
  const data = readFileSync(file);
  const first = data.indexOf(10);
  const second = first < 0 ? -1 : data.indexOf(10, first + 1);
  if (second < 0 || data.toString('latin1', 0, first) !== MAGIC) throw bad(`it does not start with ${MAGIC}`);
  let parsed: z.infer<typeof Header>;
  try {
    parsed = Header.parse(JSON.parse(data.toString('utf8', first + 1, second)));
  } catch (e) {
    throw bad(e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message);
  }
  if (parsed.label !== label) throw bad(`it is the bytecode of ${parsed.label}`);
  if (parsed.cache_tag !== cacheTag) return undefined;
  const out = new Map<string, Buffer>();
  let at = second + 1;
  for (const [path, size] of parsed.entries) {
    if (at + size > data.length) throw bad(`${path} (${size} bytes at ${at}) runs past its end (${data.length} bytes)`);
    out.set(path, data.subarray(at, at + size));
    at += size;
  }
  if (at !== data.length) throw bad(`${data.length - at} bytes after the last entry`);
  return out;
}
