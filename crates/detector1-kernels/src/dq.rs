//! JWST data-quality bits (stdatamodels `dqflags.pixel`). PIXELDQ/DQ are `u32`; GROUPDQ is
//! `u8` and uses bits 0-7 with the same values. The TypeScript table `ts/dq/flags.ts` is the
//! source of truth; a vitest test compares it with [`PIXEL_FLAGS`] through the wasm build.

use crate::error::{expect_len, KernelError};

pub const GOOD: u32 = 0;
pub const DO_NOT_USE: u32 = 1 << 0;
pub const SATURATED: u32 = 1 << 1;
pub const JUMP_DET: u32 = 1 << 2;
pub const DROPOUT: u32 = 1 << 3;
pub const OUTLIER: u32 = 1 << 4;
pub const PERSISTENCE: u32 = 1 << 5;
pub const AD_FLOOR: u32 = 1 << 6;
pub const CHARGELOSS: u32 = 1 << 7;
pub const RESERVED: u32 = 1 << 8;
pub const NON_SCIENCE: u32 = 1 << 9;
pub const DEAD: u32 = 1 << 10;
pub const HOT: u32 = 1 << 11;
pub const WARM: u32 = 1 << 12;
pub const LOW_QE: u32 = 1 << 13;
pub const RC: u32 = 1 << 14;
pub const TELEGRAPH: u32 = 1 << 15;
pub const NONLINEAR: u32 = 1 << 16;
pub const BAD_REF_PIXEL: u32 = 1 << 17;
pub const NO_FLAT_FIELD: u32 = 1 << 18;
pub const NO_GAIN_VALUE: u32 = 1 << 19;
pub const NO_LIN_CORR: u32 = 1 << 20;
pub const NO_SAT_CHECK: u32 = 1 << 21;
pub const UNRELIABLE_BIAS: u32 = 1 << 22;
pub const UNRELIABLE_DARK: u32 = 1 << 23;
pub const UNRELIABLE_SLOPE: u32 = 1 << 24;
pub const UNRELIABLE_FLAT: u32 = 1 << 25;
pub const OPEN: u32 = 1 << 26;
pub const ADJ_OPEN: u32 = 1 << 27;
pub const FLUX_ESTIMATED: u32 = 1 << 28;
pub const MSA_FAILED_OPEN: u32 = 1 << 29;
pub const OTHER_BAD_PIXEL: u32 = 1 << 30;
pub const REFERENCE_PIXEL: u32 = 1 << 31;

/// Every named pixel flag, in bit order (GOOD first), for the cross-language check.
pub const PIXEL_FLAGS: [(&str, u32); 33] = [
    ("GOOD", GOOD),
    ("DO_NOT_USE", DO_NOT_USE),
    ("SATURATED", SATURATED),
    ("JUMP_DET", JUMP_DET),
    ("DROPOUT", DROPOUT),
    ("OUTLIER", OUTLIER),
    ("PERSISTENCE", PERSISTENCE),
    ("AD_FLOOR", AD_FLOOR),
    ("CHARGELOSS", CHARGELOSS),
    ("RESERVED", RESERVED),
    ("NON_SCIENCE", NON_SCIENCE),
    ("DEAD", DEAD),
    ("HOT", HOT),
    ("WARM", WARM),
    ("LOW_QE", LOW_QE),
    ("RC", RC),
    ("TELEGRAPH", TELEGRAPH),
    ("NONLINEAR", NONLINEAR),
    ("BAD_REF_PIXEL", BAD_REF_PIXEL),
    ("NO_FLAT_FIELD", NO_FLAT_FIELD),
    ("NO_GAIN_VALUE", NO_GAIN_VALUE),
    ("NO_LIN_CORR", NO_LIN_CORR),
    ("NO_SAT_CHECK", NO_SAT_CHECK),
    ("UNRELIABLE_BIAS", UNRELIABLE_BIAS),
    ("UNRELIABLE_DARK", UNRELIABLE_DARK),
    ("UNRELIABLE_SLOPE", UNRELIABLE_SLOPE),
    ("UNRELIABLE_FLAT", UNRELIABLE_FLAT),
    ("OPEN", OPEN),
    ("ADJ_OPEN", ADJ_OPEN),
    ("FLUX_ESTIMATED", FLUX_ESTIMATED),
    ("MSA_FAILED_OPEN", MSA_FAILED_OPEN),
    ("OTHER_BAD_PIXEL", OTHER_BAD_PIXEL),
    ("REFERENCE_PIXEL", REFERENCE_PIXEL),
];

/// Names of the flags that fit in a GROUPDQ byte and are set on groups (OUTLIER is not).
pub const GROUP_FLAG_NAMES: [&str; 8] = [
    "GOOD",
    "DO_NOT_USE",
    "SATURATED",
    "JUMP_DET",
    "DROPOUT",
    "PERSISTENCE",
    "AD_FLOOR",
    "CHARGELOSS",
];

/// A reference file's 32-bit DQ words into standard flags (stdatamodels `dynamicdq`):
/// `stored` holds the file's big-endian words, byte-swapped as a little-endian machine loads
/// them when `swapped`; each is XOR `flip` (0x8000_0000 for uint32 stored with BZERO 2^31), then
/// every set bit `b` gives `bit_flags[b]` (the standard flags DQ_DEF maps it to), OR-ed.
pub fn translate(stored: &[u32], out: &mut [u32], swapped: bool, flip: u32, bit_flags: &[u32]) -> Result<(), KernelError> {
    expect_len("out", out.len(), stored.len())?;
    let t = Translation::new(swapped, flip, bit_flags)?;
    let pairs = out.iter_mut().zip(stored);
    match t.mask {
        Some(mask) => pairs.for_each(|(o, &w)| *o = t.load(w) & mask),
        None => pairs.for_each(|(o, &w)| *o = t.lookup(t.load(w))),
    }
    Ok(())
}

/// [`translate`] in place: `words` as the file stores them become standard flags.
pub fn translate_in_place(words: &mut [u32], swapped: bool, flip: u32, bit_flags: &[u32]) -> Result<(), KernelError> {
    let t = Translation::new(swapped, flip, bit_flags)?;
    match t.mask {
        Some(mask) => words.iter_mut().for_each(|w| *w = t.load(*w) & mask),
        None => words.iter_mut().for_each(|w| *w = t.lookup(t.load(*w))),
    }
    Ok(())
}

struct Translation {
    swapped: bool,
    flip: u32,
    /// Tables whose every defined bit is its own standard flag (ours, and CRDS's as a rule) mask.
    mask: Option<u32>,
    /// Else one table per byte of the word: four lookups OR-ed.
    tables: Box<[[u32; 256]; 4]>,
}

impl Translation {
    fn new(swapped: bool, flip: u32, bit_flags: &[u32]) -> Result<Self, KernelError> {
        expect_len("bit_flags", bit_flags.len(), 32)?;
        let mut tables = Box::new([[0u32; 256]; 4]);
        let mask = bit_flags.iter().enumerate().all(|(bit, &flags)| flags == 0 || flags == 1 << bit).then(|| bit_flags.iter().fold(0, |a, &b| a | b));
        if mask.is_none() {
            for (k, table) in tables.iter_mut().enumerate() {
                for (byte, entry) in table.iter_mut().enumerate() {
                    *entry = (0..8).filter(|bit| byte & (1 << bit) != 0).fold(0, |a, bit| a | bit_flags[8 * k + bit]);
                }
            }
        }
        Ok(Translation { swapped, flip, mask, tables })
    }

    /// The word as stored, in host order with the sign flip undone.
    #[inline(always)]
    fn load(&self, w: u32) -> u32 {
        (if self.swapped { w.swap_bytes() } else { w }) ^ self.flip
    }

    #[inline(always)]
    fn lookup(&self, v: u32) -> u32 {
        self.tables[0][(v & 0xff) as usize] | self.tables[1][((v >> 8) & 0xff) as usize] | self.tables[2][((v >> 16) & 0xff) as usize] | self.tables[3][(v >> 24) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bit_per_flag_in_bit_order() {
        for (bit, (name, value)) in PIXEL_FLAGS.iter().skip(1).enumerate() {
            assert_eq!(*value, 1u32 << bit, "{name}");
        }
        // Values quoted in spec/dqflags.md §4 for NIR reference pixels.
        assert_eq!(REFERENCE_PIXEL | NO_GAIN_VALUE | DO_NOT_USE, 2_148_007_937);
    }

    #[test]
    fn group_flags_fit_in_a_byte() {
        for name in GROUP_FLAG_NAMES {
            let value = PIXEL_FLAGS.iter().find(|(n, _)| *n == name).unwrap().1;
            assert!(value <= u8::MAX as u32, "{name}");
        }
    }
    /// Masking tables and remapping tables against the rule bit by bit, both byte orders and
    /// both BZERO conventions.
    #[test]
    fn translate_maps_every_set_bit() {
        let mut state = 5u32;
        let mut next = || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            state
        };
        let words: Vec<u32> = (0..3000).map(|i| if i % 4 == 0 { 0 } else { next() & next() }).collect();
        let identity: Vec<u32> = (0..32).map(|b| if b % 3 == 0 { 0 } else { 1u32 << b }).collect();
        let remap: Vec<u32> = (0..32).map(|b| if b % 5 == 0 { 0 } else { (1u32 << ((b * 7) % 32)) | DO_NOT_USE }).collect();
        for bit_flags in [&identity, &remap] {
            for swapped in [false, true] {
                for flip in [0, 0x8000_0000] {
                    let stored: Vec<u32> = words.iter().map(|&w| if swapped { (w ^ flip).swap_bytes() } else { w ^ flip }).collect();
                    let mut out = vec![0u32; words.len()];
                    translate(&stored, &mut out, swapped, flip, bit_flags).unwrap();
                    let mut in_place = stored.clone();
                    translate_in_place(&mut in_place, swapped, flip, bit_flags).unwrap();
                    for ((&w, &got), &got_in_place) in words.iter().zip(&out).zip(&in_place) {
                        let want = (0..32).filter(|b| w & (1 << b) != 0).fold(0, |a, b| a | bit_flags[b]);
                        assert_eq!(got, want, "word {w:#x} swapped {swapped} flip {flip:#x}");
                        assert_eq!(got_in_place, want, "in place: word {w:#x} swapped {swapped} flip {flip:#x}");
                    }
                }
            }
        }
        assert_eq!(translate(&[1], &mut [0; 1], false, 0, &[0; 31]).unwrap_err().code(), "shape_mismatch");
        assert_eq!(translate_in_place(&mut [1], false, 0, &[0; 31]).unwrap_err().code(), "shape_mismatch");
    }
}
