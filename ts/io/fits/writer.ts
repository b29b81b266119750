import { addSums, CHECKSUM_PLACEHOLDER, encodeChecksum, onesComplementSum, OnesComplementSum } from './checksum.js';
import { FitsError } from './errors.js';
import { BLOCK_SIZE, Header, type Card } from './header.js';
import { encodePixels, storageFor, type ImageArray } from './pixels.js';
import { describeData } from './reader.js';
import { encodeBinaryTable, type TableColumnSpec } from './table.js';

export type WritableHdu =
  /** The first HDU is the primary. No data -> NAXIS = 0; shape defaults to [data.length]. */
  | { kind: 'image'; header: Header; data?: ImageArray; shape?: number[] }
  | { kind: 'bintable'; header: Header; columns: TableColumnSpec[]; nrows: number }
  /** Header written as given (structural keywords included) followed by the data: byte-exact pass-through. */
  | { kind: 'raw'; header: Header; data: Uint8Array };

export interface FitsWriteOptions {
  /** Write DATASUM and CHECKSUM (default true); otherwise any present are dropped, being stale. */
  checksum?: boolean;
  /** Names the output in error messages. */
  name?: string;
  /** A faster encoder of the pixels streamed in slices (the wasm kernels give one). */
  encoder?: PixelEncoder;
}

/**
 * Writes pixels as the file stores them (big-endian, BZERO conventions) into `target` and
 * returns the ones'-complement sum of the 32-bit words written, or undefined, having written
 * nothing, for pixels it does not handle (the writer's own codec does those).
 */
export interface PixelEncoder {
  encode(pixels: ImageArray, target: Uint8Array): number | undefined;
}

/** Where FitsStreamWriter puts bytes. writeAt (positioned write) lets it patch checksums into headers. */
export interface FitsSink {
  write(bytes: Uint8Array): Promise<void>;
  writeAt?(offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * True when the sink is done with the bytes once write() resolves (it wrote or copied them):
   * the writer then encodes pixels into two reused buffers, one being written while the next is
   * encoded. Otherwise every piece is a new array the sink may keep.
   */
  readonly releasesWritten?: boolean;
}

export type ImageDtype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float32' | 'float64';

const DTYPE_ARRAYS: Record<ImageDtype, new (length: number) => ImageArray> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
};

const DEFAULT_NAME = 'output';
/** Pixels per slice when streaming an image HDU (4 MiB of float32). */
const STREAM_SLICE_PIXELS = 1 << 20;

/** Bytes an HDU part of `length` bytes takes in the file: whole 2880-byte blocks. */
export function paddedLength(length: number): number {
  return Math.ceil(length / BLOCK_SIZE) * BLOCK_SIZE;
}

// Keywords the writer derives from the data; the caller's copies (e.g. from a header read from a
// file) are dropped. Column keywords of columns that no longer exist are dropped too.
const STRUCTURAL = new Set(['SIMPLE', 'XTENSION', 'BITPIX', 'NAXIS', 'EXTEND', 'PCOUNT', 'GCOUNT', 'GROUPS', 'BZERO', 'BSCALE', 'TFIELDS', 'THEAP', 'CHECKSUM', 'DATASUM', 'END']);
const WRITER_COLUMN_KEYS = /^(TTYPE|TFORM|TUNIT|TZERO|TSCAL)\d+$/;
const OTHER_COLUMN_KEYS = /^(TNULL|TDIM|TDISP|TBCOL)(\d+)$/;

function callerCards(header: Header, columnCount: number, floatData: boolean): Card[] {
  return header.cards.filter((card) => {
    const key = card.key;
    if (STRUCTURAL.has(key) || /^NAXIS\d+$/.test(key) || WRITER_COLUMN_KEYS.test(key)) return false;
    if (key === 'BLANK' && floatData) return false;
    const column = OTHER_COLUMN_KEYS.exec(key);
    return !column || Number(column[2]) <= columnCount;
  });
}

function imageCards(primary: boolean, bitpix: number, shape: number[], bzero: number | bigint): Card[] {
  const cards: Card[] = primary
    ? [{ key: 'SIMPLE', value: true, comment: 'conforms to FITS standard' }]
    : [{ key: 'XTENSION', value: 'IMAGE', comment: 'Image extension' }];
  cards.push({ key: 'BITPIX', value: bitpix, comment: 'array data type' }, { key: 'NAXIS', value: shape.length, comment: 'number of array dimensions' });
  shape
    .slice()
    .reverse()
    .forEach((length, i) => cards.push({ key: `NAXIS${i + 1}`, value: length }));
  if (primary) cards.push({ key: 'EXTEND', value: true });
  else cards.push({ key: 'PCOUNT', value: 0, comment: 'number of parameters' }, { key: 'GCOUNT', value: 1, comment: 'number of groups' });
  if (bzero !== 0) cards.push({ key: 'BSCALE', value: 1 }, { key: 'BZERO', value: bzero });
  return cards;
}

/** Pixels in an image of this shape (0 for NAXIS = 0); FitsError unless the axes are valid lengths. */
function pixelCount(shape: number[], name: string, label: string): number {
  if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new FitsError(name, `${label}: invalid shape [${shape.join(', ')}]`);
  return shape.length === 0 ? 0 : shape.reduce((a, b) => a * b, 1);
}

/** Sets DATASUM and a CHECKSUM that makes header + data sum to -0; returns the header bytes. */
export function sealHeader(header: Header, dataSum: number): Uint8Array {
  header.set('DATASUM', String(dataSum), header.has('DATASUM') ? undefined : 'data unit checksum');
  header.set('CHECKSUM', CHECKSUM_PLACEHOLDER, header.has('CHECKSUM') ? undefined : 'HDU checksum');
  const total = addSums(onesComplementSum(header.toBytes()), dataSum);
  header.set('CHECKSUM', encodeChecksum(~total >>> 0));
  return header.toBytes();
}

/**
 * The header of an image HDU whose pixels come later: its structural cards, the caller's, and,
 * with `checksum`, DATASUM/CHECKSUM placeholders whose cards sealHeader fills without moving
 * anything (the header keeps its size, so the data's place in the file is known before it is).
 */
export function streamedImageHeader(header: Header, dtype: ImageDtype, shape: number[], primary: boolean, checksum: boolean): Header {
  const { bitpix, bzero } = storageFor(new DTYPE_ARRAYS[dtype](0));
  const imageHeader = new Header([...imageCards(primary, bitpix, shape, bzero), ...callerCards(header, 0, bitpix < 0)]);
  if (checksum) {
    imageHeader.set('DATASUM', '0', 'data unit checksum');
    imageHeader.set('CHECKSUM', CHECKSUM_PLACEHOLDER, 'HDU checksum');
  }
  return imageHeader;
}

/** Header and padded data of one HDU; `index` 0 is the primary. */
export function encodeHdu(hdu: WritableHdu, index: number, checksum: boolean, name: string): Uint8Array[] {
  const primary = index === 0;
  const label = `HDU ${index}`;
  let header: Header;
  let data: Uint8Array;
  if (hdu.kind === 'image') {
    const pixels = hdu.data;
    const shape = pixels ? (hdu.shape ?? [pixels.length]) : [];
    if (pixels && pixelCount(shape, name, label) !== pixels.length) {
      throw new FitsError(name, `${label}: shape [${shape.join(', ')}] does not match ${pixels.length} pixels`);
    }
    const { bitpix, bzero } = pixels ? storageFor(pixels) : { bitpix: 8, bzero: 0 };
    header = new Header([...imageCards(primary, bitpix, shape, bzero), ...callerCards(hdu.header, 0, bitpix < 0)]);
    data = new Uint8Array(paddedLength(pixels?.byteLength ?? 0));
    if (pixels) encodePixels(pixels, data.subarray(0, pixels.byteLength));
  } else if (hdu.kind === 'bintable') {
    if (primary) throw new FitsError(name, 'the first HDU must be an image (the primary HDU), not a BINTABLE');
    const table = encodeBinaryTable(hdu.columns, hdu.nrows);
    const structure: Card[] = [
      { key: 'XTENSION', value: 'BINTABLE', comment: 'binary table extension' },
      { key: 'BITPIX', value: 8, comment: 'array data type' },
      { key: 'NAXIS', value: 2, comment: 'number of array dimensions' },
      { key: 'NAXIS1', value: table.rowBytes, comment: 'length of dimension 1' },
      { key: 'NAXIS2', value: hdu.nrows, comment: 'length of dimension 2' },
      { key: 'PCOUNT', value: 0, comment: 'number of group parameters' },
      { key: 'GCOUNT', value: 1, comment: 'number of groups' },
    ];
    header = new Header([...structure, ...table.cards, ...callerCards(hdu.header, hdu.columns.length, false)]);
    data = new Uint8Array(paddedLength(table.data.length));
    data.set(table.data);
  } else {
    header = hdu.header.clone();
    const firstKey = header.cards[0]?.key;
    if (firstKey !== (primary ? 'SIMPLE' : 'XTENSION')) {
      throw new FitsError(name, `${label}: a raw ${primary ? 'primary' : 'extension'} header must start with ${primary ? 'SIMPLE' : 'XTENSION'}`);
    }
    const expected = describeData(header, name, label, primary).dataByteLength;
    if (expected !== hdu.data.length) {
      throw new FitsError(name, `${label}: raw data has ${hdu.data.length} bytes but its header describes ${expected}`);
    }
    data = new Uint8Array(paddedLength(hdu.data.length));
    data.set(hdu.data);
  }
  if (!checksum) {
    header.delete('CHECKSUM');
    header.delete('DATASUM');
    return [header.toBytes(), data];
  }
  return [sealHeader(header, onesComplementSum(data)), data];
}

/** Encodes a whole FITS file in memory; every chunk is a multiple of 2880 bytes. */
export function encodeFits(hdus: WritableHdu[], options: FitsWriteOptions = {}): Uint8Array[] {
  const name = options.name ?? DEFAULT_NAME;
  if (hdus.length === 0) throw new FitsError(name, 'a FITS file needs at least a primary HDU');
  return hdus.flatMap((hdu, index) => encodeHdu(hdu, index, options.checksum ?? true, name));
}

interface OpenImage {
  header: Header;
  headerOffset: number;
  arrayType: new (length: number) => ImageArray;
  dtype: ImageDtype;
  expected: number;
  written: number;
  byteLength: number;
  sum: OnesComplementSum;
  label: string;
}

/**
 * Writes a FITS file HDU by HDU, and image data piece by piece (plane, integration...), so that big
 * products never sit whole in memory.
 *
 * Checksums: the image header goes out first with placeholder DATASUM/CHECKSUM cards; DATASUM is summed
 * as pixels pass through and the header (same size) is rewritten in place at the end. That needs a sink
 * with writeAt; the alternative, summing the data before writing the header, would need the whole
 * image up front or a second pass over its source, which is what streaming is meant to avoid.
 */
export class FitsStreamWriter {
  private position = 0;
  private hduCount = 0;
  private image: OpenImage | undefined;
  private readonly checksum: boolean;
  private readonly name: string;
  private readonly encoder: PixelEncoder | undefined;
  /** The pixel write still in flight (sinks that release what they wrote). */
  private inFlight: Promise<void> | undefined;
  /** Encoding buffers reused in turn (sinks that release what they wrote). */
  private readonly scratch: Uint8Array[] = [];
  private nextScratch = 0;

  constructor(
    private readonly sink: FitsSink,
    options: FitsWriteOptions = {},
  ) {
    this.checksum = options.checksum ?? true;
    this.name = options.name ?? DEFAULT_NAME;
    this.encoder = options.encoder;
    if (this.checksum && !sink.writeAt) {
      throw new TypeError('FitsStreamWriter: checksums need a sink with writeAt (to patch headers); pass { checksum: false } otherwise');
    }
  }

  /** Bytes written so far. */
  get size(): number {
    return this.position;
  }

  private async emit(bytes: Uint8Array): Promise<void> {
    await this.settle();
    await this.sink.write(bytes);
    this.position += bytes.length;
  }

  /** Starts writing pixels without waiting for them, after the previous such write is done. */
  private async emitOverlapped(bytes: Uint8Array): Promise<void> {
    await this.settle();
    const writing = this.sink.write(bytes);
    // Handled here so that a failure nobody awaits yet is not an unhandled rejection; settle() rethrows it.
    writing.catch(() => {});
    this.inFlight = writing;
    this.position += bytes.length;
  }

  private async settle(): Promise<void> {
    const writing = this.inFlight;
    this.inFlight = undefined;
    await writing;
  }

  /** A buffer for `byteLength` encoded bytes: a reused one when the sink allows, else a new one. */
  private encodingBuffer(byteLength: number): Uint8Array {
    if (!this.sink.releasesWritten) return new Uint8Array(byteLength);
    const which = this.nextScratch;
    this.nextScratch ^= 1;
    // As large as the largest piece so far (a slice of float32 takes half a slice of float64).
    if (!this.scratch[which] || this.scratch[which].length < byteLength) this.scratch[which] = new Uint8Array(byteLength);
    return this.scratch[which].subarray(0, byteLength);
  }

  private checkNoOpenImage(action: string): void {
    if (this.image) {
      const { label, written, expected } = this.image;
      throw new FitsError(this.name, `cannot ${action}: ${label} has ${written} of its ${expected} pixels`);
    }
  }

  /**
   * Writes a complete HDU. Large images go through beginImage/writePixels in slices, so the
   * big-endian copy of a cube never exists whole (the output is the same bytes).
   */
  async writeHdu(hdu: WritableHdu): Promise<void> {
    this.checkNoOpenImage('write an HDU');
    if (hdu.kind === 'image' && hdu.data && hdu.data.length > STREAM_SLICE_PIXELS) {
      const { data } = hdu;
      const dtype = (Object.keys(DTYPE_ARRAYS) as ImageDtype[]).find((d) => data instanceof DTYPE_ARRAYS[d])!;
      await this.beginImage(hdu.header, dtype, hdu.shape ?? [data.length]);
      if (data.length !== this.image?.expected) {
        const expected = this.image?.expected ?? 0;
        this.image = undefined;
        throw new FitsError(this.name, `HDU ${this.hduCount - 1}: shape [${hdu.shape?.join(', ')}] does not match ${data.length} pixels (needs ${expected})`);
      }
      for (let start = 0; start < data.length; start += STREAM_SLICE_PIXELS) {
        await this.writePixels(data.subarray(start, start + STREAM_SLICE_PIXELS));
      }
      return;
    }
    const chunks = encodeHdu(hdu, this.hduCount, this.checksum, this.name);
    this.hduCount++;
    for (const chunk of chunks) await this.emit(chunk);
  }

  /** Starts an image HDU whose pixels follow through writePixels, in FITS order (numpy C order). */
  async beginImage(header: Header, dtype: ImageDtype, shape: number[]): Promise<void> {
    this.checkNoOpenImage('begin an image');
    const label = `HDU ${this.hduCount}`;
    const expected = pixelCount(shape, this.name, label);
    const arrayType = DTYPE_ARRAYS[dtype];
    const imageHeader = streamedImageHeader(header, dtype, shape, this.hduCount === 0, this.checksum);
    const headerOffset = this.position;
    await this.emit(imageHeader.toBytes());
    this.hduCount++;
    const byteLength = expected * new arrayType(0).BYTES_PER_ELEMENT;
    this.image = { header: imageHeader, headerOffset, arrayType, dtype, expected, written: 0, byteLength, sum: new OnesComplementSum(), label };
    if (expected === 0) await this.endImage(this.image);
  }

  /** Appends the next pixels of the image begun by beginImage; the HDU closes itself when complete. */
  async writePixels(pixels: ImageArray): Promise<void> {
    const image = this.image;
    if (!image) throw new FitsError(this.name, 'writePixels without beginImage');
    if (!(pixels instanceof image.arrayType)) {
      throw new FitsError(this.name, `${image.label}: pixels must be a ${image.arrayType.name} (dtype ${image.dtype})`);
    }
    if (image.written + pixels.length > image.expected) {
      throw new FitsError(this.name, `${image.label}: ${image.written + pixels.length} pixels written, more than the ${image.expected} of its shape`);
    }
    for (let start = 0; start < pixels.length; start += STREAM_SLICE_PIXELS) {
      const piece = pixels.subarray(start, start + STREAM_SLICE_PIXELS);
      const bytes = this.encodingBuffer(piece.byteLength);
      // Pieces of 4-byte pixels are whole words, so their sums add up as the file's do.
      const sum = this.encoder?.encode(piece, bytes);
      if (sum === undefined) {
        encodePixels(piece, bytes);
        image.sum.update(bytes);
      } else {
        image.sum.addWords(sum);
      }
      if (this.sink.releasesWritten) await this.emitOverlapped(bytes);
      else await this.emit(bytes);
      image.written += piece.length;
    }
    if (image.written === image.expected) await this.endImage(image);
  }

  private async endImage(image: OpenImage): Promise<void> {
    this.image = undefined;
    const padding = paddedLength(image.byteLength) - image.byteLength;
    if (padding > 0) await this.emit(new Uint8Array(padding));
    if (this.checksum && this.sink.writeAt) {
      await this.settle();
      await this.sink.writeAt(image.headerOffset, sealHeader(image.header, image.sum.value));
    }
  }

  /** Checks that the file is complete: at least one HDU and no image waiting for pixels. */
  async finish(): Promise<void> {
    await this.settle();
    this.checkNoOpenImage('finish');
    if (this.hduCount === 0) throw new FitsError(this.name, 'a FITS file needs at least a primary HDU');
  }
}

/** An in-memory sink (e.g. for a browser Blob); keeps the arrays it is given. */
export class ChunkSink implements FitsSink {
  readonly chunks: Uint8Array[] = [];
  private size = 0;

  async write(bytes: Uint8Array): Promise<void> {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  async writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset + bytes.length > this.size) throw new RangeError(`writeAt ${offset}+${bytes.length} past the ${this.size} bytes written`);
    let chunkStart = 0;
    for (const chunk of this.chunks) {
      const from = Math.max(offset, chunkStart);
      const to = Math.min(offset + bytes.length, chunkStart + chunk.length);
      if (from < to) chunk.set(bytes.subarray(from - offset, to - offset), from - chunkStart);
      chunkStart += chunk.length;
    }
  }

  /** The chunks joined into one array. */
  concat(): Uint8Array {
    const joined = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    return joined;
  }
}
