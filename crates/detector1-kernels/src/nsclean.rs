//! NSClean, jwst 3.0 `clean_flicker_noise` with `fit_method = 'fft'` (NIRSpec only): the
//! background noise of one image is fitted with a few Fourier modes of the background pixels,
//! in detector orientation (transposed; NRS2 also flipped), by weighted least squares.
//!
//! - Full frame ([`clean_full_frame`], jwst `NSClean`): line by line, the 9 lowest modes of the
//!   2048-pixel line, weights from the background density along the line, apodised, then the
//!   model is smoothed along the dispersion axis ("buffing") and subtracted.
//! - Subarrays ([`clean_subarray`], jwst `fft_clean_subarray` + `NSCleanSubarray`): overlapping
//!   sections of about 512 background pixels, the modes of the readout's time series (12 pixels
//!   of line overhead, 10 µs per pixel) below ~1.2 kHz and near Nyquist.
//!
//! numpy does part of this in complex64/float32 with LAPACK and pocketfft; we work in float64
//! where numpy uses either, rounding to float32 where numpy stores float32 (the basis, the
//! Fourier coefficients, the model), so results agree to float32 precision, not bit for bit.
//! Two quirks of jwst's kernels are kept: both convolution kernels sit one pixel off centre
//! after `ifftshift` (the weights of a line come from the previous line's mask, shifted by
//! one pixel; the buffed model moves by one pixel along both axes).

use std::f64::consts::PI;

use std::ops::{Add, Mul, Sub};

use crate::clean_flicker_noise::median_f32;
use crate::fft::Fft;

/// Complex numbers in float64: the FFT module's, with what the fits here need besides.
type C64 = crate::fft::Complex;

trait FitComplex {
    fn div(self, o: Self) -> Self;
    fn abs2(self) -> f64;
    /// Rounded to complex64, as numpy stores it.
    fn to_c32(self) -> Self;
}

impl FitComplex for C64 {
    fn div(self, o: Self) -> Self {
        let d = o.re * o.re + o.im * o.im;
        C64::new((self.re * o.re + self.im * o.im) / d, (self.im * o.re - self.re * o.im) / d)
    }
    fn abs2(self) -> f64 {
        self.re * self.re + self.im * self.im
    }
    fn to_c32(self) -> Self {
        C64::new(self.re as f32 as f64, self.im as f32 as f64)
    }
}

/// A weighted least-squares fit of Fourier modes failed: the normal matrix is singular (numpy's
/// `LinAlgError`, after which jwst fails the step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SingularFit;

/// Solves `g x = h` (complex, `n` x `n`, row-major) by Gaussian elimination with partial pivoting.
fn solve(mut g: Vec<C64>, mut h: Vec<C64>, n: usize) -> Result<Vec<C64>, SingularFit> {
    for col in 0..n {
        let pivot = (col..n).max_by(|&a, &b| g[a * n + col].abs2().total_cmp(&g[b * n + col].abs2())).unwrap();
        if g[pivot * n + col].abs2() == 0.0 {
            return Err(SingularFit);
        }
        if pivot != col {
            for k in 0..n {
                g.swap(pivot * n + k, col * n + k);
            }
            h.swap(pivot, col);
        }
        let diag = g[col * n + col];
        for row in col + 1..n {
            let factor = g[row * n + col].div(diag);
            for k in col..n {
                g[row * n + k] = g[row * n + k].sub(factor.mul(g[col * n + k]));
            }
            h[row] = h[row].sub(factor.mul(h[col]));
        }
    }
    let mut x = vec![C64::default(); n];
    for row in (0..n).rev() {
        let mut s = h[row];
        for k in row + 1..n {
            s = s.sub(g[row * n + k].mul(x[k]));
        }
        x[row] = s.div(g[row * n + row]);
    }
    Ok(x)
}

/// Fourier coefficients `k` of the samples `values` at positions `m` (of a series of length
/// `period`), weighted by `weights` (jwst: `pinv(P B) P d` with `B[i, k] = exp(2 pi i m k /
/// period) / N` rounded to complex64), times `period / N` (numpy's normalisation).
fn weighted_modes(m: &[usize], values: &[f64], weights: &[f64], modes: &[usize], period: usize) -> Result<Vec<C64>, SingularFit> {
    let count = m.len();
    let nk = modes.len();
    let basis: Vec<C64> = m
        .iter()
        .flat_map(|&mi| {
            modes.iter().map(move |&k| {
                let phase = 2.0 * PI * ((mi as u64 * k as u64) % period as u64) as f64 / period as f64;
                C64::new(phase.cos() / count as f64, phase.sin() / count as f64).to_c32()
            })
        })
        .collect();
    // normal equations of A = P B: (A^H A) x = A^H P d
    let mut g = vec![C64::default(); nk * nk];
    let mut h = vec![C64::default(); nk];
    for i in 0..count {
        let w2 = weights[i] * weights[i];
        let row = &basis[i * nk..][..nk];
        for a in 0..nk {
            let ca = row[a].conj().scale(w2);
            h[a] = h[a].add(ca.scale(values[i]));
            for b in 0..nk {
                g[a * nk + b] = g[a * nk + b].add(ca.mul(row[b]));
            }
        }
    }
    let x = solve(g, h, nk)?;
    let norm = (period as f64 / count as f64) as f32 as f64;
    Ok(x.into_iter().map(|c| { let c = c.to_c32(); C64::new((c.re * norm) as f32 as f64, (c.im * norm) as f32 as f64) }).collect())
}

/// numpy `irfft` of a spectrum that is zero except at `modes` (length `n` output, imaginary
/// parts of the zero and Nyquist terms ignored), rounded to float32.
fn sparse_irfft(coefficients: &[C64], modes: &[usize], n: usize) -> Vec<f32> {
    let mut out = vec![0f32; n];
    for (t, o) in out.iter_mut().enumerate() {
        let mut s = 0.0;
        for (c, &k) in coefficients.iter().zip(modes) {
            if k == 0 || 2 * k == n {
                s += c.re * if k == 0 || t % 2 == 0 { 1.0 } else { -1.0 };
            } else {
                let phase = 2.0 * PI * ((k as u64 * t as u64) % n as u64) as f64 / n as f64;
                s += 2.0 * (c.re * phase.cos() - c.im * phase.sin());
            }
        }
        *o = (s / n as f64) as f32;
    }
    out
}

/// Circular convolution `out[t] = sum_j kernel(j) x[(t - j) mod n]` with a kernel that is
/// negligible beyond `reach` samples of lag `centre`.
fn circular_convolve(x: &[f64], kernel: impl Fn(usize) -> f64, centre: isize, reach: isize) -> Vec<f64> {
    let n = x.len() as isize;
    let mut out = vec![0.0; x.len()];
    let taps: Vec<(isize, f64)> = (centre - reach..=centre + reach)
        .map(|lag| (lag, kernel(lag.rem_euclid(n) as usize)))
        .collect();
    for (t, o) in out.iter_mut().enumerate() {
        let mut s = 0.0;
        for &(lag, w) in &taps {
            s += w * x[(t as isize - lag).rem_euclid(n) as usize];
        }
        *o = s;
    }
    out
}

/// The value numpy's `ifftshift` puts at index `j` of a length-`n` Gaussian `exp(-(x - mu)^2 /
/// (2 sigma^2)) / (sigma sqrt(2 pi))` sampled at `x = 0..n` with `mu = n // 2 + 1`.
fn shifted_gaussian(j: usize, n: usize, sigma: f64) -> f64 {
    let x = ((j + n / 2) % n) as f64;
    let mu = (n / 2 + 1) as f64;
    (-((x - mu) * (x - mu)) / (sigma * sigma) / 2.0).exp() / sigma / (2.0 * PI).sqrt()
}

/// Image (rows x cols, DMS) to detector orientation (cols x rows): transposed, and for NRS2
/// also flipped along the new first axis.
fn to_detector<T: Copy>(image: &[T], rows: usize, cols: usize, nrs2: bool) -> Vec<T> {
    let mut out = Vec::with_capacity(image.len());
    for i in 0..cols {
        let c = if nrs2 { cols - 1 - i } else { i };
        for r in 0..rows {
            out.push(image[r * cols + c]);
        }
    }
    out
}

fn from_detector<T: Copy + Default>(detector: &[T], rows: usize, cols: usize, nrs2: bool) -> Vec<T> {
    let mut out = vec![T::default(); detector.len()];
    for i in 0..cols {
        let c = if nrs2 { cols - 1 - i } else { i };
        for r in 0..rows {
            out[r * cols + c] = detector[i * rows + r];
        }
    }
    out
}

/// NIRSpec readout timing of NSCleanSubarray: new-line overhead (pixels) and pixel time (s).
const LINE_OVERHEAD: usize = 12;
const PIXEL_TIME: f32 = 10.0e-6;

/// jwst `NSCleanSubarray(data, mask, fc, exclude_outliers=False).clean(return_model=True)` on one
/// section (`ny` x `nx`, detector orientation): the weighted fit of the modes the apodiser keeps.
fn subarray_section_model(data: &[f32], mask: &[bool], ny: usize, nx: usize, fc: [f32; 4]) -> Result<Vec<f32>, SingularFit> {
    let n = ny * (nx + LINE_OVERHEAD);
    // numpy rfftfreq(n, float32 10 us) in float64, stored as float32
    let step = 1.0 / (n as f64 * PIXEL_TIME as f64);
    let nfreq = n / 2 + 1;
    let freq: Vec<f32> = (0..nfreq).map(|k| (k as f64 * step) as f32).collect();
    let apodizer: Vec<f32> = freq
        .iter()
        .map(|&f| {
            if f < fc[0] {
                1.0
            } else if f < fc[1] {
                0.5 * (((std::f32::consts::PI / (fc[1] - fc[0])) * (f - fc[0])).cos() + 1.0)
            } else if f < fc[2] {
                0.0
            } else if f < fc[3] {
                0.5 * (((std::f32::consts::PI / (fc[3] - fc[2])) * (f - fc[2]) + std::f32::consts::PI).cos() + 1.0)
            } else {
                1.0
            }
        })
        .collect();
    let modes: Vec<usize> = (0..nfreq).filter(|&k| apodizer[k] > 0.0).collect();
    // weights: 1 / (time series of the mask, line overhead included, convolved with a Gaussian)
    let series: Vec<f64> = (0..n).map(|t| { let (y, x) = (t / (nx + LINE_OVERHEAD), t % (nx + LINE_OVERHEAD)); (x < nx && mask[y * nx + x]) as u8 as f64 }).collect();
    let sigma = ((1.0f32 / 1136.0) / PIXEL_TIME / 2.0 / 4.0) as f64;
    let reach = (12.0 * sigma).ceil() as isize;
    let density = circular_convolve(&series, |j| shifted_gaussian(j, n, sigma), 1, reach);
    let mut m = Vec::new();
    let mut values = Vec::new();
    let mut weights = Vec::new();
    for y in 0..ny {
        for x in 0..nx {
            if mask[y * nx + x] {
                let t = y * (nx + LINE_OVERHEAD) + x;
                m.push(t);
                values.push(data[y * nx + x] as f64);
                let w = 1.0 / density[t];
                weights.push(if w.is_finite() { w } else { 0.0 });
            }
        }
    }
    let coefficients = weighted_modes(&m, &values, &weights, &modes, n)?;
    let apodized: Vec<C64> = coefficients
        .iter()
        .zip(&modes)
        .map(|(c, &k)| C64::new((c.re as f32 * apodizer[k]) as f64, (c.im as f32 * apodizer[k]) as f64))
        .collect();
    let series_model = sparse_irfft(&apodized, &modes, n);
    Ok((0..ny * nx).map(|p| series_model[(p / nx) * (nx + LINE_OVERHEAD) + p % nx]).collect())
}

/// The frequency cut-offs of `fft_clean_subarray`: ALLSLITS fits fewer high frequencies.
pub fn subarray_cutoffs(allslits: bool) -> [f32; 4] {
    if allslits {
        [150.0, 200.0, 49943.0, 49957.0]
    } else {
        [1061.0, 1211.0, 49943.0, 49957.0]
    }
}

/// jwst `fft_clean_subarray(image, mask, detector, fc=fc)` (npix_iter 512, outliers beyond 4
/// robust sigma and their 4 neighbours excluded, sections fitted where more than 5% of pixels
/// are background): the cleaned image in float64, as numpy returns it. `Ok(None)` when the
/// mask has no pixel (jwst: "No good pixels in mask", the step fails).
pub fn clean_subarray(image: &[f32], mask: &[bool], rows: usize, cols: usize, nrs2: bool, fc: [f32; 4]) -> Result<Option<Vec<f64>>, SingularFit> {
    let (ny, nx) = (cols, rows);
    let data = to_detector(image, rows, cols, nrs2);
    let mut mask = to_detector(mask, rows, cols, nrs2);
    // robust outliers over the whole image (float32, as numpy)
    let mut values: Vec<f32> = data.iter().zip(&mask).filter(|(_, &m)| m).map(|(&v, _)| v).collect();
    let med = median_f32(&mut values);
    let mut deviations: Vec<f32> = data.iter().zip(&mask).filter(|(_, &m)| m).map(|(&v, _)| (v - med).abs()).collect();
    let std = 1.4825f32 * median_f32(&mut deviations);
    let outlier: Vec<bool> = data.iter().zip(&mask).map(|(&v, &m)| m && (v - med).abs() > 4.0 * std).collect();
    for p in 0..ny * nx {
        let (y, x) = (p / nx, p % nx);
        let near = outlier[p] || (y > 0 && outlier[p - nx]) || (y + 1 < ny && outlier[p + nx]) || (x > 0 && outlier[p - 1]) || (x + 1 < nx && outlier[p + 1]);
        if near {
            mask[p] = false;
        }
    }
    let mut cumulative = vec![0usize; ny + 1];
    for y in 0..ny {
        cumulative[y + 1] = cumulative[y] + mask[y * nx..][..nx].iter().filter(|&&m| m).count();
    }
    let used: Vec<usize> = (0..ny).filter(|&y| cumulative[y + 1] > cumulative[y]).collect();
    let (Some(&first), Some(&last)) = (used.first(), used.last()) else { return Ok(None) };
    const NPIX_ITER: usize = 512;
    let mut model = vec![0f64; ny * nx];
    let mut total_weight = vec![0f64; ny * nx];
    let mut i1 = first;
    while i1 <= last {
        let mut k = 0;
        for candidate in i1 + 1..last + 2 {
            k = candidate;
            if cumulative[k] - cumulative[i1] > NPIX_ITER && (cumulative[ny] - cumulative[i1]) as f64 > 1.5 * NPIX_ITER as f64 {
                break;
            }
        }
        let di = k - i1;
        let section = i1 * nx..(i1 + di) * nx;
        let fraction = mask[section.clone()].iter().filter(|&&m| m).count() as f64 / (di * nx) as f64;
        let part = if fraction > 0.05 { Some(subarray_section_model(&data[section.clone()], &mask[section.clone()], di, nx, fc)?) } else { None };
        for r in 0..di {
            // numpy linspace(-1, 1, di); a single row gets -1
            let position = if di == 1 { -1.0 } else { -1.0 + 2.0 * r as f64 / (di - 1) as f64 };
            let weight = 1.001 - position.abs();
            for x in 0..nx {
                let p = (i1 + r) * nx + x;
                model[p] += weight * part.as_ref().map_or(0.0, |m| m[r * nx + x] as f64);
                total_weight[p] += weight;
            }
        }
        if k == last + 1 {
            break;
        }
        i1 += ((di as f64 / 2.0).round_ties_even() as usize).max(1);
    }
    let cleaned: Vec<f64> = (0..ny * nx)
        .map(|p| {
            let w = if model[p] == 0.0 { 1.0 } else { total_weight[p] };
            data[p] as f64 - model[p] / w
        })
        .collect();
    Ok(Some(from_detector(&cleaned, rows, cols, nrs2)))
}

/// In-place complex FFT of `plan`'s length (`inverse`: e^{+i}), unnormalised.
fn fft(plan: &Fft, a: &mut [C64], inverse: bool) {
    let mut scratch = vec![C64::default(); a.len()];
    if inverse {
        plan.backward(a, &mut scratch);
    } else {
        plan.forward(a, &mut scratch);
    }
}

/// jwst `NSClean(detector, mask).clean(image, buff=True)` on a 2048 x 2048 image: the cleaned
/// image (float32). Lines 4..2043 (detector orientation) are fitted; a line without background
/// pixels gets no model.
pub fn clean_full_frame(image: &[f32], mask: &[bool], nrs2: bool) -> Result<Vec<f32>, SingularFit> {
    const N: usize = 2048;
    let data = to_detector(image, N, N, nrs2);
    let mask = to_detector(mask, N, N, nrs2);
    // low-pass filter: fc = 1/256, kill width 1/1024 -> modes 0..=8 (mode 8 at half gain)
    let (fc, kill) = (1.0 / (2.0 * 2048.0 / 16.0), 1.0 / (2.0 * 2048.0 / 16.0) / 4.0);
    let apodizer: Vec<f64> = (0..=N / 2)
        .map(|k| {
            let f = k as f64 / N as f64;
            let roll = (1.0 + (PI * (f - fc) / kill + PI / 2.0).cos()) / 2.0;
            if f <= fc - kill / 2.0 { 1.0 } else if f <= fc + kill / 2.0 { roll } else { 0.0 }
        })
        .collect();
    let modes: Vec<usize> = (0..=N / 2).filter(|&k| apodizer[k] > 0.0).collect();
    // weights: 1 / (mask of the line above, convolved along the line with a Gaussian of 32 px
    // centred one pixel over), by FFT
    let plan = Fft::new(N);
    let kernel: Vec<C64> = {
        let mut k: Vec<C64> = (0..N).map(|j| C64::new(shifted_gaussian(j, N, 32.0) as f32 as f64, 0.0)).collect();
        fft(&plan, &mut k, false);
        k
    };
    let mut model = vec![0f32; N * N];
    for y in 4..N - 4 {
        let line = &mask[y * N..][..N];
        if !line.iter().any(|&m| m) {
            continue;
        }
        let above = &mask[((y + N - 1) % N) * N..][..N];
        let mut spectrum: Vec<C64> = above.iter().map(|&m| C64::new(m as u8 as f64, 0.0)).collect();
        fft(&plan, &mut spectrum, false);
        for (s, k) in spectrum.iter_mut().zip(&kernel) {
            *s = s.mul(*k);
        }
        fft(&plan, &mut spectrum, true);
        let mut m = Vec::new();
        let mut values = Vec::new();
        let mut weights = Vec::new();
        for x in 0..N {
            if line[x] {
                m.push(x);
                values.push(data[y * N + x]);
                let w = (1.0 / (spectrum[x].re / N as f64) as f32) as f64;
                weights.push(if w.is_finite() { w } else { 0.0 });
            }
        }
        // When the line above has no background pixel the exact density is 0 and every weight
        // infinite (jwst zeroes those); numpy's float32 2-D FFT leaves round-off there instead
        // (~1e-9, smooth along the line), so jwst fits such a line with nearly even weights.
        // We use even weights: the one place where we do not follow jwst's numbers.
        if weights.iter().all(|&w| w == 0.0) {
            weights.fill(1.0);
        }
        // outliers (beyond 3 robust sigma) replaced by the line median, in float32
        let mut sorted = values.clone();
        let mu = median_f32(&mut sorted);
        let mut deviations: Vec<f32> = values.iter().map(|v| (v - mu).abs()).collect();
        let sigma = 1.4826f32 * median_f32(&mut deviations);
        let filled: Vec<f64> = values.iter().map(|&v| if mu - 3.0 * sigma <= v && v <= mu + 3.0 * sigma { v as f64 } else { mu as f64 }).collect();
        // numpy multiplies p into the data in float32 before the complex64 product
        let coefficients = weighted_modes(&m, &filled, &weights, &modes, N)?;
        let apodized: Vec<C64> = coefficients.iter().zip(&modes).map(|(c, &k)| C64::new(c.re * apodizer[k], c.im * apodizer[k]).to_c32()).collect();
        model[y * N..][..N].copy_from_slice(&sparse_irfft(&apodized, &modes, N));
    }
    // buffing: along the detector's first axis, Gaussian sigma 1.5 centred one line over, and
    // one pixel over along the line
    let mut cleaned = data;
    let mut column = vec![0f64; N];
    for x in 0..N {
        let source = (x + N - 1) % N;
        for y in 0..N {
            column[y] = model[y * N + source] as f64;
        }
        let smooth = circular_convolve(&column, |j| shifted_gaussian(j, N, 1.5) as f32 as f64, 1, 24);
        for y in 0..N {
            cleaned[y * N + x] -= smooth[y] as f32;
        }
    }
    Ok(from_detector(&cleaned, N, N, nrs2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_matches_a_direct_transform() {
        let x: Vec<C64> = (0..8).map(|k| C64::new(k as f64, (k * k) as f64 * 0.1)).collect();
        let mut y = x.clone();
        fft(&Fft::new(8), &mut y, false);
        for (k, yk) in y.iter().enumerate() {
            let direct = x.iter().enumerate().fold(C64::default(), |s, (t, v)| s.add(v.mul(C64::new((-2.0 * PI * (k * t) as f64 / 8.0).cos(), (-2.0 * PI * (k * t) as f64 / 8.0).sin()))));
            assert!(yk.sub(direct).abs2() < 1e-20);
        }
    }

    #[test]
    fn weighted_modes_recover_a_sampled_cosine() {
        // 3 + 2 cos(2 pi 2 t / 64) at every point (the modes are then orthogonal): the fit gives
        // back numpy's rfft (n/2 times the amplitude at k = 2, n times the mean at k = 0).
        let m: Vec<usize> = (0..64).collect();
        let values: Vec<f64> = m.iter().map(|&t| 3.0 + 2.0 * (2.0 * PI * 2.0 * t as f64 / 64.0).cos()).collect();
        let coefficients = weighted_modes(&m, &values, &vec![1.0; m.len()], &[0, 1, 2, 3], 64).unwrap();
        assert!((coefficients[0].re - 192.0).abs() < 1e-3 && (coefficients[2].re - 64.0).abs() < 1e-3);
        assert!(coefficients[1].abs2() < 1e-6 && coefficients[3].abs2() < 1e-6);
        let series = sparse_irfft(&coefficients, &[0, 1, 2, 3], 64);
        assert!((series[5] - (3.0 + 2.0 * (2.0 * PI * 10.0 / 64.0).cos()) as f32).abs() < 1e-4);
        assert_eq!(weighted_modes(&[1, 2], &[1.0, 2.0], &[0.0, 0.0], &[0], 8), Err(SingularFit));
    }

    #[test]
    fn subarray_cleaning_removes_a_slow_drift() {
        // 32 rows x 512 columns; a slow drift along the readout (detector rows = our columns)
        let (rows, cols) = (32, 512);
        let image: Vec<f32> = (0..rows * cols).map(|p| { let t = (p % cols) * (rows + LINE_OVERHEAD) + p / cols; 5.0 * (2.0 * PI * t as f64 / 40000.0).sin() as f32 }).collect();
        let mask = vec![true; rows * cols];
        let cleaned = clean_subarray(&image, &mask, rows, cols, false, subarray_cutoffs(false)).unwrap().unwrap();
        let rms = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt();
        let before: Vec<f64> = image.iter().map(|&v| v as f64).collect();
        assert!(rms(&cleaned) < 0.1 * rms(&before), "{} vs {}", rms(&cleaned), rms(&before));
        assert_eq!(clean_subarray(&image, &vec![false; rows * cols], rows, cols, false, subarray_cutoffs(false)), Ok(None));
    }

    #[test]
    fn orientation_round_trips() {
        let image: Vec<u16> = (0..6).collect();
        for nrs2 in [false, true] {
            assert_eq!(from_detector(&to_detector(&image, 2, 3, nrs2), 2, 3, nrs2), image);
        }
        assert_eq!(to_detector(&image, 2, 3, false), [0, 3, 1, 4, 2, 5]);
        assert_eq!(to_detector(&image, 2, 3, true), [2, 5, 1, 4, 0, 3]);
    }
}
