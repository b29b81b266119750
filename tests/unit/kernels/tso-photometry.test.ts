import { beforeAll, describe, expect, it } from 'vitest';
import { KernelParameterError, KernelShapeError, KernelTypeError, tsoApertureSums, type TsoPhotometryParams } from '../../../ts/kernels/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';

beforeAll(async () => {
  await loadKernels();
});

const params: TsoPhotometryParams = {
  integrationTime: 2,
  xcenter: 10,
  ycenter: 10,
  radius: 3,
  radiusInner: 4,
  centroidSource: false,
  searchBoxWidth: 41,
  fitBoxWidth: 11,
  movingCentroid: false,
  sumAll: false,
};

describe('tsoApertureSums through wasm', () => {
  /** CASE: a flat image of 1 DN/s, gain 1.5, 2 s: the exact r = 3 aperture holds 3 * 9π electrons. */
  it('sums the exact circular aperture in electrons', () => {
    const shape = { nints: 2, rows: 21, cols: 21 };
    const data = new Float32Array(2 * 21 * 21).fill(1);
    const sums = tsoApertureSums({ data, dq: new Uint32Array(data.length), gain: new Float32Array(21 * 21).fill(1.5) }, shape, params);
    expect(sums).toBeInstanceOf(Float64Array);
    expect(sums.length).toBe(2);
    for (const s of sums) expect(s).toBeCloseTo(3 * 9 * Math.PI, 12);
    // Without a gain the units stay DN/s; sumAll is the whole image.
    expect(tsoApertureSums({ data, dq: new Uint32Array(data.length) }, shape, params)[0]).toBeCloseTo(9 * Math.PI, 12);
    expect([...tsoApertureSums({ data, dq: new Uint32Array(data.length) }, shape, { ...params, sumAll: true })]).toEqual([441, 441]);
  });

  it('checks types, lengths and parameters', () => {
    const shape = { nints: 1, rows: 4, cols: 4 };
    const dq = new Uint32Array(16);
    expect(() => tsoApertureSums({ data: new Float64Array(16) as unknown as Float32Array, dq }, shape, params)).toThrow(KernelTypeError);
    expect(() => tsoApertureSums({ data: new Float32Array(15), dq }, shape, params)).toThrow(KernelShapeError);
    expect(() => tsoApertureSums({ data: new Float32Array(16), dq, gain: new Float32Array(4) }, shape, params)).toThrow(KernelShapeError);
    expect(() => tsoApertureSums({ data: new Float32Array(16), dq }, shape, { ...params, fitBoxWidth: 2.5 })).toThrow(KernelParameterError);
    expect(() => tsoApertureSums({ data: new Float32Array(16), dq }, shape, { ...params, radius: 0 })).toThrow(/radius/);
  });
});
