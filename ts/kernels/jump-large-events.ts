/**
 * The jump step's large-event searches (spec/steps/jump.md §8): near-IR snowballs and MIRI
 * showers. Both run once on the whole exposure after the banded two-point pass, in the calling
 * thread: their regions and ellipses have no size limit short of the frame, and a snowball's
 * saturated core changes the search of every later group (see crates/detector1-kernels/src/
 * jump_snowballs.rs), so a row band would need the whole frame as halo.
 */
import { flagShowers as wasmFlagShowers, flagSnowballs as wasmFlagSnowballs } from '../../wasm-pkg/detector1_wasm.js';
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

/** MIRI shower flagging (§8.2) on a whole exposure, in place; returns the number of showers. */
export function flagShowers(arrays: ShowerArrays, shape: TileShape, params: ShowerParams): number {
  const kernel = 'jump showers';
  checkShape(kernel, shape);
  const { extendMinArea, extendInnerRadius, ringWidth, extendEllipseExpandRatio, maxExtendedWidth } = params;
  checkNumbers(kernel, { extendMinArea, extendInnerRadius, ringWidth, extendEllipseExpandRatio, maxExtendedWidth });
  if (Number.isNaN(params.extendSnrThreshold)) throw new KernelParameterError('invalid_parameter', `${kernel}: extendSnrThreshold must be a number`);
  if (Number.isNaN(params.maxShowerAmplitude)) throw new KernelParameterError('invalid_parameter', `${kernel}: maxShowerAmplitude must be a number`);
  checkCount(kernel, 'groupsMaskedAfter', params.groupsMaskedAfter);
  checkCount(kernel, 'nframes', params.nframes);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'gain', arrays.gain, Float32Array, 'plane', shape);
  checkArray(kernel, 'readnoise', arrays.readnoise, Float32Array, 'plane', shape);
  return callWasm(kernel, () =>
    wasmFlagShowers(
      arrays.data,
      arrays.groupdq,
      arrays.pixeldq,
      arrays.gain,
      arrays.readnoise,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
      new Float64Array([
        params.extendSnrThreshold,
        extendMinArea,
        extendInnerRadius,
        ringWidth,
        extendEllipseExpandRatio,
        maxExtendedWidth,
        params.maxShowerAmplitude,
      ]),
      params.groupsMaskedAfter,
      params.nframes,
    ),
  );
}
