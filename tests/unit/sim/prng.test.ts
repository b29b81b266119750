import { describe, expect, it } from 'vitest';
import { inverseNormal, pixelHash, pixelNormal, Rng } from '../../../ts/sim/prng.js';

function moments(values: Float64Array): { mean: number; variance: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { mean, variance: sq / (values.length - 1) };
}

describe('Rng', () => {
  it('repeats its stream for the same seed and stream id, and differs otherwise', () => {
    const draw = (seed: number, stream: number) => Array.from({ length: 8 }, ((r) => () => r.nextU32())(new Rng(seed, stream)));
    expect(draw(42, 1)).toEqual(draw(42, 1));
    expect(draw(42, 1)).not.toEqual(draw(42, 2));
    expect(draw(42, 1)).not.toEqual(draw(43, 1));
  });

  it('fillU32 continues the same stream as nextU32', () => {
    const a = new Rng(7, 3);
    const b = new Rng(7, 3);
    const bulk = new Uint32Array(1000);
    a.fillU32(bulk);
    for (let i = 0; i < bulk.length; i++) expect(bulk[i]).toBe(b.nextU32());
    expect(a.nextU32()).toBe(b.nextU32());
  });

  it('draws uniforms in [0, 1) and standard normals (ziggurat) with the right moments', () => {
    const rng = new Rng(1, 1);
    const n = 200000;
    const u = new Float64Array(n).map(() => rng.uniform());
    expect(Math.min(...u.subarray(0, 10000))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u.subarray(0, 10000))).toBeLessThan(1);
    const m = moments(u);
    expect(m.mean).toBeCloseTo(0.5, 2);
    expect(m.variance).toBeCloseTo(1 / 12, 3);
    const z = new Float64Array(n).map(() => rng.normal());
    const mz = moments(z);
    expect(Math.abs(mz.mean)).toBeLessThan(0.01); // 4.5 sigma for n = 2e5
    expect(mz.variance).toBeCloseTo(1, 1.5);
    // the tails exist: P(|z| > 3) = 0.27%
    const tail = z.filter((v) => Math.abs(v) > 3).length / n;
    expect(tail).toBeGreaterThan(0.0018);
    expect(tail).toBeLessThan(0.0037);
  });

  it('draws Poisson deviates with mean = variance = lambda (inversion and normal branches)', () => {
    const rng = new Rng(9, 9);
    for (const lambda of [0.3, 4, 25, 400]) {
      const k = new Float64Array(100000).map(() => rng.poisson(lambda));
      const m = moments(k);
      expect(Math.abs(m.mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / k.length) + 1e-9);
      expect(m.variance / lambda).toBeGreaterThan(0.97);
      expect(m.variance / lambda).toBeLessThan(1.03);
    }
  });
});

describe('per-pixel hashes', () => {
  it('depend only on (key, x, y)', () => {
    expect(pixelHash(5, 100, 200)).toBe(pixelHash(5, 100, 200));
    expect(pixelHash(5, 100, 200)).not.toBe(pixelHash(5, 200, 100));
    expect(pixelNormal(5, 1, 2)).toBe(pixelNormal(5, 1, 2));
  });

  it('pixelNormal is a standard normal over pixels', () => {
    const values = new Float64Array(256 * 256);
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) values[y * 256 + x] = pixelNormal(77, x, y);
    const m = moments(values);
    expect(Math.abs(m.mean)).toBeLessThan(0.02);
    expect(m.variance).toBeCloseTo(1, 1);
  });

  it('inverseNormal inverts the normal CDF', () => {
    expect(inverseNormal(0.5)).toBeCloseTo(0, 9);
    expect(inverseNormal(0.975)).toBeCloseTo(1.959964, 5);
    expect(inverseNormal(0.001)).toBeCloseTo(-3.090232, 5);
  });
});
