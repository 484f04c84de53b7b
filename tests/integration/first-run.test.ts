// A clean first run (issue 14): Debian's Bazel 4.2.3 sets `build --sandbox_debug` in
// /etc/bazel/bazelrc, which printed ~45 lines of linux-sandbox trace per sandboxed action and
// kept every sandbox on disk. scripts/bazel's scripts/bazel4.bazelrc turns it off. (On a
// Bazel without that system rc the assertions hold trivially; the sandboxed run is checked.)
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bazel, scratch, writeFiles } from './harness';

jest.setTimeout(5 * 60_000);

test('a sandboxed action prints no linux-sandbox trace and leaves no sandbox behind', () => {
  const base = scratch('par-it-first-');
  const ws = join(base, 'ws');
  const opts = { cwd: ws, startup: [`--output_base=${join(base, 'ob')}`, '--max_idle_secs=60'] };
  writeFiles(ws, { WORKSPACE: 'workspace(name = "first_run")\n', BUILD: 'genrule(name = "g", outs = ["o"], cmd = "echo hi > $@")\n' });
  try {
    const r = bazel(['build', '--spawn_strategy=linux-sandbox', '//:g'], opts);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^INFO: \d+ processes: .*1 linux-sandbox\.$/m);
    expect(r.stderr.split('\n').filter((l) => l.includes('linux-sandbox') && !l.startsWith('INFO: '))).toEqual([]);
    expect(existsSync(join(base, 'ob/sandbox/linux-sandbox'))).toBe(false);
  } finally {
    bazel(['shutdown'], opts);
    rmSync(base, { recursive: true, force: true });
  }
});
