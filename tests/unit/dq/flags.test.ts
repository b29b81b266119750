import { beforeAll, describe, expect, it } from 'vitest';
import { groupFlagNames, pixelFlagNames, pixelFlagValues } from '../../../wasm-pkg/detector1_wasm.js';
import { flagNames, group, parseFlags, pixel, standardDqDefinitions, translateDq } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';

beforeAll(async () => {
  await loadKernels();
});

describe('DQ flag table', () => {
  it('agrees with the Rust kernels, name for name and value for value', () => {
    const rust = pixelFlagNames().map((name, i) => [name, pixelFlagValues()[i]]);
    expect(rust).toEqual(Object.entries(pixel));
    expect(groupFlagNames()).toEqual(Object.keys(group));
  });

  it('has the values of spec/dqflags.md', () => {
    expect(pixel.REFERENCE_PIXEL).toBe(2147483648);
    expect(pixel.REFERENCE_PIXEL + pixel.NO_GAIN_VALUE + pixel.DO_NOT_USE).toBe(2148007937);
    expect(group.CHARGELOSS).toBe(128);
    expect(Object.values(group).every((v) => v <= 255)).toBe(true);
  });

  it('parses flag lists as jwst parameters do', () => {
    expect(parseFlags('JUMP_DET, DROPOUT')).toBe(12);
    expect(parseFlags('4+8')).toBe(12);
    expect(parseFlags('4,8')).toBe(12);
    expect(parseFlags(1025)).toBe(1025);
    expect(parseFlags('~DO_NOT_USE')).toBe(0xfffffffe);
    expect(() => parseFlags('JUMP, DROPOUT')).toThrow(/unknown flag "JUMP"/);
  });

  it('names the bits of a value', () => {
    expect(flagNames(2148007937)).toEqual(['DO_NOT_USE', 'NO_GAIN_VALUE', 'REFERENCE_PIXEL']);
    expect(flagNames(0)).toEqual([]);
  });
});

describe('DQ_DEF translation', () => {
  it('maps a compact reference bit assignment to standard flags and skips unknown names', () => {
    const unknown: string[] = [];
    const dq = new Uint8Array([0, 1, 2, 3, 4]);
    const defs = [
      { bit: 0, value: 1, name: 'DEAD', description: '' },
      { bit: 1, value: 2, name: 'hot ', description: '' },
      { bit: 2, value: 4, name: 'WEIRD', description: '' },
    ];
    expect([...translateDq(dq, defs, (n) => unknown.push(n))]).toEqual([0, pixel.DEAD, pixel.HOT, pixel.DEAD | pixel.HOT, 0]);
    expect(unknown).toEqual(['WEIRD']);
  });

  it('uses the array as-is without a table, and the standard table is the identity', () => {
    const dq = new Uint32Array([pixel.REFERENCE_PIXEL | pixel.DO_NOT_USE, 5]);
    expect([...translateDq(dq, undefined)]).toEqual([...dq]);
    expect([...translateDq(dq, standardDqDefinitions())]).toEqual([...dq]);
  });

  it('equals the row-by-row rule of stdatamodels for multi-bit values, repeated names and high bits', () => {
    // dynamicdq: for each row with a standard NAME, pixels with (dq & VALUE) != 0 get that flag.
    const names = ['DO_NOT_USE', 'SATURATED', 'DEAD', 'HOT', 'NO_LIN_CORR', 'REFERENCE_PIXEL', 'UNRELIABLE_SLOPE', 'OTHER_BAD_PIXEL', 'BOGUS'];
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    const defs = Array.from({ length: 12 }, (_, bit) => ({ bit, value: (next() & next() & next()) >>> 0 || 2 ** 31, name: names[next() % names.length], description: '' }));
    const dq = Uint32Array.from({ length: 5000 }, () => next() & next());
    const expected = new Uint32Array(dq.length);
    for (const def of defs) {
      if (!(def.name in pixel)) continue;
      for (let i = 0; i < dq.length; i++) if ((dq[i] & def.value) !== 0) expected[i] |= pixel[def.name as keyof typeof pixel];
    }
    expect(translateDq(dq, defs)).toEqual(expected);
  });

  it('drops the bits a table leaves out when every row it has is the standard bit (the masking path)', () => {
    const defs = standardDqDefinitions().filter((def) => ['DO_NOT_USE', 'DEAD', 'HOT', 'NO_GAIN_VALUE'].includes(def.name));
    const kept = pixel.DO_NOT_USE | pixel.DEAD | pixel.HOT | pixel.NO_GAIN_VALUE;
    const dq = Uint32Array.from({ length: 4096 }, (_, i) => Math.imul(i + 1, 2654435761) >>> 0);
    expect(translateDq(dq, defs)).toEqual(dq.map((v) => (v & kept) >>> 0));
    // One row off its standard bit, and the lookups run: the same rule.
    const moved = [...defs, { bit: 3, value: 8, name: 'DEAD', description: '' }];
    expect(translateDq(dq, moved)).toEqual(dq.map((v) => ((v & kept) | (v & 8 ? pixel.DEAD : 0)) >>> 0));
  });
});

