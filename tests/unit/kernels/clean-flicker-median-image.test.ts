// clean_flicker_noise's median image kernels through wasm: the median ramp, the float32 (draft
// rate medians) and float64 (TSO aperture sums) scales, the cleaning with either, and bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cleanFlickerFluxNorms,
  cleanFlickerIntegrationMedianImage,
  cleanFlickerMedianRamp,
  cleanFlickerRateNorms,
  KernelParameterError,
  KernelShapeError,
} from '../../../ts/kernels/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';

beforeAll(async () => {
  await loadKernels();
});

describe('clean_flicker_noise median image kernels', () => {
  it('median ramp over integrations (NaN ignored) and the scales, float32 and float64', () => {
    // 3 integrations x 2 groups x 2 pixels
    const data = Float32Array.from([1, 2, 3, 4, 5, NaN, 7, 8, 3, 4, 5, 6]);
    expect([...cleanFlickerMedianRamp(data, { nints: 3, ngroups: 2, plane: 2 })]).toEqual([3, 3, 5, 6]);
    // medians 1, 2 and NaN: over their median 1.5; the NaN one takes the median of the others
    const rates = cleanFlickerRateNorms(Float32Array.from([1, 1, 2, 2, NaN, NaN]), { nints: 3, plane: 2 });
    expect(rates).toBeInstanceOf(Float32Array);
    expect([...rates]).toEqual([Math.fround(1 / 1.5), Math.fround(2 / 1.5), Math.fround((Math.fround(1 / 1.5) + Math.fround(2 / 1.5)) / 2)]);
    const fluxes = cleanFlickerFluxNorms(Float64Array.from([2, 4, NaN, 3]));
    expect(fluxes).toBeInstanceOf(Float64Array);
    expect([...fluxes]).toEqual([2 / 3, 4 / 3, 1, 1]);
  });

  it('cleans with a float64 scale as numpy does with a float64 median image', () => {
    const [ngroups, rows, cols] = [1, 2, 3];
    const medianRamp = Float32Array.from([1000.1, 1000.2, 1000.3, 1000.4, 1000.5, 1000.6]);
    const source = Float32Array.from([334, 333.5, 335, 336, 334.1, 333.9]);
    const run = (scale: { value: number; float64: boolean }) => {
      const data = source.slice();
      const background = new Float32Array(6);
      const report = cleanFlickerIntegrationMedianImage({ data, medianRamp, sceneMask: new Uint8Array(6).fill(1), background }, scale, { ngroups, rows, cols }, {
        method: 'median',
        arrayAxis: 1,
        byChannel: false,
      });
      expect(report).toEqual({ skippedGroups: [], failedGroup: undefined });
      return { data, background };
    };
    const wide = run({ value: 1 / 3, float64: true });
    // float32(scale * median), the product in float64; with a float32 scale, a float32 product
    expect([...wide.background]).toEqual([...medianRamp].map((m) => Math.fround((1 / 3) * m)));
    const narrow = run({ value: 1 / 3, float64: false });
    expect([...narrow.background]).toEqual([...medianRamp].map((m) => Math.fround(Math.fround(1 / 3) * m)));
    expect(wide.background).not.toEqual(narrow.background);
  });

  it('refuses wrong lengths and scales it cannot normalise', () => {
    expect(() => cleanFlickerMedianRamp(new Float32Array(11), { nints: 3, ngroups: 2, plane: 2 })).toThrow(KernelShapeError);
    expect(() => cleanFlickerRateNorms(new Float32Array(5), { nints: 3, plane: 2 })).toThrow(KernelShapeError);
    expect(() => cleanFlickerRateNorms(new Float32Array(6).fill(NaN), { nints: 3, plane: 2 })).toThrow(KernelParameterError);
    expect(() => cleanFlickerFluxNorms(Float64Array.from([NaN, NaN]))).toThrow(/no valid flux/);
    expect(() =>
      cleanFlickerIntegrationMedianImage(
        { data: new Float32Array(6), medianRamp: new Float32Array(5), sceneMask: new Uint8Array(6) },
        { value: 1, float64: false },
        { ngroups: 1, rows: 2, cols: 3 },
        { method: 'median', arrayAxis: 1, byChannel: false },
      ),
    ).toThrow(/medianRamp/);
  });
});
