// Build-time facts reach the bootstrap as a Python module holding one literal, so the
// launcher reads them with a plain (precompiled) import instead of importing json (which
// pulls in re: ~2 ms). JSON is a Python literal once true/false/null are names.
import { stableStringify } from '../common/stable-json';

export function pythonDataModule(purpose: string, data: unknown): string {
  return (
    `# ${purpose}\n` +
    '# Written by the rules_par packager. Data, not code: JSON read as a Python literal.\n' +
    'true, false, null = True, False, None\n' +
    `DATA = ${stableStringify(data)}\n`
  );
}
