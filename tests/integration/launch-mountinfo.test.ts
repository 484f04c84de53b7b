// Launch (issue 5): the local-copy trigger. A network filesystem cannot be mounted in a test,
// so the mount-type lookup the bootstrap uses is checked against a mountinfo table with
// network mounts, and against the real /proc. No Bazel needed.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, scratch } from './harness';

test('network filesystems are recognised from mountinfo by device number (the local-copy trigger)', () => {
  const dir = scratch();
  const info = join(dir, 'mountinfo');
  writeFileSync(info, [
    '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '97 22 0:99 / /mnt/share rw,relatime shared:40 - nfs4 server:/export rw,vers=4.2',
    '98 22 0:100 / /mnt/ssh rw,nosuid - fuse.sshfs me@host:/ rw,user_id=0',
    '',
  ].join('\n'));
  const code = [
    'import os, sys',
    'from __par__ import _localcopy',
    'info = sys.argv[1]',
    'for dev in (os.makedev(254, 0), os.makedev(0, 99), os.makedev(0, 100), os.makedev(0, 7)):',
    '    kind = _localcopy.fs_type(dev, info)',
    '    print(kind, kind in _localcopy.NETWORK_FS)',
    "print(_localcopy.fs_type(os.stat('/proc').st_dev))",
  ].join('\n');
  const r = spawnSync('python3', ['-S', '-c', code, info], {
    env: cleanEnv({ PYTHONPATH: join(__dirname, '../../src/bootstrap') }),
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe("b'ext4' False\nb'nfs4' True\nb'fuse.sshfs' True\nNone False\nb'proc'\n");
  rmSync(dir, { recursive: true, force: true });
});
