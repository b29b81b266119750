/**
 * Reused memory for loops over row bands: memory touched for the first time is slow (on some
 * machines 0.5-5 ms per MB), so a loop whose bands do not outlive an iteration reads every band
 * into the same buffers, shared ones when workers read them in place.
 */
import { TASK_OUTPUTS } from '../kernels/ramp-fit.js';
import { borrowSharedBuffer, isSharedBuffer, releaseSharedBuffer, type KernelArray } from '../kernels/arrays.js';

/**
 * Buffers a loop over bands reads into, grown to the largest band, when its bands do not outlive
 * an iteration; shared ones (`shared: true`) can go to workers without being transferred away.
 */
export interface BandBuffers {
  shared?: boolean;
  data?: ArrayBufferLike;
  groupdq?: ArrayBufferLike;
  zeroframe?: ArrayBufferLike;
  /** A band's rows of the exposure's planes (ramp fitting's inputs besides the ramp). */
  pixeldq?: ArrayBufferLike;
  gain?: ArrayBufferLike;
  readnoise?: ArrayBufferLike;
  averageDarkCurrent?: ArrayBufferLike;
  /** A band's own rows of GROUPDQ as jump wrote them (the next band takes its halo rows from them). */
  ownGroupdq?: ArrayBufferLike;
  /** rate/rateints outputs a worker writes a band's fit into (OLS_C without fitopt). */
  outputs?: Map<string, SharedArrayBuffer>;
}

/** Views of `slot`'s shared rate/rateints outputs for a band of `length` pixels, grown as needed. */
export function bandOutputs(slot: BandBuffers, nints: number, length: number): Record<keyof typeof TASK_OUTPUTS, KernelArray> {
  slot.outputs ??= new Map();
  const views = {} as Record<keyof typeof TASK_OUTPUTS, KernelArray>;
  for (const [key, [type, layout]] of Object.entries(TASK_OUTPUTS) as [keyof typeof TASK_OUTPUTS, (typeof TASK_OUTPUTS)[keyof typeof TASK_OUTPUTS]][]) {
    const count = (layout === 'plane' ? 1 : nints) * length;
    let buffer = slot.outputs.get(key);
    if (!buffer || buffer.byteLength < count * 4) {
      if (buffer) releaseSharedBuffer(buffer);
      slot.outputs.set(key, (buffer = borrowSharedBuffer(count * 4)));
    }
    views[key] = new (type as unknown as new (buffer: ArrayBufferLike, offset: number, length: number) => KernelArray)(buffer, 0, count);
  }
  return views;
}

/** The arrays a BandBuffers holds. */
const BAND_KEYS = ['data', 'groupdq', 'zeroframe', 'pixeldq', 'gain', 'readnoise', 'averageDarkCurrent', 'ownGroupdq'] as const;

/** A view of `length` elements of `buffers[key]`, grown as needed (a new array without buffers). */
export function bandArray<T extends Float32Array | Uint8Array | Uint32Array>(
  type: { new (buffer: ArrayBufferLike, offset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number },
  length: number,
  buffers: BandBuffers | undefined,
  key: (typeof BAND_KEYS)[number],
): T {
  if (!buffers) return new type(length);
  const bytes = length * type.BYTES_PER_ELEMENT;
  const held = buffers[key];
  if ((held?.byteLength ?? -1) < bytes) {
    if (held && isSharedBuffer(held)) releaseSharedBuffer(held);
    buffers[key] = buffers.shared ? borrowSharedBuffer(bytes) : new ArrayBuffer(bytes);
  }
  return new type(buffers[key]!, 0, length);
}

/**
 * Gives back the shared memory of `buffers` once the loop that read into them is over: later
 * steps (or the next loop) reuse it instead of touching fresh memory.
 */
export function releaseBandBuffers(buffers: BandBuffers): void {
  for (const key of BAND_KEYS) {
    const held = buffers[key];
    if (held && isSharedBuffer(held)) releaseSharedBuffer(held);
    buffers[key] = undefined;
  }
  for (const held of buffers.outputs?.values() ?? []) releaseSharedBuffer(held);
  buffers.outputs?.clear();
}
