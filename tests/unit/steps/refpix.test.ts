/**
 * refpix: jwst's golden products (1-output NIR subarrays, MIRI subarray skip), tiled == untiled
 * of the per-pixel pass, statistics on synthetic full frames, skip rules and typed errors.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openRamp } from '../../../ts/datamodels/node.js';
import { pixel } from '../../../ts/dq/index.js';
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import { KernelParameterError, KernelShapeError } from '../../../ts/kernels/errors.js';
import { refpix, refpixClippedMean, refpixFourAmpGroup } from '../../../ts/kernels/refpix.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import { StepNotImplementedError } from '../../../ts/steps/ipc.js';
import { refpixStep } from '../../../ts/steps/refpix.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct } from '../../golden/compare.js';
import { random } from '../../helpers/random.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden refpix comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

async function readInput(path: string): Promise<RampModel> {
  const reader = await openRamp(path);
  return reader.readAll().finally(() => reader.file.close());
}

describe.skipIf(!crds)('refpix vs jwst 3.0.0 golden truth', () => {
  for (const caseName of goldenCases()) {
    if (!goldenManifest().cases[caseName].products.some((p) => p.variant === 'pipeline' && p.step === 'refpix')) continue;
    it(`${caseName}: status, DQ identical, SCI within 1e-6 relative`, async () => {
      const truth = goldenProduct(caseName, 'refpix');
      if (!existsSync(truth.input) || !existsSync(truth.file)) {
        console.warn(`skipping refpix on ${caseName}: golden input or truth absent`);
        return;
      }
      const ramp = await readInput(truth.input);
      expect(await refpixStep(ramp)).toBe(truth.entry.keywords.S_REFPIX);
      const ours: Record<string, ArrayLike<number>> = { SCI: ramp.data, PIXELDQ: ramp.pixeldq, GROUPDQ: ramp.groupdq };
      if (ramp.zeroframe) ours.ZEROFRAME = ramp.zeroframe;
      const float = { rtol: 1e-6, atol: 0 };
      const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours), tolerance: { SCI: float, ZEROFRAME: float } });
      console.log(`refpix ${caseName} (NOUTPUTS ${ramp.meta.exposure.noutputs}, ${ramp.meta.subarray.name}):\n${formatReport(report)}`);
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

describe('refpix tiled == untiled', () => {
  let pools: typeof PoolApi;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/kernels/refpix.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
    pools = await import(join(root, 'dist/pool/node.js'));
    await ((await import(join(root, 'dist/kernels/load-node.js'))) as typeof LoaderApi).loadKernels();
  });

  it('per-pixel pass with class and side signals: 1-3 workers, bands of 1, 2, 3, 5, 16 rows and auto', async () => {
    const shape: TileShape = { nints: 2, ngroups: 3, rows: 23, cols: 17 };
    const plane = shape.rows * shape.cols;
    const groups = shape.nints * shape.ngroups;
    const next = random(5);
    const input = {
      data: Float32Array.from({ length: groups * plane }, () => (next() < 0.005 ? NaN : next() * 5000)),
      cls: Uint8Array.from({ length: plane }, () => (next() < 0.05 ? 255 : Math.floor(next() * 8))),
      detRow: Uint16Array.from({ length: plane }, (_, i) => (i * 7) % 64),
    };
    const params = {
      classes: 8,
      wide: Uint8Array.from({ length: groups }, (_, g) => (g > 0 ? 1 : 0)),
      values: Float64Array.from({ length: groups * 8 }, () => next() * 100),
      kinds: Uint8Array.from({ length: groups * 8 }, () => Math.floor(next() * 3)),
      side: Float64Array.from({ length: groups * 64 }, () => next() - 0.5),
      sideRows: 64,
      sideGain: 0.9,
    };
    const run = pools.runTiled as (p: KernelPool | undefined, k: string, a: object, s: TileShape, o: object) => Promise<void>;
    const untiled = copy(input);
    await run(undefined, 'refpix', untiled, shape, { params, maxBandRows: shape.rows });
    expect(bytes(untiled).data).not.toEqual(bytes(input).data);
    const checked: string[] = [];
    for (const maxBandRows of [1, 4]) {
      const arrays = copy(input);
      await run(undefined, 'refpix', arrays, shape, { params, maxBandRows });
      expect(bytes(arrays), `in thread, maxBandRows ${maxBandRows}`).toEqual(bytes(untiled));
      checked.push(`0w/${maxBandRows}`);
    }
    for (const size of [1, 2, 3]) {
      const pool = await pools.createNodePool({ size });
      try {
        for (const maxBandRows of [undefined, 1, 2, 3, 5, 16]) {
          const arrays = copy(input);
          await run(pool, 'refpix', arrays, shape, { params, maxBandRows });
          expect(bytes(arrays), `${size} workers, maxBandRows ${maxBandRows}`).toEqual(bytes(untiled));
          checked.push(`${size}w/${maxBandRows ?? 'auto'}`);
        }
      } finally {
        await pool.destroy();
      }
    }
    console.log(`refpix tiled == untiled: ${checked.length} runs (${checked.join(' ')})`);
  }, 60_000);
});

// ---- the step ----

/** NIRCam full frame, FASTAXIS -1 / SLOWAXIS 2 (NRCA1), every value `fill`. */
function fullFrame(ngroups = 1): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM', detector: 'NRCA1' });
  Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: 2048, ysize: 2048, fastaxis: -1, slowaxis: 2 });
  Object.assign(meta.exposure, { noutputs: 4 });
  const n = 2048 * 2048;
  const pixeldq = new Uint32Array(n);
  for (let y = 0; y < 2048; y++) for (let x = 0; x < 2048; x++) if (y < 4 || y >= 2044 || x < 4 || x >= 2044) pixeldq[y * 2048 + x] = pixel.REFERENCE_PIXEL;
  return createRampModel({ meta, shape: [1, ngroups, 2048, 2048], data: new Float32Array(ngroups * n).fill(1000), pixeldq, groupdq: new Uint8Array(ngroups * n) });
}

describe('refpix step', () => {
  it('full frame spec example (§9): odd/even top/bottom means per amplifier, then the side signal', async () => {
    const model = fullFrame();
    // Detector amplifier A = DMS columns 1536..2047 (FASTAXIS -1 reverses columns).
    const set = (y: number, x: number, v: number) => (model.data[y * 2048 + x] = v);
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 512; c++) {
        const x = 2047 - c;
        set(2044 + r, x, c % 2 === 0 ? 100 : 102);
        set(r, x, c % 2 === 0 ? 98 : 100);
      }
    }
    expect(await refpixStep(model, { useSideRefPixels: false })).toBe('COMPLETE');
    expect(model.data[1000 * 2048 + 2047]).toBe(1000 - 99);
    expect(model.data[1000 * 2048 + 2046]).toBe(1000 - 101);
    // Other amplifiers: all reference pixels 1000 -> everything 0.
    expect(model.data[1000 * 2048 + 10]).toBe(0);
    expect(model.meta.calStep.REFPIX).toBe('COMPLETE');

    const side = fullFrame();
    for (let y = 0; y < 2048; y++) for (const x of [0, 1, 2, 3, 2044, 2045, 2046, 2047]) side.data[y * 2048 + x] = 1005;
    await refpixStep(side);
    // Top/bottom rows (incl. their side corners) set every amplifier mean to 1000 -> side signal 5.
    expect(side.data[1000 * 2048 + 1000]).toBe(1000 - 1000 - 5);
  }, 60_000);

  it('MIRI subarrays are SKIPPED; subarrays outside the detector are SKIPPED', async () => {
    const meta = emptyMeta();
    Object.assign(meta.instrument, { name: 'MIRI' });
    const miri = createRampModel({ meta, shape: [1, 2, 4, 4], data: new Float32Array(32).fill(7), pixeldq: new Uint32Array(16), groupdq: new Uint8Array(32) });
    expect(await refpixStep(miri)).toBe('SKIPPED');
    expect(miri.meta.calStep.REFPIX).toBe('SKIPPED');
    expect(miri.data.every((v) => v === 7)).toBe(true);
    const outside = emptyMeta();
    Object.assign(outside.instrument, { name: 'NIRCAM' });
    Object.assign(outside.subarray, { xstart: 2046, ystart: 1, xsize: 4, ysize: 4, fastaxis: -1, slowaxis: 2 });
    const nir = createRampModel({ meta: outside, shape: [1, 1, 4, 4], data: new Float32Array(16), pixeldq: new Uint32Array(16), groupdq: new Uint8Array(16) });
    expect(await refpixStep(nir)).toBe('SKIPPED');
  });

  it('rejects sirs on full frames as not implemented (IRS2: refpix-irs2.test.ts); bad kernel input -> typed errors', async () => {
    await expect(refpixStep(fullFrame(), { refpixAlgorithm: 'sirs' })).rejects.toThrow(StepNotImplementedError);
    const shape = { nints: 1, ngroups: 1, rows: 2, cols: 2 };
    const params = { classes: 1, wide: new Uint8Array(1), values: new Float64Array(1), kinds: new Uint8Array(1), sideRows: 0, sideGain: 1 };
    expect(() => refpix({ data: new Float32Array(3), cls: new Uint8Array(4) }, shape, params)).toThrow(KernelShapeError);
    expect(() => refpix({ data: new Float32Array(4), cls: Uint8Array.from([0, 0, 0, 3]) }, shape, params)).toThrow(KernelParameterError);
    expect(() => refpix({ data: new Float32Array(4), cls: new Uint8Array(4) }, shape, { ...params, side: new Float64Array(1) })).toThrow(KernelParameterError);
    const n = 512;
    const strips = { n, at: Int32Array.from({ length: 16 * n }, (_, i) => i), dq: new Uint32Array(16 * n) };
    const options = { oddEvenColumns: true, useSideRefPixels: true, siglimit: 3, sideSmoothingLength: 11 };
    const plane = new Float32Array(16 * n);
    expect(() => refpixFourAmpGroup(plane, { ...strips, at: strips.at.subarray(1) }, options, false)).toThrow(KernelShapeError);
    expect(() => refpixFourAmpGroup(plane.subarray(1), strips, options, false)).toThrow(/beyond the plane/);
    expect(() => refpixFourAmpGroup(plane, strips, { ...options, sideSmoothingLength: 1 }, false)).toThrow(KernelParameterError);
    expect(refpixClippedMean(new Float32Array(0), false, 3)).toBeUndefined();
    expect(refpixClippedMean(Float32Array.from([5, 5]), false, 3)).toEqual({ value: 5, wide: true });
  });
});
