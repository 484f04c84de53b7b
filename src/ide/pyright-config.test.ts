import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergePyrightConfig, writePyrightConfig, type OwnedSettings } from './pyright-config';

const next: OwnedSettings = { include: ['a/x.py'], extraPaths: ['.', 'lib/src'], pythonVersion: '3.11' };

describe('mergePyrightConfig', () => {
  test('a fresh config holds exactly par\'s keys', () => {
    expect(mergePyrightConfig(null, null, next)).toEqual({ config: { include: ['a/x.py'], extraPaths: ['.', 'lib/src'], pythonVersion: '3.11' }, notes: [] });
  });

  test('keys par does not own are kept as they are, in place', () => {
    const { config } = mergePyrightConfig({ typeCheckingMode: 'strict', include: [] }, null, next);
    expect(Object.keys(config)).toEqual(['typeCheckingMode', 'include', 'extraPaths', 'pythonVersion']);
    expect(config.typeCheckingMode).toBe('strict');
  });

  test('entries par wrote before are replaced; hand-written ones are kept and reported', () => {
    const previous: OwnedSettings = { include: ['old.py'], extraPaths: ['.', 'gone/src'], pythonVersion: '3.11' };
    const { config, notes } = mergePyrightConfig({ extraPaths: ['.', 'gone/src', 'mine'], include: ['old.py'], pythonVersion: '3.11' }, previous, next);
    expect(config.extraPaths).toEqual(['.', 'lib/src', 'mine']);
    expect(config.include).toEqual(['a/x.py']);
    expect(notes).toEqual(['kept 1 hand-written entry of "extraPaths": mine']);
  });

  test('a hand-set pythonVersion wins and is reported; par\'s own old value is updated', () => {
    const hand = mergePyrightConfig({ pythonVersion: '3.9' }, null, next);
    expect(hand.config.pythonVersion).toBe('3.9');
    expect(hand.notes).toEqual(['kept hand-written "pythonVersion": "3.9" (the build\'s interpreter is 3.11)']);
    const own = mergePyrightConfig({ pythonVersion: '3.10' }, { ...next, pythonVersion: '3.10' }, next);
    expect(own).toEqual({ config: expect.objectContaining({ pythonVersion: '3.11' }), notes: [] });
  });

  test('an owned key that is not a list of strings is an error naming the key and the file', () => {
    expect(() => mergePyrightConfig({ extraPaths: 'lib' }, null, next, '/w/pyrightconfig.json')).toThrow(
      '"extraPaths" in /w/pyrightconfig.json is not a list of strings, so par ide cannot merge its entries into it',
    );
  });
});

describe('writePyrightConfig', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'par-pyright-'));

  test('writes the config and its state; a second run with the same settings changes nothing', () => {
    const d = dir();
    expect(writePyrightConfig(d, next)).toEqual({ config: join(d, 'pyrightconfig.json'), changed: true, notes: [] });
    expect(JSON.parse(readFileSync(join(d, '.par-ide.json'), 'utf8'))).toEqual({ version: 1, pyrightconfig: next });
    expect(writePyrightConfig(d, next).changed).toBe(false);
  });

  test('re-running after the graph changed drops par\'s stale entries and keeps the user\'s', () => {
    const d = dir();
    writePyrightConfig(d, next);
    const cfg = JSON.parse(readFileSync(join(d, 'pyrightconfig.json'), 'utf8'));
    cfg.extraPaths.push('vendor');
    cfg.reportMissingImports = 'warning';
    writeFileSync(join(d, 'pyrightconfig.json'), JSON.stringify(cfg));
    const r = writePyrightConfig(d, { ...next, extraPaths: ['.', 'other/src'] });
    expect(r.notes).toEqual(['kept 1 hand-written entry of "extraPaths": vendor']);
    expect(JSON.parse(readFileSync(join(d, 'pyrightconfig.json'), 'utf8'))).toEqual({
      include: ['a/x.py'], extraPaths: ['.', 'other/src', 'vendor'], pythonVersion: '3.11', reportMissingImports: 'warning',
    });
  });

  test('a config with comments is refused, not rewritten', () => {
    const d = dir();
    const text = '{\n  // mine\n  "typeCheckingMode": "strict"\n}\n';
    writeFileSync(join(d, 'pyrightconfig.json'), text);
    expect(() => writePyrightConfig(d, next)).toThrow(/pyrightconfig\.json is not plain JSON .*; par ide merges its settings by key and would lose comments or trailing commas/);
    expect(readFileSync(join(d, 'pyrightconfig.json'), 'utf8')).toBe(text);
  });

  test('a damaged state file is an error that says how to recover', () => {
    const d = dir();
    writeFileSync(join(d, '.par-ide.json'), '{"version": 7}');
    expect(() => writePyrightConfig(d, next)).toThrow(/\.par-ide\.json is damaged, so par ide cannot tell its own settings from hand-written ones/);
  });

  test('warns that a new pyrightconfig.json shadows pyproject.toml\'s [tool.pyright]', () => {
    const d = dir();
    writeFileSync(join(d, 'pyproject.toml'), '[project]\nname = "x"\n\n[tool.pyright]\nstrict = ["a"]\n');
    expect(writePyrightConfig(d, next).notes).toEqual([expect.stringContaining('pyproject.toml has a [tool.pyright] section; pyright now reads pyrightconfig.json instead and ignores it.')]);
  });
});
