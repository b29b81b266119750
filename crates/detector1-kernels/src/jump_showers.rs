//! MIRI showers (spec/steps/jump.md §8.2; stcal 1.20 `find_faint_extended`), run after
//! two-point detection (and snowballs) on whole frames: the search smooths each group's
//! signal-to-noise image with a ring kernel and fits ellipses to large connected areas, so a
//! row band would need the whole frame as halo; and the noise model uses every integration.
//!
//! Precision follows stcal under numpy 2: electrons, differences, medians, sigmas and ratios
//! are float32; the ring convolution is float64 (stcal's FFT convolution differs from this
//! direct sum in the last bits only).

use crate::dq;
use crate::error::KernelError;
use crate::jump_ellipses::{draw_ellipse, expanded_half_axes, find_ellipses, Ellipse, RegionScratch};
use crate::tile::RampShape;

const JUMP: u8 = dq::JUMP_DET as u8;
const SAT: u8 = dq::SATURATED as u8;
const DNU: u8 = dq::DO_NOT_USE as u8;

/// stcal skips showers with fewer usable differences than this (`min_diffs_for_shower`).
const MIN_DIFFS_FOR_SHOWER: usize = 10;

/// stcal's `JumpData` shower settings, as jwst's JumpStep passes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Smoothed SNR above which a pixel is part of extended emission (`extend_snr_threshold`).
    pub snr_threshold: f64,
    /// Minimum hole-filled area of extended emission (`extend_min_area`).
    pub min_area: f64,
    /// `Ring2DKernel` inner radius (`extend_inner_radius`).
    pub inner_radius: f64,
    /// `Ring2DKernel` *width* (jwst's `extend_outer_radius` is passed as the width).
    pub ring_width: f64,
    /// Expansion ratio of shower ellipses (`extend_ellipse_expand_ratio`).
    pub expand_ratio: f64,
    /// Cap on drawn full axes: jwst's `2 · max_extended_radius`.
    pub max_extended_width: f64,
    /// `int(time_masked_after_shower // group_time)`: later groups flagged after a shower.
    pub groups_masked_after: usize,
    /// Electrons per group: a pixel whose mean difference changes by more than this when the
    /// shower flags are applied gets its pre-shower flags back. jwst passes stcal's default 6
    /// times the group time (its own `max_shower_amplitude` is not used).
    pub max_shower_amplitude: f64,
    pub nframes: usize,
}

fn check_params(p: &Params) -> Result<(), KernelError> {
    let invalid = |argument: &'static str, reason: String| Err(KernelError::InvalidParameter { argument, reason });
    for (argument, value) in [
        ("min_area", p.min_area),
        ("inner_radius", p.inner_radius),
        ("ring_width", p.ring_width),
        ("expand_ratio", p.expand_ratio),
        ("max_extended_width", p.max_extended_width),
    ] {
        if !value.is_finite() || value < 0.0 {
            return invalid(argument, format!("must be a finite number >= 0, got {value}"));
        }
    }
    if p.snr_threshold.is_nan() {
        return invalid("snr_threshold", "must be a number".into());
    }
    if p.max_shower_amplitude.is_nan() {
        return invalid("max_shower_amplitude", "must be a number".into());
    }
    if p.inner_radius + p.ring_width > 1000.0 || p.ring_width == 0.0 {
        return invalid("ring_width", format!("ring {}..{} is empty or too large", p.inner_radius, p.inner_radius + p.ring_width));
    }
    if p.nframes == 0 {
        return invalid("nframes", "must be >= 1".into());
    }
    Ok(())
}

/// astropy `Ring2DKernel(inner, width)`: a square of odd size `ceil(2 · (inner + width))`
/// (rounded up to odd), 1 where `inner² <= dx² + dy² <= (inner + width)²`, normalised to sum 1.
/// Its taps are kept as runs `(dy, dx_first, dx_last)` along rows.
struct Ring {
    half: usize,
    runs: Vec<(isize, isize, isize)>,
    /// `1e-3 · mean(kernel)` in units of one tap's weight: below it stcal treats the
    /// normaliser as zero.
    min_valid_taps: f64,
}

impl Ring {
    fn new(inner: f64, width: f64) -> Ring {
        let outer = inner + width;
        let mut size = (2.0 * outer).ceil() as usize;
        if size.is_multiple_of(2) {
            size += 1;
        }
        let half = size / 2;
        let h = half as isize;
        let mut runs: Vec<(isize, isize, isize)> = Vec::new();
        let mut taps = 0usize;
        for dy in -h..=h {
            for dx in -h..=h {
                let rr = (dx * dx + dy * dy) as f64;
                if rr >= inner * inner && rr <= outer * outer {
                    taps += 1;
                    match runs.last_mut() {
                        Some(run) if run.0 == dy && run.2 == dx - 1 => run.2 = dx,
                        _ => runs.push((dy, dx, dx)),
                    }
                }
            }
        }
        Ring { half, runs, min_valid_taps: 1e-3 * taps as f64 / (size * size) as f64 }
    }

    #[cfg(test)]
    fn taps(&self) -> usize {
        self.runs.iter().map(|&(_, a, b)| (b - a + 1) as usize).sum()
    }
}

/// Shower flagging on a whole exposure, in place on `groupdq`; returns the number of showers.
///
/// `data` (DN), `groupdq` are `(nints, ngroups, rows, cols)`; `pixeldq` (after the gain flags
/// of the two-point pass), `gain` (e/DN) and `readnoise` (CDS DN) are `(rows, cols)`.
#[allow(clippy::too_many_arguments)]
pub fn flag(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &[u32],
    gain: &[f32],
    readnoise: &[f32],
    shape: RampShape,
    params: &Params,
) -> Result<usize, KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("gain", gain.len())?;
    shape.expect_plane("readnoise", readnoise.len())?;
    check_params(params)?;
    let RampShape { nints, ngroups, rows, cols } = shape;
    let plane = shape.plane_len();
    if ngroups < 2 {
        return Ok(0);
    }
    let all_dnu = |gdq: &[u8], int: usize, g: usize| {
        let start = (int * ngroups + g) * plane;
        gdq[start..start + plane].iter().all(|&f| f & DNU != 0)
    };
    let dnu_planes = (0..nints).flat_map(|i| (0..ngroups).map(move |g| (i, g))).filter(|&(i, g)| all_dnu(groupdq, i, g)).count();
    if nints * (ngroups - 1) < MIN_DIFFS_FOR_SHOWER + dnu_planes {
        return Ok(0);
    }

    // stcal `nan_invalid_data`: NaN where the flags *equal* JUMP|DNU, SAT|DNU, SAT, JUMP or DNU,
    // which are the values 1..=5 (SAT|JUMP = 6 or any other bit keeps the sample).
    const _: () = assert!(DNU == 1 && SAT == 2 && JUMP == 4);
    let invalid_exact = |f: u8| (1..=5).contains(&f);
    // Electrons (float32 `data · gain`), NaN where flagged: only their differences are kept.
    let electrons = |g_index: usize, p: usize| {
        let i = g_index * plane + p;
        if invalid_exact(groupdq[i]) {
            f32::NAN
        } else {
            data[i] * gain[p]
        }
    };
    let n_diffs = ngroups - 1;
    let mut diffs = vec![0f32; nints * n_diffs * plane];
    for int in 0..nints {
        for k in 0..n_diffs {
            for (p, d) in diffs[(int * n_diffs + k) * plane..][..plane].iter_mut().enumerate() {
                *d = electrons(int * ngroups + k + 1, p) - electrons(int * ngroups + k, p);
            }
        }
    }
    // Per-pixel medians over every integration and difference, a block of pixels at a time so
    // the reads stay in cache.
    let (mut sigma, mut median) = (vec![0f32; plane], vec![0f32; plane]);
    let n_all = nints * n_diffs;
    const BLOCK: usize = 256;
    let mut block = vec![0f32; BLOCK * n_all];
    let mut column = Vec::with_capacity(n_all);
    for p0 in (0..plane).step_by(BLOCK) {
        let len = BLOCK.min(plane - p0);
        for j in 0..n_all {
            for (i, &d) in diffs[j * plane + p0..j * plane + p0 + len].iter().enumerate() {
                block[i * n_all + j] = d;
            }
        }
        for i in 0..len {
            let p = p0 + i;
            column.clear();
            column.extend(block[i * n_all..(i + 1) * n_all].iter().copied().filter(|v| !v.is_nan()));
            median[p] = nan_median_f32(&mut column);
            let rn = readnoise[p] * gain[p];
            sigma[p] = (median[p].abs() + rn * rn / params.nframes as f32).sqrt();
        }
    }

    // Working flags: reference pixels (PIXELDQ exactly REFERENCE_PIXEL) count as DO_NOT_USE.
    let input = groupdq.to_vec();
    let mut work = input.clone();
    for p in (0..plane).filter(|&p| pixeldq[p] == dq::REFERENCE_PIXEL) {
        for plane_index in 0..nints * ngroups {
            work[plane_index * plane + p] = DNU;
        }
    }

    let mut smoother = RingSmoother::new(&Ring::new(params.inner_radius, params.ring_width));
    let mut showers: Vec<(usize, usize, Vec<Ellipse>)> = Vec::new();
    let mut masked = vec![0f64; plane];
    let mut good = vec![false; plane];
    let mut emission = vec![false; plane];
    let mut regions = RegionScratch::default();
    let stop = JUMP | SAT | DNU;
    for int in 0..nints {
        let first_good = (0..ngroups).find(|&g| !all_dnu(&work, int, g)).unwrap_or(0);
        for g in first_good + 1..ngroups {
            let flags = &work[(int * ngroups + g) * plane..(int * ngroups + g + 1) * plane];
            for p in 0..plane {
                let d = diffs[(int * n_diffs + g - 1) * plane + p];
                let ratio = (d - median[p]).abs() / sigma[p];
                let usable = (flags[p] as u32 | pixeldq[p]) & stop as u32 == 0 && ratio.is_finite();
                good[p] = usable;
                masked[p] = if usable { ratio as f64 } else { 0.0 };
            }
            smoother.threshold(&masked, &good, rows, cols, params.snr_threshold, &mut emission);
            let ellipses = find_ellipses(&emission, rows, cols, params.min_area, &mut regions);
            if !ellipses.is_empty() {
                showers.push((int, g, ellipses));
            }
        }
    }

    let mut total = 0;
    for (int, g, ellipses) in &showers {
        total += ellipses.len();
        let last = (g + params.groups_masked_after + 1).min(ngroups);
        for e in ellipses {
            let (c_radius, r_radius) = expanded_half_axes(e, params.expand_ratio, params.max_extended_width);
            draw_ellipse(e.col, e.row, 2.0 * c_radius, 2.0 * r_radius, e.angle, rows, cols, |r, c| {
                // stcal zeroes a pixel of its drawn ellipse once it meets SATURATED, for the
                // rest of the groups it flags.
                for fg in *g..last {
                    let flags = &mut work[(int * ngroups + fg) * plane + r * cols + c];
                    if *flags & SAT != 0 {
                        break;
                    }
                    *flags |= JUMP;
                }
            });
        }
    }

    restore_large_changes(data, gain, &input, &mut work, shape, params.max_shower_amplitude);
    groupdq.copy_from_slice(&work);
    Ok(total)
}

/// numpy `nanmedian` of float32 values (NaN already removed): the float32 mean of the middle
/// pair; NaN when empty.
fn nan_median_f32(values: &mut [f32]) -> f32 {
    let n = values.len();
    if n == 0 {
        return f32::NAN;
    }
    values.sort_unstable_by(|a, b| a.total_cmp(b));
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// stcal `convolve_fast` followed by `> threshold`: NaN-aware ring smoothing where invalid
/// pixels count 0 in the sum and are left out of the normaliser, the area outside the image
/// counts as valid with value 0, and invalid pixels (or a normaliser that is practically zero)
/// never pass. The weights are equal, so the smoothed value is the sum over valid taps divided
/// by their number.
///
/// Sums go row by row: each distinct run of the ring is summed along every row once (a loop
/// over pixels, which the compiler vectorises), then a pixel adds its runs' row sums. stcal's
/// FFT convolution rounds differently anyway; only values within ~1e-15 of the threshold can
/// come out on the other side.
struct RingSmoother {
    half: usize,
    /// Distinct `(dx_first, dx_last)` runs, and for each tap row `(dy, run index)`.
    spans: Vec<(isize, isize)>,
    rows_of: Vec<(isize, usize)>,
    min_valid_taps: f64,
    /// Row sums of values and of valid flags for the last `2·half + 1` padded rows, by
    /// `(padded row mod window, span, column)`.
    values: Vec<f64>,
    valid: Vec<f64>,
}

impl RingSmoother {
    fn new(ring: &Ring) -> RingSmoother {
        let mut spans: Vec<(isize, isize)> = Vec::new();
        let mut rows_of = Vec::new();
        for &(dy, a, b) in &ring.runs {
            let k = spans.iter().position(|&s| s == (a, b)).unwrap_or_else(|| {
                spans.push((a, b));
                spans.len() - 1
            });
            rows_of.push((dy, k));
        }
        RingSmoother { half: ring.half, spans, rows_of, min_valid_taps: ring.min_valid_taps, values: Vec::new(), valid: Vec::new() }
    }

    /// Row sums of padded row `q` of `padded_values`/`padded_valid` (`half` rows and columns
    /// of border: zeros, valid).
    fn fill_row(&mut self, q: usize, padded_values: &[f64], padded_valid: &[f64], cols: usize) {
        let (h, window) = (self.half, 2 * self.half + 1);
        let (nspans, width) = (self.spans.len(), cols + 2 * self.half);
        let row = &padded_values[q * width..(q + 1) * width];
        let row_valid = &padded_valid[q * width..(q + 1) * width];
        for (k, &(a, b)) in self.spans.iter().enumerate() {
            let base = ((q % window) * nspans + k) * cols;
            let (out_v, out_g) = (&mut self.values[base..base + cols], &mut self.valid[base..base + cols]);
            out_v.fill(0.0);
            out_g.fill(0.0);
            for dx in a..=b {
                let start = (h as isize + dx) as usize;
                for ((v, g), (&x, &y)) in out_v.iter_mut().zip(out_g.iter_mut()).zip(row[start..start + cols].iter().zip(&row_valid[start..start + cols])) {
                    *v += x;
                    *g += y;
                }
            }
        }
    }

    fn threshold(&mut self, values: &[f64], good: &[bool], rows: usize, cols: usize, threshold: f64, out: &mut [bool]) {
        let (h, window) = (self.half, 2 * self.half + 1);
        let nspans = self.spans.len();
        self.values.resize(window * nspans * cols, 0.0);
        self.valid.resize(window * nspans * cols, 0.0);
        let width = cols + 2 * h;
        let mut padded_values = vec![0f64; (rows + 2 * h) * width];
        let mut padded_valid = vec![1f64; (rows + 2 * h) * width];
        for r in 0..rows {
            let q = (r + h) * width + h;
            padded_values[q..q + cols].copy_from_slice(&values[r * cols..(r + 1) * cols]);
            for (v, &g) in padded_valid[q..q + cols].iter_mut().zip(&good[r * cols..(r + 1) * cols]) {
                *v = if g { 1.0 } else { 0.0 };
            }
        }
        for q in 0..2 * h {
            self.fill_row(q, &padded_values, &padded_valid, cols);
        }
        let (mut sum, mut count) = (vec![0f64; cols], vec![0f64; cols]);
        for r in 0..rows {
            self.fill_row(r + 2 * h, &padded_values, &padded_valid, cols);
            sum.fill(0.0);
            count.fill(0.0);
            for &(dy, k) in &self.rows_of {
                let q = (r as isize + h as isize + dy) as usize;
                let base = ((q % window) * nspans + k) * cols;
                for c in 0..cols {
                    sum[c] += self.values[base + c];
                    count[c] += self.valid[base + c];
                }
            }
            for c in 0..cols {
                let p = r * cols + c;
                out[p] = good[p] && count[c] > self.min_valid_taps && sum[c] / count[c] > threshold;
            }
        }
    }
}

/// stcal `max_flux_showers`: per integration and pixel, the mean first difference (float32,
/// groups with DNU, SAT or JUMP left out) with the pre-shower flags and with the new ones; where
/// they differ by more than `max_amplitude`, or either is NaN, the pre-shower flags come back.
fn restore_large_changes(data: &[f32], gain: &[f32], before: &[u8], after: &mut [u8], shape: RampShape, max_amplitude: f64) {
    let RampShape { nints, ngroups, .. } = shape;
    let plane = shape.plane_len();
    let bad = DNU | SAT | JUMP;
    let mean_diff = |flags: &[u8], int: usize, p: usize| -> f32 {
        let (mut total, mut count) = (0f32, 0u32);
        let value = |g: usize| {
            let i = (int * ngroups + g) * plane + p;
            if flags[i] & bad != 0 {
                f32::NAN
            } else {
                data[i] * gain[p]
            }
        };
        for g in 1..ngroups {
            let d = value(g) - value(g - 1);
            if !d.is_nan() {
                total += d;
                count += 1;
            }
        }
        (total as f64 / count as f64) as f32
    };
    for int in 0..nints {
        for p in 0..plane {
            let change = (mean_diff(before, int, p) - mean_diff(after, int, p)).abs();
            // numpy 2 compares a float32 array with a Python float in float32.
            if !change.is_finite() || change > max_amplitude as f32 {
                for g in 0..ngroups {
                    let i = (int * ngroups + g) * plane + p;
                    after[i] = before[i];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Params = Params {
        snr_threshold: 1.2,
        min_area: 90.0,
        inner_radius: 1.0,
        ring_width: 2.6,
        expand_ratio: 1.1,
        max_extended_width: 400.0,
        groups_masked_after: 1,
        max_shower_amplitude: 6.0 * 2.775,
        nframes: 1,
    };

    #[test]
    fn the_default_ring_has_36_taps_in_a_9x9_square() {
        let ring = Ring::new(1.0, 2.6);
        assert_eq!(ring.half, 4);
        assert_eq!(ring.taps(), 36);
        // Row dy = 0 skips the centre: two runs; |dy| = 3 spans dx −1..1.
        assert!(ring.runs.contains(&(0, -3, -1)) && ring.runs.contains(&(0, 1, 3)));
        assert!(ring.runs.contains(&(3, -1, 1)) && ring.runs.contains(&(-2, -2, 2)));
        assert_eq!(ring.runs.len(), 8);
    }

    /// 1 integration of `ngroups` groups, flat 10 e/group ramps (gain 1, readnoise 1) plus a
    /// faint shower: +`amplitude` per pixel within `radius` of (row, col) from group `g` on.
    fn exposure(ngroups: usize, rows: usize, cols: usize, shower: Option<(usize, f64, f64, f64, f32)>) -> (Vec<f32>, RampShape) {
        let shape = RampShape::new(1, ngroups, rows, cols);
        let plane = rows * cols;
        let mut data = vec![0f32; shape.cube_len()];
        for g in 0..ngroups {
            for p in 0..plane {
                // Small deterministic jitter so the median difference is 10 and sigma ≈ 3.3.
                let jitter = ((p * 7 + g * 13) % 5) as f32 - 2.0;
                data[g * plane + p] = 10.0 * g as f32 + jitter;
                if let Some((sg, row, col, radius, amplitude)) = shower {
                    let (r, c) = ((p / cols) as f64, (p % cols) as f64);
                    if g >= sg && (r - row).powi(2) + (c - col).powi(2) <= radius * radius {
                        data[g * plane + p] += amplitude;
                    }
                }
            }
        }
        (data, shape)
    }

    fn run(data: &[f32], gdq: &mut [u8], pixeldq: &[u32], shape: RampShape, params: &Params) -> usize {
        let plane = shape.plane_len();
        flag(data, gdq, pixeldq, &vec![1.0; plane], &vec![1.0; plane], shape, params).unwrap()
    }

    #[test]
    fn a_faint_extended_shower_is_flagged_in_its_group_and_the_next() {
        let (data, shape) = exposure(12, 60, 60, Some((5, 30.0, 30.0, 9.0, 12.0)));
        let mut gdq = vec![0u8; shape.cube_len()];
        let params = Params { max_shower_amplitude: 1e9, ..DEFAULTS };
        assert_eq!(run(&data, &mut gdq, &[0; 3600], shape, &params), 1);
        let at = |g: usize, r: usize, c: usize| gdq[(g * 60 + r) * 60 + c];
        // Expanded by 1.1 around the ~radius-9 area, in groups 5 and 6 only.
        assert_eq!(at(5, 30, 30), JUMP);
        assert_eq!(at(6, 30, 39), JUMP);
        assert_eq!(at(4, 30, 30), 0);
        assert_eq!(at(7, 30, 30), 0);
        assert_eq!(at(5, 30, 50), 0);
    }

    #[test]
    fn flags_that_change_the_mean_difference_too_much_are_undone() {
        let (data, shape) = exposure(12, 60, 60, Some((5, 30.0, 30.0, 9.0, 30.0)));
        let mut gdq = vec![0u8; shape.cube_len()];
        // Leaving out the 30 e step lowers the mean difference by ~2.7 e/group: above a 1 e limit.
        assert_eq!(run(&data, &mut gdq, &[0; 3600], shape, &Params { max_shower_amplitude: 1.0, ..DEFAULTS }), 1);
        assert_eq!(gdq[(5 * 60 + 30) * 60 + 30], 0);
    }

    #[test]
    fn too_few_differences_small_areas_and_flagged_pixels() {
        // 1 × 10 groups = 9 differences < 10: nothing.
        let (data, shape) = exposure(10, 60, 60, Some((5, 30.0, 30.0, 9.0, 12.0)));
        let mut gdq = vec![0u8; shape.cube_len()];
        assert_eq!(run(&data, &mut gdq, &[0; 3600], shape, &DEFAULTS), 0);
        assert!(gdq.iter().all(|&f| f == 0));
        // A 5-pixel patch stays below 90 pixels after the ring smoothing.
        let (data, shape) = exposure(12, 60, 60, Some((5, 30.0, 30.0, 1.0, 12.0)));
        let mut gdq = vec![0u8; shape.cube_len()];
        assert_eq!(run(&data, &mut gdq, &[0; 3600], shape, &DEFAULTS), 0);
        // Flagged (JUMP) pixels are left out of the search: a shower entirely flagged is not found.
        let (data, shape) = exposure(12, 60, 60, Some((5, 30.0, 30.0, 9.0, 12.0)));
        let mut gdq = vec![0u8; shape.cube_len()];
        for r in 15..46 {
            for c in 15..46 {
                gdq[(5 * 60 + r) * 60 + c] = JUMP | 32;
            }
        }
        assert_eq!(run(&data, &mut gdq, &[0; 3600], shape, &Params { max_shower_amplitude: 1e9, ..DEFAULTS }), 0);
    }

    #[test]
    fn reference_pixels_are_masked_then_restored() {
        let (data, shape) = exposure(12, 60, 60, Some((5, 30.0, 30.0, 9.0, 12.0)));
        let mut pixeldq = vec![0u32; 3600];
        for r in 0..60 {
            pixeldq[r * 60] = dq::REFERENCE_PIXEL;
        }
        let mut gdq = vec![0u8; shape.cube_len()];
        assert_eq!(run(&data, &mut gdq, &pixeldq, shape, &Params { max_shower_amplitude: 1e9, ..DEFAULTS }), 1);
        assert!((0..12 * 60).all(|i| gdq[i * 60] == 0));
    }

    #[test]
    fn bad_parameters() {
        let (data, shape) = exposure(12, 10, 10, None);
        let mut gdq = vec![0u8; shape.cube_len()];
        let bad = Params { ring_width: 0.0, ..DEFAULTS };
        assert!(matches!(flag(&data, &mut gdq, &[0; 100], &[1.0; 100], &[1.0; 100], shape, &bad), Err(KernelError::InvalidParameter { argument: "ring_width", .. })));
        let bad = Params { nframes: 0, ..DEFAULTS };
        assert!(matches!(flag(&data, &mut gdq, &[0; 100], &[1.0; 100], &[1.0; 100], shape, &bad), Err(KernelError::InvalidParameter { argument: "nframes", .. })));
        assert!(matches!(flag(&data, &mut gdq, &[0; 99], &[1.0; 100], &[1.0; 100], shape, &DEFAULTS), Err(KernelError::ShapeMismatch { argument: "pixeldq", .. })));
    }
}
