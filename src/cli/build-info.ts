// `par build-info --archive A --out F` (Bazel action behind the par_build_info output group):
// the archive's build info as JSON, read back from the archive itself, so it always matches
// what `PAR_INFO=1` prints, stamped or not.
import { promises as fsp } from 'node:fs';
import { readArchiveInfo } from '../archive/archive-info';
import { stableStringify } from '../common/stable-json';

export async function writeBuildInfo(archive: string, out: string): Promise<void> {
  const info = await readArchiveInfo(archive);
  await fsp.writeFile(out, stableStringify(info.buildInfo, 2) + '\n');
}
