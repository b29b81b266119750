import { describe, expect, it } from 'vitest';
import { Header } from '../../../ts/io/fits/index.js';
import { readReferenceDq } from '../../../ts/reffiles/index.js';
import { dqBitFlags, pixel, translateDq } from '../../../ts/dq/index.js';
import { kernelsLoaded } from '../../../ts/kernels/module.js';
import { translateStoredDq } from '../../../ts/kernels/dq-translate.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { fitsInMemory } from '../../helpers/fits.js';

// 600 x 700: more than one of the wasm path's chunks. Words with high bits (stored with BZERO 2^31).
const [ny, nx] = [600, 700];
let state = 1;
const dq = Uint32Array.from({ length: ny * nx }, (_, i) => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return i % 3 === 0 ? 0 : state & (state >>> 7);
});

/** Bits 0, 3, ..., 30 and the sign bit 31 (which the BZERO convention flips). */
const bitOf = (k: number, count: number) => (k === count - 1 ? 31 : 3 * k);

const reference = (names: string[]) =>
  fitsInMemory('mask.fits', [
    { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', nx).set('SUBSIZE2', ny) },
    { kind: 'image', header: new Header().set('EXTNAME', 'DQ'), data: dq, shape: [ny, nx] },
    {
      kind: 'bintable',
      header: new Header().set('EXTNAME', 'DQ_DEF'),
      nrows: names.length,
      columns: [
        { name: 'BIT', format: 'J', data: Int32Array.from(names, (_, k) => bitOf(k, names.length)) },
        { name: 'VALUE', format: 'J', data: Uint32Array.from(names, (_, k) => 2 ** bitOf(k, names.length)) },
        { name: 'NAME', format: '40A', data: names },
        { name: 'DESCRIPTION', format: '80A', data: names.map(() => '') },
      ],
    },
  ]);

describe('reference DQ translated in wasm', () => {
  it('gives what the JS translation gives, for masking and remapping DQ_DEF tables', async () => {
    const science = { xstart: 1, ystart: 1, xsize: nx, ysize: ny };
    // The first table keeps every bit as its own flag (a mask), the second moves them.
    const tables = [
      ['DO_NOT_USE', 'DROPOUT', 'AD_FLOOR', 'DEAD', 'RC', 'BAD_REF_PIXEL', 'NO_LIN_CORR', 'UNRELIABLE_DARK', 'OPEN', 'OTHER_BAD_PIXEL', 'REFERENCE_PIXEL'],
      ['HOT', 'DEAD', 'DO_NOT_USE', 'NO_GAIN_VALUE', 'LOW_QE', 'REFERENCE_PIXEL', 'SATURATED', 'WARM', 'TELEGRAPH', 'MADE_UP', 'OPEN'],
    ];
    const js: Uint32Array[] = [];
    expect(kernelsLoaded()).toBe(false);
    for (const names of tables) js.push((await readReferenceDq(await reference(names), { science, instrument: 'NIRCAM' })).data);
    await loadKernels();
    for (const [k, names] of tables.entries()) {
      const definitions = names.map((name, k) => ({ bit: bitOf(k, names.length), value: 2 ** bitOf(k, names.length), name, description: '' }));
      const expected = translateDq(dq, definitions);
      expect(dqBitFlags(definitions)[0]).toBe(k === 0 ? pixel.DO_NOT_USE : pixel.HOT);
      const wasm = (await readReferenceDq(await reference(names), { science, instrument: 'NIRCAM' })).data;
      expect(Buffer.compare(Buffer.from(js[k].buffer), Buffer.from(expected.buffer)), `JS, table ${k}`).toBe(0);
      expect(Buffer.compare(Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength), Buffer.from(expected.buffer)), `wasm, table ${k}`).toBe(0);
      // Left as the file stores them (uint32 with BZERO 2^31), then translated as a worker would.
      const stored = await readReferenceDq(await reference(names), { science, instrument: 'NIRCAM' }, 'DQ', { fileOrder: true });
      expect(stored.stored?.unsigned, `stored, table ${k}`).toBe(true);
      const later = new Uint32Array(stored.data.length);
      translateStoredDq(new Uint8Array(stored.data.buffer, stored.data.byteOffset, stored.data.byteLength), true, stored.stored!.bitFlags, later);
      expect(Buffer.compare(Buffer.from(later.buffer), Buffer.from(expected.buffer)), `stored, table ${k}`).toBe(0);
    }
  });
});
