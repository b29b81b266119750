import { applyJump, applyJumpShowerNoise, applyJumpSigmaClip, applyJumpStaged, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface JumpArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN; only read. */
  data: Float32Array;
  /** GROUPDQ `(nints, ngroups, rows, cols)`; JUMP_DET is set (and cleared next to DO_NOT_USE/SATURATED). */
  groupdq: Uint8Array;
  /** PIXELDQ `(rows, cols)`; NO_GAIN_VALUE|DO_NOT_USE where gain <= 0 or NaN. */
  pixeldq: Uint32Array;
  /** GAIN `(rows, cols)` in e/DN, cut to the science subarray. */
  gain: Float32Array;
  /** READNOISE `(rows, cols)` (CDS) in DN, cut to the science subarray. */
  readnoise: Float32Array;
  /** Output `(rows, cols)`: JUMP groups per pixel after detection, before neighbour flagging. */
  crs: Uint32Array;
  /**
   * Optional outputs `(rows, cols)`, both or neither: the MIRI showers' unclipped noise model
   * (`showerNoiseBand`) on the flags detection leaves, made in the same call. On a band with a
   * halo, only the core rows are final, which is what the pool keeps.
   */
  showerMedian?: Float32Array;
  showerSigma?: Float32Array;
}

/**
 * `skip`: too few usable groups (stcal's N_cr = -99); `singlePass`: min usable differences >=
 * `min_diffs_single_pass`; `iterative` otherwise. Chosen from whole-frame counts by the step.
 * `sigmaClipped`: JUMP was set by `jumpSigmaClip` (and the step's whole-frame plane reset);
 * only counting, neighbours, after-jump flags and clean-up run.
 */
export type JumpMode = 'skip' | 'singlePass' | 'iterative' | 'sigmaClipped';

export interface JumpParams {
  mode: JumpMode;
  rejectionThreshold: number;
  threeGroupRejectionThreshold: number;
  fourGroupRejectionThreshold: number;
  flag4Neighbors: boolean;
  minJumpToFlagNeighbors: number;
  maxJumpToFlagNeighbors: number;
  nframes: number;
  /** Electrons (stcal's float32 `dn · nanmedian(gain)`) and group counts of after-jump flagging. */
  afterJumpFlagE1: number;
  afterJumpFlagN1: number;
  afterJumpFlagE2: number;
  afterJumpFlagN2: number;
}

const modes: Record<JumpMode, number> = { skip: 0, singlePass: 1, iterative: 2, sigmaClipped: 3 };

function checkParams(kernel: string, params: JumpParams): void {
  if (!Object.hasOwn(modes, params.mode)) throw new KernelParameterError('invalid_parameter', `${kernel}: unknown mode ${String(params.mode)}`);
  for (const key of ['nframes', 'afterJumpFlagN1', 'afterJumpFlagN2'] as const) {
    const value = params[key];
    if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff || (key === 'nframes' && value < 1)) {
      throw new KernelParameterError('invalid_parameter', `${kernel}: ${key} must be a ${key === 'nframes' ? 'positive' : 'non-negative'} integer, got ${value}`);
    }
  }
}

/** Rows of context above and below each band (the Rust `jump::halo_rows`): neighbour flagging reaches 1 row. */
/** The kernel's parameters at jwst JumpStep's defaults (no flagging after jumps), but for `mode`. */
export const JUMP_STEP_DEFAULTS: Omit<JumpParams, 'mode'> = {
  rejectionThreshold: 4,
  threeGroupRejectionThreshold: 6,
  fourGroupRejectionThreshold: 5,
  flag4Neighbors: true,
  minJumpToFlagNeighbors: 10,
  maxJumpToFlagNeighbors: 1000,
  nframes: 1,
  afterJumpFlagE1: 0,
  afterJumpFlagN1: 0,
  afterJumpFlagE2: 0,
  afterJumpFlagN2: 0,
};

export function jumpHalo(params: JumpParams): number {
  return params.flag4Neighbors && params.mode !== 'skip' ? 1 : 0;
}

/**
 * Rows per band when jump runs in this thread: the whole exposure in one band when its arrays
 * fit in 1 GiB (wasm32 memory holds 4 GiB), because cutting bands then only costs a copy of the
 * ramp and a paste of GROUPDQ; larger exposures keep the pool's general band budget (undefined).
 */
export function jumpInThreadBandRows(shape: TileShape): number | undefined {
  const bytes = shape.rows * shape.cols * (shape.nints * shape.ngroups * 5 + 16);
  return bytes <= 2 ** 30 ? shape.rows : undefined;
}

/** Two-point difference jump detection (spec/steps/jump.md §3-§6), in place. */
export function jump(arrays: JumpArrays, shape: TileShape, params: JumpParams): void {
  const kernel = 'jump';
  checkShape(kernel, shape);
  checkParams(kernel, params);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'gain', arrays.gain, Float32Array, 'plane', shape);
  checkArray(kernel, 'readnoise', arrays.readnoise, Float32Array, 'plane', shape);
  checkArray(kernel, 'crs', arrays.crs, Uint32Array, 'plane', shape);
  const { showerMedian, showerSigma } = arrays;
  if ((showerMedian === undefined) !== (showerSigma === undefined)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: showerMedian and showerSigma go together`);
  }
  const args = [arrays.data, arrays.groupdq, arrays.pixeldq, arrays.gain, arrays.readnoise, arrays.crs, ...wasmScalars(shape, params)] as const;
  if (showerMedian && showerSigma) {
    checkArray(kernel, 'showerMedian', showerMedian, Float32Array, 'plane', shape);
    checkArray(kernel, 'showerSigma', showerSigma, Float32Array, 'plane', shape);
    callWasm(kernel, () => applyJumpShowerNoise(...args, showerMedian, showerSigma));
    return;
  }
  callWasm(kernel, () => applyJump(...args));
}

/**
 * `jump` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry's `jump` lists
 * them); the showers' noise, when asked for, is made for the band's own rows `core` only.
 */
export function jumpStaged(stage: Stage, shape: TileShape, params: JumpParams, core: { row0: number; rows: number }): void {
  const kernel = 'jump';
  checkShape(kernel, shape);
  checkParams(kernel, params);
  callWasm(kernel, () => applyJumpStaged(stage, core.row0, core.rows, ...wasmScalars(shape, params)));
}

/** The scalar arguments of the jump wasm functions, after the arrays. */
function wasmScalars(shape: TileShape, params: JumpParams) {
  return [
    shape.nints,
    shape.ngroups,
    shape.rows,
    shape.cols,
    modes[params.mode],
    new Float64Array([
      params.rejectionThreshold,
      params.threeGroupRejectionThreshold,
      params.fourGroupRejectionThreshold,
      params.minJumpToFlagNeighbors,
      params.maxJumpToFlagNeighbors,
    ]),
    params.flag4Neighbors,
    params.nframes,
    new Float64Array([params.afterJumpFlagE1, params.afterJumpFlagN1, params.afterJumpFlagE2, params.afterJumpFlagN2]),
  ] as const;
}

export interface JumpSigmaClipArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, every integration; only read. */
  data: Float32Array;
  /** GROUPDQ `(nints, ngroups, rows, cols)`; JUMP_DET is set where a difference is clipped. */
  groupdq: Uint8Array;
  /** GAIN `(rows, cols)` in e/DN. */
  gain: Float32Array;
}

export interface JumpSigmaClipParams {
  rejectionThreshold: number;
  /** Clip each difference across integrations (true), or all differences of a pixel together. */
  onlyUseInts: boolean;
}

/**
 * stcal's sigma-clipping detector for many integrations (spec/steps/jump.md §7), in place.
 * Needs every integration of a pixel at once: run it on row bands of the whole exposure, then
 * reset the planes that are all JUMP or DO_NOT_USE, then `jump` in mode `sigmaClipped`.
 */
export function jumpSigmaClip(arrays: JumpSigmaClipArrays, shape: TileShape, params: JumpSigmaClipParams): void {
  const kernel = 'jumpSigmaClip';
  checkShape(kernel, shape);
  if (!(params.rejectionThreshold >= 0)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: rejectionThreshold must be >= 0, got ${params.rejectionThreshold}`);
  }
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'gain', arrays.gain, Float32Array, 'plane', shape);
  callWasm(kernel, () =>
    applyJumpSigmaClip(
      arrays.data,
      arrays.groupdq,
      arrays.gain,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
      params.rejectionThreshold,
      params.onlyUseInts,
    ),
  );
}
