/**
 * linearity: jwst's golden products, tiled == untiled, and the reference-file edge cases
 * (missing -> SKIPPED, subarray outside the reference -> error naming it, NaN -> NO_LIN_CORR).
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Header } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits } from '../../../ts/datamodels/node.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { linearityStep } from '../../../ts/steps/linearity.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { expectTiledEqualsUntiled, random } from './tiled-equivalence.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { readRamp } from '../../../ts/datamodels/node.js';

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden linearity comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

describe.skipIf(!crds)('linearity vs jwst 3.0.0 golden truth', () => {
  for (const caseName of goldenCases()) {
    if (!goldenManifest().cases[caseName].products.some((p) => p.variant === 'pipeline' && p.step === 'linearity')) continue;
    it(`${caseName}: DQ identical, SCI within 1e-6 relative`, async () => {
      const truth = goldenProduct(caseName, 'linearity');
      const refPath = goldenReferences(caseName, 'linearity').linearity;
      if (!existsSync(truth.input) || !existsSync(refPath)) {
        console.warn(`skipping linearity on ${caseName}: golden input or reference absent`);
        return;
      }
      const ramp = await readRamp(truth.input);
      const ref = await openFits(refPath);
      try {
        expect(await linearityStep(ramp, ref)).toBe('COMPLETE');
      } finally {
        await ref.close();
      }
      expect(ramp.meta.refFiles.LINEAR).toBe(truth.entry.keywords.R_LINEAR);
      const ours: Record<string, ArrayLike<number>> = { SCI: ramp.data, PIXELDQ: ramp.pixeldq, GROUPDQ: ramp.groupdq };
      if (ramp.zeroframe) ours.ZEROFRAME = ramp.zeroframe;
      const float = { rtol: 1e-6, atol: 0 };
      const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours), tolerance: { SCI: float, ZEROFRAME: float } });
      console.log(`linearity ${caseName} (NFRAMES ${ramp.meta.exposure.nframes}):\n${formatReport(report)}`);
      expect(report.ok, formatReport(report)).toBe(true);
    });
  }
});

describe('linearity tiled == untiled', () => {
  it('default and read-level paths, with ZEROFRAME, 1-3 workers and several band heights', async () => {
    const shape = { nints: 2, ngroups: 4, rows: 37, cols: 19, planes: 4 };
    const next = random(7);
    const plane = shape.rows * shape.cols;
    const coeffs = Float32Array.from({ length: 4 * plane }, (_, i) => {
      const j = Math.floor(i / plane);
      if (next() < 0.02) return Number.NaN;
      return [next(), 1 + next() * 0.1, next() * 1e-6, next() * 1e-11][j];
    });
    const arrays = {
      data: Float32Array.from({ length: shape.nints * shape.ngroups * plane }, () => next() * 60000),
      zeroframe: Float32Array.from({ length: shape.nints * plane }, () => (next() < 0.2 ? 0 : next() * 60000)),
      pixeldq: new Uint32Array(plane),
      groupdq: Uint8Array.from({ length: shape.nints * shape.ngroups * plane }, () => (next() < 0.2 ? 2 : 0)),
      coeffs,
      linDq: Uint32Array.from({ length: plane }, () => (next() < 0.05 ? pixel.NO_LIN_CORR : 0)),
    };
    const inverse = Float32Array.from({ length: 4 * plane }, (_, i) => [0, 1 - next() * 0.05, -next() * 1e-6, 0][Math.floor(i / plane)]);
    const checked = await expectTiledEqualsUntiled('linearity', arrays, shape, { nframes: 1 });
    const checkedRead = await expectTiledEqualsUntiled('linearity', { ...arrays, invCoeffs: inverse }, shape, { nframes: 3 });
    console.log(`linearity tiled == untiled: ${checked.length + checkedRead.length} runs (${checked.join(' ')})`);
  }, 60_000);
});

/** A 1-integration, 2-group NIRCam ramp on the 1 x 3 subarray at (2, 1). */
function ramp(): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 2, ystart: 1, xsize: 3, ysize: 1 });
  Object.assign(meta.exposure, { nframes: 1 });
  return createRampModel({
    meta,
    shape: [1, 2, 1, 3],
    data: Float32Array.from([10000, 10000, 10000, 60000, 60000, 60000]),
    pixeldq: new Uint32Array(3),
    groupdq: Uint8Array.from([0, 0, 0, 2, 0, 0]),
  });
}

/** 3 coefficients on a 1 x 4 full-width reference: [0, 1, 1e-5] except one NaN and one zero linear term. */
function linearityRef(name: string, columns = 4) {
  const header = new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', columns).set('SUBSIZE2', 1);
  const c = (values: number[]) => values.slice(0, columns);
  const coeffs = Float32Array.from([...c([0, 0, Number.NaN, 0]), ...c([1, 1, 1, 0]), ...c([1e-5, 1e-5, 1e-5, 1e-5])]);
  return fitsInMemory(name, [
    { kind: 'image', header },
    { kind: 'image', header: new Header().set('EXTNAME', 'COEFFS'), data: coeffs, shape: [3, 1, columns] },
  ]);
}

describe('linearity step', () => {
  it('applies the spec example, keeps SATURATED groups, flags NaN and zero-linear pixels NO_LIN_CORR', async () => {
    const model = ramp();
    expect(await linearityStep(model, await linearityRef('lin.fits'))).toBe('COMPLETE');
    // Science columns 1..3 of the reference: good, NaN, zero linear term.
    expect(Array.from(model.data)).toEqual([11000, 10000, 10000, 60000, 60000, 60000]);
    expect(Array.from(model.pixeldq)).toEqual([0, pixel.NO_LIN_CORR, pixel.NO_LIN_CORR]);
    expect(model.meta.calStep.LINEAR).toBe('COMPLETE');
    expect(model.meta.refFiles.LINEAR).toBe('lin.fits');
  });

  it('is SKIPPED with a warning and R_LINEAR N/A without a reference', async () => {
    const model = ramp();
    const log: string[] = [];
    expect(await linearityStep(model, undefined, { log: (_, m) => log.push(m) })).toBe('SKIPPED');
    expect(model.meta.refFiles.LINEAR).toBe('N/A');
    expect(log).toEqual(['linearity: no LINEARITY reference; step skipped']);
    expect(model.data[0]).toBe(10000);
  });

  it('reads the coefficients window by window, with the same result as all at once (slices sharing them)', async () => {
    // 5 coefficients x 2048 columns x 700 rows: more than one window of coefficients.
    const [rows, cols] = [700, 2048];
    const plane = rows * cols;
    const next = random(11);
    const coeffs = Float32Array.from({ length: 5 * plane }, (_, i) => [next(), 1 + next() * 0.1, next() * 1e-6, next() * 1e-11, next() * 1e-16][Math.floor(i / plane)]);
    const dq = Uint32Array.from({ length: plane }, () => (next() < 0.01 ? pixel.NO_LIN_CORR : next() < 0.01 ? pixel.DEAD : 0));
    const header = new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', cols).set('SUBSIZE2', rows);
    const reference = await fitsInMemory('big_lin.fits', [
      { kind: 'image', header },
      { kind: 'image', header: new Header().set('EXTNAME', 'COEFFS'), data: coeffs, shape: [5, rows, cols] },
      { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: dq, shape: [rows, cols] },
    ]);
    const data = Float32Array.from({ length: 2 * plane }, () => next() * 60000);
    const groupdq = Uint8Array.from({ length: 2 * plane }, () => (next() < 0.1 ? 2 : 0));
    const model = () => {
      const meta = emptyMeta();
      Object.assign(meta.instrument, { name: 'NIRCAM' });
      Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: cols, ysize: rows });
      Object.assign(meta.exposure, { nframes: 1 });
      return createRampModel({ meta, shape: [1, 2, rows, cols], data: data.slice(), pixeldq: new Uint32Array(plane), groupdq: groupdq.slice() });
    };
    const [windowed, whole] = [model(), model()];
    expect(await linearityStep(windowed, reference)).toBe('COMPLETE');
    expect(await linearityStep(whole, reference, { sliceCache: new Map() })).toBe('COMPLETE');
    const same = (a: Float32Array | Uint32Array, b: Float32Array | Uint32Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(same(windowed.data, whole.data)).toBe(0);
    expect(same(windowed.pixeldq, whole.pixeldq)).toBe(0);
    expect(same(windowed.data, data), 'the correction ran').not.toBe(0);
  });

  it('names the reference when it does not cover the science subarray', async () => {
    await expect(linearityStep(ramp(), await linearityRef('narrow_lin.fits', 3))).rejects.toThrow(
      /narrow_lin.fits: the science subarray \(x 2..4, y 1..1\) is not inside the reference \(x 1..3/,
    );
  });
});
