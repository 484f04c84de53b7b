// Bytecode from the toolchain interpreter (rules/private/tools/compile_pyc.py, a small fork
// server: see its docstring for the protocol and why every batch runs in a fresh fork).
// A one-shot pack starts the server, sends its batches and closes it. The persistent worker
// keeps one server per interpreter alive across actions (keepCompilersAlive), saving a
// Python start-up (~20-30 ms) per action; a batch's bytes are the same either way, so
// archives do not depend on whether the worker was used.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { ParError } from '../common/errors';

export type CompileItem = { src: string; dfile: string } | { source: string; dfile: string } | { source_b64: string; dfile: string };

/**
 * The compiler's interpreter flags. `-X no_debug_ranges` (3.11+; older minors accept and
 * ignore any -X name): the code objects keep their line tables, so tracebacks, inspect and
 * coverage still name every line and show its source, and drop the column ranges that only
 * draw the `^^^^` under a failing expression. Measured on the anchor bench's widepure app
 * (Python 3.11, deflated): program bytecode 442 -> 362 KB, bootstrap 89 -> 67 KB
 * (docs/PERFORMANCE.md "Size").
 */
export const COMPILER_FLAGS = ['-S', '-s', '-B', '-X', 'no_debug_ranges'] as const;

const STATUS = 0xfffffffe;
const ERROR = 0xffffffff;

/** Buffers a child's stdout and hands out exactly n bytes at a time. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private ended: Error | undefined;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    this.wake();
  }

  end(e: Error): void {
    this.ended = e;
    this.wake();
  }

  read(n: number): Promise<Buffer> {
    return new Promise((res, rej) => {
      this.waiter = { n, resolve: res, reject: rej };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.size >= w.n) {
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = all.length > w.n ? [all.subarray(w.n)] : [];
      this.size = all.length - w.n;
      this.waiter = undefined;
      w.resolve(all.subarray(0, w.n));
    } else if (this.ended) {
      this.waiter = undefined;
      w.reject(this.ended);
    }
  }
}

class CompilerServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly out = new ByteQueue();
  private stderr = '';
  private chain: Promise<unknown> = Promise.resolve();
  dead: Error | undefined;
  /** Batches queued or running: a one-shot server closes when this drops to zero. */
  users = 0;

  constructor(readonly python: string, compiler: string) {
    // -S -s -B and a scrubbed environment instead of -I, because -I would also ignore the
    // PYTHONHASHSEED that keeps pre-3.11 frozenset constants in a fixed order.
    this.child = spawn(python, [...COMPILER_FLAGS, compiler], { stdio: ['pipe', 'pipe', 'pipe'], env: { PYTHONHASHSEED: '0' } });
    this.child.stdout.on('data', (b: Buffer) => this.out.push(b));
    this.child.stderr.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-8000);
    });
    this.child.on('error', (e) => this.die(new Error(`cannot run the build Python ${python}: ${e.message}`)));
    this.child.on('close', (code, signal) => this.die(new Error(`the bytecode compiler exited (${signal ?? `exit ${code}`})`)));
    this.child.stdin.on('error', () => undefined); // Reported through 'close'.
  }

  private die(e: Error): void {
    this.dead ??= e;
    this.out.end(this.dead);
  }

  /** Compiles one batch; batches on one server run one after another. */
  compile(items: CompileItem[]): Promise<Buffer> {
    const run = this.chain.then(() => this.request(items));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async request(items: CompileItem[]): Promise<Buffer> {
    if (this.dead) throw this.dead;
    const payload = Buffer.from(JSON.stringify(items), 'utf8');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(payload.length);
    this.stderr = '';
    this.child.stdin.write(header);
    this.child.stdin.write(payload);
    const first = (await this.out.read(4)).readUInt32BE(0);
    const body = first === STATUS ? undefined : await this.out.read(first);
    const status = first === STATUS ? first : (await this.out.read(4)).readUInt32BE(0);
    if (status !== STATUS) throw new Error('the bytecode compiler broke its protocol');
    const code = (await this.out.read(4)).readUInt32BE(0);
    const message = (await this.out.read((await this.out.read(4)).readUInt32BE(0))).toString('utf8');
    if (code !== 0 || !body) throw new Error(`the bytecode compiler failed (exit ${code}): ${(message || this.stderr).trim()}`);
    return body;
  }

  close(): void {
    this.child.stdin.end();
  }
}

let reuse = false;
const servers = new Map<string, CompilerServer>();

/** Worker mode: keep compiler servers between actions (closed when the worker's stdin closes). */
export function keepCompilersAlive(): void {
  reuse = true;
}

// Keyed by absolute paths: the worker's cwd is the execroot, the same for every action.
const serverKey = (python: string, compiler: string) => `${resolve(python)}\0${resolve(compiler)}`;

function server(python: string, compiler: string): CompilerServer {
  const key = serverKey(python, compiler);
  let s = servers.get(key);
  if (!s || s.dead) {
    s = new CompilerServer(python, compiler);
    servers.set(key, s);
  }
  return s;
}

function splitBody(body: Buffer, count: number, syntaxErrors: string[]): Buffer[] {
  const results: Buffer[] = [];
  let off = 0;
  for (let i = 0; i < count; i++) {
    const len = body.readUInt32BE(off);
    off += 4;
    if (len === ERROR) {
      const elen = body.readUInt32BE(off);
      const e = JSON.parse(body.subarray(off + 4, off + 4 + elen).toString()) as { file: string; line: number; msg: string };
      off += 4 + elen;
      syntaxErrors.push(`${e.file}:${e.line}: ${e.msg}`);
      results.push(Buffer.alloc(0));
      continue;
    }
    results.push(body.subarray(off, off + len));
    off += len;
  }
  return results;
}

/**
 * Compiles items in the order given, as one batch (one fork). Callers that want bounded
 * memory split their work into batches; the split must be deterministic (e.g. by count in
 * sorted order), since marshal's output for an item may depend on earlier items of its batch.
 */
export async function compilePyc(
  python: string,
  compiler: string,
  items: CompileItem[],
  label: string,
  /**
   * skipSyntaxErrors: third-party code: an item that does not compile gets an empty result (it
   * stays source-only). syntaxErrors: the same, and each error's "file:line: message" is
   * pushed here (a fragment records them; the binary decides whether they matter).
   */
  opts: { skipSyntaxErrors?: boolean; syntaxErrors?: string[] } = {},
): Promise<Buffer[]> {
  if (items.length === 0) return [];
  const s = server(python, compiler);
  let body: Buffer;
  s.users++;
  try {
    body = await s.compile(items);
  } catch (e) {
    throw new ParError('COMPILE_FAILED', (e as Error).message, { label });
  } finally {
    if (--s.users === 0 && !reuse) {
      if (servers.get(serverKey(python, compiler)) === s) servers.delete(serverKey(python, compiler));
      s.close();
    }
  }
  const syntaxErrors: string[] = opts.syntaxErrors ?? [];
  const results = splitBody(body, items.length, syntaxErrors);
  if (syntaxErrors.length && !opts.skipSyntaxErrors && !opts.syntaxErrors) throw syntaxErrorsFailure(label, syntaxErrors);
  return results;
}

/** The error of a binary whose code does not compile on the build toolchain. */
export function syntaxErrorsFailure(label: string, errors: readonly string[]): ParError {
  return new ParError('COMPILE_FAILED', `Python syntax errors:\n  ${errors.join('\n  ')}`, {
    label,
    hint: 'Fix the source, or set compile = False if the code targets a newer Python than the build toolchain.',
  });
}

/** Closes every kept compiler server (they also exit by themselves when the worker dies). */
export function closeCompilers(): void {
  for (const s of servers.values()) s.close();
  servers.clear();
  reuse = false;
}
