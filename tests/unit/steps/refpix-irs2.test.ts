/**
 * refpix on NIRSpec IRS2 frames (ts/steps/refpix-irs2.ts): the normal-pixel mask, replacement of
 * flagged reference rows, skip rules (no reference, wrong table length), the optional mean
 * subtraction and typed errors. The correction itself is compared with jwst in
 * tests/python/test_irs2_vs_jwst.py and test_irs2_mean_subtraction_vs_jwst.py.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta } from '../../../ts/datamodels/index.js';
import { pixel } from '../../../ts/dq/index.js';
import { bytesSource, encodeFits, FitsFile, Header } from '../../../ts/io/fits/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { irs2NormalMask, RefpixIrs2Error } from '../../../ts/steps/refpix-irs2.js';
import { refpixStep } from '../../../ts/steps/refpix.js';

beforeAll(async () => {
  await loadKernels();
});

const [ROWS, COLS] = [3200, 2048];

function irs2Ramp(detector = 'NRS1', ngroups = 1) {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRSPEC', detector });
  Object.assign(meta.exposure, { nrsNormal: 16, nrsReference: 4, readpatt: 'NRSIRS2RAPID' });
  const plane = ROWS * COLS;
  // each row holds the square of its index (smooth statistics, no outlying pair), so replacements are easy to read
  const data = Float32Array.from({ length: ngroups * plane }, (_, i) => Math.floor((i % plane) / COLS) ** 2);
  return createRampModel({ meta, shape: [1, ngroups, ROWS, COLS], data, pixeldq: new Uint32Array(plane), groupdq: new Uint8Array(ngroups * plane) });
}

async function tableFile(rows: number): Promise<FitsFile> {
  const column = (name: string) => ({ name, format: 'E', data: new Float32Array(rows) });
  const names = ['ALPHA', 'BETA'].flatMap((p) => [0, 1, 2, 3].map((k) => `${p}_${k}`));
  const chunks = encodeFits([
    { kind: 'image', header: new Header().set('REFTYPE', 'REFPIX') },
    { kind: 'bintable', header: new Header().set('EXTNAME', 'IRS2'), nrows: rows, columns: names.map(column) },
  ]);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);
  return FitsFile.open(bytesSource(bytes, 'refpix.fits'));
}

describe('refpix IRS2', () => {
  it('masks the reference output and 4 of every 20 columns, mirrored per readout direction', () => {
    const mask = irs2NormalMask(3200, 16, 4);
    expect(mask.reduce((n, m) => n + m, 0)).toBe(2048);
    expect(Array.from(mask.subarray(640, 640 + 32))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, ...new Array(16).fill(1), 0, 0, 0, 0]);
    expect(mask.subarray(0, 640).every((m) => m === 0)).toBe(true);
    for (let c = 0; c < 640; c++) expect(mask[640 + c]).toBe(mask[2 * 640 - 1 - c]);
  });

  it('flags nothing on clean rows, replaces BAD_REF_PIXEL rows from their neighbours, then skips without a reference', async () => {
    const ramp = irs2Ramp();
    const dnuRef = pixel.BAD_REF_PIXEL | pixel.DO_NOT_USE;
    // reference rows 688 (the same-parity reads a visit before and after are good: their mean),
    // 648 (first visit: the read after) and 651 (first visit, the read after is bad too: the
    // adjacent good reference row 649)
    for (const r of [688, 648, 651, 671]) ramp.pixeldq[r * COLS + 5] = pixel.BAD_REF_PIXEL;
    const logs: string[] = [];
    const status = await refpixStep(ramp, {}, { log: (_l, m) => logs.push(m) }, undefined);
    expect(status).toBe('SKIPPED');
    expect(ramp.meta.calStep.REFPIX).toBe('SKIPPED');
    expect(ramp.shape).toEqual([1, 1, ROWS, COLS]);
    const row = (r: number) => ramp.data.subarray(r * COLS, (r + 1) * COLS);
    expect(row(688).every((v) => v === (668 ** 2 + 708 ** 2) / 2)).toBe(true);
    expect(row(648).every((v) => v === 668 ** 2)).toBe(true);
    expect(row(651).every((v) => v === 649 ** 2)).toBe(true);
    expect(row(669).every((v) => v === 669 ** 2)).toBe(true);
    expect(ramp.pixeldq[688 * COLS + 100]).toBe(dnuRef);
    expect(ramp.pixeldq.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(4 * COLS);
    expect(logs.some((m) => /no REFPIX reference/.test(m))).toBe(true);
  });

  it('skips when the REFPIX table does not have 2 x 712 x 2048 rows', async () => {
    const ramp = irs2Ramp();
    expect(await refpixStep(ramp, {}, {}, await tableFile(10))).toBe('SKIPPED');
    expect(ramp.meta.refFiles.REFPIX).toBe('refpix.fits');
  });

  it('asks for the reference lazily and rejects what it cannot do', async () => {
    await expect(refpixStep(irs2Ramp('NRCA1'), {}, {}, undefined)).rejects.toThrow(RefpixIrs2Error);
    const noNorm = irs2Ramp();
    noNorm.meta.exposure.nrsNormal = undefined;
    await expect(refpixStep(noNorm)).rejects.toThrow(/NRS_NORM/);
    // irs2_mean_subtraction reaches the detector frame through FASTAXIS / SLOWAXIS
    await expect(refpixStep(irs2Ramp(), { irs2MeanSubtraction: true })).rejects.toThrow(/FASTAXIS/);
    let asked = 0;
    expect(await refpixStep(irs2Ramp('NRS2'), {}, {}, async () => (asked++, undefined))).toBe('SKIPPED');
    expect(asked).toBe(1);
  });

  it('irs2_mean_subtraction removes the top/bottom means of each sector and column parity, before the reference is read', async () => {
    // jwst's IRS2 parity by detector column: alternating, but (odd, odd, even, even) on each
    // interleaved visit; the reference output sector copies amplifier A
    const interleaved = Array.from(irs2NormalMask(ROWS, 16, 4), (m) => !m);
    interleaved.splice(0, 640, ...interleaved.slice(640, 1280));
    const odd = interleaved.map((ref, c) => (ref ? c % 4 < 2 : c % 2 === 0));
    for (const [detector, oddEvenColumns] of [
      ['NRS1', true],
      ['NRS2', true],
      ['NRS1', false],
    ] as const) {
      const ramp = irs2Ramp(detector, 2);
      const nrs1 = detector === 'NRS1';
      Object.assign(ramp.meta.subarray, { fastaxis: nrs1 ? 2 : -2, slowaxis: nrs1 ? 1 : -1 });
      // DMS row y is detector column c (NRS2: reversed); DMS columns 0-3 and 2044-2047 are the
      // top/bottom reference rows of the detector frame
      const level = (g: number, y: number, x: number) => {
        const c = nrs1 ? y : ROWS - 1 - y;
        const reference = x < 4 || x >= COLS - 4;
        return 1000 * g + 100 * Math.floor(c / 640) + (odd[c] ? 1 : 2) + (reference ? 0 : 50);
      };
      ramp.data.forEach((_, i) => (ramp.data[i] = level(Math.floor(i / (ROWS * COLS)), Math.floor(i / COLS) % ROWS, i % COLS)));
      const logs: string[] = [];
      expect(await refpixStep(ramp, { irs2MeanSubtraction: true, oddEvenColumns }, { log: (_l, m) => logs.push(m) }, undefined)).toBe('SKIPPED');
      expect(logs.some((m) => /turning off side pixel correction/.test(m))).toBe(true);
      expect(ramp.pixeldq.every((v) => v === 0)).toBe(true);
      const expected = (i: number) => {
        const [g, y, x] = [Math.floor(i / (ROWS * COLS)), Math.floor(i / COLS) % ROWS, i % COLS];
        if (oddEvenColumns) return x < 4 || x >= COLS - 4 ? 0 : 50;
        // one mean per sector: the odd and even reference levels (1 and 2, as many) average to 1.5
        return level(g, y, x) - (1000 * g + 100 * Math.floor((nrs1 ? y : ROWS - 1 - y) / 640) + 1.5);
      };
      const wrong = ramp.data.findIndex((v, i) => v !== expected(i));
      expect(wrong, `${detector} odd/even ${oddEvenColumns}: first wrong pixel`).toBe(-1);
    }
  });
});
