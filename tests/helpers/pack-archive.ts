// jest scaffolding (not used at run time): real archives from a hand-written pack manifest,
// packed by the verb Bazel runs (`par pack`) with the real bootstrap and /usr/bin/python3.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from '../../src/cli/main';

export const ROOT = join(__dirname, '../..');
export const BOOT = join(ROOT, 'src/bootstrap');
export const COMPILER = join(ROOT, 'rules/private/tools/compile_pyc.py');
export const PY = '/usr/bin/python3';

/** "3.11.2": the build interpreter's version, as the toolchain reports it. */
export function buildVersion(): string {
  return spawnSync(PY, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).stdout.trim();
}

function bootLines(): object[] {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === '__pycache__' ? [] : walk(join(d, e.name))) : e.name.endsWith('.py') || e.name === 'launcher.sh' ? [join(d, e.name)] : []);
  return walk(BOOT).sort().map((f) => ({ t: 'boot', path: relative(BOOT, f), file: f }));
}

/** Writes DIR/NAME.manifest.jsonl for //app:pkg (main app/main.py) with `header` overrides and `lines`. */
export function writeManifest(dir: string, name: string, header: object, lines: object[]): string {
  const file = join(dir, `${name}.manifest.jsonl`);
  const version = buildVersion();
  const h = {
    t: 'header', manifest_version: 1, label: '//app:pkg', main: 'app/main.py', main_module: 'app.main', entry_point: null,
    python: '>=3.8', compression: 'deflate', compile: true, layout: 'zip', shebang: '#!/usr/bin/env python3',
    imports_check: 'error', build_python: { version, cache_tag: `cpython-${version.split('.').slice(0, 2).join('')}` },
    ...header,
  };
  writeFileSync(file, [h, ...bootLines(), ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

/** Runs a par verb in this process, as the worker does: exit code and what it wrote. */
export async function par(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}
