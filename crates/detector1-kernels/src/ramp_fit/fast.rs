//! The fast path of the whole-tile driver: the common pixel, four at a time.
//!
//! A *clean* pixel has no group DQ flag in any integration of the fitting window, finite
//! moderate values, a usable gain and no DO_NOT_USE/SATURATED in PIXELDQ. Each of its
//! integrations is then one segment spanning the window, and every branch of the per-pixel core
//! in [`super::pixel`] is decided the same way or becomes a per-lane select. Four clean pixels
//! are fitted side by side in the lanes of two f64x2 registers, read straight from the
//! plane-major cube (no per-pixel gathering, no allocation), with exactly the scalar core's
//! float64 operations in the same order (IEEE operations are deterministic and wasm never
//! contracts them into FMAs), so results are bit-identical.
//! The median's sort order differs from the scalar one, but a median only depends on the values
//! (up to the sign of a zero median, which never matters: see `pixel::median_of`).

use super::pixel::{
    build_segments, power_index, prepare_integration, Consts, PixelRefs, Segment, WeightTables, LARGE_VARIANCE_THRESHOLD,
    POWER_COUNT,
};
use super::Products;
use crate::dq::{DO_NOT_USE, JUMP_DET, SATURATED};

/// Longest window the fast path takes (its per-pixel values live in fixed arrays).
pub(crate) const MAX_FAST_GROUPS: usize = 32;
/// Clean values are below this in magnitude, so `value / tgroup` and the differences of such
/// rates stay finite (no NaN enters the median or the sums) for `tgroup >= MIN_FAST_TGROUP`.
pub(crate) const MAX_FAST_VALUE: f32 = 1.0e30;
pub(crate) const MIN_FAST_TGROUP: f64 = 1.0e-6;

/// Whether the fast path can be used at all for this call.
pub(crate) fn enabled(c: &Consts) -> bool {
    !c.save_opt && (3..=MAX_FAST_GROUPS).contains(&c.ngroups) && c.tgroup >= MIN_FAST_TGROUP
}

/// Whether a pixel's reference values allow the fast path (its group data are checked apart).
pub(crate) fn refs_clean(px: &PixelRefs) -> bool {
    px.dq & (DO_NOT_USE | SATURATED) == 0
}

#[cfg(target_arch = "wasm32")]
mod lanes {
    use core::arch::wasm32::{
        f64x2, f64x2_add, f64x2_div, f64x2_eq, f64x2_extract_lane, f64x2_ge, f64x2_gt, f64x2_le, f64x2_lt, f64x2_mul, f64x2_pmax,
        f64x2_pmin, f64x2_promote_low_f32x4, f64x2_splat, f64x2_sqrt, f64x2_sub, i64x2_shuffle, v128, v128_bitselect, v128_load,
    };

    /// Two float64 lanes (one per pixel).
    #[derive(Clone, Copy)]
    pub struct V2(v128);
    /// A per-lane condition.
    #[derive(Clone, Copy)]
    pub struct M2(v128);

    impl V2 {
        #[inline(always)]
        pub fn new(a: f64, b: f64) -> Self {
            V2(f64x2(a, b))
        }
        /// `values[at..at + 4]` widened: the first two, then the last two.
        #[inline(always)]
        pub fn widen_four(values: &[f32], at: usize) -> (Self, Self) {
            assert!(at + 4 <= values.len());
            // SAFETY: the four values are within `values` (asserted); v128_load may be unaligned.
            let v = unsafe { v128_load(values.as_ptr().add(at).cast::<v128>()) };
            (V2(f64x2_promote_low_f32x4(v)), V2(f64x2_promote_low_f32x4(i64x2_shuffle::<1, 1>(v, v))))
        }
        #[inline(always)]
        pub fn splat(x: f64) -> Self {
            V2(f64x2_splat(x))
        }
        #[inline(always)]
        pub fn lanes(self) -> [f64; 2] {
            [f64x2_extract_lane::<0>(self.0), f64x2_extract_lane::<1>(self.0)]
        }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            V2(f64x2_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            V2(f64x2_sub(self.0, o.0))
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            V2(f64x2_mul(self.0, o.0))
        }
        #[inline(always)]
        pub fn div(self, o: Self) -> Self {
            V2(f64x2_div(self.0, o.0))
        }
        #[inline(always)]
        pub fn sqrt(self) -> Self {
            V2(f64x2_sqrt(self.0))
        }
        /// `(min, max)` as the scalar median's compare-exchange (`pmin`/`pmax`).
        #[inline(always)]
        pub fn min_max(self, o: Self) -> (Self, Self) {
            (V2(f64x2_pmin(self.0, o.0)), V2(f64x2_pmax(self.0, o.0)))
        }
        #[inline(always)]
        pub fn lt(self, o: Self) -> M2 {
            M2(f64x2_lt(self.0, o.0))
        }
        #[inline(always)]
        pub fn le(self, o: Self) -> M2 {
            M2(f64x2_le(self.0, o.0))
        }
        #[inline(always)]
        pub fn gt(self, o: Self) -> M2 {
            M2(f64x2_gt(self.0, o.0))
        }
        #[inline(always)]
        pub fn ge(self, o: Self) -> M2 {
            M2(f64x2_ge(self.0, o.0))
        }
        #[inline(always)]
        pub fn eq(self, o: Self) -> M2 {
            M2(f64x2_eq(self.0, o.0))
        }
    }

    impl M2 {
        /// `if cond { a } else { b }` lane by lane.
        #[inline(always)]
        pub fn select(self, a: V2, b: V2) -> V2 {
            V2(v128_bitselect(a.0, b.0, self.0))
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod lanes {
    /// Two float64 lanes (one per pixel); the native build runs the same operations lane by lane.
    #[derive(Clone, Copy)]
    pub struct V2([f64; 2]);
    /// A per-lane condition.
    #[derive(Clone, Copy)]
    pub struct M2([bool; 2]);

    impl V2 {
        pub fn new(a: f64, b: f64) -> Self {
            V2([a, b])
        }
        pub fn widen_four(values: &[f32], at: usize) -> (Self, Self) {
            let v = &values[at..at + 4];
            (V2([v[0] as f64, v[1] as f64]), V2([v[2] as f64, v[3] as f64]))
        }
        pub fn splat(x: f64) -> Self {
            V2([x, x])
        }
        pub fn lanes(self) -> [f64; 2] {
            self.0
        }
        fn map2(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
            V2([f(self.0[0], o.0[0]), f(self.0[1], o.0[1])])
        }
        fn cmp(self, o: Self, f: impl Fn(f64, f64) -> bool) -> M2 {
            M2([f(self.0[0], o.0[0]), f(self.0[1], o.0[1])])
        }
        pub fn add(self, o: Self) -> Self {
            self.map2(o, |a, b| a + b)
        }
        pub fn sub(self, o: Self) -> Self {
            self.map2(o, |a, b| a - b)
        }
        pub fn mul(self, o: Self) -> Self {
            self.map2(o, |a, b| a * b)
        }
        pub fn div(self, o: Self) -> Self {
            self.map2(o, |a, b| a / b)
        }
        pub fn sqrt(self) -> Self {
            V2([self.0[0].sqrt(), self.0[1].sqrt()])
        }
        pub fn min_max(self, o: Self) -> (Self, Self) {
            (self.map2(o, |a, b| if b < a { b } else { a }), self.map2(o, |a, b| if a < b { b } else { a }))
        }
        pub fn lt(self, o: Self) -> M2 {
            self.cmp(o, |a, b| a < b)
        }
        pub fn le(self, o: Self) -> M2 {
            self.cmp(o, |a, b| a <= b)
        }
        pub fn gt(self, o: Self) -> M2 {
            self.cmp(o, |a, b| a > b)
        }
        pub fn ge(self, o: Self) -> M2 {
            self.cmp(o, |a, b| a >= b)
        }
        pub fn eq(self, o: Self) -> M2 {
            self.cmp(o, |a, b| a == b)
        }
    }

    impl M2 {
        pub fn select(self, a: V2, b: V2) -> V2 {
            V2([if self.0[0] { a.0[0] } else { b.0[0] }, if self.0[1] { a.0[1] } else { b.0[1] }])
        }
    }
}

use lanes::{M2, V2};

/// Four lanes as two pairs: two pixel pairs go through the same instructions side by side, so
/// the long division and sorting chains of one pair overlap with the other's.
#[derive(Clone, Copy)]
struct V4(V2, V2);
#[derive(Clone, Copy)]
struct M4(M2, M2);

impl V4 {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        V4(V2::splat(x), V2::splat(x))
    }
    #[inline(always)]
    fn lanes(self) -> [f64; 4] {
        let ([a, b], [c, d]) = (self.0.lanes(), self.1.lanes());
        [a, b, c, d]
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        V4(self.0.add(o.0), self.1.add(o.1))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        V4(self.0.sub(o.0), self.1.sub(o.1))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        V4(self.0.mul(o.0), self.1.mul(o.1))
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        V4(self.0.div(o.0), self.1.div(o.1))
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        V4(self.0.sqrt(), self.1.sqrt())
    }
    #[inline(always)]
    fn min_max(self, o: Self) -> (Self, Self) {
        let ((l0, h0), (l1, h1)) = (self.0.min_max(o.0), self.1.min_max(o.1));
        (V4(l0, l1), V4(h0, h1))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> M4 {
        M4(self.0.lt(o.0), self.1.lt(o.1))
    }
    #[inline(always)]
    fn le(self, o: Self) -> M4 {
        M4(self.0.le(o.0), self.1.le(o.1))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> M4 {
        M4(self.0.gt(o.0), self.1.gt(o.1))
    }
    #[inline(always)]
    fn ge(self, o: Self) -> M4 {
        M4(self.0.ge(o.0), self.1.ge(o.1))
    }
    #[inline(always)]
    fn eq(self, o: Self) -> M4 {
        M4(self.0.eq(o.0), self.1.eq(o.1))
    }
}

impl M4 {
    #[inline(always)]
    fn select(self, a: V4, b: V4) -> V4 {
        V4(self.0.select(a.0, b.0), self.1.select(a.1, b.1))
    }
}

/// Where the fast path reads a tile: the cube and the window planes of every integration.
pub(crate) struct CubeView<'a> {
    pub data: &'a [f32],
    /// Offsets of the `(integration, window group)` planes, integration-major.
    pub plane_offsets: &'a [usize],
    pub plane: usize,
    pub nints: usize,
}

/// The optimal weights of every pair of powers, lane by lane, widened to float64 once
/// (`(power_a * 6 + power_b) * ngroups + k`) for window-long segments.
pub(crate) struct PairWeights {
    ngroups: usize,
    pairs: Vec<V2>,
}

impl PairWeights {
    pub fn new(weights: &mut WeightTables, ngroups: usize) -> Self {
        weights.fill(ngroups);
        let mut pairs = Vec::with_capacity(POWER_COUNT * POWER_COUNT * ngroups);
        for a in 0..POWER_COUNT {
            for b in 0..POWER_COUNT {
                let (ta, tb) = (weights.table(a, ngroups), weights.table(b, ngroups));
                pairs.extend(ta.iter().zip(tb).map(|(&wa, &wb)| V2::new(wa as f64, wb as f64)));
            }
        }
        PairWeights { ngroups, pairs }
    }

    #[inline(always)]
    fn get(&self, a: usize, b: usize) -> &[V2] {
        let at = (a * POWER_COUNT + b) * self.ngroups;
        &self.pairs[at..at + self.ngroups]
    }
}

/// The median rate of one clean integration: differences of `value / tgroup`, sorted with
/// compare-exchanges (NaN-free by construction, so no compaction). Any sorting order gives the
/// scalar median's values; an odd-even transposition sort has short dependency chains.
#[inline(always)]
fn clean_median(ng: usize, ys: &[V4; MAX_FAST_GROUPS], tgroup: V4) -> V4 {
    let mut d = [V4::splat(0.0); MAX_FAST_GROUPS];
    let mut prev = ys[0].div(tgroup);
    for k in 0..ng - 1 {
        let next = ys[k + 1].div(tgroup);
        d[k] = next.sub(prev);
        prev = next;
    }
    sorted_median(&mut d, ng - 1)
}

/// The median of `d[..n]` (n >= 1, NaN-free), sorting in place.
#[inline(always)]
fn sorted_median(d: &mut [V4; MAX_FAST_GROUPS], n: usize) -> V4 {
    for round in 0..n {
        let mut i = round & 1;
        while i + 1 < n {
            let (lo, hi) = d[i].min_max(d[i + 1]);
            d[i] = lo;
            d[i + 1] = hi;
            i += 2;
        }
    }
    let mid = n >> 1;
    if n & 1 == 1 {
        d[mid]
    } else {
        d[mid].add(d[mid - 1]).div(V4::splat(2.0))
    }
}

/// Fits four clean image pixels (repeats allowed) with their reference values and writes
/// their rateints and rate values.
pub(crate) fn fit_clean_quad(
    cube: &CubeView<'_>,
    pixels: [usize; 4],
    refs: [&PixelRefs; 4],
    c: &Consts,
    weights: &PairWeights,
    rate: &mut Products,
    rateints: &mut Products,
) {
    // Common window lengths get their own copy with the group loops unrolled (values stay in
    // registers); the others share one. Each copy is a function of its own: V8 compiles a wasm
    // function's optimised code whole, and with the copies inlined here that took 48-155 ms per
    // run for the one an exposure uses.
    macro_rules! dispatch {
        ($($n:literal)*) => {
            match c.ngroups {
                $($n => fit_quad_copy::<$n>($n, cube, pixels, refs, c, weights, rate, rateints),)*
                n => fit_quad_copy::<0>(n, cube, pixels, refs, c, weights, rate, rateints),
            }
        };
    }
    dispatch!(3 4 5 6 7 8 9 10 11 12 13 14 15 16);
}

/// One copy of the fit: `NG` groups, or `ng` when `NG` is 0 (the copy that shares its loops).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn fit_quad_copy<const NG: usize>(
    ng: usize,
    cube: &CubeView<'_>,
    px: [usize; 4],
    refs: [&PixelRefs; 4],
    c: &Consts,
    weights: &PairWeights,
    rate: &mut Products,
    rateints: &mut Products,
) {
    let ng = if NG == 0 { ng } else { NG };
    let nints = cube.nints;
    let at = |off: usize, l: usize| cube.data[off + px[l]] as f64;
    // Neighbouring pixels (most quads) in one load a group.
    let contiguous = px[1] == px[0] + 1 && px[2] == px[0] + 2 && px[3] == px[0] + 3;
    let load = |off: usize| {
        if contiguous {
            let (a, b) = V2::widen_four(cube.data, off + px[0]);
            V4(a, b)
        } else {
            V4(V2::new(at(off, 0), at(off, 1)), V2::new(at(off, 2), at(off, 3)))
        }
    };
    let per_lane = |f: fn(&PixelRefs) -> f64| V4(V2::new(f(refs[0]), f(refs[1])), V2::new(f(refs[2]), f(refs[3])));
    let mut ys = [V4::splat(0.0); MAX_FAST_GROUPS];
    let tgroup = V4::splat(c.tgroup);

    // §5: the median rate over all integrations (NaN-free, so never mapped to 0).
    let mut median_sum = V4::splat(0.0);
    for i in 0..nints {
        let offsets = &cube.plane_offsets[i * ng..(i + 1) * ng];
        for k in 0..ng {
            ys[k] = load(offsets[k]);
        }
        median_sum = median_sum.add(clean_median(ng, &ys, tgroup));
    }
    // (x / 1 is x, bit for bit.)
    let mrate = if nints == 1 { median_sum } else { median_sum.div(V4::splat(nints as f64)) };

    let zero = V4::splat(0.0);
    let threshold = V4::splat(LARGE_VARIANCE_THRESHOLD);
    let gain = per_lane(|r| r.gain);
    let rn = per_lane(|r| r.rn);
    let seglen = V4::splat(ng as f64);
    // Per-pixel constants of the one-segment fit (fit_segment's default branch).
    let invrn2 = V4::splat(1.0).div(rn.mul(rn));
    let rn_sq = rn.mul(rn);
    // poisson_num: mrate + dcurrent when mrate > 0, else dcurrent.
    let dcur = per_lane(|r| r.dcurrent);
    let poisson = mrate.gt(zero).select(mrate.add(dcur), dcur);
    let var_p = poisson.div(tgroup.mul(gain).mul(seglen.sub(V4::splat(1.0))));
    // rnoise_default (gain is > 0 for clean pixels).
    let rnum = rn.div(tgroup);
    let rnum = V4::splat(12.0).mul(rnum).mul(rnum);
    let rden = seglen.mul(seglen).mul(seglen).sub(seglen).mul(gain).mul(gain);
    let var_r = rnum.div(rden);
    let var_e = var_p.add(var_r);
    // fit_integration's sums over the single segment.
    let one = V4::splat(1.0);
    let invvar_r = zero.add(one.div(var_r));
    let invvar_p = var_p.gt(zero).select(zero.add(one.div(var_p)), zero);
    let invvar_e = zero.add(one.div(var_e));
    let mut var_poisson = invvar_p.gt(zero).select(one.div(invvar_p), zero);
    var_poisson = var_poisson.ge(threshold).select(zero, var_poisson);
    let mut var_rnoise = one.div(invvar_r);
    var_rnoise = var_rnoise.ge(threshold).select(zero, var_rnoise);
    let var_err = one.div(invvar_e);
    let err = var_err.gt(threshold).select(zero, var_err.sqrt());
    let [vp, vr, ve] = [var_poisson, var_rnoise, err].map(|v| v.lanes().map(|x| x as f32));

    let (mut acc_p, mut acc_r, mut acc_num) = (zero, zero, zero);
    for i in 0..nints {
        if nints > 1 {
            let offsets = &cube.plane_offsets[i * ng..(i + 1) * ng];
            for k in 0..ng {
                ys[k] = load(offsets[k]);
            }
        }
        // Signal-to-noise ratio from the end points, then the power of each lane's weights.
        let diff = ys[ng - 1].sub(ys[0]);
        let den = rn_sq.add(diff.mul(gain));
        let sn = diff.mul(gain).div(den.sqrt());
        let sn = sn.lt(zero).select(zero, sn);
        // (`gain == 0` of the scalar test is false: clean pixels have a positive gain.)
        let snr = den.le(zero).select(zero, sn);
        let [sa, sb, sc, sd] = snr.lanes();
        let (t0, t1) = (weights.get(power_index(sa), power_index(sb)), weights.get(power_index(sc), power_index(sd)));
        let (mut sumw, mut sumx, mut sumxx, mut sumy, mut sumxy) = (zero, zero, zero, zero, zero);
        for k in 0..ng {
            let weight = V4(t0[k], t1[k]).mul(invrn2);
            let xval = V4::splat(k as f64 + 0.0);
            let y = ys[k];
            let xwt = xval.mul(weight);
            sumw = sumw.add(weight);
            sumx = sumx.add(xwt);
            sumxx = sumxx.add(xval.mul(xwt));
            sumy = sumy.add(y.mul(weight));
            sumxy = sumxy.add(y.mul(xwt));
        }
        let den = sumw.mul(sumxx).sub(sumx.mul(sumx));
        let num = sumw.mul(sumxy).sub(sumx.mul(sumy));
        let invden = one.div(den);
        let seg_slope = num.mul(invden).div(tgroup);
        let num = zero.add(seg_slope.div(var_r));
        let slope = num.mul(var_rnoise);
        acc_p = invvar_p.gt(zero).select(acc_p.add(invvar_p), acc_p);
        acc_r = acc_r.add(invvar_r);
        acc_num = acc_num.add(num);
        let s = slope.lanes();
        for (lane, (p, r)) in px.into_iter().zip(refs).enumerate() {
            let at = i * cube.plane + p;
            rateints.slope[at] = s[lane] as f32;
            rateints.dq[at] = r.dq;
            rateints.var_poisson[at] = vp[lane];
            rateints.var_rnoise[at] = vr[lane];
            rateints.err[at] = ve[lane];
        }
    }
    write_rate(px, refs, 0, acc_p, acc_r, acc_num, rate);
}

/// A pattern of JUMP_DET groups shared by pixels whose only group flags are JUMP_DET (the same
/// in every integration), as the per-pixel core fits it: its segments and the differences that
/// enter the median depend on the flags only, so such pixels go four at a time like clean ones.
pub(crate) struct JumpPattern {
    segs: Vec<Segment>,
    /// `k` of every rate difference `k + 1` minus `k` that the median takes.
    diffs: Vec<usize>,
    /// DQ the integrations add to the pixel's (JUMP_DET unless MIRI trimming cleared the only one).
    dq: u32,
}

impl JumpPattern {
    /// The pattern of the window groups whose bit is set in `mask`, or None where the per-pixel
    /// core takes a branch the lanes do not have (suppressed one-good-group ramps, 0th-group
    /// timing, single-group segments, no segment, no difference for the median).
    pub fn new(mask: u32, c: &Consts) -> Option<Self> {
        let ng = c.ngroups;
        let mut dq: Vec<u8> = (0..ng).map(|k| if mask >> k & 1 == 1 { JUMP_DET as u8 } else { 0 }).collect();
        let mut data = vec![0.0; ng];
        let s = prepare_integration(&mut data, &mut dq, &mut vec![0; ng], None, c, None);
        if s.cnt_dnu_sat != 0 || s.is_0th || s.is_zframe {
            return None;
        }
        let mut segs = Vec::new();
        build_segments(&dq, &mut segs);
        let diffs: Vec<usize> = (0..ng - 1).filter(|&k| dq[k + 1] & JUMP_DET as u8 == 0).collect();
        if segs.is_empty() || segs.iter().any(|s| s.len < 2) || diffs.is_empty() {
            return None;
        }
        Some(JumpPattern { segs, diffs, dq: if s.jump { JUMP_DET } else { 0 } })
    }

    /// Segment lengths of 3 or more groups (they need weights).
    pub fn weighted_lengths(&self) -> impl Iterator<Item = usize> + '_ {
        self.segs.iter().map(|s| s.len).filter(|&n| n >= 3)
    }
}

/// Fits four image pixels (repeats allowed) of one [`JumpPattern`] with their reference values
/// and writes their rateints and rate values: `fit_integration` and `finish_rate` of the
/// per-pixel core, operation for operation, for pixels whose segments are the pattern's.
/// `weights[n]` holds the pair weights of segments of `n` groups.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_pattern_quad(
    cube: &CubeView<'_>,
    px: [usize; 4],
    refs: [&PixelRefs; 4],
    c: &Consts,
    pattern: &JumpPattern,
    weights: &[Option<PairWeights>],
    rate: &mut Products,
    rateints: &mut Products,
) {
    let (ng, nints) = (c.ngroups, cube.nints);
    let at = |off: usize, l: usize| cube.data[off + px[l]] as f64;
    let load = |off: usize| V4(V2::new(at(off, 0), at(off, 1)), V2::new(at(off, 2), at(off, 3)));
    let per_lane = |f: fn(&PixelRefs) -> f64| V4(V2::new(f(refs[0]), f(refs[1])), V2::new(f(refs[2]), f(refs[3])));
    let mut ys = [V4::splat(0.0); MAX_FAST_GROUPS];
    let tgroup = V4::splat(c.tgroup);
    let (zero, one) = (V4::splat(0.0), V4::splat(1.0));
    let load_integration = |i: usize, ys: &mut [V4; MAX_FAST_GROUPS]| {
        let offsets = &cube.plane_offsets[i * ng..(i + 1) * ng];
        for k in 0..ng {
            ys[k] = load(offsets[k]);
        }
    };

    // §5: the median rate over all integrations.
    let mut median_sum = zero;
    for i in 0..nints {
        load_integration(i, &mut ys);
        let mut rates = [zero; MAX_FAST_GROUPS];
        for k in 0..ng {
            rates[k] = ys[k].div(tgroup);
        }
        let mut d = [zero; MAX_FAST_GROUPS];
        for (j, &k) in pattern.diffs.iter().enumerate() {
            d[j] = rates[k + 1].sub(rates[k]);
        }
        median_sum = median_sum.add(sorted_median(&mut d, pattern.diffs.len()));
    }
    let mrate = if nints == 1 { median_sum } else { median_sum.div(V4::splat(nints as f64)) };

    let gain = per_lane(|r| r.gain);
    let rn = per_lane(|r| r.rn);
    let rn_sq = rn.mul(rn);
    let invrn2 = one.div(rn.mul(rn));
    let dcur = per_lane(|r| r.dcurrent);
    let poisson = mrate.gt(zero).select(mrate.add(dcur), dcur);
    let rnum = rn.div(tgroup);
    let rnum = V4::splat(12.0).mul(rnum).mul(rnum);
    // The segments' variances, the same in every integration (fit_segment, then the sums of
    // fit_integration in segment order).
    let mut var_rs = [zero; MAX_FAST_GROUPS];
    let (mut invvar_r, mut invvar_p, mut invvar_e) = (zero, zero, zero);
    for (j, seg) in pattern.segs.iter().enumerate() {
        let (var_p, var_r) = if seg.len == 2 {
            (poisson.div(tgroup.mul(gain)), rnum.div(V4::splat(6.0).mul(gain).mul(gain)))
        } else {
            let seglen = V4::splat(seg.len as f64);
            let rden = seglen.mul(seglen).mul(seglen).sub(seglen).mul(gain).mul(gain);
            (poisson.div(tgroup.mul(gain).mul(seglen.sub(one))), rnum.div(rden))
        };
        let var_e = var_p.add(var_r);
        invvar_r = invvar_r.add(one.div(var_r));
        invvar_p = var_p.gt(zero).select(invvar_p.add(one.div(var_p)), invvar_p);
        invvar_e = invvar_e.add(one.div(var_e));
        var_rs[j] = var_r;
    }
    let threshold = V4::splat(LARGE_VARIANCE_THRESHOLD);
    let mut var_poisson = invvar_p.gt(zero).select(one.div(invvar_p), zero);
    var_poisson = var_poisson.ge(threshold).select(zero, var_poisson);
    let mut var_rnoise = one.div(invvar_r);
    var_rnoise = var_rnoise.ge(threshold).select(zero, var_rnoise);
    let var_err = one.div(invvar_e);
    let err = var_err.gt(threshold).select(zero, var_err.sqrt());
    let [vp, vr, ve] = [var_poisson, var_rnoise, err].map(|v| v.lanes().map(|x| x as f32));

    let (mut acc_p, mut acc_r, mut acc_num) = (zero, zero, zero);
    for i in 0..nints {
        if nints > 1 {
            load_integration(i, &mut ys);
        }
        let mut num = zero;
        for (j, seg) in pattern.segs.iter().enumerate() {
            let ys = &ys[seg.start..seg.start + seg.len];
            let slope = if seg.len == 2 {
                ys[1].sub(ys[0]).div(tgroup)
            } else {
                let n = seg.len;
                let diff = ys[n - 1].sub(ys[0]);
                let den = rn_sq.add(diff.mul(gain));
                let sn = diff.mul(gain).div(den.sqrt());
                let sn = sn.lt(zero).select(zero, sn);
                let snr = den.le(zero).select(zero, sn);
                let [sa, sb, sc, sd] = snr.lanes();
                let table = weights[n].as_ref().expect("pair weights of every weighted segment length");
                let (t0, t1) = (table.get(power_index(sa), power_index(sb)), table.get(power_index(sc), power_index(sd)));
                let (mut sumw, mut sumx, mut sumxx, mut sumy, mut sumxy) = (zero, zero, zero, zero, zero);
                for k in 0..n {
                    let weight = V4(t0[k], t1[k]).mul(invrn2);
                    let xval = V4::splat(k as f64 + seg.start as f64);
                    let y = ys[k];
                    let xwt = xval.mul(weight);
                    sumw = sumw.add(weight);
                    sumx = sumx.add(xwt);
                    sumxx = sumxx.add(xval.mul(xwt));
                    sumy = sumy.add(y.mul(weight));
                    sumxy = sumxy.add(y.mul(xwt));
                }
                let den = sumw.mul(sumxx).sub(sumx.mul(sumx));
                let num = sumw.mul(sumxy).sub(sumx.mul(sumy));
                let invden = one.div(den);
                num.mul(invden).div(tgroup)
            };
            num = num.add(slope.div(var_rs[j]));
        }
        let slope = num.mul(var_rnoise);
        acc_p = invvar_p.gt(zero).select(acc_p.add(invvar_p), acc_p);
        acc_r = acc_r.add(invvar_r);
        acc_num = acc_num.add(num);
        let s = slope.lanes();
        for (lane, (p, r)) in px.into_iter().zip(refs).enumerate() {
            let at = i * cube.plane + p;
            rateints.slope[at] = s[lane] as f32;
            rateints.dq[at] = r.dq | pattern.dq;
            rateints.var_poisson[at] = vp[lane];
            rateints.var_rnoise[at] = vr[lane];
            rateints.err[at] = ve[lane];
        }
    }
    write_rate(px, refs, pattern.dq, acc_p, acc_r, acc_num, rate);
}

/// finish_rate of a pixel with no DO_NOT_USE, SATURATED or CHARGELOSS in any integration.
fn write_rate(px: [usize; 4], refs: [&PixelRefs; 4], dq: u32, acc_p: V4, acc_r: V4, acc_num: V4, rate: &mut Products) {
    let (zero, one) = (V4::splat(0.0), V4::splat(1.0));
    let threshold = V4::splat(LARGE_VARIANCE_THRESHOLD);
    let mut var_p = acc_p.gt(zero).select(one.div(acc_p), acc_p);
    var_p = var_p.ge(threshold).select(zero, var_p);
    var_p = var_p.lt(zero).select(zero, var_p);
    let mut var_r = acc_r.gt(zero).select(one.div(acc_r), acc_r);
    var_r = var_r.ge(threshold).select(zero, var_r);
    let err = var_p.add(var_r).sqrt();
    let slope = acc_num.eq(acc_num).select(acc_num.mul(var_r), acc_num);
    let [s, vp, vr, e] = [slope, var_p, var_r, err].map(|v| v.lanes().map(|x| x as f32));
    for (lane, (p, r)) in px.into_iter().zip(refs).enumerate() {
        rate.slope[p] = s[lane];
        rate.dq[p] = r.dq | dq;
        rate.var_poisson[p] = vp[lane];
        rate.var_rnoise[p] = vr[lane];
        rate.err[p] = e[lane];
    }
}
