/**
 * What crosses between the main thread and a kernel worker. Arrays are shared or transferred,
 * never copied; errors cross as plain data because structured clone drops their class and `code`.
 */
import { isShared, planeCount, type KernelArray } from '../kernels/arrays.js';
import { KernelError, KernelParameterError, KernelShapeError, KernelTypeError } from '../kernels/errors.js';
import { instantiateKernels } from '../kernels/module.js';
import { runStagedBand } from '../kernels/stage.js';
import { executeTile, tileKernel, type TileArrays } from '../kernels/registry.js';
import { cutBand, pasteBand, planRowBands, withHalo, type RowBand } from './plan.js';
import type { TileTask } from './pool.js';

export interface SerializedError {
  name: string;
  message: string;
  /** The stable code of a `KernelError`. */
  code?: string;
}

/** A worker's reply to one task. */
export type TaskOutcome = { outputs: Record<string, KernelArray> } | { error: SerializedError };

/** The distinct buffers behind `arrays`, for a transfer list (a buffer listed twice is a DataCloneError). */
export function transferablesOf(arrays: TileArrays): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of Object.values(arrays)) {
    // A SharedArrayBuffer cannot be transferred; it is shared already.
    if (array?.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  }
  return [...buffers];
}

/**
 * Runs one task in this (worker) thread, instantiating `module` on first use (the worker only
 * ever instantiates, never compiles). Never throws: every failure, instantiation included,
 * reaches the task's caller as its typed error.
 */
export function runTaskHere(
  task: TileTask,
  module: WebAssembly.Module,
): { outcome: TaskOutcome; transfer: ArrayBuffer[] } {
  try {
    instantiateKernels(module);
    if (task.band) {
      runSharedBand(task, task.band);
      return { outcome: { outputs: {} }, transfer: [] };
    }
    // Outputs in shared memory are where the caller has them already (outputsOf puts them
    // back): replying with their handles made a one-worker ramp fit of many bands ~25 % slower.
    const outputs = Object.fromEntries(Object.entries(executeTile(task.kernel, task.arrays, task.shape, task.params)).filter(([, array]) => !isShared(array)));
    return { outcome: { outputs }, transfer: transferablesOf(outputs) };
  } catch (error) {
    return { outcome: { error: serializeError(error) }, transfer: [] };
  }
}

/**
 * A band of whole arrays (shared ones in a worker), in pieces of `task.pieceRows` rows one after
 * the other, each as `runSharedPiece` runs a band. A piece's halo rows above it belong to the
 * piece before, which has written them by then: they come from a copy taken before the first
 * piece runs (those above the band, from the caller's snapshot, as the band's would).
 */
export function runSharedBand(task: TileTask, band: RowBand): void {
  const halo = task.halo ?? 0;
  const pieceRows = task.pieceRows ?? band.rows;
  // (Pieces shorter than the halo would need rows of pieces before the one above them; arrays
  // the caller cut are cut to the band, in bands that the caller keeps within the budget.)
  if (band.rows <= pieceRows || pieceRows < halo || task.bandArrays) return runSharedPiece(task, band);
  const specs = tileKernel(task.kernel).arrays;
  const pieces = planRowBands(band.rows, { maxRows: pieceRows }).map((piece) => ({ row0: band.row0 + piece.row0, rows: piece.rows }));
  const written = Object.keys(task.arrays).filter((key) => specs[key].output && task.arrays[key] !== undefined);
  const above = pieces.map((piece, p) =>
    p === 0 ? task.haloRows?.above : halo === 0 ? undefined : Object.fromEntries(written.map((key) => [key, cutBand(task.arrays[key]!, specs[key].layout, task.shape, { row0: piece.row0 - halo, rows: halo })])),
  );
  for (const [p, piece] of pieces.entries()) {
    const haloRows = { above: above[p], below: p === pieces.length - 1 ? task.haloRows?.below : undefined };
    runSharedPiece({ ...task, haloRows }, piece);
  }
}

/**
 * A band of whole arrays (shared ones in a worker): its rows copied out with the halo rows the
 * caller snapshotted (and the band of the arrays the caller cut already), the kernel run on
 * them, and the band's rows of the outputs copied back into the whole arrays. Kernels with a
 * staged form get their rows copied straight into wasm memory and back.
 */
function runSharedPiece(task: TileTask, band: RowBand): void {
  const { arrays: specs, staged } = tileKernel(task.kernel);
  const grown = withHalo(band, task.halo ?? 0, task.shape.rows);
  const grownShape = { ...task.shape, rows: grown.rows };
  const above = band.row0 - grown.row0;
  const below = grown.row0 + grown.rows - (band.row0 + band.rows);
  /** The rows `key` holds: the window's, for the arrays that hold only those. */
  const rowsOf = (key: string) => (task.window?.arrays.includes(key) ? task.window : { row0: 0, rows: task.shape.rows });
  /** The band and its halo rows of `array` (`key`) into `into`. */
  const fill = (key: string, array: KernelArray, into?: KernelArray | ArrayBufferLike) => {
    const { layout } = specs[key];
    const held = rowsOf(key);
    const cut = cutBand(array, layout, { ...task.shape, rows: held.rows }, { row0: grown.row0 - held.row0, rows: grown.rows }, into as never);
    const snapshotAbove = task.haloRows?.above?.[key];
    const snapshotBelow = task.haloRows?.below?.[key];
    if (snapshotAbove) pasteBand(cut, snapshotAbove, layout, grownShape, { row0: 0, rows: above });
    if (snapshotBelow) pasteBand(cut, snapshotBelow, layout, grownShape, { row0: grown.rows - below, rows: below });
    return cut;
  };
  if (staged) {
    runStagedBand(
      task.kernel,
      staged,
      specs,
      grownShape,
      task.params,
      { row0: above, rows: band.rows },
      (key) => task.bandArrays?.[key] !== undefined || task.arrays[key] !== undefined,
      (key, view) => {
        const cutAlready = task.bandArrays?.[key];
        if (cutAlready) view.set(cutAlready as never);
        else fill(key, task.arrays[key]!, view);
      },
      (key, view) => pasteBand(task.arrays[key]!, view, specs[key].layout, task.shape, band, grown),
      task.bigEndian,
      task.storedDq,
    );
    return;
  }
  if (task.bigEndian?.length) throw new RangeError(`${task.kernel}: big-endian arrays need the kernel's staged form`);
  if (Object.keys(task.storedDq ?? {}).length) throw new RangeError(`${task.kernel}: stored DQ arrays need the kernel's staged form`);
  const bandArrays: TileArrays = { ...task.bandArrays };
  /** Arrays the kernel got as views of the shared array itself: their outputs are in place already. */
  const inPlace = new Set<string>();
  for (const [key, array] of Object.entries(task.arrays)) {
    if (array === undefined) continue;
    const { layout, output } = specs[key];
    // One plane's rows are contiguous: a view instead of a copy, unless halo rows of an output
    // must come from the snapshot (its neighbours may have written them already).
    if (planeCount(layout, grownShape) === 1 && (!output || (above === 0 && below === 0))) {
      const row0 = grown.row0 - rowsOf(key).row0;
      bandArrays[key] = array.subarray(row0 * task.shape.cols, (row0 + grown.rows) * task.shape.cols);
      if (grown.rows === band.rows) inPlace.add(key);
      continue;
    }
    const bytes = planeCount(layout, grownShape) * grown.rows * grownShape.cols * array.BYTES_PER_ELEMENT;
    bandArrays[key] = fill(key, array, bandScratch(key, bytes));
  }
  const outputs = executeTile(task.kernel, bandArrays, grownShape, task.params);
  for (const [key, output] of Object.entries(outputs)) {
    if (!inPlace.has(key)) pasteBand(task.arrays[key]!, output, specs[key].layout, task.shape, band, grown);
  }
}

/**
 * Per-thread buffers the bands of shared arrays are cut into, by array name, kept at the largest
 * band seen. Fresh buffers per band left the C heap of every worker fragmented: the process held
 * hundreds of MB it no longer used (measured on a 10-integration NIRCam SUB640 exposure).
 */
const scratch = new Map<string, ArrayBuffer>();

function bandScratch(key: string, bytes: number): ArrayBuffer {
  let buffer = scratch.get(key);
  if (!buffer || buffer.byteLength < bytes) {
    buffer = new ArrayBuffer(bytes);
    scratch.set(key, buffer);
  }
  return buffer;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = error instanceof KernelError ? error.code : undefined;
  return { name: error.name, message: error.message, code };
}

const kernelErrorClasses = new Map<string, new (code: string, message: string) => KernelError>([
  ['KernelError', KernelError],
  ['KernelShapeError', KernelShapeError],
  ['KernelTypeError', KernelTypeError],
  ['KernelParameterError', KernelParameterError],
]);

const builtinErrorClasses = new Map<string, new (message: string) => Error>([
  ['TypeError', TypeError],
  ['RangeError', RangeError],
]);

/** Rebuilds an error as the class the worker threw, so callers can `instanceof` it. */
export function rebuildError({ name, message, code }: SerializedError): Error {
  if (code !== undefined) {
    const error = new (kernelErrorClasses.get(name) ?? KernelError)(code, message);
    // A KernelError subclass this table does not know yet keeps at least its name.
    error.name = name;
    return error;
  }
  const error = new (builtinErrorClasses.get(name) ?? Error)(message);
  error.name = name;
  return error;
}

/** The outputs of a task, or its error rebuilt. */
export function outputsOf(outcome: TaskOutcome, task: TileTask): Record<string, KernelArray> {
  if ('error' in outcome) throw rebuildError(outcome.error);
  const outputs: Record<string, KernelArray> = {};
  for (const [key, spec] of Object.entries(tileKernel(task.kernel).arrays)) {
    const array = task.arrays[key];
    if (spec.output && array !== undefined && isShared(array)) outputs[key] = array;
  }
  return Object.assign(outputs, outcome.outputs);
}
