/**
 * Reading reference files the way jwst's reference models load them: arrays by EXTNAME, DQ
 * translated through DQ_DEF to standard flags, and everything cut to the science subarray.
 */
import { FitsError, type FitsFile } from '../io/fits/index.js';
import { translateDq, type DqDefinition } from '../dq/index.js';
import { cutToScience, geometryOf, ReferenceFileError, type SubarrayGeometry } from './subarray.js';

export interface ReferenceContext {
  /** Geometry of the science data the reference is for. */
  science: SubarrayGeometry;
  instrument: string | undefined;
  warn?: (message: string) => void;
}

/** The DQ_DEF table of a reference file, or undefined when it has none. */
export async function readDqDefinitions(file: FitsFile): Promise<DqDefinition[] | undefined> {
  const hdu = file.find('DQ_DEF');
  if (!hdu) return undefined;
  const table = await file.readTable(hdu);
  const column = (name: string) => table.column(name).data;
  const bits = column('BIT') as ArrayLike<number>;
  const values = column('VALUE') as ArrayLike<number>;
  const names = column('NAME') as string[];
  const descriptions = table.columns.some((c) => c.name.toUpperCase() === 'DESCRIPTION')
    ? (column('DESCRIPTION') as string[])
    : names.map(() => '');
  return Array.from({ length: table.nrows }, (_, i) => ({
    bit: Number(bits[i]),
    value: Number(values[i]),
    name: names[i],
    description: descriptions[i],
  }));
}

/** A float32 image extension (SCI, ERR, COEFFS...) cut to the science subarray. */
export async function readReferenceFloat(
  file: FitsFile,
  extname: string,
  context: ReferenceContext,
): Promise<{ data: Float32Array; shape: number[] }> {
  const hdu = file.find(extname);
  if (!hdu) throw new ReferenceFileError(file.source.name, `no ${extname} extension`);
  const { data, shape } = await file.readImage(hdu, { as: 'float32' });
  const geometry = geometryOf(file.primary.header, shape, context.instrument, file.source.name, context.warn);
  return cutToScience(data as Float32Array, shape, geometry, context.science, file.source.name);
}

/**
 * The DQ extension translated to standard flags (stdatamodels `dynamicdq`) and cut to the
 * science subarray. Unknown DQ_DEF names are reported through `warn` and ignored.
 */
export async function readReferenceDq(
  file: FitsFile,
  context: ReferenceContext,
  extname = 'DQ',
): Promise<{ data: Uint32Array; shape: number[] }> {
  const hdu = file.find(extname);
  if (!hdu) throw new ReferenceFileError(file.source.name, `no ${extname} extension`);
  const { data, shape } = await file.readImage(hdu);
  if (data instanceof BigInt64Array || data instanceof Float32Array || data instanceof Float64Array) {
    throw new FitsError(file.source.name, `${extname} holds ${data.constructor.name} values; DQ must be integers`);
  }
  const definitions = await readDqDefinitions(file);
  const translated = translateDq(data, definitions, (name) =>
    context.warn?.(`${file.source.name}: DQ_DEF name "${name}" is not a standard flag; ignored`),
  );
  const geometry = geometryOf(file.primary.header, shape, context.instrument, file.source.name, context.warn);
  return cutToScience(translated, shape, geometry, context.science, file.source.name);
}
