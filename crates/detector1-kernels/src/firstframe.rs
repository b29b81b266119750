//! `firstframe` (spec/steps/firstframe_lastframe.md, jwst `firstframe/firstframe_sub.py`):
//! DO_NOT_USE on MIRI's first group. With `bright_use_group1`, pixels whose third group is
//! SATURATED keep their first group (the first-frame effect is small next to their signal) and
//! get FLUX_ESTIMATED in PIXELDQ.

use crate::dq;
use crate::error::KernelError;
use crate::tile::RampShape;

/// Flags group 0 of `groupdq` `(nints, ngroups, rows, cols)`; the step checks ngroups > 3.
pub fn apply(groupdq: &mut [u8], pixeldq: &mut [u32], bright_use_group1: bool, shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    if bright_use_group1 && shape.ngroups < 3 {
        return Err(KernelError::InvalidParameter { argument: "bright_use_group1", reason: "needs a third group".into() });
    }
    let plane = shape.plane_len();
    for integration in groupdq.chunks_exact_mut(shape.ngroups * plane) {
        let (first, rest) = integration.split_at_mut(plane);
        for (p, flags) in first.iter_mut().enumerate() {
            if bright_use_group1 && rest[plane + p] & dq::SATURATED as u8 != 0 {
                pixeldq[p] |= dq::FLUX_ESTIMATED;
            } else {
                *flags |= dq::DO_NOT_USE as u8;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CASE: 2 integrations x 4 groups, 2 pixels; pixel 1 saturates at group 2 in integration 1 only.
    #[test]
    fn bright_pixels_keep_group_one() {
        let shape = RampShape::new(2, 4, 1, 2);
        let sat = dq::SATURATED as u8;
        let mut gdq = [0u8, 0, 0, 0, 0, 0, 0, 0, /* int 1 */ 0, 0, 0, 0, 0, sat, 0, sat];
        let mut pdq = [0u32, 0];
        let mut all = gdq;
        apply(&mut gdq, &mut pdq, true, shape).unwrap();
        assert_eq!(&gdq[..2], &[1, 1]);
        assert_eq!(&gdq[8..10], &[1, 0]);
        assert_eq!(pdq, [0, dq::FLUX_ESTIMATED]);
        let mut pdq2 = [0u32, 0];
        apply(&mut all, &mut pdq2, false, shape).unwrap();
        assert_eq!((all[0], all[1], all[8], all[9]), (1, 1, 1, 1));
        assert_eq!(pdq2, [0, 0]);
    }
}
