//! FITS 16-bit image pixels into float32 physical values (FITS standard §5.3): BZERO 0, or 32768
//! (the uint16 convention of uncal SCI), BSCALE 1, no BLANK. Every value is exact in float32.

use crate::error::{expect_len, KernelError};

/// Decodes `stored`, the file's big-endian 16-bit words as a little-endian machine loads them
/// when `swapped` (else already in value order), into `out`.
pub fn apply(stored: &[u16], out: &mut [f32], unsigned: bool, swapped: bool) -> Result<(), KernelError> {
    expect_len("out", out.len(), stored.len())?;
    let pairs = out.iter_mut().zip(stored);
    // One branch-free loop per case, so that each vectorises.
    match (unsigned, swapped) {
        (true, true) => pairs.for_each(|(o, &w)| *o = (w.swap_bytes() ^ 0x8000) as f32),
        (true, false) => pairs.for_each(|(o, &w)| *o = (w ^ 0x8000) as f32),
        (false, true) => pairs.for_each(|(o, &w)| *o = w.swap_bytes() as i16 as f32),
        (false, false) => pairs.for_each(|(o, &w)| *o = w as i16 as f32),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 16-bit word, both conventions, both byte orders: the value FITS defines.
    #[test]
    fn every_word_decodes_to_its_value() {
        let words: Vec<u16> = (0..=u16::MAX).collect();
        let swapped: Vec<u16> = words.iter().map(|w| w.swap_bytes()).collect();
        let mut out = vec![0f32; words.len()];
        for unsigned in [false, true] {
            for (stored, is_swapped) in [(&words, false), (&swapped, true)] {
                apply(stored, &mut out, unsigned, is_swapped).unwrap();
                for (&w, &v) in words.iter().zip(&out) {
                    // w is the word as the file spells it (big-endian): stored integer w as i16.
                    let physical = w as i16 as f64 + if unsigned { 32768.0 } else { 0.0 };
                    assert_eq!(v as f64, physical, "word {w:#06x} unsigned {unsigned} swapped {is_swapped}");
                }
            }
        }
    }

    #[test]
    fn mismatched_lengths_are_an_error() {
        let err = apply(&[1, 2, 3], &mut [0.0; 2], true, true).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "out", expected: 3, actual: 2 });
    }
}
