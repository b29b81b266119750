/**
 * The saturation step: jwst's golden products bit for bit, tiled == untiled through Node worker
 * pools (pool and kernels from dist/, as workers run compiled JavaScript), and the step's
 * fallbacks and errors.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FitsFile, Header, type WritableHdu } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits } from '../../../ts/datamodels/node.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type * as KernelsApi from '../../../ts/kernels/index.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import { saturationStep } from '../../../ts/steps/saturation.js';
import { random } from '../../helpers/random.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { readRamp } from '../../../ts/datamodels/node.js';
import { expectTiledEqualsUntiled } from './tiled-equivalence.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden saturation comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

describe.skipIf(!crds)('saturation vs golden truth (jwst 3.0.0)', () => {
  for (const caseName of goldenCases()) {
    if (!goldenManifest().cases[caseName].products.some((p) => p.variant === 'pipeline' && p.step === 'saturation')) continue;
    it(`${caseName}: GROUPDQ, PIXELDQ, SCI, ZEROFRAME bit for bit`, async () => {
      const truth = goldenProduct(caseName, 'saturation');
      const refs = goldenReferences(caseName, 'saturation');
      const missing = [refs.saturation, refs.superbias].filter((p) => p !== undefined && !existsSync(p));
      if (missing.length > 0 || !existsSync(truth.file) || !existsSync(truth.input)) {
        console.warn(`skipping saturation on ${caseName}: not generated: ${[...missing, truth.file, truth.input].join(', ')}`);
        return;
      }
      const ramp = await readRamp(truth.input);
      const saturation = await openFits(refs.saturation);
      const superbias = refs.superbias ? await openFits(refs.superbias) : undefined;
      try {
        expect(await saturationStep(ramp, saturation, {}, { superbias })).toBe('COMPLETE');
      } finally {
        await saturation.close();
        await superbias?.close();
      }
      expect(ramp.meta.refFiles.SATURA).toBe(truth.entry.keywords.R_SATURA);
      if (superbias) expect(ramp.meta.refFiles.SUPERB).toBe(truth.entry.keywords.R_SUPERB);
      const ours: Record<string, ArrayLike<number>> = { SCI: ramp.data, PIXELDQ: ramp.pixeldq, GROUPDQ: ramp.groupdq };
      if (ramp.zeroframe) ours.ZEROFRAME = ramp.zeroframe;
      const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours) });
      console.info(formatReport(report));
      expect(report.ok, formatReport(report)).toBe(true);
      expect(report.arrays.every((a) => a.identical), formatReport(report)).toBe(true);
    });
  }
});


/** Ramps rising at random rates towards thresholds near 1000 DN, some pixels below 0 or NaN. */
function syntheticTile(shape: TileShape): Record<string, KernelArray> {
  const rand = random(4242);
  const plane = shape.rows * shape.cols;
  const thresh = Float32Array.from({ length: plane }, () => (rand() < 0.03 ? NaN : 900 + 200 * rand()));
  const satDq = Uint32Array.from({ length: plane }, () => (rand() < 0.03 ? pixel.NO_SAT_CHECK : rand() < 0.05 ? pixel.HOT : 0));
  const bias = Float32Array.from({ length: plane }, () => 50 * rand());
  const data = new Float32Array(shape.nints * shape.ngroups * plane);
  const groupdq = new Uint8Array(data.length);
  for (let int = 0; int < shape.nints; int++) {
    for (let p = 0; p < plane; p++) {
      const start = 400 * rand() - 40;
      const rate = 700 * rand() ** 2;
      for (let g = 0; g < shape.ngroups; g++) {
        const i = (int * shape.ngroups + g) * plane + p;
        data[i] = rand() < 0.01 ? NaN : Math.fround(start + rate * g);
        if (rand() < 0.01) groupdq[i] = pixel.SATURATED;
      }
    }
  }
  const zeroframe = Float32Array.from({ length: shape.nints * plane }, () => 1300 * rand() - 100);
  return { data, groupdq, pixeldq: new Uint32Array(plane), zeroframe, thresh, satDq, bias };
}

function bytes(arrays: Record<string, KernelArray>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))]));
}

const copy = (arrays: Record<string, KernelArray>) => Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, v.slice()]));

describe('saturation tiled == untiled', () => {
  let pools: typeof PoolApi;
  let kernels: typeof KernelsApi;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/pool/node-worker.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
    pools = await import(join(root, 'dist/pool/node.js'));
    kernels = await import(join(root, 'dist/kernels/index.js'));
    await ((await import(join(root, 'dist/kernels/load-node.js'))) as typeof LoaderApi).loadKernels();
  });

  const shape: TileShape = { nints: 2, ngroups: 5, rows: 23, cols: 17 };
  const input = syntheticTile(shape);

  for (const params of [
    { nPixGrowSat: 1, useReadpatt: true, nframes: 4 },
    { nPixGrowSat: 2, useReadpatt: true, nframes: 4 },
    { nPixGrowSat: 2, useReadpatt: false, nframes: 4 },
    { nPixGrowSat: 1, useReadpatt: true, nframes: 1 },
  ]) {
    it(`1-3 workers, bands of 1, 2, 3, 5, 16 rows and auto: ${JSON.stringify(params)}`, async () => {
      const run = pools.runTiled as (p: KernelPool | undefined, k: string, a: object, s: TileShape, o: object) => Promise<void>;
      const halo = kernels.saturationHalo(params);
      const untiled = copy(input);
      await run(undefined, 'saturation', untiled, shape, { params, halo, maxBandRows: shape.rows });
      // Every kind of flag occurs (DO_NOT_USE alone needs frame averaging), so a lost band or a
      // short halo cannot go unnoticed.
      const flags = new Set(untiled.groupdq as Uint8Array);
      const expected = [pixel.SATURATED, pixel.AD_FLOOR | pixel.DO_NOT_USE];
      if (params.useReadpatt && params.nframes > 1) expected.push(pixel.DO_NOT_USE);
      for (const f of expected) expect(flags.has(f), `flag ${f}`).toBe(true);
      expect(bytes(untiled)).not.toEqual(bytes(input));
      // In this thread too (bands one after the other).
      await expectTiledEqualsUntiled('saturation', input, shape, params, [1, 2, 3, 5, 16], { halo });
    });
  }

  it('needs the halo: without it, one-row bands differ', async () => {
    const params = { nPixGrowSat: 1, useReadpatt: true, nframes: 4 };
    const run = pools.runTiled as (p: KernelPool | undefined, k: string, a: object, s: TileShape, o: object) => Promise<void>;
    const untiled = copy(input);
    await run(undefined, 'saturation', untiled, shape, { params, halo: kernels.saturationHalo(params), maxBandRows: shape.rows });
    const noHalo = copy(input);
    await run(undefined, 'saturation', noHalo, shape, { params, halo: 0, maxBandRows: 1 });
    expect(bytes(noHalo).groupdq).not.toEqual(bytes(untiled).groupdq);
  });
});

// ---- the step's references, fallbacks and errors ----

function ramp(): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 3, ystart: 2, xsize: 4, ysize: 2 });
  Object.assign(meta.exposure, { nframes: 1, zeroFrame: true });
  // Group 1 of the first pixel saturates (threshold 1000), the last pixel is at the A/D floor.
  const data = new Float32Array(16).fill(100);
  data[8] = 1500;
  data[7] = 0;
  return createRampModel({
    meta,
    shape: [1, 2, 2, 4],
    data,
    pixeldq: new Uint32Array(8),
    groupdq: new Uint8Array(16),
    zeroframe: Float32Array.from({ length: 8 }, (_, i) => (i === 3 ? 2000 : 50)),
  });
}

// A 4 x 8 reference starting at (1, 1): the science window is rows 1-2, columns 2-5 (0-based).
const refHeader = () => new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', 8).set('SUBSIZE2', 4);

function saturationReference(name: string, thresh: Float32Array, dq?: Uint8Array): Promise<FitsFile> {
  const hdus: WritableHdu[] = [
    { kind: 'image', header: refHeader() },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: thresh, shape: [4, 8] },
  ];
  if (dq) {
    hdus.push(
      { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: dq, shape: [4, 8] },
      {
        kind: 'bintable',
        header: new Header().set('EXTNAME', 'DQ_DEF'),
        nrows: 2,
        columns: [
          { name: 'BIT', format: 'J', data: Int32Array.from([0, 1]) },
          { name: 'VALUE', format: 'J', data: Uint32Array.from([1, 2]) },
          { name: 'NAME', format: '40A', data: ['DO_NOT_USE', 'NO_SAT_CHECK'] },
          { name: 'DESCRIPTION', format: '80A', data: ['', ''] },
        ],
      },
    );
  }
  return fitsInMemory(name, hdus);
}

describe('saturation kernel, forward pass', () => {
  it('flags from the first sample at or above the threshold, and the A/D floor, on planes wider than its blocks of 16', async () => {
    const { saturation } = await import('../../../ts/kernels/saturation.js');
    const shape = { nints: 2, ngroups: 5, rows: 7, cols: 37 };
    const plane = shape.rows * shape.cols;
    const rng = random(29);
    const thresh = Float32Array.from({ length: plane }, (_, p) => (p % 11 === 0 ? NaN : 900 + 10 * (p % 7)));
    // Samples on, just under and just over their threshold, at and below 0 (-0 too), NaN.
    const special = (t: number) => [t, Math.fround(t - 0.001), t + 1, 0, -0, -5, NaN, 2 * t];
    const data = new Float32Array(shape.nints * shape.ngroups * plane);
    for (let k = 0; k < data.length; k++) {
      const t = thresh[k % plane];
      const options = special(Number.isNaN(t) ? 950 : t);
      data[k] = rng() < 0.6 ? options[Math.floor(rng() * options.length)] : 500 * rng();
    }
    const groupdq = Uint8Array.from({ length: data.length }, () => (rng() < 0.05 ? pixel.JUMP_DET : 0));
    const expected = groupdq.slice();
    for (let i = 0; i < shape.nints; i++) {
      for (let p = 0; p < plane; p++) {
        let reached = false;
        for (let g = 0; g < shape.ngroups; g++) {
          const k = (i * shape.ngroups + g) * plane + p;
          const v = data[k];
          // A NaN threshold is never reached.
          reached ||= v >= thresh[p];
          if (reached) expected[k] |= pixel.SATURATED;
          if (v <= 0) expected[k] |= pixel.AD_FLOOR | pixel.DO_NOT_USE;
        }
      }
    }
    const arrays = { data, groupdq, pixeldq: new Uint32Array(plane), thresh, satDq: new Uint32Array(plane) };
    saturation(arrays, shape, { nPixGrowSat: 0, useReadpatt: false });
    expect(Array.from(arrays.groupdq)).toEqual(Array.from(expected));
    expect(data.some((v, k) => v === thresh[k % plane])).toBe(true);
  });
});

describe('saturation step', () => {
  it('skips with a warning and N/A when the SATURATION reference is missing', async () => {
    const model = ramp();
    const log: string[] = [];
    expect(await saturationStep(model, undefined, { log: (_, m) => log.push(m) })).toBe('SKIPPED');
    expect(model.meta.calStep).toEqual({ SATURA: 'SKIPPED' });
    expect(model.meta.refFiles).toEqual({ SATURA: 'N/A', SUPERB: 'N/A' });
    expect(log).toEqual(['saturation: no SATURATION reference; step skipped']);
    expect(model.groupdq.every((f) => f === 0)).toBe(true);
  });

  it('cuts the reference to the subarray, translates DQ_DEF, flags groups and ZEROFRAME', async () => {
    const model = ramp();
    const thresh = new Float32Array(32).fill(1000);
    thresh[2 * 8 + 4] = NaN; // science pixel (1, 2)
    const dq = new Uint8Array(32);
    dq[1 * 8 + 3] = 2; // compact NO_SAT_CHECK at science pixel (0, 1)
    const file = await saturationReference('sat.fits', thresh, dq);
    expect(await saturationStep(model, file, {}, { nPixGrowSat: 0 })).toBe('COMPLETE');
    expect(Array.from(model.groupdq)).toEqual([0, 0, 0, 0, 0, 0, 0, 65, 2, 0, 0, 0, 0, 0, 0, 0]);
    expect(model.pixeldq[1]).toBe(pixel.NO_SAT_CHECK);
    expect(model.pixeldq[6]).toBe(pixel.NO_SAT_CHECK);
    expect(Array.from(model.zeroframe!)).toEqual([50, 50, 50, 0, 50, 50, 50, 50]);
    expect(model.meta.refFiles.SATURA).toBe('sat.fits');
    expect(model.meta.calStep.SATURA).toBe('COMPLETE');
  });

  it('grows saturation by n_pix_grow_sat (default 1)', async () => {
    const model = ramp();
    expect(await saturationStep(model, await saturationReference('sat.fits', new Float32Array(32).fill(1000)))).toBe('COMPLETE');
    // Pixel (0, 0) saturates in group 1: its 2 x 2 corner of the 2 x 4 tile is flagged.
    expect(Array.from(model.groupdq.subarray(8))).toEqual([2, 2, 0, 0, 2, 2, 0, 0]);
  });

  it('reports a reference that does not contain the science subarray', async () => {
    const model = ramp();
    model.meta.subarray.xstart = 6;
    const file = await saturationReference('small_saturation.fits', new Float32Array(32));
    await expect(saturationStep(model, file)).rejects.toThrow(/small_saturation.fits: the science subarray \(x 6..9, y 2..3\)/);
  });

  it('reports a superbias that does not contain the science subarray, naming it', async () => {
    const model = ramp();
    const sat = await fitsInMemory('sat_full.fits', [
      { kind: 'image', header: new Header().set('SUBSTRT1', 3).set('SUBSTRT2', 2).set('SUBSIZE1', 4).set('SUBSIZE2', 2) },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: new Float32Array(8).fill(1000), shape: [2, 4] },
    ]);
    const bias = await fitsInMemory('tiny_superbias.fits', [
      { kind: 'image', header: new Header().set('SUBSTRT1', 3).set('SUBSTRT2', 2).set('SUBSIZE1', 2).set('SUBSIZE2', 2) },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: new Float32Array(4), shape: [2, 2] },
    ]);
    await expect(saturationStep(model, sat, {}, { superbias: bias })).rejects.toThrow(/tiny_superbias.fits: the science subarray/);
  });

  it('needs NFRAMES for use_readpatt, and rejects IRS2 layouts of detectors other than NRS1/NRS2', async () => {
    const model = ramp();
    delete model.meta.exposure.nframes;
    const file = await saturationReference('sat.fits', new Float32Array(32).fill(1000));
    await expect(saturationStep(model, file)).rejects.toThrow(/NFRAMES/);
    expect(await saturationStep(model, file, {}, { useReadpatt: false })).toBe('COMPLETE');
    const irs2 = createRampModel({
      meta: model.meta,
      shape: [1, 1, 3200, 2],
      data: new Float32Array(6400),
      pixeldq: new Uint32Array(6400),
      groupdq: new Uint8Array(6400),
    });
    await expect(saturationStep(irs2, file)).rejects.toThrow(/IRS2/);
  });
});
