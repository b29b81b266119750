/**
 * ipc: jwst's golden products (run with class defaults), tiled == untiled with the convolution
 * halo, missing reference -> SKIPPED, bad kernels and IRS2 -> typed errors.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Header } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits, openRamp } from '../../../ts/datamodels/node.js';
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import { KernelParameterError, KernelShapeError } from '../../../ts/kernels/errors.js';
import { ipc } from '../../../ts/kernels/ipc.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import { ipcScienceMask, ipcStep } from '../../../ts/steps/ipc.js';
import { Irs2LayoutError } from '../../../ts/steps/x-irs2.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { random } from '../../helpers/random.js';
import { expectTiledEqualsUntiled } from './tiled-equivalence.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden ipc comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

async function readInput(path: string): Promise<RampModel> {
  const reader = await openRamp(path);
  return reader.readAll().finally(() => reader.file.close());
}

describe.skipIf(!crds)('ipc vs jwst 3.0.0 golden truth', () => {
  for (const caseName of goldenCases()) {
    if (!goldenManifest().cases[caseName].products.some((p) => p.variant === 'pipeline' && p.step === 'ipc')) continue;
    it(`${caseName}: DQ identical, SCI within 1e-6 relative`, async () => {
      const truth = goldenProduct(caseName, 'ipc');
      const refPath = goldenReferences(caseName, 'ipc').ipc;
      if (!existsSync(truth.input) || !refPath || !existsSync(refPath)) {
        console.warn(`skipping ipc on ${caseName}: golden input or reference absent`);
        return;
      }
      const ramp = await readInput(truth.input);
      const ref = await openFits(refPath);
      try {
        expect(await ipcStep(ramp, ref)).toBe('COMPLETE');
      } finally {
        await ref.close();
      }
      expect(ramp.meta.refFiles.IPC).toBe(truth.entry.keywords.R_IPC);
      const ours: Record<string, ArrayLike<number>> = { SCI: ramp.data, PIXELDQ: ramp.pixeldq, GROUPDQ: ramp.groupdq };
      if (ramp.zeroframe) ours.ZEROFRAME = ramp.zeroframe;
      const float = { rtol: 1e-6, atol: 0 };
      const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours), tolerance: { SCI: float, ZEROFRAME: float } });
      console.log(`ipc ${caseName}:\n${formatReport(report)}`);
      expect(report.ok, formatReport(report)).toBe(true);
    });
  }
});

function bytes(arrays: Record<string, KernelArray | undefined>): Record<string, Uint8Array | undefined> {
  return Object.fromEntries(
    Object.entries(arrays).map(([k, v]) => [k, v && new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))]),
  );
}
const copy = (arrays: Record<string, KernelArray | undefined>) => Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, v?.slice()]));

describe('ipc tiled == untiled', () => {
  let pools: typeof PoolApi;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/kernels/ipc.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
    pools = await import(join(root, 'dist/pool/node.js'));
    await ((await import(join(root, 'dist/kernels/load-node.js'))) as typeof LoaderApi).loadKernels();
  });

  const shape: TileShape = { nints: 2, ngroups: 3, rows: 23, cols: 17 };
  const plane = shape.rows * shape.cols;
  const next = random(11);
  const data = Float32Array.from({ length: shape.nints * shape.ngroups * plane }, () => (next() < 0.005 ? NaN : next() * 5000));
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 2, ystart: 1, xsize: shape.cols, ysize: shape.rows });
  const science = ipcScienceMask(meta, shape.rows, shape.cols);
  const cases: [string, Record<string, KernelArray | undefined>, TileShape, { ky: number; kx: number; weights?: number[] }][] = [
    ['3x3 kernel', { data, science }, shape, { ky: 3, kx: 3, weights: Array.from({ length: 9 }, () => Math.fround(next() - 0.5)) }],
    ['5x3 kernel', { data, science }, shape, { ky: 5, kx: 3, weights: Array.from({ length: 15 }, () => Math.fround(next() - 0.5)) }],
    [
      'per-pixel 3x3 kernel',
      { data, science, kernel: Float32Array.from({ length: 9 * plane }, () => next() - 0.5) },
      { ...shape, planes: 9 },
      { ky: 3, kx: 3 },
    ],
  ];
  for (const [label, input, tile, params] of cases) {
    it(`${label}: 1-3 workers, bands of 1, 2, 3, 5, 16 rows and auto`, async () => {
      const run = pools.runTiled as (p: KernelPool | undefined, k: string, a: object, s: TileShape, o: object) => Promise<void>;
      const halo = Math.floor(params.ky / 2);
      const untiled = copy(input);
      await run(undefined, 'ipc', untiled, tile, { params, halo, maxBandRows: tile.rows });
      expect(bytes(untiled).data).not.toEqual(bytes(input).data);
      await expectTiledEqualsUntiled('ipc', input, tile, params, [1, 2, 3, 5, 16], { halo });
      // Without the halo, one-row bands lose their neighbours.
      const noHalo = copy(input);
      await run(undefined, 'ipc', noHalo, tile, { params, halo: 0, maxBandRows: 1 });
      expect(bytes(noHalo).data).not.toEqual(bytes(untiled).data);
    }, 60_000);
  }
});

// ---- the step ----

/** NIRCam 7 x 7 subarray at the detector corner (1, 1): 4 reference rows/columns at the bottom/left. */
function ramp(): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: 7, ysize: 7 });
  const data = new Float32Array(49).fill(3);
  data[5 * 7 + 5] = 1000;
  return createRampModel({ meta, shape: [1, 1, 7, 7], data, pixeldq: new Uint32Array(49), groupdq: new Uint8Array(49) });
}

const spec = Float32Array.from([0, -0.01, 0, -0.01, 1.04, -0.01, 0, -0.01, 0]);

function kernelRef(name: string, data: Float32Array, shape: number[]) {
  return fitsInMemory(name, [{ kind: 'image', header: new Header() }, { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape }]);
}

describe('ipc step', () => {
  it('equals the float32 convolution rule pixel for pixel: NaN, reference pixels, widths of whole and part quads', () => {
    const next = random(5);
    for (const [rows, cols] of [[9, 16], [7, 13], [5, 3]]) {
      const plane = rows * cols;
      const shape = { nints: 1, ngroups: 2, rows, cols };
      // NaNs with a payload: arithmetic carries it, the kernel writes its one canonical NaN.
      const payloadNaN = new Float32Array(new Uint32Array([0xffc00123]).buffer)[0];
      const data = Float32Array.from({ length: 2 * plane }, () => (next() < 0.05 ? payloadNaN : Math.fround(next() * 5000 - 100)));
      // Reference pixels scattered (not only a border), so every lane of a quad meets both kinds.
      const science = Uint8Array.from({ length: plane }, () => (next() < 0.3 ? 0 : 1));
      const weights = Array.from({ length: 9 }, () => Math.fround(next() - 0.5));
      const expected = Float32Array.from(data);
      for (let g = 0; g < 2; g++) {
        const at = (y: number, x: number) => (y < 0 || y >= rows || x < 0 || x >= cols || !science[y * cols + x] ? 0 : data[g * plane + y * cols + x]);
        for (let y = 0; y < rows; y++) {
          for (let x = 0; x < cols; x++) {
            if (!science[y * cols + x]) continue;
            // Off-centre terms row-major, the centre last; each product and sum rounded to float32.
            let sum = 0;
            const term = (j: number, i: number) => (sum = Math.fround(sum + Math.fround(weights[j * 3 + i] * at(y + 1 - j, x + 1 - i))));
            for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) if (j !== 1 || i !== 1) term(j, i);
            term(1, 1);
            expected[g * plane + y * cols + x] = Number.isNaN(sum) ? NaN : sum;
          }
        }
      }
      const out = Float32Array.from(data);
      ipc({ data: out, science }, shape, { ky: 3, kx: 3, weights });
      // Bit for bit: NaN sums as the canonical NaN, reference pixels as they were (payload NaNs too).
      const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
      expect(bits(out), `${rows} x ${cols}`).toEqual(bits(expected));
      expect(out.some(Number.isNaN) && expected.some((v, i) => !science[i % plane] && v === data[i])).toBe(true);
    }
  });

  it('applies the spec example inside the science region and keeps the reference border', async () => {
    const model = ramp();
    model.data.fill(0, 0, 49);
    for (let i = 0; i < 49; i++) if (i % 7 < 4 || i < 28) model.data[i] = 77;
    model.data[5 * 7 + 5] = 1000;
    expect(await ipcStep(model, await kernelRef('ipc.fits', spec, [3, 3]))).toBe('COMPLETE');
    expect(model.data[5 * 7 + 5]).toBeCloseTo(1040, 3);
    for (const i of [4 * 7 + 5, 6 * 7 + 5, 5 * 7 + 4, 5 * 7 + 6]) expect(model.data[i], `pixel ${i}`).toBe(i < 28 || i % 7 < 4 ? 77 : Math.fround(-10));
    expect(model.data[0]).toBe(77);
    expect(model.meta.calStep.IPC).toBe('COMPLETE');
    expect(model.meta.refFiles.IPC).toBe('ipc.fits');
  });

  it('is SKIPPED with R_IPC N/A without a reference', async () => {
    const model = ramp();
    const log: string[] = [];
    expect(await ipcStep(model, undefined, { log: (_, m) => log.push(m) })).toBe('SKIPPED');
    expect(model.meta.calStep.IPC).toBe('SKIPPED');
    expect(model.meta.refFiles.IPC).toBe('N/A');
    expect(log).toEqual(['ipc: no IPC reference; step skipped']);
  });

  it('accepts a 4-D per-pixel kernel cut to the subarray', async () => {
    const full = new Float32Array(9 * 9 * 9);
    for (let p = 0; p < 9; p++) full.fill(spec[p], p * 81, (p + 1) * 81);
    const model = ramp();
    const twin = ramp();
    await ipcStep(model, await kernelRef('ipc4d.fits', full, [3, 3, 9, 9]));
    await ipcStep(twin, await kernelRef('ipc.fits', spec, [3, 3]));
    expect(Array.from(model.data)).toEqual(Array.from(twin.data));
  });

  it('rejects IRS2 layouts without NRS1/NRS2, bad kernels and wrong arrays with typed errors', async () => {
    const irs2 = createRampModel({ meta: emptyMeta(), shape: [1, 1, 3200, 1], data: new Float32Array(3200), pixeldq: new Uint32Array(3200), groupdq: new Uint8Array(3200) });
    await expect(ipcStep(irs2, await kernelRef('ipc.fits', spec, [3, 3]))).rejects.toThrow(Irs2LayoutError);
    await expect(ipcStep(ramp(), await kernelRef('bad.fits', new Float32Array(27), [3, 3, 3]))).rejects.toThrow(/bad.fits: IPC kernel must be 2-D or 4-D/);
    const shape = { nints: 1, ngroups: 1, rows: 2, cols: 2 };
    expect(() => ipc({ data: new Float32Array(4), science: new Uint8Array(3) }, shape, { ky: 3, kx: 3, weights: [...spec] })).toThrow(KernelShapeError);
    expect(() => ipc({ data: new Float32Array(4), science: new Uint8Array(4) }, shape, { ky: 3, kx: 3, weights: [1] })).toThrow(KernelShapeError);
    expect(() => ipc({ data: new Float32Array(4), science: new Uint8Array(4) }, shape, { ky: 0, kx: 3, weights: [] })).toThrow(KernelParameterError);
    expect(() => ipc({ data: new Float32Array(4), science: new Uint8Array(4) }, shape, { ky: 3, kx: 3 })).toThrow(KernelParameterError);
  });
});
