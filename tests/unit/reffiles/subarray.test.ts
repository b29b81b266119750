import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Header } from '../../../ts/io/fits/index.js';
import { cutToScience, geometryOf, ReferenceFileError, readReferenceDq, readReferenceFloat } from '../../../ts/reffiles/index.js';
import { openFits } from '../../../ts/datamodels/node.js';

const realDir = fileURLToPath(new URL('../../../../shared/data/real/', import.meta.url));
const superbiasPath = `${realDir}jwst_nirspec_superbias_0075.fits`;

const header = (values: Record<string, number>) => {
  const h = new Header();
  for (const [k, v] of Object.entries(values)) h.set(k, v);
  return h;
};

describe('subarray geometry', () => {
  it('defaults missing keywords to full frame only for full-frame arrays', () => {
    expect(geometryOf(new Header(), [2048, 2048], 'NIRCAM', 'ref.fits')).toEqual({ xstart: 1, ystart: 1, xsize: 2048, ysize: 2048 });
    expect(geometryOf(new Header(), [1024, 1032], 'MIRI', 'ref.fits')).toEqual({ xstart: 1, ystart: 1, xsize: 1032, ysize: 1024 });
    expect(() => geometryOf(new Header(), [64, 64], 'NIRCAM', 'small_ref.fits')).toThrow(
      /small_ref.fits: subarray keywords SUBSTRT1\/2, SUBSIZE1\/2 missing/,
    );
  });

  it('trusts the array over a disagreeing SUBSIZE (with a warning) but accepts IRS2 3200 rows', () => {
    const warnings: string[] = [];
    const g = geometryOf(header({ SUBSTRT1: 5, SUBSTRT2: 6, SUBSIZE1: 100, SUBSIZE2: 20 }), [10, 64], 'NIRCAM', 'r.fits', (m) => warnings.push(m));
    expect(g).toEqual({ xstart: 5, ystart: 6, xsize: 64, ysize: 10 });
    expect(warnings).toHaveLength(2);
    const irs2 = geometryOf(header({ SUBSTRT1: 1, SUBSTRT2: 1, SUBSIZE1: 2048, SUBSIZE2: 2048 }), [3200, 2048], 'NIRSPEC', 'r.fits');
    expect(irs2.ysize).toBe(2048);
    expect(() => geometryOf(header({ SUBSTRT1: 0, SUBSTRT2: 1, SUBSIZE1: 4, SUBSIZE2: 4 }), [4, 4], 'NIRCAM', 'r.fits')).toThrow(/>= 1/);
  });

  it('cuts [..., y0:y1, x0:x1] out of every plane', () => {
    // 2 planes of 4 x 5, values encode (plane, y, x)
    const array = Float32Array.from({ length: 40 }, (_, i) => i);
    const ref = { xstart: 10, ystart: 20, xsize: 5, ysize: 4 };
    const sci = { xstart: 11, ystart: 22, xsize: 3, ysize: 2 };
    const { data, shape } = cutToScience(array, [2, 4, 5], ref, sci, 'r.fits');
    expect(shape).toEqual([2, 2, 3]);
    expect([...data]).toEqual([11, 12, 13, 16, 17, 18, 31, 32, 33, 36, 37, 38]);
    expect(cutToScience(array, [2, 4, 5], ref, ref, 'r.fits').data).toBe(array);
  });

  it('refuses a science subarray outside the reference, naming the file and both extents', () => {
    const ref = { xstart: 1025, ystart: 957, xsize: 512, ysize: 32 };
    const sci = { xstart: 1025, ystart: 950, xsize: 512, ysize: 32 };
    expect(() => cutToScience(new Float32Array(512 * 32), [32, 512], ref, sci, 'jwst_nirspec_superbias_0075.fits')).toThrow(
      new ReferenceFileError(
        'jwst_nirspec_superbias_0075.fits',
        'the science subarray (x 1025..1536, y 950..981) is not inside the reference (x 1025..1536, y 957..988)',
      ),
    );
  });
});

describe.skipIf(!existsSync(superbiasPath))('the real NIRSpec superbias (../shared/data/real)', () => {
  it('reads SCI and DQ (translated through its DQ_DEF) cut to a smaller window', async () => {
    const file = await openFits(superbiasPath);
    try {
      const science = { xstart: 1025 + 100, ystart: 957 + 8, xsize: 50, ysize: 16 };
      const whole = await readReferenceFloat(file, 'SCI', { science: { xstart: 1025, ystart: 957, xsize: 512, ysize: 32 }, instrument: 'NIRSPEC' });
      const cut = await readReferenceFloat(file, 'SCI', { science, instrument: 'NIRSPEC' });
      expect(cut.shape).toEqual([16, 50]);
      expect(cut.data[0]).toBe(whole.data[8 * 512 + 100]);
      expect(cut.data[16 * 50 - 1]).toBe(whole.data[23 * 512 + 149]);
      const dq = await readReferenceDq(file, { science, instrument: 'NIRSPEC' });
      expect(dq.data).toBeInstanceOf(Uint32Array);
      expect(dq.shape).toEqual([16, 50]);
    } finally {
      await file.close();
    }
  });
});
if (!existsSync(superbiasPath)) console.warn(`skipping real superbias tests: ${superbiasPath} not found (../shared absent)`);
