/** A SpillStore in a temporary file: fixed-size records, one per integration, read back by offset. */
import { open, mkdtemp, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpillShape, SpillStore, SpilledIntegration } from './spill.js';

/** Record of one integration: SCI float32, GROUPDQ uint8, then ZEROFRAME float32 when present. */
export class FileSpill implements SpillStore {
  private constructor(
    private readonly directory: string,
    private readonly handle: FileHandle,
    private readonly shape: SpillShape,
    private readonly hasZeroframe: boolean,
  ) {}

  static async create(shape: SpillShape, hasZeroframe: boolean, parent = tmpdir()): Promise<FileSpill> {
    const directory = await mkdtemp(join(parent, 'detector1-spill-'));
    const handle = await open(join(directory, 'ramp.bin'), 'w+');
    return new FileSpill(directory, handle, shape, hasZeroframe);
  }

  private get plane(): number {
    return this.shape.rows * this.shape.cols;
  }

  private get samples(): number {
    return this.shape.ngroups * this.plane;
  }

  private record(integration: number): number {
    return integration * (this.samples * 5 + (this.hasZeroframe ? this.plane * 4 : 0));
  }

  private async write(view: ArrayBufferView, position: number): Promise<void> {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }

  private async read(view: ArrayBufferView, position: number, integration: number): Promise<void> {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let done = 0; done < bytes.length; ) {
      const { bytesRead } = await this.handle.read(bytes, done, bytes.length - done, position + done);
      if (bytesRead === 0) throw new RangeError(`spill: integration ${integration} was never stored`);
      done += bytesRead;
    }
  }

  async put(integration: number, value: SpilledIntegration): Promise<void> {
    if (value.data.length !== this.samples || value.groupdq.length !== this.samples) {
      throw new RangeError(`spill: integration ${integration} has ${value.data.length} samples, expected ${this.samples}`);
    }
    const base = this.record(integration);
    await this.write(value.data, base);
    await this.write(value.groupdq, base + this.samples * 4);
    if (this.hasZeroframe) await this.write(value.zeroframe ?? new Float32Array(this.plane), base + this.samples * 5);
  }

  async get(integration: number): Promise<SpilledIntegration> {
    return this.getRows(integration, 0, this.shape.rows);
  }

  async getGroupdq(integration: number): Promise<Uint8Array> {
    const groupdq = new Uint8Array(this.samples);
    await this.read(groupdq, this.record(integration) + this.samples * 4, integration);
    return groupdq;
  }

  async getRows(integration: number, row0: number, row1: number): Promise<SpilledIntegration> {
    const { ngroups, cols } = this.shape;
    const band = (row1 - row0) * cols;
    const base = this.record(integration);
    const data = new Float32Array(ngroups * band);
    const groupdq = new Uint8Array(ngroups * band);
    for (let g = 0; g < ngroups; g++) {
      const offset = g * this.plane + row0 * cols;
      await this.read(data.subarray(g * band, (g + 1) * band), base + offset * 4, integration);
      await this.read(groupdq.subarray(g * band, (g + 1) * band), base + this.samples * 4 + offset, integration);
    }
    if (!this.hasZeroframe) return { data, groupdq };
    const zeroframe = new Float32Array(band);
    await this.read(zeroframe, base + this.samples * 5 + row0 * cols * 4, integration);
    return { data, groupdq, zeroframe };
  }

  async putGroupdqRows(integration: number, row0: number, row1: number, groupdq: Uint8Array): Promise<void> {
    const { ngroups, cols } = this.shape;
    const band = (row1 - row0) * cols;
    const base = this.record(integration) + this.samples * 4;
    for (let g = 0; g < ngroups; g++) await this.write(groupdq.subarray(g * band, (g + 1) * band), base + g * this.plane + row0 * cols);
  }

  async close(): Promise<void> {
    await this.handle.close();
    await rm(this.directory, { recursive: true, force: true });
  }
}
