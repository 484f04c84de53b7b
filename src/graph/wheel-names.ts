// The top-level import names a bundled wheel provides, from the description the python_wheel
// action writes (src/archive/wheel-info.ts): the first component of every install path,
// minus metadata directories; `six.py` gives six, `_cffi.cpython-311-x86_64-linux-gnu.so`
// gives _cffi.
import { readWheelInfo } from '../archive/wheel-info';

export function topLevelFromPaths(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    const first = p.split('/')[0];
    if (!first || first.endsWith('.dist-info') || first.endsWith('.data')) continue;
    if (!p.includes('/')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(\.[^/]*)?\.(py|pyc|so|pyd)$/.exec(first);
      if (m) out.add(m[1]);
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(first)) out.add(first);
  }
  return out;
}

export function topLevelNames(infoFile: string, label: string): Set<string> {
  return topLevelFromPaths(readWheelInfo(infoFile, label).entries.map((e) => e.path));
}
