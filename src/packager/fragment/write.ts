// `par fragment` (action ParFragment): compiles one target's sources with the toolchain
// interpreter, once, and writes them with their bytecode as a fragment (format.ts).
// Before fragments every binary compiled and deflated its whole closure again: on
// bench/scale's 1k-library workspace a library used by 100 binaries was compiled 100 times.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { ParError } from '../../common/errors';
import { ZipWriter } from '../../archive/zip';
import { compilePyc } from '../pyc';
import { FRAGMENT_FORMAT, FRAGMENT_LEVEL, fragmentIndexJson, fragmentPycName, INDEX_ENTRY } from './format';

export interface FragmentArgs {
  label: string;
  python: string;
  cacheTag: string;
  compiler: string;
  out: string;
  /** Each source: where it lands in the archive, and the file to read. */
  srcs: { path: string; file: string }[];
}

function checkPath(label: string, path: string, file: string): void {
  if (!path.endsWith('.py') || path.startsWith('/') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new ParError('MANIFEST_INVALID', `${file} would land at "${path}", which is not a relative path of a .py file inside the archive`, { label, file });
  }
}

export async function writeFragment(a: FragmentArgs): Promise<void> {
  const byPath = new Map<string, string>();
  for (const s of a.srcs) {
    checkPath(a.label, s.path, s.file);
    const prev = byPath.get(s.path);
    if (prev !== undefined && prev !== s.file) {
      throw new ParError('DUPLICATE_PATH', `two sources land at ${s.path}: ${prev} and ${s.file}`, { label: a.label, file: s.file });
    }
    byPath.set(s.path, s.file);
  }
  const paths = [...byPath.keys()].sort();
  const sources = await Promise.all(
    paths.map(async (p) => {
      try {
        return await fsp.readFile(byPath.get(p)!);
      } catch (e) {
        throw new ParError('MISSING_FILE', `cannot read source ${byPath.get(p)}: ${(e as Error).message}`, { label: a.label, file: byPath.get(p) });
      }
    }),
  );
  // One batch in path order, in a fresh fork (pyc.ts): the bytes depend on this target alone.
  const errors: string[] = [];
  const pycs = await compilePyc(a.python, a.compiler, paths.map((p, i) => ({ source_b64: sources[i].toString('base64'), dfile: p })), a.label, { syntaxErrors: errors });
  const index = fragmentIndexJson({
    format: FRAGMENT_FORMAT,
    label: a.label,
    cache_tag: a.cacheTag,
    level: FRAGMENT_LEVEL,
    sources: paths.map((p, i) => [p, createHash('sha256').update(sources[i]).digest('hex'), pycs[i].length > 0, byPath.get(p)!]),
    errors,
  });
  await ZipWriter.writeInPlace(a.out, Buffer.alloc(0), async (w) => {
    const adds = [w.addFile(INDEX_ENTRY, index, { compress: false })];
    paths.forEach((p, i) => {
      adds.push(w.addFile(p, sources[i], { compress: true, level: FRAGMENT_LEVEL }));
      if (pycs[i].length > 0) adds.push(w.addFile(fragmentPycName(p), pycs[i], { compress: true, level: FRAGMENT_LEVEL }));
    });
    await Promise.all(adds);
    await w.finish();
  });
}
