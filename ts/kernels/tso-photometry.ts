import { tsoApertureSums as wasmTsoApertureSums } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

/** A draft rateints `(nints, rows, cols)` in DN/s, its DQ and (optionally) the GAIN plane `(rows, cols)`. */
export interface TsoPhotometryArrays {
  data: Float32Array;
  dq: Uint32Array;
  /** Absent: the data stay in their units (jwst converts DN/s to electrons only with a gain). */
  gain?: Float32Array;
}

/** jwst TSOPhotometryStep's parameters and the metadata it reads. */
export interface TsoPhotometryParams {
  /** EFFINTTM, seconds. */
  integrationTime: number;
  /** Planned source position, 0-based: XREF_SCI - 1, YREF_SCI - 1. */
  xcenter: number;
  ycenter: number;
  /** Aperture radius in pixels (jwst default 3). */
  radius: number;
  /** Source radius left out of the centroiding background (jwst default 4). */
  radiusInner: number;
  /** Centroid the source (default true) rather than use the planned position. */
  centroidSource: boolean;
  /** Widths of the first and second centroid boxes (defaults 41 and 11); even widths are rounded down by one, as the step does. */
  searchBoxWidth: number;
  fitBoxWidth: number;
  /** Each integration's own centroid instead of their median. */
  movingCentroid: boolean;
  /** SUB64P with the WLP8 pupil: the NaN-ignoring sum of every whole integration (float32). */
  sumAll: boolean;
}

/**
 * jwst `tso_photometry`'s `aperture_sum` per integration (the flux by which clean_flicker_noise's
 * `median_image` scales NRC_TSIMAGE and MIRI TSO imaging): units converted to electrons when a
 * gain is given, the source centroided in two passes (photutils `centroid_sources` /
 * `centroid_com` on the image less its background median, DO_NOT_USE and NaN pixels masked),
 * then the exact circular aperture sum (photutils `ApertureStats.sum`: NaN/inf left out, DQ
 * not). Throws a KernelParameterError where jwst raises: a non-finite aperture position (a
 * failed centroid with `movingCentroid`), a radius that is not positive, or no background pixel.
 */
export function tsoApertureSums(arrays: TsoPhotometryArrays, shape: { nints: number; rows: number; cols: number }, params: TsoPhotometryParams): Float64Array {
  const kernel = 'tsoApertureSums';
  const tile: TileShape = { ...shape, ngroups: 1 };
  checkShape(kernel, tile);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'intPlanes', tile);
  checkArray(kernel, 'dq', arrays.dq, Uint32Array, 'intPlanes', tile);
  if (arrays.gain !== undefined) checkArray(kernel, 'gain', arrays.gain, Float32Array, 'plane', tile);
  for (const key of ['integrationTime', 'xcenter', 'ycenter', 'radius', 'radiusInner'] as const) {
    if (typeof params[key] !== 'number' || Number.isNaN(params[key])) throw new KernelParameterError('invalid_parameter', `${kernel}: ${key} must be a number, got ${params[key]}`);
  }
  for (const key of ['searchBoxWidth', 'fitBoxWidth'] as const) {
    const width = params[key];
    if (!Number.isInteger(width) || Math.abs(width) > 2 ** 30) throw new KernelParameterError('invalid_parameter', `${kernel}: ${key} must be an integer, got ${width}`);
  }
  return callWasm(kernel, () =>
    wasmTsoApertureSums(
      arrays.data,
      arrays.dq,
      arrays.gain ?? new Float32Array(0),
      shape.nints,
      shape.rows,
      shape.cols,
      params.integrationTime,
      params.xcenter,
      params.ycenter,
      params.radius,
      params.radiusInner,
      params.centroidSource,
      params.searchBoxWidth,
      params.fitBoxWidth,
      params.movingCentroid,
      params.sumAll,
    ),
  );
}
