import { FitsError } from './errors.js';
import { BLOCK_SIZE, findEndCard, Header, CARD_LENGTH } from './header.js';
import {
  bytesPerPixel,
  convertToFloat,
  decodeInPlace,
  HOST_LITTLE_ENDIAN,
  inPlaceLayout,
  nativeFloatIs64,
  VALID_BITPIX,
  type FloatArray,
  type ImageArray,
  type Scaling,
} from './pixels.js';
import type { ByteSource } from './source.js';
import { decodeAsciiTable, decodeBinaryTable, type FitsTable } from './table.js';

export type { ImageArray } from './pixels.js';

export type HduKind = 'primary' | 'image' | 'bintable' | 'table';

export interface Hdu {
  /** Position in the file (0 = primary); HDUs of unknown XTENSION types are skipped but keep their number. */
  index: number;
  header: Header;
  kind: HduKind;
  extname: string | undefined;
  /** A missing EXTVER counts as 1. */
  extver: number;
  bitpix: number;
  /** numpy order: [NAXISn, ..., NAXIS1]. */
  shape: number[];
  headerOffset: number;
  dataOffset: number;
  /** Unpadded, heap included. */
  dataByteLength: number;
}

export type ReadAs = 'native' | 'float32' | 'float64' | 'stored';

export interface ReadImageOptions {
  /** Fixes the leading numpy axes: [i] = integration i of a 4-D cube, [i, g] = one plane. */
  index?: number[];
  /**
   * native: typed array by BITPIX with the unsigned conventions applied (BITPIX 16 + BZERO 32768 ->
   * Uint16Array, ...), other BZERO/BSCALE -> scaled Float32Array (BITPIX 8, 16, -32) or Float64Array (32, 64, -64).
   * float32 / float64: scaled values of any BITPIX; BLANK -> NaN.
   * stored: the bytes as the file stores them (big-endian, unscaled) in a Uint8Array, for
   * decoding elsewhere.
   */
  as?: ReadAs;
  /**
   * float32/float64 only: write into this array (of the matching type, at least as long as the block)
   * instead of a new one; `data` is then a view of its first pixels. Reusing a buffer across reads
   * spares the page faults of fresh memory, which cost as much as the conversion itself.
   */
  into?: Float32Array | Float64Array;
  /**
   * With `as: 'float32'` and `into`: float32 pixels stored unscaled may be left with their bytes
   * as the file has them (big-endian), read straight into `into` without a pass over them on this
   * thread; the result says whether they were (`fileOrder`). For consumers that reverse the bytes
   * themselves, e.g. a kernel's workers (TiledOptions.bigEndian).
   */
  fileOrder?: boolean;
  /**
   * Rows `[start, end)` of the next-to-last axis only, once `index` has fixed every axis before
   * it: a subarray's cut-out of a full-frame reference reads only the rows it needs.
   */
  rows?: [number, number];
  /**
   * native and stored only: read the raw bytes into this buffer (at least as long as the block,
   * byte offset a multiple of 8) and decode them there (native); `data` is then a view of it.
   */
  rawInto?: Uint8Array;
}

// Float conversions read chunks of this size into two alternating buffers: the next chunk's read
// overlaps the conversion of the current one, and the raw bytes stay in cache (bench/read-fits.mjs).
const CHUNK_BYTES = 1 << 20;
// Header blocks fetched per read while looking for END.
const HEADER_READ_BLOCKS = 4;

function hduLabel(index: number, extname: string | undefined): string {
  return extname ? `HDU ${index} (${extname})` : `HDU ${index}`;
}

function product(values: number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/**
 * Chunk buffers of float conversions, shared by all files and reused from read to read (see
 * readConverted); as many are kept as reads were in progress at once, up to a few.
 */
const idleChunkPairs: Uint8Array[][] = [];
const MAX_IDLE_CHUNK_PAIRS = 4;

export class FitsFile {
  readonly primary: Hdu;

  private constructor(
    readonly source: ByteSource,
    readonly hdus: Hdu[],
  ) {
    this.primary = hdus[0];
  }

  /** Reads the headers only (data is skipped) and checks that every HDU's data lies within the file. */
  static async open(source: ByteSource): Promise<FitsFile> {
    const hdus: Hdu[] = [];
    let offset = 0;
    // HDU 0 is always scanned, so that an empty source fails as "not a FITS file".
    for (let index = 0; index === 0 || offset < source.size; index++) {
      const scanned = await scanHdu(source, offset, index);
      if (!scanned) break;
      if (scanned.hdu) hdus.push(scanned.hdu);
      offset = scanned.nextOffset;
    }
    return new FitsFile(source, hdus);
  }

  private get name(): string {
    return this.source.name;
  }

  /** Case-insensitive EXTNAME; 'PRIMARY' also finds a primary HDU without EXTNAME. */
  find(extname: string, extver = 1): Hdu | undefined {
    const wanted = extname.trim().toUpperCase();
    const found = this.hdus.find((hdu) => hdu.extname?.toUpperCase() === wanted && hdu.extver === extver);
    if (found || wanted !== 'PRIMARY' || extver !== 1) return found;
    return this.primary.extname === undefined ? this.primary : undefined;
  }

  get(extname: string, extver = 1): Hdu {
    const hdu = this.find(extname, extver);
    if (!hdu) {
      const version = extver === 1 ? '' : ` with EXTVER=${extver}`;
      throw new FitsError(this.name, `no ${extname.toUpperCase()} extension${version}`);
    }
    return hdu;
  }

  async readImage(hdu: Hdu, options: ReadImageOptions = {}): Promise<{ data: ImageArray; shape: number[]; fileOrder?: true }> {
    const label = hduLabel(hdu.index, hdu.extname);
    if (hdu.kind !== 'primary' && hdu.kind !== 'image') {
      throw new FitsError(this.name, `${label} is a ${hdu.kind === 'bintable' ? 'BINTABLE' : 'TABLE'}, not an image`);
    }
    const index = options.index ?? [];
    if (index.length > hdu.shape.length || index.some((i, axis) => !Number.isInteger(i) || i < 0 || i >= hdu.shape[axis])) {
      throw new FitsError(this.name, `${label}: index [${index.join(', ')}] is outside shape [${hdu.shape.join(', ')}]`);
    }
    const shape = hdu.shape.slice(index.length);
    let first = 0;
    for (let axis = 0; axis < index.length; axis++) first += index[axis] * product(hdu.shape.slice(axis + 1));
    if (options.rows) {
      const [r0, r1] = options.rows;
      if (shape.length !== 2 || !Number.isInteger(r0) || !Number.isInteger(r1) || r0 < 0 || r1 < r0 || r1 > shape[0]) {
        throw new FitsError(this.name, `${label}: rows [${r0}, ${r1}) of a block of shape [${shape.join(', ')}]`);
      }
      first += r0 * shape[1];
      shape[0] = r1 - r0;
    }
    const count = hdu.shape.length === 0 ? 0 : product(shape);
    const bytesPer = bytesPerPixel(hdu.bitpix);
    const start = hdu.dataOffset + first * bytesPer;
    const scaling = imageScaling(hdu);
    const as = options.as ?? 'native';
    if (as === 'stored') {
      const raw = options.rawInto ? await this.readIntoRaw(start, count * bytesPer, options.rawInto) : await this.readAligned(start, count * bytesPer);
      return { data: raw, shape };
    }
    const target = options.into && checkedTarget(options.into, as, count);
    if (options.fileOrder && target instanceof Float32Array && hdu.bitpix === -32 && scaling.bzero === 0 && scaling.bscale === 1 && HOST_LITTLE_ENDIAN) {
      const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
      if (this.source.readInto) await this.source.readInto(start, bytes);
      else bytes.set(await this.source.read(start, bytes.length));
      return { data: target, shape, fileOrder: true };
    }

    // Float data already of the requested type decodes in place too (unless it must go into a given array).
    const inPlace = as === 'native' || (!target && ((as === 'float32' && hdu.bitpix === -32) || (as === 'float64' && hdu.bitpix === -64)));
    const layout = inPlace ? inPlaceLayout(hdu.bitpix, scaling, false) : undefined;
    if (layout) {
      const raw = options.rawInto ? await this.readIntoRaw(start, count * bytesPer, options.rawInto) : await this.readAligned(start, count * bytesPer);
      return { data: decodeInPlace(raw, hdu.bitpix, layout) as ImageArray, shape };
    }
    const float64 = as === 'float64' || (as === 'native' && nativeFloatIs64(hdu.bitpix));
    const out = target ?? (float64 ? new Float64Array(count) : new Float32Array(count));
    await this.readConverted(start, count, hdu.bitpix, scaling, out);
    return { data: out, shape };
  }

  /**
   * The stored bytes of one block of an image (`index` fixes its leading axes) into `into`, as
   * they are in the file: big-endian, unscaled. For decoding elsewhere, e.g. on worker threads.
   */
  async readRawBlock(hdu: Hdu, index: number[], into: Uint8Array): Promise<Uint8Array> {
    const label = hduLabel(hdu.index, hdu.extname);
    if ((hdu.kind !== 'primary' && hdu.kind !== 'image') || index.length > hdu.shape.length || index.some((i, axis) => !Number.isInteger(i) || i < 0 || i >= hdu.shape[axis])) {
      throw new FitsError(this.name, `${label}: no image block at index [${index.join(', ')}] of shape [${hdu.shape.join(', ')}]`);
    }
    const bytesPer = bytesPerPixel(hdu.bitpix);
    const blockPixels = product(hdu.shape.slice(index.length));
    let first = 0;
    for (let axis = 0; axis < index.length; axis++) first += index[axis] * product(hdu.shape.slice(axis + 1));
    const length = blockPixels * bytesPer;
    if (into.length < length) throw new RangeError(`readRawBlock: 'into' holds ${into.length} bytes, the block has ${length}`);
    const target = into.subarray(0, length);
    const start = hdu.dataOffset + first * bytesPer;
    if (this.source.readInto) await this.source.readInto(start, target);
    else target.set(await this.source.read(start, length));
    return target;
  }

  /** The unpadded data bytes (heap included), e.g. to pass an HDU through unchanged. */
  async readRawData(hdu: Hdu): Promise<Uint8Array> {
    return this.source.read(hdu.dataOffset, hdu.dataByteLength);
  }

  async readTable(hdu: Hdu): Promise<FitsTable> {
    const label = hduLabel(hdu.index, hdu.extname);
    if (hdu.kind !== 'bintable' && hdu.kind !== 'table') throw new FitsError(this.name, `${label} is not a table`);
    const [rows, rowBytes] = hdu.shape;
    const bytes = await this.source.read(hdu.dataOffset, rows * rowBytes);
    return hdu.kind === 'bintable'
      ? decodeBinaryTable(bytes, hdu.header, this.name, label)
      : decodeAsciiTable(bytes, hdu.header, this.name, label);
  }

  async close(): Promise<void> {
    await this.source.close();
  }

  /** Reads bytes the pixel codec may view as 32- and 64-bit words. */
  private async readAligned(offset: number, length: number): Promise<Uint8Array> {
    const bytes = await this.source.read(offset, length);
    return bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  }

  private async readIntoRaw(offset: number, length: number, buffer: Uint8Array): Promise<Uint8Array> {
    if (buffer.length < length || buffer.byteOffset % 8 !== 0) throw new RangeError(`readImage: 'rawInto' needs ${length} bytes at an 8-byte aligned offset`);
    const target = buffer.subarray(0, length);
    if (this.source.readInto) await this.source.readInto(offset, target);
    else target.set(await this.source.read(offset, length));
    return target;
  }

  /** Reads `count` pixels from `start` into `out`, chunk by chunk with the next read in flight. */
  private async readConverted(start: number, count: number, bitpix: number, scaling: Scaling, out: FloatArray): Promise<void> {
    const bytesPer = bytesPerPixel(bitpix);
    const chunkPixels = Math.max(1, Math.floor(CHUNK_BYTES / bytesPer));
    // A pair of chunk buffers per read in progress, kept for the next reads: a pipeline reading
    // row bands makes thousands of small reads, and fresh buffers for each were garbage.
    const buffers = idleChunkPairs.pop() ?? [new Uint8Array(CHUNK_BYTES), new Uint8Array(CHUNK_BYTES)];
    const readChunk = async (first: number, which: number): Promise<Uint8Array> => {
      const length = Math.min(chunkPixels, count - first) * bytesPer;
      const offset = start + first * bytesPer;
      if (!this.source.readInto) return this.readAligned(offset, length);
      const target = buffers[which].subarray(0, length);
      await this.source.readInto(offset, target);
      return target;
    };
    let pending = count > 0 ? readChunk(0, 0) : undefined;
    for (let first = 0, which = 0; pending; which ^= 1) {
      const bytes = await pending;
      const next = first + bytes.length / bytesPer;
      pending = next < count ? readChunk(next, which ^ 1) : undefined;
      convertToFloat(bytes, bitpix, scaling, out, first);
      first = next;
    }
    // Not after a failure: a read still in flight may write into them.
    if (idleChunkPairs.length < MAX_IDLE_CHUNK_PAIRS) idleChunkPairs.push(buffers);
  }
}

function checkedTarget(into: Float32Array | Float64Array, as: ReadAs, count: number): FloatArray {
  const wanted = as === 'float32' ? Float32Array : as === 'float64' ? Float64Array : undefined;
  if (!wanted || !(into instanceof wanted)) throw new TypeError(`readImage: 'into' needs as: 'float32' with a Float32Array or as: 'float64' with a Float64Array`);
  if (into.length < count) throw new RangeError(`readImage: 'into' holds ${into.length} pixels, the block has ${count}`);
  return into.subarray(0, count);
}

function imageScaling(hdu: Hdu): Scaling {
  const header = hdu.header;
  const integer = hdu.bitpix > 0;
  return {
    bzero: header.getNumber('BZERO') ?? 0,
    bscale: header.getNumber('BSCALE') ?? 1,
    blank: integer ? header.getNumber('BLANK') : undefined,
  };
}

/** Reads header blocks from `offset` until END; undefined when the bytes there are not an extension. */
async function readHeaderBytes(source: ByteSource, offset: number, index: number): Promise<Uint8Array | undefined> {
  let bytes = new Uint8Array(0);
  for (;;) {
    const length = Math.min(HEADER_READ_BLOCKS * BLOCK_SIZE, source.size - offset - bytes.length);
    const previousCards = bytes.length / CARD_LENGTH;
    if (length < BLOCK_SIZE) {
      if (index === 0 && bytes.length === 0) throw new FitsError(source.name, `not a FITS file: ${source.size} bytes, less than one 2880-byte block`);
      if (bytes.length === 0) return undefined; // trailing bytes after the last HDU
      throw new FitsError(source.name, `HDU ${index}: header has no END card before the end of the file (truncated?)`);
    }
    const more = await source.read(offset + bytes.length, Math.floor(length / BLOCK_SIZE) * BLOCK_SIZE);
    const joined = new Uint8Array(bytes.length + more.length);
    joined.set(bytes);
    joined.set(more, bytes.length);
    bytes = joined;
    if (previousCards === 0 && !startsHdu(bytes, index)) {
      if (index === 0) throw new FitsError(source.name, 'not a FITS file: it does not start with SIMPLE = T');
      return undefined;
    }
    const end = findEndCard(bytes, previousCards);
    if (end >= 0) return bytes.subarray(0, Math.ceil(((end + 1) * CARD_LENGTH) / BLOCK_SIZE) * BLOCK_SIZE);
  }
}

function startsHdu(bytes: Uint8Array, index: number): boolean {
  const key = String.fromCharCode(...bytes.subarray(0, 10));
  return index === 0 ? key === 'SIMPLE  = ' : key === 'XTENSION= ';
}

function requiredInt(header: Header, key: string, fileName: string, label: string, min: number): number {
  const value = header.getInt(key);
  if (value === undefined) throw new FitsError(fileName, `${label}: ${key} is missing or not an integer`);
  if (value < min) throw new FitsError(fileName, `${label}: ${key} = ${value} is invalid (must be at least ${min})`);
  return value;
}

/** BITPIX, NAXISn (FITS order) and unpadded data size a header describes; FitsError when unusable. */
export function describeData(header: Header, fileName: string, label: string, primary: boolean): { bitpix: number; axes: number[]; dataByteLength: number } {
  const bitpix = header.getInt('BITPIX');
  if (bitpix === undefined || !(VALID_BITPIX as readonly number[]).includes(bitpix)) {
    throw new FitsError(fileName, `${label}: unsupported BITPIX ${header.get('BITPIX') ?? '(missing)'} (must be 8, 16, 32, 64, -32 or -64)`);
  }
  const naxis = requiredInt(header, 'NAXIS', fileName, label, 0);
  if (naxis > 999) throw new FitsError(fileName, `${label}: NAXIS = ${naxis} is invalid (at most 999)`);
  const axes: number[] = [];
  for (let n = 1; n <= naxis; n++) axes.push(requiredInt(header, `NAXIS${n}`, fileName, label, 0));
  const pcount = header.getInt('PCOUNT') ?? 0;
  const gcount = header.getInt('GCOUNT') ?? 1;
  // Random-groups primaries (NAXIS1 = 0, GROUPS = T) do not count NAXIS1.
  const groups = primary && header.getBool('GROUPS') === true && axes[0] === 0;
  const pixels = naxis === 0 ? 0 : product(groups ? axes.slice(1) : axes);
  return { bitpix, axes, dataByteLength: bytesPerPixel(bitpix) * gcount * (pcount + pixels) };
}

/** One HDU's header and data extent; hdu is undefined for extension types this reader skips. */
async function scanHdu(source: ByteSource, offset: number, index: number): Promise<{ hdu?: Hdu; nextOffset: number } | undefined> {
  const fileName = source.name;
  const headerBytes = await readHeaderBytes(source, offset, index);
  if (!headerBytes) return undefined;
  const { header, byteLength } = Header.parse(headerBytes, fileName);
  const extname = header.getString('EXTNAME')?.trim() || undefined;
  const label = hduLabel(index, extname);

  const { bitpix, axes, dataByteLength } = describeData(header, fileName, label, index === 0);
  const dataOffset = offset + byteLength;
  if (dataOffset + dataByteLength > source.size) {
    throw new FitsError(
      fileName,
      `${label}: data ends at byte ${dataOffset + dataByteLength} but the file has ${source.size} bytes (truncated?)`,
    );
  }
  const nextOffset = dataOffset + Math.ceil(dataByteLength / BLOCK_SIZE) * BLOCK_SIZE;

  let kind: HduKind;
  if (index === 0) {
    kind = 'primary';
  } else {
    const xtension = header.getString('XTENSION')?.trim().toUpperCase();
    if (xtension === 'IMAGE') kind = 'image';
    else if (xtension === 'BINTABLE' || xtension === 'A3DTABLE') kind = 'bintable';
    else if (xtension === 'TABLE') kind = 'table';
    else return { nextOffset };
  }
  const hdu: Hdu = {
    index,
    header,
    kind,
    extname,
    extver: header.getInt('EXTVER') ?? 1,
    bitpix,
    shape: axes.slice().reverse(),
    headerOffset: offset,
    dataOffset,
    dataByteLength,
  };
  return { hdu, nextOffset };
}
