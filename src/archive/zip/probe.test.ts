// The incompressibility probe: entries longer than PROBE_SIZE whose first PROBE_SIZE bytes do
// not deflate are stored without deflating the rest; the decision depends on the content only.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeData, looksIncompressible, PROBE_SIZE } from './compress';
import { ZipReader } from './reader';
import { expectPythonOk, noise, PREAMBLE, PY_LIST, pySource, python, scratchDir } from '../../../tests/helpers/zip';
import { METHOD_DEFLATE, METHOD_STORED } from './types';
import { STREAM_THRESHOLD, ZipWriter } from './writer';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

describe('looksIncompressible', () => {
  test('random bytes are incompressible, source text and zeros are not', () => {
    expect(looksIncompressible(noise(PROBE_SIZE, 3))).toBe(true);
    expect(looksIncompressible(pySource(5000).subarray(0, PROBE_SIZE))).toBe(false);
    expect(looksIncompressible(Buffer.alloc(PROBE_SIZE))).toBe(false);
    expect(looksIncompressible(Buffer.alloc(0))).toBe(false);
  });

  test('data that saves under 1/64 of its size counts as incompressible', () => {
    // 1 byte in 200 repeated: deflate saves well under 1.6% on this mix.
    const mostlyRandom = noise(PROBE_SIZE, 9);
    for (let i = 0; i < mostlyRandom.length; i += 200) mostlyRandom[i] = 0;
    expect(looksIncompressible(mostlyRandom)).toBe(true);
  });
});

describe('encodeData with the probe', () => {
  test('a big random entry is stored with its crc; a small one is still deflated first and stored when no smaller', async () => {
    const big = noise(PROBE_SIZE * 3, 5);
    const e = await encodeData(big, true, 6);
    expect(e.method).toBe(METHOD_STORED);
    expect(e.data).toBe(big);
    expect(e.compressedSize).toBe(big.length);
    const small = noise(1000, 5);
    expect((await encodeData(small, true, 6)).method).toBe(METHOD_STORED);
  });

  test('the first PROBE_SIZE bytes decide: random head + text tail is stored, text head + random tail is deflated', async () => {
    const text = pySource(20000);
    const randomHead = Buffer.concat([noise(PROBE_SIZE, 1), text]);
    expect((await encodeData(randomHead, true, 6)).method).toBe(METHOD_STORED);
    const textHead = Buffer.concat([text.subarray(0, PROBE_SIZE), noise(4 * PROBE_SIZE, 2)]);
    const e = await encodeData(textHead, true, 6);
    expect(e.method).toBe(METHOD_DEFLATE);
    expect(e.compressedSize).toBeLessThan(textHead.length);
  });

  test('an entry of exactly PROBE_SIZE bytes is not probed: deflated whole, stored only when not smaller', async () => {
    const half = Buffer.concat([noise(PROBE_SIZE / 2, 4), Buffer.alloc(PROBE_SIZE / 2)]);
    // The zero half compresses to nothing: saves ~50% overall, deflated.
    expect((await encodeData(half, true, 6)).method).toBe(METHOD_DEFLATE);
  });
});

describe('ZipWriter with the probe', () => {
  test('in-memory and streamed entries take the same decision and the same bytes, run after run', async () => {
    const text = pySource(120_000);
    // Streamed sizes (>= STREAM_THRESHOLD): random head then text, and text head then random.
    const cases: Record<string, Buffer> = {
      'random-head.bin': Buffer.concat([noise(PROBE_SIZE, 11), text.subarray(0, 2 * STREAM_THRESHOLD)]),
      'text-head.bin': Buffer.concat([text.subarray(0, PROBE_SIZE), noise(2 * STREAM_THRESHOLD, 12)]),
    };
    const outs: Buffer[] = [];
    for (let round = 0; round < 2; round++) {
      const out = join(scratch.dir, `probe-${round}.par`);
      const w = await ZipWriter.create(out, PREAMBLE);
      for (const [name, data] of Object.entries(cases)) {
        const file = join(scratch.dir, name);
        writeFileSync(file, data);
        await w.addFile(`mem/${name}`, data, { compress: true, level: 1 });
        await w.addFileFromPath(`disk/${name}`, file, { compress: true, level: 1 });
      }
      await w.finish();
      outs.push(readFileSync(out));
      const r = await ZipReader.open(out);
      try {
        for (const [name, data] of Object.entries(cases)) {
          const [mem, disk] = [r.find(`mem/${name}`)!, r.find(`disk/${name}`)!];
          expect([name, mem.method]).toEqual([name, name === 'random-head.bin' ? METHOD_STORED : METHOD_DEFLATE]);
          expect(disk.method).toBe(mem.method);
          expect((await r.readRaw(mem)).equals(await r.readRaw(disk))).toBe(true);
          expect((await r.read(disk)).equals(data)).toBe(true);
        }
      } finally {
        await r.close();
      }
      expectPythonOk(python(PY_LIST, out));
    }
    expect(outs[0].equals(outs[1])).toBe(true);
  });
});
