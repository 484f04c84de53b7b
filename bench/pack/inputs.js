// Synthetic, deterministic input sets for packaging benchmarks and memory tests: Python
// sources (compress ~4x, like real code), mid-sized data files (text, compressible) and
// large binary blobs (incompressible, like models or images). CommonJS so that both the
// bench scripts (node) and the jest tests (ts-jest) can load it without a build step.
'use strict';
const { mkdirSync, writeFileSync, existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** xorshift32: the same bytes on every machine. */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const WORDS = ('self return import from def class if else elif for while in not and or None True False ' +
  'value result items data config path name index count total buffer request response handler ' +
  'parse render update compute schedule record payload options context logger session').split(' ');

function pythonSource(rand, bytes) {
  const lines = ['"""Generated module."""', 'import os', 'import sys', ''];
  let size = 40;
  let fn = 0;
  while (size < bytes) {
    const name = `${WORDS[Math.floor(rand() * WORDS.length)]}_${fn++}`;
    const body = [`def ${name}(value, options=None):`];
    const n = 3 + Math.floor(rand() * 8);
    for (let i = 0; i < n; i++) {
      const a = WORDS[Math.floor(rand() * WORDS.length)];
      const b = WORDS[Math.floor(rand() * WORDS.length)];
      body.push(`    ${a}_${i} = value.get(${JSON.stringify(b)}, ${Math.floor(rand() * 1000)})`);
    }
    body.push('    return value', '');
    const text = body.join('\n') + '\n';
    lines.push(text);
    size += text.length;
  }
  return Buffer.from(lines.join('\n'));
}

function textData(rand, bytes) {
  const rows = [];
  let size = 0;
  while (size < bytes) {
    const row = `${Math.floor(rand() * 1e6)},${WORDS[Math.floor(rand() * WORDS.length)]},${(rand() * 100).toFixed(3)}\n`;
    rows.push(row);
    size += row.length;
  }
  return Buffer.from(rows.join('')).subarray(0, bytes);
}

function blob(rand, bytes) {
  const b = Buffer.allocUnsafe(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) b.writeUInt32LE(Math.floor(rand() * 4294967296), i);
  return b;
}

/**
 * Writes an input set of about `totalMB` megabytes under `dir` (idempotent: a stamp file
 * records what was generated) and returns its files as {path (archive path), file, bytes}.
 * Shares: 10% Python sources (~8 KiB each), 30% text data (100-900 KiB), 60% binary blobs
 * (2-32 MiB, written in 1 MiB pieces so the generator itself stays small in memory).
 */
function makeInputSet(dir, totalMB) {
  const stamp = join(dir, '.inputs.json');
  if (existsSync(stamp)) {
    const prev = JSON.parse(readFileSync(stamp, 'utf8'));
    if (prev.totalMB === totalMB) return prev.files;
  }
  const rand = prng(totalMB * 7919);
  const total = totalMB << 20;
  const files = [];
  const put = (rel, data) => {
    const file = join(dir, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, data);
    files.push({ path: rel, file, bytes: data.length });
  };
  let py = 0;
  for (let i = 0; py < total * 0.1; i++) {
    const data = pythonSource(rand, 4096 + Math.floor(rand() * 8192));
    put(`app/pkg${Math.floor(i / 50)}/mod${i % 50}.py`, data);
    py += data.length;
  }
  let text = 0;
  for (let i = 0; text < total * 0.3; i++) {
    const data = textData(rand, (100 + Math.floor(rand() * 800)) << 10);
    put(`app/data/table${i}.csv`, data);
    text += data.length;
  }
  let big = 0;
  for (let i = 0; big < total * 0.6; i++) {
    const mb = Math.min(2 + Math.floor(rand() * 30), Math.ceil((total * 0.6 - big) / (1 << 20)));
    const rel = `app/models/blob${i}.bin`;
    const file = join(dir, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, '');
    for (let k = 0; k < mb; k++) writeFileSync(file, blob(rand, 1 << 20), { flag: 'a' });
    files.push({ path: rel, file, bytes: mb << 20 });
    big += mb << 20;
  }
  writeFileSync(join(dir, 'app/__init__.py'), '');
  files.push({ path: 'app/__init__.py', file: join(dir, 'app/__init__.py'), bytes: 0 });
  writeFileSync(stamp, JSON.stringify({ totalMB, files }));
  return files;
}

/**
 * A pack manifest (JSON lines, the format of rules/private/manifest.bzl) for `files`:
 * .py files as srcs, the rest as data, bootstrap files from `root`/src/bootstrap.
 */
function manifestFor(root, files, opts = {}) {
  const boot = ['__main__.py', '__par__/__init__.py', '__par__/_boot.py', 'launcher.sh'];
  const { readdirSync } = require('node:fs');
  const bootDir = join(root, 'src/bootstrap');
  const bootFiles = [
    ...readdirSync(bootDir).filter((f) => f.endsWith('.py') || f === 'launcher.sh').map((f) => f),
    ...readdirSync(join(bootDir, '__par__')).filter((f) => f.endsWith('.py')).map((f) => `__par__/${f}`),
  ];
  void boot;
  const header = {
    t: 'header',
    manifest_version: 1,
    label: opts.label || '//bench:pack',
    main: opts.main || null,
    main_module: opts.main ? opts.main.slice(0, -3).replace(/\//g, '.') : null,
    entry_point: opts.main ? null : 'app.main:run',
    python: '>=3.8',
    compression: opts.compression || 'deflate',
    ...(opts.level ? { compression_level: opts.level } : {}),
    compile: opts.compile === true,
    layout: 'zip',
    shebang: '#!/usr/bin/env python3',
    imports_check: 'off',
    build_python: { version: '3.11.2', cache_tag: 'cpython-311' },
  };
  const lines = [JSON.stringify(header)];
  for (const b of bootFiles.sort()) lines.push(JSON.stringify({ t: 'boot', path: b, file: join(bootDir, b) }));
  for (const f of files) {
    lines.push(JSON.stringify({ t: f.path.endsWith('.py') ? 'src' : 'data', path: f.path, file: f.file, owner: '//bench:inputs' }));
  }
  lines.push(JSON.stringify({ t: 'root', path: '' }));
  return lines.join('\n') + '\n';
}

module.exports = { makeInputSet, manifestFor, prng, pythonSource };
