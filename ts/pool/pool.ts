/**
 * One interface for running tile kernels in worker threads: Piscina in Node, Web Workers in
 * browsers. Arrays are shared (SharedArrayBuffer) or transferred to and from workers, never
 * cloned; the compiled WebAssembly.Module is shared, so workers only instantiate it.
 */
import { checkArray, checkShape, planeCount, type KernelArray, type Layout, type TileShape } from '../kernels/arrays.js';
import { allocShared, isShared, releaseShared, sharedCopy, sharedMemoryAvailable } from '../kernels/arrays.js';
import { executeTile, tileKernel, type TileArrays, type TileKernelName } from '../kernels/registry.js';
import { decodeInPlace } from '../io/fits/pixels.js';
import { translateStoredDq, type StoredDq } from '../kernels/dq-translate.js';
import { kernelsLoaded } from '../kernels/module.js';
import { translateDqBits } from '../dq/index.js';
import { cutBand, pasteBand, planRowBands, withHalo, type RowBand } from './plan.js';
import { runSharedBand } from './task-transport.js';
import type { BorderTask, ChainResult, ChainTask, RefpixGroupsTask } from './chain-band.js';

/** One band of one kernel call, as sent to a worker. */
export interface TileTask {
  kernel: TileKernelName;
  arrays: TileArrays;
  shape: TileShape;
  /** The kernel's scalar parameters (structured-cloneable), the same for every band. */
  params?: unknown;
  /**
   * Set when `arrays` are whole arrays of `shape` on SharedArrayBuffers: the worker cuts these
   * rows itself, with `halo` rows of context (of the outputs, from `haloRows`: copies of the
   * neighbours' rows taken before any band ran), and writes its rows of the outputs back into
   * the shared arrays.
   */
  band?: RowBand;
  halo?: number;
  haloRows?: { above?: TileArrays; below?: TileArrays };
  /**
   * With `band`: the worker runs the kernel on pieces of the band of at most this many rows,
   * one after the other (each with its halo rows), as if each were a band of its own.
   */
  pieceRows?: number;
  /** With `band`: the arrays this names hold only the window's rows (see TiledOptions.window). */
  window?: RowWindow;
  /** With `band`: arrays that are not shared, already cut to the band and its halo rows. */
  bandArrays?: TileArrays;
  /** With `band`: 32-bit arrays in file order (big-endian), put in host order in wasm memory (see TiledOptions.bigEndian). */
  bigEndian?: readonly string[];
  /** With `band`: reference DQ arrays as their file stores them, translated in wasm memory (see TiledOptions.storedDq). */
  storedDq?: Readonly<Record<string, StoredDq>>;
}

export interface KernelPool {
  /** Number of worker threads. */
  readonly size: number;
  /** Runs one task in a worker; resolves to the kernel's output arrays. Rejects with the kernel's typed error. */
  run(task: TileTask, signal?: AbortSignal): Promise<Record<string, KernelArray>>;
  /**
   * Runs one band of a pipeline's chain in a worker (chain-band.ts), for pools whose workers
   * can read files by path (Node's); absent elsewhere.
   */
  runChain?(task: ChainTask, signal?: AbortSignal): Promise<ChainResult>;
  /** Corrects part of refpix's border in a worker (chain-band.ts), where `runChain` is. */
  runBorder?(task: BorderTask, signal?: AbortSignal): Promise<void>;
  /** Computes some groups of refpix's statistics in a worker (chain-band.ts), where `runChain` is. */
  runRefpixGroups?(task: RefpixGroupsTask, signal?: AbortSignal): Promise<void>;
  /** Terminates every worker. Pending tasks reject. */
  destroy(): Promise<void>;
}

export interface TiledOptions {
  /** Upper bound on rows per band; by default a band holds at most `bandByteBudget` bytes. */
  maxBandRows?: number;
  /** Rows of context above and below each band for kernels with 2-D neighbourhoods (see `withHalo`). */
  halo?: number;
  /** The kernel's scalar parameters, passed to every band. */
  params?: unknown;
  signal?: AbortSignal;
  /**
   * Only rows `[row0, row0 + rows)` are processed, and the arrays named in `arrays` hold only
   * those rows (e.g. references read window by window, so they never sit whole in memory).
   * Kernels without a halo only.
   */
  window?: RowWindow;
  /**
   * Input arrays (float32 or uint32) that hold their words as a FITS file stores them
   * (big-endian), e.g. reference planes read straight from the file into shared memory. With a
   * pool on shared memory and a kernel with a staged form, each worker puts its band's words in
   * host order as it fills wasm memory, so the thread that read them does no pass over them;
   * otherwise they are put in host order here first, in copies. The caller's arrays are left as
   * they are either way.
   */
  bigEndian?: readonly string[];
  /**
   * Input arrays (uint32) that hold a reference's DQ words as its file stores them
   * (readReferenceDq's `fileOrder`), with the translation to standard flags. As with
   * `bigEndian`, each worker translates its band as it fills wasm memory where it can; otherwise
   * copies are translated here first. The caller's arrays are left as they are.
   */
  storedDq?: Readonly<Record<string, StoredDq>>;
}

export interface RowWindow {
  row0: number;
  rows: number;
  arrays: readonly string[];
}

/**
 * Bytes of all arrays of one band. wasm32 memory tops out at 4 GiB and every call copies its
 * arrays in, so data reaches the kernels band by band, never as a whole cube.
 */
export const bandByteBudget = 256 * 2 ** 20;

/**
 * The same with a worker pool: bands are copies sent to workers, whose wasm memory keeps its
 * largest size, so small bands keep the process's peak memory near the data itself. Memory
 * touched for the first time is slow here (a microVM that hands freed pages back to its host:
 * 1.6-5 ms per MB), so smaller bands also cost less time: NIRCam full frame through Detector1
 * on 2 workers, 16 -> 4 MiB bands: peak RSS 1015 -> 825 MB, wall time 4.0-5.1 -> 3.6-3.9 s.
 */
export const poolBandByteBudget = 4 * 2 ** 20;

/**
 * Tasks per worker and kernel call on shared memory: each task's band is worked on in pieces of
 * the byte budget by its worker, so a call costs a few messages rather than one per 4 MiB (a
 * task costs ~0.6 ms of CPU in messages, array handles and promises: NIRCam full-frame superbias
 * on 2 workers, 48 bands of 4 MiB: 39-42 ms wall and 72-76 ms CPU; 4 bands in pieces of 4 MiB:
 * 26-28 and 46-50). Two per worker, so a worker slowed down (this thread shares the cores) holds
 * the others back by half a share at most.
 */
const SHARED_TASKS_PER_WORKER = 2;

function rowsWithinBudget(specs: Record<string, { layout: Layout }>, arrays: TileArrays, shape: TileShape, budget: number): number {
  let bytesPerRow = 0;
  for (const [key, spec] of Object.entries(specs)) {
    const array = arrays[key];
    if (array !== undefined) bytesPerRow += planeCount(spec.layout, shape) * shape.cols * array.BYTES_PER_ELEMENT;
  }
  return Math.max(1, Math.floor(budget / Math.max(bytesPerRow, 1)));
}

/**
 * Runs `kernel` over the whole arrays, in place. With a pool the rows are cut into bands that run
 * in parallel. On shared memory there are a few per worker, which the workers cut themselves and
 * work on in pieces within the pool's byte budget (see `runShared`). Elsewhere (browser pages
 * that are not cross-origin isolated) the bands are within the budget, at least one per worker,
 * and this thread cuts and transfers them and pastes their outputs back by row offset. Without a
 * pool the bands run one after the other in this thread (a single band, uncopied, when
 * everything fits the budget). All give identical results.
 */
export async function runTiled(
  pool: KernelPool | undefined,
  kernel: TileKernelName,
  arrays: TileArrays,
  shape: TileShape,
  options: TiledOptions = {},
): Promise<void> {
  const specs = tileKernel(kernel).arrays;
  const halo = options.halo ?? 0;
  const window = checkedWindow(kernel, options.window, shape, halo, specs);
  const windowed = new Set(window?.arrays);
  const windowShape = window && { ...shape, rows: window.rows };
  // Check against the full shape before cutting: cutBand would pad a short array with zeros.
  checkShape(kernel, shape);
  for (const [key, spec] of Object.entries(specs)) {
    if (arrays[key] !== undefined || !spec.optional) {
      checkArray(kernel, key, arrays[key], spec.type, spec.layout, windowed.has(key) ? windowShape! : shape);
    }
  }
  const swappedByWorkers = pool !== undefined && sharedMemoryAvailable() && tileKernel(kernel).staged !== undefined && Object.values(arrays).every((array) => array === undefined || ArrayBuffer.isView(array));
  const bigEndian = (options.bigEndian ?? []).filter((key) => arrays[key] !== undefined);
  for (const key of bigEndian) {
    if (specs[key]?.output !== false || !(arrays[key] instanceof Float32Array || arrays[key] instanceof Uint32Array)) {
      throw new RangeError(`${kernel}: big-endian array "${key}" must be a float32 or uint32 input of the kernel`);
    }
  }
  const inFileOrder = bigEndian.filter((key) => swappedByWorkers && isShared(arrays[key]!));
  if (inFileOrder.length < bigEndian.length) arrays = inHostOrder(arrays, bigEndian.filter((key) => !inFileOrder.includes(key)));
  const storedDq = Object.entries(options.storedDq ?? {}).filter(([key]) => arrays[key] !== undefined);
  for (const [key] of storedDq) {
    if (specs[key]?.output !== false || !(arrays[key] instanceof Uint32Array)) throw new RangeError(`${kernel}: stored DQ array "${key}" must be a uint32 input of the kernel`);
  }
  const dqByWorkers = storedDq.filter(([key]) => swappedByWorkers && isShared(arrays[key]!));
  if (dqByWorkers.length < storedDq.length) arrays = translatedHere(arrays, storedDq.filter((entry) => !dqByWorkers.includes(entry)));
  const maxRows = options.maxBandRows ?? rowsWithinBudget(specs, arrays, shape, pool ? poolBandByteBudget : bandByteBudget);
  const bands = planRowBands(window?.rows ?? shape.rows, { minBands: pool?.size ?? 1, maxRows }).map((band) => ({ ...band, row0: band.row0 + (window?.row0 ?? 0) }));
  /** Rows `rows` of an array: of the window for the windowed ones. */
  const cutRows = (key: string, rows: RowBand, into?: ArrayBufferLike) => {
    const { layout } = specs[key];
    if (!window || !windowed.has(key)) return cutBand(arrays[key]!, layout, shape, rows, into);
    return cutBand(arrays[key]!, layout, windowShape!, { row0: rows.row0 - window.row0, rows: rows.rows }, into);
  };

  /** The task of one band (with its halo rows), and how to put its outputs back. */
  const taskFor = (band: RowBand) => {
    const grown = withHalo(band, halo, shape.rows);
    const bandArrays: TileArrays = {};
    for (const key of Object.keys(specs)) {
      if (arrays[key] !== undefined) bandArrays[key] = cutRows(key, grown);
    }
    const paste = (outputs: Record<string, KernelArray>) => {
      for (const [key, output] of Object.entries(outputs)) {
        pasteBand(arrays[key]!, output, specs[key].layout, shape, band, grown);
      }
    };
    return { task: { kernel, arrays: bandArrays, shape: { ...shape, rows: grown.rows }, params: options.params }, paste };
  };

  // Kernels may read the halo rows of their own output arrays (saturation grows the SAT bits
  // already in GROUPDQ), so a band's outputs are written back only once every band whose grown
  // rows reach its core has been cut: later bands see the caller's input there, as untiled.
  let nextRow0 = 0;
  const waiting: { end: number; paste: () => void }[] = [];
  const flush = () => {
    for (let i = 0; i < waiting.length; ) {
      if (nextRow0 - halo >= waiting[i].end) waiting.splice(i, 1)[0].paste();
      else i++;
    }
  };
  const finished = (band: RowBand, paste: () => void) => {
    waiting.push({ end: band.row0 + band.rows, paste });
    flush();
  };
  /** Called once a band is cut, with the band to cut next: rows above its halo may now be written. */
  const cutUntil = (next: RowBand | undefined) => {
    nextRow0 = next?.row0 ?? Infinity;
    flush();
  };

  if (!pool) {
    if (bands.length === 1 && !window) {
      // Everything fits one band: run on the caller's arrays, no copies.
      options.signal?.throwIfAborted();
      executeTile(kernel, arrays, shape, options.params);
      return;
    }
    if (tileKernel(kernel).staged && !window) {
      runStagedBandsHere(kernel, arrays, shape, bands, halo, options);
      return;
    }
    for (const [b, band] of bands.entries()) {
      options.signal?.throwIfAborted();
      const { task, paste } = taskFor(band);
      cutUntil(bands[b + 1]);
      const outputs = executeTile(kernel, task.arrays, task.shape, task.params);
      finished(band, () => paste(outputs));
    }
    return;
  }
  // Kernels whose arguments are all typed arrays (not rampFit's records of them).
  if (sharedMemoryAvailable() && Object.values(arrays).every((array) => array === undefined || ArrayBuffer.isView(array))) {
    // Fewer, taller bands, each worked on in pieces of `maxRows` (see SHARED_TASKS_PER_WORKER),
    // unless this thread cuts inputs that are not shared for each band: taller bands would hold
    // more of them at once.
    const cutPerBand = Object.entries(arrays).some(([key, array]) => array !== undefined && !specs[key].output && !isShared(array));
    const rows = window?.rows ?? shape.rows;
    const taskRows = Math.max(maxRows, Math.ceil(rows / (pool.size * SHARED_TASKS_PER_WORKER)));
    const tasks = cutPerBand ? bands : planRowBands(rows, { minBands: pool.size, maxRows: taskRows }).map((band) => ({ ...band, row0: band.row0 + (window?.row0 ?? 0) }));
    await runShared(pool, kernel, arrays, shape, tasks, halo, { ...options, pieceRows: maxRows, bigEndian: inFileOrder, storedDq: Object.fromEntries(dqByWorkers) }, windowed, cutRows);
    return;
  }
  // At most two bands per worker in flight, so band copies never hold a second copy of the cube.
  const inFlight = new Set<Promise<void>>();
  let failed = false;
  let failure: unknown;
  for (const [b, band] of bands.entries()) {
    if (failed) break;
    options.signal?.throwIfAborted();
    const { task, paste } = taskFor(band);
    cutUntil(bands[b + 1]);
    const job = pool
      .run(task, options.signal)
      .then((outputs) => finished(band, () => paste(outputs)))
      .catch((error: unknown) => {
        if (!failed) [failed, failure] = [true, error];
      })
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= 2 * pool.size) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failed) throw failure;
}

/** `arrays` with the ones named by `keys` (float32 or uint32, big-endian) as host-order copies. */
/** Copies of stored DQ arrays translated to standard flags. */
function translatedHere(arrays: TileArrays, entries: readonly (readonly [string, StoredDq])[]): TileArrays {
  const copies: TileArrays = { ...arrays };
  for (const [key, { unsigned, bitFlags }] of entries) {
    const stored = arrays[key] as Uint32Array;
    const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
    const copy = new Uint32Array(stored.length);
    if (kernelsLoaded()) translateStoredDq(bytes, unsigned, bitFlags, copy);
    else translateDqBits(decodeInPlace(bytes.slice(), 32, unsigned ? 'unsigned' : 'signed') as Uint32Array | Int32Array, bitFlags, copy);
    copies[key] = copy;
  }
  return copies;
}

function inHostOrder(arrays: TileArrays, keys: readonly string[]): TileArrays {
  const copies: TileArrays = { ...arrays };
  for (const key of keys) {
    const copy = arrays[key]!.slice();
    decodeInPlace(new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength), copy instanceof Float32Array ? -32 : 32, 'signed');
    copies[key] = copy;
  }
  return copies;
}

/**
 * The bands of a kernel with a staged form, one after the other in this thread as a worker runs
 * them (`runSharedBand`: rows straight into wasm memory and back into the arrays). Each band's
 * halo rows of the outputs come from a snapshot taken before any band ran, so every band sees
 * the input as an untiled run does.
 */
function runStagedBandsHere(kernel: TileKernelName, arrays: TileArrays, shape: TileShape, bands: RowBand[], halo: number, options: TiledOptions): void {
  const specs = tileKernel(kernel).arrays;
  const written = Object.keys(specs).filter((key) => specs[key].output && arrays[key] !== undefined);
  const snapshot = (rows: RowBand): TileArrays | undefined =>
    rows.rows === 0 ? undefined : Object.fromEntries(written.map((key) => [key, cutBand(arrays[key]!, specs[key].layout, shape, rows)]));
  const haloRows = bands.map((band) => {
    const grown = withHalo(band, halo, shape.rows);
    const end = band.row0 + band.rows;
    return { above: snapshot({ row0: grown.row0, rows: band.row0 - grown.row0 }), below: snapshot({ row0: end, rows: grown.row0 + grown.rows - end }) };
  });
  for (const [b, band] of bands.entries()) {
    options.signal?.throwIfAborted();
    runSharedBand({ kernel, arrays, shape, params: options.params, band, halo, haloRows: haloRows[b] }, band);
  }
}

function checkedWindow(kernel: string, window: RowWindow | undefined, shape: TileShape, halo: number, specs: Record<string, { output: boolean }>): RowWindow | undefined {
  if (!window) return undefined;
  const { row0, rows } = window;
  if (!Number.isSafeInteger(row0) || !Number.isSafeInteger(rows) || row0 < 0 || rows < 1 || row0 + rows > shape.rows) {
    throw new RangeError(`${kernel}: window rows [${row0}, ${row0 + rows}) are not within the ${shape.rows} rows`);
  }
  if (halo !== 0) throw new RangeError(`${kernel}: a row window takes no halo (got ${halo})`);
  const unknown = window.arrays.find((key) => !(key in specs));
  if (unknown !== undefined) throw new RangeError(`${kernel}: window array "${unknown}" is not an argument of the kernel`);
  const output = window.arrays.find((key) => specs[key].output);
  if (output !== undefined) throw new RangeError(`${kernel}: window array "${output}" is an output; only inputs can hold the window's rows alone`);
  return window;
}

/**
 * The pool path on shared memory: the workers read their bands straight from the shared arrays
 * (in pieces of `options.pieceRows` rows) and write their rows of the outputs back in place, so
 * this thread copies none of them. Arrays that are not shared are cut per band here (inputs such
 * as references) or, for outputs, copied once to recycled shared buffers. A band's rows are
 * written only by its own worker; the halo rows it reads from its neighbours come from a
 * snapshot taken here before any band runs, so every band sees the input as an untiled run
 * does, whatever the order.
 */
async function runShared(
  pool: KernelPool,
  kernel: TileKernelName,
  arrays: TileArrays,
  shape: TileShape,
  bands: RowBand[],
  halo: number,
  options: TiledOptions & { pieceRows: number },
  windowed: ReadonlySet<string>,
  cutRows: (key: string, rows: RowBand, into?: ArrayBufferLike) => KernelArray,
): Promise<void> {
  const specs = tileKernel(kernel).arrays;
  const shared: TileArrays = {};
  const cutHere: string[] = [];
  for (const [key, array] of Object.entries(arrays)) {
    if (array === undefined) continue;
    // (The workers cut shared windowed arrays by the window's rows.)
    if (isShared(array)) shared[key] = array;
    else if (specs[key].output) shared[key] = sharedCopy(array);
    else cutHere.push(key);
  }
  // Bands cut here go to recycled shared buffers, given back once the band is done: copies
  // cloned into every task left garbage in both threads that their collectors freed late
  // (tens of MB per integration on a 10-integration SUB640 exposure).
  const cut = (keys: string[], rows: RowBand): TileArrays | undefined => {
    if (rows.rows === 0 || keys.length === 0) return undefined;
    return Object.fromEntries(
      keys.map((key) => {
        const array = arrays[key]!;
        const { layout } = specs[key];
        const into = allocShared(array.constructor as never, planeCount(layout, shape) * rows.rows * shape.cols, { zeroed: false }) as KernelArray;
        return [key, cutRows(key, rows, into.buffer)];
      }),
    );
  };
  const release = (band: TileArrays | undefined) => {
    for (const array of Object.values(band ?? {})) if (array) releaseShared(array);
  };
  const written = Object.keys(shared).filter((key) => specs[key].output);
  // Halo rows are cut just in time: a band's rows below the core before it starts (the bands
  // below start later), and its rows above before the first band they belong to starts (bands
  // start in order). So the workers start at once, and each snapshot is let go with its band.
  const haloRows: { above?: TileArrays; below?: TileArrays }[] = bands.map(() => ({}));
  let aboveTaken = 0;
  const takeHalos = (b: number) => {
    const end = bands[b]!.row0 + bands[b]!.rows;
    for (; aboveTaken < bands.length; aboveTaken++) {
      const band = bands[aboveTaken]!;
      const grown = withHalo(band, halo, shape.rows);
      if (grown.row0 >= end) break;
      haloRows[aboveTaken]!.above = cut(written, { row0: grown.row0, rows: band.row0 - grown.row0 });
    }
    const grown = withHalo(bands[b]!, halo, shape.rows);
    haloRows[b]!.below = cut(written, { row0: end, rows: grown.row0 + grown.rows - end });
  };
  const releaseHalos = (b: number) => {
    release(haloRows[b]!.above);
    release(haloRows[b]!.below);
    haloRows[b] = {};
  };
  // The bands of the arrays cut here are made as workers become free (at most two per worker
  // waiting), so they never add up to a second copy of those arrays.
  const settled: PromiseSettledResult<unknown>[] = [];
  const inFlight = new Set<Promise<void>>();
  for (const [b, band] of bands.entries()) {
    const bandArrays = cut(cutHere, withHalo(band, halo, shape.rows));
    takeHalos(b);
    const job = pool
      .run(
        { kernel, arrays: shared, shape, params: options.params, band, halo, haloRows: haloRows[b], bandArrays, pieceRows: options.pieceRows, window: options.window, bigEndian: options.bigEndian, storedDq: options.storedDq },
        options.signal,
      )
      .then(
        (value) => void (settled[b] = { status: 'fulfilled', value }),
        (reason: unknown) => void (settled[b] = { status: 'rejected', reason }),
      )
      .finally(() => {
        inFlight.delete(job);
        release(bandArrays);
        releaseHalos(b);
      });
    inFlight.add(job);
    if (inFlight.size >= 2 * pool.size) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  // Snapshots taken for bands that never ran (none, unless one failed).
  for (let b = 0; b < bands.length; b++) releaseHalos(b);
  const copies = Object.entries(shared).filter(([key]) => shared[key] !== arrays[key]);
  const rejected = settled.find((result) => result.status === 'rejected');
  if (rejected) {
    for (const [, copy] of copies) releaseShared(copy!);
    throw rejected.reason;
  }
  // Outputs whose caller's array was not shared come back by one copy.
  for (const [key, copy] of copies) {
    if (specs[key].output) arrays[key]!.set(copy as never);
    releaseShared(copy!);
  }
}
