/** Random superbias inputs shared by the Node and browser pool tests. Types only from ts/, so it loads anywhere. */
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import type { SuperbiasArrays } from '../../../ts/kernels/superbias.js';
import { random } from '../../helpers/random.js';

/** Rows split unevenly for 2 and 3 workers (19 + 18, 13 + 13 + 11). */
export const unevenTile: TileShape = { nints: 2, ngroups: 3, rows: 37, cols: 19 };


/** Ramps of 0-60000 DN, ~1 in 8 bias values NaN, ~1 in 5 ZEROFRAME values exactly 0, sparse DQ bits. */
export function superbiasTile(shape: TileShape, seed: number, withZeroframe = true): SuperbiasArrays {
  const next = random(seed);
  const plane = shape.rows * shape.cols;
  const flags = () => (next() < 0.1 ? 2 ** Math.floor(next() * 32) : 0) >>> 0;
  return {
    data: Float32Array.from({ length: shape.nints * shape.ngroups * plane }, () => next() * 60000),
    zeroframe: withZeroframe
      ? Float32Array.from({ length: shape.nints * plane }, () => (next() < 0.2 ? 0 : next() * 60000))
      : undefined,
    pixeldq: Uint32Array.from({ length: plane }, flags),
    bias: Float32Array.from({ length: plane }, () => (next() < 0.125 ? Number.NaN : 9000 + next() * 2000)),
    biasDq: Uint32Array.from({ length: plane }, flags),
  };
}

export function copyOf(arrays: SuperbiasArrays): SuperbiasArrays {
  return {
    data: arrays.data.slice(),
    zeroframe: arrays.zeroframe?.slice(),
    pixeldq: arrays.pixeldq.slice(),
    bias: arrays.bias.slice(),
    biasDq: arrays.biasDq.slice(),
  };
}

/** The raw bytes, so NaN payloads and -0 count in comparisons. */
export function bytesOf(array: KernelArray | undefined): Uint8Array | undefined {
  return array && new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** The kernel's outputs (of the arrays it ran on, or as a pool returns them) as bytes, for `toEqual`. */
export function outputBytes(
  arrays: Partial<Record<'data' | 'zeroframe' | 'pixeldq', KernelArray>>,
): Record<string, Uint8Array | undefined> {
  return { data: bytesOf(arrays.data), zeroframe: bytesOf(arrays.zeroframe), pixeldq: bytesOf(arrays.pixeldq) };
}
