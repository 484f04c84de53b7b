import { consoleScripts } from '../common/entry-points';
import { scriptEntryPoint } from './script';
import type { WheelInfo } from '../archive/wheel-info';

const wheel = (name: string, scripts: Record<string, string>) => ({ name, version: '1.0', console_scripts: scripts }) as unknown as WheelInfo;

describe('python_binary(script = ...)', () => {
  it('reads console_scripts from entry_points.txt', () => {
    expect(consoleScripts('[gui_scripts]\ng = a:b\n\n[console_scripts]\nblack = black:patched_main\n  blackd=blackd:patched_main [d]\n# x\n')).toEqual({
      black: 'black:patched_main',
      blackd: 'blackd:patched_main',
    });
  });

  it("resolves to the wheel's entry point", () => {
    expect(scriptEntryPoint('//:b', 'black', [wheel('click', {}), wheel('black', { black: 'black:patched_main' })])).toBe('black:patched_main');
  });

  it('a name no wheel has lists those they have; two wheels with it is ambiguous', () => {
    const ws = [wheel('black', { blackd: 'blackd:main', black: 'black:main' }), wheel('click', {}), wheel('other', { black: 'other:main' })];
    expect(() => scriptEntryPoint('//:b', 'blak', ws)).toThrow("script = 'blak' is not a console script of any bundled wheel; they provide: black (black), blackd (black), black (other)");
    expect(() => scriptEntryPoint('//:b', 'black', ws)).toThrow("script = 'black' is a console script of more than one bundled wheel: black 1.0 (black:main), other 1.0 (other:main)");
    expect(() => scriptEntryPoint('//:b', 'x', [wheel('click', {})])).toThrow("script = 'x' is not a console script of any bundled wheel; none of the 1 bundled wheels provides console scripts");
  });
});
