// Shared by the IDE integration tests: run the par CLI bundle against a workspace (with its own
// Bazel output base), and pyright from npm with no Python on PATH, so only the config can make
// third-party imports resolve (the host's site-packages never do).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BAZEL, ROOT, type Result } from './harness';

export const PAR_JS = join(ROOT, 'rules/private/tools/par.js');
const PYRIGHT = join(ROOT, 'node_modules/pyright/index.js');

/** A BAZEL for the CLI that runs scripts/bazel with extra startup options. */
export function bazelWrapper(dir: string, startup: string[]): string {
  const p = join(dir, 'bazel-wrapper.sh');
  const quoted = startup.map((s) => `'${s.replace(/'/g, `'\\''`)}'`).join(' ');
  writeFileSync(p, `#!/bin/sh\nBAZEL= exec '${BAZEL}' ${quoted} "$@"\n`);
  chmodSync(p, 0o755);
  return p;
}

export function par(args: string[], cwd: string, bazel?: string): Result {
  const env: NodeJS.ProcessEnv = { ...process.env, BAZEL: bazel ?? BAZEL };
  delete env.BUILD_WORKSPACE_DIRECTORY;
  delete env.BUILD_WORKING_DIRECTORY;
  const r = spawnSync(process.execPath, [PAR_JS, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface Diagnostic { file: string; rule?: string; message: string }

/** pyright's diagnostics: with `-p CONFIG`, or on the given files with no config at all. */
export function pyright(scratchDir: string, cwd: string, args: string[]): Diagnostic[] {
  const bin = join(scratchDir, 'node-only-bin');
  mkdirSync(bin, { recursive: true });
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
  } catch {
    // already there
  }
  const r = spawnSync(process.execPath, [PYRIGHT, '--outputjson', ...args], {
    cwd,
    env: { PATH: bin, HOME: process.env.HOME ?? '/root' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const out = r.stdout ?? '';
  const json = out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1);
  if (!json) throw new Error(`pyright printed no JSON (exit ${r.status}):\n${out}\n${r.stderr}`);
  const parsed = JSON.parse(json) as { generalDiagnostics: Diagnostic[]; summary: { filesAnalyzed: number } };
  if (parsed.summary.filesAnalyzed === 0) throw new Error(`pyright analysed no files:\n${out}\n${r.stderr}`);
  return parsed.generalDiagnostics;
}

/**
 * A config beside `config` (same project root) with only its "include": pyright on the same
 * files, without the generated settings.
 */
export function bareConfig(config: string): string {
  const cfg = JSON.parse(readFileSync(config, 'utf8')) as { include: string[] };
  const p = join(dirname(config), 'bare-pyrightconfig.json');
  writeFileSync(p, JSON.stringify({ include: cfg.include }));
  return p;
}

/** The unresolved-import diagnostics, as "file: message". */
export function unresolved(diags: Diagnostic[]): string[] {
  return diags
    .filter((d) => d.rule === 'reportMissingImports' || d.rule === 'reportMissingModuleSource' || /could not be resolved/.test(d.message))
    .map((d) => `${d.file}: ${d.message}`);
}

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}

export const WORKSPACE_PREAMBLE = `workspace(name = "ide_ws")
local_repository(name = "rules_par", path = "${ROOT}")
local_repository(name = "rules_java", path = "${ROOT}/third_party/offline_stubs/rules_java")
local_repository(name = "rules_cc", path = "${ROOT}/third_party/offline_stubs/rules_cc")
load("@rules_par//rules:repositories.bzl", "rules_par_dependencies", "rules_par_register_toolchains")
rules_par_dependencies()
rules_par_register_toolchains()
`;
