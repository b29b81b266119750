//! The per-pixel core of OLS_C: one pixel's ramp, one integration at a time.
//!
//! Everything here follows stcal's C fitter (`slope_fitter.c`) operation for operation, in
//! float64 with the same association order, so results round to the same float32 values
//! (spec/steps/ramp_fitting.md §4-§11). Functions work on small per-pixel buffers that the
//! drivers in `mod.rs` fill; nothing here allocates except the optional-output sinks.

use crate::dq::{CHARGELOSS, DO_NOT_USE, JUMP_DET, NO_GAIN_VALUE, PERSISTENCE, SATURATED};

/// Variances at or above this are zeroed (stcal `LARGE_VARIANCE_THRESHOLD`).
pub(crate) const LARGE_VARIANCE_THRESHOLD: f64 = 1.0e6;
/// stcal's literal for sqrt(2) in the 2-group `sigslope` (not `SQRT_2`: the literal rounds differently).
#[allow(clippy::approx_constant)]
const STCAL_SQRT2: f64 = 1.41421356;

const DNU: u8 = DO_NOT_USE as u8;
const SAT: u8 = SATURATED as u8;
const JUMP: u8 = JUMP_DET as u8;
const PERS: u8 = PERSISTENCE as u8;
const CL: u8 = CHARGELOSS as u8;
const INVALID: u32 = DO_NOT_USE | SATURATED;

/// Exposure-wide constants in float64, derived once per call from the float32 header values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Consts {
    /// Groups per integration inside the fitting window (after MIRI trimming).
    pub ngroups: usize,
    pub tgroup: f64,
    pub tframe: f64,
    /// `(nframes + 1) * tframe / 2`: timing of a ramp whose only good group is the 0th.
    pub t1: f64,
    /// `((nframes + 1)/2 + drop_frames1) / (nframes + groupgap)`, for the fitopt pedestal.
    pub ped_tmp: f64,
    pub suppress_one_group: bool,
    pub clear_first_jump: bool,
    pub save_opt: bool,
}

/// The pixel's reference values, widened to float64 as stcal reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PixelRefs {
    pub gain: f64,
    /// Single-group read noise in electrons (§3.6), rounded to float32 once.
    pub rn: f64,
    pub dcurrent: f64,
    /// PIXELDQ with the bad-gain flags added.
    pub dq: u32,
}

impl PixelRefs {
    pub fn new(pixeldq: u32, gain: f32, readnoise_dn: f32, dcurrent: f32, rn_scale: f64) -> Self {
        let g = gain as f64;
        let mut dq = pixeldq;
        if g <= 0.0 || g.is_nan() {
            dq |= DO_NOT_USE | NO_GAIN_VALUE;
        }
        // numpy: readnoise_2d (f32) *= gain_2d / np.sqrt(2 * nframes), the right side in float64.
        let rn = ((readnoise_dn as f64) * (g / rn_scale)) as f32;
        PixelRefs { gain: g, rn: rn as f64, dcurrent: dcurrent as f64, dq }
    }
}

/// Group-DQ statistics of one integration (stcal `integ_gdq_stats`) plus the timing switches.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IntStats {
    pub cnt_sat: i32,
    pub cnt_dnu: i32,
    pub cnt_dnu_sat: i32,
    pub cnt_good: i32,
    pub jump: bool,
    pub persistence: bool,
    pub chargeloss: bool,
    pub is_0th: bool,
    pub is_zframe: bool,
}

/// Prepares one integration of one pixel in place (§4): `dq` holds the raw group DQ (firstgroup/
/// lastgroup DO_NOT_USE already OR-ed in), `data` the raw values widened to float64.
///
/// Applies suppress_one_group, the MIRI first-group JUMP clearing, NaN for saturated groups,
/// the ZEROFRAME substitution, and collects the integration statistics; with `crs` given,
/// appends the cosmic-ray magnitudes of JUMP_DET groups. When a group has CHARGELOSS, `orig`
/// receives the group DQ before any change (what `fit_integration` needs only then).
pub(crate) fn prepare_integration(
    data: &mut [f64],
    dq: &mut [u8],
    orig: &mut [u8],
    zeroframe: Option<f32>,
    c: &Consts,
    mut crs: Option<&mut Vec<f64>>,
) -> IntStats {
    let ng = data.len();
    let any = dq.iter().fold(0u8, |acc, &q| acc | q);
    if any & CL != 0 {
        orig.copy_from_slice(dq);
    }
    if ng >= 2 && any == 0 {
        // No group flag (the common integration): every switch below keeps its default.
        return IntStats { cnt_good: ng as i32, ..IntStats::default() };
    }
    if any == JUMP && !c.clear_first_jump && crs.is_none() {
        // JUMP_DET the only flag: with two good groups or more, suppression and the 0th-group
        // and ZEROFRAME cases cannot apply and the loop below would only count them.
        let good = dq.iter().filter(|&&q| q == 0).count();
        if good >= 2 {
            return IntStats { cnt_good: good as i32, jump: true, ..IntStats::default() };
        }
    }
    if c.suppress_one_group {
        // ramp_fit.suppress_one_good_group_ramps: exactly one group with no flag but PERSISTENCE.
        let good = dq.iter().filter(|&&q| q & !PERS == 0).count();
        if good == 1 {
            dq.iter_mut().for_each(|q| *q |= DNU);
        }
    }
    if c.clear_first_jump {
        // ols_fit.discard_miri_groups: the new first group loses JUMP_DET after leading groups are dropped.
        dq[0] &= !JUMP;
    }
    let mut s = IntStats::default();
    for g in 0..ng {
        let q = dq[g];
        s.jump |= q & JUMP != 0;
        s.persistence |= q & PERS != 0;
        s.chargeloss |= q & CL != 0;
        if q == 0 {
            s.cnt_good += 1;
        } else if q & DNU != 0 {
            s.cnt_dnu += 1;
        }
        if q & (DNU | SAT) != 0 {
            s.cnt_dnu_sat += 1;
        }
        if q & SAT != 0 {
            data[g] = f64::NAN;
            s.cnt_sat += 1;
        }
        if g > 0 && q & JUMP != 0 {
            if let Some(crs) = crs.as_deref_mut() {
                crs.push(data[g] - data[g - 1]);
            }
        }
    }
    if !c.suppress_one_group {
        if s.cnt_good == 1 && dq[0] == 0 {
            s.is_0th = true;
        } else if s.cnt_good == 0 {
            if let Some(z) = zeroframe {
                let z = z as f64;
                if z != 0.0 {
                    data[0] = z;
                    dq[0] = 0;
                    s.cnt_good = 1;
                    // Counts are C ints: cnt_dnu_sat can go to -1 here (e.g. all groups JUMP only).
                    s.cnt_dnu_sat -= 1;
                    if s.cnt_sat == ng as i32 {
                        s.cnt_sat -= 1;
                    }
                    if s.cnt_dnu == ng as i32 {
                        s.cnt_dnu -= 1;
                    }
                    s.is_zframe = true;
                }
            }
        }
    }
    s
}

/// Scratch space of the median rate (§5): the differences, and the selection's two buffers
/// (allocated once: filling or copying them per median cost a memory.fill/copy call in wasm).
pub(crate) struct MedianScratch {
    values: Vec<f64>,
    select: Box<[[f64; SELECT_MAX]; 2]>,
}

impl MedianScratch {
    pub fn new(ngroups: usize) -> Self {
        MedianScratch { values: Vec::with_capacity(ngroups), select: Box::new([[0.0; SELECT_MAX]; 2]) }
    }
}

/// What an integration's median rate (§5) is taken of: a rate given directly (0th-group or
/// ZEROFRAME timing) or the `n` differences left in `scratch.values[..n]`. Only for ngroups >= 2.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MedianInput {
    Direct(f64),
    Values(usize),
}

pub(crate) fn median_input(data: &[f64], dq: &[u8], s: &IntStats, c: &Consts, scratch: &mut MedianScratch) -> MedianInput {
    let values = &mut scratch.values;
    if s.is_0th {
        return MedianInput::Direct(data[0] / c.t1);
    }
    if s.is_zframe {
        return MedianInput::Direct(data[0] / c.tframe);
    }
    let ng = data.len();
    // All divisions first, in a branch-free loop the compiler vectorises (f64x2.div).
    values.clear();
    values.extend(data.iter().map(|&d| d / c.tgroup));
    if s.cnt_good == ng as i32 {
        // No group flag: every difference is taken unless the data hold a NaN (then the general
        // compaction below runs on freshly divided rates).
        let mut nan = false;
        for k in 0..ng - 1 {
            let d = values[k + 1] - values[k];
            nan |= d.is_nan();
            values[k] = d;
        }
        if !nan {
            return MedianInput::Values(ng - 1);
        }
        values.clear();
        values.extend(data.iter().map(|&d| d / c.tgroup));
    }
    for (r, &q) in values.iter_mut().zip(dq) {
        if q & DNU != 0 {
            *r = f64::NAN;
        }
    }
    let first = values[0];
    // Differences overwrite the rates in place, compacting out NaNs (d[k] reads rates k+1 and
    // k before slot k is written: `kept <= k`).
    let mut kept = 0;
    for k in 0..ng - 1 {
        let d = if dq[k + 1] & JUMP != 0 { f64::NAN } else { values[k + 1] - values[k] };
        if !d.is_nan() {
            values[kept] = d;
            kept += 1;
        }
    }
    if kept == 0 && !first.is_nan() {
        // Every difference is NaN: stcal puts the first group's rate in their place.
        values[0] = first;
        kept = 1;
    }
    MedianInput::Values(kept)
}

fn nan_to_zero(m: f64) -> f64 {
    if m.is_nan() {
        0.0
    } else {
        m
    }
}

fn resolve(input: MedianInput, scratch: &mut MedianScratch) -> f64 {
    match input {
        MedianInput::Direct(m) => m,
        MedianInput::Values(n) => median_of(&mut scratch.values[..n], &mut scratch.select),
    }
}

/// Median rate of one integration (§5), NaN already mapped to 0. Only for ngroups >= 2.
pub(crate) fn integration_median(data: &[f64], dq: &[u8], s: &IntStats, c: &Consts, scratch: &mut MedianScratch) -> f64 {
    let input = median_input(data, dq, s, c, scratch);
    nan_to_zero(resolve(input, scratch))
}

/// One integration of a pixel, as the median needs it.
pub(crate) type MedianLane<'a> = (&'a [f64], &'a [u8], &'a IntStats);

/// The medians of two pixels' integrations at once: when both have the same number of
/// differences, they are sorted side by side in the two lanes of f64x2 registers. Results equal
/// `integration_median` of each.
pub(crate) fn integration_median_pair(
    a: MedianLane<'_>,
    b: MedianLane<'_>,
    c: &Consts,
    scratch_a: &mut MedianScratch,
    scratch_b: &mut MedianScratch,
) -> (f64, f64) {
    let ia = median_input(a.0, a.1, a.2, c, scratch_a);
    let ib = median_input(b.0, b.1, b.2, c, scratch_b);
    let (ma, mb) = match (ia, ib) {
        (MedianInput::Values(na), MedianInput::Values(nb)) if na == nb && (1..=PAIR_MAX).contains(&na) => {
            median_pair(&mut scratch_a.values[..na], &mut scratch_b.values[..na])
        }
        _ => (resolve(ia, scratch_a), resolve(ib, scratch_b)),
    };
    (nan_to_zero(ma), nan_to_zero(mb))
}

/// Longest arrays sorted side by side (the scalar path switches to selection above 24 too).
const PAIR_MAX: usize = 24;

/// Medians of two equally long NaN-free arrays: the branchless insertion sort of `median_of`,
/// lane by lane (wasm `f64x2.pmin`/`pmax` are exactly `min_max`).
#[cfg(target_arch = "wasm32")]
fn median_pair(a: &mut [f64], b: &mut [f64]) -> (f64, f64) {
    use core::arch::wasm32::{f64x2, f64x2_add, f64x2_div, f64x2_extract_lane, f64x2_pmax, f64x2_pmin, f64x2_splat, v128};
    let n = a.len();
    let mut v: [v128; PAIR_MAX] = [f64x2_splat(0.0); PAIR_MAX];
    for (k, (&x, &y)) in a.iter().zip(b.iter()).enumerate() {
        v[k] = f64x2(x, y);
    }
    for i in 1..n {
        let mut x = v[i];
        for j in (0..i).rev() {
            let y = v[j];
            v[j + 1] = f64x2_pmax(x, y);
            x = f64x2_pmin(x, y);
        }
        v[0] = x;
    }
    let mid = n >> 1;
    let m = if n & 1 == 1 { v[mid] } else { f64x2_div(f64x2_add(v[mid], v[mid - 1]), f64x2_splat(2.0)) };
    (f64x2_extract_lane::<0>(m), f64x2_extract_lane::<1>(m))
}

#[cfg(not(target_arch = "wasm32"))]
fn median_pair(a: &mut [f64], b: &mut [f64]) -> (f64, f64) {
    (short_median(a), short_median(b))
}

/// Median of NaN-free values; NaN when empty; even counts average the middle two (stcal
/// `real_nan_median` after its qsort; only the values matter, not how they were ordered, and the
/// sign of a zero median never matters: it is only used when > 0).
///
/// This was the hottest loop: sorting noisy differences mispredicts nearly every comparison.
/// Short arrays use an insertion sort whose inner step is a branchless compare-exchange
/// (min/max), ~3x faster than a branchy one for 9 values; long ones a selection.
fn median_of(v: &mut [f64], select: &mut [[f64; SELECT_MAX]; 2]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n <= 24 {
        return short_median(v);
    }
    if n <= SELECT_MAX {
        if let Some(m) = median_near_mean(v, select) {
            return m;
        }
        let (upper, lower) = select_ranks(v, n >> 1, select);
        return if n & 1 == 1 { upper } else { (upper + lower) / 2.0 };
    }
    let mid = n >> 1;
    let (left, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let m = *m;
    if n & 1 == 1 {
        m
    } else {
        let below = left.iter().fold(f64::NEG_INFINITY, |acc, &x| if x > acc { x } else { acc });
        (m + below) / 2.0
    }
}

/// `median_of` for 1 to 24 values: sorted in place.
fn short_median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let mid = n >> 1;
    insertion_sort(v);
    if n & 1 == 1 {
        v[mid]
    } else {
        (v[mid] + v[mid - 1]) / 2.0
    }
}

/// Sorts a few NaN-free values in place: an insertion sort whose step is a branchless
/// compare-exchange.
#[inline(always)]
fn insertion_sort(v: &mut [f64]) {
    for i in 1..v.len() {
        let mut x = v[i];
        for j in (0..i).rev() {
            let (lo, hi) = min_max(x, v[j]);
            v[j + 1] = hi;
            x = lo;
        }
        v[0] = x;
    }
}

/// Longest array [`select_ranks`] takes (its second buffer is on the stack).
const SELECT_MAX: usize = 64;
/// Ranges this short are finished by the insertion sort.
const SELECT_SORT: usize = 8;
/// Windows of [`median_near_mean`] holding up to this many values are sorted, larger ones selected.
const NEAR_SORT_MAX: usize = 16;

/// The median of NaN-free `v` (2 <= n <= SELECT_MAX) from the values near a guess, or None when
/// the middle ranks fall outside the window (`v` is then unchanged; otherwise it is scratch).
///
/// Rate differences scatter around their mean, so the middle ranks are usually within 0.4 mean
/// absolute deviations of it (~10 of ~44 values, for Gaussian noise). One pass counts the values
/// below that window and collects the ones in it; only those are then ordered. The window only
/// decides how much is sorted: the values of the middle ranks are exact whatever the guess.
fn median_near_mean(v: &mut [f64], bufs: &mut [[f64; SELECT_MAX]; 2]) -> Option<f64> {
    const MASK: usize = SELECT_MAX - 1;
    let n = v.len();
    let count = n as f64;
    let mean = sum4(v, |x| x) / count;
    let halfwidth = 0.4 * sum4(v, |x| (x - mean).abs()) / count;
    let (lo, hi) = (mean - halfwidth, mean + halfwidth);
    let near = &mut bufs[0];
    let (mut below, mut inside) = (0usize, 0usize);
    for &x in v.iter() {
        near[inside & MASK] = x;
        inside += (x >= lo && x <= hi) as usize;
        below += (x < lo) as usize;
    }
    // Ranks n/2 and (even n) n/2 - 1 must lie in [below, below + inside); a NaN window holds none.
    let k = n >> 1;
    let lowest = k - (n & 1 == 0) as usize;
    if lowest < below || k >= below + inside {
        return None;
    }
    let (upper, lower) = if inside <= NEAR_SORT_MAX {
        let w = &mut near[..inside];
        insertion_sort(w);
        (w[k - below], w[lowest - below])
    } else {
        v[..inside].copy_from_slice(&near[..inside]);
        select_ranks(&v[..inside], k - below, bufs)
    };
    Some(if n & 1 == 1 { upper } else { (upper + lower) / 2.0 })
}

/// The sum of `f` over `v` in four partial sums (for guesses: no particular rounding needed).
#[inline(always)]
fn sum4(v: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 4];
    for chunk in v.chunks_exact(4) {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a += f(x);
        }
    }
    let tail: f64 = v.chunks_exact(4).remainder().iter().map(|&x| f(x)).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The values of rank `k` and `k - 1` (NaN for `k == 0`) of NaN-free `v` (k < n <= SELECT_MAX),
/// with `bufs` as working space.
///
/// A quickselect whose partition has no data-dependent branch: each value is written to both
/// ends of the free part of the other buffer and only the ends move, by its comparisons with
/// the pivot (the median of three values of the range). Values equal to the pivot are dropped
/// and counted, so ties cannot stall it. For ~44 noisy differences this is several times
/// faster than `select_nth_unstable`, which mispredicts about every other comparison.
fn select_ranks(v: &[f64], k: usize, bufs: &mut [[f64; SELECT_MAX]; 2]) -> (f64, f64) {
    let n = v.len();
    // Buffers of a fixed size indexed modulo their size: no bounds checks in the partition.
    const MASK: usize = SELECT_MAX - 1;
    // Rank `k` of the current range `[lo, lo + m)` of `v` (cur == 2, the first pass only) or
    // of `bufs[cur]`; partitions write to the same positions of the other buffer. `below` is
    // the largest value known to rank under the range (set once the range left rank 0).
    let (mut k, mut lo, mut m, mut cur) = (k, 0usize, n, 2usize);
    let mut below = f64::NAN;
    loop {
        if m <= SELECT_SORT && cur < 2 {
            let s = &mut bufs[cur][lo..lo + m];
            insertion_sort(s);
            return (s[k], if k > 0 { s[k - 1] } else { below });
        }
        let next = (cur == 0) as usize;
        let [b0, b1] = bufs;
        let (src, dst): (&[f64], &mut [f64; SELECT_MAX]) = match cur {
            2 => (v, b0),
            0 => (&b0[..], b1),
            _ => (&b1[..], b0),
        };
        let src = &src[lo..lo + m];
        let pivot = {
            let (a, b) = min_max(src[0], src[m >> 1]);
            let (_, c) = min_max(a, src[m - 1]);
            min_max(b, c).0
        };
        // dst[lo..lo + l] < pivot, dst[lo + r..lo + m] > pivot; the pivot's copies fill
        // [l, r) in count only.
        let (mut l, mut r) = (lo, lo + m);
        for &x in src {
            dst[l & MASK] = x;
            dst[(r - 1) & MASK] = x;
            l += (x < pivot) as usize;
            r -= (x > pivot) as usize;
        }
        let (l, r) = (l - lo, r - lo);
        if k < l {
            m = l;
        } else if k < r {
            let lower = if k > l {
                pivot
            } else if l > 0 {
                dst[lo..lo + l].iter().fold(f64::NEG_INFINITY, |acc, &x| if x > acc { x } else { acc })
            } else {
                below
            };
            return (pivot, lower);
        } else {
            // Everything dropped ranks under the new range, the pivot (a value of the range) largest.
            lo += r;
            k -= r;
            m -= r;
            below = pivot;
        }
        cur = next;
    }
}

/// `(min, max)` of two non-NaN values, without a branch.
///
/// V8 turns a float `select` into a branch, which mispredicts on noisy data; wasm's
/// `f64x2.pmin`/`pmax` are single instructions. (For -0.0 vs +0.0 both may come out as the same
/// zero, which only changes the sign of a zero median: harmless, see `median_of`.)
#[inline(always)]
fn min_max(x: f64, y: f64) -> (f64, f64) {
    #[cfg(target_arch = "wasm32")]
    {
        use core::arch::wasm32::{f64x2_extract_lane, f64x2_pmax, f64x2_pmin, f64x2_splat};
        let (vx, vy) = (f64x2_splat(x), f64x2_splat(y));
        (f64x2_extract_lane::<0>(f64x2_pmin(vx, vy)), f64x2_extract_lane::<0>(f64x2_pmax(vx, vy)))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        if y < x {
            (y, x)
        } else {
            (x, y)
        }
    }
}

/// A segment `[start, start + len)` of group indices inside the fitting window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub start: usize,
    pub len: usize,
}

/// Builds the segments of one integration (§6 steps 2-4) into `segs`.
///
/// A group is good when its flags other than PERSISTENCE are 0; a run of good groups is
/// preceded by its group if that one is exactly JUMP_DET. Length-1 segments are dropped once a
/// longer one exists; if all are length 1 only the first is kept.
pub(crate) fn build_segments(dq: &[u8], segs: &mut Vec<Segment>) {
    segs.clear();
    let ng = dq.len();
    let mut max_len = 0usize;
    let mut add = |segs: &mut Vec<Segment>, start: usize, end: usize| {
        let len = end - start;
        if len == 1 && max_len > 1 {
            return;
        }
        segs.push(Segment { start, len });
        max_len = max_len.max(len);
    };
    let mut start = 0usize;
    let mut in_seg = false;
    for idx in 0..ng {
        if dq[idx] & !PERS == 0 {
            if !in_seg {
                start = if idx > 0 && dq[idx - 1] & !PERS == JUMP { idx - 1 } else { idx };
                in_seg = true;
            }
        } else if in_seg {
            add(segs, start, idx);
            in_seg = false;
        }
    }
    if in_seg {
        add(segs, start, ng);
    }
    if segs.len() >= 2 {
        if max_len < 2 {
            segs.truncate(1);
        } else {
            segs.retain(|s| s.len != 1);
        }
    }
}

/// Single-precision optimal weights `powf(|(k - mid)/mid|, P)` for each (P, segment length),
/// computed on first use. They depend only on the length and the power, never on the data.
///
/// stcal calls glibc's `powf`, which is not the `powf` of Rust's wasm libm (a port of FreeBSD's
/// single-precision `e_powf.c`): those two disagree in the last bit for ~7% of the table
/// entries (0.08% for segments of <= 50 groups). The float64 `pow` rounded once to float32
/// agrees with glibc's `powf` on every entry for segments of <= 50 groups and on all but 220 of
/// ~400k entries up to 400 groups (measured natively against glibc 2.36), so that is what we use.
pub(crate) struct WeightTables {
    ngroups: usize,
    tables: Vec<Vec<f32>>,
}

const POWERS: [f64; POWER_COUNT] = [0.0, 0.4, 1.0, 3.0, 6.0, 10.0];
/// Number of Fixsen powers.
pub(crate) const POWER_COUNT: usize = 6;

/// Fixsen et al. (2000) power of the optimal weighting from the segment signal-to-noise ratio
/// (thresholds 5, 10, 20, 50, 100). A NaN ratio fails every comparison and gets the largest
/// power, as in stcal. Counted without branches: the ratio varies from pixel to pixel.
pub(crate) fn power_index(snr: f64) -> usize {
    if snr.is_nan() {
        return 5;
    }
    (snr >= 5.0) as usize + (snr >= 10.0) as usize + (snr >= 20.0) as usize + (snr >= 50.0) as usize + (snr >= 100.0) as usize
}

impl WeightTables {
    pub fn new(ngroups: usize) -> Self {
        WeightTables { ngroups, tables: vec![Vec::new(); POWERS.len() * (ngroups + 1)] }
    }

    /// Computes every power's table for segments of `n` groups (for [`Self::table`]).
    pub fn fill(&mut self, n: usize) {
        for power in 0..POWERS.len() {
            self.get(power, n);
        }
    }

    /// A table [`Self::fill`] computed.
    pub fn table(&self, power: usize, n: usize) -> &[f32] {
        &self.tables[power * (self.ngroups + 1) + n]
    }

    fn get(&mut self, power: usize, n: usize) -> &[f32] {
        let slot = power * (self.ngroups + 1) + n;
        if self.tables[slot].is_empty() {
            let mid = (n - 1) as f64 / 2.0;
            let invmid = 1.0 / mid;
            // The argument and the exponent are float32 values, as in C's powf(float, float).
            let p = POWERS[power] as f32 as f64;
            self.tables[slot] =
                (0..n).map(|k| ((((k as f64 - mid) * invmid).abs() as f32) as f64).powf(p) as f32).collect();
        }
        &self.tables[slot]
    }
}

/// Fit values of one segment (stcal `simple_ll_node`); fitopt fields stay 0 where stcal leaves them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SegFit {
    pub slope: f64,
    pub sigslope: f64,
    pub var_p: f64,
    pub var_r: f64,
    pub var_e: f64,
    pub yint: f64,
    pub sigyint: f64,
    pub weight: f64,
}

fn len1_timing(s: &IntStats, c: &Consts) -> f64 {
    if !c.suppress_one_group {
        if s.is_0th {
            return c.t1;
        } else if s.is_zframe {
            return c.tframe;
        }
    }
    c.tgroup
}

fn rnoise_len1(px: &PixelRefs, timing: f64) -> f64 {
    let mut rnum = px.rn / timing;
    rnum = 12.0 * rnum * rnum;
    let rden = 6.0 * px.gain * px.gain;
    rnum / rden
}

fn rnoise_len2(px: &PixelRefs, c: &Consts) -> f64 {
    let mut rnum = px.rn / c.tgroup;
    rnum = 12.0 * rnum * rnum;
    let rden = 6.0 * px.gain * px.gain;
    rnum / rden
}

fn rnoise_default(px: &PixelRefs, c: &Consts, seglen: f64) -> f64 {
    if px.gain <= 0.0 || px.gain.is_nan() {
        return 0.0;
    }
    let mut rnum = px.rn / c.tgroup;
    rnum = 12.0 * rnum * rnum;
    let mut rden = seglen * seglen * seglen - seglen;
    rden = rden * px.gain * px.gain;
    rnum / rden
}

/// Poisson numerator: a non-positive (or NaN) median rate contributes nothing but the dark current.
fn poisson_num(px: &PixelRefs, mrate: f64) -> f64 {
    if mrate > 0.0 {
        mrate + px.dcurrent
    } else {
        px.dcurrent
    }
}

/// Fits one segment (§7).
pub(crate) fn fit_segment(
    seg: Segment,
    data: &[f64],
    s: &IntStats,
    px: &PixelRefs,
    mrate: f64,
    c: &Consts,
    weights: &mut WeightTables,
) -> SegFit {
    let mut f = SegFit::default();
    match seg.len {
        1 => {
            let timing = len1_timing(s, c);
            f.slope = data[seg.start] / timing;
            f.var_p = poisson_num(px, mrate) / (timing * px.gain);
            f.var_r = rnoise_len1(px, timing);
            f.var_e = f.var_p + f.var_r;
            if c.save_opt {
                f.weight = 1.0 / f.var_r;
            }
        }
        2 => {
            let data0 = data[seg.start];
            let data1 = data[seg.start + 1];
            f.slope = (data1 - data0) / c.tgroup;
            f.var_p = poisson_num(px, mrate) / (c.tgroup * px.gain);
            f.var_r = rnoise_len2(px, c);
            f.var_e = f.var_p + f.var_r;
            if c.save_opt {
                f.sigslope = STCAL_SQRT2 * px.rn;
                let second = seg.start as f64 + 1.0;
                f.yint = data1 * (1.0 - second) + data0 * second;
                f.sigyint = f.sigslope;
                f.weight = 1.0 / f.var_r;
            }
        }
        n => {
            // Signal-to-noise ratio from the end points, then the power of the weights.
            let diff = data[seg.start + n - 1] - data[seg.start];
            let den = px.rn * px.rn + diff * px.gain;
            let snr = if den <= 0.0 || px.gain == 0.0 {
                0.0
            } else {
                let sn = (diff * px.gain) / den.sqrt();
                if sn < 0.0 {
                    0.0
                } else {
                    sn
                }
            };
            let table = weights.get(power_index(snr), n);
            let invrn2 = 1.0 / (px.rn * px.rn);
            let (mut sumw, mut sumx, mut sumxx, mut sumy, mut sumxy) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
            let ys = &data[seg.start..seg.start + n];
            for (k, (&w32, &y)) in table.iter().zip(ys).enumerate() {
                let weight = w32 as f64 * invrn2;
                let xval = k as f64 + seg.start as f64;
                let y = if y.is_nan() { 0.0 } else { y };
                let xwt = xval * weight;
                sumw += weight;
                sumx += xwt;
                sumxx += xval * xwt;
                sumy += y * weight;
                sumxy += y * xwt;
            }
            let den = sumw * sumxx - sumx * sumx;
            let num = sumw * sumxy - sumx * sumy;
            let invden = 1.0 / den;
            f.slope = (num * invden) / c.tgroup;
            if c.save_opt {
                f.sigslope = (sumw * invden).sqrt();
                f.yint = (sumxx * sumy - sumx * sumxy) * invden;
                f.sigyint = (sumxx * invden).sqrt();
            }
            let seglen = n as f64;
            f.var_p = poisson_num(px, mrate) / (c.tgroup * px.gain * (seglen - 1.0));
            f.var_r = rnoise_default(px, c, seglen);
            f.var_e = f.var_p + f.var_r;
            if c.save_opt {
                f.weight = 1.0 / f.var_r;
            }
        }
    }
    f
}

/// Output values of one integration (a rateints pixel) in float64.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IntFit {
    pub slope: f64,
    pub dq: u32,
    pub var_poisson: f64,
    pub var_rnoise: f64,
    pub err: f64,
}

/// Per-pixel sums carried across integrations for the rate product (§8-§9, §11).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RateAcc {
    pub dq: u32,
    pub invvar_p: f64,
    pub invvar_r: f64,
    pub slope_num: f64,
    pub dnu_cnt: u32,
    pub sat_cnt: u32,
    pub partial_sat: bool,
    /// CHARGELOSS read-noise recomputation: exposure sum of 1/var_r and whether it applies.
    pub cl_invvar_r: f64,
    pub chargeloss: bool,
}

/// Where the optional (fitopt) results of one integration go.
pub(crate) struct OptSink<'a> {
    pub segments: &'a mut Vec<SegFit>,
    pub pedestal: f64,
}

/// Fits one prepared integration (§6-§8, §11) and folds it into `acc`.
///
/// `dq`/`data` are the prepared buffers, `orig` the group DQ before suppression (CHARGELOSS
/// recomputation only: `prepare_integration` fills it when the integration has CHARGELOSS),
/// `mrate` the pixel's median rate over all integrations.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_integration(
    data: &[f64],
    dq: &[u8],
    orig: &mut [u8],
    s: &IntStats,
    px: &PixelRefs,
    mrate: f64,
    c: &Consts,
    acc: &mut RateAcc,
    segs: &mut Vec<Segment>,
    weights: &mut WeightTables,
    opt: Option<&mut OptSink<'_>>,
) -> IntFit {
    let ng = c.ngroups as i32;
    let mut out = IntFit { dq: px.dq, ..IntFit::default() };
    if s.jump {
        out.dq |= JUMP_DET;
        acc.dq |= JUMP_DET;
    }
    if s.persistence {
        out.dq |= PERSISTENCE;
        acc.dq |= PERSISTENCE;
    }

    if dq[0] & SAT != 0 {
        // The whole integration is unusable when its first group saturated.
        out.dq |= DO_NOT_USE | SATURATED;
        out.slope = f64::NAN;
        segs.clear();
    } else if s.cnt_good == ng {
        // No group flag: one segment spans the integration (what build_segments finds).
        segs.clear();
        segs.push(Segment { start: 0, len: ng as usize });
    } else {
        build_segments(dq, segs);
    }

    let mut seg_fits_start = 0;
    if let Some(sink) = opt.as_ref() {
        seg_fits_start = sink.segments.len();
    }
    let mut opt = opt;

    if s.cnt_dnu_sat == ng {
        out.dq |= DO_NOT_USE;
        if s.cnt_sat == ng {
            out.dq |= SATURATED;
        }
    } else if !segs.is_empty() {
        let (mut invvar_r, mut invvar_p, mut invvar_e, mut num) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for &seg in segs.iter() {
            let f = fit_segment(seg, data, s, px, mrate, c, weights);
            invvar_r += 1.0 / f.var_r;
            if f.var_p > 0.0 {
                invvar_p += 1.0 / f.var_p;
            }
            invvar_e += 1.0 / f.var_e;
            num += f.slope / f.var_r;
            if let Some(sink) = opt.as_deref_mut() {
                sink.segments.push(f);
            }
        }
        if invvar_p > 0.0 {
            out.var_poisson = 1.0 / invvar_p;
        }
        if out.var_poisson >= LARGE_VARIANCE_THRESHOLD {
            out.var_poisson = 0.0;
        }
        out.var_rnoise = 1.0 / invvar_r;
        if out.var_rnoise >= LARGE_VARIANCE_THRESHOLD {
            out.var_rnoise = 0.0;
        }
        if out.dq & INVALID != 0 {
            out.slope = f64::NAN;
            out.var_poisson = 0.0;
            out.var_rnoise = 0.0;
            out.err = 0.0;
        } else {
            let var_err = 1.0 / invvar_e;
            // JP-4318 (stcal 1.19): segments are combined with 1/var_r weights.
            out.slope = num * out.var_rnoise;
            out.err = if var_err > LARGE_VARIANCE_THRESHOLD { 0.0 } else { var_err.sqrt() };
        }
        if invvar_p > 0.0 {
            acc.invvar_p += invvar_p;
        }
        acc.invvar_r += invvar_r;
        acc.slope_num += num;
    }
    // Segments found but never fitted (none in practice) still count for fitopt, with zeros.
    if let Some(sink) = opt.as_deref_mut() {
        let fitted = sink.segments.len() - seg_fits_start;
        for _ in fitted..segs.len() {
            sink.segments.push(SegFit::default());
        }
    }

    if out.dq & DO_NOT_USE != 0 {
        acc.dnu_cnt += 1;
        out.slope = f64::NAN;
    }
    if let Some(sink) = opt.as_mut() {
        sink.pedestal = if out.dq & SATURATED != 0 {
            0.0
        } else {
            let p = data[0] - out.slope * c.ped_tmp;
            if p.is_nan() {
                0.0
            } else {
                p
            }
        };
    }
    if out.dq & SATURATED != 0 {
        acc.sat_cnt += 1;
        out.slope = f64::NAN;
    }
    // Partial saturation is flagged after the pedestal, and keeps the slope.
    if s.cnt_sat > 0 {
        out.dq |= SATURATED;
        acc.partial_sat = true;
    }

    // §11: read noise recomputed from the DQ with CHARGELOSS (and its DO_NOT_USE) removed.
    if s.chargeloss {
        acc.chargeloss = true;
        for q in orig.iter_mut() {
            if *q & CL != 0 {
                *q ^= DNU | CL;
            }
        }
        build_segments(orig, segs);
        let mut invvar_r = 0.0f64;
        for seg in segs.iter() {
            let svar_r = match seg.len {
                1 => rnoise_len1(px, len1_timing(s, c)),
                2 => rnoise_len2(px, c),
                n => rnoise_default(px, c, n as f64),
            };
            if svar_r > 0.0 {
                invvar_r += 1.0 / svar_r;
            }
        }
        out.var_rnoise = 1.0 / invvar_r;
        if out.var_rnoise >= LARGE_VARIANCE_THRESHOLD {
            out.var_rnoise = 0.0;
        }
        acc.cl_invvar_r += invvar_r;
    } else if out.var_rnoise > 0.0 {
        acc.cl_invvar_r += 1.0 / out.var_rnoise;
    }
    out
}

/// The rate (exposure) values of a pixel from its accumulated integrations (§9, §11).
pub(crate) fn finish_rate(acc: &RateAcc, nints: usize) -> IntFit {
    let mut dq = acc.dq;
    if acc.dnu_cnt as usize == nints {
        dq |= DO_NOT_USE;
    }
    if acc.sat_cnt as usize == nints {
        dq |= SATURATED;
    }
    let mut var_p = acc.invvar_p;
    if var_p > 0.0 {
        var_p = 1.0 / var_p;
    }
    // Not `!(0.0..THRESHOLD).contains(&var_p)`: a NaN must stay NaN, as in stcal.
    #[allow(clippy::manual_range_contains)]
    if var_p >= LARGE_VARIANCE_THRESHOLD || var_p < 0.0 {
        var_p = 0.0;
    }
    let mut var_r = acc.invvar_r;
    if var_r > 0.0 {
        var_r = 1.0 / var_r;
    }
    if var_r >= LARGE_VARIANCE_THRESHOLD {
        var_r = 0.0;
    }
    let mut err = (var_p + var_r).sqrt();
    let mut slope = acc.slope_num;
    if dq & INVALID != 0 {
        slope = f64::NAN;
        var_p = 0.0;
        var_r = 0.0;
        err = 0.0;
    }
    if acc.partial_sat {
        dq |= SATURATED;
    }
    if !slope.is_nan() {
        slope *= var_r;
    }
    if acc.chargeloss {
        // Slope, Poisson variance and err keep the fit's read noise; only VAR_RNOISE changes.
        if acc.cl_invvar_r > 0.0 {
            var_r = 1.0 / acc.cl_invvar_r;
        }
        if var_r >= LARGE_VARIANCE_THRESHOLD {
            var_r = 0.0;
        }
    }
    IntFit { slope, dq, var_poisson: var_p, var_rnoise: var_r, err }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs_of(dq: &[u8]) -> Vec<(usize, usize)> {
        let mut segs = Vec::new();
        build_segments(dq, &mut segs);
        segs.iter().map(|s| (s.start, s.len)).collect()
    }

    /// §6: a pure JUMP group opens the next segment; JUMP|DNU does not; PERSISTENCE is good.
    #[test]
    fn segments_follow_stcal() {
        assert_eq!(segs_of(&[0, 0, 0, 4, 0, 0, 0]), vec![(0, 3), (3, 4)]);
        assert_eq!(segs_of(&[0, 0, 0, 5, 0, 0, 0]), vec![(0, 3), (4, 3)]);
        assert_eq!(segs_of(&[0, 0, 32, 0, 0, 0]), vec![(0, 6)]);
        assert_eq!(segs_of(&[0, 0, 1, 0, 0, 0]), vec![(0, 2), (3, 3)]);
        // A JUMP in the last group is dropped; length-1 segments vanish next to longer ones.
        assert_eq!(segs_of(&[0, 0, 0, 4]), vec![(0, 3)]);
        assert_eq!(segs_of(&[0, 1, 0, 0, 1, 0]), vec![(2, 2)]);
        // Only length-1 segments: keep the first.
        assert_eq!(segs_of(&[0, 1, 0, 1, 0]), vec![(0, 1)]);
        // Adjacent segments after back-to-back jumps.
        assert_eq!(segs_of(&[0, 0, 4, 0, 4, 0]), vec![(0, 2), (2, 2), (4, 2)]);
        assert_eq!(segs_of(&[4, 4, 4]), Vec::<(usize, usize)>::new());
    }

    #[test]
    fn median_matches_nan_median() {
        let select = &mut [[0.0; SELECT_MAX]; 2];
        assert!(median_of(&mut [], select).is_nan());
        assert_eq!(median_of(&mut [3.0], select), 3.0);
        assert_eq!(median_of(&mut [3.0, 1.0], select), 2.0);
        assert_eq!(median_of(&mut [2.0, 2.0, 1.0, 1.0], select), 1.5);
        let mut big: Vec<f64> = (0..41).rev().map(|v| v as f64).collect();
        assert_eq!(median_of(&mut big, select), 20.0);
        let mut longer: Vec<f64> = (0..200).map(|v| (v % 7) as f64).collect();
        assert_eq!(median_of(&mut longer, select), 3.0);
    }

    /// The branchless selection returns the middle ranks of a sort, for every length it takes,
    /// with few distinct values (ties at the pivot), many, and infinities.
    #[test]
    fn selection_matches_sorting() {
        let mut state = 7u32;
        let mut next = || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            state >> 8
        };
        let mut bufs = [[0.0; SELECT_MAX]; 2];
        for n in 2..=SELECT_MAX {
            for distinct in [2u32, 5, 1 << 24] {
                for _ in 0..20 {
                    let mut v: Vec<f64> = (0..n).map(|_| (next() % distinct) as f64 - 2.0).collect();
                    if distinct == 5 && n % 3 == 0 {
                        v[n / 3] = f64::INFINITY;
                        v[n / 2] = f64::NEG_INFINITY;
                    }
                    let mut sorted = v.clone();
                    sorted.sort_by(f64::total_cmp);
                    for k in [n / 2, 1, n - 1] {
                        assert_eq!(select_ranks(&v, k, &mut bufs), (sorted[k], sorted[k - 1]), "{sorted:?}");
                    }
                    let (first, none) = select_ranks(&v, 0, &mut bufs);
                    assert!(first == sorted[0] && none.is_nan(), "{sorted:?}");
                }
            }
        }
    }

    /// The window around the mean gives the sorted median whenever it answers, and it answers
    /// for most noisy rate differences (the case it is there for).
    #[test]
    fn median_near_mean_is_the_sorted_median() {
        let mut state = 11u32;
        let mut uniform = || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            (state >> 8) as f64 / (1u32 << 24) as f64
        };
        let mut bufs = [[0.0; SELECT_MAX]; 2];
        let (mut tried, mut answered) = (0, 0);
        for n in 2..=SELECT_MAX {
            for kind in 0..5 {
                for _ in 0..50 {
                    let mut v: Vec<f64> = (0..n)
                        .map(|_| match kind {
                            // Rate differences: a rate plus Gaussian-like noise.
                            0 => (0..6).map(|_| uniform()).sum::<f64>(),
                            // Few distinct values (ties at the window's edges and middle).
                            1 => (uniform() * 4.0).floor(),
                            2 => 7.25,
                            // Heavy tails.
                            3 => (uniform() - 0.5) / (uniform() + 1e-3),
                            _ => uniform() * 1e-300,
                        })
                        .collect();
                    if kind == 3 && n % 5 == 0 {
                        v[n / 2] = f64::INFINITY;
                    }
                    let mut sorted = v.clone();
                    sorted.sort_by(f64::total_cmp);
                    let expected = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2] + sorted[n / 2 - 1]) / 2.0 };
                    let original = v.clone();
                    if let Some(m) = median_near_mean(&mut v, &mut bufs) {
                        assert_eq!(m, expected, "{sorted:?}");
                        answered += (kind == 0 && n >= 25) as usize;
                    } else {
                        assert_eq!(v, original, "a refused window leaves the values");
                    }
                    tried += (kind == 0 && n >= 25) as usize;
                }
            }
        }
        // (It is only used from 25 values on.)
        assert!(answered * 10 > tried * 9, "{answered} of {tried}");
    }

    #[test]
    fn weights_are_single_precision_powers() {
        let mut w = WeightTables::new(5);
        assert_eq!(w.get(0, 5), &[1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(w.get(2, 5), &[1.0, 0.5, 0.0, 0.5, 1.0]);
        assert_eq!(w.get(3, 3), &[1.0, 0.0, 1.0]);
        assert_eq!(w.get(1, 5)[1], 0.5f64.powf(0.4f32 as f64) as f32);
    }
}
