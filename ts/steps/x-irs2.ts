/**
 * jwst's `x_irs2` helpers (saturation and ipc): which DMS rows of a NIRSpec IRS2 frame (3200 rows)
 * hold normal pixels, and moving those rows out of and back into the IRS2 layout.
 */
import type { RampModel } from '../datamodels/models.js';

export class Irs2LayoutError extends Error {
  override name = 'Irs2LayoutError';
}

/**
 * jwst `x_irs2.make_mask`: true for normal pixels along the IRS2 axis (detector order); the
 * reference output is `512 + 512/n·r` wide.
 */
export function xIrs2NormalMask(length: number, n: number, r: number): Uint8Array {
  const refout = 512 + Math.floor(512 / n) * r;
  const perOutput = Math.floor((length - refout) / 4);
  const k = Math.floor(perOutput / (n + r));
  const nOutput = perOutput - k * r;
  const mask = new Uint8Array(length).fill(1);
  mask.fill(0, 0, refout);
  if (Math.floor(nOutput / n) * n === nOutput) {
    for (let i = refout + n / 2; i <= length; i += n + r) mask.fill(0, i, Math.min(i + r, length));
  } else {
    const one = new Uint8Array(perOutput).fill(1);
    for (let i = n / 2; i <= perOutput; i += n + r) one.fill(0, i, Math.min(i + r, perOutput));
    for (let s = 0; s < 4; s++) {
      for (let c = 0; c < perOutput; c++) mask[refout + s * perOutput + c] = s % 2 === 0 ? one[c] : one[perOutput - 1 - c];
    }
  }
  return mask;
}

/** DMS rows holding normal pixels (jwst `from_irs2`: NRS2 reads the mask backwards). */
export function irs2NormalRows(ramp: RampModel): Int32Array {
  const rows = ramp.shape[2];
  const detector = ramp.meta.instrument.detector?.toUpperCase();
  if (detector !== 'NRS1' && detector !== 'NRS2') throw new Irs2LayoutError(`Detector ${detector ?? '(none)'} is not supported for IRS2 data`);
  const { nrsNormal, nrsReference } = ramp.meta.exposure;
  // jwst reads NRS_NORM / NRS_REF from the metadata (and fails without them).
  if (nrsNormal === undefined || nrsReference === undefined) throw new Irs2LayoutError('IRS2 data need NRS_NORM and NRS_REF');
  const mask = xIrs2NormalMask(rows, nrsNormal, nrsReference);
  const keep: number[] = [];
  for (let r = 0; r < rows; r++) if (mask[detector === 'NRS2' ? rows - 1 - r : r]) keep.push(r);
  return Int32Array.from(keep);
}

/** jwst `from_irs2` on `planes` planes of `rows x cols`: the rows `keep`, in order. */
export function gatherRows<T extends Float32Array>(source: T, planes: number, rows: number, cols: number, keep: Int32Array): T {
  const out = new (source.constructor as new (n: number) => T)(planes * keep.length * cols);
  for (let p = 0; p < planes; p++) {
    keep.forEach((r, i) => out.set(source.subarray((p * rows + r) * cols, (p * rows + r + 1) * cols), (p * keep.length + i) * cols));
  }
  return out;
}

/** jwst `to_irs2`: puts `planes` planes of the normal rows back into the IRS2 layout `target`. */
export function scatterRows(target: Float32Array, normal: Float32Array, planes: number, rows: number, cols: number, keep: Int32Array): void {
  for (let p = 0; p < planes; p++) {
    keep.forEach((r, i) => target.set(normal.subarray((p * keep.length + i) * cols, (p * keep.length + i + 1) * cols), (p * rows + r) * cols));
  }
}
