/**
 * refpix on NIRSpec IRS2 frames (ts/steps/refpix-irs2.ts): the normal-pixel mask, replacement of
 * flagged reference rows, skip rules (no reference, wrong table length) and typed errors. The
 * correction itself is compared with jwst in tests/python/test_irs2_vs_jwst.py.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta } from '../../../ts/datamodels/index.js';
import { pixel } from '../../../ts/dq/index.js';
import { bytesSource, encodeFits, FitsFile, Header } from '../../../ts/io/fits/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { StepNotImplementedError } from '../../../ts/steps/ipc.js';
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
    await expect(refpixStep(irs2Ramp(), { irs2MeanSubtraction: true })).rejects.toThrow(StepNotImplementedError);
    let asked = 0;
    expect(await refpixStep(irs2Ramp('NRS2'), {}, {}, async () => (asked++, undefined))).toBe('SKIPPED');
    expect(asked).toBe(1);
  });
});
