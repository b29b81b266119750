/**
 * gain_scale: the golden cases (no GAINFACT anywhere, so jwst skips), the float32 scaling of a
 * real factor (variances by the float64 square, as jwst), skip rules, and tiled == untiled.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FitsFile, Header, bytesSource, encodeFits } from '../../../ts/io/fits/index.js';
import { createCubeModel, createImageModel, emptyMeta, type CubeModel, type ImageModel } from '../../../ts/datamodels/index.js';
import { openFits, readModelFile } from '../../../ts/datamodels/node.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { gainScaleStep } from '../../../ts/steps/gain-scale.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { expectTiledEqualsUntiled, random } from './tiled-equivalence.js';

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden gain_scale comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

describe.skipIf(!crds)('gain_scale vs jwst 3.0.0 golden truth', () => {
  for (const caseName of goldenCases()) {
    for (const suffix of ['gain_scale', 'gain_scaleints']) {
      it(`${caseName} ${suffix}: same status and arrays`, async () => {
        const truth = goldenProduct(caseName, suffix);
        const gainPath = goldenReferences(caseName, suffix).gain;
        if (!existsSync(truth.input) || !existsSync(gainPath)) {
          console.warn(`skipping gain_scale on ${caseName}: golden input or gain reference absent`);
          return;
        }
        const product = (await readModelFile(truth.input)) as ImageModel | CubeModel;
        const gain = await openFits(gainPath);
        try {
          expect(await gainScaleStep(product, gain)).toBe(truth.entry.keywords.S_GANSCL);
        } finally {
          await gain.close();
        }
        const ours = { SCI: product.data, ERR: product.err, VAR_POISSON: product.varPoisson, VAR_RNOISE: product.varRnoise };
        const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours) });
        console.log(`${suffix} ${caseName} (${truth.entry.keywords.S_GANSCL}): ${formatReport(report)}`);
        expect(report.arrays.every((a) => a.identical), formatReport(report)).toBe(true);
      });
    }
  }
});

function rate(gainFactor?: number): ImageModel {
  const meta = emptyMeta();
  if (gainFactor !== undefined) meta.exposure.gainFactor = gainFactor;
  const values = () => Float32Array.from([1.5, 0.25, 1058.1621, Number.NaN]);
  return createImageModel({ meta, shape: [2, 2], data: values(), err: values(), dq: new Uint32Array(4), varPoisson: values(), varRnoise: values() });
}

async function gainFile(gainfact?: number): Promise<FitsFile> {
  const header = new Header();
  if (gainfact !== undefined) header.set('GAINFACT', gainfact);
  const chunks = encodeFits([{ kind: 'image', header }]);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);
  return FitsFile.open(bytesSource(bytes, 'gain.fits'));
}

describe('gain_scale step', () => {
  it('spec example (f = 2) and float32 rounding of f and f**2 (f = 1.7)', async () => {
    const model = rate(2);
    expect(await gainScaleStep(model, undefined)).toBe('COMPLETE');
    expect([model.data[0], model.err[1], model.varRnoise[0]]).toEqual([3, 0.5, 6]);
    const f = 1.7;
    const scaled = rate();
    expect(await gainScaleStep(scaled, await gainFile(f))).toBe('COMPLETE');
    const x = rate().data;
    expect(Array.from(scaled.data)).toEqual(Array.from(x, (v) => Math.fround(v * Math.fround(f))));
    // jwst multiplies variances by float32(f**2), which is not float32(f) squared in float32.
    expect(Array.from(scaled.varPoisson)).toEqual(Array.from(x, (v) => Math.fround(v * Math.fround(f ** 2))));
    expect(scaled.meta.exposure.gainFactor).toBe(f);
    expect(scaled.meta.refFiles.GAIN).toBe('gain.fits');
    expect(scaled.meta.calStep.GANSCL).toBe('COMPLETE');
  });

  it('scales a rateints cube and leaves empty variances alone', async () => {
    const cube = createCubeModel({
      meta: emptyMeta(),
      shape: [2, 1, 2],
      data: Float32Array.from([1, 2, 3, 4]),
      err: Float32Array.from([1, 1, 1, 1]),
      dq: new Uint32Array(4),
      varPoisson: Float32Array.from([1, 1, 1, 1]),
      varRnoise: Float32Array.from([2, 2, 2, 2]),
    });
    cube.meta.exposure.gainFactor = 3;
    expect(await gainScaleStep(cube, undefined)).toBe('COMPLETE');
    expect(Array.from(cube.data)).toEqual([3, 6, 9, 12]);
    expect(Array.from(cube.varRnoise)).toEqual([18, 18, 18, 18]);
  });

  it('is SKIPPED without GAINFACT in the product or the reference', async () => {
    for (const gain of [undefined, await gainFile()]) {
      const model = rate();
      expect(await gainScaleStep(model, gain)).toBe('SKIPPED');
      expect(model.data[0]).toBe(1.5);
      expect(model.meta.exposure.gainFactor).toBeUndefined();
    }
  });

  it('tiled == untiled with 1-3 workers and several band heights', async () => {
    const next = random(5);
    const shape = { nints: 3, ngroups: 1, rows: 37, cols: 19 };
    const array = () => Float32Array.from({ length: 3 * 37 * 19 }, () => next() * 100);
    const arrays = { data: array(), err: array(), varPoisson: array(), varRnoise: array() };
    const runs = await expectTiledEqualsUntiled('gainScale', arrays, shape, { factor: 1.7 });
    console.log(`gain_scale tiled == untiled: ${runs.length} runs`);
  }, 60_000);
});
