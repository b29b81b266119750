/**
 * The file spill (bands of rows stored contiguously) returns exactly what the in-memory one does,
 * for whole integrations, any row range (aligned to its bands or not), and GROUPDQ rewrites.
 */
import { describe, expect, it } from 'vitest';
import { FileRateintsStore, FileSpill } from '../../../ts/pipeline/spill-node.js';
import { MemorySpill, type SpillShape } from '../../../ts/pipeline/spill.js';
import { random as seeded } from '../../helpers/random.js';

describe('FileSpill', () => {
  for (const [shape, hasZeroframe] of [
    [{ ngroups: 3, rows: 13, cols: 7, bandRows: 4 }, true],
    [{ ngroups: 2, rows: 9, cols: 5, bandRows: 9 }, false],
    [{ ngroups: 5, rows: 10, cols: 3, bandRows: 1 }, true],
  ] as [SpillShape, boolean][]) {
    it(`${JSON.stringify(shape)}, zeroframe ${hasZeroframe}: equals the memory spill`, async () => {
      const random = seeded(shape.rows * 31 + shape.cols);
      const samples = shape.ngroups * shape.rows * shape.cols;
      const plane = shape.rows * shape.cols;
      const file = await FileSpill.create(shape, hasZeroframe);
      const memory = new MemorySpill(shape);
      try {
        for (let i = 0; i < 3; i++) {
          const value = {
            data: Float32Array.from({ length: samples }, () => random() * 1000 - 500),
            groupdq: Uint8Array.from({ length: samples }, () => Math.floor(random() * 256)),
            zeroframe: hasZeroframe ? Float32Array.from({ length: plane }, () => random()) : undefined,
          };
          await file.put(i, value);
          await memory.put(i, { data: value.data.slice(), groupdq: value.groupdq.slice(), zeroframe: value.zeroframe?.slice() });
        }
        for (const [row0, row1] of [[0, shape.rows], [1, 3], [0, 1], [shape.rows - 2, shape.rows], [2, shape.rows - 1]]) {
          const rows = row1 - row0;
          const groupdq = Uint8Array.from({ length: shape.ngroups * rows * shape.cols }, () => Math.floor(random() * 256));
          await file.putGroupdqRows(1, row0, row1, groupdq);
          await memory.putGroupdqRows(1, row0, row1, groupdq);
          for (let i = 0; i < 3; i++) {
            const expected = await memory.getRows(i, row0, row1);
            expect(await file.getRows(i, row0, row1)).toEqual(expected);
            // Into the caller's arrays (views inside larger ones), and two reads at once.
            for (const store of [file, memory]) {
              const length = rows * shape.cols;
              const into = {
                data: new Float32Array(shape.ngroups * length + 2).subarray(1, -1),
                groupdq: new Uint8Array(shape.ngroups * length),
                zeroframe: hasZeroframe ? new Float32Array(length) : undefined,
              };
              const [filled, other] = await Promise.all([store.getRows(i, row0, row1, into), store.getRows((i + 1) % 3, row0, row1)]);
              expect(filled.data).toBe(into.data);
              expect(filled).toEqual(expected);
              expect(other).toEqual(await memory.getRows((i + 1) % 3, row0, row1));
            }
          }
        }
        for (let i = 0; i < 3; i++) {
          expect(await file.get(i)).toEqual(await memory.get(i));
          expect(await file.getGroupdq(i)).toEqual(await memory.getGroupdq(i));
          const into = new Uint8Array(shape.ngroups * shape.rows * shape.cols).fill(255);
          expect(await file.getGroupdq(i, into)).toBe(into);
          expect(into).toEqual(await memory.getGroupdq(i));
        }
      } finally {
        await file.close();
      }
    });
  }
});

describe('FileRateintsStore', () => {
  it('keeps the rows of each band where they belong, per integration and array', async () => {
    const shape = { rows: 11, cols: 6 };
    const plane = shape.rows * shape.cols;
    const random = seeded(7);
    const whole = Array.from({ length: 3 }, () => ({
      data: Float32Array.from({ length: plane }, () => random()),
      err: Float32Array.from({ length: plane }, () => random()),
      dq: Uint32Array.from({ length: plane }, () => Math.floor(random() * 2 ** 32)),
      varPoisson: Float32Array.from({ length: plane }, () => random()),
      varRnoise: Float32Array.from({ length: plane }, () => random()),
    }));
    const store = await FileRateintsStore.create(shape);
    try {
      // Bands of uneven heights, written out of order.
      for (const [row0, row1] of [[4, 11], [0, 1], [1, 4]]) {
        for (const [i, arrays] of whole.entries()) {
          const rows = Object.fromEntries(Object.entries(arrays).map(([key, array]) => [key, array.subarray(row0 * shape.cols, row1 * shape.cols)]));
          await store.putRows(i, row0, rows as (typeof whole)[number]);
        }
      }
      for (const [i, arrays] of whole.entries()) {
        expect(await store.getPlane(i)).toEqual(arrays);
        for (const key of ['data', 'err', 'dq', 'varPoisson', 'varRnoise'] as const) expect(await store.getArray(i, key)).toEqual(arrays[key]);
      }
      await expect(store.getPlane(3)).rejects.toThrow(/integration 3 was never stored/);
    } finally {
      await store.close();
    }
  });
});
