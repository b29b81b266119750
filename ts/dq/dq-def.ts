import { pixel, type PixelFlagName } from './flags.js';

/** One row of a reference file's DQ_DEF table. */
export interface DqDefinition {
  bit: number;
  value: number;
  name: string;
  description: string;
}

/**
 * The standard flags each of the 32 stored bits gives (stdatamodels `dynamicdq`): for each
 * DQ_DEF row whose NAME is a standard mnemonic, every bit of its VALUE gives that flag (`(dq &
 * VALUE) != 0` is "any bit of VALUE is set"). Unknown names are reported through `onUnknown`
 * and ignored. Without a DQ_DEF table every bit is its own flag: the array is already standard.
 */
export function dqBitFlags(definitions: readonly DqDefinition[] | undefined, onUnknown: (name: string) => void = () => {}): Uint32Array {
  const bitFlags = new Uint32Array(32);
  if (!definitions || definitions.length === 0) {
    for (let bit = 0; bit < 32; bit++) bitFlags[bit] = 2 ** bit;
    return bitFlags;
  }
  for (const def of definitions) {
    const name = def.name.trim().toUpperCase();
    if (!(name in pixel)) {
      onUnknown(def.name.trim());
      continue;
    }
    const standard = pixel[name as PixelFlagName];
    const mask = def.value >>> 0;
    for (let bit = 0; bit < 32; bit++) if (mask & (2 ** bit)) bitFlags[bit] |= standard;
  }
  return bitFlags;
}

/**
 * Translates a reference file's DQ array, stored with its own bit assignment described by
 * DQ_DEF, into standard flags (see `dqBitFlags`). The result goes to `into` when given (as
 * long as `dq`; every element is written).
 */
export function translateDq(
  dq: ArrayLike<number>,
  definitions: readonly DqDefinition[] | undefined,
  onUnknown: (name: string) => void = () => {},
  into?: Uint32Array,
): Uint32Array {
  return translateDqBits(dq, dqBitFlags(definitions, onUnknown), into);
}

/** `translateDq` with the bits' flags from `dqBitFlags`. */
export function translateDqBits(dq: ArrayLike<number>, bitFlags: Uint32Array, into?: Uint32Array): Uint32Array {
  if (into && into.length !== dq.length) throw new RangeError(`translateDq: 'into' holds ${into.length} values, the DQ array ${dq.length}`);
  const out = into ?? new Uint32Array(dq.length);
  // Tables whose every defined bit is the standard flag of the same bit (ours, and CRDS's as a
  // rule) translate by masking: several times faster than the lookups.
  if (bitFlags.every((flag, bit) => flag === 0 || flag === 2 ** bit)) {
    const mask = bitFlags.reduce((a, b) => a | b, 0);
    for (let i = 0; i < dq.length; i++) out[i] = (dq[i] & mask) >>> 0;
    return out;
  }
  // `(dq & VALUE) != 0` is "any bit of VALUE is set", so the translation is an OR over the set
  // bits of each pixel: one table per byte of the value gives it in four lookups.
  const tables = Array.from({ length: 4 }, (_, k) => {
    const table = new Uint32Array(256);
    for (let byte = 1; byte < 256; byte++) {
      for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) table[byte] |= bitFlags[8 * k + bit];
    }
    return table;
  });
  const [t0, t1, t2, t3] = tables;
  for (let i = 0; i < dq.length; i++) {
    const v = dq[i] >>> 0;
    out[i] = v === 0 ? 0 : (t0[v & 0xff] | t1[(v >>> 8) & 0xff] | t2[(v >>> 16) & 0xff] | t3[v >>> 24]) >>> 0;
  }
  return out;
}

/** The standard DQ_DEF rows, as our writer puts them in reference files it makes. */
export function standardDqDefinitions(): DqDefinition[] {
  return (Object.keys(pixel) as PixelFlagName[])
    .filter((name) => name !== 'GOOD')
    .map((name) => ({ bit: Math.log2(pixel[name]), value: pixel[name], name, description: name }));
}

