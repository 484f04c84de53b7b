// par owner: which targets list a source file in their srcs. The file's label comes from the
// nearest BUILD file above it; one `bazel query` over those packages' rules (--output=xml, so
// each rule's srcs are visible) answers for all files at once. Querying //pkg:all loads only the
// files' packages, unlike rdeps(//..., F) (see docs/ide.md for the timings), and never fails on
// a file that no rule mentions, as same_pkg_direct_rdeps(F) does.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ParError } from '../common/errors';

const BUILD_FILES = ['BUILD.bazel', 'BUILD'];

export interface FileLabel {
  /** The argument as given. */
  file: string;
  /** Workspace-relative path, '/'-separated. */
  path: string;
  /** //pkg:name, or null when no BUILD file is above it (then nothing can own it). */
  label: string | null;
  package: string | null;
}

function within(root: string, abs: string): string | null {
  const r = relative(root, abs);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? null : r;
}

/** Resolves a path argument to its label in the workspace; throws for paths outside it. */
export function fileLabel(workspace: string, file: string, cwd = process.cwd()): FileLabel {
  const abs = resolve(cwd, file);
  let rel = within(workspace, abs);
  if (rel === null && existsSync(abs)) rel = within(realpathSync(workspace), realpathSync(abs));
  if (rel === null) {
    throw new ParError('BAD_ARGUMENTS', `${file} is outside the workspace (${workspace}).`, {
      file,
      hint: 'par owner answers for source files of the workspace it runs in; run it from the workspace that holds the file.',
    });
  }
  const parts = rel.split(sep);
  if (parts[0].startsWith('bazel-')) {
    throw new ParError('BAD_ARGUMENTS', `${file} is under Bazel's output symlink ${parts[0]}/, not a source file of the workspace (${workspace}).`, {
      file,
      hint: 'Ask for the source file in the workspace instead.',
    });
  }
  if (!existsSync(abs)) {
    throw new ParError('MISSING_FILE', `${file} does not exist (looked at ${abs})`, { file });
  }
  if (statSync(abs).isDirectory()) {
    throw new ParError('BAD_ARGUMENTS', `${file} is a directory; par owner takes source files`, { file });
  }
  const path = parts.join('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const pkg = parts.slice(0, i).join('/');
    if (BUILD_FILES.some((b) => existsSync(join(workspace, pkg, b)))) {
      return { file, path, label: `//${pkg}:${parts.slice(i).join('/')}`, package: pkg };
    }
  }
  return { file, path, label: null, package: null };
}

export interface QueriedRule {
  label: string;
  kind: string;
  srcs: string[];
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#(\d+));/g, (_, name: string, code?: string) =>
    code ? String.fromCharCode(Number(code)) : ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[name]);
}

/** The rules of `bazel query --output=xml` with their srcs labels. */
export function parseQueryXml(xml: string): QueriedRule[] {
  const rules: QueriedRule[] = [];
  const ruleRe = /<rule\b([^>]*?)(\/>|>([\s\S]*?)<\/rule>)/g;
  for (let m = ruleRe.exec(xml); m; m = ruleRe.exec(xml)) {
    const attrs = m[1];
    const kind = /\bclass="([^"]*)"/.exec(attrs)?.[1];
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1];
    if (!kind || !name) continue;
    const body = m[3] ?? '';
    const srcsList = /<list\b[^>]*\bname="srcs"[^>]*>([\s\S]*?)<\/list>/.exec(body)?.[1] ?? '';
    const srcs = [...srcsList.matchAll(/<label\b[^>]*\bvalue="([^"]*)"/g)].map((x) => unescapeXml(x[1]));
    rules.push({ label: unescapeXml(name), kind: unescapeXml(kind), srcs });
  }
  return rules;
}

/** The query that lists every rule of these packages. */
export function ownerQuery(packages: string[]): string {
  return [...new Set(packages)].sort().map((p) => `//${p}:all`).join(' + ');
}

/** Bazel spells main-repository labels "//x:y", "@//x:y" or "@@//x:y" depending on the version. */
function canonical(label: string): string {
  return label.replace(/^@@?\/\//, '//');
}

export interface Ownership {
  file: string;
  path: string;
  label: string | null;
  owners: { label: string; kind: string }[];
}

export function owners(files: FileLabel[], rules: QueriedRule[]): Ownership[] {
  return files.map((f) => ({
    file: f.file,
    path: f.path,
    label: f.label,
    owners: f.label === null ? [] : rules
      .filter((r) => r.srcs.some((s) => canonical(s) === f.label))
      .map((r) => ({ label: canonical(r.label), kind: r.kind }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  }));
}

