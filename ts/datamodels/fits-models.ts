/**
 * Data models to and from FITS (spec/datamodels.md): which HDU holds which array, with which
 * dtype, and which headers they get. Works on any `ByteSource`, so it runs in browsers too.
 */
import { FitsError, fileRows, Header, type FileRows, type FitsFile, type Hdu, type ImageArray, type WritableHdu, type FitsTable } from '../io/fits/index.js';
import { asdfExposureReadTimes, asdfHdu } from './asdf.js';
import { readMeta, writeMeta } from './meta.js';
import {
  createCubeModel,
  createImageModel,
  createRampModel,
  type CubeModel,
  type DataModel,
  type ImageModel,
  type RampModel,
} from './models.js';
import { primarySchemaKeywords, sciSchemaKeywords } from './schema-keywords.js';
import { allocShared, isShared, releaseShared, sharedCopy } from '../kernels/arrays.js';
import { runTiled, type KernelPool } from '../pool/pool.js';
import { decodeInt16 } from '../kernels/decode-int16.js';

/** Ramp-shaped inputs, read lazily: one integration at a time keeps memory flat in NINTS. */
export class RampReader {
  private constructor(
    readonly file: FitsFile,
    readonly shape: RampModel['shape'],
    readonly primary: Header,
    readonly sciHeader: Header,
    readonly meta: RampModel['meta'],
  ) {}

  /** Opens an `_uncal` (Level1b, uint16 SCI) or a `_ramp` file. */
  static open(file: FitsFile): RampReader {
    const sci = file.get('SCI');
    if (sci.shape.length !== 4) {
      throw new FitsError(
        file.source.name,
        `SCI has ${sci.shape.length} axes [${sci.shape.join(', ')}]; a ramp needs 4 (nints, ngroups, ny, nx)`,
      );
    }
    const shape = sci.shape as RampModel['shape'];
    const primary = file.primary.header;
    return new RampReader(file, shape, primary, sci.header, readMeta(primary, file.source.name));
  }

  /**
   * The SCI extension as a worker reads its rows from the file itself (ts/pool/chain-band.ts):
   * 16-bit integers stored as the uncal stores them, no GROUPDQ extension to read alongside.
   * Undefined for any other storage, or a source that is not a file on disk.
   */
  sciFileRows(): FileRows | undefined {
    const sci = this.file.get('SCI');
    const stored = storedInt16(sci);
    const path = this.file.source.path;
    if (!stored || path === undefined || this.file.find('GROUPDQ')) return undefined;
    const [nints, ngroups, rows, cols] = this.shape;
    return fileRows({ path, offset: sci.dataOffset, planes: nints * ngroups, rows, cols }, 'int16', stored.unsigned);
  }

  /**
   * Reads `meta.exposure.read_times` from the ASDF extension, if the file has one, into
   * `meta.exposure.readTimes` (jwst's jump and ramp_fit use it). Returns it.
   */
  async loadReadTimes(): Promise<number[][] | undefined> {
    const hdu = this.file.find('ASDF');
    if (!hdu) return undefined;
    const document = (await this.file.readTable(hdu)).column('ASDF_METADATA').data;
    if (!(document instanceof Uint8Array)) {
      throw new FitsError(this.file.source.name, 'the ASDF extension\'s ASDF_METADATA column is not a byte array');
    }
    const readTimes = asdfExposureReadTimes(document, this.file.source.name);
    if (readTimes !== undefined) this.meta.exposure.readTimes = readTimes;
    return readTimes;
  }

  get hasZeroframe(): boolean {
    return this.file.find('ZEROFRAME') !== undefined;
  }

  get hasRefout(): boolean {
    return this.file.find('REFOUT') !== undefined;
  }

  /** REFOUT of integration `i` (MIRI's reference output, passed through unchanged by Detector1). */
  async readRefout(i: number): Promise<Float32Array> {
    return (await this.file.readImage(this.file.get('REFOUT'), { index: [i], as: 'float32' })).data as Float32Array;
  }

  /**
   * SCI (as float32), GROUPDQ (zeros for an uncal file) and ZEROFRAME of integration `i`. With a
   * `pool`, 16-bit SCI groups are decoded by its workers while the next group is read.
   */
  async readIntegration(i: number, pool?: KernelPool): Promise<{ data: Float32Array; groupdq: Uint8Array; zeroframe?: Float32Array }> {
    const [nints, ngroups, ny, nx] = this.shape;
    if (!Number.isInteger(i) || i < 0 || i >= nints) {
      throw new RangeError(`${this.file.source.name}: integration ${i} is out of range 0..${nints - 1}`);
    }
    // Shared memory: steps with a worker pool hand these arrays to the workers without copies.
    const data = allocShared(Float32Array, ngroups * ny * nx, { zeroed: false });
    const sci = this.file.get('SCI');
    const stored16 = storedInt16(sci);
    const decoding = pool && stored16 && isShared(data) ? this.readGroupsOnPool(sci, i, stored16.unsigned, data, pool) : undefined;
    const groupdqHdu = this.file.find('GROUPDQ');
    // Zeros written here (while the workers decode), not merely fresh memory: workers read
    // GROUPDQ before they write it, and a fresh page read then written by two threads takes two
    // faults that contend (dq_init on a 2048x2048x10 ramp: 0.1-0.2 s with 2 workers against 26 ms
    // here plus 12 ms).
    const zeros = groupdqHdu ? undefined : allocShared(Uint8Array, ngroups * ny * nx, { zeroed: false }).fill(0);
    if (decoding) await decoding;
    else await this.file.readImage(sci, { index: [i], as: 'float32', into: data });
    const groupdq = zeros ?? sharedCopy(await this.readTyped(groupdqHdu!, Uint8Array, [i]));
    const zeroHdu = this.file.find('ZEROFRAME');
    const zeroframe = zeroHdu
      ? ((await this.file.readImage(zeroHdu, { index: [i], as: 'float32' })).data as Float32Array)
      : undefined;
    return { data, groupdq, zeroframe };
  }

  /**
   * Rows `row0 ..< row1` of SCI (as float32) and GROUPDQ (zeros for an uncal) of every group of
   * every integration, into `into` (`(nints, ngroups, rows, cols)` each, exactly that long). Only
   * those rows are read; 16-bit SCI goes through `scratch` (at least a band's group of stored
   * bytes, byte offset a multiple of 8) and is decoded in wasm.
   */
  async readRows(row0: number, row1: number, into: { data: Float32Array; groupdq: Uint8Array }, scratch: Uint8Array): Promise<void> {
    const [nints, ngroups, ny, nx] = this.shape;
    if (!Number.isInteger(row0) || !Number.isInteger(row1) || row0 < 0 || row1 <= row0 || row1 > ny) {
      throw new RangeError(`${this.file.source.name}: rows [${row0}, ${row1}) are outside the frame's ${ny} rows`);
    }
    const length = (row1 - row0) * nx;
    if (into.data.length !== nints * ngroups * length || into.groupdq.length !== nints * ngroups * length) {
      throw new RangeError(`${this.file.source.name}: a band of rows [${row0}, ${row1}) needs ${nints * ngroups * length} samples`);
    }
    const sci = this.file.get('SCI');
    const stored16 = storedInt16(sci);
    const groupdqHdu = this.file.find('GROUPDQ');
    for (let i = 0; i < nints; i++) {
      for (let g = 0; g < ngroups; g++) {
        const k = i * ngroups + g;
        const out = into.data.subarray(k * length, (k + 1) * length);
        if (stored16) {
          const { data } = await this.file.readImage(sci, { index: [i, g], rows: [row0, row1], as: 'stored', rawInto: scratch });
          const stored = new Uint16Array(data.buffer, data.byteOffset, length);
          decodeInt16({ stored, out }, { nints: 1, ngroups: 1, rows: row1 - row0, cols: nx }, { unsigned: stored16.unsigned });
        } else {
          await this.file.readImage(sci, { index: [i, g], rows: [row0, row1], as: 'float32', into: out });
        }
        const dq = into.groupdq.subarray(k * length, (k + 1) * length);
        if (!groupdqHdu) dq.fill(0);
        else dq.set((await this.file.readImage(groupdqHdu, { index: [i, g], rows: [row0, row1], rawInto: scratch })).data as Uint8Array);
      }
    }
  }

  /**
   * Columns `[c0, c0 + width)` of rows `[row0, row1)` of every group into each target's `data`
   * and `groupdq`, `(nints * ngroups, row1 - row0, width)` each: what `readRows` gives of those
   * pixels, but only they are decoded (full rows are read a chunk at a time through `scratch`).
   * False, with nothing read, unless SCI holds 16-bit integers (`readRows` then).
   */
  async readColumns(row0: number, row1: number, targets: { c0: number; width: number; data: Float32Array; groupdq: Uint8Array }[], scratch: Uint8Array): Promise<boolean> {
    const [nints, ngroups, ny, nx] = this.shape;
    const sci = this.file.get('SCI');
    const stored16 = storedInt16(sci);
    if (!stored16) return false;
    if (!Number.isInteger(row0) || !Number.isInteger(row1) || row0 < 0 || row1 <= row0 || row1 > ny) {
      throw new RangeError(`${this.file.source.name}: rows [${row0}, ${row1}) are outside the frame's ${ny} rows`);
    }
    const groupdqHdu = this.file.find('GROUPDQ');
    const height = row1 - row0;
    const chunk = Math.max(1, Math.min(height, Math.floor(scratch.length / (2 * nx))));
    for (const { c0, width, data, groupdq } of targets) {
      if (c0 < 0 || c0 + width > nx || data.length !== nints * ngroups * height * width || groupdq.length !== data.length) {
        throw new RangeError(`${this.file.source.name}: columns [${c0}, ${c0 + width}) of rows [${row0}, ${row1}) do not fit their arrays`);
      }
    }
    for (let k = 0; k < nints * ngroups; k++) {
      const index = [Math.floor(k / ngroups), k % ngroups];
      for (let r0 = row0; r0 < row1; r0 += chunk) {
        const r1 = Math.min(row1, r0 + chunk);
        const { data: raw } = await this.file.readImage(sci, { index, rows: [r0, r1], as: 'stored', rawInto: scratch });
        const bytes = raw as Uint8Array;
        for (const { c0, width, data } of targets) {
          for (let r = r0; r < r1; r++) {
            const to = (k * height + r - row0) * width;
            for (let c = 0; c < width; c++) {
              const at = 2 * ((r - r0) * nx + c0 + c);
              const word = (bytes[at] << 8) | bytes[at + 1];
              // BZERO 32768 flips the sign bit of the stored int16.
              data[to + c] = stored16.unsigned ? word ^ 0x8000 : word - ((word & 0x8000) << 1);
            }
          }
        }
        if (!groupdqHdu) continue;
        const { data: flags } = await this.file.readImage(groupdqHdu, { index, rows: [r0, r1], rawInto: scratch });
        for (const { c0, width, groupdq } of targets) {
          for (let r = r0; r < r1; r++) groupdq.set((flags as Uint8Array).subarray((r - r0) * nx + c0, (r - r0) * nx + c0 + width), (k * height + r - row0) * width);
        }
      }
    }
    if (!groupdqHdu) for (const { groupdq } of targets) groupdq.fill(0);
    return true;
  }

  /** Group by group: the stored bytes of group g + 1 are read while the workers decode group g. */
  private async readGroupsOnPool(sci: Hdu, i: number, unsigned: boolean, data: Float32Array, pool: KernelPool): Promise<void> {
    const [, ngroups, ny, nx] = this.shape;
    const plane = ny * nx;
    const buffers = [allocShared(Uint16Array, plane, { zeroed: false }), allocShared(Uint16Array, plane, { zeroed: false })];
    const read = (g: number) => {
      const stored = buffers[g & 1];
      return this.file.readRawBlock(sci, [i, g], new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength)).then(() => stored);
    };
    let next: Promise<Uint16Array> | undefined = read(0);
    try {
      for (let g = 0; g < ngroups; g++) {
        const stored = await next!;
        next = g + 1 < ngroups ? read(g + 1) : undefined;
        await runTiled(pool, 'decodeInt16', { stored, out: data.subarray(g * plane, (g + 1) * plane) }, { nints: 1, ngroups: 1, rows: ny, cols: nx }, { params: { unsigned } });
      }
    } finally {
      // A read still in flight writes into a buffer: it must end before the buffer is reused.
      await next?.catch(() => {});
      for (const buffer of buffers) releaseShared(buffer);
    }
  }

  /** PIXELDQ, or zeros for an uncal file. */
  async readPixeldq(): Promise<Uint32Array> {
    const hdu = this.file.find('PIXELDQ');
    const [, , ny, nx] = this.shape;
    return hdu ? sharedCopy(await this.readTyped(hdu, Uint32Array)) : allocShared(Uint32Array, ny * nx);
  }

  /** The whole exposure as one RampModel (what jwst's `RampModel(uncal)` gives). */
  async readAll(): Promise<RampModel> {
    const [nints, ngroups, ny, nx] = this.shape;
    const plane = ny * nx;
    const data = allocShared(Float32Array, nints * ngroups * plane);
    const groupdq = allocShared(Uint8Array, nints * ngroups * plane);
    const zeroframe = this.hasZeroframe ? new Float32Array(nints * plane) : undefined;
    for (let i = 0; i < nints; i++) {
      const one = await this.readIntegration(i);
      data.set(one.data, i * ngroups * plane);
      groupdq.set(one.groupdq, i * ngroups * plane);
      if (zeroframe && one.zeroframe) zeroframe.set(one.zeroframe, i * plane);
    }
    await this.loadReadTimes();
    const optional = async (name: string) => {
      const hdu = this.file.find(name);
      return hdu ? ((await this.file.readImage(hdu, { as: 'float32' })).data as Float32Array) : undefined;
    };
    return createRampModel({
      meta: this.meta,
      primary: this.primary,
      sciHeader: this.sciHeader,
      shape: this.shape,
      data,
      groupdq,
      pixeldq: await this.readPixeldq(),
      zeroframe,
      refout: await optional('REFOUT'),
      avdrkcur: await optional('AVDRKCUR'),
      group: await this.readTable('GROUP'),
      intTimes: await this.readTable('INT_TIMES'),
    });
  }

  /** The GROUP and INT_TIMES tables, when present. */
  async readTables(): Promise<{ group?: FitsTable; intTimes?: FitsTable }> {
    return { group: await this.readTable('GROUP'), intTimes: await this.readTable('INT_TIMES') };
  }

  private async readTable(name: string): Promise<FitsTable | undefined> {
    const hdu = this.file.find(name);
    return hdu ? this.file.readTable(hdu) : undefined;
  }

  private async readTyped<T extends Uint8Array | Uint32Array>(
    hdu: Hdu,
    type: { new (source: ArrayLike<number>): T },
    index?: number[],
  ): Promise<T> {
    const { data } = await this.file.readImage(hdu, { index });
    return data instanceof type ? data : new type(toNumbers(data, this.file.source.name, hdu));
  }
}

function toNumbers(data: ImageArray, fileName: string, hdu: Hdu): ArrayLike<number> {
  if (data instanceof BigInt64Array) {
    throw new FitsError(fileName, `${hdu.extname ?? `HDU ${hdu.index}`}: 64-bit integers where flags were expected`);
  }
  return data;
}

/** Reads any of our models by its DATAMODL keyword (RampModel also from an uncal file). */
export async function readModel(file: FitsFile): Promise<DataModel> {
  const kind = file.primary.header.getString('DATAMODL')?.trim();
  const name = file.source.name;
  if (kind === undefined || kind === 'Level1bModel' || kind === 'RampModel') return RampReader.open(file).readAll();
  const meta = readMeta(file.primary.header, name);
  const float = async (ext: string) => (await file.readImage(file.get(ext), { as: 'float32' })).data as Float32Array;
  const flags = async (ext: string) => {
    const { data } = await file.readImage(file.get(ext));
    return data instanceof Uint32Array ? data : new Uint32Array(toNumbers(data, name, file.get(ext)));
  };
  const common = async () => ({
    meta,
    primary: file.primary.header,
    sciHeader: file.get('SCI').header,
    data: await float('SCI'),
    err: await float('ERR'),
    dq: await flags('DQ'),
    varPoisson: await float('VAR_POISSON'),
    varRnoise: await float('VAR_RNOISE'),
  });
  switch (kind) {
    case 'ImageModel':
    case 'IFUImageModel':
      return createImageModel({ ...(await common()), model: kind, shape: file.get('SCI').shape as ImageModel['shape'] });
    case 'CubeModel': {
      const intTimes = file.find('INT_TIMES');
      return createCubeModel({
        ...(await common()),
        shape: file.get('SCI').shape as CubeModel['shape'],
        intTimes: intTimes ? await file.readTable(intTimes) : undefined,
      });
    }
    default:
      throw new FitsError(name, `DATAMODL = '${kind}' is not a model this package reads`);
  }
}

/** Primary and SCI headers for a product derived from `source`, as jwst's `model.update()` fills them. */
export function derivedHeaders(source: { primary: Header; sciHeader: Header }): { primary: Header; sciHeader: Header } {
  const pick = (header: Header, keep: ReadonlySet<string>) => new Header(header.cards.filter((c) => keep.has(c.key)));
  return { primary: pick(source.primary, primarySchemaKeywords), sciHeader: pick(source.sciHeader, sciSchemaKeywords) };
}

export interface WriteOptions {
  /** Basename recorded in FILENAME. */
  fileName: string;
  /** Time recorded in DATE (UTC); defaults to now. */
  date?: Date;
}

/** The HDUs of a model, ready for `encodeFits`/`writeFitsFile`. */
export function modelHdus(model: DataModel, options: WriteOptions): WritableHdu[] {
  const primary = new Header(model.primary.cards.map((c) => ({ ...c })));
  writeMeta(model.meta, primary);
  if (!primary.has('TELESCOP')) primary.set('TELESCOP', 'JWST', 'Telescope used to acquire the data');
  primary.set('DATE', (options.date ?? new Date()).toISOString().replace('Z', ''), 'UTC date file created');
  primary.set('FILENAME', options.fileName, 'Name of the file');
  primary.set('DATAMODL', model.model, 'Type of data model');

  const hdus: WritableHdu[] = [{ kind: 'image', header: primary }];
  const image = (extname: string, data: ImageArray | undefined, shape: number[], header = new Header()) => {
    if (data === undefined) return;
    const h = new Header(header.cards.map((c) => ({ ...c })));
    h.set('EXTNAME', extname, 'extension name');
    hdus.push({ kind: 'image', header: h, data, shape });
  };
  const table = (extname: string, t: FitsTable | undefined) => {
    if (t === undefined) return;
    const header = new Header();
    header.set('EXTNAME', extname, 'extension name');
    hdus.push({ kind: 'bintable', header, nrows: t.nrows, columns: t.columns });
  };
  const withBunit = (header: Header, bunit: string) => {
    const h = new Header(header.cards.map((c) => ({ ...c })));
    h.set('BUNIT', bunit, 'physical units of the array values');
    return h;
  };

  switch (model.model) {
    case 'RampModel': {
      const [nints, ngroups, ny, nx] = model.shape;
      image('SCI', model.data, model.shape, withBunit(model.sciHeader, 'DN'));
      image('PIXELDQ', model.pixeldq, [ny, nx]);
      image('GROUPDQ', model.groupdq, model.shape);
      image('ZEROFRAME', model.zeroframe, [nints, ny, nx]);
      image('REFOUT', model.refout, [nints, ngroups, ny, nx / 4]);
      image('AVDRKCUR', model.avdrkcur, [ny, nx]);
      table('GROUP', model.group);
      table('INT_TIMES', model.intTimes);
      break;
    }
    case 'ImageModel':
    case 'IFUImageModel':
    case 'CubeModel': {
      const shape = [...model.shape];
      image('SCI', model.data, shape, withBunit(model.sciHeader, 'DN/s'));
      image('ERR', model.err, shape, withBunit(new Header(), 'DN/s'));
      image('DQ', model.dq, shape);
      if (model.model === 'CubeModel') table('INT_TIMES', model.intTimes);
      image('VAR_POISSON', model.varPoisson, shape);
      image('VAR_RNOISE', model.varRnoise, shape);
      break;
    }
    case 'RampFitOutputModel': {
      const [nints, , ny, nx] = model.shape;
      const shape = [...model.shape];
      image('SLOPE', model.slope, shape);
      image('SIGSLOPE', model.sigslope, shape);
      image('YINT', model.yint, shape);
      image('SIGYINT', model.sigyint, shape);
      image('PEDESTAL', model.pedestal, [nints, ny, nx]);
      image('WEIGHTS', model.weights, shape);
      image('CRMAG', model.crmag, [nints, Math.max(model.maxCr, 1), ny, nx]);
      image('VAR_POISSON', model.varPoisson, shape);
      image('VAR_RNOISE', model.varRnoise, shape);
      break;
    }
  }
  hdus.push(asdfHdu());
  return hdus;
}

/**
 * The decoding of a 16-bit image the `decodeInt16` kernel does (BZERO 0 or 32768, BSCALE 1, no
 * BLANK, as uncal SCI is), or undefined for any other storage.
 */
function storedInt16(hdu: Hdu): { unsigned: boolean } | undefined {
  if (hdu.bitpix !== 16 || hdu.header.has('BLANK')) return undefined;
  const bzero = hdu.header.getNumber('BZERO') ?? 0;
  const bscale = hdu.header.getNumber('BSCALE') ?? 1;
  if (bscale !== 1 || (bzero !== 0 && bzero !== 32768)) return undefined;
  return { unsigned: bzero === 32768 };
}
