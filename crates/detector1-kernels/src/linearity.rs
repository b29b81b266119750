//! `linearity`: classical polynomial non-linearity correction (spec/steps/linearity.md,
//! stcal `linearity/linearity.py`).

use std::borrow::Cow;

use crate::dq;
use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;

const SATURATED: u8 = dq::SATURATED as u8;

/// Coefficients of one polynomial per pixel, `(ncoeffs, rows, cols)`, constant term first.
#[derive(Debug, Clone, Copy)]
pub struct Coeffs<'a> {
    pub values: &'a [f32],
    pub ncoeffs: usize,
}

/// Corrects `data` `(nints, ngroups, rows, cols)` in place and ORs the reference DQ (and
/// NO_LIN_CORR for unusable coefficients) into `pixeldq`.
///
/// - `coeffs`/`lin_dq` are cut to the tile. Pixels flagged NO_LIN_CORR in `lin_dq`, with any NaN
///   coefficient, or with a zero linear term get the identity polynomial (stcal
///   `prepare_coefficients`, in that order).
/// - Groups with SATURATED in `groupdq` keep their value.
/// - `inv_coeffs` (empty = not used) selects stcal's read-level path for groups averaging
///   `nframes` reads; it is float64 arithmetic there (numpy promotion), float32 otherwise.
/// - `zeroframe` `(nints, rows, cols)` or empty: corrected with `coeffs`, exact zeros stay 0.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    data: &mut [f32],
    zeroframe: &mut [f32],
    pixeldq: &mut [u32],
    groupdq: &[u8],
    coeffs: Coeffs,
    inv_coeffs: Option<Coeffs>,
    lin_dq: &[u32],
    nframes: usize,
    shape: RampShape,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("lin_dq", lin_dq.len())?;
    if !zeroframe.is_empty() {
        shape.expect_int_planes("zeroframe", zeroframe.len())?;
    }
    let n = shape.plane_len();
    let lin = prepared("coeffs", coeffs, lin_dq, pixeldq, n)?;
    let inv = match inv_coeffs {
        Some(c) => {
            if nframes < 1 {
                return Err(KernelError::InvalidParameter { argument: "nframes", reason: "must be >= 1".into() });
            }
            // Unlike `nu` below, the read-level path needs a second group to index.
            if shape.ngroups < 2 {
                return Err(KernelError::InvalidParameter {
                    argument: "inv_coeffs",
                    reason: "the read-level correction needs at least 2 groups".into(),
                });
            }
            Some(prepared("inv_coeffs", c, lin_dq, pixeldq, n)?)
        }
        None => None,
    };
    if let Some(inv) = &inv {
        read_level_pixels(data, groupdq, &lin, inv, nframes, shape);
    } else {
        for (plane, flags) in data.chunks_exact_mut(n).zip(groupdq.chunks_exact(n)) {
            horner_plane(plane, &lin, |p| flags[p] & SATURATED == 0);
        }
    }
    for plane in zeroframe.chunks_exact_mut(n) {
        let keep: Vec<bool> = plane.iter().map(|&z| z != 0.0).collect();
        horner_plane(plane, &lin, |p| keep[p]);
    }
    Ok(())
}

/// Pixels per block of `horner_plane`: the partial results stay in registers/L1 and each
/// coefficient plane is read contiguously, so the loops vectorise.
const HORNER_BLOCK: usize = 64;

/// The read-level correction of every pixel (`apply` with inverse coefficients).
#[inline(never)]
fn read_level_pixels(data: &mut [f32], groupdq: &[u8], lin: &[f32], inv: &[f32], nframes: usize, shape: RampShape) {
    let (n, ngroups) = (shape.plane_len(), shape.ngroups);
    let mut c = vec![0f32; lin.len() / n];
    let mut ci = vec![0f32; inv.len() / n];
    for p in 0..n {
        for (j, v) in c.iter_mut().enumerate() {
            *v = lin[j * n + p];
        }
        for (j, v) in ci.iter_mut().enumerate() {
            *v = inv[j * n + p];
        }
        for i in 0..shape.nints {
            read_level(data, groupdq, i * ngroups * n + p, n, ngroups, nframes, &c, &ci);
        }
    }
}

/// `poly32` for every pixel `p` of one plane with its coefficients `coeffs[j * n + p]` (the same
/// float32 operations in the same order, pixel by pixel, so the same results), where `apply(p)`.
/// Kept out of `apply`, as is the read-level path: V8 compiles a wasm function's optimised code
/// whole, and with both inlined `apply` took 30-65 ms to compile per run.
#[inline(never)]
fn horner_plane(plane: &mut [f32], coeffs: &[f32], apply: impl Fn(usize) -> bool) {
    let n = plane.len();
    let last = coeffs.len() / n - 1;
    let mut r = [0f32; HORNER_BLOCK];
    for start in (0..n).step_by(HORNER_BLOCK) {
        let len = HORNER_BLOCK.min(n - start);
        let x = &mut plane[start..start + len];
        let term = |j: usize| &coeffs[j * n + start..j * n + start + len];
        for ((r, &c), &x) in r.iter_mut().zip(term(last)).zip(x.iter()) {
            *r = c * x;
        }
        for j in (1..last).rev() {
            for ((r, &c), &x) in r.iter_mut().zip(term(j)).zip(x.iter()) {
                *r = (*r + c) * x;
            }
        }
        // A select rather than a branch per pixel: the loop vectorises.
        for (q, ((x, &r), &c)) in x.iter_mut().zip(r.iter()).zip(term(0)).enumerate() {
            *x = if apply(start + q) { r + c } else { *x };
        }
    }
}

/// stcal `prepare_coefficients` for one tile: identity polynomial where unusable; flags pixeldq.
/// The coefficients as given when every pixel's are usable (no copy), else a patched copy.
fn prepared<'c>(argument: &'static str, coeffs: Coeffs<'c>, lin_dq: &[u32], pixeldq: &mut [u32], n: usize) -> Result<Cow<'c, [f32]>, KernelError> {
    if coeffs.ncoeffs < 2 {
        return Err(KernelError::InvalidParameter { argument, reason: format!("{} coefficients; at least 2 needed", coeffs.ncoeffs) });
    }
    expect_len(argument, coeffs.values.len(), coeffs.ncoeffs * n)?;
    // Which pixels get the identity, one plane at a time (loops that vectorise): flagged
    // NO_LIN_CORR, a NaN coefficient, or a zero linear term.
    let mut unusable: Vec<u8> = lin_dq.iter().map(|&f| (f & dq::NO_LIN_CORR != 0) as u8).collect();
    for (j, plane) in coeffs.values.chunks_exact(n).enumerate() {
        for (u, &c) in unusable.iter_mut().zip(plane) {
            *u |= (c.is_nan() || (j == 1 && c == 0.0)) as u8;
        }
    }
    for (q, &f) in pixeldq.iter_mut().zip(lin_dq) {
        *q |= f;
    }
    if !unusable.contains(&1) {
        return Ok(Cow::Borrowed(coeffs.values));
    }
    let mut c = coeffs.values.to_vec();
    for (p, _) in unusable.iter().enumerate().filter(|&(_, &u)| u != 0) {
        for j in 0..coeffs.ncoeffs {
            c[j * n + p] = if j == 1 { 1.0 } else { 0.0 };
        }
        // The flag check runs first in stcal, so a flagged pixel's NaN never adds the flag.
        if lin_dq[p] & dq::NO_LIN_CORR == 0 {
            pixeldq[p] |= dq::NO_LIN_CORR;
        }
    }
    Ok(Cow::Owned(c))
}

/// Horner order exactly as stcal `apply_polynomial`, in float32.
fn poly32(x: f32, c: &[f32]) -> f32 {
    let last = c.len() - 1;
    let mut r = c[last] * x;
    for &cj in c[1..last].iter().rev() {
        r += cj;
        r *= x;
    }
    r + c[0]
}

/// The same with float64 data (float32 coefficients promoted).
fn poly64(x: f64, c: &[f32]) -> f64 {
    let last = c.len() - 1;
    let mut r = c[last] as f64 * x;
    for &cj in c[1..last].iter().rev() {
        r += cj as f64;
        r *= x;
    }
    r + c[0] as f64
}

/// stcal `_linearity_correction_tile` for one pixel of one integration. Read `k` (1-based) of
/// group `g` is `g*nframes + k`; the last group is never used as `L` (stcal's `nu - 1`).
#[allow(clippy::too_many_arguments)]
fn read_level(data: &mut [f32], groupdq: &[u8], base: usize, n: usize, ngroups: usize, nframes: usize, c: &[f32], ci: &[f32]) {
    let at = |g: usize| base + g * n;
    let unsat = (0..ngroups).filter(|&g| groupdq[at(g)] & SATURATED == 0).count() as i64;
    let last = ((unsat - 1).max(2) - 1) as usize;
    let lin_or_raw = |g: usize| {
        let x = data[at(g)];
        if groupdq[at(g)] & SATURATED != 0 { x } else { poly32(x, c) }
    };
    let first = lin_or_raw(0);
    let mean_read = |g: usize| (g * nframes) as f64 + (nframes + 1) as f64 / 2.0;
    let m0 = mean_read(0);
    let rate = (lin_or_raw(last) - first) as f64 / (mean_read(last) - m0);
    let mut reads = vec![0f64; nframes];
    for g in 0..ngroups {
        for (k, u) in reads.iter_mut().enumerate() {
            let since_first = (g * nframes + k + 1) as f64 - m0;
            *u = poly64(first as f64 + rate * since_first, ci);
        }
        let predicted = reads.iter().fold(0.0, |s, &u| s + u) / nframes as f64;
        let offset = data[at(g)] as f64 - predicted;
        let corrected = reads.iter().fold(0.0, |s, &u| s + poly64(u + offset, c)) / nframes as f64;
        if groupdq[at(g)] & SATURATED == 0 {
            data[at(g)] = corrected as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(data: &mut [f32], gdq: &[u8], coeffs: &[f32], lin_dq: &[u32], shape: RampShape) -> Vec<u32> {
        let mut pdq = vec![0u32; shape.plane_len()];
        let c = Coeffs { values: coeffs, ncoeffs: coeffs.len() / shape.plane_len() };
        apply(data, &mut [], &mut pdq, gdq, c, None, lin_dq, 1, shape).unwrap();
        pdq
    }

    /// CASE (spec example): [0, 1, 1e-5] at 10000 DN -> 11000; a SATURATED group at 60000 stays.
    #[test]
    fn spec_example() {
        let shape = RampShape::new(1, 2, 1, 1);
        let mut data = [10000.0, 60000.0];
        let pdq = run(&mut data, &[0, SATURATED], &[0.0, 1.0, 1e-5], &[0], shape);
        assert_eq!(data, [11000.0, 60000.0]);
        assert_eq!(pdq, [0]);
    }

    /// Flagged, NaN and zero-linear-term pixels are identity; the last two get NO_LIN_CORR.
    #[test]
    fn unusable_coefficients() {
        let shape = RampShape::new(1, 1, 1, 4);
        let mut data = [100.0; 4];
        #[rustfmt::skip]
        let coeffs = [
            1.0, f32::NAN, 1.0, 1.0,
            2.0, 2.0, 0.0, 2.0,
            f32::NAN, 0.0, 0.0, 0.0,
        ];
        let pdq = run(&mut data, &[0; 4], &coeffs, &[dq::NO_LIN_CORR | dq::DEAD, 0, 0, dq::HOT], shape);
        assert_eq!(data, [100.0, 100.0, 100.0, 201.0]);
        assert_eq!(pdq, [dq::NO_LIN_CORR | dq::DEAD, dq::NO_LIN_CORR, dq::NO_LIN_CORR, dq::HOT]);
    }

    /// Horner in float32 differs from float64 evaluation rounded once.
    #[test]
    fn horner_float32() {
        let c = [0.1f32, 1.0001, 3.3e-6, -1.7e-11];
        let x = 23456.7f32;
        let mut r = c[3] * x;
        r = (r + c[2]) * x;
        r = (r + c[1]) * x;
        assert_eq!(poly32(x, &c), r + c[0]);
    }

    /// The plane-wise evaluation is `poly32` pixel by pixel, bit for bit (odd block tails,
    /// 2 to 6 terms, NaN/inf/-0 data, saturated pixels kept).
    #[test]
    fn plane_horner_is_poly32() {
        let mut state = 12345u32;
        let mut next = || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            state
        };
        for ncoeffs in 2..=6 {
            let n = 3 * HORNER_BLOCK + 17;
            let coeffs: Vec<f32> = (0..ncoeffs * n).map(|_| f32::from_bits(next() % 0x7f80_0000) * if next() & 1 == 0 { 1.0 } else { -1.0 }).collect();
            let specials = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0, 0.0];
            let data: Vec<f32> = (0..n).map(|p| if p % 23 == 0 { specials[p / 23 % specials.len()] } else { (next() % 70000) as f32 - 1000.5 }).collect();
            let flags: Vec<u8> = (0..n).map(|p| if p % 7 == 3 { SATURATED } else { 0 }).collect();
            let mut plane = data.clone();
            horner_plane(&mut plane, &coeffs, |p| flags[p] & SATURATED == 0);
            for p in 0..n {
                let c: Vec<f32> = (0..ncoeffs).map(|j| coeffs[j * n + p]).collect();
                let expected = if flags[p] & SATURATED != 0 { data[p] } else { poly32(data[p], &c) };
                assert_eq!(plane[p].to_bits(), expected.to_bits(), "pixel {p} with {ncoeffs} terms");
            }
        }
    }

    #[test]
    fn zeroframe_zeros_stay() {
        let shape = RampShape::new(2, 1, 1, 1);
        let mut zf = [0.0, 10.0];
        let mut pdq = [0];
        let c = Coeffs { values: &[0.0, 2.0], ncoeffs: 2 };
        apply(&mut [1.0, 1.0], &mut zf, &mut pdq, &[0, 0], c, None, &[0], 1, shape).unwrap();
        assert_eq!(zf, [0.0, 20.0]);
    }

    /// Read-level path with identity inverse and linear coefficients reduces to the default path.
    #[test]
    fn read_level_linear_matches_group_level() {
        let shape = RampShape::new(1, 4, 1, 1);
        let mut data = [10.0, 20.0, 30.0, 40.0];
        let mut pdq = [0];
        let c = Coeffs { values: &[0.0, 2.0], ncoeffs: 2 };
        let inv = Coeffs { values: &[0.0, 0.5], ncoeffs: 2 };
        apply(&mut data, &mut [], &mut pdq, &[0, 0, 0, SATURATED], c, Some(inv), &[0], 4, shape).unwrap();
        assert_eq!(data, [20.0, 40.0, 60.0, 40.0]);
    }

    #[test]
    fn bad_input_is_an_error() {
        let shape = RampShape::new(1, 1, 1, 2);
        let mut pdq = [0; 2];
        let c = Coeffs { values: &[0.0; 5], ncoeffs: 3 };
        let err = apply(&mut [0.0; 2], &mut [], &mut pdq, &[0; 2], c, None, &[0; 2], 1, shape).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "coeffs", expected: 6, actual: 5 });
        let c = Coeffs { values: &[0.0; 2], ncoeffs: 1 };
        assert_eq!(apply(&mut [0.0; 2], &mut [], &mut pdq, &[0; 2], c, None, &[0; 2], 1, shape).unwrap_err().code(), "invalid_parameter");
        let c = Coeffs { values: &[0.0; 4], ncoeffs: 2 };
        let err = apply(&mut [0.0; 2], &mut [], &mut pdq, &[0; 2], c, Some(c), &[0; 2], 2, shape).unwrap_err();
        assert!(err.to_string().contains("2 groups"));
    }
}
