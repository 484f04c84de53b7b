// Checks over the wheels of one binary's closure: one version per distribution, and every
// Requires-Dist that applies on the binary's Pythons satisfied by a bundled distribution.
import { ParError } from '../../common/errors';
import type { WheelInfo } from '../../archive/wheel-info';
import { evaluateMarker, linuxEnvironment, normalizeName, parseRequirement } from './requirement';
import { platformEnvironment } from './platforms';
import { specifierMatches, VersionSpecError } from './version';

/** Fails if two wheels of the closure provide one (normalised) distribution. */
export function checkOneVersion(label: string, wheels: WheelInfo[]): void {
  const byName = new Map<string, WheelInfo[]>();
  for (const w of wheels) byName.set(w.normalized, [...(byName.get(w.normalized) ?? []), w]);
  const clashes = [...byName.entries()].filter(([, ws]) => ws.length > 1).sort();
  if (clashes.length === 0) return;
  const lines = clashes.map(([n, ws]) => `distribution '${n}' comes from ${ws.map((w) => `${w.label} (${w.name} ${w.version})`).join(' and ')}`);
  throw new ParError('WHEEL_INVALID', `the closure holds more than one wheel of a distribution:\n  ${lines.join('\n  ')}`, {
    label,
    hint: 'Keep one python_wheel per distribution in the repository (see `par audit //...`) and make every target depend on it.',
  });
}

function machineOf(w: WheelInfo): string {
  for (const [, , plat] of w.tags) {
    const m = /(x86_64|aarch64|i686|ppc64le|s390x|armv7l)$/.exec(plat);
    if (m) return m[1];
  }
  return 'x86_64';
}

/**
 * Unsatisfied Requires-Dist: throws for wheels with requires_check 'error', returns warnings for 'warn'.
 * Markers are evaluated for CPython on each of `platforms` (the binary's target_platforms), or on Linux.
 */
export function checkRequirements(label: string, wheels: WheelInfo[], minors: string[], platforms: string[] = []): string[] {
  const have = new Map(wheels.map((w) => [w.normalized, w]));
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const w of wheels) {
    if (w.requires_check === 'off') continue;
    for (const raw of w.requires_dist) {
      const req = parseRequirement(raw);
      const envs = (minors.length ? minors : ['3.99']).flatMap((m) =>
        platforms.length ? platforms.map((p) => platformEnvironment(m, p)) : [linuxEnvironment(m, machineOf(w))]);
      if (req.marker && !envs.some((env) => evaluateMarker(req.marker!, env))) continue;
      const dep = have.get(normalizeName(req.name));
      let problem: string | undefined;
      if (!dep) problem = `${w.label} (${w.name} ${w.version}) requires '${req.raw}', but no dep of the binary provides ${req.name}`;
      else {
        let ok: boolean;
        try {
          ok = specifierMatches(req.specifier, dep.version);
        } catch (e) {
          if (!(e instanceof VersionSpecError)) throw e;
          ok = false;
        }
        if (!ok) problem = `${w.label} (${w.name} ${w.version}) requires '${req.raw}', but the closure has ${dep.name} ${dep.version} from ${dep.label}`;
      }
      if (problem) (w.requires_check === 'error' ? errors : warnings).push(problem);
    }
  }
  if (errors.length) {
    throw new ParError('WHEEL_INVALID', `unsatisfied wheel requirements (Requires-Dist):\n  ${errors.join('\n  ')}`, {
      label,
      hint: "Add a python_wheel of the required version to the wheel's deps, or set requires_check = 'warn' (or 'off') on the python_wheel.",
    });
  }
  return warnings;
}
