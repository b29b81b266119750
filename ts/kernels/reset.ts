import { applyReset } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface ResetArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, corrected in place. */
  data: Float32Array;
  /** PIXELDQ `(rows, cols)`; the reset DQ is OR-ed in. */
  pixeldq: Uint32Array;
  /** `planes` reset planes of each reset integration used: `(resets * planes, rows, cols)` = `shape.planes`. */
  reset: Float32Array;
  /** Reset DQ `(rows, cols)`, translated to standard flags. */
  resetDq: Uint32Array;
}

export interface ResetParams {
  /** Groups corrected per integration (planes per reset integration). */
  planes: number;
  /** Reset integration (index into the ones passed) of each science integration of the tile. */
  intMap: number[];
}

/** reset (spec/steps/miri.md §1), in place. */
export function reset(arrays: ResetArrays, shape: TileShape, params: ResetParams): void {
  const kernel = 'reset';
  checkShape(kernel, shape);
  if (!Number.isSafeInteger(params.planes) || params.planes < 1 || (shape.planes ?? 1) % params.planes !== 0) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: planes ${params.planes} must divide shape.planes ${shape.planes}`);
  }
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'reset', arrays.reset, Float32Array, 'stack', shape);
  checkArray(kernel, 'resetDq', arrays.resetDq, Uint32Array, 'plane', shape);
  callWasm(kernel, () =>
    applyReset(arrays.data, arrays.pixeldq, arrays.reset, arrays.resetDq, params.planes, Uint32Array.from(params.intMap), shape.nints, shape.ngroups, shape.rows, shape.cols),
  );
}
