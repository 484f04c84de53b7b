// What a lock file pins, whatever its format: one entry per distribution, with the wheel
// files it may use (pylock.toml lists them; a requirements file only has their hashes,
// and the simple API pages at its indexes say which files those are).
import { z } from 'zod';

export const LockedFileSchema = z.object({
  filename: z.string().min(1),
  url: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
}).strict();
export type LockedFile = z.infer<typeof LockedFileSchema>;

export const LockedPackageSchema = z.object({
  name: z.string().min(1),
  /** PEP 503 normalised name (lower case, runs of -_. as one -). */
  normalized: z.string().min(1),
  version: z.string().min(1),
  /** Extras the lock itself asks for (requirements lines `name[extra]==`). */
  extras: z.array(z.string()),
  /** Where the pin is written: "pylock.toml [[packages]] #3" or "requirements.txt:12". */
  where: z.string().min(1),
  /** pylock.toml: the wheels it locks. */
  wheels: z.array(LockedFileSchema),
  /** pylock.toml: the sdist, when it locks one. */
  sdist: LockedFileSchema.nullable(),
  /** Requirements files: the allowed sha256 digests, and the simple API pages to look them up. */
  hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  pages: z.array(z.string()),
}).strict();
export type LockedPackage = z.infer<typeof LockedPackageSchema>;

export const LockPlanSchema = z.object({
  format: z.enum(['pylock', 'requirements']),
  lock: z.string(),
  packages: z.array(LockedPackageSchema),
}).strict();
export type LockPlan = z.infer<typeof LockPlanSchema>;

/** The simple API page of `name` at an index (PEP 503: normalised name, trailing slash). */
export function pageUrl(index: string, normalized: string): string {
  return `${index.replace(/\/+$/, '')}/${normalized}/`;
}
