/**
 * jump (spec/steps/jump.md, jwst `JumpStep` + stcal `detect_jumps_data`): JUMP_DET in GROUPDQ
 * by the two-point difference method (sigma clipping across integrations when there are
 * `minimum_sigclip_groups` of them), neighbour and after-jump flagging, NO_GAIN_VALUE in
 * PIXELDQ, the PRIMECRS/EXTNCRS rates; then, when asked, near-IR snowballs and MIRI showers.
 * Science data are not changed.
 *
 * Banding: stcal's per-slice quirks (all-DO_NOT_USE plane counts, `maximum_cores`) are not
 * reproduced; the counts are taken over the whole frame, as stcal does with one slice. The
 * two-point pass runs in row bands with a one-row halo; snowballs and showers run afterwards
 * on whole frames (ts/kernels/jump-large-events.ts says why).
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { poolBandByteBudget, runTiled, type KernelPool } from '../pool/pool.js';
import { jumpHalo, jumpInThreadBandRows, type JumpMode, type JumpParams } from '../kernels/jump.js';
import type { TileShape } from '../kernels/arrays.js';
import { flagShowers, flagSnowballs, showerNoiseModel, tooFewDifferences, type ShowerNoise, type ShowerParams } from '../kernels/jump-large-events.js';
import { isShared, releaseShared, sharedCopy, sharedMemoryAvailable, type KernelArray } from '../kernels/arrays.js';
import { pixel } from '../dq/flags.js';
import { info, rampTileShape, referenceName, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes: `S_JUMP`, `R_GAIN`, `R_READNO`. */
export const jumpKeywords = { status: 'JUMP', gain: 'GAIN', readnoise: 'READNO' } as const;

/** Raised for missing inputs and bad parameters. */
export class JumpStepError extends Error {
  override name = 'JumpStepError';
}

/** Every jwst JumpStep parameter (jwst 3.0.0 names in camelCase); defaults in `jumpDefaults`. */
export interface JumpStepOptions {
  rejectionThreshold: number;
  threeGroupRejectionThreshold: number;
  fourGroupRejectionThreshold: number;
  /** Row slicing of stcal; accepted for compatibility, results never depend on it here. */
  maximumCores: string;
  flag4Neighbors: boolean;
  maxJumpToFlagNeighbors: number;
  minJumpToFlagNeighbors: number;
  afterJumpFlagDn1: number;
  afterJumpFlagTime1: number;
  afterJumpFlagDn2: number;
  afterJumpFlagTime2: number;
  /** Near-IR snowballs (stcal `flag_large_events`). */
  expandLargeEvents: boolean;
  minSatArea: number;
  minJumpArea: number;
  expandFactor: number;
  /** Deprecated and unused, as in jwst. */
  useEllipses: boolean;
  satRequiredSnowball: boolean;
  minSatRadiusExtend: number;
  satExpand: number;
  edgeSize: number;
  maskSnowballCoreNextInt: boolean;
  snowballTimeMaskedNextInt: number;
  /** MIRI showers (stcal `find_faint_extended`). */
  findShowers: boolean;
  /**
   * Accepted and ignored, as in jwst 3.0.0: stcal receives its own default times the group time
   * (6 · TGROUP), which it compares with the change of mean first difference in electrons.
   */
  maxShowerAmplitude: number;
  extendSnrThreshold: number;
  extendMinArea: number;
  extendInnerRadius: number;
  extendOuterRadius: number;
  extendEllipseExpandRatio: number;
  timeMaskedAfterShower: number;
  minDiffsSinglePass: number;
  maxExtendedRadius: number;
  /** stcal forces 3 when it runs one slice, which is what this port reproduces. */
  minimumGroups: number;
  minimumSigclipGroups: number;
  onlyUseInts: boolean;
}

export const jumpDefaults: Readonly<JumpStepOptions> = Object.freeze({
  rejectionThreshold: 4.0,
  threeGroupRejectionThreshold: 6.0,
  fourGroupRejectionThreshold: 5.0,
  maximumCores: '1',
  flag4Neighbors: true,
  maxJumpToFlagNeighbors: 1000,
  minJumpToFlagNeighbors: 10,
  afterJumpFlagDn1: 0,
  afterJumpFlagTime1: 0,
  afterJumpFlagDn2: 0,
  afterJumpFlagTime2: 0,
  expandLargeEvents: false,
  minSatArea: 1.0,
  minJumpArea: 5.0,
  expandFactor: 2.0,
  useEllipses: false,
  satRequiredSnowball: true,
  minSatRadiusExtend: 2.5,
  satExpand: 2,
  edgeSize: 25,
  maskSnowballCoreNextInt: true,
  snowballTimeMaskedNextInt: 4000,
  findShowers: false,
  maxShowerAmplitude: 4,
  extendSnrThreshold: 1.2,
  extendMinArea: 90,
  extendInnerRadius: 1,
  extendOuterRadius: 2.6,
  extendEllipseExpandRatio: 1.1,
  timeMaskedAfterShower: 15,
  minDiffsSinglePass: 10,
  maxExtendedRadius: 200,
  minimumGroups: 3,
  minimumSigclipGroups: 100,
  onlyUseInts: true,
});

export interface JumpReferences {
  gain: FitsFile;
  readnoise: FitsFile;
}

/**
 * What one call hands the next when an exposure is processed in slices of integrations
 * (`StepContext.integrationOffset`): with `mask_snowball_core_next_int`, the snowball cores of
 * a slice's last integration are flagged in the first integration of the next slice.
 */
export interface JumpCarry {
  /** `(rows, cols)`: 1 where a saturated snowball core lay in the last integration processed. */
  snowballCores: Uint8Array;
}

export interface JumpStepResult {
  status: StepStatus;
  /** stcal's primary CR count (JUMP groups after detection, before neighbours); -99 when skipped for too few groups. */
  primaryCrs?: number;
  /** Per pixel `(rows, cols)`, the primary CRs behind `primaryCrs` (the pipeline sums them over row bands). */
  crs?: Uint32Array;
  /** stcal's extended-event count: showers if searched, else snowballs, else 0. */
  extendedEvents?: number;
  /** Pass to the call for the next integration slice (present when snowballs were searched). */
  carry?: JumpCarry;
}

/**
 * What the pipeline knows of the whole exposure when it hands the step a band of rows: per
 * integration, the number of groups whose every pixel (of the whole frame) has DO_NOT_USE.
 * stcal chooses the detection mode from these whole-frame counts.
 */
export interface JumpExposure {
  doNotUsePlanes: number[];
  /** GAIN and READNOISE cut to this band, when the caller read them once for all its bands. */
  referencePlanes?: { gain: Float32Array; readnoise: Float32Array };
  /** The whole frame's GAIN median (after-jump flagging thresholds), not the band's. */
  gainMedian?: number;
}

/**
 * The detection's flags in all (`total`) and the pixels with any: a function of its own, so
 * that V8 optimises this loop rather than the whole of `jumpStep`.
 */
function countCrs(crs: Uint32Array): { total: number; pixels: number } {
  let total = 0;
  let pixels = 0;
  for (let p = 0; p < crs.length; p++) {
    total += crs[p];
    if (crs[p] !== 0) pixels++;
  }
  return { total, pixels };
}

/** Per integration, the number of (int, group) planes whose every pixel has DO_NOT_USE. */
export function allDoNotUsePlanes(groupdq: Uint8Array, nints: number, ngroups: number, npix: number): number[] {
  const counts: number[] = [];
  for (let i = 0; i < nints; i++) {
    let n = 0;
    for (let g = 0; g < ngroups; g++) {
      const start = (i * ngroups + g) * npix;
      let all = true;
      for (let p = start; p < start + npix && all; p++) all = (groupdq[p] & pixel.DO_NOT_USE) !== 0;
      if (all) n++;
    }
    counts.push(n);
  }
  return counts;
}

/**
 * The end of stcal's sigma-clipping detection, over the whole frame (stcal does it per slice;
 * one slice here): in an (integration, group) plane where every pixel has JUMP_DET or
 * DO_NOT_USE, the pixels whose DQ is exactly JUMP_DET are reset to 0.
 */
function resetJumpOnlyPlanes(groupdq: Uint8Array, planes: number, npix: number): void {
  const jumpOrDnu = pixel.JUMP_DET | pixel.DO_NOT_USE;
  for (let plane = 0; plane < planes; plane++) {
    const flags = groupdq.subarray(plane * npix, (plane + 1) * npix);
    if (!flags.every((f) => (f & jumpOrDnu) !== 0)) continue;
    for (let p = 0; p < npix; p++) if (flags[p] === pixel.JUMP_DET) flags[p] = 0;
  }
}

/** Whether after-jump flagging is on (its thresholds scale with the frame's GAIN median). */
export function afterJumpFlagging(options: Partial<JumpStepOptions>): boolean {
  return (options.afterJumpFlagTime1 ?? jumpDefaults.afterJumpFlagTime1) > 0 || (options.afterJumpFlagTime2 ?? jumpDefaults.afterJumpFlagTime2) > 0;
}

/** numpy `nanmedian` of a float32 array: float32, the float32 mean of the middle pair. */
export function nanMedianF32(values: Float32Array): number {
  const finite = values.filter((v) => !Number.isNaN(v)).sort();
  const n = finite.length;
  if (n === 0) return NaN;
  return n % 2 ? finite[(n - 1) / 2] : Math.fround(Math.fround(finite[n / 2 - 1] + finite[n / 2]) / 2);
}

/** CPython's float `//` (e.g. `1 // 0.1 == 9`, where Math.floor(1 / 0.1) is 10). */
export function pythonFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod && b < 0 !== mod < 0) div -= 1;
  if (!div) return 0;
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}

/** stcal's detector choice from whole-frame counts (twopoint_difference `find_crs`). */
export function jumpDetectionMode(perInt: number[], nints: number, ngroups: number, options: Partial<JumpStepOptions> = {}): ReturnType<typeof chooseMode> {
  return chooseMode(perInt, nints, ngroups, { ...jumpDefaults, ...options });
}

function chooseMode(perInt: number[], nints: number, ngroups: number, o: JumpStepOptions): Exclude<JumpMode, 'sigmaClipped'> | 'sigmaClip' {
  const maxFlagged = Math.max(...perInt);
  const totalFlagged = perInt.reduce((a, b) => a + b, 0);
  const minUsableGroups = ngroups - maxFlagged;
  const totalGroups = nints * ngroups - totalFlagged;
  const totalSigclipGroups = o.onlyUseInts ? nints : totalGroups;
  const sigclipImpossible = o.onlyUseInts ? nints < o.minimumSigclipGroups : totalSigclipGroups < o.minimumSigclipGroups;
  // One slice: stcal forces minimum_groups to 3.
  const classicImpossible = minUsableGroups < 3;
  if (sigclipImpossible && classicImpossible) return 'skip';
  if ((o.onlyUseInts && nints >= o.minimumSigclipGroups) || (!o.onlyUseInts && totalGroups >= o.minimumSigclipGroups)) return 'sigmaClip';
  return minUsableGroups - 1 >= o.minDiffsSinglePass ? 'singlePass' : 'iterative';
}

/**
 * The two-point kernel's parameters in detection mode `mode`; `gainMedian` (the whole frame's
 * GAIN median) is asked for only when after-jump flagging is on.
 */
/** jump on 2 groups or fewer, as jwst says and records it. */
export function skipForFewGroups(meta: RampModel['meta'], context: StepContext): StepStatus {
  warn(context, 'jump: cannot apply jump detection when NGROUPS<=2; step skipped');
  return (meta.calStep[jumpKeywords.status] = 'SKIPPED');
}

/** What jump says of its detection mode (after sigma clipping's own message). */
export function logJumpMode(context: StepContext, options: Partial<JumpStepOptions>, mode: ReturnType<typeof chooseMode>): void {
  if (mode === 'skip') info(context, 'jump: fewer than the minimum number of usable groups; no detection');
  info(context, `jump: CR rejection threshold = ${options.rejectionThreshold ?? jumpDefaults.rejectionThreshold} sigma (${mode})`);
}

export function jumpKernelParams(
  options: Partial<JumpStepOptions>,
  mode: ReturnType<typeof chooseMode>,
  nframes: number,
  groupTime: number,
  gainMedian: () => number,
): JumpParams {
  const o: JumpStepOptions = { ...jumpDefaults, ...options };
  // jwst: `int(time // group_time)`; the e thresholds are float32 in stcal.
  const n1 = Math.max(0, pythonFloorDiv(o.afterJumpFlagTime1, groupTime));
  const n2 = Math.max(0, pythonFloorDiv(o.afterJumpFlagTime2, groupTime));
  const median = n1 > 0 || n2 > 0 ? gainMedian() : NaN;
  return {
    mode: mode === 'sigmaClip' ? 'sigmaClipped' : mode,
    rejectionThreshold: o.rejectionThreshold,
    threeGroupRejectionThreshold: o.threeGroupRejectionThreshold,
    fourGroupRejectionThreshold: o.fourGroupRejectionThreshold,
    flag4Neighbors: o.flag4Neighbors,
    minJumpToFlagNeighbors: o.minJumpToFlagNeighbors,
    maxJumpToFlagNeighbors: o.maxJumpToFlagNeighbors,
    nframes,
    afterJumpFlagE1: Math.fround(o.afterJumpFlagDn1 * median),
    afterJumpFlagN1: n1,
    afterJumpFlagE2: Math.fround(o.afterJumpFlagDn2 * median),
    afterJumpFlagN2: n2,
  };
}

/**
 * `exposure`: given when the ramp is a band of rows of the exposure (see `JumpExposure`); the
 * snowball and shower searches need whole frames and are refused then (run `jumpLargeEvents`
 * on whole frames after the bands). `carry`: the previous slice's `result.carry` when
 * `context.integrationOffset > 0` and snowball cores are carried into the next integration
 * (required then, so that slices give the whole exposure's result).
 */
export async function jumpStep(
  ramp: RampModel,
  references: JumpReferences | undefined,
  context: StepContext = {},
  options: Partial<JumpStepOptions> = {},
  exposure?: JumpExposure,
  carry?: JumpCarry,
): Promise<JumpStepResult> {
  const o: JumpStepOptions = { ...jumpDefaults, ...options };
  const [nints, ngroups, rows, cols] = ramp.shape;
  if (ngroups <= 2) {
    return { status: skipForFewGroups(ramp.meta, context) };
  }
  if (!references) throw new JumpStepError('jump: GAIN and READNOISE references are required');
  const { nframes, groupTime } = ramp.meta.exposure;
  if (!nframes || nframes < 1) throw new JumpStepError('jump: the input has no NFRAMES (meta.exposure.nframes)');
  if (groupTime === undefined || !(groupTime > 0)) throw new JumpStepError('jump: the input has no positive TGROUP (meta.exposure.groupTime)');

  const warnFn = (message: string) => warn(context, message);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
  const gain = exposure?.referencePlanes?.gain ?? (await context.referencePlane?.('gain')) ?? (await readReferenceFloat(references.gain, 'SCI', refContext)).data;
  const readnoise = exposure?.referencePlanes?.readnoise ?? (await context.referencePlane?.('readnoise')) ?? (await readReferenceFloat(references.readnoise, 'SCI', refContext)).data;

  const npix = rows * cols;
  if (exposure && (o.expandLargeEvents || o.findShowers)) {
    throw new JumpStepError('jump: snowballs and showers need whole frames, not a band of rows: run jumpLargeEvents on whole frames after the bands');
  }
  const largeEvents = checkLargeEvents(ramp, o, groupTime, nframes, context, carry);
  const mode = chooseMode(exposure?.doNotUsePlanes ?? allDoNotUsePlanes(ramp.groupdq, nints, ngroups, npix), nints, ngroups, o);
  if (mode === 'sigmaClip') {
    info(context, `jump: sigma clipping (${o.onlyUseInts ? `${nints} integrations` : 'all groups'} >= minimum_sigclip_groups ${o.minimumSigclipGroups})`);
    await runTiled(context.pool, 'jumpSigmaClip', { data: ramp.data, groupdq: ramp.groupdq, gain }, rampTileShape(ramp.shape), {
      signal: context.signal,
      params: { rejectionThreshold: o.rejectionThreshold, onlyUseInts: o.onlyUseInts },
    });
    resetJumpOnlyPlanes(ramp.groupdq, nints * ngroups, npix);
  }
  logJumpMode(context, o, mode);

  const params = jumpKernelParams(o, mode, nframes, groupTime, () => exposure?.gainMedian ?? nanMedianF32(gain));
  // In shared memory for the pool's workers to write in place (else it goes there and back by copies).
  const crs = context.pool && sharedMemoryAvailable() ? new Uint32Array(new SharedArrayBuffer(4 * npix)) : new Uint32Array(npix);
  // The showers' unclipped noise model is made by the two-point bands while they hold the ramp
  // (snowballs, which change the flags, would come in between).
  const showerNoise: ShowerNoise | undefined =
    o.findShowers && !o.expandLargeEvents && nints < o.minimumSigclipGroups ? { median: new Float32Array(npix), sigma: new Float32Array(npix) } : undefined;
  await runTiled(
    context.pool,
    'jump',
    { data: ramp.data, groupdq: ramp.groupdq, pixeldq: ramp.pixeldq, gain, readnoise, crs, showerMedian: showerNoise?.median, showerSigma: showerNoise?.sigma },
    rampTileShape(ramp.shape),
    {
      signal: context.signal,
      params,
      halo: jumpHalo(params),
      maxBandRows: context.pool ? jumpPoolBandRows(rampTileShape(ramp.shape), jumpHalo(params)) : jumpInThreadBandRows(rampTileShape(ramp.shape)),
    },
  );
  let primaryCrs = -99;
  if (mode !== 'skip') {
    const counted = countCrs(crs);
    primaryCrs = counted.total;
    const pixelsWithCrs = counted.pixels;
    // The groups the detection flags (not its neighbours, nor the large events logged apart):
    // a count of the flags themselves would read all of GROUPDQ again on this thread.
    info(context, `jump: ${primaryCrs} primary CRs in ${pixelsWithCrs} pixel${pixelsWithCrs === 1 ? '' : 's'}`);
  }

  const { extendedEvents, carry: nextCarry } = await runLargeEvents(ramp, gain, readnoise, o, largeEvents, context, carry, showerNoise);

  const flaggedPlanes = allDoNotUsePlanes(ramp.groupdq, nints, ngroups, npix).reduce((a, b) => a + b, 0);
  const totalGroups = nints * ngroups - flaggedPlanes - nints;
  if (totalGroups >= 1) {
    const totalTime = groupTime * totalGroups;
    ramp.meta.exposure.primaryCosmicRays = (1000 * primaryCrs) / (totalTime * npix);
    ramp.meta.exposure.extendedEmissionEvents = (1e6 * extendedEvents) / (totalTime * npix);
  }
  ramp.meta.refFiles[jumpKeywords.gain] = referenceName(references.gain);
  ramp.meta.refFiles[jumpKeywords.readnoise] = referenceName(references.readnoise);
  const status = (ramp.meta.calStep[jumpKeywords.status] = 'COMPLETE');
  return { status, primaryCrs, crs, ...(o.expandLargeEvents || o.findShowers ? { extendedEvents } : {}), ...(nextCarry ? { carry: nextCarry } : {}) };
}

/**
 * The snowball and shower searches alone, on whole frames: for a pipeline that ran the
 * two-point pass on row bands (`jumpStep` with `exposure`). `ramp` holds whole frames of every
 * integration, or of a slice of them with `carry` from the slice before (snowballs only:
 * showers take their noise from every integration). GROUPDQ changes in place; PRIMECRS,
 * EXTNCRS and S_JUMP are left to the caller.
 */
export async function jumpLargeEvents(
  ramp: RampModel,
  references: JumpReferences,
  context: StepContext = {},
  options: Partial<JumpStepOptions> = {},
  carry?: JumpCarry,
): Promise<{ extendedEvents: number; carry?: JumpCarry }> {
  const o: JumpStepOptions = { ...jumpDefaults, ...options };
  const { nframes, groupTime } = ramp.meta.exposure;
  if (!nframes || nframes < 1) throw new JumpStepError('jump: the input has no NFRAMES (meta.exposure.nframes)');
  if (groupTime === undefined || !(groupTime > 0)) throw new JumpStepError('jump: the input has no positive TGROUP (meta.exposure.groupTime)');
  const warnFn = (message: string) => warn(context, message);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn), instrument: ramp.meta.instrument.name, warn: warnFn };
  const gain = (await context.referencePlane?.('gain')) ?? (await readReferenceFloat(references.gain, 'SCI', refContext)).data;
  // stcal flags bad gains in PIXELDQ before the searches; the showers read those flags.
  for (let p = 0; p < gain.length; p++) if (!(gain[p] > 0)) ramp.pixeldq[p] |= pixel.NO_GAIN_VALUE | pixel.DO_NOT_USE;
  // Only the showers read the noise (a whole frame's plane: not read for snowballs alone).
  const readnoise = o.findShowers
    ? ((await context.referencePlane?.('readnoise')) ?? (await readReferenceFloat(references.readnoise, 'SCI', refContext)).data)
    : new Float32Array(0);
  const settings = checkLargeEvents(ramp, o, groupTime, nframes, context, carry);
  return await runLargeEvents(ramp, gain, readnoise, o, settings, context, carry);
}

type LargeEventSettings = ReturnType<typeof largeEventSettings>;

function checkLargeEvents(ramp: RampModel, o: JumpStepOptions, groupTime: number, nframes: number, context: StepContext, carry: JumpCarry | undefined): LargeEventSettings {
  const [, , rows, cols] = ramp.shape;
  const settings = largeEventSettings(o, groupTime, nframes);
  if (o.expandLargeEvents && settings.snowballs.persistGroups > 0 && (context.integrationOffset ?? 0) > 0 && !carry) {
    throw new JumpStepError(
      `jump: integrations from ${context.integrationOffset} on need the previous slice's result.carry (mask_snowball_core_next_int flags its snowball cores here)`,
    );
  }
  if (carry && carry.snowballCores.length !== rows * cols) {
    throw new JumpStepError(`jump: carry.snowballCores has ${carry.snowballCores.length} pixels, the ramp ${rows * cols}`);
  }
  return settings;
}

/**
 * Rows per band of the two-point pass on a worker pool: the pool's byte budget, but at least 8
 * rows per halo row, because halo rows are worked out in both bands that hold them (a MIRI TSO
 * row of 50 x 45 groups is 5.8 MB, over the budget alone: 1-row bands did every row 3 times).
 */
export function jumpPoolBandRows(shape: TileShape, halo: number): number | undefined {
  if (halo === 0) return undefined;
  const rowBytes = shape.cols * (shape.nints * shape.ngroups * 5 + 16);
  return Math.max(16 * halo, Math.floor(poolBandByteBudget / rowBytes));
}

/**
 * Snowballs, then showers (stcal's order); showers, when searched, replace the snowball count.
 * The showers' unclipped noise model, unless given (`showerNoise`, from the two-point pass),
 * runs on row bands (on the pool when there is one); the search, which needs whole frames, by
 * integrations (on the pool when there is one and the ramp is in shared memory).
 */
async function runLargeEvents(
  ramp: RampModel,
  gain: Float32Array,
  /** Read by the showers only (empty without them). */
  readnoise: Float32Array,
  o: JumpStepOptions,
  settings: LargeEventSettings,
  context: StepContext,
  carry: JumpCarry | undefined,
  showerNoise?: ShowerNoise,
): Promise<{ extendedEvents: number; carry?: JumpCarry }> {
  const [nints, ngroups, rows, cols] = ramp.shape;
  const npix = rows * cols;
  const shape = rampTileShape(ramp.shape);
  let extendedEvents = 0;
  let nextCarry: JumpCarry | undefined;
  if (o.expandLargeEvents) {
    // One integration per call (wasm memory holds one integration's GROUPDQ), the cores
    // carried from each to the next as between slices of the exposure.
    let cores = carry?.snowballCores ?? new Uint8Array(0);
    const intLength = ngroups * npix;
    for (let int = 0; int < nints; int++) {
      context.signal?.throwIfAborted();
      const coresAfter = new Uint8Array(npix);
      const groupdq = ramp.groupdq.subarray(int * intLength, (int + 1) * intLength);
      extendedEvents += flagSnowballs({ groupdq, coresBefore: cores, coresAfter }, { ...shape, nints: 1 }, settings.snowballs);
      cores = coresAfter;
    }
    info(context, `jump: ${extendedEvents} snowballs`);
    nextCarry = { snowballCores: cores };
  }
  if (o.findShowers) {
    context.signal?.throwIfAborted();
    let noise = showerNoise;
    if (!noise && nints < settings.showers.minimumSigclipGroups) {
      noise = { median: new Float32Array(npix), sigma: new Float32Array(npix) };
      await runTiled(context.pool, 'jumpShowerNoise', { data: ramp.data, groupdq: ramp.groupdq, gain, readnoise, ...noise }, shape, {
        signal: context.signal,
        params: { nframes: settings.showers.nframes },
      });
    } else if (!noise && context.pool && !tooFewDifferences(ramp.groupdq, shape)) {
      // Sigma-clipped per difference: a plane each, made by row bands on the pool.
      noise = { median: new Float32Array((ngroups - 1) * npix), sigma: new Float32Array((ngroups - 1) * npix) };
      await runTiled(context.pool, 'jumpShowerClippedNoise', { data: ramp.data, groupdq: ramp.groupdq, gain, ...noise }, { ...shape, planes: ngroups - 1 }, {
        signal: context.signal,
      });
    }
    const arrays = { data: ramp.data, groupdq: ramp.groupdq, pixeldq: ramp.pixeldq, gain, readnoise };
    extendedEvents =
      context.pool && sharedMemoryAvailable()
        ? await searchShowersOnPool(context.pool, arrays, shape, settings.showers, noise, context.signal)
        : flagShowers(arrays, shape, settings.showers, undefined, noise);
    info(context, `jump: ${extendedEvents} showers`);
  }
  return { extendedEvents, ...(nextCarry ? { carry: nextCarry } : {}) };
}

/**
 * The shower search on a worker pool, one integration a task, each reading and flagging its
 * integration of the ramp in place: stcal searches every group on the flags from before any
 * shower and flags each integration on its own, so the tasks are independent and the flags are
 * those of the in-thread search whatever the number of workers. A ramp not in shared memory
 * goes to the tasks by copies of one integration, whose GROUPDQ is copied back.
 */
async function searchShowersOnPool(
  pool: KernelPool,
  arrays: { data: Float32Array; groupdq: Uint8Array; pixeldq: Uint32Array; gain: Float32Array; readnoise: Float32Array },
  shape: TileShape,
  params: ShowerParams,
  noise: ShowerNoise | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  const model = showerNoiseModel(arrays, shape, params, undefined, noise);
  if (!model) return 0;
  const { nints, ngroups, rows, cols } = shape;
  // Planes every task reads go to shared memory once (a plain array would be moved to the first worker).
  const copies: KernelArray[] = [];
  const shared = <T extends KernelArray>(array: T): T => {
    if (isShared(array)) return array;
    const copy = sharedCopy(array);
    copies.push(copy);
    return copy;
  };
  const planes = { pixeldq: shared(arrays.pixeldq), gain: shared(arrays.gain), median: shared(model.median), sigma: shared(model.sigma) };
  const intShape = { ...shape, nints: 1, planes: model.median.length / (rows * cols) };
  const intLength = ngroups * rows * cols;
  const inPlace = isShared(arrays.data) && isShared(arrays.groupdq);
  // At most two tasks per worker waiting (so at most as many integration copies), and none
  // sent once one has failed.
  let showers = 0;
  let failure: { reason: unknown } | undefined;
  const inFlight = new Set<Promise<void>>();
  try {
    for (let int = 0; int < nints && !failure; int++) {
      const [start, end] = [int * intLength, (int + 1) * intLength];
      const [data, groupdq] = [arrays.data.subarray(start, end), arrays.groupdq.subarray(start, end)];
      const task = {
        kernel: 'jumpShowerSearch' as const,
        arrays: { data: inPlace ? data : sharedCopy(data), groupdq: inPlace ? groupdq : sharedCopy(groupdq), ...planes, showers: new Uint32Array(1) },
        shape: intShape,
        params,
      };
      const job = pool
        .run(task, signal)
        .then(
          (outputs) => {
            showers += outputs.showers![0]!;
            if (!inPlace) groupdq.set(task.arrays.groupdq);
          },
          (reason: unknown) => void (failure ??= { reason }),
        )
        .finally(() => {
          inFlight.delete(job);
          if (!inPlace) for (const copy of [task.arrays.data, task.arrays.groupdq]) releaseShared(copy);
        });
      inFlight.add(job);
      if (inFlight.size >= 2 * pool.size) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.reason;
    return showers;
  } finally {
    for (const copy of copies) releaseShared(copy);
  }
}

/** The values jwst's JumpStep hands stcal for snowballs and showers (jump_step.py `_setup_jump_data`). */
function largeEventSettings(o: JumpStepOptions, groupTime: number, nframes: number) {
  for (const key of [
    'minSatArea',
    'minJumpArea',
    'expandFactor',
    'minSatRadiusExtend',
    'satExpand',
    'edgeSize',
    'snowballTimeMaskedNextInt',
    'extendMinArea',
    'extendInnerRadius',
    'extendOuterRadius',
    'extendEllipseExpandRatio',
    'timeMaskedAfterShower',
    'maxExtendedRadius',
  ] as const) {
    if ((o.expandLargeEvents || o.findShowers) && !(Number.isFinite(o[key]) && o[key] >= 0)) {
      throw new JumpStepError(`jump: ${key} must be a finite number >= 0, got ${o[key]}`);
    }
  }
  if (o.findShowers && !(o.extendOuterRadius > 0)) throw new JumpStepError(`jump: extendOuterRadius (the ring width) must be > 0, got ${o.extendOuterRadius}`);
  if (o.expandLargeEvents && !(o.expandFactor > 0)) throw new JumpStepError(`jump: expandFactor must be > 0, got ${o.expandFactor}`);
  if (o.findShowers && Number.isNaN(o.extendSnrThreshold)) throw new JumpStepError('jump: extendSnrThreshold must be a number');
  const maxExtendedWidth = 2 * o.maxExtendedRadius;
  return {
    snowballs: {
      minSatArea: o.minSatArea,
      minJumpArea: o.minJumpArea,
      expandFactor: o.expandFactor,
      satRequiredSnowball: o.satRequiredSnowball,
      minSatRadiusExtend: o.minSatRadiusExtend,
      satExpand: 2 * o.satExpand,
      edgeSize: o.edgeSize,
      maxExtendedWidth,
      persistGroups: o.maskSnowballCoreNextInt ? Math.max(0, pythonFloorDiv(o.snowballTimeMaskedNextInt, groupTime)) : 0,
    },
    showers: {
      extendSnrThreshold: o.extendSnrThreshold,
      extendMinArea: o.extendMinArea,
      extendInnerRadius: o.extendInnerRadius,
      ringWidth: o.extendOuterRadius,
      extendEllipseExpandRatio: o.extendEllipseExpandRatio,
      maxExtendedWidth,
      groupsMaskedAfter: Math.max(0, pythonFloorDiv(o.timeMaskedAfterShower, groupTime)),
      // jwst 3.0.0 multiplies stcal's default (6), not its own max_shower_amplitude, by the group time.
      maxShowerAmplitude: 6 * groupTime,
      nframes,
      minimumSigclipGroups: o.minimumSigclipGroups,
    },
  };
}
