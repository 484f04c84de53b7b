// __par__/_tags.py ranks the tags that fit the running interpreter as packaging.tags orders
// them (sys_tags(): most specific first), so a wheel with several builds gets the build pip
// would install. Checked against packaging itself (Debian's python3-packaging, or the copy
// pip vendors in each pyenv interpreter) over a grid of tags: every CPython/py, ABI
// (own, abi3, none) and platform (manylinux new and legacy, musllinux, linux, any, foreign).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const BOOTSTRAP = resolve(__dirname);

const SCRIPT = String.raw`
import sys
sys.path.insert(0, sys.argv[1])
try:
    from packaging import tags as T
except ImportError:
    try:
        from pip._vendor.packaging import tags as T
    except ImportError:
        print("no-packaging"); sys.exit(0)
from __par__ import _tags
minor = sys.version_info[1]
plats = ("linux_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_28_x86_64",
         "manylinux1_x86_64", "musllinux_1_1_x86_64", "any", "macosx_11_0_arm64", "manylinux_2_17_aarch64")
grid = set()
for y in range(2, minor + 2):
    for py in ("cp3%d" % y, "py3%d" % y, "py3"):
        for abi in ("cp3%d" % y, "abi3", "none"):
            for plat in plats:
                grid.add((py, abi, plat))
theirs = [t for t in ((t.interpreter, t.abi, t.platform) for t in T.sys_tags()) if t in grid]
ours = sorted([t for t in theirs if _tags.rank(t) is not None], key=_tags.rank)
print("same" if ours == theirs else "differ: %r" % [(a, b) for a, b in zip(ours, theirs) if a != b][:3])
# best(): of several builds, the one holding the best-ranked tag
builds = [{"name": "abi3", "tags": [["cp3%d" % (minor - 1), "abi3", "manylinux_2_17_x86_64"]]},
          {"name": "own", "tags": [["cp3%d" % minor, "cp3%d" % minor, "linux_x86_64"]]},
          {"name": "pure", "tags": [["py3", "none", "any"]]},
          {"name": "mac", "tags": [["cp3%d" % minor, "cp3%d" % minor, "macosx_11_0_arm64"]]}]
print(_tags.best(builds)["name"], _tags.best(builds[:1] + builds[2:])["name"], _tags.best(builds[2:])["name"], _tags.best(builds[3:]))
# On a macOS host (sys.platform and the kernel release stood in for: macOS runs nowhere here):
# macOS builds rank as packaging's mac_platforms() orders them for that version and machine.
import posix
class U:
    def __init__(self, release, machine):
        self.release, self.machine = release, machine
sys.platform = "darwin"
cp = "cp3%d" % minor
macs = [(cp, cp, "macosx_%d_%d_%s" % (v[0], v[1], f)) for v in ((10, 9), (10, 15), (11, 0), (12, 0), (13, 0), (14, 0))
        for f in ("arm64", "x86_64", "universal2", "intel", "universal")]
for release, machine, version in (("22.1.0", "arm64", (13, 0)), ("21.6.0", "x86_64", (12, 0)), ("19.6.0", "x86_64", (10, 15))):
    posix.uname = lambda r=release, m=machine: U(r, m)
    want = [(cp, cp, p) for p in T.mac_platforms(version, machine)]
    want = [t for t in want if t in macs]
    ours = sorted([t for t in macs if _tags.rank(t) is not None], key=_tags.rank)
    print(release, machine, "same" if ours == want else "differ: %r vs %r" % (ours[:4], want[:4]))
`;

function interpreters(): string[] {
  const root = join(homedir(), '.pyenv/versions');
  const pyenv = existsSync(root) ? readdirSync(root).filter((v) => /^3\.(8|9|1[0-3])\./.test(v)).map((v) => join(root, v, 'bin/python')) : [];
  return ['python3', ...pyenv];
}

test('the fitting tags rank as packaging.tags orders them; best() picks the build of the best tag', () => {
  const checked: string[] = [];
  for (const py of interpreters()) {
    const r = spawnSync(py, ['-c', SCRIPT, BOOTSTRAP], { encoding: 'utf8' });
    if (r.error) continue; // not installed
    expect(r.stderr).toBe('');
    if (r.stdout.trim() === 'no-packaging') continue;
    expect(r.stdout).toBe('same\nown abi3 pure None\n22.1.0 arm64 same\n21.6.0 x86_64 same\n19.6.0 x86_64 same\n');
    checked.push(py);
  }
  if (checked.length === 0) console.log('tags-order: skipped: no interpreter with packaging (or pip) installed');
  else console.log(`tags-order: checked against packaging.tags under ${checked.join(', ')}`);
});
