/**
 * ramp_fit (algorithms OLS_C and LIKELY) on typed arrays: the kernel boundary, the
 * exposure-wide decisions stcal takes before fitting, and band-wise execution in this thread or
 * a worker pool (spec/steps/ramp_fitting.md). No FITS, no data models: `ts/steps/ramp-fit.ts`
 * wraps this.
 *
 * ```ts
 * const result = fitRamps({ data, groupdq, pixeldq, gain, readnoise, frameTime: 10.6, groupTime: 21.2,
 *                           nframes: 1, groupgap: 0 }, { nints, ngroups, rows, cols });
 * if (result) result.rate.slope; // Float32Array (rows*cols), DN/s
 * ```
 */
import {
  likelyFitTile as wasmLikelyFitTile,
  rampFitTile as wasmRampFitTile,
  RampFitInputs as WasmRampFitInputs,
  RampFitStream as WasmRampFitStream,
  rampFitStaged,
  type RampFitTileOutput,
  type Stage,
} from '../../wasm-pkg/detector1_wasm.js';
import { allocShared, checkArray, checkShape, isShared, isSharedBuffer, releaseShared, sharedCopy, type KernelArray, type KernelArrayConstructor, type Layout, type TileShape } from './arrays.js';
import { callWasm, fromWasmError, KernelParameterError } from './errors.js';
import { cutBand, pasteBand, type RowBand } from '../pool/plan.js';
import { RampFitPlanner, resolveGroupRange, type NoProductsReason, type RampFitPlanParams } from './ramp-fit-plan.js';
import { kernelMemory } from './module.js';

const KERNEL = 'rampFit';


/** Everything a user of the typed-array API gives: arrays plus exposure metadata and step parameters. */
export interface RampFitInput {
  /** SCI `(nints, ngroups, rows, cols)`, DN. */
  data: Float32Array;
  /** GROUPDQ, same shape. Never modified. */
  groupdq: Uint8Array;
  /** PIXELDQ `(rows, cols)`. */
  pixeldq: Uint32Array;
  /** GAIN `(rows, cols)`, e/DN, cut to the science subarray. NaN or <= 0 flags DO_NOT_USE|NO_GAIN_VALUE. */
  gain: Float32Array;
  /** READNOISE `(rows, cols)`, DN (CDS noise), cut to the science subarray. */
  readnoise: Float32Array;
  /** TFRAME and TGROUP in seconds (used as float32, as stcal does). */
  frameTime: number;
  groupTime: number;
  nframes: number;
  groupgap: number;
  /** DRPFRMS1 (fitopt pedestal only); undefined = 0. */
  dropFrames1?: number;
  /** ZEROFRAME `(nints, rows, cols)` if the exposure has one. */
  zeroframe?: Float32Array;
  /** Average dark current `(rows, cols)` as dark_current sets it (stcal adds it to the median rate as is); zeros when absent. */
  averageDarkCurrent?: Float32Array;
  /** jwst default true; forced off when ngroups is 1. */
  suppressOneGroup?: boolean;
  /** 0-based; groups before it get DO_NOT_USE (jwst RampFitStep `firstgroup`). */
  firstgroup?: number | null;
  /** 0-based; groups after it get DO_NOT_USE (jwst `lastgroup`). */
  lastgroup?: number | null;
  /** Also return the fitopt arrays. */
  saveOpt?: boolean;
  /** INSTRUME; 'MIRI' enables the whole-exposure group trimming of stcal (OLS_C). */
  instrument?: string;
  /**
   * 'OLS_C' (default) or 'LIKELY'. LIKELY below LIKELY_MIN_NGROUPS groups runs OLS_C, as
   * jwst and stcal do; `readTimes` forces LIKELY.
   */
  algorithm?: RampFitAlgorithm;
  /**
   * Times (s) of the frames averaged into each group (jwst `meta.exposure.read_times`, for
   * unevenly sampled exposures); when absent LIKELY derives them from TFRAME, NFRAMES, GROUPGAP.
   */
  readTimes?: number[][];
}

export type RampFitAlgorithm = 'OLS_C' | 'LIKELY';

/** Fewer groups than this cannot be fitted by LIKELY: stcal `LIKELY_MIN_NGROUPS`. */
export const LIKELY_MIN_NGROUPS = 4;

/** The LIKELY part of the tile parameters: the read pattern, group by group. */
export interface LikelyTileParams {
  /** Frame times (s) of every group, back to back. */
  readTimes: number[];
  /** How many of `readTimes` belong to each group. */
  readsPerGroup: number[];
}

/** The five arrays of rate (`(rows, cols)`) or rateints (`(nints, rows, cols)`). */
export interface RateArrays {
  slope: Float32Array;
  dq: Uint32Array;
  varPoisson: Float32Array;
  varRnoise: Float32Array;
  err: Float32Array;
}

/**
 * fitopt arrays: per-segment `(nints, maxSeg, rows, cols)`, zero beyond each pixel's segment
 * count (stcal's padding); `pedestal` `(nints, rows, cols)`; `crmag` `(nints, maxCr, rows, cols)`.
 */
export interface FitOptArrays {
  maxSeg: number;
  maxCr: number;
  slope: Float32Array;
  sigslope: Float32Array;
  varPoisson: Float32Array;
  varRnoise: Float32Array;
  yint: Float32Array;
  sigyint: Float32Array;
  weights: Float32Array;
  pedestal: Float32Array;
  crmag: Float32Array;
}

export interface RampFitResult {
  rate: RateArrays;
  rateints: RateArrays;
  fitopt?: FitOptArrays;
  /** LIKELY: the rate-level chi-square `(rows, cols)` (jwst's `_likely_chisq` product). */
  chisq?: Float32Array;
}

/** The kernel's scalars once the exposure-wide decisions are taken (what crosses into wasm). */
/** The plan's scalars (ts/kernels/ramp-fit-plan.ts), and LIKELY's read pattern when the fit is LIKELY. */
export interface RampFitTileParams extends RampFitPlanParams {
  /** Present when the fit is LIKELY (then only nframes, firstGroup and lastGroup matter). */
  likely?: LikelyTileParams;
}

export { resolveGroupRange, type NoProductsReason } from './ramp-fit-plan.js';

export type RampFitPlan = { params: RampFitTileParams } | { noProducts: NoProductsReason };

const RATE_KEYS = ['slope', 'varPoisson', 'varRnoise', 'err'] as const;
const FITOPT_KEYS = ['slope', 'sigslope', 'varPoisson', 'varRnoise', 'yint', 'sigyint', 'weights'] as const;

/** The input arrays of one tile (a row band). */
export interface RampFitTileArrays {
  data: Float32Array;
  groupdq: Uint8Array;
  pixeldq: Uint32Array;
  gain: Float32Array;
  readnoise: Float32Array;
  zeroframe?: Float32Array;
  averageDarkCurrent?: Float32Array;
}

const empty = new Float32Array(0);

function checkTileArrays(arrays: RampFitTileArrays, shape: TileShape): void {
  checkShape(KERNEL, shape);
  checkArray(KERNEL, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(KERNEL, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(KERNEL, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(KERNEL, 'gain', arrays.gain, Float32Array, 'plane', shape);
  checkArray(KERNEL, 'readnoise', arrays.readnoise, Float32Array, 'plane', shape);
  if (arrays.zeroframe !== undefined) checkArray(KERNEL, 'zeroframe', arrays.zeroframe, Float32Array, 'intPlanes', shape);
  if (arrays.averageDarkCurrent !== undefined) {
    checkArray(KERNEL, 'averageDarkCurrent', arrays.averageDarkCurrent, Float32Array, 'plane', shape);
  }
}

const U32_MAX = 0xffffffff;
const clampU32 = (n: number) => (n >= U32_MAX ? U32_MAX : n);

/** The scalars as the wasm layer takes them: float32 times, u32 integers, flag bits. */
function encodeParams(params: RampFitTileParams): [Float32Array, Uint32Array, number] {
  return [
    Float32Array.of(params.frameTime, params.groupTime),
    Uint32Array.from(
      [
        params.nframes,
        params.groupgap,
        params.dropFrames1,
        params.firstGroup,
        params.lastGroup,
        params.groupStart,
        params.groupStop,
      ].map(clampU32),
    ),
    (params.suppressOneGroup ? 1 : 0) | (params.saveOpt ? 2 : 0) | (params.clearFirstJump ? 4 : 0),
  ];
}

/**
 * Fits one tile in this thread (no exposure-wide decisions: see `planRampFit`). fitopt arrays,
 * with `params.saveOpt`, are sized by this tile's own segment/CR maxima.
 */
export function rampFitTile(arrays: RampFitTileArrays, shape: TileShape, params: RampFitTileParams): RampFitResult {
  checkTileArrays(arrays, shape);
  if (params.likely) return likelyFitTile(arrays, shape, params, params.likely);
  let out: RampFitTileOutput | undefined;
  try {
    out = wasmRampFitTile(
      arrays.data,
      arrays.groupdq,
      arrays.pixeldq,
      arrays.gain,
      arrays.readnoise,
      arrays.zeroframe ?? empty,
      arrays.averageDarkCurrent ?? empty,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
      ...encodeParams(params),
    );
    const result: RampFitResult = { rate: takeProducts(out, 'rate'), rateints: takeProducts(out, 'rateints') };
    if (params.saveOpt) {
      const take = (name: string) => out!.takeF32(`fitopt.${name}`);
      result.fitopt = {
        maxSeg: out.maxSeg,
        maxCr: out.maxCr,
        slope: take('slope'),
        sigslope: take('sigslope'),
        varPoisson: take('var_poisson'),
        varRnoise: take('var_rnoise'),
        yint: take('yint'),
        sigyint: take('sigyint'),
        weights: take('weights'),
        pedestal: take('pedestal'),
        crmag: take('crmag'),
      };
    }
    return result;
  } catch (error) {
    throw fromWasmError(error, KERNEL);
  } finally {
    out?.free();
  }
}

function likelyFitTile(
  arrays: RampFitTileArrays,
  shape: TileShape,
  params: RampFitTileParams,
  likely: LikelyTileParams,
): RampFitResult {
  let out: RampFitTileOutput | undefined;
  try {
    out = wasmLikelyFitTile(
      arrays.data,
      arrays.groupdq,
      arrays.pixeldq,
      arrays.gain,
      arrays.readnoise,
      arrays.zeroframe ?? empty,
      arrays.averageDarkCurrent ?? empty,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
      Float64Array.from(likely.readTimes),
      Uint32Array.from(likely.readsPerGroup),
      Uint32Array.from([params.nframes, params.firstGroup, params.lastGroup].map(clampU32)),
    );
    return { rate: takeProducts(out, 'rate'), rateints: takeProducts(out, 'rateints'), chisq: out.takeF32('chisq') };
  } catch (error) {
    throw fromWasmError(error, KERNEL);
  } finally {
    out?.free();
  }
}

function checkInput(input: RampFitInput, shape: TileShape): void {
  checkTileArrays(input, shape);
  for (const [name, value, min] of [
    ['frameTime', input.frameTime, 0],
    ['groupTime', input.groupTime, 0],
  ] as const) {
    if (!(Number.isFinite(value) && value > min)) {
      throw new KernelParameterError('invalid_parameter', `${KERNEL}: ${name} must be a positive number of seconds, got ${value}`);
    }
  }
  for (const [name, value, min] of [
    ['nframes', input.nframes, 1],
    ['groupgap', input.groupgap, 0],
    ['dropFrames1', input.dropFrames1 ?? 0, 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min) {
      throw new KernelParameterError('invalid_parameter', `${KERNEL}: ${name} must be an integer >= ${min}, got ${value}`);
    }
  }
  for (const name of ['firstgroup', 'lastgroup'] as const) {
    const value = input[name];
    if (value !== undefined && value !== null && !Number.isSafeInteger(value)) {
      throw new KernelParameterError('invalid_parameter', `${KERNEL}: ${name} must be an integer or null, got ${value}`);
    }
  }
  const algorithm = input.algorithm ?? 'OLS_C';
  if (algorithm !== 'OLS_C' && algorithm !== 'LIKELY') {
    throw new KernelParameterError('invalid_parameter', `${KERNEL}: algorithm must be 'OLS_C' or 'LIKELY', got '${algorithm}'`);
  }
  const readTimes = input.readTimes ?? [];
  if (readTimes.length > 0) {
    if (readTimes.length !== shape.ngroups) {
      throw new KernelParameterError('invalid_parameter', `${KERNEL}: readTimes has ${readTimes.length} groups, the ramp ${shape.ngroups}`);
    }
    const bad = readTimes.findIndex((group) => group.length === 0 || !group.every(Number.isFinite));
    if (bad >= 0) throw new KernelParameterError('invalid_parameter', `${KERNEL}: readTimes[${bad}] needs at least one finite time`);
  }
}

/**
 * The algorithm stcal runs: explicit read times force LIKELY (jwst RampFitStep), and LIKELY
 * below LIKELY_MIN_NGROUPS groups becomes OLS_C.
 */
export function resolveAlgorithm(input: Pick<RampFitInput, 'algorithm' | 'readTimes'>, ngroups: number): RampFitAlgorithm {
  let algorithm = input.algorithm ?? 'OLS_C';
  if ((input.readTimes?.length ?? 0) > 0) algorithm = 'LIKELY';
  return algorithm === 'LIKELY' && ngroups >= LIKELY_MIN_NGROUPS ? 'LIKELY' : 'OLS_C';
}

/**
 * LIKELY's read pattern (stcal `get_readtimes`): the given read times, else group k averages
 * frames `(j + k * (nframes + groupgap)) * TFRAME` for j = 1..nframes (TFRAME in float64).
 */
function likelyReadPattern(input: RampFitInput, ngroups: number): LikelyTileParams {
  const groups =
    input.readTimes && input.readTimes.length > 0
      ? input.readTimes
      : Array.from({ length: ngroups }, (_, k) =>
          Array.from({ length: input.nframes }, (_, j) => (j + 1 + k * (input.nframes + input.groupgap)) * input.frameTime),
        );
  return { readTimes: groups.flat(), readsPerGroup: groups.map((g) => g.length) };
}

/**
 * The exposure-wide decisions stcal takes before fitting (spec §3 steps 3-4, 7-9): group
 * selection, suppress_one_group forced off for one group, MIRI group trimming, and "no
 * products" when every pixel's first group is saturated. Reads GROUPDQ only.
 */
export function planRampFit(input: RampFitInput, shape: TileShape): RampFitPlan {
  checkInput(input, shape);
  const { ngroups } = shape;
  if (resolveAlgorithm(input, ngroups) === 'LIKELY') {
    const { firstGroup, lastGroup } = resolveGroupRange(input.firstgroup, input.lastgroup, ngroups);
    // LIKELY has no group trimming, no "no products" case, no suppress_one_group, no fitopt.
    return {
      params: {
        frameTime: input.frameTime,
        groupTime: input.groupTime,
        nframes: input.nframes,
        groupgap: input.groupgap,
        dropFrames1: input.dropFrames1 ?? 0,
        suppressOneGroup: false,
        saveOpt: false,
        firstGroup,
        lastGroup,
        groupStart: 0,
        groupStop: ngroups,
        clearFirstJump: false,
        likely: likelyReadPattern(input, ngroups),
      },
    };
  }
  // OLS_C: the same decisions the pipeline gathers integration by integration.
  const planner = new RampFitPlanner(input, shape);
  planner.add(input.groupdq, shape.nints);
  return planner.plan();
}

// ---------------------------------------------------------------------------------------------
// Bands: cutting, merging, running

/** A band of rows (ts/pool/plan.ts `RowBand`). */
export type RowBandLike = RowBand;

/** Input bytes of one band are kept at or below this by default (wasm memory never shrinks). */
export const DEFAULT_MAX_BAND_BYTES = 64 * 2 ** 20;

/** Rows per band so that one band's inputs stay under `maxBandBytes`. */
export function maxBandRows(shape: TileShape, maxBandBytes = DEFAULT_MAX_BAND_BYTES): number {
  const bytesPerRow = shape.cols * (shape.nints * shape.ngroups * 5 + shape.nints * 4 + 16);
  return Math.max(1, Math.floor(maxBandBytes / bytesPerRow));
}

/** Rows `band` of an array of `planes` stacked `(rows, cols)` planes (the array itself for the whole tile). */
function cutRows<T extends KernelArray>(array: T, planes: number, shape: TileShape, band: RowBandLike): T {
  if (band.row0 === 0 && band.rows === shape.rows) return array;
  return cutBand(array, 'stack', { ...shape, planes }, band);
}

function pasteRows(target: KernelArray, src: KernelArray, planes: number, shape: TileShape, band: RowBandLike): void {
  pasteBand(target, src, 'stack', { ...shape, planes }, band);
}

/** The input arrays of one row band (views when the band is the whole tile). */
export function cutInputBand(input: RampFitTileArrays, shape: TileShape, band: RowBandLike): RampFitTileArrays {
  const cube = shape.nints * shape.ngroups;
  return {
    data: cutRows(input.data, cube, shape, band),
    groupdq: cutRows(input.groupdq, cube, shape, band),
    pixeldq: cutRows(input.pixeldq, 1, shape, band),
    gain: cutRows(input.gain, 1, shape, band),
    readnoise: cutRows(input.readnoise, 1, shape, band),
    zeroframe: input.zeroframe && cutRows(input.zeroframe, shape.nints, shape, band),
    averageDarkCurrent: input.averageDarkCurrent && cutRows(input.averageDarkCurrent, 1, shape, band),
  };
}

function allocRate(planes: number, planeLen: number): RateArrays {
  const n = planes * planeLen;
  return {
    slope: new Float32Array(n),
    dq: new Uint32Array(n),
    varPoisson: new Float32Array(n),
    varRnoise: new Float32Array(n),
    err: new Float32Array(n),
  };
}

/**
 * Reassembles band results by row offset as they arrive: rate and rateints are pasted at once
 * (no band result is kept); fitopt bands may have different segment/CR maxima, so they are kept
 * until `finish()`, which, like stcal's multiprocess assembly, uses the largest and pads with zeros.
 */
export class BandMerger {
  readonly #shape: TileShape;
  readonly #rate: RateArrays;
  readonly #rateints: RateArrays;
  readonly #keepRateints: boolean;
  readonly #fitopt: { band: RowBandLike; fitopt: FitOptArrays }[] = [];
  #chisq: Float32Array | undefined;
  #single: RampFitResult | undefined;

  /**
   * `rateints: false` when the caller keeps the per-integration products itself (streamed out
   * band by band): finish() then gives zero-length rateints arrays.
   */
  constructor(shape: TileShape, options: { rateints?: boolean } = {}) {
    this.#shape = shape;
    const plane = shape.rows * shape.cols;
    this.#keepRateints = options.rateints ?? true;
    this.#rate = allocRate(1, plane);
    this.#rateints = this.#keepRateints ? allocRate(shape.nints, plane) : allocRate(0, 0);
  }

  add(band: RowBandLike, result: RampFitResult): void {
    const shape = this.#shape;
    if (band.row0 === 0 && band.rows === shape.rows) {
      // The whole tile: nothing to copy.
      this.#single = this.#keepRateints ? result : { ...result, rateints: this.#rateints };
      return;
    }
    for (const key of [...RATE_KEYS, 'dq'] as const) {
      pasteRows(this.#rate[key], result.rate[key], 1, shape, band);
      if (this.#keepRateints) pasteRows(this.#rateints[key], result.rateints[key], shape.nints, shape, band);
    }
    if (result.fitopt) this.#fitopt.push({ band, fitopt: result.fitopt });
    if (result.chisq) {
      this.#chisq ??= new Float32Array(shape.rows * shape.cols);
      pasteRows(this.#chisq, result.chisq, 1, shape, band);
    }
  }

  finish(): RampFitResult {
    if (this.#single) return this.#single;
    const result: RampFitResult = { rate: this.#rate, rateints: this.#rateints };
    if (this.#chisq) result.chisq = this.#chisq;
    if (this.#fitopt.length === 0) return result;
    const { nints, cols } = this.#shape;
    const plane = this.#shape.rows * cols;
    const maxSeg = Math.max(...this.#fitopt.map((b) => b.fitopt.maxSeg));
    const maxCr = Math.max(...this.#fitopt.map((b) => b.fitopt.maxCr));
    const seg = () => new Float32Array(nints * maxSeg * plane);
    const fitopt: FitOptArrays = {
      maxSeg,
      maxCr,
      slope: seg(),
      sigslope: seg(),
      varPoisson: seg(),
      varRnoise: seg(),
      yint: seg(),
      sigyint: seg(),
      weights: seg(),
      pedestal: new Float32Array(nints * plane),
      crmag: new Float32Array(nints * maxCr * plane),
    };
    for (const { band, fitopt: bf } of this.#fitopt) {
      const bandLen = band.rows * cols;
      const at = band.row0 * cols;
      // Segment j of integration i goes to segment j of integration i: (i, j) planes, band rows.
      const pastePlanes = (dst: Float32Array, src: Float32Array, dstPer: number, srcPer: number) => {
        for (let i = 0; i < nints; i++) {
          for (let j = 0; j < srcPer; j++) {
            const s = (i * srcPer + j) * bandLen;
            dst.set(src.subarray(s, s + bandLen), (i * dstPer + j) * plane + at);
          }
        }
      };
      for (const key of FITOPT_KEYS) pastePlanes(fitopt[key], bf[key], maxSeg, bf.maxSeg);
      pastePlanes(fitopt.crmag, bf.crmag, maxCr, bf.maxCr);
      pastePlanes(fitopt.pedestal, bf.pedestal, 1, 1);
    }
    result.fitopt = fitopt;
    return result;
  }
}

/** Reassembles band results (see BandMerger). */
export function mergeBands(shape: TileShape, bands: { band: RowBandLike; result: RampFitResult }[]): RampFitResult {
  const merger = new BandMerger(shape);
  for (const { band, result } of bands) merger.add(band, result);
  return merger.finish();
}

export interface FitRampsOptions {
  /** Upper bound on rows per band; default: bands of at most DEFAULT_MAX_BAND_BYTES of input. */
  maxBandRows?: number;
}

/**
 * Fits an exposure in this thread (OLS_C or LIKELY, see `resolveAlgorithm`). Returns null where
 * stcal returns no products (OLS_C only).
 * Bands of rows keep wasm memory bounded (OLS_C without fitopt: cache-sized bands filled in
 * place, see fitBandsInPlace); the result does not depend on the band height.
 */
export function fitRamps(input: RampFitInput, shape: TileShape, options: FitRampsOptions = {}): RampFitResult | null {
  const plan = planRampFit(input, shape);
  if ('noProducts' in plan) return null;
  const height = Math.min(shape.rows, options.maxBandRows ?? maxBandRows(shape));
  if (!plan.params.likely && !plan.params.saveOpt) {
    return fitBandsInPlace(input, shape, plan.params, Math.min(height, inPlaceBandRows(shape)));
  }
  const merger = new BandMerger(shape);
  for (let row0 = 0; row0 < shape.rows; row0 += height) {
    const band = { row0, rows: Math.min(height, shape.rows - row0) };
    merger.add(band, rampFitTile(cutInputBand(input, shape, band), { ...shape, rows: band.rows }, plan.params));
  }
  return merger.finish();
}

/**
 * Input bytes of one in-place band: small enough that a band's inputs and outputs stay in the
 * CPU cache between being copied in, fitted and copied out, and that wasm memory stays small
 * (on 2048x2048x10: 0.53 s with 64 MB bands, 0.46 s with 4 MB, 1 MB no better).
 */
const IN_PLACE_BAND_BYTES = 4 * 2 ** 20;

/**
 * Rows of one in-place band of a fit in this thread: IN_PLACE_BAND_BYTES of input, but on long
 * ramps (a MIRI TSO row of 45 groups x 50 integrations is 5.8 MB) enough rows that each plane's
 * part is copied in one piece of at least 16 KB, within 32 MB. A band's copies take one call per
 * plane; one row of a 512-pixel plane is 2 KB, and 2250 such calls per band (and the garbage of
 * their views) cost ~5 % of the fit. (Workers keep 4 MB pieces: their wasm memory would grow.)
 */
function inPlaceBandRows(shape: TileShape): number {
  const rowsForPlanePieces = Math.ceil((16 * 2 ** 10) / (4 * shape.cols));
  return Math.max(maxBandRows(shape, IN_PLACE_BAND_BYTES), Math.min(rowsForPlanePieces, maxBandRows(shape, 32 * 2 ** 20)));
}

/**
 * OLS_C without fitopt, band by band, with one copy each way: band rows go straight from the
 * caller's arrays into wasm memory, and results straight from wasm memory into the exposure's
 * arrays (no band-sized JS arrays, no pasting).
 */
function fitBandsInPlace(input: RampFitInput, shape: TileShape, params: RampFitTileParams, height: number): RampFitResult {
  const rate = allocRate(1, shape.rows * shape.cols);
  const rateints = allocRate(shape.nints, shape.rows * shape.cols);
  fitRowsInPlace(input, shape, { row0: 0, rows: shape.rows }, params, height, { rate, rateints, rows: shape.rows, row0: 0 });
  return { rate, rateints };
}

/** A product's five arrays in the wasm output: their `RateArrays` key, the products' key (`RateintsKey`) and name there. */
const OUTPUT_ARRAYS = [
  { array: 'slope', key: 'data', wasm: 'slope' },
  { array: 'dq', key: 'dq', wasm: 'dq' },
  { array: 'varPoisson', key: 'varPoisson', wasm: 'var_poisson' },
  { array: 'varRnoise', key: 'varRnoise', wasm: 'var_rnoise' },
  { array: 'err', key: 'err', wasm: 'err' },
] as const satisfies readonly { array: keyof RateArrays; key: RateintsKey; wasm: string }[];

/** Where array `a` of `product` lies in wasm memory. */
function outputPtr(out: RampFitTileOutput, product: 'rate' | 'rateints', a: (typeof OUTPUT_ARRAYS)[number]): number {
  return a.array === 'dq' ? out.dqPtr(`${product}.${a.wasm}`) : out.f32Ptr(`${product}.${a.wasm}`);
}

/** The rate and rateints of `out`, `length` pixels of each plane, into the target's planes (of `targetPlane` pixels) at pixel `to`. */
function takeRows(out: RampFitTileOutput, nints: number, length: number, target: RowsTarget, targetPlane: number, to: number): void {
  const memory = kernelMemory();
  // Word by word (the outputs may hold the file's big-endian words: see encodeFits).
  const take = (ptr: number, dst: Float32Array | Uint32Array, planes: number) => {
    const src = new Uint32Array(memory.buffer, ptr, planes * length);
    const words = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    for (let k = 0; k < planes; k++) words.set(src.subarray(k * length, (k + 1) * length), k * targetPlane + to);
  };
  for (const [prefix, arrays, planes] of [['rate', target.rate, 1], ['rateints', target.rateints, nints]] as const) {
    for (const a of OUTPUT_ARRAYS) take(outputPtr(out, prefix, a), arrays[a.array], planes);
  }
}

/**
 * The ones'-complement sums of a band's rate and rateints arrays written as their file's words
 * (`RateintsRows` keys): `_rate`'s, then each integration's of `_rateints`.
 */
export type EncodedSums = Record<RateintsKey, number>[];
export type RateintsKey = 'data' | 'err' | 'dq' | 'varPoisson' | 'varRnoise';

/**
 * Takes one array of a band's encoded outputs: `words` (a view of wasm memory, valid only during
 * the call) are the file's words of array `key` of `product`'s integration `integration` (0 for `_rate`).
 */
export type PlaceEncodedRows = (product: 'rate' | 'rateints', key: RateintsKey, integration: number, words: Uint8Array) => void;

/**
 * Fits rows `core` of a band staged in wasm memory (`stage`, slots as `rampFitStaged` names
 * them; `shape` is the band's) where they lie, into `outputs` (the rows' rate and rateints).
 * `encoded`: the outputs get the products' file words (big-endian, DQ with BZERO 2^31) rather
 * than values, and their sums are returned.
 */
export function fitStagedRows(stage: Stage, shape: TileShape, core: { row0: number; rows: number }, params: RampFitTileParams, outputs: Pick<RampFitTaskArrays, keyof typeof TASK_OUTPUTS>, encoded: true): EncodedSums;
export function fitStagedRows(stage: Stage, shape: TileShape, core: { row0: number; rows: number }, params: RampFitTileParams, outputs: Pick<RampFitTaskArrays, keyof typeof TASK_OUTPUTS>, encoded?: false): undefined;
export function fitStagedRows(stage: Stage, shape: TileShape, core: { row0: number; rows: number }, params: RampFitTileParams, outputs: Pick<RampFitTaskArrays, keyof typeof TASK_OUTPUTS>, encoded = false): EncodedSums | undefined {
  return fitStaged(stage, shape, core, params, encoded, (out) => {
    const o = outputs;
    const target: RowsTarget = {
      rate: { slope: o.rateSlope, dq: o.rateDq, varPoisson: o.rateVarPoisson, varRnoise: o.rateVarRnoise, err: o.rateErr },
      rateints: { slope: o.rateintsSlope, dq: o.rateintsDq, varPoisson: o.rateintsVarPoisson, varRnoise: o.rateintsVarRnoise, err: o.rateintsErr },
      rows: core.rows,
      row0: 0,
    };
    takeRows(out, shape.nints, core.rows * shape.cols, target, core.rows * shape.cols, 0);
  });
}

/**
 * `fitStagedRows` encoded, each output array given to `place` where it lies in wasm memory
 * (no copy): a worker writes them into the products' files itself.
 */
export function fitStagedRowsTo(stage: Stage, shape: TileShape, core: { row0: number; rows: number }, params: RampFitTileParams, place: PlaceEncodedRows): EncodedSums {
  const sums = fitStaged(stage, shape, core, params, true, (out) => {
    const memory = kernelMemory();
    const bytes = core.rows * shape.cols * 4;
    for (const [product, planes] of [['rate', 1], ['rateints', shape.nints]] as const) {
      for (const a of OUTPUT_ARRAYS) {
        const ptr = outputPtr(out, product, a);
        for (let i = 0; i < planes; i++) place(product, a.key, i, new Uint8Array(memory.buffer, ptr + i * bytes, bytes));
      }
    }
  });
  return sums!;
}

/** The staged fit, its outputs given to `take` before they are freed; their sums when `encoded`. */
function fitStaged(stage: Stage, shape: TileShape, core: { row0: number; rows: number }, params: RampFitTileParams, encoded: boolean, take: (out: RampFitTileOutput) => void): EncodedSums | undefined {
  if (params.likely || params.saveOpt) throw new KernelParameterError('invalid_parameter', `${KERNEL}: a staged fit is OLS_C without fitopt`);
  const { nints, ngroups, cols } = shape;
  const out = callWasm(KERNEL, () => rampFitStaged(stage, core.row0, core.rows, nints, ngroups, shape.rows, cols, ...encodeParams(params)));
  try {
    let sums: EncodedSums | undefined;
    if (encoded) {
      const words = callWasm(KERNEL, () => out.encodeFits());
      sums = Array.from({ length: 1 + nints }, (_, i) => {
        const [data, dq, varPoisson, varRnoise, err] = words.subarray(5 * i, 5 * i + 5);
        return { data, dq, varPoisson, varRnoise, err };
      });
    }
    take(out);
    return sums;
  } finally {
    out.free();
  }
}

interface RowsTarget {
  rate: RateArrays;
  rateints: RateArrays;
  rows: number;
  row0: number;
}

/**
 * Fits rows `band` of `input` (arrays of `shape`) in bands of `height` rows through wasm memory
 * filled in place (OLS_C, no fitopt), writing each result row `r` to row `target.row0 + r -
 * band.row0` of the target arrays.
 */
function fitRowsInPlace(
  input: RampFitTileArrays,
  shape: TileShape,
  band: RowBandLike,
  params: RampFitTileParams,
  height: number,
  target: RowsTarget,
): void {
  const { nints, ngroups, cols } = shape;
  const plane = shape.rows * cols;
  const targetPlane = target.rows * cols;
  const cube = nints * ngroups;
  const encoded = encodeParams(params);
  const memory = kernelMemory();
  const inputs = callWasm(KERNEL, () => new WasmRampFitInputs());
  try {
    for (let r = 0; r < band.rows; r += height) {
      const bandRows = Math.min(height, band.rows - r);
      const bandLen = bandRows * cols;
      const at = (band.row0 + r) * cols;
      const to = (target.row0 + r) * cols;
      inputs.resize(cube * bandLen, bandLen, input.zeroframe ? nints * bandLen : 0, input.averageDarkCurrent ? bandLen : 0);
      // Views are made after the last allocating call (resize) and used before the next one.
      const fill = <T extends KernelArray>(View: new (b: ArrayBuffer, o: number, n: number) => T, ptr: number, src: T, planes: number) => {
        const dst = new View(memory.buffer, ptr, planes * bandLen);
        for (let k = 0; k < planes; k++) dst.set(src.subarray(k * plane + at, k * plane + at + bandLen) as never, k * bandLen);
      };
      fill(Float32Array, inputs.dataPtr, input.data, cube);
      fill(Uint8Array, inputs.groupdqPtr, input.groupdq, cube);
      fill(Uint32Array, inputs.pixeldqPtr, input.pixeldq, 1);
      fill(Float32Array, inputs.gainPtr, input.gain, 1);
      fill(Float32Array, inputs.readnoisePtr, input.readnoise, 1);
      if (input.zeroframe) fill(Float32Array, inputs.zeroframePtr, input.zeroframe, nints);
      if (input.averageDarkCurrent) fill(Float32Array, inputs.darkPtr, input.averageDarkCurrent, 1);
      const out = callWasm(KERNEL, () => inputs.fit(nints, ngroups, bandRows, cols, ...encoded));
      try {
        takeRows(out, nints, bandLen, target, targetPlane, to);
      } finally {
        out.free();
      }
    }
  } finally {
    inputs.free();
  }
}

// ---------------------------------------------------------------------------------------------
// The tile kernel of the registry (runTiled / worker pools)

/** Parameters of a `rampFit` tile task (`runTiled(..., { params })`): the plan's scalars. */
export type RampFitTaskParams = RampFitTileParams & {
  /**
   * Set by fitRampsParallel, which merges fitopt bands; runTiled cannot paste them. With it, the
   * rate/rateints (and chi-square) outputs may be left out: the task then creates them.
   */
  fitoptBands?: boolean;
  /**
   * Set by fitRampsParallel (OLS_C without fitopt): the rate/rateints outputs are shared
   * (SharedArrayBuffer-backed) arrays of `exposureRows` rows (the products, or a band's slot);
   * the task fits rows `[row0, row0 + rows)` of its tile straight from wasm memory into them at
   * row `exposureRow0`, so nothing is sent back.
   */
  outputRows?: { row0: number; rows: number; exposureRow0: number; exposureRows: number };
};

/** Arrays of the `rampFit` tile task: inputs, rate/rateints outputs (caller-allocated, or created by the task: see `fitoptBands`), fitopt outputs. */
export interface RampFitTaskArrays extends RampFitTileArrays {
  rateSlope: Float32Array;
  rateDq: Uint32Array;
  rateVarPoisson: Float32Array;
  rateVarRnoise: Float32Array;
  rateErr: Float32Array;
  rateintsSlope: Float32Array;
  rateintsDq: Uint32Array;
  rateintsVarPoisson: Float32Array;
  rateintsVarRnoise: Float32Array;
  rateintsErr: Float32Array;
  /** LIKELY: the rate-level chi-square (allocTaskOutputs with `likely`). */
  rateChisq?: Float32Array;
  /** Created by the kernel with `saveOpt` (band-sized, see fitRampsParallel); never passed in. */
  fitoptSlope?: Float32Array;
  fitoptSigslope?: Float32Array;
  fitoptVarPoisson?: Float32Array;
  fitoptVarRnoise?: Float32Array;
  fitoptYint?: Float32Array;
  fitoptSigyint?: Float32Array;
  fitoptWeights?: Float32Array;
  fitoptPedestal?: Float32Array;
  fitoptCrmag?: Float32Array;
  /** `[maxSeg, maxCr]` of the band. */
  fitoptCounts?: Uint32Array;
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

/** The caller-allocated outputs of a `rampFit` task, with their element types and layouts. */
export const TASK_OUTPUTS = {
  rateSlope: [Float32Array, 'plane'],
  rateDq: [Uint32Array, 'plane'],
  rateVarPoisson: [Float32Array, 'plane'],
  rateVarRnoise: [Float32Array, 'plane'],
  rateErr: [Float32Array, 'plane'],
  rateintsSlope: [Float32Array, 'intPlanes'],
  rateintsDq: [Uint32Array, 'intPlanes'],
  rateintsVarPoisson: [Float32Array, 'intPlanes'],
  rateintsVarRnoise: [Float32Array, 'intPlanes'],
  rateintsErr: [Float32Array, 'intPlanes'],
} as const satisfies Record<string, readonly [KernelArrayConstructor, Layout]>;

/**
 * Allocates the rate/rateints output arrays a `rampFit` tile task writes into, and with
 * `likely` (LIKELY plans) the chi-square plane.
 */
export function allocTaskOutputs(shape: TileShape, likely = false): Pick<
  RampFitTaskArrays,
  | 'rateSlope'
  | 'rateDq'
  | 'rateVarPoisson'
  | 'rateVarRnoise'
  | 'rateErr'
  | 'rateintsSlope'
  | 'rateintsDq'
  | 'rateintsVarPoisson'
  | 'rateintsVarRnoise'
  | 'rateintsErr'
  | 'rateChisq'
> {
  const plane = shape.rows * shape.cols;
  const rate = allocRate(1, plane);
  const ints = allocRate(shape.nints, plane);
  return {
    rateSlope: rate.slope,
    rateDq: rate.dq,
    rateVarPoisson: rate.varPoisson,
    rateVarRnoise: rate.varRnoise,
    rateErr: rate.err,
    rateintsSlope: ints.slope,
    rateintsDq: ints.dq,
    rateintsVarPoisson: ints.varPoisson,
    rateintsVarRnoise: ints.varRnoise,
    rateintsErr: ints.err,
    ...(likely ? { rateChisq: new Float32Array(plane) } : {}),
  };
}

/** Reads the rate/rateints (and fitopt) of a completed task's arrays back as a RampFitResult. */
export function taskResult(arrays: RampFitTaskArrays | Record<string, KernelArray | undefined>): RampFitResult {
  const a = arrays as RampFitTaskArrays;
  const result: RampFitResult = {
    rate: { slope: a.rateSlope, dq: a.rateDq, varPoisson: a.rateVarPoisson, varRnoise: a.rateVarRnoise, err: a.rateErr },
    rateints: {
      slope: a.rateintsSlope,
      dq: a.rateintsDq,
      varPoisson: a.rateintsVarPoisson,
      varRnoise: a.rateintsVarRnoise,
      err: a.rateintsErr,
    },
  };
  if (a.rateChisq) result.chisq = a.rateChisq;
  if (a.fitoptCounts) {
    result.fitopt = {
      maxSeg: a.fitoptCounts[0],
      maxCr: a.fitoptCounts[1],
      slope: a.fitoptSlope!,
      sigslope: a.fitoptSigslope!,
      varPoisson: a.fitoptVarPoisson!,
      varRnoise: a.fitoptVarRnoise!,
      yint: a.fitoptYint!,
      sigyint: a.fitoptSigyint!,
      weights: a.fitoptWeights!,
      pedestal: a.fitoptPedestal!,
      crmag: a.fitoptCrmag!,
    };
  }
  return result;
}

/** The `rampFit` tile kernel: fits the tile and writes into its output arrays. */
export function rampFitTask(arrays: RampFitTaskArrays, shape: TileShape, params: RampFitTaskParams | undefined): void {
  if (params === undefined || typeof params !== 'object') {
    throw new KernelParameterError(
      'invalid_parameter',
      `${KERNEL}: the task has no parameters (pass { params: plan.params } from planRampFit)`,
    );
  }
  if (params.saveOpt && !params.fitoptBands) {
    throw new KernelParameterError(
      'invalid_parameter',
      `${KERNEL}: saveOpt through runTiled is not supported (fitopt bands have their own segment counts): ` +
        'use fitRampsParallel, which merges them',
    );
  }
  const tile: TileShape = { nints: shape.nints, ngroups: shape.ngroups, rows: shape.rows, cols: shape.cols };
  if (params.outputRows) {
    fitIntoSharedOutputs(arrays, tile, params, params.outputRows);
    return;
  }
  // fitRampsParallel passes no rate/rateints outputs: the kernel's own arrays are moved in
  // (no allocation on the main thread, no copy here).
  const moveOutputs = params.fitoptBands === true && arrays.rateSlope === undefined;
  if (!moveOutputs) {
    for (const [key, [type, layout]] of Object.entries(TASK_OUTPUTS)) {
      checkArray(KERNEL, key, (arrays as unknown as Record<string, unknown>)[key], type, layout, tile);
    }
    if (params.likely) checkArray(KERNEL, 'rateChisq', arrays.rateChisq, Float32Array, 'plane', tile);
  }
  const result = rampFitTile(arrays, tile, params);
  if (result.chisq) {
    if (moveOutputs) arrays.rateChisq = result.chisq;
    else arrays.rateChisq!.set(result.chisq);
  }
  for (const prefix of ['rate', 'rateints'] as const) {
    for (const key of [...RATE_KEYS, 'dq'] as const) {
      const name = `${prefix}${cap(key)}` as keyof RampFitTaskArrays;
      if (moveOutputs) Object.assign(arrays, { [name]: result[prefix][key] });
      else (arrays[name] as KernelArray).set(result[prefix][key] as never);
    }
  }
  if (result.fitopt) {
    const f = result.fitopt;
    Object.assign(arrays, {
      fitoptSlope: f.slope,
      fitoptSigslope: f.sigslope,
      fitoptVarPoisson: f.varPoisson,
      fitoptVarRnoise: f.varRnoise,
      fitoptYint: f.yint,
      fitoptSigyint: f.sigyint,
      fitoptWeights: f.weights,
      fitoptPedestal: f.pedestal,
      fitoptCrmag: f.crmag,
      fitoptCounts: Uint32Array.of(f.maxSeg, f.maxCr),
    });
  }
}

function fitIntoSharedOutputs(
  arrays: RampFitTaskArrays,
  tile: TileShape,
  params: RampFitTaskParams,
  rows: NonNullable<RampFitTaskParams['outputRows']>,
): void {
  if (params.likely || params.saveOpt) {
    throw new KernelParameterError('invalid_parameter', `${KERNEL}: shared outputs are for OLS_C without fitopt`);
  }
  const { row0, rows: count, exposureRow0, exposureRows } = rows;
  for (const [name, value, max] of [
    ['row0', row0, tile.rows - 1],
    ['rows', count, tile.rows - row0],
    ['exposureRow0', exposureRow0, exposureRows - count],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < (name === 'rows' ? 1 : 0) || value > max) {
      throw new KernelParameterError('invalid_parameter', `${KERNEL}: outputRows.${name} = ${value} is outside the tile or exposure`);
    }
  }
  checkTileArrays(arrays, tile);
  const exposure: TileShape = { ...tile, rows: exposureRows };
  for (const [key, [type, layout]] of Object.entries(TASK_OUTPUTS)) {
    checkArray(KERNEL, key, (arrays as unknown as Record<string, unknown>)[key], type, layout, exposure);
  }
  const a = arrays;
  fitRowsInPlace(arrays, tile, { row0, rows: count }, params, maxBandRows(tile, IN_PLACE_BAND_BYTES), {
    rate: { slope: a.rateSlope, dq: a.rateDq, varPoisson: a.rateVarPoisson, varRnoise: a.rateVarRnoise, err: a.rateErr },
    rateints: {
      slope: a.rateintsSlope,
      dq: a.rateintsDq,
      varPoisson: a.rateintsVarPoisson,
      varRnoise: a.rateintsVarRnoise,
      err: a.rateintsErr,
    },
    rows: exposureRows,
    row0: exposureRow0,
  });
}

/**
 * Default input bytes of one worker band: many small bands instead of one per worker keep each
 * band cache-resident on both sides and the workers' wasm memory small (2048x2048x10 on 2
 * workers: ~0.9 CPU s with 64 MB bands, ~0.7 with 8 MB, and 150-300 MB less RSS). 4 MB bands
 * halve the tail where one worker finishes its last band while the other waits; the measured
 * 1 -> 2 worker scaling was no worse than with 8 MB (runs here vary by 30 %).
 */
const POOL_BAND_BYTES = 4 * 2 ** 20;

/**
 * Bands per worker when the ramp is shared already (the pipeline's, a steady caller's): a band's
 * height then costs no memory (see fitRampsParallel), while every band costs a task's fixed price
 * (messages, array handles, wasm setup: ~0.3 ms). 2048x2048x10 on 1 and 2 workers, 6 alternating
 * runs of 21 calls: medians 0.283-0.306 and 0.160-0.183 s with 4 MB bands (72), 0.265-0.275 and
 * 0.144-0.160 s with 4 per worker. Four rather than one, so that a band of many jumps holds its
 * worker back by a quarter of its share at most.
 */
const SHARED_BANDS_PER_WORKER = 4;

/** Minimal pool interface (ts/pool KernelPool) so this module does not import the pool. */
export interface RampFitPool {
  readonly size: number;
  run(
    task: { kernel: 'rampFit'; arrays: Record<string, KernelArray | undefined>; shape: TileShape; params: RampFitTaskParams },
    signal?: AbortSignal,
  ): Promise<Record<string, KernelArray>>;
}

export interface FitRampsParallelOptions extends FitRampsOptions {
  signal?: AbortSignal;
  /**
   * OLS_C without fitopt: return rate/rateints backed by SharedArrayBuffers that the workers
   * write in place, so the main thread neither pastes nor page-faults 40 bytes per pixel and
   * integration (what lets 2 workers scale). Caveat: V8 frees shared memory only once every
   * thread that saw it has garbage-collected its handle, and shared memory does not prompt
   * collections, so each call's products may stay resident until the process ends. A
   * long-running caller gives each product array back with `releaseShared` once done with it,
   * and the next call reuses the memory. Default false. (Input arrays that are shared already,
   * e.g. made with `allocShared`, go to the workers as they are: no band copies.)
   */
  sharedOutputs?: boolean;
  /**
   * With `sharedOutputs`: shared memory the products may occupy, plane after plane (rate's five,
   * then rateints'), where it has room; the other planes are allocated as usual. Meant for the
   * caller's own `data` when nothing reads it after the fit (the pipeline's ramp): each band's
   * products land on rows of `data` that only that band reads, after it has copied them to its
   * worker. Any other memory the fit reads must not be given.
   */
  productMemory?: Float32Array;
  /**
   * Called for row bands that cover the products once each, as soon as the band's rows of every
   * product array are final (with the whole product arrays): a caller can write them while other
   * bands are fitted. Bands come in any order; the fit resolves once every call has, and fails
   * with the first call that rejects. OLS_C without fitopt on shared memory (through slots) gives
   * each band as it is fitted; the other paths give one band of every row when done.
   */
  onBand?: (band: { row0: number; rows: number }, products: { rate: RateArrays; rateints: RateArrays }) => Promise<void>;
}

/**
 * Fits an exposure with row bands spread over a worker pool (equal bands of at most
 * `maxBandRows`, default POOL_BAND_BYTES of input, a multiple of the pool size in number), fitopt included: every band reports its own segment/CR maxima and
 * the merge pads to the largest, as stcal does. Results are bit-identical to `fitRamps`.
 * Without a pool it runs `fitRamps` in this thread.
 */
export async function fitRampsParallel(
  pool: RampFitPool | undefined,
  input: RampFitInput,
  shape: TileShape,
  options: FitRampsParallelOptions = {},
): Promise<RampFitResult | null> {
  if (!pool) {
    options.signal?.throwIfAborted();
    return wholeBand(fitRamps(input, shape, options), shape, options);
  }
  const plan = planRampFit(input, shape);
  if ('noProducts' in plan) return null;
  // Shared memory where it can cross to workers (browsers: cross-origin isolated pages only).
  const canShare = typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  const throughSlots = canShare && !plan.params.likely && !plan.params.saveOpt;
  // A multiple of the pool size of equal bands, so that every worker gets the same share (5
  // bands on 2 workers left one worker a band behind the other). A shared ramp goes to the
  // workers as it is and each fits its band in IN_PLACE_BAND_BYTES pieces, so its bands are few.
  const rampShared = throughSlots && isShared(input.data) && isShared(input.groupdq);
  const maxRows = options.maxBandRows ?? (rampShared ? Math.ceil(shape.rows / (pool.size * SHARED_BANDS_PER_WORKER)) : maxBandRows(shape, POOL_BAND_BYTES));
  const bandCount = Math.ceil(Math.ceil(shape.rows / maxRows) / pool.size) * pool.size;
  const height = Math.max(1, Math.ceil(shape.rows / bandCount));
  if (throughSlots) {
    return fitThroughSlots(pool, input, shape, plan.params, height, options);
  }
  const merger = new BandMerger(shape);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (let row0 = 0; row0 < shape.rows && !failure; row0 += height) {
    options.signal?.throwIfAborted();
    const band = { row0, rows: Math.min(height, shape.rows - row0) };
    const bandShape: TileShape = { nints: shape.nints, ngroups: shape.ngroups, rows: band.rows, cols: shape.cols };
    const params: RampFitTaskParams = { ...plan.params, fitoptBands: true };
    const cut = cutInputBand(input, shape, band);
    // Views of the caller's arrays (whole-tile band) must not be transferred away: copy them.
    const own = <T extends KernelArray>(a: T | undefined, src: KernelArray | undefined): T | undefined =>
      a !== undefined && a === src ? (a.slice() as T) : a;
    const arrays: Record<string, KernelArray | undefined> = {
      data: own(cut.data, input.data),
      groupdq: own(cut.groupdq, input.groupdq),
      pixeldq: own(cut.pixeldq, input.pixeldq),
      gain: own(cut.gain, input.gain),
      readnoise: own(cut.readnoise, input.readnoise),
      zeroframe: own(cut.zeroframe, input.zeroframe),
      averageDarkCurrent: own(cut.averageDarkCurrent, input.averageDarkCurrent),
    };
    const job = pool
      .run({ kernel: 'rampFit', arrays, shape: bandShape, params }, options.signal)
      .then((outputs) => merger.add(band, taskResult(outputs)))
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= 2 * pool.size) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  return wholeBand(merger.finish(), shape, options);
}

/** `onBand` for a fit made whole: one band of every row. */
async function wholeBand(result: RampFitResult | null, shape: TileShape, options: FitRampsParallelOptions): Promise<RampFitResult | null> {
  if (result && options.onBand) await options.onBand({ row0: 0, rows: shape.rows }, result);
  return result;
}

const INPUT_KEYS = ['data', 'groupdq', 'pixeldq', 'gain', 'readnoise', 'zeroframe', 'averageDarkCurrent'] as const;
const OUTPUT_KEYS = ['slope', 'dq', 'varPoisson', 'varRnoise', 'err'] as const;

/** Planes `(rows, cols)` of each input array. */
function inputPlanes(shape: TileShape): Record<(typeof INPUT_KEYS)[number], number> {
  const cube = shape.nints * shape.ngroups;
  return { data: cube, groupdq: cube, pixeldq: 1, gain: 1, readnoise: 1, zeroframe: shape.nints, averageDarkCurrent: 1 };
}

type TypedConstructor<T> = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/**
 * Recycled shared memory (`allocShared`) where a buffer of the size was given back; not zeroed,
 * as the workers write every element of the products.
 */
function sharedArray<T extends KernelArray>(Type: TypedConstructor<T>, length: number): T {
  const array = allocShared(Type, length, { zeroed: false });
  if (!isSharedBuffer(array.buffer)) throw new KernelParameterError('invalid_parameter', 'sharedOutputs needs shared memory, which this environment does not give');
  return array;
}

/**
 * Products taken one after another from `memory` (4-byte elements) while it has room, then from
 * `sharedArray`. The memory is reused as it is (the workers write every element).
 */
function placeIn(memory: Float32Array): <T extends KernelArray>(Type: TypedConstructor<T>, length: number) => T {
  let used = 0;
  return <T extends KernelArray>(Type: TypedConstructor<T>, length: number): T => {
    if (Type.BYTES_PER_ELEMENT !== 4 || used + length > memory.length) return sharedArray(Type, length);
    const view = new Type(memory.buffer, memory.byteOffset + used * 4, length);
    used += length;
    return view;
  };
}

/** Views laid out one after another (4-byte aligned) in one SharedArrayBuffer. */
class SlotLayout {
  bytes = 0;
  readonly #views: [TypedConstructor<KernelArray>, number, number][] = [];

  add(Type: TypedConstructor<KernelArray>, length: number): number {
    this.#views.push([Type, this.bytes, length]);
    this.bytes += Math.ceil((length * Type.BYTES_PER_ELEMENT) / 8) * 8;
    return this.#views.length - 1;
  }

  views(buffer: SharedArrayBuffer): KernelArray[] {
    return this.#views.map(([Type, offset, length]) => new Type(buffer, offset, length));
  }
}

/**
 * Shared buffers of finished bands, kept per pool for the next bands and calls: every buffer a
 * worker has seen stays allocated until that worker collects garbage (rarely: it allocates
 * little), so new ones per call would pile up.
 */
const slotCache = new WeakMap<RampFitPool, SharedArrayBuffer[]>();

/**
 * fitRampsParallel for OLS_C without fitopt through shared memory, with no per-band allocation
 * and no garbage: each band's inputs are copied into a cached shared slot (or, when the caller's
 * arrays are shared already, passed as they are), the worker fills its wasm memory from there
 * and writes its results from wasm memory into the slot, and this thread pastes them into the
 * products. With `sharedOutputs` the products themselves are shared and the workers write
 * straight into them (see FitRampsParallelOptions).
 */
async function fitThroughSlots(
  pool: RampFitPool,
  caller: RampFitInput,
  shape: TileShape,
  params: RampFitTileParams,
  height: number,
  options: FitRampsParallelOptions,
): Promise<RampFitResult> {
  // With the ramp shared already, plane-sized inputs that are not (the pipeline's average dark)
  // get shared copies for this call, so that the ramp goes to the workers as it is rather than
  // copied band by band.
  const planeCopies: KernelArray[] = [];
  let input = caller;
  if (isShared(caller.data) && isShared(caller.groupdq)) {
    input = { ...caller };
    for (const key of INPUT_KEYS) {
      const array = caller[key];
      if (array === undefined || isShared(array)) continue;
      const copy = sharedCopy(array);
      planeCopies.push(copy);
      Object.assign(input, { [key]: copy });
    }
  }
  try {
    return await fitBands(pool, input, shape, params, height, options);
  } finally {
    for (const copy of planeCopies) releaseShared(copy);
  }
}

/** fitThroughSlots once its inputs are settled. */
async function fitBands(
  pool: RampFitPool,
  input: RampFitInput,
  shape: TileShape,
  params: RampFitTileParams,
  height: number,
  options: FitRampsParallelOptions,
): Promise<RampFitResult> {
  const { signal } = options;
  const { nints, cols } = shape;
  const plane = shape.rows * cols;
  const planes = inputPlanes(shape);
  const shared = options.sharedOutputs === true;
  const rateOf = (make: <T extends KernelArray>(Type: TypedConstructor<T>, n: number) => T, n: number): RateArrays => ({
    slope: make(Float32Array, n),
    dq: make(Uint32Array, n),
    varPoisson: make(Float32Array, n),
    varRnoise: make(Float32Array, n),
    err: make(Float32Array, n),
  });
  const fresh = <T extends KernelArray>(Type: TypedConstructor<T>, n: number) => new Type(new ArrayBuffer(n * Type.BYTES_PER_ELEMENT));
  const place = shared && options.productMemory && isShared(options.productMemory) ? placeIn(options.productMemory) : sharedArray;
  const rate = rateOf(shared ? place : fresh, plane);
  const rateints = rateOf(shared ? place : fresh, nints * plane);
  const inputsShared = INPUT_KEYS.every((key) => input[key] === undefined || isShared(input[key]));

  // The slot of a full-height band: the inputs to copy, then the outputs to paste.
  const layout = new SlotLayout();
  const bandLen = height * cols;
  const present = INPUT_KEYS.filter((key) => input[key] !== undefined && !inputsShared);
  const inputSlot = Object.fromEntries(
    present.map((key) => [key, layout.add(key === 'groupdq' ? Uint8Array : key === 'pixeldq' ? Uint32Array : Float32Array, planes[key] * bandLen)]),
  );
  const outputSlot = shared
    ? undefined
    : [1, nints].map((n) => OUTPUT_KEYS.map((key) => layout.add(key === 'dq' ? Uint32Array : Float32Array, n * bandLen)));
  const cache = slotCache.get(pool) ?? [];
  slotCache.set(pool, cache);
  const takeSlot = () => {
    const at = cache.findIndex((b) => b.byteLength >= layout.bytes);
    return at >= 0 ? cache.splice(at, 1)[0] : new SharedArrayBuffer(layout.bytes);
  };

  const taskOutputs = (target: { rate: RateArrays; rateints: RateArrays }) => ({
    rateSlope: target.rate.slope,
    rateDq: target.rate.dq,
    rateVarPoisson: target.rate.varPoisson,
    rateVarRnoise: target.rate.varRnoise,
    rateErr: target.rate.err,
    rateintsSlope: target.rateints.slope,
    rateintsDq: target.rateints.dq,
    rateintsVarPoisson: target.rateints.varPoisson,
    rateintsVarRnoise: target.rateints.varRnoise,
    rateintsErr: target.rateints.err,
  });
  const inFlight = new Set<Promise<void>>();
  const bandsWritten: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  for (let row0 = 0; row0 < shape.rows && !failure; row0 += height) {
    signal?.throwIfAborted();
    const rows = Math.min(height, shape.rows - row0);
    const length = rows * cols;
    const band: RowBandLike = { row0, rows };
    const slot = layout.bytes > 0 ? takeSlot() : undefined;
    const views = slot ? layout.views(slot) : [];
    // Inputs: the caller's shared arrays as they are, else this band's rows copied into the slot.
    let arrays: Record<string, KernelArray | undefined>;
    let tileShape = shape;
    let tileRows = { row0, rows };
    if (inputsShared) {
      arrays = { ...pickInputs(input) };
    } else {
      arrays = {};
      for (const key of present) {
        const src = input[key]!;
        const dst = views[inputSlot[key]].subarray(0, planes[key] * length);
        for (let k = 0; k < planes[key]; k++) dst.set(src.subarray(k * plane + row0 * cols, k * plane + row0 * cols + length) as never, k * length);
        arrays[key] = dst;
      }
      tileShape = { ...shape, rows };
      tileRows = { row0: 0, rows };
    }
    // Outputs: the products (shared), or the slot's band-sized arrays to paste from.
    let bandOut: { rate: RateArrays; rateints: RateArrays } | undefined;
    if (outputSlot) {
      const [r, ri] = outputSlot.map((indices, n) => {
        const count = (n === 0 ? 1 : nints) * length;
        return Object.fromEntries(OUTPUT_KEYS.map((key, k) => [key, views[indices[k]].subarray(0, count)])) as unknown as RateArrays;
      });
      bandOut = { rate: r, rateints: ri };
    }
    const placement = bandOut
      ? { exposureRow0: 0, exposureRows: rows }
      : { exposureRow0: row0, exposureRows: shape.rows };
    const task = {
      kernel: 'rampFit' as const,
      arrays: { ...arrays, ...taskOutputs(bandOut ?? { rate, rateints }) },
      shape: tileShape,
      params: { ...params, outputRows: { ...tileRows, ...placement } },
    };
    const job = pool
      .run(task, signal)
      .then(async () => {
        if (bandOut) {
          for (const key of OUTPUT_KEYS) {
            pasteRows(rate[key], bandOut.rate[key], 1, shape, band);
            pasteRows(rateints[key], bandOut.rateints[key], nints, shape, band);
          }
        }
        // Not part of the job: a band waiting to be written must not hold back the next band's fit.
        if (options.onBand) {
          const written = options.onBand(band, { rate, rateints }).catch((error: unknown) => {
            failure ??= { error };
          });
          bandsWritten.push(written);
        }
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        if (slot) cache.push(slot);
        inFlight.delete(job);
      });
    inFlight.add(job);
    if (inFlight.size >= 2 * pool.size) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await Promise.all(bandsWritten);
  if (failure) throw failure.error;
  return { rate, rateints };
}

function pickInputs(input: RampFitTileArrays): RampFitTileArrays {
  const { data, groupdq, pixeldq, gain, readnoise, zeroframe, averageDarkCurrent } = input;
  return { data, groupdq, pixeldq, gain, readnoise, zeroframe, averageDarkCurrent };
}

// ---------------------------------------------------------------------------------------------
// One integration at a time

/**
 * OLS_C fed one integration at a time, so memory stays flat in NINTS (e.g. integrations read
 * lazily from a FITS file). The median rate of §5 averages over *all* integrations and enters
 * every Poisson variance, so there are two passes: `addMedian(i, ...)` for every integration,
 * then `fitIntegration(i, ...)` (returns that integration's rateints planes), then `finish()`
 * (the rate). Wasm holds ~48 bytes per pixel between calls. Results equal `rampFitTile`'s bit
 * for bit; no fitopt. The exposure-wide decisions (`planRampFit`) stay with the caller, which
 * needs every integration's GROUPDQ for them (1 byte per sample). Call `free()` when done.
 */
export class RampFitStream {
  readonly #stream: WasmRampFitStream;
  readonly #one: TileShape;

  constructor(
    refs: Pick<RampFitTileArrays, 'pixeldq' | 'gain' | 'readnoise' | 'averageDarkCurrent'>,
    readonly shape: TileShape,
    params: RampFitTileParams,
  ) {
    checkShape(KERNEL, shape);
    checkArray(KERNEL, 'pixeldq', refs.pixeldq, Uint32Array, 'plane', shape);
    checkArray(KERNEL, 'gain', refs.gain, Float32Array, 'plane', shape);
    checkArray(KERNEL, 'readnoise', refs.readnoise, Float32Array, 'plane', shape);
    if (refs.averageDarkCurrent !== undefined) {
      checkArray(KERNEL, 'averageDarkCurrent', refs.averageDarkCurrent, Float32Array, 'plane', shape);
    }
    if (params.saveOpt) throw new KernelParameterError('invalid_parameter', `${KERNEL}: the stream has no fitopt (saveOpt)`);
    if (params.likely) {
      // LIKELY combines integrations around their median: every integration's results are needed at once.
      throw new KernelParameterError('invalid_parameter', `${KERNEL}: the stream fits OLS_C only; use fitRamps for LIKELY`);
    }
    this.#one = { ...shape, nints: 1 };
    this.#stream = callWasm(KERNEL, () =>
      new WasmRampFitStream(
        refs.pixeldq,
        refs.gain,
        refs.readnoise,
        refs.averageDarkCurrent ?? empty,
        shape.nints,
        shape.ngroups,
        shape.rows,
        shape.cols,
        ...encodeParams(params),
      ),
    );
  }

  #check(data: Float32Array, groupdq: Uint8Array, zeroframe: Float32Array | undefined): void {
    checkArray(KERNEL, 'data', data, Float32Array, 'cube', this.#one);
    checkArray(KERNEL, 'groupdq', groupdq, Uint8Array, 'cube', this.#one);
    if (zeroframe !== undefined) checkArray(KERNEL, 'zeroframe', zeroframe, Float32Array, 'plane', this.#one);
  }

  /** Pass 1: integration `integration`'s `(ngroups, rows, cols)` ramp and its ZEROFRAME plane. */
  addMedian(integration: number, data: Float32Array, groupdq: Uint8Array, zeroframe?: Float32Array): void {
    this.#check(data, groupdq, zeroframe);
    callWasm(KERNEL, () => this.#stream.addMedian(integration, data, groupdq, zeroframe ?? empty));
  }

  /** Pass 2: fits integration `integration` and returns its rateints planes `(rows, cols)`. */
  fitIntegration(integration: number, data: Float32Array, groupdq: Uint8Array, zeroframe?: Float32Array): RateArrays {
    this.#check(data, groupdq, zeroframe);
    let out: RampFitTileOutput | undefined;
    try {
      out = this.#stream.fitIntegration(integration, data, groupdq, zeroframe ?? empty);
      return takeProducts(out, 'rateints');
    } catch (error) {
      throw fromWasmError(error, KERNEL);
    } finally {
      out?.free();
    }
  }

  /** The rate product `(rows, cols)`. */
  finish(): RateArrays {
    let out: RampFitTileOutput | undefined;
    try {
      out = this.#stream.finish();
      return takeProducts(out, 'rate');
    } catch (error) {
      throw fromWasmError(error, KERNEL);
    } finally {
      out?.free();
    }
  }

  free(): void {
    this.#stream.free();
  }
}

function takeProducts(out: RampFitTileOutput, prefix: 'rate' | 'rateints'): RateArrays {
  return {
    slope: out.takeF32(`${prefix}.slope`),
    dq: out.takeDq(`${prefix}.dq`),
    varPoisson: out.takeF32(`${prefix}.var_poisson`),
    varRnoise: out.takeF32(`${prefix}.var_rnoise`),
    err: out.takeF32(`${prefix}.err`),
  };
}
