// Late stamping: the packed body never sees the status files (so it stays cached under
// --stamp); this cheap action copies its bytes, appends __par__/_stamp.py and rewrites the
// central directory. Nothing is recompressed.
import { promises as fsp } from 'node:fs';
import { pythonDataModule } from './python-literal';
import { readStatusFile } from './status-file';
import { appendEntries } from './zip';

export interface StampArgs {
  in: string;
  out: string;
  label: string;
  stableStatus: string;
  volatileStatus: string;
}

/** Build-info fields a stamp sets (merged over the unstamped ones by __par__.build_info). */
export function stampInfo(stable: Map<string, string>, volatile: Map<string, string>): Record<string, unknown> {
  const ts = volatile.get('BUILD_TIMESTAMP');
  const seconds = ts !== undefined && /^\d+$/.test(ts) ? Number(ts) : null;
  const user: Record<string, string> = {};
  for (const [k, v] of [...stable.entries()].sort()) if (k.startsWith('STABLE_')) user[k] = v;
  const dirty = stable.get('STABLE_SCM_DIRTY');
  return {
    stamped: true,
    revision: stable.get('STABLE_SCM_REVISION') ?? 'unknown',
    dirty: dirty === undefined || dirty === 'unknown' ? null : dirty === 'true',
    branch: stable.get('STABLE_SCM_BRANCH') ?? null,
    timestamp: seconds === null ? null : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'),
    build_host: stable.get('BUILD_HOST') ?? null,
    build_user: stable.get('BUILD_USER') ?? null,
    status: user,
  };
}

export async function stamp(args: StampArgs): Promise<void> {
  const info = stampInfo(readStatusFile(args.stableStatus, args.label), readStatusFile(args.volatileStatus, args.label));
  const module = pythonDataModule(`Release stamp of ${args.label}.`, info);
  const tmp = `${args.out}.tmp-${process.pid}`;
  try {
    await appendEntries(args.in, tmp, [{ name: '__par__/_stamp.py', data: Buffer.from(module, 'utf8'), compress: false, mode: 0o100644 }]);
    await fsp.chmod(tmp, 0o755);
    await fsp.rename(tmp, args.out);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
