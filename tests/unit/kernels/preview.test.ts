import { beforeAll, describe, expect, it } from 'vitest';
import { displayLimits, KernelParameterError, KernelShapeError, KernelTypeError, renderPreview } from '../../../ts/kernels/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';

beforeAll(async () => {
  await loadKernels();
});

describe('preview kernel through wasm', () => {
  /** CASE: the ramp 0..99: zscale's fit is exact (slope 1) and the limits are the extremes. */
  it('gives zscale, minmax and percentile limits', () => {
    const ramp = Float32Array.from({ length: 100 }, (_, i) => 99 - i);
    expect(displayLimits(ramp)).toEqual({ vmin: 0, vmax: 99 });
    // contrast 100: slope 0.01 around the median 49.5 -> 49.5 - 48 * 0.01, 49.5 + 51 * 0.01.
    const narrow = displayLimits(ramp, { kind: 'zscale', zscale: { contrast: 100 } });
    expect(narrow.vmin).toBeCloseTo(49.02, 12);
    expect(narrow.vmax).toBeCloseTo(50.01, 12);
    expect(displayLimits(ramp, { kind: 'minmax' })).toEqual({ vmin: 0, vmax: 99 });
    // 99 % of 0..99: positions 0.495 and 98.505.
    const central = displayLimits(ramp, { kind: 'percentile', percentile: 99 });
    expect(central.vmin).toBeCloseTo(0.495, 12);
    expect(central.vmax).toBeCloseTo(98.505, 12);
  });

  /** CASE: 2 x 4 image, factor 2 -> 1 x 2 blocks of (0 1 4 5) and (2 3 6 NaN): means 2.5 and 11/3. */
  it('renders top-down bytes after block averaging', () => {
    const image = Float32Array.of(0, 1, 2, 3, 4, 5, 6, NaN);
    const shown = renderPreview(image, 2, 4, { interval: { kind: 'minmax' }, stretch: { kind: 'linear' }, maxSize: 2 });
    expect(shown).toMatchObject({ width: 2, height: 1, channels: 1, factor: 2, nanPixels: 0, limits: { vmin: 0, vmax: 6 } });
    expect([...shown.pixels]).toEqual([Math.floor((2.5 / 6) * 256), Math.floor((11 / 3 / 6) * 256)]);
    const full = renderPreview(image, 2, 4, { interval: { kind: 'minmax' }, stretch: { kind: 'linear' }, nanColor: [0, 0, 255] });
    expect(full).toMatchObject({ width: 4, height: 2, channels: 3, nanPixels: 1 });
    expect([...full.pixels.subarray(0, 3)]).toEqual([170, 170, 170]); // 4 / 6 * 256 = 170.7: the top row is image row 1
    expect([...full.pixels.subarray(9, 12)]).toEqual([0, 0, 255]);
  });

  it('throws typed errors', () => {
    expect(() => displayLimits(new Float32Array([NaN, Infinity]))).toThrow(KernelParameterError);
    expect(() => displayLimits(new Float32Array([NaN, Infinity]))).toThrow(/no finite pixel/);
    expect(() => renderPreview(new Float32Array(3), 2, 2)).toThrow(KernelShapeError);
    expect(() => renderPreview(new Float64Array(4) as unknown as Float32Array, 2, 2)).toThrow(KernelTypeError);
    expect(() => renderPreview(new Float32Array(4), 2, 2, { nanColor: [0, 0, 256] })).toThrow(KernelParameterError);
    expect(() => renderPreview(new Float32Array(4), 2, 2, { stretch: { kind: 'asinh', a: 0 } })).toThrow(/asinh softening 0 must be > 0/);
  });
});
