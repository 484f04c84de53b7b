// Shared scaffolding for the zip module's jest tests (not used at run time).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const UNZIP = '/usr/bin/unzip';
export const ZIP = '/usr/bin/zip';

/** A launcher like the one the packager prepends. */
export const PREAMBLE = Buffer.from('#!/bin/sh\nexec /usr/bin/env python3 "$0" "$@"\n');

export function scratchDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'par-zip-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], cwd?: string): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function python(code: string, ...args: string[]): Run {
  return run(PYTHON, ['-S', '-c', code, ...args]);
}

/** Fails with Python's own output, which says far more than a bare status. */
export function expectPythonOk(r: Run): string {
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Opens the archive with zipfile, runs testzip, prints name<TAB>sha256 per entry. */
export const PY_LIST = `
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    assert bad is None, bad
    for i in z.infolist():
        print(i.filename + "\\t" + hashlib.sha256(z.read(i)).hexdigest())
`;

export function unzipAvailable(): boolean {
  if (existsSync(UNZIP)) return true;
  console.log(`skipping unzip checks: ${UNZIP} is not installed`);
  return false;
}

/** Deterministic pseudo-random bytes (incompressible) without depending on crypto seeds. */
export function noise(length: number, seed = 1): Buffer {
  const b = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Compressible text that looks like Python source. */
export function pySource(lines: number, tag = 'm'): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`def ${tag}_${i}(x):\n    return x * ${i} + len("${tag}${i % 17}")\n`);
  return Buffer.from(out.join(''));
}
