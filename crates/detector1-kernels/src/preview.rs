//! Quick-look rendering of a float image to 8-bit pixels: display limits (IRAF's zscale as
//! astropy's `ZScaleInterval` computes it, min/max, or a central percentile), a linear or asinh
//! stretch (astropy's `LinearStretch` / `AsinhStretch`), block-average downsampling and the
//! conversion to bytes. Non-finite pixels never enter the limits; NaN pixels get their own colour.

use crate::error::{expect_len, KernelError};

/// Parameters of [`zscale_limits`]; `Default` gives astropy's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZScaleParams {
    /// How many finite pixels are sampled (evenly spaced in memory order).
    pub n_samples: usize,
    /// The fitted slope is divided by this (when > 0): smaller = wider limits.
    pub contrast: f64,
    /// The fit is abandoned (limits = sample min/max) when fewer than
    /// `max(min_npixels, npix * max_reject)` samples remain.
    pub max_reject: f64,
    pub min_npixels: usize,
    /// Rejection threshold in standard deviations of the residuals.
    pub krej: f64,
    pub max_iterations: usize,
}

impl Default for ZScaleParams {
    fn default() -> Self {
        ZScaleParams { n_samples: 1000, contrast: 0.25, max_reject: 0.5, min_npixels: 5, krej: 2.5, max_iterations: 5 }
    }
}

/// Display limits `(vmin, vmax)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub vmin: f64,
    pub vmax: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stretch {
    Linear,
    /// `asinh(x / a) / asinh(1 / a)`; astropy's default is `a = 0.1`.
    Asinh { a: f64 },
}

fn all_non_finite() -> KernelError {
    KernelError::InvalidParameter { argument: "values", reason: "the image has no finite pixel".to_string() }
}

/// IRAF's zscale with astropy's sampling and rejection:
/// 1. take every `stride`-th finite pixel in memory order, `stride = max(1, floor(nfinite /
///    n_samples))`, at most `n_samples` of them, and sort them;
/// 2. fit a line to (index, sorted value) by least squares over the samples not yet rejected;
///    reject those further than `krej` standard deviations (population) of the good residuals,
///    then grow every rejected run by `max(1, floor(npix / 100))` samples (a boolean
///    convolution with numpy's "same" alignment); stop after `max_iterations`, or when nothing
///    new was rejected, or when fewer than `minpix` samples are left;
/// 3. if at least `minpix` remain, `vmin = max(min, median - (center - 1) * slope / contrast)`
///    and `vmax = min(max, median + (npix - center) * slope / contrast)` with
///    `center = (npix - 1) / 2` (the median is float32 as numpy takes it from float32 samples);
///    otherwise the sample min and max.
pub fn zscale_limits(values: &[f32], params: &ZScaleParams) -> Result<Limits, KernelError> {
    if params.n_samples == 0 {
        return Err(KernelError::InvalidParameter { argument: "n_samples", reason: "must be at least 1".to_string() });
    }
    for (argument, value) in [("contrast", params.contrast), ("max_reject", params.max_reject), ("krej", params.krej)] {
        if !value.is_finite() {
            return Err(KernelError::InvalidParameter { argument, reason: format!("{value} is not finite") });
        }
    }
    let finite = values.iter().filter(|v| v.is_finite()).count();
    if finite == 0 {
        return Err(all_non_finite());
    }
    let stride = (finite / params.n_samples).max(1);
    let mut samples: Vec<f32> = values
        .iter()
        .filter(|v| v.is_finite())
        .step_by(stride)
        .take(params.n_samples)
        .copied()
        .collect();
    samples.sort_unstable_by(|a, b| a.partial_cmp(b).expect("samples are finite"));

    let npix = samples.len();
    let mut limits = Limits { vmin: samples[0] as f64, vmax: samples[npix - 1] as f64 };
    let minpix = params.min_npixels.max((npix as f64 * params.max_reject) as usize);
    // numpy's convolve(mask, ones(ngrow), "same") marks [i - ngrow/2, i + (ngrow-1)/2] around
    // each rejected sample i, with the integer halves taken that way round for even ngrow.
    let ngrow = ((npix as f64 * 0.01) as usize).max(1);
    let (grow_before, grow_after) = ((ngrow - 1) / 2, ngrow / 2);

    let mut bad = vec![false; npix];
    let mut grown = vec![false; npix];
    let mut good_count = npix;
    let mut last_good_count = npix + 1;
    let mut slope = None;
    for _ in 0..params.max_iterations {
        if good_count >= last_good_count || good_count < minpix {
            break;
        }
        let (fit_slope, intercept) = fit_line(&samples, &bad);
        let residual = |i: usize| samples[i] as f64 - (fit_slope * i as f64 + intercept);
        let threshold = params.krej * good_residual_std(npix, &bad, residual);
        for (i, flag) in bad.iter_mut().enumerate() {
            let r = residual(i);
            if r < -threshold || r > threshold {
                *flag = true;
            }
        }
        grown.fill(false);
        for i in (0..npix).filter(|&i| bad[i]) {
            grown[i.saturating_sub(grow_before)..(i + grow_after + 1).min(npix)].fill(true);
        }
        std::mem::swap(&mut bad, &mut grown);
        last_good_count = good_count;
        good_count = bad.iter().filter(|&&b| !b).count();
        slope = Some(fit_slope);
    }

    if let Some(mut slope) = slope.filter(|_| good_count >= minpix) {
        if params.contrast > 0.0 {
            slope /= params.contrast;
        }
        let center = (npix as i64 - 1) / 2;
        let median = median_of_sorted(&samples) as f64;
        limits.vmin = limits.vmin.max(median - (center - 1) as f64 * slope);
        limits.vmax = limits.vmax.min(median + (npix as i64 - center) as f64 * slope);
    }
    Ok(limits)
}

/// Least-squares line through `(i, samples[i])` over the samples not flagged `bad`, as
/// `(slope, intercept)`; centred sums keep it accurate for large offsets.
fn fit_line(samples: &[f32], bad: &[bool]) -> (f64, f64) {
    let good = || samples.iter().enumerate().filter(|&(i, _)| !bad[i]).map(|(i, &y)| (i as f64, y as f64));
    let n = good().count() as f64;
    let (sum_x, sum_y) = good().fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    let (mean_x, mean_y) = (sum_x / n, sum_y / n);
    let (sxx, sxy) = good().fold((0.0, 0.0), |(sxx, sxy), (x, y)| {
        let dx = x - mean_x;
        (sxx + dx * dx, sxy + dx * (y - mean_y))
    });
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (slope, mean_y - slope * mean_x)
}

/// Population standard deviation of `residual(i)` over the good samples.
fn good_residual_std(npix: usize, bad: &[bool], residual: impl Fn(usize) -> f64) -> f64 {
    let good = || (0..npix).filter(|&i| !bad[i]).map(&residual);
    let n = good().count() as f64;
    let mean = good().sum::<f64>() / n;
    (good().map(|r| (r - mean) * (r - mean)).sum::<f64>() / n).sqrt()
}

/// numpy's median of float32 values: the mean of the two middle ones is taken in float32.
fn median_of_sorted(sorted: &[f32]) -> f32 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Minimum and maximum of the finite pixels.
pub fn minmax_limits(values: &[f32]) -> Result<Limits, KernelError> {
    let (vmin, vmax) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if vmin > vmax {
        return Err(all_non_finite());
    }
    Ok(Limits { vmin: vmin as f64, vmax: vmax as f64 })
}

/// astropy's `PercentileInterval(percentile)`: numpy's linear-interpolation percentiles
/// `(100 - percentile) / 2` and `100 - (100 - percentile) / 2` of the finite pixels.
pub fn percentile_limits(values: &[f32], percentile: f64) -> Result<Limits, KernelError> {
    if !(percentile > 0.0 && percentile <= 100.0) {
        return Err(KernelError::InvalidParameter { argument: "percentile", reason: format!("{percentile} is not in (0, 100]") });
    }
    let mut finite: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Err(all_non_finite());
    }
    let lower = (100.0 - percentile) * 0.5;
    Ok(Limits { vmin: numpy_percentile(&mut finite, lower), vmax: numpy_percentile(&mut finite, 100.0 - lower) })
}

/// numpy's default ("linear") percentile; partially reorders `values` (all finite).
fn numpy_percentile(values: &mut [f32], q: f64) -> f64 {
    let n = values.len();
    let position = q / 100.0 * (n - 1) as f64;
    let below = (position.floor() as usize).min(n - 1);
    let t = position - below as f64;
    let order = |a: &f32, b: &f32| a.partial_cmp(b).expect("values are finite");
    let (_, &mut a, above) = values.select_nth_unstable_by(below, order);
    if above.is_empty() || t == 0.0 {
        return a as f64;
    }
    let (a, b) = (a as f64, above.iter().copied().fold(f32::INFINITY, f32::min) as f64);
    // numpy interpolates from the nearer end, so t = 1 gives b exactly.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Shrinks a `(rows, cols)` image by an integer `factor`: each output pixel is the mean of the
/// finite pixels of its `factor x factor` block (blocks on the last row/column may be
/// partial), NaN when the block has none. Returns the image and its `(rows, cols)`.
pub fn block_average(values: &[f32], rows: usize, cols: usize, factor: usize) -> Result<(Vec<f32>, usize, usize), KernelError> {
    check_image(values, rows, cols)?;
    if factor == 0 {
        return Err(KernelError::InvalidParameter { argument: "factor", reason: "must be at least 1".to_string() });
    }
    let (out_rows, out_cols) = (rows.div_ceil(factor), cols.div_ceil(factor));
    let mut sums = vec![0.0f64; out_rows * out_cols];
    let mut counts = vec![0u32; out_rows * out_cols];
    for (row, line) in values.chunks_exact(cols).enumerate() {
        let out_offset = (row / factor) * out_cols;
        for (col, &v) in line.iter().enumerate() {
            if v.is_finite() {
                sums[out_offset + col / factor] += v as f64;
                counts[out_offset + col / factor] += 1;
            }
        }
    }
    let out = sums.iter().zip(&counts).map(|(&s, &n)| if n == 0 { f32::NAN } else { (s / n as f64) as f32 }).collect();
    Ok((out, out_rows, out_cols))
}

fn check_image(values: &[f32], rows: usize, cols: usize) -> Result<(), KernelError> {
    if rows == 0 || cols == 0 {
        return Err(KernelError::InvalidShape { argument: "values", reason: format!("image shape ({rows}, {cols}) is empty") });
    }
    let expected = rows.checked_mul(cols).ok_or_else(|| KernelError::InvalidShape {
        argument: "values",
        reason: format!("({rows}, {cols}) has more elements than this platform can address"),
    })?;
    expect_len("values", values.len(), expected)
}

/// Number of NaN pixels (they are drawn in the NaN colour; infinities are clipped like numbers).
pub fn nan_count(values: &[f32]) -> usize {
    values.iter().filter(|v| v.is_nan()).count()
}

/// The map from pixel value to display level, with its constants taken once per image.
#[derive(Debug, Clone, Copy)]
pub struct DisplayScale {
    vmin: f64,
    range: f64,
    stretch: Stretch,
    /// `asinh(1 / a)` for the asinh stretch.
    asinh_norm: f64,
}

impl DisplayScale {
    pub fn new(limits: Limits, stretch: Stretch) -> Result<Self, KernelError> {
        if !(limits.vmin.is_finite() && limits.vmax.is_finite()) {
            return Err(KernelError::InvalidParameter { argument: "limits", reason: format!("({}, {}) are not finite", limits.vmin, limits.vmax) });
        }
        let asinh_norm = match stretch {
            Stretch::Linear => 1.0,
            Stretch::Asinh { a } if a > 0.0 && a.is_finite() => (1.0 / a).asinh(),
            Stretch::Asinh { a } => {
                return Err(KernelError::InvalidParameter { argument: "a", reason: format!("asinh softening {a} must be > 0") })
            }
        };
        Ok(DisplayScale { vmin: limits.vmin, range: limits.vmax - limits.vmin, stretch, asinh_norm })
    }

    /// The display level in [0, 1] as astropy computes `stretch(interval(value))`:
    /// `(v - vmin) / (vmax - vmin)` (no division when vmax == vmin), clipped to [0, 1], then
    /// stretched. NaN stays NaN. Computed in float64 (astropy stays in float32 for float32 input).
    pub fn level(&self, value: f32) -> f64 {
        let mut x = value as f64 - self.vmin;
        if self.range != 0.0 {
            x /= self.range;
        }
        let x = x.clamp(0.0, 1.0);
        match self.stretch {
            Stretch::Linear => x,
            Stretch::Asinh { a } => (x / a).asinh() / self.asinh_norm,
        }
    }

    /// The level as a byte the way matplotlib indexes a 256-entry colormap: `floor(level *
    /// 256)`, with 1.0 going to 255.
    pub fn byte(&self, value: f32) -> u8 {
        (self.level(value) * 256.0).min(255.0) as u8
    }
}

/// Renders a `(rows, cols)` image (FITS order: row 0 at the bottom) to top-down scanlines, as
/// astronomers display it (`origin="lower"`): the first output row is the last image row.
/// `channels = 1`: gray bytes, NaN drawn as `nan_color[0]`; `channels = 3`: RGB, gray levels
/// repeated, NaN drawn as `nan_color`.
pub fn render(
    values: &[f32],
    rows: usize,
    cols: usize,
    limits: Limits,
    stretch: Stretch,
    nan_color: [u8; 3],
    channels: usize,
) -> Result<Vec<u8>, KernelError> {
    check_image(values, rows, cols)?;
    if channels != 1 && channels != 3 {
        return Err(KernelError::InvalidParameter { argument: "channels", reason: format!("{channels} is not 1 (gray) or 3 (RGB)") });
    }
    let scale = DisplayScale::new(limits, stretch)?;
    let mut out = vec![0u8; values.len() * channels];
    let image_rows = values.chunks_exact(cols).rev();
    if channels == 1 {
        for (line, out_line) in image_rows.zip(out.chunks_exact_mut(cols)) {
            for (&v, byte) in line.iter().zip(out_line) {
                *byte = if v.is_nan() { nan_color[0] } else { scale.byte(v) };
            }
        }
    } else {
        for (line, out_line) in image_rows.zip(out.chunks_exact_mut(cols * 3)) {
            for (&v, pixel) in line.iter().zip(out_line.chunks_exact_mut(3)) {
                let rgb = if v.is_nan() { nan_color } else { [scale.byte(v); 3] };
                pixel.copy_from_slice(&rgb);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator (xorshift) for noise in tests.
    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                // Sum of 4 uniforms: roughly Gaussian, mean 0, sigma 1.
                (0..4)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                    })
                    .sum::<f64>() as f32
                    * 3.0f32.sqrt()
            })
            .collect()
    }

    /// CASE: a linear ramp 0..99 (100 samples, none rejected): the fit is exact (slope 1),
    /// median 49.5, center 49: vmin = max(0, 49.5 - 48 * 4) = 0, vmax = min(99, 49.5 + 51 * 4) = 99.
    /// With contrast 100 the slope is 0.01: vmin = 49.5 - 0.48, vmax = 49.5 + 0.51.
    #[test]
    fn ramp_gives_hand_computed_limits() {
        let ramp: Vec<f32> = (0..100).rev().map(|v| v as f32).collect();
        let limits = zscale_limits(&ramp, &ZScaleParams::default()).unwrap();
        assert_eq!((limits.vmin, limits.vmax), (0.0, 99.0));
        let narrow = zscale_limits(&ramp, &ZScaleParams { contrast: 100.0, ..Default::default() }).unwrap();
        assert!((narrow.vmin - 49.02).abs() < 1e-12 && (narrow.vmax - 50.01).abs() < 1e-12, "{narrow:?}");
    }

    /// CASE: noise of sigma 1 plus a few very bright pixels: the bright ones are rejected and
    /// the limits hug the noise (zscale of Gaussian noise spans roughly +-2.5 sigma / contrast
    /// scaled: a few sigma), far below the bright pixels.
    #[test]
    fn bright_outliers_do_not_widen_the_limits() {
        let mut image = noise(4096, 7);
        for i in (0..4096).step_by(97) {
            image[i] = 1.0e4;
        }
        let limits = zscale_limits(&image, &ZScaleParams::default()).unwrap();
        assert!(limits.vmin > -10.0 && limits.vmin < -1.0, "{limits:?}");
        assert!(limits.vmax > 1.0 && limits.vmax < 10.0, "{limits:?}");
    }

    /// CASE: 2000 finite pixels among NaNs and infinities, n_samples 1000: stride 2 over the
    /// finite pixels only, so the samples are the even values 0, 2, ..., 1998 (min 0, max 1998).
    #[test]
    fn sampling_strides_over_finite_pixels_only() {
        let mut image = Vec::new();
        for v in 0..2000 {
            image.push(v as f32);
            if v % 3 == 0 {
                image.push(f32::NAN);
                image.push(f32::INFINITY);
            }
        }
        // max_iterations 0: no fit, the sample extremes come back.
        let limits = zscale_limits(&image, &ZScaleParams { max_iterations: 0, ..Default::default() }).unwrap();
        assert_eq!((limits.vmin, limits.vmax), (0.0, 1998.0));
    }

    /// CASE: 4 samples < min_npixels 5: no fit, min and max.
    #[test]
    fn too_few_pixels_give_min_and_max() {
        let limits = zscale_limits(&[3.0, f32::NAN, -1.0, 10.0, 2.0], &ZScaleParams::default()).unwrap();
        assert_eq!((limits.vmin, limits.vmax), (-1.0, 10.0));
    }

    #[test]
    fn all_nan_is_an_error() {
        let nan = [f32::NAN, f32::INFINITY];
        assert_eq!(zscale_limits(&nan, &ZScaleParams::default()).unwrap_err().code(), "invalid_parameter");
        assert_eq!(minmax_limits(&nan).unwrap_err().code(), "invalid_parameter");
        assert_eq!(percentile_limits(&nan, 99.5).unwrap_err().code(), "invalid_parameter");
    }

    /// CASE: 0..=200 (201 values): percentile 99 keeps [0.5 %, 99.5 %] -> positions 1.0 and
    /// 199.0 exactly; percentile 99.5 -> 0.5 and 199.5, interpolated halfway.
    #[test]
    fn percentiles_interpolate_like_numpy() {
        let values: Vec<f32> = (0..=200).rev().map(|v| v as f32).chain([f32::NAN]).collect();
        assert_eq!(percentile_limits(&values, 99.0).unwrap(), Limits { vmin: 1.0, vmax: 199.0 });
        assert_eq!(percentile_limits(&values, 99.5).unwrap(), Limits { vmin: 0.5, vmax: 199.5 });
        assert_eq!(percentile_limits(&values, 100.0).unwrap(), Limits { vmin: 0.0, vmax: 200.0 });
        assert_eq!(minmax_limits(&values).unwrap(), Limits { vmin: 0.0, vmax: 200.0 });
    }

    /// CASE: 3 x 5 image, factor 2 -> 2 x 3; the NaN is skipped, the last column/row blocks are partial.
    #[test]
    fn block_average_skips_nan_and_keeps_partial_blocks() {
        #[rustfmt::skip]
        let image = [
            1.0, 3.0,  5.0, f32::NAN, 9.0,
            5.0, 7.0,  5.0, 5.0,      1.0,
            2.0, 4.0,  f32::NAN, f32::NAN, 6.0,
        ];
        let (out, rows, cols) = block_average(&image, 3, 5, 2).unwrap();
        assert_eq!((rows, cols), (2, 3));
        assert_eq!(&out[..4], &[4.0, 5.0, 5.0, 3.0]);
        assert!(out[4].is_nan());
        assert_eq!(out[5], 6.0);
    }

    /// CASE: levels by hand: linear 0..10 -> 0, 0.5, 1; asinh(a = 0.1) of 0.5 =
    /// asinh(5) / asinh(10) = 2.3124383 / 2.9982230 = 0.7712696.
    #[test]
    fn stretch_levels() {
        let linear = DisplayScale::new(Limits { vmin: 0.0, vmax: 10.0 }, Stretch::Linear).unwrap();
        assert_eq!((linear.level(5.0), linear.level(-3.0), linear.level(f32::INFINITY)), (0.5, 0.0, 1.0));
        let asinh = DisplayScale::new(Limits { vmin: 0.0, vmax: 10.0 }, Stretch::Asinh { a: 0.1 }).unwrap();
        assert!((asinh.level(5.0) - 0.771_269_6).abs() < 1e-7);
        // floor(256 x): 0.5 -> 128, 9.99 / 10 -> 255, 1.0 -> 255 (not 256).
        assert_eq!((linear.byte(0.0), linear.byte(5.0), linear.byte(9.99), linear.byte(10.0)), (0, 128, 255, 255));
        // vmin == vmax: no division, values above vmin clip to 1.
        let flat = DisplayScale::new(Limits { vmin: 2.0, vmax: 2.0 }, Stretch::Linear).unwrap();
        assert_eq!((flat.level(1.0), flat.level(2.0), flat.level(3.5)), (0.0, 0.0, 1.0));
    }

    /// CASE: 2 x 2 image, rows flipped for display; NaN in gray and in RGB.
    #[test]
    fn render_flips_rows_and_paints_nan() {
        let image = [0.0, 10.0, f32::NAN, 5.0];
        let limits = Limits { vmin: 0.0, vmax: 10.0 };
        let gray = render(&image, 2, 2, limits, Stretch::Linear, [7, 7, 7], 1).unwrap();
        assert_eq!(gray, [7, 128, 0, 255]);
        let rgb = render(&image, 2, 2, limits, Stretch::Linear, [255, 0, 0], 3).unwrap();
        assert_eq!(rgb, [255, 0, 0, 128, 128, 128, 0, 0, 0, 255, 255, 255]);
        assert_eq!(nan_count(&image), 1);
    }

    #[test]
    fn bad_render_input_is_an_error() {
        let limits = Limits { vmin: 0.0, vmax: 1.0 };
        assert_eq!(render(&[0.0; 3], 2, 2, limits, Stretch::Linear, [0; 3], 1).unwrap_err().code(), "shape_mismatch");
        assert_eq!(render(&[0.0; 4], 2, 2, limits, Stretch::Linear, [0; 3], 2).unwrap_err().code(), "invalid_parameter");
        assert_eq!(render(&[0.0; 4], 2, 2, limits, Stretch::Asinh { a: 0.0 }, [0; 3], 1).unwrap_err().code(), "invalid_parameter");
        assert_eq!(block_average(&[0.0; 4], 2, 2, 0).unwrap_err().code(), "invalid_parameter");
    }
}
