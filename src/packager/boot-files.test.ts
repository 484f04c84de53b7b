import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFiles, type BootFacts } from './boot-files';

const BOOT = join(__dirname, '../bootstrap');
/** The bootstrap files the rules list (src/bootstrap/BUILD: every .py, and launcher.sh). */
const AVAILABLE = ['__main__.py', 'launcher.sh', ...readdirSync(join(BOOT, '__par__')).filter((f) => f.endsWith('.py')).map((f) => `__par__/${f}`)].sort();

const NONE: BootFacts = { test: false, launchWheels: false, native: false, extract: false, localCopy: false, blob: true, bytecodeCache: false };
const mod = (name: string) => `__par__/${name}.py`;

/** `from __par__ import a, b` and `from __par__._x import y` in a bootstrap module, as paths. */
function importsOf(path: string): string[] {
  const text = readFileSync(join(BOOT, path), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/^\s*from __par__ import ([\w, ]+)/gm)) for (const n of m[1].split(',')) out.add(mod(n.trim().split(/\s+/)[0]));
  for (const m of text.matchAll(/^\s*from __par__\.(\w+) import/gm)) out.add(mod(m[1]));
  return [...out].filter((p) => p !== path && !GENERATED.includes(p));
}

/** Written by the packer and the stamper, not bootstrap files. */
const GENERATED = [mod('_manifest'), mod('_stamp')];

// Imports _boot.py makes only when the build facts (DATA) say so: each is what a feature adds.
const GATED: Record<string, (f: BootFacts) => boolean> = {
  [`__par__/_boot.py -> ${mod('_wheels')}`]: (f) => f.launchWheels,
  [`__par__/_boot.py -> ${mod('_extract')}`]: (f) => f.extract,
  [`__par__/_boot.py -> ${mod('_native')}`]: (f) => f.native,
};

const combos: BootFacts[] = [
  NONE,
  { ...NONE, test: true },
  { ...NONE, launchWheels: true },
  { ...NONE, native: true },
  { ...NONE, extract: true, blob: false },
  { ...NONE, extract: true, launchWheels: true, blob: false },
  { ...NONE, localCopy: true },
  { ...NONE, bytecodeCache: true },
];

describe('bootFiles', () => {
  it('ships only what a plain binary can reach: no test runner, wheel or native-code modules', () => {
    const b = bootFiles(AVAILABLE, NONE);
    for (const m of ['_testrunner', '_testpytest', '_testunittest', '_coverage', '_wheels', '_tags', '_native', '_extract']) expect(b.shipped.has(mod(m))).toBe(false);
    expect([...b.shipped].sort()).toEqual(
      ['__main__.py', 'launcher.sh', ...['__init__', '_blob_start', '_boot', '_bytecode', '_bytecode_write', '_cache', '_damage', '_errors', '_interpreter', '_localcopy', '_messages', '_select'].map(mod)].sort(),
    );
  });

  it('compiles the launch path only, and leaves the blob modules to the blob', () => {
    const b = bootFiles(AVAILABLE, NONE);
    expect([...b.compiled].sort()).toEqual(['__main__.py', mod('__init__'), mod('_blob_start'), mod('_boot'), mod('_localcopy')]);
    expect([...b.blobOnly].sort()).toEqual([mod('__init__'), mod('_blob_start'), mod('_boot'), mod('_manifest')]);
    expect(bootFiles(AVAILABLE, { ...NONE, extract: true, blob: false }).blobOnly.size).toBe(0);
  });

  it('adds and compiles what each feature imports at launch', () => {
    const compiled = (f: Partial<BootFacts>) => [...bootFiles(AVAILABLE, { ...NONE, ...f }).compiled].filter((p) => !bootFiles(AVAILABLE, NONE).compiled.has(p)).sort();
    expect(compiled({ test: true })).toEqual(['_coverage', '_messages', '_testpytest', '_testrunner', '_testunittest'].map(mod));
    expect(compiled({ launchWheels: true })).toEqual(['_cache', '_extract', '_tags', '_wheels'].map(mod));
    expect(compiled({ native: true })).toEqual(['_cache', '_extract', '_native'].map(mod));
    expect(compiled({ extract: true })).toEqual(['_cache', '_extract'].map(mod));
    expect(compiled({ localCopy: true })).toEqual([mod('_cache')]);
    expect(compiled({ bytecodeCache: true })).toEqual([mod('_bytecode')]);
  });

  it('ships and compiles a bootstrap module it does not know (a new one works before it is classified)', () => {
    const b = bootFiles([...AVAILABLE, mod('_new')], NONE);
    expect(b.shipped.has(mod('_new')) && b.compiled.has(mod('_new'))).toBe(true);
  });

  it.each(combos.map((f) => [JSON.stringify(f), f] as const))('ships every module a shipped one imports, except imports gated by other facts: %s', (_, f) => {
    const { shipped } = bootFiles(AVAILABLE, f);
    const missing: string[] = [];
    for (const path of shipped) {
      if (!path.endsWith('.py')) continue;
      for (const dep of importsOf(path)) {
        const gate = GATED[`${path} -> ${dep}`];
        if (!shipped.has(dep) && !(gate && !gate(f))) missing.push(`${path} -> ${dep}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
