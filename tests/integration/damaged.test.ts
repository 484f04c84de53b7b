// Damaged archives and interpreters that are not what they claim (issue 12 items 3, 4, 5):
// a copy cut anywhere never runs and says so; a flipped byte in a module is one paragraph
// naming the entry; Python 2, a missing $PAR_PYTHON, /bin/false or a fake get the
// interpreter paragraph. Fixtures: tests/integration/damaged/BUILD.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, pyenvInterpreters, runArchive, scratch, type Result } from './harness';
import { ZipReader } from '../../src/archive/zip';

jest.setTimeout(10 * 60_000);

const PKG = 'tests/integration/damaged';
let dir = '';
let app = ''; // deflated, as most archives are
let stored = '';
let bytes = Buffer.alloc(0);
const pyenv = pyenvInterpreters();

beforeAll(() => {
  const r = bazel(['build', `//${PKG}/...`]);
  if (r.status !== 0) throw new Error(`bazel build //${PKG}/... failed:\n${r.stderr.slice(-4000)}`);
  const bin = bazel(['info', 'bazel-bin']).stdout.trim();
  dir = scratch('par-damaged-');
  app = join(dir, 'app');
  stored = join(dir, 'stored');
  copyFileSync(join(bin, PKG, 'app_deflate'), app);
  copyFileSync(join(bin, PKG, 'app'), stored);
  bytes = readFileSync(app);
});

/** Writes `data` as an executable file of `dir` and runs it. */
function runBytes(name: string, data: Buffer, args: string[] = [], env: NodeJS.ProcessEnv = {}): Result & { path: string } {
  const path = join(dir, name);
  writeFileSync(path, data);
  chmodSync(path, 0o755);
  return { path, ...runArchive(path, args, { env }) };
}

describe('a copy cut short never runs', () => {
  const truncated = (path: string, n: number) => `${path} is truncated or damaged (${n} of ${bytes.length} bytes); copy it again\n`;

  test('the launcher records the archive size', () => {
    expect(bytes.toString('latin1').split('\n')[1]).toMatch(new RegExp(`; par_size=${bytes.length} +$`));
  });

  test('at every line of the launcher, at offsets through the zip and in its central directory', async () => {
    const end = '\nexec "$par_py" "$@"\n}\n';
    const text = bytes.subarray(0, bytes.indexOf(end) + end.length);
    // After the first line alone the file is `#!/bin/sh\n`: an empty script, which every sh
    // runs and exits 0. Nothing can be done about that one (nor about cuts inside the guard
    // line itself, which fail with sh's own error); every later cut is caught.
    const lines: number[] = [];
    for (let i = text.indexOf('\n', 10); i >= 0; i = text.indexOf('\n', i + 1)) lines.push(i + 1);
    const zip = await ZipReader.open(app);
    const cd = zip.centralDirectoryOffset;
    await zip.close();
    const inZip: number[] = [];
    for (let n = text.length + 1; n < cd; n += Math.ceil((cd - text.length) / 40)) inZip.push(n);
    const inCd: number[] = [];
    for (let n = cd; n < bytes.length; n += Math.ceil((bytes.length - cd) / 12)) inCd.push(n);
    inCd.push(bytes.length - 1, bytes.length - 22);
    const failures: string[] = [];
    // Cuts inside lines too (after the guard line), every 37th byte.
    const inLines: number[] = [];
    for (let n = lines[0] + 1; n < text.length; n += 37) inLines.push(n);
    for (const n of [...lines, ...inLines, ...inZip, ...inCd, text.length - 1, text.length + 1]) {
      const r = runBytes('cut', bytes.subarray(0, n));
      const err = r.stderr.split(/(?<=\n)/);
      // A cut inside the launcher text is also a syntax error, which sh reports first.
      const shell = err.slice(0, -1).every((l) => /^\S+: (\d+: Syntax error: |line \d+: syntax error)/.test(l)) && err.length <= 2;
      if (r.status !== 1 || r.stdout !== '' || err[err.length - 1] !== truncated(r.path, n) || !shell) {
        failures.push(`cut at ${n}: exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(lines.length).toBeGreaterThan(100);
  });

  test('a copy with a byte appended: the size check holds both ways', () => {
    const r = runBytes('longer', Buffer.concat([bytes, Buffer.from('x')]));
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', `${r.path} is truncated or damaged (${bytes.length + 1} of ${bytes.length} bytes); copy it again\n`]);
  });
});

describe('a damaged module is one paragraph naming the archive and the entry', () => {
  const damaged = (path: string, entry: string, detail: string) =>
    `${path} is damaged: its entry ${entry} does not load (${detail}); copy it again, or rebuild it. \`par inspect ${path}\` lists every entry whose CRC does not match.\n`;

  /** The archive's bytes with `change` applied to the stored data of `entry`. */
  async function flip(file: string, entry: string, change: (data: Buffer) => void): Promise<Buffer> {
    const zip = await ZipReader.open(file);
    const e = zip.find(entry)!;
    await zip.close();
    const b = Buffer.from(readFileSync(file));
    const start = e.localHeaderOffset + 30 + b.readUInt16LE(e.localHeaderOffset + 26) + b.readUInt16LE(e.localHeaderOffset + 28);
    change(b.subarray(start, start + e.compressedSize));
    return b;
  }
  const main = `${PKG}/main.pyc`;
  const greet = `${PKG}/greet.pyc`;

  test('bad marshal data in the main module and in a module it imports', async () => {
    const badType = (d: Buffer) => void (d[16] = 0xff); // the code object's type code, after the .pyc header
    const r = runBytes('bad-main', await flip(stored, main, badType));
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', damaged(r.path, main, 'ValueError: bad marshal data (unknown type code)')]);
    const g = runBytes('bad-greet', await flip(stored, greet, badType), ['greet']);
    expect([g.status, g.stdout, g.stderr]).toEqual([1, 'hello\n', damaged(g.path, greet, 'ValueError: bad marshal data (unknown type code)')]);
  });

  test('corrupt deflate data, through the launch blob and through zipimport alone', async () => {
    const data = await flip(app, main, (d) => void (d[0] |= 0x06)); // block type 3: reserved
    const detail = 'zlib.error: Error -3 while decompressing data: invalid block type';
    for (const env of [{}, { PAR_LAUNCH_BLOB: '0' }]) {
      const r = runBytes('bad-deflate', data, [], env);
      expect([r.status, r.stdout, r.stderr]).toEqual([1, '', damaged(r.path, main, detail)]);
    }
  });

  test("the program's own errors stay its own: a ValueError from marshal in user code is a traceback", () => {
    const r = runArchive(stored, [], { env: { PAR_INTERPRETER: '1' } , input: 'import marshal\nmarshal.loads(b"\\xff")\n' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*\nValueError: bad marshal data \(unknown type code\)\n$/);
  });
});

describe('interpreters that are not what they claim get the interpreter paragraph', () => {
  const minors = () => /\npar_minors='([^']*)'\n/.exec(bytes.toString('latin1'))![1];
  const paragraph = (path: string, but: string, tried: string) =>
    `${path}: //${PKG}:app_deflate needs Python >=3.8, but ${but}. Tried: ${tried}. Install a Python that satisfies >=3.8 (a python3.X on PATH is found automatically), or set PAR_PYTHON to one.\n`;
  const explicit = (p: string) => `$PAR_PYTHON=${p} (set explicitly, so nothing else is tried)`;

  test('PAR_PYTHON naming a missing file, or a name not on PATH', () => {
    const r = runArchive(app, [], { env: { PAR_PYTHON: '/nonexistent/python3' } });
    expect([r.status, r.stdout, r.stderr]).toEqual([127, '', paragraph(app, '$PAR_PYTHON=/nonexistent/python3 is not an executable file', explicit('/nonexistent/python3'))]);
    const n = runArchive(app, [], { env: { PAR_PYTHON: 'no-such-python' } });
    expect([n.status, n.stdout, n.stderr]).toEqual([127, '', paragraph(app, '$PAR_PYTHON=no-such-python names no executable on PATH', explicit('no-such-python'))]);
  });

  test('/bin/false, and a script that prints something else', () => {
    const f = runArchive(app, [], { env: { PAR_PYTHON: '/bin/false' } });
    expect([f.status, f.stdout, f.stderr]).toEqual([
      1, '', paragraph(app, '/bin/false is not a working Python interpreter (asked for its version, it exited with status 1 and reported none)', explicit('/bin/false')),
    ]);
    const fake = join(dir, 'fakepy');
    writeFileSync(fake, '#!/bin/sh\necho "garbage"\n');
    chmodSync(fake, 0o755);
    const g = runArchive(app, [], { env: { PAR_PYTHON: fake } });
    expect([g.status, g.stdout, g.stderr]).toEqual([
      1, '', paragraph(app, `${fake} is not a working Python interpreter (asked for its version, it exited with status 0 and reported none)`, explicit(fake)),
    ]);
  });

  const py27 = pyenv.get('2.7');
  if (!py27) test.skip('Python 2.7 (skipped: no pyenv 2.7 on this machine)', () => undefined);
  (py27 ? test : test.skip)('Python 2.7 as $PAR_PYTHON, and as the python3 on PATH', () => {
    const version = /^Python (2\.7\.\d+)/.exec(require('node:child_process').spawnSync(py27!, ['-V'], { encoding: 'utf8' }).stderr)![1];
    const r = runArchive(app, [], { env: { PAR_PYTHON: py27 } });
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', paragraph(app, `this is Python ${version} (${py27})`, explicit(py27!))]);
    const bin = join(dir, 'py2bin');
    mkdirSync(bin);
    symlinkSync(py27!, join(bin, 'python3'));
    const p = runArchive(app, [], { env: { PATH: bin } });
    expect([p.status, p.stdout, p.stderr]).toEqual([
      1, '', paragraph(app, `this is Python ${version} (${bin}/python3)`, `python3 from the shebang (${bin}/python3); python{${minors()}} on PATH (none found)`),
    ]);
  });

  test('a real interpreter given as $PAR_PYTHON still runs (the same file as python3.X beside it: no probe)', () => {
    const r = runArchive(app, [], { env: { PAR_PYTHON: '/usr/bin/python3', PAR_DEBUG_STARTUP: '1' } });
    expect([r.status, r.stdout]).toEqual([0, 'hello\n']);
    expect(r.stderr).toMatch(/^par: launcher chose \/usr\/bin\/python3 \(\$PAR_PYTHON; launch blob; /);
  });
});
