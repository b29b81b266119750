/** What every step shares: how it is run, and how it reports. */
import type { KernelPool } from '../pool/pool.js';
import { isShared, releaseShared, sharedCopy, type KernelArray } from '../kernels/arrays.js';
import type { CubeModel, ImageModel, RampModel } from '../datamodels/models.js';

export type StepStatus = 'COMPLETE' | 'SKIPPED' | 'FAILED';

export interface StepContext {
  /** Worker pool for the kernels; without one they run in this thread (same results). */
  pool?: KernelPool;
  log?: (level: 'info' | 'warning', message: string) => void;
  signal?: AbortSignal;
  /**
   * The pipeline may hand a step a slice of the exposure's integrations (to keep memory flat in
   * NINTS): the ramp then holds integrations `integrationOffset ..< integrationOffset + nints`
   * of the exposure. Steps whose arithmetic depends on the absolute integration number (MIRI
   * reset/rscd/dark planes, INTSTART) add this offset. Default 0: the ramp is the whole exposure.
   */
  integrationOffset?: number;
  /** The exposure's number of integrations when the ramp is a slice of it (default: the ramp's). */
  exposureIntegrations?: number;
  /**
   * Writes a step's own extra product as jwst's `make_output_path(suffix=...)` names it
   * (`<root>_<suffix>.fits`), e.g. clean_flicker_noise's `save_mask`; absent where nothing can be written.
   */
  saveProduct?: (suffix: string, model: RampModel | ImageModel | CubeModel) => Promise<void>;
  /** Reads a file a step parameter names (clean_flicker_noise `user_mask`); undefined when it does not exist. */
  readBytes?: (path: string) => Promise<Uint8Array | undefined>;
  /**
   * Lives from slice to slice of one exposure while the pipeline runs the corrections slice by
   * slice: steps keep the reference planes they read here (see `reusedAcrossSlices`).
   */
  sliceCache?: Map<string, unknown>;
  /**
   * The exposure's GAIN or READNOISE SCI plane cut to the whole science frame, which the pipeline
   * reads once for jump and ramp fitting and owns (shared memory: not to be released). Undefined
   * where the caller has none: the step reads its reference itself.
   */
  referencePlane?: (reftype: 'gain' | 'readnoise') => Promise<Float32Array | undefined>;
}

/**
 * What `load()` gives (an object of arrays and numbers), kept in `context.sliceCache` under
 * `name` and reused while `key` (any JSON value) is the same: the reference planes a step reads
 * and cuts for every slice (a MIRI TSO exposure of 50 slices read 45 planes of a full-frame dark
 * 50 times: 5 of the run's 55 s). Kept arrays move to shared memory, where the workers read them
 * in place instead of a copy of every band of every slice. Kernels only read these arrays.
 * Without a cache, `load()` runs every time and its arrays stay as they are.
 */
export async function reusedAcrossSlices<T extends object>(context: StepContext, name: string, key: unknown, load: () => Promise<T>): Promise<T> {
  const id = JSON.stringify(key);
  const held = context.sliceCache?.get(name) as { id: string; value: T } | undefined;
  if (held?.id === id) return held.value;
  if (held) releaseArrays(held.value);
  const value = await load();
  if (!context.sliceCache) return value;
  const kept = Object.fromEntries(
    Object.entries(value).map(([field, item]) => [field, isKernelArray(item) && !isShared(item) ? sharedCopy(item) : item]),
  ) as T;
  context.sliceCache.set(name, { id, value: kept });
  return kept;
}

const isKernelArray = (item: unknown): item is KernelArray => ArrayBuffer.isView(item) && !(item instanceof DataView);

/**
 * Gives back to `allocShared` the shared arrays of what `reusedAcrossSlices` loaded, unless the
 * slice cache keeps them (they are given back when the cache is cleared).
 */
export function releaseUnlessKept(context: StepContext, value: object): void {
  if (!context.sliceCache) releaseArrays(value);
}

function releaseArrays(value: object): void {
  for (const item of Object.values(value)) if (isKernelArray(item)) releaseShared(item);
}

/** Empties a slice cache, giving its shared arrays back to `allocShared`. */
export function clearSliceCache(cache: Map<string, unknown>): void {
  for (const held of cache.values()) releaseArrays((held as { value: object }).value);
  cache.clear();
}

export function warn(context: StepContext, message: string): void {
  context.log?.('warning', message);
}

/** A step skipped for want of its reference, as jwst says and records it (`R_*` = N/A). */
export function skipWithoutReference(meta: RampModel['meta'], context: StepContext, alias: string, reftype: string, keywords: { status: string; reference: string }): StepStatus {
  warn(context, `${alias}: no ${reftype.toUpperCase()} reference; step skipped`);
  meta.refFiles[keywords.reference] = 'N/A';
  return (meta.calStep[keywords.status] = 'SKIPPED');
}

export function info(context: StepContext, message: string): void {
  context.log?.('info', message);
}

/** The `(nints, ngroups, rows, cols)` tile shape of a whole ramp. */
export function rampTileShape(shape: readonly [number, number, number, number]) {
  const [nints, ngroups, rows, cols] = shape;
  return { nints, ngroups, rows, cols };
}

/** The file name jwst records in `R_*` keywords: the reference's base name, without directories. */
export function referenceName(file: { source: { name: string } }): string {
  return file.source.name.slice(file.source.name.search(/[^/\\]*$/));
}
