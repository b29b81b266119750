import { applySaturation, applySaturationStaged, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface SaturationArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN; only read. */
  data: Float32Array;
  /** GROUPDQ `(nints, ngroups, rows, cols)`; SATURATED, AD_FLOOR and DO_NOT_USE are OR-ed in. */
  groupdq: Uint8Array;
  /** PIXELDQ `(rows, cols)`; the reference DQ (plus NO_SAT_CHECK where the threshold is NaN) is OR-ed in. */
  pixeldq: Uint32Array;
  /** ZEROFRAME `(nints, rows, cols)` if the exposure has one; saturated or <= 0 pixels become 0. */
  zeroframe?: Float32Array;
  /** SATURATION reference `(rows, cols)`, DN, cut to the science subarray; NaN = no check. */
  thresh: Float32Array;
  /** SATURATION reference DQ `(rows, cols)`, translated to standard flags. */
  satDq: Uint32Array;
  /** SUPERBIAS `(rows, cols)`, DN, for the group-2 test; absent means 0. */
  bias?: Float32Array;
}

export interface SaturationParams {
  /** Half-width of the square saturation is grown by (jwst `n_pix_grow_sat`, default 1). */
  nPixGrowSat: number;
  /** jwst `use_readpatt`: the frame-averaging checks (backward pass, group-2 test). */
  useReadpatt: boolean;
  /** NFRAMES of the exposure; needed with `useReadpatt`. */
  nframes?: number;
}

const empty = new Float32Array(0);

function checkParams(kernel: string, params: SaturationParams): void {
  if (!Number.isSafeInteger(params.nPixGrowSat) || params.nPixGrowSat < 0) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: nPixGrowSat must be a non-negative integer, got ${params.nPixGrowSat}`);
  }
  if (params.useReadpatt && (!Number.isSafeInteger(params.nframes) || params.nframes! < 1 || params.nframes! > 0xffffffff)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: useReadpatt needs nframes >= 1, got ${params.nframes}`);
  }
}

/**
 * Rows of context above and below each band so that banded runs equal a whole run (the Rust
 * `saturation::halo_rows`): the backward pass of frame-averaged groups grows flags that came
 * from grown flags, so it needs 2N rows.
 */
export function saturationHalo(params: SaturationParams): number {
  checkParams('saturation', params);
  return params.useReadpatt && params.nframes! > 1 ? 2 * params.nPixGrowSat : params.nPixGrowSat;
}

/** Saturation and A/D-floor flagging (spec/steps/saturation.md), in place. */
export function saturation(arrays: SaturationArrays, shape: TileShape, params: SaturationParams): void {
  const kernel = 'saturation';
  checkShape(kernel, shape);
  checkParams(kernel, params);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  if (arrays.zeroframe !== undefined) checkArray(kernel, 'zeroframe', arrays.zeroframe, Float32Array, 'intPlanes', shape);
  checkArray(kernel, 'thresh', arrays.thresh, Float32Array, 'plane', shape);
  checkArray(kernel, 'satDq', arrays.satDq, Uint32Array, 'plane', shape);
  if (arrays.bias !== undefined) checkArray(kernel, 'bias', arrays.bias, Float32Array, 'plane', shape);
  callWasm(kernel, () =>
    applySaturation(
      arrays.data,
      arrays.groupdq,
      arrays.pixeldq,
      arrays.zeroframe ?? empty,
      arrays.thresh,
      arrays.satDq,
      arrays.bias ?? empty,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
      params.nPixGrowSat,
      params.useReadpatt ? params.nframes! : 0,
    ),
  );
}

/** `saturation` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them). */
export function saturationStaged(stage: Stage, shape: TileShape, params: SaturationParams): void {
  const kernel = 'saturation';
  checkShape(kernel, shape);
  checkParams(kernel, params);
  callWasm(kernel, () =>
    applySaturationStaged(stage, shape.nints, shape.ngroups, shape.rows, shape.cols, params.nPixGrowSat, params.useReadpatt ? params.nframes! : 0),
  );
}
