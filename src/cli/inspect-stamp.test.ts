// The stamp part of `par inspect`: first, and readable at a glance.
import { join } from 'node:path';
import { scratch, writeArchive, writeStatus } from '../../tests/helpers/test-archives';
import { stamp } from '../packager/stamp';
import { inspect, renderStamp } from './inspect';

const base = { label: '//app:pkg', python: '>=3.8', fingerprint: 'f', wheels: [], timestamp: null, branch: null, dirty: null, revision: null };

describe('renderStamp', () => {
  it('unstamped: says so and how to stamp', () => {
    expect(renderStamp({ ...base, stamped: false })).toEqual([
      '  revision   none: unstamped build (stamp with --config=release, or stamp = 1 on the target)',
    ]);
  });

  it('stamped: revision, clean/dirty, branch, time, then the repository status keys', () => {
    expect(
      renderStamp({ ...base, stamped: true, revision: 'c0ffee', dirty: false, branch: 'main', timestamp: '2023-11-14T22:13:20Z', status: { STABLE_TEAM: 'infra', STABLE_RELEASE_TRAIN: 'r42' } }),
    ).toEqual([
      '  revision   c0ffee  (clean, branch main)',
      '  built      2023-11-14T22:13:20Z',
      '  STABLE_TEAM           infra',
      '  STABLE_RELEASE_TRAIN  r42',
    ]);
    expect(renderStamp({ ...base, stamped: true, revision: 'c0ffee', dirty: true })).toEqual([
      '  revision   c0ffee  (DIRTY: built with uncommitted changes)',
      '  built      at an unknown time',
    ]);
    expect(renderStamp({ ...base, stamped: true, revision: 'unknown' })[0]).toBe('  revision   unknown  (clean or dirty: unknown)');
  });
});

describe('par inspect shows the stamp first', () => {
  it('right under the archive path, and in --json as build_info', async () => {
    const s = scratch();
    try {
      const body = await writeArchive(join(s.dir, 'body'), { 'app/main.py': 'print(1)\n' });
      const stable = writeStatus(join(s.dir, 'stable.txt'), { STABLE_SCM_REVISION: 'c0ffee', STABLE_SCM_DIRTY: 'false', STABLE_SCM_BRANCH: 'main' });
      const volatile = writeStatus(join(s.dir, 'volatile.txt'), { BUILD_TIMESTAMP: '1700000000' });
      const out = join(s.dir, 'pkg');
      await stamp({ in: body, out, label: '//app:pkg', stableStatus: stable, volatileStatus: volatile });
      const lines = (await inspect(out, false)).split('\n');
      expect(lines.slice(0, 4)).toEqual([out, '  revision   c0ffee  (clean, branch main)', '  built      2023-11-14T22:13:20Z', '  target     //app:pkg']);
      const json = JSON.parse(await inspect(out, true));
      expect(Object.keys(json).slice(0, 2)).toEqual(['archive', 'build_info']);
      expect(json.build_info).toMatchObject({ stamped: true, revision: 'c0ffee', dirty: false, branch: 'main', timestamp: '2023-11-14T22:13:20Z', status: {} });
    } finally {
      s.cleanup();
    }
  });
});
