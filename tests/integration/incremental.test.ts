// Issue 19: one edited file re-runs its library's fragment and imports check and the packs of
// the binaries that contain it, nothing else; and what the incremental build gives is byte for
// byte what a from-scratch build of the same tree gives.
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, ROOT, scratch } from './harness';
import { executed, readExecLog } from './exec-log';

jest.setTimeout(10 * 60_000);

const COPY = ['WORKSPACE', 'BUILD', '.bazelrc', 'package.json', 'rules', 'toolchains', 'src/bootstrap', 'third_party/offline_stubs', 'examples/monorepo'];
const ARCHIVES = ['//examples/monorepo/tools/wordcount:wordcount', '//examples/monorepo/tools/greeter:greeter', '//examples/monorepo/libs/words:tokens_test'];

let base: string;
beforeAll(() => {
  base = scratch('par-it-incremental-');
});
afterAll(() => {
  for (const ob of ['ob-a', 'ob-b']) bazel(['shutdown'], { startup: [`--output_base=${join(base, ob)}`], cwd: join(base, 'ws') });
  rmSync(base, { recursive: true, force: true });
});

function build(ob: string, log: string): Map<string, string> {
  const startup = [`--output_base=${join(base, ob)}`];
  const opts = { startup, cwd: join(base, 'ws') };
  const r = bazel(['build', `--execution_log_json_file=${log}`, ...ARCHIVES], opts);
  if (r.status !== 0) throw new Error(`bazel build failed:\n${r.stderr.slice(-4000)}`);
  const bin = bazel(['info', 'bazel-bin'], opts).stdout.trim();
  const sums = new Map<string, string>();
  for (const t of ARCHIVES) {
    const [pkg, name] = t.slice(2).split(':');
    sums.set(t, createHash('sha256').update(readFileSync(realpathSync(join(bin, pkg, name)))).digest('hex'));
  }
  return sums;
}

test('one edited library file: one fragment, one imports check, the two packs that contain it; the result equals a clean build', () => {
  const ws = join(base, 'ws');
  for (const p of COPY) cpSync(join(ROOT, p), join(ws, p), { recursive: true, filter: (src) => !/\/bazel-[^/]*$/.test(src) });
  const first = build('ob-a', join(base, 'first.json'));
  const ran = executed(readExecLog(join(base, 'first.json')));
  // One each: the libraries textfmt, words and cli, the bootstrap, greeter's and tokens_test's
  // own srcs (wordcount has none: its entry point is in :cli).
  expect(ran.filter((s) => s.startsWith('ParFragment')).length).toBe(6);

  appendFileSync(join(ws, 'examples/monorepo/libs/words/tokens.py'), '\n\ndef shout(text):\n    return text.upper()\n');
  const second = build('ob-a', join(base, 'second.json'));
  // words is in wordcount (through :cli) and in tokens_test; greeter does not contain it.
  expect(executed(readExecLog(join(base, 'second.json'))).map((s) => s.split(' ')[0])).toEqual(['ParFragment', 'ParImportsCheck', 'ParPack', 'ParPack']);
  expect(second.get('//examples/monorepo/tools/greeter:greeter')).toBe(first.get('//examples/monorepo/tools/greeter:greeter'));
  expect(second.get('//examples/monorepo/tools/wordcount:wordcount')).not.toBe(first.get('//examples/monorepo/tools/wordcount:wordcount'));

  const clean = build('ob-b', join(base, 'clean.json'));
  expect(Object.fromEntries(clean)).toEqual(Object.fromEntries(second));
});
