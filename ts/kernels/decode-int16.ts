import { decodeStoredInt16 } from '../io/fits/pixels.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';

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
 * FITS decoding of 16-bit image rows as a tile kernel, so that worker threads decode an
 * uncal's groups while the main thread reads the next one (the codec's own loop; no wasm).
 */
export function decodeInt16(arrays: DecodeInt16Arrays, shape: TileShape, params: DecodeInt16Params): void {
  const kernel = 'decode int16';
  checkShape(kernel, shape);
  checkArray(kernel, 'stored', arrays.stored, Uint16Array, 'cube', shape);
  checkArray(kernel, 'out', arrays.out, Float32Array, 'cube', shape);
  decodeStoredInt16(arrays.stored, arrays.out, params.unsigned);
}
