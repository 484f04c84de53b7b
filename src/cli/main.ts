// One entry, several verbs. Bazel actions run `pack` and `stamp`; people run the rest.
// Library code throws ParError; this is the one place that turns errors into exit codes.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { z } from 'zod';
import { ParError } from '../common/errors';
import { pack } from '../packager/pack';
import { keepCompilersAlive } from '../packager/pyc';
import { keepFragments } from '../packager/fragment/loaded';
import { stamp } from '../packager/stamp';
import { describeWheel } from '../packager/wheel/describe';
import { writeWheelBytecode } from '../packager/wheel/bytecode-bundle';
import { writeFragment } from '../packager/fragment/write';
import { parseVerbArgs } from './args';
import { audit } from './audit';
import { cacheVerb } from './cache';
import { bazelBuild, findWorkspace } from '../common/bazel';
import { genVerb } from './gen';
import { graphVerb } from './graph';
import { importsCheckVerb, importsReportVerb } from './imports';
import { ideVerb } from './ide';
import { ownerVerb } from './owner';
import { writeBuildInfo } from './build-info';
import { expandFlagfiles } from './flagfile';
import { diff } from './diff';
import { inspectArchive, inspectFailure } from './inspect';
import { lockHubVerb, lockPlanVerb, lockProbeVerb, lockSelectVerb } from './lock';
import { runWorker } from './worker';
import type { Io } from './io';

const USAGE = `usage: par VERB [ARGS]
  build //label...          build python_binary targets and print their archive paths
  inspect ARCHIVE [--json]  build info, entry point, interpreter, wheels, size by package
  audit [//pattern...] [--json]  one version per third-party distribution across the repository (default //... and every par_wheels hub)
  cache list|gc [--max-size N] [--older-than D]  the per-user cache of unpacked wheels/archives; gc: LRU, never in use
  diff A B [--json]         what differs between two archives: build info, launcher, files and sizes
  ide //label... [--out DIR]  write pyrightconfig.json for editors; print the project model (JSON)
  owner FILE...             the targets whose srcs contain each file (JSON)
  pack ...                  (Bazel action) write an archive from a manifest
  stamp ...                 (Bazel action) add the release stamp to an archive
  gen [PATH...] [--check]   create/update python_library targets from imports
  graph //label [--format=dot|json]  the target graph of a binary
  imports-check ...         (Bazel action) resolve the imports of one library
  imports-report ...        (Bazel action) a binary's unresolved imports: fail or warn
  wheel ...                 (Bazel action) validate a .whl and describe it as JSON
  wheel-bytecode ...        (Bazel action) compile a wheel's modules once for every binary
  fragment ...              (Bazel action) compile a library's sources once into ready zip entries
  lock-plan|lock-select|lock-hub|lock-probe ...  (par_wheels repository rule) read a lock file, pick wheels, write the hub`;

const req = (name: string) => z.string({ error: `--${name} is required` }).min(1, `--${name} is required`);

type Verb = (argv: string[], io: Io) => Promise<void>;

const verbs: Record<string, Verb> = {
  async audit(argv, io) {
    const a = parseVerbArgs('audit', argv, { json: { type: 'boolean' } }, z.object({
      json: z.boolean().optional(),
      positionals: z.array(z.string().regex(/^(@[\w.~+-]*)?\/\/|^:/, 'patterns look like //... or //pkg:name')),
    }));
    io.out(await audit(a.positionals, a.json ?? false));
  },
  cache: cacheVerb,
  ide: ideVerb,
  gen: genVerb,
  graph: graphVerb,
  'imports-check': importsCheckVerb,
  'imports-report': importsReportVerb,
  owner: ownerVerb,
  'lock-plan': lockPlanVerb,
  'lock-select': lockSelectVerb,
  'lock-hub': lockHubVerb,
  'lock-probe': lockProbeVerb,
  async pack(argv, io) {
    const a = parseVerbArgs('pack', argv, {
      manifest: { type: 'string' }, out: { type: 'string' }, python: { type: 'string' }, compiler: { type: 'string' },
    }, z.object({ manifest: req('manifest'), out: req('out'), python: req('python'), compiler: req('compiler'), positionals: z.array(z.string()).max(0) }));
    // Through io, not process.stderr: under the persistent worker only the response reaches Bazel.
    for (const w of (await pack(a)).warnings) io.err(`${w}\n`);
  },
  async stamp(argv) {
    const a = parseVerbArgs('stamp', argv, {
      in: { type: 'string' }, out: { type: 'string' }, label: { type: 'string' },
      'stable-status': { type: 'string' }, 'volatile-status': { type: 'string' },
    }, z.object({
      in: req('in'), out: req('out'), label: req('label'), 'stable-status': req('stable-status'),
      'volatile-status': req('volatile-status'), positionals: z.array(z.string()).max(0),
    }));
    await stamp({ in: a.in, out: a.out, label: a.label, stableStatus: a['stable-status'], volatileStatus: a['volatile-status'] });
  },
  async wheel(argv) {
    const a = parseVerbArgs('wheel', argv, {
      wheel: { type: 'string' }, label: { type: 'string' }, out: { type: 'string' },
      'requires-check': { type: 'string' }, 'not-zip-safe': { type: 'boolean' },
    }, z.object({
      wheel: req('wheel'), label: req('label'), out: req('out'),
      'requires-check': z.enum(['error', 'warn', 'off']).default('error'),
      'not-zip-safe': z.boolean().optional(), positionals: z.array(z.string()).max(0),
    }));
    await describeWheel({ wheel: a.wheel, label: a.label, out: a.out, requiresCheck: a['requires-check'], zipSafe: !a['not-zip-safe'] });
  },
  async 'wheel-bytecode'(argv) {
    const a = parseVerbArgs('wheel-bytecode', argv, {
      wheel: { type: 'string' }, info: { type: 'string' }, label: { type: 'string' }, python: { type: 'string' },
      'python-version': { type: 'string' }, 'cache-tag': { type: 'string' }, compiler: { type: 'string' }, out: { type: 'string' },
      variant: { type: 'boolean' },
    }, z.object({
      wheel: req('wheel'), info: req('info'), label: req('label'), python: req('python'),
      'python-version': req('python-version').regex(/^3\.\d+(\.\d+)?$/, '--python-version looks like 3.11.7'),
      'cache-tag': req('cache-tag'), compiler: req('compiler'), out: req('out'), variant: z.boolean().optional(),
      positionals: z.array(z.string()).max(0),
    }));
    await writeWheelBytecode({
      wheel: a.wheel, info: a.info, label: a.label, python: a.python, pythonVersion: a['python-version'],
      cacheTag: a['cache-tag'], compiler: a.compiler, out: a.out, variant: a.variant,
    });
  },
  async fragment(argv) {
    const a = parseVerbArgs('fragment', argv, {
      label: { type: 'string' }, python: { type: 'string' }, 'cache-tag': { type: 'string' }, compiler: { type: 'string' },
      out: { type: 'string' }, src: { type: 'string', multiple: true },
    }, z.object({
      label: req('label'), python: req('python'), 'cache-tag': req('cache-tag'), compiler: req('compiler'), out: req('out'),
      src: z.array(z.string().regex(/^[^\t]+\t[^\t]+$/, '--src looks like "archive/path.py<TAB>file"')).min(1, 'give at least one --src'),
      positionals: z.array(z.string()).max(0),
    }));
    const srcs = a.src.map((s) => {
      const [path, file] = s.split('\t');
      return { path, file };
    });
    await writeFragment({ label: a.label, python: a.python, cacheTag: a['cache-tag'], compiler: a.compiler, out: a.out, srcs });
  },
  async 'build-info'(argv) {
    const a = parseVerbArgs('build-info', argv, { archive: { type: 'string' }, out: { type: 'string' } },
      z.object({ archive: req('archive'), out: req('out'), positionals: z.array(z.string()).max(0) }));
    await writeBuildInfo(a.archive, a.out);
  },
  async build(argv, io) {
    const a = parseVerbArgs('build', argv, {}, z.object({
      positionals: z.array(z.string().regex(/^(@[\w.~+-]*)?\/\/|^:/, 'labels look like //pkg:name')).min(1, 'name at least one //label'),
    }));
    const ws = findWorkspace();
    const built = bazelBuild(ws, a.positionals);
    // A python_test's executable is an archive too.
    const archives = built.filter((t) => t.kind.startsWith('python_binary') || t.kind.startsWith('python_test'));
    if (archives.length === 0) io.err(`par build: no python_binary or python_test among ${a.positionals.join(' ')}\n`);
    for (const t of archives) for (const o of t.outputs) io.out(`${o}\n`);
  },
  async inspect(argv, io) {
    const a = parseVerbArgs('inspect', argv, { json: { type: 'boolean' } }, z.object({
      json: z.boolean().optional(),
      positionals: z.array(z.string()).length(1, 'name exactly one ARCHIVE'),
    }));
    const archive = resolve(a.positionals[0]);
    const { output, problems } = await inspectArchive(archive, a.json ?? false);
    io.out(output);
    if (problems.length) throw inspectFailure(archive, problems);
  },
  async diff(argv, io) {
    const a = parseVerbArgs('diff', argv, { json: { type: 'boolean' } }, z.object({
      json: z.boolean().optional(),
      positionals: z.array(z.string()).length(2, 'name exactly two archives: par diff A B'),
    }));
    io.out(await diff(resolve(a.positionals[0]), resolve(a.positionals[1]), a.json ?? false));
  },
};

export async function run(rawArgv: string[], io: Io): Promise<number> {
  let argv: string[];
  try {
    argv = expandFlagfiles(rawArgv); // Bazel actions pass everything in one @flagfile.
  } catch (e) {
    io.err(`par: error: ${e instanceof ParError ? e.render() : String(e)}\n`);
    return 2;
  }
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(USAGE + '\n');
    return verb ? 0 : 2;
  }
  const fn = verbs[verb];
  if (!fn) {
    io.err(`par: unknown verb '${verb}'\n${USAGE}\n`);
    return 2;
  }
  try {
    await fn(rest, io);
    return 0;
  } catch (e) {
    if (e instanceof ParError) {
      io.err(`par ${verb}: error: ${e.render()}\n`);
      return e.code === 'BAD_ARGUMENTS' ? 2 : 1;
    }
    if (e instanceof Error && (e as { code?: string }).code === 'ZIP_FORMAT') {
      io.err(`par ${verb}: error: ${e.message}\n`);
      return 1;
    }
    io.err(`par ${verb}: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    return 70;
  }
}

/** What a worker keeps of fragments between actions: the 1k-library bench/scale workspace has 7.5 MB of them. */
const FRAGMENTS_KEPT = 64 << 20;

function isMain(): boolean {
  try {
    return require.main === module || realpathSync(process.argv[1]) === realpathSync(__filename);
  } catch {
    return false;
  }
}

/** One action inside the persistent worker: the verb's messages become the response output. */
async function workerAction(argv: string[]): Promise<{ exitCode: number; output: string }> {
  let output = '';
  const collect = (s: string) => void (output += s);
  const exitCode = await run(argv, { out: collect, err: collect });
  return { exitCode, output };
}

/** The Node floor, for a par.js started by hand (Bazel's node toolchain refuses older ones first). */
function nodeTooOld(): string | undefined {
  if (typeof (zlib as { crc32?: unknown }).crc32 === 'function') return undefined;
  return `par: Node.js ${process.versions.node} is too old for the packager, which needs Node.js 20.15+ on the 20 line, or 22.2+ (zlib.crc32). Point PAR_NODE_BIN at a newer node.\n`;
}

const tooOld = isMain() ? nodeTooOld() : undefined;
if (tooOld) {
  process.stderr.write(tooOld);
  process.exitCode = 2;
} else if (isMain() && process.argv.includes('--persistent_worker')) {
  keepCompilersAlive();
  // Fragments read by one pack are spliced again by the next binaries' (fragment/loaded.ts).
  keepFragments(FRAGMENTS_KEPT);
  runWorker(workerAction).then((code) => process.exit(code));
} else if (isMain()) {
  // Under `bazel run`, relative paths are the user's: resolve them against where they stood.
  if (process.env.BUILD_WORKING_DIRECTORY) process.chdir(process.env.BUILD_WORKING_DIRECTORY);
  run(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }).then((code) => {
    process.exitCode = code;
  });
}
