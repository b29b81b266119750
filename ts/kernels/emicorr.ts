import { applyEmicorr, emicorrBin as wasmBin, emicorrFit as wasmFit, emicorrSequential as wasmSequential } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

/** Read timing, in 10 µs pixel clocks (spec/steps/miri.md §3). */
export interface EmicorrClocks {
  /** 1 for FAST, 9 for SLOW. */
  nsamples: number;
  rowclocks: number;
  /** Reset-frame clocks between integrations for FASTR1/SLOWR1, else 0. */
  frameclocks: number;
  /** Waveform period in pixel clocks: (1 / frequency) / 10 µs. */
  period: number;
}

function checkClocks(kernel: string, clocks: EmicorrClocks): void {
  for (const key of ['nsamples', 'rowclocks', 'frameclocks'] as const) {
    if (!Number.isSafeInteger(clocks[key]) || clocks[key] < 0 || clocks[key] > 0xffffffff) {
      throw new KernelParameterError('invalid_parameter', `${kernel}: ${key} must be a non-negative integer, got ${clocks[key]}`);
    }
  }
  if (!(clocks.period > 0) || !Number.isFinite(clocks.period)) throw new KernelParameterError('invalid_parameter', `${kernel}: period must be positive, got ${clocks.period}`);
}

/** Quiet pixels' ramps of the whole exposure summed by waveform phase bin. */
export function emicorrBin(
  data: Float32Array,
  pixeldq: Uint32Array,
  shape: TileShape,
  clocks: EmicorrClocks,
  nbins: number,
): { y: Float64Array; n: Float64Array } {
  const kernel = 'emicorr';
  checkShape(kernel, shape);
  checkClocks(kernel, clocks);
  checkArray(kernel, 'data', data, Float32Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', pixeldq, Uint32Array, 'plane', shape);
  const out = callWasm(kernel, () =>
    wasmBin(data, pixeldq, clocks.nsamples, clocks.rowclocks, clocks.period, nbins, shape.nints, shape.ngroups, shape.rows, shape.cols),
  );
  const split = shape.nints * nbins * shape.ngroups;
  return { y: out.subarray(0, split), n: out.subarray(split) };
}

/** Per integration: the waveform's phase offset and amplitude to subtract. */
export function emicorrFit(
  bins: { y: Float64Array; n: Float64Array },
  wave: Float64Array,
  shape: TileShape,
  clocks: EmicorrClocks,
  separately: boolean,
): { offsets: Float64Array; amplitudes: Float64Array } {
  const kernel = 'emicorr';
  checkShape(kernel, shape);
  checkClocks(kernel, clocks);
  const nbins = wave.length;
  const out = callWasm(kernel, () =>
    wasmFit(bins.y, bins.n, wave, shape.nints, nbins, shape.ngroups, clocks.nsamples, clocks.rowclocks, clocks.frameclocks, clocks.period, shape.rows, separately),
  );
  return { offsets: out.filter((_: number, k: number) => k % 2 === 0), amplitudes: out.filter((_: number, k: number) => k % 2 === 1) };
}

export interface EmicorrArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, corrected in place. */
  data: Float32Array;
  /** `(rows, cols)`: each pixel's row in the exposure (the read time depends on it). */
  row: Uint16Array;
}

export interface EmicorrParams {
  wave: Float64Array;
  clocks: EmicorrClocks;
  /** Rows of the whole exposure. */
  ny: number;
  offsets: Float64Array;
  amplitudes: Float64Array;
}

/** Subtracts the fitted waveform (spec/steps/miri.md §3), in place. */
export function emicorr(arrays: EmicorrArrays, shape: TileShape, params: EmicorrParams): void {
  const kernel = 'emicorr';
  checkShape(kernel, shape);
  checkClocks(kernel, params.clocks);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'row', arrays.row, Uint16Array, 'plane', shape);
  const { wave, clocks, ny, offsets, amplitudes } = params;
  callWasm(kernel, () =>
    applyEmicorr(arrays.data, arrays.row, wave, clocks.nsamples, clocks.rowclocks, clocks.frameclocks, clocks.period, ny, offsets, amplitudes, shape.nints, shape.ngroups, shape.rows, shape.cols),
  );
}

export interface EmicorrSequentialParams {
  clocks: EmicorrClocks;
  /** READPATT is FASTR1/SLOWR1: the reset frame's clocks pass between integrations. */
  resetFrame: boolean;
  /** SUBSIZE1, SUBSTRT1 of the exposure. */
  xsize: number;
  xstart: number;
  nintsToPhase: number;
  nbins: number;
  scaleReference: boolean;
}

/**
 * jwst's 'sequential' algorithm for one frequency on the whole exposure, in place; `reference`
 * (the waveform, float32 as jwst holds it) or undefined to use the data's own binned wave.
 * Returns the binned wave.
 */
export function emicorrSequential(data: Float32Array, shape: TileShape, params: EmicorrSequentialParams, reference?: Float32Array): Float64Array {
  const kernel = 'emicorr';
  checkShape(kernel, shape);
  checkClocks(kernel, params.clocks);
  checkArray(kernel, 'data', data, Float32Array, 'cube', shape);
  const { clocks } = params;
  const values = [clocks.nsamples, clocks.rowclocks, clocks.frameclocks, params.resetFrame ? 1 : 0, clocks.period, params.xsize, params.xstart, params.nintsToPhase, params.nbins, params.scaleReference ? 1 : 0];
  return callWasm(kernel, () => wasmSequential(data, Float64Array.from(values), reference ?? new Float32Array(0), shape.nints, shape.ngroups, shape.rows, shape.cols));
}
