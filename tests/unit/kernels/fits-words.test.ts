import { beforeAll, describe, expect, it } from 'vitest';
import { bytesSource, ChunkSink, FitsFile, FitsStreamWriter, Header, onesComplementSum, type ImageArray } from '../../../ts/io/fits/index.js';
import { fitsPixelEncoder } from '../../../ts/kernels/fits-words.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';

beforeAll(async () => {
  await loadKernels();
});

/** Every dtype, each streamed in uneven pieces, with the writer's own codec or the wasm encoder. */
async function streamed(images: ImageArray[], encoder: ReturnType<typeof fitsPixelEncoder>): Promise<Uint8Array> {
  const sink = new ChunkSink();
  const writer = new FitsStreamWriter(sink, { encoder });
  await writer.writeHdu({ kind: 'image', header: new Header() });
  for (const data of images) {
    const dtype = ({ Float32Array: 'float32', Int32Array: 'int32', Uint32Array: 'uint32', Uint16Array: 'uint16', Float64Array: 'float64', Uint8Array: 'uint8' } as const)[data.constructor.name as 'Float32Array'];
    await writer.beginImage(new Header().set('EXTNAME', dtype.toUpperCase()), dtype, [data.length]);
    for (let start = 0; start < data.length; start += 777) await writer.writePixels(data.subarray(start, start + 777) as never);
  }
  await writer.finish();
  return sink.concat();
}

/** One image written in a single writePixels call (the writer slices it, the encoder chunks the slices). */
async function streamedWhole(data: Uint32Array | Float32Array, encoder: ReturnType<typeof fitsPixelEncoder>): Promise<Uint8Array> {
  const sink = new ChunkSink();
  const writer = new FitsStreamWriter(sink, { encoder });
  await writer.writeHdu({ kind: 'image', header: new Header() });
  await writer.beginImage(new Header(), data instanceof Uint32Array ? 'uint32' : 'float32', [data.length]);
  await writer.writePixels(data);
  await writer.finish();
  return sink.concat();
}

describe('wasm FITS pixel encoder', () => {
  it('writes the bytes and checksums of the JS codec, for 32-bit pixels and around the others', async () => {
    const encoder = fitsPixelEncoder();
    expect(encoder).toBeDefined();
    const n = 5000;
    let state = 9;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    const words = Uint32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0xffffffff - (next() & 0xff) : next()));
    const images: ImageArray[] = [
      new Float32Array(words.buffer.slice(0)),
      new Int32Array(words.buffer.slice(0)),
      new Uint32Array(words.buffer.slice(0)),
      Uint16Array.from(words, (w) => w & 0xffff),
      Float64Array.from(words, (w) => w / 7),
      Uint8Array.from(words, (w) => w & 0xff),
    ];
    const js = await streamed(images, undefined);
    const wasm = await streamed(images, encoder);
    expect(Buffer.compare(wasm, js)).toBe(0);
    // Valid checksums besides: every HDU, header and padded data, sums to -0.
    const file = await FitsFile.open(bytesSource(wasm, 'encoded.fits'));
    expect(file.hdus).toHaveLength(7);
    for (const [k, hdu] of file.hdus.entries()) {
      const end = k + 1 < file.hdus.length ? file.hdus[k + 1].headerOffset : wasm.length;
      expect(onesComplementSum(wasm.subarray(hdu.headerOffset, end)), hdu.extname).toBe(0xffffffff);
    }
  });

  it('gives the same bytes and sum for slices longer than its chunks', async () => {
    const n = 700_001;
    const words = Uint32Array.from({ length: n }, (_, i) => Math.imul(i, 2654435761) >>> 0);
    for (const pixels of [words, new Float32Array(words.buffer)]) {
      const js = await streamedWhole(pixels, undefined);
      const wasm = await streamedWhole(pixels, fitsPixelEncoder());
      expect(Buffer.compare(wasm, js), pixels.constructor.name).toBe(0);
    }
  });

  it('declines other pixel types and refuses a target of the wrong size', () => {
    const encoder = fitsPixelEncoder()!;
    expect(encoder.encode(new Float64Array(4), new Uint8Array(32))).toBeUndefined();
    expect(encoder.encode(new Uint16Array(4), new Uint8Array(8))).toBeUndefined();
    expect(() => encoder.encode(new Float32Array(4), new Uint8Array(15))).toThrow(/4 pixels need 16 bytes/);
  });
});
