// Frozen copies of the rule set for the benchmarks: a workspace builds against a copy, so work
// going on in the tree (a regenerated par.js, an edited .bzl) cannot invalidate actions
// between a benchmark's phases, and a git ref can be measured next to the working tree.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a workspace loads from the rule set (rules_par_dependencies and the toolchains included). */
const PATHS = ['WORKSPACE', 'BUILD', 'MODULE.bazel', 'rules', 'src', 'toolchains', 'third_party', 'tools'];

function git(args, opts = {}) {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${ROOT} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Copies the working tree's rule set (tracked and untracked, not ignored files) to `dest`; returns a description. */
export function freezeRules(dest) {
  rmSync(dest, { recursive: true, force: true });
  for (const f of git(['ls-files', '-co', '--exclude-standard', '--', ...PATHS]).split('\n').filter(Boolean)) {
    if (!existsSync(join(ROOT, f))) continue; // listed but deleted in the work tree
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dest, f));
  }
  const head = git(['rev-parse', '--short', 'HEAD']).trim();
  const dirty = git(['status', '--porcelain', '--', ...PATHS]).trim() !== '';
  return `working tree at ${head}${dirty ? ' + uncommitted changes to the rule set' : ''}`;
}

/** Extracts the rule set as committed at `ref` (`git archive`) to `dest`; returns a description. */
export function freezeRef(ref, dest) {
  const rev = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' });
  if (rev.status !== 0) throw new Error(`${ref}: not a commit in ${ROOT} (give --baseline or --current a branch, tag or hash)`);
  const commit = rev.stdout.trim();
  // git archive fails on a path the commit lacks (an older commit without MODULE.bazel).
  const present = git(['ls-tree', '--name-only', commit, '--', ...PATHS]).split('\n').filter(Boolean);
  const tar = spawnSync('git', ['archive', '--format=tar', commit, '--', ...present], { cwd: ROOT, maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`git archive ${commit} failed:\n${tar.stderr}`);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const x = spawnSync('tar', ['-x', '-C', dest], { input: tar.stdout });
  if (x.status !== 0) throw new Error(`tar -x into ${dest} failed:\n${x.stderr}`);
  return `${ref === commit.slice(0, ref.length) ? '' : `${ref} = `}${commit.slice(0, 7)} (git archive)`;
}
