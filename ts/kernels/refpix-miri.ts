import { applyRefpixMiri } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface RefpixMiriArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, corrected in place. */
  data: Float32Array;
  /** `(rows, cols)`: each pixel's signal class (amplifier * 2 + row parity). */
  cls: Uint8Array;
}

export interface RefpixMiriParams {
  classes: number;
  /** Per group (`nints*ngroups`) and class: signal value and kind (0 group uncorrected, 1 float32, 2 float64). */
  values: Float64Array;
  kinds: Uint8Array;
}

/** MIRI full-frame refpix, per pixel (spec/steps/refpix.md §7), in place. */
export function refpixMiri(arrays: RefpixMiriArrays, shape: TileShape, params: RefpixMiriParams): void {
  const kernel = 'refpix';
  checkShape(kernel, shape);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'cls', arrays.cls, Uint8Array, 'plane', shape);
  callWasm(kernel, () =>
    applyRefpixMiri(arrays.data, arrays.cls, params.classes, params.values, params.kinds, shape.nints, shape.ngroups, shape.rows, shape.cols),
  );
}
