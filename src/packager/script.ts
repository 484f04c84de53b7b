// python_binary(script = "NAME"): the console_scripts entry of a bundled wheel
// (entry_points.txt), resolved when packing, where the wheels' descriptions are known.
import { ParError } from '../common/errors';
import type { WheelInfo } from '../archive/wheel-info';

export function scriptEntryPoint(label: string, script: string, wheels: WheelInfo[]): string {
  const found = wheels.filter((w) => w.console_scripts[script] !== undefined);
  if (found.length === 1) return found[0].console_scripts[script];
  if (found.length > 1) {
    throw new ParError('MANIFEST_INVALID', `script = '${script}' is a console script of more than one bundled wheel: ${found.map((w) => `${w.name} ${w.version} (${w.console_scripts[script]})`).join(', ')}`, {
      label,
      hint: 'Set entry_point = "module:function" to say which one to run.',
    });
  }
  const all = wheels.flatMap((w) => Object.keys(w.console_scripts).sort().map((s) => `${s} (${w.name})`));
  throw new ParError('MANIFEST_INVALID', `script = '${script}' is not a console script of any bundled wheel; ${all.length ? `they provide: ${all.join(', ')}` : `none of the ${wheels.length} bundled wheels provides console scripts`}`, {
    label,
    hint: 'Name one of those, or add the wheel that provides it to deps.',
  });
}
