/**
 * saturation for NIRSpec IRS2 frames (jwst `saturation.irs2_flag_saturation` and `x_irs2`): the
 * normal pixels are taken out of the 3200-row layout, flagged against the 2048 x 2048 thresholds
 * by jwst's own IRS2 rules (not stcal's: no backward pass, growth of the current group's
 * saturation only, the third-group test of grouped reads flags group 2 only), and the flags put
 * back; interleaved reference rows get no flags. The SUPERBIAS (IRS2 layout) only feeds the
 * third-group test.
 */
import type { RampModel } from '../datamodels/models.js';
import { pixel } from '../dq/index.js';
import { irs2SaturationFlags } from '../kernels/irs2.js';
import { gatherRows, Irs2LayoutError } from './x-irs2.js';
import type { StepContext } from './step.js';

/** stcal/jwst ATOD_LIMIT + 1: thresholds no value can reach. */
const ABOVE_ATOD = 65536;

export interface SaturationIrs2Options {
  nPixGrowSat: number;
  /** NFRAMES when use_readpatt, else undefined. */
  readPatternNframes: number | undefined;
}

/**
 * Flags `ramp` (IRS2 layout) in place; `keep` are its normal rows (`irs2NormalRows`). `thresh`/`satDq` are the 2048 x 2048 reference arrays
 * (modified: NO_SAT_CHECK and NaN thresholds raised, NaN flagged NO_SAT_CHECK, as jwst does);
 * `bias` the SUPERBIAS in the IRS2 layout, if any.
 */
export function saturationIrs2(ramp: RampModel, keep: Int32Array, thresh: Float32Array, satDq: Uint32Array, bias: Float32Array | undefined, o: SaturationIrs2Options, context: StepContext): void {
  const [nints, ngroups, rows, cols] = ramp.shape;
  const normalPlane = keep.length * cols;
  if (thresh.length !== normalPlane) throw new Irs2LayoutError(`saturation: the SATURATION reference has ${thresh.length} pixels, the IRS2 normal pixels ${normalPlane}`);
  if (bias && bias.length !== rows * cols) throw new Irs2LayoutError(`saturation: the SUPERBIAS for IRS2 data must have the IRS2 layout (${rows} x ${cols}), not ${bias.length} pixels`);
  const noSatCheck = pixel.NO_SAT_CHECK;
  for (let i = 0; i < normalPlane; i++) {
    if ((satDq[i] & noSatCheck) === noSatCheck) thresh[i] = ABOVE_ATOD;
    if (Number.isNaN(thresh[i])) {
      satDq[i] |= noSatCheck;
      thresh[i] = ABOVE_ATOD;
    }
  }
  const normalBias = bias && gatherRows(bias, 1, rows, cols, keep);
  const plane = rows * cols;
  for (let j = 0; j < nints; j++) {
    context.signal?.throwIfAborted();
    const data = gatherRows(ramp.data.subarray(j * ngroups * plane, (j + 1) * ngroups * plane), ngroups, rows, cols, keep);
    const flags = irs2SaturationFlags(data, ngroups, keep.length, cols, thresh, normalBias, o.nPixGrowSat, o.readPatternNframes);
    for (let g = 0; g < ngroups; g++) {
      const base = (j * ngroups + g) * plane;
      keep.forEach((r, i) => {
        const from = (g * keep.length + i) * cols;
        for (let c = 0; c < cols; c++) ramp.groupdq[base + r * cols + c] |= flags[from + c];
      });
    }
    if (ramp.meta.exposure.zeroFrame && ramp.zeroframe) {
      const zplane = ramp.zeroframe.subarray(j * plane, (j + 1) * plane);
      const zflags = irs2SaturationFlags(gatherRows(zplane, 1, rows, cols, keep), 1, keep.length, cols, thresh, undefined, o.nPixGrowSat, undefined);
      keep.forEach((r, i) => {
        for (let c = 0; c < cols; c++) if (zflags[i * cols + c]) zplane[r * cols + c] = 0;
      });
    }
  }
  keep.forEach((r, i) => {
    for (let c = 0; c < cols; c++) ramp.pixeldq[r * cols + c] |= satDq[i * cols + c];
  });
}
