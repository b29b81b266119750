//! `saturation`: SATURATED / AD_FLOOR flags from per-pixel thresholds (spec/steps/saturation.md,
//! stcal `saturation.flag_saturated_pixels`).
//!
//! Growth is a clipped `(2N+1)²` box, so on a band of rows the kernel treats the band's first and
//! last rows as detector edges. Callers give bands a halo of [`halo_rows`] rows and keep only the
//! core rows, which then equal an untiled run.

use crate::dq;
use crate::error::KernelError;
use crate::tile::RampShape;

/// jwst `ATOD_LIMIT + 1`: the threshold of pixels that are never checked.
const NO_CHECK_THRESHOLD: f32 = 65536.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Half-width N of the growth box; 0 disables growth.
    pub n_pix_grow_sat: usize,
    /// NFRAMES of the read pattern when jwst's `use_readpatt` is on (frame-averaged checks);
    /// `None` without a read pattern.
    pub nframes: Option<u32>,
}

/// Rows of context a band needs above and below: the backward pass grows flags derived from
/// grown flags, so it reaches 2N rows; without it N.
pub fn halo_rows(params: &Params) -> usize {
    match params.nframes {
        Some(n) if n > 1 => 2 * params.n_pix_grow_sat,
        _ => params.n_pix_grow_sat,
    }
}

/// Inputs that are only read.
pub struct Inputs<'a> {
    /// Ramp `(nints, ngroups, rows, cols)`, DN.
    pub data: &'a [f32],
    /// SATURATION reference `(rows, cols)`, DN; NaN means "no check".
    pub thresh: &'a [f32],
    /// SATURATION reference DQ `(rows, cols)`, translated to standard flags.
    pub sat_dq: &'a [u32],
    /// SUPERBIAS `(rows, cols)` for the group-2 test; `None` means 0.
    pub bias: Option<&'a [f32]>,
}

/// Flags `groupdq` `(nints, ngroups, rows, cols)`, ORs the reference DQ (plus NO_SAT_CHECK where
/// the threshold is NaN) into `pixeldq` `(rows, cols)` and zeroes flagged ZEROFRAME pixels
/// (`zeroframe` `(nints, rows, cols)`, or empty). Comparisons use stcal's numpy 2 dtypes.
pub fn apply(
    inputs: &Inputs,
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    zeroframe: &mut [f32],
    shape: RampShape,
    params: &Params,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", inputs.data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("thresh", inputs.thresh.len())?;
    shape.expect_plane("sat_dq", inputs.sat_dq.len())?;
    if let Some(bias) = inputs.bias {
        shape.expect_plane("bias", bias.len())?;
    }
    if !zeroframe.is_empty() {
        shape.expect_int_planes("zeroframe", zeroframe.len())?;
    }
    if params.nframes == Some(0) {
        return Err(KernelError::InvalidParameter { argument: "nframes", reason: "must be at least 1".into() });
    }

    let npix = shape.plane_len();
    let nsc = dq::NO_SAT_CHECK;
    let nosat: Vec<bool> =
        inputs.sat_dq.iter().zip(inputs.thresh).map(|(&flags, &t)| flags & nsc == nsc || t.is_nan()).collect();
    let thresh: Vec<f32> =
        inputs.thresh.iter().zip(&nosat).map(|(&t, &no)| if no { NO_CHECK_THRESHOLD } else { t }).collect();
    let mut grow = Grower::new(shape.rows, shape.cols, params.n_pix_grow_sat);
    let sat = dq::SATURATED as u8;
    let dnu = dq::DO_NOT_USE as u8;
    let mut ever = vec![0u8; npix];
    let mut mask = vec![0u8; npix];

    for int in 0..shape.nints {
        let int_data = &inputs.data[int * shape.ngroups * npix..][..shape.ngroups * npix];
        let int_gdq = &mut groupdq[int * shape.ngroups * npix..][..shape.ngroups * npix];

        // Forward: SAT from the first group at/above threshold on, then grow every SAT bit of
        // the group (including SAT bits the input already had).
        ever.fill(0);
        for g in 0..shape.ngroups {
            let plane = &int_data[g * npix..][..npix];
            let gdq = &mut int_gdq[g * npix..][..npix];
            forward_group(plane, &thresh, &mut ever, gdq, &mut mask);
            if params.n_pix_grow_sat > 0 {
                grow.or_grown(&mask, gdq, sat);
            }
        }

        let Some(nframes) = params.nframes else { continue };
        let nf = nframes as f64;
        // Frame indices of group g are g*nf+1 ..= g*nf+nf: mean and last are exact in float64.
        let mean = |g: usize| g as f64 * nf + (nf + 1.0) / 2.0;
        let last = |g: usize| g as f64 * nf + nf;

        // Backward: a frame-averaged group may hide saturation reached in its later frames.
        for g in (0..shape.ngroups.saturating_sub(1)).rev() {
            let factor = mean(g) / last(g);
            if factor == 1.0 {
                continue;
            }
            let plane = &int_data[g * npix..][..npix];
            let (this, next) = int_gdq[g * npix..][..2 * npix].split_at_mut(npix);
            let pixels = mask.iter_mut().zip(plane).zip(&thresh).zip(&nosat).zip(this.iter()).zip(next.iter());
            for (((((m, &v), &t), &no), &this_flags), &next_flags) in pixels {
                // float32 threshold times a float64 factor: the comparison is float64.
                let f = if no { 1.0 } else { factor };
                let partial = (v as f64 >= t as f64 * f) & (this_flags & (sat | dnu) == 0) & (next_flags & sat != 0);
                *m = partial as u8;
            }
            if params.n_pix_grow_sat > 0 {
                grow.or_grown(&mask, this, dnu);
            } else {
                for (flags, &m) in this.iter_mut().zip(&mask) {
                    *flags |= m * dnu;
                }
            }
        }

        // Group 2: a jump to saturation in the last frame of group 2 (index 1).
        if shape.ngroups > 2 {
            let (mean0, last2, len1) = (mean(0), last(2), nframes as f32);
            let (d0, d1) = (&int_data[..npix], &int_data[npix..2 * npix]);
            let (gdq1, rest) = int_gdq[npix..3 * npix].split_at_mut(npix);
            for i in 0..npix {
                let b = inputs.bias.map_or(0.0, |bias| bias[i]);
                // data - bias is float32; dividing by numpy's float64 mean makes the rest float64.
                let extrapolated = ((d0[i] - b) as f64 / mean0) * last2 + b as f64;
                let reaches = extrapolated < thresh[i] as f64;
                let jumps = d1[i] - d0[i] > (thresh[i] - d0[i]) / len1;
                if reaches && jumps && rest[i] & sat != 0 && gdq1[i] & sat == 0 {
                    gdq1[i] |= dnu;
                }
            }
        }
    }

    // ZEROFRAME: saturated (grown) or at the A/D floor -> 0, which later steps read as "bad".
    if !zeroframe.is_empty() {
        let mut zdq = vec![0u8; npix];
        for zf in zeroframe.chunks_exact_mut(npix) {
            for i in 0..npix {
                mask[i] = (zf[i] >= thresh[i]) as u8;
                zdq[i] = mask[i] | (zf[i] <= 0.0) as u8;
            }
            if params.n_pix_grow_sat > 0 {
                grow.or_grown(&mask, &mut zdq, 1);
            }
            for (value, &z) in zf.iter_mut().zip(&zdq) {
                if z != 0 {
                    *value = 0.0;
                }
            }
        }
    }

    for ((flags, &ref_flags), &t) in pixeldq.iter_mut().zip(inputs.sat_dq).zip(inputs.thresh) {
        *flags |= ref_flags | if t.is_nan() { nsc } else { 0 };
    }
    Ok(())
}

/// One group of the forward pass: `ever` (0/1) becomes set from the first sample at or above its
/// threshold on, `flags` take SATURATED where `ever` is set and AD_FLOOR | DO_NOT_USE where the
/// sample is <= 0, and `mask` (0/1) says where `flags` hold SATURATED.
fn forward_group(plane: &[f32], thresh: &[f32], ever: &mut [u8], flags: &mut [u8], mask: &mut [u8]) {
    let done = simd::forward_group(plane, thresh, ever, flags, mask);
    let (sat, floor) = (dq::SATURATED as u8, (dq::AD_FLOOR | dq::DO_NOT_USE) as u8);
    let pixels = ever[done..].iter_mut().zip(&mut flags[done..]).zip(&mut mask[done..]).zip(&plane[done..]).zip(&thresh[done..]);
    for ((((e, f), m), &v), &t) in pixels {
        *e |= (v >= t) as u8;
        *f |= (*e * sat) | ((v <= 0.0) as u8 * floor);
        *m = (*f & sat != 0) as u8;
    }
}

/// Whether any byte is not 0.
fn any_set(bytes: &[u8]) -> bool {
    let done = simd::any_set(bytes);
    done.1 || bytes[done.0..].iter().any(|&b| b != 0)
}

/// Elsewhere the loops take every pixel.
#[cfg(not(target_arch = "wasm32"))]
mod simd {
    pub fn forward_group(_: &[f32], _: &[f32], _: &mut [u8], _: &mut [u8], _: &mut [u8]) -> usize {
        0
    }

    pub fn any_set(_: &[u8]) -> (usize, bool) {
        (0, false)
    }
}

/// The forward pass and the row scans sixteen pixels at a time (the scalar loops ran a pixel at a
/// time: ~60 ms of a worker's ~600 in a NIRCam full frame's chain). Each says how many leading
/// pixels it did (whole blocks of 16).
#[cfg(target_arch = "wasm32")]
mod simd {
    use core::arch::wasm32::*;

    pub fn forward_group(plane: &[f32], thresh: &[f32], ever: &mut [u8], flags: &mut [u8], mask: &mut [u8]) -> usize {
        let n = plane.len().min(thresh.len()).min(ever.len()).min(flags.len()).min(mask.len());
        let (one, sat, floor) = (u8x16_splat(1), u8x16_splat(crate::dq::SATURATED as u8), u8x16_splat((crate::dq::AD_FLOOR | crate::dq::DO_NOT_USE) as u8));
        let zero = f32x4_splat(0.0);
        for b in 0..n / 16 {
            let at = 16 * b;
            // SAFETY: pixels at..at + 16 are within every slice (b < n / 16); unaligned access is allowed.
            unsafe {
                let load = |s: &[f32], k: usize| s.as_ptr().add(at + 4 * k).cast::<v128>().read_unaligned();
                let v = [load(plane, 0), load(plane, 1), load(plane, 2), load(plane, 3)];
                let t = [load(thresh, 0), load(thresh, 1), load(thresh, 2), load(thresh, 3)];
                // Lane masks (all ones or zeros) of four f32x4 narrowed to sixteen bytes.
                let bytes = |m: [v128; 4]| i8x16_narrow_i16x8(i16x8_narrow_i32x4(m[0], m[1]), i16x8_narrow_i32x4(m[2], m[3]));
                let reached = bytes([f32x4_ge(v[0], t[0]), f32x4_ge(v[1], t[1]), f32x4_ge(v[2], t[2]), f32x4_ge(v[3], t[3])]);
                let at_floor = bytes([f32x4_le(v[0], zero), f32x4_le(v[1], zero), f32x4_le(v[2], zero), f32x4_le(v[3], zero)]);
                let e_ptr = ever.as_mut_ptr().add(at).cast::<v128>();
                let f_ptr = flags.as_mut_ptr().add(at).cast::<v128>();
                let e = v128_or(e_ptr.read_unaligned(), v128_and(reached, one));
                let f = v128_or(f_ptr.read_unaligned(), v128_or(v128_and(i8x16_ne(e, u8x16_splat(0)), sat), v128_and(at_floor, floor)));
                e_ptr.write_unaligned(e);
                f_ptr.write_unaligned(f);
                mask.as_mut_ptr().add(at).cast::<v128>().write_unaligned(v128_and(i8x16_ne(v128_and(f, sat), u8x16_splat(0)), one));
            }
        }
        16 * (n / 16)
    }

    /// How many leading bytes it looked at, and whether one of them is set.
    pub fn any_set(bytes: &[u8]) -> (usize, bool) {
        let mut any = u8x16_splat(0);
        for b in 0..bytes.len() / 16 {
            // SAFETY: bytes 16b..16b + 16 are within `bytes`; unaligned reads are allowed.
            any = v128_or(any, unsafe { bytes.as_ptr().add(16 * b).cast::<v128>().read_unaligned() });
        }
        (16 * (bytes.len() / 16), v128_any_true(any))
    }
}

/// Clipped square dilation of a 0/1 byte mask, by separable row and column passes over the rows
/// that hold a set pixel (in most groups of most bands none does).
struct Grower {
    rows: usize,
    cols: usize,
    n: usize,
    /// The row pass of the set rows (other rows are not kept up to date).
    across: Vec<u8>,
    set_rows: Vec<usize>,
}

impl Grower {
    fn new(rows: usize, cols: usize, n: usize) -> Self {
        Grower { rows, cols, n, across: vec![0; rows * cols], set_rows: Vec::with_capacity(rows) }
    }

    /// ORs `bit` into `flags` wherever a set pixel of `mask` lies within N rows and columns.
    fn or_grown(&mut self, mask: &[u8], flags: &mut [u8], bit: u8) {
        let (rows, cols, n) = (self.rows, self.cols, self.n);
        self.set_rows.clear();
        self.set_rows.extend((0..rows).filter(|&r| any_set(&mask[r * cols..][..cols])));
        for &r in &self.set_rows {
            let row = &mask[r * cols..][..cols];
            let out = &mut self.across[r * cols..][..cols];
            out.copy_from_slice(row);
            for d in 1..=n.min(cols - 1) {
                for (o, &m) in out[d..].iter_mut().zip(&row[..cols - d]) {
                    *o |= m;
                }
                for (o, &m) in out[..cols - d].iter_mut().zip(&row[d..]) {
                    *o |= m;
                }
            }
        }
        // A row's flags take the row pass of every set row within N rows (OR: in any order).
        for &src in &self.set_rows {
            let row = &self.across[src * cols..][..cols];
            for r in src.saturating_sub(n)..=(src + n).min(rows - 1) {
                for (f, &m) in flags[r * cols..][..cols].iter_mut().zip(row) {
                    *f |= m * bit;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAT: u8 = dq::SATURATED as u8;
    const DNU: u8 = dq::DO_NOT_USE as u8;
    const FLOOR: u8 = (dq::AD_FLOOR | dq::DO_NOT_USE) as u8;

    fn params(n_pix_grow_sat: usize, nframes: Option<u32>) -> Params {
        Params { n_pix_grow_sat, nframes }
    }

    fn run(data: &[f32], thresh: &[f32], bias: Option<&[f32]>, shape: RampShape, p: Params) -> (Vec<u8>, Vec<u32>) {
        let mut gdq = vec![0u8; shape.cube_len()];
        let mut pdq = vec![0u32; shape.plane_len()];
        let sat_dq = vec![0u32; shape.plane_len()];
        let inputs = Inputs { data, thresh, sat_dq: &sat_dq, bias };
        apply(&inputs, &mut gdq, &mut pdq, &mut [], shape, &p).unwrap();
        (gdq, pdq)
    }

    /// A 5x5 ramp of `ngroups` groups, background `fill`, with `centre` at (2, 2).
    fn ramp(ngroups: usize, fill: f32, centre: &[f32]) -> Vec<f32> {
        let mut data = vec![fill; ngroups * 25];
        for (g, &v) in centre.iter().enumerate() {
            data[g * 25 + 12] = v;
        }
        data
    }

    /// A 5x5 plane with `value` on the 3x3 box around the centre.
    fn box3(value: u8) -> Vec<u8> {
        let mut plane = vec![0u8; 25];
        for r in 1..4 {
            for c in 1..4 {
                plane[r * 5 + c] = value;
            }
        }
        plane
    }

    /// The grower equals a direct square dilation on sparse random masks (rows without a set
    /// pixel, neighbouring set rows, edges), for several N, with bits already in the flags kept.
    #[test]
    fn grower_equals_direct_dilation() {
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for (rows, cols) in [(1, 1), (1, 9), (7, 1), (9, 13), (16, 5)] {
            for n in [1usize, 2, 3] {
                for density in [0u32, 3, 20] {
                    let mask: Vec<u8> = (0..rows * cols).map(|_| (next() % 100 < density) as u8).collect();
                    let before: Vec<u8> = (0..rows * cols).map(|_| (next() % 4 == 0) as u8 * 0x40).collect();
                    let mut flags = before.clone();
                    Grower::new(rows, cols, n).or_grown(&mask, &mut flags, SAT);
                    for r in 0..rows {
                        for c in 0..cols {
                            let near = (r.saturating_sub(n)..=(r + n).min(rows - 1))
                                .any(|y| (c.saturating_sub(n)..=(c + n).min(cols - 1)).any(|x| mask[y * cols + x] != 0));
                            assert_eq!(flags[r * cols + c], before[r * cols + c] | near as u8 * SAT, "{rows}x{cols} N={n} at ({r}, {c})");
                        }
                    }
                }
            }
        }
    }

    /// CASE (spec §6 example 1): threshold 1000, N=1, centre [200, 600, 1000, 1400] -> groups 2 and
    /// 3 SAT at the centre and its 8 neighbours, groups 0 and 1 clean.
    #[test]
    fn spec_forward_and_growth() {
        let shape = RampShape::new(1, 4, 5, 5);
        let data = ramp(4, 100.0, &[200.0, 600.0, 1000.0, 1400.0]);
        let (gdq, _) = run(&data, &[1000.0; 25], None, shape, params(1, Some(1)));
        assert_eq!(&gdq[..50], &[0u8; 50]);
        assert_eq!(gdq[50..75], box3(SAT));
        assert_eq!(gdq[75..], box3(SAT));
    }

    /// CASE (spec §6 example 2): nframes 4, threshold 60000: group 1 at 50000 >= 0.8125*60000 with
    /// group 2 saturated -> group 1 DO_NOT_USE on the 3x3 box.
    #[test]
    fn spec_backward_pass() {
        let shape = RampShape::new(1, 3, 5, 5);
        // Group 0 at 20000 stays below 0.625*60000 and no jump large enough for the group-2 test.
        let data = ramp(3, 100.0, &[40000.0, 50000.0, 61000.0]);
        let (gdq, _) = run(&data, &[60000.0; 25], None, shape, params(1, Some(4)));
        assert_eq!(&gdq[..25], &[0u8; 25]);
        assert_eq!(gdq[25..50], box3(DNU));
        assert_eq!(gdq[50..], box3(SAT));
        // 0.8125*60000 = 48750: just below stays clean.
        let data = ramp(3, 100.0, &[40000.0, 48749.0, 61000.0]);
        let (gdq, _) = run(&data, &[60000.0; 25], None, shape, params(1, Some(4)));
        assert_eq!(&gdq[25..50], &[0u8; 25]);
        // No read pattern: no backward pass.
        let data = ramp(3, 100.0, &[40000.0, 50000.0, 61000.0]);
        let (gdq, _) = run(&data, &[60000.0; 25], None, shape, params(1, None));
        assert_eq!(&gdq[25..50], &[0u8; 25]);
    }

    /// CASE (spec §6 example 3): group-2 test, nframes 4, bias 10000, threshold 60000, data0 12500,
    /// data1 25000, group 2 saturated -> group 1 DO_NOT_USE at the pixel only (no growth).
    #[test]
    fn spec_group2_test() {
        let shape = RampShape::new(1, 3, 5, 5);
        let data = ramp(3, 100.0, &[12500.0, 25000.0, 61000.0]);
        let bias = [10000.0f32; 25];
        let (gdq, _) = run(&data, &[60000.0; 25], Some(&bias), shape, params(1, Some(4)));
        let mut expected = vec![0u8; 25];
        expected[12] = DNU;
        assert_eq!(gdq[25..50], expected);
        // b fails: (data1 - data0) = 11875 is not > (60000 - 12500)/4 = 11875.
        let data = ramp(3, 100.0, &[12500.0, 24375.0, 61000.0]);
        let (gdq, _) = run(&data, &[60000.0; 25], Some(&bias), shape, params(1, Some(4)));
        assert_eq!(&gdq[25..50], &[0u8; 25]);
        // It runs for nframes = 1 too, where `b` needs data1 > thresh, which already saturated
        // group 1 (so `c` fails): 3*1000 < 5000 but 4100 - 1000 is not > (5000 - 1000)/1.
        let data = ramp(3, 0.5, &[1000.0, 4100.0, 6000.0]);
        let (gdq, _) = run(&data, &[5000.0; 25], None, shape, params(0, Some(1)));
        assert_eq!(gdq[25 + 12], 0);
    }

    /// CASE: A/D floor on its own group only, not grown; SAT never clears once set.
    #[test]
    fn ad_floor_and_flag_all_after() {
        let shape = RampShape::new(1, 3, 1, 3);
        let data = [5.0, 0.0, 5.0, 5.0, 2000.0, -1.0, 5.0, 10.0, 5.0];
        let (gdq, _) = run(&data, &[1000.0; 3], None, shape, params(0, None));
        assert_eq!(gdq, [0, FLOOR, 0, 0, SAT, FLOOR, 0, SAT, 0]);
    }

    /// CASE: NaN threshold and NO_SAT_CHECK -> never saturates (threshold 65536); NaN threshold
    /// adds NO_SAT_CHECK to PIXELDQ; every reference DQ bit reaches PIXELDQ.
    #[test]
    fn no_sat_check_and_nan_thresholds() {
        let shape = RampShape::new(1, 1, 1, 4);
        let data = [70000.0, 60000.0, 60000.0, f32::NAN];
        let thresh = [f32::NAN, f32::NAN, 100.0, 100.0];
        let sat_dq = [0, dq::HOT, dq::NO_SAT_CHECK, 0];
        let mut gdq = [0u8; 4];
        let mut pdq = [dq::DEAD, 0, 0, 0];
        let inputs = Inputs { data: &data, thresh: &thresh, sat_dq: &sat_dq, bias: None };
        apply(&inputs, &mut gdq, &mut pdq, &mut [], shape, &params(0, Some(1))).unwrap();
        assert_eq!(gdq, [SAT, 0, 0, 0]);
        assert_eq!(pdq, [dq::DEAD | dq::NO_SAT_CHECK, dq::HOT | dq::NO_SAT_CHECK, dq::NO_SAT_CHECK, 0]);
    }

    /// CASE: SAT bits already in the input are grown too; growth is clipped at the edges, and
    /// N = 2 grows a 5x5 box.
    #[test]
    fn growth_of_input_bits_and_edges() {
        let shape = RampShape::new(1, 1, 4, 6);
        let data = [1.0f32; 24];
        let thresh = [100.0f32; 24];
        let sat_dq = [0u32; 24];
        let inputs = Inputs { data: &data, thresh: &thresh, sat_dq: &sat_dq, bias: None };
        let mut gdq = [0u8; 24];
        gdq[0] = SAT | dq::JUMP_DET as u8;
        let mut pdq = [0u32; 24];
        apply(&inputs, &mut gdq, &mut pdq, &mut [], shape, &params(2, None)).unwrap();
        let expected: Vec<u8> = (0..24)
            .map(|i| {
                let (r, c) = (i / 6, i % 6);
                let base = if i == 0 { dq::JUMP_DET as u8 } else { 0 };
                base | if r <= 2 && c <= 2 { SAT } else { 0 }
            })
            .collect();
        assert_eq!(gdq.to_vec(), expected);
    }

    /// CASE: ZEROFRAME saturated (grown) or <= 0 -> 0; NaN stays; growth uses its own integration.
    #[test]
    fn zeroframe() {
        let shape = RampShape::new(2, 1, 1, 5);
        let data = [1.0f32; 10];
        let thresh = [100.0f32; 5];
        let sat_dq = [0u32; 5];
        let inputs = Inputs { data: &data, thresh: &thresh, sat_dq: &sat_dq, bias: None };
        let mut zf = [150.0, 6.0, 7.0, 8.0, f32::NAN, -1.0, 6.0, 7.0, 8.0, 9.0];
        let (mut gdq, mut pdq) = ([0u8; 10], [0u32; 5]);
        apply(&inputs, &mut gdq, &mut pdq, &mut zf, shape, &params(1, None)).unwrap();
        assert_eq!(zf[..4], [0.0, 0.0, 7.0, 8.0]);
        assert!(zf[4].is_nan(), "NaN is neither saturated nor low");
        assert_eq!(zf[5..], [0.0, 6.0, 7.0, 8.0, 9.0], "the A/D floor is not grown");
    }

    /// The halo rule: bands with `halo_rows` rows of context give the untiled result.
    #[test]
    fn bands_with_halo_equal_whole() {
        let shape = RampShape::new(2, 4, 11, 7);
        let n = shape.cube_len();
        // A deterministic mix of values near the threshold (1000), some <= 0.
        let data: Vec<f32> = (0..n).map(|i| ((i * 7919 % 1301) as f32) - 150.0).collect();
        let thresh: Vec<f32> =
            (0..77).map(|i| if i % 13 == 0 { f32::NAN } else { 1000.0 + (i % 5) as f32 * 30.0 }).collect();
        let bias: Vec<f32> = (0..77).map(|i| (i % 9) as f32 * 10.0).collect();
        let sat_dq = vec![0u32; 77];
        let zf0: Vec<f32> = (0..2 * 77).map(|i| ((i * 31 % 1201) as f32) - 50.0).collect();
        for p in [params(1, Some(4)), params(2, Some(4)), params(1, None), params(2, Some(1))] {
            let whole = {
                let mut gdq = vec![0u8; n];
                let mut pdq = vec![0u32; 77];
                let mut zf = zf0.clone();
                let inputs = Inputs { data: &data, thresh: &thresh, sat_dq: &sat_dq, bias: Some(&bias) };
                apply(&inputs, &mut gdq, &mut pdq, &mut zf, shape, &p).unwrap();
                (gdq, pdq, zf)
            };
            // The backward pass must have flagged something, or this would not test its halo.
            let floor_bits = dq::AD_FLOOR as u8 | DNU;
            assert!(whole.0.iter().any(|&f| f & floor_bits == DNU) || p.nframes != Some(4));
            let halo = halo_rows(&p);
            for band_rows in 1..=shape.rows {
                let mut row0 = 0;
                while row0 < shape.rows {
                    let rows = band_rows.min(shape.rows - row0);
                    let g0 = row0.saturating_sub(halo);
                    let g1 = (row0 + rows + halo).min(shape.rows);
                    let band = RampShape::new(2, 4, g1 - g0, 7);
                    let cut = |a: &[f32], planes: usize| -> Vec<f32> {
                        (0..planes).flat_map(|p| a[p * 77 + g0 * 7..p * 77 + g1 * 7].to_vec()).collect()
                    };
                    let bdata = cut(&data, 8);
                    let bthresh = cut(&thresh, 1);
                    let bbias = cut(&bias, 1);
                    let mut bzf = cut(&zf0, 2);
                    let mut gdq = vec![0u8; band.cube_len()];
                    let mut pdq = vec![0u32; band.plane_len()];
                    let bsat = vec![0u32; band.plane_len()];
                    let inputs = Inputs { data: &bdata, thresh: &bthresh, sat_dq: &bsat, bias: Some(&bbias) };
                    apply(&inputs, &mut gdq, &mut pdq, &mut bzf, band, &p).unwrap();
                    let core = (row0 - g0) * 7..(row0 - g0 + rows) * 7;
                    for plane in 0..8 {
                        let ours = &gdq[plane * band.plane_len()..][core.clone()];
                        let truth = &whole.0[plane * 77 + row0 * 7..][..rows * 7];
                        assert_eq!(ours, truth, "{p:?} band {row0}+{rows} plane {plane}");
                    }
                    for int in 0..2 {
                        let ours = &bzf[int * band.plane_len()..][core.clone()];
                        let truth = &whole.2[int * 77 + row0 * 7..][..rows * 7];
                        assert_eq!(
                            ours.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                            truth.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                        );
                    }
                    assert_eq!(&pdq[core.clone()], &whole.1[row0 * 7..][..rows * 7]);
                    row0 += rows;
                }
            }
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let shape = RampShape::new(1, 2, 2, 2);
        let (mut gdq, mut pdq) = ([0u8; 8], [0u32; 4]);
        let data = [0.0f32; 8];
        let thresh = [0.0f32; 3];
        let sat_dq = [0u32; 4];
        let inputs = Inputs { data: &data, thresh: &thresh, sat_dq: &sat_dq, bias: None };
        let err = apply(&inputs, &mut gdq, &mut pdq, &mut [], shape, &params(1, None)).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "thresh", expected: 4, actual: 3 });
        let thresh = [0.0f32; 4];
        let bias = [0.0f32; 5];
        let inputs = Inputs { data: &data, thresh: &thresh, sat_dq: &sat_dq, bias: Some(&bias) };
        let err = apply(&inputs, &mut gdq, &mut pdq, &mut [], shape, &params(1, None)).unwrap_err();
        assert!(err.to_string().contains("bias"));
        let inputs = Inputs { data: &data, thresh: &thresh, sat_dq: &sat_dq, bias: None };
        let err = apply(&inputs, &mut gdq, &mut pdq, &mut [0.0; 3], shape, &params(1, None)).unwrap_err();
        assert!(err.to_string().contains("zeroframe"));
        let err = apply(&inputs, &mut gdq, &mut pdq, &mut [], shape, &params(1, Some(0))).unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
        let err =
            apply(&inputs, &mut gdq, &mut pdq, &mut [], RampShape::new(1, 0, 2, 2), &params(1, None)).unwrap_err();
        assert_eq!(err.code(), "invalid_shape");
        // A huge growth half-width on a tiny tile is fine (clipped).
        apply(&inputs, &mut gdq, &mut pdq, &mut [], shape, &params(1000, Some(3))).unwrap();
    }
}
