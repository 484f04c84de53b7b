import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ParError } from '../common/errors';
import { scratch } from '../../tests/helpers/test-archives';
import { parseStatus, readStatusFile } from './status-file';

describe('parseStatus', () => {
  it('reads KEY value lines; values keep their spaces; the last of a repeated key wins', () => {
    const m = parseStatus('BUILD_HOST box\nSTABLE_NOTE two  words \nBUILD_TIMESTAMP 1\nBUILD_TIMESTAMP 2\r\n\nEMPTY\n', 'f', '//a:b');
    expect([...m.entries()]).toEqual([
      ['BUILD_HOST', 'box'],
      ['STABLE_NOTE', 'two  words '],
      ['BUILD_TIMESTAMP', '2'],
      ['EMPTY', ''],
    ]);
  });

  it('reports every line that is not KEY value, naming the file and label', () => {
    let err: unknown;
    try {
      parseStatus('GOOD 1\n  indented value\n=oops\n', '/x/stable-status.txt', '//app:pkg');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParError);
    const e = err as ParError;
    expect(e.code).toBe('STATUS_INVALID');
    expect(e.render()).toBe(
      "//app:pkg: workspace status file /x/stable-status.txt is not \"KEY value\" lines: line 2: '  indented value' does not start with a KEY; " +
        "line 3: '=oops' does not start with a KEY Each line your --workspace_status_command prints must be a key, a space and a value.",
    );
  });
});

describe('readStatusFile', () => {
  it('reads a file', () => {
    const s = scratch();
    try {
      const f = join(s.dir, 'stable-status.txt');
      writeFileSync(f, 'STABLE_SCM_REVISION abc\n');
      expect(readStatusFile(f, '//a:b').get('STABLE_SCM_REVISION')).toBe('abc');
    } finally {
      s.cleanup();
    }
  });

  it('names the missing file and the label', () => {
    expect(() => readStatusFile('/nonexistent/volatile-status.txt', '//a:b')).toThrow(
      /^cannot read workspace status file \/nonexistent\/volatile-status\.txt: ENOENT/,
    );
    try {
      readStatusFile('/nonexistent/volatile-status.txt', '//a:b');
    } catch (e) {
      expect((e as ParError).label).toBe('//a:b');
      expect((e as ParError).code).toBe('MISSING_FILE');
    }
  });
});
