// Late stamping: the packed body never sees the status files (so it stays cached under
// --stamp); this cheap action copies its bytes, appends __par__/_stamp.py and rewrites the
// central directory. Nothing is recompressed, nothing is compiled: the stamp is read only
// when a program asks for __par__.build_info, and importing a 1 KB source costs ~0.1 ms.
import { closeSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { ParError } from '../common/errors';
import { writeSizeField } from './preamble';
import { pythonDataModule } from '../archive/python-literal';
import { readStatusFile } from './status-file';
import { LAUNCH_BLOB_ENTRY, STAMP_ENTRY } from '../archive/contract';
import { launchBlob, readFastField, readLaunchBlobListing, writeFastField } from '../archive/launch-blob';
import { appendEntries, parseCentralDirectory, type AppendEntry } from '../archive/zip';

export interface StampArgs {
  in: string;
  out: string;
  label: string;
  stableStatus: string;
  volatileStatus: string;
}


/** Keys of the status script that become build-info fields of their own (not repeated under `status`). */
const SCM_KEYS = ['STABLE_SCM_REVISION', 'STABLE_SCM_DIRTY', 'STABLE_SCM_BRANCH'];

function dirtyValue(v: string | undefined, label: string, file: string): boolean | null {
  if (v === undefined || v === 'unknown' || v === '') return null;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new ParError('STATUS_INVALID', `STABLE_SCM_DIRTY is '${v}'; expected true, false or unknown`, {
    label,
    file,
    hint: 'Fix the line your --workspace_status_command prints (tools/workspace_status.sh prints true/false).',
  });
}

function timestampValue(v: string | undefined, label: string, file: string): string | null {
  if (v === undefined) return null;
  if (!/^\d{1,12}$/.test(v)) {
    throw new ParError('STATUS_INVALID', `BUILD_TIMESTAMP is '${v}'; expected whole seconds since the epoch`, {
      label,
      file,
      hint: 'Print `date +%s` (or $SOURCE_DATE_EPOCH) from your --workspace_status_command.',
    });
  }
  return new Date(Number(v) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Build-info fields a stamp sets. Bazel's BUILD_HOST and BUILD_USER are deliberately not
 * carried: a shipped file should not name the machine or the person that built it, and
 * they would make two CI runners' stamps of one revision differ. A repository that wants
 * them prints e.g. `STABLE_BUILD_HOST $(hostname)`; every STABLE_* key lands in `status`.
 */
export function stampInfo(
  stable: Map<string, string>,
  volatile: Map<string, string>,
  where: { label: string; stableFile: string; volatileFile: string },
): Record<string, unknown> {
  const status: Record<string, string> = {};
  for (const [k, v] of [...stable.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (k.startsWith('STABLE_') && !SCM_KEYS.includes(k)) status[k] = v;
  }
  const branch = stable.get('STABLE_SCM_BRANCH');
  return {
    stamped: true,
    revision: stable.get('STABLE_SCM_REVISION') || 'unknown',
    dirty: dirtyValue(stable.get('STABLE_SCM_DIRTY'), where.label, where.stableFile),
    branch: branch === undefined || branch === '' || branch === 'unknown' ? null : branch,
    timestamp: timestampValue(volatile.get('BUILD_TIMESTAMP'), where.label, where.volatileFile),
    status,
  };
}

export async function stamp(args: StampArgs): Promise<void> {
  const info = stampInfo(readStatusFile(args.stableStatus, args.label), readStatusFile(args.volatileStatus, args.label), {
    label: args.label,
    stableFile: args.stableStatus,
    volatileFile: args.volatileStatus,
  });
  const module = pythonDataModule(`Release stamp of ${args.label}.`, info);
  const tmp = `${args.out}.tmp-${process.pid}`;
  try {
    const entries: AppendEntry[] = [{ name: STAMP_ENTRY, data: Buffer.from(module, 'utf8'), compress: false, mode: 0o100644 }];
    const blob = readBlob(args.in, args.label);
    if (blob) {
      // The launch blob lists the entries zipimport may read: it is written again after the
      // stamp, listing the same ones and the stamp, and the launcher's par_fast line is
      // pointed at the new one.
      let length = 0;
      entries.push({
        name: LAUNCH_BLOB_ENTRY,
        compress: false,
        data: ({ directory, shift }) => {
          const b = launchBlob(blob.codes, parseCentralDirectory(tmp, directory, shift), (n) => n === STAMP_ENTRY || blob.listed.has(n));
          length = b.length;
          return b;
        },
      });
      const { offsets } = await appendEntries(args.in, tmp, entries, { mode: 0o755, replaceLast: LAUNCH_BLOB_ENTRY });
      writeFastField(tmp, blob.fieldAt, offsets[1], length);
    } else {
      await appendEntries(args.in, tmp, entries, { mode: 0o755 });
    }
    writeSizeField(tmp); // the launcher checks the archive's length before it runs anything
    // Cheap: Bazel deletes an action's outputs before running it, so nothing is replaced.
    renameSync(tmp, args.out);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof Error && (e as { code?: string }).code === 'ZIP_FORMAT') {
      throw new ParError('NOT_AN_ARCHIVE', `cannot stamp ${args.in}: ${e.message}`, { label: args.label, file: args.in });
    }
    throw e;
  }
}

/** The launch blob an archive's par_fast line names (its codes and where the line is), if any. */
function readBlob(path: string, label: string) {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const field = readFastField(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    if (!field?.blob) return undefined; // no par_fast line, or the placeholder never filled
    const { offset, length } = field.blob;
    const data = Buffer.alloc(length);
    if (readSync(fd, data, 0, length, offset) !== length) {
      throw new ParError('NOT_AN_ARCHIVE', `cannot stamp ${path}: its launch blob (${length} bytes at offset ${offset}) is cut short`, { label, file: path });
    }
    try {
      return { fieldAt: field.at, ...readLaunchBlobListing(data, path) };
    } catch (e) {
      throw new ParError('NOT_AN_ARCHIVE', `cannot stamp ${path}: ${(e as Error).message}`, { label, file: path });
    }
  } finally {
    closeSync(fd);
  }
}
