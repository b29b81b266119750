/**
 * A SpillStore in a temporary file. Each integration is one record cut into bands of
 * `bandRows` rows; a band holds its SCI rows of every group, then its GROUPDQ rows, then its
 * ZEROFRAME rows. Reading the rows of a band (what jump and ramp fitting do for every
 * integration) is then one contiguous read, not one per group.
 */
import { open, mkdtemp, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RATEINTS_KEYS, type RateintsRows, type RateintsStore, type SpillShape, type SpillStore, type SpilledIntegration } from './spill.js';

const align4 = (n: number) => (n + 3) & ~3;

/** Bands `put` writes in one call (they lie one after another in the record). */
const PUT_BATCH = 2;

export class FileSpill implements SpillStore {
  readonly keepsArrays = false;
  private readonly bandRows: number;
  /** Byte offset of each band inside a record, and the record's size (the last entry). */
  private readonly offsets: number[] = [0];
  /** The buffers `put` assembles bands in: two sets of PUT_BATCH, one written while the other fills. */
  private readonly scratch: Uint8Array[][] = [];
  private readScratch: ArrayBuffer | undefined;
  private reading = false;

  private constructor(
    private readonly directory: string,
    private readonly handle: FileHandle,
    private readonly shape: SpillShape,
    private readonly hasZeroframe: boolean,
  ) {
    this.bandRows = Math.max(1, Math.min(shape.rows, shape.bandRows ?? shape.rows));
    for (let row0 = 0; row0 < shape.rows; row0 += this.bandRows) {
      this.offsets.push(this.offsets[this.offsets.length - 1] + this.bandBytes(Math.min(this.bandRows, shape.rows - row0)));
    }
  }

  static async create(shape: SpillShape, hasZeroframe: boolean, parent = tmpdir()): Promise<FileSpill> {
    const directory = await mkdtemp(join(parent, 'detector1-spill-'));
    const handle = await open(join(directory, 'ramp.bin'), 'w+');
    return new FileSpill(directory, handle, shape, hasZeroframe);
  }

  /** A band of `n` rows: SCI of every group, GROUPDQ of every group, ZEROFRAME; sections 4-byte aligned. */
  private bandBytes(n: number): number {
    const length = n * this.shape.cols;
    return align4(this.shape.ngroups * length * 4) + align4(this.shape.ngroups * length) + (this.hasZeroframe ? length * 4 : 0);
  }

  private record(integration: number): number {
    return integration * this.offsets[this.offsets.length - 1];
  }

  /** Band `b` (rows b*bandRows ..): its byte offset inside a record, its rows, where its sections start. */
  private band(b: number): { offset: number; rows: number; dq: number; zeroframe: number } {
    const rows = Math.min(this.bandRows, this.shape.rows - b * this.bandRows);
    const sci = this.shape.ngroups * rows * this.shape.cols * 4;
    return { offset: this.offsets[b], rows, dq: sci, zeroframe: sci + align4(this.shape.ngroups * rows * this.shape.cols) };
  }

  private async write(bytes: Uint8Array, position: number): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }

  private async read(bytes: Uint8Array, position: number, integration: number): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      const { bytesRead } = await this.handle.read(bytes, done, bytes.length - done, position + done);
      if (bytesRead === 0) throw new RangeError(`spill: integration ${integration} was never stored`);
      done += bytesRead;
    }
  }

  async put(integration: number, value: SpilledIntegration): Promise<void> {
    const { ngroups, rows, cols } = this.shape;
    const samples = ngroups * rows * cols;
    if (value.data.length !== samples || value.groupdq.length !== samples) {
      throw new RangeError(`spill: integration ${integration} has ${value.data.length} samples, expected ${samples}`);
    }
    const zeroframe = this.hasZeroframe ? (value.zeroframe ?? new Float32Array(rows * cols)) : undefined;
    // Band by band through reused buffers (no record-sized copy per integration), PUT_BATCH
    // consecutive bands in one write while the next batch is assembled. One write after another
    // cost a thread pool round trip each (40 bands per integration of a 10-integration NIRCam
    // SUB640 exposure); several writes at once to the file wait for each other in the kernel
    // (ext4 takes the inode's lock for each, and its waiters spin: ~1.4 s of CPU in a MIRI TSO
    // run).
    while (this.scratch.length < 2) this.scratch.push(Array.from({ length: PUT_BATCH }, () => new Uint8Array(this.bandBytes(this.bandRows))));
    const bands = this.offsets.length - 1;
    let writing: Promise<void> | undefined;
    try {
      for (let first = 0, set = 0; first < bands; first += PUT_BATCH, set ^= 1) {
        const count = Math.min(PUT_BATCH, bands - first);
        const batch = Array.from({ length: count }, (_, k) => this.assembleBand(first + k, value, zeroframe, this.scratch[set][k]));
        await writing;
        writing = this.writeBands(batch, this.record(integration) + this.offsets[first]);
      }
    } finally {
      // A write still under way reads its buffers: it must end before they are reused.
      await writing?.catch(() => {});
    }
    await writing;
  }

  /** Band `b` of an integration assembled in `scratch`; its bytes. */
  private assembleBand(b: number, value: SpilledIntegration, zeroframe: Float32Array | undefined, scratch: Uint8Array): Uint8Array {
    const { ngroups, rows, cols } = this.shape;
    const band = this.band(b);
    const row0 = b * this.bandRows;
    const length = band.rows * cols;
    const bytes = scratch.subarray(0, this.offsets[b + 1] - this.offsets[b]);
    const sci = new Float32Array(bytes.buffer, 0, ngroups * length);
    const dq = bytes.subarray(band.dq, band.dq + ngroups * length);
    for (let g = 0; g < ngroups; g++) {
      const start = (g * rows + row0) * cols;
      sci.set(value.data.subarray(start, start + length), g * length);
      dq.set(value.groupdq.subarray(start, start + length), g * length);
    }
    if (zeroframe) new Float32Array(bytes.buffer, band.zeroframe, length).set(zeroframe.subarray(row0 * cols, row0 * cols + length));
    return bytes;
  }

  /** Consecutive bands' bytes written from `position` in one call (what a short write leaves, one by one). */
  private async writeBands(bands: Uint8Array[], position: number): Promise<void> {
    let { bytesWritten } = await this.handle.writev(bands, position);
    for (const bytes of bands) {
      if (bytesWritten < bytes.length) await this.write(bytes.subarray(bytesWritten), position + bytesWritten);
      position += bytes.length;
      bytesWritten = Math.max(0, bytesWritten - bytes.length);
    }
  }

  async get(integration: number): Promise<SpilledIntegration> {
    return this.getRows(integration, 0, this.shape.rows);
  }

  /** Only the GROUPDQ sections of the bands are read (the samples are 4 times their size). */
  async getGroupdq(integration: number, into?: Uint8Array): Promise<Uint8Array> {
    const { ngroups, rows, cols } = this.shape;
    const groupdq = into ?? new Uint8Array(ngroups * rows * cols);
    if (groupdq.length !== ngroups * rows * cols) throw new RangeError(`spill: GROUPDQ of ${groupdq.length} values, expected ${ngroups * rows * cols}`);
    const section = new Uint8Array(ngroups * this.bandRows * cols);
    for (let b = 0; b + 1 < this.offsets.length; b++) {
      const band = this.band(b);
      const bandLength = band.rows * cols;
      const bytes = section.subarray(0, ngroups * bandLength);
      await this.read(bytes, this.record(integration) + band.offset + band.dq, integration);
      for (let g = 0; g < ngroups; g++) groupdq.set(bytes.subarray(g * bandLength, (g + 1) * bandLength), (g * rows + b * this.bandRows) * cols);
    }
    return groupdq;
  }

  async getRows(integration: number, row0: number, row1: number, into?: SpilledIntegration): Promise<SpilledIntegration> {
    const { ngroups, cols } = this.shape;
    const first = Math.floor(row0 / this.bandRows);
    const last = Math.floor((row1 - 1) / this.bandRows);
    const start = this.offsets[first];
    const end = this.offsets[last + 1];
    // The bands are consecutive in the record: one read holds them all, into a buffer reused
    // from call to call (copied out below; a call overlapping another gets its own).
    const reuse = !this.reading;
    if (reuse && (!this.readScratch || this.readScratch.byteLength < end - start)) this.readScratch = new ArrayBuffer(end - start);
    const bytes = new Uint8Array(reuse ? this.readScratch! : new ArrayBuffer(end - start), 0, end - start);
    this.reading ||= reuse;
    try {
      await this.read(bytes, this.record(integration) + start, integration);
    } finally {
      if (reuse) this.reading = false;
    }
    const length = (row1 - row0) * cols;
    const data = into?.data ?? new Float32Array(ngroups * length);
    const groupdq = into?.groupdq ?? new Uint8Array(ngroups * length);
    const zeroframe = this.hasZeroframe ? (into?.zeroframe ?? new Float32Array(length)) : undefined;
    for (let b = first; b <= last; b++) {
      const band = this.band(b);
      const n = band.rows;
      const bandRow0 = b * this.bandRows;
      const from = Math.max(row0, bandRow0);
      const to = Math.min(row1, bandRow0 + n);
      const bandLength = n * cols;
      const base = band.offset - start;
      const sci = new Float32Array(bytes.buffer, base, ngroups * bandLength);
      const dq = bytes.subarray(base + band.dq, base + band.dq + ngroups * bandLength);
      const skip = (from - bandRow0) * cols;
      const count = (to - from) * cols;
      const at = (from - row0) * cols;
      for (let g = 0; g < ngroups; g++) {
        data.set(sci.subarray(g * bandLength + skip, g * bandLength + skip + count), g * length + at);
        groupdq.set(dq.subarray(g * bandLength + skip, g * bandLength + skip + count), g * length + at);
      }
      if (zeroframe) zeroframe.set(new Float32Array(bytes.buffer, base + band.zeroframe + skip * 4, count), at);
    }
    return zeroframe ? { data, groupdq, zeroframe } : { data, groupdq };
  }

  async putGroupdqRows(integration: number, row0: number, row1: number, groupdq: Uint8Array): Promise<void> {
    const { ngroups, cols } = this.shape;
    const length = (row1 - row0) * cols;
    for (let b = Math.floor(row0 / this.bandRows); b * this.bandRows < row1; b++) {
      const band = this.band(b);
      const n = band.rows;
      const bandRow0 = b * this.bandRows;
      const from = Math.max(row0, bandRow0);
      const to = Math.min(row1, bandRow0 + n);
      const bandLength = n * cols;
      const dqStart = this.record(integration) + band.offset + band.dq;
      const whole = from === bandRow0 && to === bandRow0 + n;
      // A whole band is written as is; a part of one is read, changed and written back.
      const dq = new Uint8Array(ngroups * bandLength);
      if (!whole) await this.read(dq, dqStart, integration);
      for (let g = 0; g < ngroups; g++) {
        const source = groupdq.subarray(g * length + (from - row0) * cols, g * length + (to - row0) * cols);
        dq.set(source, g * bandLength + (from - bandRow0) * cols);
      }
      await this.write(dq, dqStart);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
    await rm(this.directory, { recursive: true, force: true });
  }
}

/**
 * A RateintsStore in a temporary file: one record per integration holding its SCI, ERR, DQ,
 * VAR_POISSON and VAR_RNOISE planes (4-byte values), each band's rows written where they belong.
 */
export class FileRateintsStore implements RateintsStore {
  /** One buffer for every read (a fresh one per plane was garbage collected late: +30 MB on 10 SUB640 integrations). */
  private buffer = new Uint8Array(0);

  private constructor(
    private readonly directory: string,
    private readonly handle: FileHandle,
    private readonly shape: { rows: number; cols: number },
  ) {}

  static async create(shape: { rows: number; cols: number }, parent = tmpdir()): Promise<FileRateintsStore> {
    const directory = await mkdtemp(join(parent, 'detector1-rateints-'));
    const handle = await open(join(directory, 'rateints.bin'), 'w+');
    return new FileRateintsStore(directory, handle, shape);
  }

  private planeBytes(): number {
    return this.shape.rows * this.shape.cols * 4;
  }

  async putRows(integration: number, row0: number, rows: RateintsRows): Promise<void> {
    const record = integration * RATEINTS_KEYS.length * this.planeBytes();
    for (const [k, key] of RATEINTS_KEYS.entries()) {
      const array = rows[key];
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      const position = record + k * this.planeBytes() + row0 * this.shape.cols * 4;
      for (let done = 0; done < bytes.length; ) {
        const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
    }
  }

  async getPlane(integration: number): Promise<RateintsRows> {
    const planeBytes = this.planeBytes();
    const bytes = await this.read(integration * RATEINTS_KEYS.length * planeBytes, RATEINTS_KEYS.length * planeBytes, integration);
    const plane = planeBytes / 4;
    const view = <T>(make: new (buffer: ArrayBuffer, offset: number, length: number) => T, k: number) => new make(bytes.buffer as ArrayBuffer, k * planeBytes, plane);
    return { data: view(Float32Array, 0), err: view(Float32Array, 1), dq: view(Uint32Array, 2), varPoisson: view(Float32Array, 3), varRnoise: view(Float32Array, 4) };
  }

  async getArray<K extends keyof RateintsRows>(integration: number, key: K): Promise<RateintsRows[K]> {
    const planeBytes = this.planeBytes();
    const k = RATEINTS_KEYS.indexOf(key);
    const bytes = await this.read((integration * RATEINTS_KEYS.length + k) * planeBytes, planeBytes, integration);
    return (key === 'dq' ? new Uint32Array(bytes.buffer, 0, planeBytes / 4) : new Float32Array(bytes.buffer, 0, planeBytes / 4)) as RateintsRows[K];
  }

  private async read(position: number, length: number, integration: number): Promise<Uint8Array> {
    if (this.buffer.length < length) this.buffer = new Uint8Array(length);
    const bytes = this.buffer.subarray(0, length);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await this.handle.read(bytes, done, length - done, position + done);
      if (bytesRead === 0) throw new RangeError(`rateints store: integration ${integration} was never stored`);
      done += bytesRead;
    }
    return bytes;
  }

  async close(): Promise<void> {
    await this.handle.close();
    await rm(this.directory, { recursive: true, force: true });
  }
}
