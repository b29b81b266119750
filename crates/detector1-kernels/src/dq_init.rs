//! `dq_init`: initial pixel and group DQ from the MASK reference (spec/steps/dq_init.md).

use crate::dq;
use crate::error::KernelError;
use crate::tile::RampShape;

/// ORs the (translated, subarray-cut) `mask` into `pixeldq` `(rows, cols)`, and its DO_NOT_USE
/// bit into every group of `groupdq` `(nints, ngroups, rows, cols)`, so that no group of a
/// DO_NOT_USE pixel is ever fitted.
pub fn apply(pixeldq: &mut [u32], groupdq: &mut [u8], mask: &[u32], shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("mask", mask.len())?;

    for (flags, &m) in pixeldq.iter_mut().zip(mask) {
        *flags |= m;
    }
    // DO_NOT_USE is bit 0 in both tables, so the low byte of the mask carries it as is.
    let do_not_use: Vec<u8> = mask.iter().map(|&m| (m & dq::DO_NOT_USE) as u8).collect();
    for plane in groupdq.chunks_exact_mut(shape.plane_len()) {
        for (flags, &bit) in plane.iter_mut().zip(&do_not_use) {
            *flags |= bit;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CASE (spec example): mask 1025 (DEAD|DO_NOT_USE) -> pixeldq 1025, every group gets bit 1;
    /// REFERENCE_PIXEL (bit 31) reaches pixeldq but no group bit.
    #[test]
    fn spec_example() {
        let shape = RampShape::new(2, 2, 1, 3);
        let mut pixeldq = [0, dq::HOT, 0];
        let mut groupdq = [0u8, 0, dq::JUMP_DET as u8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mask = [dq::DEAD | dq::DO_NOT_USE, 0, dq::REFERENCE_PIXEL];
        apply(&mut pixeldq, &mut groupdq, &mask, shape).unwrap();
        assert_eq!(pixeldq, [1025, dq::HOT, dq::REFERENCE_PIXEL]);
        assert_eq!(groupdq, [1, 0, 4, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn wrong_mask_length_is_reported() {
        let shape = RampShape::new(1, 1, 2, 2);
        let err = apply(&mut [0; 4], &mut [0; 4], &[0; 3], shape).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "mask", expected: 4, actual: 3 });
    }
}
