import { applyDqInit, applyDqInitStaged, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface DqInitArrays {
  /** PIXELDQ `(rows, cols)`; the mask is OR-ed in. */
  pixeldq: Uint32Array;
  /** GROUPDQ `(nints, ngroups, rows, cols)`; the mask's DO_NOT_USE is OR-ed into every group. */
  groupdq: Uint8Array;
  /** MASK reference DQ `(rows, cols)`, translated to standard flags and cut to the subarray. */
  mask: Uint32Array;
}

/** `dq_init` (spec/steps/dq_init.md), in place. */
export function dqInit(arrays: DqInitArrays, shape: TileShape): void {
  const kernel = 'dq_init';
  checkShape(kernel, shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'mask', arrays.mask, Uint32Array, 'plane', shape);
  callWasm(kernel, () => applyDqInit(arrays.pixeldq, arrays.groupdq, arrays.mask, shape.nints, shape.ngroups, shape.rows, shape.cols));
}

/** `dqInit` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them). */
export function dqInitStaged(stage: Stage, shape: TileShape): void {
  checkShape('dq_init', shape);
  callWasm('dq_init', () => applyDqInitStaged(stage, shape.nints, shape.ngroups, shape.rows, shape.cols));
}
