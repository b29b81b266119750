//! `dark_current`: subtract the dark, averaged to the science readout (spec/steps/dark_current.md,
//! stcal `dark_current/dark_sub.py`).

use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;

/// How the dark planes map onto science groups. Plane indices count the dark's groups as stcal
/// does (they are frames when the dark has NFRAMES = 1, GROUPGAP = 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Planes passed per dark integration (the first `planes` of the file).
    pub planes: usize,
    /// Dark integrations passed (1 for near-IR 3-D darks).
    pub dark_ints: usize,
    /// Planes after stcal's `extrapolate_dark`; beyond `planes` they are
    /// `last + k·(last − second_last)` in float64 (then `planes` must be the whole dark).
    pub virtual_planes: usize,
    /// Science NFRAMES/GROUPGAP equal the dark's: science group g uses plane g as is.
    pub direct: bool,
    pub nframes: usize,
    pub groupgap: usize,
    /// Dark integration used by each science integration; `None` = a zero dark (stcal leaves the
    /// averaged dark of integrations it did not average at 0).
    pub int_map: Vec<Option<usize>>,
}

/// Subtracts the dark from every group of `data` `(nints, ngroups, rows, cols)` regardless of DQ
/// and ORs `dark_dq` `(rows, cols)` into `pixeldq` (unless both are empty). `frames` is
/// `(dark_ints, planes, rows, cols)`.
/// NaN dark values count as 0. Extrapolated darks are float64 as in numpy: subtracted in float64
/// on the direct path, averaged in float64 then rounded to float32 otherwise.
pub fn apply(
    data: &mut [f32],
    pixeldq: &mut [u32],
    frames: &[f32],
    dark_dq: &[u32],
    params: &Params,
    shape: RampShape,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    // Both empty: the dark DQ is already in PIXELDQ (a dark subtracted plane by plane ORs it once).
    if !(pixeldq.is_empty() && dark_dq.is_empty()) {
        shape.expect_plane("pixeldq", pixeldq.len())?;
        shape.expect_plane("dark_dq", dark_dq.len())?;
    }
    let n = shape.plane_len();
    let invalid = |argument, reason: String| Err(KernelError::InvalidParameter { argument, reason });
    if params.planes == 0 || params.dark_ints == 0 {
        return invalid("planes", "the dark needs at least one plane and integration".into());
    }
    expect_len("frames", frames.len(), params.dark_ints * params.planes * n)?;
    let widened = params.virtual_planes > params.planes;
    if widened && params.planes < 2 {
        return invalid("virtual_planes", "extrapolating the dark needs 2 planes".into());
    }
    if params.virtual_planes < params.planes {
        return invalid("virtual_planes", format!("{} is less than the {} planes passed", params.virtual_planes, params.planes));
    }
    if params.int_map.len() != shape.nints || params.int_map.iter().flatten().any(|&d| d >= params.dark_ints) {
        return invalid("int_map", format!("needs {} dark integrations below {}", shape.nints, params.dark_ints));
    }
    let nframes = params.nframes.max(1);
    let last_needed = if params.direct { shape.ngroups } else { (shape.ngroups - 1) * (nframes + params.groupgap) + 1 };
    if last_needed > params.virtual_planes {
        return invalid("virtual_planes", format!("{} dark planes cannot cover {} science groups", params.virtual_planes, shape.ngroups));
    }

    for (pixel, &bits) in pixeldq.iter_mut().zip(dark_dq) {
        *pixel |= bits;
    }
    let stack = Stack { frames, params, n };
    // Scratch planes only for the paths that use them: zeroing four planes per call cost more
    // than the subtraction itself when the dark comes a plane at a time.
    let averaged = !params.direct;
    let scratch64 = |used: bool| if used { vec![0f64; n] } else { Vec::new() };
    let scratch32 = |used: bool| if used { vec![0f32; n] } else { Vec::new() };
    let mut wide = scratch64(widened || (averaged && nframes == 1));
    let mut acc64 = scratch64(averaged && nframes > 1 && widened);
    let mut acc32 = scratch32(averaged && nframes > 1 && !widened);
    let mut narrow = scratch32(averaged);
    for d in 0..params.dark_ints {
        // Integrations mapped to no dark (stcal's zero averaged dark) keep their data.
        let users: Vec<usize> = (0..shape.nints).filter(|&i| params.int_map[i] == Some(d)).collect();
        if users.is_empty() {
            continue;
        }
        for g in 0..shape.ngroups {
            let subtract64 = params.direct && widened;
            if params.direct {
                if widened {
                    stack.wide(d, g, &mut wide);
                }
            } else {
                let start = g * (nframes + params.groupgap);
                let end = (start + nframes).min(params.virtual_planes);
                if nframes == 1 {
                    stack.wide(d, start, &mut wide);
                    narrow.iter_mut().zip(&wide).for_each(|(o, &v)| *o = v as f32);
                } else if widened {
                    acc64.fill(0.0);
                    for k in start..end {
                        stack.wide(d, k, &mut wide);
                        acc64.iter_mut().zip(&wide).for_each(|(a, &v)| *a += v);
                    }
                    let count = end.saturating_sub(start) as f64;
                    narrow.iter_mut().zip(&acc64).for_each(|(o, &a)| *o = (a / count) as f32);
                } else {
                    // numpy's float32 mean over axis 0: sequential float32 sum, float32 divide.
                    acc32.fill(0.0);
                    for k in start..end {
                        stack.narrow(d, k, &mut narrow);
                        acc32.iter_mut().zip(&narrow).for_each(|(a, &v)| *a += v);
                    }
                    let count = end.saturating_sub(start) as f32;
                    narrow.iter_mut().zip(&acc32).for_each(|(o, &a)| *o = a / count);
                }
            }
            for &i in &users {
                let plane = &mut data[(i * shape.ngroups + g) * n..][..n];
                if subtract64 {
                    plane.iter_mut().zip(&wide).for_each(|(x, &v)| *x = (*x as f64 - v) as f32);
                } else if params.direct {
                    subtract_direct(plane, stack.real(d, g));
                } else {
                    plane.iter_mut().zip(&narrow).for_each(|(x, &v)| *x -= v);
                }
            }
        }
    }
    Ok(())
}

/// The common case: a dark plane as stored, subtracted from its group (a NaN subtracts nothing).
/// Its own function: V8 compiles a wasm function's optimised code whole, and `apply` with its
/// averaging and float64 paths took 20-40 ms to compile per run for this loop.
#[inline(never)]
fn subtract_direct(plane: &mut [f32], dark: &[f32]) {
    plane.iter_mut().zip(dark).for_each(|(x, &v)| *x -= if v.is_nan() { 0.0 } else { v });
}

struct Stack<'a> {
    frames: &'a [f32],
    params: &'a Params,
    n: usize,
}

impl Stack<'_> {
    fn real(&self, d: usize, k: usize) -> &[f32] {
        &self.frames[(d * self.params.planes + k) * self.n..][..self.n]
    }

    /// Plane `k` as stored, NaN as 0 (only for `k < planes`).
    fn narrow(&self, d: usize, k: usize, out: &mut [f32]) {
        for (o, &v) in out.iter_mut().zip(self.real(d, k)) {
            *o = if v.is_nan() { 0.0 } else { v };
        }
    }

    /// Plane `k` in float64, extrapolated past the stored planes, NaN as 0.
    fn wide(&self, d: usize, k: usize, out: &mut [f64]) {
        let planes = self.params.planes;
        if k < planes {
            for (o, &v) in out.iter_mut().zip(self.real(d, k)) {
                *o = if v.is_nan() { 0.0 } else { v as f64 };
            }
            return;
        }
        let steps = (k + 1 - planes) as f64;
        let (last, prev) = (self.real(d, planes - 1), self.real(d, planes - 2));
        for ((o, &l), &p) in out.iter_mut().zip(last).zip(prev) {
            let v = steps * (l - p) as f64 + l as f64;
            *o = if v.is_nan() { 0.0 } else { v };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(planes: usize, virtual_planes: usize, direct: bool, nframes: usize, groupgap: usize, nints: usize) -> Params {
        Params { planes, dark_ints: 1, virtual_planes, direct, nframes, groupgap, int_map: vec![Some(0); nints] }
    }

    /// CASE (spec example): nframes 4, groupgap 1, 3 groups -> mean(f0..f3), mean(f5..f8), mean(f10..f13).
    #[test]
    fn spec_example_frame_averaging() {
        let shape = RampShape::new(1, 3, 1, 1);
        let frames: Vec<f32> = (0..21).map(|f| f as f32).collect();
        let mut data = [100.0f32; 3];
        let mut pdq = [0];
        apply(&mut data, &mut pdq, &frames[..14], &[8], &params(14, 14, false, 4, 1, 1), shape).unwrap();
        assert_eq!(data, [100.0 - 1.5, 100.0 - 6.5, 100.0 - 11.5]);
        assert_eq!(pdq, [8]);
    }

    /// Direct path, every integration, NaN as 0, DQ ignored.
    #[test]
    fn direct_subtraction_and_nan() {
        let shape = RampShape::new(2, 2, 1, 2);
        let mut data = [10.0f32; 8];
        let frames = [1.0, f32::NAN, 2.0, 3.0];
        apply(&mut data, &mut [0; 2], &frames, &[0; 2], &params(2, 2, true, 1, 0, 2), shape).unwrap();
        assert_eq!(data, [9.0, 10.0, 8.0, 7.0, 9.0, 10.0, 8.0, 7.0]);
    }

    /// A dark with fewer groups than the science is extrapolated from its last two groups.
    #[test]
    fn extrapolation() {
        let shape = RampShape::new(1, 4, 1, 1);
        let mut data = [0.0f32; 4];
        apply(&mut data, &mut [0], &[1.0, 3.0], &[0], &params(2, 4, true, 1, 0, 1), shape).unwrap();
        assert_eq!(data, [-1.0, -3.0, -5.0, -7.0]);
        // The extrapolated 2 + 2^-23 is not a float32: subtracted in float64, not rounded first.
        let mut data = [4.0f32; 3];
        let last = 1.0 + f32::EPSILON;
        apply(&mut data, &mut [0], &[f32::EPSILON, last], &[0], &params(2, 3, true, 1, 0, 1), RampShape::new(1, 3, 1, 1)).unwrap();
        assert_eq!(data[2], 2.0 - f32::EPSILON);
    }

    /// Integrations mapped to no dark keep their data (stcal's zero averaged dark).
    #[test]
    fn unmapped_integration_is_untouched() {
        let shape = RampShape::new(2, 1, 1, 1);
        let mut data = [5.0f32, 5.0];
        let mut p = params(1, 1, true, 1, 0, 2);
        p.int_map = vec![Some(0), None];
        apply(&mut data, &mut [0], &[2.0], &[0], &p, shape).unwrap();
        assert_eq!(data, [3.0, 5.0]);
    }

    /// Without PIXELDQ and dark DQ (both empty) the subtraction is the same and no flag moves;
    /// one of them alone is a shape error.
    #[test]
    fn flags_may_be_left_out() {
        let shape = RampShape::new(1, 2, 1, 2);
        let frames = [1.0, f32::NAN, 2.5, 3.0];
        let (mut with, mut without) = ([10.0f32; 4], [10.0f32; 4]);
        let mut pdq = [0, 4];
        apply(&mut with, &mut pdq, &frames, &[1, 8], &params(2, 2, true, 1, 0, 1), shape).unwrap();
        apply(&mut without, &mut [], &frames, &[], &params(2, 2, true, 1, 0, 1), shape).unwrap();
        assert_eq!(with, without);
        assert_eq!(pdq, [1, 12]);
        let err = apply(&mut without, &mut [0; 2], &frames, &[], &params(2, 2, true, 1, 0, 1), shape).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "dark_dq", expected: 2, actual: 0 });
    }

    #[test]
    fn bad_input_is_an_error() {
        let shape = RampShape::new(1, 3, 1, 2);
        let err = apply(&mut [0.0; 6], &mut [0; 2], &[0.0; 5], &[0; 2], &params(3, 3, true, 1, 0, 1), shape).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "frames", expected: 6, actual: 5 });
        let err = apply(&mut [0.0; 6], &mut [0; 2], &[0.0; 4], &[0; 2], &params(2, 2, true, 1, 0, 1), shape).unwrap_err();
        assert!(err.to_string().contains("cannot cover 3 science groups"));
        let err = apply(&mut [0.0; 6], &mut [0; 2], &[0.0; 6], &[0; 2], &params(3, 3, true, 1, 0, 2), shape).unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
    }
}
