import { applyGroupScale } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface GroupScaleArrays {
  /** Ramp `(nints, ngroups, rows, cols)`, scaled in place. */
  data: Float32Array;
}

export interface GroupScaleParams {
  /** `FRMDIVSR / NFRAMES`; applied as float32, as numpy does. */
  scale: number;
}

/** group_scale (spec/steps/group_scale.md): every value times `scale`, in place. */
export function groupScale(arrays: GroupScaleArrays, shape: TileShape, params: GroupScaleParams): void {
  const kernel = 'group_scale';
  checkShape(kernel, shape);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  callWasm(kernel, () => applyGroupScale(arrays.data, params.scale, shape.nints, shape.ngroups, shape.rows, shape.cols));
}
