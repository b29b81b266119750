//! jwst 3.0 `clean_flicker_noise` numerics (the 'fft' fit is in [`crate::nsclean`]): astropy's sigma-clipped
//! statistics, the background clipping of `clip_to_background`, the scene mask of a draft rate,
//! and the group-difference cleaning of a ramp (`do_correction` for ramp input).
//!
//! Arithmetic follows numpy's types step by step: statistics in float64 (jwst casts the image to
//! float64 before clipping), with numpy's pairwise sums and exact order statistics; the image,
//! the background median and the stripe medians in float32 (numpy's float32 median is the
//! float32 sum of the two middle values halved), so that identical masks give identical pixels.

use crate::error::{expect_len, KernelError};
use crate::refpix::pairwise_sum;

/// astropy `sigma_clipped_stats` (sigma 3, at most 5 iterations, median centre, ddof 0) results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClippedStats {
    pub mean: f64,
    pub median: f64,
    pub std: f64,
}

/// numpy's median of float64 values (reordered in place); NaN when empty.
pub fn median_f64(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (_, &mut hi, _) = values.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b));
    if n % 2 == 1 {
        return hi;
    }
    let lo = values[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo + hi) / 2.0
}

/// numpy's (and numpy.ma's) median of float32 values: the two middle values summed in float32,
/// then halved; NaN when empty.
pub fn median_f32(values: &mut [f32]) -> f32 {
    let n = values.len();
    if n == 0 {
        return f32::NAN;
    }
    let (_, &mut hi, _) = values.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b));
    if n % 2 == 1 {
        return hi;
    }
    let lo = values[..n / 2].iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (lo + hi) / 2.0
}

/// numpy `nanstd` (ddof 0) of NaN-free values: pairwise mean, then the pairwise sum of squared
/// deviations over the count.
fn std_f64(values: &[f64], scratch: &mut Vec<f64>) -> f64 {
    let n = values.len() as f64;
    let mean = pairwise_sum(values) / n;
    scratch.clear();
    scratch.extend(values.iter().map(|&v| (v - mean) * (v - mean)));
    (pairwise_sum(scratch) / n).sqrt()
}

/// astropy `sigma_clipped_stats(values, sigma=3)`: the non-finite values are dropped, then at
/// most 5 rounds keep `median - 3 std <= v <= median + 3 std` of what is left, until nothing
/// changes. `values` is consumed (its order is the array's, which the pairwise sums follow).
pub fn sigma_clipped_stats(mut values: Vec<f64>, sigma: f64) -> ClippedStats {
    values.retain(|v| v.is_finite());
    let mut scratch = Vec::with_capacity(values.len());
    let mut sorted = Vec::with_capacity(values.len());
    for _ in 0..5 {
        sorted.clear();
        sorted.extend_from_slice(&values);
        let centre = median_f64(&mut sorted);
        let std = std_f64(&values, &mut scratch);
        let (low, high) = (centre - std * sigma, centre + std * sigma);
        let before = values.len();
        values.retain(|&v| v >= low && v <= high);
        if values.len() == before {
            break;
        }
    }
    if values.is_empty() {
        return ClippedStats { mean: f64::NAN, median: f64::NAN, std: f64::NAN };
    }
    sorted.clear();
    sorted.extend_from_slice(&values);
    ClippedStats {
        mean: pairwise_sum(&values) / values.len() as f64,
        median: median_f64(&mut sorted),
        std: std_f64(&values, &mut scratch),
    }
}

/// jwst `clip_to_background`: from the sigma-clipped median and standard deviation of the
/// masked pixels (or, with `lower_half_only`, of the values at or below that median mirrored
/// about it), every pixel below `centre - sigma_lower * sigma` or above `centre + sigma_upper *
/// sigma` leaves the mask. With `fit_histogram` the centre is the clipped *mean*, then centre
/// and sigma are refined by [`histogram_gaussian_fit`] when that fit succeeds. Nothing happens
/// when the mask is empty.
pub fn clip_to_background(image: &[f32], mask: &mut [bool], sigma_lower: f64, sigma_upper: f64, lower_half_only: bool, fit_histogram: bool) {
    if !mask.iter().any(|&m| m) {
        return;
    }
    let masked: Vec<f64> = image.iter().zip(mask.iter()).filter(|(_, &m)| m).map(|(&v, _)| v as f64).collect();
    let stats = sigma_clipped_stats(masked.clone(), 3.0);
    let centre_of = |stats: &ClippedStats| if fit_histogram { stats.mean } else { stats.median };
    let (mut centre, mut sigma) = (centre_of(&stats), stats.std);
    let data_for_stats = if lower_half_only {
        let lower: Vec<f64> = masked.iter().copied().filter(|&v| v <= centre).collect();
        // numpy: concatenate((x - c), (c - x)) + c, in that order.
        let mut mirrored = Vec::with_capacity(2 * lower.len());
        mirrored.extend(lower.iter().map(|&v| (v - centre) + centre));
        mirrored.extend(lower.iter().map(|&v| (centre - v) + centre));
        let stats = sigma_clipped_stats(mirrored.clone(), 3.0);
        (centre, sigma) = (centre_of(&stats), stats.std);
        mirrored
    } else {
        masked
    };
    if fit_histogram {
        if let Some(fit) = histogram_gaussian_fit(&data_for_stats, centre, sigma) {
            (centre, sigma) = (fit.mean, fit.sigma);
        }
    }
    let low = centre - sigma_lower * sigma;
    let high = centre + sigma_upper * sigma;
    for (&v, m) in image.iter().zip(mask.iter_mut()) {
        let v = v as f64;
        if v < low || v > high {
            *m = false;
        }
    }
}

/// Number of bins of jwst's histogram fit.
const HISTOGRAM_BINS: usize = 2000;

/// A Gaussian `amplitude * exp(-0.5 ((x - mean) / sigma)^2)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gaussian {
    pub amplitude: f64,
    pub mean: f64,
    pub sigma: f64,
}

impl Gaussian {
    fn at(&self, x: f64) -> f64 {
        self.amplitude * (-0.5 * ((x - self.mean) / self.sigma).powi(2)).exp()
    }
}

/// numpy `histogram(values, bins=2000, range=(first, last))`: counts of the values in
/// `[first, last]` (the last bin closed), bins from numpy's `linspace` edges, a value placed
/// by its scaled offset and then moved by one bin when the edges say so, as numpy does; and the
/// bin centres. None when the range is not finite (numpy raises).
pub fn histogram(values: &[f64], first: f64, last: f64, bins: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    if !(first.is_finite() && last.is_finite()) || first > last {
        return None;
    }
    let (first, last) = if first == last { (first - 0.5, last + 0.5) } else { (first, last) };
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|k| k as f64 * step + first).collect();
    edges[bins] = last;
    let mut counts = vec![0f64; bins];
    let norm = last - first;
    for &v in values {
        if !(v >= first && v <= last) {
            continue;
        }
        let mut index = (((v - first) / norm) * bins as f64) as usize;
        if index == bins {
            index -= 1;
        }
        if v < edges[index] {
            index -= 1;
        }
        if v >= edges[index + 1] && index != bins - 1 {
            index += 1;
        }
        counts[index] += 1.0;
    }
    let centres = (0..bins).map(|k| (edges[k + 1] + edges[k]) / 2.0).collect();
    Some((counts, centres))
}

/// jwst's histogram refinement of `clip_to_background`: a 2000-bin histogram of `values` over
/// `centre ± 4 sigma`, and the least-squares Gaussian through the counts at the bin centres,
/// started from (highest count, centre of the first highest bin, `sigma`) with the mean kept
/// within the histogram and the width within [0, its span] (scipy `curve_fit` with bounds).
/// We minimise the same sum of squares with bounded Levenberg-Marquardt steps and analytic
/// derivatives, to the optimum in float64; scipy's trust-region solver stops within its
/// tolerances (1e-8) of it. None where jwst falls back to the clip statistics (no finite
/// range) or scipy's fit would not start (no feasible start).
pub fn histogram_gaussian_fit(values: &[f64], centre: f64, sigma: f64) -> Option<Gaussian> {
    let (counts, x) = histogram(values, centre - 4.0 * sigma, centre + 4.0 * sigma, HISTOGRAM_BINS)?;
    let peak = counts.iter().enumerate().fold(0, |best, (k, &c)| if c > counts[best] { k } else { best });
    let lower = [0.0, x[0], 0.0];
    let upper = [f64::INFINITY, x[HISTOGRAM_BINS - 1], x[HISTOGRAM_BINS - 1] - x[0]];
    let mut p = [counts[peak], x[peak], sigma];
    if (0..3).any(|i| !(p[i] >= lower[i] && p[i] <= upper[i])) {
        return None;
    }
    // scipy's trf starts strictly inside the bounds.
    for i in 0..3 {
        if p[i] <= lower[i] {
            p[i] = lower[i] + 1e-10 * lower[i].abs().max(1.0);
        } else if p[i] >= upper[i] {
            p[i] = upper[i] - 1e-10 * upper[i].abs().max(1.0);
        }
    }
    let cost = |p: &[f64; 3]| {
        let g = Gaussian { amplitude: p[0], mean: p[1], sigma: p[2] };
        x.iter().zip(&counts).map(|(&x, &c)| (g.at(x) - c).powi(2)).sum::<f64>()
    };
    let mut current = cost(&p);
    let mut lambda = 1e-3;
    for _ in 0..500 {
        // normal equations J^T J d = -J^T r of the residuals r = model - counts
        let (mut jtj, mut jtr) = ([[0f64; 3]; 3], [0f64; 3]);
        for (&xi, &ci) in x.iter().zip(&counts) {
            let z = (xi - p[1]) / p[2];
            let e = (-0.5 * z * z).exp();
            let j = [e, p[0] * e * z / p[2], p[0] * e * z * z / p[2]];
            let r = p[0] * e - ci;
            for a in 0..3 {
                jtr[a] += j[a] * r;
                for b in 0..3 {
                    jtj[a][b] += j[a] * j[b];
                }
            }
        }
        let mut improved = false;
        while lambda < 1e16 {
            let mut m = jtj;
            for a in 0..3 {
                m[a][a] += lambda * jtj[a][a].max(1e-300);
            }
            let Some(d) = solve3(m, [-jtr[0], -jtr[1], -jtr[2]]) else {
                lambda *= 10.0;
                continue;
            };
            let mut trial = p;
            for a in 0..3 {
                trial[a] = (p[a] + d[a]).clamp(lower[a], upper[a]);
            }
            if trial[2] <= 0.0 {
                trial[2] = p[2] / 2.0;
            }
            let c = cost(&trial);
            if c <= current {
                let moved = (0..3).any(|a| trial[a] != p[a]);
                p = trial;
                improved = c < current || moved;
                current = c;
                lambda = (lambda / 10.0).max(1e-12);
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    (current.is_finite() && p[2] > 0.0).then_some(Gaussian { amplitude: p[0], mean: p[1], sigma: p[2] })
}

/// Solves a 3x3 linear system by Gaussian elimination with partial pivoting.
fn solve3(mut m: [[f64; 3]; 3], mut b: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[pivot][col] == 0.0 || !m[pivot][col].is_finite() {
            return None;
        }
        m.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..3 {
            let f = m[row][col] / m[col][col];
            let pivot_row = m[col];
            for (target, &source) in m[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *target -= f * source;
            }
            b[row] -= f * b[col];
        }
    }
    let mut out = [0f64; 3];
    for row in (0..3).rev() {
        let tail: f64 = (row + 1..3).map(|k| m[row][k] * out[k]).sum();
        out[row] = (b[row] - tail) / m[row][row];
    }
    Some(out)
}

/// jwst `background_level(..., 'median')`: clips the mask (3 sigma both sides, lower half) and
/// returns the float32 median of the masked pixels (NaN when none is left).
pub fn background_median(image: &[f32], mask: &mut [bool]) -> f32 {
    clip_to_background(image, mask, 3.0, 3.0, true, false);
    let mut values: Vec<f32> = image.iter().zip(mask.iter()).filter(|(v, &m)| m && !v.is_nan()).map(|(&v, _)| v).collect();
    median_f32(&mut values)
}

/// jwst `median_clean`: subtracts from `image` (rows x cols) the masked float32 median along
/// `array_axis` (1: each row, 0: each column), per 512-pixel channel when `by_channel` and that
/// axis is 2048 long; a line with no masked pixel gets 0.
pub fn median_clean(image: &mut [f32], mask: &[bool], rows: usize, cols: usize, array_axis: usize, by_channel: bool) {
    let (lines, length) = if array_axis == 1 { (rows, cols) } else { (cols, rows) };
    let channel = if by_channel && length == 2048 { 512 } else { length };
    let at = |line: usize, k: usize| if array_axis == 1 { line * cols + k } else { k * cols + line };
    let mut values = Vec::with_capacity(channel);
    for line in 0..lines {
        for start in (0..length).step_by(channel) {
            let end = start + channel;
            values.clear();
            values.extend((start..end).filter(|&k| mask[at(line, k)]).map(|k| image[at(line, k)]));
            let stripe = if values.is_empty() { 0.0 } else { median_f32(&mut values) };
            for k in start..end {
                image[at(line, k)] -= stripe;
            }
        }
    }
}

/// The background removed before the noise fit (jwst `background_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// None: no background, no extra clipping.
    Zero,
    /// 'median': the clipped median of the background pixels.
    Median,
    /// 'model': photutils `Background2D` of the clipped background pixels with boxes of
    /// `(rows, cols)` (see [`crate::background2d`]).
    Model { box_size: (usize, usize) },
}

/// The background level removed and restored around the noise fit.
#[derive(Debug, Clone, PartialEq)]
pub enum Level {
    /// One value for the whole image ('median', None, or 'model' when photutils fails).
    Scalar(f32),
    /// A value per pixel ('model').
    Plane(Vec<f32>),
}

impl Level {
    pub fn at(&self, k: usize) -> f32 {
        match self {
            Level::Scalar(v) => *v,
            Level::Plane(plane) => plane[k],
        }
    }
}

/// The noise fit (jwst `fit_method`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// 'median': stripe medians along numpy axis `array_axis` (`|slowaxis| - 1` for NIR, 0 for
    /// MIRI), per 512-pixel channel with `by_channel` on 2048-pixel lines.
    Median { array_axis: usize, by_channel: bool },
    /// 'fft' (NSClean, NIRSpec): `nrs2` flips the detector orientation; `cutoffs` are the
    /// subarray apodiser's (see [`crate::nsclean::subarray_cutoffs`]).
    Fft { nrs2: bool, cutoffs: [f32; 4] },
}

/// Parameters of [`clean_image`] and [`clean_integration`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CleanParams {
    pub background: Background,
    /// Clipping level for signal after the background is removed (0 = no clipping).
    pub n_sigma: f64,
    pub fit: Fit,
}

/// What [`clean_image`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageOutcome {
    /// No usable background pixel: nothing done (jwst leaves the image as it is).
    Skipped,
    /// Cleaned in place (float32), with this background level.
    Cleaned { background: Level },
    /// Cleaned into float64, as numpy's subarray NSClean returns it (the image buffer is not the result).
    CleanedWide { background: Level, image: Vec<f64> },
    /// The fit failed (jwst: the step FAILS and the input is restored).
    Failed,
}

/// jwst `_clean_one_image`: `image` is cleaned, `mask` (true = background) is clipped further.
pub fn clean_image(image: &mut [f32], mask: &mut [bool], flat: Option<&[f32]>, rows: usize, cols: usize, params: &CleanParams) -> ImageOutcome {
    if let Some(flat) = flat {
        for (v, &f) in image.iter_mut().zip(flat) {
            *v /= f;
        }
    }
    let nan: Vec<bool> = image.iter().map(|v| v.is_nan()).collect();
    for (k, &is_nan) in nan.iter().enumerate() {
        if is_nan {
            image[k] = 0.0;
            mask[k] = false;
        }
    }
    if !mask.iter().any(|&m| m) {
        return ImageOutcome::Skipped;
    }
    let background = match params.background {
        Background::Zero => Level::Scalar(0.0),
        Background::Median => Level::Scalar(background_median(image, mask)),
        Background::Model { box_size } => {
            clip_to_background(image, mask, 3.0, 3.0, true, false);
            match crate::background2d::background_2d(image, mask, rows, cols, box_size) {
                Some(plane) => Level::Plane(plane),
                // jwst: "Background fit failed, using median value."
                None => {
                    let mut values: Vec<f32> = image.iter().zip(mask.iter()).filter(|(v, &m)| m && !v.is_nan()).map(|(&v, _)| v).collect();
                    Level::Scalar(median_f32(&mut values))
                }
            }
        }
    };
    if params.background != Background::Zero {
        for (k, v) in image.iter_mut().enumerate() {
            *v -= background.at(k);
        }
        if params.n_sigma > 0.0 {
            clip_to_background(image, mask, params.n_sigma, params.n_sigma, true, false);
        }
    }
    match params.fit {
        Fit::Median { array_axis, by_channel } => median_clean(image, mask, rows, cols, array_axis, by_channel),
        Fit::Fft { nrs2, .. } if rows == 2048 && cols == 2048 => match crate::nsclean::clean_full_frame(image, mask, nrs2) {
            Ok(cleaned) => image.copy_from_slice(&cleaned),
            Err(_) => return ImageOutcome::Failed,
        },
        Fit::Fft { nrs2, cutoffs } => {
            let Ok(Some(mut wide)) = crate::nsclean::clean_subarray(image, mask, rows, cols, nrs2, cutoffs) else { return ImageOutcome::Failed };
            // numpy: float64 image + float32 level, * float32 flat, NaNs back
            for (k, v) in wide.iter_mut().enumerate() {
                *v += background.at(k) as f64;
                if let Some(flat) = flat {
                    *v *= flat[k] as f64;
                }
                if nan[k] {
                    *v = f64::NAN;
                }
            }
            return ImageOutcome::CleanedWide { background, image: wide };
        }
    }
    for (k, v) in image.iter_mut().enumerate() {
        *v += background.at(k);
    }
    if let Some(flat) = flat {
        for (v, &f) in image.iter_mut().zip(flat) {
            *v *= f;
        }
    }
    for (v, &is_nan) in image.iter_mut().zip(&nan) {
        if is_nan {
            *v = f32::NAN;
        }
    }
    ImageOutcome::Cleaned { background }
}

/// What [`clean_integration`] did with each group difference.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationReport {
    /// 1-based group numbers (jwst's `j + 1`) whose difference had no usable background pixel
    /// and was left as it was.
    pub skipped_groups: Vec<usize>,
    /// The 1-based group whose fit failed (NSClean): `data` is then partly cleaned and jwst
    /// fails the step with the input restored.
    pub failed_group: Option<usize>,
}

/// jwst's ramp loop for one integration: each group difference `g - (g-1)` (g >= 1, input
/// values) is cleaned with the scene mask less the pixels whose group g has DO_NOT_USE or
/// JUMP_DET, and group g becomes the cleaned group g-1 plus the cleaned difference. `data` and
/// `groupdq` are `(ngroups, rows, cols)`, `scene_mask` `(rows, cols)` (nonzero = background),
/// `flat` empty or `(rows, cols)`, `background_out` empty or `(ngroups, rows, cols)` (the level
/// of each cleaned group goes to its plane; group 0 and skipped groups keep what was there).
#[allow(clippy::too_many_arguments)]
pub fn clean_integration(
    data: &mut [f32],
    groupdq: &[u8],
    scene_mask: &[u8],
    flat: &[f32],
    background_out: &mut [f32],
    ngroups: usize,
    rows: usize,
    cols: usize,
    params: &CleanParams,
) -> Result<IntegrationReport, KernelError> {
    let plane = rows * cols;
    if plane == 0 || ngroups == 0 {
        return Err(KernelError::InvalidShape { argument: "data", reason: "empty integration".into() });
    }
    expect_len("data", data.len(), ngroups * plane)?;
    expect_len("groupdq", groupdq.len(), ngroups * plane)?;
    check_cleaning_inputs(scene_mask, flat, background_out, ngroups, plane, params)?;
    let flat = (!flat.is_empty()).then_some(flat);
    let unusable = (crate::dq::DO_NOT_USE | crate::dq::JUMP_DET) as u8;
    let mut previous_input = data[..plane].to_vec();
    let mut diff = vec![0f32; plane];
    let mut mask = vec![false; plane];
    let mut skipped_groups = Vec::new();
    for g in 1..ngroups {
        let (before, current) = data.split_at_mut(g * plane);
        let cleaned_previous = &before[(g - 1) * plane..];
        let current = &mut current[..plane];
        let dq = &groupdq[g * plane..][..plane];
        for k in 0..plane {
            diff[k] = current[k] - previous_input[k];
            mask[k] = scene_mask[k] != 0 && dq[k] & unusable == 0;
        }
        previous_input.copy_from_slice(current);
        let level = match clean_image(&mut diff, &mut mask, flat, rows, cols, params) {
            ImageOutcome::Skipped => {
                skipped_groups.push(g);
                continue;
            }
            ImageOutcome::Failed => return Ok(IntegrationReport { skipped_groups, failed_group: Some(g) }),
            ImageOutcome::Cleaned { background } => {
                for k in 0..plane {
                    current[k] = cleaned_previous[k] + diff[k];
                }
                background
            }
            ImageOutcome::CleanedWide { background, image } => {
                for k in 0..plane {
                    current[k] = (cleaned_previous[k] as f64 + image[k]) as f32;
                }
                background
            }
        };
        if !background_out.is_empty() {
            for (k, out) in background_out[g * plane..][..plane].iter_mut().enumerate() {
                *out = level.at(k);
            }
        }
    }
    Ok(IntegrationReport { skipped_groups, failed_group: None })
}

/// jwst `make_median_image`'s median ramp: the per-pixel NaN-ignoring float32 median over
/// integrations of `data` `(nints, ngroups, plane)`; `(ngroups, plane)`.
pub fn median_ramp(data: &[f32], nints: usize, ngroups: usize, plane: usize) -> Result<Vec<f32>, KernelError> {
    expect_len("data", data.len(), nints * ngroups * plane)?;
    let samples = ngroups * plane;
    let mut column = Vec::with_capacity(nints);
    let mut median = vec![0f32; samples];
    for (k, m) in median.iter_mut().enumerate() {
        column.clear();
        column.extend((0..nints).map(|i| data[i * samples + k]).filter(|v| !v.is_nan()));
        *m = median_f32(&mut column);
    }
    Ok(median)
}

/// jwst `make_median_image`'s scale factors outside TSO modes: each integration's
/// representative flux is the float32 NaN-ignoring median of its draft rate (`rateints`,
/// `(nints, plane)`), normalised by the median of those, in float32 (a non-finite ratio takes
/// the median of the finite ones). An error when no integration has a finite ratio (jwst: "No
/// valid flux for scaling", the step FAILS).
pub fn rate_norms(rateints: &[f32], nints: usize, plane: usize) -> Result<Vec<f32>, KernelError> {
    expect_len("rateints", rateints.len(), nints * plane)?;
    let finite_median = |values: &[f32]| {
        let mut kept: Vec<f32> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        median_f32(&mut kept)
    };
    let fluxes: Vec<f32> = (0..nints).map(|i| finite_median(&rateints[i * plane..][..plane])).collect();
    normalised(&fluxes, f32::is_nan, f32::is_finite, median_f32, "rateints")
}

/// `fluxes` over their NaN-ignoring median, a non-finite ratio replaced by the median of the
/// finite ones (numpy's steps in `make_median_image`, in the fluxes' type); an error naming
/// `argument` when none is finite.
fn normalised<T: Copy + std::ops::Div<Output = T>>(
    fluxes: &[T],
    is_nan: fn(T) -> bool,
    is_finite: fn(T) -> bool,
    median: fn(&mut [T]) -> T,
    argument: &'static str,
) -> Result<Vec<T>, KernelError> {
    let mut kept: Vec<T> = fluxes.iter().copied().filter(|&v| !is_nan(v)).collect();
    let typical = median(&mut kept);
    let mut norm: Vec<T> = fluxes.iter().map(|&f| f / typical).collect();
    let mut valid: Vec<T> = norm.iter().copied().filter(|&v| is_finite(v)).collect();
    if valid.is_empty() {
        return Err(KernelError::InvalidParameter { argument, reason: "no valid flux for scaling".into() });
    }
    let fill = median(&mut valid);
    for v in norm.iter_mut().filter(|v| !is_finite(**v)) {
        *v = fill;
    }
    Ok(norm)
}

/// jwst `make_median_image`'s scale factors for TSO imaging: the integrations' aperture sums
/// (float64, from jwst's `tso_photometry`) over their NaN-ignoring median, in float64; a
/// non-finite ratio takes the median of the finite ones. An error when none is finite.
pub fn flux_norms(fluxes: &[f64]) -> Result<Vec<f64>, KernelError> {
    normalised(fluxes, f64::is_nan, f64::is_finite, median_f64, "fluxes")
}

/// An integration's scale factor of the median ramp, in numpy's type: float32 (draft rate
/// medians) gives a float32 median image, float64 (TSO photometry) a float64 one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MedianScale {
    Float32(f32),
    Float64(f64),
}

impl MedianScale {
    /// The median image's value for a median ramp value, widened (exactly) to float64.
    fn times(self, median: f32) -> f64 {
        match self {
            MedianScale::Float32(norm) => (norm * median) as f64,
            MedianScale::Float64(norm) => norm * median as f64,
        }
    }
}

/// jwst's ramp loop with `background_method='median_image'` for one integration: every group
/// (group 0 included) minus its median image (`median_ramp`, `(ngroups, rows, cols)`, times
/// `scale`) is cleaned on its own with the scene mask (no DQ masking, no background level: jwst
/// sets the method to None), then the median image is added back. `background_out` (empty or
/// the data's shape) gets the median image of each cleaned group. Skipped and failed groups are 1-based.
#[allow(clippy::too_many_arguments)]
pub fn clean_integration_median_image(
    data: &mut [f32],
    median_ramp: &[f32],
    scale: MedianScale,
    scene_mask: &[u8],
    flat: &[f32],
    background_out: &mut [f32],
    ngroups: usize,
    rows: usize,
    cols: usize,
    params: &CleanParams,
) -> Result<IntegrationReport, KernelError> {
    let plane = rows * cols;
    expect_len("data", data.len(), ngroups * plane)?;
    expect_len("median_ramp", median_ramp.len(), ngroups * plane)?;
    check_cleaning_inputs(scene_mask, flat, background_out, ngroups, plane, params)?;
    let flat = (!flat.is_empty()).then_some(flat);
    let params = CleanParams { background: Background::Zero, ..*params };
    let mut image = vec![0f32; plane];
    let mut mask = vec![false; plane];
    let mut median = vec![0f64; plane];
    let mut skipped_groups = Vec::new();
    for g in 0..ngroups {
        let group = &mut data[g * plane..][..plane];
        for (m, &r) in median.iter_mut().zip(&median_ramp[g * plane..][..plane]) {
            *m = scale.times(r);
        }
        // float64 arithmetic rounded to float32 equals float32 arithmetic on float32 operands
        for k in 0..plane {
            image[k] = (group[k] as f64 - median[k]) as f32;
            mask[k] = scene_mask[k] != 0;
        }
        match clean_image(&mut image, &mut mask, flat, rows, cols, &params) {
            ImageOutcome::Skipped => {
                skipped_groups.push(g + 1);
                continue;
            }
            ImageOutcome::Failed => return Ok(IntegrationReport { skipped_groups, failed_group: Some(g + 1) }),
            ImageOutcome::Cleaned { .. } => {
                for k in 0..plane {
                    group[k] = (median[k] + image[k] as f64) as f32;
                }
            }
            ImageOutcome::CleanedWide { image: wide, .. } => {
                for k in 0..plane {
                    group[k] = (median[k] + wide[k]) as f32;
                }
            }
        }
        if !background_out.is_empty() {
            for (out, &m) in background_out[g * plane..][..plane].iter_mut().zip(&median) {
                *out = m as f32;
            }
        }
    }
    Ok(IntegrationReport { skipped_groups, failed_group: None })
}

/// jwst `read_flat_file`: flat values that are 0 or not finite are replaced by jwst's 'model'
/// background of the others (clipped at 3 sigma from lower-half statistics, then photutils
/// `Background2D` with the default boxes), or by their median where that model fails.
pub fn fill_flat(flat: &mut [f32], rows: usize, cols: usize) -> Result<(), KernelError> {
    expect_len("flat", flat.len(), rows * cols)?;
    let bad: Vec<bool> = flat.iter().map(|&v| v == 0.0 || !v.is_finite()).collect();
    if !bad.iter().any(|&b| b) {
        return Ok(());
    }
    let mut mask: Vec<bool> = bad.iter().map(|&b| !b).collect();
    clip_to_background(flat, &mut mask, 3.0, 3.0, true, false);
    let level = match crate::background2d::background_2d(flat, &mask, rows, cols, crate::background2d::default_box_size(rows, cols)) {
        Some(plane) => Level::Plane(plane),
        None => {
            let mut values: Vec<f32> = flat.iter().zip(&mask).filter(|(v, &m)| m && !v.is_nan()).map(|(&v, _)| v).collect();
            Level::Scalar(median_f32(&mut values))
        }
    };
    for (k, v) in flat.iter_mut().enumerate() {
        if bad[k] {
            *v = level.at(k);
        }
    }
    Ok(())
}

/// The image statistics jwst's `autoparam` decides from (`nircam_image_parameters`,
/// `niriss_image_parameters`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoStatistics {
    /// Fraction of pixels outside the background mask.
    pub mask_fraction: f64,
    /// Largest jump between the clipped means of adjacent 512-pixel channels (0 unless 2048 long).
    pub max_offset: f64,
    /// Largest absolute slope of the row and column averages, and its ratio to the smaller.
    pub max_slope: f64,
    pub slope_ratio: f64,
    /// Scatter (10-sigma clipped std) about a line of an average profile.
    pub channel_sigma: f64,
}

/// numpy `nanmean` over `rows` of a rows x cols image for each column (float32, rows added one
/// after another as numpy reduces an outer axis).
fn column_means(image: &[f32], cols: usize, rows: std::ops::Range<usize>) -> Vec<f32> {
    let mut sums = vec![0f32; cols];
    let mut counts = vec![0usize; cols];
    for r in rows {
        for c in 0..cols {
            let v = image[r * cols + c];
            if !v.is_nan() {
                sums[c] += v;
                counts[c] += 1;
            }
        }
    }
    sums.iter().zip(&counts).map(|(&s, &n)| s / n as f32).collect()
}

/// numpy `nanmean` over columns `cols_range` of each row (float32 pairwise sums).
fn row_means(image: &[f32], rows: usize, cols: usize, cols_range: std::ops::Range<usize>) -> Vec<f32> {
    (0..rows)
        .map(|r| {
            let line = &image[r * cols..][cols_range.clone()];
            let zeroed: Vec<f32> = line.iter().map(|&v| if v.is_nan() { 0.0 } else { v }).collect();
            pairwise_sum(&zeroed[..]) / line.iter().filter(|v| !v.is_nan()).count() as f32
        })
        .collect()
}

/// jwst `_line_fit`: least-squares line through the finite values against their index; the
/// slope and the 10-sigma clipped standard deviation of the residuals.
fn line_fit(data: &[f32]) -> (f64, f64) {
    let points: Vec<(f64, f64)> = data.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(k, &v)| (k as f64, v as f64)).collect();
    let n = points.len() as f64;
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let slope = if sxx > 0.0 { points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx } else { 0.0 };
    let intercept = my - slope * mx;
    let residuals = points.iter().map(|p| p.1 - (intercept + slope * p.0)).collect();
    (slope, sigma_clipped_stats(residuals, 10.0).std)
}

/// jwst `_max_channel_offset`: 0 unless 2048 values; else the largest absolute difference of
/// the 3-sigma clipped means of consecutive 512-value channels.
fn max_channel_offset(data: &[f32]) -> f64 {
    if data.len() != 2048 {
        return 0.0;
    }
    let means: Vec<f64> = data.chunks(512).map(|c| sigma_clipped_stats(c.iter().map(|&v| v as f64).collect(), 3.0).mean).collect();
    means.windows(2).map(|w| (w[1] - w[0]).abs()).fold(f64::NEG_INFINITY, f64::max)
}

/// jwst `autoparam` for NRC_IMAGE (`niriss` false) and NIS_IMAGE: `rate` (the draft rate image,
/// already divided by the flat) gets jwst's `quick_clean` (clip, 'median' background, lower-half
/// clip at 3/2 sigma, stripe medians along `array_axis`), then the masked pixels are replaced
/// by the 'model' background of the cleaned image, and the statistics of the decision tree are
/// taken from row and column averages of the central quarter (3/8 to 5/8).
pub fn auto_statistics(rate: &[f32], rows: usize, cols: usize, array_axis: usize, niriss: bool) -> Result<AutoStatistics, KernelError> {
    expect_len("rate", rate.len(), rows * cols)?;
    let mut image = rate.to_vec();
    let mut mask = vec![true; rows * cols];
    clip_to_background(&image, &mut mask, 3.0, 2.0, false, false);
    let nan: Vec<bool> = image.iter().map(|v| v.is_nan()).collect();
    for k in 0..image.len() {
        if nan[k] {
            image[k] = 0.0;
            mask[k] = false;
        }
    }
    let background = background_median(&image, &mut mask);
    for v in image.iter_mut() {
        *v -= background;
    }
    clip_to_background(&image, &mut mask, 3.0, 2.0, true, false);
    median_clean(&mut image, &mask, rows, cols, array_axis, false);
    for (k, v) in image.iter_mut().enumerate() {
        *v = if nan[k] { f32::NAN } else { *v + background };
    }
    // background_level(..., 'model'): clips the mask again, then Background2D
    clip_to_background(&image, &mut mask, 3.0, 3.0, true, false);
    let level = match crate::background2d::background_2d(&image, &mask, rows, cols, crate::background2d::default_box_size(rows, cols)) {
        Some(plane) => Level::Plane(plane),
        None => {
            let mut values: Vec<f32> = image.iter().zip(&mask).filter(|(v, &m)| m && !v.is_nan()).map(|(&v, _)| v).collect();
            Level::Scalar(median_f32(&mut values))
        }
    };
    for (k, v) in image.iter_mut().enumerate() {
        if !mask[k] {
            *v = level.at(k);
        }
    }
    let mask_fraction = mask.iter().filter(|&&m| !m).count() as f64 / mask.len() as f64;
    // Python round() of 3/8 and 5/8 of the size (halves to even)
    let part = |size: usize, eighths: usize| {
        let scaled = size * eighths;
        let (q, r) = (scaled / 8, scaled % 8);
        if r > 4 || (r == 4 && q % 2 == 1) { q + 1 } else { q }
    };
    let over_rows = column_means(&image, cols, part(rows, 3)..part(rows, 5));
    let over_cols = row_means(&image, rows, cols, part(cols, 3)..part(cols, 5));
    let (col_slope, row_sigma) = line_fit(&over_rows);
    let (row_slope, _) = line_fit(&over_cols);
    let max_slope = row_slope.abs().max(col_slope.abs());
    let min_slope = row_slope.abs().min(col_slope.abs());
    let (max_offset, channel_sigma) = if niriss {
        let twelfth = |k: usize| {
            let scaled = rows * k;
            let (q, r) = (scaled / 12, scaled % 12);
            if r > 6 || (r == 6 && q % 2 == 1) { q + 1 } else { q }
        };
        let (_, sigma) = line_fit(&column_means(&image, cols, twelfth(10)..twelfth(11)));
        (max_channel_offset(&over_cols), sigma)
    } else {
        (max_channel_offset(&over_rows), row_sigma)
    };
    Ok(AutoStatistics { mask_fraction, max_offset, max_slope, slope_ratio: max_slope / min_slope, channel_sigma })
}

/// jwst `create_mask` after the science regions: `mask` (`nplanes` planes of rows x cols,
/// nonzero = background, as the caller set it) loses the pixels whose draft rate is NaN or
/// exactly 0, then, with `n_sigma > 0`, each plane is clipped (`clip_to_background` with 3 sigma
/// below and `n_sigma` above, centre and sigma from the histogram fit with `fit_histogram`).
pub fn scene_mask(rate: &[f32], mask: &mut [u8], nplanes: usize, rows: usize, cols: usize, n_sigma: f64, fit_histogram: bool) -> Result<(), KernelError> {
    let plane = rows * cols;
    expect_len("rate", rate.len(), nplanes * plane)?;
    expect_len("mask", mask.len(), nplanes * plane)?;
    for p in 0..nplanes {
        let rate = &rate[p * plane..][..plane];
        let out = &mut mask[p * plane..][..plane];
        let mut background: Vec<bool> = out.iter().zip(rate).map(|(&m, &r)| m != 0 && !(r.is_nan() || r == 0.0)).collect();
        if n_sigma > 0.0 {
            clip_to_background(rate, &mut background, 3.0, n_sigma, false, fit_histogram);
        }
        for (o, b) in out.iter_mut().zip(background) {
            *o = b as u8;
        }
    }
    Ok(())
}

/// The per-plane inputs and the fit axis both cleaning paths take (an empty flat or
/// `background_out` means none).
fn check_cleaning_inputs(scene_mask: &[u8], flat: &[f32], background_out: &[f32], ngroups: usize, plane: usize, params: &CleanParams) -> Result<(), KernelError> {
    expect_len("scene_mask", scene_mask.len(), plane)?;
    if !flat.is_empty() {
        expect_len("flat", flat.len(), plane)?;
    }
    if !background_out.is_empty() {
        expect_len("background_out", background_out.len(), ngroups * plane)?;
    }
    if let Fit::Median { array_axis, .. } = params.fit {
        if array_axis > 1 {
            return Err(KernelError::InvalidParameter { argument: "array_axis", reason: format!("must be 0 or 1, got {array_axis}") });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_follow_numpy() {
        assert_eq!(median_f64(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_f64(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median_f64(&mut []).is_nan());
        // float32: the two middle values are summed in float32 before halving.
        let (a, b) = (16777216.0f32, 16777217.0f32); // b rounds to 2^24 in f32
        assert_eq!(median_f32(&mut [a, b]), ((a + b) / 2.0));
        assert_eq!(median_f32(&mut [1.0, 2.0, 4.0, 8.0]), 3.0);
    }

    #[test]
    fn sigma_clip_drops_an_outlier_and_non_finite_values() {
        // 20 values 0..19 plus one far outlier and a NaN: the outlier goes in the first round.
        let mut values: Vec<f64> = (0..20).map(|v| v as f64).collect();
        values.push(1000.0);
        values.push(f64::NAN);
        let stats = sigma_clipped_stats(values, 3.0);
        assert_eq!(stats.median, 9.5);
        assert_eq!(stats.mean, 9.5);
        // population std of 0..19: sqrt((20^2 - 1) / 12)
        assert!((stats.std - ((399.0f64) / 12.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn clip_to_background_masks_signal_and_low_outliers() {
        let mut image: Vec<f32> = (0..100).map(|k| (k % 10) as f32 * 0.1).collect();
        image[5] = 50.0; // signal
        image[17] = -50.0; // bad low value
        let mut mask = vec![true; 100];
        clip_to_background(&image, &mut mask, 3.0, 2.0, false, false);
        assert!(!mask[5] && !mask[17]);
        assert_eq!(mask.iter().filter(|&&m| !m).count(), 2);
        // an empty mask stays as it is
        let mut none = vec![false; 100];
        clip_to_background(&image, &mut none, 3.0, 2.0, false, false);
        assert!(none.iter().all(|&m| !m));
    }

    #[test]
    fn histogram_bins_like_numpy() {
        // edges 0, 0.25, 0.5, 0.75, 1: the last bin is closed, values outside are dropped
        let (counts, centres) = histogram(&[-0.1, 0.0, 0.25, 0.3, 0.74, 0.75, 1.0, 1.1], 0.0, 1.0, 4).unwrap();
        assert_eq!(counts, [1.0, 2.0, 1.0, 2.0]);
        assert_eq!(centres, [0.125, 0.375, 0.625, 0.875]);
        // an empty range is widened by 0.5 each side; a non-finite one is refused
        let (counts, _) = histogram(&[2.0], 2.0, 2.0, 2).unwrap();
        assert_eq!(counts, [0.0, 1.0]);
        assert!(histogram(&[1.0], f64::NAN, 1.0, 4).is_none());
    }

    #[test]
    fn histogram_fit_recovers_a_gaussian() {
        // deterministic "normal" values: the inverse CDF at evenly spaced quantiles (Acklam's
        // rational approximation is not needed; a Box-Muller over a fixed grid will do)
        let mut values = Vec::new();
        for i in 0..400 {
            for j in 0..50 {
                let (u, v) = ((i as f64 + 0.5) / 400.0, (j as f64 + 0.5) / 50.0);
                values.push(5.0 + 2.0 * (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos());
            }
        }
        let stats = sigma_clipped_stats(values.clone(), 3.0);
        let fit = histogram_gaussian_fit(&values, stats.mean, stats.std).unwrap();
        assert!((fit.mean - 5.0).abs() < 0.02, "{fit:?}");
        assert!((fit.sigma - 2.0).abs() < 0.05, "{fit:?}");
        // the optimum: no small move of any parameter lowers the sum of squares
        let (counts, x) = histogram(&values, stats.mean - 4.0 * stats.std, stats.mean + 4.0 * stats.std, HISTOGRAM_BINS).unwrap();
        let cost = |g: Gaussian| x.iter().zip(&counts).map(|(&x, &c)| (g.at(x) - c).powi(2)).sum::<f64>();
        let best = cost(fit);
        for (da, dm, ds) in [(1e-6, 0.0, 0.0), (-1e-6, 0.0, 0.0), (0.0, 1e-7, 0.0), (0.0, -1e-7, 0.0), (0.0, 0.0, 1e-7), (0.0, 0.0, -1e-7)] {
            let moved = Gaussian { amplitude: fit.amplitude * (1.0 + da), mean: fit.mean + dm, sigma: fit.sigma + ds };
            assert!(cost(moved) >= best);
        }
        // the clip then uses the fitted centre and width
        let image: Vec<f32> = values.iter().map(|&v| v as f32).collect();
        let mut mask = vec![true; image.len()];
        clip_to_background(&image, &mut mask, 3.0, 1.0, false, true);
        let high = fit.mean + fit.sigma;
        assert!(image.iter().zip(&mask).all(|(&v, &m)| m == ((v as f64) <= high && (v as f64) >= fit.mean - 3.0 * fit.sigma)));
    }

    #[test]
    fn median_clean_removes_row_stripes_and_channels() {
        // 4 rows x 2048 cols: row r has offset r, channel c of row 0 adds 10 c.
        let (rows, cols) = (4, 2048);
        let mut image: Vec<f32> = (0..rows * cols).map(|k| (k / cols) as f32 + if k / cols == 0 { 10.0 * ((k % cols) / 512) as f32 } else { 0.0 }).collect();
        let mask = vec![true; rows * cols];
        let mut whole = image.clone();
        median_clean(&mut whole, &mask, rows, cols, 1, false);
        assert!(whole[cols..].iter().all(|&v| v == 0.0));
        median_clean(&mut image, &mask, rows, cols, 1, true);
        assert!(image.iter().all(|&v| v == 0.0));
        // columns (MIRI): a column with no background pixel is left as it is
        let mut columns = vec![1f32, 2.0, 5.0, 3.0, 4.0, 5.0];
        median_clean(&mut columns, &[true, true, false, true, true, false], 2, 3, 0, false);
        assert_eq!(columns, [-1.0, -1.0, 5.0, 1.0, 1.0, 5.0]);
    }

    #[test]
    fn clean_integration_rebuilds_groups_from_cleaned_differences() {
        // 3 groups of 3 x 4: a constant slope of 10 per group plus a row stripe of (row + 1)
        // added to group 1 only; 1/f-like noise is removed from the differences.
        let (ngroups, rows, cols) = (3, 3, 4);
        let plane = rows * cols;
        let mut data: Vec<f32> = (0..ngroups * plane).map(|k| 10.0 * (k / plane) as f32).collect();
        for k in 0..plane {
            data[plane + k] += (k / cols + 1) as f32;
        }
        let groupdq = vec![0u8; ngroups * plane];
        let mask = vec![1u8; plane];
        let params = CleanParams { background: Background::Zero, n_sigma: 0.0, fit: Fit::Median { array_axis: 1, by_channel: false } };
        let mut background = vec![-1f32; ngroups * plane];
        let report = clean_integration(&mut data, &groupdq, &mask, &[], &mut background, ngroups, rows, cols, &params).unwrap();
        assert!(report.skipped_groups.is_empty());
        // the stripes of each difference are removed entirely (medians along rows): group g = group 0
        assert!(data.iter().all(|&v| v == 0.0));
        assert_eq!(&background[..plane], &[-1.0; 12]);
        assert!(background[plane..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn groups_without_background_are_left_alone() {
        let (ngroups, rows, cols) = (2, 1, 2);
        let mut data = vec![1f32, 2.0, 5.0, 9.0];
        let groupdq = vec![0, 0, crate::dq::JUMP_DET as u8, crate::dq::DO_NOT_USE as u8];
        let params = CleanParams { background: Background::Median, n_sigma: 2.0, fit: Fit::Median { array_axis: 1, by_channel: false } };
        let report = clean_integration(&mut data, &groupdq, &[1, 1], &[], &mut [], ngroups, rows, cols, &params).unwrap();
        assert_eq!(report.skipped_groups, [1]);
        assert_eq!(data, [1.0, 2.0, 5.0, 9.0]);
        let err = clean_integration(&mut data, &groupdq, &[1], &[], &mut [], ngroups, rows, cols, &params).unwrap_err();
        assert_eq!(err.code(), "shape_mismatch");
    }

    #[test]
    fn median_image_is_the_scaled_median_ramp() {
        // 3 integrations of 2 groups x 2 pixels; rates with medians 1, 2, NaN (all NaN)
        let data = [1f32, 2.0, 3.0, 4.0, /* int 1 */ 5.0, f32::NAN, 7.0, 8.0, /* int 2 */ 3.0, 4.0, 5.0, 6.0];
        let rateints = [1f32, 1.0, 2.0, 2.0, f32::NAN, f32::NAN];
        // norm: 1/1.5, 2/1.5, and the third (NaN) takes the median of those two (1.0)
        let norm = [1.0f32 / 1.5, 2.0 / 1.5, ((1.0f32 / 1.5) + (2.0 / 1.5)) / 2.0];
        assert_eq!(rate_norms(&rateints, 3, 2).unwrap(), norm);
        // per pixel over integrations, NaN ignored
        assert_eq!(median_ramp(&data, 3, 2, 2).unwrap(), [3f32, 3.0, 5.0, 6.0]);
        assert!(rate_norms(&[f32::NAN; 6], 3, 2).is_err());
    }

    #[test]
    fn flux_norms_are_float64_ratios_to_the_median() {
        let norm = flux_norms(&[2.0, 4.0, f64::NAN, 3.0, 0.0]).unwrap();
        // median of 2, 4, 3, 0 is 2.5; the NaN flux takes the median of the finite ratios
        assert_eq!(norm[..2], [0.8, 1.6]);
        assert_eq!(norm[3..], [1.2, 0.0]);
        assert_eq!(norm[2], (0.8 + 1.2) / 2.0);
        assert!(flux_norms(&[f64::NAN, f64::NAN]).is_err());
        assert!(flux_norms(&[0.0, 0.0]).is_err()); // 0/0: no finite ratio
    }

    #[test]
    fn median_scale_keeps_numpys_types() {
        let (norm, m) = (1.0f64 / 3.0, 7.1f32);
        assert_eq!(MedianScale::Float32(norm as f32).times(m), ((norm as f32) * m) as f64);
        assert_eq!(MedianScale::Float64(norm).times(m), norm * m as f64);
        assert_ne!(MedianScale::Float32(norm as f32).times(m), MedianScale::Float64(norm).times(m));
    }

    #[test]
    fn median_image_cleaning_treats_every_group_alone() {
        // 2 groups of 2 x 3: data = median + a row stripe per group; a JUMP flag would not matter
        let (ngroups, rows, cols) = (2, 2, 3);
        let median: Vec<f32> = (0..12).map(|k| k as f32).collect();
        let mut data: Vec<f32> = (0..12).map(|k| k as f32 + [1.0, 2.0, 3.0, 4.0][k / 3]).collect();
        let params = CleanParams { background: Background::Median, n_sigma: 2.0, fit: Fit::Median { array_axis: 1, by_channel: false } };
        let mut background = vec![0f32; 12];
        let report = clean_integration_median_image(&mut data, &median, MedianScale::Float32(1.0), &[1; 6], &[], &mut background, ngroups, rows, cols, &params).unwrap();
        assert_eq!(report, IntegrationReport { skipped_groups: vec![], failed_group: None });
        assert_eq!(data, median);
        assert_eq!(background, median);
        // no background pixel: the group is left as it is
        let mut untouched = vec![5f32; 12];
        let report = clean_integration_median_image(&mut untouched, &median, MedianScale::Float32(1.0), &[0; 6], &[], &mut [], ngroups, rows, cols, &params).unwrap();
        assert_eq!(report.skipped_groups, [1, 2]);
        assert!(untouched.iter().all(|&v| v == 5.0));
    }

    #[test]
    fn a_float64_scale_makes_a_float64_median_image() {
        // TSO photometry scales in float64: the image cleaned is float32(data - norm * median) with
        // the product in float64, and the median image added back and saved from float64.
        let (ngroups, rows, cols) = (1, 3, 4);
        let median: Vec<f32> = (0..12).map(|k| 1000.0 + 0.37 * k as f32).collect();
        let norm = 1.0f64 / 3.0;
        let source: Vec<f32> = (0..12).map(|k| 333.0 + 0.1 * k as f32 + [0.5, -0.25, 1.0][k / 4]).collect();
        let params = CleanParams { background: Background::Zero, n_sigma: 0.0, fit: Fit::Median { array_axis: 1, by_channel: false } };
        let run = |scale: MedianScale| {
            let (mut data, mut background) = (source.clone(), vec![0f32; 12]);
            clean_integration_median_image(&mut data, &median, scale, &[1; 12], &[], &mut background, ngroups, rows, cols, &params).unwrap();
            (data, background)
        };
        let (wide, wide_background) = run(MedianScale::Float64(norm));
        let images: Vec<f64> = (0..12).map(|k| norm * median[k] as f64).collect();
        assert_eq!(wide_background, images.iter().map(|&m| m as f32).collect::<Vec<_>>());
        for row in 0..rows {
            let mut residual: Vec<f32> = (0..cols).map(|c| (source[row * cols + c] as f64 - images[row * cols + c]) as f32).collect();
            let stripe = median_f32(&mut residual.clone());
            for c in 0..cols {
                residual[c] -= stripe;
                assert_eq!(wide[row * cols + c], (images[row * cols + c] + residual[c] as f64) as f32);
            }
        }
        let (narrow, narrow_background) = run(MedianScale::Float32(norm as f32));
        assert_ne!(narrow_background, wide_background);
        assert_ne!(narrow, wide);
    }

    #[test]
    fn fill_flat_replaces_zero_and_nan_values_from_the_model() {
        // 64 x 64 flat of 1.1 with a zero, a NaN and an infinity: filled with the model (1.1)
        let mut flat = vec![1.1f32; 64 * 64];
        flat[5] = 0.0;
        flat[700] = f32::NAN;
        flat[4000] = f32::INFINITY;
        fill_flat(&mut flat, 64, 64).unwrap();
        assert!(flat.iter().all(|&v| v == 1.1));
    }

    #[test]
    fn auto_statistics_see_slopes_and_channel_offsets() {
        // 2048 x 2048 would be slow here; 64 x 64 with a gradient along x: no channel offset
        // (not 2048 long), the column slope 0.01 per pixel, no masked pixel
        let (rows, cols) = (64, 64);
        let rate: Vec<f32> = (0..rows * cols).map(|k| 1.0 + 0.01 * (k % cols) as f32).collect();
        let stats = auto_statistics(&rate, rows, cols, 1, false).unwrap();
        assert_eq!(stats.max_offset, 0.0);
        assert!((stats.max_slope - 0.01).abs() < 1e-4, "{stats:?}");
        assert!(stats.mask_fraction < 0.05, "{stats:?}");
        // channel offsets: 4 steps of 512 with jumps of 0.5
        let steps: Vec<f32> = (0..2048).map(|k| 0.5 * (k / 512) as f32).collect();
        assert_eq!(max_channel_offset(&steps), 0.5);
        let (slope, sigma) = line_fit(&[1.0, 3.0, 5.0, f32::NAN, 9.0]);
        assert!((slope - 2.0).abs() < 1e-12 && sigma < 1e-12);
    }

    #[test]
    fn scene_mask_drops_nan_zero_and_bright_pixels() {
        let mut rate: Vec<f32> = (0..64).map(|k| 1.0 + 0.01 * (k % 7) as f32).collect();
        rate[3] = f32::NAN;
        rate[4] = 0.0;
        rate[9] = 100.0;
        let mut mask = vec![1u8; 64];
        mask[0] = 0; // a science region set by the caller stays masked
        scene_mask(&rate, &mut mask, 1, 8, 8, 2.0, false).unwrap();
        let off: Vec<usize> = (0..64).filter(|&k| mask[k] == 0).collect();
        assert!(off.starts_with(&[0, 3, 4]) && off.contains(&9));
    }
}
