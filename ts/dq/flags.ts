/**
 * JWST data-quality flags (stdatamodels `dqflags.pixel`), the single source of truth of this
 * package. PIXELDQ/DQ arrays are uint32; GROUPDQ is uint8 and uses the values of bits 0-7.
 * The Rust kernels mirror this table (crates/detector1-kernels/src/dq.rs); a test compares the two.
 */
export const pixel = {
  GOOD: 0,
  DO_NOT_USE: 2 ** 0,
  SATURATED: 2 ** 1,
  JUMP_DET: 2 ** 2,
  DROPOUT: 2 ** 3,
  OUTLIER: 2 ** 4,
  PERSISTENCE: 2 ** 5,
  AD_FLOOR: 2 ** 6,
  CHARGELOSS: 2 ** 7,
  RESERVED: 2 ** 8,
  NON_SCIENCE: 2 ** 9,
  DEAD: 2 ** 10,
  HOT: 2 ** 11,
  WARM: 2 ** 12,
  LOW_QE: 2 ** 13,
  RC: 2 ** 14,
  TELEGRAPH: 2 ** 15,
  NONLINEAR: 2 ** 16,
  BAD_REF_PIXEL: 2 ** 17,
  NO_FLAT_FIELD: 2 ** 18,
  NO_GAIN_VALUE: 2 ** 19,
  NO_LIN_CORR: 2 ** 20,
  NO_SAT_CHECK: 2 ** 21,
  UNRELIABLE_BIAS: 2 ** 22,
  UNRELIABLE_DARK: 2 ** 23,
  UNRELIABLE_SLOPE: 2 ** 24,
  UNRELIABLE_FLAT: 2 ** 25,
  OPEN: 2 ** 26,
  ADJ_OPEN: 2 ** 27,
  FLUX_ESTIMATED: 2 ** 28,
  MSA_FAILED_OPEN: 2 ** 29,
  OTHER_BAD_PIXEL: 2 ** 30,
  REFERENCE_PIXEL: 2 ** 31,
} as const;

export type PixelFlagName = keyof typeof pixel;

const groupFlagNames = [
  'GOOD',
  'DO_NOT_USE',
  'SATURATED',
  'JUMP_DET',
  'DROPOUT',
  'PERSISTENCE',
  'AD_FLOOR',
  'CHARGELOSS',
] as const satisfies readonly PixelFlagName[];

export type GroupFlagName = (typeof groupFlagNames)[number];

/** Flags that steps set on groups (GROUPDQ); same values as the pixel flags of the same name. */
export const group = Object.fromEntries(groupFlagNames.map((name) => [name, pixel[name]])) as {
  readonly [K in GroupFlagName]: (typeof pixel)[K];
};

const nameByBit = new Map<number, PixelFlagName>(
  (Object.keys(pixel) as PixelFlagName[]).filter((n) => n !== 'GOOD').map((n) => [Math.log2(pixel[n]), n]),
);

/** Mnemonics of the bits set in `value`, lowest bit first (`[]` for GOOD). */
export function flagNames(value: number): PixelFlagName[] {
  const names: PixelFlagName[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if ((value >>> bit) & 1) names.push(nameByBit.get(bit)!);
  }
  return names;
}

/**
 * Parses a flag list as jwst parameters accept it: an integer, integers joined by `,` or `+`,
 * or mnemonics (`"JUMP_DET, DROPOUT"`); a leading `~` inverts the result (32-bit).
 */
export function parseFlags(spec: string | number): number {
  if (typeof spec === 'number') return checkedFlagValue(spec, String(spec));
  let text = spec.trim();
  const invert = text.startsWith('~');
  if (invert) text = text.slice(1).trim();
  let value = 0;
  for (const part of text.split(/[,+]/).map((p) => p.trim())) {
    if (part === '') throw new RangeError(`invalid DQ flag list "${spec}": empty entry`);
    if (/^\d+$/.test(part)) {
      value = (value | checkedFlagValue(Number(part), spec)) >>> 0;
    } else {
      const upper = part.toUpperCase();
      if (!(upper in pixel)) throw new RangeError(`invalid DQ flag list "${spec}": unknown flag "${part}"`);
      value = (value | pixel[upper as PixelFlagName]) >>> 0;
    }
  }
  return invert ? ~value >>> 0 : value;
}

function checkedFlagValue(value: number, spec: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`invalid DQ flag value "${spec}": not an unsigned 32-bit integer`);
  }
  return value;
}
