//! NIRSpec IRS2 reference correction (spec/steps/refpix.md §8, jwst
//! `refpix/irs2_subtract_reference.py`): the numeric parts.
//!
//! In detector orientation a frame is `ny` (2048) rows of `nx` (3200) columns: 5 sectors of
//! `nx/5` columns (the reference output, then amplifiers 1-4), each sector `512` normal pixels
//! with `refpix_r` interleaved reference pixels after every `scipix_n` normal ones (shifted by
//! `scipix_n/2`). Sectors 0, 2 and 4 are read right to left. Each sector is laid out as a
//! time-ordered row of `row = (n + r + 2)·512/n + pad` samples (gaps where the readout jumped).
//!
//! Once jwst has subtracted the per-pixel mean over the ramp (`b_offset`), every group is
//! corrected on its own: [`Irs2Corrector::correct_group`] does that for one group, so memory is
//! one frame and groups can run in parallel. jwst computes the FFTs in complex64 (numpy 2): ours
//! are float64, so results agree to float32 rounding of the spectra, not bit for bit.
//!
//! [`flag_intermittent_pairs`] is jwst's `flag_bad_refpix` statistics for one integration.

use crate::dq;
use crate::error::{expect_len, KernelError};
use crate::fft::{Complex, RealFft};
use std::ops::{Add, Mul};
use crate::refpix::pairwise_sum;

/// Readout layout of one IRS2 frame in detector orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Irs2Layout {
    /// NRS_NORM: normal pixels read between two visits of the reference pixels.
    pub scipix_n: usize,
    /// NRS_REF: interleaved reference pixels per visit.
    pub refpix_r: usize,
    /// New-row overhead in pixel times.
    pub pad: usize,
    /// Detector rows (2048).
    pub ny: usize,
    /// Detector columns including the reference output and interleaved pixels (3200).
    pub nx: usize,
}

impl Irs2Layout {
    pub fn validate(&self) -> Result<(), KernelError> {
        let (n, r) = (self.scipix_n, self.refpix_r);
        let bad = |reason: String| Err(KernelError::InvalidParameter { argument: "layout", reason });
        if n == 0 || n % 2 == 1 || 512 % n != 0 || r == 0 || r % 2 == 1 {
            return bad(format!("NRS_NORM={n} must be an even divisor of 512 and NRS_REF={r} even and positive"));
        }
        if !self.nx.is_multiple_of(5) || self.nx / 5 != 512 + 512 / n * r {
            return bad(format!("{} columns do not hold 5 sectors of 512 normal and {} reference pixels", self.nx, 512 / n * r));
        }
        // jwst's slope fit uses rows 0-3 and 2044-2047.
        if self.ny != 2048 {
            return bad(format!("IRS2 frames have 2048 rows in detector orientation, not {}", self.ny));
        }
        Ok(())
    }

    /// Samples of one sector's time-ordered row.
    pub fn row(&self) -> usize {
        (self.scipix_n + self.refpix_r + 2) * 512 / self.scipix_n + self.pad
    }

    pub fn sector(&self) -> usize {
        self.nx / 5
    }

    /// jwst `make_irs2_mask`: true for normal pixels, false for the reference output and the
    /// interleaved reference pixels (length `max(nx, ny)`).
    pub fn normal_mask(&self) -> Vec<bool> {
        let (n, r) = (self.scipix_n, self.refpix_r);
        let len = self.nx.max(self.ny);
        let refout = len / 5;
        let part = refout as isize - (n / 2 + r) as isize;
        let k = part.div_euclid((n + r) as isize);
        let stuff_at_end = part - k * (n + r) as isize;
        let mut mask = vec![true; len];
        mask[..refout].iter_mut().for_each(|m| *m = false);
        if stuff_at_end == (n / 2) as isize {
            let mut i = refout + n / 2;
            while i <= len {
                mask[i..(i + r).min(len)].iter_mut().for_each(|m| *m = false);
                i += n + r;
            }
        } else {
            let mut one = vec![true; refout];
            let mut i = n / 2;
            while i <= refout {
                one[i..(i + r).min(refout)].iter_mut().for_each(|m| *m = false);
                i += n + r;
            }
            for (s, chunk) in mask[refout..].chunks_mut(refout).take(4).enumerate() {
                for (c, m) in chunk.iter_mut().enumerate() {
                    *m = if s % 2 == 0 { one[c] } else { one[refout - 1 - c] };
                }
            }
        }
        mask
    }
}

/// Column indices of jwst's `subtract_reference`: normal (`hnorm`) and reference (`href`)
/// columns of a sector, and their positions in the time-ordered row (`hnorm1`, `href1`).
struct Indices {
    hnorm: Vec<usize>,
    href: Vec<usize>,
    hnorm1: Vec<usize>,
    href1: Vec<usize>,
    /// `sort(hnorm1 ∪ href1)`.
    unpad: Vec<usize>,
    /// Reference samples `hs` of the data are copied to positions `ht` of the reference stream.
    ht: Vec<usize>,
    hs: Vec<usize>,
}

fn indices(l: &Irs2Layout) -> Indices {
    let (n, r) = (l.scipix_n, l.refpix_r);
    let hnorm: Vec<usize> = (0..512).map(|i| i + r * ((i + n / 2) / n)).collect();
    let nref = 512 / n * r;
    let href: Vec<usize> = (0..nref).map(|j| j + n * (j / r) + n / 2).collect();
    let hnorm1: Vec<usize> = (0..512).map(|i| i + (r + 2) * ((i + n / 2) / n)).collect();
    let href1: Vec<usize> = (0..nref).map(|j| j + (n + 2) * (j / r) + n / 2 + 1).collect();
    let mut unpad: Vec<usize> = hnorm1.iter().chain(&href1).copied().collect();
    unpad.sort_unstable();
    // ht/hs: a (512/n, n+r+2) table of sample numbers with the ends blanked; hs reorders the
    // reference reads (jwst's "WIRED for R=2^(int)" shuffle).
    let (n0, n1) = (512 / n, n + r + 2);
    let mut ht: Vec<Vec<i64>> = (0..n0).map(|a| (0..n1).map(|b| (a * n1 + b) as i64).collect()).collect();
    for row in ht.iter_mut() {
        for (b, v) in row.iter_mut().enumerate() {
            if b < (n - r) / 2 + 1 || b >= n / 2 + 1 + 3 * r / 2 {
                *v = -1;
            }
        }
    }
    let mut hs = ht.clone();
    let half = r / 2;
    // indr = arange(r).reshape(2, r/2); two = concat((indr.T, indr.T), axis=1).flatten()
    let mut two = Vec::with_capacity(2 * r);
    for a in 0..half {
        for _ in 0..2 {
            two.push(a);
            two.push(half + a);
        }
    }
    let start = n / 2 + 1 - half;
    for row in hs.iter_mut() {
        let picked: Vec<i64> = two.iter().map(|&c| row[c + n / 2 + 1]).collect();
        row[start..start + 2 * r].copy_from_slice(&picked);
    }
    let flat = |t: Vec<Vec<i64>>| t.into_iter().flatten().filter(|&v| v >= 0).map(|v| v as usize).collect::<Vec<usize>>();
    let ht = flat(ht);
    let mut hs = flat(hs);
    if r % 4 == 2 {
        for pair in hs.chunks_mut(2) {
            pair.reverse();
        }
    }
    Indices { hnorm, href, hnorm1, href1, unpad, ht, hs }
}

/// `aa` of jwst's `fill_bad_regions` for frequencies `0..=len/2` (it is even in frequency).
fn fill_filter(l: &Irs2Layout) -> Vec<f64> {
    let (n, r) = (l.scipix_n, l.refpix_r);
    let len = l.row() * l.ny;
    let elen = 110000 / (n + r + 2);
    let blen = ((512 + 512 / n * (r + 2) + l.pad) / (n + r + 2) * l.ny / 2) as isize - (elen / 2) as isize;
    let half = len / 2;
    let mut a2 = Vec::with_capacity(half + 1);
    let a1: Vec<f64> = (0..elen).map(|i| ((i as f64 * std::f64::consts::PI / elen as f64).cos() + 1.0) / 2.0).collect();
    let blen = blen.max(0) as usize;
    a2.extend(std::iter::repeat_n(1.0, blen));
    a2.extend(&a1);
    a2.extend(std::iter::repeat_n(0.0, half.saturating_sub(2 * blen + 2 * elen)));
    a2.extend(a1.iter().rev());
    a2.extend(std::iter::repeat_n(1.0, blen));
    a2.truncate(half);
    // aa[half] = roll(a2, -1)[::-1][0] = a2[0]
    let first = a2[0];
    a2.push(first);
    a2
}

/// numpy float32 `sin(float32(k/32) · float32(π))`, k = 1..31 (jwst's cosine-bell weights).
fn bell_weights() -> [f64; 31] {
    let mut w = [0.0; 31];
    for (k, v) in w.iter_mut().enumerate() {
        let x = ((k + 1) as f32 / 32.0) * std::f32::consts::PI;
        *v = ((x as f64).sin() as f32) as f64;
    }
    w
}

/// scipy `convolve1d(x, w, mode="wrap")` in float64, stored as float32.
fn convolve_wrap(x: &[f32], w: &[f64; 31]) -> Vec<f32> {
    let len = x.len();
    // correlate1d with the reversed weights; scipy's symmetric shortcut changes only the order.
    let fw: Vec<f64> = w.iter().rev().copied().collect();
    let h = 15;
    // the line with `h` wrapped samples on each side, in float64 as scipy buffers it
    let padded: Vec<f64> = (0..len + 2 * h).map(|i| x[(i + len - h % len) % len] as f64).collect();
    let symmetric = (1..=h).all(|i| (fw[h + i] - fw[h - i]).abs() <= f64::EPSILON);
    (0..len)
        .map(|n| {
            let line = &padded[n..n + 2 * h + 1];
            let s = if symmetric {
                (0..h).fold(line[h] * fw[h], |s, j| s + (line[j] + line[2 * h - j]) * fw[j])
            } else {
                (0..2 * h).fold(line[2 * h] * fw[2 * h], |s, j| s + line[j] * fw[j])
            };
            s as f32
        })
        .collect()
}

/// numpy float32 mean of a contiguous array.
fn mean_f32(a: &[f32]) -> f32 {
    pairwise_sum(a) / a.len() as f32
}

/// Complex REFPIX coefficients as stored: interleaved (re, im) float32, `4 · 2·len` values.
pub struct Coefficients<'a> {
    pub alpha: &'a [f32],
    pub beta: &'a [f32],
}

/// The per-group IRS2 correction with its FFT plan and filter.
pub struct Irs2Corrector {
    layout: Irs2Layout,
    idx: Indices,
    /// Sorted positions of the normal pixels among the `nx` columns (jwst `irs2_mask`).
    normal_columns: Vec<usize>,
    filter: Vec<f64>,
    weights: [f64; 31],
    fft: RealFft,
    alpha: Vec<f32>,
    beta: Vec<f32>,
}

impl Irs2Corrector {
    pub fn new(layout: Irs2Layout, coefficients: Coefficients) -> Result<Irs2Corrector, KernelError> {
        layout.validate()?;
        let len = layout.row() * layout.ny;
        expect_len("alpha", coefficients.alpha.len(), 4 * 2 * len)?;
        expect_len("beta", coefficients.beta.len(), 4 * 2 * len)?;
        let normal_columns = layout.normal_mask().iter().enumerate().filter(|(_, &m)| m).map(|(i, _)| i).collect();
        Ok(Irs2Corrector {
            layout,
            idx: indices(&layout),
            normal_columns,
            filter: fill_filter(&layout),
            weights: bell_weights(),
            fft: RealFft::new(len),
            alpha: coefficients.alpha.to_vec(),
            beta: coefficients.beta.to_vec(),
        })
    }

    /// Output rows (DMS) of a corrected group: 2048, or `nx` with `preserve_refpix`.
    pub fn output_rows(&self, preserve_refpix: bool) -> usize {
        if preserve_refpix {
            self.layout.nx
        } else {
            self.layout.ny
        }
    }

    /// Corrects one group. `plane` and `offset` are DMS `(nx, ny)` (NRS1: the transpose of the
    /// detector frame; `flip` for NRS2, whose frame is also reversed in both axes); `offset` is
    /// jwst's `b_offset`, the float64 mean of the integration's groups. `out` receives the DMS
    /// `(output_rows, ny)` result: normal pixels only, or every pixel with `preserve_refpix`.
    pub fn correct_group(&mut self, plane: &[f32], offset: &[f64], flip: bool, preserve_refpix: bool, out: &mut [f32]) -> Result<(), KernelError> {
        let l = self.layout;
        let (nx, ny, row, sec) = (l.nx, l.ny, l.row(), l.sector());
        expect_len("plane", plane.len(), nx * ny)?;
        expect_len("offset", offset.len(), nx * ny)?;
        let width = if preserve_refpix { nx } else { ny };
        expect_len("out", out.len(), width * ny)?;
        let dms = |x: usize, y: usize, w: usize| if flip { (w - 1 - x) * ny + (ny - 1 - y) } else { x * ny + y };
        let flipped = |s: usize| s.is_multiple_of(2);
        let column = |s: usize, c: usize| s * sec + if flipped(s) { sec - 1 - c } else { c };

        // Time-ordered sectors, offset removed (float32 - float64 -> float32).
        let mut slot = vec![usize::MAX; sec];
        for (i, &c) in self.idx.hnorm.iter().enumerate() {
            slot[c] = self.idx.hnorm1[i];
        }
        for (j, &c) in self.idx.href.iter().enumerate() {
            slot[c] = self.idx.href1[j];
        }
        let plane_len = ny * row;
        let mut d0 = vec![0f32; 5 * plane_len];
        for s in 0..5 {
            for y in 0..ny {
                for (c, &t) in slot.iter().enumerate() {
                    if t == usize::MAX {
                        continue;
                    }
                    let k = dms(column(s, c), y, nx);
                    d0[s * plane_len + y * row + t] = (plane[k] as f64 - offset[k]) as f32;
                }
            }
        }
        for s in 0..5 {
            remove_slope(&mut d0[s * plane_len..(s + 1) * plane_len], ny, row);
        }
        let (refout, sectors) = d0.split_at_mut(plane_len);
        self.replace_gaps(refout);
        self.fill_refout(refout, ny, row);

        let half = plane_len / 2;
        let mut stream: Vec<f64> = refout.iter().map(|&v| v as f64).collect();
        let mut refout_spectrum = vec![Complex::default(); half + 1];
        self.fft.forward(&stream, &mut refout_spectrum);
        let mut spectrum = vec![Complex::default(); half + 1];
        let mut combined = vec![Complex::default(); half + 1];
        let targets: &[usize] = if preserve_refpix { &self.idx.unpad } else { &self.idx.hnorm1 };
        for k in 1..5 {
            let sector = &mut sectors[(k - 1) * plane_len..k * plane_len];
            stream.iter_mut().for_each(|v| *v = 0.0);
            for y in 0..ny {
                for (&t, &s) in self.idx.ht.iter().zip(&self.idx.hs) {
                    stream[y * row + t] = sector[y * row + s] as f64;
                }
            }
            self.fft.forward(&stream, &mut spectrum);
            let base = (k - 1) * 2 * plane_len;
            let coefficient = |table: &[f32], q: usize| Complex::new(table[base + 2 * q] as f64, table[base + 2 * q + 1] as f64);
            let full = |spec: &[Complex], q: usize| if q <= half { spec[q] } else { spec[plane_len - q].conj() };
            let y_at = |q: usize| {
                coefficient(&self.beta, q)
                    .mul(full(&spectrum, q))
                    .add(coefficient(&self.alpha, q).mul(full(&refout_spectrum, q)))
            };
            // real(ifft(Y)) = irfft of Y's Hermitian part.
            for (q, h) in combined.iter_mut().enumerate() {
                let mirror = (plane_len - q) % plane_len;
                *h = y_at(q).add(y_at(mirror).conj()).scale(0.5);
            }
            self.fft.backward(&combined, &mut stream);
            for y in 0..ny {
                for &t in targets {
                    let i = y * row + t;
                    sector[i] -= stream[i] as f32;
                }
            }
        }

        // Back to the frame: normal pixels plus b_offset (float32 + float64 -> float32).
        if preserve_refpix {
            let normal = &self.normal_columns;
            let mut is_normal = vec![false; nx];
            normal.iter().for_each(|&x| is_normal[x] = true);
            for s in 0..5 {
                for y in 0..ny {
                    for (c, &t) in slot.iter().enumerate() {
                        let x = column(s, c);
                        let v = d0[s * plane_len + y * row + t];
                        let k = dms(x, y, nx);
                        out[k] = if is_normal[x] || x < sec { (v as f64 + offset[k]) as f32 } else { v };
                    }
                }
            }
        } else {
            for s in 1..5 {
                for y in 0..ny {
                    for i in 0..512 {
                        let j = (s - 1) * 512 + if flipped(s) { 511 - i } else { i };
                        let v = d0[s * plane_len + y * row + self.idx.hnorm1[i]];
                        let source = self.normal_columns[j];
                        out[dms(j, y, ny)] = (v as f64 + offset[dms(source, y, nx)]) as f32;
                    }
                }
            }
        }
        Ok(())
    }

    /// jwst `replace_bad_pixels`: zeros of the reference-output stream get a cosine-weighted
    /// average of their non-zero neighbours (31 samples, wrapping).
    fn replace_gaps(&self, refout: &mut [f32]) {
        let mask: Vec<f32> = refout.iter().map(|&v| if v != 0.0 { 1.0 } else { 0.0 }).collect();
        let numerator = convolve_wrap(refout, &self.weights);
        let denominator = convolve_wrap(&mask, &self.weights);
        for i in 0..refout.len() {
            let (num, den) = if denominator[i] == 0.0 { (0.0, 1.0) } else { (numerator[i], denominator[i]) };
            let value = num / den;
            refout[i] += value * (1.0 - mask[i]);
        }
    }

    /// jwst `fill_bad_regions`: three rounds of low-pass filtering of the reference-output
    /// stream, each time restoring the samples of normal pixels.
    fn fill_refout(&mut self, refout: &mut [f32], ny: usize, row: usize) {
        let original = refout.to_vec();
        let mut keep = vec![false; ny * row];
        for y in 0..ny {
            for &t in &self.idx.hnorm1 {
                keep[y * row + t] = true;
            }
        }
        let mut stream: Vec<f64> = refout.iter().map(|&v| v as f64).collect();
        let mut spectrum = vec![Complex::default(); ny * row / 2 + 1];
        for _ in 0..3 {
            self.fft.forward(&stream, &mut spectrum);
            for (v, &a) in spectrum.iter_mut().zip(&self.filter) {
                *v = v.scale(a);
            }
            self.fft.backward(&spectrum, &mut stream);
            for i in 0..stream.len() {
                stream[i] = if keep[i] { original[i] as f64 } else { stream[i] as f32 as f64 };
            }
        }
        for (o, &v) in refout.iter_mut().zip(&stream) {
            *o = v as f32;
        }
    }
}

/// jwst `remove_slopes` for one sector: a float32 least-squares line against time through the
/// non-zero samples of rows 0-3 and 2044-2047, subtracted from every non-zero sample.
fn remove_slope(sector: &mut [f32], ny: usize, row: usize) {
    let mid = ((ny * row) as f64 - 1.0) / 2.0;
    let time = |y: usize, t: usize| ((y * row + t) as f64 - mid) as f32;
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for y in [0, 1, 2, 3, ny - 4, ny - 3, ny - 2, ny - 1] {
        for t in 0..row {
            let v = sector[y * row + t];
            if v != 0.0 {
                xs.push(time(y, t));
                ys.push(v);
            }
        }
    }
    let (intercept, slope) = if xs.is_empty() {
        (0.0f32, 0.0f32)
    } else {
        let n = xs.len() as f32;
        let (mx, my) = (mean_f32(&xs), mean_f32(&ys));
        let sxx = pairwise_sum(&xs.iter().map(|&x| x * x).collect::<Vec<f32>>());
        let sxy = pairwise_sum(&xs.iter().zip(&ys).map(|(&x, &y)| x * y).collect::<Vec<f32>>());
        let slope = (sxy - n * mx * my) / (sxx - n * (mx * mx));
        (my - slope * mx, slope)
    };
    for y in 0..ny {
        for t in 0..row {
            let v = &mut sector[y * row + t];
            let weight = if *v != 0.0 { 1.0f32 } else { 0.0 };
            *v -= (intercept + time(y, t) * slope) * weight;
        }
    }
}

/// astropy `sigma_clipped_stats(values, sigma)` (median centre, 5 rounds at most): (mean, std).
fn clipped_stats(values: &[f64], sigma: f64) -> (f64, f64) {
    let mut kept: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let stats = |a: &[f64]| {
        let n = a.len() as f64;
        let mean = a.iter().sum::<f64>() / n;
        (mean, (a.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt())
    };
    for _ in 0..5 {
        if kept.is_empty() {
            break;
        }
        let (_, std) = stats(&kept);
        let mut sorted = kept.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let m = sorted.len();
        let median = if m % 2 == 1 { sorted[m / 2] } else { (sorted[m / 2 - 1] + sorted[m / 2]) / 2.0 };
        let (lo, hi) = (median - std * sigma, median + std * sigma);
        let before = kept.len();
        kept.retain(|&v| v >= lo && v <= hi);
        if kept.len() == before {
            break;
        }
    }
    if kept.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    stats(&kept)
}

/// jwst `flag_bad_refpix` (flagging part) for one integration `(ngroups, rows, cols)` in DMS
/// orientation, where interleaved reference pixels are rows: in each of the 5 sectors, the
/// readout pairs (rows `ri`, `ri+1`) not already bad get the mean absolute difference between
/// the two rows, their mean and their std over all groups; a pair whose value exceeds the
/// sigma-clipped mean by `n_sigma` clipped std in any of the three is flagged. Returns the rows
/// bad in this integration (`initial_bad` included).
#[allow(clippy::too_many_arguments)]
pub fn flag_intermittent_pairs(cube: &[f32], ngroups: usize, rows: usize, cols: usize, scipix_n: usize, refpix_r: usize, initial_bad: &[bool], n_sigma: f64) -> Result<Vec<bool>, KernelError> {
    expect_len("cube", cube.len(), ngroups * rows * cols)?;
    expect_len("initial_bad", initial_bad.len(), rows)?;
    if scipix_n == 0 || refpix_r == 0 || !rows.is_multiple_of(5) {
        return Err(KernelError::InvalidParameter { argument: "layout", reason: format!("{rows} rows, NRS_NORM={scipix_n}, NRS_REF={refpix_r}") });
    }
    let sector = rows / 5;
    let mut bad = initial_bad.to_vec();
    let at = |g: usize, r: usize| &cube[(g * rows + r) * cols..(g * rows + r + 1) * cols];
    for k in 0..5 {
        let offset = k * sector;
        let (mut pairs, mut diffs, mut means, mut stds) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut start = scipix_n / 2;
        while start < sector {
            for step in (0..refpix_r).step_by(2) {
                let ri = offset + start + step;
                if ri + 1 >= rows || initial_bad[ri] || initial_bad[ri + 1] {
                    continue;
                }
                let n = (ngroups * cols) as f64;
                let (mut d, mut s1) = (0.0f64, 0.0f64);
                for g in 0..ngroups {
                    for (&a, &b) in at(g, ri).iter().zip(at(g, ri + 1)) {
                        d += ((b - a).abs()) as f64;
                        s1 += a as f64 + b as f64;
                    }
                }
                let mean = s1 / (2.0 * n);
                let mut ss = 0.0;
                for g in 0..ngroups {
                    for v in at(g, ri).iter().chain(at(g, ri + 1)) {
                        let e = *v as f64 - mean;
                        ss += e * e;
                    }
                }
                pairs.push(ri);
                diffs.push((d / n) as f32 as f64);
                means.push(mean as f32 as f64);
                stds.push((ss / (2.0 * n)).sqrt() as f32 as f64);
            }
            start += scipix_n + refpix_r;
        }
        for values in [&diffs, &means, &stds] {
            let (mean, std) = clipped_stats(values, n_sigma);
            for (&ri, &v) in pairs.iter().zip(values.iter()) {
                if v - mean > n_sigma * std {
                    bad[ri] = true;
                    bad[ri + 1] = true;
                }
            }
        }
    }
    Ok(bad)
}

/// Dilation of `flags` (`rows x cols`, 0/1) by a `(2n+1)²` box (scipy `binary_dilation`, zero border).
fn dilate(flags: &[u8], rows: usize, cols: usize, n: usize) -> Vec<u8> {
    let mut across = vec![0u8; flags.len()];
    for r in 0..rows {
        let row = &flags[r * cols..(r + 1) * cols];
        for c in 0..cols {
            let (lo, hi) = (c.saturating_sub(n), (c + n).min(cols - 1));
            across[r * cols + c] = row[lo..=hi].iter().copied().max().unwrap_or(0);
        }
    }
    let mut out = vec![0u8; flags.len()];
    for r in 0..rows {
        let (lo, hi) = (r.saturating_sub(n), (r + n).min(rows - 1));
        for c in 0..cols {
            out[r * cols + c] = (lo..=hi).map(|q| across[q * cols + c]).max().unwrap_or(0);
        }
    }
    out
}

/// jwst `irs2_flag_saturation` for one integration's normal pixels `(ngroups, rows, cols)` (the
/// frames with the interleaved reference rows removed): the GROUPDQ bits to OR into each group.
/// `thresh` already has NO_SAT_CHECK and NaN thresholds raised above the A/D limit. SATURATED
/// (grown by `n_pix_grow_sat`) from the group it is reached on; AD_FLOOR | DO_NOT_USE on groups
/// at or below 0; with `read_pattern_nframes` (use_readpatt), jwst's third-group test of
/// frame-averaged groups flags group 2 (index 1) where a saturating event in its last frame is
/// plausible. `bias` (the superbias' normal pixels) only enters that test.
#[allow(clippy::too_many_arguments)]
pub fn saturation_flags(data: &[f32], ngroups: usize, rows: usize, cols: usize, thresh: &[f32], bias: Option<&[f32]>, n_pix_grow_sat: usize, read_pattern_nframes: Option<usize>) -> Result<Vec<u8>, KernelError> {
    let plane = rows * cols;
    expect_len("data", data.len(), ngroups * plane)?;
    expect_len("thresh", thresh.len(), plane)?;
    if let Some(b) = bias {
        expect_len("bias", b.len(), plane)?;
    }
    let sat = dq::SATURATED as u8;
    let low = (dq::AD_FLOOR | dq::DO_NOT_USE) as u8;
    let mut out = vec![0u8; ngroups * plane];
    let group = |g: usize| &data[g * plane..(g + 1) * plane];
    let grow = |flags: Vec<u8>| if n_pix_grow_sat > 0 { dilate(&flags, rows, cols, n_pix_grow_sat) } else { flags };
    for g in 0..ngroups {
        let sci = group(g);
        let flag: Vec<u8> = sci.iter().zip(thresh).map(|(&v, &t)| u8::from(v >= t)).collect();
        if let (2, Some(nframes)) = (g, read_pattern_nframes) {
            // read_pattern[k] = frames k·nframes+1 ..= (k+1)·nframes
            let mean_first = (1 + nframes) as f64 / 2.0;
            let last_third = (3 * nframes) as f64;
            let (first, second) = (group(0), group(1));
            let suspicious: Vec<u8> = (0..plane)
                .map(|i| {
                    let b = bias.map_or(0.0, |b| b[i]);
                    let gp1 = first[i] - b;
                    let below = (gp1 as f64 / mean_first) * last_third + (b as f64) < thresh[i] as f64;
                    let jump = second[i] - first[i] > (thresh[i] - first[i]) / nframes as f32;
                    u8::from(below && jump && flag[i] != 0)
                })
                .collect();
            for (o, &f) in out[plane..2 * plane].iter_mut().zip(&grow(suspicious)) {
                *o |= f * sat;
            }
        }
        let flag = grow(flag);
        for later in g..ngroups {
            for (o, &f) in out[later * plane..(later + 1) * plane].iter_mut().zip(&flag) {
                *o |= f * sat;
            }
        }
        for (o, &v) in out[g * plane..(g + 1) * plane].iter_mut().zip(sci) {
            if v <= 0.0 {
                *o |= low;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Irs2Layout {
        Irs2Layout { scipix_n: 16, refpix_r: 4, pad: 8, ny: 2048, nx: 3200 }
    }

    #[test]
    fn layout_indices_match_jwst() {
        let l = layout();
        assert_eq!(l.row(), 712);
        let idx = indices(&l);
        assert_eq!(&idx.hnorm[..10], &[0, 1, 2, 3, 4, 5, 6, 7, 12, 13]);
        assert_eq!(*idx.hnorm.last().unwrap(), 639);
        assert_eq!(&idx.href[..6], &[8, 9, 10, 11, 28, 29]);
        assert_eq!(*idx.hnorm1.last().unwrap(), 703);
        assert_eq!(&idx.href1[..5], &[9, 10, 11, 12, 31]);
        assert_eq!(idx.unpad.len(), 640);
        // jwst: ht row 0 = 7..15, hs row 0 = [7, 9, 11, 9, 11, 10, 12, 10, 12][...]
        assert_eq!(&idx.ht[..8], &[7, 8, 9, 10, 11, 12, 13, 14]);
        assert_eq!(&idx.hs[..8], &[9, 11, 9, 11, 10, 12, 10, 12]);
        assert_eq!(idx.ht.len(), 256);
        let mask = l.normal_mask();
        assert_eq!(mask.iter().filter(|&&m| m).count(), 2048);
        assert!(!mask[640 + 8] && !mask[640 + 11] && mask[640 + 12] && !mask[3200 - 12] && mask[3200 - 8]);
    }

    #[test]
    fn filter_is_one_at_low_frequencies_and_zero_in_the_middle() {
        let f = fill_filter(&layout());
        assert_eq!(f.len(), 712 * 2048 / 2 + 1);
        assert_eq!(f[0], 1.0);
        assert_eq!(f[30267], 1.0);
        assert!(f[30268 + 2500] > 0.4 && f[30268 + 2500] < 0.6);
        assert_eq!(f[400000], 0.0);
        assert_eq!(f[712 * 1024], 1.0);
    }

    #[test]
    fn slope_removal_flattens_a_ramp_in_time() {
        let (ny, row) = (2048, 712);
        let mut s: Vec<f32> = (0..ny * row).map(|i| 5.0 + 1e-4 * i as f32).collect();
        remove_slope(&mut s, ny, row);
        assert!(s.iter().all(|v| v.abs() < 2e-2), "{}", s.iter().fold(0f32, |m, v| m.max(v.abs())));
    }

    #[test]
    fn clipped_stats_reject_outliers() {
        let mut v: Vec<f64> = (0..100).map(|i| (i % 7) as f64).collect();
        v.push(1000.0);
        let (mean, std) = clipped_stats(&v, 3.0);
        assert!((mean - 2.94).abs() < 0.1 && std < 3.0);
    }

    #[test]
    fn a_noisy_pair_is_flagged() {
        let (ngroups, rows, cols) = (2, 3200, 8);
        let mut cube = vec![100f32; ngroups * rows * cols];
        for (i, v) in cube.iter_mut().enumerate() {
            *v += ((i * 7919) % 13) as f32 * 0.1;
        }
        // pair at rows 640 + 28, 29 (sector 1, second visit) alternates wildly
        for g in 0..ngroups {
            for c in 0..cols {
                cube[(g * rows + 668) * cols + c] += if c % 2 == 0 { 50.0 } else { -50.0 };
            }
        }
        let bad = flag_intermittent_pairs(&cube, ngroups, rows, cols, 16, 4, &vec![false; rows], 3.0).unwrap();
        assert!(bad[668] && bad[669]);
        assert_eq!(bad.iter().filter(|&&b| b).count(), 2);
    }

    #[test]
    fn saturation_flags_follow_jwst_irs2_rules() {
        // 1 x 5 frame, 3 groups; pixel 2 saturates in group 1, pixel 4 is at the A/D floor in group 0
        let data = [10., 10., 10., 10., 0., 10., 10., 99., 10., 5., 10., 10., 99., 10., 5.];
        let thresh = [50f32; 5];
        let f = saturation_flags(&data, 3, 1, 5, &thresh, None, 1, None).unwrap();
        let (s, l) = (dq::SATURATED as u8, (dq::AD_FLOOR | dq::DO_NOT_USE) as u8);
        assert_eq!(&f[..5], &[0, 0, 0, 0, l]);
        assert_eq!(&f[5..10], &[0, s, s, s, 0]);
        assert_eq!(&f[10..], &[0, s, s, s, 0]);
        // grouped reads: a big jump into group 2 that saturates by group 3 flags group 2 too
        let data = [10., 10., 10., 10., 40., 10., 10., 60., 10.];
        let f = saturation_flags(&data, 3, 1, 3, &[50f32; 3], None, 0, Some(4)).unwrap();
        assert_eq!(&f[3..6], &[0, s, 0]);
        assert_eq!(&f[6..], &[0, s, 0]);
        assert!(saturation_flags(&data, 3, 1, 3, &[50f32; 2], None, 0, None).is_err());
    }

    #[test]
    fn wrapped_bell_convolution_matches_the_direct_sum() {
        let w = bell_weights();
        assert!((w[15] - 1.0).abs() < 1e-7 && (w[0] - (std::f64::consts::PI / 32.0).sin()).abs() < 1e-7);
        let x: Vec<f32> = (0..40).map(|i| ((i * 7) % 11) as f32).collect();
        let y = convolve_wrap(&x, &w);
        for n in 0..40isize {
            let direct: f64 = (0..31).map(|j| w[30 - j as usize] * x[(n + j - 15).rem_euclid(40) as usize] as f64).sum();
            assert!((y[n as usize] as f64 - direct).abs() < 1e-4, "{n}");
        }
    }

    #[test]
    fn corrector_checks_its_inputs() {
        let l = layout();
        let len = l.row() * l.ny;
        let (alpha, beta) = (vec![0f32; 8 * len], vec![0f32; 8 * len - 2]);
        assert!(matches!(Irs2Corrector::new(l, Coefficients { alpha: &alpha, beta: &beta }), Err(KernelError::ShapeMismatch { argument: "beta", .. })));
        assert!(Irs2Corrector::new(Irs2Layout { nx: 3000, ..l }, Coefficients { alpha: &alpha, beta: &alpha }).is_err());
        assert!(Irs2Layout { scipix_n: 6, ..l }.validate().is_err());
    }
}
