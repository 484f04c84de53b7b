// layout = "extract": the archive is unpacked once into the per-user cache and runs from local
// disk (src/bootstrap/__par__/_extract.py). Two build-time decisions live here:
//  - the cache key, a content hash computed now so nothing is hashed at launch;
//  - where bytecode goes: on disk, SourceFileLoader ignores a `mod.pyc` beside `mod.py` and
//    reads only `__pycache__/mod.<cache_tag>.pyc`, so every program .pyc goes there instead.
import { createHash } from 'node:crypto';
import { BOOTSTRAP_PREFIX } from '../archive/contract';
import type { ManifestHeader } from './manifest';
import { pycPath } from './wheel/bytecode';
import { moduleOf, normalizeRoots } from '../graph/module-index';

/** Shared objects (extension modules, ctypes libraries): the dynamic loader needs a real file. */
const NATIVE = /\.(so(\.\d+)*|pyd|dylib)$/;
/** An extension module CPython names with its tag: mod.cpython-311-x86_64-linux-gnu.so, mod.abi3.so. */
const TAGGED_EXTENSION = /(^|\/)[A-Za-z_][A-Za-z0-9_]*\.(cpython-[^/]*|abi3)\.(so|pyd)$/;

/** How a binary's own shared objects reach the dynamic loader. */
export interface NativePlan {
  layout: ManifestHeader['layout'];
  /** Zip layout with extension modules: module name -> archive path, extracted at launch (__par__/_native.py). */
  modules?: Record<string, string>;
  /** The first shared object that sent the binary to the extract layout. */
  native?: string;
}

/**
 * Nothing loads a shared object from inside a zip. A binary whose own files (sources or
 * data; wheels are handled per wheel) include some keeps the zip layout when every one is a
 * tagged extension module under an import root: those alone are unpacked into the cache and
 * found by a finder of their own, the rest still imports from the archive. Any other shared
 * object (a ctypes library, which code finds by a path next to its own file; an untagged
 * .so) makes it "extract", as PEX does for code that is not zip-safe.
 */
export function nativePlan(layout: ManifestHeader['layout'], paths: readonly string[], roots: string[]): NativePlan {
  if (layout !== 'zip') return { layout };
  const native = paths.filter((p) => NATIVE.test(p));
  if (native.length === 0) return { layout };
  const modules: Record<string, string> = {};
  for (const p of native) {
    const name = TAGGED_EXTENSION.test(p) ? moduleOf(p, normalizeRoots(roots)) : null;
    if (name === null) return { layout: 'extract', native: p };
    modules[name] = p;
  }
  return { layout, modules };
}

/** The cache key of the unpacked extension modules: their paths and contents. */
export function nativeKey(modules: Record<string, string>, digests: ReadonlyMap<string, string>): string {
  const h = createHash('sha256').update('par-native-1\n');
  for (const path of Object.values(modules).sort()) h.update(`${path}\0${digests.get(path)}\n`);
  return h.digest('hex');
}

/** Entries under this prefix are not unpacked: the launcher keeps importing them from the archive. */

/**
 * The key of the unpacked copy: the code fingerprint (every shipped path with its content
 * hash, and each wheel's sha256), the toolchain that made the bytecode and the wheels'
 * bytecode digests. The bootstrap (`__par__/`, incl. a late stamp) is not unpacked, so
 * stamped and unstamped builds of the same code share one copy.
 */
export function extractKey(
  fingerprint: string,
  header: Pick<ManifestHeader, 'build_python' | 'compile'>,
  wheelBytecode: ReadonlyMap<string, string>,
): string {
  const h = createHash('sha256').update(`par-extract-1\0${fingerprint}\0${header.build_python.version}\0${header.build_python.cache_tag}\0${header.compile}\n`);
  for (const [label, digest] of [...wheelBytecode].sort((a, b) => (a[0] < b[0] ? -1 : 1))) h.update(`${label}\0${digest}\n`);
  return h.digest('hex');
}

/** Archive path of the .pyc for source `path` ('pkg/mod.py') under the given layout. */
export function programPycPath(path: string, layout: ManifestHeader['layout'], cacheTag: string): string {
  return layout === 'extract' && !path.startsWith(BOOTSTRAP_PREFIX) && path !== '__main__.py' ? pycPath(path, true, cacheTag) : `${path.slice(0, -3)}.pyc`;
}
