//! `ramp_fit`, algorithm LIKELY: the likelihood fit of Brandt (2024, PASP 136, 045004/045005)
//! as stcal 1.20 implements it (`likely_fit.py`, `likely_algo_classes.py`;
//! spec/steps/ramp_fitting.md §15).
//!
//! Per pixel and integration the group differences are fitted with their full tridiagonal
//! covariance (read noise and photon noise, from the read pattern), jumps are searched by
//! dropping one or two differences where that improves chi-square beyond a threshold, and the
//! final fit gives slope, variances, uncertainty and chi-square. Integrations are combined by
//! stcal's float32 reweighting around their median.
//!
//! stcal computes this with numpy on whole rows; every expression here follows the numpy one
//! operation for operation (same association, `x**2` as `x*x`, `x**0.5` as `sqrt`, NaN and
//! infinity propagation through the multiplications by 0/1 masks), so results round to the
//! same float32 values. Pixels are independent: a tile of any height gives the same bits.

// The paper's recursions index several arrays at the same position; indices read like the paper.
#![allow(clippy::needless_range_loop)]

use super::{Inputs, Output, Products};
use crate::dq::{DO_NOT_USE, JUMP_DET, SATURATED};
use crate::error::KernelError;
use crate::tile::RampShape;

/// Fewer groups than this cannot be fitted by LIKELY (jwst and stcal switch to OLS_C).
pub const MIN_NGROUPS: usize = 4;
/// Chi-square improvement needed to drop one difference, and two adjacent ones (stcal defaults).
const THRESHOLD_ONE_OMIT: f64 = 20.25;
const THRESHOLD_TWO_OMIT: f64 = 23.8;
/// The determinant recursion is renormalised every this many steps (stcal `dn_scale`).
const RESCALE_EVERY: usize = 10;

const DNU: u8 = DO_NOT_USE as u8;
const SAT: u8 = SATURATED as u8;
const JUMP: u8 = JUMP_DET as u8;

/// Scalars of a LIKELY call.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Times (s) of the frames averaged into each group, one list per group of the cube.
    pub read_times: Vec<Vec<f64>>,
    /// NFRAMES, for the ZEROFRAME split of the first group.
    pub nframes: u32,
    /// Groups before this index get DO_NOT_USE (jwst `firstgroup`; 0 = none).
    pub first_group: usize,
    /// Groups after this index get DO_NOT_USE (`usize::MAX` = none).
    pub last_group: usize,
}

impl Params {
    /// The read pattern stcal builds without `read_times` metadata: group k holds frames
    /// `(j + k * (nframes + groupgap)) * frame_time` for j = 1..nframes (float64, as numpy).
    pub fn from_frames(frame_time: f64, nframes: u32, groupgap: u32, ngroups: usize) -> Self {
        let per_group = (nframes + groupgap) as u64;
        let read_times = (0..ngroups as u64)
            .map(|k| (1..=nframes as u64).map(|j| (j + k * per_group) as f64 * frame_time).collect())
            .collect();
        Params { read_times, nframes, first_group: 0, last_group: usize::MAX }
    }
}

/// numpy's `add.reduce` of a contiguous float64 vector: pairwise summation with eight
/// accumulators per block of up to 128 values, started from 0.
fn numpy_sum(a: &[f64]) -> f64 {
    fn pairwise(a: &[f64]) -> f64 {
        let n = a.len();
        if n < 8 {
            a.iter().fold(0.0, |s, &x| s + x)
        } else if n <= 128 {
            let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
            let whole = n - n % 8;
            for block in a[8..whole].chunks_exact(8) {
                for (acc, &x) in r.iter_mut().zip(block) {
                    *acc += x;
                }
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for &x in &a[whole..] {
                res += x;
            }
            res
        } else {
            let mut half = n / 2;
            half -= half % 8;
            pairwise(&a[..half]) + pairwise(&a[half..])
        }
    }
    0.0 + pairwise(a)
}

/// The covariance constants of the resultant differences (stcal `Covar`, paper I eqs 4, 11,
/// 28, 29), from the read times of each resultant.
#[derive(Debug, Clone)]
struct Covar {
    /// Time between resultant means.
    dt: Vec<f64>,
    alpha_readnoise: Vec<f64>,
    beta_readnoise: Vec<f64>,
    alpha_phnoise: Vec<f64>,
    beta_phnoise: Vec<f64>,
    /// Two adjacent differences may be dropped together only around a resultant of > 1 read.
    two_omit_ok: Vec<bool>,
}

impl Covar {
    fn new(resultants: &[Vec<f64>]) -> Self {
        let n = resultants.len();
        let mut mean_t = Vec::with_capacity(n);
        let mut tau = Vec::with_capacity(n);
        let mut nreads = Vec::with_capacity(n);
        for times in resultants {
            let len = times.len();
            mean_t.push(numpy_sum(times) / len as f64);
            let weighted: Vec<f64> =
                times.iter().enumerate().map(|(k, &t)| (2 * len as i64 + 1 - 2 * (k as i64 + 1)) as f64 * t).collect();
            tau.push(numpy_sum(&weighted) / (len * len) as f64);
            nreads.push(len as f64);
        }
        let dt: Vec<f64> = (0..n - 1).map(|i| mean_t[i + 1] - mean_t[i]).collect();
        let nd = n - 1;
        Covar {
            alpha_readnoise: (0..nd).map(|i| (1.0 / nreads[i] + 1.0 / nreads[i + 1]) / (dt[i] * dt[i])).collect(),
            beta_readnoise: (0..nd - 1).map(|j| -1.0 / (nreads[j + 1] * dt[j + 1] * dt[j])).collect(),
            alpha_phnoise: (0..nd).map(|i| (tau[i] + tau[i + 1] - 2.0 * mean_t[i]) / (dt[i] * dt[i])).collect(),
            beta_phnoise: (0..nd - 1).map(|j| (mean_t[j + 1] - tau[j + 1]) / (dt[j + 1] * dt[j])).collect(),
            two_omit_ok: (0..nd - 1).map(|j| nreads[j + 1] > 1.0).collect(),
            dt,
        }
    }
}

/// Per-difference work arrays of one fit, sized once per call.
struct Scratch {
    alpha_ph: Vec<f64>,
    alpha_rn: Vec<f64>,
    alpha: Vec<f64>,
    beta_ph: Vec<f64>,
    beta_rn: Vec<f64>,
    beta: Vec<f64>,
    masked: Vec<f64>,
    theta: Vec<f64>,
    phi: Vec<f64>,
    big_phi: Vec<f64>,
    big_phi_d: Vec<f64>,
    big_theta: Vec<f64>,
    big_theta_d: Vec<f64>,
    d_c: Vec<f64>,
    d_b: Vec<f64>,
    /// One- and two-omission rates and chi-squares of the jump search.
    rate_one: Vec<f64>,
    chisq_one: Vec<f64>,
    rate_two: Vec<f64>,
    chisq_two: Vec<f64>,
}

impl Scratch {
    fn new(nd: usize) -> Self {
        let v = |n: usize| vec![0.0; n];
        Scratch {
            alpha_ph: v(nd),
            alpha_rn: v(nd),
            alpha: v(nd),
            beta_ph: v(nd - 1),
            beta_rn: v(nd - 1),
            beta: v(nd - 1),
            masked: v(nd),
            theta: v(nd + 1),
            phi: v(nd + 1),
            big_phi: v(nd),
            big_phi_d: v(nd),
            big_theta: v(nd),
            big_theta_d: v(nd + 1),
            d_c: v(nd),
            d_b: v(nd),
            rate_one: v(nd),
            chisq_one: v(nd),
            rate_two: v(nd - 1),
            chisq_two: v(nd - 1),
        }
    }
}

/// Results of one fit (stcal `RampResult`, the fields that reach the products).
#[derive(Debug, Clone, Copy)]
struct Fit {
    rate: f64,
    chisq: f64,
    uncert: f64,
    var_poisson: f64,
    var_rnoise: f64,
}

/// `+1.0` for true, `+0.0` for false: numpy's `x * bool_array`.
#[inline]
fn b(x: bool) -> f64 {
    if x {
        1.0
    } else {
        0.0
    }
}

/// `-1` at even positions, `+1` at odd ones (stcal `sgn`).
#[inline]
fn sgn(i: usize) -> f64 {
    if i.is_multiple_of(2) {
        -1.0
    } else {
        1.0
    }
}

/// `x ** (1 / i)` as numpy evaluates it: `** 0.5` is `sqrt`, other powers its AVX-512 SVML
/// `pow` (see [`numpy_pow`](super::numpy_pow)).
fn root(x: f64, i: usize) -> f64 {
    if i == 2 {
        x.sqrt()
    } else {
        super::numpy_pow::pow(x, 1.0 / i as f64)
    }
}

/// stcal `fit_ramps` for one pixel: differences `d` (DN/s), usable mask `u`, rate guess `guess`
/// (DN/s) for the photon noise, gain (e/DN) and single-read noise `rn` (DN). With `detect`,
/// also the one- and two-omission rates and chi-squares in `s.rate_*`/`s.chisq_*`.
#[allow(clippy::too_many_arguments)]
fn fit_ramp(cv: &Covar, d: &[f64], u: &[u8], guess: f64, gain: f64, rn: f64, detect: bool, s: &mut Scratch) -> Fit {
    let nd = d.len();
    let g = guess / gain;
    let rn2 = rn * rn;
    for i in 0..nd {
        s.alpha_ph[i] = g * cv.alpha_phnoise[i];
        s.alpha_rn[i] = rn2 * cv.alpha_readnoise[i];
        s.alpha[i] = s.alpha_ph[i] + s.alpha_rn[i];
    }
    for j in 0..nd - 1 {
        s.beta_ph[j] = g * cv.beta_phnoise[j];
        s.beta_rn[j] = rn2 * cv.beta_readnoise[j];
        s.beta[j] = s.beta_ph[j] + s.beta_rn[j];
    }

    // Scale the covariance to determinant 1 (theta[i] scales as f^i), renormalising as the
    // recursion goes so that long ramps never overflow.
    let th = &mut s.theta;
    th[0] = 1.0;
    th[1] = s.alpha[0];
    let mut scale = 1.0;
    for i in 2..=nd {
        th[i] = s.alpha[i - 1] / scale * th[i - 1] - s.beta[i - 2] * s.beta[i - 2] / (scale * scale) * th[i - 2];
        if i % RESCALE_EVERY == 0 || i == nd {
            let f = root(th[i], i);
            scale *= f;
            let tmp = th[i] / f;
            th[i - 1] /= tmp;
            th[i - 2] /= tmp / f;
            th[i] = 1.0;
        }
    }
    for a in s.alpha.iter_mut() {
        *a /= scale;
    }
    for (j, bt) in s.beta.iter_mut().enumerate() {
        *bt = *bt / scale * u[j + 1] as f64 * u[j] as f64;
    }
    for i in 0..nd {
        s.masked[i] = d[i] * u[i] as f64;
    }
    let (alpha, beta, dm) = (&s.alpha, &s.beta, &s.masked);

    // Paper I eqs 38-48.
    let th = &mut s.theta;
    th[0] = 1.0;
    th[1] = alpha[0];
    for i in 2..=nd {
        th[i] = alpha[i - 1] * th[i - 1] - beta[i - 2] * beta[i - 2] * th[i - 2];
    }
    let phi = &mut s.phi;
    phi[nd] = 1.0;
    phi[nd - 1] = alpha[nd - 1];
    for i in (0..nd - 1).rev() {
        phi[i] = alpha[i] * phi[i + 1] - beta[i] * beta[i] * phi[i + 2];
    }
    s.big_phi[nd - 1] = 0.0;
    s.big_phi_d[nd - 1] = 0.0;
    for i in (0..nd - 1).rev() {
        s.big_phi[i] = s.big_phi[i + 1] * beta[i] + sgn(i + 1) * beta[i] * phi[i + 2];
        s.big_phi_d[i] = (s.big_phi_d[i + 1] + sgn(i + 1) * dm[i + 1] * phi[i + 2]) * beta[i];
    }
    let th = &s.theta;
    s.big_theta[0] = -th[0];
    for i in 1..nd {
        s.big_theta[i] = s.big_theta[i - 1] * beta[i - 1] + sgn(i) * th[i];
    }
    s.big_theta_d[0] = 0.0;
    s.big_theta_d[1] = -dm[0] * th[0];
    for i in 1..nd {
        s.big_theta_d[i + 1] = beta[i - 1] * s.big_theta_d[i] + sgn(i) * dm[i] * th[i];
    }

    // Eqs 61-63, 71, 75.
    let tn = th[nd];
    let (mut sum_a1, mut sum_a2, mut cal_b, mut cal_c) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..nd {
        let f = sgn(i) / tn;
        s.d_c[i] = f * (phi[i + 1] * s.big_theta[i] + th[i] * s.big_phi[i]) * u[i] as f64;
        s.d_b[i] = f * (phi[i + 1] * s.big_theta_d[i + 1] + th[i] * s.big_phi_d[i]);
        let beta_ext = if i == 0 { 1.0 } else { beta[i - 1] };
        sum_a1 += dm[i] * sgn(i) / tn * beta_ext * phi[i + 1] * s.big_theta_d[i];
        sum_a2 += dm[i] * dm[i] * th[i] * phi[i + 1] / tn;
    }
    for i in 0..nd {
        cal_b += dm[i] * s.d_c[i];
    }
    for i in 0..nd {
        cal_c += s.d_c[i];
    }
    // The paper's {\cal A}, {\cal B}, {\cal C}.
    let cal_a = 2.0 * sum_a1 + sum_a2;

    let rate = cal_b * (1.0 / cal_c);
    let chisq = (cal_a - cal_b * cal_b / cal_c) / scale;
    let uncert = (scale / cal_c).sqrt();
    let w = |i: usize| s.d_c[i] / cal_c;
    let (mut vp1, mut vr1, mut vp2, mut vr2) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..nd {
        let w2 = w(i) * w(i);
        vp1 += w2 * s.alpha_ph[i];
        vr1 += w2 * s.alpha_rn[i];
    }
    for j in 0..nd - 1 {
        let ww = w(j + 1) * w(j);
        vp2 += ww * s.beta_ph[j];
        vr2 += ww * s.beta_rn[j];
    }
    let fit = Fit { rate, chisq, uncert, var_poisson: vp1 + 2.0 * vp2, var_rnoise: vr1 + 2.0 * vr2 };

    if detect {
        // Paper II §3.1-3.2: best fits leaving out one difference, or two adjacent ones.
        let cd = |i: usize| th[i] * phi[i + 1] / tn * u[i] as f64;
        let co = |j: usize| -beta[j] * th[j] * phi[j + 2] / tn;
        let (d_c, d_b) = (&s.d_c, &s.d_b);
        for i in 0..nd {
            let cdi = cd(i);
            let a = (cdi * cal_b - d_b[i] * d_c[i]) / (cal_c * cdi - d_c[i] * d_c[i]);
            let bb = (d_b[i] - a * d_c[i]) / cdi;
            let chi = cal_a + a * a * cal_c - 2.0 * a * cal_b + bb * bb * cdi - 2.0 * bb * d_b[i] + 2.0 * a * bb * d_c[i];
            s.rate_one[i] = a;
            s.chisq_one[i] = chi / scale;
        }
        for j in 0..nd - 1 {
            let (cd0, cd1, coj) = (cd(j), cd(j + 1), co(j));
            let cpj = d_c[j] * d_c[j] - cal_c * cd0;
            let cjck = d_c[j] * d_c[j + 1] - cal_c * coj;
            let bcpj = cal_b * d_c[j] - d_b[j] * cal_c;
            let mut c = bcpj / cpj - (cal_b * d_c[j + 1] - d_b[j + 1] * cal_c) / cjck;
            c /= cjck / cpj - (d_c[j + 1] * d_c[j + 1] - cal_c * cd1) / cjck;
            let bb = (bcpj - c * cjck) / cpj;
            let a = (cal_b - bb * d_c[j] - c * d_c[j + 1]) / cal_c;
            let mut chi = cal_a + a * a * cal_c + bb * bb * cd0 + c * c * cd1;
            chi -= 2.0 * a * cal_b + 2.0 * bb * d_b[j] + 2.0 * c * d_b[j + 1];
            chi += 2.0 * a * bb * d_c[j] + 2.0 * a * c * d_c[j + 1] + 2.0 * bb * c * coj;
            s.rate_two[j] = a;
            s.chisq_two[j] = chi / scale;
        }
        // stcal `fill_masked_reads`: omitting an already masked difference is the fit with
        // one omission fewer.
        for i in 0..nd {
            if u[i] == 0 {
                s.rate_one[i] = rate;
                s.chisq_one[i] = chisq;
            }
        }
        for j in 0..nd - 1 {
            if u[j + 1] == 0 {
                s.rate_two[j] = s.rate_one[j];
                s.chisq_two[j] = s.chisq_one[j];
            }
        }
        for j in 0..nd - 1 {
            if u[j] == 0 {
                s.rate_two[j] = s.rate_one[j + 1];
                s.chisq_two[j] = s.chisq_one[j + 1];
            }
        }
    }
    fit
}

/// numpy `median` of float64 values: NaN if any is NaN; even counts average the middle two.
fn median(values: &[f64], sorted: &mut Vec<f64>) -> f64 {
    if values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    sorted.clear();
    sorted.extend_from_slice(values);
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// `np.amax`: NaN as soon as one value is NaN.
fn nan_max(values: impl Iterator<Item = f64>) -> f64 {
    let mut best = f64::NEG_INFINITY;
    for v in values {
        if v.is_nan() {
            return f64::NAN;
        }
        if v > best {
            best = v;
        }
    }
    best
}

/// stcal `mask_jumps` for one pixel: drops the difference (or adjacent pair) whose omission
/// improves chi-square most beyond the thresholds, refits, and repeats while something was
/// dropped and more than 3 differences remain. Updates `u`; returns the rate of the last
/// fit that dropped something (the first fit's rate if none did).
fn mask_jumps(cv: &Covar, d: &[f64], u: &mut [u8], gain: f64, rn: f64, s: &mut Scratch, sorted: &mut Vec<f64>) -> f64 {
    let nd = d.len();
    // The covariance is built from the median difference (masked ones included), >= 0.
    let m = median(d, sorted);
    let guess = m * b(m > 0.0);
    let mut countrate = 0.0;
    for pass in 0..nd {
        let fit = fit_ramp(cv, d, u, guess, gain, rn, true, s);
        if pass == 0 {
            countrate = fit.rate;
        }
        let best_one = nan_max((0..nd).map(|i| (fit.chisq - s.chisq_one[i]) * 1.0));
        let best_two = nan_max((0..nd - 1).map(|j| (fit.chisq - s.chisq_two[j]) * b(cv.two_omit_ok[j])));
        let one_better = best_one - THRESHOLD_ONE_OMIT > best_two - THRESHOLD_TWO_OMIT;
        let mut best = best_one * b(best_one > THRESHOLD_ONE_OMIT) * b(one_better);
        best += best_two * b(best_two > THRESHOLD_TWO_OMIT) * b(!one_better);
        if best == 0.0 {
            best = f64::NAN;
        }
        let drop_one = |i: usize| fit.chisq - s.chisq_one[i] == best && one_better;
        let drop_two = |j: usize| fit.chisq - s.chisq_two[j] == best && !one_better;
        let any_one = (0..nd).any(drop_one);
        let any_two = (0..nd - 1).any(drop_two);
        if !any_one && !any_two {
            break;
        }
        let mut new_rate = 0.0;
        if any_one {
            new_rate = (0..nd).fold(0.0, |acc, i| acc + s.rate_one[i] * b(drop_one(i)));
        }
        if any_two {
            new_rate = (0..nd - 1).fold(0.0, |acc, j| acc + s.rate_two[j] * b(drop_two(j)));
        }
        countrate = countrate * 0.0 + new_rate;
        // The drop tests read this fit's chi-squares only, never `u`: mask as we go.
        for i in 0..nd {
            if drop_one(i) {
                u[i] = 0;
            }
        }
        for j in 0..nd - 1 {
            if drop_two(j) {
                u[j] = 0;
                u[j + 1] = 0;
            }
        }
        if u.iter().map(|&x| x as usize).sum::<usize>() <= 3 {
            break;
        }
    }
    countrate
}

/// One integration of one pixel, as stcal stores it (float32).
#[derive(Debug, Clone, Copy, Default)]
struct IntResult {
    slope: f32,
    var_poisson: f32,
    var_rnoise: f32,
    err: f32,
    chisq: f32,
    dq: u32,
}

/// The combination of several integrations (stcal `compute_image_info`), in float32 as numpy
/// computes it on the float32 rateints arrays.
fn combine(ints: &[IntResult], sorted: &mut Vec<f32>) -> IntResult {
    sorted.clear();
    sorted.extend(ints.iter().map(|r| r.slope).filter(|v| !v.is_nan()));
    sorted.sort_unstable_by(f32::total_cmp);
    let n = sorted.len();
    // numpy.ma.median: the two middle values (the same one twice for odd counts), summed and halved.
    let mut slope = if n == 0 { f32::NAN } else { (sorted[(n - 1) / 2] + sorted[n / 2]) / 2.0 };
    let nansum = |values: &mut dyn Iterator<Item = f32>| values.fold(0.0f32, |acc, v| if v.is_nan() { acc } else { acc + v });
    let mut weights = Vec::with_capacity(ints.len());
    let mut var_p_scaled = Vec::with_capacity(ints.len());
    for _ in 0..2 {
        var_p_scaled.clear();
        weights.clear();
        for r in ints {
            let mut rate_scale = slope / r.slope;
            if !rate_scale.is_finite() || rate_scale < 0.0 {
                rate_scale = 0.0;
            }
            let vp = r.var_poisson * rate_scale;
            var_p_scaled.push(vp);
            weights.push(1.0 / (vp + r.var_rnoise));
        }
        let total = nansum(&mut weights.iter().copied());
        for w in weights.iter_mut() {
            *w /= total;
        }
        let terms = ints.iter().zip(&weights).map(|(r, &w)| r.slope * w);
        let all_nan = terms.clone().all(|t| t.is_nan());
        slope = if all_nan { f32::NAN } else { nansum(&mut terms.clone()) };
    }
    let weighted_sum = |values: &mut dyn Iterator<Item = f32>| {
        let v: Vec<f32> = values.collect();
        if v.iter().all(|x| x.is_nan()) {
            f32::NAN
        } else {
            nansum(&mut v.into_iter())
        }
    };
    let var_poisson = weighted_sum(&mut var_p_scaled.iter().zip(&weights).map(|(&vp, &w)| vp * (w * w)));
    let var_rnoise = weighted_sum(&mut ints.iter().zip(&weights).map(|(r, &w)| r.var_rnoise * (w * w)));
    let chisq = ints.iter().fold(0.0f32, |acc, r| acc + r.chisq);
    let any = ints.iter().fold(0u32, |acc, r| acc | r.dq);
    let all_dnu = ints.iter().all(|r| r.dq & DO_NOT_USE != 0);
    let dq = (any & !DO_NOT_USE) | if all_dnu { DO_NOT_USE } else { 0 };
    IntResult { slope, var_poisson, var_rnoise, err: (var_poisson + var_rnoise).sqrt(), chisq, dq }
}

fn validate(inputs: &Inputs<'_>, shape: &RampShape, params: &Params) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", inputs.data.len())?;
    shape.expect_cube("groupdq", inputs.groupdq.len())?;
    shape.expect_plane("pixeldq", inputs.pixeldq.len())?;
    shape.expect_plane("gain", inputs.gain.len())?;
    shape.expect_plane("readnoise", inputs.readnoise.len())?;
    if let Some(z) = inputs.zeroframe {
        shape.expect_int_planes("zeroframe", z.len())?;
    }
    if let Some(dark) = inputs.average_dark_current {
        shape.expect_plane("average_dark_current", dark.len())?;
    }
    let bad = |argument: &'static str, reason: String| Err(KernelError::InvalidParameter { argument, reason });
    if shape.ngroups < MIN_NGROUPS {
        return bad("ngroups", format!("LIKELY needs at least {MIN_NGROUPS} groups, got {} (use OLS_C)", shape.ngroups));
    }
    if params.read_times.len() != shape.ngroups {
        return bad("read_times", format!("{} groups of read times for {} groups", params.read_times.len(), shape.ngroups));
    }
    if let Some(k) = params.read_times.iter().position(|t| t.is_empty() || t.iter().any(|x| !x.is_finite())) {
        return bad("read_times", format!("group {k} needs at least one finite read time"));
    }
    if params.nframes == 0 {
        return bad("nframes", "must be at least 1".into());
    }
    Ok(())
}

/// Fits every pixel of a tile with LIKELY. Returns rate, rateints and the rate-level
/// chi-square (`Output::chisq`, jwst's `_likely_chisq` product); no fitopt.
pub fn fit(inputs: &Inputs<'_>, shape: RampShape, params: &Params) -> Result<Output, KernelError> {
    validate(inputs, &shape, params)?;
    let (nints, ngroups, plane) = (shape.nints, shape.ngroups, shape.plane_len());

    // A ZEROFRAME becomes its own first resultant (the first read of group 0) when group 0
    // averages at least two reads.
    let use_zeroframe = inputs.zeroframe.is_some() && params.read_times[0].len() >= 2;
    let mut resultants = params.read_times.clone();
    if use_zeroframe {
        let first = resultants[0].remove(0);
        resultants.insert(0, vec![first]);
    }
    let cv = Covar::new(&resultants);
    let nres = resultants.len();
    let nd = nres - 1;
    let nframes = params.nframes as f32;

    let group_dnu: Vec<u8> =
        (0..ngroups).map(|g| if g < params.first_group || g > params.last_group { DNU } else { 0 }).collect();
    let mut rate = Products::zeros(plane);
    let mut rateints = Products::zeros(nints * plane);
    let mut chisq_rate = vec![0.0f32; plane];
    let mut scratch = Scratch::new(nd);
    let (mut res, mut dq) = (vec![0.0f32; nres], vec![0u8; nres]);
    let (mut d, mut u, mut usable) = (vec![0.0f64; nd], vec![0u8; nd], vec![0u8; nd]);
    let mut ints = vec![IntResult::default(); nints];
    let (mut sorted, mut sorted32) = (Vec::with_capacity(nd), Vec::with_capacity(nints));

    for p in 0..plane {
        let gain = inputs.gain[p] as f64;
        let rn = inputs.readnoise[p] as f64 / std::f64::consts::SQRT_2;
        let dark = inputs.average_dark_current.map_or(0.0, |a| a[p] as f64);
        for (i, out) in ints.iter_mut().enumerate() {
            let off = usize::from(use_zeroframe);
            for g in 0..ngroups {
                let at = (i * ngroups + g) * plane + p;
                res[g + off] = inputs.data[at];
                dq[g + off] = inputs.groupdq[at] | group_dnu[g];
            }
            if use_zeroframe {
                let zf = inputs.zeroframe.map_or(0.0, |z| z[i * plane + p]);
                res[1] = (res[1] * nframes - zf) / (nframes - 1.0);
                res[0] = zf;
                dq[0] = dq[1];
            }
            for k in 0..nd {
                d[k] = (res[k + 1] - res[k]) as f64 / cv.dt[k];
                u[k] = u8::from(dq[k] == 0 && dq[k + 1] == 0);
            }
            usable.copy_from_slice(&u);
            let countrate = mask_jumps(&cv, &d, &mut u, gain, rn, &mut scratch, &mut sorted);
            for k in 0..nd {
                if usable[k] != u[k] {
                    dq[k + 1] |= JUMP;
                }
            }
            let guess = countrate * b(countrate > 0.0) + dark;
            let f = fit_ramp(&cv, &d, &u, guess, gain, rn, false, &mut scratch);
            let mut int_dq = inputs.pixeldq[p];
            if dq.iter().all(|&q| q & (SAT | DNU) != 0) {
                int_dq |= DO_NOT_USE;
            }
            if dq.iter().any(|&q| q & SAT != 0) {
                int_dq |= SATURATED;
            }
            if dq.iter().any(|&q| q & JUMP != 0) {
                int_dq |= JUMP_DET;
            }
            *out = IntResult {
                slope: f.rate as f32,
                var_poisson: f.var_poisson as f32,
                var_rnoise: f.var_rnoise as f32,
                err: f.uncert as f32,
                chisq: f.chisq as f32,
                dq: int_dq,
            };
            let at = i * plane + p;
            rateints.slope[at] = out.slope;
            rateints.var_poisson[at] = out.var_poisson;
            rateints.var_rnoise[at] = out.var_rnoise;
            rateints.err[at] = out.err;
            rateints.dq[at] = out.dq;
        }
        let r = if nints == 1 { ints[0] } else { combine(&ints, &mut sorted32) };
        rate.slope[p] = r.slope;
        rate.var_poisson[p] = r.var_poisson;
        rate.var_rnoise[p] = r.var_rnoise;
        rate.err[p] = r.err;
        rate.dq[p] = r.dq;
        chisq_rate[p] = r.chisq;
    }
    Ok(Output { rate, rateints, fitopt: None, chisq: Some(chisq_rate) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(data: &'a [f32], groupdq: &'a [u8], pixeldq: &'a [u32], gain: &'a [f32], rn: &'a [f32]) -> Inputs<'a> {
        Inputs { data, groupdq, pixeldq, gain, readnoise: rn, zeroframe: None, average_dark_current: None }
    }

    fn close(a: f32, b: f32, rel: f32) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn numpy_sum_matches_pairwise_order() {
        // Below 8 values: left to right. 0.1 * k sums differ between association orders.
        let v: Vec<f64> = (1..=20).map(|k| k as f64 * 0.1).collect();
        assert_eq!(numpy_sum(&v[..5]), (((0.1 + 0.2) + 0.30000000000000004) + 0.4) + 0.5);
        let mut r = [0.0; 8];
        r.copy_from_slice(&v[..8]);
        for k in 8..16 {
            r[k - 8] += v[k];
        }
        let want = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])) + v[16] + v[17] + v[18] + v[19];
        assert_eq!(numpy_sum(&v), want);
    }

    /// Spec §15 reference: setup A (5 groups 10..50, tgroup 10, gain 2, rn 10).
    #[test]
    fn setup_a_matches_stcal() {
        let data = [10.0, 20.0, 30.0, 40.0, 50.0];
        let out = fit(
            &inputs(&data, &[0; 5], &[0], &[2.0], &[10.0]),
            RampShape::new(1, 5, 1, 1),
            &Params::from_frames(10.0, 1, 0, 5),
        )
        .unwrap();
        assert!(close(out.rate.slope[0], 1.0, 1e-6), "{}", out.rate.slope[0]);
        assert!(close(out.rate.var_poisson[0], 0.01296228, 1e-6), "{}", out.rate.var_poisson[0]);
        assert!(close(out.rate.var_rnoise[0], 0.05001849, 1e-6), "{}", out.rate.var_rnoise[0]);
        assert!(close(out.rate.err[0], 0.2509597, 1e-6), "{}", out.rate.err[0]);
        assert_eq!(out.rate.dq[0], 0);
        assert_eq!(out.rateints.slope, out.rate.slope);
    }

    /// Six flat groups, tgroup 1, gain 1, rn 10: var_rnoise = 12 * 50 / 210.
    #[test]
    fn flat_ramp_read_noise() {
        let out = fit(
            &inputs(&[5.0; 6], &[0; 6], &[0], &[1.0], &[10.0]),
            RampShape::new(1, 6, 1, 1),
            &Params::from_frames(1.0, 1, 0, 6),
        )
        .unwrap();
        assert_eq!(out.rate.slope[0], 0.0);
        assert!(close(out.rate.var_rnoise[0], 2.857143, 1e-6), "{}", out.rate.var_rnoise[0]);
    }

    /// Spec §15 reference: two integrations [10..50] and [10, 30, ..., 90].
    #[test]
    fn two_integrations_combined_in_float32() {
        let data = [10.0, 20.0, 30.0, 40.0, 50.0, 10.0, 30.0, 50.0, 70.0, 90.0];
        let out = fit(
            &inputs(&data, &[0; 10], &[0], &[2.0], &[10.0]),
            RampShape::new(2, 5, 1, 1),
            &Params::from_frames(10.0, 1, 0, 5),
        )
        .unwrap();
        assert!(close(out.rate.slope[0], 1.500001, 1e-6), "{}", out.rate.slope[0]);
        assert!(close(out.rate.var_poisson[0], 0.009709112, 1e-6), "{}", out.rate.var_poisson[0]);
        assert!(close(out.rate.var_rnoise[0], 0.02502177, 1e-6), "{}", out.rate.var_rnoise[0]);
        assert!(close(out.rate.err[0], 0.1863622, 1e-6), "{}", out.rate.err[0]);
        assert!(close(out.rateints.slope[1], 2.0, 1e-6));
    }

    #[test]
    fn finds_a_jump_and_flags_it() {
        let mut data: Vec<f32> = (0..10).map(|k| 100.0 + 50.0 * k as f32).collect();
        for v in &mut data[6..] {
            *v += 2000.0;
        }
        let out = fit(
            &inputs(&data, &[0; 10], &[0], &[2.0], &[10.0]),
            RampShape::new(1, 10, 1, 1),
            &Params::from_frames(10.0, 1, 0, 10),
        )
        .unwrap();
        assert_eq!(out.rate.dq[0], JUMP_DET);
        assert!(close(out.rate.slope[0], 5.0, 1e-5), "{}", out.rate.slope[0]);
    }

    #[test]
    fn saturated_and_unusable_ramps() {
        // Pixel 0 saturates from group 2: one usable difference, slope kept, SATURATED.
        // Pixel 1 is DO_NOT_USE throughout: NaN everywhere (no zeroing), DO_NOT_USE.
        let mut data = vec![0.0f32; 12];
        let mut gdq = vec![0u8; 12];
        for g in 0..6 {
            data[g * 2] = 10.0 * g as f32;
            data[g * 2 + 1] = 7.0;
            gdq[g * 2] = if g >= 2 { SAT } else { 0 };
            gdq[g * 2 + 1] = DNU;
        }
        let (gain, rn) = ([2.0, 2.0], [10.0, 10.0]);
        let out = fit(&inputs(&data, &gdq, &[0, 0], &gain, &rn), RampShape::new(1, 6, 1, 2), &Params::from_frames(10.0, 1, 0, 6)).unwrap();
        assert!(close(out.rate.slope[0], 1.0, 1e-6), "{}", out.rate.slope[0]);
        assert_eq!(out.rate.dq, [SATURATED, DO_NOT_USE]);
        for v in [out.rate.slope[1], out.rate.var_poisson[1], out.rate.var_rnoise[1], out.rate.err[1]] {
            assert!(v.is_nan());
        }
    }

    #[test]
    fn rejects_short_ramps_and_bad_read_times() {
        let err = fit(
            &inputs(&[0.0; 3], &[0; 3], &[0], &[1.0], &[1.0]),
            RampShape::new(1, 3, 1, 1),
            &Params::from_frames(1.0, 1, 0, 3),
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
        let mut p = Params::from_frames(1.0, 1, 0, 4);
        p.read_times[2].clear();
        let err = fit(&inputs(&[0.0; 4], &[0; 4], &[0], &[1.0], &[1.0]), RampShape::new(1, 4, 1, 1), &p).unwrap_err();
        assert!(err.to_string().contains("group 2"));
    }
}
