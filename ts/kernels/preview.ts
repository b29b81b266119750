/**
 * Quick-look rendering of a float image (spec: astropy.visualization's ZScaleInterval,
 * PercentileInterval, MinMaxInterval, LinearStretch and AsinhStretch): limits, optional block
 * averaging and the 8-bit stretch all run in the Rust kernel `preview`.
 */
import { previewBlockAverage, previewLimits, previewNanCount, previewRender } from '../../wasm-pkg/detector1_wasm.js';
import { callWasm, KernelParameterError, KernelShapeError, KernelTypeError } from './errors.js';

/** astropy's ZScaleInterval parameters. */
export interface ZScaleOptions {
  nSamples: number;
  contrast: number;
  maxReject: number;
  minNpixels: number;
  krej: number;
  maxIterations: number;
}

export const zscaleDefaults: Readonly<ZScaleOptions> = {
  nSamples: 1000,
  contrast: 0.25,
  maxReject: 0.5,
  minNpixels: 5,
  krej: 2.5,
  maxIterations: 5,
};

export type PreviewInterval =
  | { kind: 'zscale'; zscale?: Partial<ZScaleOptions> }
  | { kind: 'minmax' }
  /** Keeps the central `percentile` % of the finite pixels (astropy's PercentileInterval). */
  | { kind: 'percentile'; percentile: number };

export type PreviewStretch = { kind: 'linear' } | { kind: 'asinh'; /** default 0.1, as astropy's */ a?: number };

export interface PreviewOptions {
  interval?: PreviewInterval;
  stretch?: PreviewStretch;
  /** RGB of NaN pixels; default black. */
  nanColor?: readonly [number, number, number];
  /**
   * Longest output side in pixels: larger images are block-averaged by the smallest integer
   * factor that fits (finite pixels only; a block without any is NaN). Limits are always taken
   * from the full-resolution image.
   */
  maxSize?: number;
}

export interface DisplayLimits {
  vmin: number;
  vmax: number;
}

/** Top-down scanlines (the image's last row first, i.e. displayed with origin at lower left). */
export interface PreviewImage {
  width: number;
  height: number;
  /** 1 = gray; 3 = RGB, used only when NaN pixels exist and their colour is not a gray. */
  channels: 1 | 3;
  pixels: Uint8Array;
  limits: DisplayLimits;
  nanPixels: number;
  /** Block-averaging factor applied (1 = none). */
  factor: number;
}

function checkImage(kernel: string, data: unknown, rows: number, cols: number): void {
  if (!(data instanceof Float32Array)) {
    throw new KernelTypeError('wrong_type', `${kernel}: the image must be a Float32Array`);
  }
  for (const [name, value] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new KernelShapeError('invalid_shape', `${kernel}: ${name} must be a positive integer, got ${value}`);
  }
  if (data.length !== rows * cols) {
    throw new KernelShapeError('shape_mismatch', `${kernel}: the image has ${data.length} pixels but (${rows}, ${cols}) needs ${rows * cols}`);
  }
}

/** Display limits of the finite pixels; throws KernelParameterError when there is none. */
export function displayLimits(data: Float32Array, interval: PreviewInterval = { kind: 'zscale' }): DisplayLimits {
  const kernel = 'preview';
  if (!(data instanceof Float32Array)) throw new KernelTypeError('wrong_type', `${kernel}: the image must be a Float32Array`);
  const z = { ...zscaleDefaults, ...(interval.kind === 'zscale' ? interval.zscale : {}) };
  for (const key of ['nSamples', 'minNpixels', 'maxIterations'] as const) {
    if (!Number.isSafeInteger(z[key]) || z[key] < 0) throw new KernelParameterError('invalid_parameter', `${kernel}: zscale ${key} must be a non-negative integer, got ${z[key]}`);
  }
  const zscale = new Float64Array([z.nSamples, z.contrast, z.maxReject, z.minNpixels, z.krej, z.maxIterations]);
  const percentile = interval.kind === 'percentile' ? interval.percentile : 0;
  const [vmin, vmax] = callWasm(kernel, () => previewLimits(data, interval.kind, zscale, percentile));
  return { vmin, vmax };
}

/** Block average by an integer factor: a `(ceil(rows / factor), ceil(cols / factor))` image. */
export function blockAverage(data: Float32Array, rows: number, cols: number, factor: number): Float32Array {
  checkImage('preview', data, rows, cols);
  return callWasm('preview', () => previewBlockAverage(data, rows, cols, factor));
}

const isGray = ([r, g, b]: readonly number[]) => r === g && g === b;

/** Renders a `(rows, cols)` float image (row 0 at the bottom, as in FITS) to 8-bit pixels. */
export function renderPreview(data: Float32Array, rows: number, cols: number, options: PreviewOptions = {}): PreviewImage {
  const kernel = 'preview';
  checkImage(kernel, data, rows, cols);
  const nanColor = options.nanColor ?? [0, 0, 0];
  if (nanColor.length !== 3 || nanColor.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: nanColor must be three integers 0-255, got [${nanColor.join(', ')}]`);
  }
  const limits = displayLimits(data, options.interval);
  const maxSize = options.maxSize ?? Infinity;
  if (!(maxSize >= 1)) throw new KernelParameterError('invalid_parameter', `${kernel}: maxSize must be at least 1, got ${maxSize}`);
  const factor = Math.max(1, Math.ceil(Math.max(rows, cols) / maxSize));
  const shown = factor === 1 ? data : blockAverage(data, rows, cols, factor);
  const [height, width] = [Math.ceil(rows / factor), Math.ceil(cols / factor)];
  const nanPixels = callWasm(kernel, () => previewNanCount(shown));
  const channels = nanPixels > 0 && !isGray(nanColor) ? 3 : 1;
  const stretch = options.stretch ?? { kind: 'asinh' };
  const a = stretch.kind === 'asinh' ? (stretch.a ?? 0.1) : 0;
  const pixels = callWasm(kernel, () =>
    previewRender(shown, height, width, limits.vmin, limits.vmax, stretch.kind, a, Uint8Array.from(nanColor), channels),
  );
  return { width, height, channels, pixels, limits, nanPixels, factor };
}
