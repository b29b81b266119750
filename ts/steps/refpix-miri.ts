/**
 * MIRI full-frame refpix (spec/steps/refpix.md §7, jwst `MIRIDataset.do_fullframe_corrections`):
 * each integration's first group is subtracted from every group; for groups 1.. the sigma-clipped
 * means of the reference columns (left: column k, right: 1028 + k, for amplifier k = column mod 4;
 * odd and even rows apart with `odd_even_rows`) give a signal 0.5 (left + right) subtracted from
 * the amplifier's columns; then the first group is added back. When a needed mean has no good
 * (non-DO_NOT_USE) pixel, this group and all later ones are left uncorrected (jwst stops there).
 * The statistics come from the 8 reference columns (small); the per-pixel pass runs on row bands.
 * MIRI subarrays are skipped by the caller (refpixStep).
 */
import type { RampModel } from '../datamodels/models.js';
import { pixel } from '../dq/index.js';
import { runTiled } from '../pool/pool.js';
import { refpixClippedMean, type RefSignal } from '../kernels/refpix.js';
import { info, warn, type StepContext } from './step.js';

export const MIRI_FULL_ROWS = 1024;
export const MIRI_FULL_COLS = 1032;
const RIGHT_COLUMN = 1028;

export interface RefpixMiriOptions {
  /** jwst `odd_even_rows`: separate means for even and odd rows. */
  oddEvenRows: boolean;
  /** jwst `siglimit`: sigma-clipping limit. */
  siglimit: number;
}

/** numpy `0.5 * (a + b)` of two clipped means (float32 only when both are). */
function average(a: RefSignal, b: RefSignal): RefSignal {
  if (!a.wide && !b.wide) return { value: Math.fround(0.5 * Math.fround(a.value + b.value)), wide: false };
  return { value: 0.5 * (a.value + b.value), wide: true };
}

/** Corrects a MIRI full-frame ramp in place. */
export async function refpixMiriFullFrame(ramp: RampModel, options: RefpixMiriOptions, context: StepContext): Promise<void> {
  const [nints, ngroups, rows, cols] = ramp.shape;
  const plane = rows * cols;
  const classes = 8;
  const cls = new Uint8Array(plane);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) cls[r * cols + c] = (c % 4) * 2 + (options.oddEvenRows ? r & 1 : 0);
  }
  const values = new Float64Array(nints * ngroups * classes);
  const kinds = new Uint8Array(nints * ngroups * classes);
  /** Clipped mean of the first-group-subtracted column `c`, rows `r0, r0 + step, ...`, good pixels only. */
  const columnMean = (first: number, base: number, c: number, r0: number, step: number) => {
    const picked: number[] = [];
    for (let r = r0; r < rows; r += step) {
      const p = r * cols + c;
      if (!(ramp.pixeldq[p] & pixel.DO_NOT_USE)) picked.push(Math.fround(ramp.data[base + p] - ramp.data[first + p]));
    }
    return refpixClippedMean(Float32Array.from(picked), false, options.siglimit);
  };
  const parities = options.oddEvenRows ? [0, 1] : [0];
  let stopped = false;
  for (let i = 0; i < nints && !stopped; i++) {
    for (let g = 1; g < ngroups; g++) {
      context.signal?.throwIfAborted();
      const first = i * ngroups * plane;
      const base = first + g * plane;
      const signals: RefSignal[] = [];
      for (let amp = 0; amp < 4 && !stopped; amp++) {
        for (const parity of parities) {
          const step = options.oddEvenRows ? 2 : 1;
          const left = columnMean(first, base, amp, parity, step);
          const right = columnMean(first, base, RIGHT_COLUMN + amp, parity, step);
          if (!left || !right) {
            warn(context, `refpix: amplifier ${'ABCD'[amp]} has no good reference pixels; group ${g} and later are not corrected`);
            stopped = true;
            break;
          }
          signals[amp * 2 + parity] = average(left, right);
        }
      }
      if (stopped) break;
      for (let k = 0; k < classes; k++) {
        const s = signals[options.oddEvenRows ? k : k & ~1];
        values[(i * ngroups + g) * classes + k] = s.value;
        kinds[(i * ngroups + g) * classes + k] = s.wide ? 2 : 1;
      }
    }
  }
  info(context, 'refpix: MIRI full frame, first group subtracted, corrected and added back');
  await runTiled(context.pool, 'refpixMiri', { data: ramp.data, cls }, { nints, ngroups, rows, cols }, {
    params: { classes, values, kinds },
    signal: context.signal,
  });
}
