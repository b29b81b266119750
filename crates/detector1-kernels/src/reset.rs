//! `reset` (spec/steps/miri.md §1, jwst `reset/reset_sub.py`): subtract MIRI's reset-anomaly
//! ramp from the first groups of every integration and OR the reference DQ into PIXELDQ.

use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;

/// Subtracts `reset` planes from `data` `(nints, ngroups, rows, cols)`, in float32 as jwst.
///
/// - `reset` holds `planes` planes for each reset integration passed: `(resets·planes, rows, cols)`;
///   NaN counts as 0.
/// - `int_map[i]`: the reset integration (index into the passed ones) for science integration `i`.
/// - Only groups `0..planes` are corrected (`planes` ≤ ngroups).
pub fn apply(
    data: &mut [f32],
    pixeldq: &mut [u32],
    reset: &[f32],
    reset_dq: &[u32],
    planes: usize,
    int_map: &[u32],
    shape: RampShape,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("reset_dq", reset_dq.len())?;
    expect_len("int_map", int_map.len(), shape.nints)?;
    let plane = shape.plane_len();
    if planes > shape.ngroups {
        return Err(KernelError::InvalidParameter { argument: "planes", reason: format!("{planes} planes for {} groups", shape.ngroups) });
    }
    let resets = if planes == 0 { 0 } else { reset.len() / (planes * plane) };
    expect_len("reset", reset.len(), resets * planes * plane)?;
    if let Some(&r) = int_map.iter().find(|&&r| r as usize >= resets.max(1)) {
        return Err(KernelError::InvalidParameter { argument: "int_map", reason: format!("reset integration {r} of {resets}") });
    }
    for (i, integration) in data.chunks_exact_mut(shape.ngroups * plane).enumerate() {
        let r = int_map[i] as usize;
        for (g, group) in integration.chunks_exact_mut(plane).take(planes).enumerate() {
            let correction = &reset[(r * planes + g) * plane..][..plane];
            for (value, &c) in group.iter_mut().zip(correction) {
                *value -= if c.is_nan() { 0.0 } else { c };
            }
        }
    }
    for (flags, &ref_flags) in pixeldq.iter_mut().zip(reset_dq) {
        *flags |= ref_flags;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CASE (spec example, 1 pixel): reset has 2 integrations x 3 groups, science 4 x 5 ->
    /// integrations 0, 1 use reset 0, 1; 2 and 3 use reset 1; groups 3, 4 untouched; NaN = 0.
    #[test]
    fn spec_example() {
        let shape = RampShape::new(4, 5, 1, 1);
        let mut data = [100.0f32; 20];
        let mut pdq = [0u32];
        let reset = [1.0, 2.0, f32::NAN, 10.0, 20.0, 30.0];
        apply(&mut data, &mut pdq, &reset, &[8], 3, &[0, 1, 1, 1], shape).unwrap();
        assert_eq!(&data[..5], &[99.0, 98.0, 100.0, 100.0, 100.0]);
        for i in 1..4 {
            assert_eq!(&data[i * 5..i * 5 + 5], &[90.0, 80.0, 70.0, 100.0, 100.0]);
        }
        assert_eq!(pdq, [8]);
    }

    #[test]
    fn rejects_a_map_beyond_the_resets() {
        let shape = RampShape::new(1, 2, 1, 1);
        let err = apply(&mut [0.0; 2], &mut [0], &[1.0, 2.0], &[0], 2, &[1], shape).unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
    }
}
