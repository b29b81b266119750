import { applyPersistence } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface PersistenceArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN; only read, and needed only with `dnThreshold`. */
  data?: Float32Array;
  /** GROUPDQ `(nints, ngroups, rows, cols)`; SATURATED is read, PERSISTENCE (|DO_NOT_USE) OR-ed in. */
  groupdq: Uint8Array;
  /** Window end per pixel `(rows, cols)`, Unix seconds, 0 = none: read, then updated to the state after the tile. */
  window: Float64Array;
}

export interface PersistenceParams {
  /** Per integration and group (`nints * ngroups`), the time jwst reaches at that group (Unix s). */
  times: Float64Array;
  /** Window length, s (> 0). */
  persistenceTime: number;
  /** DN; a group above it opens a window where none is open (compared in float32). Absent: off. */
  dnThreshold?: number;
  /** Also set DO_NOT_USE. */
  doNotUse: boolean;
}

/** Persistence-window flagging (jwst 3.0 PersistenceStep), in place; pixels are independent (no halo). */
export function persistence(arrays: PersistenceArrays, shape: TileShape, params: PersistenceParams): void {
  const kernel = 'persistence';
  checkShape(kernel, shape);
  if (!(params.times instanceof Float64Array) || params.times.length !== shape.nints * shape.ngroups) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: times must be a Float64Array of nints*ngroups = ${shape.nints * shape.ngroups} values`);
  }
  if (params.dnThreshold !== undefined && (typeof params.dnThreshold !== 'number' || Number.isNaN(params.dnThreshold))) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: dnThreshold must be a number, got ${params.dnThreshold}`);
  }
  if (params.dnThreshold !== undefined || arrays.data !== undefined) checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'window', arrays.window, Float64Array, 'plane', shape);
  callWasm(kernel, () =>
    applyPersistence(
      arrays.data ?? new Float32Array(0),
      arrays.groupdq,
      arrays.window,
      params.times,
      params.persistenceTime,
      params.dnThreshold === undefined ? NaN : Math.fround(params.dnThreshold),
      params.doNotUse,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
    ),
  );
}
