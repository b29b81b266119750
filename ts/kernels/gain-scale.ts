import { applyGainScale } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelShapeError } from './errors.js';

/** A rate `(rows, cols)` (shape.nints = 1) or rateints `(nints, rows, cols)` product; shape.ngroups = 1. */
export interface GainScaleArrays {
  data: Float32Array;
  err: Float32Array;
  /** Absent or empty: left alone (jwst skips absent variances). */
  varPoisson?: Float32Array;
  varRnoise?: Float32Array;
}

export interface GainScaleParams {
  /** GAINFACT; `data` and `err` are multiplied by it, the variances by its square (both as float32). */
  factor: number;
}

const empty = new Float32Array(0);

/** gain_scale (spec/steps/gain_scale.md), in place. */
export function gainScale(arrays: GainScaleArrays, shape: TileShape, params: GainScaleParams): void {
  const kernel = 'gain_scale';
  checkShape(kernel, shape);
  if (shape.ngroups !== 1) throw new KernelShapeError('invalid_shape', `${kernel}: rate products have shape.ngroups 1, got ${shape.ngroups}`);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'err', arrays.err, Float32Array, 'cube', shape);
  const variance = (name: string, array: Float32Array | undefined) => {
    if (array === undefined || array.length === 0) return empty;
    checkArray(kernel, name, array, Float32Array, 'cube', shape);
    return array;
  };
  const varPoisson = variance('varPoisson', arrays.varPoisson);
  const varRnoise = variance('varRnoise', arrays.varRnoise);
  callWasm(kernel, () =>
    // numpy: float32 array times the Python floats f and f**2 (squared in float64).
    applyGainScale(arrays.data, arrays.err, varPoisson, varRnoise, params.factor, params.factor ** 2, shape.nints, shape.rows, shape.cols),
  );
}
