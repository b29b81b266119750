import { describe, expect, it, vi } from 'vitest';
import {
  bytesSource,
  ChunkSink,
  encodeFits,
  FitsFile,
  FitsStreamWriter,
  Header,
  onesComplementSum,
  OnesComplementSum,
  type ImageArray,
  type TableColumnSpec,
  type WritableHdu,
} from '../../../../ts/io/fits/index.js';
import { concat, expectSameArray, headerBytes, referenceSum } from './helpers.js';

const SHAPE = [2, 3, 4, 5];
const COUNT = 120;

function ramp<T extends { length: number }>(make: (length: number) => T, value: (i: number) => number | bigint): T {
  const array = make(COUNT) as T & Record<number, number | bigint>;
  for (let i = 0; i < COUNT; i++) array[i] = value(i);
  return array;
}

// Values that exercise sign bits, extremes and byte order of each type.
const CASES: Array<{ name: string; data: ImageArray; bitpix: number; bzero?: number | bigint }> = [
  { name: 'uint8', data: ramp((n) => new Uint8Array(n), (i) => (i * 37) % 256), bitpix: 8 },
  { name: 'int8', data: ramp((n) => new Int8Array(n), (i) => ((i * 37) % 256) - 128), bitpix: 8, bzero: -128 },
  { name: 'int16', data: ramp((n) => new Int16Array(n), (i) => (i * 547) % 65536 - 32768), bitpix: 16 },
  { name: 'uint16', data: ramp((n) => new Uint16Array(n), (i) => (i * 547) % 65536), bitpix: 16, bzero: 32768 },
  { name: 'int32', data: ramp((n) => new Int32Array(n), (i) => (i * 35791393) | 0), bitpix: 32 },
  { name: 'uint32', data: ramp((n) => new Uint32Array(n), (i) => (i * 35791393) >>> 0), bitpix: 32, bzero: 2147483648 },
  { name: 'int64', data: ramp((n) => new BigInt64Array(n), (i) => BigInt(i - 60) * 76861433640456465n), bitpix: 64 },
  { name: 'float32', data: ramp((n) => new Float32Array(n), (i) => (i - 60) * 1.25e30 + 0.1), bitpix: -32 },
  { name: 'float64', data: ramp((n) => new Float64Array(n), (i) => (i - 60) * 1.7e300 + Math.PI), bitpix: -64 },
];

async function openBytes(chunks: Uint8Array[], name = 'mem.fits'): Promise<FitsFile> {
  return FitsFile.open(bytesSource(concat(chunks), name));
}

function primaryHdu(): WritableHdu {
  return { kind: 'image', header: new Header().set('TELESCOP', 'JWST') };
}

describe('image round trips', () => {
  for (const { name, data, bitpix, bzero } of CASES) {
    it(`${name}: BITPIX ${bitpix}, native, float32, float64 and lazy blocks`, async () => {
      const file = await openBytes(encodeFits([primaryHdu(), { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape: SHAPE }]));
      const sci = file.get('sci');
      expect(sci.kind).toBe('image');
      expect(sci.bitpix).toBe(bitpix);
      expect(sci.shape).toEqual(SHAPE);
      expect(sci.header.get('BZERO')).toEqual(bzero);
      const whole = await file.readImage(sci);
      expect(whole.shape).toEqual(SHAPE);
      expect(whole.data.constructor).toBe(data.constructor);
      expect(whole.data).toEqual(data);

      const asNumbers = Array.from(data as ArrayLike<number | bigint>, Number);
      expect((await file.readImage(sci, { as: 'float32' })).data).toEqual(Float32Array.from(asNumbers));
      expect((await file.readImage(sci, { as: 'float64' })).data).toEqual(Float64Array.from(asNumbers));

      for (const index of [[1], [1, 2], [0, 1, 3], [1, 2, 3, 4]]) {
        const block = await file.readImage(sci, { index });
        const size = SHAPE.slice(index.length).reduce((a, b) => a * b, 1);
        let first = 0;
        index.forEach((i, axis) => (first += i * SHAPE.slice(axis + 1).reduce((a, b) => a * b, 1)));
        expect(block.shape).toEqual(SHAPE.slice(index.length));
        expect(block.data).toEqual(data.subarray(first, first + size));
        expect((await file.readImage(sci, { index, as: 'float32' })).data).toEqual(Float32Array.from(asNumbers.slice(first, first + size)));
      }
    });
  }

  it('reads into a buffer the caller gives', async () => {
    const data = CASES[3].data as Uint16Array;
    const file = await openBytes(encodeFits([{ kind: 'image', header: new Header(), data, shape: SHAPE }]));
    const buffer = new Float32Array(100).fill(-1);
    const block = await file.readImage(file.primary, { index: [1, 2], as: 'float32', into: buffer });
    expect(block.data.buffer).toBe(buffer.buffer);
    expect(Array.from(buffer.subarray(0, 20))).toEqual(Array.from(data.subarray(100, 120)));
    expect(buffer[20]).toBe(-1);
    const floats = await openBytes(encodeFits([{ kind: 'image', header: new Header(), data: new Float32Array([1.5, 2.5]) }]));
    const target = new Float32Array(2);
    expect((await floats.readImage(floats.primary, { as: 'float32', into: target })).data.buffer).toBe(target.buffer);
    expect(Array.from(target)).toEqual([1.5, 2.5]);
    await expect(file.readImage(file.primary, { as: 'float64', into: buffer })).rejects.toThrow(TypeError);
    await expect(file.readImage(file.primary, { into: buffer })).rejects.toThrow(TypeError);
    await expect(file.readImage(file.primary, { as: 'float32', into: buffer })).rejects.toThrow('holds 100 pixels, the block has 120');
  });

  it('leaves plain float32 pixels in file order when asked (fileOrder), and converts the others', async () => {
    const values = new Float32Array([1.5, -2.25, Number.NaN, 3e-39, -0, 65504]);
    const chunks = encodeFits([{ kind: 'image', header: new Header(), data: values }]);
    const bytes = concat(chunks);
    const file = await openBytes(chunks);
    const target = new Float32Array(values.length);
    const block = await file.readImage(file.primary, { as: 'float32', into: target, fileOrder: true });
    expect(block.fileOrder).toBe(true);
    expect(block.data.buffer).toBe(target.buffer);
    // The target holds the file's data bytes as they are (big-endian).
    const dataStart = file.primary.dataOffset;
    expect(new Uint8Array(target.buffer)).toEqual(bytes.subarray(dataStart, dataStart + 4 * values.length));
    // Without into, or stored as integers: converted to host order as usual.
    expect((await file.readImage(file.primary, { as: 'float32', fileOrder: true })).fileOrder).toBeUndefined();
    const integers = await openBytes(encodeFits([{ kind: 'image', header: new Header(), data: CASES[3].data, shape: SHAPE }]));
    expect((await integers.readImage(integers.primary, { as: 'float32', into: new Float32Array(COUNT), fileOrder: true })).fileOrder).toBeUndefined();
  });

  it('writes an empty primary with NAXIS = 0 and EXTEND', async () => {
    const file = await openBytes(encodeFits([primaryHdu()]));
    expect(file.hdus).toHaveLength(1);
    expect(file.primary.header.get('NAXIS')).toBe(0);
    expect(file.primary.header.get('EXTEND')).toBe(true);
    expect(file.primary.header.getString('TELESCOP')).toBe('JWST');
    expect(file.primary.dataByteLength).toBe(0);
    expect((await file.readImage(file.primary)).data).toHaveLength(0);
  });

  it('replaces structural keywords of a reused header', async () => {
    const reused = new Header()
      .set('XTENSION', 'IMAGE')
      .set('BITPIX', 16)
      .set('NAXIS', 2)
      .set('NAXIS1', 99)
      .set('NAXIS2', 99)
      .set('BZERO', 32768)
      .set('BSCALE', 1)
      .set('EXTNAME', 'SCI');
    const chunks = encodeFits([primaryHdu(), { kind: 'image', header: reused, data: new Float32Array([1, 2, 3]) }]);
    const file = await openBytes(chunks);
    const sci = file.get('SCI');
    expect(sci.bitpix).toBe(-32);
    expect(sci.shape).toEqual([3]);
    expect(sci.header.has('BZERO')).toBe(false);
    expect(sci.header.cards.filter((c) => c.key === 'NAXIS1')).toHaveLength(1);
    expect(reused.getInt('NAXIS1')).toBe(99);
  });

  it('applies BSCALE/BZERO and BLANK when they are not an unsigned convention', async () => {
    const raw = new Uint8Array(2880);
    new DataView(raw.buffer).setInt16(0, -1);
    new DataView(raw.buffer).setInt16(2, 100);
    new DataView(raw.buffer).setInt16(4, -7);
    const header = headerBytes(['SIMPLE  = T', 'BITPIX  = 16', 'NAXIS   = 1', 'NAXIS1  = 3', 'BSCALE  = 0.5', 'BZERO   = 10.0', 'BLANK   = -7']);
    const file = await openBytes([header, raw]);
    const native = await file.readImage(file.primary);
    expect(native.data).toBeInstanceOf(Float32Array);
    expect(Array.from(native.data as Float32Array)).toEqual([9.5, 60, NaN]);
    expect(Array.from((await file.readImage(file.primary, { as: 'float64' })).data as Float64Array)).toEqual([9.5, 60, NaN]);

    const int32Header = headerBytes(['SIMPLE  = T', 'BITPIX  = 32', 'NAXIS   = 1', 'NAXIS1  = 2', 'BZERO   = 1.5', 'BLANK   = 5']);
    const int32Data = new Uint8Array(2880);
    new DataView(int32Data.buffer).setInt32(0, 5);
    new DataView(int32Data.buffer).setInt32(4, -3);
    const scaled = await (await openBytes([int32Header, int32Data])).readImage((await openBytes([int32Header, int32Data])).primary);
    expect(scaled.data).toBeInstanceOf(Float64Array);
    expect(Array.from(scaled.data as Float64Array)).toEqual([NaN, -1.5]);
  });

  it('converts large images chunk by chunk without mixing chunks up', async () => {
    const big = new Uint16Array(1_300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xffff;
    const file = await openBytes(encodeFits([{ kind: 'image', header: new Header(), data: big, shape: [2, 650_000] }], { checksum: false }));
    const asFloat = (await file.readImage(file.primary, { as: 'float32' })).data;
    expectSameArray(asFloat, Float32Array.from(big));
    expectSameArray((await file.readImage(file.primary, { index: [1], as: 'float32' })).data, Float32Array.from(big.subarray(650_000)));
  });
});

describe('binary tables', () => {
  const nrows = 3;
  const columns: TableColumnSpec[] = [
    { name: 'flag', format: '2L', data: [true, false, false, true, true, true] },
    { name: 'byte', format: 'B', data: new Uint8Array([0, 128, 255]) },
    { name: 'sbyte', format: '1B', data: new Int8Array([-128, 0, 127]) },
    { name: 'short', format: 'I', data: new Int16Array([-32768, 0, 32767]), unit: 'DN' },
    { name: 'ushort', format: 'I', data: new Uint16Array([0, 32768, 65535]) },
    { name: 'BIT', format: '1J', data: new Int32Array([-2147483648, 0, 2147483647]) },
    { name: 'VALUE', format: 'J', data: new Uint32Array([1, 2147483648, 4294967295]) },
    { name: 'long', format: 'K', data: new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]) },
    { name: 'ulong', format: 'K', data: new BigUint64Array([0n, 2n ** 63n, 2n ** 64n - 1n]) },
    { name: 'vec', format: '3E', data: new Float32Array([1, 2, 3, 4.5, 5.5, 6.5, -1, -2, NaN]), unit: 'm' },
    { name: 'mjd', format: 'D', data: new Float64Array([59696.02147723379, -1e300, 0]) },
    { name: 'NAME', format: '26A', data: ['DO_NOT_USE', "O'Brien", ''] },
    { name: 'blob', format: '5B', data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]) },
  ];

  it('round-trips every column type with repeat counts and unsigned TZERO', async () => {
    const file = await openBytes(encodeFits([primaryHdu(), { kind: 'bintable', header: new Header().set('EXTNAME', 'DQ_DEF'), columns, nrows }]));
    const hdu = file.get('DQ_DEF');
    expect(hdu.kind).toBe('bintable');
    expect(hdu.shape).toEqual([3, 2 + 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8 + 12 + 8 + 26 + 5]);
    const header = hdu.header;
    expect(header.get('TZERO3')).toBe(-128);
    expect(header.get('TZERO5')).toBe(32768);
    expect(header.get('TZERO7')).toBe(2147483648);
    expect(header.get('TZERO9')).toBe(2n ** 63n);
    expect(header.has('TZERO6')).toBe(false);
    expect(header.getString('TUNIT10')).toBe('m');
    const table = await file.readTable(hdu);
    expect(table.nrows).toBe(3);
    for (const spec of columns) {
      const column = table.column(spec.name.toLowerCase());
      expect(column.format, spec.name).toBe(spec.format);
      expect(column.data, spec.name).toEqual(spec.data);
      expect(column.data.constructor, spec.name).toBe(spec.data.constructor);
      expect(column.unit).toBe(spec.unit);
    }
    expect(table.column('vec').repeat).toBe(3);
    expect(table.column('vec').type).toBe('E');
  });

  it('reads space-padded strings and stops at NUL', async () => {
    const row = new Uint8Array(2880);
    const text = 'WARM    \0junk';
    for (let i = 0; i < text.length; i++) row[i] = text.charCodeAt(i);
    const header = headerBytes([
      "XTENSION= 'BINTABLE'",
      'BITPIX  = 8',
      'NAXIS   = 2',
      'NAXIS1  = 20',
      'NAXIS2  = 1',
      'PCOUNT  = 0',
      'GCOUNT  = 1',
      'TFIELDS = 1',
      "TTYPE1  = 'Name'",
      "TFORM1  = '20A'",
    ]);
    const file = await openBytes([encodeFits([primaryHdu()])[0], header, row]);
    expect((await file.readTable(file.hdus[1])).column('NAME').data).toEqual(['WARM']);
  });

  it('refuses column data of the wrong type or length', () => {
    const table = (spec: TableColumnSpec): WritableHdu => ({ kind: 'bintable', header: new Header(), columns: [spec], nrows: 2 });
    expect(() => encodeFits([primaryHdu(), table({ name: 'X', format: 'J', data: new Float32Array(2) })])).toThrow(/Int32Array or Uint32Array/);
    expect(() => encodeFits([primaryHdu(), table({ name: 'X', format: '2E', data: new Float32Array(2) })])).toThrow(/4 elements/);
    expect(() => encodeFits([primaryHdu(), table({ name: 'X', format: '3A', data: ['abcd', 'x'] })])).toThrow(/at most 3/);
    expect(() => encodeFits([table({ name: 'X', format: 'J', data: new Int32Array(2) })])).toThrow(/first HDU must be an image/);
  });
});

/** Header + padded data of each HDU, as offsets into the file. */
function hduSpans(file: FitsFile, size: number): Array<[number, number]> {
  return file.hdus.map((hdu, i) => [hdu.headerOffset, i + 1 < file.hdus.length ? file.hdus[i + 1].headerOffset : size]);
}

describe('checksums', () => {
  const hdus: WritableHdu[] = [
    primaryHdu(),
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: CASES[3].data, shape: SHAPE },
    { kind: 'bintable', header: new Header().set('EXTNAME', 'T'), columns: [{ name: 'A', format: '3J', data: new Int32Array([1, -2, 3, 4, 5, 6]) }], nrows: 2 },
  ];

  it('writes DATASUM and a CHECKSUM that makes every HDU sum to -0', async () => {
    const bytes = concat(encodeFits(hdus));
    const file = await FitsFile.open(bytesSource(bytes, 'mem'));
    for (const [hdu, [start, end]] of file.hdus.map((h, i) => [h, hduSpans(file, bytes.length)[i]] as const)) {
      expect(referenceSum(bytes.subarray(start, end)), `HDU ${hdu.index}`).toBe(0xffffffff);
      const data = bytes.subarray(hdu.dataOffset, end);
      expect(hdu.header.getString('DATASUM')).toBe(String(referenceSum(data)));
      expect(hdu.header.getString('CHECKSUM')).toMatch(/^[0-9A-Za-z]{16}$/);
    }
  });

  it('recomputes stale CHECKSUM/DATASUM of a reused header, and drops them when asked', async () => {
    const stale = new Header().set('EXTNAME', 'SCI').set('CHECKSUM', 'ZZZZZZZZZZZZZZZZ').set('DATASUM', '12');
    const image: WritableHdu = { kind: 'image', header: stale, data: new Float32Array([1, 2]) };
    const bytes = concat(encodeFits([primaryHdu(), image]));
    const file = await FitsFile.open(bytesSource(bytes, 'mem'));
    const [start, end] = hduSpans(file, bytes.length)[1];
    expect(referenceSum(bytes.subarray(start, end))).toBe(0xffffffff);
    expect(file.hdus[1].header.cards.filter((c) => c.key === 'CHECKSUM')).toHaveLength(1);

    const plain = await FitsFile.open(bytesSource(concat(encodeFits([primaryHdu(), image], { checksum: false })), 'mem'));
    expect(plain.hdus[1].header.has('CHECKSUM')).toBe(false);
    expect(plain.hdus[1].header.has('DATASUM')).toBe(false);
  });

  it('sums like the reference for any length and split', () => {
    const bytes = new Uint8Array(1001);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    const padded = new Uint8Array(1004);
    padded.set(bytes);
    expect(onesComplementSum(bytes)).toBe(referenceSum(padded));
    expect(onesComplementSum(new Uint8Array(4096).fill(0xff))).toBe(0xffffffff);
  });

  it('sums like the reference across int32 blocks, unaligned views and uneven pieces', () => {
    // Over 32768 words of large halves: the word path's per-block partial sums must not overflow.
    const buffer = new ArrayBuffer(4 * 70001 + 8);
    const all = new Uint8Array(buffer);
    for (let i = 0; i < all.length; i++) all[i] = 0xf0 | ((i * 7) & 0x0f);
    for (const offset of [0, 1, 2, 4]) {
      const bytes = new Uint8Array(buffer, offset, 4 * 70001);
      const expected = referenceSum(bytes);
      expect(onesComplementSum(bytes), `offset ${offset}`).toBe(expected);
      const pieces = new OnesComplementSum();
      for (const [start, end] of [[0, 3], [3, 131075], [131075, 131076], [131076, bytes.length]]) pieces.update(bytes.subarray(start, end));
      expect(pieces.value, `offset ${offset} in pieces`).toBe(expected);
    }
  });
});

describe('raw pass-through and streaming', () => {
  const sci = new Uint16Array(2 * 3 * 16 * 8);
  for (let i = 0; i < sci.length; i++) sci[i] = (i * 389) & 0xffff;
  const sciHeader = new Header().set('EXTNAME', 'SCI').set('BUNIT', 'DN');
  const table: WritableHdu = { kind: 'bintable', header: new Header().set('EXTNAME', 'ASDF'), columns: [{ name: 'ASDF_METADATA', format: '7B', data: new Uint8Array([35, 65, 83, 68, 70, 10, 0]) }], nrows: 1 };
  const hdus: WritableHdu[] = [primaryHdu(), { kind: 'image', header: sciHeader, data: sci, shape: [2, 3, 16, 8] }, table];

  it('re-encoding every HDU raw reproduces the file byte for byte', async () => {
    const original = concat(encodeFits(hdus));
    const file = await FitsFile.open(bytesSource(original, 'mem'));
    const raw: WritableHdu[] = await Promise.all(file.hdus.map(async (hdu) => ({ kind: 'raw' as const, header: hdu.header, data: await file.readRawData(hdu) })));
    expect(concat(encodeFits(raw))).toEqual(original);
  });

  it('refuses raw data that does not match its header', async () => {
    const file = await FitsFile.open(bytesSource(concat(encodeFits(hdus)), 'mem'));
    const header = file.get('SCI').header;
    expect(() => encodeFits([primaryHdu(), { kind: 'raw', header, data: new Uint8Array(10) }], { name: 'out.fits' })).toThrow(
      /out\.fits: HDU 1: raw data has 10 bytes but its header describes 1536/,
    );
    expect(() => encodeFits([{ kind: 'raw', header, data: new Uint8Array(1536) }])).toThrow(/must start with SIMPLE/);
  });

  it('streams plane by plane to the same bytes as encodeFits', async () => {
    const sink = new ChunkSink();
    const writer = new FitsStreamWriter(sink);
    await writer.writeHdu(hdus[0]);
    await writer.beginImage(sciHeader, 'uint16', [2, 3, 16, 8]);
    for (let plane = 0; plane < 6; plane++) await writer.writePixels(sci.subarray(plane * 128, (plane + 1) * 128));
    await writer.writeHdu(table);
    await writer.finish();
    expect(sink.concat()).toEqual(concat(encodeFits(hdus)));
    expect(writer.size).toBe(sink.concat().length);
  });

  it('streams without checksums to a sink that cannot seek', async () => {
    const chunks: Uint8Array[] = [];
    const writer = new FitsStreamWriter({ write: async (bytes) => void chunks.push(bytes) }, { checksum: false });
    await writer.beginImage(new Header(), 'float32', [2, 2]);
    await writer.writePixels(new Float32Array([1, 2]));
    await writer.writePixels(new Float32Array([3, 4]));
    await writer.finish();
    expect(concat(chunks)).toEqual(concat(encodeFits([{ kind: 'image', header: new Header(), data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }], { checksum: false })));
  });

  it('reports misuse', async () => {
    expect(() => new FitsStreamWriter({ write: async () => {} })).toThrow(/writeAt/);
    const writer = new FitsStreamWriter(new ChunkSink(), { name: 'ramp.fits' });
    await expect(writer.finish()).rejects.toThrow(/ramp\.fits: a FITS file needs at least a primary HDU/);
    await writer.beginImage(new Header(), 'uint16', [2, 2]);
    await expect(writer.writePixels(new Int16Array(2))).rejects.toThrow(/must be a Uint16Array/);
    await expect(writer.writePixels(new Uint16Array(5))).rejects.toThrow(/5 pixels written, more than the 4/);
    await writer.writePixels(new Uint16Array(2));
    await expect(writer.finish()).rejects.toThrow(/HDU 0 has 2 of its 4 pixels/);
    await expect(writer.writeHdu(primaryHdu())).rejects.toThrow(/cannot write an HDU/);
  });
});

describe('byte order without Node Buffer (the browser path)', () => {
  const PIXELS = '../../../../ts/io/fits/pixels.js';
  const odd = [
    { name: 'int16 x3', data: Int16Array.of(-32768, 1, 32767), bitpix: 16 },
    { name: 'uint16 x5', data: Uint16Array.of(0, 1, 32768, 40000, 65535), bitpix: 16, bzero: 32768 },
    { name: 'uint64', data: BigUint64Array.of(0n, 1n, 2n ** 63n, 2n ** 64n - 1n), bitpix: 64, bzero: 2n ** 63n },
  ];

  it('encodes, decodes and converts every type as Node Buffer swaps do', async () => {
    const native = await import(PIXELS);
    vi.resetModules();
    vi.stubGlobal('Buffer', undefined);
    let js: typeof native;
    try {
      js = await import(PIXELS);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(js).not.toBe(native);
    for (const { name, data, bitpix } of [...CASES, ...odd]) {
      const [fileNative, fileJs] = [native, js].map((codec) => {
        const bytes = new Uint8Array(data.byteLength);
        codec.encodePixels(data, bytes);
        return bytes;
      });
      expect(fileJs, `${name} encoded`).toEqual(fileNative);
      const { bzero } = native.storageFor(data);
      const unsigned = data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Uint32Array || data instanceof BigUint64Array;
      const decoded = [native, js].map((codec) => codec.decodeInPlace(fileNative.slice(), bitpix, unsigned ? 'unsigned' : 'signed'));
      expect(decoded[0], `${name} decoded`).toEqual(data);
      expect(decoded[1], `${name} decoded`).toEqual(data);
      if (bitpix !== 64) {
        const scaling = { bzero: Number(bzero), bscale: 1, blank: undefined };
        const floats = [native, js].map((codec) => {
          const out = new Float32Array(data.length + 2);
          codec.convertToFloat(fileNative.slice(), bitpix, scaling, out, 1);
          return out;
        });
        expect(floats[1], `${name} as float32`).toEqual(floats[0]);
        expect(Array.from(floats[0].subarray(1, 1 + data.length)), `${name} as float32`).toEqual(Array.from(data as ArrayLike<number>, (v) => Math.fround(Number(v))));
      }
    }
  });
});
