/**
 * Reading reference files the way jwst's reference models load them: arrays by EXTNAME, DQ
 * translated through DQ_DEF to standard flags, and everything cut to the science subarray.
 */
import { FitsError, fileRows, type FileRows, type FitsFile, type Hdu } from '../io/fits/index.js';
import { dqBitFlags, translateDqBits, type DqDefinition } from '../dq/index.js';
import { translateStoredDq, type StoredDq } from '../kernels/dq-translate.js';
import { kernelsLoaded } from '../kernels/module.js';
import { geometryOf, ReferenceFileError, scienceWindow, type SubarrayGeometry } from './subarray.js';
import { allocShared, FILE_WORDS_SWAPPED, releaseShared } from '../kernels/arrays.js';

export interface ReferenceContext {
  /** Geometry of the science data the reference is for. */
  science: SubarrayGeometry;
  instrument: string | undefined;
  warn?: (message: string) => void;
}

/** DQ_DEF tables read, by file: the steps of every band and the chain's plans ask again. */
const dqDefinitions = new WeakMap<FitsFile, Promise<readonly DqDefinition[] | undefined>>();

/** The DQ_DEF table of a reference file, or undefined when it has none. */
export function readDqDefinitions(file: FitsFile): Promise<readonly DqDefinition[] | undefined> {
  let read = dqDefinitions.get(file);
  if (!read) {
    read = readDqTable(file);
    dqDefinitions.set(file, read);
    // A failed read is not kept (the next caller gets the error afresh).
    read.catch(() => dqDefinitions.delete(file));
  }
  return read;
}

async function readDqTable(file: FitsFile): Promise<readonly DqDefinition[] | undefined> {
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

/**
 * `shared`: the array comes from `allocShared` (recycled shared memory where there is some), and
 * the caller gives it back with `releaseShared` once nothing uses it. Reference planes are read
 * for every run and memory touched for the first time is slow; recycled buffers are not.
 */
export interface ReferenceReadOptions {
  shared?: boolean;
  /** Only these rows `[first, end)` of the science plane (of every plane of a cube). */
  rows?: [number, number];
  /**
   * readReferenceFloat: plain float32 pixels may keep the file's byte order (ReadImageOptions.fileOrder),
   * for arrays that only kernels read (TiledOptions.bigEndian); `fileOrder` in the result says whether they did.
   * readReferenceDq: 32-bit DQ words may stay as the file stores them (see there).
   */
  fileOrder?: boolean;
}

type PlaneReader<T> = (index: number[], rows: [number, number] | undefined, into: T) => Promise<void>;
type WindowArray = Float32Array | Uint32Array;
type WindowArrayType<T> = { new (length: number): T; new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number };

/** Where the science lies in an extension: undefined window = the same pixels. */
function windowOf(file: FitsFile, hdu: Hdu, context: ReferenceContext) {
  const geometry = geometryOf(file.primary.header, hdu.shape, context.instrument, file.source.name, context.warn);
  return scienceWindow(geometry, context.science, file.source.name);
}

/** Pixels of full-width rows a narrower window is read through at a time (1 MiB of float32). */
const WINDOW_CHUNK_PIXELS = 1 << 18;

/**
 * One plane (`index` fixes the leading axes) cut to the science window into `target`; only the
 * window's rows are read, their full width a chunk of rows at a time through `scratch` when the
 * window is narrower (a full frame's side columns would touch a whole plane of scratch).
 */
async function readPlaneWindow<T extends WindowArray>(
  hdu: Hdu,
  window: { x0: number; y0: number },
  context: ReferenceContext,
  type: WindowArrayType<T>,
  index: number[],
  target: T,
  readRows: PlaneReader<T>,
  [first, end]: [number, number] = [0, context.science.ysize],
): Promise<void> {
  const nx = hdu.shape[hdu.shape.length - 1];
  const { xsize } = context.science;
  if (xsize === nx) return readRows(index, [window.y0 + first, window.y0 + end], target);
  const chunkRows = Math.max(1, Math.min(end - first, Math.floor(WINDOW_CHUNK_PIXELS / nx)));
  const scratch = allocShared(type, chunkRows * nx, { zeroed: false });
  try {
    for (let y0 = first; y0 < end; y0 += chunkRows) {
      const rows = Math.min(chunkRows, end - y0);
      const chunk = scratch.subarray(0, rows * nx) as T;
      await readRows(index, [window.y0 + y0, window.y0 + y0 + rows], chunk);
      for (let y = 0; y < rows; y++) target.set(chunk.subarray(y * nx + window.x0, y * nx + window.x0 + xsize) as never, (y0 - first + y) * xsize);
    }
  } finally {
    releaseShared(scratch);
  }
}

/** Every plane of an extension cut to the science window. */
async function readWindow<T extends WindowArray>(
  file: FitsFile,
  hdu: Hdu,
  context: ReferenceContext,
  type: WindowArrayType<T>,
  options: ReferenceReadOptions,
  readRows: PlaneReader<T>,
): Promise<{ data: T; shape: number[] }> {
  const shape = hdu.shape;
  const window = windowOf(file, hdu, context);
  const alloc = (length: number) => (options.shared ? allocShared(type, length, { zeroed: false }) : new type(length));
  if (!window && !options.rows) {
    const data = alloc(shape.reduce((a, b) => a * b, 1));
    await readRows([], undefined, data);
    return { data, shape: [...shape] };
  }
  const leading = shape.slice(0, -2);
  const { xsize } = window ? context.science : { xsize: shape[shape.length - 1] };
  const fullRows = window ? context.science.ysize : shape[shape.length - 2];
  const rows = options.rows ?? [0, fullRows];
  if (!Number.isSafeInteger(rows[0]) || !Number.isSafeInteger(rows[1]) || rows[0] < 0 || rows[1] <= rows[0] || rows[1] > fullRows) {
    throw new RangeError(`${file.source.name}: rows [${rows[0]}, ${rows[1]}) are not within the ${fullRows} science rows`);
  }
  const ysize = rows[1] - rows[0];
  const planes = leading.reduce((a, b) => a * b, 1);
  const out = alloc(planes * ysize * xsize);
  for (let p = 0; p < planes; p++) {
    const index = leading.map((_, axis) => Math.floor(p / leading.slice(axis + 1).reduce((a, b) => a * b, 1)) % leading[axis]);
    const target = out.subarray(p * ysize * xsize, (p + 1) * ysize * xsize) as T;
    if (window) await readPlaneWindow(hdu, window, context, type, index, target, readRows, rows);
    else await readRows(index, rows, target);
  }
  return { data: out, shape: [...leading, ysize, xsize] };
}

/**
 * One float32 plane of an image extension (`index` fixes its leading axes) cut to the science
 * subarray, into `into` (science-plane sized): a reused buffer for references read plane by plane.
 */
export async function readReferencePlaneInto(file: FitsFile, hdu: Hdu, index: number[], context: ReferenceContext, into: Float32Array): Promise<void> {
  const window = windowOf(file, hdu, context);
  const readRows: PlaneReader<Float32Array> = async (idx, rows, target) => {
    await file.readImage(hdu, { as: 'float32', index: idx, rows, into: target });
  };
  if (!window) return readRows(index, undefined, into);
  return readPlaneWindow(hdu, window, context, Float32Array, index, into, readRows);
}

/** A float32 image extension (SCI, ERR, COEFFS...) cut to the science subarray. */
export async function readReferenceFloat(
  file: FitsFile,
  extname: string,
  context: ReferenceContext,
  options: ReferenceReadOptions = {},
): Promise<{ data: Float32Array; shape: number[]; fileOrder: boolean }> {
  const hdu = file.find(extname);
  if (!hdu) throw new ReferenceFileError(file.source.name, `no ${extname} extension`);
  // Every block of one extension is stored alike, so all of them keep the file's order or none.
  const orders = new Set<boolean>();
  const read = await readWindow(file, hdu, context, Float32Array, options, async (index, rows, into) => {
    orders.add((await file.readImage(hdu, { as: 'float32', index, rows, into, fileOrder: options.fileOrder })).fileOrder === true);
  });
  if (orders.size > 1) throw new Error(`${file.source.name}: ${extname} read in two byte orders`);
  return { ...read, fileOrder: orders.has(true) };
}

/**
 * The DQ extension translated to standard flags (stdatamodels `dynamicdq`) and cut to the
 * science subarray. Unknown DQ_DEF names are reported through `warn` (once each) and ignored.
 *
 * With `fileOrder`, 32-bit words (BZERO 0 or 2^31, unscaled) on a little-endian host are left
 * as the file stores them, and `stored` says how to translate them (TiledOptions.storedDq), for
 * arrays that only kernels read: the workers translate their bands, where this thread would
 * make a pass over the whole array. Without `stored` in the result, the words are translated.
 */
export async function readReferenceDq(
  file: FitsFile,
  context: ReferenceContext,
  extname = 'DQ',
  options: ReferenceReadOptions = {},
): Promise<{ data: Uint32Array; shape: number[]; stored?: StoredDq }> {
  const hdu = file.find(extname);
  if (!hdu) throw new ReferenceFileError(file.source.name, `no ${extname} extension`);
  const definitions = await readDqDefinitions(file);
  const reported = new Set<string>();
  const onUnknown = (name: string) => {
    if (reported.has(name)) return;
    reported.add(name);
    context.warn?.(`${file.source.name}: DQ_DEF name "${name}" is not a standard flag; ignored`);
  };
  const bitFlags = dqBitFlags(definitions, onUnknown);
  const words = dqWords(hdu);
  if (options.fileOrder && FILE_WORDS_SWAPPED && words) {
    const read = await readWindow(file, hdu, context, Uint32Array, options, async (index, rows, into) => {
      const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
      if (bytes.byteOffset % 8 === 0) await file.readImage(hdu, { index, rows, as: 'stored', rawInto: bytes });
      else bytes.set((await file.readImage(hdu, { index, rows, as: 'stored' })).data as Uint8Array);
    });
    return { ...read, stored: { unsigned: words.unsigned, bitFlags } };
  }
  return readWindow(file, hdu, context, Uint32Array, options, (index, rows, into) => readDqBlockInto(file, hdu, index, rows, bitFlags, into));
}

/**
 * An extension as a worker reads its rows from the file itself (ts/pool/chain-band.ts): plain
 * float32 pixels (`float32`) or 32-bit DQ words (`dq`, with the translation to standard flags),
 * covering the science frame pixel for pixel, or a larger frame (the window the science's is in).
 * Undefined for any other storage or geometry, for a source that is not a file on disk, and on a
 * big-endian host.
 */
export async function fileRowsOf(file: FitsFile, extname: string, kind: 'float32' | 'dq', context: ReferenceContext): Promise<FileRows | undefined> {
  const hdu = file.find(extname);
  const path = file.source.path;
  if (!hdu || hdu.kind !== 'image' || path === undefined || !FILE_WORDS_SWAPPED || hdu.shape.length < 2) return undefined;
  const [rows, cols] = hdu.shape.slice(-2);
  let window: { x0: number; y0: number } | undefined;
  try {
    window = windowOf(file, hdu, context) ?? (rows === context.science.ysize && cols === context.science.xsize ? { x0: 0, y0: 0 } : undefined);
  } catch {
    // (A science frame outside the reference: the step's own read says so.)
    return undefined;
  }
  if (!window) return undefined;
  const planes = hdu.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const rowsOf = { path, offset: hdu.dataOffset, planes, rows, cols };
  if (kind === 'float32') {
    const plain = hdu.bitpix === -32 && (hdu.header.getNumber('BSCALE') ?? 1) === 1 && (hdu.header.getNumber('BZERO') ?? 0) === 0;
    return plain ? fileRows(rowsOf, kind, false, undefined, window) : undefined;
  }
  const words = dqWords(hdu);
  if (!words) return undefined;
  // (Unknown DQ_DEF names were reported by the step's own read.)
  return fileRows(rowsOf, kind, words.unsigned, dqBitFlags(await readDqDefinitions(file), () => {}), window);
}

/**
 * Whether a DQ extension holds plain 32-bit words (BSCALE 1, BZERO 0, or 2^31 for unsigned),
 * which go from their stored bytes to flags in one pass; undefined for any other storage.
 */
export function dqWords(hdu: Hdu): { unsigned: boolean } | undefined {
  const bzero = hdu.header.getNumber('BZERO') ?? 0;
  if (hdu.bitpix !== 32 || (hdu.header.getNumber('BSCALE') ?? 1) !== 1 || (bzero !== 0 && bzero !== 2 ** 31)) return undefined;
  return { unsigned: bzero !== 0 };
}

/**
 * One block of a DQ extension (`index` and `rows` as readImage takes them) translated through
 * `bitFlags` (dqBitFlags) into `into`, its raw bytes through recycled memory. 32-bit words
 * (BZERO 0 or 2^31) go straight from their bytes in wasm when the kernels are loaded.
 */
export async function readDqBlockInto(file: FitsFile, hdu: Hdu, index: number[], rows: [number, number] | undefined, bitFlags: Uint32Array, into: Uint32Array): Promise<void> {
  const raw = allocShared(Uint8Array, into.length * (Math.abs(hdu.bitpix) / 8), { zeroed: false });
  try {
    const words = dqWords(hdu);
    if (words && kernelsLoaded()) {
      const { data } = await file.readImage(hdu, { index, rows, as: 'stored', rawInto: raw });
      translateStoredDq(data as Uint8Array, words.unsigned, bitFlags, into);
      return;
    }
    const { data } = await file.readImage(hdu, { index, rows, rawInto: raw });
    if (data instanceof BigInt64Array || data instanceof Float32Array || data instanceof Float64Array) {
      throw new FitsError(file.source.name, `${hdu.extname ?? `HDU ${hdu.index}`} holds ${data.constructor.name} values; DQ must be integers`);
    }
    translateDqBits(data, bitFlags, into);
  } finally {
    releaseShared(raw);
  }
}
