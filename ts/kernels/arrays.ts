/** Shapes, element types and layouts of the arrays that cross into the kernels. */
import { KernelShapeError, KernelTypeError } from './errors.js';

/** A band of whole rows of a ramp: `(nints, ngroups, rows, cols)`. */
export interface TileShape {
  nints: number;
  ngroups: number;
  rows: number;
  cols: number;
  /** Planes of `stack` arrays (e.g. linearity coefficients, per-group dark frames); default 1. */
  planes?: number;
}

/**
 * How an array is laid out over the rows of a tile, i.e. how many `(rows, cols)` planes it
 * stacks: `cube` = nints*ngroups (SCI, GROUPDQ), `intPlanes` = nints (ZEROFRAME, rateints),
 * `plane` = 1 (PIXELDQ, reference images), `stack` = shape.planes (reference stacks).
 */
export type Layout = 'cube' | 'intPlanes' | 'plane' | 'stack';

export type KernelArray = Float32Array | Uint8Array | Uint16Array | Uint32Array | Float64Array;
export type KernelArrayConstructor =
  | Float32ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | Float64ArrayConstructor;

export function planeCount(layout: Layout, shape: TileShape): number {
  switch (layout) {
    case 'cube':
      return shape.nints * shape.ngroups;
    case 'intPlanes':
      return shape.nints;
    case 'plane':
      return 1;
    case 'stack':
      return shape.planes ?? 1;
  }
}

/** The big-endian words of a FITS file, loaded as they are, read byte-swapped on a little-endian host. */
export const FILE_WORDS_SWAPPED = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function checkShape(kernel: string, shape: TileShape): void {
  for (const key of ['nints', 'ngroups', 'rows', 'cols'] as const) {
    const value = shape[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new KernelShapeError('invalid_shape', `${kernel}: shape.${key} must be a positive integer, got ${value}`);
    }
  }
}

/** Checks one argument's element type and length against its layout; names the argument when wrong. */
export function checkArray(
  kernel: string,
  argument: string,
  value: unknown,
  type: KernelArrayConstructor,
  layout: Layout,
  shape: TileShape,
): void {
  if (!(value instanceof type)) {
    const got = value === undefined ? 'undefined' : (value as object)?.constructor?.name ?? typeof value;
    throw new KernelTypeError('wrong_type', `${kernel}: argument \`${argument}\` must be a ${type.name}, got ${got}`);
  }
  const expected = planeCount(layout, shape) * shape.rows * shape.cols;
  if (value.length !== expected) {
    const dims =
      layout === 'cube'
        ? `(${shape.nints}, ${shape.ngroups}, ${shape.rows}, ${shape.cols})`
        : layout === 'intPlanes'
          ? `(${shape.nints}, ${shape.rows}, ${shape.cols})`
          : layout === 'stack'
            ? `(${shape.planes ?? 1}, ${shape.rows}, ${shape.cols})`
            : `(${shape.rows}, ${shape.cols})`;
    throw new KernelShapeError(
      'shape_mismatch',
      `${kernel}: argument \`${argument}\` has ${value.length} elements but shape ${dims} needs ${expected}`,
    );
  }
}

/**
 * Whether typed arrays can live on a SharedArrayBuffer that workers read and write in place
 * (always in Node; in browsers only on cross-origin-isolated pages).
 */
export function sharedMemoryAvailable(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer === 'function' && isolated !== false;
}

type ArrayType<T> = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/**
 * SharedArrayBuffers given back by `releaseShared`, by byte length. V8 does not count shared
 * memory towards its garbage-collection pressure, so a dropped SharedArrayBuffer can wait for
 * its memory to be freed long after ordinary buffers would have been: shared buffers that come
 * and go (one per integration, one per kernel call) are recycled instead of dropped.
 */
const recycled = new Map<number, SharedArrayBuffer[]>();
let recycledBytes = 0;
/** Recycled buffers beyond this many bytes (256 MiB) are dropped. */
const RECYCLE_LIMIT = 1 << 28;
/**
 * Up to this size (64 MiB) buffers are made at the next power of two, so that one serves every
 * request of its size class: the reference windows and band cuts of successive steps all differ
 * a little in size, and exact sizes left ~100 MB of them idle in the recycling while as much was
 * touched afresh (NIRCam full frame through Detector1). Pages never written cost no memory.
 */
const SIZE_CLASS_LIMIT = 1 << 26;
/** Byte length of the array allocShared made on each buffer it handed out (and not yet got back). */
const handedOut = new WeakMap<SharedArrayBuffer, number>();

function capacityFor(bytes: number): number {
  return bytes > 0 && bytes <= SIZE_CLASS_LIMIT ? 2 ** Math.ceil(Math.log2(bytes)) : bytes;
}

/**
 * A zeroed array on a SharedArrayBuffer where possible (see `sharedMemoryAvailable`), recycled
 * from `releaseShared` when a buffer of its size class was given back; else on an ordinary
 * buffer. The array starts at offset 0 of its buffer, which may be longer (see SIZE_CLASS_LIMIT).
 * Kernel runs with a worker pool then hand workers the array itself instead of copies of its
 * bands.
 */
export function allocShared<T extends KernelArray>(type: ArrayType<T>, length: number, options: { zeroed?: boolean } = {}): T {
  const bytes = length * type.BYTES_PER_ELEMENT;
  if (!sharedMemoryAvailable()) return new type(new ArrayBuffer(bytes));
  const capacity = capacityFor(bytes);
  const reused = recycled.get(capacity)?.pop();
  if (reused) recycledBytes -= capacity;
  const buffer = reused ?? new SharedArrayBuffer(capacity);
  handedOut.set(buffer, bytes);
  const array = new type(buffer, 0, length);
  // `zeroed: false` for a caller that overwrites every element: a recycled buffer keeps old values.
  if (reused && (options.zeroed ?? true)) array.fill(0);
  return array;
}

/**
 * Gives the shared array back for `allocShared` to reuse: the whole array allocShared made (or
 * a view of a whole SharedArrayBuffer). The caller must hold the only use of it: nothing may read
 * or write it afterwards.
 */
export function releaseShared(array: KernelArray): void {
  const buffer = array.buffer;
  if (!isSharedBuffer(buffer)) return;
  if (array.byteOffset !== 0 || array.byteLength !== (handedOut.get(buffer) ?? buffer.byteLength)) return;
  handedOut.delete(buffer);
  releaseSharedBuffer(buffer);
}

/**
 * A SharedArrayBuffer of at least `bytes` for the caller's own views (at offset 0): the smallest
 * recycled one that is large enough, else a new one of `bytes`. Loops that hold band buffers for
 * a while (the pipeline's jump and ramp-fit bands) take them so, rather than touching fresh
 * memory beside reference planes that are done with. Give it back with `releaseSharedBuffer`.
 */
export function borrowSharedBuffer(bytes: number): SharedArrayBuffer {
  let fit: number | undefined;
  for (const [size, list] of recycled) if (size >= bytes && list.length > 0 && (fit === undefined || size < fit)) fit = size;
  if (fit === undefined) return new SharedArrayBuffer(bytes);
  recycledBytes -= fit;
  return recycled.get(fit)!.pop()!;
}

/** Whether `buffer` is a SharedArrayBuffer (false where the environment has none, e.g. a page that is not cross-origin isolated). */
export function isSharedBuffer(buffer: ArrayBufferLike): buffer is SharedArrayBuffer {
  return typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer;
}

/** Gives a whole SharedArrayBuffer back for reuse; nothing may use it afterwards. */
export function releaseSharedBuffer(buffer: SharedArrayBuffer): void {
  if (recycledBytes + buffer.byteLength > RECYCLE_LIMIT) return;
  const list = recycled.get(buffer.byteLength) ?? [];
  if (list.includes(buffer)) return;
  list.push(buffer);
  recycled.set(buffer.byteLength, list);
  recycledBytes += buffer.byteLength;
}

/**
 * `target[i] |= source[i]` for every element. A function of its own, so that V8 optimises this
 * small loop rather than the (large) function that runs it.
 */
export function orInto(target: Uint32Array, source: Uint32Array): void {
  const n = Math.min(target.length, source.length);
  for (let i = 0; i < n; i++) target[i] |= source[i];
}

/** A copy of `array` made with `allocShared`. */
export function sharedCopy<T extends KernelArray>(array: T): T {
  const copy = allocShared(array.constructor as unknown as ArrayType<T>, array.length, { zeroed: false });
  copy.set(array as never);
  return copy;
}

export function isShared(array: KernelArray): boolean {
  return typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer;
}
