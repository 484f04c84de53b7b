// The packaging manifest written by rules/private/manifest.bzl: JSON lines, one header then
// one line per file, import root or wheel. Validated here so a malformed manifest fails with
// every problem listed as "line N: field: message", naming the target.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../common/errors';

const archivePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\\'), {
    message: 'must be a relative path inside the archive (no leading /, no ..)',
  });

const TestConfig = z.object({
  runner: z.enum(['auto', 'pytest', 'unittest']),
  // The test's own srcs: archive paths and their module names, in srcs order. A name need not
  // be an identifier (pytest collects test-x.py by path; unittest reports it as a failed import).
  files: z.array(archivePath),
  modules: z.array(z.string().min(1)),
  // The coverage tool is bundled (`bazel coverage`).
  coverage: z.boolean(),
}).strict();

const Header = z.object({
  t: z.literal('header'),
  manifest_version: z.literal(1),
  label: z.string().min(1),
  main: archivePath.nullable(),
  main_module: z.string().nullable(),
  entry_point: z.string().regex(/^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$/, 'must look like pkg.module:function').nullable(),
  // a console_scripts name of a bundled wheel, resolved to its entry point at pack time
  script: z.string().min(1).nullable().default(null),
  python: z.string(),
  compression: z.enum(['deflate', 'stored']),
  // zlib level for entries deflated by the packager (wheels' own deflate streams are copied as they are).
  compression_level: z.number().int().min(1, 'must be 1-9 (zlib levels)').max(9, 'must be 1-9 (zlib levels)').default(6),
  compile: z.boolean(),
  // false: the program's own .py are left out, their .pyc shipped alone (zip layout only).
  sources: z.boolean().default(true),
  layout: z.enum(['zip', 'extract']),
  shebang: z.string().regex(/^#!\S[^\n]*$/, 'must be one line starting with #!'),
  imports_check: z.enum(['error', 'warn', 'off']),
  local_copy: z.boolean().default(false),
  // Modules (and submodules) that may be provided twice, the first on sys.path winning (src/packager/shadowed.ts).
  allow_shadowed_modules: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'must be a dotted module name')).default([]),
  // Pythons ('3.X') the archive must run on: each the specifier admits needs a fitting build of every wheel (wheel/coverage.ts).
  target_pythons: z.array(z.string().regex(/^3\.\d+$/, "must look like '3.11'")).default([]),
  // Platform tags the archive is built for (wheel/platforms.ts): wheel builds and Requires-Dist markers follow them.
  target_platforms: z.array(z.string().regex(/^[a-z0-9_]+$/, "must be a platform tag like 'manylinux_2_28_x86_64'")).default([]),
  build_python: z.object({ version: z.string().regex(/^\d+\.\d+(\.\d+)?/), cache_tag: z.string().min(1) }),
  // python_test only: what its runner (src/bootstrap/__par__/_testrunner.py) runs.
  test: TestConfig.optional(),
}).strict().refine((h) => [h.main, h.entry_point, h.script].filter((x) => x !== null).length === 1, {
  message: 'exactly one of main, entry_point and script must be set',
});

const FileLine = z.object({ path: archivePath, file: z.string().min(1), owner: z.string() }).strict();
const Src = FileLine.extend({ t: z.literal('src') }).strict();
const Data = FileLine.extend({ t: z.literal('data') }).strict();
const Boot = z.object({ t: z.literal('boot'), path: z.string().min(1), file: z.string().min(1) }).strict();
// A target's sources and their bytecode as ready zip entries (fragment/format.ts); kind "boot" is the bootstrap's.
const Fragment = z.object({ t: z.literal('fragment'), kind: z.enum(['src', 'boot']), file: z.string().min(1), owner: z.string().min(1) }).strict();
const Root = z.object({ t: z.literal('root'), path: z.string() }).strict();
// The target whose srcs list a source (its file label names only the package).
const Owner = z.object({ t: z.literal('owner'), path: archivePath, label: z.string().min(1) }).strict();
// bytecode: the wheel's modules compiled by its python_wheel target (wheel/bytecode-bundle.ts).
// variant: one of several builds of the label (python_wheel(wheels = [...]), wheel/variants.ts).
const Wheel = z.object({ t: z.literal('wheel'), label: z.string(), file: z.string().min(1), info: z.string().min(1), bytecode: z.string().min(1).optional(), variant: z.literal(true).optional() }).strict();
const Line = z.discriminatedUnion('t', [Src, Data, Boot, Fragment, Root, Wheel, Owner]);

export type ManifestHeader = z.infer<typeof Header>;
export type FileEntry = z.infer<typeof FileLine>;
export interface FragmentRef { kind: 'src' | 'boot'; file: string; owner: string }
export interface WheelRef { label: string; file: string; info: string; bytecode?: string; variant?: true }

export interface Manifest {
  header: ManifestHeader;
  boot: { path: string; file: string }[];
  /** Sources packed file by file: those no fragment holds. */
  srcs: FileEntry[];
  fragments: FragmentRef[];
  data: FileEntry[];
  roots: string[];
  wheels: WheelRef[];
  /** Archive path -> label of the target listing it in srcs (the first, when several do). */
  owners: Map<string, string>;
}

function describe(issues: z.core.$ZodIssue[], line: number): string[] {
  return issues.map((i) => `line ${line}: ${i.path.length ? i.path.join('.') : '(line)'}: ${i.message}`);
}

/** Parses manifest text; `file` names the manifest in messages. */
export function parseManifest(text: string, file: string): Manifest {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const problems: string[] = [];
  const json = (raw: string, n: number): unknown => {
    try {
      return JSON.parse(raw);
    } catch (e) {
      problems.push(`line ${n}: not JSON (${(e as Error).message})`);
      return undefined;
    }
  };
  if (lines.length === 0) {
    throw new ParError('MANIFEST_INVALID', `manifest ${file} is empty`, { file });
  }
  const rawHeader = json(lines[0], 1);
  const h = Header.safeParse(rawHeader);
  if (!h.success && rawHeader !== undefined) problems.push(...describe(h.error.issues, 1));
  const m: Manifest = { header: h.success ? h.data : (undefined as never), boot: [], srcs: [], fragments: [], data: [], roots: [], wheels: [], owners: new Map() };
  lines.slice(1).forEach((raw, i) => {
    const n = i + 2;
    const v = json(raw, n);
    if (v === undefined) return;
    const r = Line.safeParse(v);
    if (!r.success) {
      problems.push(...describe(r.error.issues, n));
      return;
    }
    const l = r.data;
    switch (l.t) {
      case 'src': m.srcs.push({ path: l.path, file: l.file, owner: l.owner }); break;
      case 'data': m.data.push({ path: l.path, file: l.file, owner: l.owner }); break;
      case 'boot': m.boot.push({ path: l.path, file: l.file }); break;
      case 'fragment': m.fragments.push({ kind: l.kind, file: l.file, owner: l.owner }); break;
      case 'root': m.roots.push(l.path); break;
      case 'owner': if (!m.owners.has(l.path)) m.owners.set(l.path, l.label); break;
      case 'wheel': m.wheels.push({ label: l.label, file: l.file, info: l.info, ...(l.bytecode ? { bytecode: l.bytecode } : {}), ...(l.variant ? { variant: l.variant } : {}) }); break;
    }
  });
  if (problems.length) {
    const label = (rawHeader as { label?: unknown } | undefined)?.label;
    throw new ParError('MANIFEST_INVALID', `invalid packaging manifest ${file}:\n  ${problems.join('\n  ')}`, {
      label: typeof label === 'string' ? label : undefined,
      file,
    });
  }
  return m;
}

export function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ParError('MISSING_FILE', `cannot read manifest ${file}: ${(e as Error).message}`, { file });
  }
  return parseManifest(text, file);
}
