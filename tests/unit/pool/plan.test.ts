import { describe, expect, it } from 'vitest';
import type { KernelArray, Layout, TileShape } from '../../../ts/kernels/arrays.js';
import { cutBand, pasteBand, planRowBands, withHalo, type RowBand } from '../../../ts/pool/plan.js';

/** Why `bands` is not every row once, in order, in bands of one height within `maxRows` (the last may be shorter). */
function tilingFault(bands: RowBand[], totalRows: number, maxRows: number): string | undefined {
  const height = bands[0].rows;
  if (height > maxRows) return `height ${height} > maxRows ${maxRows}`;
  let next = 0;
  for (const [i, band] of bands.entries()) {
    if (band.row0 !== next) return `band ${i} starts at ${band.row0}, expected ${next}`;
    const last = i === bands.length - 1;
    if (last ? band.rows < 1 || band.rows > height : band.rows !== height) return `band ${i} has ${band.rows} rows`;
    next += band.rows;
  }
  return next === totalRows ? undefined : `bands cover ${next} rows`;
}

describe('planRowBands', () => {
  it('gives one band by default', () => {
    expect(planRowBands(37)).toEqual([{ row0: 0, rows: 37 }]);
  });

  it('cuts 37 rows for 3 workers into 13 + 13 + 11 (uneven last band)', () => {
    expect(planRowBands(37, { minBands: 3 })).toEqual([
      { row0: 0, rows: 13 },
      { row0: 13, rows: 13 },
      { row0: 26, rows: 11 },
    ]);
  });

  it('gives one-row bands when asked for more bands than rows', () => {
    expect(planRowBands(3, { minBands: 8 })).toEqual([
      { row0: 0, rows: 1 },
      { row0: 1, rows: 1 },
      { row0: 2, rows: 1 },
    ]);
  });

  it('keeps bands within maxRows, even if that makes more bands than minBands', () => {
    expect(planRowBands(10, { maxRows: 4 })).toEqual([
      { row0: 0, rows: 4 },
      { row0: 4, rows: 4 },
      { row0: 8, rows: 2 },
    ]);
    expect(planRowBands(100, { minBands: 2, maxRows: 10 })).toHaveLength(10);
    expect(planRowBands(5, { maxRows: 50 })).toEqual([{ row0: 0, rows: 5 }]);
  });

  it('tiles every row exactly once for any row count, band count and height limit', () => {
    const faults: string[] = [];
    for (let totalRows = 1; totalRows <= 40; totalRows++) {
      for (let minBands = 1; minBands <= 9; minBands++) {
        for (const maxRows of [1, 2, 3, 7, 64]) {
          const bands = planRowBands(totalRows, { minBands, maxRows });
          const fault =
            tilingFault(bands, totalRows, maxRows) ??
            (bands.length > Math.max(minBands, Math.ceil(totalRows / maxRows)) ? `${bands.length} bands` : undefined);
          if (fault) faults.push(`rows ${totalRows}, minBands ${minBands}, maxRows ${maxRows}: ${fault}`);
        }
      }
    }
    expect(faults).toEqual([]);
  });

  it('rejects row counts and options that are not positive integers', () => {
    for (const totalRows of [0, -1, 2.5, Number.NaN]) expect(() => planRowBands(totalRows)).toThrow(RangeError);
    // A fractional band height would cut rows in two and shift every later band.
    for (const maxRows of [0, 2.5, Number.NaN]) {
      expect(() => planRowBands(10, { maxRows })).toThrow(/maxRows must be a positive integer/);
    }
    expect(() => planRowBands(10, { minBands: 1.5 })).toThrow(/minBands must be a positive integer/);
  });
});

describe('cutBand / pasteBand', () => {
  const shape: TileShape = { nints: 2, ngroups: 3, rows: 7, cols: 5 };
  const cases: { layout: Layout; planes: number; make: (n: number) => KernelArray }[] = [
    { layout: 'cube', planes: 6, make: (n) => Float32Array.from({ length: n }, (_, i) => i + 0.5) },
    { layout: 'intPlanes', planes: 2, make: (n) => Uint16Array.from({ length: n }, (_, i) => i * 3) },
    { layout: 'plane', planes: 1, make: (n) => Uint32Array.from({ length: n }, (_, i) => 0xfff00000 + i) },
  ];

  it('cuts the band rows of every plane: hand-computed case', () => {
    // (nints 1, ngroups 2, rows 3, cols 2) holding 0..11; rows 1-2 are [2..5] in plane 0 and [8..11] in plane 1.
    const small: TileShape = { nints: 1, ngroups: 2, rows: 3, cols: 2 };
    const band = cutBand(Uint8Array.from({ length: 12 }, (_, i) => i), 'cube', small, { row0: 1, rows: 2 });
    expect(band).toBeInstanceOf(Uint8Array);
    expect([...band]).toEqual([2, 3, 4, 5, 8, 9, 10, 11]);
  });

  for (const { layout, planes, make } of cases) {
    it(`round-trips a ${layout} array through uneven bands`, () => {
      const source = make(planes * shape.rows * shape.cols);
      const target = new (source.constructor as new (n: number) => KernelArray)(source.length);
      for (const band of planRowBands(shape.rows, { minBands: 3 })) {
        const piece = cutBand(source, layout, shape, band);
        expect(piece.constructor).toBe(source.constructor);
        expect(piece.length).toBe(planes * band.rows * shape.cols);
        // Its own buffer, so it can be transferred without detaching the source.
        expect(piece.buffer).not.toBe(source.buffer);
        expect(piece.byteLength).toBe(piece.buffer.byteLength);
        pasteBand(target, piece, layout, shape, band);
      }
      expect([...target]).toEqual([...source]);
    });

    it(`pastes a ${layout} band only over its own rows`, () => {
      const target = make(planes * shape.rows * shape.cols);
      const before = [...target];
      const band = { row0: 2, rows: 3 };
      const zeros = new (target.constructor as new (n: number) => KernelArray)(planes * band.rows * shape.cols);
      pasteBand(target, zeros, layout, shape, band);
      for (let p = 0; p < planes; p++) {
        for (let row = 0; row < shape.rows; row++) {
          const start = (p * shape.rows + row) * shape.cols;
          const inBand = row >= band.row0 && row < band.row0 + band.rows;
          expect([...target.subarray(start, start + shape.cols)]).toEqual(
            inBand ? new Array(shape.cols).fill(0) : before.slice(start, start + shape.cols),
          );
        }
      }
    });
  }
});

describe('halo rows', () => {
  it('grow a band on both sides, clamped to the array', () => {
    expect(withHalo({ row0: 0, rows: 5 }, 2, 12)).toEqual({ row0: 0, rows: 7 });
    expect(withHalo({ row0: 5, rows: 5 }, 2, 12)).toEqual({ row0: 3, rows: 9 });
    expect(withHalo({ row0: 10, rows: 2 }, 2, 12)).toEqual({ row0: 8, rows: 4 });
    expect(withHalo({ row0: 3, rows: 2 }, 0, 12)).toEqual({ row0: 3, rows: 2 });
    expect(() => withHalo({ row0: 3, rows: 2 }, -1, 12)).toThrow(RangeError);
  });

  it('paste only the core rows of a band cut with its halo', () => {
    const shape = { nints: 2, ngroups: 2, rows: 11, cols: 3 };
    const source = Float32Array.from({ length: 4 * 33 }, (_, i) => i);
    const target = new Float32Array(source.length);
    for (const band of planRowBands(11, { maxRows: 4 })) {
      const grown = withHalo(band, 2, 11);
      pasteBand(target, cutBand(source, 'cube', shape, grown), 'cube', shape, band, grown);
    }
    expect(target).toEqual(source);
  });
});
