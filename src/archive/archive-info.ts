// Reads what an archive says about itself (__par__/_manifest.py and the optional stamp),
// for `par inspect`, `par diff` and tests. Validates with zod: a file that is a zip but
// not one of ours gets a clear NOT_AN_ARCHIVE error naming it.
import { z } from 'zod';
import { ParError } from '../common/errors';
import { MANIFEST_ENTRY, STAMP_ENTRY } from './contract';
import { ZipReader, type CentralEntry } from './zip';

const BuildInfo = z.object({
  label: z.string(),
  revision: z.string().nullable(),
  dirty: z.boolean().nullable(),
  branch: z.string().nullable(),
  stamped: z.boolean(),
  timestamp: z.string().nullable(),
  python: z.string(),
  fingerprint: z.string(),
  // serves: which Pythons/platforms the build fits (one entry per build of a wheel with several).
  wheels: z.array(z.object({ name: z.string(), version: z.string(), sha256: z.string(), serves: z.string().optional() }).passthrough()),
}).passthrough();

const ManifestData = z.object({
  label: z.string(),
  entry: z.union([z.object({ entry_point: z.string() }), z.object({ module: z.string(), path: z.string() })]),
  python: z.object({ spec: z.string(), minors: z.array(z.string()) }).passthrough(),
  roots: z.array(z.string()),
  fingerprint: z.string(),
  build_info: BuildInfo,
}).passthrough();

export type BuildInfo = z.infer<typeof BuildInfo>;
export type ManifestData = z.infer<typeof ManifestData>;

export interface ArchiveInfo {
  manifest: ManifestData;
  buildInfo: BuildInfo;
  entries: readonly CentralEntry[];
  preambleLength: number;
  size: number;
}

/**
 * The JSON literal of a module python-literal.ts wrote: from `DATA = ` at the start of a line
 * (Python ends lines at \n and \r only) to the end of the module, read by JSON.parse. Not a
 * line regex: a stamp value may hold U+2028, U+0085 and the like, which end a line for `.`.
 */
export function dataLiteral(text: string, name: string, archive: string): unknown {
  const m = /(?:^|[\n\r])DATA = /.exec(text);
  if (!m) throw new ParError('NOT_AN_ARCHIVE', `${archive}: ${name} holds no DATA literal`, { file: archive });
  try {
    return JSON.parse(text.slice(m.index + m[0].length));
  } catch (e) {
    throw new ParError('NOT_AN_ARCHIVE', `${archive}: the DATA literal of ${name} is not JSON (${(e as Error).message})`, { file: archive });
  }
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value for a terminal line: control characters and Unicode line breaks as escapes (a stamp value is the repository's text). */
export function printable(v: string): string {
  return v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export async function readArchiveInfo(archive: string): Promise<ArchiveInfo> {
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(archive);
  } catch (e) {
    throw new ParError('NOT_AN_ARCHIVE', `${archive} is not a rules_par archive: ${(e as Error).message}`, { file: archive });
  }
  try {
    const me = zip.find(MANIFEST_ENTRY);
    if (!me) {
      throw new ParError('NOT_AN_ARCHIVE', `${archive} is a zip but not a rules_par archive (no ${MANIFEST_ENTRY})`, { file: archive });
    }
    const parsed = ManifestData.safeParse(dataLiteral((await zip.read(me)).toString('utf8'), MANIFEST_ENTRY, archive));
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new ParError('NOT_AN_ARCHIVE', `${archive}: unexpected ${MANIFEST_ENTRY} (${lines.join('; ')})`, { file: archive });
    }
    const buildInfo: BuildInfo = { ...parsed.data.build_info };
    const se = zip.find(STAMP_ENTRY);
    if (se) Object.assign(buildInfo, dataLiteral((await zip.read(se)).toString('utf8'), STAMP_ENTRY, archive));
    const { size } = await import('node:fs').then((fs) => fs.promises.stat(archive));
    return { manifest: parsed.data, buildInfo, entries: zip.entries, preambleLength: zip.preambleLength, size };
  } finally {
    await zip.close();
  }
}
