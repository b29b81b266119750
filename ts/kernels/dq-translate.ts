/**
 * Reference DQ words straight from the file's bytes into standard flags, in wasm: byte order,
 * the uint32 sign flip and the DQ_DEF translation in one pass (the JS swap, flip and translation
 * loops took ~20 ms a 2048x2048 DQ array on the main thread, five arrays a NIRCam run).
 */
import { Stage, translateDqStaged } from '../../wasm-pkg/detector1_wasm.js';
import { callWasm } from './errors.js';
import { FILE_WORDS_SWAPPED } from './arrays.js';
import { kernelMemory } from './module.js';

/**
 * A reference's DQ words as its file stores them (big-endian 32-bit words, BZERO 2^31 when
 * `unsigned`), and `bitFlags` (dqBitFlags) that translate them to standard flags.
 */
export interface StoredDq {
  unsigned: boolean;
  bitFlags: Uint32Array;
}

/** Buffers of their own in wasm memory, of a chunk: the thread's wasm memory never shrinks. */
let stage: Stage | undefined;
const CHUNK_WORDS = 1 << 18;

/**
 * Translates `stored`, the big-endian bytes of 32-bit DQ words as the file holds them (BZERO
 * 2^31 when `unsigned`, else 0), through `bitFlags` (dqBitFlags) into `into`. The kernels must
 * be loaded in this thread.
 */
export function translateStoredDq(stored: Uint8Array, unsigned: boolean, bitFlags: Uint32Array, into: Uint32Array): void {
  const n = into.length;
  if (stored.length !== 4 * n) throw new RangeError(`translateStoredDq: ${stored.length} stored bytes for ${n} words`);
  stage ??= new Stage();
  for (let start = 0; start < n; start += CHUNK_WORDS) {
    const length = Math.min(CHUNK_WORDS, n - start);
    const words = callWasm('dq translate', () => stage!.slot('u32', 0, length));
    const out = callWasm('dq translate', () => stage!.slot('u32', 1, length));
    // Views made after the last call that may grow the memory.
    new Uint8Array(kernelMemory().buffer, words, 4 * length).set(stored.subarray(4 * start, 4 * (start + length)));
    callWasm('dq translate', () => translateDqStaged(stage!, FILE_WORDS_SWAPPED, unsigned ? 0x80000000 : 0, bitFlags));
    into.set(new Uint32Array(kernelMemory().buffer, out, length), start);
  }
}
