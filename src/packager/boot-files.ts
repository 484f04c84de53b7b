// Which bootstrap files (src/bootstrap/) an archive ships, and which of them as bytecode too.
// Every archive used to carry all 21 modules, sources and .pyc: 132 KB of hello's 182 KB.
// The rule, from where each module is imported (src/bootstrap/__par__/_boot.py main()):
//   - a module no path of this archive can reach is left out (the test runner outside
//     python_test, the wheel and native-code modules without wheels or extension modules);
//   - a module on the launch path of the build interpreter gets its .pyc (__main__ for
//     `python ARCHIVE`, _localcopy, imported on every start from an overlay or tmpfs to ask
//     whether the file system is a network one, and the feature modules this archive's
//     launch imports);
//   - the launch blob's modules are compiled for the blob, and their .pyc entries left out
//     when the archive has a blob: the launcher's line and __main__.py (`python ARCHIVE`)
//     both run them from the blob, so the .pyc would be a second copy of the same code
//     (hello: 12 KB of 67 KB);
//   - the rest ship as source only. They run on rare paths (an error message, a re-exec to
//     another Python, PAR_INTERPRETER=1, a first extraction), where compiling a few KB costs
//     ~1 ms once, or under another minor (the bytecode cache), which cannot load the build
//     interpreter's .pyc anyway.
// Figures: docs/PERFORMANCE.md "Size".
import { BLOB_MODULES } from '../archive/contract';

/** What of the archive decides which bootstrap modules its launches can import. */
export interface BootFacts {
  /** python_test: the archive runs __par__._testrunner. */
  test: boolean;
  /** DATA["wheels"]: wheels whose tags are checked or which are extracted at launch. */
  launchWheels: boolean;
  /** DATA["native"]: the program's own extension modules, unpacked at launch. */
  native: boolean;
  /** layout = "extract". */
  extract: boolean;
  /** local_copy = True. */
  localCopy: boolean;
  /** The archive has a launch blob and imports from the zip (not layout = "extract"). */
  blob: boolean;
  /** compile = False in the zip layout: the build interpreter too serves the program's
   * modules from the bytecode cache (DATA["bytecode_cache"]), so _bytecode runs every launch. */
  bytecodeCache: boolean;
}

export interface BootFiles {
  /** Archive paths of the bootstrap files to ship. */
  shipped: Set<string>;
  /** The subset compiled to .pyc. */
  compiled: Set<string>;
  /** Compiled for the launch blob only: no .pyc entry in the archive (generated ones too). */
  blobOnly: Set<string>;
}

const mod = (name: string) => `__par__/${name}.py`;

/** Modules every archive ships: reachable from any launch (errors, other Pythons, env flags). */
const ALWAYS = ['__init__', '_blob_start', '_boot', '_bytecode', '_bytecode_write', '_cache', '_damage', '_errors', '_interpreter', '_localcopy', '_messages', '_select'].map(mod);

/** Imported by every launch under the build interpreter (besides the blob's own modules). */
const LAUNCH_PATH = ['__main__.py', mod('_localcopy')];

/** Per feature: the modules its launches import (shipped and compiled). */
function featureModules(f: BootFacts): string[] {
  const out: string[] = [];
  if (f.test) out.push(...['_testrunner', '_testpytest', '_testunittest', '_coverage', '_messages'].map(mod));
  if (f.launchWheels) out.push(...['_wheels', '_tags', '_cache', '_extract'].map(mod));
  if (f.native) out.push(...['_native', '_cache', '_extract'].map(mod));
  if (f.extract) out.push(...['_extract', '_cache'].map(mod));
  if (f.localCopy) out.push(mod('_cache'));
  if (f.bytecodeCache) out.push(mod('_bytecode'));
  return out;
}

/**
 * The bootstrap files for an archive with these facts. `available`: the bootstrap files the
 * manifest lists (archive paths); a path this function does not know is shipped and compiled,
 * so a module added to src/bootstrap/ works before it is classified here.
 */
export function bootFiles(available: readonly string[], f: BootFacts): BootFiles {
  const features = featureModules(f);
  const known = new Set([...ALWAYS, ...LAUNCH_PATH, ...featureModules({ test: true, launchWheels: true, native: true, extract: true, localCopy: true, blob: true, bytecodeCache: true })]);
  const wanted = new Set([...ALWAYS, ...LAUNCH_PATH, ...features]);
  const compiledSet = new Set<string>([...BLOB_MODULES, ...LAUNCH_PATH, ...features]);
  const shipped = new Set<string>();
  const compiled = new Set<string>();
  for (const path of available) {
    if (!path.endsWith('.py')) {
      shipped.add(path);
      continue;
    }
    if (known.has(path) && !wanted.has(path)) continue;
    shipped.add(path);
    if (!known.has(path) || compiledSet.has(path)) compiled.add(path);
  }
  return { shipped, compiled, blobOnly: new Set(f.blob ? BLOB_MODULES : []) };
}
