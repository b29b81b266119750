import { applyRscd, rscdBackoffRounds as wasmBackoffRounds } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm } from './errors.js';

export interface RscdArrays {
  /** GROUPDQ `(nints, ngroups, rows, cols)`; DO_NOT_USE on each pixel's first skipped groups. */
  groupdq: Uint8Array;
  /** PIXELDQ `(rows, cols)`; FLUX_ESTIMATED where saturation lowered the skip. */
  pixeldq: Uint32Array;
  /** `(rows, cols)` per-pixel bits: range k sets 1 << 2k (skip lowered), 2 << 2k (skip 0 after a back-off). */
  summary: Uint8Array;
}

export interface RscdRange {
  skip: number;
  /** Rounds of jwst's back-off loop on the whole range ({@link rscdBackoffRounds}). */
  rounds: number;
}

export interface RscdParams {
  ranges: RscdRange[];
  /** Range index of each integration of the tile; 255 = not flagged. */
  rangeOf: number[];
}

/** Rounds of jwst's back-off loop for `skip` over integrations `first ..< end` of the whole `groupdq`. */
export function rscdBackoffRounds(groupdq: Uint8Array, shape: TileShape, first: number, end: number, skip: number): number {
  checkShape('rscd', shape);
  checkArray('rscd', 'groupdq', groupdq, Uint8Array, 'cube', shape);
  return callWasm('rscd', () => wasmBackoffRounds(groupdq, first, end, skip, shape.nints, shape.ngroups, shape.rows, shape.cols));
}

/** rscd flagging (spec/steps/miri.md §2), in place. */
export function rscd(arrays: RscdArrays, shape: TileShape, params: RscdParams): void {
  const kernel = 'rscd';
  checkShape(kernel, shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'summary', arrays.summary, Uint8Array, 'plane', shape);
  const ranges = Uint32Array.from(params.ranges.flatMap((r) => [r.skip, r.rounds]));
  callWasm(kernel, () =>
    applyRscd(arrays.groupdq, arrays.pixeldq, arrays.summary, ranges, Uint8Array.from(params.rangeOf), shape.nints, shape.ngroups, shape.rows, shape.cols),
  );
}
