// Hostile and broken wheels are rejected at build time with a message naming wheel and entry.
// The wheels are written with Python's zipfile, as a real (malicious) producer would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWheel } from './read-wheel';

const MAKE = String.raw`
import base64, hashlib, json, sys, zipfile
out, spec = sys.argv[1], json.loads(sys.argv[2])
def h(b): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
files = [(n, d.encode("latin-1")) for n, d in spec.get("files", [["demo/__init__.py", "X = 1\n"]])]
files += [(n, bytes(size)) for n, size in spec.get("zeros", [])]
di = "demo-1.0.dist-info/"
meta = [(di + "METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"), (di + "WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]
rows = "".join("%s,%s,%d\n" % (n, h(d), len(d)) for n, d in files + meta if n not in spec.get("unrecorded", []))
for n, bad in spec.get("tamper", {}).items(): rows = rows.replace(h(dict(files)[n].encode() if False else dict(files)[n]), h(bad.encode()))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files + meta:
        zi = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)); zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = (0o120777 if n in spec.get("links", []) else 0o100644) << 16
        z.writestr(zi, d)
    z.writestr(di + "RECORD", rows + di + "RECORD,,\n")
if spec.get("truncate"):
    data = open(out, "rb").read(); open(out, "wb").write(data[: len(data) // 2])
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'par-wheel-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function make(spec: object, name = 'demo-1.0-py3-none-any.whl'): string {
  const out = join(dir, name);
  const r = spawnSync('/usr/bin/python3', ['-S', '-c', MAKE, out, JSON.stringify(spec)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

async function rejection(file: string): Promise<string> {
  try {
    await readWheel(file, { label: '//third_party:demo', requiresCheck: 'error', zipSafe: true });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the wheel was accepted');
}

test('a well-formed wheel is described', async () => {
  const info = await readWheel(make({}), { label: '//third_party:demo', requiresCheck: 'error', zipSafe: true });
  expect(info).toMatchObject({ name: 'demo', version: '1.0', native: false, extract: false, tags: [['py3', 'none', 'any']] });
  expect(info.entries.map((e) => e.path)).toContain('demo/__init__.py');
});

test('.. in an entry name', async () => {
  const msg = await rejection(make({ files: [['demo/../../evil.py', 'x']] }));
  expect(msg).toMatch(/wheel demo-1.0-py3-none-any.whl is rejected/);
  expect(msg).toMatch(/entry "demo\/..\/..\/evil.py" has a '..' component that would escape the install directory/);
});

test('absolute entry path', async () => {
  expect(await rejection(make({ files: [['/etc/evil.py', 'x']] }))).toMatch(/entry "\/etc\/evil.py" is an absolute path/);
});

test('symbolic link', async () => {
  expect(await rejection(make({ files: [['demo/link', '/etc/passwd']], links: ['demo/link'] }))).toMatch(/entry "demo\/link" is a symbolic link/);
});

test('duplicate entries', async () => {
  const msg = await rejection(make({ files: [['demo/a.py', 'one'], ['demo/a.py', 'two']] }));
  expect(msg).toMatch(/entry "demo\/a.py" appears more than once in the zip directory \(duplicate entry\)/);
});

test('hash that disagrees with RECORD', async () => {
  const msg = await rejection(make({ files: [['demo/a.py', 'real']], tamper: { 'demo/a.py': 'other' } }));
  expect(msg).toMatch(/entry "demo\/a.py" has sha256=\S+, but RECORD says sha256=\S+ \(modified after the wheel was built\?\)/);
});

test('file missing from RECORD', async () => {
  expect(await rejection(make({ files: [['demo/a.py', 'x']], unrecorded: ['demo/a.py'] }))).toMatch(/entry "demo\/a.py" is not listed in RECORD/);
});

test('corrupt (truncated) zip', async () => {
  expect(await rejection(make({ truncate: true }))).toMatch(/wheel demo-1.0-py3-none-any.whl is rejected:\n {2}not a readable zip archive \(corrupt or truncated\)/);
});

test('decompression bomb (ratio)', async () => {
  const msg = await rejection(make({ zeros: [['demo/zeros.bin', 8 << 20]] }));
  expect(msg).toMatch(/entry "demo\/zeros.bin" expands \d+:1 \(\d+ -> 8388608 bytes\), more than the limit of 200:1 \(decompression bomb\?\)/);
});

test('not a wheel file name', async () => {
  const f = join(dir, 'demo.zip');
  writeFileSync(f, 'x');
  expect(await rejection(f)).toMatch(/wheel demo.zip is rejected:\n {2}the file name is not a wheel name/);
});
