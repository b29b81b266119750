import { beforeAll, describe, expect, it } from 'vitest';
import { Header } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { dqInitStep } from '../../../ts/steps/dq-init.js';
import { superbiasStep } from '../../../ts/steps/superbias.js';
import { fitsInMemory } from '../../helpers/fits.js';

beforeAll(async () => {
  await loadKernels();
});

function ramp(): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 3, ystart: 2, xsize: 4, ysize: 2 });
  return createRampModel({
    meta,
    shape: [1, 2, 2, 4],
    data: new Float32Array(16).fill(100),
    pixeldq: new Uint32Array(8),
    groupdq: new Uint8Array(16),
    zeroframe: Float32Array.from({ length: 8 }, (_, i) => (i === 0 ? 0 : 50)),
  });
}

// A 4 x 8 reference starting at (1, 1): the science window is rows 1-2, columns 2-5 (0-based).
const refHeader = () => new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', 8).set('SUBSIZE2', 4);

describe('dq_init and superbias steps', () => {
  it('skip with a warning and N/A when the reference is missing', async () => {
    const model = ramp();
    const log: string[] = [];
    expect(await dqInitStep(model, undefined, { log: (_, m) => log.push(m) })).toBe('SKIPPED');
    expect(await superbiasStep(model, undefined, { log: (_, m) => log.push(m) })).toBe('SKIPPED');
    expect(model.meta.calStep).toEqual({ DQINIT: 'SKIPPED', SUPERB: 'SKIPPED' });
    expect(model.meta.refFiles).toEqual({ MASK: 'N/A', SUPERB: 'N/A' });
    expect(log).toEqual(['dq_init: no MASK reference; step skipped', 'superbias: no SUPERBIAS reference; step skipped']);
    expect(model.data.every((v) => v === 100)).toBe(true);
  });

  it('cut the references to the subarray, translate DQ_DEF and apply them', async () => {
    const model = ramp();
    const mask = new Uint8Array(32);
    mask[1 * 8 + 2] = 1; // compact DO_NOT_USE at the first science pixel
    mask[2 * 8 + 5] = 2; // compact DEAD at the last science pixel
    const maskFile = await fitsInMemory('mask.fits', [
      { kind: 'image', header: refHeader() },
      { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: mask, shape: [4, 8] },
      {
        kind: 'bintable',
        header: new Header().set('EXTNAME', 'DQ_DEF'),
        nrows: 2,
        columns: [
          { name: 'BIT', format: 'J', data: Int32Array.from([0, 1]) },
          { name: 'VALUE', format: 'J', data: Uint32Array.from([1, 2]) },
          { name: 'NAME', format: '40A', data: ['DO_NOT_USE', 'DEAD'] },
          { name: 'DESCRIPTION', format: '80A', data: ['', ''] },
        ],
      },
    ]);
    expect(await dqInitStep(model, maskFile)).toBe('COMPLETE');
    expect(model.pixeldq[0]).toBe(pixel.DO_NOT_USE);
    expect(model.pixeldq[7]).toBe(pixel.DEAD);
    expect([model.groupdq[0], model.groupdq[8], model.groupdq[7]]).toEqual([1, 1, 0]);

    const bias = Float32Array.from({ length: 32 }, (_, i) => i);
    const biasFile = await fitsInMemory('superbias.fits', [
      { kind: 'image', header: refHeader() },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: bias, shape: [4, 8] },
    ]);
    expect(await superbiasStep(model, biasFile)).toBe('COMPLETE');
    expect(model.data[0]).toBe(100 - 10);
    expect(model.data[7]).toBe(100 - 21);
    expect(model.zeroframe![0]).toBe(0);
    expect(model.zeroframe![1]).toBe(50 - 11);
    expect(model.meta.refFiles.SUPERB).toBe('superbias.fits');
  });

  it('reports a reference that does not contain the science subarray', async () => {
    const model = ramp();
    model.meta.subarray.xstart = 6; // columns 5..8 (0-based) run past the 8-column reference
    const biasFile = await fitsInMemory('small_superbias.fits', [
      { kind: 'image', header: refHeader() },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: new Float32Array(32), shape: [4, 8] },
    ]);
    await expect(superbiasStep(model, biasFile)).rejects.toThrow(/small_superbias.fits: the science subarray \(x 6..9, y 2..3\)/);
  });
});
