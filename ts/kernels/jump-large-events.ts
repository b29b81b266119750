/**
 * The jump step's large-event searches (spec/steps/jump.md §8): near-IR snowballs and MIRI
 * showers. Both run once on the whole exposure after the banded two-point pass, in the calling
 * thread: their regions and ellipses have no size limit short of the frame, and a snowball's
 * saturated core changes the search of every later group (see crates/detector1-kernels/src/
 * jump_snowballs.rs), so a row band would need the whole frame as halo.
 */
import { flagShowersWithNoise, flagSnowballs as wasmFlagSnowballs, showerClippedNoise, showerNoise } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

/** stcal's snowball settings as jwst's JumpStep hands them over (already doubled where jwst doubles them). */
export interface SnowballParams {
  minSatArea: number;
  minJumpArea: number;
  expandFactor: number;
  satRequiredSnowball: boolean;
  minSatRadiusExtend: number;
  /** Pixels added to both core axes: jwst passes `2 · sat_expand`. */
  satExpand: number;
  edgeSize: number;
  /** Cap on drawn full axes: jwst passes `2 · max_extended_radius`. */
  maxExtendedWidth: number;
  /** Groups `1 ..< min(n, ngroups)` of the next integration get the cores; 0 = off. */
  persistGroups: number;
}

export interface SnowballArrays {
  /** GROUPDQ `(nints, ngroups, rows, cols)`, changed in place. */
  groupdq: Uint8Array;
  /** Cores `(rows, cols)` of the integration before the first one here, or empty. */
  coresBefore: Uint8Array;
  /** Output `(rows, cols)`: the cores of the last integration here. */
  coresAfter: Uint8Array;
}

export interface ShowerParams {
  extendSnrThreshold: number;
  extendMinArea: number;
  extendInnerRadius: number;
  /** Ring width of astropy's `Ring2DKernel` (jwst's `extend_outer_radius`). */
  ringWidth: number;
  extendEllipseExpandRatio: number;
  maxExtendedWidth: number;
  /** `int(time_masked_after_shower // group_time)`. */
  groupsMaskedAfter: number;
  /** Electrons per group (jwst: 6 · group time). */
  maxShowerAmplitude: number;
  nframes: number;
  /**
   * From this many integrations on, the noise is sigma-clipped per difference across
   * integrations (astropy `sigma_clipped_stats`) instead of one median over everything.
   */
  minimumSigclipGroups: number;
}

export interface ShowerArrays {
  /** Ramp in DN `(nints, ngroups, rows, cols)`; only read. */
  data: Float32Array;
  groupdq: Uint8Array;
  /** PIXELDQ `(rows, cols)` after the two-point pass (its gain flags). */
  pixeldq: Uint32Array;
  gain: Float32Array;
  readnoise: Float32Array;
}

function checkCount(kernel: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: ${name} must be a non-negative integer, got ${value}`);
  }
}

function checkNumbers(kernel: string, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new KernelParameterError('invalid_parameter', `${kernel}: ${name} must be a finite number >= 0, got ${value}`);
    }
  }
}

/** Snowball flagging (§8.1) on a whole exposure, in place; returns the number of snowballs. */
export function flagSnowballs(arrays: SnowballArrays, shape: TileShape, params: SnowballParams): number {
  const kernel = 'jump snowballs';
  checkShape(kernel, shape);
  const { minSatArea, minJumpArea, expandFactor, minSatRadiusExtend, satExpand, edgeSize, maxExtendedWidth } = params;
  checkNumbers(kernel, { minSatArea, minJumpArea, expandFactor, minSatRadiusExtend, satExpand, edgeSize, maxExtendedWidth });
  checkCount(kernel, 'persistGroups', params.persistGroups);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  if (arrays.coresBefore.length > 0) checkArray(kernel, 'coresBefore', arrays.coresBefore, Uint8Array, 'plane', shape);
  checkArray(kernel, 'coresAfter', arrays.coresAfter, Uint8Array, 'plane', shape);
  return callWasm(kernel, () =>
    wasmFlagSnowballs(
      arrays.groupdq,
      arrays.coresBefore,
      arrays.coresAfter,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
      new Float64Array([minSatArea, minJumpArea, expandFactor, minSatRadiusExtend, satExpand, edgeSize, maxExtendedWidth]),
      params.satRequiredSnowball,
      params.persistGroups,
    ),
  );
}

/**
 * Bytes of ramp and GROUPDQ per shower call: a wasm32 allocation stops at 2 GiB, and a MIRI TSO
 * ramp (50 x 45 x 512 x 512) is more, so the noise model goes by bands of rows and the search
 * by groups of integrations.
 */
const SHOWER_BAND_BYTES = 512 * 1024 * 1024;

/** stcal skips the search with fewer than 10 differences once all-DO_NOT_USE planes are taken off. */
export function tooFewDifferences(groupdq: Uint8Array, shape: TileShape): boolean {
  const { nints, ngroups, rows, cols } = shape;
  if (ngroups < 2) return true;
  const plane = rows * cols;
  let dnuPlanes = 0;
  for (let start = 0; start < groupdq.length; start += plane) {
    let allDnu = true;
    for (let i = start; i < start + plane && allDnu; i++) allDnu = (groupdq[i]! & 1) !== 0;
    if (allDnu) dnuPlanes++;
  }
  return nints * (ngroups - 1) < 10 + dnuPlanes;
}

/** `(nints, ngroups, r0..r1, cols)` of a cube as one contiguous array (the view itself when whole). */
function rowBand<T extends Float32Array | Uint8Array>(cube: T, shape: TileShape, r0: number, r1: number, make: (n: number) => T): T {
  const { nints, ngroups, rows, cols } = shape;
  if (r0 === 0 && r1 === rows) return cube;
  const plane = rows * cols;
  const bandPlane = (r1 - r0) * cols;
  const band = make(nints * ngroups * bandPlane);
  for (let k = 0; k < nints * ngroups; k++) band.set(cube.subarray(k * plane + r0 * cols, k * plane + r1 * cols), k * bandPlane);
  return band;
}

/** The shower noise model below `minimumSigclipGroups` integrations: one plane each for every difference. */
export interface ShowerNoise {
  /** `(rows, cols)`: float32 NaN-median first difference in electrons over every integration. */
  median: Float32Array;
  /** `(rows, cols)`: `sqrt(|median| + (readnoise · gain)² / nframes)`. */
  sigma: Float32Array;
}

export interface ShowerNoiseArrays extends ShowerNoise {
  data: Float32Array;
  groupdq: Uint8Array;
  gain: Float32Array;
  readnoise: Float32Array;
}

/**
 * The noise model of `flagShowers` below `minimumSigclipGroups` integrations, on a band of rows
 * of every integration (pixels are independent): a tile kernel, so that a worker pool shares it.
 */
export function showerNoiseBand(arrays: ShowerNoiseArrays, shape: TileShape, params: { nframes: number }): void {
  const kernel = 'jump shower noise';
  checkShape(kernel, shape);
  checkCount(kernel, 'nframes', params.nframes);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  for (const key of ['gain', 'readnoise', 'median', 'sigma'] as const) checkArray(kernel, key, arrays[key], Float32Array, 'plane', shape);
  const { nints, ngroups, rows, cols } = shape;
  callWasm(kernel, () => showerNoise(arrays.data, arrays.groupdq, arrays.gain, arrays.readnoise, nints, ngroups, rows, cols, params.nframes, arrays.median, arrays.sigma));
}

export interface ShowerClippedNoiseArrays {
  data: Float32Array;
  groupdq: Uint8Array;
  gain: Float32Array;
  /** Outputs `(ngroups - 1, rows, cols)`: sigma-clipped median and std per difference. */
  median: Float32Array;
  sigma: Float32Array;
}

/**
 * The noise model of `flagShowers` from `minimumSigclipGroups` integrations on, on a band of
 * rows of every integration (pixels are independent): a tile kernel, so that a worker pool
 * shares it. `shape.planes` = ngroups - 1 (the layout of `median` and `sigma`).
 */
export function showerClippedNoiseBand(arrays: ShowerClippedNoiseArrays, shape: TileShape): void {
  const kernel = 'jump shower clipped noise';
  checkShape(kernel, shape);
  const { nints, ngroups, rows, cols } = shape;
  if (ngroups < 2 || shape.planes !== ngroups - 1) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: shape.planes must be ngroups - 1 >= 1, got ${shape.planes} with ${ngroups} groups`);
  }
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'gain', arrays.gain, Float32Array, 'plane', shape);
  for (const key of ['median', 'sigma'] as const) checkArray(kernel, key, arrays[key], Float32Array, 'stack', shape);
  callWasm(kernel, () => showerClippedNoise(arrays.data, arrays.groupdq, arrays.gain, nints, ngroups, rows, cols, arrays.median, arrays.sigma));
}

/**
 * The noise model of the shower search (§8.2) on a whole exposure, after the parameter checks;
 * `undefined` when stcal skips the search (too few differences). The model goes to wasm by
 * bands of rows (medians over every integration; sigma-clipped per difference, a plane each,
 * from `minimumSigclipGroups` integrations on). `bandBytes` bounds the ramp and GROUPDQ bytes of
 * one call (at least a row). `noise`: the model when the caller made it already
 * (`showerNoiseBand` or `showerClippedNoiseBand`, e.g. on a worker pool); it is checked and
 * returned.
 */
export function showerNoiseModel(arrays: ShowerArrays, shape: TileShape, params: ShowerParams, bandBytes = SHOWER_BAND_BYTES, noise?: ShowerNoise): ShowerNoise | undefined {
  const kernel = 'jump showers';
  checkShape(kernel, shape);
  checkShowerParams(kernel, params);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'gain', arrays.gain, Float32Array, 'plane', shape);
  checkArray(kernel, 'readnoise', arrays.readnoise, Float32Array, 'plane', shape);
  const { nints, ngroups, rows, cols } = shape;
  // The kernel's own checks, made here too because an exposure with too few differences never reaches it.
  if (params.ringWidth === 0 || params.extendInnerRadius + params.ringWidth > 1000) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: ring_width: ring ${params.extendInnerRadius}..${params.extendInnerRadius + params.ringWidth} is empty or too large`);
  }
  if (params.nframes < 1) throw new KernelParameterError('invalid_parameter', `${kernel}: nframes must be >= 1`);
  if (tooFewDifferences(arrays.groupdq, shape)) return undefined;
  const plane = rows * cols;
  const clipped = nints >= params.minimumSigclipGroups;
  // Clipped: a (median, sigma) plane per difference; else one for every difference.
  const noisePlanes = clipped ? ngroups - 1 : 1;
  if (noise) {
    checkArray(kernel, 'median', noise.median, Float32Array, 'stack', { ...shape, planes: noisePlanes });
    checkArray(kernel, 'sigma', noise.sigma, Float32Array, 'stack', { ...shape, planes: noisePlanes });
    return noise;
  }
  const median = new Float32Array(noisePlanes * plane);
  const sigma = new Float32Array(noisePlanes * plane);
  const bandRows = Math.max(1, Math.min(rows, Math.floor(bandBytes / (nints * ngroups * cols * 5))));
  for (let r0 = 0; r0 < rows; r0 += bandRows) {
    const r1 = Math.min(rows, r0 + bandRows);
    const data = rowBand(arrays.data, shape, r0, r1, (n) => new Float32Array(n));
    const groupdq = rowBand(arrays.groupdq, shape, r0, r1, (n) => new Uint8Array(n));
    const [p0, p1] = [r0 * cols, r1 * cols];
    const gain = arrays.gain.subarray(p0, p1);
    if (!clipped) {
      callWasm(kernel, () =>
        showerNoise(data, groupdq, gain, arrays.readnoise.subarray(p0, p1), nints, ngroups, r1 - r0, cols, params.nframes, median.subarray(p0, p1), sigma.subarray(p0, p1)),
      );
      continue;
    }
    const bandMedian = new Float32Array(noisePlanes * (p1 - p0));
    const bandSigma = new Float32Array(noisePlanes * (p1 - p0));
    callWasm(kernel, () => showerClippedNoise(data, groupdq, gain, nints, ngroups, r1 - r0, cols, bandMedian, bandSigma));
    for (let k = 0; k < noisePlanes; k++) {
      median.set(bandMedian.subarray(k * (p1 - p0), (k + 1) * (p1 - p0)), k * plane + p0);
      sigma.set(bandSigma.subarray(k * (p1 - p0), (k + 1) * (p1 - p0)), k * plane + p0);
    }
  }
  return { median, sigma };
}

function checkShowerParams(kernel: string, params: ShowerParams): void {
  const { extendMinArea, extendInnerRadius, ringWidth, extendEllipseExpandRatio, maxExtendedWidth } = params;
  checkNumbers(kernel, { extendMinArea, extendInnerRadius, ringWidth, extendEllipseExpandRatio, maxExtendedWidth });
  if (Number.isNaN(params.extendSnrThreshold)) throw new KernelParameterError('invalid_parameter', `${kernel}: extendSnrThreshold must be a number`);
  if (Number.isNaN(params.maxShowerAmplitude)) throw new KernelParameterError('invalid_parameter', `${kernel}: maxShowerAmplitude must be a number`);
  checkCount(kernel, 'groupsMaskedAfter', params.groupsMaskedAfter);
  checkCount(kernel, 'nframes', params.nframes);
  if (!Number.isSafeInteger(params.minimumSigclipGroups)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: minimumSigclipGroups must be an integer, got ${params.minimumSigclipGroups}`);
  }
}

/** The arrays of `showerSearch`: whole integrations and the exposure's noise model. */
export interface ShowerSearchArrays {
  /** Ramp in DN `(nints, ngroups, rows, cols)` of the integrations searched; only read. */
  data: Float32Array;
  /** GROUPDQ of the same integrations, changed in place. */
  groupdq: Uint8Array;
  pixeldq: Uint32Array;
  gain: Float32Array;
  /** `(planes, rows, cols)` from `showerNoiseModel`: 1 plane, or one per difference when clipped. */
  median: Float32Array;
  sigma: Float32Array;
  /** Output `[1]`: the number of showers found. */
  showers: Uint32Array;
}

/**
 * The shower search and flags of whole integrations (§8.2), given the exposure's noise model
 * (`showerNoiseModel`, which also ruled out too few differences): stcal searches every group
 * on the flags from before any shower, and flags and checks each integration on its own, so
 * integrations are independent units (a tile kernel over whole integrations, not row bands).
 */
export function showerSearch(arrays: ShowerSearchArrays, shape: TileShape, params: ShowerParams): void {
  const kernel = 'jump shower search';
  checkShape(kernel, shape);
  checkShowerParams(kernel, params);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'gain', arrays.gain, Float32Array, 'plane', shape);
  const planes = shape.planes ?? 1;
  checkArray(kernel, 'median', arrays.median, Float32Array, 'stack', { ...shape, planes });
  checkArray(kernel, 'sigma', arrays.sigma, Float32Array, 'stack', { ...shape, planes });
  if (!(arrays.showers instanceof Uint32Array) || arrays.showers.length !== 1) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: showers must be a Uint32Array of 1 element`);
  }
  const values = new Float64Array([
    params.extendSnrThreshold,
    params.extendMinArea,
    params.extendInnerRadius,
    params.ringWidth,
    params.extendEllipseExpandRatio,
    params.maxExtendedWidth,
    params.maxShowerAmplitude,
  ]);
  const { nints, ngroups, rows, cols } = shape;
  arrays.showers[0] = callWasm(kernel, () =>
    flagShowersWithNoise(arrays.data, arrays.groupdq, arrays.pixeldq, arrays.gain, arrays.median, arrays.sigma, nints, ngroups, rows, cols, values, params.groupsMaskedAfter, params.nframes),
  );
}

/**
 * MIRI shower flagging (§8.2) on a whole exposure in this thread, in place; returns the number
 * of showers: `showerNoiseModel`, then `showerSearch` on groups of integrations (within
 * `bandBytes`), the same result as one call on the exposure.
 */
export function flagShowers(arrays: ShowerArrays, shape: TileShape, params: ShowerParams, bandBytes = SHOWER_BAND_BYTES, noise?: ShowerNoise): number {
  const model = showerNoiseModel(arrays, shape, params, bandBytes, noise);
  if (!model) return 0;
  const { nints, ngroups, rows, cols } = shape;
  const intLength = ngroups * rows * cols;
  const planes = model.median.length / (rows * cols);
  // Several integrations a call (within the band budget): every call copies the noise model in,
  // which is a plane per difference when clipped.
  const intsPerCall = Math.max(1, Math.min(nints, Math.floor(bandBytes / (intLength * 5))));
  const count = new Uint32Array(1);
  let showers = 0;
  for (let int = 0; int < nints; int += intsPerCall) {
    const ints = Math.min(intsPerCall, nints - int);
    const [start, end] = [int * intLength, (int + ints) * intLength];
    const block = { data: arrays.data.subarray(start, end), groupdq: arrays.groupdq.subarray(start, end), pixeldq: arrays.pixeldq, gain: arrays.gain };
    showerSearch({ ...block, ...model, showers: count }, { ...shape, nints: ints, planes }, params);
    showers += count[0]!;
  }
  return showers;
}
