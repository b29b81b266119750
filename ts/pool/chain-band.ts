/**
 * One band of a near-IR full frame through Detector1 in one worker task (the pipeline's chain,
 * ts/pipeline/chain.ts): the band's uncal rows and the rows of every reference it needs are read
 * from their files straight into wasm memory, where the corrections, jump's two-point pass and
 * the ramp fit take the band one after the other. Only the fit's rows leave the worker.
 *
 * Every kernel is the one a whole run calls on a band of rows, with the same parameters, so the
 * products are a whole run's (tests/unit/pipeline/banded.test.ts compares them).
 */
import { decodeInt16Staged, Stage } from '../../wasm-pkg/detector1_wasm.js';
import { FILE_WORDS_SWAPPED, type TileShape } from '../kernels/arrays.js';
import { callWasm } from '../kernels/errors.js';
import { kernelMemory } from '../kernels/module.js';
import { dqInitStaged } from '../kernels/dq-init.js';
import { saturationStaged, type SaturationParams } from '../kernels/saturation.js';
import { ipcScienceColumns, ipcStaged, type IpcParams, type IpcReferenceBorder } from '../kernels/ipc.js';
import { superbiasStaged } from '../kernels/superbias.js';
import { mapRows, refpixFourAmpGroupWords, refpixStaged, type FourAmpOptions, type FourAmpStrips, type RefpixMaps, type RefpixParams } from '../kernels/refpix.js';
import { linearityStaged, type LinearityParams } from '../kernels/linearity.js';
import { darkCurrentStaged, type DarkCurrentParams } from '../kernels/dark-current.js';
import { jumpStaged, type JumpParams } from '../kernels/jump.js';
import type { FileRows } from '../io/fits/file-rows.js';
import { group } from '../dq/index.js';
import { fitStagedRows, fitStagedRowsTo, type EncodedSums, type RampFitTaskArrays, type RampFitTileParams, type RateintsKey, type TASK_OUTPUTS } from '../kernels/ramp-fit.js';

/** The corrections in jwst's order, each with what its kernel takes. */
export type ChainStep =
  | { step: 'dq_init'; mask: FileRows }
  | { step: 'saturation'; thresh: FileRows; satDq?: FileRows; bias?: FileRows; params: SaturationParams }
  | { step: 'ipc'; params: IpcParams; referenceBorder: IpcReferenceBorder }
  | { step: 'superbias'; bias: FileRows; biasDq?: FileRows }
  | { step: 'refpix'; params: RefpixParams; maps: RefpixMaps }
  | { step: 'linearity'; coeffs: FileRows; linDq?: FileRows; params: LinearityParams }
  | { step: 'dark_current'; frames: FileRows; darkDq?: FileRows; params: DarkCurrentParams };

/** What every band of an exposure shares (its arrays are shared, so each task clones handles). */
export interface ChainPlan {
  /** The exposure: `rows` x `cols` frames. */
  shape: TileShape;
  uncal: FileRows;
  /** The exposure's PIXELDQ as read (absent: zeros). */
  pixeldq?: Uint32Array;
  steps: ChainStep[];
  jump?: { gain: FileRows; readnoise: FileRows; params: JumpParams };
  fit: { gain: FileRows; readnoise: FileRows; params: RampFitTileParams; averageDarkCurrent?: number };
}

export interface ChainTask {
  plan: ChainPlan;
  /** Rows `[t, b)` read and corrected; rows `[row0, row1)` within them are fitted. */
  region: [number, number];
  own: [number, number];
  /**
   * Where the fit's rate and rateints of the own rows go, as the products' file words
   * (big-endian, DQ with BZERO 2^31): the shared `outputs`, which the caller writes as they
   * are, or the products' `files`, which this thread writes them into.
   */
  outputs?: Pick<RampFitTaskArrays, keyof typeof TASK_OUTPUTS>;
  files?: { rate: ProductFile; rateints: ProductFile };
}

/** A product's file that bands are written into: its arrays' data offsets and image shape (integrations of rows x cols). */
export interface ProductFile {
  path: string;
  rows: number;
  cols: number;
  offsets: Record<RateintsKey, number>;
}

/** Writes `bytes` into the file at `path` at `offset`. */
export type WriteFileBytes = (path: string, offset: number, bytes: Uint8Array) => void;

export interface ChainResult {
  /** Per (integration, group) after the corrections: 1 when some own pixel lacks DO_NOT_USE. */
  usable: Uint8Array;
  /** The same for SATURATED. */
  unsaturated: Uint8Array;
  /** jump's primary cosmic rays in the own rows (0 without jump). */
  crs: number;
  /** The outputs' ones'-complement sums (`_rate`'s, then each integration's of `_rateints`). */
  sums: EncodedSums;
  /** Milliseconds of each step (jwst's alias) on the band, its reference reads included. */
  ms: Record<string, number>;
}

/** Reads `into.length` bytes of `path` at `offset`. */
export type ReadFileBytes = (path: string, offset: number, into: Uint8Array) => void;

/** Whether two FileRows are the same rows of the same file. */
const sameRows = (x: FileRows, y: FileRows) => x.path === y.path && x.offset === y.offset && x.y0 === y.y0 && x.x0 === y.x0 && x.planes === y.planes && x.kind === y.kind;

/** One stage per thread, reused from band to band (its buffers keep their largest size). */
let stage: Stage | undefined;

type SlotKind = 'f32' | 'u8' | 'u16' | 'u32';
const viewTypes = { f32: Float32Array, u8: Uint8Array, u16: Uint16Array, u32: Uint32Array } as const;

/** Slot helpers of `stage` for the pixels of `selection`, of a frame `frameCols` wide. */
function slots(s: Stage, selection: Selection, frameCols: number) {
  const plane = selection.rows * selection.cols;
  /** Slot `slot` of `kind` sized to `length` elements, as a view valid until the next wasm call. */
  const slot = (kind: SlotKind, index: number, length: number) => {
    const address = callWasm('chain', () => s.slot(kind, index, length));
    return new viewTypes[kind](kernelMemory().buffer, address, length);
  };
  const empty = (kind: SlotKind, ...indices: number[]) => indices.forEach((index) => slot(kind, index, 0));
  /** Planes `[0, count)` of `source`, the selection's pixels, into a slot, in host order (DQ translated). */
  const fill = (kind: 'f32' | 'u32' | 'u16', index: number, source: FileRows, count = source.planes) => {
    const bytesPer = source.kind === 'int16' ? 2 : 4;
    const view = slot(kind, index, count * plane);
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let k = 0; k < count; k++) selection.readPlane(source, k, bytes.subarray(k * plane * bytesPer, (k + 1) * plane * bytesPer), bytesPer);
    if (source.kind === 'float32') callWasm('chain', () => s.swap_words('f32', index));
    else if (source.kind === 'dq') callWasm('chain', () => s.translate_dq(index, FILE_WORDS_SWAPPED, source.unsigned ? 0x80000000 : 0, source.bitFlags!));
  };
  /** The selection's pixels of an array of the frame into a slot. */
  const copy = <T extends Uint8Array | Uint16Array | Uint32Array>(kind: SlotKind, index: number, whole: T) => {
    const into = slot(kind, index, plane) as T;
    for (const { r, x0, x1, at } of selection.runs) into.set(whole.subarray(r * frameCols + x0, r * frameCols + x1) as never, at);
  };
  return { slot, empty, fill, copy };
}

/**
 * The selection's uncal pixels decoded into f32 slot 0, GROUPDQ (u8 0) and PIXELDQ (u32 0) made,
 * and the plan's corrections run on them where they lie, in this thread's stage; each one's
 * milliseconds added to `ms`.
 */
function correct(plan: ChainPlan, selection: Selection, ms: Record<string, number> = {}): Stage {
  const { nints, ngroups } = plan.shape;
  const plane = selection.rows * selection.cols;
  const planes = nints * ngroups;
  const shape: TileShape = { nints, ngroups, rows: selection.rows, cols: selection.cols };
  const s = (stage ??= callWasm('chain', () => new Stage()));
  const { slot, empty, fill, copy } = slots(s, selection, plan.shape.cols);
  /** IPC's science mask of the selection: 1 but on the frame's reference border. */
  const science = (into: Uint8Array, border: IpcReferenceBorder) => {
    into.fill(0);
    for (const run of selection.runs) {
      const columns = ipcScienceColumns(border, plan.shape.rows, plan.shape.cols, run.r);
      if (columns) into.fill(1, run.at + Math.max(0, columns[0] - run.x0), run.at + Math.max(0, Math.min(run.x1, columns[1]) - run.x0));
    }
  };
  /** A reference DQ into u32 slot 1, zeros without one. */
  const fillDq = (source: FileRows | undefined) => {
    if (source) fill('u32', 1, source);
    else slot('u32', 1, plane).fill(0);
  };

  // The ramp (f32 0), GROUPDQ (u8 0) and PIXELDQ (u32 0) stay in their slots throughout.
  fill('u16', 0, plan.uncal);
  slot('f32', 0, planes * plane);
  callWasm('chain', () => decodeInt16Staged(s, plan.uncal.unsigned === true, FILE_WORDS_SWAPPED));
  slot('u8', 0, planes * plane).fill(0);
  if (plan.pixeldq) copy('u32', 0, plan.pixeldq);
  else slot('u32', 0, plane).fill(0);

  /** Superbias's rows as saturation left them in f32 slot 3 (ipc keeps slots 2 and 3), for superbias to take. */
  let staged: FileRows | undefined;
  for (const step of plan.steps) {
    const start = performance.now();
    switch (step.step) {
      case 'dq_init':
        fill('u32', 1, step.mask);
        dqInitStaged(s, shape);
        break;
      case 'saturation':
        empty('f32', 1);
        fill('f32', 2, step.thresh);
        if (step.bias) fill('f32', 3, step.bias);
        else empty('f32', 3);
        fillDq(step.satDq);
        saturationStaged(s, shape, step.params);
        staged = step.bias;
        break;
      case 'ipc':
        // The science mask takes GROUPDQ's slot for the call.
        callWasm('chain', () => s.swap_slots('u8', 0, 1));
        science(slot('u8', 0, plane) as Uint8Array, step.referenceBorder);
        empty('f32', 1);
        ipcStaged(s, { ...shape, planes: step.params.ky * step.params.kx }, step.params);
        callWasm('chain', () => s.swap_slots('u8', 0, 1));
        break;
      case 'superbias':
        empty('f32', 1);
        if (staged && sameRows(staged, step.bias)) callWasm('chain', () => s.swap_slots('f32', 2, 3));
        else fill('f32', 2, step.bias);
        fillDq(step.biasDq);
        superbiasStaged(s, shape);
        break;
      case 'refpix':
        callWasm('chain', () => s.swap_slots('u8', 0, 1));
        // (A band of whole rows: refpix comes after the border's steps.)
        mapRows(step.maps.cls, selection.runs[0].r, selection.rows, selection.cols, slot('u8', 0, plane) as Uint8Array);
        if (step.maps.detRow) mapRows(step.maps.detRow, selection.runs[0].r, selection.rows, selection.cols, slot('u16', 0, plane) as Uint16Array);
        else empty('u16', 0);
        refpixStaged(s, shape, step.params);
        callWasm('chain', () => s.swap_slots('u8', 0, 1));
        break;
      case 'linearity':
        empty('f32', 1, 3);
        fill('f32', 2, step.coeffs);
        fillDq(step.linDq);
        linearityStaged(s, { ...shape, planes: step.coeffs.planes }, step.params);
        break;
      case 'dark_current':
        fill('f32', 1, step.frames, step.params.planes);
        if (step.darkDq) fill('u32', 1, step.darkDq);
        else empty('u32', 1);
        darkCurrentStaged(s, { ...shape, planes: step.params.planes }, step.params);
        break;
    }
    if (step.step !== 'saturation' && step.step !== 'ipc') staged = undefined;
    ms[step.step] = (ms[step.step] ?? 0) + performance.now() - start;
  }

  return s;
}

/**
 * The pixels of each plane a task holds, as a frame of `rows` x `cols` for the kernels: a band
 * of whole rows, or the border of some rows laid out as one row (refpix's border, whose
 * corrections before refpix act on each pixel alone but for flags refpix does not read).
 */
interface Selection {
  rows: number;
  cols: number;
  /** Plane `k` of `source` (its stored bytes, `bytesPer` a pixel) into `into`, the selection's pixels in order. */
  readPlane(source: FileRows, k: number, into: Uint8Array, bytesPer: number): void;
  /** The selection's pixels as runs `[x0, x1)` of frame rows `r`, the first at `at` in the selection. */
  runs: { r: number; x0: number; x1: number; at: number }[];
}

/** Rows `[t, b)` of a frame `cols` wide. */
function bandSelection(t: number, b: number, cols: number, read: ReadFileBytes): Selection {
  return {
    rows: b - t,
    cols,
    readPlane(source, k, into, bytesPer) {
      const fileRowBytes = source.cols * bytesPer;
      const at = source.offset + (k * source.rows + source.y0 + t) * fileRowBytes + source.x0 * bytesPer;
      // Whole rows of the file: one read.
      if (source.cols === cols) return read(source.path, at, into);
      // A window of a wider reference: row by row.
      const rowBytes = cols * bytesPer;
      for (let r = 0; r < b - t; r++) read(source.path, at + r * fileRowBytes, into.subarray(r * rowBytes, (r + 1) * rowBytes));
    },
    runs: Array.from({ length: b - t }, (_, i) => ({ r: t + i, x0: 0, x1: cols, at: i * cols })),
  };
}

/**
 * The first and last `side` halves of the `width` halves from `start` of each of `rows` rows of
 * `rowHalves` halves in `from`, one row's after the other, into `to` from `at`; gives the next
 * `at`. (A function of its own: V8 compiles this small loop, not the whole read, when it gets hot.)
 */
function copyRowEnds(from: Uint16Array, rows: number, rowHalves: number, start: number, width: number, side: number, to: Uint16Array, at: number): number {
  for (let row = start; row < rows * rowHalves; row += rowHalves) {
    for (let c = 0; c < side; c++) to[at + c] = from[row + c];
    for (let c = 0; c < side; c++) to[at + side + c] = from[row + width - side + c];
    at += 2 * side;
  }
  return at;
}

/** Rows of whole-row reads a border selection takes at a time. */
const BORDER_CHUNK_ROWS = 64;

/** The border pixels of rows `[r0, r1)` (in `borderPixels` order) of a `ny` x `nx` frame, the border `width` wide. */
function borderSelection(r0: number, r1: number, ny: number, nx: number, width: number, read: ReadFileBytes): Selection {
  const rowRuns = (r: number): [number, number][] => (r < width || r >= ny - width ? [[0, nx]] : [[0, width], [nx - width, nx]]);
  let scratch = new Uint8Array(0);
  return {
    rows: 1,
    cols: borderPixels(r0, r1, ny, nx, width),
    readPlane(source, k, into, bytesPer) {
      // The file's rows hold the frame's from column x0 (a window of a wider reference).
      const fileRowBytes = source.cols * bytesPer;
      if (scratch.length < BORDER_CHUNK_ROWS * fileRowBytes) scratch = new Uint8Array(BORDER_CHUNK_ROWS * fileRowBytes);
      const planeAt = source.offset + (k * source.rows + source.y0) * fileRowBytes;
      // The side rows' ends are copied 16 bits at a time whatever the pixels' width: one
      // typed-array kind keeps this loop's optimised code (two kinds made V8 recompile it).
      const halves = bytesPer / 2;
      const [fileRowHalves, start, rowHalves, side] = [source.cols * halves, source.x0 * halves, nx * halves, width * halves];
      const from = new Uint16Array(scratch.buffer as ArrayBuffer);
      const to = new Uint16Array(into.buffer as ArrayBuffer, into.byteOffset, into.length / 2);
      let at = 0;
      for (let r = r0; r < r1; ) {
        if (r < width || r >= ny - width) {
          // A whole row, read in place.
          read(source.path, planeAt + r * fileRowBytes + 2 * start, into.subarray(2 * at, 2 * (at + rowHalves)));
          at += rowHalves;
          r++;
          continue;
        }
        const end = Math.min(r1, ny - width, r + BORDER_CHUNK_ROWS);
        read(source.path, planeAt + r * fileRowBytes, scratch.subarray(0, (end - r) * fileRowBytes));
        at = copyRowEnds(from, end - r, fileRowHalves, start, rowHalves, side, to, at);
        r = end;
      }
    },
    runs: (() => {
      const runs: Selection['runs'] = [];
      let at = 0;
      for (let r = r0; r < r1; r++) {
        for (const [x0, x1] of rowRuns(r)) {
          runs.push({ r, x0, x1, at });
          at += x1 - x0;
        }
      }
      return runs;
    })(),
  };
}

/**
 * Border pixels of rows `[r0, r1)` of a `ny` x `nx` frame: whole rows in the top and bottom
 * `width` rows, `width` columns either side in the others; row by row, left to right.
 */
export function borderPixels(r0: number, r1: number, ny: number, nx: number, width: number): number {
  const whole = Math.max(0, Math.min(r1, width) - r0) + Math.max(0, r1 - Math.max(r0, ny - width));
  return whole * nx + (r1 - r0 - whole) * 2 * width;
}

/** Where science pixel `index` of a `ny` x `nx` frame lies among the border's pixels (`borderPixels` order), or -1 off the border. */
export function borderPosition(index: number, ny: number, nx: number, width: number): number {
  const r = Math.floor(index / nx);
  const c = index - r * nx;
  const before = borderPixels(0, r, ny, nx, width);
  if (r < width || r >= ny - width) return before + c;
  return c < width ? before + c : c >= nx - width ? before + width + c - (nx - width) : -1;
}

/**
 * A task of refpix's statistics (`refpixFourAmpGroupWords`) on groups `[g0, g1)` of the
 * corrected border: a full frame's or 4-output subarray's groups, shared between the workers.
 */
export interface RefpixGroupsTask {
  /** The border's groups (shared), `pixels` each. */
  data: Float32Array;
  pixels: number;
  strips: FourAmpStrips;
  options: FourAmpOptions;
  groups: [number, number];
  /** Per group: 1 where jwst's group buffer is float64. */
  wide: Uint8Array;
  /** Per group, `words` words (shared): the task writes its groups'. */
  out: Float64Array;
  words: number;
}

export function runRefpixGroups(task: RefpixGroupsTask): void {
  const { data, pixels, words } = task;
  for (let g = task.groups[0]; g < task.groups[1]; g++) {
    task.out.set(refpixFourAmpGroupWords(data.subarray(g * pixels, (g + 1) * pixels), task.strips, task.options, task.wide[g] === 1), g * words);
  }
}

/** A task of refpix's border: the border pixels of rows `[r0, r1)` through the plan's steps (those before refpix). */
export interface BorderTask {
  plan: ChainPlan;
  rows: [number, number];
  width: number;
  /**
   * The whole border's values `(nints * ngroups, pixels)` and PIXELDQ `(pixels)` in
   * `borderPixels` order (shared): the task writes its rows' part.
   */
  data: Float32Array;
  pixeldq: Uint32Array;
}

export function runBorderBand(task: BorderTask, read: ReadFileBytes): void {
  const { nints, ngroups, rows: ny, cols: nx } = task.plan.shape;
  const selection = borderSelection(task.rows[0], task.rows[1], ny, nx, task.width, read);
  const s = correct(task.plan, selection);
  const { slot } = slots(s, selection, task.plan.shape.cols);
  const [count, start] = [selection.cols, borderPixels(0, task.rows[0], ny, nx, task.width)];
  const pixels = task.pixeldq.length;
  const planes = nints * ngroups;
  const data = slot('f32', 0, planes * count);
  for (let k = 0; k < planes; k++) task.data.set(data.subarray(k * count, (k + 1) * count), k * pixels + start);
  task.pixeldq.set(slot('u32', 0, count), start);
}

/**
 * Per plane of `groupdq` (`planes` of `plane` pixels), over its pixels `[from, to)`: 1 in
 * `usable` where some pixel lacks DO_NOT_USE, in `unsaturated` where some lacks SATURATED.
 * (The loops live here, not in runChainBand: V8 compiled that on stack at its loops and then
 * dropped the code at every band's first access after them, which the loops never reached.)
 */
function groupSummary(groupdq: Uint8Array, planes: number, plane: number, from: number, to: number) {
  const usable = new Uint8Array(planes);
  const unsaturated = new Uint8Array(planes);
  for (let k = 0; k < planes; k++) {
    let all = group.DO_NOT_USE | group.SATURATED;
    for (let p = k * plane + from; p < k * plane + to && all !== 0; p++) all &= groupdq[p];
    usable[k] = all & group.DO_NOT_USE ? 0 : 1;
    unsaturated[k] = all & group.SATURATED ? 0 : 1;
  }
  return { usable, unsaturated };
}

export function runChainBand(task: ChainTask, read: ReadFileBytes, write?: WriteFileBytes): ChainResult {
  const { plan } = task;
  const [t, b] = task.region;
  const [row0, row1] = task.own;
  const { nints, ngroups, cols } = plan.shape;
  const plane = (b - t) * cols;
  const planes = nints * ngroups;
  const shape: TileShape = { nints, ngroups, rows: b - t, cols };
  const selection = bandSelection(t, b, cols, read);
  const ms: Record<string, number> = {};
  const s = correct(plan, selection, ms);
  const { slot, empty, fill } = slots(s, selection, plan.shape.cols);

  // What the whole frame decides from (jump's mode, ramp fitting's plan), for the own rows.
  const { usable, unsaturated } = groupSummary(slot('u8', 0, planes * plane) as Uint8Array, planes, plane, (row0 - t) * cols, (row1 - t) * cols);

  let crs = 0;
  let start = performance.now();
  if (plan.jump) {
    fill('f32', 1, plan.jump.gain);
    fill('f32', 2, plan.jump.readnoise);
    empty('f32', 3, 4);
    slot('u32', 1, plane);
    jumpStaged(s, shape, plan.jump.params, { row0: row0 - t, rows: row1 - row0 });
    crs = callWasm('chain', () => s.sum_u32(1, (row0 - t) * cols, (row1 - t) * cols));
    ms.jump = performance.now() - start;
    start = performance.now();
  }
  // The fit's GAIN and READNOISE: jump's when they are the same rows.
  if (!plan.jump || !sameRows(plan.jump.gain, plan.fit.gain)) fill('f32', 1, plan.fit.gain);
  if (!plan.jump || !sameRows(plan.jump.readnoise, plan.fit.readnoise)) fill('f32', 2, plan.fit.readnoise);

  // The own rows fitted where they lie, into the shared outputs or the products' files.
  if (plan.fit.averageDarkCurrent === undefined) empty('f32', 3);
  else slot('f32', 3, plane).fill(plan.fit.averageDarkCurrent);
  const core = { row0: row0 - t, rows: row1 - row0 };
  const { files, outputs } = task;
  let sums: EncodedSums;
  if (files && write) {
    sums = fitStagedRowsTo(s, shape, core, plan.fit.params, (product, key, integration, words) => {
      const file = files[product];
      write(file.path, file.offsets[key] + (integration * file.rows + row0) * file.cols * 4, words);
    });
  } else if (outputs) sums = fitStagedRows(s, shape, core, plan.fit.params, outputs, true);
  else throw new RangeError('a chain band needs outputs, or files and a thread that writes them');
  ms.ramp_fit = performance.now() - start;
  return { usable, unsaturated, crs, ms, sums };
}
