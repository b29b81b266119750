/**
 * `detector1 preview`: a quick-look PNG of one image HDU (a rate, one integration of a
 * rateints, any 2-D or 3-D image), scaled as astropy.visualization would (zscale + asinh by
 * default) and shown with row 0 at the bottom, as DS9 and `imshow(origin="lower")` do.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { openFits } from '../datamodels/node.js';
import { writeFileAtomic } from '../io/fits/node.js';
import { encodePng } from '../io/png.js';
import { KernelParameterError } from '../kernels/errors.js';
import { loadKernels } from '../kernels/load-node.js';
import { renderPreview, type PreviewInterval, type PreviewStretch } from '../kernels/preview.js';


/** Raised for bad command-line input (the CLI exits with code 2). */
export class PreviewUsageError extends Error {}

const namedColors: Record<string, [number, number, number]> = {
  black: [0, 0, 0],
  white: [255, 255, 255],
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
};

function parseColor(text: string): [number, number, number] {
  const named = namedColors[text.toLowerCase()];
  if (named) return named;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  if (!hex) throw new PreviewUsageError(`--nan-color must be ${Object.keys(namedColors).join(', ')} or #rrggbb, got "${text}"`);
  return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
}

function parseInterval(text: string): PreviewInterval {
  if (text === 'zscale' || text === 'minmax') return { kind: text };
  const percentile = /^percentile:(\d+(?:\.\d*)?)$/.exec(text);
  if (percentile && Number(percentile[1]) > 0 && Number(percentile[1]) <= 100) return { kind: 'percentile', percentile: Number(percentile[1]) };
  throw new PreviewUsageError(`--interval must be zscale, minmax or percentile:P with 0 < P <= 100, got "${text}"`);
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d*)?(e[+-]?\d+)?$/i.test(text) || !(value > 0)) throw new PreviewUsageError(`--${name} must be a number > 0, got "${text}"`);
  return value;
}

function nonNegativeInteger(name: string, text: string, minimum = 0): number {
  if (!/^\d+$/.test(text) || Number(text) < minimum) throw new PreviewUsageError(`--${name} must be an integer >= ${minimum}, got "${text}"`);
  return Number(text);
}

/** Writes the PNG and reports what it drew. Errors about the file (exit 1) name it. */
export async function runPreview(args: string[], log: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      ext: { type: 'string', default: 'SCI' },
      integration: { type: 'string' },
      interval: { type: 'string', default: 'zscale' },
      stretch: { type: 'string', default: 'asinh' },
      'asinh-a': { type: 'string' },
      'nan-color': { type: 'string', default: 'black' },
      size: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new PreviewUsageError('preview takes exactly one FITS file');
  if (values.output === undefined) throw new PreviewUsageError('preview needs -o OUT.png');
  const interval = parseInterval(values.interval!);
  if (values.stretch !== 'asinh' && values.stretch !== 'linear') throw new PreviewUsageError(`--stretch must be asinh or linear, got "${values.stretch}"`);
  if (values.stretch === 'linear' && values['asinh-a'] !== undefined) throw new PreviewUsageError('--asinh-a goes with --stretch asinh');
  const stretch: PreviewStretch =
    values.stretch === 'linear' ? { kind: 'linear' } : { kind: 'asinh', a: values['asinh-a'] === undefined ? 0.1 : positiveNumber('asinh-a', values['asinh-a']) };
  const nanColor = parseColor(values['nan-color']!);
  const maxSize = values.size === undefined ? undefined : nonNegativeInteger('size', values.size, 1);
  const integration = values.integration === undefined ? undefined : nonNegativeInteger('integration', values.integration);

  const [path] = positionals;
  const { data, rows, cols, label } = await readPlane(path, values.ext!, integration);
  await loadKernels();
  let image;
  try {
    image = renderPreview(data, rows, cols, { interval, stretch, nanColor, maxSize });
  } catch (error) {
    // The options were checked above, so a parameter error here is about the pixels.
    if (error instanceof KernelParameterError && /no finite pixel/.test(error.message)) {
      throw new Error(`${path}: ${label} has no finite pixel (all NaN or infinite): nothing to scale`);
    }
    throw new Error(`${path}: ${label}: ${(error as Error).message}`);
  }
  const png = await encodePng(image, (bytes) => deflateSync(bytes));
  await writeFileAtomic(values.output, [png]);
  const scale = image.factor > 1 ? `, block-averaged ${image.factor}x${image.factor}` : '';
  const intervalName = interval.kind === 'percentile' ? `percentile ${interval.percentile}` : interval.kind;
  log(`${values.output}: ${image.width} x ${image.height} ${image.channels === 1 ? 'gray' : 'RGB'} PNG of ${basename(path)} ${label}${scale}`);
  log(`  ${intervalName} limits ${image.limits.vmin} ${image.limits.vmax}, ${stretch.kind === 'asinh' ? `asinh a=${stretch.a}` : 'linear'}, ${image.nanPixels} NaN pixels`);
}

/** One `(rows, cols)` float32 plane of the named extension (or HDU number). */
async function readPlane(path: string, ext: string, integration: number | undefined) {
  const file = await openFits(path);
  try {
    const hdu = /^\d+$/.test(ext) ? file.hdus.find((h) => h.index === Number(ext)) : file.find(ext);
    if (!hdu) throw new Error(`${path}: no ${/^\d+$/.test(ext) ? `HDU ${ext}` : `${ext.toUpperCase()} extension`}`);
    const name = `${hdu.index === 0 ? 'PRIMARY' : (hdu.extname ?? `HDU ${hdu.index}`)}`;
    if (hdu.kind !== 'primary' && hdu.kind !== 'image') throw new Error(`${path}: ${name} is a table, not an image`);
    const shape = hdu.shape;
    if (shape.length !== 2 && shape.length !== 3) {
      throw new Error(`${path}: ${name} has shape (${shape.join(', ')}): preview draws 2-D images and integrations of 3-D cubes`);
    }
    if (shape.length === 2 && integration !== undefined) throw new Error(`${path}: ${name} is 2-D; --integration is for 3-D (rateints) cubes`);
    const index = shape.length === 3 ? [integration ?? 0] : [];
    if (shape.length === 3 && index[0] >= shape[0]) throw new Error(`${path}: ${name} has ${shape[0]} integrations; --integration ${index[0]} is out of range (0-based)`);
    const { data } = await file.readImage(hdu, { index, as: 'float32' });
    const label = shape.length === 3 ? `${name}[${index[0]}]` : name;
    return { data: data as Float32Array, rows: shape[shape.length - 2], cols: shape[shape.length - 1], label };
  } finally {
    await file.close();
  }
}
