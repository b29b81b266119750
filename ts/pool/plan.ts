/**
 * Row-band tiling. Bands are contiguous whole rows; every array is cut and re-assembled by row
 * offset, so results never depend on the number of bands or workers.
 */
import { planeCount, type KernelArray, type Layout, type TileShape } from '../kernels/arrays.js';

export interface RowBand {
  /** First row of the band in the full array. */
  row0: number;
  rows: number;
}

/**
 * Cuts `totalRows` into bands of equal height (the last may be shorter) of at most `maxRows`
 * rows, aiming at `minBands` bands. Equal heights can give fewer when rows are few (10 rows
 * for 6 bands: 5 bands of 2), and never more than `totalRows`.
 */
export function planRowBands(totalRows: number, options: { maxRows?: number; minBands?: number } = {}): RowBand[] {
  if (!Number.isSafeInteger(totalRows) || totalRows < 1) throw new RangeError(`cannot tile ${totalRows} rows`);
  for (const [name, value] of [['maxRows', options.maxRows], ['minBands', options.minBands]] as const) {
    // A fractional height would cut rows in two.
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  const minBands = Math.max(1, Math.min(options.minBands ?? 1, totalRows));
  const rowsPerBand = Math.max(1, Math.min(options.maxRows ?? totalRows, Math.ceil(totalRows / minBands)));
  const bands: RowBand[] = [];
  for (let row0 = 0; row0 < totalRows; row0 += rowsPerBand) {
    bands.push({ row0, rows: Math.min(rowsPerBand, totalRows - row0) });
  }
  return bands;
}

/**
 * Copies the band's rows of every plane of `array` into a compact array: a new one, a view of
 * `into` from its start, or `into` itself when it is an array (each must hold the band).
 */
export function cutBand<T extends KernelArray>(array: T, layout: Layout, shape: TileShape, band: RowBand, into?: ArrayBufferLike | T): T {
  const planes = planeCount(layout, shape);
  const planeLen = shape.rows * shape.cols;
  const bandLen = band.rows * shape.cols;
  const out = ArrayBuffer.isView(into)
    ? into
    : into
      ? new (array.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => T)(into, 0, planes * bandLen)
      : new (array.constructor as new (n: number) => T)(planes * bandLen);
  for (let p = 0; p < planes; p++) {
    const start = p * planeLen + band.row0 * shape.cols;
    out.set(array.subarray(start, start + bandLen) as never, p * bandLen);
  }
  return out;
}

/**
 * The band grown by `halo` rows on each side, clamped to the array. Kernels with 2-D
 * neighbourhoods (saturation growth, jump neighbours) run on the grown band and only the core
 * rows are kept, so every kept pixel saw all its neighbours, exactly as in an untiled run.
 */
export function withHalo(band: RowBand, halo: number, totalRows: number): RowBand {
  if (!Number.isSafeInteger(halo) || halo < 0) throw new RangeError(`halo must be a non-negative integer, got ${halo}`);
  const row0 = Math.max(0, band.row0 - halo);
  return { row0, rows: Math.min(totalRows, band.row0 + band.rows + halo) - row0 };
}

/**
 * Writes the rows `where` of a compact band back into the full array at their row offset. The
 * band was cut as `from` (default: `where` itself; a larger band when it carried a halo).
 */
export function pasteBand(
  target: KernelArray,
  band: KernelArray,
  layout: Layout,
  shape: TileShape,
  where: RowBand,
  from: RowBand = where,
): void {
  const planes = planeCount(layout, shape);
  const planeLen = shape.rows * shape.cols;
  const fromLen = from.rows * shape.cols;
  const skip = (where.row0 - from.row0) * shape.cols;
  const length = where.rows * shape.cols;
  for (let p = 0; p < planes; p++) {
    const start = p * fromLen + skip;
    target.set(band.subarray(start, start + length) as never, p * planeLen + where.row0 * shape.cols);
  }
}
