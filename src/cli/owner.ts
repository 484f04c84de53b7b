// par owner FILE...: the targets whose srcs contain each file, as JSON on stdout. Meant to run
// on every file open, so it asks Bazel one query that loads only the files' packages.
import { z } from 'zod';
import { fileLabel, ownerQuery, owners, parseQueryXml, type Ownership } from '../ide/owner';
import { parseVerbArgs } from './args';
import { bazelQuery, findWorkspace } from '../common/bazel';

export function owner(files: string[], cwd = process.cwd()): Ownership[] {
  const workspace = findWorkspace(cwd);
  const labels = files.map((f) => fileLabel(workspace, f, cwd));
  const packages = labels.flatMap((l) => (l.package === null ? [] : [l.package]));
  if (packages.length === 0) return owners(labels, []);
  const { stdout } = bazelQuery(workspace, ownerQuery(packages), ['--output=xml', '--noshow_progress', '--noimplicit_deps']);
  return owners(labels, parseQueryXml(stdout));
}

/** The verb: one JSON array on stdout, an entry per FILE in order. */
export async function ownerVerb(argv: string[], io: { out: (s: string) => void }): Promise<void> {
  const a = parseVerbArgs('owner', argv, {}, z.object({ positionals: z.array(z.string().min(1)).min(1, 'name at least one FILE') }));
  io.out(JSON.stringify(owner(a.positionals), null, 2) + '\n');
}
