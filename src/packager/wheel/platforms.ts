// python_binary(target_platforms = [...]): the platforms (PEP 425 platform tags, e.g.
// "manylinux_2_28_x86_64", "macosx_11_0_arm64") an archive is built for, which need not be
// the build host's. Which wheel platform tags a target accepts (as pip would on it) and the
// marker environment (PEP 508) of a CPython there, so that wheel selection and Requires-Dist
// follow the target, not the host.
import { linuxEnvironment, type Environment } from './requirement';

const LEGACY: Record<string, number> = { manylinux1: 5, manylinux2010: 12, manylinux2014: 17 };

interface Parsed { os: 'manylinux' | 'musllinux' | 'linux' | 'macosx' | 'win' | 'other'; version: number[]; arch: string }

function parse(tag: string): Parsed {
  for (const [legacy, minor] of Object.entries(LEGACY)) {
    if (tag.startsWith(`${legacy}_`)) return { os: 'manylinux', version: [2, minor], arch: tag.slice(legacy.length + 1) };
  }
  const m = /^(manylinux|musllinux|macosx)_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (m) return { os: m[1] as Parsed['os'], version: [Number(m[2]), Number(m[3])], arch: m[4] };
  if (tag.startsWith('linux_')) return { os: 'linux', version: [], arch: tag.slice('linux_'.length) };
  if (tag === 'win32' || tag.startsWith('win_')) return { os: 'win', version: [], arch: tag === 'win32' ? 'x86' : tag.slice('win_'.length) };
  return { os: 'other', version: [], arch: tag };
}

const notAfter = (a: number[], b: number[]) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

/** True if a wheel tagged for platform `wheel` installs on `target` (pip's rules, glibc/macOS versions included). */
export function platformFits(wheel: string, target: string): boolean {
  if (wheel === 'any' || wheel === target) return true;
  const w = parse(wheel);
  const t = parse(target);
  if (w.os === 'macosx' && t.os === 'macosx') {
    const archOk = w.arch === t.arch || (w.arch === 'universal2' && ['x86_64', 'arm64'].includes(t.arch)) || (['intel', 'universal'].includes(w.arch) && t.arch === 'x86_64');
    return archOk && notAfter(w.version, t.version);
  }
  if (w.arch !== t.arch) return false;
  if (t.os === 'manylinux' || t.os === 'musllinux') return w.os === 'linux' || (w.os === t.os && notAfter(w.version, t.version));
  return false;
}

/** The PEP 508 marker environment of CPython 3.X on a platform tag. */
export function platformEnvironment(minor: string, target: string): Environment {
  const p = parse(target);
  const env = linuxEnvironment(minor, p.arch);
  if (p.os === 'macosx') return { ...env, sys_platform: 'darwin', platform_system: 'Darwin', platform_machine: p.arch === 'universal2' ? 'arm64' : p.arch };
  if (p.os === 'win') return { ...env, os_name: 'nt', sys_platform: 'win32', platform_system: 'Windows', platform_machine: p.arch === 'amd64' ? 'AMD64' : p.arch === 'arm64' ? 'ARM64' : 'x86' };
  return env;
}
