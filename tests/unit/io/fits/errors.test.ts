import { describe, expect, it } from 'vitest';
import { bytesSource, encodeFits, FitsError, FitsFile, Header } from '../../../../ts/io/fits/index.js';
import { concat, headerBytes } from './helpers.js';

const PRIMARY = ['SIMPLE  =                    T', 'BITPIX  =                    8', 'NAXIS   =                    0'];

async function openError(bytes: Uint8Array, name = 'bad.fits'): Promise<FitsError> {
  const error = await FitsFile.open(bytesSource(bytes, name)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FitsError);
  expect((error as FitsError).file).toBe(name);
  return error as FitsError;
}

function imageExtension(cards: string[], dataBytes: number): Uint8Array {
  return concat([headerBytes(["XTENSION= 'IMAGE   '", ...cards]), new Uint8Array(Math.ceil(dataBytes / 2880) * 2880)]);
}

describe('bad input gives a FitsError naming the file and the problem', () => {
  it('truncated data', async () => {
    const whole = concat(encodeFits([{ kind: 'image', header: new Header() }, { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: new Float32Array(2000) }]));
    const error = await openError(whole.subarray(0, whole.length - 2880), 'cut.fits');
    expect(error.message).toBe('cut.fits: HDU 1 (SCI): data ends at byte 13760 but the file has 11520 bytes (truncated?)');
  });

  it('a header without END', async () => {
    const error = await openError(headerBytes([...PRIMARY, 'OBJECT  = \'x\''], false), 'noend.fits');
    expect(error.message).toMatch(/^noend\.fits: HDU 0: header has no END card/);
    const extension = concat([headerBytes(PRIMARY), headerBytes(["XTENSION= 'IMAGE   '", 'BITPIX  = 8'], false)]);
    expect((await openError(extension)).message).toMatch(/^bad\.fits: HDU 1: header has no END card before the end of the file/);
  });

  it('an unsupported BITPIX', async () => {
    const error = await openError(headerBytes(['SIMPLE  =                    T', 'BITPIX  =                   12', 'NAXIS   =                    0']));
    expect(error.message).toBe('bad.fits: HDU 0: unsupported BITPIX 12 (must be 8, 16, 32, 64, -32 or -64)');
  });

  it('a file that is not FITS at all', async () => {
    const text = new TextEncoder().encode('{"this": "is JSON"}'.padEnd(3000));
    expect((await openError(text, 'data.json')).message).toBe('data.json: not a FITS file: it does not start with SIMPLE = T');
    expect((await openError(new Uint8Array(100), 'tiny.bin')).message).toBe('tiny.bin: not a FITS file: 100 bytes, less than one 2880-byte block');
    expect((await openError(new Uint8Array(0), 'empty.fits')).message).toBe('empty.fits: not a FITS file: 0 bytes, less than one 2880-byte block');
  });

  it('negative, missing or non-integer NAXISn', async () => {
    const negative = concat([headerBytes(PRIMARY), imageExtension(['BITPIX  = 8', 'NAXIS   = 2', 'NAXIS1  = -4', 'NAXIS2  = 1', "EXTNAME = 'DQ'"], 0)]);
    expect((await openError(negative)).message).toBe('bad.fits: HDU 1 (DQ): NAXIS1 = -4 is invalid (must be at least 0)');
    const missing = concat([headerBytes(PRIMARY), imageExtension(['BITPIX  = 8', 'NAXIS   = 2', 'NAXIS1  = 4'], 0)]);
    expect((await openError(missing)).message).toBe('bad.fits: HDU 1: NAXIS2 is missing or not an integer');
    const fractional = concat([headerBytes(['SIMPLE  = T', 'BITPIX  = 8', 'NAXIS   = 1.5'])]);
    expect((await openError(fractional)).message).toBe('bad.fits: HDU 0: NAXIS is missing or not an integer');
  });

  it('get() of a missing EXTNAME', async () => {
    const file = await FitsFile.open(bytesSource(concat(encodeFits([{ kind: 'image', header: new Header() }])), 'ref.fits'));
    expect(() => file.get('DQ')).toThrow(FitsError);
    expect(() => file.get('dq')).toThrow('ref.fits: no DQ extension');
    expect(() => file.get('SCI', 2)).toThrow('ref.fits: no SCI extension with EXTVER=2');
  });

  it('reading an HDU the wrong way, or outside its shape', async () => {
    const chunks = encodeFits([
      { kind: 'image', header: new Header(), data: new Uint16Array(12), shape: [3, 4] },
      { kind: 'bintable', header: new Header().set('EXTNAME', 'T'), columns: [{ name: 'A', format: 'J', data: new Int32Array(1) }], nrows: 1 },
    ]);
    const file = await FitsFile.open(bytesSource(concat(chunks), 'x.fits'));
    await expect(file.readImage(file.get('T'))).rejects.toThrow('x.fits: HDU 1 (T) is a BINTABLE, not an image');
    await expect(file.readTable(file.primary)).rejects.toThrow('x.fits: HDU 0 is not a table');
    await expect(file.readImage(file.primary, { index: [3] })).rejects.toThrow('x.fits: HDU 0: index [3] is outside shape [3, 4]');
    await expect(file.readImage(file.primary, { index: [0, 0, 0] })).rejects.toThrow(/outside shape/);
    const table = await file.readTable(file.get('T'));
    expect(() => table.column('B')).toThrow('x.fits: HDU 1 (T): no column B (columns: A)');
  });

  it('a table whose columns do not fit NAXIS1, or a variable-length column', async () => {
    const table = (tform: string, width: number) =>
      concat([
        headerBytes(PRIMARY),
        headerBytes(["XTENSION= 'BINTABLE'", 'BITPIX  = 8', 'NAXIS   = 2', `NAXIS1  = ${width}`, 'NAXIS2  = 1', 'PCOUNT  = 0', 'GCOUNT  = 1', 'TFIELDS = 1', "TTYPE1  = 'A'", `TFORM1  = '${tform}'`]),
        new Uint8Array(2880),
      ]);
    const narrow = await FitsFile.open(bytesSource(table('2J', 4), 't.fits'));
    await expect(narrow.readTable(narrow.hdus[1])).rejects.toThrow('t.fits: HDU 1: columns need more than the 4 bytes per row that NAXIS1 gives');
    const variable = await FitsFile.open(bytesSource(table('1PB(10)', 8), 't.fits'));
    await expect(variable.readTable(variable.hdus[1])).rejects.toThrow(/variable-length array \(TFORM 1PB\(10\)\), which is not supported/);
  });
});

describe('lenient about what does not make data unusable', () => {
  it('skips extensions of unknown types by their PCOUNT/GCOUNT size', async () => {
    const foreign = concat([
      headerBytes(["XTENSION= 'FOREIGN '", 'BITPIX  = 8', 'NAXIS   = 1', 'NAXIS1  = 10', 'PCOUNT  = 3000', 'GCOUNT  = 1']),
      new Uint8Array(2 * 2880),
    ]);
    const sci = encodeFits([{ kind: 'image', header: new Header(), data: new Int16Array([1, -2, 3]) }]);
    const asExtension = encodeFits([
      { kind: 'image', header: new Header() },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: new Int16Array([1, -2, 3]) },
    ]);
    const file = await FitsFile.open(bytesSource(concat([sci[0], sci[1], foreign, asExtension[2], asExtension[3]]), 'mixed.fits'));
    expect(file.hdus.map((hdu) => [hdu.index, hdu.extname])).toEqual([
      [0, undefined],
      [2, 'SCI'],
    ]);
    expect(Array.from((await file.readImage(file.get('SCI'))).data as Int16Array)).toEqual([1, -2, 3]);
  });

  it('ignores trailing bytes after the last HDU and a missing final padding', async () => {
    const chunks = encodeFits([{ kind: 'image', header: new Header(), data: new Uint8Array([7, 8, 9]) }], { checksum: false });
    const withJunk = await FitsFile.open(bytesSource(concat([...chunks, new Uint8Array(2880)]), 'junk.fits'));
    expect(withJunk.hdus).toHaveLength(1);
    const unpadded = await FitsFile.open(bytesSource(concat(chunks).subarray(0, 2880 + 3), 'short.fits'));
    expect(Array.from((await unpadded.readImage(unpadded.primary)).data as Uint8Array)).toEqual([7, 8, 9]);
  });

  it('accepts malformed cosmetic cards', async () => {
    const bytes = headerBytes([...PRIMARY, "OBJECT  = 'unterminated", 'CPLX    = (1.0, 2.0)', 'ODD     = 1.2.3', 'CONTINUE  \'orphan\'']);
    const file = await FitsFile.open(bytesSource(bytes, 'odd.fits'));
    expect(file.primary.header.getString('OBJECT')).toBe('unterminated');
    expect(file.primary.header.get('CPLX')).toBe('(1.0, 2.0)');
    expect(file.primary.header.get('ODD')).toBe('1.2.3');
  });
});
