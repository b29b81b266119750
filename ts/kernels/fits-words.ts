/**
 * The FITS writer's pixel encoding for 32-bit pixels in wasm: big-endian bytes and their
 * checksum in one pass (on the main thread the JS byte swap, sign flip and checksum loops took
 * ~0.14 s for a NIRCam full-frame `_rate` + `_rateints`).
 */
import { encodeFitsWordsStaged, Stage } from '../../wasm-pkg/detector1_wasm.js';
import { addSums, type ImageArray, type PixelEncoder } from '../io/fits/index.js';
import { callWasm } from './errors.js';
import { kernelMemory, kernelsLoaded } from './module.js';

/** The encoder's own buffers in wasm memory, of a chunk: the thread's wasm memory never shrinks. */
let stage: Stage | undefined;
const CHUNK_WORDS = 1 << 18;

const encoder: PixelEncoder = {
  encode(pixels: ImageArray, target: Uint8Array): number | undefined {
    // uint32 is stored as int32 with BZERO 2^31: the sign bit flips.
    const flip = pixels instanceof Uint32Array ? 0x80000000 : pixels instanceof Int32Array || pixels instanceof Float32Array ? 0 : undefined;
    if (flip === undefined) return undefined;
    const n = pixels.length;
    if (target.length !== 4 * n) throw new RangeError(`encode: ${n} pixels need ${4 * n} bytes, the target holds ${target.length}`);
    stage ??= new Stage();
    let sum = 0;
    for (let start = 0; start < n; start += CHUNK_WORDS) {
      const length = Math.min(CHUNK_WORDS, n - start);
      const words = callWasm('fits encode', () => stage!.slot('u32', 0, length));
      const bytes = callWasm('fits encode', () => stage!.slot('u8', 0, 4 * length));
      // Views made after the last call that may grow the memory.
      new Uint32Array(kernelMemory().buffer, words, length).set(new Uint32Array(pixels.buffer, pixels.byteOffset + 4 * start, length));
      sum = addSums(sum, callWasm('fits encode', () => encodeFitsWordsStaged(stage!, flip)) >>> 0);
      target.set(new Uint8Array(kernelMemory().buffer, bytes, 4 * length), 4 * start);
    }
    return sum;
  },
};

/** The wasm pixel encoder once the kernels are loaded in this thread, else undefined (the writer's JS codec). */
export function fitsPixelEncoder(): PixelEncoder | undefined {
  return kernelsLoaded() ? encoder : undefined;
}
