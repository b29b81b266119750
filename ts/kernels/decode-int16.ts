import { decodeInt16 as decodeInt16Wasm, decodeInt16Staged as decodeInt16StagedWasm, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, FILE_WORDS_SWAPPED, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface DecodeInt16Arrays {
  /** 16-bit integers as stored in the FITS file (big-endian words in host order). */
  stored: Uint16Array;
  /** Their physical values. */
  out: Float32Array;
}

export interface DecodeInt16Params {
  /** BZERO 32768 (the uint16 convention of uncal SCI) rather than 0. */
  unsigned: boolean;
}

/**
 * FITS decoding of 16-bit image rows (BZERO 0 or 32768, BSCALE 1, no BLANK) as a tile kernel, so
 * that worker threads decode an uncal's groups while the main thread reads the next one.
 */
export function decodeInt16(arrays: DecodeInt16Arrays, shape: TileShape, params: DecodeInt16Params): void {
  const kernel = 'decode int16';
  checkShape(kernel, shape);
  checkArray(kernel, 'stored', arrays.stored, Uint16Array, 'cube', shape);
  checkArray(kernel, 'out', arrays.out, Float32Array, 'cube', shape);
  callWasm(kernel, () => decodeInt16Wasm(arrays.stored, arrays.out, params.unsigned, FILE_WORDS_SWAPPED));
}

/** `decodeInt16` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them). */
export function decodeInt16Staged(stage: Stage, shape: TileShape, params: DecodeInt16Params): void {
  checkShape('decode int16', shape);
  callWasm('decode int16', () => decodeInt16StagedWasm(stage, params.unsigned, FILE_WORDS_SWAPPED));
}
