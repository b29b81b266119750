//! `jump`: two-point difference jump detection (spec/steps/jump.md §3-§6), as stcal's
//! `detect_jumps_data` does it with a single slice. Snowballs, showers and the sigma-clipping
//! path are not here.
//!
//! Precision follows stcal under numpy 2: electrons are float32 (`data · gain`), differences are
//! float32 subtractions promoted to float64 (they are divided by the float64 `dt_group = [1]`),
//! medians and sigmas are float64, and the iterative ratios go through a float32 `e_jump`.

use crate::dq;
use crate::error::KernelError;
use crate::tile::RampShape;

const JUMP: u8 = dq::JUMP_DET as u8;
const DNU: u8 = dq::DO_NOT_USE as u8;
const SAT: u8 = dq::SATURATED as u8;

/// Which detector runs; chosen by the caller from whole-frame group counts (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Too few usable groups: only the gain flags and the JUMP clean-up (stcal returns early).
    Skip,
    /// `min_usable_diffs >= min_diffs_single_pass`: one pass at the normal threshold.
    SinglePass,
    /// Clip the largest difference and re-test, pixel by pixel.
    Iterative,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub mode: Mode,
    pub rejection_threshold: f64,
    pub three_group_threshold: f64,
    pub four_group_threshold: f64,
    pub flag_4_neighbors: bool,
    pub min_jump_to_flag_neighbors: f64,
    pub max_jump_to_flag_neighbors: f64,
    pub nframes: usize,
    /// `(e, n)` pairs: jumps of at least `e` electrons flag the next `n` groups (n = 0: off).
    /// `e` is stcal's float32 `dn · nanmedian(gain)` of the whole frame.
    pub after_jump: [(f64, usize); 2],
}

/// Rows of context each band needs so that banded runs equal a whole run.
pub fn halo_rows(params: &Params) -> usize {
    usize::from(params.flag_4_neighbors && params.mode != Mode::Skip)
}

/// Jump detection on one tile, in place.
///
/// - `data` (nints, ngroups, rows, cols) in DN is only read; `gain` (e/DN) and `readnoise`
///   (CDS DN) are `(rows, cols)`.
/// - `pixeldq` gets NO_GAIN_VALUE|DO_NOT_USE where gain <= 0 or NaN.
/// - `crs` (rows, cols) receives per pixel the number of JUMP groups after detection and before
///   neighbour flagging (stcal's primary CR count, which includes JUMP flags already present).
#[allow(clippy::too_many_arguments)]
pub fn detect(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    gain: &[f32],
    readnoise: &[f32],
    crs: &mut [u32],
    shape: RampShape,
    params: &Params,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("gain", gain.len())?;
    shape.expect_plane("readnoise", readnoise.len())?;
    shape.expect_plane("crs", crs.len())?;
    check_params(params)?;

    for (flags, &g) in pixeldq.iter_mut().zip(gain) {
        if g.is_nan() || g <= 0.0 {
            *flags |= dq::NO_GAIN_VALUE | dq::DO_NOT_USE;
        }
    }
    crs.fill(0);
    if params.mode != Mode::Skip {
        let diffs = Diffs { data, gain, shape };
        let npix = shape.plane_len();
        // The unclipped median and sigma only matter where a pixel has JUMP (neighbour seeds,
        // after-jump flagging), so the iterative path computes them only there.
        let mut median = vec![f64::NAN; npix];
        let mut sigma = vec![f64::NAN; npix];
        let mut known = vec![false; npix];
        let mut scratch = Scratch::new(shape);
        for p in 0..npix {
            diffs.pixel(groupdq, p, &mut scratch.d);
            let rn2 = rn_squared(readnoise[p], gain[p]) / params.nframes as f64;
            if params.mode == Mode::SinglePass {
                (median[p], sigma[p]) = unclipped(&scratch.d, rn2, &mut scratch.sorted);
                known[p] = true;
                single_pass(groupdq, p, median[p], sigma[p], &scratch.d, shape, params);
            } else {
                iterative(groupdq, p, rn2, &mut scratch, shape, params);
            }
            crs[p] = (0..shape.nints * shape.ngroups)
                .filter(|&ig| groupdq[ig * npix + p] & JUMP != 0)
                .count() as u32;
            if !known[p] && crs[p] > 0 {
                diffs.pixel(groupdq, p, &mut scratch.d);
                (median[p], sigma[p]) = unclipped(&scratch.d, rn2, &mut scratch.sorted);
                known[p] = true;
            }
        }
        if params.flag_4_neighbors {
            flag_neighbours(groupdq, &diffs, &median, &sigma, params);
        }
        if params.after_jump.iter().any(|&(_, n)| n > 0) {
            after_jump(groupdq, &diffs, &median, &known, &mut scratch, params);
        }
    }
    // A JUMP next to DO_NOT_USE or SATURATED carries no information: stcal clears it.
    for flags in groupdq.iter_mut() {
        if *flags & (JUMP | DNU) == JUMP | DNU {
            *flags ^= JUMP;
        }
        if *flags & (JUMP | SAT) == JUMP | SAT {
            *flags ^= JUMP;
        }
    }
    Ok(())
}

fn check_params(params: &Params) -> Result<(), KernelError> {
    let thresholds = [
        ("rejection_threshold", params.rejection_threshold),
        ("three_group_rejection_threshold", params.three_group_threshold),
        ("four_group_rejection_threshold", params.four_group_threshold),
    ];
    for (argument, value) in thresholds {
        if value.is_nan() || value < 0.0 {
            return Err(KernelError::InvalidParameter { argument, reason: format!("must be >= 0, got {value}") });
        }
    }
    if params.nframes == 0 {
        return Err(KernelError::InvalidParameter { argument: "nframes", reason: "must be >= 1".into() });
    }
    Ok(())
}

/// stcal's `(readnoise · gain)²` in float32, promoted to float64.
fn rn_squared(readnoise: f32, gain: f32) -> f64 {
    let rn_e = readnoise * gain;
    f64::from(rn_e * rn_e)
}

/// stcal's `median_diffs` and `sigma` of one pixel (signed differences, no clipping).
fn unclipped(d: &[f64], rn2: f64, sorted: &mut Vec<f64>) -> (f64, f64) {
    let median = nan_median(d, sorted);
    (median, nan_if_zero((median.abs() + rn2).sqrt()))
}

fn nan_if_zero(sigma: f64) -> f64 {
    if sigma == 0.0 {
        f64::NAN
    } else {
        sigma
    }
}

/// First differences of one pixel, recomputed from the ramp when needed.
struct Diffs<'a> {
    data: &'a [f32],
    gain: &'a [f32],
    shape: RampShape,
}

impl Diffs<'_> {
    /// `out[i·(ngroups−1) + k]` = electrons of group k+1 minus group k, NaN where either group
    /// has DO_NOT_USE or SATURATED. Those flags never change here, so recomputing is stable.
    fn pixel(&self, groupdq: &[u8], p: usize, out: &mut Vec<f64>) {
        let RampShape { nints, ngroups, .. } = self.shape;
        let npix = self.shape.plane_len();
        let g = self.gain[p];
        let electrons = |ig: usize| {
            let index = ig * npix + p;
            if groupdq[index] & (DNU | SAT) != 0 {
                f32::NAN
            } else {
                self.data[index] * g
            }
        };
        out.clear();
        for i in 0..nints {
            let mut previous = electrons(i * ngroups);
            for k in 1..ngroups {
                let current = electrons(i * ngroups + k);
                out.push(f64::from(current - previous));
                previous = current;
            }
        }
    }
}

struct Scratch {
    d: Vec<f64>,
    sorted: Vec<f64>,
    ratio: Vec<f64>,
}

impl Scratch {
    fn new(shape: RampShape) -> Self {
        let n = shape.nints * (shape.ngroups - 1);
        Scratch { d: Vec::with_capacity(n), sorted: Vec::with_capacity(n), ratio: vec![0.0; n] }
    }
}

/// numpy `nanmedian` in float64: the mean of the two middle values for an even count.
fn nan_median(values: &[f64], sorted: &mut Vec<f64>) -> f64 {
    sorted.clear();
    sorted.extend(values.iter().copied().filter(|v| !v.is_nan()));
    median_of(sorted)
}

/// Median of NaN-free values. Ramps have few differences: a plain insertion sort beats the
/// generic sort and selection of `std` there, which dominated the run time.
fn median_of(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let upper = if n <= 32 {
        for i in 1..n {
            let x = values[i];
            let mut j = i;
            while j > 0 && values[j - 1] > x {
                values[j] = values[j - 1];
                j -= 1;
            }
            values[j] = x;
        }
        values[n / 2]
    } else {
        *values.select_nth_unstable_by(n / 2, |a, b| a.partial_cmp(b).unwrap()).1
    };
    if n % 2 == 1 {
        upper
    } else {
        let lower = values[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// stcal `calc_med_first_diffs` for one pixel: with U >= 4 usable values every copy of the
/// maximum is dropped before the median, with 3 the plain median, with 2 the minimum.
fn clipped_median(values: &[f64], sorted: &mut Vec<f64>) -> f64 {
    sorted.clear();
    sorted.extend(values.iter().copied().filter(|v| !v.is_nan()));
    match sorted.len() {
        0 | 1 => f64::NAN,
        2 => sorted[0].min(sorted[1]),
        3 => median_of(sorted),
        _ => {
            let max = sorted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            sorted.retain(|&v| v != max);
            median_of(sorted)
        }
    }
}

fn single_pass(groupdq: &mut [u8], p: usize, median: f64, sigma: f64, d: &[f64], shape: RampShape, params: &Params) {
    let npix = shape.plane_len();
    let ndiff = shape.ngroups - 1;
    for i in 0..shape.nints {
        for k in 0..ndiff {
            let value = d[i * ndiff + k];
            if value.is_finite() && (value - median).abs() / sigma > params.rejection_threshold {
                groupdq[(i * shape.ngroups + k + 1) * npix + p] |= JUMP;
            }
        }
    }
}

/// stcal `iterative_jump` for one pixel. The first pass uses the float64 clipped median; later
/// passes store it in stcal's float32 `median_diffs_iter` first.
fn iterative(groupdq: &mut [u8], p: usize, rn2: f64, scratch: &mut Scratch, shape: RampShape, params: &Params) {
    let npix = shape.plane_len();
    let ndiff = shape.ngroups - 1;
    let ndiffs = ndiff * shape.nints;
    let Scratch { d: a, sorted, ratio } = scratch;
    for v in a.iter_mut() {
        *v = v.abs();
    }
    for pass in 0..ndiffs {
        let mut m = clipped_median(a, sorted);
        if pass > 0 {
            m = f64::from(m as f32);
        }
        let s = nan_if_zero((m.abs() + rn2).sqrt());
        for (r, &v) in ratio.iter_mut().zip(a.iter()) {
            *r = f64::from(((v - m) as f32).abs()) / s;
        }
        let usable = a.iter().filter(|v| !v.is_nan()).count();
        let threshold = match usable {
            // NaN: nothing exceeds it.
            0 | 1 => f64::NAN,
            2 => params.three_group_threshold,
            3 => params.four_group_threshold,
            _ => params.rejection_threshold,
        };
        let nan_max = |values: &[f64]| values.iter().copied().filter(|v| !v.is_nan()).fold(f64::NAN, f64::max);
        let overall = nan_max(ratio);
        let mut found = false;
        for i in 0..shape.nints {
            let row = &ratio[i * ndiff..(i + 1) * ndiff];
            // NaN > threshold is false: an all-NaN integration is never a candidate.
            let candidate = nan_max(row) > threshold;
            if !candidate {
                continue;
            }
            for k in 0..ndiff {
                if row[k] == overall {
                    groupdq[(i * shape.ngroups + k + 1) * npix + p] |= JUMP;
                    a[i * ndiff + k] = f64::NAN;
                    found = true;
                }
            }
        }
        if !found {
            break;
        }
    }
}

/// stcal `flag_four_neighbors`: seeds are JUMP groups whose unclipped ratio lies strictly
/// between the two limits; their 4 neighbours get JUMP unless SATURATED or DO_NOT_USE.
fn flag_neighbours(groupdq: &mut [u8], diffs: &Diffs, median: &[f64], sigma: &[f64], params: &Params) {
    let shape = diffs.shape;
    let npix = shape.plane_len();
    let (rows, cols) = (shape.rows, shape.cols);
    // All seeds of a plane are found before any flag is set; CRs are sparse, so keep a list.
    let mut seeds = Vec::new();
    for i in 0..shape.nints {
        for k in 1..shape.ngroups {
            let plane = (i * shape.ngroups + k) * npix;
            let previous = plane - npix;
            seeds.clear();
            for p in 0..npix {
                if groupdq[plane + p] & JUMP == 0 {
                    continue;
                }
                let electrons = |index: usize| {
                    if groupdq[index] & (DNU | SAT) != 0 {
                        f32::NAN
                    } else {
                        diffs.data[index] * diffs.gain[p]
                    }
                };
                let d = f64::from(electrons(plane + p) - electrons(previous + p));
                let r = (d - median[p]).abs() / sigma[p];
                if r < params.max_jump_to_flag_neighbors && r > params.min_jump_to_flag_neighbors {
                    seeds.push(p);
                }
            }
            for &p in &seeds {
                let (y, x) = (p / cols, p % cols);
                let neighbours = [
                    (y > 0).then(|| p - cols),
                    (y + 1 < rows).then(|| p + cols),
                    (x > 0).then(|| p - 1),
                    (x + 1 < cols).then(|| p + 1),
                ];
                for q in neighbours.into_iter().flatten() {
                    let flags = &mut groupdq[plane + q];
                    if *flags & (SAT | DNU) == 0 {
                        *flags |= JUMP;
                    }
                }
            }
        }
    }
}

/// stcal `transient_jumps`: a JUMP group g whose difference exceeds the unclipped median by at
/// least `e` flags groups g+1..g+n (within the integration) that lack SATURATED/DO_NOT_USE.
/// Pixels without a known median got JUMP only from neighbours, if at all.
fn after_jump(groupdq: &mut [u8], diffs: &Diffs, median: &[f64], known: &[bool], scratch: &mut Scratch, params: &Params) {
    let shape = diffs.shape;
    let npix = shape.plane_len();
    let ndiff = shape.ngroups - 1;
    let mut marks = vec![false; shape.ngroups];
    let Scratch { d, sorted, .. } = scratch;
    for p in 0..npix {
        if !known[p] && (0..shape.nints * shape.ngroups).all(|ig| groupdq[ig * npix + p] & JUMP == 0) {
            continue;
        }
        diffs.pixel(groupdq, p, d);
        let median = if known[p] { median[p] } else { nan_median(d, sorted) };
        for i in 0..shape.nints {
            let index = |g: usize| (i * shape.ngroups + g) * npix + p;
            let mut until = 0usize;
            marks.fill(false);
            for g in 1..shape.ngroups {
                if groupdq[index(g)] & JUMP != 0 {
                    let excess = d[i * ndiff + g - 1] - median;
                    for &(e, n) in &params.after_jump {
                        if excess >= e {
                            until = until.max(g + n);
                            marks[g] = true;
                        }
                    }
                }
                if g <= until {
                    marks[g] = true;
                }
            }
            for (g, &mark) in marks.iter().enumerate() {
                let flags = &mut groupdq[index(g)];
                if mark && *flags & (SAT | DNU) == 0 {
                    *flags |= JUMP;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(mode: Mode) -> Params {
        Params {
            mode,
            rejection_threshold: 4.0,
            three_group_threshold: 6.0,
            four_group_threshold: 5.0,
            flag_4_neighbors: true,
            min_jump_to_flag_neighbors: 10.0,
            max_jump_to_flag_neighbors: 1000.0,
            nframes: 1,
            after_jump: [(0.0, 0), (0.0, 0)],
        }
    }

    /// Spec §10 setup: 3×3 image, background ramps 10 e/group, gain 1, readnoise 10, one
    /// integration; `centre` is the ramp of the middle pixel. Returns groupdq and crs.
    fn run3x3(centre: &[f32], params: &Params) -> (Vec<u8>, Vec<u32>) {
        let ngroups = centre.len();
        let shape = RampShape::new(1, ngroups, 3, 3);
        let mut data = vec![0f32; shape.cube_len()];
        for g in 0..ngroups {
            for p in 0..9 {
                data[g * 9 + p] = if p == 4 { centre[g] } else { 10.0 * g as f32 };
            }
        }
        let mut groupdq = vec![0u8; shape.cube_len()];
        let mut crs = vec![0u32; 9];
        detect(&data, &mut groupdq, &mut [0; 9], &[1.0; 9], &[10.0; 9], &mut crs, shape, params).unwrap();
        (groupdq, crs)
    }

    fn jump_groups(groupdq: &[u8], p: usize) -> Vec<usize> {
        groupdq.chunks(9).enumerate().filter(|(_, plane)| plane[p] & JUMP != 0).map(|(g, _)| g).collect()
    }

    /// CASE §10: one CR of ratio 9.4 at group 3; below the neighbour limit of 10 sigma.
    #[test]
    fn single_cr_below_neighbour_limit() {
        let (groupdq, crs) = run3x3(&[0.0, 10.0, 22.0, 132.0, 141.0, 152.0], &defaults(Mode::Iterative));
        assert_eq!(jump_groups(&groupdq, 4), [3]);
        for p in [0, 1, 2, 3, 5, 6, 7, 8] {
            assert!(jump_groups(&groupdq, p).is_empty(), "pixel {p}");
        }
        assert_eq!(crs.iter().sum::<u32>(), 1);
    }

    /// CASE §10: a 199 e jump (18.9 sigma) also flags the 4 neighbours in group 3, not corners.
    #[test]
    fn big_cr_flags_four_neighbours() {
        let (groupdq, crs) = run3x3(&[0.0, 10.0, 22.0, 232.0, 241.0, 252.0], &defaults(Mode::Iterative));
        for p in [1, 3, 4, 5, 7] {
            assert_eq!(jump_groups(&groupdq, p), [3], "pixel {p}");
        }
        for p in [0, 2, 6, 8] {
            assert!(jump_groups(&groupdq, p).is_empty(), "corner {p}");
        }
        assert_eq!(crs.iter().sum::<u32>(), 1, "neighbours are not primary CRs");
        let params = Params { flag_4_neighbors: false, ..defaults(Mode::Iterative) };
        let (groupdq, _) = run3x3(&[0.0, 10.0, 22.0, 232.0, 241.0, 252.0], &params);
        assert!(jump_groups(&groupdq, 1).is_empty());
    }

    /// CASE §10: three groups use the 6-sigma threshold (ratio 5.72 no, 6.67 yes).
    #[test]
    fn three_group_threshold() {
        let (groupdq, _) = run3x3(&[0.0, 10.0, 80.0], &defaults(Mode::Iterative));
        assert!(jump_groups(&groupdq, 4).is_empty());
        let (groupdq, _) = run3x3(&[0.0, 10.0, 90.0], &defaults(Mode::Iterative));
        assert_eq!(jump_groups(&groupdq, 4), [2]);
    }

    /// CASE: four groups (3 diffs) use the 5-sigma threshold on the plain median.
    #[test]
    fn four_group_threshold() {
        // d = [10, 12, 70]: median 12, s = sqrt(112) = 10.58; ratio 58/10.58 = 5.48 > 5.
        let (groupdq, _) = run3x3(&[0.0, 10.0, 22.0, 92.0], &defaults(Mode::Iterative));
        assert_eq!(jump_groups(&groupdq, 4), [3]);
        // d = [10, 12, 60]: ratio 48/10.58 = 4.54 < 5 though > 4.
        let (groupdq, _) = run3x3(&[0.0, 10.0, 22.0, 82.0], &defaults(Mode::Iterative));
        assert!(jump_groups(&groupdq, 4).is_empty());
    }

    /// CASE: two CRs, one of them in the last group, are both found by iterating.
    #[test]
    fn two_crs_including_last_group() {
        let ramp = [0.0, 10.0, 20.0, 230.0, 240.0, 250.0, 260.0, 570.0];
        let params = Params { flag_4_neighbors: false, ..defaults(Mode::Iterative) };
        let (groupdq, crs) = run3x3(&ramp, &params);
        assert_eq!(jump_groups(&groupdq, 4), [3, 7]);
        assert_eq!(crs[4], 2);
    }

    /// CASE: single pass flags every difference beyond 4 sigma of the unclipped median.
    #[test]
    fn single_pass_mode() {
        let mut ramp: Vec<f32> = (0..12).map(|g| 10.0 * g as f32).collect();
        for v in &mut ramp[5..] {
            *v += 300.0;
        }
        let params = Params { flag_4_neighbors: false, ..defaults(Mode::SinglePass) };
        let (groupdq, _) = run3x3(&ramp, &params);
        assert_eq!(jump_groups(&groupdq, 4), [5]);
    }

    /// CASE: after-jump flagging marks the next n groups when the jump is at least e.
    #[test]
    fn after_jump_window() {
        let ramp = [0.0, 10.0, 20.0, 230.0, 240.0, 250.0, 260.0, 270.0];
        let base = Params { flag_4_neighbors: false, ..defaults(Mode::Iterative) };
        let params = Params { after_jump: [(100.0, 2), (0.0, 0)], ..base };
        assert_eq!(jump_groups(&run3x3(&ramp, &params).0, 4), [3, 4, 5]);
        let params = Params { after_jump: [(500.0, 2), (150.0, 10)], ..base };
        assert_eq!(jump_groups(&run3x3(&ramp, &params).0, 4), [3, 4, 5, 6, 7]);
        let params = Params { after_jump: [(500.0, 2), (0.0, 0)], ..base };
        assert_eq!(jump_groups(&run3x3(&ramp, &params).0, 4), [3]);
    }

    /// CASE: saturated, all-NaN and zero-sigma ramps are never flagged; bad gain sets pixeldq.
    #[test]
    fn saturated_nan_and_bad_gain() {
        let shape = RampShape::new(1, 5, 1, 3);
        let mut data = vec![0f32; 15];
        for g in 0..5 {
            data[g * 3] = [0.0, 10.0, 500.0, 510.0, 520.0][g];
            data[g * 3 + 1] = f32::NAN;
            data[g * 3 + 2] = [0.0, 10.0, 500.0, 510.0, 520.0][g];
        }
        let mut groupdq = vec![0u8; 15];
        for g in 0..5 {
            groupdq[g * 3] = SAT;
        }
        let mut pixeldq = [0u32; 3];
        let mut crs = [0u32; 3];
        let params = Params { flag_4_neighbors: false, ..defaults(Mode::Iterative) };
        detect(&data, &mut groupdq, &mut pixeldq, &[1.0, 1.0, f32::NAN], &[10.0; 3], &mut crs, shape, &params).unwrap();
        assert!(groupdq.iter().all(|&f| f & JUMP == 0));
        assert_eq!(pixeldq, [0, 0, dq::NO_GAIN_VALUE | dq::DO_NOT_USE]);
        assert_eq!(crs, [0, 0, 0]);
    }

    /// CASE: ties at the maximum are all dropped by the clipped median and all flagged.
    #[test]
    fn ties_all_clipped() {
        assert!(clipped_median(&[5.0; 6], &mut Vec::new()).is_nan());
        assert_eq!(clipped_median(&[1.0, 9.0, 9.0, 2.0, 3.0], &mut Vec::new()), 2.0);
        assert_eq!(clipped_median(&[7.0, f64::NAN, 3.0], &mut Vec::new()), 3.0);
        let (groupdq, _) =
            run3x3(&[0.0, 10.0, 20.0, 220.0, 230.0, 430.0, 440.0, 450.0], &defaults(Mode::Iterative));
        assert_eq!(jump_groups(&groupdq, 4), [3, 5]);
    }

    /// CASE: pre-existing JUMP on DO_NOT_USE groups is cleared even when detection is skipped.
    #[test]
    fn skip_mode_cleans_up() {
        let shape = RampShape::new(1, 3, 1, 1);
        let mut groupdq = [0, JUMP | DNU, JUMP];
        let mut crs = [7];
        detect(&[0.0; 3], &mut groupdq, &mut [0], &[1.0], &[1.0], &mut crs, shape, &defaults(Mode::Skip)).unwrap();
        assert_eq!(groupdq, [0, DNU, JUMP]);
        assert_eq!(crs, [0]);
    }

    #[test]
    fn bad_input() {
        let shape = RampShape::new(1, 3, 1, 2);
        let err = detect(&[0.0; 6], &mut [0; 6], &mut [0; 2], &[1.0; 3], &[1.0; 2], &mut [0; 2], shape, &defaults(Mode::Iterative))
            .unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "gain", expected: 2, actual: 3 });
        let params = Params { nframes: 0, ..defaults(Mode::Iterative) };
        let err = detect(&[0.0; 6], &mut [0; 6], &mut [0; 2], &[1.0; 2], &[1.0; 2], &mut [0; 2], shape, &params).unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
    }
}
