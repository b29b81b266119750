//! `lastframe` (spec/steps/firstframe_lastframe.md, jwst `lastframe/lastframe_sub.py`): MIRI's
//! last group is unreliable, so it gets DO_NOT_USE in every integration and pixel.

use crate::dq;
use crate::error::KernelError;
use crate::tile::RampShape;

/// ORs DO_NOT_USE into the last group of every integration of `groupdq` `(nints, ngroups, rows, cols)`.
/// The step decides whether there are enough groups (jwst: more than 2).
pub fn apply(groupdq: &mut [u8], shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("groupdq", groupdq.len())?;
    let plane = shape.plane_len();
    for integration in groupdq.chunks_exact_mut(shape.ngroups * plane) {
        for flags in &mut integration[(shape.ngroups - 1) * plane..] {
            *flags |= dq::DO_NOT_USE as u8;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CASE: 2 integrations x 3 groups of 2 pixels; only the third group of each changes.
    #[test]
    fn flags_only_the_last_group() {
        let shape = RampShape::new(2, 3, 1, 2);
        let mut gdq = [0u8, 2, 0, 4, 2, 0, 0, 0, 0, 0, 1, 4];
        apply(&mut gdq, shape).unwrap();
        assert_eq!(gdq, [0, 2, 0, 4, 3, 1, 0, 0, 0, 0, 1, 5]);
    }
}
