import { applyFirstframe } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface FirstframeArrays {
  /** GROUPDQ `(nints, ngroups, rows, cols)`; DO_NOT_USE is OR-ed into group 0. */
  groupdq: Uint8Array;
  /** PIXELDQ `(rows, cols)`; FLUX_ESTIMATED where a saturated third group kept group 0. */
  pixeldq: Uint32Array;
}

export interface FirstframeParams {
  /** jwst `bright_use_group1`: keep group 0 where group 2 is SATURATED. */
  brightUseGroup1: boolean;
}

/** firstframe (spec/steps/firstframe_lastframe.md), in place. */
export function firstframe(arrays: FirstframeArrays, shape: TileShape, params: FirstframeParams): void {
  const kernel = 'firstframe';
  checkShape(kernel, shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  callWasm(kernel, () =>
    applyFirstframe(arrays.groupdq, arrays.pixeldq, params.brightUseGroup1, shape.nints, shape.ngroups, shape.rows, shape.cols),
  );
}
