// The wheel description the python_wheel action writes (one JSON file per wheel) and the
// pack action reads. Validated with zod on read: it crosses an action boundary.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../common/errors';

export const INFO_VERSION = 1;

const Entry = z.object({
  /** Name inside the .whl. */
  name: z.string().min(1),
  /** Install path relative to site-packages (purelib/platlib). */
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
}).strict();

export const WheelInfoSchema = z.object({
  info_version: z.literal(INFO_VERSION),
  label: z.string().min(1),
  filename: z.string().min(1),
  name: z.string().min(1),
  normalized: z.string().min(1),
  version: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  unpacked_size: z.number().int().nonnegative(),
  tags: z.array(z.tuple([z.string(), z.string(), z.string()])).min(1),
  requires_dist: z.array(z.string()),
  requires_check: z.enum(['error', 'warn', 'off']),
  native: z.boolean(),
  extract: z.boolean(),
  entries: z.array(Entry),
  /** console_scripts of entry_points.txt: script name -> 'module:attr' (python_binary script = ...). */
  console_scripts: z.record(z.string(), z.string()).default({}),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() }).strict()),
}).strict();

export type WheelInfo = z.infer<typeof WheelInfoSchema>;
export type WheelEntry = z.infer<typeof Entry>;

export function readWheelInfo(file: string, label: string): WheelInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ParError('WHEEL_INVALID', `cannot read the wheel description ${file}: ${(e as Error).message}`, { label, file });
  }
  const r = WheelInfoSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ParError('WHEEL_INVALID', `invalid wheel description ${file}:\n  ${lines.join('\n  ')}`, {
      label,
      file,
      hint: 'It is written by the python_wheel rule; rebuild with the same rules_par version.',
    });
  }
  return r.data;
}
