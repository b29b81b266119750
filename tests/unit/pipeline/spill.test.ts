/**
 * The file spill (bands of rows stored contiguously) returns exactly what the in-memory one does,
 * for whole integrations, any row range (aligned to its bands or not), and GROUPDQ rewrites.
 */
import { describe, expect, it } from 'vitest';
import { FileSpill } from '../../../ts/pipeline/spill-node.js';
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
          for (let i = 0; i < 3; i++) expect(await file.getRows(i, row0, row1)).toEqual(await memory.getRows(i, row0, row1));
        }
        for (let i = 0; i < 3; i++) {
          expect(await file.get(i)).toEqual(await memory.get(i));
          expect(await file.getGroupdq(i)).toEqual(await memory.getGroupdq(i));
        }
      } finally {
        await file.close();
      }
    });
  }
});
