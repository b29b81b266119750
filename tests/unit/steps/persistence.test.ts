/**
 * persistence (jwst 3.0.0 flagging): windows from saturation and from dn_threshold, times from
 * EXPSTART/EFFINTTM or INT_TIMES, FAILED without a positive persistence_time, the persistence
 * array carried in and out, slices of integrations equal to the whole exposure, and tiled ==
 * untiled. jwst's own step on the same inputs: tests/python/test_nir_flag_steps_vs_jwst.py.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import type { FitsTable } from '../../../ts/io/fits/index.js';
import { pixel } from '../../../ts/dq/index.js';
import { KernelParameterError } from '../../../ts/kernels/errors.js';
import { persistence } from '../../../ts/kernels/persistence.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { persistenceArrayEntry, persistenceStep, PersistenceStepError, type PersistenceState } from '../../../ts/steps/persistence.js';
import { expectTiledEqualsUntiled, random } from './tiled-equivalence.js';

const SAT = pixel.SATURATED;
const PERS = pixel.PERSISTENCE;
/** MJD of the Unix epoch: EXPSTART at 0 s makes times easy to read. */
const EPOCH_MJD = 40587;

beforeAll(async () => {
  await loadKernels();
});

function ramp(shape: [number, number, number, number], groupdq: Uint8Array, data = new Float32Array(groupdq.length).fill(1)): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM', detector: 'NRCB1' });
  Object.assign(meta.exposure, { startTime: EPOCH_MJD, integrationTime: 100, groupTime: 10 });
  return createRampModel({ meta, shape, data, pixeldq: new Uint32Array(shape[2] * shape[3]), groupdq });
}

function intTimes(startsMjd: number[]): FitsTable {
  const columns = [{ name: 'int_start_MJD_UTC', format: 'D', type: 'D', repeat: 1, data: Float64Array.from(startsMjd) }];
  return { nrows: startsMjd.length, columns, column: () => columns[0] };
}

/** Flags of pixel `p` per (integration, group). */
const pixelFlags = (model: RampModel, p: number) => {
  const npix = model.shape[2] * model.shape[3];
  return Array.from({ length: model.shape[0] * model.shape[1] }, (_, k) => model.groupdq[k * npix + p]);
};

describe('persistence step', () => {
  it('opens a window at the first saturated group and drops it once it has ended', async () => {
    // Group times 10..50 s, then 110..150 s; window 25 s from 30 s (first SAT) to 55 s.
    const groupdq = new Uint8Array(20);
    for (let g = 2; g < 5; g++) groupdq[g * 2] = SAT;
    const model = ramp([2, 5, 1, 2], groupdq);
    const result = await persistenceStep(model, {}, { persistenceTime: 25 });
    expect(result.status).toBe('COMPLETE');
    expect(model.meta.calStep.PERSIS).toBe('COMPLETE');
    expect(pixelFlags(model, 0)).toEqual([0, 0, SAT | PERS, SAT | PERS, SAT | PERS, 0, 0, 0, 0, 0]);
    expect(pixelFlags(model, 1)).toEqual(new Array(10).fill(0));
    expect(Array.from(result.state!.window)).toEqual([0, 0]);
  });

  it('keeps a window across integrations; INT_TIMES starts win over EXPSTART + i * EFFINTTM', async () => {
    // Saturated throughout integration 0: one window, 10 s to 70 s.
    const groupdq = Uint8Array.from([SAT, SAT, SAT, SAT, 0, 0, 0, 0]);
    const model = ramp([2, 4, 1, 1], groupdq.slice());
    // Integration 1 at 100 s (EFFINTTM) is past the window...
    let result = await persistenceStep(model, {}, { persistenceTime: 60 });
    expect(pixelFlags(model, 0)).toEqual([...new Array(4).fill(SAT | PERS), 0, 0, 0, 0]);
    expect(result.state!.window[0]).toBe(0);
    // ...but with INT_TIMES starting it at 2^-12 day = 21.09375 s, its groups (31-61 s) are inside.
    const again = ramp([2, 4, 1, 1], groupdq.slice());
    again.intTimes = intTimes([EPOCH_MJD, EPOCH_MJD + 2 ** -12]);
    result = await persistenceStep(again, {}, { persistenceTime: 60 });
    expect(pixelFlags(again, 0)).toEqual([...new Array(4).fill(SAT | PERS), PERS, PERS, PERS, PERS]);
    expect(result.state!.window[0]).toBe(70);
  });

  it('dn_threshold opens windows; persistence_dnu adds DO_NOT_USE', async () => {
    const data = new Float32Array(4).fill(1);
    data[1 * 2 + 1] = 600;
    const model = ramp([1, 2, 1, 2], new Uint8Array(4), data);
    const result = await persistenceStep(model, {}, { persistenceTime: 100, dnThreshold: 500, persistenceDnu: true });
    expect(Array.from(model.groupdq)).toEqual([0, 0, 0, PERS | pixel.DO_NOT_USE]);
    expect(Array.from(result.state!.window)).toEqual([0, 120]);
  });

  it('is FAILED without a positive persistence_time, and rejects a fractional one', async () => {
    for (const persistenceTime of [null, 0, -5]) {
      const model = ramp([1, 2, 1, 1], Uint8Array.from([SAT, SAT]));
      expect((await persistenceStep(model, {}, { persistenceTime })).status).toBe('FAILED');
      expect(model.meta.calStep.PERSIS).toBe('FAILED');
      expect(Array.from(model.groupdq)).toEqual([SAT, SAT]);
    }
    await expect(persistenceStep(ramp([1, 2, 1, 1], new Uint8Array(2)), {}, { persistenceTime: 2.5 })).rejects.toThrow(PersistenceStepError);
  });

  it('starts from the persistence array of its detector when pers_time matches, and hands back the sparse array', async () => {
    const entry = { rows: [0, 0], cols: [1, 2], vals: [15, 1000], persTime: 30 };
    const model = ramp([1, 3, 1, 3], new Uint8Array(9));
    const result = await persistenceStep(model, {}, { persistenceTime: 30, persistenceArray: { NRCB1: entry, NRCB2: { ...entry, vals: [99, 99] } } });
    // 15 s: open at 10 s, ended at 20 s; 1000 s: would start after 10 s + 30 s, dropped.
    expect(pixelFlags(model, 1)).toEqual([PERS, 0, 0]);
    expect(pixelFlags(model, 2)).toEqual([0, 0, 0]);
    expect(persistenceArrayEntry(result.state!, 'x.fits')).toEqual({ filename: 'x.fits', rows: [], cols: [], vals: [], persTime: 30 });
    // Another persistence_time: the array is ignored.
    const other = ramp([1, 3, 1, 3], new Uint8Array(9));
    await persistenceStep(other, {}, { persistenceTime: 31, persistenceArray: { NRCB1: entry } });
    expect(Array.from(other.groupdq)).toEqual(new Array(9).fill(0));
    const saturated = ramp([1, 1, 1, 3], Uint8Array.from([0, SAT, 0]));
    const state = (await persistenceStep(saturated, {}, { persistenceTime: 30 })).state!;
    expect(persistenceArrayEntry(state)).toEqual({ filename: undefined, rows: [0], cols: [1], vals: [40], persTime: 30 });
  });

  it('slices of integrations with the carried state equal the whole exposure', async () => {
    const [nints, ngroups, rows, cols] = [5, 4, 6, 7];
    const npix = rows * cols;
    const rand = random(99);
    const groupdq = new Uint8Array(nints * ngroups * npix);
    const data = new Float32Array(groupdq.length);
    for (let i = 0; i < nints; i++) {
      for (let p = 0; p < npix; p++) {
        const satFrom = rand() < 0.2 ? Math.floor(rand() * ngroups) : ngroups;
        for (let g = 0; g < ngroups; g++) {
          const k = (i * ngroups + g) * npix + p;
          groupdq[k] = g >= satFrom || rand() < 0.03 ? SAT : 0;
          data[k] = 1000 * rand();
        }
      }
    }
    const starts = Array.from({ length: nints }, (_, i) => 60000.5 + (i * 47.25) / 86400);
    const whole = ramp([nints, ngroups, rows, cols], groupdq.slice(), data);
    Object.assign(whole.meta.exposure, { startTime: 60000.5, integrationTime: 47.25, groupTime: 10.737 });
    whole.intTimes = intTimes(starts.slice(0, 3)); // the last two integrations fall back to EXPSTART + i * EFFINTTM
    const options = { persistenceTime: 70, dnThreshold: 950 };
    const wholeState = (await persistenceStep(whole, {}, options)).state!;
    expect(whole.groupdq.some((f) => f & PERS)).toBe(true);

    let state: PersistenceState | undefined;
    for (const [from, to] of [[0, 1], [1, 4], [4, 5]]) {
      const part = ramp([to - from, ngroups, rows, cols], groupdq.slice(from * ngroups * npix, to * ngroups * npix), data.slice(from * ngroups * npix, to * ngroups * npix));
      Object.assign(part.meta.exposure, whole.meta.exposure);
      part.intTimes = whole.intTimes;
      state = (await persistenceStep(part, { integrationOffset: from }, options, state)).state!;
      expect(Array.from(part.groupdq)).toEqual(Array.from(whole.groupdq.subarray(from * ngroups * npix, to * ngroups * npix)));
    }
    expect(Array.from(state!.window)).toEqual(Array.from(wholeState.window));
    const late = ramp([1, ngroups, rows, cols], groupdq.slice(0, ngroups * npix));
    await expect(persistenceStep(late, { integrationOffset: 2 }, options)).rejects.toThrow(/previous slice/);
  });

  it('tiled == untiled through 1-3 workers, with and without the data', async () => {
    const shape = { nints: 3, ngroups: 4, rows: 19, cols: 11 };
    const rand = random(5);
    const n = shape.nints * shape.ngroups * shape.rows * shape.cols;
    const groupdq = Uint8Array.from({ length: n }, () => (rand() < 0.1 ? SAT : 0));
    const data = Float32Array.from({ length: n }, () => 1000 * rand());
    const window = Float64Array.from({ length: shape.rows * shape.cols }, () => (rand() < 0.3 ? 1e9 + 200 * rand() : 0));
    const times = new Float64Array(shape.nints * shape.ngroups);
    for (let i = 0; i < shape.nints; i++) for (let g = 0; g < shape.ngroups; g++) times[i * shape.ngroups + g] = 1e9 + i * 60 + (g + 1) * 10.7;
    const params = { times, persistenceTime: 40, dnThreshold: 990, doNotUse: true };
    const checked = await expectTiledEqualsUntiled('persistence', { data, groupdq, window }, shape, params);
    expect(checked.length).toBeGreaterThan(6);
    // Without a DN threshold the data stay behind.
    await expectTiledEqualsUntiled('persistence', { groupdq, window }, shape, { times, persistenceTime: 40, doNotUse: false });
  });

  it('reports bad times and a non-positive window length as typed kernel errors', () => {
    const shape = { nints: 1, ngroups: 2, rows: 1, cols: 1 };
    const arrays = { data: new Float32Array(2), groupdq: new Uint8Array(2), window: new Float64Array(1) };
    const params = { times: Float64Array.from([1, 2]), persistenceTime: 5, doNotUse: false };
    expect(() => persistence(arrays, shape, { ...params, times: Float64Array.from([1]) })).toThrow(KernelParameterError);
    expect(() => persistence(arrays, shape, { ...params, persistenceTime: 0 })).toThrow(KernelParameterError);
    persistence(arrays, shape, params);
  });
});
