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
use crate::jump_ellipses::{draw_ellipse, expanded_half_axes, find_ellipses_of, Ellipse, RegionScratch};
use crate::tile::RampShape;
use std::ops::Range;

const JUMP: u8 = dq::JUMP_DET as u8;
const SAT: u8 = dq::SATURATED as u8;
const DNU: u8 = dq::DO_NOT_USE as u8;
/// Flags that keep a pixel out of the shower search.
const STOP: u8 = JUMP | SAT | DNU;

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
/// The same as [`too_few_differences`], [`noise`] and [`flag_with_noise`] in turn, which let
/// a caller hand over row bands for the noise and one integration at a time for the search.
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
    if too_few_differences(groupdq, shape)? {
        return Ok(0);
    }
    let plane = shape.plane_len();
    let (mut median, mut sigma) = (vec![0f32; plane], vec![0f32; plane]);
    noise(data, groupdq, gain, readnoise, shape, params.nframes, &mut median, &mut sigma)?;
    flag_with_noise(data, groupdq, pixeldq, gain, &median, &sigma, shape, params)
}

/// stcal's precondition of the search on the whole exposure's GROUPDQ: fewer than 2 groups, or
/// fewer differences than `min_diffs_for_shower` once the all-DO_NOT_USE planes are taken off.
pub fn too_few_differences(groupdq: &[u8], shape: RampShape) -> Result<bool, KernelError> {
    shape.validate()?;
    shape.expect_cube("groupdq", groupdq.len())?;
    let RampShape { nints, ngroups, .. } = shape;
    if ngroups < 2 {
        return Ok(true);
    }
    let dnu_planes = groupdq.chunks_exact(shape.plane_len()).filter(|flags| flags.iter().all(|&f| f & DNU != 0)).count();
    Ok(nints * (ngroups - 1) < MIN_DIFFS_FOR_SHOWER + dnu_planes)
}

// stcal `nan_invalid_data`: NaN where the flags *equal* JUMP|DNU, SAT|DNU, SAT, JUMP or DNU,
// which are the values 1..=5 (SAT|JUMP = 6 or any other bit keeps the sample).
const _: () = assert!(DNU == 1 && SAT == 2 && JUMP == 4);

/// Electrons (float32 `data · gain`, NaN where flagged) of group `g` of integration `int` for
/// pixels `p0..p0 + out.len()`. Their differences are made where needed, never stored for the
/// whole exposure (a MIRI TSO holds billions of them).
#[allow(clippy::too_many_arguments)]
fn electrons(data: &[f32], groupdq: &[u8], gain: &[f32], shape: RampShape, int: usize, g: usize, p0: usize, out: &mut [f32]) {
    let start = (int * shape.ngroups + g) * shape.plane_len() + p0;
    let n = out.len();
    for (((e, &value), &flags), &gain) in out.iter_mut().zip(&data[start..start + n]).zip(&groupdq[start..start + n]).zip(&gain[p0..p0 + n]) {
        *e = if (1..=5).contains(&flags) { f32::NAN } else { value * gain };
    }
}

/// The noise model of the search, per pixel over every integration and difference: the
/// float32 NaN-median difference and `sigma = sqrt(|median| + (readnoise · gain)² / nframes)`.
/// Pixels are independent, so `shape` may be any band of rows of the exposure (all
/// integrations and groups), with `gain`, `readnoise`, `median` and `sigma` of the same rows.
#[allow(clippy::too_many_arguments)]
pub fn noise(data: &[f32], groupdq: &[u8], gain: &[f32], readnoise: &[f32], shape: RampShape, nframes: usize, median: &mut [f32], sigma: &mut [f32]) -> Result<(), KernelError> {
    noise_with_hints(data, groupdq, gain, readnoise, shape, nframes, median, sigma, None, 0..shape.plane_len()).map(|_| ())
}

/// [`noise`]; with `windows` (of the two-point pass on the same pixels, before its flags), the
/// median of a pixel whose differences are the two-point pass's but for a few taken away by
/// JUMP flags comes from its window, and only the other pixels' differences are made and sorted.
/// Only the pixels `pixels` get their model (the others are left as they are). Returns the
/// number of pixels whose median came from their window.
#[allow(clippy::too_many_arguments)]
pub(crate) fn noise_with_hints(
    data: &[f32],
    groupdq: &[u8],
    gain: &[f32],
    readnoise: &[f32],
    shape: RampShape,
    nframes: usize,
    median: &mut [f32],
    sigma: &mut [f32],
    windows: Option<&MedianWindows>,
    pixels: Range<usize>,
) -> Result<usize, KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("gain", gain.len())?;
    shape.expect_plane("readnoise", readnoise.len())?;
    shape.expect_plane("median", median.len())?;
    shape.expect_plane("sigma", sigma.len())?;
    if nframes == 0 {
        return Err(KernelError::InvalidParameter { argument: "nframes", reason: "must be >= 1".into() });
    }
    let RampShape { nints, ngroups, .. } = shape;
    let plane = shape.plane_len();
    let n_diffs = ngroups.saturating_sub(1);
    // A block of pixels at a time, so the reads stay in cache. `block` holds the ordered keys
    // (NaN last) of the differences j (over integrations and groups) of pixels p0 + i: at
    // `j · BLOCK + i` for the sorting network (the same compare-exchanges for every pixel of
    // the block, a vector instruction for 4 pixels), at `i · n_all + j` for the selection (one
    // contiguous slice per pixel).
    let n_all = nints * n_diffs;
    let network = (n_all <= MAX_NETWORK_SORT).then(|| sorting_network(n_all));
    const BLOCK: usize = 256;
    let mut block = vec![0u32; BLOCK * n_all];
    let (mut previous, mut current) = (vec![0f32; BLOCK], vec![0f32; BLOCK]);
    let mut valid = [0u32; BLOCK];
    // Windows are made by the two-point pass only for pixels of more differences than a network sorts.
    let windows = windows.filter(|_| network.is_none());
    let mut removals = Removals::new(BLOCK);
    let mut removed = Vec::with_capacity(WINDOW_HALF);
    // The lanes of the block whose differences are made and sorted.
    let mut lanes: Vec<usize> = Vec::with_capacity(BLOCK);
    let mut selection = Selection::default();
    let mut from_windows = 0;
    let end = pixels.end.min(plane);
    for p0 in (pixels.start..end).step_by(BLOCK) {
        let len = BLOCK.min(end - p0);
        valid[..len].fill(0);
        lanes.clear();
        if let Some(windows) = windows {
            removals.scan(groupdq, shape, p0, len);
            for i in 0..len {
                let p = p0 + i;
                match removals.keys(i, data, gain[p], p, plane, &mut removed).then(|| windows.median_without(p, &removed)).flatten() {
                    Some(value) => {
                        median[p] = value;
                        from_windows += 1;
                    }
                    None => lanes.push(i),
                }
            }
        } else {
            lanes.extend(0..len);
        }
        if lanes.len() == len {
            for int in 0..nints {
                if n_diffs > 0 {
                    electrons(data, groupdq, gain, shape, int, 0, p0, &mut previous[..len]);
                }
                for k in 0..n_diffs {
                    let j = int * n_diffs + k;
                    electrons(data, groupdq, gain, shape, int, k + 1, p0, &mut current[..len]);
                    let pairs = valid[..len].iter_mut().zip(&current[..len]).zip(&previous[..len]);
                    if network.is_some() {
                        for (key, ((n, &e1), &e0)) in block[j * BLOCK..j * BLOCK + len].iter_mut().zip(pairs) {
                            let d = e1 - e0;
                            *n += u32::from(!d.is_nan());
                            *key = if d.is_nan() { u32::MAX } else { ordered_key(d) };
                        }
                    } else {
                        for (key, ((n, &e1), &e0)) in block[j..].iter_mut().step_by(n_all).zip(pairs) {
                            let d = e1 - e0;
                            *n += u32::from(!d.is_nan());
                            *key = if d.is_nan() { u32::MAX } else { ordered_key(d) };
                        }
                    }
                    std::mem::swap(&mut previous, &mut current);
                }
            }
            if let Some(network) = &network {
                for &(a, b) in network {
                    let (low, high) = block.split_at_mut(b * BLOCK);
                    for (x, y) in low[a * BLOCK..a * BLOCK + len].iter_mut().zip(&mut high[..len]) {
                        let (min, max) = ((*x).min(*y), (*x).max(*y));
                        *x = min;
                        *y = max;
                    }
                }
            }
        } else if n_diffs > 0 {
            // Only some lanes (no network here): their electrons one by one, plane after plane.
            let electron = |index: usize, p: usize| if (1..=5).contains(&groupdq[index]) { f32::NAN } else { data[index] * gain[p] };
            for int in 0..nints {
                let first = int * ngroups * plane + p0;
                for &i in &lanes {
                    previous[i] = electron(first + i, p0 + i);
                }
                for k in 0..n_diffs {
                    let j = int * n_diffs + k;
                    let start = first + (k + 1) * plane;
                    for &i in &lanes {
                        let e1 = electron(start + i, p0 + i);
                        let d = e1 - previous[i];
                        valid[i] += u32::from(!d.is_nan());
                        block[i * n_all + j] = if d.is_nan() { u32::MAX } else { ordered_key(d) };
                        previous[i] = e1;
                    }
                }
            }
        }
        for &i in &lanes {
            let p = p0 + i;
            let n = valid[i] as usize;
            // numpy `nanmedian` of float32: the middle value, or the float32 mean of the middle pair.
            median[p] = match (n, &network) {
                (0, _) => f32::NAN,
                (_, Some(_)) if n % 2 == 1 => from_ordered_key(block[n / 2 * BLOCK + i]),
                (_, Some(_)) => (from_ordered_key(block[(n / 2 - 1) * BLOCK + i]) + from_ordered_key(block[n / 2 * BLOCK + i])) / 2.0,
                (_, None) => {
                    // NaN keys are the largest, so the middle ranks of the valid ones are the same.
                    let (lower, upper) = selection.ranks(&mut block[i * n_all..(i + 1) * n_all], n / 2);
                    if n % 2 == 1 {
                        from_ordered_key(upper)
                    } else {
                        (from_ordered_key(lower) + from_ordered_key(upper)) / 2.0
                    }
                }
            };
        }
        for p in p0..p0 + len {
            let rn = readnoise[p] * gain[p];
            sigma[p] = (median[p].abs() + rn * rn / nframes as f32).sqrt();
        }
    }
    Ok(from_windows)
}

/// Per lane of a block of pixels: the differences the showers lose to JUMP flags against the
/// two-point pass, that is, those whose groups both lack DO_NOT_USE and SATURATED (valid for the
/// two-point pass) while one of them is exactly JUMP (NaN for the showers), as the plane index
/// of the later group, up to WINDOW_HALF of them. `differs`: some group is NaN for the two-point
/// pass and not for the showers (SATURATED or DO_NOT_USE with a bit besides those three).
struct Removals {
    count: Vec<u16>,
    at: Vec<[u32; WINDOW_HALF]>,
    differs: Vec<u8>,
    previous_valid: Vec<u8>,
    previous_jump: Vec<u8>,
    events: Vec<u8>,
}

impl Removals {
    fn new(lanes: usize) -> Removals {
        Removals {
            count: vec![0; lanes],
            at: vec![[0; WINDOW_HALF]; lanes],
            differs: vec![0; lanes],
            previous_valid: vec![0; lanes],
            previous_jump: vec![0; lanes],
            events: vec![0; lanes],
        }
    }

    /// The lanes `0..len` of pixels `p0..p0 + len`, from their flags alone (a vector pass a plane).
    fn scan(&mut self, groupdq: &[u8], shape: RampShape, p0: usize, len: usize) {
        let plane = shape.plane_len();
        self.count[..len].fill(0);
        self.differs[..len].fill(0);
        for int in 0..shape.nints {
            // The first group of an integration ends no difference.
            self.previous_valid[..len].fill(0);
            for g in 0..shape.ngroups {
                let ig = int * shape.ngroups + g;
                let flags = &groupdq[ig * plane + p0..ig * plane + p0 + len];
                let mut any = 0u8;
                let lanes = self.differs[..len].iter_mut().zip(&mut self.previous_valid[..len]).zip(&mut self.previous_jump[..len]).zip(&mut self.events[..len]);
                for ((((differs, previous_valid), previous_jump), event), &f) in lanes.zip(flags) {
                    let valid = u8::from(f & (DNU | SAT) == 0);
                    let jump = u8::from(f == JUMP);
                    *differs |= (valid ^ 1) & u8::from(!(1..=5).contains(&f));
                    *event = valid & *previous_valid & (jump | *previous_jump);
                    any |= *event;
                    *previous_valid = valid;
                    *previous_jump = jump;
                }
                if any == 0 {
                    continue;
                }
                for i in (0..len).filter(|&i| self.events[i] != 0) {
                    let c = usize::from(self.count[i]);
                    if c < WINDOW_HALF {
                        self.at[i][c] = ig as u32;
                    }
                    self.count[i] = self.count[i].saturating_add(1);
                }
            }
        }
    }

    /// The keys of lane `i`'s (pixel `p`'s) differences the showers lose that are valid (not NaN)
    /// into `out`; false when its window cannot be used (`differs`, or too many).
    fn keys(&self, i: usize, data: &[f32], gain: f32, p: usize, plane: usize, out: &mut Vec<u32>) -> bool {
        let count = usize::from(self.count[i]);
        if self.differs[i] != 0 || count > WINDOW_HALF {
            return false;
        }
        out.clear();
        for &ig in &self.at[i][..count] {
            let later = ig as usize * plane + p;
            let d = data[later] * gain - data[later - plane] * gain;
            if !d.is_nan() {
                out.push(ordered_key(d));
            }
        }
        true
    }
}

/// The noise model of the search with `minimum_sigclip_groups` integrations or more (stcal:
/// astropy `sigma_clipped_stats(first_diffs, sigma=5, axis=0)`): per pixel and difference k,
/// over the integrations, the float32 differences in electrons (NaN where flagged, as in
/// [`noise`]) are sigma-clipped as astropy's fast `sigma_clip` does (float64, median centre,
/// population std, 5 sigma, 5 rounds); of those it keeps (finite, within the final bounds),
/// `median` is numpy's float32 `nanmedian` and `sigma` its float32 `nanstd`. Outputs are
/// `(ngroups - 1, rows, cols)`; pixels are independent, so `shape` may be a band of rows.
pub fn clipped_noise(data: &[f32], groupdq: &[u8], gain: &[f32], shape: RampShape, median: &mut [f32], sigma: &mut [f32]) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("gain", gain.len())?;
    let RampShape { nints, ngroups, .. } = shape;
    let plane = shape.plane_len();
    let n_diffs = ngroups.saturating_sub(1);
    for (argument, len) in [("median", median.len()), ("sigma", sigma.len())] {
        if len != n_diffs * plane {
            return Err(KernelError::ShapeMismatch { argument, expected: n_diffs * plane, actual: len });
        }
    }
    const CLIP_SIGMA: f64 = 5.0;
    // A block of pixels at a time: `diffs[(int · n_diffs + k) · BLOCK + i]` for pixel p0 + i.
    const BLOCK: usize = 64;
    let mut diffs = vec![0f32; nints * n_diffs * BLOCK];
    let (mut previous, mut current) = (vec![0f32; BLOCK], vec![0f32; BLOCK]);
    let (mut finite, mut kept): (Vec<f64>, Vec<f32>) = (Vec::with_capacity(nints), Vec::with_capacity(nints));
    for p0 in (0..plane).step_by(BLOCK) {
        let len = BLOCK.min(plane - p0);
        for int in 0..nints {
            if n_diffs > 0 {
                electrons(data, groupdq, gain, shape, int, 0, p0, &mut previous[..len]);
            }
            for k in 0..n_diffs {
                electrons(data, groupdq, gain, shape, int, k + 1, p0, &mut current[..len]);
                let at = (int * n_diffs + k) * BLOCK;
                for ((d, &e1), &e0) in diffs[at..at + len].iter_mut().zip(&current[..len]).zip(&previous[..len]) {
                    *d = e1 - e0;
                }
                std::mem::swap(&mut previous, &mut current);
            }
        }
        for k in 0..n_diffs {
            for i in 0..len {
                let value = |int: usize| diffs[(int * n_diffs + k) * BLOCK + i];
                finite.clear();
                finite.extend((0..nints).map(value).filter(|d| d.is_finite()).map(f64::from));
                kept.clear();
                if let Some((low, high)) = crate::jump::clipped_bounds(&mut finite, CLIP_SIGMA) {
                    kept.extend((0..nints).map(value).filter(|&d| d.is_finite() && f64::from(d) >= low && f64::from(d) <= high));
                }
                let p = k * plane + p0 + i;
                (median[p], sigma[p]) = nan_median_and_std_f32(&mut kept);
            }
        }
    }
    Ok(())
}

/// numpy's float32 `nanmedian` and `nanstd` (ddof 0) along an axis of the values kept, in
/// their order: sums are float32 in that order, the divisions by the count float64 rounded to
/// float32; NaN for none. `values` is reordered.
fn nan_median_and_std_f32(values: &mut [f32]) -> (f32, f32) {
    let n = values.len();
    if n == 0 {
        return (f32::NAN, f32::NAN);
    }
    let mut total = 0f32;
    for &v in values.iter() {
        total += v;
    }
    let mean = (f64::from(total) / n as f64) as f32;
    let mut squares = 0f32;
    for &v in values.iter() {
        let d = v - mean;
        squares += d * d;
    }
    let std = ((f64::from(squares) / n as f64) as f32).sqrt();
    values.sort_unstable_by(f32::total_cmp);
    let median = if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 };
    (median, std)
}

/// Keys kept on each side of a median rank by [`MedianWindows`].
pub(crate) const WINDOW_HALF: usize = 16;
pub(crate) const WINDOW: usize = 2 * WINDOW_HALF + 1;

/// Per pixel of a band, the ordered keys of the two-point pass's differences at the ranks around
/// their median ([`Selection::ranks_and_window`]), and how many differences were valid. The
/// showers' noise model differs from the two-point pass's median in the differences its JUMP
/// flags take away (a few per pixel): with these it finds its own median without the ramp.
pub(crate) struct MedianWindows {
    /// The pixels whose windows are wanted (the others are not kept).
    pixels: Range<usize>,
    keys: Vec<[u32; WINDOW]>,
    /// Rank of the first key, number of keys (0: nothing known), valid differences.
    first: Vec<u32>,
    len: Vec<u8>,
    valid: Vec<u32>,
}

impl MedianWindows {
    /// Windows of pixels `pixels` of a plane of `npix`.
    pub(crate) fn new(npix: usize, pixels: Range<usize>) -> MedianWindows {
        MedianWindows { pixels, keys: vec![[0; WINDOW]; npix], first: vec![0; npix], len: vec![0; npix], valid: vec![0; npix] }
    }

    pub(crate) fn wants(&self, p: usize) -> bool {
        self.pixels.contains(&p)
    }

    /// Pixel `p`'s keys to fill, then [`MedianWindows::set`].
    pub(crate) fn keys_mut(&mut self, p: usize) -> &mut [u32; WINDOW] {
        &mut self.keys[p]
    }

    pub(crate) fn set(&mut self, p: usize, first: usize, len: usize, valid: usize) {
        self.first[p] = first as u32;
        self.len[p] = len as u8;
        self.valid[p] = valid as u32;
    }

    /// The median (numpy's float32 `nanmedian`) of pixel `p`'s valid differences once those of
    /// `removed` (keys of valid differences) are taken away; None when the ranks it needs are not
    /// among the kept ones.
    fn median_without(&self, p: usize, removed: &[u32]) -> Option<f32> {
        let len = usize::from(self.len[p]);
        if len == 0 {
            return None;
        }
        let mut keys = self.keys[p];
        let (mut first, mut len) = (self.first[p] as usize, len);
        for &key in removed {
            if key < keys[0] {
                first = first.checked_sub(1)?;
            } else if key <= keys[len - 1] {
                // A key between the first and the last kept is kept (consecutive ranks); of equal
                // keys any one may go, the ordered values left are the same.
                let at = keys[..len].iter().position(|&k| k == key)?;
                keys.copy_within(at + 1..len, at);
                len -= 1;
            }
        }
        let n = (self.valid[p] as usize).checked_sub(removed.len())?;
        if n == 0 {
            return Some(f32::NAN);
        }
        let upper = n / 2;
        let lowest = if n % 2 == 1 { upper } else { upper - 1 };
        if lowest < first || upper >= first + len {
            return None;
        }
        let value = |rank: usize| from_ordered_key(keys[rank - first]);
        Some(if n % 2 == 1 { value(upper) } else { (value(upper - 1) + value(upper)) / 2.0 })
    }
}

/// Scratch of [`Selection::ranks`].
#[derive(Default)]
pub(crate) struct Selection {
    sample: Vec<u32>,
    window: Vec<u32>,
    next: Vec<u32>,
}

impl Selection {
    /// Keys up to which `ranks` selects directly; above, it first narrows them to a window.
    pub(crate) const DIRECT: usize = 320;
    /// Keys sampled to place the window, and the window's half width in sample ranks (about
    /// 2.5 standard deviations of the sample rank of the wanted key).
    const SAMPLE: usize = 64;
    const HALF_WINDOW: usize = 10;

    /// The `k - 1`-th and `k`-th smallest of `keys` (0-based; the first is 0 when `k` is 0);
    /// `keys` is reordered.
    pub(crate) fn ranks(&mut self, keys: &mut [u32], k: usize) -> (u32, u32) {
        match self.narrow(keys, k) {
            Some(offset) => select_pair(&mut self.window, k - offset),
            None => select_pair(keys, k),
        }
    }

    /// [`Selection::ranks`] (returned as `(lower, upper)`), and the keys of the ranks around `k`
    /// in ascending order into `window`: ranks `first..first + count` (returned), from
    /// `k - WINDOW_HALF` to `k + WINDOW_HALF`, fewer where they would fall outside `0..valid`
    /// (`valid > k`: the keys of the valid values, the others being larger) or outside the
    /// keys the narrowing kept.
    pub(crate) fn ranks_and_window(&mut self, keys: &mut [u32], k: usize, valid: usize, window: &mut [u32; WINDOW]) -> (u32, u32, usize, usize) {
        match self.narrow(keys, k) {
            Some(offset) => window_ranks(&mut self.window, offset, k, valid, window),
            None => window_ranks(keys, 0, k, valid, window),
        }
    }

    /// Floyd and Rivest's narrowing for rank `k` of `keys`: keys between two sample quantiles
    /// around rank `k` go to `self.window`, and only those are selected from, as long as both
    /// ranks `k - 1` and `k` fall inside it. Returns the rank of the window's smallest key when
    /// the selection is to be made there, None when in `keys`.
    fn narrow(&mut self, keys: &[u32], k: usize) -> Option<usize> {
        let mut offset = 0;
        let mut narrowed = false;
        loop {
            let items: &[u32] = if narrowed { &self.window } else { keys };
            let target = k - offset;
            if items.len() <= Self::DIRECT || target == 0 {
                return narrowed.then_some(offset);
            }
            self.sample.clear();
            let n = items.len();
            self.sample.extend((0..Self::SAMPLE).map(|s| items[s * n / Self::SAMPLE]));
            // The sample's ranks at - HALF_WINDOW and at + HALF_WINDOW (what sorting it gives).
            let at = target * Self::SAMPLE / n;
            let high = match self.sample.get(at + Self::HALF_WINDOW) {
                Some(_) => *self.sample.select_nth_unstable(at + Self::HALF_WINDOW).1,
                None => u32::MAX,
            };
            let low = if at >= Self::HALF_WINDOW { *self.sample[..at + Self::HALF_WINDOW.min(Self::SAMPLE - at)].select_nth_unstable(at - Self::HALF_WINDOW).1 } else { 0 };
            self.next.resize(n, 0);
            let (mut below, mut kept) = (0usize, 0usize);
            for &key in items.iter() {
                self.next[kept] = key;
                kept += usize::from(key >= low && key <= high);
                below += usize::from(key < low);
            }
            // Both ranks inside the window, which is smaller than the items: narrow; else select.
            if below >= target || target - below >= kept || kept == n {
                return narrowed.then_some(offset);
            }
            self.next.truncate(kept);
            std::mem::swap(&mut self.window, &mut self.next);
            offset += below;
            narrowed = true;
        }
    }
}

/// The `k - 1`-th (0 when `k` is 0) and `k`-th smallest of `items`, reordering them.
pub(crate) fn select_pair(items: &mut [u32], k: usize) -> (u32, u32) {
    let (below, &mut kth, _) = items.select_nth_unstable(k);
    (below.iter().copied().max().unwrap_or(0), kth)
}

/// [`Selection::ranks_and_window`] on `items`, the keys of ranks `offset..offset + items.len()`
/// of all the keys (with ranks `k - 1` and `k` among them when `k > offset`; `offset` 0 when
/// `k` is 0): `(lower, upper, first, count)`, the window from the keys of `items` only.
pub(crate) fn window_ranks(items: &mut [u32], offset: usize, k: usize, valid: usize, window: &mut [u32; WINDOW]) -> (u32, u32, usize, usize) {
    let (below, &mut upper, above) = items.select_nth_unstable(k - offset);
    let lows = WINDOW_HALF.min(below.len());
    let from = below.len() - lows;
    if lows > 0 {
        below.select_nth_unstable(from);
        below[from..].sort_unstable();
    }
    let highs = WINDOW_HALF.min(valid - 1 - k).min(above.len());
    if highs > 0 {
        above.select_nth_unstable(highs - 1);
        above[..highs].sort_unstable();
    }
    window[..lows].copy_from_slice(&below[from..]);
    window[lows] = upper;
    window[lows + 1..lows + 1 + highs].copy_from_slice(&above[..highs]);
    // The largest key below rank k, as `select_pair` has it.
    let lower = below.last().copied().unwrap_or(0);
    (lower, upper, k - lows, lows + 1 + highs)
}

/// Differences per pixel up to which [`noise`] sorts them with a network.
const MAX_NETWORK_SORT: usize = 64;

/// Batcher's odd-even merge sort of `n` items as compare-exchanges `(a, b)`, `a < b`: the
/// network of the next power of two without the exchanges that reach past `n` (those items
/// would be the largest, so the exchanges would change nothing).
fn sorting_network(n: usize) -> Vec<(usize, usize)> {
    let size = n.next_power_of_two();
    let mut pairs = Vec::new();
    let mut p = 1;
    while p < size {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < size {
                for i in 0..k.min(size - j - k) {
                    let (a, b) = (i + j, i + j + k);
                    if a / (2 * p) == b / (2 * p) && b < n {
                        pairs.push((a, b));
                    }
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    pairs
}

/// The search, the flags and their check of [`flag`] on any number of whole integrations, given
/// the exposure's [`noise`] (`median`, `sigma`: `(rows, cols)`) or [`clipped_noise`] (one such
/// plane per difference); the caller has ruled out [`too_few_differences`]. Integrations are
/// independent here.
#[allow(clippy::too_many_arguments)]
pub fn flag_with_noise(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &[u32],
    gain: &[f32],
    median: &[f32],
    sigma: &[f32],
    shape: RampShape,
    params: &Params,
) -> Result<usize, KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("gain", gain.len())?;
    let plane = shape.plane_len();
    let per_difference = median.len() != plane && shape.ngroups > 1;
    let noise_planes = if per_difference { shape.ngroups - 1 } else { 1 };
    for (argument, len) in [("median", median.len()), ("sigma", sigma.len())] {
        if len != noise_planes * plane {
            return Err(KernelError::ShapeMismatch { argument, expected: noise_planes * plane, actual: len });
        }
    }
    check_params(params)?;
    let RampShape { nints, ngroups, rows, cols } = shape;
    if ngroups < 2 {
        return Ok(0);
    }

    // Reference pixels (PIXELDQ exactly REFERENCE_PIXEL) count as DO_NOT_USE in the search;
    // they always get their flags back at the end (their mean difference is NaN), so they are
    // neither searched nor drawn.
    let reference = |p: usize| pixeldq[p] == dq::REFERENCE_PIXEL;
    let all_dnu_or_reference = |int: usize, g: usize| {
        let flags = &groupdq[(int * ngroups + g) * plane..(int * ngroups + g + 1) * plane];
        flags.iter().enumerate().all(|(p, &f)| f & DNU != 0 || reference(p))
    };

    let mut search = GroupSearch::new(pixeldq, gain, median, sigma, per_difference, params, rows, cols);
    let mut showers: Vec<(usize, usize, Vec<Ellipse>)> = Vec::new();
    let mut emission: Vec<usize> = Vec::new();
    let mut in_emission = vec![false; plane];
    let mut regions = RegionScratch::default();
    for int in 0..nints {
        let first_good = (0..ngroups).find(|&g| !all_dnu_or_reference(int, g)).unwrap_or(0);
        let cube = int * ngroups * plane..(int + 1) * ngroups * plane;
        let (data, groupdq) = (&data[cube.clone()], &groupdq[cube]);
        search.start_integration();
        for g in first_good + 1..ngroups {
            search.emission(data, groupdq, g, &mut emission);
            for &p in &emission {
                in_emission[p] = true;
            }
            let ellipses = find_ellipses_of(&emission, |p| in_emission[p], rows, cols, params.min_area, &mut regions);
            for &p in &emission {
                in_emission[p] = false;
            }
            if !ellipses.is_empty() {
                showers.push((int, g, ellipses));
            }
        }
    }

    // Flags before the showers of the pixels they touch, `ngroups` per pixel (`saved_at[p]` is
    // the pixel's offset, usize::MAX when untouched), for `restore_large_changes`.
    let mut saved_at = vec![usize::MAX; plane];
    let mut saved: Vec<u8> = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    let mut total = 0;
    let mut next = 0;
    for int in 0..nints {
        let cube = &mut groupdq[int * ngroups * plane..(int + 1) * ngroups * plane];
        while next < showers.len() && showers[next].0 == int {
            let (_, g, ellipses) = &showers[next];
            next += 1;
            total += ellipses.len();
            let last = (g + params.groups_masked_after + 1).min(ngroups);
            for e in ellipses {
                let (c_radius, r_radius) = expanded_half_axes(e, params.expand_ratio, params.max_extended_width);
                draw_ellipse(e.col, e.row, 2.0 * c_radius, 2.0 * r_radius, e.angle, rows, cols, |r, c| {
                    let p = r * cols + c;
                    if reference(p) {
                        return;
                    }
                    if saved_at[p] == usize::MAX {
                        saved_at[p] = saved.len();
                        saved.extend((0..ngroups).map(|fg| cube[fg * plane + p]));
                        touched.push(p);
                    }
                    // stcal zeroes a pixel of its drawn ellipse once it meets SATURATED, for the
                    // rest of the groups it flags.
                    for fg in *g..last {
                        let flags = &mut cube[fg * plane + p];
                        if *flags & SAT != 0 {
                            break;
                        }
                        *flags |= JUMP;
                    }
                });
            }
        }
        let data = &data[int * ngroups * plane..(int + 1) * ngroups * plane];
        for &p in &touched {
            let before = &saved[saved_at[p]..saved_at[p] + ngroups];
            restore_large_change(data, gain[p], before, cube, p, plane, params.max_shower_amplitude);
            saved_at[p] = usize::MAX;
        }
        touched.clear();
        saved.clear();
    }
    Ok(total)
}

/// The search of one group's difference: its signal-to-noise image, masked, ring-smoothed and
/// thresholded row by row ([`RingSmoother::threshold_rows`]), so that no plane of it is stored.
struct GroupSearch<'a> {
    gain: &'a [f32],
    median: &'a [f32],
    sigma: &'a [f32],
    per_difference: bool,
    /// Per pixel, JUMP|SAT|DNU where PIXELDQ keeps it out of the search (it has one of those
    /// bits, or is exactly REFERENCE_PIXEL), else 0: read as one byte instead of four a group.
    pixel_stop: Vec<u8>,
    smoother: RingSmoother,
    snr_threshold: f64,
    /// Invalid pixels of the integration's previous difference, the guess of how many the next
    /// has, which picks the smoother's way of counting valid taps (a matter of speed only).
    previous_invalid: Option<usize>,
}

impl<'a> GroupSearch<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(pixeldq: &[u32], gain: &'a [f32], median: &'a [f32], sigma: &'a [f32], per_difference: bool, params: &Params, rows: usize, cols: usize) -> GroupSearch<'a> {
        let pixel_stop = pixeldq.iter().map(|&pdq| if pdq & u32::from(STOP) != 0 || pdq == dq::REFERENCE_PIXEL { STOP } else { 0 }).collect();
        GroupSearch {
            gain,
            median,
            sigma,
            per_difference,
            pixel_stop,
            smoother: RingSmoother::new(&Ring::new(params.inner_radius, params.ring_width), rows, cols),
            snr_threshold: params.snr_threshold,
            previous_invalid: None,
        }
    }

    fn start_integration(&mut self) {
        self.previous_invalid = None;
    }

    /// The pixels of extended emission of group `g` (>= 1) of one integration (`data`,
    /// `groupdq`), ascending, into `out`: those whose smoothed `|e_g − e_{g−1} − median| / sigma`
    /// (electrons; 0 and left out where flagged or not finite) is above the threshold.
    fn emission(&mut self, data: &[f32], groupdq: &[u8], g: usize, out: &mut Vec<usize>) {
        let plane = self.pixel_stop.len();
        let cols = self.smoother.cols;
        let noise = if self.per_difference { (g - 1) * plane..g * plane } else { 0..plane };
        let (median, sigma) = (&self.median[noise.clone()], &self.sigma[noise]);
        let (data1, data0) = (&data[g * plane..(g + 1) * plane], &data[(g - 1) * plane..g * plane]);
        let (flags1, flags0) = (&groupdq[g * plane..(g + 1) * plane], &groupdq[(g - 1) * plane..g * plane]);
        let (gain, pixel_stop) = (self.gain, &self.pixel_stop[..]);
        // With no guess (the first difference), as if every pixel were invalid: the dense count
        // costs the same whatever their number.
        let dense_counts = self.smoother.dense_counts_pay(self.previous_invalid.unwrap_or(plane));
        let make_row = |r: usize, values: &mut [f32], good: &mut [bool]| {
            let row = r * cols..(r + 1) * cols;
            let (d1, d0, f1, f0) = (&data1[row.clone()], &data0[row.clone()], &flags1[row.clone()], &flags0[row.clone()]);
            let (gain, mid, sig, stop) = (&gain[row.clone()], &median[row.clone()], &sigma[row.clone()], &pixel_stop[row]);
            let (values, good) = (&mut values[..cols], &mut good[..cols]);
            for c in 0..cols {
                // stcal's electrons are NaN where the flags are 1..=5; those of group g all have a
                // STOP bit, so only group g − 1's need the test. Else the float32 values as stcal's.
                let (e1, e0) = (d1[c] * gain[c], d0[c] * gain[c]);
                let ratio = ((e1 - e0) - mid[c]).abs() / sig[c];
                let usable = ((f1[c] | stop[c]) & STOP == 0) & (f0[c].wrapping_sub(1) >= 5) & ratio.is_finite();
                good[c] = usable;
                values[c] = if usable { ratio } else { 0.0 };
            }
        };
        let invalid = self.smoother.threshold_rows(make_row, dense_counts, self.snr_threshold, out);
        self.previous_invalid = Some(invalid);
    }
}

/// The bits of a float32 as an integer of the same order as `f32::total_cmp`.
pub(crate) fn ordered_key(value: f32) -> u32 {
    let bits = value.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

pub(crate) fn from_ordered_key(key: u32) -> f32 {
    f32::from_bits(if key >> 31 == 1 { key & 0x7fff_ffff } else { !key })
}

/// Columns per step of the ring sums: four 4-lane vectors, kept in registers.
const CHUNK: usize = 16;

/// stcal `convolve_fast` followed by `> threshold`: NaN-aware ring smoothing where invalid
/// pixels count 0 in the sum and are left out of the normaliser, the area outside the image
/// counts as valid with value 0, and invalid pixels (or a normaliser that is practically zero)
/// never pass. The weights are equal, so the smoothed value is the sum over valid taps divided
/// by their number.
///
/// The reference sum is float64, run by run of the ring in the order of its rows, each run from
/// its first tap ([`RingSmoother::reference_sum`]); stcal's FFT convolution rounds differently anyway,
/// and only values within ~1e-15 of the threshold could come out on the other side. The sweep
/// over the plane sums in float32 instead (4 lanes a vector instruction, runs of each length
/// summed along a row once, each from a shorter one inside it, and read shifted where a run of
/// the ring is off centre): the terms are >= 0, so a sum of n taps in any order is within about
/// n · 2⁻²⁴ of the exact one, and the float64 sum is worked out only for the pixels that close
/// to the threshold, which keeps every decision of the float64 sum. The numbers of valid taps
/// are exact either way; where invalid pixels are few, each takes itself off the counts of the
/// pixels around it instead of a sum over every ring.
///
/// The image comes a row at a time, made just before the sweep needs it, and only the last
/// `2·half + 1` rows are kept: the planes of values and flags are never stored.
struct RingSmoother {
    half: usize,
    rows: usize,
    cols: usize,
    /// The ring's runs moved to start at `−(length / 2)`, one per length, shortest first
    /// (`(dx_first, dx_last)`); and for each run `(dy, span, shift)`: its sum at column x is
    /// that of the span at column x + shift.
    spans: Vec<(isize, isize)>,
    rows_of: Vec<(isize, usize, isize)>,
    /// Columns of span sums made either side of the image: the largest shift.
    pad: usize,
    /// How the float32 sum of each span is made: from the sum of an earlier span inside it (if
    /// any), plus the taps `dx` it lacks.
    plans: Vec<(Option<usize>, Vec<isize>)>,
    /// The ring's runs `(dy, dx_first, dx_last)` and its number of taps.
    runs: Vec<(isize, isize, isize)>,
    taps: f32,
    /// Valid taps per pixel when counted from the invalid pixels, for the image rows that the
    /// rows made so far reach (image row r at `r mod window`).
    counts: Vec<f32>,
    min_valid_taps: f64,
    /// Relative distance from the threshold below which the float32 sweep defers to the float64
    /// sum: a few times the float32 rounding of a sum of that many taps (infinite, so always
    /// float64, for rings too large for float32 to bound).
    sweep_margin: f64,
    /// The last `2·half + 1` padded rows (`half + pad` columns of border: zeros), padded row q
    /// at `q mod window`: values, and the valid flags of their image columns.
    padded_values: Vec<f32>,
    row_good: Vec<bool>,
    /// The valid flags of the padded row just made (border: valid), as 1 or 0.
    padded_valid: Vec<u16>,
    /// Span sums of values and of valid flags for the last `2·half + 1` padded rows, by
    /// `(padded row mod window, span, column + pad)`. The flags are summed as 16-bit integers
    /// (8 lanes a vector instruction), so only for rings of at most 65535 taps.
    values: Vec<f32>,
    valid: Vec<u16>,
    sum: Vec<f32>,
    valid_taps: Vec<u16>,
    count: Vec<f32>,
    candidate: Vec<bool>,
}

impl RingSmoother {
    fn new(ring: &Ring, rows: usize, cols: usize) -> RingSmoother {
        // A run within −half..=half moved to start at −(length / 2): (span, shift), |shift| <= half.
        let moved = |a: isize, b: isize| {
            let first = -((b - a + 1) / 2);
            ((first, first + b - a), a - first)
        };
        let mut spans: Vec<(isize, isize)> = ring.runs.iter().map(|&(_, a, b)| moved(a, b).0).collect();
        spans.sort_by_key(|&(a, b)| b - a);
        spans.dedup();
        let rows_of: Vec<(isize, usize, isize)> = ring
            .runs
            .iter()
            .map(|&(dy, a, b)| {
                let (span, shift) = moved(a, b);
                (dy, spans.iter().position(|&s| s == span).expect("a span of each length"), shift)
            })
            .collect();
        let pad = rows_of.iter().map(|&(_, _, shift)| shift.unsigned_abs()).max().unwrap_or(0);
        let plans = (0..spans.len())
            .map(|k| {
                let (a, b) = spans[k];
                let inner = (0..k).filter(|&j| spans[j].0 >= a && spans[j].1 <= b).max_by_key(|&j| spans[j].1 - spans[j].0);
                let missing = (a..=b).filter(|&dx| inner.is_none_or(|j| dx < spans[j].0 || dx > spans[j].1)).collect();
                (inner, missing)
            })
            .collect();
        let window = 2 * ring.half + 1;
        let width = cols + 2 * (ring.half + pad);
        let sums = window * spans.len() * (cols + 2 * pad);
        let taps: isize = ring.runs.iter().map(|&(_, a, b)| b - a + 1).sum();
        let margin = 4.0 * taps as f64 * f32::EPSILON as f64;
        RingSmoother {
            half: ring.half,
            rows,
            cols,
            spans,
            rows_of,
            pad,
            plans,
            runs: ring.runs.clone(),
            taps: taps as f32,
            counts: vec![0.0; window * cols],
            min_valid_taps: ring.min_valid_taps,
            sweep_margin: if margin < 0.01 { margin.max(1e-5) } else { f64::INFINITY },
            padded_values: vec![0.0; window * width],
            row_good: vec![false; window * cols],
            padded_valid: vec![1; width],
            values: vec![0.0; sums],
            valid: vec![0; sums],
            sum: vec![0.0; cols],
            valid_taps: vec![0; cols],
            count: vec![0.0; cols],
            candidate: vec![false; cols],
        }
    }

    /// Whether, with `invalid` pixels in the image, summing the valid flags over every ring
    /// costs less than taking each invalid pixel off the counts around it (and can be done).
    fn dense_counts_pay(&self, invalid: usize) -> bool {
        invalid as f64 * self.taps as f64 > (self.rows * self.cols) as f64 && self.taps <= f32::from(u16::MAX)
    }

    /// Makes padded row `q` (rows `half..half + rows` are the image, by `make_row`; the rest
    /// zeros, valid) and its run sums; of the valid flags too when `dense_counts`, else its
    /// invalid pixels come off `counts`. Returns the number of its invalid pixels.
    fn fill_row(&mut self, q: usize, make_row: &mut impl FnMut(usize, &mut [f32], &mut [bool]), dense_counts: bool) -> usize {
        let (h, cols, window) = (self.half, self.cols, 2 * self.half + 1);
        let (border, span_cols) = (h + self.pad, cols + 2 * self.pad);
        let width = cols + 2 * border;
        let slot = q % window;
        let values = &mut self.padded_values[slot * width + border..slot * width + border + cols];
        let mut invalid = 0;
        match q.checked_sub(h).filter(|&r| r < self.rows) {
            Some(r) => {
                let good = &mut self.row_good[slot * cols..(slot + 1) * cols];
                make_row(r, values, good);
                invalid = good.iter().filter(|&&g| !g).count();
                if dense_counts {
                    for (v, &g) in self.padded_valid[border..border + cols].iter_mut().zip(good.iter()) {
                        *v = u16::from(g);
                    }
                } else if invalid > 0 {
                    self.take_off_invalid(r, slot);
                }
            }
            None => {
                values.fill(0.0);
                if dense_counts {
                    self.padded_valid[border..border + cols].fill(1);
                }
            }
        }
        let row_base = slot * self.spans.len() * span_cols;
        let full = span_cols - span_cols % CHUNK;
        for start in (0..full).step_by(CHUNK) {
            self.span_sums::<CHUNK>(slot * width, row_base, start, dense_counts);
        }
        for start in full..span_cols {
            self.span_sums::<1>(slot * width, row_base, start, dense_counts);
        }
        invalid
    }

    /// Span sums of columns `start - pad..start - pad + W` of the padded row at `row_at` in
    /// `padded_values`, into the rows of `values` (and of `valid`, from `padded_valid`, when
    /// `dense_counts`) at `row_base`: each span from the sum of the span inside it (if any) and
    /// the taps it lacks, in `W` lanes that stay in registers.
    fn span_sums<const W: usize>(&mut self, row_at: usize, row_base: usize, start: usize, dense_counts: bool) {
        let (h, cols) = (self.half as isize, self.cols + 2 * self.pad);
        for (k, (inner, missing)) in self.plans.iter().enumerate() {
            let (mut acc, mut acc_valid) = ([0f32; W], [0u16; W]);
            if let Some(j) = inner {
                let at = row_base + j * cols + start;
                acc.copy_from_slice(&self.values[at..at + W]);
                if dense_counts {
                    acc_valid.copy_from_slice(&self.valid[at..at + W]);
                }
            }
            for &dx in missing {
                let from = (h + dx) as usize + start;
                let taps: &[f32; W] = self.padded_values[row_at + from..row_at + from + W].try_into().expect("W columns");
                for (a, &x) in acc.iter_mut().zip(taps) {
                    *a += x;
                }
                if dense_counts {
                    let flags: &[u16; W] = self.padded_valid[from..from + W].try_into().expect("W columns");
                    for (a, &x) in acc_valid.iter_mut().zip(flags) {
                        *a += x;
                    }
                }
            }
            let at = row_base + k * cols + start;
            self.values[at..at + W].copy_from_slice(&acc);
            if dense_counts {
                self.valid[at..at + W].copy_from_slice(&acc_valid);
            }
        }
    }

    /// Takes the invalid pixels of image row `r` (kept at `slot`) off the valid taps of the
    /// pixels around them: the ring is symmetric, so an invalid pixel is a tap of exactly the
    /// pixels at the ring's offsets from it.
    fn take_off_invalid(&mut self, r: usize, slot: usize) {
        let (rows, cols, window) = (self.rows as isize, self.cols as isize, 2 * self.half + 1);
        let good = &self.row_good[slot * self.cols..(slot + 1) * self.cols];
        for c in (0..cols).filter(|&c| !good[c as usize]) {
            for &(dy, a, b) in &self.runs {
                let y = r as isize + dy;
                if y < 0 || y >= rows {
                    continue;
                }
                let base = (y as usize % window) * self.cols;
                let (x0, x1) = ((c + a).max(0), (c + b).min(cols - 1));
                for x in x0..=x1 {
                    self.counts[base + x as usize] -= 1.0;
                }
            }
        }
    }

    /// The pixels of the smoothed image above `threshold` (and valid), ascending, into `out`;
    /// returns the number of invalid pixels. `make_row(r, values, good)` makes image row `r`:
    /// its valid flags, and values (0 where invalid). `dense_counts` picks how the valid taps
    /// are counted (both exactly; [`RingSmoother::dense_counts_pay`] says which costs less);
    /// rings of more than 65535 taps are always counted from the invalid pixels.
    fn threshold_rows(&mut self, mut make_row: impl FnMut(usize, &mut [f32], &mut [bool]), dense_counts: bool, threshold: f64, out: &mut Vec<usize>) -> usize {
        out.clear();
        let dense_counts = dense_counts && self.taps <= f32::from(u16::MAX);
        let (h, cols, window) = (self.half, self.cols, 2 * self.half + 1);
        let (nspans, pad) = (self.spans.len(), self.pad as isize);
        let span_cols = cols + 2 * self.pad;
        // Where the run (dy, span k, shift) of padded row q starts for column 0 in `values`.
        let run_at = |q: usize, k: usize, shift: isize| ((q % window) * nspans + k) * span_cols + (pad + shift) as usize;
        if !dense_counts {
            self.counts.fill(self.taps);
        }
        let mut invalid = 0;
        for q in 0..2 * h {
            invalid += self.fill_row(q, &mut make_row, dense_counts);
        }
        let mut bases = Vec::with_capacity(self.rows_of.len());
        // float32 sums below `count · low` are below the threshold by more than the margin.
        let low = if threshold > 0.0 && threshold.is_finite() { (threshold * (1.0 - 2.0 * self.sweep_margin)) as f32 } else { f32::MIN };
        for r in 0..self.rows {
            // Image rows up to r + half are made, so the counts of row r are complete.
            invalid += self.fill_row(r + 2 * h, &mut make_row, dense_counts);
            bases.clear();
            bases.extend(self.rows_of.iter().map(|&(dy, k, shift)| run_at((r as isize + h as isize + dy) as usize, k, shift)));
            if dense_counts {
                let valid_taps = &mut self.valid_taps;
                valid_taps.fill(0);
                for &base in &bases {
                    for (n, &v) in valid_taps.iter_mut().zip(&self.valid[base..base + cols]) {
                        *n += v;
                    }
                }
                for (n, &v) in self.count.iter_mut().zip(valid_taps.iter()) {
                    *n = f32::from(v);
                }
            }
            let counts_at = (r % window) * cols;
            let good_at = ((r + h) % window) * cols;
            // Chunk by chunk, the ring sums and a vector test that rules out the pixels clearly
            // below the threshold: chunks without a candidate (most of them) are passed over.
            for start in (0..cols).step_by(CHUNK) {
                let end = (start + CHUNK).min(cols);
                let counts = if dense_counts { &self.count[start..end] } else { &self.counts[counts_at + start..counts_at + end] };
                let any = if end - start == CHUNK {
                    ring_sums::<CHUNK>(&self.values, &bases, start, &mut self.sum, counts, low, &mut self.candidate)
                } else {
                    (start..end).fold(false, |any, c| any | ring_sums::<1>(&self.values, &bases, c, &mut self.sum, &counts[c - start..], low, &mut self.candidate))
                };
                if !any {
                    continue;
                }
                for c in start..end {
                    let count = f64::from(counts[c - start]);
                    if !self.candidate[c] || !self.row_good[good_at + c] || count <= self.min_valid_taps {
                        continue;
                    }
                    // Counts are small integers, exact in float32.
                    let fast = f64::from(self.sum[c]);
                    let scaled = threshold * count;
                    let passes = if !fast.is_finite() || (fast - scaled).abs() <= self.sweep_margin * fast.max(scaled.abs()) {
                        self.reference_sum(r, c) / count > threshold
                    } else {
                        fast > scaled
                    };
                    if passes {
                        out.push(r * cols + c);
                    }
                }
            }
            if !dense_counts {
                self.counts[counts_at..counts_at + cols].fill(self.taps);
            }
        }
        invalid
    }

    /// The float64 ring sum at image row `r`, column `c` (during the sweep of row `r`): run by
    /// run in the order of the ring's rows, each run summed from its first tap.
    fn reference_sum(&self, r: usize, c: usize) -> f64 {
        let (h, window, border) = (self.half, 2 * self.half + 1, self.half + self.pad);
        let width = self.cols + 2 * border;
        let (rows, cols) = (self.rows as isize, self.cols as isize);
        let mut sum = 0f64;
        for &(dy, a, b) in &self.runs {
            let y = r as isize + dy;
            if y < 0 || y >= rows {
                continue;
            }
            let slot = (y as usize + h) % window;
            let values = &self.padded_values[slot * width + border..slot * width + border + self.cols];
            let good = &self.row_good[slot * self.cols..(slot + 1) * self.cols];
            let mut run = 0f64;
            for dx in a..=b {
                let x = c as isize + dx;
                if x >= 0 && x < cols {
                    run += if good[x as usize] { values[x as usize] as f64 } else { 0.0 };
                }
            }
            sum += run;
        }
        sum
    }
}

/// The float32 ring sums of columns `start..start + W` into `sum`, from the span-sum rows of
/// `values` that start at `bases` (those of the ring's rows around the image row), and into
/// `candidate` whether each is at least `counts · low` (`counts` from column `start`); returns
/// whether any is.
fn ring_sums<const W: usize>(values: &[f32], bases: &[usize], start: usize, sum: &mut [f32], counts: &[f32], low: f32, candidate: &mut [bool]) -> bool {
    let mut acc = [0f32; W];
    for &base in bases {
        let at = base + start;
        let row: &[f32; W] = values[at..at + W].try_into().expect("W columns");
        for (a, &v) in acc.iter_mut().zip(row) {
            *a += v;
        }
    }
    sum[start..start + W].copy_from_slice(&acc);
    let counts: &[f32; W] = counts[..W].try_into().expect("W columns");
    let mut any = false;
    for ((flag, &s), &n) in candidate[start..start + W].iter_mut().zip(&acc).zip(counts) {
        *flag = s >= n * low;
        any |= *flag;
    }
    any
}

/// stcal `max_flux_showers` for one pixel of one integration: the mean first difference
/// (float32, groups with DNU, SAT or JUMP left out) with the pre-shower flags and with the new
/// ones; where they differ by more than `max_amplitude`, or either is NaN, the pre-shower flags
/// come back. (Pixels whose flags the showers left alone need no test: restoring changes nothing.)
fn restore_large_change(data: &[f32], gain: f32, before: &[u8], cube: &mut [u8], p: usize, plane: usize, max_amplitude: f64) {
    let ngroups = before.len();
    let bad = DNU | SAT | JUMP;
    let mean_diff = |flag: &dyn Fn(usize) -> u8| -> f32 {
        let (mut total, mut count) = (0f32, 0u32);
        let value = |g: usize| if flag(g) & bad != 0 { f32::NAN } else { data[g * plane + p] * gain };
        for g in 1..ngroups {
            let d = value(g) - value(g - 1);
            if !d.is_nan() {
                total += d;
                count += 1;
            }
        }
        (total as f64 / count as f64) as f32
    };
    let change = (mean_diff(&|g| before[g]) - mean_diff(&|g| cube[g * plane + p])).abs();
    // numpy 2 compares a float32 array with a Python float in float32.
    if !change.is_finite() || change > max_amplitude as f32 {
        for (g, &flags) in before.iter().enumerate() {
            cube[g * plane + p] = flags;
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
    fn noise_by_row_bands_and_search_by_integration_give_the_whole_result() {
        let (one, _) = exposure(12, 60, 60, Some((5, 30.0, 30.0, 9.0, 12.0)));
        let (other, _) = exposure(12, 60, 60, Some((7, 20.0, 35.0, 8.0, 14.0)));
        let shape = RampShape::new(2, 12, 60, 60);
        let data: Vec<f32> = one.iter().chain(&other).copied().collect();
        let (plane, params) = (3600, Params { max_shower_amplitude: 1e9, ..DEFAULTS });
        let mut whole = vec![0u8; shape.cube_len()];
        // Some flags, so that NaN differences take part in the medians.
        for i in (0..whole.len()).step_by(7) {
            whole[i] = if i % 3 == 0 { JUMP } else { SAT | JUMP };
        }
        let mut pieces = whole.clone();
        let (gain, readnoise) = (vec![1.0; plane], vec![1.0; plane]);
        assert_eq!(flag(&data, &mut whole, &[0; 3600], &gain, &readnoise, shape, &params).unwrap(), 2);

        let (mut median, mut sigma) = (vec![0f32; plane], vec![0f32; plane]);
        for (r0, r1) in [(0, 25), (25, 60)] {
            let band = |cube: &[f32]| -> Vec<f32> { (0..24).flat_map(|k| cube[k * plane + r0 * 60..k * plane + r1 * 60].to_vec()).collect() };
            let flags: Vec<u8> = (0..24).flat_map(|k| pieces[k * plane + r0 * 60..k * plane + r1 * 60].to_vec()).collect();
            let band_shape = RampShape::new(2, 12, r1 - r0, 60);
            let (m, s) = (&mut median[r0 * 60..r1 * 60], &mut sigma[r0 * 60..r1 * 60]);
            noise(&band(&data), &flags, &gain[..(r1 - r0) * 60], &readnoise[..(r1 - r0) * 60], band_shape, 1, m, s).unwrap();
        }
        let mut count = 0;
        for int in 0..2 {
            let range = int * 12 * plane..(int + 1) * 12 * plane;
            let int_shape = RampShape::new(1, 12, 60, 60);
            count += flag_with_noise(&data[range.clone()], &mut pieces[range], &[0; 3600], &gain, &median, &sigma, int_shape, &params).unwrap();
        }
        assert_eq!(count, 2);
        assert_eq!(pieces, whole);
    }

    /// Uniforms in [0, 1) of a seeded linear congruential generator.
    fn uniforms(seed: u32) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            state as f64 / 4294967296.0
        }
    }

    /// The pixels above `threshold` of the ring smoothing of whole planes, straight from the
    /// definition: float64 sums run by run (each from its first tap), taps outside the image
    /// valid with value 0.
    fn ring_threshold_f64(ring: &Ring, values: &[f32], good: &[bool], rows: usize, cols: usize, threshold: f64) -> Vec<usize> {
        (0..rows * cols)
            .filter(|&p| {
                let (r, c) = ((p / cols) as isize, (p % cols) as isize);
                let (mut count, mut sum) = (0f64, 0f64);
                for &(dy, a, b) in &ring.runs {
                    let mut run = 0f64;
                    for dx in a..=b {
                        let (y, x) = (r + dy, c + dx);
                        let inside = y >= 0 && y < rows as isize && x >= 0 && x < cols as isize;
                        let q = (y * cols as isize + x) as usize;
                        count += if !inside || good[q] { 1.0 } else { 0.0 };
                        run += if inside && good[q] { values[q] as f64 } else { 0.0 };
                    }
                    sum += run;
                }
                good[p] && count > ring.min_valid_taps && sum / count > threshold
            })
            .collect()
    }

    #[test]
    fn the_default_ring_is_summed_from_three_spans() {
        // Rows |dy| = 3, 2, 1 and the two halves of row 0, which are the 3-tap span shifted by ∓2.
        let smoother = RingSmoother::new(&Ring::new(1.0, 2.6), 10, 10);
        assert_eq!(smoother.spans, [(-1, 1), (-2, 2), (-3, 3)]);
        assert!(smoother.rows_of.contains(&(0, 0, -2)) && smoother.rows_of.contains(&(0, 0, 2)) && smoother.rows_of.contains(&(-1, 2, 0)));
        assert_eq!(smoother.pad, 2);
    }

    #[test]
    fn the_ring_sweep_decides_as_the_float64_sum_with_few_and_many_invalid_pixels() {
        let (rows, cols) = (40, 37);
        let mut next = uniforms(7);
        // Values near the threshold (within float32 rounding of it) send the sweep to the float64
        // sums; rings of other sizes have runs of even lengths and larger shifts.
        let cases = [(0.01, false, 2.6), (0.5, false, 2.6), (0.01, true, 2.6), (0.3, true, 2.6), (0.05, false, 1.2), (0.3, false, 4.3), (0.02, true, 4.3)];
        for (invalid_fraction, near_threshold, width) in cases {
            let ring = Ring::new(1.0, width);
            let mut smoother = RingSmoother::new(&ring, rows, cols);
            let good: Vec<bool> = (0..rows * cols).map(|_| next() >= invalid_fraction).collect();
            let value = |u: f64| if near_threshold { (1.2 * (1.0 + 4e-7 * (u - 0.5))) as f32 } else { (2.4 * u) as f32 };
            let values: Vec<f32> = good.iter().map(|&g| if g { value(next()) } else { 0.0 }).collect();
            let expected = ring_threshold_f64(&ring, &values, &good, rows, cols, 1.2);
            assert!(!expected.is_empty() && expected.len() < rows * cols * 3 / 4, "{}", expected.len());
            for dense_counts in [false, true] {
                let mut passed = Vec::new();
                let make_row = |r: usize, v: &mut [f32], g: &mut [bool]| {
                    v.copy_from_slice(&values[r * cols..(r + 1) * cols]);
                    g.copy_from_slice(&good[r * cols..(r + 1) * cols]);
                };
                let invalid = smoother.threshold_rows(make_row, dense_counts, 1.2, &mut passed);
                assert_eq!(invalid, good.iter().filter(|&&g| !g).count());
                assert_eq!(passed, expected, "invalid fraction {invalid_fraction}, near threshold {near_threshold}, width {width}, dense counts {dense_counts}");
            }
        }
    }

    #[test]
    fn the_row_by_row_search_equals_the_search_on_whole_planes() {
        let (ngroups, rows, cols) = (7, 33, 41);
        let plane = rows * cols;
        let ring = Ring::new(1.0, 2.6);
        let mut next = uniforms(3);
        for (flagged_fraction, per_difference) in [(0.003, false), (0.4, false), (0.003, true), (0.4, true)] {
            let data: Vec<f32> = (0..ngroups * plane)
                .map(|_| match next() {
                    u if u < 0.002 => f32::NAN,
                    u if u < 0.003 => f32::INFINITY,
                    _ => (100.0 * next()) as f32,
                })
                .collect();
            // Every GROUPDQ value 0..=7 (1..=5 make stcal's electrons NaN, 6 and 7 do not) and others.
            let groupdq: Vec<u8> = (0..ngroups * plane).map(|_| if next() < flagged_fraction { [1, 2, 3, 4, 5, 6, 7, 8, 36][(next() * 9.0) as usize] } else { 0 }).collect();
            let pixeldq: Vec<u32> = (0..plane)
                .map(|_| match next() / flagged_fraction.max(0.025) {
                    u if u < 0.1 => dq::REFERENCE_PIXEL,
                    u if u < 0.2 => dq::REFERENCE_PIXEL | dq::DROPOUT,
                    u if u < 0.3 => [dq::DO_NOT_USE, dq::SATURATED, dq::JUMP_DET][(next() * 3.0) as usize],
                    u if u < 0.4 => dq::DROPOUT,
                    _ => 0,
                })
                .collect();
            let gain: Vec<f32> = (0..plane).map(|_| (0.5 + 1.5 * next()) as f32).collect();
            let planes = if per_difference { ngroups - 1 } else { 1 };
            let median: Vec<f32> = (0..planes * plane).map(|_| (20.0 * (next() - 0.5)) as f32).collect();
            let sigma: Vec<f32> = (0..planes * plane).map(|_| if next() < 0.002 { 0.0 } else { (35.0 + 20.0 * next()) as f32 }).collect();
            let params = Params { snr_threshold: 1.2, ..DEFAULTS };
            let mut search = GroupSearch::new(&pixeldq, &gain, &median, &sigma, per_difference, &params, rows, cols);
            search.start_integration();
            let mut emission = Vec::new();
            for g in 1..ngroups {
                // As stcal: whole planes of electrons (NaN where the flags are 1..=5), ratios and flags.
                let electrons = |k: usize, p: usize| if (1..=5).contains(&groupdq[k * plane + p]) { f32::NAN } else { data[k * plane + p] * gain[p] };
                let noise = if per_difference { (g - 1) * plane } else { 0 };
                let (mut values, mut good) = (vec![0f32; plane], vec![false; plane]);
                for p in 0..plane {
                    let ratio = ((electrons(g, p) - electrons(g - 1, p)) - median[noise + p]).abs() / sigma[noise + p];
                    let flags = u32::from(groupdq[g * plane + p]) | pixeldq[p];
                    good[p] = flags & u32::from(STOP) == 0 && ratio.is_finite() && pixeldq[p] != dq::REFERENCE_PIXEL;
                    values[p] = if good[p] { ratio } else { 0.0 };
                }
                let expected = ring_threshold_f64(&ring, &values, &good, rows, cols, 1.2);
                assert!(!expected.is_empty(), "group {g}");
                search.emission(&data, &groupdq, g, &mut emission);
                assert_eq!(emission, expected, "flagged fraction {flagged_fraction}, per difference {per_difference}, group {g}");
                // The next difference counts the valid taps as suits the case: from the invalid
                // pixels where they are few, by sums of the valid flags where they are many.
                let invalid = search.previous_invalid.expect("a difference searched");
                assert_eq!(invalid, good.iter().filter(|&&g| !g).count());
                assert_eq!(search.smoother.dense_counts_pay(invalid), flagged_fraction > 0.1);
            }
        }
    }

    #[test]
    fn the_sorting_networks_sort() {
        let mut seed = 11u32;
        for n in 1..=MAX_NETWORK_SORT {
            let network = sorting_network(n);
            for _ in 0..20 {
                let mut items: Vec<u32> = (0..n)
                    .map(|_| {
                        seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                        seed >> 26
                    })
                    .collect();
                let mut sorted = items.clone();
                sorted.sort();
                for &(a, b) in &network {
                    let (x, y) = (items[a].min(items[b]), items[a].max(items[b]));
                    (items[a], items[b]) = (x, y);
                }
                assert_eq!(items, sorted, "n = {n}");
            }
        }
    }

    #[test]
    fn the_windowed_selection_finds_the_middle_ranks() {
        let mut seed = 5u32;
        let mut next = || {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            seed
        };
        let mut selection = Selection::default();
        for n in [1, 2, 3, 300, 321, 2200, 5001] {
            for spread in [4u32, 1 << 12, u32::MAX] {
                // Many ties, a tail of NaN keys, a sorted run: the narrowing must hold or fall back.
                let mut keys: Vec<u32> = (0..n).map(|i| if i % 17 == 3 { u32::MAX } else { next() % spread.max(1) }).collect();
                if n > 1000 {
                    keys[..300].sort_unstable();
                }
                let mut sorted = keys.clone();
                sorted.sort_unstable();
                for k in [0, n / 2, n - 1] {
                    let expected = (if k > 0 { sorted[k - 1] } else { 0 }, sorted[k]);
                    assert_eq!(selection.ranks(&mut keys.clone(), k), expected, "n {n}, spread {spread}, k {k}");
                }
            }
        }
    }

    /// The window kept around a median gives, after some of the values are taken away, the
    /// median of the rest exactly as sorting them does (ties, NaN keys, values taken away below,
    /// inside and above the window), or None; and it does so in most cases of a few taken away.
    #[test]
    fn median_windows_give_the_median_without_a_few_values() {
        let mut seed = 11u32;
        let mut next = || {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            seed >> 8
        };
        let mut selection = Selection::default();
        let mut windows = MedianWindows::new(1, 0..1);
        let (mut known, mut asked) = (0, 0);
        for n in [1, 2, 3, 17, 300, 321, 2200] {
            for spread in [3u32, 40, 1 << 20] {
                for case in 0..20 {
                    let nan = n / 9;
                    // Keys of float32 values near 0 of both signs, many equal with a small spread.
                    let mut keys: Vec<u32> = (0..n).map(|i| if i < nan { u32::MAX } else { ordered_key((next() % spread) as f32 - (spread / 2) as f32) }).collect();
                    let valid = n - nan;
                    if valid == 0 {
                        continue;
                    }
                    let mut sorted: Vec<u32> = keys.iter().copied().filter(|&k| k != u32::MAX).collect();
                    sorted.sort_unstable();
                    let k = valid / 2;
                    let (lower, upper, first, len) = selection.ranks_and_window(&mut keys, k, valid, windows.keys_mut(0));
                    assert_eq!((lower, upper), (if k > 0 { sorted[k - 1] } else { 0 }, sorted[k]), "n {n}, spread {spread}");
                    assert_eq!(&windows.keys_mut(0)[..len], &sorted[first..first + len], "n {n}, spread {spread}");
                    assert!(first <= k && k < first + len);
                    windows.set(0, first, len, valid);
                    // Take away up to WINDOW_HALF distinct members of the valid values.
                    let mut rest = sorted.clone();
                    let mut removed = Vec::new();
                    for _ in 0..(case % (WINDOW_HALF + 1)).min(valid) {
                        let at = next() as usize % rest.len();
                        removed.push(rest.remove(at));
                    }
                    let expected = match rest.len() {
                        0 => f32::NAN,
                        m if m % 2 == 1 => from_ordered_key(rest[m / 2]),
                        m => (from_ordered_key(rest[m / 2 - 1]) + from_ordered_key(rest[m / 2])) / 2.0,
                    };
                    asked += 1;
                    if let Some(value) = windows.median_without(0, &removed) {
                        known += 1;
                        assert_eq!(value.to_bits(), expected.to_bits(), "n {n}, spread {spread}, removed {removed:?}");
                    }
                }
            }
        }
        assert!(known * 10 > asked * 9, "{known} of {asked}");
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
