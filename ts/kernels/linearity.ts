import { applyLinearity, applyLinearityStaged, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelShapeError } from './errors.js';

export interface LinearityArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, corrected in place. */
  data: Float32Array;
  /** ZEROFRAME `(nints, rows, cols)` if the exposure has one; zeros are kept. */
  zeroframe?: Float32Array;
  /** PIXELDQ `(rows, cols)`; the reference DQ and NO_LIN_CORR are OR-ed in. */
  pixeldq: Uint32Array;
  /** GROUPDQ `(nints, ngroups, rows, cols)`, read only: SATURATED groups are not corrected. */
  groupdq: Uint8Array;
  /** COEFFS `(shape.planes, rows, cols)`, constant term first, cut to the subarray. */
  coeffs: Float32Array;
  /** INV_COEFFS, same layout as `coeffs`; given only when jwst uses the read-level path. */
  invCoeffs?: Float32Array;
  /** Reference DQ `(rows, cols)`, translated to standard flags. */
  linDq: Uint32Array;
}

export interface LinearityParams {
  /** Frames averaged per group (read-level path only). */
  nframes: number;
}

const empty = new Float32Array(0);

/**
 * Linearity correction (spec/steps/linearity.md), in place. `shape.planes` is the number of
 * coefficients; the read-level path runs when `invCoeffs` is given.
 */
export function linearity(arrays: LinearityArrays, shape: TileShape, params: LinearityParams = { nframes: 1 }): void {
  const kernel = 'linearity';
  const ncoeffs = coefficientCount(shape);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  if (arrays.zeroframe !== undefined) checkArray(kernel, 'zeroframe', arrays.zeroframe, Float32Array, 'intPlanes', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'coeffs', arrays.coeffs, Float32Array, 'stack', shape);
  if (arrays.invCoeffs !== undefined) checkArray(kernel, 'invCoeffs', arrays.invCoeffs, Float32Array, 'stack', shape);
  checkArray(kernel, 'linDq', arrays.linDq, Uint32Array, 'plane', shape);
  callWasm(kernel, () =>
    applyLinearity(
      arrays.data,
      arrays.zeroframe ?? empty,
      arrays.pixeldq,
      arrays.groupdq,
      arrays.coeffs,
      arrays.invCoeffs ?? empty,
      arrays.linDq,
      ncoeffs,
      params.nframes,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
    ),
  );
}

/** `linearity` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them). */
export function linearityStaged(stage: Stage, shape: TileShape, params: LinearityParams): void {
  const ncoeffs = coefficientCount(shape);
  callWasm('linearity', () => applyLinearityStaged(stage, ncoeffs, params.nframes, shape.nints, shape.ngroups, shape.rows, shape.cols));
}

/** The number of coefficients (`shape.planes`), with the shape checked. */
function coefficientCount(shape: TileShape): number {
  checkShape('linearity', shape);
  const ncoeffs = shape.planes ?? 1;
  if (!Number.isSafeInteger(ncoeffs) || ncoeffs < 2) {
    throw new KernelShapeError('invalid_shape', `linearity: shape.planes (coefficients) must be an integer >= 2, got ${ncoeffs}`);
  }
  return ncoeffs;
}
