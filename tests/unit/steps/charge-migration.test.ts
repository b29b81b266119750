/**
 * charge_migration: the spec example through the step, the skip rule, the float32 threshold
 * comparison, and tiled == untiled (the 4-neighbour flags need a 1-row halo). jwst's own step
 * on the same inputs: tests/python/test_nir_flag_steps_vs_jwst.py.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { chargeMigration, chargeMigrationHalo } from '../../../ts/kernels/charge-migration.js';
import { KernelParameterError, KernelShapeError } from '../../../ts/kernels/errors.js';
import { chargeMigrationDefaults, chargeMigrationStep } from '../../../ts/steps/charge-migration.js';
import { expectTiledEqualsUntiled, random } from './tiled-equivalence.js';

const CL = pixel.CHARGELOSS | pixel.DO_NOT_USE;

beforeAll(async () => {
  await loadKernels();
});

function ramp(shape: [number, number, number, number], data: Float32Array, groupdq = new Uint8Array(data.length)): RampModel {
  return createRampModel({ meta: emptyMeta(), shape, data, pixeldq: new Uint32Array(shape[2] * shape[3]), groupdq });
}

describe('charge_migration step', () => {
  it('spec example: 24000, 26000, 28000 -> groups 1 and 2 of the pixel and its 4 neighbours become 129', async () => {
    const data = new Float32Array(27).fill(100);
    [24000, 26000, 28000].forEach((v, g) => (data[g * 9 + 4] = v));
    const model = ramp([1, 3, 3, 3], data);
    expect(await chargeMigrationStep(model)).toBe('COMPLETE');
    const cross = [0, CL, 0, CL, CL, CL, 0, CL, 0];
    expect(Array.from(model.groupdq)).toEqual([...new Array(9).fill(0), ...cross, ...cross]);
    expect(CL).toBe(129);
    expect(model.meta.calStep.CHGMIG).toBe('COMPLETE');
    expect(chargeMigrationDefaults).toEqual({ signalThreshold: 25000, skip: true });
  });

  it('is SKIPPED with fewer than 3 groups, leaving GROUPDQ alone', async () => {
    const model = ramp([1, 2, 1, 2], Float32Array.from([30000, 30000, 30000, 30000]));
    expect(await chargeMigrationStep(model)).toBe('SKIPPED');
    expect(Array.from(model.groupdq)).toEqual([0, 0, 0, 0]);
    expect(model.meta.calStep.CHGMIG).toBe('SKIPPED');
  });

  it('compares in float32: 1.0 is not above a threshold of 0.99999999 (which rounds to 1.0)', async () => {
    const model = ramp([1, 3, 1, 1], Float32Array.from([1, 1, 1.0000001]));
    await chargeMigrationStep(model, {}, { signalThreshold: 0.99999999 });
    expect(Array.from(model.groupdq)).toEqual([0, 0, CL]);
  });

  it('tiled == untiled through 1-3 workers (1-row halo)', async () => {
    const shape = { nints: 2, ngroups: 4, rows: 21, cols: 13 };
    const rand = random(77);
    const n = shape.nints * shape.ngroups * shape.rows * shape.cols;
    const data = Float32Array.from({ length: n }, () => (rand() < 0.03 ? 30000 : rand() < 0.01 ? NaN : 20000 * rand()));
    const groupdq = Uint8Array.from({ length: n }, () => (rand() < 0.05 ? pixel.DO_NOT_USE : rand() < 0.05 ? pixel.SATURATED | pixel.DO_NOT_USE : 0));
    const checked = await expectTiledEqualsUntiled('chargeMigration', { data, groupdq }, shape, { signalThreshold: 25000 }, [1, 2, 3, 5, 16], {
      halo: chargeMigrationHalo,
    });
    expect(checked.length).toBeGreaterThan(6);
  });

  it('reports a NaN threshold and a short array as typed kernel errors', () => {
    const shape = { nints: 1, ngroups: 3, rows: 1, cols: 2 };
    const arrays = { data: new Float32Array(6), groupdq: new Uint8Array(6) };
    expect(() => chargeMigration(arrays, shape, { signalThreshold: NaN })).toThrow(KernelParameterError);
    expect(() => chargeMigration({ ...arrays, data: new Float32Array(5) }, shape, { signalThreshold: 1 })).toThrow(KernelShapeError);
  });
});
