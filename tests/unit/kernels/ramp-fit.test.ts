/**
 * ramp_fit OLS_C through the wasm build: the worked examples of spec/steps/ramp_fitting.md §14
 * (produced by running stcal's C fitter) to float32 precision, the exposure-wide decisions,
 * and typed errors for bad input.
 *
 * Common setup unless noted: 1 integration, nframes=1, groupgap=0, tframe=tgroup=10 s,
 * gain=2 e/DN, readnoise=10 DN, no dark current, no flags.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  KernelParameterError,
  KernelShapeError,
  KernelTypeError,
} from '../../../ts/kernels/index.js';
import {
  fitRamps,
  planRampFit,
  RampFitStream,
  resolveGroupRange,
  type RampFitInput,
  type RampFitResult,
} from '../../../ts/kernels/ramp-fit.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { pixel } from '../../../ts/dq/index.js';
import { fileURLToPath } from 'node:url';
import { loadCase } from '../steps/ramp-fit-oracle-data.js';

beforeAll(async () => {
  await loadKernels();
});

const DNU = pixel.DO_NOT_USE;
const SAT = pixel.SATURATED;
const JUMP = pixel.JUMP_DET;
const CL = pixel.CHARGELOSS;

/** One pixel; `ramps[i]` is integration i. */
function pixelInput(ramps: number[][], dqs?: number[][], overrides: Partial<RampFitInput> = {}) {
  const ngroups = ramps[0].length;
  const input: RampFitInput = {
    data: Float32Array.from(ramps.flat()),
    groupdq: Uint8Array.from((dqs ?? ramps.map((r) => r.map(() => 0))).flat()),
    pixeldq: new Uint32Array(1),
    gain: Float32Array.of(2),
    readnoise: Float32Array.of(10),
    frameTime: 10,
    groupTime: 10,
    nframes: 1,
    groupgap: 0,
    ...overrides,
  };
  return { input, shape: { nints: ramps.length, ngroups, rows: 1, cols: 1 } };
}

function run(ramps: number[][], dqs?: number[][], overrides: Partial<RampFitInput> = {}): RampFitResult {
  const { input, shape } = pixelInput(ramps, dqs, overrides);
  const result = fitRamps(input, shape);
  expect(result).not.toBeNull();
  return result!;
}

/** Equal to float32 precision (4 ulp), NaN equal to NaN. */
function close(actual: number, expected: number, what = '') {
  if (Number.isNaN(expected)) return expect(actual, what).toBeNaN();
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    4 * 2 ** -23 * Math.max(Math.abs(expected), 1e-30),
  );
}

/** [slope, var_poisson, var_rnoise, err] and dq. */
function expectProduct(r: RampFitResult['rate'], at: number, values: number[], dq: number) {
  close(r.slope[at], values[0], 'slope');
  close(r.varPoisson[at], values[1], 'var_poisson');
  close(r.varRnoise[at], values[2], 'var_rnoise');
  close(r.err[at], values[3], 'err');
  expect(r.dq[at]).toBe(dq);
}

describe('ramp_fit OLS_C: spec §14 worked examples through wasm', () => {
  it('A: five clean groups', () => {
    const r = run([[10, 20, 30, 40, 50]]);
    expectProduct(r.rate, 0, [1, 0.0125, 0.05, 0.25], 0);
    expectProduct(r.rateints, 0, [1, 0.0125, 0.05, 0.25], 0);
  });

  it('B: optimal weights (P = 1) and fitopt', () => {
    const r = run([[0, 100, 200, 300, 410]], undefined, { gain: Float32Array.of(1), frameTime: 1, groupTime: 1, saveOpt: true });
    expectProduct(r.rate, 0, [2760 / 27, 25, 5, 5.477226], 0);
    const f = r.fitopt!;
    expect([f.maxSeg, f.maxCr]).toEqual([1, 0]);
    close(f.sigslope[0], 2.3570225);
    close(f.yint[0], -1.1111112);
    close(f.sigyint[0], 6.2360954);
    close(f.weights[0], 0.2);
    close(f.pedestal[0], -102.22222);
  });

  it('C: a jump splits the ramp into two segments', () => {
    const r = run([[10, 20, 30, 1040, 1060, 1080, 1100]], [[0, 0, 0, JUMP, 0, 0, 0]], { saveOpt: true });
    expectProduct(r.rateints, 0, [1.7142857, 0.02, 0.07142857, 0.3038218], JUMP);
    expectProduct(r.rate, 0, [1.7142857, 0.02, 0.07142857, 0.3023716], JUMP);
    const f = r.fitopt!;
    expect([f.maxSeg, f.maxCr]).toEqual([2, 1]);
    expect([...f.slope]).toEqual([1, 2]);
    expect([...f.weights]).toEqual([4, 10]);
    close(f.yint[1], 980);
    close(f.sigslope[1], 6.440099);
    close(f.crmag[0], 1010);
    close(f.pedestal[0], 8.285714);
  });

  it('D: two integrations, rate weighted over all segments', () => {
    const r = run(
      [
        [10, 20, 30, 40, 50, 60],
        [10, 20, 30, 1040, 1060, 1080],
      ],
      [
        [0, 0, 0, 0, 0, 0],
        [0, 0, 0, JUMP, 0, 0],
      ],
    );
    expectProduct(r.rateints, 1, [1.5, 0.015625, 0.125, 0.375], JUMP);
    expectProduct(r.rate, 0, [1.0930233, 0.006944444, 0.02325581, 0.1737822], JUMP);
  });

  it('E: saturation and short ramps', () => {
    expectProduct(run([[100, 200, 300, 400, 500]], [[0, 0, SAT, SAT, SAT]]).rate, 0, [10, 0.5, 1, 1.224745], SAT);
    const one = [[100, 200, 300, 400, 500]];
    const oneDq = [[0, SAT, SAT, SAT, SAT]];
    expectProduct(run(one, oneDq).rate, 0, [NaN, 0, 0, 0], DNU | SAT);
    expectProduct(run(one, oneDq, { suppressOneGroup: false }).rate, 0, [10, 0.5, 1, 1.224745], SAT);
    // One group: suppress_one_group is forced off and the 0th-group timing applies.
    expectProduct(run([[100]]).rate, 0, [10, 0.5, 1, 1.224745], 0);
    expectProduct(run([[100, 150]]).rate, 0, [5, 0.25, 1, 1.118034], 0);
    const twoInts = run(
      [
        [100, 150, 200],
        [100, 150, 200],
      ],
      [
        [SAT, SAT, SAT],
        [0, 0, 0],
      ],
    );
    expectProduct(twoInts.rateints, 0, [NaN, 0, 0, 0], DNU | SAT);
    expectProduct(twoInts.rate, 0, [5, 0.0625, 0.25, 0.559017], SAT);
  });

  it('E: ZEROFRAME replaces a fully saturated ramp only with suppress_one_group off', () => {
    const input = (suppress: boolean): RampFitInput => ({
      data: Float32Array.of(500, 100, 600, 150, 700, 200),
      groupdq: Uint8Array.of(SAT, 0, SAT, 0, SAT, 0),
      pixeldq: new Uint32Array(2),
      gain: Float32Array.of(2, 2),
      readnoise: Float32Array.of(10, 10),
      zeroframe: Float32Array.of(30, 40),
      frameTime: 10,
      groupTime: 10,
      nframes: 1,
      groupgap: 0,
      suppressOneGroup: suppress,
    });
    const shape = { nints: 1, ngroups: 3, rows: 1, cols: 2 };
    expectProduct(fitRamps(input(true), shape)!.rate, 0, [NaN, 0, 0, 0], DNU | SAT);
    expectProduct(fitRamps(input(false), shape)!.rate, 0, [3, 0.15, 1, 1.0723805], SAT);
  });

  it('F: CHARGELOSS recomputes only VAR_RNOISE', () => {
    const cl = CL | DNU;
    const r = run([[10, 20, 30, 40, 50, 60]], [[0, 0, 0, cl, cl, cl]]);
    expectProduct(r.rate, 0, [1, 0.025, 0.02857143, 0.5244044], 0);
  });

  it('G: nframes/groupgap, DO_NOT_USE split, negative ramp with dark current, high-SNR 3 groups', () => {
    expectProduct(run([[10, 20, 30, 40, 50]], undefined, { nframes: 4, groupgap: 1, frameTime: 2 }).rate, 0, [1, 0.0125, 0.0125, 0.1581139], 0);
    const split = run([[10, 20, 30, 40, 50, 60]], [[0, 0, DNU, 0, 0, 0]]);
    close(split.rate.varRnoise[0], 0.2);
    close(split.rate.err[0], 0.4654747);
    close(split.rateints.err[0], 0.4668239);
    const dark = run([[50, 40, 30, 20, 10]], undefined, { averageDarkCurrent: Float32Array.of(0.5) });
    close(dark.rate.slope[0], -1);
    close(dark.rate.varPoisson[0], 0.00625);
    const high = run([[0, 1000, 2100]], undefined, { gain: Float32Array.of(1), frameTime: 1, groupTime: 1 });
    close(high.rate.slope[0], 1050);
    close(high.rate.varPoisson[0], 525);
    close(high.rate.varRnoise[0], 25);
  });

  it('bad gain gives NaN with DO_NOT_USE|NO_GAIN_VALUE', () => {
    for (const gain of [0, -1, NaN]) {
      const r = run([[10, 20, 30, 40, 50]], undefined, { gain: Float32Array.of(gain) });
      expectProduct(r.rate, 0, [NaN, 0, 0, 0], DNU | pixel.NO_GAIN_VALUE);
    }
  });
});

describe('ramp_fit exposure-wide decisions', () => {
  const shape = { nints: 1, ngroups: 4, rows: 1, cols: 2 };
  const base = (groupdq: number[], extra: Partial<RampFitInput> = {}): RampFitInput => ({
    data: Float32Array.from({ length: 8 }, (_, k) => 10 * k),
    groupdq: Uint8Array.from(groupdq),
    pixeldq: new Uint32Array(2),
    gain: Float32Array.of(2, 2),
    readnoise: Float32Array.of(10, 10),
    frameTime: 10,
    groupTime: 10,
    nframes: 1,
    groupgap: 0,
    ...extra,
  });

  it('returns no products when every first group is saturated', () => {
    expect(planRampFit(base([SAT, SAT, 0, 0, 0, 0, 0, 0]), shape)).toEqual({ noProducts: 'all-first-groups-saturated' });
    expect(fitRamps(base([SAT, SAT, 0, 0, 0, 0, 0, 0]), shape)).toBeNull();
    expect('params' in planRampFit(base([SAT, 0, 0, 0, 0, 0, 0, 0]), shape)).toBe(true);
  });

  it('MIRI: drops leading and final all-DO_NOT_USE groups, clears JUMP in the new first group', () => {
    const plan = planRampFit(base([DNU, DNU, JUMP, 0, 0, 0, DNU, DNU], { instrument: 'MIRI' }), shape);
    expect(plan).toMatchObject({ params: { groupStart: 1, groupStop: 3, clearFirstJump: true } });
    // Not MIRI: nothing trimmed.
    expect(planRampFit(base([DNU, DNU, 0, 0, 0, 0, DNU, DNU]), shape)).toMatchObject({ params: { groupStart: 0, groupStop: 4 } });
    expect(planRampFit(base(Array(8).fill(DNU), { instrument: 'MIRI' }), shape)).toEqual({ noProducts: 'miri-all-groups-do-not-use' });
    // One usable group left: with suppress_one_group (applied first, as in stcal) it is DO_NOT_USE too.
    const oneLeft = [DNU, DNU, DNU, DNU, 0, 0, DNU, DNU];
    expect(planRampFit(base(oneLeft, { instrument: 'MIRI' }), shape)).toEqual({ noProducts: 'miri-all-groups-do-not-use' });
    expect(planRampFit(base(oneLeft, { instrument: 'MIRI', suppressOneGroup: false }), shape)).toEqual({
      noProducts: 'miri-fewer-than-2-groups',
    });
  });

  it('MIRI: a pixel suppressed for a single good group counts as DO_NOT_USE', () => {
    // Pixel 0: group 0 is its only good group (the rest saturated) -> suppressed -> DNU everywhere.
    const groupdq = [0, DNU, SAT, 0, SAT, 0, SAT, 0];
    expect(planRampFit(base(groupdq, { instrument: 'MIRI' }), shape)).toMatchObject({ params: { groupStart: 1 } });
    expect(planRampFit(base(groupdq, { instrument: 'MIRI', suppressOneGroup: false }), shape)).toMatchObject({
      params: { groupStart: 0 },
    });
  });

  it('resolves firstgroup/lastgroup as jwst set_groupdq does', () => {
    expect(resolveGroupRange(undefined, undefined, 10)).toEqual({ firstGroup: 0, lastGroup: 9 });
    expect(resolveGroupRange(2, 7, 10)).toEqual({ firstGroup: 2, lastGroup: 7 });
    expect(resolveGroupRange(-3, null, 10)).toEqual({ firstGroup: 0, lastGroup: 9 });
    expect(resolveGroupRange(5, 5, 10)).toEqual({ firstGroup: 0, lastGroup: 9 });
    expect(resolveGroupRange(null, 0, 10)).toEqual({ firstGroup: 0, lastGroup: 9 });
    expect(resolveGroupRange(3, 20, 10)).toEqual({ firstGroup: 3, lastGroup: 20 });
  });
});

describe('ramp_fit of rows of a staged band (the chain)', () => {
  it('equals the fit of those rows alone, and names what is wrong', async () => {
    const { Stage } = await import('../../../wasm-pkg/detector1_wasm.js');
    const { kernelMemory } = await import('../../../ts/kernels/module.js');
    const { fitStagedRows, TASK_OUTPUTS } = await import('../../../ts/kernels/ramp-fit.js');
    const band = { nints: 2, ngroups: 5, rows: 9, cols: 6 };
    const plane = band.rows * band.cols;
    const cube = band.nints * band.ngroups * plane;
    let state = 7;
    const next = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const data = Float32Array.from({ length: cube }, (_, k) => 1000 + 40 * Math.floor(k / plane) + 30 * next() + (next() < 0.03 ? 5000 : 0));
    const groupdq = Uint8Array.from({ length: cube }, () => (next() < 0.05 ? JUMP : next() < 0.03 ? SAT : 0));
    const pixeldq = Uint32Array.from({ length: plane }, () => (next() < 0.05 ? DNU : 0));
    const gain = Float32Array.from({ length: plane }, () => 1.5 + next());
    const readnoise = Float32Array.from({ length: plane }, () => 8 + 4 * next());
    const [row0, rows] = [3, 4];
    const own = rows * band.cols;
    // The rows alone, fitted as any tile.
    const cut = <T extends Float32Array | Uint8Array | Uint32Array>(a: T, planes: number) => {
      const out = new (a.constructor as new (n: number) => T)(planes * own);
      for (let k = 0; k < planes; k++) out.set(a.subarray(k * plane + row0 * band.cols, k * plane + (row0 + rows) * band.cols) as never, k * own);
      return out;
    };
    const shape = { ...band, rows };
    const input: RampFitInput = { data: cut(data, band.nints * band.ngroups), groupdq: cut(groupdq, band.nints * band.ngroups), pixeldq: cut(pixeldq, 1), gain: cut(gain, 1), readnoise: cut(readnoise, 1), frameTime: 10, groupTime: 10, nframes: 1, groupgap: 0 };
    const alone = fitRamps(input, shape)!;
    const plan = planRampFit(input, shape);
    if ('noProducts' in plan) throw new Error('no products');
    // The band staged as the chain leaves it: f32 [data, gain, readnoise, dark], u8 [groupdq], u32 [pixeldq].
    const stage = new Stage();
    const put = <T extends Float32Array | Uint8Array | Uint32Array>(kind: 'f32' | 'u8' | 'u32', slot: number, values: T) => {
      const address = stage.slot(kind, slot, values.length);
      const View = values.constructor as new (b: ArrayBufferLike, o: number, n: number) => T;
      new View(kernelMemory().buffer, address, values.length).set(values as never);
    };
    put('f32', 0, data);
    put('f32', 1, gain);
    put('f32', 2, readnoise);
    stage.slot('f32', 3, 0);
    put('u8', 0, groupdq);
    put('u32', 0, pixeldq);
    const outputs = Object.fromEntries(Object.entries(TASK_OUTPUTS).map(([key, [type, layout]]) => [key, new type((layout === 'plane' ? 1 : band.nints) * own)]));
    fitStagedRows(stage, band, { row0, rows }, plan.params, outputs as never);
    const o = outputs as Record<string, Float32Array | Uint32Array>;
    expect(Array.from(o.rateSlope)).toEqual(Array.from(alone.rate.slope));
    expect(Array.from(o.rateDq)).toEqual(Array.from(alone.rate.dq));
    expect(Array.from(o.rateErr)).toEqual(Array.from(alone.rate.err));
    expect(Array.from(o.rateintsSlope)).toEqual(Array.from(alone.rateints.slope));
    expect(Array.from(o.rateintsVarPoisson)).toEqual(Array.from(alone.rateints.varPoisson));
    expect(alone.rate.slope.some(Number.isFinite)).toBe(true);
    // Encoded as the chain gives them to the products: the file's words (big-endian, DQ with
    // BZERO 2^31) and their sums, per product and integration. Three rows: 18 pixels, not whole quads.
    const { encodePixels } = await import('../../../ts/io/fits/pixels.js');
    const { onesComplementSum } = await import('../../../ts/io/fits/index.js');
    const fresh = (n: number) => Object.fromEntries(Object.entries(TASK_OUTPUTS).map(([key, [type, layout]]) => [key, new type((layout === 'plane' ? 1 : band.nints) * n)])) as Record<string, Float32Array | Uint32Array>;
    const odd = { row0, rows: 3 };
    const [values, words] = [fresh(3 * band.cols), fresh(3 * band.cols)];
    fitStagedRows(stage, band, odd, plan.params, values as never);
    const sums = fitStagedRows(stage, band, odd, plan.params, words as never, true);
    expect(sums).toHaveLength(1 + band.nints);
    const keys = { data: 'Slope', dq: 'Dq', varPoisson: 'VarPoisson', varRnoise: 'VarRnoise', err: 'Err' } as const;
    for (const [i, prefix] of [[0, 'rate'], ...Array.from({ length: band.nints }, (_, i) => [i, 'rateints'] as const)] as const) {
      const n = 3 * band.cols;
      for (const [key, suffix] of Object.entries(keys) as [keyof typeof keys, string][]) {
        const file = new Uint8Array(4 * n);
        encodePixels(values[prefix + suffix].subarray(i * n, (i + 1) * n), file);
        const got = words[prefix + suffix].subarray(i * n, (i + 1) * n);
        expect(new Uint8Array(got.buffer, got.byteOffset, got.byteLength), `${prefix}.${key} ${i}`).toEqual(file);
        expect(sums[prefix === 'rate' ? 0 : 1 + i][key], `${prefix}.${key} ${i}`).toBe(onesComplementSum(file));
      }
    }
    // Rows outside the band, and a plane of the wrong length, are named.
    expect(() => fitStagedRows(stage, band, { row0: 7, rows: 4 }, plan.params, outputs as never)).toThrow(KernelParameterError);
    expect(() => fitStagedRows(stage, band, { row0: 7, rows: 4 }, plan.params, outputs as never)).toThrow(/own_rows/);
    stage.slot('f32', 1, plane - 1);
    expect(() => fitStagedRows(stage, band, { row0, rows }, plan.params, outputs as never)).toThrow(KernelShapeError);
    expect(() => fitStagedRows(stage, band, { row0, rows }, plan.params, outputs as never)).toThrow(/gain/);
    stage.free();
  });
});

describe('ramp_fit bad input', () => {
  const shape = { nints: 1, ngroups: 3, rows: 2, cols: 2 };
  const good = (): RampFitInput => ({
    data: new Float32Array(12),
    groupdq: new Uint8Array(12),
    pixeldq: new Uint32Array(4),
    gain: new Float32Array(4).fill(2),
    readnoise: new Float32Array(4).fill(10),
    frameTime: 10,
    groupTime: 10,
    nframes: 1,
    groupgap: 0,
  });

  it('accepts the good input', () => {
    expect(fitRamps(good(), shape)).not.toBeNull();
  });

  it('rejects mismatched shapes, naming the argument', () => {
    const cases: [Partial<RampFitInput>, RegExp][] = [
      [{ groupdq: new Uint8Array(11) }, /`groupdq` has 11 elements but shape \(1, 3, 2, 2\) needs 12/],
      [{ data: new Float32Array(13) }, /`data` has 13 elements/],
      [{ gain: new Float32Array(3) }, /`gain` has 3 elements but shape \(2, 2\) needs 4/],
      [{ readnoise: new Float32Array(5) }, /`readnoise` has 5 elements/],
      [{ zeroframe: new Float32Array(2) }, /`zeroframe` has 2 elements but shape \(1, 2, 2\) needs 4/],
    ];
    for (const [override, message] of cases) {
      const call = () => fitRamps({ ...good(), ...override }, shape);
      expect(call).toThrow(KernelShapeError);
      expect(call).toThrow(message);
    }
  });

  it('rejects ngroups 0 and other non-positive dimensions', () => {
    const call = () => fitRamps({ ...good(), data: new Float32Array(0), groupdq: new Uint8Array(0) }, { ...shape, ngroups: 0 });
    expect(call).toThrow(KernelShapeError);
    expect(call).toThrow(/shape.ngroups must be a positive integer, got 0/);
  });

  it('rejects a groupdq of the wrong dtype', () => {
    for (const wrong of [new Uint16Array(12), new Float32Array(12), new Int8Array(12)]) {
      const call = () => fitRamps({ ...good(), groupdq: wrong as unknown as Uint8Array }, shape);
      expect(call).toThrow(KernelTypeError);
      expect(call).toThrow(/`groupdq` must be a Uint8Array, got/);
    }
  });

  it('rejects bad scalars with KernelParameterError', () => {
    for (const override of [{ groupTime: 0 }, { frameTime: NaN }, { nframes: 0 }, { groupgap: -1 }, { firstgroup: 1.5 }]) {
      const call = () => fitRamps({ ...good(), ...override }, shape);
      expect(call).toThrow(KernelParameterError);
    }
  });

  it('surfaces a Rust-side parameter error with its code', () => {
    // Finite in float64 but infinite as the float32 stcal uses: only the kernel sees it.
    const call = () => fitRamps({ ...good(), frameTime: 3.4e39 }, shape);
    expect(call).toThrow(KernelParameterError);
    expect(call).toThrow(/rampFit: parameter `frame_time` is invalid/);
  });
});

describe('RampFitStream: one integration at a time', () => {
  const golden = fileURLToPath(new URL('../../golden/ramp_fit', import.meta.url));
  const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

  for (const name of ['mixed', 'multi_int', 'zeroframe_suppress_off', 'chargeloss', 'miri_trim']) {
    it(`${name}: equals the whole-tile fit bit for bit`, () => {
      const c = loadCase(golden, name);
      const input = { ...c.input, saveOpt: false };
      const plan = planRampFit(input, c.shape);
      if (!('params' in plan)) throw new Error('expected products');
      const whole = fitRamps(input, c.shape)!;
      const { nints, ngroups, rows, cols } = c.shape;
      const per = ngroups * rows * cols;
      const plane = rows * cols;
      const one = (i: number) => ({
        data: input.data.subarray(i * per, (i + 1) * per),
        groupdq: input.groupdq.subarray(i * per, (i + 1) * per),
        zeroframe: input.zeroframe?.subarray(i * plane, (i + 1) * plane),
      });
      const stream = new RampFitStream(input, c.shape, plan.params);
      try {
        for (let i = 0; i < nints; i++) stream.addMedian(i, one(i).data, one(i).groupdq, one(i).zeroframe);
        for (let i = 0; i < nints; i++) {
          const ints = stream.fitIntegration(i, one(i).data, one(i).groupdq, one(i).zeroframe);
          for (const key of ['slope', 'dq', 'varPoisson', 'varRnoise', 'err'] as const) {
            expect(bytes(ints[key]), `${key} of integration ${i}`).toBe(bytes(whole.rateints[key].subarray(i * plane, (i + 1) * plane)));
          }
        }
        const rate = stream.finish();
        for (const key of ['slope', 'dq', 'varPoisson', 'varRnoise', 'err'] as const) expect(bytes(rate[key])).toBe(bytes(whole.rate[key]));
      } finally {
        stream.free();
      }
    });
  }

  it('rejects calls out of order and wrong-size integrations with typed errors', () => {
    const c = loadCase(golden, 'clean');
    const plan = planRampFit(c.input, c.shape);
    if (!('params' in plan)) throw new Error('expected products');
    const stream = new RampFitStream(c.input, c.shape, plan.params);
    try {
      expect(() => stream.finish()).toThrow(KernelParameterError);
      expect(() => stream.fitIntegration(0, c.input.data, c.input.groupdq)).toThrow(/expected add_median for integration 0/);
      expect(() => stream.addMedian(0, c.input.data.subarray(1), c.input.groupdq)).toThrow(KernelShapeError);
    } finally {
      stream.free();
    }
    expect(() => new RampFitStream(c.input, c.shape, { ...plan.params, saveOpt: true })).toThrow(/no fitopt/);
  });
});

describe('ramp_fit OLS_C SIMD paths through wasm', () => {
  /**
   * Clean pixels and pixels flagged JUMP_DET only (grouped by jump pattern) go four at a time
   * through f64x2 lanes; with saveOpt every pixel takes the per-pixel core. Rate and rateints
   * must be the same bytes, for patterns the lanes take and ones they leave to the core, one
   * and several integrations, and group selection.
   */
  function jumpRamp(nints: number, ngroups: number, rows: number, cols: number, seed: number): RampFitInput {
    const plane = rows * cols;
    let s = seed;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    const data = new Float32Array(nints * ngroups * plane);
    const groupdq = new Uint8Array(data.length);
    const masks = [0, 0, 1, 2, 1 << (ngroups - 1), 0b1100, 0b10010, (1 << ngroups) - 1 - 8, 0b0101010101 & ((1 << ngroups) - 1)];
    for (let p = 0; p < plane; p++) {
      const rate = 300 * rnd() - 10;
      const mask = masks[Math.floor(rnd() * masks.length)];
      for (let i = 0; i < nints; i++) {
        // Every 5th pixel gets another pattern in its last integration.
        const m = p % 5 === 2 && i === nints - 1 && nints > 1 ? mask ^ 4 : mask;
        let level = 100 + 50 * rnd();
        for (let g = 0; g < ngroups; g++) {
          const at = (i * ngroups + g) * plane + p;
          if ((m >> g) & 1) {
            groupdq[at] = JUMP;
            level += 500 * rnd();
          }
          level += rate * 10.7 + 10 * (rnd() - 0.5);
          data[at] = level;
        }
      }
    }
    return {
      data,
      groupdq,
      pixeldq: new Uint32Array(plane),
      gain: Float32Array.from({ length: plane }, () => 1 + 3 * rnd()),
      readnoise: Float32Array.from({ length: plane }, () => 5 + 10 * rnd()),
      frameTime: 10.7,
      groupTime: 10.7,
      nframes: 1,
      groupgap: 0,
    };
  }

  const bytesOf = (r: RampFitResult) =>
    [r.rate, r.rateints].flatMap((p) => Object.values(p).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')));

  for (const [nints, ngroups] of [
    [1, 10],
    [3, 6],
    [2, 17],
  ]) {
    it(`equal the per-pixel core: ${nints} integration(s) of ${ngroups} groups`, () => {
      const shape = { nints, ngroups, rows: 9, cols: 23 };
      const input = jumpRamp(nints, ngroups, shape.rows, shape.cols, 17 * nints + ngroups);
      for (const options of [{}, { suppressOneGroup: false }, { firstgroup: 1, lastgroup: ngroups - 2 }]) {
        const fast = fitRamps({ ...input, ...options }, shape)!;
        const core = fitRamps({ ...input, ...options, saveOpt: true }, shape)!;
        expect(bytesOf(fast), JSON.stringify(options)).toEqual(bytesOf(core));
        expect(fast.rate.dq.some((q) => q & JUMP)).toBe(true);
      }
    });
  }
});
