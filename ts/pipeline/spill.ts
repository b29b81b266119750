/**
 * Where corrected integrations wait between the pipeline's passes (corrections, then jump, then
 * the two ramp-fit passes), so that only one integration is in memory at a time. In memory for a
 * single integration or in browsers; in a temporary file in Node (ts/pipeline/spill-node.ts).
 * Jump reads and writes row bands of every integration (its statistics span integrations).
 */
import type { CubeModel, ImageModel } from '../datamodels/models.js';
import type { ProductFile } from '../pool/chain-band.js';

export interface SpilledIntegration {
  /** `(ngroups, rows, cols)` */
  data: Float32Array;
  groupdq: Uint8Array;
  /** `(rows, cols)` */
  zeroframe?: Float32Array;
}

export interface SpillShape {
  ngroups: number;
  rows: number;
  cols: number;
  /** Rows of the bands jump and ramp fitting read (a file store keeps them contiguous). */
  bandRows?: number;
}

export interface SpillStore {
  /** Whether `put` keeps the caller's arrays (else it copies them and they may be reused). */
  readonly keepsArrays: boolean;
  put(integration: number, value: SpilledIntegration): Promise<void>;
  get(integration: number): Promise<SpilledIntegration>;
  /** The GROUPDQ of an integration alone: a new array, or `into` (of exactly that size) filled. */
  getGroupdq(integration: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * Rows `row0 ..< row1` of every group of an integration: new arrays, or `into`'s (of exactly
   * that size; its zeroframe is filled when the store has one), returned.
   */
  getRows(integration: number, row0: number, row1: number, into?: SpilledIntegration): Promise<SpilledIntegration>;
  /** Replaces GROUPDQ rows `row0 ..< row1` of every group of an integration. */
  putGroupdqRows(integration: number, row0: number, row1: number, groupdq: Uint8Array): Promise<void>;
  /** Releases what the store holds (removes a temporary file). */
  close(): Promise<void>;
}

/** Copies rows `row0 ..< row1` of each of `planes` planes of `rows x cols`, or writes them back. */
export function planeRows<T extends Float32Array | Uint8Array>(source: T, planes: number, shape: SpillShape, row0: number, row1: number, into?: T): T {
  const band = (row1 - row0) * shape.cols;
  const out = into ?? new (source.constructor as new (n: number) => T)(planes * band);
  for (let g = 0; g < planes; g++) {
    const start = (g * shape.rows + row0) * shape.cols;
    out.set(source.subarray(start, start + band), g * band);
  }
  return out;
}

/** Keeps the arrays themselves: no copies, memory grows with NINTS. */
export class MemorySpill implements SpillStore {
  readonly keepsArrays = true;
  readonly #held = new Map<number, SpilledIntegration>();

  constructor(private readonly shape: SpillShape) {}

  async put(integration: number, value: SpilledIntegration): Promise<void> {
    this.#held.set(integration, value);
  }

  async get(integration: number): Promise<SpilledIntegration> {
    const value = this.#held.get(integration);
    if (!value) throw new RangeError(`spill: integration ${integration} was never stored`);
    return value;
  }

  async getGroupdq(integration: number, into?: Uint8Array): Promise<Uint8Array> {
    const { groupdq } = await this.get(integration);
    if (!into) return groupdq;
    into.set(groupdq);
    return into;
  }

  async getRows(integration: number, row0: number, row1: number, into?: SpilledIntegration): Promise<SpilledIntegration> {
    const whole = await this.get(integration);
    const { ngroups } = this.shape;
    return {
      data: planeRows(whole.data, ngroups, this.shape, row0, row1, into?.data),
      groupdq: planeRows(whole.groupdq, ngroups, this.shape, row0, row1, into?.groupdq),
      zeroframe: whole.zeroframe && planeRows(whole.zeroframe, 1, this.shape, row0, row1, into?.zeroframe),
    };
  }

  async putGroupdqRows(integration: number, row0: number, row1: number, groupdq: Uint8Array): Promise<void> {
    const whole = await this.get(integration);
    const { ngroups, rows, cols } = this.shape;
    const band = (row1 - row0) * cols;
    for (let g = 0; g < ngroups; g++) whole.groupdq.set(groupdq.subarray(g * band, (g + 1) * band), (g * rows + row0) * cols);
  }

  async close(): Promise<void> {
    this.#held.clear();
  }
}

/** One integration's rows (or whole plane) of `_rateints`: each array `(rows, cols)`. */
export interface RateintsRows {
  data: Float32Array;
  err: Float32Array;
  dq: Uint32Array;
  varPoisson: Float32Array;
  varRnoise: Float32Array;
}

/**
 * Where `_rateints` waits, band by band, while ramp fitting goes over row bands of every
 * integration: the product never sits whole in memory, so memory does not grow with NINTS.
 */
export interface RateintsStore {
  putRows(integration: number, row0: number, rows: RateintsRows): Promise<void>;
  /** Every array of one integration; valid until the next getPlane/getArray (the store may reuse its memory). */
  getPlane(integration: number): Promise<RateintsRows>;
  /** One array of one integration; valid until the next getPlane/getArray. */
  getArray<K extends keyof RateintsRows>(integration: number, key: K): Promise<RateintsRows[K]>;
  close(): Promise<void>;
}

/**
 * Writes a product (`_rate`, `_rateints`) band by band, each band's rows straight into the file,
 * so the product never sits whole in memory.
 */
export interface ProductRowsWriter {
  /**
   * Rows `row0 ..< row0 + n` of every array of an integration (0 for `_rate`), each array
   * `n * cols` long; bands in any order, also concurrently. The arrays are read until the promise settles.
   */
  writeRows(integration: number, row0: number, rows: RateintsRows): Promise<void>;
  /**
   * `writeRows` of rows that hold the file's words already (big-endian, DQ with BZERO 2^31),
   * with their ones'-complement sums: written as they are. Optional: without it such rows are
   * decoded and given to `writeRows`.
   */
  writeEncodedRows?(integration: number, row0: number, rows: RateintsRows, sums: Record<keyof RateintsRows, number>): Promise<void>;
  /**
   * The product's file, for another thread to write encoded rows into, then counted by
   * `recordWrittenRows`. Optional (and undefined when it cannot be): rows are then given to this writer.
   */
  fileTarget?(): ProductFile | undefined;
  recordWrittenRows?(integration: number, row0: number, n: number, sums: Record<keyof RateintsRows, number>): void;
  /**
   * Rewrites the product's primary header from `final` (its skeleton with keywords known only
   * once the rows are written); false, with nothing written, when it would change size.
   */
  replacePrimaryHeader(final: ImageModel | CubeModel): Promise<boolean>;
  /** Completes the product once every row is written (throws naming the missing rows otherwise). */
  commit(): Promise<void>;
  /** Discards the unfinished product. */
  abort(): Promise<void>;
}

export const RATEINTS_KEYS = ['data', 'err', 'dq', 'varPoisson', 'varRnoise'] as const;
