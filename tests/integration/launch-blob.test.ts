// The launch blob (src/archive/launch-blob.ts, __par__/_boot.py fast()): with the build
// interpreter, one pread brings the bootstrap and zipimport's directory. Checked here: it is
// used, what it sets up equals what zipimport would have made, and a damaged or disabled blob
// leaves the launch to zipimport instead of breaking it.
import { copyFileSync, chmodSync, closeSync, existsSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readFastField } from '../../src/archive/launch-blob';
import { bazel, buildArchive, DIRECTORY_CHECK, missingPyenv, pyenvInterpreters, runArchive, scratch, testUnless, type Result } from './harness';

jest.setTimeout(10 * 60_000);

let hello = '';
const tmp = scratch('par-blob-');

function ok(r: Result, what: string): Result {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stderr.slice(-4000)}`);
  return r;
}

/** A copy of hello whose bytes at `at` (relative to the blob's data) are replaced. */
function damaged(name: string, patch: (blobOffset: number, blobLength: number) => [number, Buffer]): string {
  const out = join(tmp, name);
  copyFileSync(hello, out);
  chmodSync(out, 0o755);
  const field = readFastField(readFileSync(out).subarray(0, 4096));
  if (!field?.blob) throw new Error('hello has no launch blob');
  const [at, bytes] = patch(field.blob.offset, field.blob.length);
  const fd = openSync(out, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
  return out;
}

beforeAll(() => {
  hello = buildArchive('//examples/hello:pkg');
});

describe('the launch blob', () => {
  it('is what a start with the build interpreter uses: no zipimport before the program', () => {
    const r = ok(runArchive(hello, ['x'], { env: { PAR_DEBUG_STARTUP: '1' } }), 'hello');
    expect(r.stdout).toBe('Hello from rules_par! x\n');
    expect(r.stderr).toMatch(/^par: launcher chose \S+ \(.*; launch blob; allowed/m);
    expect(r.stderr).toMatch(/^par: launch blob +\d+\.\d{3} ms/m);
    expect(r.stderr).not.toContain('pin archive'); // the launcher's descriptor is the pin
  });

  it("fills zipimport's directory exactly as zipimport reads it, and the bootstrap modules look imported", () => {
    const code = [
      DIRECTORY_CHECK,
      // _messages is on no launch path: shipped as source only (src/packager/boot-files.ts)
      'import inspect, __par__._boot as b, __par__._messages as msg',
      "print(type(b.__loader__).__name__, b.__spec__.origin == a + '/__par__/_boot.pyc', __par__.__path__ == [a + '/__par__'])",
      "print('def fast(' in inspect.getsource(b), msg.__file__ == a + '/__par__/_messages.py', len(__par__.fingerprint))",
    ].join('\n');
    const r = ok(runArchive(hello, ['-c', code], { env: { PAR_INTERPRETER: '1' } }), 'checks');
    expect(r.stdout).toMatch(/^OK\n\w*[Ii]mporter True True\nTrue True 64\n$/);
  });

  it('PAR_PYTHON naming a python3 that is the build minor gets it too', () => {
    const build = JSON.parse(ok(runArchive(hello, [], { env: { PAR_INFO: '1' } }), 'PAR_INFO').stdout).build_python.split('.').slice(0, 2).join('.');
    if (!existsSync(`/usr/bin/python${build}`) || realpathSync('/usr/bin/python3') !== realpathSync(`/usr/bin/python${build}`)) {
      console.log(`skipped: /usr/bin/python3 is not python${build} here`);
      return;
    }
    const r = ok(runArchive(hello, ['v'], { env: { PAR_PYTHON: '/usr/bin/python3', PAR_DEBUG_STARTUP: '1' } }), 'PAR_PYTHON');
    expect(r.stdout).toBe('Hello from rules_par! v\n');
    expect(r.stderr).toMatch(/^par: launcher chose \/usr\/bin\/python3 \(\$PAR_PYTHON; launch blob;/m);
  });

  it('PAR_LAUNCH_BLOB=0 leaves it unread', () => {
    const r = ok(runArchive(hello, ['y'], { env: { PAR_DEBUG_STARTUP: '1', PAR_LAUNCH_BLOB: '0' } }), 'hello');
    expect(r.stdout).toBe('Hello from rules_par! y\n');
    expect(r.stderr).not.toContain('launch blob');
    expect(r.stderr).toMatch(/^par: pin archive /m);
  });

  it('damaged (bad data, or a launcher line pointing beside it): never runs, says so; PAR_LAUNCH_BLOB=0 still goes through zipimport', () => {
    const size = statSync(hello).size;
    const refused = (path: string) => `${path} is truncated or damaged (${size} of ${size} bytes); copy it again\n`;
    const garbage = damaged('garbage', (offset) => [offset, Buffer.alloc(64, 0x3f)]);
    const r = runArchive(garbage, ['z']);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', refused(garbage)]);
    const zi = ok(runArchive(garbage, ['z'], { env: { PAR_DEBUG_STARTUP: '1', PAR_LAUNCH_BLOB: '0' } }), 'garbage blob, PAR_LAUNCH_BLOB=0');
    expect(zi.stdout).toBe('Hello from rules_par! z\n');
    expect(zi.stderr).toMatch(/^par: pin archive /m);

    const head = readFileSync(hello).subarray(0, 4096);
    const field = readFastField(head)!;
    const beside = damaged('beside', () => [field.at, Buffer.from(`${String(field.blob!.offset + 1).padStart(10)} ${String(field.blob!.length).padStart(10)}`)]);
    const p = runArchive(beside, ['w']);
    expect([p.status, p.stdout, p.stderr]).toEqual([1, '', refused(beside)]);
  });
});

// The blob fills zipimport's private directory cache, whose shape is the same from 3.8 to
// 3.13 but whose readers differ (3.13 reads it through _get_files()). Built here with the
// oldest and the newest toolchain interpreter present, each in its own output base.
describe('the launch blob under other toolchain interpreters', () => {
  const pyenv = pyenvInterpreters();
  for (const minor of ['3.8', '3.13']) {
    const py = pyenv.get(minor);
    testUnless(missingPyenv([minor]))(`built by ${minor}: same directory as zipimport reads, and invalidate_caches() re-reads the pinned file`, () => {
      const base = scratch(`par-blob-${minor}-`);
      const opts = { startup: [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=60'], env: { PAR_PYTHON_BIN: py! } };
      try {
        const archive = buildArchive('//examples/hello:pkg', [], opts);
        const dir = py!.slice(0, py!.lastIndexOf('/'));
        const code = `${DIRECTORY_CHECK}\nimport importlib\nimportlib.invalidate_caches()\nimport __par__._messages\nprint(sys.version_info[:2] == (${minor.replace('.', ', ')}), 'reread')`;
        const r = ok(runArchive(archive, ['-c', code], { env: { PATH: `${dir}:/usr/bin:/bin`, PAR_INTERPRETER: '1', PAR_DEBUG_STARTUP: '1' } }), minor);
        expect(r.stdout).toBe('OK\nTrue reread\n');
        expect(r.stderr).toMatch(/^par: launch blob +\d/m);
      } finally {
        bazel(['shutdown'], opts);
        rmSync(base, { recursive: true, force: true });
      }
    });
  }
});
