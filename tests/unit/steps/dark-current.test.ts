/**
 * dark_current: jwst's golden products (near-IR and MIRI), tiled == untiled, frame averaging, lazy plane
 * reads, skip rules and reference errors.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FitsFile, Header, bytesSource, encodeFits, type WritableHdu } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits } from '../../../ts/datamodels/node.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { darkCurrentStep } from '../../../ts/steps/dark-current.js';
import { darkCurrent } from '../../../ts/kernels/dark-current.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { expectTiledEqualsUntiled, random } from './tiled-equivalence.js';
import { readRamp } from '../../../ts/datamodels/node.js';

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden dark_current comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

describe.skipIf(!crds)('dark_current vs jwst 3.0.0 golden truth', () => {
  for (const caseName of goldenCases()) {
    const c = goldenManifest().cases[caseName];
    if (!c.products.some((p) => p.variant === 'pipeline' && p.step === 'dark_current')) continue;
    it(`${caseName}: DQ identical, SCI and AVDRKCUR within 1e-6 relative`, async () => {
      const truth = goldenProduct(caseName, 'dark_current');
      const refPath = goldenReferences(caseName, 'dark_current').dark;
      if (!existsSync(truth.input) || !existsSync(refPath)) {
        console.warn(`skipping dark_current on ${caseName}: golden input or reference absent`);
        return;
      }
      const ramp = await readRamp(truth.input);
      const ref = await openFits(refPath);
      try {
        expect(await darkCurrentStep(ramp, ref)).toBe('COMPLETE');
      } finally {
        await ref.close();
      }
      expect(ramp.meta.refFiles.DARK).toBe(truth.entry.keywords.R_DARK);
      const ours: Record<string, ArrayLike<number>> = { SCI: ramp.data, PIXELDQ: ramp.pixeldq, GROUPDQ: ramp.groupdq, AVDRKCUR: ramp.avdrkcur! };
      const float = { rtol: 1e-6, atol: 0 };
      const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours), tolerance: { SCI: float, AVDRKCUR: float } });
      console.log(`dark_current ${caseName} (${ramp.shape.join('x')}, NFRAMES ${ramp.meta.exposure.nframes}, GROUPGAP ${ramp.meta.exposure.groupgap}):\n${formatReport(report)}`);
      expect(report.ok, formatReport(report)).toBe(true);
    });
  }
});

describe('dark_current tiled == untiled', () => {
  it('averaged, direct, extrapolated and per-integration darks, 1-3 workers and several band heights', async () => {
    const shape = { nints: 2, ngroups: 3, rows: 37, cols: 19 };
    const next = random(11);
    const plane = shape.rows * shape.cols;
    const data = Float32Array.from({ length: shape.nints * shape.ngroups * plane }, () => next() * 60000);
    const frames = Float32Array.from({ length: 14 * plane }, () => (next() < 0.02 ? Number.NaN : next() * 50));
    const base = { data, pixeldq: new Uint32Array(plane), darkDq: Uint32Array.from({ length: plane }, () => (next() < 0.1 ? 1 << 23 : 0)) };
    const intMap = [0, 0];
    const runs = [
      ...(await expectTiledEqualsUntiled('darkCurrent', { ...base, frames }, { ...shape, planes: 14 }, { planes: 14, darkInts: 1, virtualPlanes: 14, direct: false, nframes: 4, groupgap: 1, intMap })),
      ...(await expectTiledEqualsUntiled('darkCurrent', { ...base, frames: frames.slice(0, 2 * plane) }, { ...shape, planes: 2 }, { planes: 2, darkInts: 1, virtualPlanes: 3, direct: true, nframes: 1, groupgap: 0, intMap })),
      // MIRI-like: two dark integrations, the second science integration without a dark.
      ...(await expectTiledEqualsUntiled('darkCurrent', { ...base, frames: frames.slice(0, 6 * plane) }, { ...shape, planes: 6 }, { planes: 3, darkInts: 2, virtualPlanes: 3, direct: true, nframes: 1, groupgap: 0, intMap: [1, -1] })),
      // Plane by plane after the first: no PIXELDQ and dark DQ (they are in PIXELDQ already).
      ...(await expectTiledEqualsUntiled('darkCurrent', { data, frames: frames.slice(0, 2 * plane) }, { ...shape, planes: 2 }, { planes: 2, darkInts: 1, virtualPlanes: 3, direct: true, nframes: 1, groupgap: 0, intMap })),
    ];
    console.log(`dark_current tiled == untiled: ${runs.length} runs`);
    const one = { data: data.slice(0, 3 * plane), frames: frames.slice(0, 3 * plane), pixeldq: new Uint32Array(plane) };
    expect(() => darkCurrent(one, { ...shape, nints: 1, planes: 3 }, { planes: 3, darkInts: 1, virtualPlanes: 3, direct: true, nframes: 1, groupgap: 0, intMap: [0] })).toThrow(/give both pixeldq and darkDq, or neither/);
  }, 60_000);
});

async function fitsFile(name: string, hdus: WritableHdu[]): Promise<{ file: FitsFile; planeReads: number[][] }> {
  const chunks = encodeFits(hdus);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);
  const file = await FitsFile.open(bytesSource(bytes, name));
  const planeReads: number[][] = [];
  const readImage = file.readImage.bind(file);
  file.readImage = (hdu, options) => {
    if (hdu.extname === 'SCI') planeReads.push(options?.index ?? []);
    return readImage(hdu, options);
  };
  return { file, planeReads };
}

/** A dark of `planes` frames, frame f = f + 1 DN everywhere, on a 2 x 3 subarray at (1, 1). */
function dark(name: string, planes: number, { nframes = 1, groupgap = 0, rows = 2, avdrkcur = 0.25 } = {}) {
  const header = new Header()
    .set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', 3).set('SUBSIZE2', rows)
    .set('NFRAMES', nframes).set('GROUPGAP', groupgap).set('NGROUPS', planes).set('AVDRKCUR', avdrkcur);
  const data = Float32Array.from({ length: planes * rows * 3 }, (_, i) => Math.floor(i / (rows * 3)) + 1);
  data[0] = Number.NaN;
  const dq = new Uint32Array(rows * 3);
  dq[1] = 1 << 23;
  return fitsFile(name, [
    { kind: 'image', header },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape: [planes, rows, 3] },
    { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: dq, shape: [rows, 3] },
  ]);
}

function ramp({ ngroups = 3, nframes = 4, groupgap = 1, ystart = 1 } = {}): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 1, ystart, xsize: 3, ysize: 2 });
  Object.assign(meta.exposure, { nframes, groupgap, ngroups });
  return createRampModel({ meta, shape: [1, ngroups, 2, 3], data: new Float32Array(ngroups * 6).fill(100), pixeldq: new Uint32Array(6), groupdq: new Uint8Array(ngroups * 6) });
}

describe('dark_current step', () => {
  it('averages frames as in the spec example, reading only the 14 planes it needs', async () => {
    const model = ramp();
    const { file, planeReads } = await dark('dark.fits', 21);
    expect(await darkCurrentStep(model, file)).toBe('COMPLETE');
    // Frames f0..f3, f5..f8, f10..f13 hold 1..4, 6..9, 11..14: means 2.5, 7.5, 12.5 (pixel 0's f0 NaN -> 0).
    expect(Array.from(model.data.subarray(1, 3))).toEqual([97.5, 97.5]);
    expect([model.data[6 + 1], model.data[12 + 1], model.data[0]]).toEqual([92.5, 87.5, 100 - 9 / 4]);
    expect(planeReads).toEqual(Array.from({ length: 14 }, (_, k) => [k]));
    expect(Array.from(model.pixeldq)).toEqual([0, 1 << 23, 0, 0, 0, 0]);
    expect(model.avdrkcur![5]).toBe(0.25);
    expect(model.meta.calStep.DARK).toBe('COMPLETE');
    expect(model.meta.refFiles.DARK).toBe('dark.fits');
  });

  it('subtracts large planes in batches, the last one short, from every integration', async () => {
    // 60000 x 3 planes (720 KB): 2 MiB batches of 2 planes, the last of 1.
    const [rows, ngroups, nints] = [60000, 7, 2];
    const plane = rows * 3;
    const meta = emptyMeta();
    Object.assign(meta.instrument, { name: 'NIRCAM' });
    Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: 3, ysize: rows });
    Object.assign(meta.exposure, { nframes: 1, groupgap: 0, ngroups });
    const data = Float32Array.from({ length: nints * ngroups * plane }, (_, i) => 100 + (i % 7) * 0.25);
    const model = createRampModel({ meta, shape: [nints, ngroups, rows, 3], data: data.slice(), pixeldq: new Uint32Array(plane), groupdq: new Uint8Array(nints * ngroups * plane) });
    const { file, planeReads } = await dark('tall.fits', ngroups, { rows });
    expect(await darkCurrentStep(model, file)).toBe('COMPLETE');
    // Frame g holds g + 1 everywhere but pixel 0 of frame 0 (NaN: nothing subtracted).
    const expected = data.map((v, i) => {
      const g = Math.floor(i / plane) % ngroups;
      return g === 0 && i % plane === 0 ? v : Math.fround(v - (g + 1));
    });
    expect(Buffer.compare(Buffer.from(model.data.buffer), Buffer.from(expected.buffer))).toBe(0);
    expect(planeReads).toEqual(Array.from({ length: ngroups }, (_, k) => [k]));
    expect([model.pixeldq[0], model.pixeldq[1], model.pixeldq[2]]).toEqual([0, 1 << 23, 0]);
  });

  it('extrapolates a short dark', async () => {
    const model = ramp({ ngroups: 4, nframes: 1, groupgap: 0 });
    const { file } = await dark('short.fits', 2);
    expect(await darkCurrentStep(model, file)).toBe('COMPLETE');
    expect(Array.from({ length: 4 }, (_, g) => model.data[g * 6 + 5])).toEqual([99, 98, 97, 96]);
  });

  it('is SKIPPED without a reference, or when the dark has more NFRAMES than the science', async () => {
    const model = ramp({ nframes: 1, groupgap: 0 });
    expect(await darkCurrentStep(model, undefined)).toBe('SKIPPED');
    expect(model.meta.refFiles.DARK).toBe('N/A');
    const { file } = await dark('dark4.fits', 21, { nframes: 4 });
    const log: string[] = [];
    expect(await darkCurrentStep(model, file, { log: (_, m) => log.push(m) })).toBe('SKIPPED');
    expect(log.join('\n')).toMatch(/exceed the science/);
    expect(model.data.every((v) => v === 100)).toBe(true);
    expect(model.avdrkcur![0]).toBe(0.25); // jwst sets it before the skip check
  });

  it('names the reference when it does not contain the science subarray', async () => {
    const { file } = await dark('tall_dark.fits', 21, { rows: 3 });
    await expect(darkCurrentStep(ramp({ ystart: 3 }), file)).rejects.toThrow(/tall_dark.fits: the science subarray \(x 1..3, y 3..4\) is not inside/);
  });
});
