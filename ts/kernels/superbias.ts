import { applySuperbias, applySuperbiasStaged, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface SuperbiasArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, corrected in place. */
  data: Float32Array;
  /** ZEROFRAME `(nints, rows, cols)` if the exposure has one; corrected in place, zeros kept. */
  zeroframe?: Float32Array;
  /** PIXELDQ `(rows, cols)`; the reference DQ is OR-ed in. */
  pixeldq: Uint32Array;
  /** Superbias `(rows, cols)` in DN, already cut to the science subarray; NaN counts as 0. */
  bias: Float32Array;
  /** Superbias DQ `(rows, cols)`, already translated to standard flags. */
  biasDq: Uint32Array;
}

const empty = new Float32Array(0);

/** Subtracts the superbias from every group (spec/steps/superbias.md), in place. */
export function superbias(arrays: SuperbiasArrays, shape: TileShape): void {
  const kernel = 'superbias';
  checkShape(kernel, shape);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  if (arrays.zeroframe !== undefined) checkArray(kernel, 'zeroframe', arrays.zeroframe, Float32Array, 'intPlanes', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'bias', arrays.bias, Float32Array, 'plane', shape);
  checkArray(kernel, 'biasDq', arrays.biasDq, Uint32Array, 'plane', shape);
  callWasm(kernel, () =>
    applySuperbias(
      arrays.data,
      arrays.zeroframe ?? empty,
      arrays.pixeldq,
      arrays.bias,
      arrays.biasDq,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
    ),
  );
}

/** `superbias` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them). */
export function superbiasStaged(stage: Stage, shape: TileShape): void {
  checkShape('superbias', shape);
  callWasm('superbias', () => applySuperbiasStaged(stage, shape.nints, shape.ngroups, shape.rows, shape.cols));
}
