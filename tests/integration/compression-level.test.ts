// compression_level: the attribute reaches the packager (level 1 archives are bigger than
// level 9 ones on compressible data, both run), incompressible data is stored whatever the
// level, and an out-of-range level fails at analysis with the attribute, value and fix.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipReader } from '../../src/archive/zip';
import { bazel, buildArchive, runArchive, scratch, writeWorkspace } from './harness';

jest.setTimeout(5 * 60_000);

const BUILD = `load("@rules_par//rules:defs.bzl", "python_binary")

[python_binary(
    name = "lvl%d" % level,
    main = "main.py",
    srcs = ["main.py", "table.py"],
    data = ["noise.bin"],
    compression_level = level,
) for level in [1, 9]]

python_binary(name = "default", main = "main.py", srcs = ["main.py", "table.py"], data = ["noise.bin"])

python_binary(name = "lvl0", main = "main.py", srcs = ["main.py"], compression_level = 0)
`;

// ~300 KiB of source that deflates noticeably better at level 9 than at level 1.
const TABLE = Array.from({ length: 6000 }, (_, i) => `ROW_${i} = (${i}, "${(i * 7919) % 10007}", ${(i * 31) % 97}.5)\n`).join('');
// Incompressible and bigger than the 64 KiB probe: stored at every level.
const NOISE = (() => {
  const b = Buffer.alloc(200 << 10);
  let x = 12345;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
})();

describe('compression_level', () => {
  const base = scratch('par-it-level-');
  const ws = join(base, 'ws');
  const startup = [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=120'];

  beforeAll(() => {
    writeWorkspace(ws, {
      'lvl/BUILD': BUILD,
      'lvl/main.py': 'import lvl.table\nprint(len([n for n in dir(lvl.table) if n.startswith("ROW_")]))\n',
      'lvl/table.py': TABLE,
    });
    writeFileSync(join(ws, 'lvl/noise.bin'), NOISE);
  });

  afterAll(() => {
    bazel(['shutdown'], { cwd: ws, startup });
    rmSync(base, { recursive: true, force: true });
  });

  test('level 1 and level 9 archives both run; level 9 deflates the source smaller; noise is stored', async () => {
    const sizes: Record<string, number> = {};
    for (const name of ['lvl1', 'lvl9', 'default']) {
      const archive = buildArchive(`//lvl:${name}`, [], { cwd: ws, startup });
      const r = runArchive(archive);
      expect([name, r.status, r.stdout]).toEqual([name, 0, '6000\n']);
      const z = await ZipReader.open(archive);
      try {
        const table = z.find('lvl/table.py')!;
        expect(table.method).toBe(8);
        sizes[name] = table.compressedSize;
        const noise = z.find('lvl/noise.bin')!;
        expect([name, noise.method]).toEqual([name, 0]);
      } finally {
        await z.close();
      }
    }
    expect(sizes.lvl9).toBeLessThan(sizes.lvl1);
    // The default is level 6: between the two, nearer to 9.
    expect(sizes.default).toBeLessThan(sizes.lvl1);
    expect(sizes.default).toBeGreaterThanOrEqual(sizes.lvl9);
  });

  test('a level outside 1-9 fails at analysis naming the target, the attribute and the range', () => {
    const r = bazel(['build', '//lvl:lvl0'], { cwd: ws, startup });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('python_binary //lvl:lvl0: compression_level = 0; use 1 (fastest) to 9 (smallest), default 6.');
  });
});
