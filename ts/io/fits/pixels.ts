// Conversion between big-endian FITS pixels and typed arrays. Loops avoid per-element DataView calls
// where a lookup table or a typed-array view is faster (measured; bench/read-fits.mjs times the hot read).

/** Image pixels. Unsigned 64-bit images (BZERO 2^63) read as float64; only table columns use BigUint64Array. */
export type ImageArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;

/** What the codec handles: image pixels and table column elements. */
export type PixelArray = ImageArray | BigUint64Array;

export type FloatArray = Float32Array | Float64Array;

/** BZERO/BSCALE/BLANK of an image HDU (BLANK only for integer BITPIX). */
export interface Scaling {
  bzero: number;
  bscale: number;
  blank: number | undefined;
}

export const VALID_BITPIX = [8, 16, 32, 64, -32, -64] as const;

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const UINT16_ZERO = 32768;
const UINT32_ZERO = 2147483648;
const UINT64_ZERO = 2 ** 63;
const SIGN_FLIP_32 = 0x80000000;

export function bytesPerPixel(bitpix: number): number {
  return Math.abs(bitpix) / 8;
}

/**
 * How pixels decode in place without scaling: 'signed'/'unsigned' picks the typed array (BITPIX 8 is
 * unsigned on disk, so its BZERO -128 convention is the 'signed' one); undefined when BZERO/BSCALE
 * require scaled floats.
 */
export function inPlaceLayout(bitpix: number, scaling: Scaling, allowUint64: boolean): 'signed' | 'unsigned' | undefined {
  if (scaling.bscale !== 1) return undefined;
  if (scaling.bzero === 0) return bitpix === 8 ? 'unsigned' : 'signed';
  const zero = bitpix === 8 ? -128 : bitpix === 16 ? UINT16_ZERO : bitpix === 32 ? UINT32_ZERO : bitpix === 64 ? UINT64_ZERO : NaN;
  if (scaling.bzero !== zero || (bitpix === 64 && !allowUint64)) return undefined;
  return bitpix === 8 ? 'signed' : 'unsigned';
}

// ---- 16-bit lookup tables: index = the two file bytes read in host order ----

const reorderTables = new Map<string, Uint16Array>();

/**
 * Table between the host-order reading of two file bytes and a 16-bit value XOR `flip` (0x8000 for
 * uint16): toHost maps file bits to value bits, toFile the reverse.
 */
function reorderTable16(direction: 'toHost' | 'toFile', flip: number): Uint16Array {
  const key = `${direction}${flip}`;
  let table = reorderTables.get(key);
  if (!table) {
    table = new Uint16Array(65536);
    const pair = new Uint16Array(1);
    const view = new DataView(pair.buffer);
    for (let bits = 0; bits < 65536; bits++) {
      if (direction === 'toHost') {
        pair[0] = bits;
        table[bits] = view.getUint16(0) ^ flip;
      } else {
        view.setUint16(0, bits ^ flip);
        table[bits] = pair[0];
      }
    }
    reorderTables.set(key, table);
  }
  return table;
}

type LookupTable = Int32Array | Float32Array | Float64Array;
let lastValueTable: { key: string; table: LookupTable } | undefined;

/**
 * Table from 8- or 16-bit file bits (host-order read) to pixel values, NaN for BLANK. Int32 when the
 * values are exact integers: converting an int is faster than widening a float32 (measured).
 */
function valueTable(bitpix: 8 | 16, scaling: Scaling, float64: boolean): LookupTable {
  const key = `${bitpix},${scaling.bzero},${scaling.bscale},${scaling.blank},${float64}`;
  if (lastValueTable?.key === key) return lastValueTable.table;
  const size = bitpix === 8 ? 256 : 65536;
  const integral = scaling.bscale === 1 && Number.isInteger(scaling.bzero) && scaling.blank === undefined;
  const table = integral ? new Int32Array(size) : float64 ? new Float64Array(size) : new Float32Array(size);
  const pair = new Uint16Array(1);
  const view = new DataView(pair.buffer);
  for (let raw = 0; raw < size; raw++) {
    pair[0] = raw;
    const stored = bitpix === 8 ? raw : view.getInt16(0);
    table[raw] = stored === scaling.blank ? NaN : stored * scaling.bscale + scaling.bzero;
  }
  lastValueTable = { key, table };
  return table;
}

/** out[outOffset + i] = table[pixel i]; bytes must be 4-byte aligned. */
function lookup16(bytes: Uint8Array, table: LookupTable, out: FloatArray, outOffset: number): void {
  const pixels = bytes.length >> 1;
  let done = 0;
  if (HOST_LITTLE_ENDIAN) {
    // Two pixels per 32-bit load: about twice as fast as 16-bit loads.
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, pixels >> 1);
    for (let i = 0, j = outOffset; i < words.length; i++, j += 2) {
      const word = words[i];
      out[j] = table[word & 0xffff];
      out[j + 1] = table[word >>> 16];
    }
    done = words.length * 2;
  }
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, pixels);
  for (let i = done; i < pixels; i++) out[outOffset + i] = table[halves[i]];
}

// ---- in-place byte order (file <-> host) ----

/** Maps every 16-bit word through `table` in place; bytes must be 4-byte aligned. */
function reorder16(bytes: Uint8Array, table: Uint16Array): void {
  const pixels = bytes.length >> 1;
  // Two pixels per 32-bit load and store (the order of the halves does not matter here).
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, pixels >> 1);
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    words[i] = table[word & 0xffff] | (table[word >>> 16] << 16);
  }
  if (pixels & 1) {
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, pixels);
    halves[pixels - 1] = table[halves[pixels - 1]];
  }
}

/** Swaps 32-bit words between file and host order, XOR-ing `flip` into the value. */
function reorder32(bytes: Uint8Array, flip: number, toFile: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const length = bytes.length;
  if (toFile) {
    for (let i = 0; i < length; i += 4) view.setUint32(i, view.getUint32(i, HOST_LITTLE_ENDIAN) ^ flip);
  } else {
    for (let i = 0; i < length; i += 4) view.setUint32(i, view.getUint32(i) ^ flip, HOST_LITTLE_ENDIAN);
  }
}

/** Swaps 64-bit words between file and host order, XOR-ing `flipHigh` into the top 32 bits. */
function reorder64(bytes: Uint8Array, flipHigh: number, toFile: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const highAt = HOST_LITTLE_ENDIAN ? 4 : 0;
  const lowAt = 4 - highAt;
  for (let i = 0; i < bytes.length; i += 8) {
    if (toFile) {
      const high = view.getUint32(i + highAt, HOST_LITTLE_ENDIAN) ^ flipHigh;
      const low = view.getUint32(i + lowAt, HOST_LITTLE_ENDIAN);
      view.setUint32(i, high);
      view.setUint32(i + 4, low);
    } else {
      const high = view.getUint32(i) ^ flipHigh;
      const low = view.getUint32(i + 4);
      view.setUint32(i + highAt, high, HOST_LITTLE_ENDIAN);
      view.setUint32(i + lowAt, low, HOST_LITTLE_ENDIAN);
    }
  }
}

// ---- native byte swaps (Node) ----

type SwappableBuffer = { swap16(): unknown; swap32(): unknown; swap64(): unknown };
const NodeBuffer = (globalThis as { Buffer?: { from(buffer: ArrayBufferLike, byteOffset: number, length: number): SwappableBuffer } }).Buffer;

/**
 * Node's Buffer swaps (native code) reverse the bytes of 100 MB of words about 3x as fast as the
 * JS loops; browsers and big-endian hosts take the JS paths.
 */
const NATIVE_SWAPS = NodeBuffer !== undefined && HOST_LITTLE_ENDIAN;

/** Reverses the bytes of every `width`-byte word in place (only where NATIVE_SWAPS). */
function swapNative(bytes: Uint8Array, width: 2 | 4 | 8): void {
  const view = NodeBuffer!.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (width === 2) view.swap16();
  else if (width === 4) view.swap32();
  else view.swap64();
}

/** XORs the sign bit of every host-order `width`-byte word (the unsigned conventions); bytes 4-byte aligned. */
function flipSignBits(bytes: Uint8Array, width: 2 | 4 | 8): void {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  if (width === 2) {
    for (let i = 0; i < words.length; i++) words[i] ^= 0x80008000;
    if ((bytes.length >> 1) & 1) bytes[bytes.length - 1] ^= 0x80;
  } else {
    // Little-endian host (swapNative's condition): the sign bit is in a word's last 32 bits.
    const step = width >> 2;
    for (let i = step - 1; i < words.length; i += step) words[i] ^= SIGN_FLIP_32;
  }
}

/** Puts file pixels in host order in place; `unsigned` applies the BZERO sign-flip convention. */
function fileToHost(bytes: Uint8Array, bitpix: number, unsigned: boolean): void {
  if (bitpix === 8) {
    if (unsigned) for (let i = 0; i < bytes.length; i++) bytes[i] ^= 0x80;
    return;
  }
  const width = bytesPerPixel(bitpix) as 2 | 4 | 8;
  if (NATIVE_SWAPS) {
    swapNative(bytes, width);
    if (unsigned) flipSignBits(bytes, width);
    return;
  }
  switch (bitpix) {
    case 16:
      return reorder16(bytes, reorderTable16('toHost', unsigned ? 0x8000 : 0));
    case 32:
    case -32:
      return reorder32(bytes, unsigned ? SIGN_FLIP_32 : 0, false);
    case 64:
    case -64:
      return reorder64(bytes, unsigned ? SIGN_FLIP_32 : 0, false);
  }
}

function viewAs(bytes: Uint8Array, bitpix: number, kind: 'signed' | 'unsigned'): PixelArray {
  const { buffer, byteOffset } = bytes;
  const length = bytes.length / bytesPerPixel(bitpix);
  const unsigned = kind === 'unsigned';
  switch (bitpix) {
    case 8:
      return unsigned ? new Uint8Array(buffer, byteOffset, length) : new Int8Array(buffer, byteOffset, length);
    case 16:
      return unsigned ? new Uint16Array(buffer, byteOffset, length) : new Int16Array(buffer, byteOffset, length);
    case 32:
      return unsigned ? new Uint32Array(buffer, byteOffset, length) : new Int32Array(buffer, byteOffset, length);
    case 64:
      return unsigned ? new BigUint64Array(buffer, byteOffset, length) : new BigInt64Array(buffer, byteOffset, length);
    case -32:
      return new Float32Array(buffer, byteOffset, length);
    default:
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** Decodes owned, 8-byte-aligned file bytes in place into the typed array `layout` (from inPlaceLayout) names. */
export function decodeInPlace(bytes: Uint8Array, bitpix: number, layout: 'signed' | 'unsigned'): PixelArray {
  const flip = bitpix === 8 ? layout === 'signed' : layout === 'unsigned';
  fileToHost(bytes, bitpix, flip);
  return viewAs(bytes, bitpix, layout);
}

/** The float type scaled pixels get in 'native' mode: float32 for BITPIX 8/16/-32, float64 otherwise. */
export function nativeFloatIs64(bitpix: number): boolean {
  return bitpix === 32 || bitpix === 64 || bitpix === -64;
}

/**
 * Converts owned, 8-byte-aligned file bytes into floats at out[outOffset...], applying BZERO/BSCALE,
 * BLANK -> NaN. The bytes are used as scratch space.
 */
export function convertToFloat(bytes: Uint8Array, bitpix: number, scaling: Scaling, out: FloatArray, outOffset: number): void {
  const { bzero, bscale, blank } = scaling;
  const identity = bzero === 0 && bscale === 1;
  if (bitpix === 16) {
    // Stored integers with BZERO 0 or 32768 (uint16): swapped in place and widened by the
    // engine's typed-array conversion (exact), about 2x the table.
    const integral = bscale === 1 && blank === undefined && (bzero === 0 || bzero === UINT16_ZERO);
    if (integral && NATIVE_SWAPS) {
      swapNative(bytes, 2);
      if (bzero !== 0) flipSignBits(bytes, 2);
      const { buffer, byteOffset } = bytes;
      out.set(bzero === 0 ? new Int16Array(buffer, byteOffset, bytes.length >> 1) : new Uint16Array(buffer, byteOffset, bytes.length >> 1), outOffset);
      return;
    }
    return lookup16(bytes, valueTable(16, scaling, out instanceof Float64Array), out, outOffset);
  }
  if (bitpix === 8) {
    const table = valueTable(8, scaling, out instanceof Float64Array);
    for (let i = 0; i < bytes.length; i++) out[outOffset + i] = table[bytes[i]];
    return;
  }
  fileToHost(bytes, bitpix, false);
  const values = viewAs(bytes, bitpix, 'signed');
  if (values instanceof BigInt64Array) {
    const blankBig = blank === undefined ? undefined : BigInt(blank);
    for (let i = 0; i < values.length; i++) {
      out[outOffset + i] = values[i] === blankBig ? NaN : Number(values[i]) * bscale + bzero;
    }
  } else if (identity && blank === undefined) {
    out.set(values as Int32Array | Float32Array | Float64Array, outOffset);
  } else if (bitpix === 32 && blank !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      out[outOffset + i] = value === blank ? NaN : value * bscale + bzero;
    }
  } else {
    for (let i = 0; i < values.length; i++) out[outOffset + i] = (values[i] as number) * bscale + bzero;
  }
}

// ---- writing ----

/** BITPIX and BZERO that store a typed array losslessly (unsigned conventions for unsigned types). */
export function storageFor(data: PixelArray): { bitpix: number; bzero: number | bigint } {
  if (data instanceof Uint8Array) return { bitpix: 8, bzero: 0 };
  if (data instanceof Int8Array) return { bitpix: 8, bzero: -128 };
  if (data instanceof Int16Array) return { bitpix: 16, bzero: 0 };
  if (data instanceof Uint16Array) return { bitpix: 16, bzero: UINT16_ZERO };
  if (data instanceof Int32Array) return { bitpix: 32, bzero: 0 };
  if (data instanceof Uint32Array) return { bitpix: 32, bzero: UINT32_ZERO };
  if (data instanceof BigInt64Array) return { bitpix: 64, bzero: 0 };
  if (data instanceof BigUint64Array) return { bitpix: 64, bzero: 2n ** 63n };
  if (data instanceof Float32Array) return { bitpix: -32, bzero: 0 };
  return { bitpix: -64, bzero: 0 };
}

/** Writes `data` in FITS byte order into `target` (data.byteLength bytes, 8-byte aligned). */
export function encodePixels(data: PixelArray, target: Uint8Array): void {
  target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const { bitpix, bzero } = storageFor(data);
  const flip = bzero !== 0;
  if (bitpix === 8) {
    if (flip) for (let i = 0; i < target.length; i++) target[i] ^= 0x80;
    return;
  }
  const width = bytesPerPixel(bitpix) as 2 | 4 | 8;
  if (NATIVE_SWAPS) {
    // The sign flip in host order, before the swap.
    if (flip) flipSignBits(target, width);
    swapNative(target, width);
    return;
  }
  switch (bitpix) {
    case 16:
      return reorder16(target, reorderTable16('toFile', flip ? 0x8000 : 0));
    case 32:
    case -32:
      return reorder32(target, flip ? SIGN_FLIP_32 : 0, true);
    default:
      return reorder64(target, flip ? SIGN_FLIP_32 : 0, true);
  }
}
