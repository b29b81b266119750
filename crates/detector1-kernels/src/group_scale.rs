//! `group_scale`: undo an on-board frame-averaging divisor that differs from NFRAMES
//! (spec/steps/group_scale.md, jwst `group_scale.py`).

use crate::error::KernelError;
use crate::tile::RampShape;

/// Multiplies every value of `data` `(nints, ngroups, rows, cols)` by `scale`, regardless of DQ.
/// numpy multiplies the float32 array by the Python float `FRMDIVSR / NFRAMES` as float32, so the
/// caller passes that quotient rounded to float32.
pub fn apply(data: &mut [f32], scale: f32, shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    if !scale.is_finite() {
        return Err(KernelError::InvalidParameter { argument: "scale", reason: format!("{scale} is not finite") });
    }
    for value in data.iter_mut() {
        *value *= scale;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CASE (spec example): NFRAMES 5, FRMDIVSR 4 -> scale 0.8; 1000 DN -> 800 DN (float32).
    #[test]
    fn spec_example() {
        let mut data = [1000.0f32, 0.0, f32::NAN, -5.0];
        apply(&mut data, (4.0f64 / 5.0) as f32, RampShape::new(1, 2, 1, 2)).unwrap();
        assert_eq!(data[0], 1000.0f32 * 0.8f32);
        assert_eq!(data[0], 800.0);
        assert!(data[2].is_nan());
        assert_eq!(data[3], -4.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = apply(&mut [0.0; 3], 1.0, RampShape::new(1, 2, 1, 2)).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "data", expected: 4, actual: 3 });
        assert_eq!(apply(&mut [0.0; 4], f32::INFINITY, RampShape::new(1, 2, 1, 2)).unwrap_err().code(), "invalid_parameter");
    }
}
