import { describe, expect, it } from 'vitest';
import { FitsFile, Header, blobSource, encodeFits } from '../../ts/io/fits/index.js';
import { createRampModel, modelHdus, RampReader } from '../../ts/datamodels/index.js';

describe('FITS in the browser', () => {
  it('reads a ramp file from a Blob one integration at a time', async () => {
    const shape: [number, number, number, number] = [3, 2, 4, 5];
    const ramp = createRampModel({
      shape,
      data: Float32Array.from({ length: 120 }, (_, i) => i * 1.5),
      pixeldq: new Uint32Array(20).fill(2 ** 31),
      groupdq: new Uint8Array(120).fill(4),
    });
    const blob = new Blob(encodeFits(modelHdus(ramp, { fileName: 'browser_ramp.fits' })) as BlobPart[]);
    const reader = RampReader.open(await FitsFile.open(blobSource(blob, 'browser_ramp.fits')));
    const middle = await reader.readIntegration(1);
    expect(middle.data).toEqual(ramp.data.subarray(40, 80));
    expect(middle.groupdq).toEqual(ramp.groupdq.subarray(40, 80));
    expect(await reader.readPixeldq()).toEqual(ramp.pixeldq);
  });

  it('reports a truncated Blob by name', async () => {
    const bytes = encodeFits([
      { kind: 'image', header: new Header() },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: new Uint16Array(4000), shape: [4000] },
    ]);
    const whole = new Blob(bytes as BlobPart[]);
    const truncated = whole.slice(0, whole.size - 2880);
    await expect(FitsFile.open(blobSource(truncated, 'cut_uncal.fits'))).rejects.toThrow(/cut_uncal\.fits/);
  });
});
