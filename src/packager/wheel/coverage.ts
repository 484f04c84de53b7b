// python_binary(target_pythons = [...], target_platforms = [...]): the Pythons and platforms an
// archive must run on. Every Python the `python` specifier admits needs, on every target
// platform, for every bundled wheel, a build whose tags fit it; a wheel
// with several builds (python_wheel(wheels = [...])) usually provides them. Checked at build
// time, before the Pythons are narrowed to what the wheels allow (bundle.ts narrowMinors),
// which would otherwise drop a target Python silently.
import { ParError } from '../../common/errors';
import type { WheelInfo } from '../../archive/wheel-info';
import { platformFits } from './platforms';
import { wheelMinors } from './tags';
import { serves } from './variants';

/** The tags a build for Python 3.`minor` (or any of the wheel's Pythons) on `plat` (or its platforms) would carry. */
function missingTags(w: WheelInfo, minor: number | undefined, plat: string | undefined): string[] {
  const plats = plat ? [plat] : [...new Set(w.tags.map((t) => t[2]))].sort();
  const pys = minor !== undefined ? [undefined] : [...new Set(w.tags.map((t) => `${t[0]}-${t[1]}`))].sort();
  return plats.flatMap((p) => pys.map((py) => {
    if (py) return `${py}-${p}`;
    return p === 'any' ? `py3${minor}-none-any` : `cp3${minor}-cp3${minor}${minor! < 8 ? 'm' : ''}-${p}`;
  }));
}

/**
 * Fails unless each of `targets` ('3.X') that the specifier admits (`specMinors`) has, on each
 * of `platforms` (platform tags; none: not checked), a fitting build of every wheel (`views`:
 * one per label, variants merged).
 */
export function checkTargets(label: string, spec: string, specMinors: string[], targets: string[], platforms: string[], views: WheelInfo[]): void {
  if (targets.length === 0 && platforms.length === 0) return;
  const admitted = targets.filter((t) => specMinors.includes(t));
  if (targets.length && admitted.length === 0) {
    throw new ParError('BAD_SPECIFIER', `python = '${spec}' admits none of target_pythons (${targets.join(', ')})`, {
      label,
      hint: 'Widen python, or list the Pythons it admits in target_pythons.',
    });
  }
  const problems: string[] = [];
  for (const w of views) {
    for (const t of admitted.length ? admitted : [undefined]) {
      const minor = t === undefined ? undefined : Number(t.split('.')[1]);
      for (const plat of platforms.length ? platforms : [undefined]) {
        const fits = w.tags.some((tag) => (minor === undefined || wheelMinors([tag], [minor]).length > 0) && (!plat || platformFits(tag[2], plat)));
        if (fits) continue;
        const what = t && plat ? `Python ${t} on ${plat}` : t ? `Python ${t}` : plat;
        problems.push(`${w.label} (${w.name} ${w.version}) has no build for ${what}: missing ${missingTags(w, minor, plat).join(' or ')} (its builds serve ${serves(w)})`);
      }
    }
  }
  if (problems.length) {
    throw new ParError('WHEEL_INVALID', `a bundled wheel does not serve every target (python = '${spec}'${targets.length ? `, target_pythons ${targets.join(', ')}` : ''}${platforms.length ? `, target_platforms ${platforms.join(', ')}` : ''}):\n  ${problems.join('\n  ')}`, {
      label,
      hint: 'Add the missing builds to the python_wheel (wheels = [...]), or narrow python (e.g. ">=3.8"), target_pythons or target_platforms.',
    });
  }
}

/** With target_platforms, the builds of a wheel with several that serve none of them stay out of the archive. */
export function servesSomePlatform(w: WheelInfo, platforms: string[]): boolean {
  return platforms.length === 0 || w.tags.some((t) => platforms.some((p) => platformFits(t[2], p)));
}
