//! MIRI full-frame `refpix` (spec/steps/refpix.md §7, jwst `MIRIDataset.do_fullframe_corrections`),
//! the per-pixel part: jwst subtracts each integration's first group (held in float64) from
//! every group, subtracts the per-group reference signal of the pixel's class (amplifier and
//! row parity) from the float32 group, then adds the first group back. The signals come from
//! the reference columns (computed by the step with `refpix::clipped_mean`).

use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;

/// Per group `(nints·ngroups)` and class: a signal value and its numpy kind (0 = group not
/// corrected, 1 = float32 scalar, 2 = float64 scalar).
pub struct Signals<'a> {
    pub classes: usize,
    pub values: &'a [f64],
    pub kinds: &'a [u8],
}

/// Corrects `data` `(nints, ngroups, rows, cols)` in place; `class` `(rows, cols)` holds each
/// pixel's signal class.
pub fn correct(data: &mut [f32], class: &[u8], s: &Signals, shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_plane("class", class.len())?;
    let groups = shape.nints * shape.ngroups;
    expect_len("values", s.values.len(), groups * s.classes)?;
    expect_len("kinds", s.kinds.len(), groups * s.classes)?;
    if let Some(&k) = class.iter().find(|&&k| k as usize >= s.classes) {
        return Err(KernelError::InvalidParameter { argument: "class", reason: format!("class {k} is beyond {} classes", s.classes) });
    }
    let plane = shape.plane_len();
    for (i, integration) in data.chunks_exact_mut(shape.ngroups * plane).enumerate() {
        let first: Vec<f64> = integration[..plane].iter().map(|&v| v as f64).collect();
        for (g, group) in integration.chunks_exact_mut(plane).enumerate() {
            let at = (i * shape.ngroups + g) * s.classes;
            for (p, x) in group.iter_mut().enumerate() {
                let mut delta = (*x as f64 - first[p]) as f32;
                let k = at + class[p] as usize;
                match s.kinds[k] {
                    0 => {}
                    1 => delta -= s.values[k] as f32,
                    _ => delta = (delta as f64 - s.values[k]) as f32,
                }
                let v = (delta as f64 + first[p]) as f32;
                // wasm leaves NaN payloads/signs to the engine: one canonical NaN keeps bands byte-equal.
                *x = if v.is_nan() { f32::NAN } else { v };
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CASE: 1 integration x 2 groups, 2 pixels of classes 0 and 1; group 1 gets a float32
    /// signal 1.5 in class 0 and a float64 signal 0.1 in class 1; group 0 round-trips exactly.
    #[test]
    fn delta_correction_round_trip() {
        let shape = RampShape::new(1, 2, 1, 2);
        let mut data = [1000.25f32, 3.0, 1010.25, 1e8];
        let s = Signals { classes: 2, values: &[0.0, 0.0, 1.5, 0.1], kinds: &[0, 0, 1, 2] };
        correct(&mut data, &[0, 1], &s, shape).unwrap();
        assert_eq!(data[..2], [1000.25, 3.0]);
        assert_eq!(data[2], 1008.75);
        // 1e8 - 3 in float32 is 99999997; minus 0.1 rounds back; plus 3 gives 1e8.
        assert_eq!(data[3], ((((1e8f32 as f64 - 3.0) as f32) as f64 - 0.1) as f32 as f64 + 3.0) as f32);
    }

    #[test]
    fn nan_first_group_spreads_to_the_integration() {
        let shape = RampShape::new(1, 2, 1, 1);
        let mut data = [f32::NAN, 5.0];
        correct(&mut data, &[0], &Signals { classes: 1, values: &[0.0, 0.0], kinds: &[0, 0] }, shape).unwrap();
        assert!(data[1].is_nan());
    }
}
