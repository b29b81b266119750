/**
 * jump (two-point difference, jwst defaults): spec §10 examples through the wasm kernel, the
 * step's parameters and bookkeeping, bad input, tiled == untiled with the neighbour halo, and
 * jwst's own `_jump` products of the golden cases.
 */
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Header, type FitsFile } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits, readRamp } from '../../../ts/datamodels/node.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { jump, jumpHalo, JUMP_STEP_DEFAULTS, type JumpArrays, type JumpParams } from '../../../ts/kernels/jump.js';
import { KernelParameterError, KernelShapeError, KernelTypeError } from '../../../ts/kernels/errors.js';
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import { jumpStep, pythonFloorDiv } from '../../../ts/steps/jump.js';
import { compareArrays, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { random } from '../../helpers/random.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { expectTiledEqualsUntiled } from './tiled-equivalence.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const JUMP = pixel.JUMP_DET;

beforeAll(async () => {
  await loadKernels();
});

const defaults: JumpParams = { mode: 'iterative', ...JUMP_STEP_DEFAULTS };

/** Spec §10: 3×3 image, background 10 e/group, gain 1, readnoise 10; `centre` is pixel 4's ramp. */
function grid(centre: number[]): { arrays: JumpArrays; shape: TileShape } {
  const ngroups = centre.length;
  const data = new Float32Array(ngroups * 9);
  for (let g = 0; g < ngroups; g++) for (let p = 0; p < 9; p++) data[g * 9 + p] = p === 4 ? centre[g] : 10 * g;
  const arrays = {
    data,
    groupdq: new Uint8Array(ngroups * 9),
    pixeldq: new Uint32Array(9),
    gain: new Float32Array(9).fill(1),
    readnoise: new Float32Array(9).fill(10),
    crs: new Uint32Array(9),
  };
  return { arrays, shape: { nints: 1, ngroups, rows: 3, cols: 3 } };
}

const jumpGroups = (groupdq: Uint8Array, p: number, npix = 9) =>
  [...groupdq].flatMap((f, i) => (i % npix === p && f & JUMP ? [Math.floor(i / npix)] : []));

describe('jump kernel: spec §10 examples', () => {
  it('a 9.4-sigma CR is flagged at group 3, below the 10-sigma neighbour limit', () => {
    const { arrays, shape } = grid([0, 10, 22, 132, 141, 152]);
    jump(arrays, shape, defaults);
    expect(jumpGroups(arrays.groupdq, 4)).toEqual([3]);
    expect(arrays.groupdq.filter((f) => f & JUMP).length).toBe(1);
    expect(arrays.crs.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('an 18.9-sigma CR also flags its four neighbours (not the corners)', () => {
    const { arrays, shape } = grid([0, 10, 22, 232, 241, 252]);
    jump(arrays, shape, defaults);
    for (const p of [1, 3, 4, 5, 7]) expect(jumpGroups(arrays.groupdq, p), `pixel ${p}`).toEqual([3]);
    for (const p of [0, 2, 6, 8]) expect(jumpGroups(arrays.groupdq, p), `corner ${p}`).toEqual([]);
    expect(arrays.crs.reduce((a, b) => a + b, 0)).toBe(1);
    const off = grid([0, 10, 22, 232, 241, 252]);
    jump(off.arrays, off.shape, { ...defaults, flag4Neighbors: false });
    expect(off.arrays.groupdq.filter((f) => f & JUMP).length).toBe(1);
  });

  it('three groups use the 6-sigma threshold', () => {
    const below = grid([0, 10, 80]);
    jump(below.arrays, below.shape, defaults);
    expect(jumpGroups(below.arrays.groupdq, 4)).toEqual([]);
    const above = grid([0, 10, 90]);
    jump(above.arrays, above.shape, defaults);
    expect(jumpGroups(above.arrays.groupdq, 4)).toEqual([2]);
  });

  it('flags nothing in an all-NaN ramp and sets NO_GAIN_VALUE for NaN or non-positive gain', () => {
    const { arrays, shape } = grid([NaN, NaN, NaN, NaN, NaN]);
    arrays.gain[0] = NaN;
    arrays.gain[8] = -1;
    jump(arrays, shape, { ...defaults, flag4Neighbors: false });
    expect(jumpGroups(arrays.groupdq, 4)).toEqual([]);
    expect(arrays.pixeldq[0]).toBe(pixel.NO_GAIN_VALUE | pixel.DO_NOT_USE);
    expect(arrays.pixeldq[8]).toBe(pixel.NO_GAIN_VALUE | pixel.DO_NOT_USE);
    expect(arrays.pixeldq[4]).toBe(0);
  });
});

describe('jump kernel: bad input', () => {
  it('raises typed errors for wrong shapes, element types and parameters', () => {
    const { arrays, shape } = grid([0, 10, 20]);
    expect(() => jump({ ...arrays, gain: new Float32Array(8) }, shape, defaults)).toThrow(KernelShapeError);
    expect(() => jump({ ...arrays, groupdq: new Uint32Array(27) as unknown as Uint8Array }, shape, defaults)).toThrow(KernelTypeError);
    expect(() => jump({ ...arrays, data: new Float64Array(27) as unknown as Float32Array }, shape, defaults)).toThrow(/data.*Float32Array/);
    expect(() => jump(arrays, { ...shape, rows: 0 }, defaults)).toThrow(KernelShapeError);
    expect(() => jump(arrays, shape, { ...defaults, nframes: 0 })).toThrow(KernelParameterError);
    expect(() => jump(arrays, shape, { ...defaults, rejectionThreshold: -1 })).toThrow(KernelParameterError);
  });
});

function referenceFile(name: string, data: Float32Array, rows: number, cols: number): Promise<FitsFile> {
  return fitsInMemory(name, [
    { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', cols).set('SUBSIZE2', rows) },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape: [rows, cols] },
  ]);
}

function model(centre: number[], nints = 1): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: 3, ysize: 3 });
  Object.assign(meta.exposure, { nframes: 1, groupTime: 10 });
  const ngroups = centre.length;
  const data = new Float32Array(nints * ngroups * 9);
  for (let i = 0; i < nints; i++) {
    for (let g = 0; g < ngroups; g++) for (let p = 0; p < 9; p++) data[(i * ngroups + g) * 9 + p] = p === 4 ? centre[g] : 10 * g;
  }
  return createRampModel({
    meta,
    shape: [nints, ngroups, 3, 3],
    data,
    pixeldq: new Uint32Array(9),
    groupdq: new Uint8Array(data.length),
  });
}

async function references(gain = 1) {
  return {
    gain: await referenceFile('gain.fits', new Float32Array(9).fill(gain), 3, 3),
    readnoise: await referenceFile('readnoise.fits', new Float32Array(9).fill(10 / gain), 3, 3),
  };
}

describe('jump step', () => {
  it('flags, logs, sets PRIMECRS, S_JUMP and the reference names', async () => {
    const ramp = model([0, 10, 22, 232, 241, 252]);
    const log: string[] = [];
    const result = await jumpStep(ramp, await references(), { log: (_, m) => log.push(m) });
    expect(result).toMatchObject({ status: 'COMPLETE', primaryCrs: 1 });
    expect(ramp.meta.calStep.JUMP).toBe('COMPLETE');
    expect(ramp.meta.refFiles).toMatchObject({ GAIN: 'gain.fits', READNO: 'readnoise.fits' });
    // 1000 · 1 CR / (10 s · (6 − 1) groups · 9 px)
    expect(ramp.meta.exposure.primaryCosmicRays).toBe(1000 / (10 * 5 * 9));
    expect(ramp.meta.exposure.extendedEmissionEvents).toBe(0);
    expect(log).toContain('jump: 1 primary CRs in 1 pixel');
  });

  it('works in electrons: gain 2 with readnoise 5 DN gives the same flags as gain 1', async () => {
    const ramp = model([0, 5, 11, 116, 120.5, 126]);
    await jumpStep(ramp, await references(2));
    expect(jumpGroups(ramp.groupdq, 4)).toEqual([3]);
    expect(jumpGroups(ramp.groupdq, 1)).toEqual([3]);
  });

  it('after-jump flagging: time // group_time groups after jumps of at least dn · median(gain)', async () => {
    const ramp = model([0, 10, 22, 232, 241, 252, 262, 272]);
    await jumpStep(ramp, await references(), {}, { flag4Neighbors: false, afterJumpFlagDn1: 100, afterJumpFlagTime1: 25 });
    expect(jumpGroups(ramp.groupdq, 4)).toEqual([3, 4, 5]);
    const small = model([0, 10, 22, 232, 241, 252, 262, 272]);
    await jumpStep(small, await references(), {}, { flag4Neighbors: false, afterJumpFlagDn1: 1000, afterJumpFlagTime1: 25 });
    expect(jumpGroups(small.groupdq, 4)).toEqual([3]);
  });

  it('counts after-jump groups with Python float floor division', () => {
    expect([pythonFloorDiv(1, 0.1), pythonFloorDiv(0.3, 0.1), pythonFloorDiv(25, 10), pythonFloorDiv(20, 10.737), pythonFloorDiv(0, 10)]).toEqual([9, 2, 2, 1, 0]);
  });

  it('skips NGROUPS <= 2, and too few usable groups with PRIMECRS from N_cr = -99', async () => {
    const two = model([0, 10]);
    expect((await jumpStep(two, undefined)).status).toBe('SKIPPED');
    expect(two.meta.calStep.JUMP).toBe('SKIPPED');
    const ramp = model([0, 10, 22, 232]);
    ramp.groupdq.fill(pixel.DO_NOT_USE, 18, 36); // every pixel of groups 2 and 3: 2 usable groups
    ramp.groupdq[9] = pixel.DO_NOT_USE | JUMP; // cleaned up even without detection
    const result = await jumpStep(ramp, await references());
    expect(result.primaryCrs).toBe(-99);
    expect(ramp.groupdq[9]).toBe(pixel.DO_NOT_USE);
    expect(ramp.meta.exposure.primaryCosmicRays).toBe((1000 * -99) / (10 * 1 * 9));
  });

});

/**
 * Random ramps (CRs of all sizes, ties, NaN data, NaN and zero gains, SATURATED, DO_NOT_USE and
 * JUMP already set) through our step; `expected` holds stcal 1.20.0 `detect_jumps_data` on the
 * same arrays (one slice, JWST `dt_group`/`n_reads_groupdiff`): sha256 prefixes of its GROUPDQ
 * and PIXELDQ bytes and its primary CR count (regenerated by tests/oracle/jump_twopoint_oracle.py).
 */
function stcalOracleTile(seed: number, shape: TileShape) {
  const rand = random(seed);
  const plane = shape.rows * shape.cols;
  const gain = Float32Array.from({ length: plane }, () => (rand() < 0.02 ? NaN : rand() < 0.01 ? 0 : 1.5 + rand()));
  const readnoise = Float32Array.from({ length: plane }, () => 5 + 10 * rand());
  const data = new Float32Array(shape.nints * shape.ngroups * plane);
  const groupdq = new Uint8Array(data.length);
  for (let int = 0; int < shape.nints; int++) {
    for (let p = 0; p < plane; p++) {
      const rate = 50 * rand();
      let level = 1000 * rand();
      for (let g = 0; g < shape.ngroups; g++) {
        const i = (int * shape.ngroups + g) * plane + p;
        if (g > 0 && rand() < 0.06) level += 3000 * rand() ** 2;
        // Multiples of 4 DN: equal differences (ties) are common.
        level += 4 * Math.round((rate + 8 * (rand() - 0.5)) / 4);
        data[i] = rand() < 0.01 ? NaN : level;
        const r = rand();
        groupdq[i] = r < 0.03 ? pixel.SATURATED : r < 0.05 ? pixel.DO_NOT_USE : r < 0.06 ? JUMP : r < 0.065 ? JUMP | pixel.DO_NOT_USE : 0;
      }
    }
  }
  return { data, groupdq, gain, readnoise };
}

const stcalOracle = [
  { seed: 11, shape: [1, 5, 40, 37], nframes: 1, flag4: true, after: [0, 0, 0, 0], groupdq: 'c5d6faf40c92edbb', pixeldq: '610c9982ad2f301e', crs: 372 },
  { seed: 12, shape: [3, 4, 31, 29], nframes: 4, flag4: true, after: [0, 0, 0, 0], groupdq: '3d3a5028d6d46b7d', pixeldq: '9c097a9da8fa2968', crs: 1270 },
  { seed: 13, shape: [1, 12, 33, 30], nframes: 1, flag4: true, after: [100, 2, 1000, 5], groupdq: '058764ebc88e9941', pixeldq: '46e4fc213f89bc2d', crs: 651 },
  { seed: 14, shape: [2, 8, 30, 30], nframes: 2, flag4: true, after: [50, 1, 0, 0], groupdq: '9bacd5df7cf61f2a', pixeldq: '14bfc847af2f2db8', crs: 1393 },
  { seed: 15, shape: [1, 3, 50, 50], nframes: 1, flag4: true, after: [0, 0, 0, 0], groupdq: '894f97197c691fd9', pixeldq: 'b3e33f3eea063e48', crs: 352 },
  { seed: 16, shape: [1, 20, 25, 25], nframes: 1, flag4: false, after: [30, 3, 300, 30], groupdq: 'ee220505c0667912', pixeldq: 'a8d5ff685c9ff5c0', crs: 708 },
  { seed: 17, shape: [4, 6, 30, 30], nframes: 1, flag4: true, after: [0, 0, 0, 0], groupdq: 'a4a273add10297dc', pixeldq: '6ba9980b4ffe9fea', crs: 1433 },
] as const;

const sha = (a: KernelArray) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);

describe('jump step equals stcal on random ramps (iterative, single pass, after-jump, neighbours)', () => {
  for (const c of stcalOracle) {
    it(`seed ${c.seed}, ${c.shape.join('x')}`, async () => {
      const [nints, ngroups, rows, cols] = c.shape;
      const tile = stcalOracleTile(c.seed, { nints, ngroups, rows, cols });
      const meta = emptyMeta();
      Object.assign(meta.instrument, { name: 'NIRCAM' });
      Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: cols, ysize: rows });
      Object.assign(meta.exposure, { nframes: c.nframes, groupTime: 1 });
      const ramp = createRampModel({ meta, shape: [nints, ngroups, rows, cols], data: tile.data, groupdq: tile.groupdq, pixeldq: new Uint32Array(rows * cols) });
      const refs = { gain: await referenceFile('gain.fits', tile.gain, rows, cols), readnoise: await referenceFile('readnoise.fits', tile.readnoise, rows, cols) };
      const [afterJumpFlagDn1, afterJumpFlagTime1, afterJumpFlagDn2, afterJumpFlagTime2] = c.after;
      const result = await jumpStep(ramp, refs, {}, { flag4Neighbors: c.flag4, afterJumpFlagDn1, afterJumpFlagTime1, afterJumpFlagDn2, afterJumpFlagTime2 });
      expect(result.primaryCrs).toBe(c.crs);
      expect(sha(ramp.groupdq)).toBe(c.groupdq);
      expect(sha(ramp.pixeldq)).toBe(c.pixeldq);
    });
  }
});

/** Ramps with CRs of all sizes (many above the neighbour limit), saturated and NaN groups. */
function syntheticTile(shape: TileShape): Record<string, KernelArray> {
  const rand = random(5150);
  const plane = shape.rows * shape.cols;
  const gain = Float32Array.from({ length: plane }, () => (rand() < 0.02 ? NaN : 1.5 + rand()));
  const readnoise = Float32Array.from({ length: plane }, () => 5 + 10 * rand());
  const data = new Float32Array(shape.nints * shape.ngroups * plane);
  const groupdq = new Uint8Array(data.length);
  for (let int = 0; int < shape.nints; int++) {
    for (let p = 0; p < plane; p++) {
      const rate = 50 * rand();
      let level = 1000 * rand();
      for (let g = 0; g < shape.ngroups; g++) {
        const i = (int * shape.ngroups + g) * plane + p;
        if (g > 0 && rand() < 0.08) level += 2000 * rand() ** 2;
        level += rate + 8 * (rand() - 0.5);
        data[i] = rand() < 0.01 ? NaN : level;
        if (rand() < 0.02) groupdq[i] = pixel.SATURATED;
      }
    }
  }
  return { data, groupdq, pixeldq: new Uint32Array(plane), gain, readnoise, crs: new Uint32Array(plane) };
}

const copy = (arrays: Record<string, KernelArray>) => Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, v.slice()]));

describe('jump tiled == untiled', () => {
  let pools: typeof PoolApi;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/pool/node-worker.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
    pools = await import(join(root, 'dist/pool/node.js'));
    await ((await import(join(root, 'dist/kernels/load-node.js'))) as typeof LoaderApi).loadKernels();
  });

  const cases: [TileShape, JumpParams][] = [
    [{ nints: 2, ngroups: 6, rows: 23, cols: 17 }, defaults],
    [{ nints: 1, ngroups: 14, rows: 19, cols: 11 }, { ...defaults, mode: 'singlePass', afterJumpFlagE1: 500, afterJumpFlagN1: 2 }],
  ];
  for (const [shape, params] of cases) {
    it(`1-3 workers, bands of 1, 2, 3, 5, 16 rows and auto: ${params.mode}, ${shape.ngroups} groups`, async () => {
      const run = pools.runTiled as (p: KernelPool | undefined, k: string, a: object, s: TileShape, o: object) => Promise<void>;
      const input = syntheticTile(shape);
      const halo = jumpHalo(params);
      const untiled = copy(input);
      await run(undefined, 'jump', untiled, shape, { params, halo, maxBandRows: shape.rows });
      // Neighbour flags must cross band edges for the check to mean anything.
      const noNeighbours = copy(input);
      await run(undefined, 'jump', noNeighbours, shape, { params: { ...params, flag4Neighbors: false }, maxBandRows: shape.rows });
      const count = (a: Record<string, KernelArray>) => (a.groupdq as Uint8Array).filter((f) => f & JUMP).length;
      expect(count(untiled)).toBeGreaterThan(count(noNeighbours) + 20);
      await expectTiledEqualsUntiled('jump', input, shape, params, [1, 2, 3, 5, 16], { halo });
    });
  }
});

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden jump comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

describe.skipIf(!crds)('jump vs golden truth (jwst 3.0.0, default parameters)', () => {
  for (const caseName of goldenCases()) {
    if (!goldenManifest().cases[caseName].products.some((p) => p.variant === 'pipeline' && p.step === 'jump')) continue;
    it(`${caseName}: GROUPDQ and PIXELDQ on >= 99.99 % of elements, PRIMECRS`, async () => {
      const truth = goldenProduct(caseName, 'jump');
      const refs = goldenReferences(caseName, 'jump');
      const missing = [refs.gain, refs.readnoise, truth.file, truth.input].filter((p) => !p || !existsSync(p));
      if (missing.length > 0) {
        console.warn(`skipping jump on ${caseName}: not generated: ${missing.join(', ')}`);
        return;
      }
      const ramp = await readRamp(truth.input);
      const gain = await openFits(refs.gain);
      const readnoise = await openFits(refs.readnoise);
      try {
        expect((await jumpStep(ramp, { gain, readnoise })).status).toBe('COMPLETE');
      } finally {
        await gain.close();
        await readnoise.close();
      }
      expect(ramp.meta.refFiles.GAIN).toBe(truth.entry.keywords.R_GAIN);
      expect(ramp.meta.refFiles.READNO).toBe(truth.entry.keywords.R_READNO);
      const expected = await readRamp(truth.file);
      const groupdq = compareArrays('GROUPDQ', ramp.groupdq, expected.groupdq, { rtol: 0, atol: 0 });
      const pixeldq = compareArrays('PIXELDQ', ramp.pixeldq, expected.pixeldq, { rtol: 0, atol: 0 });
      const jumps = expected.groupdq.filter((f) => f & JUMP).length;
      console.info(
        `jump ${caseName}: ${jumps} JUMP groups in truth; GROUPDQ mismatches ${groupdq.outside}/${groupdq.count}, ` +
          `PIXELDQ mismatches ${pixeldq.outside}/${pixeldq.count}; PRIMECRS ours ${ramp.meta.exposure.primaryCosmicRays} ` +
          `truth ${expected.meta.exposure.primaryCosmicRays}`,
        groupdq.examples,
      );
      expect(groupdq.fractionOutside).toBeLessThanOrEqual(1e-4);
      expect(pixeldq.fractionOutside).toBeLessThanOrEqual(1e-4);
      expect(ramp.meta.exposure.primaryCosmicRays).toBe(expected.meta.exposure.primaryCosmicRays);
      expect(ramp.data).toEqual(expected.data);
    });
  }
});
