import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expandFlagfiles, isFlagfile } from './flagfile';
import { bundleGuard, JsonObjectSplitter, parseRequest, serveWorker, type Handler } from './worker';

describe('JsonObjectSplitter', () => {
  test('splits pretty-printed and one-line requests, across chunk boundaries, ignoring braces in strings', () => {
    const s = new JsonObjectSplitter();
    const a = '{\n  "arguments": ["pack", "--out", "a{b}\\"}"],\n  "requestId": 3\n}';
    const b = '{"arguments":["x"]}\n';
    const text = a + b;
    const got: string[] = [];
    for (let i = 0; i < text.length; i += 7) got.push(...s.push(text.slice(i, i + 7)));
    expect(got.map((g) => JSON.parse(g))).toEqual([{ arguments: ['pack', '--out', 'a{b}"}'], requestId: 3 }, { arguments: ['x'] }]);
    expect(s.partial).toBe(false);
  });

  test('garbage between requests is an error naming the character', () => {
    expect(() => new JsonObjectSplitter().push('{"a":1} x')).toThrow('unexpected "x" between requests');
  });
});

test('parseRequest fills proto3 defaults and reports bad fields', () => {
  expect(parseRequest('{"arguments":["a"]}')).toMatchObject({ arguments: ['a'], requestId: 0 });
  expect(() => parseRequest('{"arguments":"a"}')).toThrow(/invalid work request: arguments: /);
  expect(() => parseRequest('{nope')).toThrow(/work request is not JSON/);
});

describe('flagfiles', () => {
  test('expands @file to its lines; labels are not flagfiles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'par-flag-'));
    writeFileSync(join(dir, 'a.params'), 'pack\n--out\nx y/z\n');
    expect(expandFlagfiles(['@' + join(dir, 'a.params'), 'tail'])).toEqual(['pack', '--out', 'x y/z', 'tail']);
    expect(isFlagfile('@rules_par//:par')).toBe(false);
    expect(isFlagfile('@//x:y')).toBe(false);
  });

  test('a missing flagfile says which file and what @ means', () => {
    expect(() => expandFlagfiles(['@/nonexistent/a.params'])).toThrow('cannot read the flagfile /nonexistent/a.params: ENOENT');
  });
});

describe('serveWorker', () => {
  const echo: Handler = async (argv) => ({ exitCode: argv[0] === 'fail' ? 1 : 0, output: argv.join(' ') });

  async function serve(input: string, handler: Handler = echo) {
    const stdin = new PassThrough();
    const lines: string[] = [];
    let log = '';
    const done = serveWorker(stdin, (l) => lines.push(l), (s) => (log += s), handler);
    stdin.end(input);
    return { code: await done, responses: lines.map((l) => JSON.parse(l)), log };
  }

  test('answers each request in order with its requestId and the handler result', async () => {
    const r = await serve('{"arguments":["pack","a"],"requestId":0}{"arguments":["fail"],"requestId":7}');
    expect(r.code).toBe(0);
    expect(r.responses).toEqual([
      { exitCode: 0, output: 'pack a', requestId: 0 },
      { exitCode: 1, output: 'fail', requestId: 7 },
    ]);
  });

  test('a handler that throws becomes exit code 70 with the stack, and the worker keeps serving', async () => {
    const r = await serve('{"arguments":["boom"]}{"arguments":["ok"]}', async (argv) => {
      if (argv[0] === 'boom') throw new Error('kaput');
      return { exitCode: 0, output: 'fine' };
    });
    expect(r.responses[0]).toMatchObject({ exitCode: 70, output: expect.stringContaining('par worker: internal error: Error: kaput') });
    expect(r.responses[1]).toEqual({ exitCode: 0, output: 'fine', requestId: 0 });
  });

  test('a malformed request ends the worker with a message on stderr, not on stdout', async () => {
    const r = await serve('{"arguments": 5}');
    expect(r.code).toBe(1);
    expect(r.responses).toEqual([]);
    expect(r.log).toMatch(/^par worker: invalid work request: arguments: .*; exiting\n$/);
  });

  test('stdin closing in the middle of a request is reported', async () => {
    const r = await serve('{"arguments": ["a"');
    expect(r.code).toBe(1);
    expect(r.log).toBe('par worker: stdin closed in the middle of a request\n');
  });
});

describe('stale worker guard', () => {
  test('after the bundle changed, every request runs the new code in a fresh process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'par-worker-'));
    const bundle = join(dir, 'bundle.js');
    writeFileSync(bundle, 'process.stdout.write("old " + process.argv.slice(2).join(" "))');
    const guard = bundleGuard(bundle);
    expect(guard.stale()).toBe(false);
    const stdin = new PassThrough();
    const lines: string[] = [];
    let log = '';
    const inProcess: Handler = async (argv) => ({ exitCode: 0, output: `in-process ${argv.join(' ')}` });
    const done = serveWorker(stdin, (l) => lines.push(l), (s) => (log += s), inProcess, guard);
    stdin.write('{"arguments":["first"],"requestId":1}');
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(bundle, 'process.stdout.write("new " + process.argv.slice(2).join(" "))');
    stdin.end('{"arguments":["second"],"requestId":2}{"arguments":["third"],"requestId":3}');
    expect(await done).toBe(0);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { exitCode: 0, output: 'in-process first', requestId: 1 },
      { exitCode: 0, output: 'new second', requestId: 2 },
      { exitCode: 0, output: 'new third', requestId: 3 },
    ]);
    expect(log).toBe(
      "par worker: the packager changed on disk; running each request in a fresh process (restart Bazel's workers to get a fast worker again)\n",
    );
  });
});
