// Hashed requirements files (pip-compile --generate-hashes, uv export): every line pins one
// distribution with == and lists the sha256 of each file it may use. The files themselves are
// found through the simple API at the indexes (the rule's index_url, then --index-url and
// --extra-index-url lines of the file). Every bad line is reported, each by number and text.
import { evaluateMarker, normalizeName, parseRequirement, RequirementError, type Environment } from '../packager/wheel/requirement';
import { LockError } from './errors';
import { pageUrl, type LockedPackage } from './types';

export interface RequirementsLock {
  packages: LockedPackage[];
  indexes: string[];
}

/** Joins `\` continuations and drops comments; yields [first line number, text]. */
function logicalLines(text: string): [number, string][] {
  const out: [number, string][] = [];
  let cur = '';
  let start = 0;
  text.replace(/\r\n?/g, '\n').split('\n').forEach((line, i) => {
    if (cur === '') start = i + 1;
    const stripped = line.replace(/(^|\s)#.*$/, '');
    if (stripped.endsWith('\\')) {
      cur += stripped.slice(0, -1) + ' ';
      return;
    }
    cur += stripped;
    if (cur.trim()) out.push([start, cur.trim()]);
    cur = '';
  });
  if (cur.trim()) out.push([start, cur.trim()]);
  return out;
}

const OPTION_WITH_VALUE = /^(--index-url|-i|--extra-index-url)(?:=|\s+)(\S+)$/;
const UNSUPPORTED = /^(-r|--requirement|-c|--constraint|-e|--editable|-f|--find-links|--no-index)\b/;
const IGNORED = /^(--only-binary|--no-binary|--prefer-binary|--pre|--trusted-host|--require-hashes)\b/;

export function parseRequirementsLock(text: string, file: string, env: Environment, indexUrl: string): RequirementsLock {
  const problems: string[] = [];
  let primary = indexUrl;
  const extra: string[] = [];
  const packages: LockedPackage[] = [];
  const seen = new Map<string, number>();
  for (const [n, line] of logicalLines(text)) {
    const at = `${file}:${n}: '${line}'`;
    if (line.startsWith('-')) {
      const opt = OPTION_WITH_VALUE.exec(line);
      if (opt) {
        if (opt[1] === '--extra-index-url') extra.push(opt[2]);
        else if (!indexUrl) primary = opt[2]; // the rule's index_url wins over the file's
      } else if (UNSUPPORTED.test(line)) problems.push(`${at}: this option is not supported in a lock; list every distribution in this file, pinned with == and hashed`);
      else if (!IGNORED.test(line)) problems.push(`${at}: unknown option`);
      continue;
    }
    const hashes: string[] = [];
    let bad = false;
    const reqText = line.replace(/\s--hash[=\s]\s*(\S+)/g, (_m, h: string) => {
      const hm = /^sha256:([0-9a-fA-F]{64})$/.exec(h);
      if (hm) hashes.push(hm[1].toLowerCase());
      else {
        problems.push(`${at}: --hash=${h} is not sha256:<64 hex digits>`);
        bad = true;
      }
      return '';
    }).trim();
    if (bad) continue;
    let req;
    try {
      req = parseRequirement(reqText);
    } catch (e) {
      if (!(e instanceof RequirementError)) throw e;
      problems.push(`${at}: ${e.message}`);
      continue;
    }
    if (req.marker && !evaluateMarker(req.marker, env)) continue;
    const pin = /^===?\s*([^\s,*]+)$/.exec(req.specifier);
    if (!pin) {
      problems.push(`${at}: is not pinned to one version with ==`);
      continue;
    }
    if (hashes.length === 0) {
      problems.push(`${at}: has no --hash=sha256:...; a lock must name the hash of every file it allows`);
      continue;
    }
    const normalized = normalizeName(req.name);
    if (seen.has(normalized)) {
      problems.push(`${at}: ${req.name} is already pinned on line ${seen.get(normalized)}`);
      continue;
    }
    seen.set(normalized, n);
    packages.push({
      name: req.name, normalized, version: pin[1], extras: req.extras.map(normalizeName).sort(),
      where: `${file}:${n}`, wheels: [], sdist: null, hashes: [...new Set(hashes)], pages: [],
    });
  }
  const indexes = [primary, ...extra].filter(Boolean);
  for (const i of indexes) {
    // Bazel's downloader refuses plain http without a checksum, and index pages have none.
    if (!/^(https|file):\/\//.test(i)) problems.push(`the index ${i} is not an https:// URL: Bazel's downloader fetches files without a known sha256 (the index pages) only over https. Serve the index over https, or lock with a pylock.toml (its wheels carry their sha256, so plain http works)`);
  }
  if (!problems.length && packages.length && !indexes.length) {
    problems.push(`no index to look the files up: set index_url on par_wheels or add an --index-url line`);
  }
  if (problems.length) {
    throw new LockError(`${file} has ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  ${problems.join('\n  ')}`, file,
      'Generate it with `pip-compile --generate-hashes` or `uv pip compile --generate-hashes`.');
  }
  for (const p of packages) p.pages = indexes.map((i) => pageUrl(i, p.normalized));
  return { packages, indexes };
}
