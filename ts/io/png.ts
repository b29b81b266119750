/**
 * A minimal PNG encoder (PNG spec, W3C 2003): 8-bit gray (colour type 0) or RGB (type 2), no
 * interlace, filter type 0 (None) on every scanline. Astronomical noise defeats PNG's
 * prediction filters anyway, and "None" keeps the per-pixel work out of TypeScript: building
 * the filtered stream is one copy per row. The zlib stream comes from a `Deflate` function:
 * node:zlib in Node (passed by the caller), CompressionStream('deflate') in browsers, or stored
 * (uncompressed) deflate blocks where neither exists. Runs in browsers.
 */

export interface PngImage {
  width: number;
  height: number;
  /** 1 = gray, 3 = RGB. */
  channels: 1 | 3;
  /** Top-down scanlines, `width * channels` bytes each, without filter bytes. */
  pixels: Uint8Array;
}

/** Compresses bytes into a zlib stream (RFC 1950), as PNG's IDAT needs. */
export type Deflate = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const FILTER_NONE = 0;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG chunks use), continued from `crc` over `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Adler-32 (RFC 1950), the checksum closing a zlib stream. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 bytes is the longest run whose sums cannot overflow 2^32 before the modulo (zlib's NMAX).
  for (let start = 0; start < bytes.length; start += 5552) {
    const end = Math.min(start + 5552, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored (uncompressed) deflate blocks: valid everywhere, no smaller. */
export function deflateStored(bytes: Uint8Array): Uint8Array {
  const MAX_BLOCK = 65535;
  const blocks = Math.max(1, Math.ceil(bytes.length / MAX_BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + bytes.length + 4);
  const view = new DataView(out.buffer);
  // CMF 0x78: deflate, 32K window; FLG 0x01 makes CMF*256+FLG a multiple of 31 (no dictionary).
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let block = 0; block < blocks; block++) {
    const start = block * MAX_BLOCK;
    const length = Math.min(MAX_BLOCK, bytes.length - start);
    out[at] = block === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 = stored
    view.setUint16(at + 1, length, true);
    view.setUint16(at + 3, ~length & 0xffff, true);
    out.set(bytes.subarray(start, start + length), at + 5);
    at += 5 + length;
  }
  view.setUint32(at, adler32(bytes));
  return out;
}

/** CompressionStream('deflate') (a zlib stream) where the runtime has it, else stored blocks. */
export async function defaultDeflate(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof CompressionStream === 'undefined') return deflateStored(bytes);
  // Blob takes ArrayBuffer-backed views only: copy bytes that live on a SharedArrayBuffer.
  const owned = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  const stream = new Blob([owned]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The scanlines with a filter-type byte in front of each, as IDAT's zlib stream carries them. */
export function filteredScanlines(image: PngImage): Uint8Array {
  const stride = image.width * image.channels;
  const out = new Uint8Array((stride + 1) * image.height);
  for (let row = 0; row < image.height; row++) {
    out[row * (stride + 1)] = FILTER_NONE;
    out.set(image.pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  return out;
}

/** Encodes an 8-bit gray or RGB image as PNG bytes. */
export async function encodePng(image: PngImage, deflate: Deflate = defaultDeflate): Promise<Uint8Array> {
  const { width, height, channels, pixels } = image;
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    // PNG limits dimensions to 2^31 - 1; zero is not allowed.
    if (!Number.isInteger(value) || value < 1 || value > 0x7fffffff) throw new RangeError(`PNG ${name} must be a positive integer, got ${value}`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`PNG channels must be 1 (gray) or 3 (RGB), got ${channels}`);
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`PNG pixels: ${pixels.length} bytes for ${width} x ${height} x ${channels} = ${width * height * channels}`);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // colour type: gray or RGB
  // header[10..12] = 0: deflate compression, adaptive filtering method 0, no interlace.
  const idat = await deflate(filteredScanlines(image));
  const chunks = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
