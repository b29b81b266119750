import { applyRefpix, applyRefpixStaged, refpixClippedMean as wasmClippedMean, refpixFourAmpGroup as wasmFourAmpGroup, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface RefpixArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, corrected in place. */
  data: Float32Array;
  /** `(rows, cols)`: each pixel's signal class (e.g. amplifier*2 + detector-column parity), 255 = none. */
  cls: Uint8Array;
  /** `(rows, cols)`: each pixel's detector row, for the side correction. */
  detRow?: Uint16Array;
}

/** Per-group statistics from the reference pixels, the same for every band. */
export interface RefpixParams {
  classes: number;
  /** Per group (`nints*ngroups`): 1 = jwst's group buffer is float64 (after a side correction). */
  wide: Uint8Array;
  /** Per group and class: signal value and kind (0 none, 1 float32, 2 float64). */
  values: Float64Array;
  kinds: Uint8Array;
  /** Per group, `sideRows` side signals by detector row; absent = no side correction. */
  side?: Float64Array;
  sideRows: number;
  sideGain: number;
}

/**
 * A full frame's class and detector-row maps (RefpixArrays' `cls` and `detRow`) compactly: each
 * is either one row repeated in every row (`row`, per column) or one value per row (`perRow`).
 */
export interface RefpixMaps {
  cls: { row: Uint8Array } | { perRow: Uint8Array };
  /** Absent without a side correction. */
  detRow?: { row: Uint16Array } | { perRow: Uint16Array };
}

/** Rows `[row0, row0 + rows)` of one of RefpixMaps' maps, for a frame `cols` wide, into `into`. */
export function mapRows<T extends Uint8Array | Uint16Array>(map: { row: T } | { perRow: T }, row0: number, rows: number, cols: number, into: T): T {
  for (let y = 0; y < rows; y++) {
    if ('row' in map) into.set(map.row, y * cols);
    else into.fill(map.perRow[row0 + y], y * cols, (y + 1) * cols);
  }
  return into;
}

/** A signal as numpy holds it: `wide` = float64 scalar, else float32. */
export interface RefSignal {
  value: number;
  wide: boolean;
}

/** jwst `sigma_clip` of good reference values (array order matters: numpy pairwise sums). */
export function refpixClippedMean(values: Float32Array, wide: boolean, siglimit: number): RefSignal | undefined {
  const out = wasmClippedMean(values, wide, siglimit);
  return out.length === 0 ? undefined : { value: out[0], wide: out[1] !== 0 };
}

/** A full frame's reference strips for `refpixFourAmpGroup` (see there). */
export interface FourAmpStrips {
  /** The detector's rows and columns (2048). */
  n: number;
  /** Top rows, bottom rows, left columns, right columns (each 4n, row-major): indices in the group plane, negative for none. */
  at: Int32Array;
  /** Their PIXELDQ. */
  dq: Uint32Array;
}

export interface FourAmpOptions {
  oddEvenColumns: boolean;
  useSideRefPixels: boolean;
  siglimit: number;
  sideSmoothingLength: number;
}

/**
 * One group's statistics of a full frame (jwst `do_fullframe_corrections`): the signal of each
 * class (amplifier * 2 + detector-column parity) from the top/bottom rows, and with side
 * reference pixels the side signal of each detector row. `wide`: jwst's group buffer is float64.
 */
export function refpixFourAmpGroup(plane: Float32Array, strips: FourAmpStrips, o: FourAmpOptions, wide: boolean): { signals: (RefSignal | undefined)[]; side?: Float64Array } {
  return fourAmpGroupOf(refpixFourAmpGroupWords(plane, strips, o, wide), o);
}

/**
 * `refpixFourAmpGroup`'s result as the kernel gives it: the 8 classes' values, their kinds (0
 * none, 1 float32, 2 float64), then with side reference pixels the side signal of each detector
 * row (`fourAmpGroupWords` words at most).
 */
export function refpixFourAmpGroupWords(plane: Float32Array, strips: FourAmpStrips, o: FourAmpOptions, wide: boolean): Float64Array {
  return callWasm('refpix', () => wasmFourAmpGroup(plane, strips.at, strips.dq, strips.n, o.oddEvenColumns, o.useSideRefPixels, o.siglimit, o.sideSmoothingLength, wide));
}

/** The words of `refpixFourAmpGroupWords` for a detector of `n` rows. */
export const fourAmpGroupWords = (n: number): number => 16 + n;

/** `refpixFourAmpGroupWords`'s words read. */
export function fourAmpGroupOf(words: Float64Array, o: Pick<FourAmpOptions, 'useSideRefPixels'>): { signals: (RefSignal | undefined)[]; side?: Float64Array } {
  const signals = Array.from({ length: 8 }, (_, k) => (words[8 + k] === 0 ? undefined : { value: words[k], wide: words[8 + k] === 2 }));
  return { signals, side: o.useSideRefPixels ? words.subarray(16) : undefined };
}

/** Per-pixel reference-pixel correction (spec/steps/refpix.md), in place. */
export function refpix(arrays: RefpixArrays, shape: TileShape, params: RefpixParams): void {
  const kernel = 'refpix';
  checkShape(kernel, shape);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'cls', arrays.cls, Uint8Array, 'plane', shape);
  if (params.side && arrays.detRow === undefined) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: a side correction needs arrays.detRow`);
  }
  if (params.side) checkArray(kernel, 'detRow', arrays.detRow, Uint16Array, 'plane', shape);
  callWasm(kernel, () => applyRefpix(arrays.data, arrays.cls, params.side ? arrays.detRow! : new Uint16Array(0), ...wasmScalars(shape, params)));
}

/** `refpix` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them). */
export function refpixStaged(stage: Stage, shape: TileShape, params: RefpixParams): void {
  const kernel = 'refpix';
  checkShape(kernel, shape);
  callWasm(kernel, () => applyRefpixStaged(stage, ...wasmScalars(shape, params)));
}

/** The arguments of the refpix wasm functions after the arrays. */
function wasmScalars(shape: TileShape, params: RefpixParams) {
  const side = params.side ?? new Float64Array(0);
  return [params.classes, params.wide, params.values, params.kinds, side, params.sideRows, params.sideGain, shape.nints, shape.ngroups, shape.rows, shape.cols] as const;
}
