// The checked-in bundle is what Bazel runs: it must be exactly what src/ generates now,
// so no test (and no user) ever runs stale code.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

it('rules/private/tools/par.js is regenerated from the current src/', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('is up to date');
  expect(r.status).toBe(0);
}, 60000);
