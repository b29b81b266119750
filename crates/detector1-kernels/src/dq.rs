//! JWST data-quality bits (stdatamodels `dqflags.pixel`). PIXELDQ/DQ are `u32`; GROUPDQ is
//! `u8` and uses bits 0-7 with the same values. The TypeScript table `ts/dq/flags.ts` is the
//! source of truth; a vitest test compares it with [`PIXEL_FLAGS`] through the wasm build.

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
}
