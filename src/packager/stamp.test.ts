import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { readArchiveInfo } from '../archive/archive-info';
import { ParError } from '../common/errors';
import { scratch, writeArchive, writeStatus } from '../../tests/helpers/test-archives';
import { stamp, stampInfo } from './stamp';
import { LAUNCH_BLOB_ENTRY, STAMP_ENTRY } from '../archive/contract';
import { launcherPreamble, sizeFieldAt, writeSizeField } from './preamble';
import { fastFieldAt, fastFieldValue, launchBlob, readFastField, readLaunchBlob, writeFastField, type LaunchCodes } from '../archive/launch-blob';
import { marshalLoads, type MarshalValue } from '../archive/marshal';
import { parseCentralDirectory, ZipReader, ZipWriter } from '../archive/zip';

const where = { label: '//app:pkg', stableFile: '/s/stable-status.txt', volatileFile: '/s/volatile-status.txt' };
const m = (o: Record<string, string>) => new Map(Object.entries(o));

describe('stampInfo', () => {
  it('maps the status keys to build-info fields and carries the other STABLE_* keys', () => {
    const info = stampInfo(
      m({
        STABLE_SCM_REVISION: 'a'.repeat(40), STABLE_SCM_DIRTY: 'false', STABLE_SCM_BRANCH: 'main',
        STABLE_RELEASE_TRAIN: 'r42', STABLE_A: 'first', BUILD_HOST: 'box', BUILD_USER: 'alice', BUILD_EMBED_LABEL: '',
      }),
      m({ BUILD_TIMESTAMP: '1700000000', SOMETHING_VOLATILE: 'x' }),
      where,
    );
    expect(info).toEqual({
      stamped: true,
      revision: 'a'.repeat(40),
      dirty: false,
      branch: 'main',
      timestamp: '2023-11-14T22:13:20Z',
      status: { STABLE_A: 'first', STABLE_RELEASE_TRAIN: 'r42' },
    });
    // Host and user never reach the archive (see the comment on stampInfo).
    expect(JSON.stringify(info)).not.toMatch(/box|alice/);
  });

  it('says unknown / null for what the status script could not tell', () => {
    expect(stampInfo(m({ STABLE_SCM_REVISION: 'unknown', STABLE_SCM_DIRTY: 'unknown', STABLE_SCM_BRANCH: 'unknown' }), m({}), where)).toEqual({
      stamped: true, revision: 'unknown', dirty: null, branch: null, timestamp: null, status: {},
    });
    // No status script at all (stamp = 1 without --config=release): Bazel's own keys only.
    expect(stampInfo(m({ BUILD_HOST: 'h' }), m({ BUILD_TIMESTAMP: '0' }), where)).toMatchObject({
      revision: 'unknown', dirty: null, branch: null, timestamp: '1970-01-01T00:00:00Z',
    });
    expect(stampInfo(m({ STABLE_SCM_DIRTY: 'true' }), m({}), where).dirty).toBe(true);
  });

  it('rejects a dirty flag that is not true/false/unknown, naming key, file and label', () => {
    expect(() => stampInfo(m({ STABLE_SCM_DIRTY: 'yes' }), m({}), where)).toThrow(ParError);
    try {
      stampInfo(m({ STABLE_SCM_DIRTY: 'yes' }), m({}), where);
    } catch (e) {
      expect((e as ParError).render()).toBe(
        "//app:pkg: STABLE_SCM_DIRTY is 'yes'; expected true, false or unknown [/s/stable-status.txt] " +
          'Fix the line your --workspace_status_command prints (tools/workspace_status.sh prints true/false).',
      );
    }
  });

  it('rejects a timestamp that is not whole seconds', () => {
    try {
      stampInfo(m({}), m({ BUILD_TIMESTAMP: '2024-01-01' }), where);
      throw new Error('no error');
    } catch (e) {
      expect((e as ParError).code).toBe('STATUS_INVALID');
      expect((e as ParError).render()).toBe(
        "//app:pkg: BUILD_TIMESTAMP is '2024-01-01'; expected whole seconds since the epoch [/s/volatile-status.txt] " +
          'Print `date +%s` (or $SOURCE_DATE_EPOCH) from your --workspace_status_command.',
      );
    }
  });
});

describe('stamp', () => {
  let s: ReturnType<typeof scratch>;
  beforeEach(() => (s = scratch()));
  afterEach(() => s.cleanup());

  async function fixture() {
    const body = await writeArchive(join(s.dir, 'body'), {
      'app/main.py': 'import __par__\nprint(__par__.build_info["revision"])\n',
      'app/data.bin': Buffer.alloc(200_000, 7),
      // The real bootstrap package, whose build_info merges the stamp over the packed facts.
      '__par__/__init__.py': readFileSync(join(__dirname, '../bootstrap/__par__/__init__.py')),
      // Imported by __init__ when it runs from source, as it does here (no .pyc in this fixture).
      '__par__/_bytecode.py': readFileSync(join(__dirname, '../bootstrap/__par__/_bytecode.py')),
    });
    const stable = writeStatus(join(s.dir, 'stable-status.txt'), {
      BUILD_HOST: 'buildbox', BUILD_USER: 'alice', STABLE_SCM_REVISION: 'c0ffee', STABLE_SCM_DIRTY: 'true',
      STABLE_SCM_BRANCH: 'release/1.x', STABLE_TEAM: 'infra tools',
    });
    const volatile = writeStatus(join(s.dir, 'volatile-status.txt'), { BUILD_TIMESTAMP: '1700000000' });
    return { body, stable, volatile, out: join(s.dir, 'out') };
  }

  it('copies the body byte for byte, appends one stored entry, and the result reads back stamped', async () => {
    const f = await fixture();
    await stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile });
    const before = readFileSync(f.body);
    const after = readFileSync(f.out);
    const src = await ZipReader.open(f.body);
    const cd = src.centralDirectoryOffset;
    const oldEntries = src.entries;
    await src.close();
    // Everything up to the old central directory (launcher + every local entry) is unchanged.
    expect(after.subarray(0, cd).equals(before.subarray(0, cd))).toBe(true);
    const out = await ZipReader.open(f.out);
    try {
      expect(out.entries.map((e) => e.name)).toEqual([...oldEntries.map((e) => e.name), STAMP_ENTRY]);
      const se = out.find(STAMP_ENTRY)!;
      expect(se.method).toBe(0);
      expect(se.localHeaderOffset).toBe(cd);
      oldEntries.forEach((e, i) => expect(out.entries[i]).toEqual(e));
    } finally {
      await out.close();
    }
    expect(statSync(f.out).mode & 0o777).toBe(0o755);
    expect(readdirSync(s.dir).filter((n) => n.includes('.tmp-'))).toEqual([]);

    const info = await readArchiveInfo(f.out);
    expect(info.buildInfo).toMatchObject({
      label: '//app:pkg', stamped: true, revision: 'c0ffee', dirty: true, branch: 'release/1.x',
      timestamp: '2023-11-14T22:13:20Z', fingerprint: 'f'.repeat(64), status: { STABLE_TEAM: 'infra tools' },
    });
    expect(after.includes(Buffer.from('buildbox'))).toBe(false);
    expect(after.includes(Buffer.from('alice'))).toBe(false);
  });

  it('is a module Python imports from the archive (what __par__.build_info merges)', async () => {
    const f = await fixture();
    await stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile });
    const py = spawnSync('/usr/bin/python3', ['-S', '-c', 'import sys; sys.path.insert(0, sys.argv[1]); import __par__; b = __par__.build_info; print(b["revision"], b["dirty"], b["status"], b["fingerprint"][:4], b["label"])', f.out], {
      encoding: 'utf8',
      // No per-user bytecode cache written by a unit test.
      env: { ...process.env, PAR_BYTECODE_CACHE: '0' },
    });
    expect(py.stderr).toBe('');
    expect(py.stdout).toBe("c0ffee True {'STABLE_TEAM': 'infra tools'} ffff //app:pkg\n");
  });

  it('is deterministic: the same body and status give the same bytes', async () => {
    const f = await fixture();
    await stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile });
    await stamp({ in: f.body, out: f.out + '2', label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile });
    expect(readFileSync(f.out).equals(readFileSync(f.out + '2'))).toBe(true);
  });

  it('fails on a body that is not a zip, naming it and the label, and leaves no output', async () => {
    const f = await fixture();
    writeFileSync(f.body, '#!/bin/sh\necho not an archive\n');
    await expect(stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile })).rejects.toThrow(
      new RegExp(`^cannot stamp ${f.body}: ${f.body}: `),
    );
    await stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile }).catch((e: ParError) => {
      expect(e.code).toBe('NOT_AN_ARCHIVE');
      expect(e.label).toBe('//app:pkg');
    });
    expect(existsSync(f.out)).toBe(false);
    expect(readdirSync(s.dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('stamps a read-only body (Bazel leaves its outputs 0555) as a user other than root', async () => {
    const f = await fixture();
    chmodSync(f.body, 0o555);
    chmodSync(s.dir, 0o777);
    const cli = [join(__dirname, '../../rules/private/tools/par.js'), 'stamp', '--in', f.body, '--out', f.out, '--label', '//app:pkg', '--stable-status', f.stable, '--volatile-status', f.volatile];
    // Root may write any file, so under root the CLI runs as nobody: the failure this guards
    // against (EACCES opening the copy of a read-only body) only shows for ordinary users.
    const r =
      process.getuid?.() === 0
        ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...cli], { encoding: 'utf8' })
        : spawnSync(process.execPath, cli, { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(statSync(f.out).mode & 0o777).toBe(0o755);
    expect(statSync(f.out).uid).toBe(process.getuid?.() === 0 ? 65534 : process.getuid?.());
  });

  it('fails on a missing status file before writing anything', async () => {
    const f = await fixture();
    await expect(
      stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: join(s.dir, 'nope.txt') }),
    ).rejects.toThrow(`cannot read workspace status file ${join(s.dir, 'nope.txt')}`);
    expect(existsSync(f.out)).toBe(false);
  });
});

describe('stamp with a launch blob', () => {
  let s: ReturnType<typeof scratch>;
  beforeEach(() => (s = scratch()));
  afterEach(() => s.cleanup());
  const codes: LaunchCodes = [Buffer.from('c0'), Buffer.from('c1'), Buffer.from('c2'), Buffer.from('c3')];

  /** An archive as the packer makes it: a par_fast line, entries, the blob last. */
  async function withBlob(unpackedWheel = false): Promise<{ body: string; stable: string; volatile: string; out: string }> {
    const body = join(s.dir, 'body');
    const preamble = launcherPreamble('exit 0', { first: 'python3', minors: [], spec: '', fast: true });
    const w = await ZipWriter.create(body, preamble);
    await w.addFile('app/main.py', Buffer.from('print(1)\n'), { compress: true });
    await w.addFile('__par__/_manifest.py', Buffer.from('DATA = {}\n'), { compress: false });
    if (unpackedWheel) await w.addFile('_w/native-1.0/native/__init__.py', Buffer.from(''), { compress: false });
    const { directory, next } = await w.written();
    // As the packer does for a wheel unpacked at launch: its files are not in the blob's directory.
    const blob = launchBlob(codes, parseCentralDirectory(body, directory, 0), (n) => !n.startsWith('_w/native-1.0/'));
    await w.addFile(LAUNCH_BLOB_ENTRY, blob, { compress: false });
    await w.finish();
    writeFastField(body, fastFieldAt(preamble), next, blob.length);
    writeSizeField(body);
    const stable = writeStatus(join(s.dir, 'stable-status.txt'), { STABLE_SCM_REVISION: 'abc' });
    const volatile = writeStatus(join(s.dir, 'volatile-status.txt'), { BUILD_TIMESTAMP: '0' });
    return { body, stable, volatile, out: join(s.dir, 'out') };
  }

  it('writes the blob again after the stamp, listing it, and points the launcher line at it', async () => {
    const f = await withBlob();
    await stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile });
    const bytes = readFileSync(f.out);
    // The launcher's length check sees the stamped archive's own size.
    const sizeAt = sizeFieldAt(bytes);
    expect(bytes.subarray(sizeAt, sizeAt + 13).toString()).toBe(String(bytes.length).padEnd(13));
    expect(bytes.length).toBeGreaterThan(readFileSync(f.body).length);
    const field = readFastField(bytes.subarray(0, 4096))!;
    const r = await ZipReader.open(f.out);
    try {
      expect(r.entries.map((e) => e.name)).toEqual(['app/main.py', '__par__/_manifest.py', STAMP_ENTRY, LAUNCH_BLOB_ENTRY]);
      const entry = r.find(LAUNCH_BLOB_ENTRY)!;
      expect(field.blob).toEqual({ offset: entry.localHeaderOffset + 30 + LAUNCH_BLOB_ENTRY.length, length: entry.uncompressedSize });
      const blob = bytes.subarray(field.blob!.offset, field.blob!.offset + field.blob!.length);
      expect(readLaunchBlob(blob, f.out)).toEqual(codes);
      const index = (marshalLoads(inflateRawSync(blob)) as MarshalValue[][])[5] as MarshalValue[][];
      expect(index.map((e) => [e[0], e[4]])).toEqual(r.entries.filter((e) => e.name !== LAUNCH_BLOB_ENTRY).map((e) => [e.name, e.localHeaderOffset]));
    } finally {
      await r.close();
    }
  });

  it("lists again what the packer's blob listed, and the stamp: a wheel unpacked at launch stays out", async () => {
    const f = await withBlob(true);
    await stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile });
    const bytes = readFileSync(f.out);
    const field = readFastField(bytes.subarray(0, 4096))!;
    const blob = bytes.subarray(field.blob!.offset, field.blob!.offset + field.blob!.length);
    const index = (marshalLoads(inflateRawSync(blob)) as MarshalValue[][])[5] as MarshalValue[][];
    expect(index.map((e) => e[0])).toEqual(['app/main.py', '__par__/_manifest.py', STAMP_ENTRY]);
    const r = await ZipReader.open(f.out);
    try {
      expect(r.entries.map((e) => e.name)).toContain('_w/native-1.0/native/__init__.py');
    } finally {
      await r.close();
    }
  });

  it('fails on a launcher line that points past the end, or at something else, naming archive and label', async () => {
    const f = await withBlob();
    const bytes = readFileSync(f.body);
    fastFieldValue(bytes.length - 10, 500).copy(bytes, fastFieldAt(bytes));
    writeFileSync(f.body, bytes);
    await expect(stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile })).rejects.toThrow(
      `cannot stamp ${f.body}: its launch blob (500 bytes at offset ${bytes.length - 10}) is cut short`,
    );
    fastFieldValue(0, 100).copy(bytes, fastFieldAt(bytes));
    writeFileSync(f.body, bytes);
    await expect(stamp({ in: f.body, out: f.out, label: '//app:pkg', stableStatus: f.stable, volatileStatus: f.volatile })).rejects.toThrow(
      `cannot stamp ${f.body}: ${f.body}: ${LAUNCH_BLOB_ENTRY} is not a launch blob: not a deflate stream (`,
    );
    expect(existsSync(f.out)).toBe(false);
  });
});
