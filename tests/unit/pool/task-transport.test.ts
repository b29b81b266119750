import { beforeAll, describe, expect, it } from 'vitest';
import * as errors from '../../../ts/kernels/errors.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { executeTile, type TileArrays } from '../../../ts/kernels/registry.js';
import { cutBand, planRowBands, withHalo } from '../../../ts/pool/plan.js';
import { rebuildError, runSharedBand, serializeError, transferablesOf } from '../../../ts/pool/task-transport.js';

/** What the caller gets when `error` is thrown in a worker: serialised, structured-cloned, rebuilt. */
function acrossThreads(error: unknown): Error {
  return rebuildError(structuredClone(serializeError(error)));
}

type KernelErrorClass = new (code: string, message: string) => errors.KernelError;

// Every class errors.ts exports, so one added there without a rebuild entry fails here.
const kernelErrorClasses = (Object.values(errors) as unknown[]).filter(
  (value): value is KernelErrorClass =>
    typeof value === 'function' && (value === errors.KernelError || value.prototype instanceof errors.KernelError),
);

describe('errors crossing to the main thread', () => {
  it('finds the kernel error classes', () => {
    expect(kernelErrorClasses.length).toBeGreaterThanOrEqual(4);
  });

  for (const ErrorClass of kernelErrorClasses) {
    it(`keeps ${ErrorClass.name}: class, name, code and message`, () => {
      const original = new ErrorClass('some_code', 'superbias: argument `bias` is wrong');
      const rebuilt = acrossThreads(original);
      expect(rebuilt).toBeInstanceOf(ErrorClass);
      expect(rebuilt.constructor).toBe(ErrorClass);
      expect(rebuilt).toMatchObject({ name: original.name, code: 'some_code', message: original.message });
    });
  }

  it('keeps built-in classes and the name of others', () => {
    expect(acrossThreads(new RangeError('out of range'))).toBeInstanceOf(RangeError);
    expect(acrossThreads(new Error('unknown tile kernel "x"'))).toMatchObject({ message: 'unknown tile kernel "x"' });
    const link = acrossThreads(new WebAssembly.LinkError('import missing'));
    expect(link).toMatchObject({ name: 'LinkError', message: 'import missing' });
    expect(acrossThreads('a thrown string')).toMatchObject({ name: 'Error', message: 'a thrown string' });
  });
});

describe('transferablesOf', () => {
  it('lists each buffer once and leaves shared memory out', () => {
    const buffer = new ArrayBuffer(16);
    const shared = new SharedArrayBuffer(16);
    const own = new Uint32Array(2);
    const arrays = {
      a: new Float32Array(buffer, 0, 2),
      b: new Uint32Array(buffer, 8, 2),
      c: own,
      d: new Float32Array(shared),
      e: undefined,
    };
    expect(transferablesOf(arrays)).toEqual([buffer, own.buffer]);
  });
});

describe('a band worked on in pieces', () => {
  beforeAll(() => loadKernels());

  // IPC with a 5 x 5 kernel: 2 halo rows, which later pieces read after earlier ones wrote them.
  const [ngroups, rows, cols] = [3, 23, 7];
  const shape = { nints: 1, ngroups, rows, cols };
  const params = { ky: 5, kx: 5, weights: Array.from({ length: 25 }, (_, i) => (i === 12 ? 1.1 : (i % 7) * 0.003 - 0.008)) };
  const halo = 2;
  const input = () => ({
    data: Float32Array.from({ length: ngroups * rows * cols }, (_, i) => ((i * 7919) % 1009) * 0.37),
    science: Uint8Array.from({ length: rows * cols }, (_, i) => (i % cols < 1 ? 0 : 1)),
  });

  /** The bands run as the pool runs them: halo rows of the outputs snapshotted first, bands in any order. */
  const byBands = (bands: { row0: number; rows: number }[], pieceRows: number) => {
    const arrays: TileArrays = input();
    const snapshot = (band: { row0: number; rows: number }) => {
      const grown = withHalo(band, halo, rows);
      const take = (r0: number, n: number) => (n === 0 ? undefined : { data: cutBand(arrays.data!, 'cube', shape, { row0: r0, rows: n }) });
      return { above: take(grown.row0, band.row0 - grown.row0), below: take(band.row0 + band.rows, grown.row0 + grown.rows - band.row0 - band.rows) };
    };
    const haloRows = bands.map(snapshot);
    for (const b of [...bands.keys()].reverse()) {
      runSharedBand({ kernel: 'ipc', arrays, shape, params, band: bands[b], halo, haloRows: haloRows[b], pieceRows }, bands[b]);
    }
    return arrays.data!;
  };

  it('gives the untiled result bit for bit, pieces within and across bands (and pieces shorter than the halo: the band whole)', () => {
    const whole = input();
    executeTile('ipc', whole, shape, params);
    for (const [bands, pieceRows] of [
      [[{ row0: 0, rows: rows }], 3],
      [planRowBands(rows, { maxRows: 11 }), 3],
      [planRowBands(rows, { maxRows: 8 }), 2],
      [planRowBands(rows, { maxRows: 9 }), 1],
    ] as const) {
      const data = byBands([...bands], pieceRows);
      expect(Buffer.from(data.buffer).equals(Buffer.from(whole.data.buffer)), `bands ${bands.map((b) => b.rows)}, pieces of ${pieceRows}`).toBe(true);
    }
  });
});
