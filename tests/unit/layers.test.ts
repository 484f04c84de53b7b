// The layering of src/ (docs/architecture.md): a folder imports only from folders below it,
// and src/archive/zip/ only through its index.ts. Reads every import of every .ts file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '../..');
const SRC = join(ROOT, 'src');

/** Lower number, lower layer. Folders of one rank do not import each other. */
export const LAYERS: Record<string, number> = {
  common: 0,
  archive: 1,
  graph: 2,
  gen: 3,
  ide: 3,
  packager: 3,
  lock: 3.5, // par_wheels' parsing: reads wheels with packager/wheel's METADATA and marker code
  cli: 4,
};

interface Edge { from: string; to: string }

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []);
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]);
  return specs.map((s) => ({ from: relative(ROOT, file), to: relative(ROOT, resolve(dirname(file), s)) }));
}

/** Why `e` breaks the layering, or undefined. Paths are relative to the repository root. */
export function violation(e: Edge): string | undefined {
  const [fromTop, fromDir] = e.from.split('/');
  const [toTop, toDir, ...toRest] = e.to.split('/');
  if (fromTop !== 'src') return undefined; // tests/ and bench/ may reach anything
  if (toTop !== 'src') {
    return e.from.includes('.test.') && e.to.startsWith('tests/helpers/') ? undefined : `${e.from} imports ${e.to}, outside src/`;
  }
  const a = LAYERS[fromDir];
  const b = LAYERS[toDir];
  if (a === undefined) return `${e.from}: src/${fromDir}/ has no layer in tests/unit/layers.test.ts (and docs/architecture.md)`;
  if (b === undefined) return `${e.from} imports ${e.to}: src/${toDir}/ has no layer`;
  if (fromDir !== toDir && b >= a) return `${e.from} imports ${e.to}: ${fromDir} (layer ${a}) may not import ${toDir} (layer ${b})`;
  const intoZip = toDir === 'archive' && toRest[0] === 'zip' && toRest.length > 1 && toRest[1] !== 'index';
  if (intoZip && !e.from.startsWith('src/archive/zip/')) return `${e.from} imports ${e.to}: outside src/archive/zip/, import the zip module's index.ts`;
  return undefined;
}

describe('src/ layering', () => {
  test('no import runs up a layer, across a layer, or into src/archive/zip/ past its index', () => {
    const edges = tsFiles(SRC).flatMap(importsOf);
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.map(violation).filter(Boolean)).toEqual([]);
  });

  test('the check names each kind of violation', () => {
    expect(violation({ from: 'src/graph/target-graph.ts', to: 'src/cli/bazel' })).toBe(
      'src/graph/target-graph.ts imports src/cli/bazel: graph (layer 2) may not import cli (layer 4)');
    expect(violation({ from: 'src/packager/extract-layout.ts', to: 'src/gen/gen' })).toBe(
      'src/packager/extract-layout.ts imports src/gen/gen: packager (layer 3) may not import gen (layer 3)');
    expect(violation({ from: 'src/packager/pack.ts', to: 'src/archive/zip/reader' })).toBe(
      "src/packager/pack.ts imports src/archive/zip/reader: outside src/archive/zip/, import the zip module's index.ts");
    expect(violation({ from: 'src/common/errors.ts', to: 'tests/helpers/zip' })).toBe('src/common/errors.ts imports tests/helpers/zip, outside src/');
    expect(violation({ from: 'src/newdir/x.ts', to: 'src/common/errors' })).toBe(
      'src/newdir/x.ts: src/newdir/ has no layer in tests/unit/layers.test.ts (and docs/architecture.md)');
    expect(violation({ from: 'src/cli/diff.test.ts', to: 'tests/helpers/test-archives' })).toBeUndefined();
    expect(violation({ from: 'src/packager/pack.ts', to: 'src/archive/zip' })).toBeUndefined();
    expect(violation({ from: 'src/archive/zip/append.ts', to: 'src/archive/zip/directory' })).toBeUndefined();
  });

  test('every folder of src/ (but the Python bootstrap) has a layer', () => {
    const dirs = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'bootstrap').map((d) => d.name);
    expect(dirs.sort()).toEqual(Object.keys(LAYERS).sort());
  });
});
