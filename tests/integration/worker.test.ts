// The packager as a Bazel persistent worker: real Bazel 4.2 uses it, stdout carries only the
// protocol, and archives are byte-identical with and without the worker.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ZipReader } from '../../src/archive/zip';
import { bazel, ROOT, scratch } from './harness';

const PAR = join(ROOT, 'rules/private/tools/par.js');
const TARGETS = ['//examples/hello:pkg', '//examples/monorepo/tools/greeter:greeter', '//examples/monorepo/tools/wordcount:wordcount'];

test('the worker process answers JSON requests on stdout and nothing else', async () => {
  const child = spawn(process.execPath, [PAR, '--persistent_worker'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
  const exited = new Promise<number | null>((res) => child.on('close', res));
  // Pretty-printed like Bazel 4's JsonFormat, then a one-line one.
  child.stdin.write(JSON.stringify({ arguments: ['pack', '--out', 'x'], requestId: 1 }, null, 2));
  child.stdin.write(JSON.stringify({ arguments: ['inspect', '/nonexistent/archive'], requestId: 2 }) + '\n');
  child.stdin.end(JSON.stringify({ arguments: ['frobnicate'] }) + '\n');
  expect(await exited).toBe(0);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatchObject({ requestId: 1, exitCode: 2 });
  expect(lines[0].output).toContain('--manifest: --manifest is required');
  expect(lines[1]).toMatchObject({ requestId: 2, exitCode: 1 });
  expect(lines[1].output).toContain('/nonexistent/archive');
  expect(lines[2]).toMatchObject({ exitCode: 2, output: expect.stringContaining("par: unknown verb 'frobnicate'") });
}, 30_000);

/** A frozen copy of the work tree, so both builds see the same sources. */
function snapshot(): string {
  const dir = scratch('par-worker-ws-');
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n');
  for (const f of files) {
    if (!f || f.startsWith('node_modules/')) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      copyFileSync(join(ROOT, f), join(dir, f));
    } catch {
      // Listed but deleted in the work tree.
    }
  }
  return dir;
}

/** The archive's digest plus "name crc size" per entry, so a mismatch says which entries differ. */
async function describeArchive(file: string): Promise<{ sha256: string; entries: string[] }> {
  const z = await ZipReader.open(file);
  const entries = z.entries.map((e) => `${e.name} ${e.crc32.toString(16)} ${e.compressedSize}`);
  await z.close();
  return { sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), entries };
}

describe('Bazel 4.2 runs pack and stamp in the worker; archives do not depend on it', () => {
  const bases: string[] = [];
  let ws = '';
  beforeAll(() => {
    ws = snapshot();
  });
  afterAll(() => {
    for (const b of bases) {
      bazel(['shutdown'], { startup: [`--output_base=${b}`], cwd: ws });
      rmSync(b, { recursive: true, force: true });
    }
    rmSync(ws, { recursive: true, force: true });
  });

  async function buildIn(label: string, flags: string[]) {
    const base = scratch(`par-worker-${label}-`);
    bases.push(base);
    const startup = [`--output_base=${base}`];
    const r = bazel(['build', '--worker_verbose', ...flags, ...TARGETS], { startup, cwd: ws });
    if (r.status !== 0) throw new Error(`bazel build (${label}) failed:\n${r.stderr.slice(-4000)}`);
    const bin = bazel(['info', ...flags, 'bazel-bin'], { startup, cwd: ws }).stdout.trim();
    const archives = new Map<string, { sha256: string; entries: string[] }>();
    for (const t of TARGETS) {
      const [pkg, name] = t.slice(2).split(':');
      archives.set(t, await describeArchive(join(bin, pkg, name)));
    }
    return { stderr: r.stderr, archives, startup };
  }

  test('byte-identical archives; worker used only where allowed', async () => {
    const withWorker = await buildIn('on', []);
    expect(withWorker.stderr).toMatch(/Created new non-sandboxed ParPack worker \(id \d+\)/);
    expect(withWorker.stderr).toMatch(/Created new non-sandboxed ParImportsCheck worker \(id \d+\)/);
    expect(withWorker.stderr).toMatch(/Created new non-sandboxed ParFragment worker \(id \d+\)/);
    expect(withWorker.stderr).toMatch(/INFO: \d+ processes: .*\b\d+ worker\b/);

    const without = await buildIn('off', [
      '--strategy=ParPack=sandboxed',
      '--strategy=ParStamp=sandboxed',
      '--strategy=ParImportsCheck=sandboxed',
      '--strategy=ParFragment=sandboxed',
      '--strategy=ParImportsReport=sandboxed',
    ]);
    expect(without.stderr).not.toMatch(/ParPack worker/);
    expect(without.stderr).not.toMatch(/\d+ worker\b/);
    expect(without.stderr).toMatch(/INFO: \d+ processes: .*sandbox/);

    for (const t of TARGETS) expect(without.archives.get(t)!.entries).toEqual(withWorker.archives.get(t)!.entries);
    expect(without.archives).toEqual(withWorker.archives);

    const stamped = bazel(['build', '--worker_verbose', '--stamp', '//examples/hello:pkg'], { startup: withWorker.startup, cwd: ws });
    expect(stamped.status).toBe(0);
    expect(stamped.stderr).toMatch(/Created new non-sandboxed ParStamp worker \(id \d+\)/);
  }, 600_000);
});
