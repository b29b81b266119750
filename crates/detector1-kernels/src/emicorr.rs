//! `emicorr`, jwst's 'joint' algorithm (spec/steps/miri.md §3, jwst `emicorr/emicorr.py`
//! `emicorr_refwave`): find the amplitude and phase of a reference EMI waveform that, once
//! subtracted, makes the ramps of quiet pixels straightest, then subtract it from every pixel.
//!
//! MIRI reads its 4 outputs together: the pixels of columns `4k..4k+3` of a row share a read
//! time `t = row·rowclocks + k·nsamples` (in 10 µs pixel clocks). [`bin`] sums the ramps of
//! quiet pixels by waveform phase bin, [`fit`] scans 500 trial phases, [`correct`] subtracts
//! (on row bands). Arithmetic follows numpy's: float32 pixel statistics, float64 sums, numpy's
//! pairwise summation over groups and bins.

use crate::error::{expect_len, KernelError};
use crate::refpix::pairwise_sum;
use crate::tile::RampShape;

/// numpy `a % 1.0` (np.remainder): the result has the sign of the divisor.
fn mod1(a: f64) -> f64 {
    let r = a % 1.0;
    if r != 0.0 && r < 0.0 {
        r + 1.0
    } else if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The reference waveform made periodic and interpolated by a cubic spline with not-a-knot
/// ends (scipy `interp1d(kind='cubic')`) through `[w[L-1], w[0..L], w[0]]` at phases
/// `(j - 0.5)/L`.
pub struct Waveform {
    x: Vec<f64>,
    y: Vec<f64>,
    /// Second derivatives at the knots.
    m: Vec<f64>,
    h: f64,
}

impl Waveform {
    pub fn new(wave: &[f64]) -> Result<Self, KernelError> {
        let l = wave.len();
        if l < 2 || wave.iter().any(|v| !v.is_finite()) {
            return Err(KernelError::InvalidParameter { argument: "waveform", reason: format!("needs at least 2 finite samples, got {l}") });
        }
        let n = l + 2;
        let x: Vec<f64> = (0..n).map(|j| (j as f64 - 0.5) / l as f64).collect();
        let mut y = Vec::with_capacity(n);
        y.push(wave[l - 1]);
        y.extend_from_slice(wave);
        y.push(wave[0]);
        let h = 1.0 / l as f64;
        // Uniform knots: M[i-1] + 4 M[i] + M[i+1] = 6 (y[i-1] - 2 y[i] + y[i+1]) / h², and
        // not-a-knot ends (M0 - 2 M1 + M2 = 0, likewise at the other end) make the first and
        // last of these 6 M[i] = r[i].
        let r: Vec<f64> = (0..n).map(|i| if i == 0 || i == n - 1 { 0.0 } else { 6.0 * (y[i - 1] - 2.0 * y[i] + y[i + 1]) / (h * h) }).collect();
        let mut m = vec![0.0; n];
        m[1] = r[1] / 6.0;
        m[n - 2] = r[n - 2] / 6.0;
        // Interior i = 2..n-3: tridiagonal (1, 4, 1) with known M[1], M[n-2] (Thomas algorithm).
        if n > 4 {
            let (lo, hi) = (2, n - 3);
            let count = hi - lo + 1;
            let mut c = vec![0.0; count];
            let mut d = vec![0.0; count];
            for (k, i) in (lo..=hi).enumerate() {
                let mut rhs = r[i];
                if i == lo {
                    rhs -= m[1];
                }
                if i == hi {
                    rhs -= m[n - 2];
                }
                let denom = if k == 0 { 4.0 } else { 4.0 - c[k - 1] };
                c[k] = 1.0 / denom;
                d[k] = if k == 0 { rhs / denom } else { (rhs - d[k - 1]) / denom };
            }
            for k in (0..count).rev() {
                m[lo + k] = if k == count - 1 { d[k] } else { d[k] - c[k] * m[lo + k + 1] };
            }
        }
        m[0] = 2.0 * m[1] - m[2];
        m[n - 1] = 2.0 * m[n - 2] - m[n - 3];
        Ok(Waveform { x, y, m, h })
    }

    /// The waveform at `phase` in `[x0, x_last]` (phases are taken modulo 1 by the callers).
    pub fn at(&self, phase: f64) -> f64 {
        let n = self.x.len();
        let mut j = ((phase - self.x[0]) / self.h).floor() as isize;
        j = j.clamp(0, n as isize - 2);
        let mut j = j as usize;
        while j > 0 && phase < self.x[j] {
            j -= 1;
        }
        while j < n - 2 && phase >= self.x[j + 1] {
            j += 1;
        }
        let (a, b) = (self.x[j + 1] - phase, phase - self.x[j]);
        let h = self.x[j + 1] - self.x[j];
        self.m[j] * a * a * a / (6.0 * h) + self.m[j + 1] * b * b * b / (6.0 * h) + (self.y[j] / h - self.m[j] * h / 6.0) * a + (self.y[j + 1] / h - self.m[j + 1] * h / 6.0) * b
    }
}

/// Read timing of an exposure, in pixel clocks.
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    pub nsamples: u32,
    pub rowclocks: u32,
    /// Clocks of the reset frame between integrations (FASTR1/SLOWR1), else 0.
    pub frameclocks: u32,
    /// Waveform period: (1 / frequency) / 10 µs.
    pub period: f64,
}

impl Clocks {
    /// Phase of the read of output column `k` of detector row `j` in the first group.
    fn phase(&self, j: usize, k: usize) -> f64 {
        let t = (j as u64 * self.rowclocks as u64 + k as u64 * self.nsamples as u64) as f64;
        mod1(t / self.period)
    }

    /// Phase step from one group to the next (`ny` rows plus the padding to 1024 rows).
    pub fn group_step(&self, ny: usize) -> f64 {
        let extra = (1024.0 - ny as f64) * (4.0 + 3.0);
        let frametime = ny as f64 * self.rowclocks as f64 + extra;
        mod1(frametime / self.period)
    }

    /// Phase step from one integration to the next.
    pub fn integration_step(&self, ny: usize, ngroups: usize) -> f64 {
        self.group_step(ny) * ngroups as f64 + self.frameclocks as f64 / self.period
    }
}

/// numpy median of float32 values (NaN if any is NaN; the mean of the middle pair in float32).
fn median_f32(values: &mut [f32]) -> f32 {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return f32::NAN;
    }
    let n = values.len();
    let half = n / 2;
    let (_, upper, _) = values.select_nth_unstable_by(half, |a, b| a.partial_cmp(b).unwrap());
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let lower = values[..half].iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (lower + upper) / 2.0
}

/// Sums of quiet pixels' ramps by waveform phase bin: `y` `(nints, nbins, ngroups)` and counts
/// `n` `(nints, nbins)`. Quiet: std over groups below twice the median std, and PIXELDQ 0.
/// Output columns 1 and 2 (`k` = 1, 2 of the 4-column groups) are left out, as in jwst.
pub fn bin(data: &[f32], pixeldq: &[u32], shape: RampShape, clocks: &Clocks, nbins: usize) -> Result<(Vec<f64>, Vec<f64>), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    if !shape.cols.is_multiple_of(4) || nbins == 0 {
        return Err(KernelError::InvalidParameter { argument: "shape", reason: format!("{} columns are not 4 outputs, or no bins", shape.cols) });
    }
    let (nints, ng, plane) = (shape.nints, shape.ngroups, shape.plane_len());
    let gf = ng as f32;
    let mut std = vec![0f32; nints * plane];
    for i in 0..nints {
        let base = i * ng * plane;
        for p in 0..plane {
            let mut sum = 0f32;
            for g in 0..ng {
                sum += data[base + g * plane + p];
            }
            let mean = sum / gf;
            let mut sq = 0f32;
            for g in 0..ng {
                let d = data[base + g * plane + p] - mean;
                sq += d * d;
            }
            std[i * plane + p] = (sq / gf).sqrt();
        }
    }
    let limit = 2.0 * median_f32(&mut std.clone());
    let mut y = vec![0f64; nints * nbins * ng];
    let mut n = vec![0f64; nints * nbins];
    for j in 0..shape.rows {
        for k in 0..shape.cols / 4 {
            if k == 1 || k == 2 {
                continue;
            }
            let index = (clocks.phase(j, k) * nbins as f64) as usize;
            for l in 0..4 {
                let p = j * shape.cols + 4 * k + l;
                for i in 0..nints {
                    let ok = std[i * plane + p] < limit && pixeldq[p] == 0;
                    let weight = if ok { 1f32 } else { 0f32 };
                    let row = &mut y[(i * nbins + index) * ng..][..ng];
                    for (g, acc) in row.iter_mut().enumerate() {
                        // numpy adds data * pixok: a NaN sample spoils its bin even when not used.
                        *acc += (data[(i * ng + g) * plane + p] * weight) as f64;
                    }
                    n[i * nbins + index] += weight as f64;
                }
            }
        }
    }
    Ok((y, n))
}

/// Precomputed sums over the waveform at each trial phase (jwst `EMIfitter`).
struct Fitter<'a> {
    y: &'a [f64],
    n: &'a [f64],
    nbins: usize,
    ng: usize,
    s_t: f64,
    s_tt: f64,
    delta: f64,
    sy: Vec<f64>,
    sty: Vec<f64>,
    trials: Vec<f64>,
    /// Per trial phase: z `(nbins, ngroups)`, and per bin Σz, Σtz, Σz².
    z: Vec<Vec<f64>>,
    sz: Vec<Vec<f64>>,
    stz: Vec<Vec<f64>>,
    szz: Vec<Vec<f64>>,
    int_step: f64,
}

impl<'a> Fitter<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(y: &'a [f64], n: &'a [f64], nints: usize, nbins: usize, ng: usize, wave: &Waveform, group_step: f64, int_step: f64, trials: usize) -> Self {
        let times: Vec<f64> = (0..ng).map(|g| g as f64).collect();
        let s_tt: i64 = (0..ng as i64).map(|g| g * g).sum();
        let s_t: i64 = (0..ng as i64).sum();
        let delta = ng as i64 * s_tt - s_t * s_t;
        let sy = (0..nints * nbins).map(|r| pairwise_sum(&y[r * ng..][..ng])).collect();
        let sty = (0..nints * nbins).map(|r| pairwise_sum(&y[r * ng..][..ng].iter().zip(&times).map(|(v, t)| v * t).collect::<Vec<_>>())).collect();
        let template: Vec<f64> = (0..nbins)
            .flat_map(|p| {
                let x = ((p + 1) as f64 - 0.5) / nbins as f64;
                (0..ng).map(move |g| mod1(x + g as f64 * group_step))
            })
            .collect();
        let trial_phases: Vec<f64> = (0..trials).map(|q| q as f64 * 1.0 / trials as f64).collect();
        let (mut zl, mut szl, mut stzl, mut szzl) = (vec![], vec![], vec![], vec![]);
        for &offset in &trial_phases {
            let z: Vec<f64> = template.iter().map(|&t| wave.at(mod1(t + offset))).collect();
            let rows = |f: &dyn Fn(usize, f64) -> f64| -> Vec<f64> {
                (0..nbins).map(|p| pairwise_sum(&z[p * ng..][..ng].iter().enumerate().map(|(g, &v)| f(g, v)).collect::<Vec<_>>())).collect()
            };
            szl.push(rows(&|_, v| v));
            stzl.push(rows(&|g, v| times[g] * v));
            szzl.push(rows(&|_, v| v * v));
            zl.push(z);
        }
        Fitter {
            y,
            n,
            nbins,
            ng,
            s_t: s_t as f64,
            s_tt: s_tt as f64,
            delta: delta as f64,
            sy,
            sty,
            trials: trial_phases,
            z: zl,
            sz: szl,
            stz: stzl,
            szz: szzl,
            int_step,
        }
    }

    /// jwst `calc_chisq_amplitudes` at one phase over integrations `ints`: (chi², amplitude).
    fn chisq(&self, phase: f64, ints: std::ops::Range<usize>) -> (f64, f64) {
        let (mut a, mut b) = (0f64, 0f64);
        let (nb, ng) = (self.nbins, self.ng);
        for i in ints {
            let diff = self.int_step * i as f64;
            // The first trial phase at or above the target, cyclically (argmin of a remainder).
            let mut k = 0;
            let mut best = f64::INFINITY;
            for (q, &t) in self.trials.iter().enumerate() {
                let d = mod1(t - phase - diff).abs();
                if d < best {
                    best = d;
                    k = q;
                }
            }
            let (z, sz, stz, szz) = (&self.z[k], &self.sz[k], &self.stz[k], &self.szz[k]);
            let y = &self.y[i * nb * ng..][..nb * ng];
            let n = &self.n[i * nb..][..nb];
            let sy = &self.sy[i * nb..][..nb];
            let sty = &self.sty[i * nb..][..nb];
            let syz: Vec<f64> = (0..nb).map(|p| pairwise_sum(&(0..ng).map(|g| z[p * ng + g] * y[p * ng + g]).collect::<Vec<_>>())).collect();
            let g = ng as f64;
            let a_terms: Vec<f64> = (0..nb)
                .map(|p| n[p] / self.delta * (-self.s_tt * (sz[p] * sz[p]) + 2.0 * self.s_t * sz[p] * stz[p] - g * (stz[p] * stz[p]) + szz[p] * self.delta))
                .collect();
            a += pairwise_sum(&a_terms);
            let b_terms: Vec<f64> =
                (0..nb).map(|p| self.s_tt * sz[p] * sy[p] - self.s_t * stz[p] * sy[p] - self.s_t * sz[p] * sty[p] + g * stz[p] * sty[p]).collect();
            b += (2.0 / self.delta) * pairwise_sum(&b_terms);
            b -= 2.0 * pairwise_sum(&syz);
        }
        if a.abs() <= 1e-8 || !a.is_finite() || !b.is_finite() {
            return (f64::NAN, 0.0);
        }
        let c = -b / (2.0 * a);
        (a * (c * c) + b * c, c)
    }

    /// jwst `get_best_phase`: parabola through the best trial phase and its neighbours.
    fn best_phase(&self, ints: std::ops::Range<usize>) -> f64 {
        let chisq: Vec<f64> = self.trials.iter().map(|&t| self.chisq(t, ints.clone()).0).collect();
        let Some((best, _)) = chisq.iter().enumerate().filter(|(_, v)| !v.is_nan()).min_by(|a, b| a.1.partial_cmp(b.1).unwrap()) else {
            return self.trials[0];
        };
        let len = chisq.len();
        let below = (best + len - 1) % len;
        let above = if best + 1 > len - 1 { 0 } else { best + 1 };
        let ys = [chisq[below], chisq[best], chisq[above]];
        if ys.iter().any(|v| !v.is_finite()) {
            return self.trials[best];
        }
        let xs = [self.trials[below], self.trials[best], self.trials[above]];
        if ys[0] == ys[1] && ys[1] == ys[2] {
            return self.trials[best];
        }
        // The parabola through the three points: y = A x² + B x + C.
        let (d01, d02, d12) = (xs[0] - xs[1], xs[0] - xs[2], xs[1] - xs[2]);
        let aa = (ys[0] / (d01 * d02)) - (ys[1] / (d01 * d12)) + (ys[2] / (d02 * d12));
        let bb = -(ys[0] * (xs[1] + xs[2]) / (d01 * d02)) + (ys[1] * (xs[0] + xs[2]) / (d01 * d12)) - (ys[2] * (xs[0] + xs[1]) / (d02 * d12));
        -bb / (2.0 * aa)
    }
}

/// Fits the waveform: per integration, the phase offset and amplitude to subtract. One phase
/// and amplitude for the whole exposure (advancing by the integration step) unless
/// `separately`.
#[allow(clippy::too_many_arguments)]
pub fn fit(y: &[f64], n: &[f64], nints: usize, nbins: usize, ngroups: usize, wave: &Waveform, clocks: &Clocks, ny: usize, separately: bool, trials: usize) -> Result<Vec<(f64, f64)>, KernelError> {
    expect_len("y", y.len(), nints * nbins * ngroups)?;
    expect_len("n", n.len(), nints * nbins)?;
    if trials == 0 || ngroups < 2 {
        return Err(KernelError::InvalidParameter { argument: "trials", reason: "needs trial phases and at least 2 groups".into() });
    }
    let int_step = clocks.integration_step(ny, ngroups);
    let fitter = Fitter::new(y, n, nints, nbins, ngroups, wave, clocks.group_step(ny), int_step, trials);
    if separately {
        Ok((0..nints)
            .map(|i| {
                let phase = fitter.best_phase(i..i + 1);
                (phase + i as f64 * int_step, fitter.chisq(phase, i..i + 1).1)
            })
            .collect())
    } else {
        let phase = fitter.best_phase(0..nints);
        let amplitude = fitter.chisq(phase, 0..nints).1;
        Ok((0..nints).map(|i| (mod1(phase + i as f64 * int_step), amplitude)).collect())
    }
}

/// Subtracts `amplitude[i] · w(phase(j, k) + g·group_step + offset[i])` from every pixel of
/// integration `i`, group `g`; `row` `(rows, cols)` holds each pixel's detector row `j`, `ny`
/// the full height of the exposure.
#[allow(clippy::too_many_arguments)]
pub fn correct(data: &mut [f32], row: &[u16], shape: RampShape, wave: &Waveform, clocks: &Clocks, ny: usize, offsets: &[f64], amplitudes: &[f64]) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_plane("row", row.len())?;
    expect_len("offsets", offsets.len(), shape.nints)?;
    expect_len("amplitudes", amplitudes.len(), shape.nints)?;
    let step = clocks.group_step(ny);
    let plane = shape.plane_len();
    let phase0: Vec<f64> = (0..plane).map(|p| clocks.phase(row[p] as usize, (p % shape.cols) / 4)).collect();
    for (ig, group) in data.chunks_exact_mut(plane).enumerate() {
        let (i, g) = (ig / shape.ngroups, ig % shape.ngroups);
        for (p, x) in group.iter_mut().enumerate() {
            let emi = wave.at(mod1(phase0[p] + step * g as f64 + offsets[i]));
            let v = (*x as f64 - amplitudes[i] * emi) as f32;
            *x = if v.is_nan() { f32::NAN } else { v };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spline through samples of a smooth periodic function reproduces it closely, and
    /// exactly at the knots.
    #[test]
    fn waveform_interpolates_a_sine() {
        let l = 50;
        let wave: Vec<f64> = (0..l).map(|j| (2.0 * std::f64::consts::PI * j as f64 / l as f64).sin()).collect();
        let w = Waveform::new(&wave).unwrap();
        for j in 0..l {
            assert!((w.at((j as f64 + 0.5) / l as f64) - wave[j]).abs() < 1e-12);
        }
        let x: f64 = 0.3141;
        assert!((w.at(x) - (2.0 * std::f64::consts::PI * (x - 0.5 / l as f64)).sin()).abs() < 1e-5);
    }

    /// CASE: congrid-style resampling takes the lower neighbour; the sigma-clipped mean drops
    /// the outlier 100 from twenty values 1..=20 plus 100 (median 11, std ~20: bound ~71).
    #[test]
    fn rebin_and_clipped_mean() {
        assert_eq!(rebin(&[1, 2, 3, 4], 8.0), vec![1, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(rebin(&[1, 2, 3, 4, 5, 6], 3.0), vec![1, 3, 5]);
        let mut values: Vec<f64> = (1..=20).map(|v| v as f64).collect();
        values.push(100.0);
        assert_eq!(sigma_clipped_mean(&values), 10.5);
        assert!(sigma_clipped_mean(&[]).is_nan());
    }

    /// CASE: a 2-integration ramp of straight lines plus 3 x the waveform at a known phase:
    /// the fit recovers amplitude ±3 (a sine at the opposite phase is the same signal) and the
    /// correction leaves straight lines.
    #[test]
    fn joint_fit_recovers_an_injected_wave() {
        let l = 40;
        let wave: Vec<f64> = (0..l).map(|j| (2.0 * std::f64::consts::PI * j as f64 / l as f64).sin()).collect();
        let w = Waveform::new(&wave).unwrap();
        let clocks = Clocks { nsamples: 1, rowclocks: 28, frameclocks: 0, period: 256.0 };
        let shape = RampShape::new(2, 6, 16, 16);
        let (ny, plane) = (16, 256);
        let step = clocks.group_step(ny);
        let int_step = clocks.integration_step(ny, 6);
        let true_phase = 0.37;
        let mut data = vec![0f32; shape.cube_len()];
        for i in 0..2 {
            for g in 0..6 {
                for p in 0..plane {
                    let (j, k) = (p / 16, (p % 16) / 4);
                    let ph = mod1(clocks.phase(j, k) + step * g as f64 + true_phase + i as f64 * int_step);
                    data[(i * 6 + g) * plane + p] = (1000.0 + 20.0 * g as f64 + (p % 7) as f64 + 3.0 * w.at(ph)) as f32;
                }
            }
        }
        let (y, n) = bin(&data, &vec![0; plane], shape, &clocks, l).unwrap();
        let fitted = fit(&y, &n, 2, l, 6, &w, &clocks, ny, false, 500).unwrap();
        assert!((fitted[0].1.abs() - 3.0).abs() < 0.05, "amplitude {}", fitted[0].1);
        let rows: Vec<u16> = (0..plane).map(|p| (p / 16) as u16).collect();
        let offsets: Vec<f64> = fitted.iter().map(|f| f.0).collect();
        let amplitudes: Vec<f64> = fitted.iter().map(|f| f.1).collect();
        correct(&mut data, &rows, shape, &w, &clocks, ny, &offsets, &amplitudes).unwrap();
        for g in 0..6 {
            let v = data[(6 + g) * plane + 21] as f64;
            assert!((v - (1000.0 + 20.0 * g as f64)).abs() < 0.05, "group {g}: {v}");
        }
    }
}

/// Parameters of jwst's 'sequential' algorithm for one frequency.
#[derive(Debug, Clone, Copy)]
pub struct SequentialParams {
    pub nsamples: u32,
    pub rowclocks: u32,
    /// The subarray case's reset-frame clocks (added between integrations only for R1 patterns).
    pub frameclocks: u32,
    pub reset_frame: bool,
    pub period: f64,
    /// SUBSIZE1 and SUBSTRT1: jwst shifts the read times of the last output column when they
    /// make `xsize/4 + xstart - 1` = 258.
    pub xsize: u32,
    pub xstart: u32,
    /// Integrations whose phased values make the waveform.
    pub nints_to_phase: usize,
    pub nbins: usize,
    pub scale_reference: bool,
}

/// numpy median of float64 values (NaN if any is NaN).
fn median_f64(values: &mut [f64]) -> f64 {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let n = values.len();
    let half = n / 2;
    let (_, upper, _) = values.select_nth_unstable_by(half, |a, b| a.partial_cmp(b).unwrap());
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let lower = values[..half].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

/// numpy (nan)median of float32 values ignoring NaN (all NaN: NaN).
fn nanmedian_f32(values: &mut Vec<f32>) -> f32 {
    values.retain(|v| !v.is_nan());
    median_f32(values)
}

/// astropy `sigma_clipped_stats(values)[0]`: median ± 3 std clipping (at most 5 rounds), then
/// numpy's nanmean (clipped values count as 0 in the pairwise sum).
fn sigma_clipped_mean(values: &[f64]) -> f64 {
    let mut keep: Vec<bool> = values.iter().map(|v| v.is_finite()).collect();
    for _ in 0..5 {
        let mut kept: Vec<f64> = values.iter().zip(&keep).filter(|(_, &k)| k).map(|(&v, _)| v).collect();
        if kept.is_empty() {
            break;
        }
        let n = kept.len() as f64;
        let mean = kept.iter().sum::<f64>() / n;
        let std = (kept.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
        let center = median_f64(&mut kept);
        let (lo, hi) = (center - std * 3.0, center + std * 3.0);
        let before = keep.iter().filter(|&&k| k).count();
        for (k, &v) in keep.iter_mut().zip(values) {
            if *k && (v < lo || v > hi) {
                *k = false;
            }
        }
        if keep.iter().filter(|&&k| k).count() == before {
            break;
        }
    }
    let zeroed: Vec<f64> = values.iter().zip(&keep).map(|(&v, &k)| if k { v } else { 0.0 }).collect();
    pairwise_sum(&zeroed) / keep.iter().filter(|&&k| k).count() as f64
}

/// jwst `rebin` (IDL congrid without interpolation): indices `trunc(i · old/new)`.
fn rebin<T: Copy>(values: &[T], new: f64) -> Vec<T> {
    let old = values.len() as f64;
    let step = old / new;
    let size = (old / step).ceil() as usize;
    (0..size).map(|i| values[(i as f64 * step) as usize]).collect()
}

/// numpy `corrcoef(x, y)[0, 1]`.
fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (pairwise_sum(x) / n, pairwise_sum(y) / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let c = sxy / (n - 1.0) / ((sxx / (n - 1.0)).sqrt() * (syy / (n - 1.0)).sqrt());
    c.clamp(-1.0, 1.0)
}

/// jwst's 'sequential' algorithm (from the IDL `fix_miri_emi`) for one frequency, on the whole
/// exposure in place: self-bias and slope removed per integration, the 4 outputs averaged,
/// values phased and binned (astropy sigma-clipped means), then either this binned wave or the
/// `reference` wave shifted to it (best Pearson correlation) and optionally scaled (linear fit)
/// is looked up per read and subtracted. Returns the binned wave (the on-the-fly reference).
pub fn sequential(data: &mut [f32], shape: RampShape, p: &SequentialParams, reference: Option<&[f32]>) -> Result<Vec<f64>, KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    let (nints, ng, ny, nx) = (shape.nints, shape.ngroups, shape.rows, shape.cols);
    if !nx.is_multiple_of(4) || nx < 16 || ng < 3 || p.nbins == 0 || p.period.is_nan() || p.period <= 0.0 {
        return Err(KernelError::InvalidParameter { argument: "shape", reason: format!("needs at least 4 column groups of 4 outputs ({nx} columns), 3 groups ({ng}), bins and a period") });
    }
    let nx4 = nx / 4;
    let plane = ny * nx;
    let small = ny * nx4;
    let mut dd_all = vec![0f64; nints * ng * small];
    let mut phase_all = vec![0f64; nints * ng * small];
    let extra_rowclocks = (1024.0 - ny as f64) * (4.0 + 3.0);
    let colstop = (p.xsize as f64 / 4.0 + p.xstart as f64 - 1.0) as i64;
    let mut start_time = 0f64;
    let fit_groups = ng - 2;
    for i in 0..nints {
        let int_data = &data[i * ng * plane..][..ng * plane];
        // jwst `sloper` over groups 1..ng-2, then the `minmed` self-bias of the same groups.
        let mut slope = vec![0f64; plane];
        for (pix, s) in slope.iter_mut().enumerate() {
            let (mut sxy, mut sx, mut sy, mut sxx) = (0f64, 0f64, 0f64, 0f64);
            for t in 0..fit_groups {
                let v = int_data[(t + 1) * plane + pix] as f64;
                sxy += t as f64 * v;
                sx += t as f64;
                sy += v;
                sxx += (t * t) as f64;
            }
            let n = fit_groups as f64;
            *s = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        }
        let mut work = vec![0f32; ng * plane];
        for g in 0..ng {
            for pix in 0..plane {
                work[g * plane + pix] = (int_data[g * plane + pix] as f64 - slope[pix] * g as f64) as f32;
            }
        }
        let mut bias = vec![0f32; plane];
        let mut column = Vec::with_capacity(fit_groups);
        for (pix, b) in bias.iter_mut().enumerate() {
            column.clear();
            column.extend((1..ng - 1).map(|g| work[g * plane + pix]));
            *b = if fit_groups <= 2 { column.iter().copied().filter(|v| !v.is_nan()).fold(f32::NAN, |m, v| if m.is_nan() || v < m { v } else { m }) } else { nanmedian_f32(&mut column) };
        }
        for g in 0..ng {
            let mut dd = vec![0f32; small];
            for j in 0..ny {
                for c in 0..nx4 {
                    let at = |l: usize| work[g * plane + j * nx + 4 * c + l] - bias[j * nx + 4 * c + l];
                    dd[j * nx4 + c] = (((at(0) + at(1)) + at(2)) + at(3)) / 4.0;
                }
                let mid = (dd[j * nx4] + dd[j * nx4 + 3]) / 2.0;
                dd[j * nx4 + 1] = mid;
                dd[j * nx4 + 2] = mid;
            }
            let med = median_f32(&mut dd.clone());
            for (k, v) in dd.iter().enumerate() {
                dd_all[(i * ng + g) * small + k] = (v - med) as f64;
            }
        }
        for g in 0..ng {
            for j in 0..ny {
                for c in 0..nx4 {
                    let mut t = (c as u64 * p.nsamples as u64) + start_time as u64;
                    if colstop == 258 && c == nx4 - 1 {
                        t = t.wrapping_add(3 + (1u64 << 32));
                    }
                    let phase = t as f64 / p.period;
                    phase_all[(i * ng + g) * small + j * nx4 + c] = phase - (phase as u64) as f64;
                }
                start_time += p.rowclocks as f64;
            }
            start_time += extra_rowclocks;
        }
        if p.reset_frame {
            start_time += p.frameclocks as f64;
        }
    }
    // Phase bins (nb/nbins, (nb+1)/nbins] over the first integrations.
    let nbins = p.nbins;
    let edges: Vec<f64> = (0..=nbins).map(|nb| nb as f64 / nbins as f64).collect();
    let mut binned: Vec<Vec<f64>> = vec![Vec::new(); nbins];
    let used = p.nints_to_phase.min(nints) * ng * small;
    for (&phase, &value) in phase_all[..used].iter().zip(&dd_all[..used]) {
        if phase <= 0.0 || phase.is_nan() {
            continue;
        }
        let mut b = ((phase * nbins as f64).ceil() as usize).clamp(1, nbins) - 1;
        while b > 0 && phase <= edges[b] {
            b -= 1;
        }
        while b + 1 < nbins && phase > edges[b + 1] {
            b += 1;
        }
        if phase > edges[b] && phase <= edges[b + 1] {
            binned[b].push(value);
        }
    }
    let mut pa: Vec<f64> = binned.iter().map(|v| sigma_clipped_mean(v)).collect();
    let center = median_f64(&mut pa.clone());
    for v in &mut pa {
        *v -= center;
    }
    let lut: Vec<f64> = match reference {
        None => rebin(&pa, p.period),
        Some(wave) => {
            let own = rebin(&pa, p.period);
            let l = wave.len();
            let rebinned = rebin(&pa, l as f64);
            if rebinned.len() != l {
                return Err(KernelError::InvalidParameter { argument: "reference", reason: format!("{} bins do not resample to the reference's {l} samples", pa.len()) });
            }
            let rolled = |shift: usize| -> Vec<f32> { (0..l).map(|t| wave[(t + l - shift % l) % l]).collect() };
            let mut best = 0;
            let mut best_cc = f64::NEG_INFINITY;
            for shift in 0..l {
                let x: Vec<f64> = rolled(shift).iter().map(|&v| v as f64).collect();
                let cc = correlation(&x, &rebinned);
                // numpy argmax: the first maximum, a NaN counting as the maximum.
                if cc.is_nan() {
                    best = shift;
                    break;
                }
                if cc > best_cc {
                    best_cc = cc;
                    best = shift;
                }
            }
            let shifted = rebin(&rolled(best), p.period);
            if p.scale_reference {
                // np.polyfit(shifted, own, 1): the slope of the least-squares line.
                let n = shifted.len() as f64;
                let xs: Vec<f64> = shifted.iter().map(|&v| v as f64).collect();
                let (mx, my) = (xs.iter().sum::<f64>() / n, own.iter().sum::<f64>() / n);
                let (mut sxy, mut sxx) = (0.0, 0.0);
                for (x, y) in xs.iter().zip(&own) {
                    sxy += (x - mx) * (y - my);
                    sxx += (x - mx) * (x - mx);
                }
                let slope = sxy / sxx;
                xs.iter().map(|x| x * slope).collect()
            } else {
                shifted.iter().map(|&v| v as f64).collect()
            }
        }
    };
    for i in 0..nints {
        for g in 0..ng {
            for j in 0..ny {
                for c in 0..nx4 {
                    let phase = phase_all[(i * ng + g) * small + j * nx4 + c];
                    let index = (phase * p.period) as usize;
                    let noise = lut.get(index).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
                    for l in 0..4 {
                        let x = &mut data[(i * ng + g) * plane + j * nx + 4 * c + l];
                        let v = (*x as f64 - noise) as f32;
                        *x = if v.is_nan() { f32::NAN } else { v };
                    }
                }
            }
        }
    }
    Ok(pa)
}
