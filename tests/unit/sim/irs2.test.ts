/**
 * The NIRSpec IRS2 simulator (ts/sim/irs2.ts): DMS layout, determinism, signal on normal rows
 * only, the noisy interleaved pair, and the synthetic REFPIX reference's tables.
 */
import { describe, expect, it } from 'vitest';
import { irs2RefpixHdus, simulateIrs2 } from '../../../ts/sim/irs2.js';
import { irs2NormalMask } from '../../../ts/steps/refpix-irs2.js';

const [ROWS, COLS] = [3200, 2048];

describe('IRS2 simulator', () => {
  const a = simulateIrs2({ detector: 'NRS1', ngroups: 2, nints: 1, seed: 4 });

  it('writes 3200 x 2048 DMS frames, the same bytes for the same seed', () => {
    expect(a.shape).toEqual([1, 2, ROWS, COLS]);
    expect(a.data.length).toBe(2 * ROWS * COLS);
    const again = simulateIrs2({ detector: 'NRS1', ngroups: 2, nints: 1, seed: 4 });
    expect(Buffer.from(again.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(Buffer.from(simulateIrs2({ detector: 'NRS1', ngroups: 2, nints: 1, seed: 5 }).data.buffer).equals(Buffer.from(a.data.buffer))).toBe(false);
  });

  it('puts signal on normal rows only, and a noisy interleaved pair in the last group', () => {
    const normal = irs2NormalMask(ROWS, 16, 4);
    // the trace (detector rows ~1000 = DMS columns ~1000) accumulates on normal rows
    const trace = (g: number, r: number) => a.data[(g * ROWS + r) * COLS + 1000] - a.data[(g * ROWS + r) * COLS + 1500];
    expect(trace(1, 700) - trace(0, 700)).toBeGreaterThan(200);
    expect(Math.abs(trace(1, 648) - trace(0, 648))).toBeLessThan(80);
    expect(normal[700] && !normal[648]).toBe(true);
    // the noisy interleaved pair alternates by ±90 DN in the last group
    const [p] = a.noisyPair;
    expect(normal[p]).toBe(0);
    const change = (c: number) => a.data[(ROWS + p) * COLS + c] - a.data[p * COLS + c];
    const jumps = Array.from({ length: 8 }, (_, c) => change(c) - change(c + 1));
    expect(jumps.every((d) => Math.abs(d) > 100)).toBe(true);
  });

  it('builds a REFPIX reference with 2 x 712 x 2048 rows of 8 float32 columns and a DQ table', () => {
    const hdus = irs2RefpixHdus('NRS1', 1);
    const table = hdus[1];
    expect(table.kind).toBe('bintable');
    if (table.kind !== 'bintable') return;
    expect(table.nrows).toBe(2 * 712 * 2048);
    expect(table.columns.map((c) => c.name)).toEqual(['ALPHA_0', 'ALPHA_1', 'ALPHA_2', 'ALPHA_3', 'BETA_0', 'BETA_1', 'BETA_2', 'BETA_3']);
    const beta = table.columns[4].data as Float32Array;
    // low-pass: large at zero frequency, tiny at the Nyquist frequency
    expect(beta[0]).toBeGreaterThan(0.8);
    expect(Math.abs(beta[2 * 712 * 1024])).toBeLessThan(1e-3);
    expect(hdus[2].kind === 'bintable' && hdus[2].nrows).toBe(8);
  });
});
