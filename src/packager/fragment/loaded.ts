// A fragment read whole and parsed: its bytes, zip directory and index. A pack reads ~100
// fragments per binary, and a repack of every binary of a monorepo reads the same few
// hundred over and over; in a persistent worker they are kept between actions, up to a
// byte budget (keepFragments), which takes the opens, reads and parses off every pack
// but the first (bench/scale: ~40% of a warm pack's time). One-shot runs keep nothing, so
// a pack's memory stays one fragment at a time (pack-memory.test.ts).
import { readFileSync, statSync } from 'node:fs';
import { parseCentralDirectory, readDirectory, type CentralEntry } from '../../archive/zip';
import { ParError } from '../../common/errors';
import { fragmentFailure, parseFragmentIndex, readFragmentIndex, type FragmentIndex } from './format';

/** A fragment's bytes and zip directory (the index entry included): what splicing reads. */
export interface FragmentBytes {
  buf: Buffer;
  entries: CentralEntry[];
}

export interface LoadedFragment extends FragmentBytes {
  index: FragmentIndex;
}

/** What a kept fragment was read from: a file rewritten by a rebuild gets a new identity. */
function identity(file: string): string {
  const s = statSync(file);
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

let budget = 0;
let used = 0;
/** Kept fragments by path, least recently used first (a Map keeps insertion order). */
const kept = new Map<string, { identity: string; f: LoadedFragment; pack: number }>();
/** Counts packs: a kept fragment's file is checked (one stat) once per pack, not per read. */
let packs = 0;

/** A new pack begins: its inputs do not change while it runs (Bazel's contract with an action). */
export function beginPack(): void {
  packs++;
}

/** Worker mode: keep up to `bytes` of fragments between actions. */
export function keepFragments(bytes: number): void {
  budget = bytes;
}

function readBytes(file: string, owner: string, label: string): FragmentBytes {
  const buf = read(file, owner, label);
  try {
    const dir = readDirectory(file, buf, buf.length);
    return { buf, entries: parseCentralDirectory(file, dir.cd, dir.shift) };
  } catch (e) {
    throw fragmentFailure(file, owner, label)((e as Error).message);
  }
}

function parse(file: string, owner: string, label: string): LoadedFragment {
  const f = readBytes(file, owner, label);
  return { ...f, index: parseFragmentIndex(f.buf, fragmentFailure(file, owner, label), owner) };
}

/**
 * Fragment `file` of target `owner`, for binary `label`: read with one `read`, or as kept
 * when the file has not changed since. Every check of a fresh read is made on a kept one
 * too (the owner it was made for).
 */
export function loadFragment(file: string, owner: string, label: string): LoadedFragment {
  if (budget > 0) {
    const hit = kept.get(file);
    let id: string | undefined;
    if (hit?.pack !== packs) {
      try {
        id = identity(file);
      } catch {
        // reported by the read below
      }
    }
    if (hit && (hit.pack === packs || hit.identity === id)) {
      hit.pack = packs;
      kept.delete(file); // most recently used: to the end
      kept.set(file, hit);
      if (hit.f.index.label !== owner) throw fragmentFailure(file, owner, label)(`it is the fragment of ${hit.f.index.label}`);
      return hit.f;
    }
    if (hit) {
      kept.delete(file);
      used -= hit.f.buf.length;
    }
    const f = parse(file, owner, label);
    if (id !== undefined && f.buf.length <= budget / 8) {
      kept.set(file, { identity: id, f, pack: packs });
      used += f.buf.length;
      for (const [k, v] of kept) {
        if (used <= budget) break;
        kept.delete(k);
        used -= v.f.buf.length;
      }
    }
    return f;
  }
  return parse(file, owner, label);
}

function read(file: string, owner: string, label: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ParError('MISSING_FILE', `cannot read the fragment of ${owner}: ${(e as Error).message}`, { label, file });
  }
}

/**
 * The bytes and directory of fragment `file`, to splice: the kept fragment in a worker, else
 * read without parsing its index again (the pack's plan read it: fragmentIndex).
 */
export function fragmentBytes(file: string, owner: string, label: string): FragmentBytes {
  return budget > 0 ? loadFragment(file, owner, label) : readBytes(file, owner, label);
}

/** The index of fragment `file`: from the kept fragment in a worker, else read from its first entry alone. */
export function fragmentIndex(file: string, owner: string, label: string): FragmentIndex {
  return budget > 0 ? loadFragment(file, owner, label).index : readFragmentIndex(file, owner, label);
}
