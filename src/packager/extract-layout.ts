// layout = "extract": the archive is unpacked once into the per-user cache and runs from local
// disk (src/bootstrap/__par__/_extract.py). Two build-time decisions live here:
//  - the cache key, a content hash computed now so nothing is hashed at launch;
//  - where bytecode goes: on disk, SourceFileLoader ignores a `mod.pyc` beside `mod.py` and
//    reads only `__pycache__/mod.<cache_tag>.pyc`, so every program .pyc goes there instead.
import { createHash } from 'node:crypto';
import type { ManifestHeader } from './manifest';
import { pycPath } from './wheel/bytecode';

/** Shared objects (extension modules, ctypes libraries): the dynamic loader needs a real file. */
const NATIVE = /\.(so(\.\d+)*|pyd|dylib)$/;

/**
 * The layout a binary gets: "zip", unless its own files (sources or data; wheels are
 * handled per wheel) include shared objects, which nothing can load from inside a zip:
 * then "extract", as PEX does for code that is not zip-safe. Returns the first such path
 * as the reason.
 */
export function effectiveLayout(layout: ManifestHeader['layout'], paths: readonly string[]): { layout: ManifestHeader['layout']; native?: string } {
  if (layout !== 'zip') return { layout };
  const native = paths.find((p) => NATIVE.test(p));
  return native === undefined ? { layout } : { layout: 'extract', native };
}

/** Entries under this prefix are not unpacked: the launcher keeps importing them from the archive. */
export const BOOTSTRAP_PREFIX = '__par__/';

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
