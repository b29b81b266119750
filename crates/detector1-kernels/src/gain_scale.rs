//! `gain_scale`: rescale rate products taken with a non-standard gain (spec/steps/gain_scale.md,
//! jwst `gain_scale.py`).

use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;

/// `data *= factor`, `err *= factor`, `var_poisson *= factor_sq`, `var_rnoise *= factor_sq`.
/// Arrays are `(nints, rows, cols)` (a rate image is `nints = 1`; `shape.ngroups` must be 1);
/// an empty variance array is left alone, as jwst skips absent ones. numpy multiplies by the
/// Python floats `f` and `f**2` as float32, so the caller passes both rounded to float32
/// (`factor_sq` is not `factor * factor` in float32).
pub fn apply(
    data: &mut [f32],
    err: &mut [f32],
    var_poisson: &mut [f32],
    var_rnoise: &mut [f32],
    factor: f32,
    factor_sq: f32,
    shape: RampShape,
) -> Result<(), KernelError> {
    shape.validate()?;
    if shape.ngroups != 1 {
        return Err(KernelError::InvalidShape { argument: "shape", reason: format!("rate products have 1 group, not {}", shape.ngroups) });
    }
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("err", err.len())?;
    for (argument, array) in [("var_poisson", &*var_poisson), ("var_rnoise", &*var_rnoise)] {
        if !array.is_empty() {
            expect_len(argument, array.len(), shape.cube_len())?;
        }
    }
    for (value, f) in [(factor, "factor"), (factor_sq, "factor_sq")] {
        if !value.is_finite() {
            return Err(KernelError::InvalidParameter { argument: f, reason: format!("{value} is not finite") });
        }
    }
    for (array, f) in [(data, factor), (err, factor), (var_poisson, factor_sq), (var_rnoise, factor_sq)] {
        for value in array.iter_mut() {
            *value *= f;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CASE (spec example): f = 2: slope 1.5 -> 3.0, err 0.25 -> 0.5, var_rnoise 0.05 -> 0.2.
    #[test]
    fn spec_example() {
        let (mut data, mut err, mut vp, mut vr) = ([1.5f32], [0.25f32], [0.1f32], [0.05f32]);
        apply(&mut data, &mut err, &mut vp, &mut vr, 2.0, 4.0, RampShape::new(1, 1, 1, 1)).unwrap();
        assert_eq!((data[0], err[0], vp[0], vr[0]), (3.0, 0.5, 0.4, 0.2));
    }

    #[test]
    fn empty_variances_are_skipped() {
        let (mut data, mut err) = ([1.0f32, 2.0], [1.0f32, 1.0]);
        apply(&mut data, &mut err, &mut [], &mut [], 0.5, 0.25, RampShape::new(2, 1, 1, 1)).unwrap();
        assert_eq!((data, err), ([0.5, 1.0], [0.5, 0.5]));
    }

    #[test]
    fn bad_input_is_an_error() {
        let s = RampShape::new(1, 1, 1, 2);
        let err = apply(&mut [0.0; 2], &mut [0.0; 2], &mut [0.0; 1], &mut [], 1.0, 1.0, s).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "var_poisson", expected: 2, actual: 1 });
        let err = apply(&mut [0.0; 4], &mut [0.0; 4], &mut [], &mut [], 1.0, 1.0, RampShape::new(1, 2, 1, 2)).unwrap_err();
        assert_eq!(err.code(), "invalid_shape");
        assert_eq!(apply(&mut [0.0; 2], &mut [0.0; 2], &mut [], &mut [], f32::NAN, 1.0, s).unwrap_err().code(), "invalid_parameter");
    }
}
