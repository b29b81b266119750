/**
 * jump (two-point difference, jwst defaults): spec §10 examples through the wasm kernel, the
 * step's parameters and bookkeeping, bad input, tiled == untiled with the neighbour halo, and
 * jwst's own `_jump` products of the golden cases.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FitsFile, Header, bytesSource, encodeFits } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits, openRamp } from '../../../ts/datamodels/node.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { jump, jumpHalo, type JumpArrays, type JumpParams } from '../../../ts/kernels/jump.js';
import { KernelParameterError, KernelShapeError, KernelTypeError } from '../../../ts/kernels/errors.js';
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import { jumpStep, JumpStepError } from '../../../ts/steps/jump.js';
import { compareArrays, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { random } from './tiled-equivalence.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const JUMP = pixel.JUMP_DET;

beforeAll(async () => {
  await loadKernels();
});

const defaults: JumpParams = {
  mode: 'iterative',
  rejectionThreshold: 4,
  threeGroupRejectionThreshold: 6,
  fourGroupRejectionThreshold: 5,
  flag4Neighbors: true,
  minJumpToFlagNeighbors: 10,
  maxJumpToFlagNeighbors: 1000,
  nframes: 1,
  afterJumpFlagE1: 0,
  afterJumpFlagN1: 0,
  afterJumpFlagE2: 0,
  afterJumpFlagN2: 0,
};

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

async function referenceFile(name: string, data: Float32Array, rows: number, cols: number): Promise<FitsFile> {
  const chunks = encodeFits([
    { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', cols).set('SUBSIZE2', rows) },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape: [rows, cols] },
  ]);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);
  return FitsFile.open(bytesSource(bytes, name));
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
    expect(result).toEqual({ status: 'COMPLETE', primaryCrs: 1 });
    expect(ramp.meta.calStep.JUMP).toBe('COMPLETE');
    expect(ramp.meta.refFiles).toMatchObject({ GAIN: 'gain.fits', READNO: 'readnoise.fits' });
    // 1000 · 1 CR / (10 s · (6 − 1) groups · 9 px)
    expect(ramp.meta.exposure.primaryCosmicRays).toBe(1000 / (10 * 5 * 9));
    expect(ramp.meta.exposure.extendedEmissionEvents).toBe(0);
    expect(log.some((m) => /1 primary CRs; 5 groups in 5 pixels/.test(m))).toBe(true);
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

  it('throws a clear error for snowballs, showers and sigma clipping (not implemented yet)', async () => {
    const refs = await references();
    await expect(jumpStep(model([0, 10, 20]), refs, {}, { expandLargeEvents: true })).rejects.toThrow(/expand_large_events.*not implemented yet/);
    await expect(jumpStep(model([0, 10, 20]), refs, {}, { findShowers: true })).rejects.toThrow(JumpStepError);
    await expect(jumpStep(model([0, 10, 20], 100), refs)).rejects.toThrow(/sigma-clipping.*not implemented yet/);
  });
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

function bytes(arrays: Record<string, KernelArray>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))]));
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
      for (const maxBandRows of [1, 4]) {
        const arrays = copy(input);
        await run(undefined, 'jump', arrays, shape, { params, halo, maxBandRows });
        expect(bytes(arrays), `in thread, maxBandRows ${maxBandRows}`).toEqual(bytes(untiled));
      }
      for (const size of [1, 2, 3]) {
        const pool = await pools.createNodePool({ size });
        try {
          for (const maxBandRows of [undefined, 1, 2, 3, 5, 16]) {
            const arrays = copy(input);
            await run(pool, 'jump', arrays, shape, { params, halo, maxBandRows });
            expect(bytes(arrays), `${size} workers, maxBandRows ${maxBandRows}`).toEqual(bytes(untiled));
          }
        } finally {
          await pool.destroy();
        }
      }
    });
  }
});

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden jump comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

async function readInput(path: string): Promise<RampModel> {
  const reader = await openRamp(path);
  return reader.readAll().finally(() => reader.file.close());
}

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
      const ramp = await readInput(truth.input);
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
      const expected = await readInput(truth.file);
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
