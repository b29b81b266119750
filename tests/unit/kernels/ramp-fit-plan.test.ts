/**
 * The ramp-fit planner fed by rows (the banded run's way) decides as when fed whole frames, says
 * when no further pixel can change its decisions, and its untrimmed plan is a near-IR exposure's.
 */
import { describe, expect, it } from 'vitest';
import { RampFitPlanner, type RampFitPlanInput } from '../../../ts/kernels/ramp-fit-plan.js';

const DO_NOT_USE = 1;
const SATURATED = 2;
const input: RampFitPlanInput = { frameTime: 10.7, groupTime: 10.7, nframes: 1, groupgap: 0 };
const [nints, ngroups, rows, cols] = [2, 4, 6, 5];

/** GROUPDQ (nints, ngroups, rows, cols) with every group-0 pixel SATURATED but `unsaturated`. */
function firstGroupsSaturated(unsaturated?: { i: number; p: number }): Uint8Array {
  const groupdq = new Uint8Array(nints * ngroups * rows * cols);
  for (let i = 0; i < nints; i++) groupdq.fill(SATURATED, i * ngroups * rows * cols, (i * ngroups + 1) * rows * cols);
  if (unsaturated) groupdq[unsaturated.i * ngroups * rows * cols + unsaturated.p] = 0;
  return groupdq;
}

/** Rows `[r0, r1)` of every plane. */
function rowsOf(groupdq: Uint8Array, r0: number, r1: number): Uint8Array {
  const out = new Uint8Array(nints * ngroups * (r1 - r0) * cols);
  for (let k = 0; k < nints * ngroups; k++) out.set(groupdq.subarray((k * rows + r0) * cols, (k * rows + r1) * cols), k * (r1 - r0) * cols);
  return out;
}

describe('RampFitPlanner by rows', () => {
  for (const [name, groupdq, expected] of [
    ['every first group saturated', firstGroupsSaturated(), 'noProducts'],
    ['one pixel of the last rows unsaturated in the second integration', firstGroupsSaturated({ i: 1, p: 5 * cols + 2 }), 'params'],
  ] as const) {
    it(`decides as from whole frames: ${name}`, () => {
      const whole = new RampFitPlanner(input, { ngroups, rows, cols });
      whole.add(groupdq, nints);
      const byRows = new RampFitPlanner(input, { ngroups, rows, cols });
      for (const [r0, r1] of [[0, 2], [2, 5], [5, 6]]) byRows.add(rowsOf(groupdq, r0, r1), nints, r1 - r0);
      expect(byRows.plan()).toEqual(whole.plan());
      expect(expected in byRows.plan()).toBe(true);
      expect(byRows.decided).toBe(expected === 'params');
    });
  }

  it('is decided once a first group is not saturated, and not before', () => {
    const planner = new RampFitPlanner(input, { ngroups, rows, cols });
    expect(planner.decided).toBe(false);
    const groupdq = firstGroupsSaturated({ i: 0, p: 3 });
    planner.add(rowsOf(groupdq, 1, 6), nints, 5);
    expect(planner.decided).toBe(false);
    planner.add(rowsOf(groupdq, 0, 1), nints, 1);
    expect(planner.decided).toBe(true);
  });

  it('gives the untrimmed plan to a near-IR exposure with products, and rejects rows of another width', () => {
    const planner = new RampFitPlanner({ ...input, instrument: 'NIRCAM' }, { ngroups, rows, cols });
    planner.add(new Uint8Array(nints * ngroups * rows * cols).fill(DO_NOT_USE, 0, rows * cols), nints);
    expect(planner.plan()).toEqual(planner.untrimmedPlan());
    expect(planner.untrimmedPlan().params).toMatchObject({ groupStart: 0, groupStop: ngroups, clearFirstJump: false });
    expect(() => planner.add(new Uint8Array(nints * ngroups * 2 * cols + 1), nints, 2)).toThrow(RangeError);
  });

  it('is not decided for MIRI while a selected group is DO_NOT_USE everywhere', () => {
    const planner = new RampFitPlanner({ ...input, instrument: 'MIRI' }, { ngroups, rows, cols });
    const groupdq = new Uint8Array(nints * ngroups * rows * cols);
    for (let i = 0; i < nints; i++) groupdq.fill(DO_NOT_USE, (i * ngroups + 3) * rows * cols, (i * ngroups + 4) * rows * cols);
    planner.add(groupdq, nints);
    expect(planner.decided).toBe(false);
    expect(planner.plan()).toMatchObject({ params: { groupStart: 0, groupStop: 3 } });
  });
});
