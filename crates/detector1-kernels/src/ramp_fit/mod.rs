//! `ramp_fit`, algorithm OLS_C: ramps to slopes (spec/steps/ramp_fitting.md).
//!
//! A reimplementation of stcal's C fitter (`ramp_fitting/src/slope_fitter.c`, stcal 1.20):
//! per pixel and integration, segments between jumps and flagged groups are fitted with
//! Fixsen et al. (2000) optimal weights, segments and integrations are combined with inverse
//! read-noise-variance weights (JP-4318, stcal >= 1.19), and the DQ/NaN/zero conventions of
//! spec/dqflags.md §4 are applied. All per-pixel arithmetic is float64 in stcal's order; the
//! only single-precision operation is `powf` in the weights.
//!
//! Two drivers share the per-pixel core in [`pixel`]:
//! - [`fit`] fits a whole tile `(nints, ngroups, rows, cols)` pixel by pixel, with all
//!   integrations of a pixel in a small local buffer. It is what the wasm tile kernel runs.
//!   Pixels without any group flag take the bit-identical SIMD fast path in [`fast`].
//! - [`RampFitStream`] takes one integration at a time, so memory stays flat in `nints`:
//!   the median rate (§5) is an average over *all* integrations and enters every segment's
//!   Poisson variance (and through it the rateints ERR), so a single pass is impossible. The
//!   stream makes two passes over the integrations (medians, then fits) and carries ~48 bytes
//!   of accumulators per pixel between calls.
//!
//! The exposure-wide decisions of stcal (MIRI group trimming, "no products" when every pixel's
//! first group is saturated, suppress_one_group forced off for NGROUPS = 1, firstgroup/
//! lastgroup validation) belong to the caller; [`Params`] receives their outcome.

mod fast;
pub mod likely;
mod numpy_pow;
pub(crate) mod pixel;

use crate::error::KernelError;
use crate::tile::RampShape;
use pixel::{
    finish_rate, fit_integration, integration_median, integration_median_pair, prepare_integration, Consts, IntFit,
    IntStats, MedianScratch, OptSink, PixelRefs, RateAcc, SegFit, Segment, WeightTables,
};

/// Scalars of one ramp_fit call. Group indices refer to the input cube's group axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// TFRAME in seconds (used as float32, as stcal does).
    pub frame_time: f32,
    /// TGROUP in seconds (float32).
    pub group_time: f32,
    pub nframes: u32,
    pub groupgap: u32,
    /// DRPFRMS1, only for the fitopt pedestal (None in the model = 0).
    pub drop_frames1: u32,
    /// Treat ramps with exactly one usable group as unusable (the caller forces it off when NGROUPS = 1).
    pub suppress_one_group: bool,
    /// Also compute the fitopt arrays.
    pub save_opt: bool,
    /// Groups before this index get DO_NOT_USE (jwst `firstgroup`, already validated; 0 = none).
    pub first_group: usize,
    /// Groups after this index get DO_NOT_USE (jwst `lastgroup`; `usize::MAX` = none).
    pub last_group: usize,
    /// Fitting window `[group_start, group_stop)` after MIRI trimming (default: all groups).
    pub group_start: usize,
    pub group_stop: usize,
    /// MIRI trimming dropped leading groups: clear JUMP_DET in the new first group.
    pub clear_first_jump: bool,
}

impl Params {
    /// Defaults for a ramp with `ngroups` groups: no group selection, suppress_one_group on
    /// (jwst's default) unless there is a single group, no fitopt.
    pub fn new(frame_time: f32, group_time: f32, nframes: u32, groupgap: u32, ngroups: usize) -> Self {
        Params {
            frame_time,
            group_time,
            nframes,
            groupgap,
            drop_frames1: 0,
            suppress_one_group: ngroups > 1,
            save_opt: false,
            first_group: 0,
            last_group: usize::MAX,
            group_start: 0,
            group_stop: ngroups,
            clear_first_jump: false,
        }
    }

    fn validate(&self, shape: &RampShape) -> Result<(), KernelError> {
        let bad = |argument: &'static str, reason: String| Err(KernelError::InvalidParameter { argument, reason });
        for (name, value) in [("frame_time", self.frame_time), ("group_time", self.group_time)] {
            if !(value.is_finite() && value > 0.0) {
                return bad(name, format!("must be a positive number of seconds, got {value}"));
            }
        }
        if self.nframes == 0 {
            return bad("nframes", "must be at least 1".into());
        }
        if self.group_start >= self.group_stop || self.group_stop > shape.ngroups {
            return bad(
                "group_start/group_stop",
                format!(
                    "window [{}, {}) must be non-empty and inside the {} groups",
                    self.group_start, self.group_stop, shape.ngroups
                ),
            );
        }
        Ok(())
    }

    fn consts(&self) -> Consts {
        let tframe = self.frame_time as f64;
        let nframes = self.nframes as f64;
        Consts {
            ngroups: self.group_stop - self.group_start,
            tgroup: self.group_time as f64,
            tframe,
            t1: (nframes + 1.0) * tframe / 2.0,
            ped_tmp: ((self.nframes as f64 + 1.0) / 2.0 + self.drop_frames1 as f64)
                / (self.nframes as f64 + self.groupgap as f64),
            suppress_one_group: self.suppress_one_group,
            clear_first_jump: self.clear_first_jump,
            save_opt: self.save_opt,
        }
    }

    /// `sqrt(2 * nframes)`: the readnoise reference is the CDS noise of single frames.
    fn rn_scale(&self) -> f64 {
        (2.0 * self.nframes as f64).sqrt()
    }
}

/// The ramp and per-pixel reference arrays of one tile.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// SCI `(nints, ngroups, rows, cols)` in DN.
    pub data: &'a [f32],
    /// GROUPDQ, same shape.
    pub groupdq: &'a [u8],
    /// PIXELDQ `(rows, cols)`.
    pub pixeldq: &'a [u32],
    /// GAIN `(rows, cols)` in e/DN, cut to the subarray; NaN or <= 0 flags the pixel.
    pub gain: &'a [f32],
    /// READNOISE `(rows, cols)` in DN (CDS noise), cut to the subarray.
    pub readnoise: &'a [f32],
    /// ZEROFRAME `(nints, rows, cols)`, if the exposure has one (0 = unusable).
    pub zeroframe: Option<&'a [f32]>,
    /// Average dark current `(rows, cols)` as dark_current sets it, added to the median rate as is
    /// (zeros when absent).
    pub average_dark_current: Option<&'a [f32]>,
}

/// Five arrays of a rate-like product: `(rows, cols)` for rate, `(nints, rows, cols)` for rateints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Products {
    pub slope: Vec<f32>,
    pub dq: Vec<u32>,
    pub var_poisson: Vec<f32>,
    pub var_rnoise: Vec<f32>,
    pub err: Vec<f32>,
}

impl Products {
    fn zeros(len: usize) -> Self {
        Products {
            slope: vec![0.0; len],
            dq: vec![0; len],
            var_poisson: vec![0.0; len],
            var_rnoise: vec![0.0; len],
            err: vec![0.0; len],
        }
    }

    fn set(&mut self, at: usize, fit: &IntFit) {
        self.slope[at] = fit.slope as f32;
        self.dq[at] = fit.dq;
        self.var_poisson[at] = fit.var_poisson as f32;
        self.var_rnoise[at] = fit.var_rnoise as f32;
        self.err[at] = fit.err as f32;
    }
}

/// The fitopt (RampFitOutputModel) arrays of a tile. Per-segment arrays are
/// `(nints, max_seg, rows, cols)`, zero beyond each pixel's segment count; `crmag` is
/// `(nints, max_cr, rows, cols)`; `pedestal` is `(nints, rows, cols)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitOpt {
    /// Largest number of segments of any pixel and integration of this tile (may be 0).
    pub max_seg: usize,
    /// Largest number of JUMP_DET groups of any pixel and integration of this tile (may be 0).
    pub max_cr: usize,
    pub slope: Vec<f32>,
    pub sigslope: Vec<f32>,
    pub var_poisson: Vec<f32>,
    pub var_rnoise: Vec<f32>,
    pub yint: Vec<f32>,
    pub sigyint: Vec<f32>,
    pub weights: Vec<f32>,
    pub pedestal: Vec<f32>,
    pub crmag: Vec<f32>,
}

/// Everything [`fit`] produces for a tile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub rate: Products,
    pub rateints: Products,
    pub fitopt: Option<FitOpt>,
    /// LIKELY only: the rate-level chi-square `(rows, cols)` (jwst's `_likely_chisq` product).
    pub chisq: Option<Vec<f32>>,
}

/// Where the `(integration, group)` planes of a tile lie in `Inputs::data` and `groupdq`: plane
/// `k` at `first + k * stride`. A tile's own cube is dense (`stride` = its plane); rows of a
/// larger band of `stride` pixels per plane start at `first`.
#[derive(Debug, Clone, Copy)]
pub struct CubeLayout {
    pub first: usize,
    pub stride: usize,
}

fn validate_inputs(inputs: &Inputs<'_>, shape: &RampShape, params: &Params, layout: CubeLayout) -> Result<(), KernelError> {
    shape.validate()?;
    let plane = shape.plane_len();
    if layout.stride < plane {
        return Err(KernelError::InvalidParameter { argument: "stride", reason: format!("{} is less than the tile's {plane} pixels", layout.stride) });
    }
    let needed = layout.first + (shape.nints * shape.ngroups - 1) * layout.stride + plane;
    for (argument, len) in [("data", inputs.data.len()), ("groupdq", inputs.groupdq.len())] {
        if len < needed {
            return Err(KernelError::ShapeMismatch { argument, expected: needed, actual: len });
        }
    }
    shape.expect_plane("pixeldq", inputs.pixeldq.len())?;
    shape.expect_plane("gain", inputs.gain.len())?;
    shape.expect_plane("readnoise", inputs.readnoise.len())?;
    if let Some(z) = inputs.zeroframe {
        shape.expect_int_planes("zeroframe", z.len())?;
    }
    if let Some(d) = inputs.average_dark_current {
        shape.expect_plane("average_dark_current", d.len())?;
    }
    params.validate(shape)
}

/// Reusable per-pixel buffers of the whole-tile driver, sized once per call.
struct PixelBuffers {
    /// Block of pixels, pixel-major: `[pixel][integration][group]`.
    data: Vec<f64>,
    dq: Vec<u8>,
    orig: Vec<u8>,
    /// `[pixel][integration]` of the block.
    stats: Vec<IntStats>,
    /// Per pixel of the block: reference values and the sum of integration median rates.
    refs: Vec<PixelRefs>,
    median_sum: Vec<f64>,
    segs: Vec<Segment>,
    scratch: MedianScratch,
    scratch2: MedianScratch,
}

/// Collected fitopt values, pixel-major, scattered into arrays once `max_seg` is known.
struct OptCollector {
    seg_counts: Vec<u32>,
    segs: Vec<SegFit>,
    cr_counts: Vec<u32>,
    crs: Vec<f64>,
    pedestal: Vec<f32>,
}

/// Fits every pixel of a tile (OLS_C). See the module docs for what the caller decides.
///
/// Returns rate `(rows, cols)`, rateints `(nints, rows, cols)` and, with `params.save_opt`,
/// the fitopt arrays sized by this tile's own segment and cosmic-ray maxima.
pub fn fit(inputs: &Inputs<'_>, shape: RampShape, params: &Params) -> Result<Output, KernelError> {
    validate_exact(inputs, &shape)?;
    fit_laid_out(inputs, shape, params, CubeLayout { first: 0, stride: shape.plane_len() })
}

/// [`fit`] of rows of a larger band: `inputs.data` and `groupdq` hold the band, whose planes of
/// `layout.stride` pixels hold the tile's at `layout.first` (the other inputs are the tile's).
pub fn fit_rows(inputs: &Inputs<'_>, shape: RampShape, params: &Params, layout: CubeLayout) -> Result<Output, KernelError> {
    fit_laid_out(inputs, shape, params, layout)
}

/// The dense cube's lengths, named as the caller passed them.
fn validate_exact(inputs: &Inputs<'_>, shape: &RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", inputs.data.len())?;
    shape.expect_cube("groupdq", inputs.groupdq.len())
}

fn fit_laid_out(inputs: &Inputs<'_>, shape: RampShape, params: &Params, layout: CubeLayout) -> Result<Output, KernelError> {
    validate_inputs(inputs, &shape, params, layout)?;
    let c = params.consts();
    let (nints, ng, plane) = (shape.nints, c.ngroups, shape.plane_len());
    let rn_scale = params.rn_scale();
    let rate = Products::zeros(plane);
    let rateints = Products::zeros(nints * plane);
    let mut weights = WeightTables::new(ng);
    // Pixels are fitted in blocks of consecutive pixels: the block's ramps are first copied
    // (transposed) into pixel-major buffers with contiguous reads, since gathering one pixel's
    // groups straight from the cube reads one cache line per group and was a fifth of the time.
    let per_px = nints * ng;
    let mut block = (BLOCK_SAMPLES / per_px).clamp(1, 256).min(plane);
    // Long ramps (few pixels per block) are first copied a band of pixels at a time: a block's
    // few pixels are a fraction of a cache line in each of thousands of planes (a TLB miss per
    // plane and block), a band's a run of whole lines that the blocks then read from cache.
    let band = (block < BAND_PIXELS && plane > block).then(|| {
        block = block.next_power_of_two();
        let planes = plane_count(nints, params);
        Band {
            data: vec![0.0; planes * BAND_PIXELS],
            dq: vec![0; planes * BAND_PIXELS],
            offsets: (0..planes).map(|k| k * BAND_PIXELS).collect(),
        }
    });
    let buf = PixelBuffers {
        data: vec![0.0; block * per_px],
        dq: vec![0; block * per_px],
        orig: vec![0; block * per_px],
        stats: vec![IntStats::default(); block * nints],
        refs: Vec::with_capacity(block),
        median_sum: vec![0.0; block],
        segs: Vec::with_capacity(ng),
        scratch: MedianScratch::new(ng),
        scratch2: MedianScratch::new(ng),
    };
    let opt = params.save_opt.then(|| OptCollector {
        seg_counts: vec![0; nints * plane],
        segs: Vec::new(),
        cr_counts: vec![0; nints * plane],
        crs: Vec::new(),
        pedestal: vec![0.0; nints * plane],
    });
    // Offset of (integration, window group) planes in the input cube.
    let plane_offsets: Vec<usize> = (0..nints)
        .flat_map(|i| (params.group_start..params.group_stop).map(move |g| layout.first + (i * shape.ngroups + g) * layout.stride))
        .collect();
    let dnu_group: Vec<u8> = (params.group_start..params.group_stop)
        .map(|g| if g < params.first_group || g > params.last_group { crate::dq::DO_NOT_USE as u8 } else { 0 })
        .collect();

    // Clean pixels (see `fast`) go four at a time straight from the cube, and so do pixels
    // flagged JUMP_DET only, grouped by their pattern of jumps; the others through the
    // per-pixel core.
    let pair_weights = fast::enabled(&c).then(|| fast::PairWeights::new(&mut weights, ng));
    let patterns = pair_weights.is_some().then(PatternBatches::default);
    let mut tile = TileFit {
        inputs,
        c,
        nints,
        plane,
        per_px,
        rn_scale,
        plane_offsets,
        dnu_group,
        pair_weights,
        patterns,
        weights,
        buf,
        flags: vec![0u8; block],
        clean: Vec::with_capacity(block),
        slow: Vec::with_capacity(block),
        opt,
        rate,
        rateints,
        band,
    };
    if tile.band.is_some() {
        for b0 in (0..plane).step_by(BAND_PIXELS) {
            let bw = BAND_PIXELS.min(plane - b0);
            tile.load_band(b0, bw);
            for p0 in (b0..b0 + bw).step_by(block) {
                tile.block(p0, block.min(b0 + bw - p0), p0 - b0);
            }
        }
    } else {
        for p0 in (0..plane).step_by(block) {
            tile.block(p0, block.min(plane - p0), p0);
        }
    }
    tile.fit_patterns();
    let TileFit { opt, rate, rateints, .. } = tile;

    let fitopt = opt.map(|o| scatter_fitopt(o, nints, plane));
    Ok(Output { rate, rateints, fitopt, chisq: None })
}

/// The state of one [`fit`] call, which every block of pixels works on.
struct TileFit<'a, 'b> {
    inputs: &'b Inputs<'a>,
    c: Consts,
    nints: usize,
    plane: usize,
    per_px: usize,
    rn_scale: f64,
    /// Offsets of the `(integration, window group)` planes in the input cube.
    plane_offsets: Vec<usize>,
    /// DO_NOT_USE of the groups outside firstgroup/lastgroup, per window group.
    dnu_group: Vec<u8>,
    pair_weights: Option<fast::PairWeights>,
    /// Pixels flagged JUMP_DET only, by pattern, fitted after the blocks (with the fast path).
    patterns: Option<PatternBatches>,
    weights: WeightTables,
    buf: PixelBuffers,
    flags: Vec<u8>,
    clean: Vec<(usize, PixelRefs)>,
    slow: Vec<usize>,
    opt: Option<OptCollector>,
    rate: Products,
    rateints: Products,
    /// The current band of pixels, for long ramps (None: blocks read the cube).
    band: Option<Band>,
}

/// The window planes of a band of pixels, plane-major (`[window plane][pixel]`, `BAND_PIXELS`
/// wide).
struct Band {
    data: Vec<f32>,
    dq: Vec<u8>,
    /// `k * BAND_PIXELS` for every window plane `k`.
    offsets: Vec<usize>,
}

/// Pixels per band (see `fit`): 64 pixels are 4 cache lines of each plane's data.
const BAND_PIXELS: usize = 64;

/// Number of `(integration, window group)` planes.
fn plane_count(nints: usize, params: &Params) -> usize {
    nints * (params.group_stop - params.group_start)
}

impl TileFit<'_, '_> {
    /// Copies pixels `b0..b0 + bw` of every window plane into the band.
    #[inline(never)]
    fn load_band(&mut self, b0: usize, bw: usize) {
        let band = self.band.as_mut().expect("bands are on");
        let planes = self.plane_offsets.iter().zip(self.dnu_group.iter().cycle());
        let rows = band.data.chunks_exact_mut(BAND_PIXELS).zip(band.dq.chunks_exact_mut(BAND_PIXELS));
        for ((&off, &dnu), (dst, dstq)) in planes.zip(rows) {
            dst[..bw].copy_from_slice(&self.inputs.data[off + b0..off + b0 + bw]);
            // The firstgroup/lastgroup flags are added here already, which also makes this no
            // plain copy (in wasm a memory.copy call per row costs more than the 64 bytes).
            for (d, &q) in dstq[..bw].iter_mut().zip(&self.inputs.groupdq[off + b0..off + b0 + bw]) {
                *d = q | dnu;
            }
        }
    }

    /// Fits pixels `p0..p0 + bn`, which start at pixel `first` of the band if there is one
    /// (else `first == p0`). Not inlined: wasm engines swap in optimized code at function
    /// calls only, so the first large tile of a fresh thread would otherwise run its whole pixel
    /// loop in the baseline tier.
    #[inline(never)]
    fn block(&mut self, p0: usize, bn: usize, first: usize) {
        let (c, nints, plane, per_px, rn_scale) = (self.c, self.nints, self.plane, self.per_px, self.rn_scale);
        let ng = c.ngroups;
        let TileFit {
            inputs,
            plane_offsets,
            dnu_group,
            pair_weights,
            patterns,
            weights,
            buf,
            flags,
            clean,
            slow,
            opt,
            rate,
            rateints,
            band,
            ..
        } = self;
        // Where the block's group values are read: the band, or the cube.
        let (src_data, src_dq, src_offsets) = match band.as_ref() {
            Some(band) => (&band.data[..], &band.dq[..], &band.offsets[..]),
            None => (inputs.data, inputs.groupdq, &plane_offsets[..]),
        };
        let cube = fast::CubeView { data: inputs.data, plane_offsets: &plane_offsets[..], plane, nints };
        let refs_of = |p: usize| {
            let dcur = inputs.average_dark_current.map_or(0.0, |d| d[p]);
            PixelRefs::new(inputs.pixeldq[p], inputs.gain[p], inputs.readnoise[p], dcur, rn_scale)
        };
        clean.clear();
        slow.clear();
        if let Some(pair_weights) = pair_weights.as_ref() {
            let flags = &mut flags[..bn];
            flags.fill(0);
            for (&off, &dnu) in src_offsets.iter().zip(dnu_group.iter().cycle()) {
                let src = &src_data[off + first..off + first + bn];
                let srcq = &src_dq[off + first..off + first + bn];
                for ((f, &d), &q) in flags.iter_mut().zip(src).zip(srcq) {
                    // NaN fails the comparison too.
                    *f |= q | dnu | ((d.abs() < fast::MAX_FAST_VALUE) as u8 ^ 1);
                }
            }
            let patterns = patterns.as_mut().expect("pattern batches go with the fast path");
            for (b, &f) in flags.iter().enumerate() {
                let px = refs_of(p0 + b);
                if f == 0 && fast::refs_clean(&px) {
                    clean.push((p0 + b, px));
                } else if f & !JUMP_DET_U8 == 0 && fast::refs_clean(&px) {
                    match patterns.add(p0 + b, px, inputs.groupdq, plane_offsets, nints, &c, weights) {
                        // Four pixels of a pattern are fitted at once, while their data are still in cache.
                        Some(k) if patterns.pixels[k].len() == 4 => patterns.fit_queued(k, &cube, &c, rate, rateints),
                        Some(_) => {}
                        None => slow.push(b),
                    }
                } else {
                    slow.push(b);
                }
            }
            for quad in clean.chunks(4) {
                // A short last group repeats its last pixel (which writes the same values again).
                let at = |l: usize| &quad[l.min(quad.len() - 1)];
                let (pixels, refs) = ([0, 1, 2, 3].map(|l| at(l).0), [0, 1, 2, 3].map(|l| &at(l).1));
                fast::fit_clean_quad(&cube, pixels, refs, &c, pair_weights, rate, rateints);
            }
        } else {
            slow.extend(0..bn);
        }
        let sn = slow.len();
        if band.is_some() {
            // Long ramps: a few pixels of thousands of band planes, four neighbours at a time
            // where they follow each other, else pixel by pixel (the plane by plane loop below
            // spends more on each plane's slices than on its few pixels).
            let mut j = 0;
            while j < sn {
                let col = first + slow[j];
                let rows = if j + 4 <= sn && slow[j + 3] == slow[j] + 3 { 4 } else { 1 };
                let data = &mut buf.data[j * per_px..(j + rows) * per_px];
                let dq = &mut buf.dq[j * per_px..(j + rows) * per_px];
                let planes = src_offsets.iter().zip(dnu_group.iter().cycle());
                if rows == 4 {
                    gather_four(data, dq, per_px, planes, &src_data[col..], &src_dq[col..]);
                } else {
                    for ((d, q), (&off, &dnu)) in data.iter_mut().zip(dq.iter_mut()).zip(planes) {
                        *d = src_data[off + col] as f64;
                        *q = src_dq[off + col] | dnu;
                    }
                }
                j += rows;
            }
        } else {
            for (k, (&off, &dnu)) in src_offsets.iter().zip(dnu_group.iter().cycle()).enumerate() {
                let src = &src_data[off + first..off + first + bn];
                let srcq = &src_dq[off + first..off + first + bn];
                for (j, &b) in slow.iter().enumerate() {
                    let at = j * per_px + k;
                    let q = srcq[b] | dnu;
                    buf.data[at] = src[b] as f64;
                    buf.dq[at] = q;
                }
            }
        }
        // 1. Prepare every integration of the block's other pixels (§4).
        buf.refs.clear();
        for (j, &b) in slow.iter().enumerate() {
            let p = p0 + b;
            buf.refs.push(refs_of(p));
            for i in 0..nints {
                let r = j * per_px + i * ng..j * per_px + (i + 1) * ng;
                let zf = inputs.zeroframe.map(|z| z[i * plane + p]);
                let o = opt.as_mut();
                let crs_before = o.as_ref().map_or(0, |o| o.crs.len());
                let s = prepare_integration(
                    &mut buf.data[r.clone()],
                    &mut buf.dq[r.clone()],
                    &mut buf.orig[r],
                    zf,
                    &c,
                    o.map(|o| &mut o.crs),
                );
                if let Some(o) = opt.as_mut() {
                    o.cr_counts[i * plane + p] = (o.crs.len() - crs_before) as u32;
                }
                buf.stats[j * nints + i] = s;
            }
        }
        // 2. Median rates (§5), two pixels at a time where their differences line up.
        median_sums(buf, sn, nints, &c);
        // 3. Fit and combine (§6-§11).
        for (j, &b) in slow.iter().enumerate() {
            fit_prepared_pixel(p0 + b, j, nints, &c, plane, buf, weights, opt.as_mut(), rate, rateints);
        }
    }
}

impl TileFit<'_, '_> {
    /// Fits the JUMP_DET-only pixels still queued (fewer than four of a pattern).
    #[inline(never)]
    fn fit_patterns(&mut self) {
        let Some(mut batches) = self.patterns.take() else { return };
        let cube = fast::CubeView { data: self.inputs.data, plane_offsets: &self.plane_offsets[..], plane: self.plane, nints: self.nints };
        for k in 0..batches.pixels.len() {
            if !batches.pixels[k].is_empty() {
                batches.fit_queued(k, &cube, &self.c, &mut self.rate, &mut self.rateints);
            }
        }
    }
}

/// Hashes a pattern's bits with one multiplication (SipHash cost more than a pattern's fit).
#[derive(Default)]
struct MaskHasher(u64);

impl std::hash::Hasher for MaskHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.0 = (x as u64 ^ 0x5bd1_e995).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

const JUMP_DET_U8: u8 = crate::dq::JUMP_DET as u8;

/// Pixels whose only group flags are JUMP_DET, the same in every integration, queued by pattern
/// (a bit per window group) for [`fast::fit_pattern_quad`].
#[derive(Default)]
struct PatternBatches {
    /// Pattern bits -> index in `patterns`.
    index: std::collections::HashMap<u32, usize, std::hash::BuildHasherDefault<MaskHasher>>,
    /// None where the per-pixel core must fit the pattern.
    patterns: Vec<Option<fast::JumpPattern>>,
    pixels: Vec<Vec<(usize, PixelRefs)>>,
    /// Pair weights by segment length.
    weights: Vec<Option<fast::PairWeights>>,
}

impl PatternBatches {
    /// Fits and empties the queue of pattern `k` (up to four pixels; a short queue repeats its
    /// last pixel, which writes the same values again).
    fn fit_queued(&mut self, k: usize, cube: &fast::CubeView<'_>, c: &Consts, rate: &mut Products, rateints: &mut Products) {
        let queue = &self.pixels[k];
        let pattern = self.patterns[k].as_ref().expect("only fittable patterns have queued pixels");
        let at = |l: usize| &queue[l.min(queue.len() - 1)];
        let (pixels, refs) = ([0, 1, 2, 3].map(|l| at(l).0), [0, 1, 2, 3].map(|l| &at(l).1));
        fast::fit_pattern_quad(cube, pixels, refs, c, pattern, &self.weights, rate, rateints);
        self.pixels[k].clear();
    }

    /// Queues image pixel `p` (known to have JUMP_DET as its only group flag) with its pattern
    /// and returns the pattern's index; None when its integrations differ or the pattern needs
    /// the per-pixel core.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        p: usize,
        px: PixelRefs,
        groupdq: &[u8],
        plane_offsets: &[usize],
        nints: usize,
        c: &Consts,
        weight_tables: &mut WeightTables,
    ) -> Option<usize> {
        let ng = c.ngroups;
        let mask_of = |i: usize| {
            plane_offsets[i * ng..(i + 1) * ng]
                .iter()
                .enumerate()
                .fold(0u32, |m, (k, &off)| m | (((groupdq[off + p] & JUMP_DET_U8 != 0) as u32) << k))
        };
        let mask = mask_of(0);
        if (1..nints).any(|i| mask_of(i) != mask) {
            return None;
        }
        let k = match self.index.get(&mask) {
            Some(&k) => k,
            None => {
                let pattern = fast::JumpPattern::new(mask, c);
                if let Some(pattern) = &pattern {
                    for n in pattern.weighted_lengths() {
                        if self.weights.len() <= n {
                            self.weights.resize_with(n + 1, || None);
                        }
                        if self.weights[n].is_none() {
                            self.weights[n] = Some(fast::PairWeights::new(weight_tables, n));
                        }
                    }
                }
                self.patterns.push(pattern);
                self.pixels.push(Vec::new());
                self.index.insert(mask, self.patterns.len() - 1);
                self.patterns.len() - 1
            }
        };
        self.patterns[k].as_ref()?;
        self.pixels[k].push((p, px));
        Some(k)
    }
}

/// Copies four neighbouring pixels' samples (values and DQ from `src`/`srcq` at each plane's
/// offset and the three after) into four pixel rows of `per_px` samples of `data`/`dq`.
#[inline(always)]
fn gather_four<'a>(
    data: &mut [f64],
    dq: &mut [u8],
    per_px: usize,
    planes: impl Iterator<Item = (&'a usize, &'a u8)>,
    src: &[f32],
    srcq: &[u8],
) {
    let (d01, d23) = data.split_at_mut(2 * per_px);
    let ((d0, d1), (d2, d3)) = (d01.split_at_mut(per_px), d23.split_at_mut(per_px));
    let (q01, q23) = dq.split_at_mut(2 * per_px);
    let ((q0, q1), (q2, q3)) = (q01.split_at_mut(per_px), q23.split_at_mut(per_px));
    for (k, (&off, &dnu)) in planes.enumerate().take(per_px) {
        let v: &[f32; 4] = src[off..off + 4].try_into().expect("four values");
        let q: &[u8; 4] = srcq[off..off + 4].try_into().expect("four flags");
        d0[k] = v[0] as f64;
        d1[k] = v[1] as f64;
        d2[k] = v[2] as f64;
        d3[k] = v[3] as f64;
        q0[k] = q[0] | dnu;
        q1[k] = q[1] | dnu;
        q2[k] = q[2] | dnu;
        q3[k] = q[3] | dnu;
    }
}

/// Samples per block of pixels (one pixel has nints * ngroups): ~144 KB of buffers, L2-resident.
const BLOCK_SAMPLES: usize = 16 * 1024;

/// Sums each block pixel's integration median rates, in integration order.
fn median_sums(buf: &mut PixelBuffers, bn: usize, nints: usize, c: &Consts) {
    let ng = c.ngroups;
    let per_px = nints * ng;
    let lane = |b: usize, i: usize| (b * per_px + i * ng..b * per_px + (i + 1) * ng, b * nints + i);
    for b in 0..bn {
        buf.median_sum[b] = 0.0;
    }
    if ng == 1 {
        for b in 0..bn {
            for i in 0..nints {
                buf.median_sum[b] += buf.data[b * per_px + i] / c.t1;
            }
        }
        return;
    }
    let mut b = 0;
    while b < bn {
        if b + 1 < bn {
            for i in 0..nints {
                let ((ra, sa), (rb, sb)) = (lane(b, i), lane(b + 1, i));
                let (ma, mb) = integration_median_pair(
                    (&buf.data[ra.clone()], &buf.dq[ra], &buf.stats[sa]),
                    (&buf.data[rb.clone()], &buf.dq[rb], &buf.stats[sb]),
                    c,
                    &mut buf.scratch,
                    &mut buf.scratch2,
                );
                buf.median_sum[b] += ma;
                buf.median_sum[b + 1] += mb;
            }
            b += 2;
        } else {
            for i in 0..nints {
                let (r, si) = lane(b, i);
                let m = integration_median(&buf.data[r.clone()], &buf.dq[r], &buf.stats[si], c, &mut buf.scratch);
                buf.median_sum[b] += m;
            }
            b += 1;
        }
    }
}

/// Fits block pixel `b` (image pixel `p`), prepared and with its median sum, and writes its
/// rateints, rate and fitopt values.
#[allow(clippy::too_many_arguments)]
fn fit_prepared_pixel(
    p: usize,
    b: usize,
    nints: usize,
    c: &Consts,
    plane: usize,
    buf: &mut PixelBuffers,
    weights: &mut WeightTables,
    mut opt: Option<&mut OptCollector>,
    rate: &mut Products,
    rateints: &mut Products,
) {
    let ng = c.ngroups;
    let base = b * nints * ng;
    let px = buf.refs[b];
    let mrate = buf.median_sum[b] / nints as f64;
    let mut acc = RateAcc { dq: px.dq, ..RateAcc::default() };
    for i in 0..nints {
        let r = base + i * ng..base + (i + 1) * ng;
        let mut sink = opt.as_deref_mut().map(|o| OptSink { segments: &mut o.segs, pedestal: 0.0 });
        let before = sink.as_ref().map_or(0, |s| s.segments.len());
        let fit = fit_integration(
            &buf.data[r.clone()],
            &buf.dq[r.clone()],
            &mut buf.orig[r],
            &buf.stats[b * nints + i],
            &px,
            mrate,
            c,
            &mut acc,
            &mut buf.segs,
            weights,
            sink.as_mut(),
        );
        if let Some(sink) = sink {
            let count = sink.segments.len() - before;
            let pedestal = sink.pedestal;
            if let Some(o) = opt.as_deref_mut() {
                o.seg_counts[i * plane + p] = count as u32;
                o.pedestal[i * plane + p] = pedestal as f32;
            }
        }
        rateints.set(i * plane + p, &fit);
    }
    rate.set(p, &finish_rate(&acc, nints));
}

/// Places the pixel-major fitopt records into `(nints, max, rows, cols)` arrays, zero-padded as
/// stcal's `save_opt_res` leaves them.
fn scatter_fitopt(o: OptCollector, nints: usize, plane: usize) -> FitOpt {
    let max_seg = o.seg_counts.iter().copied().max().unwrap_or(0) as usize;
    let max_cr = o.cr_counts.iter().copied().max().unwrap_or(0) as usize;
    let seg_len = nints * max_seg * plane;
    let mut f = FitOpt {
        max_seg,
        max_cr,
        slope: vec![0.0; seg_len],
        sigslope: vec![0.0; seg_len],
        var_poisson: vec![0.0; seg_len],
        var_rnoise: vec![0.0; seg_len],
        yint: vec![0.0; seg_len],
        sigyint: vec![0.0; seg_len],
        weights: vec![0.0; seg_len],
        pedestal: o.pedestal,
        crmag: vec![0.0; nints * max_cr * plane],
    };
    let (mut next_seg, mut next_cr) = (0usize, 0usize);
    // Records were appended pixel by pixel, integrations in order within a pixel.
    for p in 0..plane {
        for i in 0..nints {
            for j in 0..o.seg_counts[i * plane + p] as usize {
                let s = &o.segs[next_seg];
                next_seg += 1;
                let at = (i * max_seg + j) * plane + p;
                f.slope[at] = s.slope as f32;
                f.sigslope[at] = s.sigslope as f32;
                f.var_poisson[at] = s.var_p as f32;
                f.var_rnoise[at] = s.var_r as f32;
                f.yint[at] = s.yint as f32;
                f.sigyint[at] = s.sigyint as f32;
                f.weights[at] = s.weight as f32;
            }
            for j in 0..o.cr_counts[i * plane + p] as usize {
                f.crmag[(i * max_cr + j) * plane + p] = o.crs[next_cr] as f32;
                next_cr += 1;
            }
        }
    }
    f
}

/// Per-pixel state a [`RampFitStream`] carries between integrations.
#[derive(Debug, Clone, Copy, Default)]
struct StreamPixel {
    median_sum: f64,
    acc: RateAcc,
}

/// Which pass a [`RampFitStream`] expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamPhase {
    Medians,
    Fits,
    Done,
}

/// OLS_C one integration at a time, in two passes, with memory flat in `nints`.
///
/// 1. [`add_median`](Self::add_median) for every integration in order,
/// 2. [`fit_integration`](Self::fit_integration) for every integration in order (returns the
///    rateints planes of that integration),
/// 3. [`finish`](Self::finish) returns the rate product.
///
/// Results equal [`fit`]'s bit for bit (fitopt is not available here). `shape` describes the
/// whole exposure tile; each call takes one integration `(ngroups, rows, cols)` and that
/// integration's ZEROFRAME plane, if any.
pub struct RampFitStream {
    shape: RampShape,
    params: Params,
    consts: Consts,
    rn_scale: f64,
    pixeldq: Vec<u32>,
    gain: Vec<f32>,
    readnoise: Vec<f32>,
    dark: Option<Vec<f32>>,
    pixels: Vec<StreamPixel>,
    phase: StreamPhase,
    next_int: usize,
    weights: WeightTables,
}

impl RampFitStream {
    pub fn new(
        shape: RampShape,
        params: Params,
        pixeldq: &[u32],
        gain: &[f32],
        readnoise: &[f32],
        average_dark_current: Option<&[f32]>,
    ) -> Result<Self, KernelError> {
        shape.validate()?;
        shape.expect_plane("pixeldq", pixeldq.len())?;
        shape.expect_plane("gain", gain.len())?;
        shape.expect_plane("readnoise", readnoise.len())?;
        if let Some(d) = average_dark_current {
            shape.expect_plane("average_dark_current", d.len())?;
        }
        if params.save_opt {
            return Err(KernelError::InvalidParameter {
                argument: "save_opt",
                reason: "fitopt arrays need the whole tile: use ramp_fit::fit".into(),
            });
        }
        params.validate(&shape)?;
        let consts = params.consts();
        Ok(RampFitStream {
            rn_scale: params.rn_scale(),
            weights: WeightTables::new(consts.ngroups),
            consts,
            pixeldq: pixeldq.to_vec(),
            gain: gain.to_vec(),
            readnoise: readnoise.to_vec(),
            dark: average_dark_current.map(<[f32]>::to_vec),
            pixels: vec![StreamPixel::default(); shape.plane_len()],
            phase: StreamPhase::Medians,
            next_int: 0,
            shape,
            params,
        })
    }

    fn check_integration(
        &self,
        phase: StreamPhase,
        integration: usize,
        data: &[f32],
        groupdq: &[u8],
        zeroframe: Option<&[f32]>,
    ) -> Result<(), KernelError> {
        let expected = match self.phase {
            StreamPhase::Medians => "add_median",
            StreamPhase::Fits => "fit_integration",
            StreamPhase::Done => "nothing (finished)",
        };
        if self.phase != phase || integration != self.next_int {
            return Err(KernelError::InvalidParameter {
                argument: "integration",
                reason: format!("expected {expected} for integration {}, got integration {integration}", self.next_int),
            });
        }
        let one = RampShape { nints: 1, ..self.shape };
        one.expect_cube("data", data.len())?;
        one.expect_cube("groupdq", groupdq.len())?;
        if let Some(z) = zeroframe {
            one.expect_plane("zeroframe", z.len())?;
        }
        Ok(())
    }

    /// Gathers pixel `p` of one integration into `data`/`dq`.
    fn gather(&self, p: usize, data_in: &[f32], dq_in: &[u8], data: &mut [f64], dq: &mut [u8]) {
        let plane = self.shape.plane_len();
        for (k, g) in (self.params.group_start..self.params.group_stop).enumerate() {
            let mut q = dq_in[g * plane + p];
            if g < self.params.first_group || g > self.params.last_group {
                q |= crate::dq::DO_NOT_USE as u8;
            }
            dq[k] = q;
            data[k] = data_in[g * plane + p] as f64;
        }
    }

    fn refs(&self, p: usize) -> PixelRefs {
        let dcur = self.dark.as_ref().map_or(0.0, |d| d[p]);
        PixelRefs::new(self.pixeldq[p], self.gain[p], self.readnoise[p], dcur, self.rn_scale)
    }

    /// Pass 1: adds integration `integration`'s median rate of every pixel.
    pub fn add_median(
        &mut self,
        integration: usize,
        data: &[f32],
        groupdq: &[u8],
        zeroframe: Option<&[f32]>,
    ) -> Result<(), KernelError> {
        self.check_integration(StreamPhase::Medians, integration, data, groupdq, zeroframe)?;
        let ng = self.consts.ngroups;
        let (mut d, mut q, mut o) = (vec![0.0; ng], vec![0u8; ng], vec![0u8; ng]);
        let mut scratch = MedianScratch::new(ng);
        for p in 0..self.shape.plane_len() {
            self.gather(p, data, groupdq, &mut d, &mut q);
            let s = prepare_integration(&mut d, &mut q, &mut o, zeroframe.map(|z| z[p]), &self.consts, None);
            self.pixels[p].median_sum += if ng == 1 {
                d[0] / self.consts.t1
            } else {
                integration_median(&d, &q, &s, &self.consts, &mut scratch)
            };
        }
        self.next_int += 1;
        if self.next_int == self.shape.nints {
            self.phase = StreamPhase::Fits;
            self.next_int = 0;
        }
        Ok(())
    }

    /// Pass 2: fits integration `integration` and returns its rateints planes `(rows, cols)`.
    pub fn fit_integration(
        &mut self,
        integration: usize,
        data: &[f32],
        groupdq: &[u8],
        zeroframe: Option<&[f32]>,
    ) -> Result<Products, KernelError> {
        self.check_integration(StreamPhase::Fits, integration, data, groupdq, zeroframe)?;
        let ng = self.consts.ngroups;
        let plane = self.shape.plane_len();
        let (mut d, mut q, mut o) = (vec![0.0; ng], vec![0u8; ng], vec![0u8; ng]);
        let mut segs = Vec::with_capacity(ng);
        let mut out = Products::zeros(plane);
        let nints = self.shape.nints as f64;
        let mut weights = std::mem::replace(&mut self.weights, WeightTables::new(0));
        for p in 0..plane {
            self.gather(p, data, groupdq, &mut d, &mut q);
            let px = self.refs(p);
            let s = prepare_integration(&mut d, &mut q, &mut o, zeroframe.map(|z| z[p]), &self.consts, None);
            let state = &mut self.pixels[p];
            if integration == 0 {
                state.acc = RateAcc { dq: px.dq, ..RateAcc::default() };
            }
            let mrate = state.median_sum / nints;
            let fit = fit_integration(
                &d,
                &q,
                &mut o,
                &s,
                &px,
                mrate,
                &self.consts,
                &mut state.acc,
                &mut segs,
                &mut weights,
                None,
            );
            out.set(p, &fit);
        }
        self.weights = weights;
        self.next_int += 1;
        if self.next_int == self.shape.nints {
            self.phase = StreamPhase::Done;
        }
        Ok(out)
    }

    /// The rate product `(rows, cols)`, once every integration went through both passes.
    pub fn finish(&self) -> Result<Products, KernelError> {
        if self.phase != StreamPhase::Done {
            return Err(KernelError::InvalidParameter {
                argument: "integration",
                reason: format!("finish called before every integration was fitted (next: {})", self.next_int),
            });
        }
        let mut rate = Products::zeros(self.shape.plane_len());
        for (p, state) in self.pixels.iter().enumerate() {
            rate.set(p, &finish_rate(&state.acc, self.shape.nints));
        }
        Ok(rate)
    }
}
