// python_binary(target_pythons = [...]): the Pythons an archive must run on. Every one the
// `python` specifier admits needs, for every bundled wheel, a build whose tags fit it; a wheel
// with several builds (python_wheel(wheels = [...])) usually provides them. Checked at build
// time, before the Pythons are narrowed to what the wheels allow (bundle.ts narrowMinors),
// which would otherwise drop a target Python silently.
import { ParError } from '../../common/errors';
import type { WheelInfo } from './info';
import { wheelMinors } from './tags';
import { serves } from './variants';

/** The tags a build for Python 3.`minor` would carry, on the platforms the wheel's builds have. */
function missingTags(w: WheelInfo, minor: number): string[] {
  const plats = [...new Set(w.tags.map((t) => t[2]))].sort();
  return plats.map((p) => (p === 'any' ? `py3${minor}-none-any` : `cp3${minor}-cp3${minor}${minor < 8 ? 'm' : ''}-${p}`));
}

/**
 * Fails unless each of `targets` ('3.X') that the specifier admits (`specMinors`) has a
 * fitting build of every wheel (`views`: one per label, variants merged).
 */
export function checkTargetPythons(label: string, spec: string, specMinors: string[], targets: string[], views: WheelInfo[]): void {
  if (targets.length === 0) return;
  const admitted = targets.filter((t) => specMinors.includes(t));
  if (admitted.length === 0) {
    throw new ParError('BAD_SPECIFIER', `python = '${spec}' admits none of target_pythons (${targets.join(', ')})`, {
      label,
      hint: 'Widen python, or list the Pythons it admits in target_pythons.',
    });
  }
  const problems: string[] = [];
  for (const w of views) {
    for (const t of admitted) {
      const minor = Number(t.split('.')[1]);
      if (wheelMinors(w.tags, [minor]).length) continue;
      problems.push(`${w.label} (${w.name} ${w.version}) has no build for Python ${t}: missing ${missingTags(w, minor).join(' or ')} (its builds serve ${serves(w)})`);
    }
  }
  if (problems.length) {
    throw new ParError('WHEEL_INVALID', `python = '${spec}' admits target Pythons that a bundled wheel does not serve:\n  ${problems.join('\n  ')}`, {
      label,
      hint: 'Add the missing builds to the python_wheel (wheels = [...]), or narrow python (e.g. ">=3.8") or target_pythons.',
    });
  }
}
