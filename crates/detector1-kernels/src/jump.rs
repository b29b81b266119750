//! `jump`: two-point difference jump detection (spec/steps/jump.md §3-§7), as stcal's
//! `detect_jumps_data` does it with a single slice: [`detect`] for the classic detectors and
//! the post-processing, [`sigma_clip`] for the many-integration detector. Snowballs and showers
//! are not here (but [`detect_and_shower_noise`] makes the showers' noise model too).
//!
//! Precision follows stcal under numpy 2: electrons are float32 (`data · gain`), differences are
//! float32 subtractions promoted to float64 (they are divided by the float64 `dt_group = [1]`),
//! medians and sigmas are float64, and the iterative ratios go through a float32 `e_jump`.
//! That arithmetic runs only on the few pixels a float32 screen vectorised over 16 pixels
//! cannot prove unflagged (`Screen`); the screen never clears a pixel stcal would flag, so
//! the flags are the same bits. With thousands of differences a pixel (a single pass over a
//! MIRI TSO), `ManyDiffs` works that arithmetic out on the float32 differences of its screen,
//! vectorised over 16 pixels where it can. The sigma-clipping detector is float64, as astropy's.

use crate::dq;
use crate::jump_showers::{from_ordered_key, ordered_key, select_pair, window_ranks, MedianWindows, Selection, WINDOW_HALF};
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
    /// JUMP was already set by [`sigma_clip`] (and the caller's whole-frame reset of planes that
    /// are all JUMP or DO_NOT_USE): only counting, neighbours, after-jump flags and clean-up.
    SigmaClipped,
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
    detect_with(data, groupdq, pixeldq, gain, readnoise, crs, shape, params, true, None)
}

/// [`detect`], then the MIRI showers' noise model of the same pixels on the flags it leaves
/// ([`jump_showers::noise`] with `nframes` of `params`): the single pass keeps the ordered
/// differences around each median it works out, from which the showers' median follows where
/// their differences are the two-point pass's but for a few its JUMP flags take away (most
/// pixels); only the other pixels' ramps are read again. The noise is made for rows
/// `noise_rows` only (a band's own rows: on its halo rows it would not be final, their
/// neighbours' flags are missing), NaN elsewhere. Returns the number of pixels whose showers'
/// median came from the single pass.
#[allow(clippy::too_many_arguments)]
pub fn detect_and_shower_noise(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    gain: &[f32],
    readnoise: &[f32],
    crs: &mut [u32],
    shape: RampShape,
    params: &Params,
    median: &mut [f32],
    sigma: &mut [f32],
    noise_rows: std::ops::Range<usize>,
) -> Result<usize, KernelError> {
    shape.expect_plane("median", median.len())?;
    shape.expect_plane("sigma", sigma.len())?;
    if noise_rows.start > noise_rows.end || noise_rows.end > shape.rows {
        return Err(KernelError::InvalidParameter { argument: "noise_rows", reason: format!("{noise_rows:?} is not within the {} rows", shape.rows) });
    }
    let pixels = noise_rows.start * shape.cols..noise_rows.end * shape.cols;
    median.fill(f32::NAN);
    sigma.fill(f32::NAN);
    let mut windows = MedianWindows::new(shape.plane_len(), pixels.clone());
    detect_with(data, groupdq, pixeldq, gain, readnoise, crs, shape, params, true, Some(&mut windows))?;
    crate::jump_showers::noise_with_hints(data, groupdq, gain, readnoise, shape, params.nframes, median, sigma, Some(&windows), pixels)
}

/// `detect`, with the vector screen switched off by tests to get the reference result;
/// `windows` receives the median windows of the pixels `ManyDiffs` finishes.
#[allow(clippy::too_many_arguments)]
fn detect_with(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    gain: &[f32],
    readnoise: &[f32],
    crs: &mut [u32],
    shape: RampShape,
    params: &Params,
    use_screen: bool,
    mut windows: Option<&mut MedianWindows>,
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
        let mut scratch = Scratch::new(shape);
        let mut stats = Vec::new();
        let mut seeds = Vec::new();
        let mut exact = Vec::new();
        // Many differences a pixel (single pass only): `ManyDiffs` finishes most pixels itself;
        // the exact pixels left (earlier JUMP flags) of a block run on a copy of the block's
        // ramps, because one pixel's reads span every plane (a page each, more than the TLB holds).
        let many = use_screen && params.mode == Mode::SinglePass && shape.nints * (shape.ngroups - 1) > MAX_SCREEN_NETWORK;
        let mut screen = (!many).then(|| Screen::new(shape, params));
        let mut direct = many.then(|| (ManyDiffs::new(shape, params), BlockCopy::new(shape)));
        // Pixels are independent until the neighbour pass, so queued pixels may finish later.
        for p0 in (0..npix).step_by(BLOCK) {
            let whole_block = p0 + BLOCK <= npix;
            if let (Some((lanes, block)), true) = (&mut direct, whole_block) {
                let done = lanes.run(data, groupdq, gain, readnoise, crs, p0, shape, params, &mut stats, &mut seeds, windows.as_deref_mut());
                exact.extend((p0..p0 + BLOCK).filter(|p| done & (1 << (p - p0)) == 0));
                block.run_exact(data, groupdq, gain, readnoise, crs, p0, &mut exact, &mut scratch, params, &mut stats, &mut seeds);
                continue;
            }
            let (cleared, queued) = match &mut screen {
                Some(_) if whole_block && use_screen && params.mode == Mode::SigmaClipped => (jump_free_lanes(groupdq, p0, shape), 0),
                Some(screen) if whole_block && use_screen => screen.run(data, groupdq, gain, readnoise, p0, shape, &mut exact),
                _ => (0, 0),
            };
            exact.extend((p0..npix.min(p0 + BLOCK)).filter(|p| (cleared | queued) & (1 << (p - p0)) == 0));
            run_exact(groupdq, readnoise, crs, &diffs, &mut exact, &mut scratch, params, &mut stats, &mut seeds);
        }
        if let Some(screen) = &mut screen {
            screen.flush(&mut exact);
        }
        run_exact(groupdq, readnoise, crs, &diffs, &mut exact, &mut scratch, params, &mut stats, &mut seeds);
        stats.sort_unstable_by_key(|s| s.pixel);
        flag_neighbours(groupdq, &seeds, shape);
        if params.after_jump.iter().any(|&(_, n)| n > 0) {
            after_jump(groupdq, &diffs, &stats, &mut scratch, params);
        }
    }
    if params.mode == Mode::Skip {
        // A JUMP next to DO_NOT_USE or SATURATED carries no information: stcal clears it
        // (exact_pixel does it for the other modes).
        for flags in groupdq.iter_mut() {
            *flags &= !(JUMP * u8::from(*flags & (DNU | SAT) != 0));
        }
    }
    Ok(())
}

/// The exact path of the pixels in `exact` (emptied); their statistics and neighbour seeds go
/// to `stats` and `seeds`.
#[allow(clippy::too_many_arguments)]
fn run_exact(
    groupdq: &mut [u8],
    readnoise: &[f32],
    crs: &mut [u32],
    diffs: &Diffs,
    exact: &mut Vec<usize>,
    scratch: &mut Scratch,
    params: &Params,
    stats: &mut Vec<PixelStats>,
    seeds: &mut Vec<usize>,
) {
    for p in exact.drain(..) {
        if let Some(pixel_stats) = exact_pixel(groupdq, readnoise, crs, diffs, p, scratch, params) {
            if params.flag_4_neighbors {
                neighbour_seeds(groupdq, &scratch.d, &pixel_stats, diffs.shape, params, seeds);
            }
            stats.push(pixel_stats);
        }
    }
}

/// The ramps and flags of BLOCK pixels, copied plane by plane into `(nints, ngroups, 1, BLOCK)`.
struct BlockCopy {
    shape: RampShape,
    data: Vec<f32>,
    groupdq: Vec<u8>,
    crs: Vec<u32>,
    seeds: Vec<usize>,
}

impl BlockCopy {
    fn new(exposure: RampShape) -> Self {
        let shape = RampShape::new(exposure.nints, exposure.ngroups, 1, BLOCK);
        BlockCopy { shape, data: vec![0.0; shape.cube_len()], groupdq: vec![0; shape.cube_len()], crs: vec![0; BLOCK], seeds: Vec::new() }
    }

    /// [`run_exact`] for pixels of the block at `p0` only, on a copy of it; flags, counts,
    /// statistics and seeds come back in exposure terms.
    #[allow(clippy::too_many_arguments)]
    fn run_exact(
        &mut self,
        data: &[f32],
        groupdq: &mut [u8],
        gain: &[f32],
        readnoise: &[f32],
        crs: &mut [u32],
        p0: usize,
        exact: &mut Vec<usize>,
        scratch: &mut Scratch,
        params: &Params,
        stats: &mut Vec<PixelStats>,
        seeds: &mut Vec<usize>,
    ) {
        if exact.is_empty() {
            return;
        }
        let npix = groupdq.len() / self.shape.nints / self.shape.ngroups;
        let planes = self.shape.nints * self.shape.ngroups;
        for ig in 0..planes {
            let (from, to) = (ig * npix + p0, ig * BLOCK);
            self.data[to..to + BLOCK].copy_from_slice(&data[from..from + BLOCK]);
            self.groupdq[to..to + BLOCK].copy_from_slice(&groupdq[from..from + BLOCK]);
        }
        let diffs = Diffs { data: &self.data, gain: &gain[p0..p0 + BLOCK], shape: self.shape };
        for p in exact.drain(..) {
            let lane = p - p0;
            let found = exact_pixel(&mut self.groupdq, &readnoise[p0..p0 + BLOCK], &mut self.crs, &diffs, lane, scratch, params);
            crs[p] = self.crs[lane];
            if let Some(mut pixel_stats) = found {
                if params.flag_4_neighbors {
                    self.seeds.clear();
                    neighbour_seeds(&self.groupdq, &scratch.d, &pixel_stats, self.shape, params, &mut self.seeds);
                    seeds.extend(self.seeds.iter().map(|&index| (index / BLOCK) * npix + p0 + index % BLOCK));
                }
                pixel_stats.pixel = p;
                stats.push(pixel_stats);
            }
        }
        for ig in 0..planes {
            let (to, from) = (ig * npix + p0, ig * BLOCK);
            groupdq[to..to + BLOCK].copy_from_slice(&self.groupdq[from..from + BLOCK]);
        }
    }
}

/// Unclipped median and sigma of a pixel that carries JUMP after detection: the neighbour and
/// after-jump passes need them. Kept in ascending pixel order.
struct PixelStats {
    pixel: usize,
    median: f64,
    sigma: f64,
}

/// stcal's detection for one pixel, in float64 as stcal does it; records `crs`. A pixel that
/// carries JUMP afterwards gets its unclipped statistics back, with its signed differences left
/// in `scratch.d`.
fn exact_pixel(
    groupdq: &mut [u8],
    readnoise: &[f32],
    crs: &mut [u32],
    diffs: &Diffs,
    p: usize,
    scratch: &mut Scratch,
    params: &Params,
) -> Option<PixelStats> {
    let shape = diffs.shape;
    let npix = shape.plane_len();
    let rn2 = rn_squared(readnoise[p], diffs.gain[p]) / params.nframes as f64;
    let mut unclipped_stats = None;
    match params.mode {
        Mode::SinglePass => {
            diffs.pixel(groupdq, p, &mut scratch.d);
            let (median, sigma) = unclipped(&scratch.d, rn2, &mut scratch.sorted);
            single_pass(groupdq, p, median, sigma, &scratch.d, shape, params);
            unclipped_stats = Some((median, sigma));
        }
        Mode::Iterative => {
            diffs.pixel(groupdq, p, &mut scratch.d);
            iterative(groupdq, p, rn2, scratch, shape, params);
        }
        Mode::SigmaClipped | Mode::Skip => {}
    }
    // The count, then stcal's final clean-up (a JUMP next to DO_NOT_USE or SATURATED carries no
    // information), in one pass over the pixel's groups (each read is in another plane). The
    // clean-up is done here because only pixels that reach this point can have such a JUMP:
    // detection, neighbour and after-jump flags never set JUMP on those groups, and their
    // differences are NaN, so the flag matters to nothing after the count.
    let mut count = 0;
    for ig in 0..shape.nints * shape.ngroups {
        let flags = &mut groupdq[ig * npix + p];
        let jump = *flags & JUMP != 0;
        count += u32::from(jump);
        *flags &= !(JUMP * u8::from(jump && *flags & (DNU | SAT) != 0));
    }
    crs[p] = count;
    if count == 0 {
        return None;
    }
    let (median, sigma) = unclipped_stats.unwrap_or_else(|| {
        diffs.pixel(groupdq, p, &mut scratch.d);
        unclipped(&scratch.d, rn2, &mut scratch.sorted)
    });
    Some(PixelStats { pixel: p, median, sigma })
}

/// stcal `flag_four_neighbors`, first half: the JUMP groups of one pixel (after detection, before
/// any neighbour flag) whose unclipped ratio lies strictly between the two limits, as cube indices.
fn neighbour_seeds(groupdq: &[u8], d: &[f64], stats: &PixelStats, shape: RampShape, params: &Params, seeds: &mut Vec<usize>) {
    let npix = shape.plane_len();
    let ndiff = shape.ngroups - 1;
    for i in 0..shape.nints {
        for k in 1..shape.ngroups {
            // The ratio first: it rules out most groups without a read in another plane.
            let r = (d[i * ndiff + k - 1] - stats.median).abs() / stats.sigma;
            let index = (i * shape.ngroups + k) * npix + stats.pixel;
            if r < params.max_jump_to_flag_neighbors && r > params.min_jump_to_flag_neighbors && groupdq[index] & JUMP != 0 {
                seeds.push(index);
            }
        }
    }
}

/// Pixels the vector screen takes at a time.
const BLOCK: usize = 16;
type Lanes = [f32; BLOCK];

/// A float32 pre-test of BLOCK pixels at once, vectorised over pixels: it proves that a pixel
/// gets no JUMP (most pixels), so that only the others go through stcal's float64 arithmetic.
/// It demands the largest first-pass ratio stay below the threshold by a margin far larger
/// than the float32 rounding, so it never clears a pixel that stcal would flag. Two tests:
/// - range: the median lies between the smallest and largest difference, so a range below
///   `threshold · sigma(smallest)` clears the pixel without any median (most pixels);
/// - median: the others wait in a queue of BLOCK lanes; a full queue is sorted by a sorting
///   network (the same for every lane) and tested with stcal's first-pass median and sigma.
struct Screen {
    /// Batcher's odd-even merge sort network for `rows.len()` inputs.
    comparators: Vec<(usize, usize)>,
    /// One row per difference (integration-major), one lane per pixel.
    rows: Vec<Lanes>,
    /// The queue: differences, gain and read noise of `queued` pixels, lane by lane.
    queue: Vec<Lanes>,
    queue_gain: Lanes,
    queue_readnoise: Lanes,
    queued: Vec<usize>,
    absolute: bool,
    limit: f32,
    nframes: f32,
}

impl Screen {
    fn new(shape: RampShape, params: &Params) -> Self {
        let n = shape.nints * (shape.ngroups - 1);
        let usable = match params.mode {
            Mode::Iterative => n >= 2,
            Mode::SinglePass => n >= 1,
            Mode::Skip | Mode::SigmaClipped => false,
        };
        let n = if usable { n } else { 0 };
        let absolute = params.mode == Mode::Iterative;
        // The threshold for n usable differences (all of them: pixels with flags or NaN go exact).
        let threshold = match n {
            _ if !absolute || n >= 4 => params.rejection_threshold,
            3 => params.four_group_threshold,
            _ => params.three_group_threshold,
        };
        Screen {
            comparators: sorting_network(n),
            rows: vec![[0.0; BLOCK]; n],
            queue: vec![[0.0; BLOCK]; n],
            queue_gain: [0.0; BLOCK],
            queue_readnoise: [0.0; BLOCK],
            queued: Vec::with_capacity(BLOCK),
            absolute,
            limit: (threshold * (1.0 - 1e-5)) as f32,
            nframes: params.nframes as f32,
        }
    }

    /// Screens pixels `p0..p0 + BLOCK`. Returns the lanes cleared by the range test and the
    /// lanes queued for the median test; the rest need the exact path. When the queue fills,
    /// its pixels that the median test cannot clear are appended to `exact`.
    #[allow(clippy::too_many_arguments)]
    fn run(&mut self, data: &[f32], groupdq: &[u8], gain: &[f32], readnoise: &[f32], p0: usize, shape: RampShape, exact: &mut Vec<usize>) -> (u32, u32) {
        let n = self.rows.len();
        if n == 0 {
            return (0, 0);
        }
        let RampShape { nints, ngroups, .. } = shape;
        let npix = shape.plane_len();
        let gain: &Lanes = gain[p0..p0 + BLOCK].try_into().unwrap();
        let readnoise: &Lanes = readnoise[p0..p0 + BLOCK].try_into().unwrap();
        let absolute = self.absolute;
        let mut flags = [0u8; BLOCK];
        // d · 0 is ±0 for finite d, NaN otherwise: the sum stays 0 only if every d is finite.
        let mut nonfinite = [0f32; BLOCK];
        let (mut lowest, mut highest) = ([f32::INFINITY; BLOCK], [f32::NEG_INFINITY; BLOCK]);
        let electrons = |ig: usize, flags: &mut [u8; BLOCK]| {
            let start = ig * npix + p0;
            let plane: &Lanes = data[start..start + BLOCK].try_into().unwrap();
            let dq: &[u8; BLOCK] = groupdq[start..start + BLOCK].try_into().unwrap();
            let mut x = [0f32; BLOCK];
            for l in 0..BLOCK {
                x[l] = plane[l] * gain[l];
                flags[l] |= dq[l];
            }
            x
        };
        let mut row = 0;
        for i in 0..nints {
            let mut previous = electrons(i * ngroups, &mut flags);
            for k in 1..ngroups {
                let current = electrons(i * ngroups + k, &mut flags);
                let out = &mut self.rows[row];
                for l in 0..BLOCK {
                    let d = current[l] - previous[l];
                    nonfinite[l] += d * 0.0;
                    let v = if absolute { d.abs() } else { d };
                    out[l] = v;
                    lowest[l] = if v < lowest[l] { v } else { lowest[l] };
                    highest[l] = if highest[l] < v { v } else { highest[l] };
                }
                previous = current;
                row += 1;
            }
        }
        let mut screenable = [false; BLOCK];
        let mut in_range = [false; BLOCK];
        for l in 0..BLOCK {
            let (lo, hi) = (lowest[l], highest[l]);
            // The smallest |median| the differences allow.
            let smallest = if absolute || lo > 0.0 { lo } else if hi < 0.0 { -hi } else { 0.0 };
            let rn_e = readnoise[l] * gain[l];
            let sigma = (smallest + rn_e * rn_e / self.nframes).sqrt();
            let slack = 1e-6 * (hi.abs() + lo.abs());
            screenable[l] = (flags[l] & (DNU | SAT | JUMP) == 0) & (nonfinite[l] == 0.0);
            in_range[l] = (hi - lo) + slack < self.limit * sigma;
        }
        let (mut cleared, mut queued) = (0u32, 0u32);
        for l in 0..BLOCK {
            if !screenable[l] {
                continue;
            }
            if in_range[l] {
                cleared |= 1 << l;
                continue;
            }
            queued |= 1 << l;
            let lane = self.queued.len();
            for (q, r) in self.queue.iter_mut().zip(&self.rows) {
                q[lane] = r[l];
            }
            self.queue_gain[lane] = gain[l];
            self.queue_readnoise[lane] = readnoise[l];
            self.queued.push(p0 + l);
            if self.queued.len() == BLOCK {
                self.flush(exact);
            }
        }
        (cleared, queued)
    }

    /// The median test on the queued pixels; those it cannot clear go to `exact`.
    fn flush(&mut self, exact: &mut Vec<usize>) {
        let count = self.queued.len();
        if count == 0 {
            return;
        }
        let n = self.queue.len();
        for &(a, b) in &self.comparators {
            let (low, high) = self.queue.split_at_mut(b);
            let (x, y) = (&mut low[a], &mut high[0]);
            let (u, v) = (*x, *y);
            for l in 0..BLOCK {
                x[l] = if v[l] < u[l] { v[l] } else { u[l] };
                y[l] = if u[l] < v[l] { v[l] } else { u[l] };
            }
        }
        let rows = &self.queue;
        // The median stcal tests against (clipped in the iterative mode) and the lane-wise
        // extremes of the values the ratio is taken over.
        let mean = |a: usize, b: usize| -> Lanes { std::array::from_fn(|l| (rows[a][l] + rows[b][l]) * 0.5) };
        let median_of_first = |count: usize| if count % 2 == 1 { rows[count / 2] } else { mean(count / 2 - 1, count / 2) };
        let (lowest, highest) = (&rows[0], &rows[n - 1]);
        let mut median = [0f32; BLOCK];
        // Lanes whose median is known here: all but iterative ones with 3 or more copies of the maximum.
        let mut known = [true; BLOCK];
        if !self.absolute {
            median = median_of_first(n);
        } else if n >= 4 {
            // Every copy of the maximum is dropped; one or two copies are handled here.
            let (one, two) = (median_of_first(n - 1), median_of_first(n - 2));
            let (second, third) = (&rows[n - 2], &rows[n - 3]);
            for l in 0..BLOCK {
                let single = second[l] < highest[l];
                median[l] = if single { one[l] } else { two[l] };
                known[l] = single | (third[l] < highest[l]);
            }
        } else if n == 3 {
            median = rows[1];
        } else {
            median = rows[0];
        }
        let mut ok = [false; BLOCK];
        for l in 0..BLOCK {
            let m = median[l];
            let rn_e = self.queue_readnoise[l] * self.queue_gain[l];
            let sigma = (m.abs() + rn_e * rn_e / self.nframes).sqrt();
            let deviation = (highest[l] - m).max(m - lowest[l]);
            // float32 rounding of the differences' magnitudes, far above a few ulp.
            let slack = 1e-6 * (highest[l].abs() + lowest[l].abs() + m.abs());
            ok[l] = known[l] & (deviation + slack < self.limit * sigma);
        }
        exact.extend(self.queued.iter().zip(ok).filter(|&(_, ok)| !ok).map(|(&p, _)| p));
        self.queued.clear();
    }
}

/// Signed differences per pixel up to which the screen sorts its queue with a network.
const MAX_SCREEN_NETWORK: usize = 64;

/// The single pass with more signed differences than [`Screen`] sorts by a network (a MIRI TSO
/// pixel has thousands), BLOCK pixels at a time: their differences are made once, vectorised
/// over the pixels, and kept for the whole pass. The range test of the screen clears most clean
/// pixels; the others are finished here with stcal's float64 arithmetic on those same values
/// (the median by selection of their ordered keys, whose middle values, promoted to float64,
/// are those of the float64 median), so no pixel is read twice. Pixels that carry JUMP already
/// are left to the exact path, which counts and cleans those flags.
struct ManyDiffs {
    /// One row per difference (integration-major), one lane per pixel; NaN where either group
    /// has DO_NOT_USE or SATURATED, as [`Diffs::pixel`].
    rows: Vec<Lanes>,
    /// The same differences as ordered keys ([`ordered_key`]; u32::MAX for NaN, the largest).
    key_rows: Vec<[u32; BLOCK]>,
    keys: Vec<u32>,
    selection: Selection,
    narrowing: LaneNarrowing,
    limit: f32,
    nframes: f32,
}

impl ManyDiffs {
    fn new(shape: RampShape, params: &Params) -> Self {
        let n = shape.nints * (shape.ngroups - 1);
        ManyDiffs {
            rows: vec![[0.0; BLOCK]; n],
            key_rows: vec![[0; BLOCK]; n],
            keys: Vec::with_capacity(n),
            selection: Selection::default(),
            narrowing: LaneNarrowing::default(),
            limit: (params.rejection_threshold * (1.0 - 1e-5)) as f32,
            nframes: params.nframes as f32,
        }
    }

    /// Detection for pixels `p0..p0 + BLOCK`: flags, `crs`, statistics and neighbour seeds as
    /// [`exact_pixel`] and [`neighbour_seeds`] give them. Returns the lanes done (the others
    /// need the exact path). With `windows`, every lane done gets its median window there
    /// ([`Selection::ranks_and_window`]), which the range test then does not skip.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        data: &[f32],
        groupdq: &mut [u8],
        gain: &[f32],
        readnoise: &[f32],
        crs: &mut [u32],
        p0: usize,
        shape: RampShape,
        params: &Params,
        stats: &mut Vec<PixelStats>,
        seeds: &mut Vec<usize>,
        mut windows: Option<&mut MedianWindows>,
    ) -> u32 {
        let RampShape { nints, ngroups, .. } = shape;
        let npix = shape.plane_len();
        let gain: &Lanes = gain[p0..p0 + BLOCK].try_into().unwrap();
        let readnoise: &Lanes = readnoise[p0..p0 + BLOCK].try_into().unwrap();
        let mut flags = [0u8; BLOCK];
        // d · 0 is ±0 for finite d, NaN otherwise: the sum stays 0 only if every d is finite.
        let mut nonfinite = [0f32; BLOCK];
        // Extremes of the non-NaN differences (NaN compares false).
        let (mut lowest, mut highest) = ([f32::INFINITY; BLOCK], [f32::NEG_INFINITY; BLOCK]);
        let electrons = |ig: usize, flags: &mut [u8; BLOCK]| {
            let start = ig * npix + p0;
            let plane: &Lanes = data[start..start + BLOCK].try_into().unwrap();
            let dq: &[u8; BLOCK] = groupdq[start..start + BLOCK].try_into().unwrap();
            let mut x = [0f32; BLOCK];
            for l in 0..BLOCK {
                x[l] = if dq[l] & (DNU | SAT) != 0 { f32::NAN } else { plane[l] * gain[l] };
                flags[l] |= dq[l];
            }
            x
        };
        // Valid (not NaN) differences per lane.
        let mut valid = [0u32; BLOCK];
        let mut row = 0;
        for i in 0..nints {
            let mut previous = electrons(i * ngroups, &mut flags);
            for k in 1..ngroups {
                let current = electrons(i * ngroups + k, &mut flags);
                let (out, keys) = (&mut self.rows[row], &mut self.key_rows[row]);
                for l in 0..BLOCK {
                    let d = current[l] - previous[l];
                    nonfinite[l] += d * 0.0;
                    out[l] = d;
                    lowest[l] = if d < lowest[l] { d } else { lowest[l] };
                    highest[l] = if highest[l] < d { d } else { highest[l] };
                    let nan = d.is_nan();
                    keys[l] = if nan { u32::MAX } else { ordered_key(d) };
                    valid[l] += u32::from(!nan);
                }
                previous = current;
                row += 1;
            }
        }
        let mut done = 0u32;
        // Lanes whose median is worked out, and those that keep their median window.
        let (mut wanted, mut windowed) = (0u32, 0u32);
        for l in 0..BLOCK {
            if flags[l] & JUMP != 0 {
                continue;
            }
            done |= 1 << l;
            let (lo, hi) = (lowest[l], highest[l]);
            let window = windows.as_deref().is_some_and(|windows| windows.wants(p0 + l));
            if nonfinite[l] == 0.0 && !window {
                // The screen's range test: the median lies between the extremes.
                let smallest = if lo > 0.0 { lo } else if hi < 0.0 { -hi } else { 0.0 };
                let rn_e = readnoise[l] * gain[l];
                let sigma = (smallest + rn_e * rn_e / self.nframes).sqrt();
                let slack = 1e-6 * (hi.abs() + lo.abs());
                if (hi - lo) + slack < self.limit * sigma {
                    continue;
                }
            }
            if valid[l] > 0 {
                wanted |= 1 << l;
                windowed |= u32::from(window) << l;
            }
        }
        // Lanes that may flag (the bounds of the others stay infinite), and their statistics.
        let mut flagging = 0u32;
        let (mut medians, mut sigmas) = ([0f64; BLOCK], [0f64; BLOCK]);
        let (mut medians32, mut bounds) = ([0f32; BLOCK], [f32::INFINITY; BLOCK]);
        let narrowed = if self.rows.len() > Selection::DIRECT { self.narrowing.narrow(&self.key_rows, &valid, wanted) } else { 0 };
        for l in (0..BLOCK).filter(|l| wanted & (1 << l) != 0) {
            let (lo, hi) = (lowest[l], highest[l]);
            let p = p0 + l;
            let n = valid[l] as usize;
            let window = windowed & (1 << l) != 0;
            let k = n / 2;
            // NaN keys are the largest, so the middle ranks of the others are the same.
            let (lower, upper) = match (narrowed & (1 << l) != 0, windows.as_deref_mut().filter(|_| window)) {
                (true, Some(windows)) => {
                    let (kept, offset) = self.narrowing.kept(l);
                    let (lower, upper, first, len) = window_ranks(kept, offset, k, n, windows.keys_mut(p));
                    windows.set(p, first, len, n);
                    (lower, upper)
                }
                (true, None) => {
                    let (kept, offset) = self.narrowing.kept(l);
                    select_pair(kept, k - offset)
                }
                (false, windows) => {
                    self.keys.clear();
                    self.keys.extend(self.key_rows.iter().map(|keys| keys[l]));
                    match windows {
                        Some(windows) => {
                            let (lower, upper, first, len) = self.selection.ranks_and_window(&mut self.keys, k, n, windows.keys_mut(p));
                            windows.set(p, first, len, n);
                            (lower, upper)
                        }
                        None => self.selection.ranks(&mut self.keys, k),
                    }
                }
            };
            let (lower, upper) = (from_ordered_key(lower), from_ordered_key(upper));
            let median = if n % 2 == 1 { f64::from(upper) } else { (f64::from(lower) + f64::from(upper)) / 2.0 };
            let rn2 = rn_squared(readnoise[l], gain[l]) / params.nframes as f64;
            let sigma = nan_if_zero((median.abs() + rn2).sqrt());
            let threshold = params.rejection_threshold;
            // Rounding is monotonic: no difference deviates more than the extremes do.
            let widest = (f64::from(hi) - median).abs().max((f64::from(lo) - median).abs());
            if widest / sigma > threshold {
                flagging |= 1 << l;
                (medians[l], sigmas[l]) = (median, sigma);
                // A float32 bound of the deviation below which stcal's ratio cannot pass.
                (medians32[l], bounds[l]) = (median as f32, (threshold * sigma) as f32 * (1.0 - 1e-5));
            }
        }
        // The differences of the lanes that may flag, vectorised over the lanes: a float32 test,
        // which lets through every difference stcal flags (its rounding is far below the 1e-5
        // taken off the bound and the 1e-6 of the magnitudes added), then stcal's float64 test.
        let (ndiff, threshold) = (ngroups - 1, params.rejection_threshold);
        let mut counts = [0u32; BLOCK];
        if flagging != 0 {
            for (j, row) in self.rows.iter().enumerate() {
                let mut candidates = 0u32;
                for l in 0..BLOCK {
                    let (value, median) = (row[l], medians32[l]);
                    let deviation = (value - median).abs() + 1e-6 * (value.abs() + median.abs());
                    candidates |= u32::from(deviation > bounds[l]) << l;
                }
                while candidates != 0 {
                    let l = candidates.trailing_zeros() as usize;
                    candidates &= candidates - 1;
                    let value = f64::from(row[l]);
                    let ratio = (value - medians[l]).abs() / sigmas[l];
                    if value.is_finite() && ratio > threshold {
                        let index = ((j / ndiff) * ngroups + j % ndiff + 1) * npix + p0 + l;
                        groupdq[index] |= JUMP;
                        counts[l] += 1;
                        if params.flag_4_neighbors && ratio < params.max_jump_to_flag_neighbors && ratio > params.min_jump_to_flag_neighbors {
                            seeds.push(index);
                        }
                    }
                }
            }
        }
        for l in (0..BLOCK).filter(|l| flagging & (1 << l) != 0) {
            let p = p0 + l;
            crs[p] = counts[l];
            if counts[l] > 0 {
                stats.push(PixelStats { pixel: p, median: medians[l], sigma: sigmas[l] });
            }
        }
        done
    }
}

/// Sample of each lane's keys that places [`LaneNarrowing`]'s thresholds, and the thresholds:
/// `NARROW_STEP` sample ranks apart around the median's (whose sample rank deviates by about
/// sqrt(NARROW_SAMPLE) / 2 = 5.7), so the ranks wanted lie within them for ~96 % of the lanes.
const NARROW_SAMPLE: usize = 128;
const NARROW_THRESHOLDS: usize = 7;
const NARROW_STEP: usize = 4;
/// Keys a lane may keep; a lane that would keep more is selected from all its keys.
const NARROW_MAX_KEPT: usize = 640;

/// Floyd and Rivest's narrowing for the median ranks of BLOCK pixels at once, on their ordered
/// keys by rows (one row per difference, one lane per pixel), vectorised over the lanes: each
/// lane's keys are counted below seven thresholds from a sample of them, and only those between
/// the two thresholds around the ranks wanted (the median's and the [`MedianWindows`] ones on
/// either side) are kept, with the number below them: the ranks are then selected from a
/// hundred or so keys instead of thousands.
struct LaneNarrowing {
    /// Batcher's network for NARROW_SAMPLE inputs, and the sample by rows (sorted lane-wise).
    network: Vec<(usize, usize)>,
    sample: [[u32; BLOCK]; NARROW_SAMPLE],
    /// Lane l's kept keys at `start[l]..start[l] + len[l]`, ranks `offset[l]..` of its keys.
    kept: Vec<u32>,
    start: [usize; BLOCK],
    len: [usize; BLOCK],
    offset: [usize; BLOCK],
}

impl Default for LaneNarrowing {
    fn default() -> Self {
        LaneNarrowing {
            network: sorting_network(NARROW_SAMPLE),
            sample: [[0; BLOCK]; NARROW_SAMPLE],
            kept: Vec::new(),
            start: [0; BLOCK],
            len: [0; BLOCK],
            offset: [0; BLOCK],
        }
    }
}

impl LaneNarrowing {
    /// Narrows the lanes of `wanted` for rank `valid[l] / 2` (`valid[l] > 0` keys of lane l are
    /// not u32::MAX, the NaN key); returns the lanes narrowed, whose keys [`LaneNarrowing::kept`] gives.
    fn narrow(&mut self, rows: &[[u32; BLOCK]], valid: &[u32; BLOCK], wanted: u32) -> u32 {
        let n = rows.len();
        let lanes = |mask: u32| (0..BLOCK).filter(move |l| mask & (1 << l) != 0);
        // Thresholds of lanes not wanted stay 0: nothing is below them and nothing kept.
        let mut thresholds = [[0u32; BLOCK]; NARROW_THRESHOLDS];
        // The sample of every lane at once (whole rows), sorted lane-wise by the network.
        for (s, sample) in self.sample.iter_mut().enumerate() {
            *sample = rows[s * n / NARROW_SAMPLE];
        }
        for &(a, b) in &self.network {
            let (low, high) = self.sample.split_at_mut(b);
            let (x, y) = (&mut low[a], &mut high[0]);
            for l in 0..BLOCK {
                (x[l], y[l]) = (x[l].min(y[l]), x[l].max(y[l]));
            }
        }
        for l in lanes(wanted) {
            let at = (valid[l] as usize / 2) * NARROW_SAMPLE / n;
            for (j, threshold) in thresholds.iter_mut().enumerate() {
                let rank = (at + j * NARROW_STEP).checked_sub(NARROW_STEP * (NARROW_THRESHOLDS / 2));
                threshold[l] = rank.map_or(0, |rank| self.sample.get(rank).map_or(u32::MAX, |sample| sample[l]));
            }
        }
        // Keys below each threshold, four lanes at a time (a vector each).
        let mut below = [[0u32; BLOCK]; NARROW_THRESHOLDS];
        for quad in (0..BLOCK).step_by(4) {
            let mut counts = [[0u32; 4]; NARROW_THRESHOLDS];
            let limits: [[u32; 4]; NARROW_THRESHOLDS] = std::array::from_fn(|j| thresholds[j][quad..quad + 4].try_into().unwrap());
            for row in rows {
                let keys: &[u32; 4] = row[quad..quad + 4].try_into().unwrap();
                for (count, limit) in counts.iter_mut().zip(&limits) {
                    for m in 0..4 {
                        count[m] += u32::from(keys[m] < limit[m]);
                    }
                }
            }
            for (b, count) in below.iter_mut().zip(&counts) {
                b[quad..quad + 4].copy_from_slice(count);
            }
        }
        // Per lane the keys in low..high: ranks k - WINDOW_HALF..=k + WINDOW_HALF (those that
        // exist) lie between, k - 1 and k always.
        let (mut low, mut high) = ([1u32; BLOCK], [0u32; BLOCK]);
        let mut narrowed = 0u32;
        let mut total = 0;
        for l in lanes(wanted) {
            let valid = valid[l] as usize;
            let k = valid / 2;
            let (first, end) = (k.saturating_sub(WINDOW_HALF), (k + WINDOW_HALF + 1).min(valid));
            let (from, offset) = match (0..NARROW_THRESHOLDS).rev().find(|&j| below[j][l] as usize <= first) {
                Some(j) => (thresholds[j][l], below[j][l] as usize),
                None => (0, 0),
            };
            // u32::MAX is the NaN key: below it are the valid keys.
            let (to, count) = match (0..NARROW_THRESHOLDS).find(|&j| below[j][l] as usize >= end) {
                Some(j) => (thresholds[j][l], below[j][l] as usize),
                None => (u32::MAX, valid),
            };
            if count - offset > NARROW_MAX_KEPT {
                continue;
            }
            narrowed |= 1 << l;
            (low[l], high[l]) = (from, to);
            (self.start[l], self.len[l], self.offset[l]) = (total, 0, offset);
            total += count - offset;
        }
        self.kept.resize(total, 0);
        let mut at = self.start;
        for row in rows {
            let mut inside = 0u32;
            for l in 0..BLOCK {
                inside |= u32::from((row[l] >= low[l]) & (row[l] < high[l])) << l;
            }
            while inside != 0 {
                let l = inside.trailing_zeros() as usize;
                self.kept[at[l]] = row[l];
                at[l] += 1;
                inside &= inside - 1;
            }
        }
        for l in lanes(narrowed) {
            self.len[l] = at[l] - self.start[l];
        }
        narrowed
    }

    /// Lane `l`'s kept keys (reordered by the selection) and the rank of the smallest.
    fn kept(&mut self, l: usize) -> (&mut [u32], usize) {
        (&mut self.kept[self.start[l]..self.start[l] + self.len[l]], self.offset[l])
    }
}

/// Bit l set: pixel `p0 + l` has no JUMP in any group, so after sigma clipping it has nothing
/// to count, clean or spread (read plane by plane, BLOCK pixels at a time).
fn jump_free_lanes(groupdq: &[u8], p0: usize, shape: RampShape) -> u32 {
    let npix = shape.plane_len();
    let mut any = [0u8; BLOCK];
    for ig in 0..shape.nints * shape.ngroups {
        let dq: &[u8; BLOCK] = groupdq[ig * npix + p0..ig * npix + p0 + BLOCK].try_into().unwrap();
        for l in 0..BLOCK {
            any[l] |= dq[l];
        }
    }
    let mut free = 0u32;
    for (l, &flags) in any.iter().enumerate() {
        free |= u32::from(flags & JUMP == 0) << l;
    }
    free
}

/// Comparators `(a, b)`, a < b, of Batcher's odd-even merge sort for `n` inputs (each puts the
/// smaller value at `a`): the power-of-two network with the comparators beyond `n` left out.
fn sorting_network(n: usize) -> Vec<(usize, usize)> {
    let mut comparators = Vec::new();
    let mut p = 1;
    while p < n {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < n {
                for i in 0..k.min(n - j - k) {
                    if (i + j) / (2 * p) == (i + j + k) / (2 * p) {
                        comparators.push((i + j, i + j + k));
                    }
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    comparators
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

/// stcal `flag_four_neighbors`, second half: the 4 neighbours of every seed get JUMP in the
/// seed's group unless SATURATED or DO_NOT_USE. All seeds were found before any flag is set, as
/// stcal finds a whole plane's seeds first (flags never leave their plane).
fn flag_neighbours(groupdq: &mut [u8], seeds: &[usize], shape: RampShape) {
    let npix = shape.plane_len();
    let (rows, cols) = (shape.rows, shape.cols);
    for &seed in seeds {
        let (plane, p) = (seed - seed % npix, seed % npix);
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

/// stcal `transient_jumps`: a JUMP group g whose difference exceeds the unclipped median by at
/// least `e` flags groups g+1..g+n (within the integration) that lack SATURATED/DO_NOT_USE.
/// Pixels without `stats` got JUMP only from neighbours, if at all.
fn after_jump(groupdq: &mut [u8], diffs: &Diffs, stats: &[PixelStats], scratch: &mut Scratch, params: &Params) {
    let shape = diffs.shape;
    let npix = shape.plane_len();
    let ndiff = shape.ngroups - 1;
    let mut marks = vec![false; shape.ngroups];
    let Scratch { d, sorted, .. } = scratch;
    for p in 0..npix {
        if (0..shape.nints * shape.ngroups).all(|ig| groupdq[ig * npix + p] & JUMP == 0) {
            continue;
        }
        diffs.pixel(groupdq, p, d);
        let median = match stats.binary_search_by_key(&p, |s| s.pixel) {
            Ok(index) => stats[index].median,
            Err(_) => nan_median(d, sorted),
        };
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

/// stcal's sigma-clipping detector (`det_jump_sigma_clipping`, spec §7), for many
/// integrations, in place: astropy's `sigma_clip` (median centre, population std, bounds
/// `centre ± threshold·std`, at most 5 rounds, non-finite values rejected) over the float64
/// first differences in electrons of each pixel: across integrations for each difference
/// (`only_use_ints`) or across all integrations and differences together. Rejected finite
/// differences get JUMP at the later group unless it is SATURATED or DO_NOT_USE.
///
/// Every integration of a pixel is needed at once, so bands are whole-exposure row bands. The
/// rest of stcal's path is the caller's: the whole-frame reset of planes that are all JUMP or
/// DO_NOT_USE, then [`detect`] with [`Mode::SigmaClipped`].
pub fn sigma_clip(
    data: &[f32],
    groupdq: &mut [u8],
    gain: &[f32],
    shape: RampShape,
    rejection_threshold: f64,
    only_use_ints: bool,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("gain", gain.len())?;
    if rejection_threshold.is_nan() || rejection_threshold < 0.0 {
        let reason = format!("must be >= 0, got {rejection_threshold}");
        return Err(KernelError::InvalidParameter { argument: "rejection_threshold", reason });
    }
    let RampShape { nints, ngroups, .. } = shape;
    let npix = shape.plane_len();
    let ndiff = ngroups - 1;
    let planes = nints * ngroups;
    let mut d = Vec::with_capacity(nints * ndiff);
    let mut buffer = Vec::with_capacity(nints * ndiff);
    // BLOCK pixels' ramps, copied plane by plane: reading every plane for one pixel at a time
    // would touch a new page per value.
    let mut block_data = vec![0f32; planes * BLOCK];
    let mut block_dq = vec![0u8; planes * BLOCK];
    // Positions (integration-major) of one clipping sample: one difference of every
    // integration, or everything.
    let samples: Vec<Vec<usize>> = if only_use_ints {
        (0..ndiff).map(|k| (0..nints).map(|i| i * ndiff + k).collect()).collect()
    } else {
        vec![(0..nints * ndiff).collect()]
    };
    for p0 in (0..npix).step_by(BLOCK) {
        let width = BLOCK.min(npix - p0);
        for ig in 0..planes {
            let (from, to) = (ig * npix + p0, ig * BLOCK);
            block_data[to..to + width].copy_from_slice(&data[from..from + width]);
            block_dq[to..to + width].copy_from_slice(&groupdq[from..from + width]);
        }
        for l in 0..width {
            let p = p0 + l;
            // As `Diffs::pixel`: electrons, NaN where DO_NOT_USE or SATURATED.
            let electrons = |ig: usize| {
                if block_dq[ig * BLOCK + l] & (DNU | SAT) != 0 {
                    f32::NAN
                } else {
                    block_data[ig * BLOCK + l] * gain[p]
                }
            };
            d.clear();
            for i in 0..nints {
                let mut previous = electrons(i * ngroups);
                for k in 1..ngroups {
                    let current = electrons(i * ngroups + k);
                    d.push(f64::from(current - previous));
                    previous = current;
                }
            }
            clip_pixel(&d, groupdq, p, &samples, &mut buffer, shape, rejection_threshold);
        }
    }
    Ok(())
}

/// Sigma clipping of one pixel's differences `d` (integration-major), sample by sample.
fn clip_pixel(d: &[f64], groupdq: &mut [u8], p: usize, samples: &[Vec<usize>], buffer: &mut Vec<f64>, shape: RampShape, threshold: f64) {
    let npix = shape.plane_len();
    let (ngroups, ndiff) = (shape.ngroups, shape.ngroups - 1);
    for sample in samples {
        buffer.clear();
        buffer.extend(sample.iter().map(|&j| d[j]).filter(|v| v.is_finite()));
        let Some((low, high)) = clipped_bounds(buffer, threshold) else {
            continue;
        };
        for &j in sample {
            let value = d[j];
            if value.is_finite() && (value < low || value > high) {
                let index = ((j / ndiff) * ngroups + j % ndiff + 1) * npix + p;
                if groupdq[index] & (SAT | DNU) == 0 {
                    groupdq[index] |= JUMP;
                }
            }
        }
    }
}

/// astropy's fast `sigma_clip` bounds (median centre, `std` spread, sigma both sides, 5
/// iterations) of finite values, or None when there are none. Astropy computes the median with
/// Wirth's selection, which reorders the values, and then sums them in that order: the order
/// is reproduced so the float64 mean and std, and hence the bounds, are the same bits.
pub(crate) fn clipped_bounds(values: &mut Vec<f64>, sigma: f64) -> Option<(f64, f64)> {
    const MAX_ITERS: usize = 5;
    if values.is_empty() {
        return None;
    }
    let mut rounds = 0;
    loop {
        let count = values.len() as f64;
        let n = values.len();
        let median = if n.is_multiple_of(2) {
            // The upper middle value is selected first, then the lower one.
            let upper = kth_smallest(values, n / 2);
            let lower = kth_smallest(values, n / 2 - 1);
            0.5 * (upper + lower)
        } else {
            kth_smallest(values, (n - 1) / 2)
        };
        let mut mean = 0.0;
        for &v in values.iter() {
            mean += v;
        }
        mean /= count;
        let mut squares = 0.0;
        for &v in values.iter() {
            squares += (v - mean) * (v - mean);
        }
        let std = (squares / count).sqrt();
        let (low, high) = (median - sigma * std, median + sigma * std);
        values.retain(|&v| v >= low && v <= high);
        rounds += 1;
        if values.len() == n || values.is_empty() || rounds >= MAX_ITERS {
            return Some((low, high));
        }
    }
}

/// Wirth's selection of the k-th smallest value (N. Wirth, *Algorithms + Data Structures =
/// Programs*, 1976), with its exact sequence of swaps: `a` is left reordered exactly as astropy's
/// `kth_smallest` leaves it (Background2D's later sums run over the reordered buffer).
pub(crate) fn kth_smallest(a: &mut [f64], k: usize) -> f64 {
    let (mut left, mut right) = (0isize, a.len() as isize - 1);
    let k = k as isize;
    while left < right {
        let pivot = a[k as usize];
        let (mut i, mut j) = (left, right);
        loop {
            while a[i as usize] < pivot {
                i += 1;
            }
            while pivot < a[j as usize] {
                j -= 1;
            }
            if i <= j {
                a.swap(i as usize, j as usize);
                i += 1;
                j -= 1;
            }
            if i > j {
                break;
            }
        }
        if j < k {
            left = i;
        }
        if k < i {
            right = j;
        }
    }
    a[k as usize]
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

    /// CASE: JUMP already set on DO_NOT_USE or SATURATED groups counts as a primary CR (stcal
    /// counts before its clean-up) and is then cleared; a JUMP on a good group stays.
    #[test]
    fn preset_jump_on_unusable_groups_is_counted_then_cleared() {
        let shape = RampShape::new(1, 5, 1, 1);
        let mut groupdq = [0, JUMP | DNU, 0, JUMP | SAT, JUMP];
        let mut crs = [0];
        let params = Params { flag_4_neighbors: false, ..defaults(Mode::Iterative) };
        detect(&[0.0, 10.0, 20.0, 30.0, 40.0], &mut groupdq, &mut [0], &[1.0], &[1.0], &mut crs, shape, &params).unwrap();
        assert_eq!(groupdq, [0, DNU, 0, SAT, JUMP]);
        assert_eq!(crs, [3]);
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

    /// splitmix64: small, seeded, reproducible.
    struct Rng(u64);

    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.unit().max(1e-12), self.unit());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }
    }

    #[test]
    fn sorting_network_sorts() {
        let mut rng = Rng(7);
        for n in 0..70 {
            let network = sorting_network(n);
            assert!(network.iter().all(|&(a, b)| a < b && b < n));
            for _ in 0..50 {
                // Few distinct values, so ties are common.
                let mut values: Vec<f32> = (0..n).map(|_| rng.below(8) as f32).collect();
                let mut expected = values.clone();
                expected.sort_by(f32::total_cmp);
                for &(a, b) in &network {
                    if values[b] < values[a] {
                        values.swap(a, b);
                    }
                }
                assert_eq!(values, expected, "n = {n}");
            }
        }
    }

    /// A random tile with everything the screen must hand to the exact path: jumps of every
    /// size around the thresholds, ties, NaN data, bad gain, zero read noise, DNU/SAT/JUMP flags.
    fn random_tile(rng: &mut Rng, shape: RampShape) -> (Vec<f32>, Vec<u8>, Vec<f32>, Vec<f32>) {
        let npix = shape.plane_len();
        let mut data = vec![0f32; shape.cube_len()];
        let mut groupdq = vec![0u8; shape.cube_len()];
        let gain: Vec<f32> = (0..npix)
            .map(|_| match rng.below(100) {
                0 => f32::NAN,
                1 => 0.0,
                2 => -1.0,
                _ => (1.0 + 3.0 * rng.unit()) as f32,
            })
            .collect();
        let readnoise: Vec<f32> = (0..npix).map(|_| if rng.below(50) == 0 { 0.0 } else { (5.0 + 10.0 * rng.unit()) as f32 }).collect();
        for p in 0..npix {
            let rate = 300.0 * rng.unit() * if rng.below(20) == 0 { 0.0 } else { 1.0 };
            let noise = if rng.below(20) == 0 { 0.0 } else { 5.0 };
            for i in 0..shape.nints {
                let mut level = 100.0;
                for g in 0..shape.ngroups {
                    let index = (i * shape.ngroups + g) * npix + p;
                    level += rate;
                    if g > 0 && rng.below(15) == 0 {
                        // Jumps from 1 to 20 sigma of a typical difference: many near a threshold.
                        let sigma = (rate * 2.0 + 100.0).sqrt();
                        level += sigma * (1.0 + 19.0 * rng.unit()) * if rng.below(3) == 0 { -1.0 } else { 1.0 };
                    }
                    data[index] = (level + noise * rng.normal()) as f32;
                    match rng.below(200) {
                        0 => groupdq[index] = DNU,
                        1 => groupdq[index] = SAT,
                        2 => groupdq[index] = JUMP,
                        3 => data[index] = f32::NAN,
                        4 => groupdq[index] = dq::PERSISTENCE as u8,
                        _ => {}
                    }
                }
            }
        }
        (data, groupdq, gain, readnoise)
    }

    /// The lane narrowing keeps, per lane, exactly the keys of a run of consecutive ranks that
    /// holds the median's two and the windows' (those that exist), with their offset; and it
    /// narrows most lanes, with ties, NaN keys and lanes not wanted.
    #[test]
    fn lane_narrowing_keeps_the_ranks_around_the_median() {
        let mut rng = Rng(99);
        let (mut lanes, mut narrowed_lanes) = (0, 0);
        for case in 0..40 {
            let n = [330, 700, 2200][case % 3];
            // Whole numbers of a small range in some cases: many equal keys.
            let spread = if case % 4 == 0 { 20.0 } else { 1000.0 };
            let nan_fraction = [0.0, 0.01, 0.3, 0.9][case % 4];
            let mut rows = vec![[0u32; BLOCK]; n];
            let mut valid = [0u32; BLOCK];
            for row in rows.iter_mut() {
                for l in 0..BLOCK {
                    let value = if rng.unit() < nan_fraction { f32::NAN } else { (spread * rng.normal()).round() as f32 + if case % 4 == 0 { 0.0 } else { 0.25 } };
                    row[l] = if value.is_nan() { u32::MAX } else { ordered_key(value) };
                    valid[l] += u32::from(!value.is_nan());
                }
            }
            let wanted = (0..BLOCK).filter(|&l| valid[l] > 0 && (case % 5 != 0 || l % 3 != 0)).fold(0u32, |m, l| m | 1 << l);
            let mut narrowing = LaneNarrowing::default();
            let narrowed = narrowing.narrow(&rows, &valid, wanted);
            assert_eq!(narrowed & !wanted, 0, "case {case}");
            for l in (0..BLOCK).filter(|l| wanted & (1 << l) != 0) {
                lanes += 1;
                if narrowed & (1 << l) == 0 {
                    continue;
                }
                narrowed_lanes += 1;
                let mut sorted: Vec<u32> = rows.iter().map(|row| row[l]).collect();
                sorted.sort_unstable();
                let (valid, k) = (valid[l] as usize, valid[l] as usize / 2);
                let (kept, offset) = narrowing.kept(l);
                let mut kept = kept.to_vec();
                kept.sort_unstable();
                assert_eq!(kept[..], sorted[offset..offset + kept.len()], "case {case} lane {l}");
                let (first, end) = (k.saturating_sub(WINDOW_HALF), (k + WINDOW_HALF + 1).min(valid));
                assert!(offset <= first && offset + kept.len() >= end, "case {case} lane {l}: ranks {offset}..+{} lack {first}..{end}", kept.len());
                assert!(offset + kept.len() <= valid, "case {case} lane {l}: a NaN key kept");
            }
        }
        assert!(narrowed_lanes * 10 > lanes * 9, "{narrowed_lanes} of {lanes} lanes narrowed");
    }

    /// Many signed differences (above the network size): `ManyDiffs` finishes the pixels
    /// without earlier JUMP flags itself. Same flags, counts, neighbours and after-jump flags as
    /// the exact path alone, with saturated tails, NaN and bad gains; clean pixels are all done there.
    #[test]
    fn many_differences_never_change_the_result() {
        let mut rng = Rng(77);
        for case in 0..24 {
            // Every third case has more differences than `Selection::DIRECT`: `LaneNarrowing` selects.
            let nints = if case % 3 == 2 { 28 + rng.below(8) } else { 6 + rng.below(3) };
            let shape = RampShape::new(nints, 12 + rng.below(5), 1 + rng.below(4), 16 + rng.below(30));
            let (mut data, mut groupdq, gain, readnoise) = random_tile(&mut rng, shape);
            let npix = shape.plane_len();
            let clean = case % 4 == 0;
            if clean {
                groupdq.fill(0);
                // Noisy ramps without jumps or NaN: the range test fails for ~100 differences.
                for (index, value) in data.iter_mut().enumerate() {
                    *value = (100.0 + 20.0 * (index / npix % shape.ngroups) as f64 + 5.0 * rng.normal()) as f32;
                }
            } else if case % 4 == 1 {
                // Bright pixels: SATURATED from some group to the end of each integration, no earlier JUMP.
                for flags in groupdq.iter_mut() {
                    *flags &= !JUMP;
                }
                for p in 0..npix {
                    for i in 0..shape.nints {
                        for g in rng.below(2 * shape.ngroups)..shape.ngroups {
                            groupdq[(i * shape.ngroups + g) * npix + p] |= SAT;
                        }
                    }
                }
            }
            let after_jump = if case % 3 == 2 { [(200.0, 2), (1000.0, 4)] } else { [(0.0, 0), (0.0, 0)] };
            let params = Params { flag_4_neighbors: case % 3 != 1, nframes: 1 + case % 2, after_jump, ..defaults(Mode::SinglePass) };
            assert!(shape.nints * (shape.ngroups - 1) > MAX_SCREEN_NETWORK);
            let run = |use_screen: bool| {
                let (mut gdq, mut pdq, mut crs) = (groupdq.clone(), vec![0u32; npix], vec![0u32; npix]);
                detect_with(&data, &mut gdq, &mut pdq, &gain, &readnoise, &mut crs, shape, &params, use_screen, None).unwrap();
                (gdq, pdq, crs)
            };
            let (fast, reference) = (run(true), run(false));
            assert!(fast == reference, "case {case}: {shape:?}");
            if !clean {
                assert!(reference.2.iter().any(|&c| c > 0), "case {case}: no jumps to find");
                continue;
            }
            let mut lanes = ManyDiffs::new(shape, &params);
            let (mut gdq, mut crs, mut stats, mut seeds) = (groupdq.clone(), vec![0u32; npix], Vec::new(), Vec::new());
            for p0 in (0..npix).step_by(BLOCK).filter(|p0| p0 + BLOCK <= npix) {
                let done = lanes.run(&data, &mut gdq, &gain, &readnoise, &mut crs, p0, shape, &params, &mut stats, &mut seeds, None);
                assert_eq!(done, u32::MAX >> (32 - BLOCK), "case {case}");
            }
        }
    }

    /// The fused call equals `detect` and then the showers' noise model: the medians from the
    /// single pass's windows only where the flags leave the showers the same differences but
    /// for JUMP groups (flags 5, 6, 10 and 12 make some groups NaN for one pass only), with ties
    /// (whole DN) and with few and many JUMP flags.
    #[test]
    fn detect_and_shower_noise_equals_the_two_calls() {
        let mut rng = Rng(4242);
        for case in 0..30 {
            let mode = if case % 4 == 3 { Mode::Iterative } else { Mode::SinglePass };
            // Cases 24.. have more differences than `Selection::DIRECT`: `LaneNarrowing` selects.
            let nints = if case >= 24 { 28 + rng.below(8) } else { 6 + rng.below(3) };
            let shape = RampShape::new(nints, 12 + rng.below(5), 1 + rng.below(4), 16 + rng.below(40));
            let (mut data, mut groupdq, gain, readnoise) = random_tile(&mut rng, shape);
            let npix = shape.plane_len();
            if case % 3 == 1 {
                // Whole DN: many equal differences around the medians.
                for value in data.iter_mut() {
                    *value = value.round();
                }
            }
            // Every sixth case starts without JUMP flags and has few cosmic rays (a few JUMP groups
            // a pixel, with their neighbours): ManyDiffs finishes every pixel of a whole block,
            // and most medians come from the windows.
            let fresh = case % 6 == 0;
            if fresh {
                for (index, value) in data.iter_mut().enumerate() {
                    let g = index / npix % shape.ngroups;
                    *value = (100.0 + 20.0 * g as f64 + 5.0 * rng.normal() + if rng.below(150) == 0 { 400.0 } else { 0.0 }) as f32;
                }
            }
            for flags in groupdq.iter_mut() {
                if fresh {
                    *flags &= !JUMP;
                    continue;
                }
                match rng.below(if case % 2 == 0 { 1000 } else { 50 }) {
                    0 => *flags = 5,
                    1 => *flags = 6,
                    2 => *flags = 10,
                    3 => *flags = 12,
                    4..=20 => *flags &= !JUMP,
                    _ => {}
                }
            }
            let params = Params { flag_4_neighbors: case % 3 != 0, nframes: 1 + case % 2, ..defaults(mode) };
            let (mut gdq, mut pdq, mut crs) = (groupdq.clone(), vec![0u32; npix], vec![0u32; npix]);
            detect(&data, &mut gdq, &mut pdq, &gain, &readnoise, &mut crs, shape, &params).unwrap();
            let (mut median, mut sigma) = (vec![0f32; npix], vec![0f32; npix]);
            crate::jump_showers::noise(&data, &gdq, &gain, &readnoise, shape, params.nframes, &mut median, &mut sigma).unwrap();
            let (mut fused_gdq, mut fused_pdq, mut fused_crs) = (groupdq.clone(), vec![0u32; npix], vec![0u32; npix]);
            let (mut fused_median, mut fused_sigma) = (vec![0f32; npix], vec![0f32; npix]);
            // Some cases want the noise of the rows after the first only, as a band with a halo row above.
            let noise_rows = if case % 4 == 1 && shape.rows > 1 { 1..shape.rows } else { 0..shape.rows };
            let wanted = noise_rows.start * shape.cols..npix;
            let from_windows =
                detect_and_shower_noise(&data, &mut fused_gdq, &mut fused_pdq, &gain, &readnoise, &mut fused_crs, shape, &params, &mut fused_median, &mut fused_sigma, noise_rows)
                    .unwrap();
            if fresh {
                assert!(from_windows * 2 > npix, "case {case}: {from_windows} of {npix} pixels from their windows");
            }
            assert!((&gdq, &pdq, &crs) == (&fused_gdq, &fused_pdq, &fused_crs), "case {case}");
            let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fused_median[wanted.clone()]), bits(&median[wanted.clone()]), "case {case}");
            assert_eq!(bits(&fused_sigma[wanted.clone()]), bits(&sigma[wanted.clone()]), "case {case}");
            assert!(fused_median[..wanted.start].iter().chain(&fused_sigma[..wanted.start]).all(|v| v.is_nan()), "case {case}");
            assert!(median.iter().any(|m| !m.is_nan()));
        }
    }

    /// The screen only decides which pixels skip the exact arithmetic: the flags must be those
    /// of the exact path alone, bit for bit, in every mode; and it must clear most clean pixels.
    #[test]
    fn screen_never_changes_the_result() {
        let mut rng = Rng(2024);
        let (mut cleared_by_range, mut cleared_by_median, mut screened) = (0, 0, 0);
        for case in 0..120 {
            let nints = 1 + rng.below(3);
            let ngroups = 3 + rng.below(12);
            let shape = RampShape::new(nints, ngroups, 1 + rng.below(9), 1 + rng.below(40));
            let (data, groupdq, gain, readnoise) = random_tile(&mut rng, shape);
            let mode = if case % 3 == 0 { Mode::SinglePass } else { Mode::Iterative };
            let after_jump = if case % 4 == 1 { [(200.0, 2), (1000.0, 4)] } else { [(0.0, 0), (0.0, 0)] };
            let params = Params { flag_4_neighbors: case % 2 == 0, nframes: 1 + case % 2, after_jump, ..defaults(mode) };
            let run = |use_screen: bool| {
                let (mut gdq, mut pdq, mut crs) = (groupdq.clone(), vec![0u32; shape.plane_len()], vec![0u32; shape.plane_len()]);
                detect_with(&data, &mut gdq, &mut pdq, &gain, &readnoise, &mut crs, shape, &params, use_screen, None).unwrap();
                (gdq, pdq, crs)
            };
            assert!(run(true) == run(false), "case {case}: {shape:?} {mode:?}");
            let mut screen = Screen::new(shape, &params);
            let mut exact = Vec::new();
            for p0 in (0..shape.plane_len()).step_by(BLOCK).filter(|p0| p0 + BLOCK <= shape.plane_len()) {
                let (by_range, queued) = screen.run(&data, &groupdq, &gain, &readnoise, p0, shape, &mut exact);
                cleared_by_range += by_range.count_ones() as usize;
                cleared_by_median += queued.count_ones() as usize;
                screened += BLOCK;
            }
            screen.flush(&mut exact);
            cleared_by_median -= exact.len();
        }
        let cleared = cleared_by_range + cleared_by_median;
        assert!(cleared > screened / 3, "the screen cleared only {cleared} of {screened} pixels");
        assert!(cleared_by_range > 0 && cleared_by_median > 0, "range {cleared_by_range}, median {cleared_by_median}");
    }

    /// CASE: a jump exactly at the threshold in float64 is decided by the exact path.
    #[test]
    fn screen_leaves_borderline_pixels_to_the_exact_path() {
        // 16 pixels, gain 1, readnoise 0: differences [9, 9, 9, 9, 9+x] give m = 9, s = 3,
        // ratio x/3; x = 12 is exactly 4 (not flagged), x = 12.00001 is flagged.
        let shape = RampShape::new(1, 6, 1, BLOCK);
        let mut data = vec![0f32; shape.cube_len()];
        for p in 0..BLOCK {
            let x = if p % 2 == 0 { 12.0 } else { 12.0001 };
            for g in 0..6 {
                data[g * BLOCK + p] = 9.0 * g as f32 + if g == 5 { x } else { 0.0 };
            }
        }
        let params = Params { flag_4_neighbors: false, ..defaults(Mode::Iterative) };
        let mut groupdq = vec![0u8; shape.cube_len()];
        let mut crs = vec![0u32; BLOCK];
        let (gain, readnoise) = ([1f32; BLOCK], [0f32; BLOCK]);
        let mut screen = Screen::new(shape, &params);
        let mut exact = Vec::new();
        let (by_range, queued) = screen.run(&data, &groupdq, &gain, &readnoise, 0, shape, &mut exact);
        screen.flush(&mut exact);
        assert_eq!((by_range, queued, exact.len()), (0, 0xffff, BLOCK));
        detect(&data, &mut groupdq, &mut [0; BLOCK], &gain, &readnoise, &mut crs, shape, &params).unwrap();
        assert_eq!(crs, std::array::from_fn::<u32, BLOCK, _>(|p| (p % 2) as u32));
    }

    #[test]
    fn kth_smallest_selects() {
        let mut rng = Rng(99);
        for n in 1..60 {
            let values: Vec<f64> = (0..n).map(|_| rng.below(10) as f64).collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            for (k, &expected) in sorted.iter().enumerate() {
                assert_eq!(kth_smallest(&mut values.clone(), k), expected, "n {n} k {k}");
            }
        }
    }

    /// CASE: 20 values 10 ± 1 and one 100: the first round's bounds (median 10, population std
    /// about 19) keep everything but 100; the second round's are tight and keep the rest.
    #[test]
    fn clipped_bounds_drop_the_outlier() {
        let mut values: Vec<f64> = (0..20).map(|i| 9.0 + f64::from(i % 3)).collect();
        values.push(100.0);
        let (low, high) = clipped_bounds(&mut values, 4.0).unwrap();
        assert!(low > 5.0 && low < 9.0 && high > 11.0 && high < 15.0, "{low} {high}");
        assert_eq!(values.len(), 20);
        assert_eq!(clipped_bounds(&mut Vec::new(), 4.0), None);
        // One value: std 0, bounds [x, x], nothing changes.
        assert_eq!(clipped_bounds(&mut vec![3.0], 4.0), Some((3.0, 3.0)));
    }

    /// CASE: one pixel, 30 integrations of 4 groups ramping 10 e/group (±2); integration 5 has a
    /// 300 e jump at group 2, integration 9 the same jump at a SATURATED group 2.
    #[test]
    fn sigma_clip_flags_outlying_differences_only() {
        let shape = RampShape::new(30, 4, 1, 1);
        let mut data = vec![0f32; shape.cube_len()];
        let mut groupdq = vec![0u8; shape.cube_len()];
        for i in 0..30 {
            for g in 0..4 {
                data[i * 4 + g] = 10.0 * g as f32 + ((i + g) % 3) as f32 + if (i == 5 || i == 9) && g >= 2 { 300.0 } else { 0.0 };
            }
        }
        groupdq[9 * 4 + 2] = SAT;
        for only_use_ints in [true, false] {
            let mut flags = groupdq.clone();
            sigma_clip(&data, &mut flags, &[1.0], shape, 4.0, only_use_ints).unwrap();
            let jumps: Vec<usize> = (0..flags.len()).filter(|&k| flags[k] & JUMP != 0).collect();
            assert_eq!(jumps, [5 * 4 + 2], "only_use_ints {only_use_ints}");
        }
        let err = sigma_clip(&data, &mut groupdq, &[1.0, 1.0], shape, 4.0, true).unwrap_err();
        assert_eq!(err.code(), "shape_mismatch");
    }
}
