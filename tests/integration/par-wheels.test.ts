// par_wheels end to end: real wheels (rebuilt from pyenv 3.11's site-packages) served on
// loopback, locked as a pylock.toml (direct http URLs) and as a hashed requirements file
// (a PEP 503 index over https, one page in PEP 691 JSON); the hub's python_wheel targets
// build into an archive that talks to another loopback server; every failure is checked by
// its whole message; a fresh output base sharing the repository cache builds offline.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { bazel, pyenvInterpreters, ROOT, runArchive, scratch, writeFiles, writeWorkspace, type Result } from './harness';

jest.setTimeout(15 * 60_000);

const py311 = pyenvInterpreters().get('3.11');
const onPath = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = ['openssl', 'keytool'].filter((t) => !onPath(t));
if (!py311) console.log('skipped: par_wheels tests need pyenv 3.11 (its site-packages are the wheels served)');
else if (missing.length) console.log(`skipped: par_wheels tests need ${missing.join(' and ')} for the https index`);
const suite = py311 && !missing.length ? describe : describe.skip;

const tmp = scratch('par-wheels-');
const ws = join(tmp, 'ws');
const srv = join(tmp, 'srv');
const cache = join(tmp, 'repository-cache');
const servers: ChildProcess[] = [];
let http = '';
let https = '';
const startup = (base: string) => [
  `--output_base=${join(tmp, base)}`,
  '--max_idle_secs=120',
  // The https index's self-signed certificate, trusted by Bazel's downloader.
  `--host_jvm_args=-Djavax.net.ssl.trustStore=${join(tmp, 'trust.jks')}`,
  '--host_jvm_args=-Djavax.net.ssl.trustStorePassword=changeit',
];
const env = () => ({ PAR_PYTHON_BIN: py311! });
const run = (args: string[], base = 'ob'): Result =>
  bazel([args[0], `--repository_cache=${cache}`, ...args.slice(1)], { cwd: ws, startup: startup(base), env: env() });

function must(r: Result, what: string): Result {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stderr.slice(-5000)}`);
  return r;
}

/** The text of the fail() that stopped a fetch: from "Error in fail: " to the next Bazel line. */
function failure(r: Result): string {
  expect(r.status).not.toBe(0);
  const m = /Error in fail: ([\s\S]*?)\n(?=ERROR:|INFO:|FAILED:|Loading|Analyzing)/.exec(r.stderr);
  if (!m) throw new Error(`no fail() message in:\n${r.stderr.slice(-3000)}`);
  return m[1];
}

const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

function startServer(args: string[]): Promise<string> {
  const p = spawn('python3', [join(ROOT, 'tests/helpers/serve.py'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(p);
  return new Promise((resolve, reject) => {
    p.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    p.once('exit', (code) => reject(new Error(`serve.py exited ${code}`)));
  });
}

function stopServers(): void {
  for (const s of servers.splice(0)) s.kill();
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Wheel { file: string; dist: string; version: string; sha: string }
const wheels = new Map<string, Wheel>();
const multi: Wheel[] = [];

function pylock(entries: string[]): string {
  return `lock-version = "1.0"\ncreated-by = "par-wheels.test"\n\n${entries.join('\n')}`;
}
function pylockEntry(w: Wheel, url = `${http}/files/${basename(w.file)}`, hash = w.sha): string {
  return `[[packages]]\nname = "${w.dist}"\nversion = "${w.version}"\nwheels = [{ url = "${url}", hashes = { sha256 = "${hash}" } }]\n`;
}

suite('par_wheels', () => {
  beforeAll(async () => {
    mkdirSync(join(srv, 'files'), { recursive: true });
    const real = sh(py311!, [join(ROOT, 'tests/helpers/rebuild_wheel.py'), join(srv, 'files'), 'requests', 'charset_normalizer', 'idna', 'urllib3', 'certifi']);
    const demo = [
      ['demo-a', '1.0', '--requires', 'demo-b; python_version < "3.0"', '--requires', 'demo-c[x]>=1.0', '--requires', 'demo-e; extra == "never"'],
      ['demo-c', '1.0', '--requires', 'demo-d; extra == "x"', '--script', 'demo-c=demo_c:main'],
      ['demo-d', '1.0'],
    ].map((a) => sh('python3', [join(ROOT, 'tests/helpers/make_demo_wheel.py'), join(srv, 'files'), ...a]));
    for (const f of [...real.split('\n'), ...demo.join('').split('\n')].map((l) => l.trim()).filter(Boolean)) {
      const [dist, version] = basename(f).split('-');
      wheels.set(dist.replace(/_/g, '-').toLowerCase(), { file: f, dist: dist.replace(/_/g, '-').toLowerCase(), version, sha: sha256(f) });
    }
    // Two builds of one distribution (cp311, cp312): par_wheels(python_versions = both) keeps both.
    for (const py of ['cp311', 'cp312']) {
      const f = sh('python3', [join(ROOT, 'tests/helpers/make_demo_wheel.py'), join(srv, 'files'), 'demo-m', '1.0', '--tag', `${py}-none-any`, '--script', 'demo-m=demo_m:main']).trim();
      multi.push({ file: f, dist: 'demo-m', version: '1.0', sha: sha256(f) });
    }
    writeFileSync(join(srv, 'files', 'hello.txt'), 'hello from loopback\n');
    writeFileSync(join(srv, 'files', 'demo_x-1.0.tar.gz'), 'not really an sdist\n');
    // PEP 503 pages for the real wheels; idna's in PEP 691 JSON (a static index serves either).
    for (const w of [...wheels.values()]) {
      const name = basename(w.file);
      const page = w.dist === 'idna'
        ? JSON.stringify({ meta: { 'api-version': '1.0' }, name: w.dist, files: [{ filename: name, url: `../../files/${name}`, hashes: { sha256: w.sha } }] })
        : `<!DOCTYPE html><html><body><a href="../../files/${name}#sha256=${w.sha}" data-requires-python="&gt;=3.8">${name}</a><br/></body></html>\n`;
      writeFiles(join(srv, 'simple', w.dist), { 'index.html': page });
    }
    sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(tmp, 'key.pem'), '-out', join(tmp, 'cert.pem')]);
    sh('keytool', ['-importcert', '-noprompt', '-alias', 'loopback', '-file', join(tmp, 'cert.pem'), '-keystore', join(tmp, 'trust.jks'), '-storepass', 'changeit']);
    http = `http://127.0.0.1:${await startServer([srv])}`;
    https = `https://127.0.0.1:${await startServer([srv, '--tls', join(tmp, 'cert.pem'), join(tmp, 'key.pem')])}`;

    const real5 = ['certifi', 'charset-normalizer', 'idna', 'requests', 'urllib3'].map((d) => wheels.get(d)!);
    const [a, c, d] = ['demo-a', 'demo-c', 'demo-d'].map((n) => wheels.get(n)!);
    const certifi = wheels.get('certifi')!;
    const hashes = (w: Wheel) => `--hash=sha256:${w.sha}`;
    writeWorkspace(ws, {
      'pylock.toml': pylock(real5.map((w) => pylockEntry(w))),
      'requirements.txt': `# pip-compile --generate-hashes\n--index-url ${https}/simple/\n\n${real5.map((w) => `${w.dist}==${w.version} \\\n    ${hashes(w)}`).join('\n')}\n`,
      'badhash.toml': pylock([pylockEntry(certifi, undefined, '0'.repeat(64))]),
      'missing.toml': pylock([pylockEntry(certifi, `${http}/files/certifi-0.0-py3-none-any.whl`, '2'.repeat(64))]),
      'sdist.toml': pylock([`[[packages]]\nname = "demo-x"\nversion = "1.0"\nsdist = { url = "${http}/files/demo_x-1.0.tar.gz", hashes = { sha256 = "${'1'.repeat(64)}" } }\n`]),
      'unpinned.txt': `--index-url ${https}/simple/\nrequests>=2.0 ${hashes(wheels.get('requests')!)}\nidna==${wheels.get('idna')!.version}\n`,
      'badreq.txt': `--index-url ${https}/simple/\ncertifi==${certifi.version} --hash=sha256:${'0'.repeat(64)}\n`,
      'edges.toml': pylock([a, c, d].map((w) => pylockEntry(w))),
      'incomplete.toml': pylock([a, c].map((w) => pylockEntry(w))),
      'multi.toml': pylock([`[[packages]]\nname = "demo-m"\nversion = "1.0"\nwheels = [\n${multi.map((w) => `  { url = "${http}/files/${basename(w.file)}", hashes = { sha256 = "${w.sha}" } },\n`).join('')}]\n`]),
      BUILD: [
        'load("@rules_par//rules:defs.bzl", "python_binary")',
        'exports_files(glob(["*.toml", "*.txt"]))',
        'python_binary(name = "get", main = "get.py", srcs = ["get.py"], deps = ["@pypi//requests"])',
        'python_binary(name = "get_idx", main = "get.py", srcs = ["get.py"], deps = ["@idx//requests"])',
        'python_binary(name = "normalizer", script = "normalizer", deps = ["@pypi//charset_normalizer"])',
        'python_binary(name = "demo", script = "demo-c", deps = ["@edges//demo_a"])',
        'python_binary(name = "multi", script = "demo-m", deps = ["@multi//demo_m"])',
        'python_binary(name = "wrong_script", script = "normaliser", deps = ["@pypi//requests"])',
        '',
      ].join('\n'),
      'get.py': 'import sys\nimport requests\n\nr = requests.get(sys.argv[1], timeout=30)\nprint(r.status_code, r.text.strip(), requests.__version__)\n',
    });
    const hubs = [['pypi', 'pylock.toml'], ['idx', 'requirements.txt'], ['badhash', 'badhash.toml'], ['missing', 'missing.toml'], ['sdist', 'sdist.toml'],
      ['unpinned', 'unpinned.txt'], ['badreq', 'badreq.txt'], ['edges', 'edges.toml'], ['incomplete', 'incomplete.toml']];
    writeFileSync(join(ws, 'WORKSPACE'), readFileSync(join(ws, 'WORKSPACE'), 'utf8').replace('"rules_par_register_toolchains")', '"par_wheels", "rules_par_register_toolchains")')
      + hubs.map(([n, l]) => `par_wheels(name = "${n}", lock = "//:${l}")\n`).join('')
      + 'par_wheels(name = "multi", lock = "//:multi.toml", python_versions = ["3.11", "3.12"])\n');
  });

  afterAll(() => {
    stopServers();
    for (const base of ['ob', 'ob-offline']) bazel(['shutdown'], { cwd: ws, startup: startup(base) });
  });

  test('@pypi//requests from a pylock.toml and from a hashed requirements file: archives that make a request; a console script', () => {
    must(run(['build', '//:get', '//:get_idx', '//:normalizer', '//:demo']), 'bazel build');
    const want = `200 hello from loopback ${wheels.get('requests')!.version}\n`;
    for (const t of ['get', 'get_idx']) {
      const r = runArchive(join(ws, 'bazel-bin', t), [`${http}/files/hello.txt`]);
      expect({ t, status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ t, status: 0, stdout: want, stderr: '' });
    }
    const sample = join(tmp, 'sample.txt');
    writeFileSync(sample, 'Hello, rules_par! Ceci est un texte en français.\n');
    const n = runArchive(join(ws, 'bazel-bin', 'normalizer'), ['--minimal', sample]);
    expect({ status: n.status, stdout: n.stdout }).toEqual({ status: 0, stdout: expect.stringMatching(/^(utf_8|ascii)\n$/) });
    expect(runArchive(join(ws, 'bazel-bin', 'demo')).stdout).toBe('demo_c\n');
  });

  test('the hub: one package per distribution, deps from Requires-Dist with markers and extras', () => {
    const q = must(run(['query', '--output=build', '@edges//demo_a + @edges//demo_c + @edges//demo_d + @pypi//requests']), 'query').stdout;
    const deps = (name: string) => new RegExp(`name = "${name}",[\\s\\S]*?deps = \\[([^\\]]*)\\]`).exec(q)?.[1];
    expect(deps('demo_a')).toBe('"@edges//demo_c:demo_c"'); // demo-b: marker false; demo-e: extra not requested
    expect(deps('demo_c')).toBe('"@edges//demo_d:demo_d"'); // extra x requested by demo-a
    expect(deps('demo_d')).toBe('');
    expect(deps('requests')).toBe('"@pypi//certifi:certifi", "@pypi//charset_normalizer:charset_normalizer", "@pypi//idna:idna", "@pypi//urllib3:urllib3"');
  });

  test('python_versions = ["3.11", "3.12"] with a cp311 and a cp312 build locked: python_wheel(wheels = [...]), an archive that runs', () => {
    must(run(['build', '//:multi']), 'bazel build //:multi');
    const q = must(run(['query', '--output=build', '@multi//demo_m']), 'query').stdout;
    expect(/wheels = \[([^\]]*)\]/.exec(q)?.[1]).toBe('"@multi//demo_m:demo_m-1.0-cp311-none-any.whl", "@multi//demo_m:demo_m-1.0-cp312-none-any.whl"');
    const r = runArchive(join(ws, 'bazel-bin', 'multi'));
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'demo_m\n', stderr: '' });
  });

  test('a console script the wheels lack lists the ones they have', () => {
    const r = run(['build', '//:wrong_script']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("par pack: error: //:wrong_script: script = 'normaliser' is not a console script of any bundled wheel; they provide: normalizer (charset-normalizer) Name one of those, or add the wheel that provides it to deps.\n");
  });

  test('lock errors, each by its whole message', () => {
    const certifi = wheels.get('certifi')!;
    const certUrl = `${http}/files/${basename(certifi.file)}`;
    expect(failure(run(['build', '@badhash//certifi']))).toBe(
      `par_wheels @badhash: certifi ${certifi.version}: ${certUrl} has sha256 ${certifi.sha}, but //:badhash.toml locks sha256 ${'0'.repeat(64)}. The file on the server changed, or the lock is wrong: check which, then regenerate the lock.`);
    expect(failure(run(['build', '@badreq//certifi']))).toBe(
      `par_wheels @badreq: //:badreq.txt: 1 locked distribution cannot be used:\n  certifi ${certifi.version} (//:badreq.txt:2): none of the 1 files listed at ${https}/simple/certifi/ has one of the locked hashes (${'0'.repeat(64)}); listed: ${basename(certifi.file)} sha256 ${certifi.sha}`);
    expect(failure(run(['build', '@missing//certifi']))).toBe(
      `par_wheels @missing: certifi ${certifi.version}: cannot download ${http}/files/certifi-0.0-py3-none-any.whl (404 File not found), and the repository cache has no file with sha256 ${'2'.repeat(64)}.`);
    expect(failure(run(['build', '@sdist//demo_x']))).toBe(
      `par_wheels @sdist: //:sdist.toml: 1 locked distribution cannot be used:\n  demo-x 1.0 (//:sdist.toml [[packages]] #1) is locked only as a source distribution (demo_x-1.0.tar.gz); rules_par installs wheels, never builds them: lock a wheel of demo-x (e.g. uv lock / pip-compile with --only-binary=:all:, or build one and serve it from your index)`);
    const req = wheels.get('requests')!;
    expect(failure(run(['build', '@unpinned//requests']))).toBe(
      `par_wheels @unpinned: //:unpinned.txt has 2 problems:\n  //:unpinned.txt:2: 'requests>=2.0 --hash=sha256:${req.sha}': is not pinned to one version with ==\n  //:unpinned.txt:3: 'idna==${wheels.get('idna')!.version}': has no --hash=sha256:...; a lock must name the hash of every file it allows Generate it with \`pip-compile --generate-hashes\` or \`uv pip compile --generate-hashes\`.`);
    expect(failure(run(['build', '@incomplete//demo_a']))).toBe(
      `par_wheels @incomplete: //:incomplete.toml is not complete for python_version 3.11 on Linux:\n  demo-c 1.0 requires 'demo-d; extra == "x"' (Requires-Dist), but the lock has no demo-d Regenerate the lock from the requirements of everything you build (pip-compile / uv lock), or add the missing distributions.`);
  });

  test('offline: a fresh output base sharing the repository cache builds both hubs with the servers stopped', () => {
    stopServers();
    bazel(['shutdown'], { cwd: ws, startup: startup('ob') });
    // The hubs' wheels, fetched and validated (the archives' own actions are not the point here).
    const r = must(run(['build', '@pypi//requests', '@idx//requests', '@idx//charset_normalizer'], 'ob-offline'), 'offline build');
    expect(r.stderr).toContain('Build completed successfully');
  });
});
