// The archive contract: what an archive holds, by name, for the packager that writes it, the
// stamper and `par inspect`/`par diff` that read it, and the bootstrap (src/bootstrap/) that
// runs it. A name spelled here is spelled nowhere else in src/ (the bootstrap, in Python,
// spells its own: src/bootstrap/__par__/). The formats behind the names:
//   - the manifest module's DATA and its build_info: archive-info.ts (ManifestData, BuildInfo);
//   - the stamp module: merged over build_info (src/packager/stamp.ts writes it);
//   - the launch blob and the launcher's par_fast line: launch-blob.ts;
//   - a bundled wheel's description (<name>.wheel.json): wheel-info.ts;
//   - the Python literal both data modules are written in: python-literal.ts.

/** The bootstrap package, shipped in every archive; programs may not ship files under it. */
export const BOOTSTRAP_PREFIX = '__par__/';

/** The build facts: label, entry, Python range, roots, fingerprint, build_info (archive-info.ts). */
export const MANIFEST_ENTRY = '__par__/_manifest.py';

/** The archive entry the stamp lives in; __par__.build_info merges it over the packed facts. */
export const STAMP_ENTRY = '__par__/_stamp.py';

/** The last entry: the bootstrap's code and the zip directory in one marshal (launch-blob.ts). */
export const LAUNCH_BLOB_ENTRY = '__par__/_launch.blob';

/** The bootstrap modules whose code the blob carries, in blob order. */
export const BLOB_MODULES = ['__par__/_blob_start.py', '__par__/_boot.py', '__par__/__init__.py', MANIFEST_ENTRY] as const;

/**
 * Where bundled wheels are unpacked inside the archive: <WHEELS_DIR>/<name>-<version>/. Short
 * because every wheel entry carries it twice (local header and directory): numpy's 1,042
 * entries paid 19 KB for the 9 more characters of the earlier `_par_wheels`.
 */
export const WHEELS_DIR = '_w';

/** Archive-root names the bootstrap owns: a program file there is refused (entries.ts). */
export const RESERVED = ['__main__.py', '__main__.pyc', BOOTSTRAP_PREFIX];
