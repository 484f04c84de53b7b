// A fragment: one target's Python sources and their bytecode as ready zip entries, made once
// by its own action (ParFragment, write.ts) and spliced as they are into every archive that
// contains the target (splice.ts). A plain zip, so `unzip -l` reads it:
//   - first entry `.par-fragment.json`, stored: the index (below);
//   - then, in path order, each source `pkg/mod.py` and, when it compiled, `pkg/mod.pyc`,
//     deflated at FRAGMENT_LEVEL by the same writer the packer uses.
// The index gives the packer what it needs before touching any entry: paths and content
// hashes (the fingerprint, duplicate checks), the interpreter the bytecode is for, and the
// syntax errors a binary with compile = True must report.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { z } from 'zod';
import { ParError } from '../../common/errors';
import { LOCAL_HEADER_SIZE, METHOD_STORED, readAt, SIG_LOCAL } from '../../archive/zip';


export const FRAGMENT_FORMAT = 'par-fragment-1';
export const INDEX_ENTRY = '.par-fragment.json';
/** What fragments deflate at: python_binary's default compression_level, so most binaries splice raw. */
export const FRAGMENT_LEVEL = 6;

const Index = z.object({
  format: z.literal(FRAGMENT_FORMAT),
  label: z.string().min(1),
  cache_tag: z.string().min(1),
  level: z.number().int().min(1).max(9),
  // [archive path, sha256 of the source, whether its .pyc is in the fragment, the source's
  // execution-root path (for messages: a duplicate path names both files)]
  sources: z.array(z.tuple([z.string().min(1), z.string().regex(/^[0-9a-f]{64}$/), z.boolean(), z.string().min(1)])),
  // "path:line: message" of each source that does not compile on the toolchain interpreter.
  errors: z.array(z.string()),
}).strict();

export type FragmentIndex = z.infer<typeof Index>;

/** The .pyc entry of source `path` inside a fragment (beside it, as zipimport looks for it). */
export function fragmentPycName(path: string): string {
  return `${path.slice(0, -3)}.pyc`;
}

export function fragmentIndexJson(index: FragmentIndex): Buffer {
  return Buffer.from(JSON.stringify(Index.parse(index)), 'utf8');
}

/** The error for a fragment that is not what its index or format says. */
export const fragmentFailure = (file: string, owner: string, label: string) => (why: string) =>
  new ParError('MANIFEST_INVALID', `${file} is not a fragment of ${owner}: ${why}`, { label, file, hint: `Rebuild ${owner}; a fragment is made by its ParFragment action.` });

/**
 * The index at the start of fragment bytes `head` (the file, or at least its first entry).
 * `bad` makes the error naming the file; `owner`: the target that must have made it.
 */
export function parseFragmentIndex(head: Buffer, bad: (why: string) => Error, owner: string): FragmentIndex {
  if (head.length < LOCAL_HEADER_SIZE) throw bad(`it is ${head.length} bytes long`);
  const nameLen = head.readUInt16LE(26);
  const extraLen = head.readUInt16LE(28);
  const name = head.toString('utf8', LOCAL_HEADER_SIZE, Math.min(head.length, LOCAL_HEADER_SIZE + nameLen));
  if (head.readUInt32LE(0) !== SIG_LOCAL || name !== INDEX_ENTRY || head.readUInt16LE(8) !== METHOD_STORED) {
    throw bad(`its first entry is not a stored ${INDEX_ENTRY}`);
  }
  const length = head.readUInt32LE(18);
  const at = LOCAL_HEADER_SIZE + nameLen + extraLen;
  if (at + length > head.length) throw bad(`its index (${length} bytes at ${at}) runs past its end (${head.length} bytes)`);
  let parsed: FragmentIndex;
  try {
    parsed = Index.parse(JSON.parse(head.toString('utf8', at, at + length)));
  } catch (e) {
    throw bad(e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message);
  }
  if (parsed.label !== owner) throw bad(`it is the fragment of ${parsed.label}`);
  return parsed;
}

/**
 * The index of fragment `file`, read from its first entry (two small reads, no directory
 * parse). `owner`: the target that made it, for messages; `label`: the binary being packed.
 */
export function readFragmentIndex(file: string, owner: string, label: string): FragmentIndex {
  const bad = fragmentFailure(file, owner, label);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new ParError('MISSING_FILE', `cannot read the fragment of ${owner}: ${(e as Error).message}`, { label, file });
  }
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, 0, Math.min(size, LOCAL_HEADER_SIZE + INDEX_ENTRY.length));
    if (head.length < LOCAL_HEADER_SIZE) return parseFragmentIndex(head, bad, owner);
    // The first entry whole: its header, name, extra field and the index itself.
    const end = LOCAL_HEADER_SIZE + head.readUInt16LE(26) + head.readUInt16LE(28) + head.readUInt32LE(18);
    return parseFragmentIndex(end <= head.length ? head : readAt(fd, 0, Math.min(size, end)), bad, owner);
  } finally {
    closeSync(fd);
  }
}
