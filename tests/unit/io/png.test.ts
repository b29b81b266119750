import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, crc32, defaultDeflate, deflateStored, encodePng, type PngImage } from '../../../ts/io/png.js';

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
}

/** Splits a PNG into its chunks (independently of the encoder), checking the signature and each CRC. */
function readChunks(png: Uint8Array): Chunk[] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = view.getUint32(at + 8 + length);
    // A bitwise CRC-32 is the reference here (over type + data, as PNG defines).
    expect(crc, `${type} CRC`).toBe(bitwiseCrc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data, crc });
    at += 12 + length;
  }
  return chunks;
}

/** Bitwise CRC-32 (no table), to check the table-driven one against. */
function bitwiseCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Decodes the scanlines (filter type 0 only) back into pixels. */
function decode(png: Uint8Array) {
  const chunks = readChunks(png);
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const [width, height] = [ihdr.getUint32(0), ihdr.getUint32(4)];
  const [depth, colorType, compression, filter, interlace] = chunks[0].data.subarray(8, 13);
  expect([depth, compression, filter, interlace]).toEqual([8, 0, 0, 0]);
  const channels = colorType === 0 ? 1 : colorType === 2 ? 3 : NaN;
  const raw = inflateSync(chunks[1].data);
  const stride = width * channels;
  expect(raw.length).toBe((stride + 1) * height);
  const rows: number[][] = [];
  for (let row = 0; row < height; row++) {
    expect(raw[row * (stride + 1)], 'filter type').toBe(0);
    rows.push([...raw.subarray(row * (stride + 1) + 1, (row + 1) * (stride + 1))]);
  }
  expect(chunks[2].data.length).toBe(0);
  return { width, height, channels, rows };
}

const gray: PngImage = { width: 3, height: 2, channels: 1, pixels: Uint8Array.of(0, 128, 255, 1, 2, 3) };
const rgb: PngImage = { width: 2, height: 1, channels: 3, pixels: Uint8Array.of(255, 0, 0, 10, 20, 30) };

describe('PNG encoder', () => {
  it('CRC-32 and Adler-32 give the published check values', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    // Adler-32 of "Wikipedia" (RFC 1950's algorithm, the usual worked example).
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
    // The IEND chunk's CRC is fixed: AE 42 60 82.
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });

  it('writes gray scanlines that inflate back to the pixels', async () => {
    const decoded = decode(await encodePng(gray, (bytes) => deflateSync(bytes)));
    expect(decoded).toEqual({ width: 3, height: 2, channels: 1, rows: [[0, 128, 255], [1, 2, 3]] });
  });

  it('writes RGB when asked', async () => {
    const decoded = decode(await encodePng(rgb, (bytes) => deflateSync(bytes)));
    expect(decoded).toEqual({ width: 2, height: 1, channels: 3, rows: [[255, 0, 0, 10, 20, 30]] });
  });

  it('stored deflate and CompressionStream give zlib streams node:zlib inflates', async () => {
    // 150 000 bytes: three stored blocks (65535 + 65535 + 18930).
    const big = new Uint8Array(150_000).map((_, i) => (i * 7919) % 251);
    const stored = deflateStored(big);
    expect(stored.length).toBe(2 + 3 * 5 + big.length + 4);
    expect(inflateSync(stored).equals(big)).toBe(true);
    expect(inflateSync(deflateStored(new Uint8Array(0))).length).toBe(0);
    expect(inflateSync(await defaultDeflate(big)).equals(big)).toBe(true);
    expect(decode(await encodePng(gray, deflateStored)).rows).toEqual([[0, 128, 255], [1, 2, 3]]);
  });

  it('rejects pixels that do not match the dimensions', async () => {
    await expect(encodePng({ ...gray, pixels: new Uint8Array(5) })).rejects.toThrow(/5 bytes for 3 x 2 x 1 = 6/);
    await expect(encodePng({ ...gray, width: 0, pixels: new Uint8Array(0) })).rejects.toThrow(/width must be a positive integer/);
  });
});
