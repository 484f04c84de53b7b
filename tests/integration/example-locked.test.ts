// examples/locked as its README runs it: make_index.sh, a loopback server for index/, the
// build, the archive making a request, and par gen --check / par audit over the hub.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, BAZEL, pyenvInterpreters, ROOT, runArchive, scratch } from './harness';

jest.setTimeout(10 * 60_000);

const py311 = pyenvInterpreters().get('3.11');
if (!py311) console.log('skipped: examples/locked needs pyenv 3.11 (make_index.sh rebuilds its wheels)');
const example = join(ROOT, 'examples/locked');
const tmp = scratch('par-locked-');
const startup = [`--output_base=${join(tmp, 'ob')}`, '--max_idle_secs=120'];
let server: ChildProcess | undefined;
let port = '';

(py311 ? describe : describe.skip)('examples/locked', () => {
  beforeAll(async () => {
    server = spawn('python3', [join(ROOT, 'tests/helpers/serve.py'), join(example, 'index')], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<string>((resolve) => server!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    const r = spawnSync(join(example, 'make_index.sh'), [py311!], { env: { ...process.env, PORT: port }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make_index.sh failed: ${r.stderr}`);
  });
  afterAll(() => {
    server?.kill();
    bazel(['shutdown'], { cwd: example, startup });
  });

  it('builds, and the archive fetches from the loopback server', () => {
    const b = bazel(['build', '//app:fetch', '//app:normalizer'], { cwd: example, startup, env: { PAR_PYTHON_BIN: py311! } });
    if (b.status !== 0) throw new Error(b.stderr.slice(-4000));
    const r = runArchive(join(example, 'bazel-bin/app/fetch'), [`http://127.0.0.1:${port}/simple/idna/`]);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: expect.stringMatching(new RegExp(`^http://127.0.0.1:${port}/simple/idna/ 200, \\d+ bytes, (ascii|utf_8)\\n$`)), stderr: '' });
    expect(runArchive(join(example, 'bazel-bin/app/normalizer'), ['--version']).stdout).toMatch(/^Charset-Normalizer 3\./);
  });

  it('par gen --check agrees with app/BUILD (imports -> @pypi//...), and par audit lists the hub', () => {
    // par runs Bazel through $BAZEL: the test's output base.
    const wrapper = join(tmp, 'bazel');
    writeFileSync(wrapper, `#!/bin/sh\nunset BAZEL\nexec ${BAZEL} ${startup.join(' ')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const par = (args: string[]) => spawnSync('node', [join(ROOT, 'rules/private/tools/par.js'), ...args], { cwd: example, env: { ...process.env, BAZEL: wrapper, PAR_PYTHON_BIN: py311! }, encoding: 'utf8' });
    const g = par(['gen', '--check']);
    expect({ status: g.status, stdout: g.stdout }).toEqual({ status: 0, stdout: '' });
    const a = par(['audit', '--json']);
    expect(a.status).toBe(0);
    const labels = JSON.parse(a.stdout).distributions.map((d: { versions: { labels: string[] }[] }) => d.versions[0].labels[0]);
    expect(labels).toEqual(['@pypi//certifi:certifi', '@pypi//charset_normalizer:charset_normalizer', '@pypi//idna:idna', '@pypi//requests:requests', '@pypi//urllib3:urllib3']);
  });
});
