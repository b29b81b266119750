import { applyLastframe } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface LastframeArrays {
  /** GROUPDQ `(nints, ngroups, rows, cols)`; DO_NOT_USE is OR-ed into the last group. */
  groupdq: Uint8Array;
}

/** lastframe (spec/steps/firstframe_lastframe.md), in place. */
export function lastframe(arrays: LastframeArrays, shape: TileShape): void {
  const kernel = 'lastframe';
  checkShape(kernel, shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  callWasm(kernel, () => applyLastframe(arrays.groupdq, shape.nints, shape.ngroups, shape.rows, shape.cols));
}
