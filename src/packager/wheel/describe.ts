// `par wheel`: the python_wheel action. Validates one .whl and writes its description (JSON)
// for the binaries that bundle it; a hostile or broken wheel fails here, once, not per binary.
import { promises as fsp } from 'node:fs';
import { stableStringify } from '../../common/stable-json';
import { readWheel } from './read-wheel';

export interface DescribeArgs {
  wheel: string;
  label: string;
  out: string;
  requiresCheck: 'error' | 'warn' | 'off';
  zipSafe: boolean;
}

export async function describeWheel(a: DescribeArgs): Promise<void> {
  const info = await readWheel(a.wheel, { label: a.label, requiresCheck: a.requiresCheck, zipSafe: a.zipSafe });
  const tmp = `${a.out}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, stableStringify(info) + '\n');
  await fsp.rename(tmp, a.out);
}
