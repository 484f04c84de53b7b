// Writes par's settings into pyrightconfig.json by merging by key, so hand-written settings
// survive re-runs. par owns three keys: include, extraPaths (list entries it added) and
// pythonVersion (unless set by hand). What it wrote last time is kept in .par-ide.json next to
// the config, so a re-run can tell its own entries (replaced) from the user's (kept, and said).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ParError } from '../common/errors';

export const CONFIG_FILE = 'pyrightconfig.json';
export const STATE_FILE = '.par-ide.json';

export interface OwnedSettings {
  include: string[];
  extraPaths: string[];
  pythonVersion: string;
}

const OwnedSchema = z.object({ include: z.array(z.string()), extraPaths: z.array(z.string()), pythonVersion: z.string() });
const StateSchema = z.object({ version: z.literal(1), pyrightconfig: OwnedSchema });

const LIST_KEYS = ['include', 'extraPaths'] as const;

export interface Merged {
  config: Record<string, unknown>;
  /** One line per hand-written setting kept, for the user. */
  notes: string[];
}

/** Pure merge: `existing` is the config on disk (null if none), `previous` what par wrote last. */
export function mergePyrightConfig(existing: Record<string, unknown> | null, previous: OwnedSettings | null, next: OwnedSettings, file = CONFIG_FILE): Merged {
  const config: Record<string, unknown> = { ...(existing ?? {}) };
  const notes: string[] = [];
  for (const key of LIST_KEYS) {
    const cur = config[key];
    if (cur !== undefined && !(Array.isArray(cur) && cur.every((x) => typeof x === 'string'))) {
      throw new ParError('BAD_ARGUMENTS', `"${key}" in ${file} is not a list of strings, so par ide cannot merge its entries into it`, {
        file,
        hint: `Make it a list of paths (par keeps the entries it did not write), or run par ide with --out DIR to write elsewhere.`,
      });
    }
    const mine = new Set(previous?.[key] ?? []);
    const hand = ((cur as string[] | undefined) ?? []).filter((x) => !mine.has(x) && !next[key].includes(x));
    if (hand.length) notes.push(`kept ${hand.length} hand-written entr${hand.length === 1 ? 'y' : 'ies'} of "${key}": ${hand.join(', ')}`);
    config[key] = [...next[key], ...hand];
  }
  const curVersion = config.pythonVersion;
  const handVersion = curVersion !== undefined && curVersion !== previous?.pythonVersion && curVersion !== next.pythonVersion;
  if (handVersion) notes.push(`kept hand-written "pythonVersion": ${JSON.stringify(curVersion)} (the build's interpreter is ${next.pythonVersion})`);
  else config.pythonVersion = next.pythonVersion;
  return { config, notes };
}

function readJsonObject(file: string): Record<string, unknown> | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ParError('BAD_ARGUMENTS', `${file} is not plain JSON (${(e as Error).message}); par ide merges its settings by key and would lose comments or trailing commas`, {
      file,
      hint: 'Remove the comments, or run par ide with --out DIR to write its files elsewhere.',
    });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ParError('BAD_ARGUMENTS', `${file} does not hold a JSON object`, { file, hint: 'Fix or remove it, then run par ide again.' });
  }
  return v as Record<string, unknown>;
}

function readState(file: string): OwnedSettings | null {
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = undefined;
  }
  const r = StateSchema.safeParse(raw);
  if (!r.success) {
    throw new ParError('BAD_ARGUMENTS', `${file} is damaged, so par ide cannot tell its own settings from hand-written ones`, {
      file,
      hint: `Delete it: par ide then keeps every entry now in ${CONFIG_FILE} and records its own again.`,
    });
  }
  return r.data.pyrightconfig;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export interface WriteResult {
  config: string;
  changed: boolean;
  notes: string[];
}

/** Merges `next` into DIR/pyrightconfig.json and records it in DIR/.par-ide.json. */
export function writePyrightConfig(dir: string, next: OwnedSettings): WriteResult {
  const file = join(dir, CONFIG_FILE);
  const stateFile = join(dir, STATE_FILE);
  const existing = readJsonObject(file);
  const previous = readState(stateFile);
  const { config, notes } = mergePyrightConfig(existing, previous, next, file);
  if (!existing && existsSync(join(dir, 'pyproject.toml')) && /^\s*\[tool\.pyright\]/m.test(readFileSync(join(dir, 'pyproject.toml'), 'utf8'))) {
    notes.push(`pyproject.toml has a [tool.pyright] section; pyright now reads ${CONFIG_FILE} instead and ignores it. Move those settings into ${CONFIG_FILE} (par ide keeps keys it does not own).`);
  }
  const text = JSON.stringify(config, null, 2) + '\n';
  const changed = !existsSync(file) || readFileSync(file, 'utf8') !== text;
  if (changed) writeAtomically(file, text);
  writeAtomically(stateFile, JSON.stringify({ version: 1, pyrightconfig: next }, null, 2) + '\n');
  return { config: file, changed, notes };
}
