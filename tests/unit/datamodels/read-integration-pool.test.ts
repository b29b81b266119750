import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as FitsApi from '../../../ts/io/fits/index.js';
import type * as ModelsApi from '../../../ts/datamodels/fits-models.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';

// The workers run compiled JS: the reader and pool come from dist/ like the other pool tests.
const root = fileURLToPath(new URL('../../../', import.meta.url));

async function load() {
  if (!existsSync(join(root, 'dist/pool/node-worker.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
  const fits: typeof FitsApi = await import(join(root, 'dist/io/fits/index.js'));
  const models: typeof ModelsApi = await import(join(root, 'dist/datamodels/fits-models.js'));
  const pools: typeof PoolApi = await import(join(root, 'dist/pool/node.js'));
  const loader: typeof LoaderApi = await import(join(root, 'dist/kernels/load-node.js'));
  await loader.loadKernels();
  return { fits, models, pools };
}

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('RampReader.readIntegration on a worker pool', () => {
  it('decodes uint16 and int16 SCI groups to the same floats as the reader, for every stored value', async () => {
    const { fits, models, pools } = await load();
    const shape = [2, 3, 128, 512];
    const count = shape.reduce((a, b) => a * b, 1);
    // Each group holds all 65536 bit patterns (in a different order per group and integration).
    const uint16 = Uint16Array.from({ length: count }, (_, i) => (i * 40503 + (i >> 16) * 7) & 0xffff);
    const int16 = new Int16Array(uint16.buffer);
    for (const data of [uint16, int16]) {
      const encoded = fits.encodeFits([
        { kind: 'image', header: new fits.Header().set('NINTS', 2).set('NGROUPS', 3) },
        { kind: 'image', header: new fits.Header().set('EXTNAME', 'SCI'), data, shape },
      ]);
      const file = await fits.FitsFile.open(fits.bytesSource(Buffer.concat(encoded), 'uncal.fits'));
      expect(file.get('SCI').bitpix).toBe(16);
      const reader = models.RampReader.open(file);
      const expected = await Promise.all([0, 1].map(async (i) => (await reader.readIntegration(i)).data));
      expect(new Set(expected[1].subarray(0, 65536)).size, 'a group sees every stored value').toBe(65536);
      for (const size of [1, 2, 3]) {
        const pool = await pools.createNodePool({ size });
        try {
          for (const i of [0, 1]) {
            const decoded = (await reader.readIntegration(i, pool)).data;
            expect(Buffer.compare(bytesOf(decoded), bytesOf(expected[i])), `${data.constructor.name}, ${size} workers, integration ${i}`).toBe(0);
          }
        } finally {
          await pool.destroy();
        }
      }
    }
  });

  it('readColumns gives what readRows gives of its columns, for every stored value, with and without GROUPDQ', async () => {
    const { fits, models } = await load();
    const shape = [2, 3, 64, 1024];
    const [nints, ngroups, , nx] = shape;
    const count = shape.reduce((a, b) => a * b, 1);
    const uint16 = Uint16Array.from({ length: count }, (_, i) => (i * 40503 + (i >> 16) * 7) & 0xffff);
    const flags = Uint8Array.from({ length: count }, (_, i) => (i * 31) & 0xff);
    for (const data of [uint16, new Int16Array(uint16.buffer)]) {
      for (const withGroupdq of [false, true]) {
        const encoded = fits.encodeFits([
          { kind: 'image', header: new fits.Header().set('NINTS', nints).set('NGROUPS', ngroups) },
          { kind: 'image', header: new fits.Header().set('EXTNAME', 'SCI'), data, shape },
          ...(withGroupdq ? [{ kind: 'image' as const, header: new fits.Header().set('EXTNAME', 'GROUPDQ'), data: flags, shape }] : []),
        ]);
        const reader = models.RampReader.open(await fits.FitsFile.open(fits.bytesSource(Buffer.concat(encoded), 'uncal.fits')));
        const [row0, row1] = [3, 61];
        const height = row1 - row0;
        const planes = nints * ngroups;
        const whole = { data: new Float32Array(planes * height * nx), groupdq: new Uint8Array(planes * height * nx).fill(7) };
        await reader.readRows(row0, row1, whole, new Uint8Array(4 * height * nx));
        const targets = [[0, 4], [517, 3], [nx - 4, 4]].map(([c0, width]) => ({ c0, width, data: new Float32Array(planes * height * width), groupdq: new Uint8Array(planes * height * width).fill(7) }));
        // A scratch of 5 rows: the columns are read in chunks, the last one short.
        expect(await reader.readColumns(row0, row1, targets, new Uint8Array(2 * 5 * nx))).toBe(true);
        for (const { c0, width, data: got, groupdq } of targets) {
          const expected = new Float32Array(got.length);
          const expectedDq = new Uint8Array(got.length);
          for (let k = 0; k < planes; k++) {
            for (let r = 0; r < height; r++) {
              const from = (k * height + r) * nx + c0;
              expected.set(whole.data.subarray(from, from + width), (k * height + r) * width);
              expectedDq.set(whole.groupdq.subarray(from, from + width), (k * height + r) * width);
            }
          }
          const label = `${data.constructor.name}, GROUPDQ ${withGroupdq}, columns from ${c0}`;
          expect(Buffer.compare(bytesOf(got), bytesOf(expected)), label).toBe(0);
          expect(Buffer.compare(Buffer.from(groupdq), Buffer.from(expectedDq)), label).toBe(0);
        }
      }
    }
  });

  it('the decodeInt16 kernel refuses arrays of the wrong type or length, naming the argument', async () => {
    const { decodeInt16 } = await import('../../../ts/kernels/decode-int16.js');
    const { KernelShapeError, KernelTypeError } = await import('../../../ts/kernels/errors.js');
    const shape = { nints: 1, ngroups: 2, rows: 3, cols: 4 };
    const ok = { stored: new Uint16Array(24), out: new Float32Array(24) };
    expect(() => decodeInt16({ ...ok, out: new Float32Array(23) }, shape, { unsigned: true })).toThrow(KernelShapeError);
    expect(() => decodeInt16({ ...ok, out: new Float32Array(23) }, shape, { unsigned: true })).toThrow(/argument `out` has 23 elements/);
    expect(() => decodeInt16({ ...ok, stored: new Int16Array(24) as unknown as Uint16Array }, shape, { unsigned: true })).toThrow(KernelTypeError);
    decodeInt16({ stored: Uint16Array.from({ length: 24 }, (_, i) => (i === 0 ? 0x0080 : 0)), out: ok.out }, shape, { unsigned: true });
    // 0x0080 in host order is the stored big-endian 0x8000: 0 with BZERO 32768.
    expect(ok.out[0]).toBe(0);
    expect(ok.out[1]).toBe(32768);
  });
});
