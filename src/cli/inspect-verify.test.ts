// `par inspect` reads every entry back: a damaged copy (CRC) and names that leave their
// directory (`../`, absolute) are named, and the command exits non-zero (issue 12).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, writeArchive } from '../../tests/helpers/test-archives';
import { ZipReader } from '../archive/zip';
import { inspectArchive, unsafeName } from './inspect';
import { run } from './main';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('par inspect checks every entry', () => {
  let s: ReturnType<typeof scratch>;
  beforeEach(() => (s = scratch()));
  afterEach(() => s.cleanup());

  it('a clean archive: no problems, exit 0', async () => {
    const a = await writeArchive(join(s.dir, 'ok'), { 'app/main.py': 'print(1)\n' });
    expect((await inspectArchive(a, false)).problems).toEqual([]);
    const r = await cli(['inspect', a]);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out.split('\n')[1]).toBe('  revision   none: unstamped build (stamp with --config=release, or stamp = 1 on the target)');
  });

  it('names an entry whose bytes no longer match their CRC, first in the report and in the error', async () => {
    const a = await writeArchive(join(s.dir, 'flipped'), { 'app/main.py': 'print("hello")\n' }, { compress: false });
    const zip = await ZipReader.open(a);
    const e = zip.find('app/main.py')!;
    await zip.close();
    const bytes = readFileSync(a);
    const at = e.localHeaderOffset + 30 + e.name.length + 7; // inside print("hello")
    bytes[at] ^= 0x20;
    writeFileSync(a, bytes);
    const crc = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
    const { crc32 } = await import('node:zlib');
    const got = crc(crc32(bytes.subarray(at - 7, at - 7 + e.uncompressedSize)) >>> 0);
    const problem = `CRC mismatch: expected ${crc(e.crc32)}, got ${got}`;
    expect((await inspectArchive(a, false)).problems).toEqual([{ entry: 'app/main.py', problem }]);
    const r = await cli(['inspect', a]);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 2)).toEqual([a, `  DAMAGED    app/main.py: ${problem}`]);
    expect(r.err).toBe(
      `par inspect: error: ${a} has 1 damaged or unsafe entry: app/main.py (${problem}) Copy it again, or rebuild it; never run an archive whose entries leave their directory.\n`,
    );
    expect(JSON.parse((await cli(['inspect', '--json', a])).out).problems).toEqual([{ entry: 'app/main.py', problem }]);
  });

  it('flags names that leave their directory: a .. part, or absolute', async () => {
    const a = await writeArchive(join(s.dir, 'evil'), { 'app/main.py': 'x\n', '../evil.py': 'x\n', 'app/../../up.py': 'x\n', 'Zetc/cron.d/x': 'x\n' });
    // Our writer refuses absolute names; a hand-made zip has them: same length, renamed in place.
    const bytes = readFileSync(a);
    for (let at = bytes.indexOf('Zetc/cron.d/x'); at >= 0; at = bytes.indexOf('Zetc/cron.d/x', at + 1)) bytes[at] = 0x2f;
    writeFileSync(a, bytes);
    const dotdot = "its name has a '..' part: it would be written outside the directory it is unpacked into";
    const absolute = 'its name is absolute: it would be written outside the directory it is unpacked into';
    expect((await inspectArchive(a, false)).problems).toEqual([
      { entry: '../evil.py', problem: dotdot },
      { entry: '/etc/cron.d/x', problem: absolute },
      { entry: 'app/../../up.py', problem: dotdot },
    ]);
    const r = await cli(['inspect', a]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `par inspect: error: ${a} has 3 damaged or unsafe entries: ../evil.py (${dotdot}); /etc/cron.d/x (${absolute}); app/../../up.py (${dotdot}) Copy it again, or rebuild it; never run an archive whose entries leave their directory.\n`,
    );
  });

  it('unsafeName: Windows spellings too; ordinary names with dots are fine', () => {
    expect(unsafeName('a\\..\\b')).toMatch(/'\.\.' part/);
    expect(unsafeName('C:/x')).toMatch(/absolute/);
    expect(unsafeName('a/..b/c..d/.x')).toBeUndefined();
  });
});
