import { pixel, type PixelFlagName } from './flags.js';

/** One row of a reference file's DQ_DEF table. */
export interface DqDefinition {
  bit: number;
  value: number;
  name: string;
  description: string;
}

/**
 * Translates a reference file's DQ array, stored with its own bit assignment described by
 * DQ_DEF, into standard flags (stdatamodels `dynamicdq`): for each row whose NAME is a standard
 * mnemonic, pixels with `(dq & VALUE) != 0` get that flag. Unknown names are reported through
 * `onUnknown` and ignored. Without a DQ_DEF table the array is already standard.
 */
export function translateDq(
  dq: ArrayLike<number>,
  definitions: readonly DqDefinition[] | undefined,
  onUnknown: (name: string) => void = () => {},
): Uint32Array {
  const out = new Uint32Array(dq.length);
  if (!definitions || definitions.length === 0) {
    for (let i = 0; i < dq.length; i++) out[i] = dq[i] >>> 0;
    return out;
  }
  for (const def of definitions) {
    const name = def.name.trim().toUpperCase();
    if (!(name in pixel)) {
      onUnknown(def.name.trim());
      continue;
    }
    const standard = pixel[name as PixelFlagName];
    const mask = def.value >>> 0;
    if (mask === 0 || standard === 0) continue;
    for (let i = 0; i < dq.length; i++) {
      if ((dq[i] & mask) !== 0) out[i] = (out[i] | standard) >>> 0;
    }
  }
  return out;
}

/** The standard DQ_DEF rows, as our writer puts them in reference files it makes. */
export function standardDqDefinitions(): DqDefinition[] {
  return (Object.keys(pixel) as PixelFlagName[])
    .filter((name) => name !== 'GOOD')
    .map((name) => ({ bit: Math.log2(pixel[name]), value: pixel[name], name, description: name }));
}

