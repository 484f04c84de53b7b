// Bytecode from the toolchain interpreter (rules/private/tools/compile_pyc.py), in one
// child process per packaging action: sources are compiled in sorted order, which keeps
// marshal's output reproducible.
import { spawn } from 'node:child_process';
import { ParError } from '../common/errors';

export type CompileItem = { src: string; dfile: string } | { source: string; dfile: string };

export async function compilePyc(python: string, compiler: string, items: CompileItem[], label: string): Promise<Buffer[]> {
  if (items.length === 0) return [];
  const child = spawn(python, ['-I', '-S', '-B', compiler], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new ParError('COMPILE_FAILED', `cannot run the build Python ${python}: ${e.message}`, { label })));
    child.on('close', (code) => resolve(code ?? 1));
  });
  child.stdin.end(JSON.stringify(items));
  const code = await done;
  if (code !== 0) {
    throw new ParError('COMPILE_FAILED', `bytecode compiler failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`, { label });
  }
  const buf = Buffer.concat(out);
  const results: Buffer[] = [];
  const syntaxErrors: string[] = [];
  let off = 0;
  for (const item of items) {
    const len = buf.readUInt32BE(off);
    off += 4;
    if (len === 0xffffffff) {
      const elen = buf.readUInt32BE(off);
      const e = JSON.parse(buf.subarray(off + 4, off + 4 + elen).toString()) as { file: string; line: number; msg: string };
      off += 4 + elen;
      syntaxErrors.push(`${e.file}:${e.line}: ${e.msg}`);
      results.push(Buffer.alloc(0));
      continue;
    }
    results.push(buf.subarray(off, off + len));
    off += len;
    void item;
  }
  if (syntaxErrors.length) {
    throw new ParError('COMPILE_FAILED', `Python syntax errors:\n  ${syntaxErrors.join('\n  ')}`, {
      label,
      hint: 'Fix the source, or set compile = False if the code targets a newer Python than the build toolchain.',
    });
  }
  return results;
}
