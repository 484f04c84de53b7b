// `par audit`: one version per distribution across a repository. A throw-away workspace holds
// real (small) wheels made with Python's zipfile: demo-pkg 1.0 under //third_party and, under
// another normalised spelling, 2.0 under //legacy.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BAZEL, bazel, ROOT, scratch, writeWorkspace } from './harness';

const PAR = join(ROOT, 'rules/private/tools/par.js');
jest.setTimeout(600_000);

const MAKE = String.raw`
import base64, hashlib, sys, zipfile
out, name, version = sys.argv[1:4]
def h(b): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
di = "%s-%s.dist-info/" % (out.rsplit("/", 1)[1].split("-")[0], version)
files = [("demo_pkg/__init__.py", b"V = %r\n" % version.encode()),
         (di + "METADATA", ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode()),
         (di + "WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files: z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), d)
    z.writestr(di + "RECORD", "".join("%s,%s,%d\n" % (n, h(d), len(d)) for n, d in files) + di + "RECORD,,\n")
`;

function wheel(ws: string, pkg: string, file: string, name: string, version: string): void {
  mkdirSync(join(ws, pkg), { recursive: true });
  const r = spawnSync('/usr/bin/python3', ['-S', '-c', MAKE, join(ws, pkg, file), name, version], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  writeFileSync(join(ws, pkg, 'BUILD'), `load("@rules_par//rules:defs.bzl", "python_wheel")\npython_wheel(name = "demo", wheel = "${file}", visibility = ["//visibility:public"])\n`);
}

describe('par audit', () => {
  const base = scratch('par-it-audit-');
  const ws = join(base, 'ws');
  const ob = join(base, 'ob');
  // par runs `bazel` from $BAZEL: a wrapper that keeps this test on its own output base.
  const wrapper = join(base, 'bazel');

  beforeAll(() => {
    writeWorkspace(ws, {});
    wheel(ws, 'third_party/demo', 'demo_pkg-1.0-py3-none-any.whl', 'demo_pkg', '1.0');
    wheel(ws, 'legacy/demo', 'Demo.Pkg-2.0-py3-none-any.whl', 'Demo.Pkg', '2.0');
    wheel(ws, 'third_party/other', 'other-3.1-py3-none-any.whl', 'other', '3.1');
    // scripts/bazel itself honours $BAZEL: unset it there, or the wrapper would call itself.
    writeFileSync(wrapper, `#!/bin/sh\nunset BAZEL\nexec ${JSON.stringify(BAZEL)} --output_base=${JSON.stringify(ob)} "$@"\n`);
    chmodSync(wrapper, 0o755);
  });
  afterAll(() => bazel(['shutdown'], { cwd: ws, startup: [`--output_base=${ob}`] }));

  const par = (args: string[]) =>
    spawnSync(process.execPath, [PAR, 'audit', ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, BAZEL: wrapper, BUILD_WORKSPACE_DIRECTORY: '' } });

  test('two targets providing one distribution at different versions fail, naming both labels and versions', () => {
    const r = par([]);
    expect(r.stderr).toContain(
      'par audit: error: 1 distribution is provided at more than one version:\n  demo-pkg: //third_party/demo:demo (1.0) vs //legacy/demo:demo (2.0)',
    );
    expect(r.stderr).toContain('Keep one python_wheel per distribution');
    expect(r.status).toBe(1);
  });

  test('one version each passes and lists the distributions', () => {
    const r = par(['//third_party/...', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      distributions: [
        { name: 'demo-pkg', versions: [{ version: '1.0', labels: ['//third_party/demo:demo'] }] },
        { name: 'other', versions: [{ version: '3.1', labels: ['//third_party/other:demo'] }] },
      ],
    });
  });

  test('a pattern that is not a label is rejected', () => {
    const r = par(['third_party']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('patterns look like //... or //pkg:name');
  });
});
