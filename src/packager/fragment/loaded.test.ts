// Fragments kept by a worker between packs (loaded.ts): reused while their file is the same,
// read again once a rebuild rewrote it, still checked against the target that wants them,
// and never more than the budget.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILER, par, PY } from '../../../tests/helpers/pack-archive';
import { beginPack, fragmentIndex, keepFragments, loadFragment } from './loaded';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'par-loaded-'));
});
afterAll(() => {
  keepFragments(0);
  rmSync(dir, { recursive: true, force: true });
});

async function fragment(name: string, label: string, text: string): Promise<string> {
  const src = join(dir, `${name}.py`);
  writeFileSync(src, text);
  const file = join(dir, `${name}.parf`);
  const r = await par(['fragment', '--label', label, '--python', PY, '--cache-tag', 'cpython-311', '--compiler', COMPILER, '--out', file, '--src', `lib/${name}.py\t${src}`]);
  expect([r.code, r.err]).toEqual([0, '']);
  return file;
}

test('outside a worker nothing is kept: every load reads the file', async () => {
  keepFragments(0);
  const f = await fragment('plain', '//lib:plain', 'X = 1\n');
  expect(loadFragment(f, '//lib:plain', '//app:a')).not.toBe(loadFragment(f, '//lib:plain', '//app:a'));
  expect(fragmentIndex(f, '//lib:plain', '//app:a').sources.map((s) => s[0])).toEqual(['lib/plain.py']);
});

test('a kept fragment is reused until its file is rewritten, then read again', async () => {
  keepFragments(1 << 20);
  const f = await fragment('kept', '//lib:kept', 'X = 1\n');
  beginPack();
  const first = loadFragment(f, '//lib:kept', '//app:a');
  beginPack();
  expect(loadFragment(f, '//lib:kept', '//app:b')).toBe(first);
  // A rebuild writes a new file in its place (Bazel deletes outputs before an action runs).
  const before = readFileSync(f);
  rmSync(f);
  await fragment('kept', '//lib:kept', 'X = 2222\n');
  expect(readFileSync(f).equals(before)).toBe(false);
  beginPack();
  const again = loadFragment(f, '//lib:kept', '//app:a');
  expect(again).not.toBe(first);
  expect(again.buf.equals(readFileSync(f))).toBe(true);
});

test('a kept fragment is still refused to a target that did not make it, and a missing one is named', async () => {
  keepFragments(1 << 20);
  const f = await fragment('owned', '//lib:owned', 'X = 1\n');
  beginPack();
  loadFragment(f, '//lib:owned', '//app:a');
  expect(() => loadFragment(f, '//lib:other', '//app:a')).toThrow(`${f} is not a fragment of //lib:other: it is the fragment of //lib:owned`);
  rmSync(f);
  beginPack();
  expect(() => loadFragment(f, '//lib:owned', '//app:a')).toThrow('cannot read the fragment of //lib:owned');
});

test('the budget bounds what is kept: the least recently used go first, and a big fragment is read but not kept', async () => {
  const files = await Promise.all(Array.from({ length: 9 }, (_, i) => fragment(`b${i}`, `//lib:b${i}`, `B = ${i}\n`)));
  const size = Math.max(...files.map((f) => readFileSync(f).length));
  keepFragments(size * 8); // room for eight; a fragment over budget/8 is never kept
  beginPack();
  const load = (i: number) => loadFragment(files[i], `//lib:b${i}`, '//app:a');
  const kept = files.slice(0, 8).map((_, i) => load(i));
  const first = load(0); // now the most recently used; b1 is the least
  expect(first).toBe(kept[0]);
  load(8); // the ninth: over budget, b1 goes
  expect(load(0)).toBe(kept[0]);
  expect(load(2)).toBe(kept[2]);
  expect(load(1)).not.toBe(kept[1]);
  const big = await fragment('big', '//lib:big', `BIG = ${JSON.stringify(randomBytes(size * 2).toString('hex'))}\n`);
  expect(readFileSync(big).length).toBeGreaterThan(size);
  expect(loadFragment(big, '//lib:big', '//app:a')).not.toBe(loadFragment(big, '//lib:big', '//app:a'));
});
