// A stamp value holding a Unicode line break or a control character (issue 12 item 6): every
// reader of the stamp (par inspect, par diff, the par_build_info output group, Python) gets
// the value back exactly; the text reports show it escaped, on one line.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataLiteral } from '../archive/archive-info';
import { scratch, writeArchive, writeStatus } from '../../tests/helpers/test-archives';
import { pythonDataModule } from '../archive/python-literal';
import { stamp } from '../packager/stamp';
import { writeBuildInfo } from './build-info';
import { diff } from './diff';
import { inspect } from './inspect';

// Everything that ends a line for JavaScript's `.`, Python's str.splitlines or Unicode, plus
// other control characters. (A status file cannot hold \n: it ends the value.)
const BREAKS: Array<[string, string]> = [
  ['\r', '\\r'], ['\v', '\\u000b'], ['\f', '\\u000c'], ['\x1c', '\\u001c'], ['\x1d', '\\u001d'], ['\x1e', '\\u001e'],
  ['\x85', '\\u0085'], ['\u2028', '\\u2028'], ['\u2029', '\\u2029'], ['\x01', '\\u0001'], ['\x1b', '\\u001b'], ['\x7f', '\\u007f'], ['\t', '\\t'],
];

describe('stamp values with line breaks and control characters', () => {
  let s: ReturnType<typeof scratch>;
  beforeAll(() => (s = scratch()));
  afterAll(() => s.cleanup());

  it('the DATA literal reads back whole, \\n included', () => {
    const data = { status: Object.fromEntries([...BREAKS, ['\n', '\\n']].map(([c], i) => [`STABLE_K${i}`, `a${c}b`])) };
    expect(dataLiteral(pythonDataModule('x', data), '__par__/_stamp.py', 'A')).toEqual(data);
    expect(() => dataLiteral('# x\nDATA = {"a": 1\n', '__par__/_stamp.py', 'A')).toThrow(
      /^A: the DATA literal of __par__\/_stamp\.py is not JSON \(.+\)$/,
    );
  });

  it.each(BREAKS.map(([c, shown]) => [shown, c, shown]))('%s: par inspect, par diff, build-info and Python read it back', async (_name, c, shown) => {
    const value = `a${c}b`;
    const dir = join(s.dir, String(c.charCodeAt(0)));
    require('node:fs').mkdirSync(dir);
    const body = await writeArchive(join(dir, 'body'), { 'app/main.py': 'print(1)\n' });
    const stable = writeStatus(join(dir, 'stable.txt'), { STABLE_SCM_REVISION: 'c0ffee', STABLE_NOTE: value });
    const volatile = writeStatus(join(dir, 'volatile.txt'), { BUILD_TIMESTAMP: '1700000000' });
    const out = join(dir, 'pkg');
    await stamp({ in: body, out, label: '//app:pkg', stableStatus: stable, volatileStatus: volatile });

    expect(JSON.parse(await inspect(out, true)).build_info.status).toEqual({ STABLE_NOTE: value });
    expect((await inspect(out, false)).split('\n')).toContain(`  STABLE_NOTE  a${shown}b`);

    expect(JSON.parse(await diff(body, out, true)).build_info).toContainEqual({ field: 'status.STABLE_NOTE', a: null, b: value });
    expect((await diff(body, out, false)).split('\n')).toContain(`  status.STABLE_NOTE  (none) -> a${shown}b`);

    await writeBuildInfo(out, join(dir, 'info.json'));
    expect(JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')).status).toEqual({ STABLE_NOTE: value });

    // __par__.build_info imports the stamp module: Python must read the same value.
    const py = spawnSync('python3', ['-c', 'import sys,zipfile,json;ns={};exec(zipfile.ZipFile(sys.argv[1]).read("__par__/_stamp.py").decode(),ns);print(json.dumps(ns["DATA"]["status"]))', out], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toEqual({ STABLE_NOTE: value });
  });
});
