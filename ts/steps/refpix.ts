/**
 * refpix (spec/steps/refpix.md, jwst `refpix/reference_pixels.py`) for near-IR non-IRS2 data:
 * full frame and 4-output subarrays (per-amplifier top/bottom means, side running median) and
 * 1-output subarrays (odd/even means of the flagged reference pixels). The statistics are
 * computed group by group from the gathered reference pixels (small); the per-pixel correction
 * then runs on row bands. MIRI subarrays -> SKIPPED; MIRI full frame: refpix-miri.ts; NIRSpec IRS2:
 * refpix-irs2.ts (with the REFPIX reference, and `irs2_mean_subtraction`). Not implemented: the
 * `sirs` algorithm on full frames, multistripe/superstripe subarrays.
 */
import type { RampModel } from '../datamodels/models.js';
import { pixel } from '../dq/index.js';
import { runTiled } from '../pool/pool.js';
import { allocShared, isShared, releaseShared } from '../kernels/arrays.js';
import { fourAmpGroupOf, fourAmpGroupWords, mapRows, refpixClippedMean, refpixFourAmpGroup, type FourAmpStrips, type RefpixMaps, type RefpixParams, type RefSignal } from '../kernels/refpix.js';
import { planRowBands } from '../pool/plan.js';
import type { KernelPool } from '../pool/pool.js';
import { isIrs2, StepNotImplementedError } from './ipc.js';
import { info, warn, type StepContext, type StepStatus } from './step.js';
import { refpixMiriFullFrame } from './refpix-miri.js';
import { refpixIrs2, type Irs2ReferenceSource } from './refpix-irs2.js';

/** `reference`: R_REFPIX, written for IRS2 data only (the only case that reads a reference). */
export const refpixKeywords = { status: 'REFPIX', reference: 'REFPIX' } as const;

export interface RefpixOptions {
  oddEvenColumns?: boolean;
  useSideRefPixels?: boolean;
  sideSmoothingLength?: number;
  sideGain?: number;
  /** MIRI full frame only. */
  oddEvenRows?: boolean;
  /** IRS2 only (`irs2MeanSubtraction` also reads `oddEvenColumns` and `siglimit`). */
  ovrCorrMitigationFtr?: number;
  preserveIrs2Refpix?: boolean;
  irs2MeanSubtraction?: boolean;
  refpixAlgorithm?: 'median' | 'sirs';
  /** `sirs` only. */
  sigreject?: number;
  gaussmooth?: number;
  halfwidth?: number;
  siglimit?: number;
}

/** jwst RefPixStep spec defaults. */
export const refpixDefaults: Required<RefpixOptions> = {
  oddEvenColumns: true,
  useSideRefPixels: true,
  sideSmoothingLength: 11,
  sideGain: 1.0,
  oddEvenRows: true,
  ovrCorrMitigationFtr: 3.0,
  preserveIrs2Refpix: false,
  irs2MeanSubtraction: false,
  refpixAlgorithm: 'median',
  sigreject: 4.0,
  gaussmooth: 1.0,
  halfwidth: 30,
  siglimit: 3.0,
};

export class RefpixStepError extends Error {
  override name = 'RefpixStepError';
}

const N = 2048;
const DNU = pixel.DO_NOT_USE;
const REF = pixel.REFERENCE_PIXEL;
/** NIRSpec subarrays whose first/last 4 columns (DMS) are taken as reference pixels. */
const edgelessSubarrays = ['SUB512', 'SUB512S', 'SUB32'];

/** Where the science array sits and how the detector frame maps onto it. */
interface Geometry {
  rows: number;
  cols: number;
  /** Detector (r, c) of the full frame -> index into the science plane, or -1 outside it. */
  index(r: number, c: number): number;
  /** Embedded full-frame PIXELDQ in the detector frame. */
  dq(r: number, c: number): number;
  /** The same for science pixel `i` (index into the science plane). */
  scienceDq(i: number): number;
  /**
   * The detector row and column of science pixel (y, x), `index` inverted. When `swapped` the
   * row depends on x alone and the column on y alone; else the row on y and the column on x.
   */
  swapped: boolean;
  detRowOf(y: number, x: number): number;
  detColOf(y: number, x: number): number;
}

function geometry({ meta, shape }: Pick<RampModel, 'meta' | 'shape'>, pixeldqAt: (index: number) => number, subarray: boolean): Geometry {
  const [, , rows, cols] = shape;
  const { fastaxis, slowaxis } = meta.subarray;
  if (!fastaxis || !slowaxis) throw new RefpixStepError('refpix: FASTAXIS/SLOWAXIS are needed to reach the detector frame');
  const rowstart = subarray ? (meta.subarray.ystart ?? 1) - 1 : 0;
  const colstart = subarray ? (meta.subarray.xstart ?? 1) - 1 : 0;
  const flip = (v: number, sign: number) => (sign < 0 ? N - 1 - v : v);
  // jwst science_detector_frame_transform, inverted: detector (r, c) -> DMS full frame (Y, X).
  // Two functions rather than a pair: `index` runs for every pixel of the detector.
  const swapped = Math.abs(fastaxis) !== 1;
  const dmsY = (r: number, c: number) => (swapped ? flip(c, fastaxis) : flip(r, slowaxis));
  const dmsX = (r: number, c: number) => (swapped ? flip(r, slowaxis) : flip(c, fastaxis));
  const edgeless = subarray && edgelessSubarrays.includes(meta.subarray.name?.toUpperCase() ?? '');
  const index = (r: number, c: number) => {
    const y = dmsY(r, c) - rowstart;
    const x = dmsX(r, c) - colstart;
    return y >= 0 && y < rows && x >= 0 && x < cols ? y * cols + x : -1;
  };
  const scienceDq = (i: number) => {
    const x = i % cols;
    return (pixeldqAt(i) | (edgeless && (x < 4 || x >= cols - 4) ? REF : 0)) >>> 0;
  };
  const dq = (r: number, c: number) => {
    const i = index(r, c);
    if (i >= 0) return scienceDq(i);
    const [Y, X] = [dmsY(r, c), dmsX(r, c)];
    return subarray && (Y < 4 || Y >= N - 4 || X < 4 || X >= N - 4) ? (DNU | REF) >>> 0 : 0;
  };
  // The flips are involutions: the detector position of DMS full-frame (Y, X) undoes them.
  const detRowOf = (y: number, x: number) => (swapped ? flip(x + colstart, slowaxis) : flip(y + rowstart, slowaxis));
  const detColOf = (y: number, x: number) => (swapped ? flip(y + rowstart, fastaxis) : flip(x + colstart, fastaxis));
  return { rows, cols, index, dq, scienceDq, swapped, detRowOf, detColOf };
}

/** `plane`'s values at `positions` (0 where a position is negative). */
function gather(plane: Float32Array, positions: Int32Array, into: Float64Array | Float32Array): void {
  for (let j = 0; j < positions.length; j++) if (positions[j] >= 0) into[j] = plane[positions[j]];
}

/** Statistics of one run (the science ramp, or the ZEROFRAME as a 1-group ramp). */
interface Plan {
  classes: number;
  /** Whether the kernel takes each pixel's detector row (side reference pixels are used). */
  sides: boolean;
  /**
   * Each pixel's class (and detector row, with `sides`) for science rows `[row0, row0 + rows)`,
   * made on demand (a full frame's take 12 MB) in recycled shared buffers: give them back with
   * `releaseRows`.
   */
  rowsOf(row0: number, rows: number): PlanRows;
  /** The same maps of the whole frame, compactly. */
  maps: RefpixMaps;
  /** Per-group statistics: signals by class, side signal by detector row. */
  group(plane: Float32Array, wide: boolean): { signals: (RefSignal | undefined)[]; side?: Float64Array };
  /** A 4-output plan's strips, as `refpixFourAmpGroupWords` takes them (workers compute groups with them). */
  strips?(): FourAmpStrips;
}

interface PlanRows {
  cls: Uint8Array;
  detRow?: Uint16Array;
}

function releaseRows(rows: PlanRows): void {
  releaseShared(rows.cls);
  if (rows.detRow) releaseShared(rows.detRow);
}

/**
 * `maps` and `rowsOf` of a plan of `rows` x `cols` whose arrays are, in every row, either
 * `pattern` (the same in every row) or one value (`rowValue(y)`): the class pattern and the row's
 * detector row, or, axes swapped, the detector-row pattern and the row's class.
 */
function patternRows(
  rows: number,
  cols: number,
  swapped: boolean,
  sides: boolean,
  pattern: (x: number) => number,
  rowValue: (y: number) => { cls: number; detRow: number },
): Pick<Plan, 'maps' | 'rowsOf'> {
  const values = Array.from({ length: rows }, (_, y) => rowValue(y));
  const maps: RefpixMaps = swapped
    ? { cls: { perRow: Uint8Array.from(values, (v) => v.cls) }, detRow: sides ? { row: Uint16Array.from({ length: cols }, (_, x) => pattern(x)) } : undefined }
    : { cls: { row: Uint8Array.from({ length: cols }, (_, x) => pattern(x)) }, detRow: sides ? { perRow: Uint16Array.from(values, (v) => v.detRow) } : undefined };
  return {
    maps,
    rowsOf: (row0, count) => ({
      cls: mapRows(maps.cls, row0, count, cols, allocShared(Uint8Array, count * cols, { zeroed: false })),
      detRow: maps.detRow && mapRows(maps.detRow, row0, count, cols, allocShared(Uint16Array, count * cols, { zeroed: false })),
    }),
  };
}

/**
 * Full frame and 4-output subarrays (jwst `do_fullframe_corrections`): of whole science planes,
 * or of a `border` (`refpixBands`).
 */
function fourAmpPlan(geo: Geometry, o: Required<RefpixOptions>, positionOf?: RefpixBorder['positionOf']): Plan {
  // Each science pixel's amplifier and column parity (class) and detector row, row by row:
  // one of them is the same along a science row, the other the same pattern in every row.
  const { cols } = geo;
  const classOf = (c: number) => (c >> 9) * 2 + (c & 1);
  const { rowsOf, maps } = patternRows(
    geo.rows,
    cols,
    geo.swapped,
    o.useSideRefPixels,
    (x) => (geo.swapped ? geo.detRowOf(0, x) : classOf(geo.detColOf(0, x))),
    (y) => ({ cls: classOf(geo.detColOf(y, 0)), detRow: geo.detRowOf(y, 0) }),
  );
  // The top rows, bottom rows, left and right columns of the detector frame (row-major each):
  // their pixels' positions in the planes and their DQ; the science pixels' DQ read with the
  // first group's statistics (a border's is known once it is corrected: the rest is made before).
  const at = new Int32Array(16 * N);
  const dq = new Uint32Array(16 * N);
  const science = new Int32Array(16 * N);
  let dqRead = false;
  const detectorStrips: [number, number, number, number][] = [
    [N - 4, 4, 0, N],
    [0, 4, 0, N],
    [0, N, 0, 4],
    [0, N, N - 4, 4],
  ];
  let j = 0;
  for (const [r0, nr, c0, nc] of detectorStrips) {
    for (let r = r0; r < r0 + nr; r++) {
      for (let c = c0; c < c0 + nc; c++, j++) {
        // (The detector's edge pixels that the science array holds are on its border.)
        const i = (science[j] = geo.index(r, c));
        at[j] = positionOf && i >= 0 ? positionOf(i) : i;
        if (i < 0) dq[j] = geo.dq(r, c);
      }
    }
  }
  const strips = () => {
    if (!dqRead) {
      for (let k = 0; k < science.length; k++) if (science[k] >= 0) dq[k] = geo.scienceDq(science[k]);
      dqRead = true;
    }
    return { n: N, at, dq };
  };
  return {
    classes: 8,
    sides: o.useSideRefPixels,
    rowsOf,
    maps,
    group: (plane, wide) => refpixFourAmpGroup(plane, strips(), o, wide),
    strips,
  };
}

/**
 * 1-output subarrays (jwst `do_subarray_corrections`): of whole science planes, or of a `border`
 * (`refpixBands`), where only the border's flagged pixels are taken. Undefined when there are no
 * reference pixels.
 */
function oneAmpPlan(geo: Geometry, o: Required<RefpixOptions>, positionOf?: RefpixBorder['positionOf']): (Plan & { picked: Int32Array }) | undefined {
  const { rows, cols } = geo;
  // Column parity: the same pattern in every row, or (axes swapped) the same along a row.
  const { rowsOf, maps } = patternRows(rows, cols, geo.swapped, false, (x) => geo.detColOf(0, x) & 1, (y) => ({ cls: geo.detColOf(y, 0) & 1, detRow: 0 }));
  const picked: { det: number; i: number; at: number; parity: number }[] = [];
  const pick = (i: number) => {
    const dq = geo.scienceDq(i);
    if (!(dq & REF) || dq & DNU) return;
    const [y, x] = [Math.floor(i / cols), i % cols];
    const [r, c] = [geo.detRowOf(y, x), geo.detColOf(y, x)];
    picked.push({ det: r * N + c, i, at: positionOf ? positionOf(i) : i, parity: c & 1 });
  };
  if (positionOf) forEachBorderIndex(rows, cols, REFPIX_BORDER, pick);
  else for (let i = 0; i < rows * cols; i++) pick(i);
  if (picked.length === 0) return undefined;
  // In detector-frame order, as jwst gathers them: the clipped mean's sums depend on the order.
  picked.sort((a, b) => a.det - b.det);
  const positions = (set: typeof picked) => Int32Array.from(set, (p) => p.at);
  const sets = o.oddEvenColumns ? [positions(picked.filter((p) => p.parity === 0)), positions(picked.filter((p) => p.parity === 1))] : [positions(picked)];
  return {
    classes: 2,
    sides: false,
    rowsOf,
    maps,
    picked: Int32Array.from(picked, (p) => p.i),
    group(plane, wide) {
      const means = sets.map((set) => {
        const values = new Float32Array(set.length);
        gather(plane, set, values);
        return refpixClippedMean(values, wide, o.siglimit);
      });
      return { signals: o.oddEvenColumns ? means : [means[0], means[0]] };
    },
  };
}

/** The kernel's per-group signals of a plan over `groups` planes, group `g`'s statistics from `groupOf`; `firstWide` as in `run`. */
function planParams(plan: Plan, groups: number, o: Required<RefpixOptions>, firstWide: boolean, context: StepContext, groupOf: (g: number, wide: boolean) => ReturnType<Plan['group']>): RefpixParams {
  const params: RefpixParams = {
    classes: plan.classes,
    wide: new Uint8Array(groups),
    values: new Float64Array(groups * plan.classes),
    kinds: new Uint8Array(groups * plan.classes),
    side: plan.sides ? new Float64Array(groups * N) : undefined,
    sideRows: N,
    sideGain: o.sideGain,
  };
  for (let g = 0; g < groups; g++) {
    context.signal?.throwIfAborted();
    // jwst's group buffer turns float64 once a side correction has run.
    const wide = groupWide(plan, firstWide, g);
    params.wide[g] = wide ? 1 : 0;
    const { signals, side } = groupOf(g, wide);
    signals.forEach((s, k) => {
      if (!s) return;
      params.values[g * plan.classes + k] = s.value;
      params.kinds[g * plan.classes + k] = s.wide ? 2 : 1;
    });
    if (side) params.side!.set(side, g * N);
  }
  return params;
}

/** Whether jwst's group buffer is float64 for group `g`: from the first side correction on. */
const groupWide = (plan: Plan, firstWide: boolean, g: number) => plan.sides && (firstWide || g > 0);

/**
 * `planParams` of a 4-output plan with the groups' statistics computed by the pool's workers, a
 * share each, from the border's groups `data` (shared, `pixels` each).
 */
async function planParamsInWorkers(plan: Plan & { strips(): FourAmpStrips }, data: Float32Array, pixels: number, groups: number, o: Required<RefpixOptions>, context: StepContext & { pool: KernelPool & Required<Pick<KernelPool, 'runRefpixGroups'>> }): Promise<RefpixParams> {
  const words = fourAmpGroupWords(N);
  const out = allocShared(Float64Array, groups * words);
  try {
    const wide = Uint8Array.from({ length: groups }, (_, g) => (groupWide(plan, false, g) ? 1 : 0));
    const task = { data, pixels, strips: plan.strips(), options: o, wide, out, words };
    const shares = planRowBands(groups, { minBands: context.pool.size, maxRows: Math.ceil(groups / context.pool.size) });
    // Every share ended before `out` is let go.
    const outcomes = await Promise.allSettled(shares.map(({ row0, rows }) => context.pool.runRefpixGroups({ ...task, groups: [row0, row0 + rows] }, context.signal)));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    return planParams(plan, groups, o, false, context, (g) => fourAmpGroupOf(out.slice(g * words, (g + 1) * words), o));
  } finally {
    releaseShared(out);
  }
}

/** Runs a plan over `data` `(nints, ngroups, rows, cols)`; `firstWide`: jwst's buffer is already float64 (ZEROFRAME after a side correction). */
async function run(plan: Plan, data: Float32Array, nints: number, ngroups: number, geo: Geometry, o: Required<RefpixOptions>, firstWide: boolean, context: StepContext) {
  const planeLen = geo.rows * geo.cols;
  const params = planParams(plan, nints * ngroups, o, firstWide, context, (g, wide) => plan.group(data.subarray(g * planeLen, (g + 1) * planeLen), wide));
  const rows = plan.rowsOf(0, geo.rows);
  try {
    await runTiled(context.pool, 'refpix', { data, ...rows }, { nints, ngroups, rows: geo.rows, cols: geo.cols }, {
      params,
      signal: context.signal,
    });
  } finally {
    releaseRows(rows);
  }
}

/**
 * The reference pixels of a near-IR full frame: its outer 4 rows and columns (every orientation).
 * A subarray's reference pixels are those of these that it holds, so on its own outer 4 rows and
 * columns (or, NIRSpec's SUB512/SUB512S/SUB32, its first and last 4 columns).
 */
export const REFPIX_BORDER = 4;

/** Calls `visit` with the science index of every pixel on the outer `width` rows and columns of a `rows` x `cols` plane. */
function forEachBorderIndex(rows: number, cols: number, width: number, visit: (index: number) => void): void {
  for (let y = 0; y < rows; y++) {
    const whole = y < width || y >= rows - width;
    for (let x = 0; x < cols; x++) {
      if (!whole && x === width) x = Math.max(x, cols - width);
      visit(y * cols + x);
    }
  }
}

/**
 * The exposure's reference border as refpix reaches it: its groups' samples and PIXELDQ on the
 * outer `REFPIX_BORDER` rows and columns only, science pixel `i` at `positionOf(i)`.
 */
export interface RefpixBorder {
  /** The k-th group of the exposure. */
  planeOf(k: number): Float32Array;
  /** Every group, `pixeldq.length` pixels each, where they lie in one array (shared: the statistics can run in workers). */
  data?: Float32Array;
  pixeldq: Uint32Array;
  positionOf(index: number): number;
}

/**
 * refpix on a near-IR exposure (not IRS2, not MIRI) whose ramp is corrected by row bands, its
 * statistics from the border (`positionOf` places a science pixel on it). What the geometry
 * alone decides is made at once (while the border is being corrected); `statistics` then takes
 * the corrected border and gives what corrects any band of rows in place, as `refpixStep`
 * corrects the whole ramp: undefined where a subarray has no valid reference pixels (refpix then
 * changes nothing).
 */
export function refpixBands(
  ramp: Pick<RampModel, 'meta' | 'shape'>,
  options: RefpixOptions,
  positionOf: RefpixBorder['positionOf'],
): { statistics(border: RefpixBorder, context: StepContext): Promise<RefpixBands | undefined> } {
  const o: Required<RefpixOptions> = { ...refpixDefaults, ...options };
  const [nints, ngroups, rows, cols] = ramp.shape;
  if (isIrs2(ramp.shape) || ramp.meta.instrument.name?.toUpperCase() === 'MIRI') {
    throw new RefpixStepError(`refpix: banded correction is for near-IR exposures other than IRS2, not [${ramp.shape.join(', ')}] of ${ramp.meta.instrument.name}`);
  }
  const subarray = cols < N || rows < N;
  if (o.refpixAlgorithm === 'sirs' && !subarray) throw new StepNotImplementedError("refpix: refpix_algorithm='sirs' is not implemented");
  if (!Number.isSafeInteger(o.sideSmoothingLength)) throw new RefpixStepError(`refpix: side_smoothing_length must be an integer, got ${o.sideSmoothingLength}`);
  if (subarray && !refpixSubarrayFits(ramp.meta)) throw new RefpixStepError("refpix: the subarray doesn't fit in the full-sized array");
  let borderDq: Uint32Array | undefined;
  const geo = geometry(ramp, (i) => borderDq![positionOf(i)], subarray);
  // A 1-output plan picks pixels by their flags: made with the border.
  const oneOutput = subarray && ramp.meta.exposure.noutputs !== 4;
  const fourAmp = oneOutput ? undefined : fourAmpPlan(geo, o, positionOf);
  return {
    async statistics(border, context) {
      borderDq = border.pixeldq;
      const oneAmp = oneOutput ? oneAmpPlan(geo, o, positionOf) : undefined;
      const plan = oneAmp ?? fourAmp;
      if (!plan) return undefined;
      const groups = nints * ngroups;
      // A 4-output plan's groups in the workers where they can reach the border's samples.
      const pool = context.pool;
      const params =
        plan.strips && pool?.runRefpixGroups && border.data && isShared(border.data)
          ? await planParamsInWorkers(plan as Plan & { strips(): FourAmpStrips }, border.data, border.pixeldq.length, groups, o, { ...context, pool: pool as KernelPool & Required<Pick<KernelPool, 'runRefpixGroups'>> })
          : planParams(plan, groups, o, false, context, (g, wide) => plan.group(border.planeOf(g), wide));
      const correct = async (band: Float32Array, row0: number, bandRows: number, bandContext: StepContext) => {
        const rows = plan.rowsOf(row0, bandRows);
        try {
          await runTiled(bandContext.pool, 'refpix', { data: band, ...rows }, { nints, ngroups, rows: bandRows, cols }, {
            params,
            signal: bandContext.signal,
          });
        } finally {
          releaseRows(rows);
        }
      };
      return Object.assign(correct, { params, maps: plan.maps, flaggedPixels: oneAmp?.picked });
    },
  };
}

/** Whether a subarray lies within the detector (else jwst skips refpix). */
export function refpixSubarrayFits(meta: RampModel['meta']): boolean {
  const { xstart, ystart, xsize, ysize } = meta.subarray;
  return xstart !== undefined && ystart !== undefined && xsize !== undefined && ysize !== undefined && xstart >= 1 && ystart >= 1 && xstart - 1 + xsize <= N && ystart - 1 + ysize <= N;
}

/**
 * refpix on the bands of an exposure (`refpixBands`): corrects a band of rows starting at `row0`;
 * `params` and `maps` (the frame's class and detector-row maps) are what its kernel takes.
 */
export interface RefpixBands {
  (band: Float32Array, row0: number, rows: number, bandContext: StepContext): Promise<void>;
  params: RefpixParams;
  maps: RefpixMaps;
  /**
   * A 1-output subarray's statistics take the pixels flagged REFERENCE_PIXEL (and not
   * DO_NOT_USE) on the border: their science indices. Flagged pixels off the border, which a
   * whole run would take too, are the caller's to rule out.
   */
  flaggedPixels?: Int32Array;
}

/** `irs2Reference`: the REFPIX reference (or how to select it), read only for NIRSpec IRS2 data. */
export async function refpixStep(ramp: RampModel, options: RefpixOptions = {}, context: StepContext = {}, irs2Reference?: Irs2ReferenceSource): Promise<StepStatus> {
  const o: Required<RefpixOptions> = { ...refpixDefaults, ...options };
  const setStatus = (status: StepStatus) => (ramp.meta.calStep[refpixKeywords.status] = status);
  const [nints, ngroups, rows, cols] = ramp.shape;
  const miri = ramp.meta.instrument.name?.toUpperCase() === 'MIRI';
  if (isIrs2(ramp.shape)) return refpixIrs2(ramp, o, irs2Reference, context);
  if (miri) {
    if (cols < 1032 || rows < 1024) {
      warn(context, 'refpix: correction skipped for MIRI subarrays');
      return setStatus('SKIPPED');
    }
    await refpixMiriFullFrame(ramp, o, context);
    return setStatus('COMPLETE');
  }
  const subarray = cols < N || rows < N;
  if (o.refpixAlgorithm === 'sirs' && !subarray) throw new StepNotImplementedError("refpix: refpix_algorithm='sirs' is not implemented");
  if (!Number.isSafeInteger(o.sideSmoothingLength)) throw new RefpixStepError(`refpix: side_smoothing_length must be an integer, got ${o.sideSmoothingLength}`);
  if (subarray) {
    const { xstart, ystart, xsize, ysize } = ramp.meta.subarray;
    if (xstart === undefined || ystart === undefined || xsize === undefined || ysize === undefined) throw new RefpixStepError('refpix: subarray metadata not found');
    if (!refpixSubarrayFits(ramp.meta)) {
      warn(context, "refpix: subarray doesn't fit in full-sized array; step skipped");
      return setStatus('SKIPPED');
    }
  }
  const geo = geometry(ramp, (i) => ramp.pixeldq[i], subarray);
  const fourAmp = !subarray || ramp.meta.exposure.noutputs === 4;
  const plan = fourAmp ? fourAmpPlan(geo, o) : oneAmpPlan(geo, o);
  if (!plan) {
    info(context, 'refpix: no valid reference pixels; this step will have no effect');
    return setStatus('COMPLETE');
  }
  // jwst keeps one group buffer for the whole exposure, float64 from the first side correction
  // on: a slice of later integrations starts with it wide.
  await run(plan, ramp.data, nints, ngroups, geo, o, (context.integrationOffset ?? 0) > 0, context);
  if (ramp.meta.exposure.zeroFrame && ramp.zeroframe) {
    const zf = ramp.zeroframe;
    const zeros = zf.map((v) => (v === 0 ? 1 : 0));
    await run(plan, zf, nints, 1, geo, o, true, context);
    zeros.forEach((z, i) => z && (zf[i] = 0));
  }
  return setStatus('COMPLETE');
}
