// The bytecode compiler kept alive by the persistent worker must not make an archive depend
// on what the worker compiled before (marshal's FLAG_REF follows reference counts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeCompilers, compilePyc, keepCompilersAlive } from '../../src/packager/pyc';
import { missingPyenv, pyenvInterpreters, ROOT, testUnless } from './harness';

const COMPILER = join(ROOT, 'rules/private/tools/compile_pyc.py');
const py312 = pyenvInterpreters().get('3.12');
const py = py312 ?? '/usr/bin/python3';

function stdlib(python: string): string[] {
  const dir = spawnSync(python, ['-S', '-c', 'import os; print(os.path.dirname(os.__file__))'], { encoding: 'utf8' }).stdout.trim();
  return readdirSync(dir).filter((f) => f.endsWith('.py')).sort().slice(0, 150).map((f) => join(dir, f));
}

afterEach(() => closeCompilers());

testUnless(missingPyenv(['3.12']))('a long-lived naive compiler would change bytes; the fork server does not', async () => {
  const files = stdlib(py);
  const target = files.find((f) => f.endsWith('/ftplib.py'))!;
  // Precondition: on this interpreter, compiling other modules first changes ftplib's bytes.
  const naive = (warm: boolean) =>
    spawnSync(py, ['-S', '-c', `
import marshal, sys, hashlib
def dump(f):
    try: return marshal.dumps(compile(open(f,'rb').read(), f.rsplit('/',1)[1], 'exec', dont_inherit=True))
    except SyntaxError: return b''
if sys.argv[1] == 'warm':
    for f in reversed(sys.argv[3:]): dump(f)
print(hashlib.sha256(dump(sys.argv[2])).hexdigest())
`, warm ? 'warm' : 'fresh', target, ...files], { encoding: 'utf8' }).stdout.trim();
  expect(naive(true)).not.toBe(naive(false));

  const item = [{ src: target, dfile: 'ftplib.py' }];
  const [oneShot] = await compilePyc(py, COMPILER, item, '//t:oneshot');
  keepCompilersAlive();
  const warm = [...files].reverse().filter((f) => !f.endsWith('/ftplib.py')).map((f) => ({ src: f, dfile: f.split('/').pop()! }));
  await compilePyc(py, COMPILER, warm, '//t:warm').catch(() => undefined); // Some stdlib files may not parse; irrelevant.
  const [reused] = await compilePyc(py, COMPILER, item, '//t:reused');
  expect(reused.equals(oneShot)).toBe(true);
}, 120_000);

test('syntax errors name the archive path and line; the kept server survives them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'par-pyc-'));
  writeFileSync(join(dir, 'bad.py'), 'x = 1\ndef (:\n');
  writeFileSync(join(dir, 'good.py'), 'x = 1\n');
  keepCompilersAlive();
  await expect(compilePyc(py, COMPILER, [{ src: join(dir, 'bad.py'), dfile: 'pkg/bad.py' }], '//pkg:bin')).rejects.toThrow(
    /Python syntax errors:\n {2}pkg\/bad\.py:2: invalid syntax/,
  );
  await expect(compilePyc(py, COMPILER, [{ src: join(dir, 'nothere.py'), dfile: 'pkg/nothere.py' }], '//pkg:bin')).rejects.toThrow(
    /the bytecode compiler failed \(exit 3\): compile_pyc: FileNotFoundError: .*nothere\.py/,
  );
  const [pyc] = await compilePyc(py, COMPILER, [{ src: join(dir, 'good.py'), dfile: 'pkg/good.py' }], '//pkg:bin');
  expect(pyc.length).toBeGreaterThan(16);
  expect(pyc.readUInt32LE(4)).toBe(1); // PEP 552 unchecked hash
});

test('a build Python that does not exist is a COMPILE_FAILED naming it', async () => {
  await expect(compilePyc('/nonexistent/python3', COMPILER, [{ source: 'x = 1\n', dfile: 'x.py' }], '//pkg:bin')).rejects.toMatchObject({
    code: 'COMPILE_FAILED',
    label: '//pkg:bin',
    message: expect.stringContaining('cannot run the build Python /nonexistent/python3: spawn /nonexistent/python3 ENOENT'),
  });
});

test('PYTHONHASHSEED is fixed, so frozenset constants come out the same on every run', async () => {
  const src = 'def f(x):\n    return x in {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}\n';
  const py38 = pyenvInterpreters().get('3.8') ?? py;
  const runs = new Set<string>();
  for (let i = 0; i < 4; i++) runs.add((await compilePyc(py38, COMPILER, [{ source: src, dfile: 'f.py' }], '//t:x'))[0].toString('hex'));
  expect(runs.size).toBe(1);
});
