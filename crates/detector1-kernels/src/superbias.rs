//! `superbias`: subtract the superbias reference from every group (spec/steps/superbias.md).

use crate::error::KernelError;
use crate::tile::RampShape;

/// Subtracts `bias` (rows, cols) from every group of `data` (nints, ngroups, rows, cols) and ORs
/// the (already translated) reference DQ into `pixeldq`.
///
/// - NaN bias values count as 0 (jwst `bias_sub.py`).
/// - `zeroframe` is `(nints, rows, cols)` or empty when the exposure has none; its exact zeros
///   mark unusable frames and stay 0.
/// - Arithmetic is float32, as in jwst.
pub fn apply(
    data: &mut [f32],
    zeroframe: &mut [f32],
    pixeldq: &mut [u32],
    bias: &[f32],
    bias_dq: &[u32],
    shape: RampShape,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("bias", bias.len())?;
    shape.expect_plane("bias_dq", bias_dq.len())?;
    if !zeroframe.is_empty() {
        shape.expect_int_planes("zeroframe", zeroframe.len())?;
    }

    let bias: Vec<f32> = bias.iter().map(|&b| if b.is_nan() { 0.0 } else { b }).collect();
    for plane in data.chunks_exact_mut(shape.plane_len()) {
        for (value, &b) in plane.iter_mut().zip(&bias) {
            *value -= b;
        }
    }
    for plane in zeroframe.chunks_exact_mut(shape.plane_len()) {
        for (value, &b) in plane.iter_mut().zip(&bias) {
            if *value != 0.0 {
                *value -= b;
            }
        }
    }
    for (flags, &ref_flags) in pixeldq.iter_mut().zip(bias_dq) {
        *flags |= ref_flags;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dq;

    /// CASE (spec example): data 12000, bias 10000.5 -> 1999.5; a ZEROFRAME value of 0 stays 0.
    #[test]
    fn spec_example_and_zeroframe_zeros() {
        let shape = RampShape::new(1, 1, 1, 2);
        let mut data = [12000.0, 12000.0];
        let mut zeroframe = [0.0, 11000.0];
        let mut pixeldq = [0, dq::HOT];
        apply(&mut data, &mut zeroframe, &mut pixeldq, &[10000.5, 10000.5], &[dq::DEAD, 0], shape)
            .unwrap();
        assert_eq!(data, [1999.5, 1999.5]);
        assert_eq!(zeroframe, [0.0, 999.5]);
        assert_eq!(pixeldq, [dq::DEAD, dq::HOT]);
    }

    /// CASE: NaN bias is treated as zero, in every integration and group.
    #[test]
    fn nan_bias_is_zero() {
        let shape = RampShape::new(2, 2, 1, 1);
        let mut data = [1.0, 2.0, 3.0, 4.0];
        let mut pixeldq = [0];
        apply(&mut data, &mut [], &mut pixeldq, &[f32::NAN], &[0], shape).unwrap();
        assert_eq!(data, [1.0, 2.0, 3.0, 4.0]);
    }

    /// Float32 arithmetic, not float64: 16777217 is not representable and rounds as numpy does.
    #[test]
    fn float32_rounding() {
        let shape = RampShape::new(1, 1, 1, 1);
        let mut data = [16_777_216.0f32];
        apply(&mut data, &mut [], &mut [0], &[-1.0], &[0], shape).unwrap();
        assert_eq!(data[0], 16_777_216.0f32);
    }

    #[test]
    fn wrong_lengths_name_the_argument() {
        let shape = RampShape::new(1, 2, 2, 2);
        let err = apply(&mut [0.0; 8], &mut [], &mut [0; 4], &[0.0; 3], &[0; 4], shape).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "bias", expected: 4, actual: 3 });
        let err = apply(&mut [0.0; 8], &mut [0.0; 3], &mut [0; 4], &[0.0; 4], &[0; 4], shape)
            .unwrap_err();
        assert!(err.to_string().contains("zeroframe"));
    }
}
