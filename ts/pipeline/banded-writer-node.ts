/**
 * `_rate` and `_rateints` written band by band, in any order: the file's layout is fixed by the
 * headers and shapes, so each band of rows goes straight to its place, and no plane is ever
 * whole in memory. The file is byte for byte what `writeModel` writes for the filled model.
 */
import { basename } from 'node:path';
import { addSums, FitsError, onesComplementSum, type Header, type PixelEncoder } from '../io/fits/index.js';
import { encodeHdu, paddedLength, sealHeader, streamedImageHeader } from '../io/fits/writer.js';
import { encodePixels } from '../io/fits/pixels.js';
import { AtomicFileSink } from '../io/fits/node.js';
import { modelHdus } from '../datamodels/fits-models.js';
import type { CubeModel, ImageModel } from '../datamodels/models.js';
import { fitsPixelEncoder } from '../kernels/fits-words.js';
import type { ProductFile } from '../pool/chain-band.js';
import { RATEINTS_KEYS, type ProductRowsWriter, type RateintsRows } from './spill.js';

/** The image extensions of `_rate`/`_rateints` and the arrays that fill them. */
export const RATE_EXTENSIONS: Record<string, keyof RateintsRows> = { SCI: 'data', ERR: 'err', DQ: 'dq', VAR_POISSON: 'varPoisson', VAR_RNOISE: 'varRnoise' };

/** Every streamed array holds 4-byte pixels (float32, uint32). */
const PIXEL_BYTES = 4;
/** Missing row ranges named in commit's error before it only counts the rest. */
const MISSING_RANGES_SHOWN = 8;

interface StreamedImage {
  key: keyof RateintsRows;
  /** Final but for DATASUM/CHECKSUM, sealed at commit (same size). */
  header: Header;
  headerOffset: number;
  dataOffset: number;
  /** Ones' complement sum of the bands written so far. */
  dataSum: number;
}

/** Bytes of a band's arrays up to which they are encoded side by side and written at once. */
const TOGETHER_BYTES = 2 ** 18;

/** States of a row of an integration in `written`. */
const UNWRITTEN = 0;
const WRITING = 2;
const WRITTEN = 1;

export class BandedProductWriter implements ProductRowsWriter {
  /** Per integration and row: whether the row (of every array) is in the file. */
  private readonly written: Uint8Array;
  /** The encoding buffer of large bands, one array at a time (grown to the tallest band). */
  private buffer = new Uint8Array(0);
  /** Buffers of small bands whose writes have ended, for the next ones. */
  private readonly spare: Uint8Array[] = [];
  /** The bands start in turn (large ones share the buffer). Never rejects (each caller gets its own failure). */
  private queue: Promise<void> = Promise.resolve();
  /** Every band's writes under way, settled or not (never rejects). */
  private readonly writing = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly sink: AtomicFileSink,
    private readonly images: StreamedImage[],
    private readonly nints: number,
    private readonly rows: number,
    private readonly cols: number,
    private readonly encoder: PixelEncoder | undefined,
    /** DATE of the file, kept for a rewritten primary header. */
    private readonly date: Date,
    private readonly primaryLength: number,
  ) {
    this.written = new Uint8Array(nints * rows);
  }

  /**
   * Lays out the file at `path` (a temporary file until commit): the HDUs that are not rows
   * (primary, INT_TIMES, ASDF) are written whole now, the images' headers with placeholder
   * checksums, their padding as zeros. `skeleton` is the final model but for its image arrays,
   * which are not read (zero-length stand-ins); `date` is DATE's value, as for writeModel.
   */
  static async create(path: string, skeleton: ImageModel | CubeModel, date = new Date()): Promise<BandedProductWriter> {
    const nints = skeleton.model === 'CubeModel' ? skeleton.shape[0] : 1;
    const [rows, cols] = skeleton.shape.slice(-2);
    const sink = await AtomicFileSink.create(path);
    try {
      const images: StreamedImage[] = [];
      let offset = 0;
      let primaryLength = 0;
      for (const [index, hdu] of modelHdus(skeleton, { fileName: basename(path), date }).entries()) {
        const key = hdu.kind === 'image' ? RATE_EXTENSIONS[hdu.header.getString('EXTNAME') ?? ''] : undefined;
        if (!key || hdu.kind !== 'image') {
          for (const chunk of encodeHdu(hdu, index, true, path)) {
            await sink.writeAt(offset, chunk);
            offset += chunk.length;
          }
          if (index === 0) primaryLength = offset;
          continue;
        }
        const headerOffset = offset;
        const header = streamedImageHeader(hdu.header, key === 'dq' ? 'uint32' : 'float32', hdu.shape!, index === 0, true);
        const headerBytes = header.toBytes();
        await sink.writeAt(headerOffset, headerBytes);
        const dataOffset = headerOffset + headerBytes.length;
        const dataBytes = nints * rows * cols * PIXEL_BYTES;
        offset = dataOffset + paddedLength(dataBytes);
        // The padding: no band writes it.
        if (offset > dataOffset + dataBytes) await sink.writeAt(dataOffset + dataBytes, new Uint8Array(offset - dataOffset - dataBytes));
        images.push({ key, header, headerOffset, dataOffset, dataSum: 0 });
      }
      return new BandedProductWriter(path, sink, images, nints, rows, cols, fitsPixelEncoder(), date, primaryLength);
    } catch (error) {
      await sink.abort();
      throw error;
    }
  }

  /**
   * Rows `row0 ..< row0 + n` of every array of integration `integration` (0 for `_rate`), each
   * array `n * cols` long. Bands come in any order, also concurrently (they are encoded in turn;
   * small bands' writes overlap); the arrays are read until the returned promise settles. A row
   * is written once. With `sums`, the arrays hold the file's words already (big-endian, DQ with
   * BZERO 2^31) and these are their ones'-complement sums: they are written as they are.
   */
  async writeRows(integration: number, row0: number, rows: RateintsRows, sums?: Record<keyof RateintsRows, number>): Promise<void> {
    if (this.closed) throw new FitsError(this.path, 'rows written after commit or abort');
    const n = this.checkBand(integration, row0, rows);
    const started = this.queue.then(() => this.startBand(integration, row0, n, rows, sums));
    // The next band is encoded once this one's writes are under way.
    this.queue = started.then(
      () => {},
      () => {},
    );
    const writing = started.then(({ writes }) => writes);
    const settled = writing.then(
      () => {},
      () => {},
    );
    this.writing.add(settled);
    void settled.then(() => this.writing.delete(settled));
    return writing;
  }

  /** The band's height; RangeError unless it is whole rows inside the product, the same in every array. */
  private checkBand(integration: number, row0: number, rows: RateintsRows): number {
    if (!Number.isInteger(integration) || integration < 0 || integration >= this.nints) {
      throw new RangeError(`${this.path}: integration ${integration} is out of range 0..${this.nints - 1}`);
    }
    const n = rows.data.length / this.cols;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`${this.path}: a band of ${rows.data.length} values is not whole rows of ${this.cols}`);
    }
    if (!Number.isInteger(row0) || row0 < 0 || row0 + n > this.rows) {
      throw new RangeError(`${this.path}: rows ${row0}..<${row0 + n} are outside the image's ${this.rows} rows`);
    }
    for (const { key } of this.images) {
      if (rows[key].length !== rows.data.length) {
        throw new RangeError(`${this.path}: ${key} has ${rows[key].length} values, data ${rows.data.length}: a band needs the same rows of every array`);
      }
    }
    return n;
  }

  /**
   * Claims the band's rows and encodes them; resolves once the encoding is done (and, for large
   * bands, their writes), to the promise of the writes (in an object: an async function would
   * wait for it). The rows count as written, and their sums as added, when every write has
   * succeeded; a failed band may be written again.
   */
  private async startBand(integration: number, row0: number, n: number, rows: RateintsRows, given?: Record<keyof RateintsRows, number>): Promise<{ writes: Promise<void> }> {
    const flags = this.written.subarray(integration * this.rows + row0, integration * this.rows + row0 + n);
    if (flags.some((flag) => flag !== UNWRITTEN)) {
      throw new RangeError(`${this.path}: rows ${row0}..<${row0 + n} of integration ${integration} overlap rows already written`);
    }
    flags.fill(WRITING);
    const byteLength = n * this.cols * PIXEL_BYTES;
    // Small bands: every array's rows encoded side by side into a buffer of their own and written
    // at once, while the next band is encoded (one write after another cost a thread pool round
    // trip each: a 10-integration NIRCam SUB640 fit writes 55 bands of 4 rows per band it fits).
    // Large ones: one array at a time through the writer's buffer. Rows given encoded are
    // written from their own arrays, side by side.
    const together = given !== undefined || this.images.length * byteLength <= TOGETHER_BYTES;
    const buffer = given ? undefined : together ? this.spareBuffer(this.images.length * byteLength) : this.growBuffer(byteLength);
    // Each band starts on a 4-byte word of its HDU's data, so the bands' sums add up in any order.
    const sums: number[] = [];
    const encoded = (k: number): Uint8Array => {
      const pixels = rows[this.images[k].key];
      if (given) {
        sums.push(given[this.images[k].key]);
        return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
      }
      const bytes = buffer!.subarray(together ? k * byteLength : 0, (together ? k + 1 : 1) * byteLength);
      let sum = this.encoder?.encode(pixels, bytes);
      if (sum === undefined) {
        encodePixels(pixels, bytes);
        sum = onesComplementSum(bytes);
      }
      sums.push(sum);
      return bytes;
    };
    const offset = (k: number) => this.images[k].dataOffset + (integration * this.rows + row0) * this.cols * PIXEL_BYTES;
    const done = () => {
      for (const [k, image] of this.images.entries()) image.dataSum = addSums(image.dataSum, sums[k]);
      flags.fill(WRITTEN);
    };
    try {
      if (!together) {
        for (let k = 0; k < this.images.length; k++) await this.sink.writeAt(offset(k), encoded(k));
        done();
        return { writes: Promise.resolve() };
      }
      const parts = this.images.map((_, k) => encoded(k));
      const writes = Promise.allSettled(parts.map((bytes, k) => this.sink.writeAt(offset(k), bytes))).then((results) => {
        if (buffer) this.spare.push(buffer);
        const failed = results.find((result) => result.status === 'rejected');
        if (failed) {
          flags.fill(UNWRITTEN);
          throw failed.reason;
        }
        done();
      });
      return { writes };
    } catch (error) {
      flags.fill(UNWRITTEN);
      throw error;
    }
  }

  /** The writer's buffer, at least `length` bytes. */
  private growBuffer(length: number): Uint8Array {
    if (this.buffer.length < length) this.buffer = new Uint8Array(length);
    return this.buffer;
  }

  /** A buffer of exactly `length` bytes of one no band under way uses (given back to `spare` when its writes end). */
  private spareBuffer(length: number): Uint8Array {
    const at = this.spare.findIndex((buffer) => buffer.buffer.byteLength >= length);
    const buffer = at >= 0 ? this.spare.splice(at, 1)[0] : new Uint8Array(length);
    return new Uint8Array(buffer.buffer, 0, length);
  }

  /**
   * The temporary file and its arrays' data offsets, for another thread to write encoded rows
   * into (then counted by `recordWrittenRows`); undefined unless the product has every array.
   */
  fileTarget(): ProductFile | undefined {
    if (this.closed || !RATEINTS_KEYS.every((key) => this.images.some((image) => image.key === key))) return undefined;
    const offsets = Object.fromEntries(this.images.map(({ key, dataOffset }) => [key, dataOffset])) as ProductFile['offsets'];
    return { path: this.sink.tempPath, rows: this.rows, cols: this.cols, offsets };
  }

  /**
   * Counts rows `row0 ..< row0 + n` of integration `integration` as written: another thread has
   * written them into `fileTarget()`'s file as the file's words, whose ones'-complement sums are `sums`.
   */
  recordWrittenRows(integration: number, row0: number, n: number, sums: Record<keyof RateintsRows, number>): void {
    if (this.closed) throw new FitsError(this.path, 'rows recorded after commit or abort');
    if (!Number.isInteger(integration) || integration < 0 || integration >= this.nints || !Number.isInteger(row0) || !Number.isInteger(n) || n < 1 || row0 < 0 || row0 + n > this.rows) {
      throw new RangeError(`${this.path}: rows ${row0}..<${row0 + n} of integration ${integration} are outside the product's ${this.nints} x ${this.rows} rows`);
    }
    const flags = this.written.subarray(integration * this.rows + row0, integration * this.rows + row0 + n);
    if (flags.some((flag) => flag !== UNWRITTEN)) {
      throw new RangeError(`${this.path}: rows ${row0}..<${row0 + n} of integration ${integration} overlap rows already written`);
    }
    for (const image of this.images) image.dataSum = addSums(image.dataSum, sums[image.key]);
    flags.fill(WRITTEN);
  }

  /**
   * Rewrites the primary header from `final`, the skeleton again with keywords known only at the
   * end (e.g. PRIMECRS): true when done, false (nothing written) when its cards take other blocks
   * than the header written at creation, which the images follow.
   */
  async replacePrimaryHeader(final: ImageModel | CubeModel): Promise<boolean> {
    if (this.closed) throw new FitsError(this.path, 'primary header replaced after commit or abort');
    const chunks = encodeHdu(modelHdus(final, { fileName: basename(this.path), date: this.date })[0], 0, true, this.path);
    if (chunks.reduce((sum, chunk) => sum + chunk.length, 0) !== this.primaryLength) return false;
    let offset = 0;
    for (const chunk of chunks) {
      await this.sink.writeAt(offset, chunk);
      offset += chunk.length;
    }
    return true;
  }

  /**
   * Seals the images' headers with their DATASUM/CHECKSUM and renames the file into place, once
   * every row is written; otherwise throws naming the missing rows and stays open (write them, or abort).
   */
  async commit(): Promise<void> {
    await this.settled();
    if (this.closed) throw new FitsError(this.path, 'commit after commit or abort');
    const missing = this.missingRows();
    if (missing) throw new FitsError(this.path, `cannot commit: ${missing} never written`);
    this.closed = true;
    try {
      for (const image of this.images) await this.sink.writeAt(image.headerOffset, sealHeader(image.header, image.dataSum));
    } catch (error) {
      await this.sink.abort();
      throw error;
    }
    await this.sink.commit();
  }

  /** Removes the temporary file (after the band writes under way); nothing once committed. */
  async abort(): Promise<void> {
    this.closed = true;
    await this.settled();
    await this.sink.abort();
  }

  /** Once every band started so far has settled. */
  private async settled(): Promise<void> {
    await this.queue;
    await Promise.all(this.writing);
  }

  /** The row ranges not written yet, e.g. `integration 1 rows 4..<7`, or undefined when none. */
  private missingRows(): string | undefined {
    const ranges: string[] = [];
    for (let i = 0; i < this.nints; i++) {
      const flags = this.written.subarray(i * this.rows, (i + 1) * this.rows);
      for (let start = flags.indexOf(UNWRITTEN); start >= 0; ) {
        const end = flags.indexOf(WRITTEN, start);
        const stop = end < 0 ? this.rows : end;
        ranges.push(`${this.nints > 1 ? `integration ${i} ` : ''}rows ${start}..<${stop}`);
        start = end < 0 ? -1 : flags.indexOf(UNWRITTEN, end);
      }
    }
    if (ranges.length === 0) return undefined;
    const more = ranges.length - MISSING_RANGES_SHOWN;
    return ranges.slice(0, MISSING_RANGES_SHOWN).join(', ') + (more > 0 ? ` and ${more} more ranges` : '');
  }
}
