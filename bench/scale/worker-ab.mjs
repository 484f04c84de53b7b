#!/usr/bin/env node
// Warm-worker packing, A/B: replays the ParPack requests of a built bench/scale workspace
// through two packager bundles, each in its own persistent worker, taking turns request by
// request (so load on a shared machine hits both alike), and checks they write the same bytes.
//   node bench/scale/worker-ab.mjs EXECROOT A.js [B.js] [--rounds 3] [--node-flags "--max-semi-space-size=32"]
// EXECROOT: `bazel info execution_root` of a workspace bench/scale/run.mjs built (--dir keeps
// it); A.js / B.js: packager bundles (rules/private/tools/par.js of two checkouts). Reports per
// round each side's summed request time and the worker's CPU time (from /proc), and B/A.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv.splice(argv.indexOf(`--${name}`), 2)[1] : dflt);
const rounds = Number(opt('rounds', 3));
const nodeFlags = opt('node-flags', '--max-semi-space-size=32').split(' ').filter(Boolean);
const [root, ...bundles] = argv;
if (!root || bundles.length === 0 || bundles.length > 2) {
  process.stderr.write('usage: worker-ab.mjs EXECROOT A.js [B.js] [--rounds N] [--node-flags "..."]\n');
  process.exit(2);
}
const sides = bundles.map((b) => resolve(b));
process.chdir(root);
const apps = 'bazel-out/k8-fastbuild/bin/apps';
if (!existsSync(apps)) throw new Error(`${root} has no ${apps}: build a bench/scale workspace first`);
// A pack action's arguments, as Bazel hands them to the worker: its params file, one per line.
const requests = readdirSync(apps).flatMap((app) => {
  const d = join(apps, app, '_par');
  return readdirSync(d).filter((f) => f.endsWith('.unstamped-0.params')).map((f) => readFileSync(join(d, f), 'utf8').split('\n').filter((l) => l !== ''));
});
const outOf = (args) => args[args.indexOf('--out') + 1];
const node = existsSync('external/par_node/node') ? 'external/par_node/node' : process.execPath;

function worker(bundle) {
  const child = spawn(node, [...nodeFlags, bundle, '--persistent_worker'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  let waiting;
  child.stdout.on('data', (c) => {
    buf += c;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) if (buf.slice(0, i).trim()) waiting(JSON.parse(buf.slice(0, i)));
  });
  const cpuMs = () => {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in ticks of 10 ms
  };
  const ask = (args, id) => new Promise((done) => {
    waiting = done;
    child.stdin.write(`${JSON.stringify({ arguments: args, requestId: id })}\n`);
  });
  return { child, cpuMs, ask };
}

const workers = sides.map(worker);
let differ = 0;
for (let r = 0; r < rounds; r++) {
  const secs = workers.map(() => 0);
  const cpu0 = workers.map((w) => w.cpuMs());
  for (const [i, args] of requests.entries()) {
    const digests = [];
    for (const k of i % 2 && workers.length === 2 ? [1, 0] : workers.keys()) {
      const t = process.hrtime.bigint();
      const resp = await workers[k].ask(args, i + 1);
      secs[k] += Number(process.hrtime.bigint() - t) / 1e9;
      if (resp.exitCode !== 0) throw new Error(`${sides[k]}: ${resp.output}`);
      digests.push(createHash('sha256').update(readFileSync(outOf(args))).digest('hex'));
    }
    if (new Set(digests).size > 1) differ++;
  }
  const cpu = workers.map((w, k) => (w.cpuMs() - cpu0[k]) / 1000);
  const cells = workers.map((_, k) => `${'AB'[k]} ${secs[k].toFixed(2)} s (CPU ${cpu[k].toFixed(2)} s)`);
  const ratio = workers.length === 2 ? `; B/A ${(secs[1] / secs[0]).toFixed(2)}x time, ${(cpu[1] / cpu[0]).toFixed(2)}x CPU` : '';
  console.log(`round ${r + 1}: ${requests.length} packs: ${cells.join(' | ')}${ratio}`);
}
if (workers.length === 2) console.log(differ ? `${differ} archives differ between A and B` : 'A and B wrote the same archives byte for byte');
for (const w of workers) w.child.stdin.end();
