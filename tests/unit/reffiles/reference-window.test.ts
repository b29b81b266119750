import { describe, expect, it } from 'vitest';
import { Header } from '../../../ts/io/fits/index.js';
import { cutToScience, readReferenceDq, readReferenceFloat, readReferencePlaneInto } from '../../../ts/reffiles/index.js';
import { isShared, releaseShared } from '../../../ts/kernels/arrays.js';
import { pixel } from '../../../ts/dq/index.js';
import { fitsInMemory } from '../../helpers/fits.js';

// A 3-plane 6 x 8 reference from (1, 1); the science window is rows 2-4, columns 3-6 (0-based
// rows 1..3, columns 2..5) or the full width.
const refGeometry = { xstart: 1, ystart: 1, xsize: 8, ysize: 6 };
const narrow = { xstart: 3, ystart: 2, xsize: 4, ysize: 3 };
const fullWidth = { xstart: 1, ystart: 3, xsize: 8, ysize: 2 };
const values = Float32Array.from({ length: 3 * 6 * 8 }, (_, i) => i * 0.5 - 7);
const dq = Int32Array.from({ length: 6 * 8 }, (_, i) => (i % 5 === 0 ? 1 : i % 7 === 0 ? 2 : 0));

const reference = () =>
  fitsInMemory('ref.fits', [
    { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', 8).set('SUBSIZE2', 6) },
    { kind: 'image', header: new Header().set('EXTNAME', 'COEFFS'), data: values, shape: [3, 6, 8] },
    { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: dq, shape: [6, 8] },
    {
      kind: 'bintable',
      header: new Header().set('EXTNAME', 'DQ_DEF'),
      nrows: 3,
      columns: [
        { name: 'BIT', format: 'J', data: Int32Array.from([0, 1, 2]) },
        { name: 'VALUE', format: 'J', data: Uint32Array.from([1, 2, 4]) },
        { name: 'NAME', format: '40A', data: ['DO_NOT_USE', 'DEAD', 'MADE_UP'] },
        { name: 'DESCRIPTION', format: '80A', data: ['', '', ''] },
      ],
    },
  ]);

const translated = Uint32Array.from(dq, (v) => (v === 1 ? pixel.DO_NOT_USE : v === 2 ? pixel.DEAD : 0));

describe('reference reads cut to the science window', () => {
  for (const [name, science] of [
    ['a narrower window', narrow],
    ['a full-width band of rows', fullWidth],
    ['the same pixels', refGeometry],
  ] as const) {
    it(`read only the window's rows and equal the whole array cut (${name}), in shared memory when asked`, async () => {
      const file = await reference();
      const context = { science, instrument: 'NIRCAM' };
      const expected = cutToScience(values, [3, 6, 8], refGeometry, science, 'ref.fits');
      for (const shared of [false, true]) {
        const { data, shape } = await readReferenceFloat(file, 'COEFFS', context, { shared });
        expect(shape).toEqual(expected.shape);
        expect([...data]).toEqual([...expected.data]);
        expect(isShared(data)).toBe(shared);
        const mask = await readReferenceDq(file, context, 'DQ', { shared });
        const cut = cutToScience(translated, [6, 8], refGeometry, science, 'ref.fits').data;
        expect([...mask.data]).toEqual([...cut]);
        expect(mask.stored).toBeUndefined();
        // As the file stores them: the same window of big-endian words, and how to translate them.
        const stored = await readReferenceDq(file, context, 'DQ', { shared, fileOrder: true });
        expect(stored.stored).toEqual({ unsigned: false, bitFlags: expect.any(Uint32Array) });
        const words = new DataView(stored.data.buffer, stored.data.byteOffset, stored.data.byteLength);
        const fileWords = cutToScience(Uint32Array.from(dq), [6, 8], refGeometry, science, 'ref.fits').data;
        expect(Array.from(stored.data, (_, i) => words.getUint32(4 * i, false))).toEqual([...fileWords]);
        expect(Array.from(fileWords, (word) => stored.stored!.bitFlags.reduce((a, flag, bit) => ((word >>> bit) & 1 ? (a | flag) >>> 0 : a), 0))).toEqual([...cut]);
        expect(isShared(stored.data)).toBe(shared);
        if (shared) [data, mask.data, stored.data].forEach(releaseShared);
      }
      const plane = new Float32Array(science.xsize * science.ysize).fill(NaN);
      await readReferencePlaneInto(file, file.get('COEFFS'), [2], context, plane);
      const plane2 = expected.data.subarray(2 * plane.length, 3 * plane.length);
      expect([...plane]).toEqual([...plane2]);
    });
  }

  for (const [name, science] of [
    ['a narrower window', narrow],
    ['the same pixels', refGeometry],
  ] as const) {
    it(`read a range of the science rows, equal to those rows of the whole read (${name})`, async () => {
      const file = await reference();
      const context = { science, instrument: 'NIRCAM' };
      const whole = await readReferenceFloat(file, 'COEFFS', context);
      const wholeDq = await readReferenceDq(file, context);
      const { xsize, ysize } = science;
      const rowsOf = <T extends Float32Array | Uint32Array>(a: T, planes: number, [first, end]: number[]) =>
        Array.from({ length: planes }, (_, p) => [...a.subarray((p * ysize + first) * xsize, (p * ysize + end) * xsize)]).flat();
      for (const rows of [[0, 1], [1, ysize], [0, ysize]] as [number, number][]) {
        const { data, shape } = await readReferenceFloat(file, 'COEFFS', context, { rows, shared: true });
        expect(shape).toEqual([3, rows[1] - rows[0], xsize]);
        expect([...data], `rows ${rows}`).toEqual(rowsOf(whole.data, 3, rows));
        const mask = await readReferenceDq(file, context, 'DQ', { rows });
        expect([...mask.data], `DQ rows ${rows}`).toEqual(rowsOf(wholeDq.data, 1, rows));
        releaseShared(data);
      }
      await expect(readReferenceFloat(file, 'COEFFS', context, { rows: [0, ysize + 1] })).rejects.toThrow(`ref.fits: rows [0, ${ysize + 1}) are not within the ${ysize} science rows`);
    });
  }

  it("read a full frame's side columns a chunk of rows at a time, equal to the whole array cut", async () => {
    // 2048 wide: a window of 4 columns and 290 rows goes through three chunks of 128 rows.
    const [nx, ny] = [2048, 300];
    const wide = Float32Array.from({ length: 2 * ny * nx }, (_, i) => (i % 9973) * 0.25 - 3);
    const wideDq = Int32Array.from({ length: ny * nx }, (_, i) => (i % 11 === 0 ? 1 : i % 13 === 0 ? 2 : 0));
    const geometry = { xstart: 1, ystart: 1, xsize: nx, ysize: ny };
    const file = await fitsInMemory('wide.fits', [
      { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', nx).set('SUBSIZE2', ny) },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: wide, shape: [2, ny, nx] },
      { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: wideDq, shape: [ny, nx] },
    ]);
    for (const science of [{ xstart: nx - 3, ystart: 6, xsize: 4, ysize: 290 }, { xstart: 1, ystart: 2, xsize: 4, ysize: 129 }]) {
      const context = { science, instrument: 'NIRCAM' };
      const { data } = await readReferenceFloat(file, 'SCI', context);
      expect([...data]).toEqual([...cutToScience(wide, [2, ny, nx], geometry, science, 'wide.fits').data]);
      const { data: rows } = await readReferenceFloat(file, 'SCI', context, { rows: [100, 129] });
      expect([...rows]).toEqual([...cutToScience(wide, [2, ny, nx], geometry, { ...science, ystart: science.ystart + 100, ysize: 29 }, 'wide.fits').data]);
      const mask = await readReferenceDq(file, context);
      // No DQ_DEF: the values are the flags.
      const flags = Uint32Array.from(wideDq);
      expect([...mask.data]).toEqual([...cutToScience(flags, [ny, nx], geometry, science, 'wide.fits').data]);
    }
  });

  it('warn once for a DQ_DEF name that is not a standard flag', async () => {
    const warnings: string[] = [];
    await readReferenceDq(await reference(), { science: narrow, instrument: 'NIRCAM', warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(['ref.fits: DQ_DEF name "MADE_UP" is not a standard flag; ignored']);
  });

  it('refuse a row range outside the block, naming the file and HDU', async () => {
    const file = await reference();
    await expect(file.readImage(file.get('COEFFS'), { index: [0], rows: [4, 7] })).rejects.toThrow(/ref\.fits.*HDU 1 \(COEFFS\): rows \[4, 7\) of a block of shape \[6, 8\]/);
    await expect(file.readImage(file.get('COEFFS'), { rows: [0, 1] })).rejects.toThrow(/rows \[0, 1\) of a block of shape \[3, 6, 8\]/);
  });
});
