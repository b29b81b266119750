//! `ipc`: inter-pixel capacitance correction by convolution (spec/steps/other.md §1, jwst
//! `ipc/ipc_corr.py`).

use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;

/// The IPC kernel: `ky × kx` weights, either one 2-D kernel (`per_pixel = false`, `ky·kx`
/// values) or one kernel per output pixel (`per_pixel = true`, planes `(ky·kx, rows, cols)`:
/// plane `j·kx + i` holds `k[j, i, y, x]`).
#[derive(Debug, Clone, Copy)]
pub struct Kernel<'a> {
    pub weights: &'a [f32],
    pub ky: usize,
    pub kx: usize,
    pub per_pixel: bool,
}

/// Rows of context a band needs above and below so banded runs equal a whole run.
pub fn halo_rows(ky: usize) -> usize {
    ky / 2
}

/// Convolves every group of `data` `(nints, ngroups, rows, cols)` in place with `kernel`.
/// `science` `(rows, cols)` is 1 on science pixels and 0 on reference pixels: reference pixels
/// keep their values and count as 0 in the sums (jwst's zero-padded science region).
///
/// Float32 arithmetic as numpy does it: each term `k·S` is rounded, then added in the order
/// off-centre elements row-major, centre last. Zero weights still multiply, so NaNs spread over
/// the whole kernel footprint as in jwst.
pub fn apply(data: &mut [f32], science: &[u8], kernel: Kernel, shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_plane("science", science.len())?;
    let (ky, kx) = (kernel.ky, kernel.kx);
    if ky == 0 || kx == 0 {
        return Err(KernelError::InvalidShape { argument: "kernel", reason: format!("kernel is {ky} x {kx}") });
    }
    let terms = ky.checked_mul(kx).ok_or_else(|| KernelError::InvalidShape { argument: "kernel", reason: "too large".into() })?;
    let expected = if kernel.per_pixel { terms.saturating_mul(shape.plane_len()) } else { terms };
    expect_len("kernel", kernel.weights.len(), expected)?;

    let (rows, cols) = (shape.rows, shape.cols);
    // Zero-padded copy of the science pixels, as jwst's `temp`: b_b rows / l_b columns before.
    let (bb, lb) = (ky / 2, kx / 2);
    let (tny, tnx) = (rows + ky - 1, cols + kx - 1);
    let mut temp = vec![0f32; tny * tnx];
    // One output row at a time, its terms summed in jwst's order: the row stays in cache.
    let mut acc = vec![0f32; cols];
    let n = shape.plane_len();
    let order: Vec<(usize, usize)> = (0..ky)
        .flat_map(|j| (0..kx).map(move |i| (j, i)))
        .filter(|&(j, i)| (j, i) != (bb, lb))
        .chain(std::iter::once((bb, lb)))
        .collect();
    // Each term in order: its source offset in `temp` from the output row's start, its plane of a
    // per-pixel kernel, and its weight in a 2-D one.
    let terms: Vec<(usize, usize, f32)> = order
        .iter()
        .map(|&(j, i)| {
            // Output (y, x) reads temp[y + dy, x + dx]; the centre term reads the pixel itself.
            let (dy, dx) = if (j, i) == (bb, lb) { (bb, lb) } else { (ky - 1 - j, kx - 1 - i) };
            (dy * tnx + dx, j * kx + i, kernel.weights[j * kx + i])
        })
        .collect();
    for plane in data.chunks_exact_mut(n) {
        for y in 0..rows {
            science_only(&mut temp[(bb + y) * tnx + lb..][..cols], &plane[y * cols..][..cols], &science[y * cols..][..cols]);
        }
        for y in 0..rows {
            let row = &temp[y * tnx..];
            if kernel.per_pixel {
                acc.fill(0.0);
                for &(offset, p, _) in &terms {
                    let w = &kernel.weights[p * n + y * cols..][..cols];
                    for ((o, &t), &k) in acc.iter_mut().zip(&row[offset..][..cols]).zip(w) {
                        *o += k * t;
                    }
                }
            } else {
                sum_terms(&mut acc, row, &terms);
            }
            write_science(&mut plane[y * cols..][..cols], &acc, &science[y * cols..][..cols]);
        }
    }
    Ok(())
}

/// `acc[x] = 0 + w0·row[o0 + x] + w1·row[o1 + x] + ...` over `terms` (offset, _, weight) in
/// order, each product rounded and added in turn as the row-by-row sums did: the same float32
/// operations, one pass over the output row.
fn sum_terms(acc: &mut [f32], row: &[f32], terms: &[(usize, usize, f32)]) {
    let cols = acc.len();
    for &(offset, _, _) in terms {
        assert!(offset + cols <= row.len());
    }
    let done = simd::sum_terms(acc, row, terms);
    for (x, o) in acc.iter_mut().enumerate().skip(done) {
        let mut sum = 0f32;
        for &(offset, _, w) in terms {
            sum += w * row[offset + x];
        }
        *o = sum;
    }
}

/// `out = v` where `science` is not 0, else 0.
fn science_only(out: &mut [f32], values: &[f32], science: &[u8]) {
    let done = simd::science_only(out, values, science);
    along_row(out, values, science, done, |t, v, science| *t = if science { v } else { 0.0 });
}

/// `row = sums` where `science` is not 0 (the others keep their values). wasm leaves NaN
/// payloads and signs to the engine: one canonical NaN keeps bands byte-equal.
fn write_science(row: &mut [f32], sums: &[f32], science: &[u8]) {
    let done = simd::write_science(row, sums, science);
    along_row(row, sums, science, done, |v, o, science| {
        if science {
            *v = if o.is_nan() { f32::NAN } else { o };
        }
    });
}

/// `update(target, source, is science)` for the pixels from `done` on.
fn along_row(target: &mut [f32], source: &[f32], science: &[u8], done: usize, update: impl Fn(&mut f32, f32, bool)) {
    for ((t, &v), &s) in target[done..].iter_mut().zip(&source[done..]).zip(&science[done..]) {
        update(t, v, s != 0);
    }
}

/// Elsewhere the row loops do every pixel.
#[cfg(not(target_arch = "wasm32"))]
mod simd {
    pub fn science_only(_: &mut [f32], _: &[f32], _: &[u8]) -> usize {
        0
    }

    pub fn write_science(_: &mut [f32], _: &[f32], _: &[u8]) -> usize {
        0
    }

    pub fn sum_terms(_: &mut [f32], _: &[f32], _: &[(usize, usize, f32)]) -> usize {
        0
    }
}

/// The two row loops four pixels at a time (V8 compiled them as a test and a branch per pixel).
/// Each returns how many leading pixels it did (the whole quads).
#[cfg(target_arch = "wasm32")]
mod simd {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_ne, f32x4_splat, i32x4_ne, u16x8_extend_low_u8x16, u32x4_extend_low_u16x8, u32x4_splat, v128, v128_bitselect, v128_load32_zero};

    /// All ones in the lanes of the four pixels from `science[at]` that are science (not 0).
    #[inline(always)]
    fn science_mask(science: &[u8], at: usize) -> v128 {
        assert!(at + 4 <= science.len());
        // SAFETY: the four bytes are within `science` (asserted); the load may be unaligned.
        let bytes = unsafe { v128_load32_zero(science.as_ptr().add(at).cast::<u32>()) };
        i32x4_ne(u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(bytes)), u32x4_splat(0))
    }

    pub fn science_only(out: &mut [f32], values: &[f32], science: &[u8]) -> usize {
        by_quads(out, values, science, |v, _, science| v128_bitselect(v, f32x4_splat(0.0), science))
    }

    pub fn write_science(row: &mut [f32], sums: &[f32], science: &[u8]) -> usize {
        by_quads(row, sums, science, |o, kept, science| {
            let canonical = v128_bitselect(f32x4_splat(f32::NAN), o, f32x4_ne(o, o));
            v128_bitselect(canonical, kept, science)
        })
    }

    /// [`super::sum_terms`] four pixels at a time; how many it did. The caller checked that
    /// every term's offset plus `acc.len()` is within `row`.
    pub fn sum_terms(acc: &mut [f32], row: &[f32], terms: &[(usize, usize, f32)]) -> usize {
        // A 3x3 kernel (NIRCam's, NIRSpec's): its weights held in registers, its terms unrolled.
        match <&[(usize, usize, f32); 9]>::try_from(terms) {
            Ok(nine) => sum_fixed(acc, row, nine),
            Err(_) => sum_any(acc, row, terms),
        }
    }

    #[inline(always)]
    fn sum_fixed<const N: usize>(acc: &mut [f32], row: &[f32], terms: &[(usize, usize, f32); N]) -> usize {
        let offsets = terms.map(|(offset, _, _)| offset);
        let weights = terms.map(|(_, _, w)| f32x4_splat(w));
        let quads = acc.len() / 4;
        for q in 0..quads {
            let at = 4 * q;
            let mut sum = f32x4_splat(0.0);
            for t in 0..N {
                // SAFETY: offset + at + 4 <= offset + acc.len() <= row.len() (checked by the caller).
                let v = unsafe { row.as_ptr().add(offsets[t] + at).cast::<v128>().read_unaligned() };
                sum = f32x4_add(sum, f32x4_mul(weights[t], v));
            }
            // SAFETY: at + 4 <= acc.len().
            unsafe { acc.as_mut_ptr().add(at).cast::<v128>().write_unaligned(sum) };
        }
        4 * quads
    }

    fn sum_any(acc: &mut [f32], row: &[f32], terms: &[(usize, usize, f32)]) -> usize {
        let quads = acc.len() / 4;
        for q in 0..quads {
            let at = 4 * q;
            let mut sum = f32x4_splat(0.0);
            for &(offset, _, w) in terms {
                // SAFETY: as in sum_fixed.
                let v = unsafe { row.as_ptr().add(offset + at).cast::<v128>().read_unaligned() };
                sum = f32x4_add(sum, f32x4_mul(f32x4_splat(w), v));
            }
            // SAFETY: at + 4 <= acc.len().
            unsafe { acc.as_mut_ptr().add(at).cast::<v128>().write_unaligned(sum) };
        }
        4 * quads
    }

    /// `target = f(source, target, science mask)` four pixels at a time; how many it did.
    #[inline(always)]
    fn by_quads(target: &mut [f32], source: &[f32], science: &[u8], f: impl Fn(v128, v128, v128) -> v128) -> usize {
        let quads = target.len().min(source.len()).min(science.len()) / 4;
        for q in 0..quads {
            let at = 4 * q;
            // SAFETY: pixels at..at + 4 are within `target` and `source` (quads fit all three);
            // unaligned reads and writes are allowed.
            unsafe {
                let into = target.as_mut_ptr().add(at).cast::<v128>();
                into.write_unaligned(f(source.as_ptr().add(at).cast::<v128>().read_unaligned(), into.read_unaligned(), science_mask(science, at)));
            }
        }
        4 * quads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: [f32; 9] = [0.0, -0.01, 0.0, -0.01, 1.04, -0.01, 0.0, -0.01, 0.0];

    fn k2(weights: &[f32], ky: usize, kx: usize) -> Kernel<'_> {
        Kernel { weights, ky, kx, per_pixel: false }
    }

    /// CASE (spec example): 1000 DN on zero background -> 1040 at the pixel, -10 at 4 neighbours.
    #[test]
    fn spec_example() {
        let shape = RampShape::new(1, 1, 5, 5);
        let mut data = [0f32; 25];
        data[12] = 1000.0;
        apply(&mut data, &[1; 25], k2(&K, 3, 3), shape).unwrap();
        assert_eq!(data[12], 1040.0);
        for i in [7, 11, 13, 17] {
            assert_eq!(data[i], -10.0);
        }
        assert_eq!(data[6], 0.0);
    }

    /// True convolution (kernel flipped): k[0,1] weights the pixel *below* (y+1) in the output above.
    #[test]
    fn convolution_not_correlation() {
        let shape = RampShape::new(1, 1, 3, 1);
        let mut data = [0.0, 1.0, 0.0];
        let w = [2.0, 1.0, 3.0];
        apply(&mut data, &[1; 3], k2(&w, 3, 1), shape).unwrap();
        // out[y] = k[0] S[y+1] + k[2] S[y-1] + k[1] S[y]
        assert_eq!(data, [2.0, 1.0, 3.0]);
    }

    /// Reference pixels keep their values and count as zero for their neighbours.
    #[test]
    fn reference_pixels_untouched_and_ignored() {
        let shape = RampShape::new(1, 1, 1, 3);
        let mut data = [500.0, 100.0, 7.0];
        let w = [1.0, 1.0, 1.0];
        apply(&mut data, &[0, 1, 1], k2(&w, 1, 3), shape).unwrap();
        assert_eq!(data, [500.0, 107.0, 107.0]);
    }

    /// NaN spreads through zero weights, as numpy's 0 * NaN.
    #[test]
    fn nan_spreads() {
        let shape = RampShape::new(1, 1, 3, 3);
        let mut data = [0f32; 9];
        data[4] = f32::NAN;
        apply(&mut data, &[1; 9], k2(&K, 3, 3), shape).unwrap();
        assert!(data.iter().all(|v| v.is_nan()));
    }

    /// Per-pixel kernels: plane j*kx+i holds the weight at the output pixel.
    #[test]
    fn per_pixel_kernel() {
        let shape = RampShape::new(2, 1, 1, 2);
        let mut data = [1.0, 2.0, 3.0, 4.0];
        // 1 x 3 kernel: plane 0 weights S[x+1], plane 2 S[x-1], plane 1 (centre) S[x].
        let w = [10.0, 20.0, 1.0, 2.0, 100.0, 200.0];
        apply(&mut data, &[1, 1], Kernel { weights: &w, ky: 1, kx: 3, per_pixel: true }, shape).unwrap();
        assert_eq!(data, [21.0, 204.0, 43.0, 608.0]);
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let shape = RampShape::new(1, 1, 2, 2);
        assert_eq!(apply(&mut [0.0; 4], &[1; 3], k2(&K, 3, 3), shape).unwrap_err().code(), "shape_mismatch");
        assert_eq!(apply(&mut [0.0; 4], &[1; 4], k2(&K, 3, 2), shape).unwrap_err().code(), "shape_mismatch");
        assert_eq!(apply(&mut [0.0; 4], &[1; 4], k2(&[], 0, 3), shape).unwrap_err().code(), "invalid_shape");
        let per = Kernel { weights: &K, ky: 3, kx: 3, per_pixel: true };
        assert!(apply(&mut [0.0; 4], &[1; 4], per, shape).unwrap_err().to_string().contains("kernel"));
        assert_eq!(apply(&mut [0.0; 3], &[1; 4], k2(&K, 3, 3), shape).unwrap_err().code(), "shape_mismatch");
    }
}
