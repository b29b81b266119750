/**
 * Detector1 on a near-IR full frame or subarray by row bands, from the uncal to the products: the
 * ramp never sits whole in memory.
 *
 *   0. refpix's statistics: the steps before refpix on the frame's outer 4 rows and columns (a
 *      subarray's reference pixels are among its own);
 *   1. every band (all integrations) read from the uncal, corrected up to jump with a halo of
 *      rows for saturation growth and jump's neighbours, through jump's two-point pass, and fitted
 *      at once; its rows go straight into `_rate` and `_rateints`.
 *
 * With snowballs (expand_large_events), which need the whole frames of jump's flags, step 1 keeps
 * the exposure's GROUPDQ and PIXELDQ instead of fitting; then
 *   2. snowballs on the whole frames of GROUPDQ, and ramp fitting's exposure-wide plan;
 *   3. every band corrected again (cheaper than keeping or spilling the corrected ramp) and
 *      fitted with the final GROUPDQ.
 *
 * Every step is the step a whole run calls, on a band presented as a subarray of the frame, so
 * the products equal those of a whole run (tests/unit/pipeline/banded.test.ts compares them).
 * What only the whole frame tells is assumed, then checked once every band is done: jump's
 * detection mode (from counts of fully flagged groups; `BandedFallback` says when the assumption
 * was wrong) and, in one pass, ramp fitting's plan (products unless every first group is
 * saturated) and the cosmic-ray rates of the primary header (rewritten at the end).
 */
import type { FitsFile } from '../io/fits/index.js';
import { createRampModel, type CubeModel, type ImageModel, type RampModel } from '../datamodels/models.js';
import type { Meta } from '../datamodels/meta.js';
import type { RampReader } from '../datamodels/fits-models.js';
import { rampFitTile, taskResult, type EncodedSums, type RampFitPool, type RampFitResult, type RampFitTileParams } from '../kernels/ramp-fit.js';
import { decodeInPlace } from '../io/fits/pixels.js';
import { saturationHalo } from '../kernels/saturation.js';
import { ipcHalo, ipcScienceColumns } from '../kernels/ipc.js';
import { allocShared, releaseShared, sharedMemoryAvailable, type TileShape } from '../kernels/arrays.js';
import { planRowBands } from '../pool/plan.js';
import { runTiled } from '../pool/pool.js';
import { afterJumpFlagging, allDoNotUsePlanes, jumpDetectionMode, jumpKernelParams, jumpLargeEvents, jumpStep, nanMedianF32, type JumpCarry } from '../steps/jump.js';
import { REFPIX_BORDER, refpixBands, refpixSubarrayFits, type RefpixBands, type RefpixBorder } from '../steps/refpix.js';
import { ipcReferenceBorder, isIrs2 } from '../steps/ipc.js';
import { rampFitPlanner } from '../steps/ramp-fit.js';
import { productSkeletons } from './product-stream.js';
import { pixel } from '../dq/index.js';
import { referenceName, warn, type StepContext } from '../steps/step.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { GAIN_SCALE, RAMP_FIT, RAMP_STEPS, stepOptions, type StepParameters, type StepReferences } from './ramp-steps.js';
import { bandArray, bandOutputs, releaseBandBuffers, type BandBuffers } from './band-buffers.js';
import { planeRows, type ProductRowsWriter, type RateintsRows } from './spill.js';
import { planChain, recordChainSteps } from './chain.js';
import { borderPixels, borderPosition, type ChainPlan, type ChainTask } from '../pool/chain-band.js';
import type { KernelPool } from '../pool/pool.js';

/**
 * Samples (float32, all integrations) of one chain band: ~50 rows of a 10-group full frame, and
 * ~20 MB of wasm memory per worker. A NIRCam full frame (10 groups, 2 workers) ran 1.04-1.06 s
 * at 234-236 MB with these, 1.05-1.08 s at 302-303 MB with 8 MiB bands and 1.10-1.21 s at
 * 206-211 MB with 2 MiB ones, whose halo rows (2-3 either side, corrected twice) weigh more.
 */
const CHAIN_BAND_BYTES = 4 * 2 ** 20;
const CHAIN_MIN_ROWS = 16;
/** Chain bands in flight per worker (each holds its fit's outputs until written). */
const CHAIN_SLOTS_PER_WORKER = 3;

/** The reference a step needs to end COMPLETE (jwst skips it without). */
const STEP_REFERENCE: Readonly<Record<string, string>> = { dq_init: 'mask', saturation: 'saturation', ipc: 'ipc', superbias: 'superbias', linearity: 'linearity', dark_current: 'dark' };

/** The status a step is expected to end with on a band: group_scale skips itself on the frames a chain takes. */
function expectedStatus(alias: string, references: StepReferences | undefined): string {
  if (alias === 'group_scale') return 'SKIPPED';
  const reftype = STEP_REFERENCE[alias];
  return reftype === undefined || references?.get(reftype) ? 'COMPLETE' : 'SKIPPED';
}

/** Pass 1 assumed what the whole frame contradicts: the exposure must be run whole. */
export class BandedFallback extends Error {
  override name = 'BandedFallback';
}

/** Rows a band has at least (one of a full frame's ~4 MiB bands has more with up to ~20 groups). */
const BAND_MIN_ROWS = 16;

/** Steps a banded run can take (others must be skipped): per-pixel ones, saturation's growth, a 2-D IPC kernel, refpix's statistics, jump. */
const BANDED_STEPS = new Set(['group_scale', 'dq_init', 'saturation', 'ipc', 'superbias', 'refpix', 'linearity', 'dark_current', 'jump']);

/** One band in flight: the buffers it is read and corrected in, and the raw bytes it is read through. */
interface Lane {
  buffers: BandBuffers;
  scratch: Uint8Array;
}

/** What the pipeline gives a banded run. */
export interface BandedRun {
  reader: RampReader;
  /** The exposure's metadata, updated as the steps update it. */
  meta: Meta;
  /** The RampModel fields of the input besides its arrays (headers and tables). */
  model: { primary: RampModel['primary']; sciHeader: RampModel['sciHeader']; group?: RampModel['group']; intTimes?: RampModel['intTimes'] };
  initialPixeldq: Uint32Array;
  /** The ramp steps in jwst's order. */
  order: readonly string[];
  skipped(alias: string): boolean;
  stepParameters(alias: string): StepParameters;
  referencesOf(reftypes: readonly string[], alias: string): Promise<StepReferences>;
  reference(reftype: string, alias: string): Promise<FitsFile | undefined>;
  referencePlane(reftype: 'gain' | 'readnoise', alias: string): Promise<Float32Array | undefined>;
  /** Lets go of the planes `referencePlane` read (a later call reads them again). */
  releaseReferencePlanes(): Promise<void>;
  /** Rewrites `R_*` as the io records reference names. */
  recordNames(meta: Meta): void;
  timed<T>(alias: string, run: () => Promise<T>): Promise<T>;
  /** Adds time spent elsewhere (a worker's) to a step's. */
  addTime(alias: string, ms: number): void;
  statuses: Map<string, string>;
  context: StepContext;
  rampFitPool?: RampFitPool;
  /** Run by integrations instead (BandedFallback) when the bands after the first cannot go through the chain. */
  requireChain?: boolean;
  productWriter(suffix: 'rate' | 'rateints', skeleton: ImageModel | CubeModel): Promise<ProductRowsWriter>;
  onProgress?(step: string): void;
  /** The pipeline's error for a run that cannot go on (Detector1Error). */
  error(message: string): Error;
}

/**
 * Why an exposure cannot run by bands, or undefined when it can: a near-IR full frame or
 * subarray (within the detector; not IRS2) without ZEROFRAME, whose non-skipped steps are those
 * of BANDED_STEPS plus ramp fitting (OLS_C, no fitopt) and gain_scale, whose bands of every
 * integration are not much larger than its integrations, and whose GROUPDQ, kept whole when
 * snowballs run, fits in `maxGroupdqBytes`.
 */
export function bandedObstacle(
  reader: RampReader,
  order: readonly string[],
  skipped: (alias: string) => boolean,
  stepParameters: (alias: string) => StepParameters,
  maxGroupdqBytes = 2 ** 28,
): string | undefined {
  const [nints, ngroups, rows, cols] = reader.shape;
  if (reader.meta.instrument.name?.toUpperCase() === 'MIRI') return 'MIRI';
  if (isIrs2(reader.shape)) return 'IRS2';
  if ((rows < 2048 || cols < 2048) && !refpixSubarrayFits(reader.meta)) return 'a subarray off the detector';
  if (rows <= 2 * REFPIX_BORDER || cols <= 2 * REFPIX_BORDER) return 'a subarray within the reference border';
  if (reader.hasZeroframe || reader.hasRefout) return 'ZEROFRAME or REFOUT';
  // A band holds every integration: where many integrations make the thinnest one larger than
  // two integrations (and 64 MiB), integration by integration keeps less in memory.
  const thinnest = Math.min(rows, BAND_MIN_ROWS + 8) * cols * nints * ngroups * 4;
  if (thinnest > Math.max(2 ** 26, 2 * ngroups * rows * cols * 4)) return 'bands of every integration larger than two integrations';
  const other = order.find((alias) => !skipped(alias) && !BANDED_STEPS.has(alias));
  if (other) return `${other} runs`;
  if (skipped(RAMP_FIT.alias)) return 'ramp_fit skipped';
  const fit = stepParameters(RAMP_FIT.alias);
  if (String(fit.algorithm ?? 'OLS_C').toUpperCase() !== 'OLS_C' || (reader.meta.exposure.readTimes?.length ?? 0) > 0) return 'not OLS_C';
  if (fit.save_opt === true) return 'save_opt';
  const jump = stepParameters('jump');
  if (!skipped('jump') && jump.find_showers === true) return 'find_showers';
  // Snowballs read the exposure's GROUPDQ, which the run then keeps whole.
  if (!skipped('jump') && jump.expand_large_events === true && nints * ngroups * rows * cols > maxGroupdqBytes) return 'GROUPDQ larger than the banded run keeps for snowballs';
  return undefined;
}

export async function runBanded(run: BandedRun): Promise<{ rate: ImageModel; rateints: CubeModel } | { noProducts: string }> {
  const { reader, meta, context, statuses } = run;
  const [nints, ngroups, ny, nx] = reader.shape;
  const plane = ny * nx;
  const planes = nints * ngroups;
  const jumpIndex = run.order.indexOf('jump');
  // Statuses in jwst's order (the runs below update those of the steps that run); S_* of skipped
  // steps are written where a whole run writes them, for the same order of keywords.
  for (const alias of run.order) statuses.set(alias, run.skipped(alias) ? 'SKIPPED' : 'COMPLETE');
  const markSkipped = (target: Meta, alias: string) => {
    const definition = RAMP_STEPS[alias];
    if (definition.skipReachesFits) target.calStep[definition.statusKeyword] = 'SKIPPED';
  };
  const corrections = run.order.slice(0, jumpIndex).filter((alias) => !run.skipped(alias));
  const jumpRuns = !run.skipped('jump');
  const references = new Map<string, StepReferences>();
  // Opened at once; each reference type is chosen by the first step in order that asks for it,
  // as when they are opened one after the other (run.referencesOf decides before it awaits).
  const opened = await Promise.all(corrections.map((alias) => run.referencesOf(RAMP_STEPS[alias].reftypes, alias)));
  corrections.forEach((alias, i) => references.set(alias, opened[i]));

  // The steps are expected to end COMPLETE where they have their reference (the chain's plan assumes it).
  const expected = new Map<string, string>(corrections.map((alias) => [alias, expectedStatus(alias, references.get(alias))]));
  expected.set('jump', jumpRuns && ngroups > 2 ? 'COMPLETE' : 'SKIPPED');
  /** What the chain's plan takes of ramp fitting, or why it cannot. */
  const chainFit = async () => {
    // jump asks for GAIN and READNOISE first, as in a whole run (its overrides win).
    if (jumpRuns) await run.referencesOf(RAMP_STEPS.jump.reftypes, 'jump');
    const fitFiles = await run.referencesOf(RAMP_FIT.reftypes, RAMP_FIT.alias);
    const [gain, readnoise] = [fitFiles.get('gain'), fitFiles.get('readnoise')];
    if (!gain || !readnoise) return 'ramp_fit lacks GAIN or READNOISE';
    const untrimmed = rampFitPlanner(meta, { ...stepOptions(run.stepParameters(RAMP_FIT.alias)), saveOpt: false }, { ngroups, rows: ny, cols: nx }).untrimmedPlan().params;
    return { gain, readnoise, params: untrimmed };
  };
  const saturation = stepParameters(run, 'saturation');
  const saturationRows = corrections.includes('saturation')
    ? saturationHalo({ nPixGrowSat: (saturation.nPixGrowSat as number | undefined) ?? 1, useReadpatt: (saturation.useReadpatt as boolean | undefined) ?? true, nframes: meta.exposure.nframes })
    : 0;
  // IPC's convolution reaches ky/2 rows (its 2-D kernel is read whole by every band; a per-pixel
  // kernel, hundreds of MB, would be read again for each).
  const ipcFile = corrections.includes('ipc') ? references.get('ipc')!.get('ipc') : undefined;
  const ipcShape = ipcFile?.find('SCI')?.shape;
  if (ipcShape && ipcShape.length !== 2) throw new BandedFallback('ipc: a per-pixel kernel');
  const ipcRows = ipcShape ? ipcHalo({ ky: ipcShape[0], kx: ipcShape[1], weights: new Array<number>(ipcShape[0] * ipcShape[1]).fill(0) }) : 0;
  // Rows from a band's edge where its corrected samples and flags are those of a whole run.
  const exactFrom = Math.max(saturationRows, ipcRows);
  // Band heights: about 4 MiB of samples (all integrations), at least 16 rows. On a 10-group
  // full frame, 8 MiB bands peaked ~25 MB higher with one worker and ~35 MB with two, ~0.25 s
  // faster (16 MiB ones ~60 MB higher again).
  const bandCount = Math.ceil(ny / Math.min(ny, Math.max(BAND_MIN_ROWS, Math.floor(2 ** 22 / (planes * nx * 5)))));
  const bandRows = Math.ceil(ny / bandCount);
  // jump's neighbour flags come from one row further.
  const halo = exactFrom + (jumpRuns ? 1 : 0);
  /**
   * The rows a band is read and corrected in: its own with `halo` rows either side, shifted
   * inwards at the frame's edges so that every band has as many (their buffers, and those the
   * steps take from `allocShared`, are then recycled from band to band).
   */
  const regionOf = (row0: number): [number, number] => {
    const rows = Math.min(ny, bandRows + 2 * halo);
    const t = Math.min(Math.max(0, row0 - halo), ny - rows);
    return [t, t + rows];
  };
  const shared = sharedMemoryAvailable();
  // Two bands at a time, each in a lane of its own buffers: while the workers correct one, this
  // thread reads the other's samples and references.
  const lanes: Lane[] = Array.from({ length: 2 }, () => ({ buffers: { shared }, scratch: new Uint8Array(new ArrayBuffer((bandRows + 2 * halo) * nx * 4)) }));
  /** Runs `work` on every band of `bandRows` rows from row `from`, one per free lane. */
  const overBands = (work: (row0: number, row1: number, lane: Lane) => Promise<void>, from = 0) => bandsInSlots(from, ny, bandRows, lanes, work, context.signal);

  /** The samples and flags of rows `[t, b)` as read, in `buffers`. */
  const readRegion = async (t: number, b: number, buffers: BandBuffers, lane: Lane) => {
    const length = (b - t) * nx;
    const data = bandArray(Float32Array, planes * length, buffers, 'data');
    const groupdq = bandArray(Uint8Array, planes * length, buffers, 'groupdq');
    await reader.readRows(t, b, { data, groupdq }, lane.scratch);
    return { data, groupdq };
  };

  /** A region of the frame as a RampModel of its own: a subarray of the exposure to the steps. */
  const regionModel = (t: number, b: number, c0: number, c1: number, arrays: { data: Float32Array; groupdq: Uint8Array }) => {
    const regionMeta: Meta = structuredClone(meta);
    const sub = regionMeta.subarray;
    regionMeta.subarray = { ...sub, xstart: (sub.xstart ?? 1) + c0, xsize: c1 - c0, ystart: (sub.ystart ?? 1) + t, ysize: b - t };
    const pixeldq = allocShared(Uint32Array, (b - t) * (c1 - c0), { zeroed: false });
    for (let r = t; r < b; r++) pixeldq.set(run.initialPixeldq.subarray(r * nx + c0, r * nx + c1), (r - t) * (c1 - c0));
    return createRampModel({ meta: regionMeta, ...run.model, shape: [nints, ngroups, b - t, c1 - c0], data: arrays.data, groupdq: arrays.groupdq, pixeldq });
  };

  /** Runs `aliases` on a region; `refpix` (full-width rows only) applies the exposure's statistics. */
  const correct = async (region: RampModel, row0: number, aliases: readonly string[], bandContext: StepContext) => {
    for (const alias of aliases) {
      if (run.skipped(alias)) {
        markSkipped(region.meta, alias);
        continue;
      }
      if (alias === 'refpix') {
        await run.timed(alias, () => refpixBand!(region.data, row0, region.shape[2], bandContext));
        region.meta.calStep[RAMP_STEPS.refpix.statusKeyword] = 'COMPLETE';
        statuses.set(alias, 'COMPLETE');
        continue;
      }
      const outcome = await run.timed(alias, () => RAMP_STEPS[alias].run(region, references.get(alias)!, run.stepParameters(alias), bandContext, new Map()));
      statuses.set(alias, outcome.status);
    }
  };

  // Steps log on the first band of pass 1 only (their counts are then the band's).
  const quiet: StepContext = { ...context, log: undefined };

  // 0. refpix's statistics from the outer rows and columns, corrected as far as refpix.
  let refpixBand: RefpixBands | undefined;
  /** refpix's plan from the geometry, made while the border is being corrected. */
  const refpixPlan = () => refpixBands({ meta, shape: reader.shape }, stepOptions(run.stepParameters('refpix')), (index) => borderPosition(index, ny, nx, REFPIX_BORDER));
  /**
   * refpix's statistics from the corrected border. The border's steps take each pixel alone but
   * IPC, which leaves the detector's reference pixels as they are: a subarray's flagged pixel
   * that IPC corrects (a NIRSpec edge column) is not on the border as a whole run sees it.
   */
  const refpixStatistics = async (plan: ReturnType<typeof refpixPlan>, border: RefpixBorder) => {
    const bands = await plan.statistics(border, context);
    if (!bands) throw new BandedFallback('refpix: no valid reference pixels');
    if (bands.flaggedPixels && expected.get('ipc') === 'COMPLETE') {
      const ipcBorder = ipcReferenceBorder(meta, ny, nx);
      for (const i of bands.flaggedPixels) {
        const [y, x] = [Math.floor(i / nx), i % nx];
        const columns = ipcScienceColumns(ipcBorder, ny, nx, y);
        if (columns && x >= columns[0] && x < columns[1]) throw new BandedFallback('refpix: a reference pixel that ipc corrects');
      }
    }
    return bands;
  };
  // The exposure's PIXELDQ, kept by the run with snowballs (every row written by its step 1).
  let exposurePixeldq: Uint32Array | undefined;
  try {
    const before = corrections.includes('refpix') ? corrections.slice(0, corrections.indexOf('refpix')) : [];
    // The border through the chain's workers where they can take it (its steps' part of the plan).
    const borderPlan = corrections.includes('refpix') && context.pool?.runBorder && shared ? await chainFit().then((fit) => (typeof fit === 'string' ? { obstacle: fit } : planChain({ reader, meta, corrections: before, statuses: expected, stepParameters: run.stepParameters, references, fit, pixeldq: run.initialPixeldq }))) : undefined;
    if (borderPlan && 'obstacle' in borderPlan && run.requireChain) throw new BandedFallback(`not by the chain (${borderPlan.obstacle})`);
    if (borderPlan && 'plan' in borderPlan) {
      run.onProgress?.('refpix');
      try {
        const corrected = run.timed('refpix border', () => correctBorder(borderPlan.plan, context.pool!, context.signal));
        // Awaited below; handled here so that a failure is not unhandled meanwhile.
        corrected.catch(() => {});
        let plan: ReturnType<typeof refpixPlan>;
        try {
          plan = refpixPlan();
        } catch (error) {
          (await corrected.catch(() => undefined))?.release();
          throw error;
        }
        const border = await corrected;
        try {
          refpixBand = await refpixStatistics(plan, border);
        } finally {
          border.release();
        }
      } finally {
        borderPlan.release();
      }
    } else if (corrections.includes('refpix')) {
      run.onProgress?.('refpix');
      const b = REFPIX_BORDER;
      const corrected: { region: [number, number, number, number]; model: RampModel; buffers: BandBuffers }[] = [];
      const correctRegion = async (region: [number, number, number, number], arrays: { data: Float32Array; groupdq: Uint8Array }, buffers: BandBuffers) => {
        const model = regionModel(...region, arrays);
        await correct(model, region[0], before, quiet);
        corrected.push({ region, model, buffers });
      };
      // Regions at once: one's reference reads go on while the workers correct another.
      await settledAll(
        [[0, b], [ny - b, ny]].map(async ([top, bottom], r) => {
          const buffers: BandBuffers = { shared };
          await correctRegion([top, bottom, 0, nx], await readRegion(top, bottom, buffers, lanes[r]), buffers);
        }),
      );
      // The side columns, each a region as tall as the frame (fewer step runs than by chunks of
      // rows), copied out of full-width reads of every chunk of rows.
      const height = ny - 2 * b;
      const sides = [0, nx - b].map((c0) => {
        const buffers: BandBuffers = { shared };
        const length = height * b;
        return { c0, buffers, data: bandArray(Float32Array, planes * length, buffers, 'data'), groupdq: bandArray(Uint8Array, planes * length, buffers, 'groupdq') };
      });
      // Only the side pixels decoded, where the uncal's samples are 16-bit integers.
      const columns = sides.map(({ c0, data, groupdq }) => ({ c0, width: b, data, groupdq }));
      const read = await reader.readColumns(b, ny - b, columns, lanes[0].scratch);
      for (let r0 = b; r0 < ny - b && !read; r0 += bandRows) {
        const r1 = Math.min(ny - b, r0 + bandRows);
        const rows = await readRegion(r0, r1, lanes[0].buffers, lanes[0]);
        for (const side of sides) {
          for (let k = 0; k < planes; k++) {
            for (let r = r0; r < r1; r++) {
              const from = (k * (r1 - r0) + r - r0) * nx + side.c0;
              const to = (k * height + r - b) * b;
              side.data.set(rows.data.subarray(from, from + b), to);
              side.groupdq.set(rows.groupdq.subarray(from, from + b), to);
            }
          }
        }
      }
      await settledAll(sides.map((side) => correctRegion([b, ny - b, side.c0, side.c0 + b], side, side.buffers)));
      // refpix samples each group and the exposure's PIXELDQ on the border only: gathered from
      // the corrected regions.
      /** The corrected region holding science pixel `index`, and the pixel's place in it. */
      const locate = (index: number) => {
        const r = Math.floor(index / nx);
        const c = index - r * nx;
        for (const { region: [t, bottom, c0, c1], model } of corrected) {
          if (r >= t && r < bottom && c >= c0 && c < c1) return { model, at: (r - t) * (c1 - c0) + c - c0, plane: (bottom - t) * (c1 - c0) };
        }
        throw new RangeError(`refpix: pixel (${r}, ${c}) is not on the reference border`);
      };
      const border = borderArrays(planes, ny, nx);
      try {
        const sideColumns = [...Array.from({ length: b }, (_, c) => c), ...Array.from({ length: b }, (_, c) => nx - b + c)];
        const allColumns = Array.from({ length: nx }, (_, c) => c);
        for (let r = 0; r < ny; r++) {
          for (const c of r < b || r >= ny - b ? allColumns : sideColumns) {
            const position = border.positionOf(r * nx + c);
            const { model, at, plane: regionPlane } = locate(r * nx + c);
            border.pixeldq[position] = model.pixeldq[at];
            for (let k = 0; k < planes; k++) border.data[k * border.pixeldq.length + position] = model.data[k * regionPlane + at];
          }
        }
        refpixBand = await refpixStatistics(refpixPlan(), border);
      } finally {
        border.release();
      }
      for (const { model, buffers } of corrected) {
        releaseShared(model.pixeldq);
        releaseBandBuffers(buffers);
      }
    }

    // 1. Corrections and jump's two-point pass, band by band.
    const jumpOptions = stepParameters(run, 'jump');
    const jumpFiles = jumpRuns ? await run.referencesOf(RAMP_STEPS.jump.reftypes, 'jump') : undefined;
    const gainFile = jumpFiles?.get('gain');
    const readnoiseFile = jumpFiles?.get('readnoise');
    const warnFn = (message: string) => warn(context, message);
    const frame = { science: scienceGeometry(meta, reader.shape, reader.file.source.name, warnFn), instrument: meta.instrument.name, warn: warnFn };
    /** Rows `[row0, row0 + rows)` of a GAIN or READNOISE plane, on a recycled shared buffer. */
    const referenceRows = async (file: FitsFile, row0: number, rows: number) => (await readReferenceFloat(file, 'SCI', frame, { shared: true, rows: [row0, row0 + rows] })).data;
    // Each band reads its rows of GAIN and READNOISE; the whole planes are read only for the
    // whole-frame median and the snowballs, and let go after them.
    const gainMedian = gainFile && afterJumpFlagging(jumpOptions) ? nanMedianF32((await run.referencePlane('gain', 'jump'))!) : undefined;
    await run.releaseReferencePlanes();
    // Snowballs read the whole frames of jump's flags: the bands are then corrected twice, first
    // for the flags, then for the fit. Otherwise each band is fitted once jump has flagged it.
    const snowballs = jumpRuns && jumpOptions.expandLargeEvents === true && gainFile !== undefined && readnoiseFile !== undefined;
    /** Per (integration, group): every pixel so far has DO_NOT_USE after the corrections. */
    const allDoNotUse = new Array<boolean>(planes).fill(true);
    const assumedDoNotUse = new Array<number>(nints).fill(0);
    let jumpStatus: string | undefined;
    let primaryCrs = 0;
    let detected = false;

    /** Band `[row0, row1)` read with its halo, corrected and through jump's two-point pass, given to `then`. */
    const correctAndJump = async (row0: number, row1: number, lane: Lane, then: (band: RampModel, t: number, b: number) => Promise<void>) => {
      const [t, b] = regionOf(row0);
      const band = regionModel(t, b, 0, nx, await readRegion(t, b, lane.buffers, lane));
      try {
        const logContext = row0 === 0 ? context : quiet;
        if (row0 === 0) run.onProgress?.(corrections[0] ?? 'jump');
        await correct(band, t, run.order.slice(0, jumpIndex), logContext);
        const length = (b - t) * nx;
        const own = [(row0 - t) * nx, (row1 - t) * nx] as const;
        for (let k = 0; k < planes; k++) {
          if (!allDoNotUse[k]) continue;
          const flags = band.groupdq.subarray(k * length + own[0], k * length + own[1]);
          for (let p = 0; p < flags.length; p++) {
            if (!(flags[p] & pixel.DO_NOT_USE)) {
              allDoNotUse[k] = false;
              break;
            }
          }
        }
        if (jumpRuns && jumpStatus !== 'SKIPPED') {
          const referencePlanes = gainFile && readnoiseFile ? { gain: await referenceRows(gainFile, t, b - t), readnoise: await referenceRows(readnoiseFile, t, b - t) } : undefined;
          const result = await run.timed('jump', () =>
            jumpStep(band, gainFile && readnoiseFile ? { gain: gainFile, readnoise: readnoiseFile } : undefined, logContext, { ...jumpOptions, expandLargeEvents: false }, {
              doNotUsePlanes: assumedDoNotUse,
              referencePlanes,
              gainMedian,
            }),
          ).finally(() => {
            for (const array of Object.values(referencePlanes ?? {})) releaseShared(array);
          });
          jumpStatus = result.status;
          if (result.primaryCrs !== undefined && result.primaryCrs >= 0 && result.crs) {
            detected = true;
            for (let p = own[0]; p < own[1]; p++) primaryCrs += result.crs[p];
          }
        }
        if (row0 === 0) {
          Object.assign(meta.calStep, band.meta.calStep);
          Object.assign(meta.refFiles, band.meta.refFiles);
        }
        await then(band, t, b);
      } finally {
        releaseShared(band.pixeldq);
      }
    };

    /** Per integration, the groups fully flagged; throws BandedFallback when they change jump's detection mode from pass 1's assumption. */
    const checkDetectionMode = (): number[] => {
      const doNotUse: number[] = [];
      for (let i = 0; i < nints; i++) doNotUse.push(allDoNotUse.slice(i * ngroups, (i + 1) * ngroups).filter(Boolean).length);
      if (jumpRuns) {
        statuses.set('jump', jumpStatus!);
        if (jumpStatus === 'COMPLETE' && jumpDetectionMode(doNotUse, nints, ngroups, jumpOptions) !== jumpDetectionMode(assumedDoNotUse, nints, ngroups, jumpOptions)) {
          throw new BandedFallback(`jump: ${doNotUse.join(', ')} fully flagged groups change the detection mode`);
        }
      }
      return doNotUse;
    };
    /** stcal's PRIMECRS and EXTNCRS: per second per million pixels over the usable groups of the exposure. */
    const recordEventRates = (flaggedGroups: number, extendedEvents: number) => {
      const usableGroups = planes - flaggedGroups - nints;
      if (usableGroups >= 1) {
        const pixelSeconds = meta.exposure.groupTime! * usableGroups * plane;
        meta.exposure.primaryCosmicRays = (1000 * (detected ? primaryCrs : -99)) / pixelSeconds;
        meta.exposure.extendedEmissionEvents = (1e6 * extendedEvents) / pixelSeconds;
      }
      if (detected) context.log?.('info', `jump: ${primaryCrs} primary CRs in the exposure`);
    };

    /** Ramp fitting's references and planner, once the steps before it have set their keywords. */
    const prepareFit = async () => {
      if (!jumpRuns) markSkipped(meta, 'jump');
      for (const alias of run.order.slice(jumpIndex + 1)) markSkipped(meta, alias);
      run.onProgress?.(RAMP_FIT.alias);
      const fitFiles = await run.referencesOf(RAMP_FIT.reftypes, RAMP_FIT.alias);
      const gain = fitFiles.get('gain');
      const readnoise = fitFiles.get('readnoise');
      if (!gain || !readnoise) throw run.error(`ramp_fit needs GAIN and READNOISE references; ${!gain ? 'GAIN' : 'READNOISE'} is missing`);
      meta.refFiles.GAIN = referenceName(gain);
      meta.refFiles.READNO = referenceName(readnoise);
      const planner = rampFitPlanner(meta, { ...stepOptions(run.stepParameters(RAMP_FIT.alias)), saveOpt: false }, { ngroups, rows: ny, cols: nx });
      return { gain, readnoise, gainFactor: gain.primary.header.getNumber('GAINFACT'), planner };
    };
    type Fit = Awaited<ReturnType<typeof prepareFit>>;

    /** `_rate` and `_rateints` but for their arrays, as `meta` says now, and gain_scale's factor. */
    const skeletonsOf = async (fit: Fit, log: StepContext) => {
      const gainScale = run.skipped(GAIN_SCALE.alias) ? undefined : () => run.reference('gain', GAIN_SCALE.alias);
      const skeletons = await productSkeletons({ shape: [nints, ngroups, ny, nx], ...run.model }, meta, fit.gainFactor, gainScale, log, run.recordNames);
      statuses.set(GAIN_SCALE.alias, skeletons.factor === undefined ? 'SKIPPED' : 'COMPLETE');
      return skeletons;
    };

    // The products' writers, and the fitting slots: one per worker, each a band piece's outputs.
    let products: (Awaited<ReturnType<typeof skeletonsOf>> & { writers: ProductRowsWriter[] }) | undefined;
    /** The products' files, once open, where the chain's workers write their bands themselves. */
    let productFiles: ChainTask['files'];
    const openProducts = async (fit: Fit) => {
      const skeletons = await skeletonsOf(fit, context);
      products = { ...skeletons, writers: [] };
      const writers = products.writers;
      writers.push(await run.productWriter('rate', skeletons.rate));
      writers.push(await run.productWriter('rateints', skeletons.rateints));
      // Not where this thread needs the rows: to scale them (gain_scale), or to look for
      // reference pixels in rate's DQ.
      const [rate, rateints] = writers.map((writer) => (writer.recordWrittenRows ? writer.fileTarget?.() : undefined));
      productFiles = skeletons.factor === undefined && !refpixBand?.flaggedPixels && rate && rateints ? { rate, rateints } : undefined;
    };
    /** Counts rows a chain worker wrote into the products' files, with their sums. */
    const recordWritten = (row0: number, rows: number, sums: EncodedSums) => {
      const [rate, rateints] = products!.writers;
      rate.recordWrittenRows!(0, row0, rows, sums[0]);
      for (let i = 0; i < nints; i++) rateints.recordWrittenRows!(i, row0, rows, sums[1 + i]);
    };
    const pool = run.rampFitPool;
    const slots = Array.from({ length: pool?.size ?? 1 }, (): BandBuffers => ({ shared }));
    const allSlots = [...slots];
    // Bands waiting for a slot, woken in turn as slots come back.
    const waiting: (() => void)[] = [];
    const takeSlot = async (): Promise<BandBuffers> => {
      while (slots.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      return slots.pop()!;
    };
    const giveBack = (slot: BandBuffers) => {
      slots.push(slot);
      waiting.shift()?.();
    };
    /**
     * A band's fit, gain-scaled, into the products. `encoded`: its arrays hold the files' words (the chain's
     * workers encode them) with these sums; they are decoded here where a writer cannot take
     * them so, or where gain_scale scales them.
     */
    const bytesOf = (array: Float32Array | Uint32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    const write = async (row0: number, rows: number, result: RampFitResult, encoded?: EncodedSums) => {
      // A 1-output subarray's refpix took the flagged pixels of the border only: rate's DQ has
      // every pixel's flags.
      if (refpixBand?.flaggedPixels && referencePixelOffBorder(result.rate.dq, encoded !== undefined, row0, rows, ny, nx)) {
        throw new BandedFallback('refpix: a reference pixel off the border');
      }
      const { writers, factor } = products!;
      const length = rows * nx;
      const outputs = [
        { writer: writers[0], count: 1, arrays: result.rate, sums: encoded?.slice(0, 1) },
        { writer: writers[1], count: nints, arrays: result.rateints, sums: encoded?.slice(1) },
      ];
      for (const { writer, count, arrays, sums } of outputs) {
        const bands = Array.from({ length: count }, (_, i) => {
          const part = <T extends Float32Array | Uint32Array>(array: T) => array.subarray(i * length, (i + 1) * length) as T;
          const band: RateintsRows = { data: part(arrays.slope), err: part(arrays.err), dq: part(arrays.dq), varPoisson: part(arrays.varPoisson), varRnoise: part(arrays.varRnoise) };
          return band;
        });
        if (sums && factor === undefined && writer.writeEncodedRows) {
          for (let i = 0; i < count; i++) await writer.writeEncodedRows(i, row0, bands[i], sums[i]);
          continue;
        }
        if (sums) {
          for (const array of [arrays.slope, arrays.err, arrays.varPoisson, arrays.varRnoise]) decodeInPlace(bytesOf(array), -32, 'signed');
          decodeInPlace(bytesOf(arrays.dq), 32, 'unsigned');
        }
        if (factor !== undefined) {
          await runTiled(undefined, 'gainScale', { data: arrays.slope, err: arrays.err, varPoisson: arrays.varPoisson, varRnoise: arrays.varRnoise }, { nints: count, ngroups: 1, rows, cols: nx }, { params: { factor } });
        }
        for (let i = 0; i < count; i++) await writer.writeRows(i, row0, bands[i]);
      }
    };
    /**
     * Fits rows `[row0, row1)` of a band corrected in rows `[t, b)` whose flags there are final,
     * and writes them into the products; the band's arrays are read until it resolves.
     */
    const fitBand = async (band: RampModel, t: number, b: number, row0: number, row1: number, fit: Fit, params: RampFitTileParams) => {
      const bandArrays = {
        data: band.data,
        groupdq: band.groupdq,
        pixeldq: band.pixeldq,
        gain: await referenceRows(fit.gain, t, b - t),
        readnoise: await referenceRows(fit.readnoise, t, b - t),
        averageDarkCurrent: band.avdrkcur,
      };
      const bandShape: TileShape = { nints, ngroups, rows: b - t, cols: nx };
      /** Rows `[p0, p0 + rows)` of the band alone, in `slot`: what a fit without shared memory is given. */
      const pieceArrays = (p0: number, rows: number, slot: BandBuffers) => {
        const length = rows * nx;
        const cut = <T extends Float32Array | Uint32Array>(whole: T, key: 'pixeldq' | 'gain' | 'readnoise' | 'averageDarkCurrent') => {
          const array = bandArray(whole.constructor as unknown as Parameters<typeof bandArray<T>>[0], length, slot, key);
          array.set(whole.subarray((p0 - t) * nx, (p0 - t + rows) * nx) as never);
          return array;
        };
        const bandRegion = { ngroups: planes, rows: b - t, cols: nx };
        return {
          data: planeRows(bandArrays.data, planes, bandRegion, p0 - t, p0 - t + rows, bandArray(Float32Array, planes * length, slot, 'data')),
          groupdq: planeRows(bandArrays.groupdq, planes, bandRegion, p0 - t, p0 - t + rows, bandArray(Uint8Array, planes * length, slot, 'groupdq')),
          pixeldq: cut(bandArrays.pixeldq, 'pixeldq'),
          gain: cut(bandArrays.gain, 'gain'),
          readnoise: cut(bandArrays.readnoise, 'readnoise'),
          averageDarkCurrent: bandArrays.averageDarkCurrent && cut(bandArrays.averageDarkCurrent, 'averageDarkCurrent'),
        };
      };
      const fitPiece = async (p0: number, rows: number, slot: BandBuffers) => {
        const length = rows * nx;
        if (!pool) return write(p0, rows, rampFitTile(pieceArrays(p0, rows, slot), { nints, ngroups, rows, cols: nx }, params));
        const outputs = bandOutputs(slot, nints, length);
        // With shared memory the workers read the band in place; else its piece is sent.
        const task = shared
          ? { arrays: { ...bandArrays, ...outputs }, shape: bandShape, row0: p0 - t }
          : { arrays: { ...pieceArrays(p0, rows, slot), ...outputs }, shape: { ...bandShape, rows }, row0: 0 };
        await pool.run({ kernel: 'rampFit', arrays: task.arrays, params: { ...params, outputRows: { row0: task.row0, rows, exposureRow0: 0, exposureRows: rows } }, shape: task.shape }, context.signal);
        await write(p0, rows, taskResult(outputs));
      };
      const fits: Promise<void>[] = [];
      for (const piece of planRowBands(row1 - row0, { minBands: pool?.size ?? 1 })) {
        const slot = await takeSlot();
        const job = fitPiece(row0 + piece.row0, piece.rows, slot).finally(() => giveBack(slot));
        // Awaited below; handled here so that a failure is not unhandled meanwhile.
        job.catch(() => {});
        fits.push(job);
      }
      // The fits read the band's buffers: it is let go once they are done.
      const settled = await Promise.allSettled(fits);
      releaseShared(bandArrays.gain);
      releaseShared(bandArrays.readnoise);
      for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
    };

    /**
     * The chain's plan for the bands, with the statuses its steps are expected to end with
     * (`expected`, which planChain checks), or undefined (the reason logged) when the bands go
     * step by step.
     */
    const chainPlan = async (expected: Map<string, string>) => {
      const planned = await tryChain(expected);
      if ('obstacle' in planned && run.requireChain) throw new BandedFallback(`not by the chain (${planned.obstacle})`);
      context.log?.('info', 'obstacle' in planned ? `pipeline: bands step by step (${planned.obstacle})` : 'pipeline: each band in one worker task (the chain)');
      return 'obstacle' in planned ? undefined : planned;
    };
    const tryChain = async (expected: Map<string, string>) => {
      if (!context.pool?.runChain || !shared) return { obstacle: 'no worker pool that reads files' };
      const fit = await chainFit();
      if (typeof fit === 'string') return { obstacle: fit };
      if (expected.get('jump') === 'COMPLETE' && !(gainFile && readnoiseFile)) return { obstacle: 'jump lacks GAIN or READNOISE' };
      const jumpParams =
        expected.get('jump') === 'COMPLETE'
          ? jumpKernelParams(jumpOptions, jumpDetectionMode(assumedDoNotUse, nints, ngroups, jumpOptions), meta.exposure.nframes!, meta.exposure.groupTime!, () => gainMedian!)
          : undefined;
      return planChain({
        reader,
        meta,
        corrections,
        statuses: expected,
        stepParameters: run.stepParameters,
        references,
        refpix: refpixBand,
        jump: jumpParams && gainFile && readnoiseFile ? { gain: gainFile, readnoise: readnoiseFile, params: jumpParams } : undefined,
        fit,
        pixeldq: run.initialPixeldq,
      });
    };
    /**
     * Rows `[from, ny)` by the chain, a few bands in flight per worker, each written once the
     * products are `open` (by the worker itself once they are). Gives the bands' summary of unsaturated groups for the fit's plan.
     */
    const runChain = async (plan: ChainPlan, from: number, open: Promise<void>) => {
      const chainRows = Math.max(CHAIN_MIN_ROWS, Math.floor(CHAIN_BAND_BYTES / (planes * nx * 4)));
      const chainPool = context.pool!;
      const unsaturated = new Uint8Array(planes);
      // Bands fitted before the products open wait in their slots meanwhile.
      const outputSlots = Array.from({ length: CHAIN_SLOTS_PER_WORKER * chainPool.size }, (): BandBuffers => ({ shared }));
      try {
        await bandsInSlots(
          from,
          ny,
          chainRows,
          outputSlots,
          async (row0, row1, slot) => {
            // Once the products are open the worker writes the band into them; before, into the
            // slot. Only each worker's first band goes before (the products open meanwhile).
            if ((row0 - from) / chainRows >= chainPool.size) await open;
            const files = productFiles;
            const outputs = files ? undefined : bandOutputs(slot, nints, (row1 - row0) * nx);
            const region: [number, number] = [Math.max(0, row0 - halo), Math.min(ny, row1 + halo)];
            const result = await chainPool.runChain!({ plan, region, own: [row0, row1], outputs: outputs as ChainTask['outputs'], files }, context.signal);
            for (const [alias, ms] of Object.entries(result.ms)) run.addTime(alias, ms);
            for (let k = 0; k < planes; k++) {
              if (result.usable[k]) allDoNotUse[k] = false;
              unsaturated[k] |= result.unsaturated[k];
            }
            if (plan.jump && plan.jump.params.mode !== 'skip') {
              detected = true;
              primaryCrs += result.crs;
            }
            if (files) recordWritten(row0, row1 - row0, result.sums);
            else {
              await open;
              await write(row0, row1 - row0, taskResult(outputs!), result.sums);
            }
          },
          context.signal,
        );
        return unsaturated;
      } finally {
        for (const slot of outputSlots) releaseBandBuffers(slot);
      }
    };

    try {
      if (snowballs) {
        // 1. Pass 1 keeps the exposure's flags.
        const groupdq = new Uint8Array(planes * plane);
        const pixeldq = (exposurePixeldq = allocShared(Uint32Array, plane, { zeroed: false }));
        await overBands((row0, row1, lane) =>
          correctAndJump(row0, row1, lane, async (band, t, b) => {
            const length = (b - t) * nx;
            for (let k = 0; k < planes; k++) groupdq.set(band.groupdq.subarray(k * length + (row0 - t) * nx, k * length + (row1 - t) * nx), k * plane + row0 * nx);
            pixeldq.set(band.pixeldq.subarray((row0 - t) * nx, (row1 - t) * nx), row0 * nx);
          }),
        );
        const doNotUse = checkDetectionMode();
        let flagged = doNotUse.reduce((a, c) => a + c, 0);
        let extendedEvents = 0;
        if (jumpStatus === 'COMPLETE') {
          // 2. Snowballs on whole frames of GROUPDQ (they read flags only), one integration at a time.
          await run.timed('jump', async () => {
            let carried: JumpCarry | undefined;
            flagged = 0;
            for (let i = 0; i < nints; i++) {
              const flags = groupdq.subarray(i * ngroups * plane, (i + 1) * ngroups * plane);
              const frames = { model: 'RampModel', meta, ...run.model, shape: [1, ngroups, ny, nx], data: new Float32Array(0), groupdq: flags, pixeldq } as RampModel;
              const largeEventsContext = { ...context, integrationOffset: i, exposureIntegrations: nints, referencePlane: (reftype: 'gain' | 'readnoise') => run.referencePlane(reftype, 'jump') };
              const found = await jumpLargeEvents(frames, { gain: gainFile!, readnoise: readnoiseFile! }, largeEventsContext, jumpOptions, carried);
              carried = found.carry;
              extendedEvents += found.extendedEvents;
              flagged += allDoNotUsePlanes(flags, 1, ngroups, plane)[0];
            }
            await run.releaseReferencePlanes();
          });
          recordEventRates(flagged, extendedEvents);
        }
        // Ramp fitting's exposure-wide plan from the final GROUPDQ.
        const fit = await prepareFit();
        fit.planner.add(groupdq, nints);
        const plan = fit.planner.plan();
        if ('noProducts' in plan) {
          statuses.set(RAMP_FIT.alias, 'SKIPPED');
          return { noProducts: plan.noProducts };
        }
        statuses.set(RAMP_FIT.alias, 'COMPLETE');
        await openProducts(fit);
        // 3. Pass 2: every band corrected again, given the exposure's final flags, and fitted.
        await run.timed(RAMP_FIT.alias, () =>
          overBands(async (row0, row1, lane) => {
            const [t, b] = regionOf(row0);
            const band = regionModel(t, b, 0, nx, await readRegion(t, b, lane.buffers, lane));
            try {
              await correct(band, t, run.order.slice(0, jumpIndex), quiet);
              planeRows(groupdq, planes, { ngroups: planes, rows: ny, cols: nx }, t, b, band.groupdq);
              band.pixeldq.set(pixeldq.subarray(t * nx, b * nx));
              await fitBand(band, t, b, row0, row1, fit, plan.params);
            } finally {
              releaseShared(band.pixeldq);
            }
          }),
        );
      } else {
        // 1. One pass: each band fitted where jump flagged it, with the plan every near-IR
        // exposure gets unless all its first groups are saturated (checked at the end, as is
        // jump's detection mode). The products are laid out once the steps have set their
        // keywords; PRIMECRS and EXTNCRS, known at the end, are rewritten then.
        const ratesBefore = { primaryCosmicRays: meta.exposure.primaryCosmicRays, extendedEmissionEvents: meta.exposure.extendedEmissionEvents };
        let fit: Fit | undefined;
        let untrimmed: RampFitTileParams | undefined;
        let opened!: () => void;
        let openFailed!: (error: unknown) => void;
        const productsOpen = new Promise<void>((resolve, reject) => {
          opened = resolve;
          openFailed = reject;
        });
        productsOpen.catch(() => {});
        // The bands' own rows of GROUPDQ for the plan, while it can still change.
        let ownFlags = new Uint8Array(0);
        /** The products laid out, once the steps before ramp fitting have set their keywords. */
        const open = async () => {
          fit = await prepareFit();
          untrimmed = fit.planner.untrimmedPlan().params;
          if (jumpStatus === 'COMPLETE') meta.exposure.primaryCosmicRays = meta.exposure.extendedEmissionEvents = 0;
          // Its status where a whole run sets it, before gain_scale's; SKIPPED if there are no products.
          statuses.set(RAMP_FIT.alias, 'COMPLETE');
          await openProducts(fit);
          opened();
        };
        const bandWork = async (row0: number, row1: number, lane: Lane) => {
          const work = correctAndJump(row0, row1, lane, async (band, t, b) => {
            if (row0 === 0) await open();
            else await productsOpen;
            if (!fit!.planner.decided) {
              const length = planes * (row1 - row0) * nx;
              if (ownFlags.length < length) ownFlags = new Uint8Array(length);
              const own = planeRows(band.groupdq, planes, { ngroups: planes, rows: b - t, cols: nx }, row0 - t, row1 - t, ownFlags.subarray(0, length));
              fit!.planner.add(own, nints, row1 - row0);
            }
            await run.timed(RAMP_FIT.alias, () => fitBand(band, t, b, row0, row1, fit!, untrimmed!));
          });
          if (row0 === 0) work.catch(openFailed);
          await work;
        };
        // Every band by the chain where it can take them: the steps' keywords and messages are
        // recorded as they would set and say them (no band runs step by step). Else the first
        // band step by step, where the steps set their keywords and say what they say, then the others.
        const chain = await chainPlan(expected);
        if (chain) {
          const chained = run.timed('chain', () => runChain(chain.plan, 0, productsOpen));
          chained.catch(() => {});
          try {
            run.onProgress?.(corrections[0] ?? 'jump');
            for (const alias of corrections) statuses.set(alias, expected.get(alias)!);
            if (jumpRuns) jumpStatus = expected.get('jump');
            recordChainSteps({
              meta,
              order: run.order.slice(0, jumpIndex),
              markSkipped: (alias) => markSkipped(meta, alias),
              corrections,
              statuses: expected,
              references,
              jump: !jumpRuns ? undefined : jumpStatus === 'SKIPPED' ? 'few groups' : { gain: gainFile!, readnoise: readnoiseFile!, options: jumpOptions, mode: jumpDetectionMode(assumedDoNotUse, nints, ngroups, jumpOptions) },
              context,
            });
            await open();
            const unsaturated = await chained;
            if (!fit!.planner.decided) fit!.planner.addUnsaturated(unsaturated, nints);
          } catch (error) {
            openFailed(error);
            throw error;
          } finally {
            await chained.catch(() => {});
            chain.release();
          }
        } else {
          await bandWork(0, Math.min(ny, bandRows), lanes[0]);
          await overBands(bandWork, bandRows);
        }
        const doNotUse = checkDetectionMode();
        const plan = fit!.planner.plan();
        if ('noProducts' in plan) {
          for (const writer of products!.writers) await writer.abort();
          products = undefined;
          statuses.delete(GAIN_SCALE.alias);
          statuses.set(RAMP_FIT.alias, 'SKIPPED');
          return { noProducts: plan.noProducts };
        }
        if (JSON.stringify(plan.params) !== JSON.stringify(untrimmed)) throw new BandedFallback('ramp_fit: the exposure trims groups');
        Object.assign(meta.exposure, ratesBefore);
        if (jumpStatus === 'COMPLETE') recordEventRates(doNotUse.reduce((a, c) => a + c, 0), 0);
        const final = await skeletonsOf(fit!, quiet);
        const [rateWriter, rateintsWriter] = products!.writers;
        if (!(await rateWriter.replacePrimaryHeader(final.rate)) || !(await rateintsWriter.replacePrimaryHeader(final.rateints))) {
          throw new BandedFallback("the products' primary headers would change size with the exposure's cosmic-ray rates");
        }
        products!.rate = final.rate;
        products!.rateints = final.rateints;
      }
      for (const writer of products!.writers) await writer.commit();
      return { rate: products!.rate, rateints: products!.rateints };
    } catch (error) {
      for (const writer of products?.writers ?? []) await writer.abort().catch(() => {});
      throw error;
    } finally {
      for (const slot of allSlots) releaseBandBuffers(slot);
    }
  } finally {
    for (const lane of lanes) releaseBandBuffers(lane.buffers);
    if (exposurePixeldq) releaseShared(exposurePixeldq);
  }
}

/**
 * refpix's border (REFPIX_BORDER rows and columns) corrected by the plan's steps (those before
 * refpix) in the workers, a part of the rows each: what refpix's statistics read. `release`
 * gives the border's shared arrays back.
 */
async function correctBorder(plan: ChainPlan, pool: KernelPool, signal?: AbortSignal): Promise<RefpixBorder & { release(): void }> {
  const { nints, ngroups, rows: ny, cols: nx } = plan.shape;
  const border = borderArrays(nints * ngroups, ny, nx);
  try {
    const parts = planRowBands(ny, { minBands: pool.size, maxRows: Math.ceil(ny / pool.size) });
    await settledAll(parts.map(({ row0, rows }) => pool.runBorder!({ plan, rows: [row0, row0 + rows], width: REFPIX_BORDER, data: border.data, pixeldq: border.pixeldq }, signal)));
  } catch (error) {
    border.release();
    throw error;
  }
  return border;
}

/** refpix's border of a `ny` x `nx` exposure of `planes` groups, in shared arrays to be filled (`borderPixels` order). */
function borderArrays(planes: number, ny: number, nx: number): RefpixBorder & { data: Float32Array; release(): void } {
  const width = REFPIX_BORDER;
  const pixels = borderPixels(0, ny, ny, nx, width);
  const data = allocShared(Float32Array, planes * pixels, { zeroed: false });
  const pixeldq = allocShared(Uint32Array, pixels, { zeroed: false });
  return {
    data,
    pixeldq,
    planeOf: (k) => data.subarray(k * pixels, (k + 1) * pixels),
    positionOf: (index) => borderPosition(index, ny, nx, width),
    release: () => (releaseShared(data), releaseShared(pixeldq)),
  };
}

/**
 * Runs `work` on every band of `height` rows of `[from, rows)`, each in a slot of its own (as
 * many bands at once as there are slots); the first failure is thrown once the others have
 * ended (none is left running on buffers about to be let go).
 */
async function bandsInSlots<S>(from: number, rows: number, height: number, slots: readonly S[], work: (row0: number, row1: number, slot: S) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const free = [...slots];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (let row0 = from; row0 < rows && !failure; row0 += height) {
    if (signal?.aborted) {
      failure = { error: signal.reason };
      break;
    }
    const slot = free.pop()!;
    const job: Promise<void> = work(row0, Math.min(rows, row0 + height), slot)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        running.delete(job);
        free.push(slot);
      });
    running.add(job);
    if (free.length === 0) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}

/**
 * Whether rows `[row0, row0 + rows)` of a `ny` x `nx` frame's DQ (as the file's big-endian words
 * of uint32 with BZERO where `encoded`) flag REFERENCE_PIXEL off the outer REFPIX_BORDER rows and columns.
 */
function referencePixelOffBorder(dq: Uint32Array, encoded: boolean, row0: number, rows: number, ny: number, nx: number): boolean {
  const width = REFPIX_BORDER;
  for (let r = Math.max(row0, width); r < Math.min(row0 + rows, ny - width); r++) {
    const end = (r - row0 + 1) * nx - width;
    for (let i = (r - row0) * nx + width; i < end; i++) {
      // Encoded, the flag is the first byte's top bit, flipped by BZERO.
      if (encoded ? (dq[i] & 0x80) === 0 : (dq[i] & pixel.REFERENCE_PIXEL) !== 0) return true;
    }
  }
  return false;
}

/** Waits for every job, then throws the first failure (none is left running on buffers about to be let go). */
async function settledAll(jobs: Promise<unknown>[]): Promise<void> {
  for (const outcome of await Promise.allSettled(jobs)) if (outcome.status === 'rejected') throw outcome.reason;
}

/** A step's parameters as its options (camelCase). */
function stepParameters(run: BandedRun, alias: string): Record<string, unknown> {
  return stepOptions(run.stepParameters(alias));
}
