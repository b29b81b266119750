import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource, encodeFits, FitsFile, Header, onesComplementSum, type WritableHdu } from '../../../../ts/io/fits/index.js';
import { readFits } from '../../../../ts/io/fits/node.js';
import { concat, expectSameArray, realDataDir, realDataPresent, realDataSkipMessage, referenceSum } from './helpers.js';

const real = (name: string) => path.join(realDataDir, name);
/** Said in the titles only when the files are absent and the tests skip. */
const skipped = realDataPresent ? '' : ` (skipped: ${realDataSkipMessage})`;

describe.skipIf(!realDataPresent)(`real uncal file${skipped}`, () => {
  let file: FitsFile;
  beforeAll(async () => {
    file = await readFits(real('jw01019001001_gs-acq1_2022117003102_uncal.fits'));
  });
  afterAll(async () => file?.close());

  it('has the JWST uncal layout', () => {
    expect(file.hdus.map((hdu) => [hdu.kind, hdu.extname, hdu.extver])).toEqual([
      ['primary', undefined, 1],
      ['image', 'SCI', 1],
      ['bintable', 'ASDF', 1],
    ]);
  });

  it('keeps exposure keywords in the primary header, not in SCI', () => {
    const primary = file.primary.header;
    expect(primary.getInt('NGROUPS')).toBe(2);
    expect(primary.getInt('NINTS')).toBe(6);
    expect(primary.getString('SUBARRAY')).toBe('128X128');
    expect(primary.getInt('SUBSTRT1')).toBe(887);
    expect(primary.getInt('SUBSTRT2')).toBe(1022);
    expect(primary.getNumber('TFRAME')).toBe(0.182);
    expect(primary.getString('DATAMODL')).toBe('Level1bModel');
    const sci = file.get('SCI').header;
    expect(sci.has('NGROUPS')).toBe(false);
    expect(sci.has('SUBARRAY')).toBe(false);
    expect(sci.getString('BUNIT')).toBe('DN');
  });

  it('reads SCI as a uint16 [6, 2, 128, 128] cube', async () => {
    const sci = file.get('SCI');
    const { data, shape } = await file.readImage(sci);
    expect(shape).toEqual([6, 2, 128, 128]);
    expect(data).toBeInstanceOf(Uint16Array);
    const pixels = data as Uint16Array;
    expect(pixels.reduce((a, b) => Math.min(a, b), Infinity)).toBe(5886);
    expect(pixels.reduce((a, b) => Math.max(a, b), -Infinity)).toBe(64364);
    expect(Array.from(pixels.subarray(0, 5))).toEqual([11386, 14345, 11742, 9695, 10505]);
    const block = (await file.readImage(sci, { index: [3, 1, 5] })).data;
    expect(Array.from(block.subarray(0, 5) as Uint16Array)).toEqual([10091, 11244, 11123, 9758, 10180]);
    const integration = await file.readImage(sci, { index: [4], as: 'float32' });
    expect(integration.shape).toEqual([2, 128, 128]);
    expectSameArray(integration.data, Float32Array.from(pixels.subarray(4 * 32768, 5 * 32768)), 'integration 4');
  });

  it('holds the ASDF tree in a one-row BINTABLE', async () => {
    const asdf = file.get('ASDF');
    const table = await file.readTable(asdf);
    expect(table.nrows).toBe(1);
    expect(table.columns.map((c) => [c.name, c.format])).toEqual([['ASDF_METADATA', '4373B']]);
    const bytes = table.column('asdf_metadata').data as Uint8Array;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(4373);
    expect(new TextDecoder().decode(bytes.subarray(0, 11))).toBe('#ASDF 1.0.0');
  });

  it('parses and re-serializes every header byte for byte', async () => {
    const original = await readFile(real('jw01019001001_gs-acq1_2022117003102_uncal.fits'));
    for (const hdu of file.hdus) {
      const headerLength = hdu.dataOffset - hdu.headerOffset;
      expect(hdu.header.toBytes(), `HDU ${hdu.index}`).toEqual(new Uint8Array(original.subarray(hdu.headerOffset, hdu.headerOffset + headerLength)));
    }
  });

  it('written back (re-encoded and raw), every HDU keeps its data bytes', async () => {
    const sci = file.get('SCI');
    const hdus: WritableHdu[] = [
      { kind: 'image', header: file.primary.header },
      { kind: 'image', header: sci.header, ...(await file.readImage(sci)) },
      { kind: 'raw', header: file.get('ASDF').header, data: await file.readRawData(file.get('ASDF')) },
    ];
    const written = await FitsFile.open(bytesSource(concat(encodeFits(hdus)), 'rewritten.fits'));
    expect(written.hdus.map((hdu) => hdu.extname)).toEqual([undefined, 'SCI', 'ASDF']);
    for (const hdu of file.hdus) {
      const copy = written.hdus[hdu.index];
      expectSameArray(await written.readRawData(copy), await file.readRawData(hdu), `HDU ${hdu.index} data`);
      for (const card of hdu.header.cards) {
        if (['CHECKSUM', 'DATASUM'].includes(card.key)) continue;
        expect(copy.header.get(card.key), `HDU ${hdu.index} ${card.key}`).toEqual(hdu.header.get(card.key));
      }
    }
    expect(written.get('SCI').header.get('BZERO')).toBe(32768);
  });

  it('raw pass-through of every HDU without checksums reproduces the file exactly', async () => {
    const original = await readFile(real('jw01019001001_gs-acq1_2022117003102_uncal.fits'));
    const hdus: WritableHdu[] = await Promise.all(file.hdus.map(async (hdu) => ({ kind: 'raw' as const, header: hdu.header, data: await file.readRawData(hdu) })));
    expectSameArray(concat(encodeFits(hdus, { checksum: false })), new Uint8Array(original), 'rewritten file');
  });
});

describe.skipIf(!realDataPresent)(`real NIRSpec dark reference${skipped}`, () => {
  let file: FitsFile;
  beforeAll(async () => {
    file = await readFits(real('jwst_nirspec_dark_0046.fits'));
  });
  afterAll(async () => file?.close());

  it('reads SCI and ERR as float32 [10, 32, 512]', async () => {
    for (const name of ['SCI', 'ERR']) {
      const { data, shape } = await file.readImage(file.get(name));
      expect(data, name).toBeInstanceOf(Float32Array);
      expect(shape, name).toEqual([10, 32, 512]);
    }
    const sci = (await file.readImage(file.get('SCI'))).data as Float32Array;
    expect(Array.from(sci.subarray(3 * 32 * 512 + 5 * 512, 3 * 32 * 512 + 5 * 512 + 4))).toEqual(
      Array.from(new Float32Array([16.175245, -1.40842, 2.854856, -3.9504082])),
    );
  });

  it('reads a lazy SCI plane equal to the slice of the whole cube', async () => {
    const sci = file.get('SCI');
    const whole = (await file.readImage(sci)).data as Float32Array;
    const plane = await file.readImage(sci, { index: [7] });
    expect(plane.shape).toEqual([32, 512]);
    expectSameArray(plane.data, whole.subarray(7 * 16384, 8 * 16384), 'plane 7');
    const row = await file.readImage(sci, { index: [7, 31], as: 'float64' });
    expectSameArray(row.data, Float64Array.from(whole.subarray(8 * 16384 - 512, 8 * 16384)), 'row');
  });

  it('reads DQ as uint8 [32, 512] and the extra UNC extension', async () => {
    const dq = await file.readImage(file.get('DQ'));
    expect(dq.data).toBeInstanceOf(Uint8Array);
    expect(dq.shape).toEqual([32, 512]);
    expect((dq.data as Uint8Array).reduce((a, b) => Math.max(a, b), 0)).toBe(12);
    const unc = await file.readImage(file.get('UNC'));
    expect(unc.data).toBeInstanceOf(Float32Array);
    expect(unc.shape).toEqual([512, 32]);
    expect(file.hdus.map((hdu) => hdu.extname)).toEqual([undefined, 'SCI', 'ERR', 'DQ', 'DQ_DEF', 'UNC']);
  });

  it('ignores BZERO on a primary without data', () => {
    expect(file.primary.bitpix).toBe(16);
    expect(file.primary.shape).toEqual([]);
    expect(file.primary.header.getNumber('BZERO')).toBe(32768);
  });

  it('reads the DQ_DEF table as written (B, B, 20A, 40A)', async () => {
    const table = await file.readTable(file.get('dq_def'));
    expect(table.nrows).toBe(6);
    expect(table.columns.map((c) => [c.name, c.format])).toEqual([
      ['Bit', 'B'],
      ['Value', 'B'],
      ['Name', '20A'],
      ['Description', '40A'],
    ]);
    expect(table.column('BIT').data).toEqual(new Uint8Array([0, 1, 2, 3, 4, 5]));
    expect(table.column('VALUE').data).toEqual(new Uint8Array([1, 2, 4, 8, 16, 32]));
    expect(table.column('NAME').data).toEqual(['DO_NOT_USE', 'WARM', 'HOT', 'UNRELIABLE_SLOPE', 'UNRELIABLE_DARK', 'BAD_REF_PIXEL']);
    expect((table.column('DESCRIPTION').data as string[])[3]).toBe('High noise pixel/slope variance large');
  });
});

describe.skipIf(!realDataPresent)(`real superbias and readnoise references${skipped}`, () => {
  it('verifies the checksums astropy wrote, and reads uint32 DQ and J columns', async () => {
    const name = real('jwst_nirspec_superbias_0075.fits');
    const bytes = new Uint8Array(await readFile(name));
    const file = await FitsFile.open(bytesSource(bytes, name));
    try {
      file.hdus.forEach((hdu, i) => {
        const end = i + 1 < file.hdus.length ? file.hdus[i + 1].headerOffset : bytes.length;
        expect(referenceSum(bytes.subarray(hdu.headerOffset, end)), `HDU ${i}`).toBe(0xffffffff);
        expect(String(onesComplementSum(bytes.subarray(hdu.dataOffset, end))), `HDU ${i} DATASUM`).toBe(hdu.header.getString('DATASUM'));
      });
      const dq = await file.readImage(file.get('DQ'));
      expect(dq.data).toBeInstanceOf(Uint32Array);
      const table = await file.readTable(file.get('DQ_DEF'));
      expect(table.column('Value').data).toEqual(new Int32Array([1, 2]));
      expect(table.column('Name').data).toEqual(['DO_NOT_USE', 'UNRELIABLE_BIAS']);
      const asdf = file.get('ASDF');
      expect([asdf.kind, asdf.bitpix, asdf.shape]).toEqual(['image', 8, [135640]]);

      // Unchanged HDUs passed through raw with checksums recomputed come out identical.
      const raw: WritableHdu[] = await Promise.all(file.hdus.map(async (hdu) => ({ kind: 'raw' as const, header: hdu.header, data: await file.readRawData(hdu) })));
      expectSameArray(concat(encodeFits(raw)), bytes, 'rewritten file');
    } finally {
      await file.close();
    }
  });

  it('finds a SCI extension that carries EXTVER = 1', async () => {
    const file = await readFits(real('miri_new_readnoise_file.fits'));
    try {
      expect(file.get('SCI', 1).shape).toEqual([416, 72]);
      expect(file.find('SCI', 2)).toBeUndefined();
      expect(file.find('PRIMARY')).toBe(file.primary);
      expect(file.primary.header.getString('DATAMODL')).toBe('ReadnoiseModel');
      expect(new Header(file.primary.header.cards).getInt('SUBSTRT2')).toBe(529);
    } finally {
      await file.close();
    }
  });
});
