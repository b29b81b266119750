import {
  cleanFlickerIntegration as wasmCleanFlickerIntegration,
  cleanFlickerAutoStatistics as wasmCleanFlickerAutoStatistics,
  cleanFlickerFillFlat as wasmCleanFlickerFillFlat,
  cleanFlickerIntegrationMedianImage as wasmCleanFlickerIntegrationMedianImage,
  cleanFlickerFluxNorms as wasmCleanFlickerFluxNorms,
  cleanFlickerMedianRamp as wasmCleanFlickerMedianRamp,
  cleanFlickerRateNorms as wasmCleanFlickerRateNorms,
  cleanFlickerSceneMask as wasmCleanFlickerSceneMask,
  pictureFrameIntegration as wasmPictureFrameIntegration,
} from '../../wasm-pkg/detector1_wasm.js';
import { callWasm, KernelParameterError, KernelShapeError } from './errors.js';

function checkLength(kernel: string, name: string, array: ArrayLike<number>, expected: number): void {
  if (array.length !== expected) throw new KernelShapeError('shape_mismatch', `${kernel}: ${name} has ${array.length} elements, expected ${expected}`);
}

/**
 * clean_flicker_noise scene mask (jwst `create_mask` after the science regions): `mask`
 * (`nplanes` planes of rows x cols, 1 = background) loses the pixels whose draft `rate` is NaN
 * or 0 and, with `nSigma > 0`, those the per-plane clip flags (3 sigma below, nSigma above;
 * with `fitHistogram` centre and sigma from a Gaussian fitted to their histogram).
 */
export function cleanFlickerSceneMask(rate: Float32Array, mask: Uint8Array, shape: { nplanes: number; rows: number; cols: number }, nSigma: number, fitHistogram = false): void {
  const kernel = 'cleanFlickerSceneMask';
  const size = shape.nplanes * shape.rows * shape.cols;
  checkLength(kernel, 'rate', rate, size);
  checkLength(kernel, 'mask', mask, size);
  if (!Number.isFinite(nSigma)) throw new KernelParameterError('invalid_parameter', `${kernel}: nSigma must be finite, got ${nSigma}`);
  callWasm(kernel, () => wasmCleanFlickerSceneMask(rate, mask, shape.nplanes, shape.rows, shape.cols, nSigma, fitHistogram));
}

export interface CleanFlickerIntegrationParams {
  /**
   * The background removed and restored around the fit: none, the 'median' level, or the
   * 'model' (photutils Background2D) with boxes of `boxSize` `[rows, cols]` (a box photutils
   * refuses, e.g. 0 or larger than the image, gives jwst's fallback: the median level).
   */
  background: { method: 'none' } | { method: 'median' } | { method: 'model'; boxSize: [number, number] };
  nSigma: number;
  /** 'median' stripes, or 'fft' (NSClean, NIRSpec). */
  fit:
    | { method: 'median'; /** numpy axis of the stripe medians: 1 = along each row, 0 = along each column. */ arrayAxis: 0 | 1; byChannel: boolean }
    | { method: 'fft'; nrs2: boolean; allslits: boolean };
}

/** What happened to the group differences of an integration. */
export interface CleanFlickerIntegrationReport {
  /** 1-based groups left unchanged for lack of background pixels. */
  skippedGroups: number[];
  /** The 1-based group whose NSClean fit failed (the integration is then partly cleaned). */
  failedGroup?: number;
}

/**
 * clean_flicker_noise ('median' fit) of one integration `(ngroups, rows, cols)`, in place:
 * every group difference cleaned, the groups rebuilt from the cleaned differences. `flat` and
 * `background` (filled with each cleaned group's level) are optional.
 */
export function cleanFlickerIntegration(
  arrays: { data: Float32Array; groupdq: Uint8Array; sceneMask: Uint8Array; flat?: Float32Array; background?: Float32Array },
  shape: { ngroups: number; rows: number; cols: number },
  params: CleanFlickerIntegrationParams,
): CleanFlickerIntegrationReport {
  const kernel = 'cleanFlickerIntegration';
  const plane = shape.rows * shape.cols;
  checkLength(kernel, 'data', arrays.data, shape.ngroups * plane);
  checkLength(kernel, 'groupdq', arrays.groupdq, shape.ngroups * plane);
  checkLength(kernel, 'sceneMask', arrays.sceneMask, plane);
  if (arrays.flat) checkLength(kernel, 'flat', arrays.flat, plane);
  if (arrays.background) checkLength(kernel, 'background', arrays.background, shape.ngroups * plane);
  if (params.background.method === 'model' && !params.background.boxSize.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: the background box must be two integers >= 0 (0: the median level instead), got ${params.background.boxSize.join(', ')}`);
  }
  const fit = params.fit;
  const groups = callWasm(kernel, () =>
    wasmCleanFlickerIntegration(
      arrays.data,
      arrays.groupdq,
      arrays.sceneMask,
      arrays.flat ?? new Float32Array(0),
      arrays.background ?? new Float32Array(0),
      ({ none: 0, median: 1, model: 2 } as const)[params.background.method],
      params.background.method === 'model' ? params.background.boxSize[0] : 0,
      params.background.method === 'model' ? params.background.boxSize[1] : 0,
      params.nSigma,
      fit.method === 'median' ? fit.arrayAxis : 0,
      fit.method === 'median' && fit.byChannel,
      fit.method === 'fft',
      fit.method === 'fft' && fit.nrs2,
      fit.method === 'fft' && fit.allslits,
      shape.ngroups,
      shape.rows,
      shape.cols,
    ),
  );
  return reportOf(groups);
}

/** The kernels' group list: skipped groups positive, the failed one negated. */
function reportOf(groups: Int32Array | number[]): CleanFlickerIntegrationReport {
  const failed = Array.from(groups).find((g) => g < 0);
  return { skippedGroups: Array.from(groups).filter((g) => g > 0), failedGroup: failed === undefined ? undefined : -failed };
}

/**
 * clean_flicker_noise `median_image` (jwst `make_median_image`): the per-pixel median over
 * integrations of `data` `(nints, ngroups, plane)`, NaN ignored; `(ngroups, plane)`. Each
 * integration's median image is this times its scale (`cleanFlickerRateNorms` or
 * `cleanFlickerFluxNorms`).
 */
export function cleanFlickerMedianRamp(data: Float32Array, shape: { nints: number; ngroups: number; plane: number }): Float32Array {
  const kernel = 'cleanFlickerMedianRamp';
  checkLength(kernel, 'data', data, shape.nints * shape.ngroups * shape.plane);
  return callWasm(kernel, () => wasmCleanFlickerMedianRamp(data, shape.nints, shape.ngroups, shape.plane));
}

/**
 * The median image's scales outside TSO modes: each integration's median draft rate
 * (`rateints`, `(nints, plane)`) over the median of those, in float32. Throws when none is finite
 * (jwst: "No valid flux for scaling").
 */
export function cleanFlickerRateNorms(rateints: Float32Array, shape: { nints: number; plane: number }): Float32Array {
  const kernel = 'cleanFlickerRateNorms';
  checkLength(kernel, 'rateints', rateints, shape.nints * shape.plane);
  return callWasm(kernel, () => wasmCleanFlickerRateNorms(rateints, shape.nints, shape.plane));
}

/**
 * The median image's scales for TSO imaging: each integration's aperture sum over the median of
 * those, in float64. Throws when none is finite.
 */
export function cleanFlickerFluxNorms(fluxes: Float64Array): Float64Array {
  return callWasm('cleanFlickerFluxNorms', () => wasmCleanFlickerFluxNorms(fluxes));
}

/**
 * clean_flicker_noise with `median_image`, one integration `(ngroups, rows, cols)` in place:
 * every group less its median image (`medianRamp` times `scale`: a float32 scale from
 * `cleanFlickerRateNorms`, or a float64 one from `cleanFlickerFluxNorms`, which makes numpy's
 * median image float64) is cleaned alone (no background level, no DQ masking) and the median
 * image added back; `background` gets the median image of each cleaned group.
 */
export function cleanFlickerIntegrationMedianImage(
  arrays: { data: Float32Array; medianRamp: Float32Array; sceneMask: Uint8Array; flat?: Float32Array; background?: Float32Array },
  scale: { value: number; float64: boolean },
  shape: { ngroups: number; rows: number; cols: number },
  fit: CleanFlickerIntegrationParams['fit'],
): CleanFlickerIntegrationReport {
  const kernel = 'cleanFlickerIntegrationMedianImage';
  const plane = shape.rows * shape.cols;
  checkLength(kernel, 'data', arrays.data, shape.ngroups * plane);
  checkLength(kernel, 'medianRamp', arrays.medianRamp, shape.ngroups * plane);
  checkLength(kernel, 'sceneMask', arrays.sceneMask, plane);
  if (arrays.flat) checkLength(kernel, 'flat', arrays.flat, plane);
  if (arrays.background) checkLength(kernel, 'background', arrays.background, shape.ngroups * plane);
  const groups = callWasm(kernel, () =>
    wasmCleanFlickerIntegrationMedianImage(
      arrays.data,
      arrays.medianRamp,
      scale.value,
      scale.float64,
      arrays.sceneMask,
      arrays.flat ?? new Float32Array(0),
      arrays.background ?? new Float32Array(0),
      fit.method === 'median' ? fit.arrayAxis : 0,
      fit.method === 'median' && fit.byChannel,
      fit.method === 'fft',
      fit.method === 'fft' && fit.nrs2,
      fit.method === 'fft' && fit.allslits,
      shape.ngroups,
      shape.rows,
      shape.cols,
    ),
  );
  return reportOf(groups);
}

/**
 * clean_flicker_noise's flat (jwst `read_flat_file`), in place: zero and non-finite values
 * replaced by the 'model' background (photutils Background2D) of the others.
 */
export function cleanFlickerFillFlat(flat: Float32Array, shape: { rows: number; cols: number }): void {
  const kernel = 'cleanFlickerFillFlat';
  checkLength(kernel, 'flat', flat, shape.rows * shape.cols);
  callWasm(kernel, () => wasmCleanFlickerFillFlat(flat, shape.rows, shape.cols));
}

/** The statistics jwst's `autoparam` decision tree reads. */
export interface CleanFlickerAutoStatistics {
  maskFraction: number;
  maxOffset: number;
  maxSlope: number;
  slopeRatio: number;
  channelSigma: number;
}

/**
 * clean_flicker_noise `autoparam` (jwst `nircam_image_parameters` / `niriss_image_parameters`):
 * the statistics of the quick-cleaned draft `rate` (already divided by the flat), stripes
 * removed along numpy axis `arrayAxis`.
 */
export function cleanFlickerAutoStatistics(rate: Float32Array, shape: { rows: number; cols: number }, arrayAxis: 0 | 1, niriss: boolean): CleanFlickerAutoStatistics {
  const kernel = 'cleanFlickerAutoStatistics';
  checkLength(kernel, 'rate', rate, shape.rows * shape.cols);
  const [maskFraction, maxOffset, maxSlope, slopeRatio, channelSigma] = callWasm(kernel, () => wasmCleanFlickerAutoStatistics(rate, shape.rows, shape.cols, arrayAxis, niriss));
  return { maskFraction, maxOffset, maxSlope, slopeRatio, channelSigma };
}

/**
 * picture_frame correction of one integration `(ngroups, plane)` in place: the `reference`
 * scaled and offset by the medians of the `centre` and `edge` background regions (1 = in the
 * region) of each group minus group 0, then subtracted.
 */
export function pictureFrameIntegration(
  data: Float32Array,
  shape: { ngroups: number; plane: number },
  regions: { reference: Float32Array; centre: Uint8Array; edge: Uint8Array },
): void {
  const kernel = 'pictureFrameIntegration';
  checkLength(kernel, 'data', data, shape.ngroups * shape.plane);
  for (const name of ['reference', 'centre', 'edge'] as const) checkLength(kernel, name, regions[name], shape.plane);
  callWasm(kernel, () => wasmPictureFrameIntegration(data, shape.ngroups, shape.plane, regions.reference, regions.centre, regions.edge));
}
