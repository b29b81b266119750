/**
 * Where a science array sits on the detector, and cutting full-frame (or larger) reference
 * arrays down to it (jwst `reffile_utils`, spec/reference_files.md §3).
 */
import type { Header } from '../io/fits/index.js';

/** 1-based start and size in the full-frame DMS grid. */
export interface SubarrayGeometry {
  xstart: number;
  ystart: number;
  xsize: number;
  ysize: number;
}

export class ReferenceFileError extends Error {
  override name = 'ReferenceFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Full-frame size (nx, ny) of an instrument's detectors. */
export function fullFrameSize(instrument: string | undefined): { nx: number; ny: number } {
  return instrument?.toUpperCase() === 'MIRI' ? { nx: 1032, ny: 1024 } : { nx: 2048, ny: 2048 };
}

/**
 * Reads SUBSTRT1/2 and SUBSIZE1/2 of a header for an array of `ny` x `nx` pixels. Missing keywords
 * mean full frame when the array is full-frame sized (else an error); a size that disagrees with
 * the array is replaced by the array's (jwst warns and does the same), except the IRS2 case of
 * 3200 rows with SUBSIZE2 = 2048.
 */
export function geometryOf(
  header: Header,
  arrayShape: readonly number[],
  instrument: string | undefined,
  file: string,
  warn: (message: string) => void = () => {},
): SubarrayGeometry {
  const ny = arrayShape[arrayShape.length - 2];
  const nx = arrayShape[arrayShape.length - 1];
  const values = ['SUBSTRT1', 'SUBSTRT2', 'SUBSIZE1', 'SUBSIZE2'].map((key) => header.getInt(key));
  const full = fullFrameSize(instrument);
  if (values.some((v) => v === undefined)) {
    if (nx === full.nx && (ny === full.ny || ny === 3200)) return { xstart: 1, ystart: 1, xsize: nx, ysize: full.ny };
    throw new ReferenceFileError(file, `subarray keywords SUBSTRT1/2, SUBSIZE1/2 missing and the ${ny} x ${nx} array is not full frame`);
  }
  let [xstart, ystart, xsize, ysize] = values as number[];
  if (xstart < 1 || ystart < 1) {
    throw new ReferenceFileError(file, `subarray start (SUBSTRT1=${xstart}, SUBSTRT2=${ystart}) must be >= 1`);
  }
  if (xsize !== nx) {
    warn(`${file}: SUBSIZE1=${xsize} disagrees with the array width ${nx}; using ${nx}`);
    xsize = nx;
  }
  const irs2 = ny === 3200 && ysize === 2048;
  if (ysize !== ny && !irs2) {
    warn(`${file}: SUBSIZE2=${ysize} disagrees with the array height ${ny}; using ${ny}`);
    ysize = ny;
  }
  return { xstart, ystart, xsize, ysize };
}

export function sameGeometry(a: SubarrayGeometry, b: SubarrayGeometry): boolean {
  return a.xstart === b.xstart && a.ystart === b.ystart && a.xsize === b.xsize && a.ysize === b.ysize;
}

/**
 * Where the science subarray starts inside a reference array (0-based column and row), or
 * undefined when both cover the same pixels. Throws, naming the file, when the science lies
 * outside the reference.
 */
export function scienceWindow(ref: SubarrayGeometry, sci: SubarrayGeometry, file: string): { x0: number; y0: number } | undefined {
  if (sameGeometry(ref, sci)) return undefined;
  const x0 = sci.xstart - ref.xstart;
  const y0 = sci.ystart - ref.ystart;
  if (x0 < 0 || y0 < 0 || x0 + sci.xsize > ref.xsize || y0 + sci.ysize > ref.ysize) {
    throw new ReferenceFileError(
      file,
      `the science subarray (x ${sci.xstart}..${sci.xstart + sci.xsize - 1}, y ${sci.ystart}..${sci.ystart + sci.ysize - 1}) ` +
        `is not inside the reference (x ${ref.xstart}..${ref.xstart + ref.xsize - 1}, y ${ref.ystart}..${ref.ystart + ref.ysize - 1})`,
    );
  }
  return { x0, y0 };
}

type CuttableArray = Float32Array | Uint32Array | Uint16Array | Uint8Array | Int32Array | Int16Array | Float64Array;

/**
 * Cuts `[..., y0:y1, x0:x1]` out of a reference array so it covers the science subarray; leading
 * axes (planes) are kept. Errors name the reference file when the science lies outside it.
 */
export function cutToScience<T extends CuttableArray>(
  array: T,
  shape: readonly number[],
  ref: SubarrayGeometry,
  sci: SubarrayGeometry,
  file: string,
): { data: T; shape: number[] } {
  const window = scienceWindow(ref, sci, file);
  if (!window) return { data: array, shape: [...shape] };
  const { x0, y0 } = window;
  const ny = shape[shape.length - 2];
  const nx = shape[shape.length - 1];
  const planes = array.length / (ny * nx);
  const out = new (array.constructor as new (n: number) => T)(planes * sci.ysize * sci.xsize);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < sci.ysize; y++) {
      const from = (p * ny + y0 + y) * nx + x0;
      out.set(array.subarray(from, from + sci.xsize) as never, (p * sci.ysize + y) * sci.xsize);
    }
  }
  return { data: out, shape: [...shape.slice(0, -2), sci.ysize, sci.xsize] };
}

/** Geometry of a science ramp or image from its typed metadata (same rules as references). */
export function scienceGeometry(
  meta: { subarray: { xstart?: number; ystart?: number; xsize?: number; ysize?: number }; instrument: { name?: string } },
  shape: readonly number[],
  file: string,
  warn?: (message: string) => void,
): SubarrayGeometry {
  const { xstart, ystart, xsize, ysize } = meta.subarray;
  const header = {
    getInt: (key: string) => ({ SUBSTRT1: xstart, SUBSTRT2: ystart, SUBSIZE1: xsize, SUBSIZE2: ysize })[key],
  } as Header;
  return geometryOf(header, shape, meta.instrument.name, file, warn);
}
