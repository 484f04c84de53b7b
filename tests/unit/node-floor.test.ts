// The Node floor (zlib.crc32: Node 20.15+ or 22.2+): par.js started on an older Node says so
// in one line instead of failing deep inside the zip writer. The older Node is simulated by
// removing zlib.crc32 before the bundle loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

test('par.js on a Node without zlib.crc32 refuses with the floor and the way out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'par-node-floor-'));
  const preload = join(dir, 'old-node.js');
  writeFileSync(preload, "Object.defineProperty(require('zlib'), 'crc32', { value: undefined });\n");
  const r = spawnSync(process.execPath, ['-r', preload, join(ROOT, 'rules/private/tools/par.js'), '--help'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
    status: 2,
    stdout: '',
    stderr: `par: Node.js ${process.versions.node} is too old for the packager, which needs Node.js 20.15+ on the 20 line, or 22.2+ (zlib.crc32). Point PAR_NODE_BIN at a newer node.\n`,
  });
});

test('par.js on this Node runs', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'rules/private/tools/par.js'), '--help'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^usage: par VERB/);
});
