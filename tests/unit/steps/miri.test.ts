/**
 * MIRI steps lastframe, reset, rscd (and firstframe, MIRI full-frame refpix, emicorr): jwst's
 * golden products, integration slices == whole exposure, tiled == untiled, skip rules and
 * reference errors. firstframe, full-frame refpix and emicorr, which the golden pipeline skips,
 * are compared with jwst in tests/python/test_miri_steps_vs_jwst.py and test_emicorr_vs_jwst.py.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FitsFile, Header, bytesSource, encodeFits, type WritableHdu } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits, readRamp } from '../../../ts/datamodels/node.js';
import { group, pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { KernelParameterError } from '../../../ts/kernels/errors.js';
import { rscdBackoffRounds } from '../../../ts/kernels/rscd.js';
import { ReferenceFileError } from '../../../ts/reffiles/index.js';
import { firstframeStep } from '../../../ts/steps/firstframe.js';
import { lastframeStep } from '../../../ts/steps/lastframe.js';
import { refpixStep } from '../../../ts/steps/refpix.js';
import { resetStep } from '../../../ts/steps/reset.js';
import { rscdKeywords, rscdStep, type RscdPixelCounts } from '../../../ts/steps/rscd.js';
import { emicorrStep } from '../../../ts/steps/emicorr.js';
import { parseAsdf } from '../../../ts/reffiles/asdf.js';
import { emicorrDocument } from '../../../ts/sim/miri.js';
import type { StepContext, StepStatus } from '../../../ts/steps/step.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { expectTiledEqualsUntiled, random } from './tiled-equivalence.js';

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden MIRI step comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

type Run = (ramp: RampModel, reference: FitsFile | undefined, context?: StepContext) => Promise<StepStatus>;
const steps: Record<string, { run: Run; reftype?: string; keyword: string }> = {
  lastframe: { run: (ramp, _, context) => lastframeStep(ramp, context), keyword: 'LASTFR' },
  reset: { run: resetStep, reftype: 'reset', keyword: 'RESET' },
  rscd: { run: rscdStep, reftype: 'rscd', keyword: 'RSCD' },
};
const rscdHeaderKeys = [rscdKeywords.int1, rscdKeywords.int2].flatMap((k) => [k.skip, k.noSkip, k.lowered]);

async function withReference<T>(path: string | undefined, use: (file: FitsFile | undefined) => Promise<T>): Promise<T> {
  const file = path ? await openFits(path) : undefined;
  try {
    return await use(file);
  } finally {
    await file?.close();
  }
}

/** The ramp's integrations `first ..< first + count` as a model of their own (PIXELDQ shared). */
function slice(ramp: RampModel, first: number, count: number): RampModel {
  const per = ramp.shape[1] * ramp.shape[2] * ramp.shape[3];
  return createRampModel({
    meta: structuredClone(ramp.meta),
    shape: [count, ramp.shape[1], ramp.shape[2], ramp.shape[3]],
    data: ramp.data.slice(first * per, (first + count) * per),
    pixeldq: ramp.pixeldq,
    groupdq: ramp.groupdq.slice(first * per, (first + count) * per),
  });
}

describe.skipIf(!crds)('MIRI steps vs jwst 3.0.0 golden truth', () => {
  for (const caseName of goldenCases()) {
    for (const [step, { run, reftype, keyword }] of Object.entries(steps)) {
      if (!goldenManifest().cases[caseName].products.some((p) => p.variant === 'pipeline' && p.step === step)) continue;
      it(`${step} on ${caseName}: SCI, PIXELDQ, GROUPDQ bit-identical, same keywords; integration slices agree`, async () => {
        const truth = goldenProduct(caseName, step);
        const refPath = reftype ? goldenReferences(caseName, step)[reftype] : undefined;
        if (!existsSync(truth.input) || (reftype && !existsSync(refPath!))) {
          console.warn(`skipping ${step} on ${caseName}: golden input or reference absent`);
          return;
        }
        const ramp = await readRamp(truth.input);
        const before = await readRamp(truth.input);
        expect(await withReference(refPath, (ref) => run(ramp, ref))).toBe(truth.entry.keywords[`S_${keyword}`]);
        if (reftype) expect(ramp.meta.refFiles[keyword]).toBe(truth.entry.keywords[`R_${keyword}`]);
        const ours = { SCI: ramp.data, PIXELDQ: ramp.pixeldq, GROUPDQ: ramp.groupdq };
        const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours) });
        console.log(`${step} ${caseName} (${ramp.shape.join('x')}):\n${formatReport(report)}`);
        expect(report.ok, formatReport(report)).toBe(true);
        expect(report.arrays.every((a) => a.identical)).toBe(true);
        if (step === 'rscd') {
          const header = await truthHeader(truth.file);
          for (const key of rscdHeaderKeys) expect(ramp.primary.get(key), key).toBe(header.get(key));
        }
        // The same step on slices of one integration (offsets 0, 1, ...) gives the same arrays.
        const nints = before.shape[0];
        for (let first = 0; first < nints; first++) {
          const part = slice(before, first, 1);
          await withReference(refPath, (ref) => run(part, ref, { integrationOffset: first }));
          const per = part.data.length;
          before.data.set(part.data, first * per);
          before.groupdq.set(part.groupdq, first * per);
        }
        expect(before.data).toEqual(ramp.data);
        expect(before.groupdq).toEqual(ramp.groupdq);
        expect(before.pixeldq).toEqual(ramp.pixeldq);
      });
    }
  }
});

async function truthHeader(path: string): Promise<Header> {
  const file = await openFits(path);
  try {
    return file.primary.header;
  } finally {
    await file.close();
  }
}

describe('MIRI kernels: tiled == untiled', () => {
  const shape = { nints: 3, ngroups: 6, rows: 23, cols: 9 };
  const plane = shape.rows * shape.cols;
  const cube = shape.nints * shape.ngroups * plane;
  const next = random(8);
  const data = Float32Array.from({ length: cube }, () => (next() < 0.01 ? Number.NaN : 10000 + next() * 500));
  // Saturation from a random group on, plus scattered flags (not monotonic).
  const groupdq = new Uint8Array(cube);
  for (let i = 0; i < shape.nints; i++) {
    for (let p = 0; p < plane; p++) {
      const first = Math.floor(next() * (shape.ngroups + 3));
      for (let g = 0; g < shape.ngroups; g++) {
        if (g >= first || next() < 0.05) groupdq[(i * shape.ngroups + g) * plane + p] |= group.SATURATED;
      }
    }
  }
  const pixeldq = Uint32Array.from({ length: plane }, () => (next() < 0.1 ? pixel.HOT : 0));

  it('lastframe, firstframe, reset, rscd and MIRI refpix with 1-3 workers and several band heights', async () => {
    const runs = [
      ...(await expectTiledEqualsUntiled('lastframe', { groupdq }, shape, undefined)),
      ...(await expectTiledEqualsUntiled('firstframe', { groupdq, pixeldq }, shape, { brightUseGroup1: true })),
      ...(await expectTiledEqualsUntiled(
        'reset',
        { data, pixeldq, reset: Float32Array.from({ length: 8 * plane }, () => (next() < 0.02 ? Number.NaN : next() * 30)), resetDq: pixeldq.map((v) => v >>> 1) },
        { ...shape, planes: 8 },
        { planes: 4, intMap: [0, 1, 1] },
      )),
      ...(await expectTiledEqualsUntiled('rscd', { groupdq, pixeldq, summary: new Uint8Array(plane) }, shape, {
        ranges: [
          { skip: 2, rounds: rscdBackoffRounds(groupdq, shape, 0, 1, 2) },
          { skip: 3, rounds: rscdBackoffRounds(groupdq, shape, 1, 3, 3) },
        ],
        rangeOf: [0, 1, 1],
      })),
      ...(await expectTiledEqualsUntiled('refpixMiri', { data, cls: Uint8Array.from({ length: plane }, (_, p) => ((p % shape.cols) % 4) * 2 + (Math.floor(p / shape.cols) & 1)) }, shape, {
        classes: 8,
        values: Float64Array.from({ length: shape.nints * shape.ngroups * 8 }, () => next() * 20 - 10),
        kinds: Uint8Array.from({ length: shape.nints * shape.ngroups * 8 }, (_, k) => (k < 8 ? 0 : 1 + (k % 2))),
      })),
    ];
    console.log(`MIRI kernels tiled == untiled: ${runs.length} runs`);
  }, 120_000);

  it('rejects skips that leave too few groups, and reset maps beyond the reference', async () => {
    expect(() => rscdBackoffRounds(groupdq, shape, 0, 1, 5)).toThrow(KernelParameterError);
    const { reset } = await import('../../../ts/kernels/reset.js');
    const small = { nints: 1, ngroups: 2, rows: 1, cols: 1, planes: 2 };
    expect(() => reset({ data: new Float32Array(2), pixeldq: new Uint32Array(1), reset: new Float32Array(2), resetDq: new Uint32Array(1) }, small, { planes: 2, intMap: [1] })).toThrow(
      KernelParameterError,
    );
  });
});

async function memoryFits(name: string, hdus: WritableHdu[]): Promise<FitsFile> {
  const chunks = encodeFits(hdus);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);
  return FitsFile.open(bytesSource(bytes, name));
}

/** A MIRI SUB64-like ramp of `nints` x `ngroups` on a 2 x 3 subarray at (1, 779). */
function miriRamp({ nints = 2, ngroups = 6, detector = 'MIRIMAGE', subarray = 'SUB64', intStart }: { nints?: number; ngroups?: number; detector?: string; subarray?: string; intStart?: number } = {}): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: detector.startsWith('MIR') ? 'MIRI' : 'NIRCAM', detector });
  Object.assign(meta.subarray, { name: subarray, xstart: 1, ystart: 779, xsize: 3, ysize: 2, fastaxis: 1, slowaxis: 2 });
  Object.assign(meta.exposure, { nints, ngroups, readpatt: 'FAST', integrationStart: intStart });
  const n = nints * ngroups * 6;
  return createRampModel({ meta, shape: [nints, ngroups, 2, 3], data: new Float32Array(n).fill(100), pixeldq: new Uint32Array(6), groupdq: new Uint8Array(n) });
}

/** A RESET reference: `ints` x `groups` planes on a `rows` x 3 subarray at (1, `ystart`); plane (i, g) holds 10 i + g + 1. */
function resetReference(name: string, { ints = 2, groups = 3, rows = 2, ystart = 779 } = {}) {
  const header = new Header().set('SUBSTRT1', 1).set('SUBSTRT2', ystart).set('SUBSIZE1', 3).set('SUBSIZE2', rows).set('NINTS', ints).set('NGROUPS', groups);
  const data = Float32Array.from({ length: ints * groups * rows * 3 }, (_, k) => {
    const planeIndex = Math.floor(k / (rows * 3));
    return 10 * Math.floor(planeIndex / groups) + (planeIndex % groups) + 1;
  });
  const dq = new Uint32Array(rows * 3);
  dq[1] = pixel.UNRELIABLE_DARK;
  return memoryFits(name, [
    { kind: 'image', header },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape: [ints, groups, rows, 3] },
    { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: dq, shape: [rows, 3] },
  ]);
}

function rscdReference(name: string, rows: [string, string, number, number][]) {
  return memoryFits(name, [
    { kind: 'image', header: new Header() },
    {
      kind: 'bintable',
      header: new Header().set('EXTNAME', 'RSCD_GROUP_SKIP'),
      nrows: rows.length,
      columns: [
        { name: 'subarray', format: '17A', data: rows.map((r) => r[0]) },
        { name: 'readpatt', format: '12A', data: rows.map((r) => r[1]) },
        { name: 'group_skip1', format: 'J', data: Int32Array.from(rows, (r) => r[2]) },
        { name: 'group_skip', format: 'J', data: Int32Array.from(rows, (r) => r[3]) },
      ],
    },
  ]);
}

const dnu = (ramp: RampModel, i: number, g: number) => ramp.groupdq[(i * ramp.shape[1] + g) * 6] & group.DO_NOT_USE;

describe('MIRI step rules', () => {
  it('lastframe and firstframe: MIRI only, enough groups, bright_use_group1', async () => {
    const log: string[] = [];
    const context: StepContext = { log: (_, m) => log.push(m) };
    expect(await lastframeStep(miriRamp({ detector: 'NRCA1' }), context)).toBe('SKIPPED');
    expect(await lastframeStep(miriRamp({ ngroups: 2 }), context)).toBe('SKIPPED');
    const ramp = miriRamp({ ngroups: 3 });
    expect(await lastframeStep(ramp)).toBe('COMPLETE');
    expect([dnu(ramp, 0, 2), dnu(ramp, 1, 2), dnu(ramp, 1, 1)]).toEqual([1, 1, 0]);
    expect(ramp.meta.calStep.LASTFR).toBe('COMPLETE');

    expect(await firstframeStep(miriRamp({ ngroups: 3 }), context)).toBe('SKIPPED');
    const bright = miriRamp({ ngroups: 4 });
    bright.groupdq[(1 * 4 + 2) * 6 + 0] = group.SATURATED; // integration 1, group 2, pixel 0
    expect(await firstframeStep(bright, context)).toBe('COMPLETE');
    expect([dnu(bright, 0, 0), dnu(bright, 1, 0)]).toEqual([1, 0]);
    expect(bright.pixeldq[0]).toBe(pixel.FLUX_ESTIMATED);
    expect(bright.meta.calStep.FRSTFR).toBe('COMPLETE');
    const plain = miriRamp({ ngroups: 4 });
    plain.groupdq.set(bright.groupdq.map((v) => v & group.SATURATED));
    await firstframeStep(plain, {}, { brightUseGroup1: false });
    expect([dnu(plain, 0, 0), dnu(plain, 1, 0), plain.pixeldq[0]]).toEqual([1, 1, 0]);
    expect(log.join('\n')).toMatch(/only for MIRI[\s\S]*too few groups[\s\S]*deprecated/);
  });

  it('reset: spec example planes, INTSTART and slices, skip rules, a reference without the subarray', async () => {
    // Science 4 integrations x 5 groups; reset 2 x 3: integrations 0, 1 use reset 0, 1, then reset 1; groups 3, 4 untouched.
    const ramp = miriRamp({ nints: 4, ngroups: 5 });
    expect(await resetStep(ramp, await resetReference('reset.fits'))).toBe('COMPLETE');
    const at = (m: RampModel, i: number, g: number) => m.data[(i * 5 + g) * 6];
    expect([at(ramp, 0, 0), at(ramp, 0, 2), at(ramp, 0, 3), at(ramp, 1, 0), at(ramp, 3, 2), at(ramp, 3, 4)]).toEqual([99, 97, 100, 89, 87, 100]);
    expect(Array.from(ramp.pixeldq)).toEqual([0, pixel.UNRELIABLE_DARK, 0, 0, 0, 0]);
    expect(ramp.meta.refFiles.RESET).toBe('reset.fits');
    // A later segment (INTSTART 2) sliced at integration 1 of the file: integrations 2.. of the exposure use reset 1.
    const segment = miriRamp({ nints: 2, ngroups: 5, intStart: 2 });
    await resetStep(segment, await resetReference('reset.fits'), { integrationOffset: 1 });
    expect([at(segment, 0, 0), at(segment, 1, 0)]).toEqual([89, 89]);

    const log: string[] = [];
    const skipped = miriRamp();
    expect(await resetStep(skipped, undefined, { log: (_, m) => log.push(m) })).toBe('SKIPPED');
    expect(skipped.meta.refFiles.RESET).toBe('N/A');
    expect(await resetStep(miriRamp({ detector: 'NRCA1' }), await resetReference('reset.fits'))).toBe('SKIPPED');
    expect(log.join('\n')).toMatch(/no RESET reference/);
    expect(skipped.data.every((v) => v === 100)).toBe(true);
    // A 3-row reference at row 780 cannot hold the science rows 779-780.
    await expect(resetStep(miriRamp(), await resetReference('shifted_reset.fits', { rows: 3, ystart: 780 }))).rejects.toThrow(ReferenceFileError);
    await expect(resetStep(miriRamp(), await resetReference('shifted_reset.fits', { rows: 3, ystart: 780 }))).rejects.toThrow(/shifted_reset.fits/);
  });

  it('rscd: table row, group-count rules, back-off, INTSTART, keywords, skip rules', async () => {
    const table: [string, string, number, number][] = [
      ['SUB64', 'FAST', 2, 3],
      ['SUB64', 'SLOW', -1, 1],
    ];
    const ramp = miriRamp({ nints: 3, ngroups: 8 });
    // Pixel 0 of integration 1 saturates from group 3 on: its skip drops from 3 to 1.
    for (let g = 3; g < 8; g++) ramp.groupdq[(1 * 8 + g) * 6] = group.SATURATED;
    expect(await rscdStep(ramp, await rscdReference('rscd.fits', table))).toBe('COMPLETE');
    expect([0, 1, 2].map((g) => dnu(ramp, 0, g))).toEqual([1, 1, 0]);
    expect([0, 1, 2].map((g) => dnu(ramp, 1, g))).toEqual([1, 0, 0]);
    expect([0, 1, 2, 3].map((g) => dnu(ramp, 2, g))).toEqual([1, 1, 1, 0]);
    expect(ramp.pixeldq[0]).toBe(pixel.FLUX_ESTIMATED);
    expect(rscdHeaderKeys.map((k) => ramp.primary.get(k))).toEqual([2, 0, 0, 3, 0, 1]);
    expect(ramp.meta.refFiles.RSCD).toBe('rscd.fits');

    // NGROUPS <= 5: one group each; a later segment flags every integration with group_skip.
    const short = miriRamp({ nints: 2, ngroups: 5, intStart: 3 });
    await rscdStep(short, await rscdReference('rscd.fits', table));
    expect([dnu(short, 0, 0), dnu(short, 0, 1), dnu(short, 1, 0)]).toEqual([1, 0, 1]);
    expect(short.primary.get('INT1SKIP')).toBeUndefined();
    // Old tables without group_skip1 (-1): one group in integration 1.
    const old = miriRamp({ nints: 1, ngroups: 8 });
    old.meta.exposure.readpatt = 'SLOW';
    const log: string[] = [];
    await rscdStep(old, await rscdReference('rscd.fits', table), { log: (_, m) => log.push(m) });
    expect([dnu(old, 0, 0), dnu(old, 0, 1)]).toEqual([1, 0]);
    expect(log.join('\n')).toMatch(/deprecated model/);

    const noRow = miriRamp({ subarray: 'SUB128' });
    expect(await rscdStep(noRow, await rscdReference('rscd.fits', table))).toBe('SKIPPED');
    expect(noRow.meta.refFiles.RSCD).toBe('rscd.fits');
    expect(await rscdStep(miriRamp({ ngroups: 2 }), await rscdReference('rscd.fits', table))).toBe('SKIPPED');
    const none = miriRamp();
    expect(await rscdStep(none, undefined)).toBe('SKIPPED');
    expect(none.meta.refFiles.RSCD).toBe('N/A');
    expect(none.groupdq.every((v) => v === 0)).toBe(true);
    await expect(rscdStep(miriRamp(), await memoryFits('empty_rscd.fits', [{ kind: 'image', header: new Header() }]))).rejects.toThrow(/empty_rscd.fits: no RSCD_GROUP_SKIP/);
  });

  it('rscd: integration slices sharing the pixel counts give the whole exposure keywords', async () => {
    const table: [string, string, number, number][] = [['SUB64', 'FAST', 2, 3]];
    const saturateFrom = (ramp: RampModel, i: number, pixelIndex: number, first: number) => {
      for (let g = first; g < 8; g++) ramp.groupdq[(i * 8 + g) * 6 + pixelIndex] = group.SATURATED;
    };
    const whole = miriRamp({ nints: 4, ngroups: 8 });
    // Backed off: pixel 0 in integrations 1 and 2 (counted once), pixel 1 in integration 3;
    // pixel 2 saturates from group 1 on in integration 2, so only its first group is kept.
    for (const [i, p, g] of [[1, 0, 3], [2, 0, 4], [3, 1, 3], [2, 2, 1]]) saturateFrom(whole, i, p, g);
    const reference = await rscdReference('rscd.fits', table);
    await rscdStep(whole, reference);
    const expected = rscdHeaderKeys.map((k) => whole.primary.get(k));
    expect(expected).toEqual([2, 0, 0, 3, 1, 3]);

    const counted: RscdPixelCounts = new Map();
    const primary = new Header();
    for (let i = 0; i < 4; i++) {
      const slice = miriRamp({ nints: 4, ngroups: 8 });
      const one = createRampModel({ ...slice, primary, shape: [1, 8, 2, 3], data: slice.data.slice(0, 48), groupdq: whole.groupdq.slice(i * 48, (i + 1) * 48).map((v) => v & group.SATURATED) });
      await rscdStep(one, reference, { integrationOffset: i }, counted);
      expect(one.groupdq, `integration ${i}`).toEqual(whole.groupdq.slice(i * 48, (i + 1) * 48));
    }
    expect(rscdHeaderKeys.map((k) => primary.get(k))).toEqual(expected);
  });

  it('refpix: MIRI full frame corrects the amplifiers from the reference columns', async () => {
    const meta = emptyMeta();
    Object.assign(meta.instrument, { name: 'MIRI', detector: 'MIRIMAGE' });
    Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: 1032, ysize: 1024, fastaxis: 1, slowaxis: 2 });
    const [rows, cols] = [1024, 1032];
    const data = new Float32Array(2 * rows * cols).fill(1000);
    // Group 1: every pixel of amplifier k (column mod 4) rises by 10 k, plus 1 on odd (0-based) rows.
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[rows * cols + r * cols + c] += 10 * (c % 4) + (r & 1) + (c === 600 ? 50 : 0);
    const ramp = createRampModel({ meta, shape: [1, 2, rows, cols], data, pixeldq: new Uint32Array(rows * cols), groupdq: new Uint8Array(2 * rows * cols) });
    expect(await refpixStep(ramp)).toBe('COMPLETE');
    // The drift is gone, the column-600 signal stays, group 0 is unchanged.
    expect([ramp.data[rows * cols + 5 * cols + 7], ramp.data[rows * cols + 6 * cols + 600], ramp.data[7]]).toEqual([1000, 1050, 1000]);
  }, 60_000);
});

describe('emicorr', () => {
  /** A 2-integration SUB64-like ramp, 4 x 16 pixels (four 4-output column groups) with a ripple. */
  const miriEmi = (readpatt = 'FAST', ngroups = 5, subarray = 'SUB64') => {
    const meta = emptyMeta();
    Object.assign(meta.instrument, { name: 'MIRI', detector: 'MIRIMAGE' });
    Object.assign(meta.subarray, { name: subarray, xstart: 1, ystart: 779, xsize: 16, ysize: 4, fastaxis: 1, slowaxis: 2 });
    Object.assign(meta.exposure, { nints: 2, ngroups, readpatt });
    const n = 2 * ngroups * 64;
    const data = Float32Array.from({ length: n }, (_, k) => 1000 + 10 * Math.floor(k / 64) + Math.sin(k));
    const ramp = createRampModel({ meta, shape: [2, ngroups, 4, 16], data, pixeldq: new Uint32Array(64), groupdq: new Uint8Array(n) });
    ramp.primary.set('NSAMPLES', 1);
    return ramp;
  };
  const document = (text: string) => ({ name: 'jwst_miri_emicorr_test.asdf', bytes: new TextEncoder().encode(text) });

  it('skip rules, jwst fallbacks, a frequency the reference lacks, sequential and on-the-fly runs', async () => {
    const good = document(emicorrDocument('e.asdf'));
    expect(await emicorrStep(miriRamp({ detector: 'NRCA1' }), good)).toBe('SKIPPED');
    expect(await emicorrStep(miriEmi('SLOWR2'), good)).toBe('SKIPPED');
    const none = miriEmi();
    expect(await emicorrStep(none, undefined)).toBe('SKIPPED');
    expect(none.meta.refFiles.MIREMI).toBe('N/A');
    const short = miriEmi('FAST', 2);
    expect(await emicorrStep(short, good)).toBe('SKIPPED');
    expect(short.meta.refFiles.MIREMI).toBe('jwst_miri_emicorr_test.asdf');
    // No subarray case for SUB64 -> jwst's "No correction match for this configuration".
    expect(await emicorrStep(miriEmi(), document(emicorrDocument('e.asdf').replace(/ {2}SUB64:/, '  SUBXX:')))).toBe('SKIPPED');
    const missing = document(emicorrDocument('e.asdf').replace(/Hz390:\n/, 'Hz391:\n'));
    await expect(emicorrStep(miriEmi(), missing)).rejects.toThrow(/jwst_miri_emicorr_test.asdf: .*"Hz390"/);
    // On-the-fly frequencies need no reference but a subarray with built-in clocks.
    expect(await emicorrStep(miriEmi('FAST', 5, 'SUBXX'), undefined, {}, { ontheflyCorrFreq: [390.625] })).toBe('SKIPPED');
    const onTheFly = miriEmi();
    expect(await emicorrStep(onTheFly, undefined, {}, { ontheflyCorrFreq: [390.625] })).toBe('COMPLETE');
    expect(onTheFly.meta.refFiles.MIREMI).toBeUndefined();
    expect(await emicorrStep(miriEmi(), good, {}, { algorithm: 'sequential' })).toBe('COMPLETE');
    await expect(emicorrStep(miriEmi(), good, { integrationOffset: 2 })).rejects.toThrow(/whole exposure/);
    const corrected = miriEmi();
    expect(await emicorrStep(corrected, good)).toBe('COMPLETE');
    expect(corrected.meta.calStep.MIREMI).toBe('COMPLETE');
  });

  it('reads ndarrays from binary blocks', () => {
    const yaml = ['#ASDF 1.0.0', '%YAML 1.1', '--- !core/asdf-1.1.0', 'a: {b: [1, 2]}', 'wave: !core/ndarray-1.0.0', '  source: 0', '  datatype: float32', '  byteorder: big', '  shape: [3]', '...', ''].join('\n');
    const data = new Uint8Array(12);
    [1.5, -2, 4].forEach((v, k) => new DataView(data.buffer).setFloat32(k * 4, v, false));
    const header = new Uint8Array(6 + 48);
    const view = new DataView(header.buffer);
    header.set([0xd3, 0x42, 0x4c, 0x4b]);
    view.setUint16(4, 48);
    for (const at of [14, 22, 30]) view.setBigUint64(at, 12n);
    const bytes = new Uint8Array([...new TextEncoder().encode(yaml), ...header, ...data]);
    const tree = parseAsdf(bytes, 'blocks.asdf');
    expect(tree.a).toEqual({ b: [1, 2] });
    expect(Array.from(tree.wave as Float64Array)).toEqual([1.5, -2, 4]);
    expect(() => parseAsdf(new TextEncoder().encode('SIMPLE'), 'x.fits')).toThrow(/x.fits: not an ASDF file/);
  });

  it('tiled == untiled with 1-3 workers', async () => {
    const shape = { nints: 2, ngroups: 4, rows: 21, cols: 16 };
    const next = random(5);
    const data = Float32Array.from({ length: 2 * 4 * 21 * 16 }, () => 10000 + next() * 100);
    const wave = Float64Array.from({ length: 37 }, (_, j) => Math.sin((2 * Math.PI * j) / 37));
    const row = Uint16Array.from({ length: 21 * 16 }, (_, p) => 100 + Math.floor(p / 16));
    const runs = await expectTiledEqualsUntiled('emicorr', { data, row }, shape, {
      wave,
      clocks: { nsamples: 1, rowclocks: 28, frameclocks: 8512, period: 256 },
      ny: 64,
      offsets: Float64Array.from([0.25, 0.75]),
      amplitudes: Float64Array.from([1.5, -0.5]),
    });
    console.log(`emicorr tiled == untiled: ${runs.length} runs`);
  }, 60_000);
});
