// Bazel persistent worker, JSON protocol (https://bazel.build/remote/persistent): one Node
// process serves many pack/stamp actions, so a build that packages 200 binaries pays one
// Node start-up (~100 ms with the bundle) instead of 200. Requests arrive on stdin as JSON
// objects (Bazel 4.2 prints them with or without newlines and indentation, so this splits
// the stream on balanced braces rather than lines); each response is one JSON line on
// stdout. stdout belongs to the protocol alone: anything else that writes there is
// redirected to stderr, which Bazel keeps in the worker's log.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { expandFlagfiles } from './flagfile';

const WorkRequest = z.object({
  arguments: z.array(z.string()).default([]),
  inputs: z.array(z.object({ path: z.string(), digest: z.string().optional() })).optional(),
  requestId: z.number().int().nonnegative().default(0),
  cancel: z.boolean().optional(),
  verbosity: z.number().int().optional(),
  sandboxDir: z.string().optional(),
});
export type WorkRequest = z.infer<typeof WorkRequest>;

export interface WorkResponse {
  exitCode: number;
  output: string;
  requestId: number;
}

/** Runs one action's arguments (already expanded) and returns its exit code and its messages. */
export type Handler = (argv: string[]) => Promise<{ exitCode: number; output: string }>;

/**
 * Splits a byte stream into top-level JSON object texts. Tracks strings and escapes so a
 * brace inside an argument does not count.
 */
export class JsonObjectSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    for (let i = this.scanned; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{') {
        if (this.depth++ === 0) this.start = i;
      } else if (c === '}') {
        if (this.depth === 0) throw new Error(`unbalanced '}' in the request stream`);
        if (--this.depth === 0) out.push(this.buf.slice(this.start, i + 1));
      } else if (this.depth === 0 && !/\s/.test(c)) {
        throw new Error(`unexpected ${JSON.stringify(c)} between requests`);
      }
    }
    if (this.depth === 0) {
      this.buf = '';
      this.scanned = 0;
    } else {
      this.buf = this.buf.slice(this.start);
      this.start = 0;
      this.scanned = this.buf.length;
    }
    return out;
  }

  /** True when a request was cut off by the end of the stream. */
  get partial(): boolean {
    return this.depth > 0;
  }
}

export function parseRequest(text: string): WorkRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`work request is not JSON: ${(e as Error).message}`);
  }
  const r = WorkRequest.safeParse(raw);
  if (!r.success) {
    throw new Error(`invalid work request: ${r.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** Handles one request: flagfiles expanded, run inside sandboxDir when Bazel gives one. */
export async function handleRequest(req: WorkRequest, handler: Handler): Promise<WorkResponse> {
  const cwd = process.cwd();
  try {
    if (req.sandboxDir) process.chdir(req.sandboxDir);
    // Bazel expands the @flagfile into `arguments` itself; other clients may not.
    const r = await handler(expandFlagfiles(req.arguments));
    return { exitCode: r.exitCode, output: r.output, requestId: req.requestId };
  } catch (e) {
    return { exitCode: 70, output: `par worker: internal error: ${e instanceof Error ? e.stack : String(e)}\n`, requestId: req.requestId };
  } finally {
    if (req.sandboxDir) process.chdir(cwd);
  }
}

/**
 * Serves requests one at a time until stdin closes (singleplex: Bazel starts one worker per
 * concurrent action, up to --worker_max_instances). Resolves with the process exit code.
 */
export interface StaleGuard {
  /** True once the code this worker was started from has changed on disk. */
  stale: () => boolean;
  /** Runs one request with the new code, in a fresh process. */
  fresh: Handler;
}

export async function serveWorker(
  input: Readable,
  respond: (line: string) => void,
  log: (s: string) => void,
  handler: Handler,
  guard?: StaleGuard,
): Promise<number> {
  const splitter = new JsonObjectSplitter();
  let stale = false;
  input.setEncoding('utf8');
  for await (const chunk of input) {
    let texts: string[];
    try {
      texts = splitter.push(chunk as string);
    } catch (e) {
      log(`par worker: ${(e as Error).message}; exiting\n`);
      return 1;
    }
    for (const text of texts) {
      let req: WorkRequest;
      try {
        req = parseRequest(text);
      } catch (e) {
        // Without a valid request there is no requestId to answer; Bazel reports the
        // worker's death together with this log.
        log(`par worker: ${(e as Error).message}; exiting\n`);
        return 1;
      }
      if (req.cancel) continue; // Not advertised (no supports-worker-cancellation); ignore.
      if (!stale && guard?.stale()) {
        // Bazel 4.2 was seen to keep serving a rules_par upgrade with the old worker. From
        // now on every request runs the new code in a fresh process. Exiting instead would
        // race with Bazel reading the response ("worker died while waiting for response").
        stale = true;
        log('par worker: the packager changed on disk; running each request in a fresh process (restart Bazel\'s workers to get a fast worker again)\n');
      }
      respond(JSON.stringify(await handleRequest(req, stale ? guard!.fresh : handler)) + '\n');
    }
  }
  if (splitter.partial) {
    log('par worker: stdin closed in the middle of a request\n');
    return 1;
  }
  return 0;
}

/**
 * Entry point for `par.js --persistent_worker`: takes stdout for the protocol and sends
 * every other stdout write (console.log, a stray print) to stderr.
 */
export async function runWorker(handler: Handler): Promise<number> {
  const stdout = process.stdout;
  const protocolWrite = stdout.write.bind(stdout);
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  return serveWorker(process.stdin, (line) => void protocolWrite(line), (s) => void process.stderr.write(s), handler, bundleGuard(process.argv[1]));
}

function identity(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Watches the bundle this worker runs (one stat per request, ~10 µs). */
export function bundleGuard(bundle: string): StaleGuard {
  const absolute = resolve(bundle);
  const started = identity(absolute);
  return {
    stale: () => identity(absolute) !== started,
    fresh: (argv) =>
      new Promise((done) => {
        const child = spawn(process.execPath, [absolute, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => chunks.push(b));
        child.stderr.on('data', (b: Buffer) => chunks.push(b));
        child.on('error', (e) => done({ exitCode: 70, output: `par worker: cannot run ${absolute}: ${e.message}\n` }));
        child.on('close', (code) => done({ exitCode: code ?? 70, output: Buffer.concat(chunks).toString('utf8') }));
      }),
  };
}
