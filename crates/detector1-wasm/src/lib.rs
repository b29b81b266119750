//! wasm-bindgen layer over `detector1-kernels`: typed arrays in, typed arrays out, no math.
//!
//! Errors cross as a JS `Error` whose message starts with `[code]` (see
//! `KernelError::code`); `ts/kernels` turns the code into an `Error` subclass. Slices are
//! copied into wasm memory once per call and `&mut` slices are copied back by the glue.

use detector1_kernels::{dq, dq_init, superbias, KernelError, RampShape};
use wasm_bindgen::prelude::*;

fn to_js(err: KernelError) -> JsError {
    JsError::new(&format!("[{}] {}", err.code(), err))
}

/// `superbias` on one tile. `zeroframe` may be empty (no ZEROFRAME in the exposure).
#[wasm_bindgen(js_name = applySuperbias)]
#[allow(clippy::too_many_arguments)]
pub fn apply_superbias(
    data: &mut [f32],
    zeroframe: &mut [f32],
    pixeldq: &mut [u32],
    bias: &[f32],
    bias_dq: &[u32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let shape = RampShape::new(nints, ngroups, rows, cols);
    superbias::apply(data, zeroframe, pixeldq, bias, bias_dq, shape).map_err(to_js)
}

/// `dq_init` on one tile: mask into PIXELDQ, its DO_NOT_USE into every group.
#[wasm_bindgen(js_name = applyDqInit)]
pub fn apply_dq_init(
    pixeldq: &mut [u32],
    groupdq: &mut [u8],
    mask: &[u32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    dq_init::apply(pixeldq, groupdq, mask, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

/// Names of the pixel DQ flags as the kernels know them, in bit order.
#[wasm_bindgen(js_name = applyLinearity)]
#[allow(clippy::too_many_arguments)]
pub fn apply_linearity(
    data: &mut [f32],
    zeroframe: &mut [f32],
    pixeldq: &mut [u32],
    groupdq: &[u8],
    coeffs: &[f32],
    inv_coeffs: &[f32],
    lin_dq: &[u32],
    ncoeffs: usize,
    nframes: usize,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let coeffs = detector1_kernels::linearity::Coeffs { values: coeffs, ncoeffs };
    // Both stacks are padded to `ncoeffs` planes by the caller; empty = no read-level path.
    let inv = (!inv_coeffs.is_empty()).then_some(detector1_kernels::linearity::Coeffs { values: inv_coeffs, ncoeffs });
    let shape = RampShape::new(nints, ngroups, rows, cols);
    detector1_kernels::linearity::apply(data, zeroframe, pixeldq, groupdq, coeffs, inv, lin_dq, nframes, shape).map_err(to_js)
}

/// `layout` = [planes, dark_ints, virtual_planes, direct (0/1), nframes, groupgap]; `int_map`
/// has one dark integration per science integration, -1 for none.
#[wasm_bindgen(js_name = applyDarkCurrent)]
#[allow(clippy::too_many_arguments)]
pub fn apply_dark_current(
    data: &mut [f32],
    pixeldq: &mut [u32],
    frames: &[f32],
    dark_dq: &[u32],
    layout: &[u32],
    int_map: &[i32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let &[planes, dark_ints, virtual_planes, direct, nframes, groupgap] = layout else {
        return Err(JsError::new("[invalid_parameter] dark_current: `layout` needs 6 values"));
    };
    let params = detector1_kernels::dark_current::Params {
        planes: planes as usize,
        dark_ints: dark_ints as usize,
        virtual_planes: virtual_planes as usize,
        direct: direct != 0,
        nframes: nframes as usize,
        groupgap: groupgap as usize,
        int_map: int_map.iter().map(|&d| usize::try_from(d).ok()).collect(),
    };
    let shape = RampShape::new(nints, ngroups, rows, cols);
    detector1_kernels::dark_current::apply(data, pixeldq, frames, dark_dq, &params, shape).map_err(to_js)
}

#[wasm_bindgen(js_name = applyGroupScale)]
pub fn apply_group_scale(data: &mut [f32], scale: f32, nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<(), JsError> {
    detector1_kernels::group_scale::apply(data, scale, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

#[wasm_bindgen(js_name = applyGainScale)]
#[allow(clippy::too_many_arguments)]
pub fn apply_gain_scale(
    data: &mut [f32],
    err: &mut [f32],
    var_poisson: &mut [f32],
    var_rnoise: &mut [f32],
    factor: f32,
    factor_sq: f32,
    nints: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let shape = RampShape::new(nints, 1, rows, cols);
    detector1_kernels::gain_scale::apply(data, err, var_poisson, var_rnoise, factor, factor_sq, shape).map_err(to_js)
}

#[wasm_bindgen(js_name = pixelFlagNames)]
pub fn pixel_flag_names() -> Vec<String> {
    dq::PIXEL_FLAGS.iter().map(|(name, _)| name.to_string()).collect()
}

/// Values of the pixel DQ flags, parallel to `pixelFlagNames()`.
#[wasm_bindgen(js_name = pixelFlagValues)]
pub fn pixel_flag_values() -> Vec<u32> {
    dq::PIXEL_FLAGS.iter().map(|(_, value)| *value).collect()
}

/// Names of the flags that are valid in GROUPDQ.
#[wasm_bindgen(js_name = groupFlagNames)]
pub fn group_flag_names() -> Vec<String> {
    dq::GROUP_FLAG_NAMES.iter().map(|name| name.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// ramp_fit (OLS_C)

use detector1_kernels::ramp_fit;

/// Results of `rampFitTile`, owned by wasm memory until taken. Call `free()` when done.
#[wasm_bindgen]
pub struct RampFitTileOutput {
    inner: ramp_fit::Output,
}

#[wasm_bindgen]
impl RampFitTileOutput {
    /// Moves a float32 array out: `rate.slope|var_poisson|var_rnoise|err`,
    /// `rateints.<same>`, `chisq` (LIKELY), or `fitopt.slope|sigslope|var_poisson|var_rnoise|yint|sigyint|weights|pedestal|crmag`.
    #[wasm_bindgen(js_name = takeF32)]
    pub fn take_f32(&mut self, name: &str) -> Result<Vec<f32>, JsError> {
        let o = &mut self.inner;
        let slot = match name {
            "rate.slope" => &mut o.rate.slope,
            "rate.var_poisson" => &mut o.rate.var_poisson,
            "rate.var_rnoise" => &mut o.rate.var_rnoise,
            "rate.err" => &mut o.rate.err,
            "rateints.slope" => &mut o.rateints.slope,
            "rateints.var_poisson" => &mut o.rateints.var_poisson,
            "rateints.var_rnoise" => &mut o.rateints.var_rnoise,
            "rateints.err" => &mut o.rateints.err,
            "chisq" => o.chisq.as_mut().ok_or_else(|| JsError::new("[invalid_parameter] no `chisq`: only LIKELY has it"))?,
            _ => {
                let f = o.fitopt.as_mut().ok_or_else(|| JsError::new(&format!("[invalid_parameter] no fitopt array `{name}`: save_opt was off")))?;
                match name {
                    "fitopt.slope" => &mut f.slope,
                    "fitopt.sigslope" => &mut f.sigslope,
                    "fitopt.var_poisson" => &mut f.var_poisson,
                    "fitopt.var_rnoise" => &mut f.var_rnoise,
                    "fitopt.yint" => &mut f.yint,
                    "fitopt.sigyint" => &mut f.sigyint,
                    "fitopt.weights" => &mut f.weights,
                    "fitopt.pedestal" => &mut f.pedestal,
                    "fitopt.crmag" => &mut f.crmag,
                    _ => return Err(JsError::new(&format!("[invalid_parameter] unknown ramp_fit output `{name}`"))),
                }
            }
        };
        Ok(std::mem::take(slot))
    }

    /// Moves a DQ array out: `rate.dq` or `rateints.dq`.
    #[wasm_bindgen(js_name = takeDq)]
    pub fn take_dq(&mut self, name: &str) -> Result<Vec<u32>, JsError> {
        match name {
            "rate.dq" => Ok(std::mem::take(&mut self.inner.rate.dq)),
            "rateints.dq" => Ok(std::mem::take(&mut self.inner.rateints.dq)),
            _ => Err(JsError::new(&format!("[invalid_parameter] unknown ramp_fit DQ output `{name}`"))),
        }
    }

    /// Segments per integration in the fitopt arrays of this tile (0 without save_opt).
    #[wasm_bindgen(getter, js_name = maxSeg)]
    pub fn max_seg(&self) -> usize {
        self.inner.fitopt.as_ref().map_or(0, |f| f.max_seg)
    }

    /// Cosmic rays per integration in fitopt `crmag` of this tile (0 without save_opt).
    #[wasm_bindgen(getter, js_name = maxCr)]
    pub fn max_cr(&self) -> usize {
        self.inner.fitopt.as_ref().map_or(0, |f| f.max_cr)
    }
}

/// Ramp fitting (OLS_C) of one tile. `zeroframe` and `dark` may be empty (absent).
/// `times` = [frame_time, group_time] (float32 seconds); `ints` = [nframes, groupgap,
/// drop_frames1, first_group, last_group, group_start, group_stop]; `flags` = bit 0
/// suppress_one_group, bit 1 save_opt, bit 2 clear_first_jump. `last_group` may be any
/// value >= ngroups for "none".
#[wasm_bindgen(js_name = rampFitTile)]
#[allow(clippy::too_many_arguments)]
pub fn ramp_fit_tile(
    data: &[f32],
    groupdq: &[u8],
    pixeldq: &[u32],
    gain: &[f32],
    readnoise: &[f32],
    zeroframe: &[f32],
    dark: &[f32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    times: &[f32],
    ints: &[u32],
    flags: u32,
) -> Result<RampFitTileOutput, JsError> {
    let params = ramp_fit_params(times, ints, flags)?;
    let inputs = ramp_fit::Inputs {
        data,
        groupdq,
        pixeldq,
        gain,
        readnoise,
        zeroframe: (!zeroframe.is_empty()).then_some(zeroframe),
        average_dark_current: (!dark.is_empty()).then_some(dark),
    };
    let inner = ramp_fit::fit(&inputs, RampShape::new(nints, ngroups, rows, cols), &params).map_err(to_js)?;
    Ok(RampFitTileOutput { inner })
}

fn ramp_fit_params(times: &[f32], ints: &[u32], flags: u32) -> Result<ramp_fit::Params, JsError> {
    let (&[frame_time, group_time], &[nframes, groupgap, drop_frames1, first_group, last_group, group_start, group_stop]) =
        (times, ints)
    else {
        return Err(JsError::new("[invalid_parameter] ramp_fit: `times` needs 2 values and `ints` 7"));
    };
    Ok(ramp_fit::Params {
        frame_time,
        group_time,
        nframes,
        groupgap,
        drop_frames1,
        suppress_one_group: flags & 1 != 0,
        save_opt: flags & 2 != 0,
        first_group: first_group as usize,
        last_group: last_group as usize,
        group_start: group_start as usize,
        group_stop: group_stop as usize,
        clear_first_jump: flags & 4 != 0,
    })
}

/// OLS_C one integration at a time (memory flat in NINTS): `addMedian(i, ...)` for every
/// integration, then `fitIntegration(i, ...)` for every integration (rateints planes of i),
/// then `finish()` (rate). Parameters as `rampFitTile`; `dark` may be empty. Call `free()`.
#[wasm_bindgen]
pub struct RampFitStream {
    inner: ramp_fit::RampFitStream,
}

#[wasm_bindgen]
impl RampFitStream {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pixeldq: &[u32],
        gain: &[f32],
        readnoise: &[f32],
        dark: &[f32],
        nints: usize,
        ngroups: usize,
        rows: usize,
        cols: usize,
        times: &[f32],
        ints: &[u32],
        flags: u32,
    ) -> Result<RampFitStream, JsError> {
        let params = ramp_fit_params(times, ints, flags)?;
        let dark = (!dark.is_empty()).then_some(dark);
        let inner = ramp_fit::RampFitStream::new(RampShape::new(nints, ngroups, rows, cols), params, pixeldq, gain, readnoise, dark)
            .map_err(to_js)?;
        Ok(RampFitStream { inner })
    }

    /// Pass 1 for integration `integration`: data and groupdq `(ngroups, rows, cols)`, zeroframe `(rows, cols)` or empty.
    #[wasm_bindgen(js_name = addMedian)]
    pub fn add_median(&mut self, integration: usize, data: &[f32], groupdq: &[u8], zeroframe: &[f32]) -> Result<(), JsError> {
        let zf = (!zeroframe.is_empty()).then_some(zeroframe);
        self.inner.add_median(integration, data, groupdq, zf).map_err(to_js)
    }

    /// Pass 2 for integration `integration`; its rateints planes are taken from the result
    /// (`rateints.*` names of `RampFitTileOutput`).
    #[wasm_bindgen(js_name = fitIntegration)]
    pub fn fit_integration(
        &mut self,
        integration: usize,
        data: &[f32],
        groupdq: &[u8],
        zeroframe: &[f32],
    ) -> Result<RampFitTileOutput, JsError> {
        let zf = (!zeroframe.is_empty()).then_some(zeroframe);
        let rateints = self.inner.fit_integration(integration, data, groupdq, zf).map_err(to_js)?;
        Ok(RampFitTileOutput { inner: ramp_fit::Output { rateints, ..Default::default() } })
    }

    /// The rate product once every integration went through both passes (`rate.*` names).
    pub fn finish(&self) -> Result<RampFitTileOutput, JsError> {
        let rate = self.inner.finish().map_err(to_js)?;
        Ok(RampFitTileOutput { inner: ramp_fit::Output { rate, ..Default::default() } })
    }
}

// ---------------------------------------------------------------------------------------------
// saturation

use detector1_kernels::saturation;

/// `saturation` on one band (with `saturation::halo_rows` rows of context). `zeroframe` and
/// `bias` may be empty (absent); `nframes` = 0 means no read pattern (`use_readpatt` off).
#[wasm_bindgen(js_name = applySaturation)]
#[allow(clippy::too_many_arguments)]
pub fn apply_saturation(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    zeroframe: &mut [f32],
    thresh: &[f32],
    sat_dq: &[u32],
    bias: &[f32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    n_pix_grow_sat: usize,
    nframes: u32,
) -> Result<(), JsError> {
    let inputs = saturation::Inputs { data, thresh, sat_dq, bias: (!bias.is_empty()).then_some(bias) };
    let params = saturation::Params { n_pix_grow_sat, nframes: (nframes > 0).then_some(nframes) };
    saturation::apply(&inputs, groupdq, pixeldq, zeroframe, RampShape::new(nints, ngroups, rows, cols), &params).map_err(to_js)
}


use detector1_kernels::jump;

/// `jump::Params` from `applyJump`'s arguments.
fn jump_params(mode: u32, thresholds: &[f64], flag_4_neighbors: bool, nframes: usize, after_jump: &[f64]) -> Result<jump::Params, JsError> {
    let invalid = |argument: &'static str, reason: &str| to_js(KernelError::InvalidParameter { argument, reason: reason.into() });
    let mode = match mode {
        0 => jump::Mode::Skip,
        1 => jump::Mode::SinglePass,
        2 => jump::Mode::Iterative,
        3 => jump::Mode::SigmaClipped,
        _ => return Err(invalid("mode", "must be 0, 1, 2 or 3")),
    };
    let [rejection, three, four, min_neighbour, max_neighbour] = thresholds else {
        return Err(invalid("thresholds", "needs 5 values"));
    };
    let [e1, n1, e2, n2] = after_jump else {
        return Err(invalid("after_jump", "needs 4 values"));
    };
    Ok(jump::Params {
        mode,
        rejection_threshold: *rejection,
        three_group_threshold: *three,
        four_group_threshold: *four,
        flag_4_neighbors,
        min_jump_to_flag_neighbors: *min_neighbour,
        max_jump_to_flag_neighbors: *max_neighbour,
        nframes,
        after_jump: [(*e1, *n1 as usize), (*e2, *n2 as usize)],
    })
}

/// `jump` on one tile. `mode`: 0 skip (gain flags and clean-up only), 1 single pass,
/// 2 iterative, 3 after `applyJumpSigmaClip` (post-processing only). `thresholds` = [normal, three-group, four-group, min neighbour, max neighbour];
/// `after_jump` = [e1, n1, e2, n2]. `crs` receives the primary CR count per pixel.
#[wasm_bindgen(js_name = applyJump)]
#[allow(clippy::too_many_arguments)]
pub fn apply_jump(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    gain: &[f32],
    readnoise: &[f32],
    crs: &mut [u32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    mode: u32,
    thresholds: &[f64],
    flag_4_neighbors: bool,
    nframes: usize,
    after_jump: &[f64],
) -> Result<(), JsError> {
    let params = jump_params(mode, thresholds, flag_4_neighbors, nframes, after_jump)?;
    let shape = RampShape::new(nints, ngroups, rows, cols);
    jump::detect(data, groupdq, pixeldq, gain, readnoise, crs, shape, &params).map_err(to_js)
}

/// `applyJump`, then the MIRI showers' noise model of the same pixels on the flags it leaves
/// (`jump::detect_and_shower_noise`) into `median` and `sigma` `(rows, cols)`.
#[wasm_bindgen(js_name = applyJumpShowerNoise)]
#[allow(clippy::too_many_arguments)]
pub fn apply_jump_shower_noise(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    gain: &[f32],
    readnoise: &[f32],
    crs: &mut [u32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    mode: u32,
    thresholds: &[f64],
    flag_4_neighbors: bool,
    nframes: usize,
    after_jump: &[f64],
    median: &mut [f32],
    sigma: &mut [f32],
) -> Result<(), JsError> {
    let params = jump_params(mode, thresholds, flag_4_neighbors, nframes, after_jump)?;
    let shape = RampShape::new(nints, ngroups, rows, cols);
    jump::detect_and_shower_noise(data, groupdq, pixeldq, gain, readnoise, crs, shape, &params, median, sigma, 0..rows).map(|_| ()).map_err(to_js)
}

/// `jump`'s sigma-clipping detector on one band of whole-exposure rows: JUMP in `groupdq`.
#[wasm_bindgen(js_name = applyJumpSigmaClip)]
#[allow(clippy::too_many_arguments)]
pub fn apply_jump_sigma_clip(
    data: &[f32],
    groupdq: &mut [u8],
    gain: &[f32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    rejection_threshold: f64,
    only_use_ints: bool,
) -> Result<(), JsError> {
    let shape = RampShape::new(nints, ngroups, rows, cols);
    jump::sigma_clip(data, groupdq, gain, shape, rejection_threshold, only_use_ints).map_err(to_js)
}

// ---------------------------------------------------------------------------------------------
// ipc

/// `ipc` on one band (with `ipc::halo_rows(ky)` rows of context). `science` is 1 on science
/// pixels, 0 on reference pixels; `per_pixel` = `weights` holds `(ky·kx, rows, cols)` planes.
#[wasm_bindgen(js_name = applyIpc)]
#[allow(clippy::too_many_arguments)]
pub fn apply_ipc(
    data: &mut [f32],
    science: &[u8],
    weights: &[f32],
    ky: usize,
    kx: usize,
    per_pixel: bool,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let kernel = detector1_kernels::ipc::Kernel { weights, ky, kx, per_pixel };
    detector1_kernels::ipc::apply(data, science, kernel, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

// ---------------------------------------------------------------------------------------------
// refpix

use detector1_kernels::refpix;

/// Sigma-clipped mean of good reference values in array order, in float32 or (`wide`) float64
/// arithmetic: `[]` for none, else `[value, 1 if float64]`.
#[wasm_bindgen(js_name = refpixClippedMean)]
pub fn refpix_clipped_mean(values: &[f32], wide: bool, siglimit: f64) -> Vec<f64> {
    let signal = if wide {
        refpix::clipped_mean(&values.iter().map(|&v| v as f64).collect::<Vec<_>>(), siglimit)
    } else {
        refpix::clipped_mean(values, siglimit)
    };
    signal.map_or_else(Vec::new, |s| vec![s.value, if s.wide { 1.0 } else { 0.0 }])
}

/// One group's full-frame statistics (`refpix::four_amp_group`) of an `n` x `n` detector:
/// `[value; 8]` and `[kind; 8]` by class (kind 0 none, 1 float32, 2 float64), then, with side
/// reference pixels, the `n` side values by detector row.
#[wasm_bindgen(js_name = refpixFourAmpGroup)]
#[allow(clippy::too_many_arguments)]
pub fn refpix_four_amp_group(
    plane: &[f32],
    at: &[i32],
    dq: &[u32],
    n: usize,
    odd_even_columns: bool,
    use_side_ref_pixels: bool,
    siglimit: f64,
    side_smoothing_length: usize,
    wide: bool,
) -> Result<Vec<f64>, JsError> {
    let o = refpix::FourAmpOptions { odd_even_columns, use_side_ref_pixels, siglimit, side_smoothing_length };
    let group = refpix::four_amp_group(plane, at, dq, n, &o, wide).map_err(to_js)?;
    let mut out: Vec<f64> = group.signals.iter().map(|s| s.map_or(0.0, |s| s.value)).collect();
    out.extend(group.signals.iter().map(|s| s.map_or(0.0, |s| if s.wide { 2.0 } else { 1.0 })));
    out.extend(group.side.unwrap_or_default());
    Ok(out)
}

/// Per-pixel refpix correction of one band; see `refpix::Corrections`. `det_row` and `side`
/// are empty without a side correction.
#[wasm_bindgen(js_name = applyRefpix)]
#[allow(clippy::too_many_arguments)]
pub fn apply_refpix(
    data: &mut [f32],
    class: &[u8],
    det_row: &[u16],
    classes: usize,
    wide: &[u8],
    values: &[f64],
    kinds: &[u8],
    side: &[f64],
    side_rows: usize,
    side_gain: f64,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let c = refpix::Corrections { classes, wide, values, kinds, side, side_rows, side_gain };
    refpix::correct(data, class, det_row, &c, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

// ---------------------------------------------------------------------------------------------
// preview (quick-look PNG)

use detector1_kernels::preview;

/// Display limits `[vmin, vmax]` of the finite pixels. `interval` = "zscale" (with
/// `zscale` = [n_samples, contrast, max_reject, min_npixels, krej, max_iterations]),
/// "minmax", or "percentile" (keeping the central `percentile` %).
#[wasm_bindgen(js_name = previewLimits)]
pub fn preview_limits(values: &[f32], interval: &str, zscale: &[f64], percentile: f64) -> Result<Vec<f64>, JsError> {
    let limits = match interval {
        "zscale" => {
            let [n_samples, contrast, max_reject, min_npixels, krej, max_iterations] = zscale else {
                return Err(JsError::new("[invalid_parameter] zscale takes 6 parameters"));
            };
            let params = preview::ZScaleParams {
                n_samples: *n_samples as usize,
                contrast: *contrast,
                max_reject: *max_reject,
                min_npixels: *min_npixels as usize,
                krej: *krej,
                max_iterations: *max_iterations as usize,
            };
            preview::zscale_limits(values, &params)
        }
        "minmax" => preview::minmax_limits(values),
        "percentile" => preview::percentile_limits(values, percentile),
        _ => return Err(JsError::new(&format!("[invalid_parameter] unknown interval `{interval}`"))),
    }
    .map_err(to_js)?;
    Ok(vec![limits.vmin, limits.vmax])
}

/// Block average by an integer factor: the `(ceil(rows / factor), ceil(cols / factor))` image.
#[wasm_bindgen(js_name = previewBlockAverage)]
pub fn preview_block_average(values: &[f32], rows: usize, cols: usize, factor: usize) -> Result<Vec<f32>, JsError> {
    preview::block_average(values, rows, cols, factor).map(|(out, _, _)| out).map_err(to_js)
}

#[wasm_bindgen(js_name = previewNanCount)]
pub fn preview_nan_count(values: &[f32]) -> usize {
    preview::nan_count(values)
}

/// Top-down 8-bit scanlines (gray or RGB by `channels`). `stretch` = "linear" or "asinh" (with
/// softening `asinh_a`); `nan_color` = [r, g, b].
#[wasm_bindgen(js_name = previewRender)]
#[allow(clippy::too_many_arguments)]
pub fn preview_render(
    values: &[f32],
    rows: usize,
    cols: usize,
    vmin: f64,
    vmax: f64,
    stretch: &str,
    asinh_a: f64,
    nan_color: &[u8],
    channels: usize,
) -> Result<Vec<u8>, JsError> {
    let [r, g, b] = nan_color else {
        return Err(JsError::new("[invalid_parameter] nan_color takes 3 bytes"));
    };
    let stretch = match stretch {
        "linear" => preview::Stretch::Linear,
        "asinh" => preview::Stretch::Asinh { a: asinh_a },
        _ => return Err(JsError::new(&format!("[invalid_parameter] unknown stretch `{stretch}`"))),
    };
    let limits = preview::Limits { vmin, vmax };
    preview::render(values, rows, cols, limits, stretch, [*r, *g, *b], channels).map_err(to_js)
}

/// MIRI `lastframe` on one tile: DO_NOT_USE into the last group.
#[wasm_bindgen(js_name = applyLastframe)]
pub fn apply_lastframe(groupdq: &mut [u8], nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<(), JsError> {
    detector1_kernels::lastframe::apply(groupdq, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

/// MIRI `firstframe` on one tile.
#[wasm_bindgen(js_name = applyFirstframe)]
#[allow(clippy::too_many_arguments)]
pub fn apply_firstframe(
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    bright_use_group1: bool,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    detector1_kernels::firstframe::apply(groupdq, pixeldq, bright_use_group1, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

/// MIRI `reset` on one tile: `reset` holds `planes` planes per reset integration passed,
/// `int_map` the reset integration of each science integration.
#[wasm_bindgen(js_name = applyReset)]
#[allow(clippy::too_many_arguments)]
pub fn apply_reset(
    data: &mut [f32],
    pixeldq: &mut [u32],
    reset: &[f32],
    reset_dq: &[u32],
    planes: usize,
    int_map: &[u32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    detector1_kernels::reset::apply(data, pixeldq, reset, reset_dq, planes, int_map, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

/// Rounds of jwst's RSCD back-off loop over integrations `first_int..end_int` (whole range).
#[wasm_bindgen(js_name = rscdBackoffRounds)]
#[allow(clippy::too_many_arguments)]
pub fn rscd_backoff_rounds(
    groupdq: &[u8],
    first_int: usize,
    end_int: usize,
    skip: usize,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<usize, JsError> {
    detector1_kernels::rscd::backoff_rounds(groupdq, RampShape::new(nints, ngroups, rows, cols), first_int..end_int, skip).map_err(to_js)
}

/// MIRI `rscd` flagging on one tile. `ranges` = [skip, rounds] per range; `range_of` per
/// integration (255 = untouched).
#[wasm_bindgen(js_name = applyRscd)]
#[allow(clippy::too_many_arguments)]
pub fn apply_rscd(
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    summary: &mut [u8],
    ranges: &[u32],
    range_of: &[u8],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let ranges: Vec<detector1_kernels::rscd::Range> =
        ranges.chunks_exact(2).map(|r| detector1_kernels::rscd::Range { skip: r[0] as usize, rounds: r[1] as usize }).collect();
    detector1_kernels::rscd::apply(groupdq, pixeldq, summary, &ranges, range_of, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

/// MIRI full-frame `refpix` per-pixel part on one tile.
#[wasm_bindgen(js_name = applyRefpixMiri)]
#[allow(clippy::too_many_arguments)]
pub fn apply_refpix_miri(
    data: &mut [f32],
    class: &[u8],
    classes: usize,
    values: &[f64],
    kinds: &[u8],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let signals = detector1_kernels::refpix_miri::Signals { classes, values, kinds };
    detector1_kernels::refpix_miri::correct(data, class, &signals, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

fn emicorr_clocks(nsamples: u32, rowclocks: u32, frameclocks: u32, period: f64) -> detector1_kernels::emicorr::Clocks {
    detector1_kernels::emicorr::Clocks { nsamples, rowclocks, frameclocks, period }
}

/// `emicorr` (joint): quiet pixels' ramps summed by phase bin, `y` `(nints, nbins, ngroups)`
/// followed by the counts `n` `(nints, nbins)`, in one array.
#[wasm_bindgen(js_name = emicorrBin)]
#[allow(clippy::too_many_arguments)]
pub fn emicorr_bin(
    data: &[f32],
    pixeldq: &[u32],
    nsamples: u32,
    rowclocks: u32,
    period: f64,
    nbins: usize,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<Vec<f64>, JsError> {
    let clocks = emicorr_clocks(nsamples, rowclocks, 0, period);
    let (mut y, n) = detector1_kernels::emicorr::bin(data, pixeldq, RampShape::new(nints, ngroups, rows, cols), &clocks, nbins).map_err(to_js)?;
    y.extend(n);
    Ok(y)
}

/// `emicorr` (joint) fit: per integration, [phase offset, amplitude].
#[wasm_bindgen(js_name = emicorrFit)]
#[allow(clippy::too_many_arguments)]
pub fn emicorr_fit(
    y: &[f64],
    n: &[f64],
    wave: &[f64],
    nints: usize,
    nbins: usize,
    ngroups: usize,
    nsamples: u32,
    rowclocks: u32,
    frameclocks: u32,
    period: f64,
    ny: usize,
    separately: bool,
) -> Result<Vec<f64>, JsError> {
    let waveform = detector1_kernels::emicorr::Waveform::new(wave).map_err(to_js)?;
    let clocks = emicorr_clocks(nsamples, rowclocks, frameclocks, period);
    let fitted = detector1_kernels::emicorr::fit(y, n, nints, nbins, ngroups, &waveform, &clocks, ny, separately, 500).map_err(to_js)?;
    Ok(fitted.into_iter().flat_map(|(phase, amplitude)| [phase, amplitude]).collect())
}

/// `emicorr` (joint) subtraction on one tile; `row` holds each pixel's detector row.
#[wasm_bindgen(js_name = applyEmicorr)]
#[allow(clippy::too_many_arguments)]
pub fn apply_emicorr(
    data: &mut [f32],
    row: &[u16],
    wave: &[f64],
    nsamples: u32,
    rowclocks: u32,
    frameclocks: u32,
    period: f64,
    ny: usize,
    offsets: &[f64],
    amplitudes: &[f64],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let waveform = detector1_kernels::emicorr::Waveform::new(wave).map_err(to_js)?;
    let clocks = emicorr_clocks(nsamples, rowclocks, frameclocks, period);
    detector1_kernels::emicorr::correct(data, row, RampShape::new(nints, ngroups, rows, cols), &waveform, &clocks, ny, offsets, amplitudes).map_err(to_js)
}

/// `emicorr` 'sequential' for one frequency on the whole exposure, in place. `params` =
/// [nsamples, rowclocks, frameclocks, reset_frame (0/1), period, xsize, xstart, nints_to_phase,
/// nbins, scale_reference (0/1)]; `reference` empty = use the data's own binned wave. Returns
/// the binned wave.
#[wasm_bindgen(js_name = emicorrSequential)]
pub fn emicorr_sequential(data: &mut [f32], params: &[f64], reference: &[f32], nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<Vec<f64>, JsError> {
    if params.len() != 10 {
        return Err(to_js(KernelError::InvalidParameter { argument: "params", reason: format!("{} values, expected 10", params.len()) }));
    }
    let p = detector1_kernels::emicorr::SequentialParams {
        nsamples: params[0] as u32,
        rowclocks: params[1] as u32,
        frameclocks: params[2] as u32,
        reset_frame: params[3] != 0.0,
        period: params[4],
        xsize: params[5] as u32,
        xstart: params[6] as u32,
        nints_to_phase: params[7] as usize,
        nbins: params[8] as usize,
        scale_reference: params[9] != 0.0,
    };
    let reference = (!reference.is_empty()).then_some(reference);
    detector1_kernels::emicorr::sequential(data, RampShape::new(nints, ngroups, rows, cols), &p, reference).map_err(to_js)
}

// ---------------------------------------------------------------------------------------------
use detector1_kernels::{jump_showers, jump_snowballs};

/// Snowball flagging on a whole exposure's GROUPDQ (`jump_snowballs::flag`). `values` =
/// [min_sat_area, min_jump_area, expand_factor, min_sat_radius_extend, sat_expand, edge_size,
/// max_extended_width]; `persist_groups` 0 turns the next-integration cores off. `cores_before`
/// may be empty; `cores_after` receives the last integration's cores. Returns the snowball count.
#[wasm_bindgen(js_name = flagSnowballs)]
#[allow(clippy::too_many_arguments)]
pub fn flag_snowballs(
    groupdq: &mut [u8],
    cores_before: &[u8],
    cores_after: &mut [u8],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    values: &[f64],
    sat_required: bool,
    persist_groups: usize,
) -> Result<usize, JsError> {
    let &[min_sat_area, min_jump_area, expand_factor, min_sat_radius_extend, sat_expand, edge_size, max_extended_width] = values else {
        return Err(to_js(KernelError::InvalidParameter { argument: "values", reason: "needs 7 values".into() }));
    };
    let params = jump_snowballs::Params {
        min_sat_area,
        min_jump_area,
        expand_factor,
        sat_required,
        min_sat_radius_extend,
        sat_expand,
        edge_size,
        max_extended_width,
        persist_groups,
    };
    jump_snowballs::flag(groupdq, cores_before, cores_after, RampShape::new(nints, ngroups, rows, cols), &params).map_err(to_js)
}

// ---------------------------------------------------------------------------------------------
// ramp_fit (LIKELY)

/// Ramp fitting (LIKELY) of one tile. `zeroframe` and `dark` may be empty (absent).
/// `read_times` holds the frame times (s) of every group back to back, `reads_per_group` how
/// many belong to each group; `ints` = [nframes, first_group, last_group] (`last_group` >=
/// ngroups for "none"). The output has rate, rateints and `chisq`.
#[wasm_bindgen(js_name = likelyFitTile)]
#[allow(clippy::too_many_arguments)]
pub fn likely_fit_tile(
    data: &[f32],
    groupdq: &[u8],
    pixeldq: &[u32],
    gain: &[f32],
    readnoise: &[f32],
    zeroframe: &[f32],
    dark: &[f32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    read_times: &[f64],
    reads_per_group: &[u32],
    ints: &[u32],
) -> Result<RampFitTileOutput, JsError> {
    let &[nframes, first_group, last_group] = ints else {
        return Err(JsError::new("[invalid_parameter] likelyFitTile: `ints` needs 3 values"));
    };
    if reads_per_group.iter().map(|&n| n as usize).sum::<usize>() != read_times.len() {
        return Err(JsError::new("[invalid_parameter] likelyFitTile: `reads_per_group` does not add up to `read_times`"));
    }
    let mut rest = read_times;
    let groups = reads_per_group
        .iter()
        .map(|&n| {
            let (group, tail) = rest.split_at(n as usize);
            rest = tail;
            group.to_vec()
        })
        .collect();
    let params = ramp_fit::likely::Params {
        read_times: groups,
        nframes,
        first_group: first_group as usize,
        last_group: last_group as usize,
    };
    let inputs = ramp_fit::Inputs {
        data,
        groupdq,
        pixeldq,
        gain,
        readnoise,
        zeroframe: (!zeroframe.is_empty()).then_some(zeroframe),
        average_dark_current: (!dark.is_empty()).then_some(dark),
    };
    let inner = ramp_fit::likely::fit(&inputs, RampShape::new(nints, ngroups, rows, cols), &params).map_err(to_js)?;
    Ok(RampFitTileOutput { inner })
}

// ---------------------------------------------------------------------------------------------
// charge_migration, persistence

use detector1_kernels::{charge_migration, persistence};

/// `charge_migration` on one band (with `charge_migration::HALO_ROWS` rows of context).
#[wasm_bindgen(js_name = applyChargeMigration)]
pub fn apply_charge_migration(
    data: &[f32],
    groupdq: &mut [u8],
    signal_threshold: f32,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    charge_migration::apply(data, groupdq, signal_threshold, RampShape::new(nints, ngroups, rows, cols)).map_err(to_js)
}

/// `persistence` flagging on one band; `window` (Unix seconds, 0 = none) is updated in place.
/// `dn_threshold` NaN means none (the kernel itself rejects NaN thresholds).
#[wasm_bindgen(js_name = applyPersistence)]
#[allow(clippy::too_many_arguments)]
pub fn apply_persistence(
    data: &[f32],
    groupdq: &mut [u8],
    window: &mut [f64],
    times: &[f64],
    persistence_time: f64,
    dn_threshold: f32,
    do_not_use: bool,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let params = persistence::Params {
        persistence_time,
        dn_threshold: (!dn_threshold.is_nan()).then_some(dn_threshold),
        do_not_use,
    };
    persistence::apply(data, groupdq, window, times, RampShape::new(nints, ngroups, rows, cols), &params).map_err(to_js)
}

// ramp_fit (OLS_C) on inputs filled in place

/// OLS_C tile inputs kept in wasm memory and filled by JS through views of that memory (the
/// `*Ptr` addresses), so a band of a larger exposure goes in with one copy and no intermediate
/// array. Reused from band to band. Call `free()` when done.
#[wasm_bindgen]
#[derive(Default)]
pub struct RampFitInputs {
    data: Vec<f32>,
    groupdq: Vec<u8>,
    pixeldq: Vec<u32>,
    gain: Vec<f32>,
    readnoise: Vec<f32>,
    zeroframe: Vec<f32>,
    dark: Vec<f32>,
}

#[wasm_bindgen]
impl RampFitInputs {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sizes the buffers for a tile (`zeroframe`, `dark`: 0 = absent). Addresses change here;
    /// contents are whatever was there until filled.
    pub fn resize(&mut self, cube: usize, plane: usize, zeroframe: usize, dark: usize) {
        self.data.resize(cube, 0.0);
        self.groupdq.resize(cube, 0);
        self.pixeldq.resize(plane, 0);
        self.gain.resize(plane, 0.0);
        self.readnoise.resize(plane, 0.0);
        self.zeroframe.resize(zeroframe, 0.0);
        self.dark.resize(dark, 0.0);
    }

    #[wasm_bindgen(getter, js_name = dataPtr)]
    pub fn data_ptr(&mut self) -> usize {
        self.data.as_mut_ptr() as usize
    }
    #[wasm_bindgen(getter, js_name = groupdqPtr)]
    pub fn groupdq_ptr(&mut self) -> usize {
        self.groupdq.as_mut_ptr() as usize
    }
    #[wasm_bindgen(getter, js_name = pixeldqPtr)]
    pub fn pixeldq_ptr(&mut self) -> usize {
        self.pixeldq.as_mut_ptr() as usize
    }
    #[wasm_bindgen(getter, js_name = gainPtr)]
    pub fn gain_ptr(&mut self) -> usize {
        self.gain.as_mut_ptr() as usize
    }
    #[wasm_bindgen(getter, js_name = readnoisePtr)]
    pub fn readnoise_ptr(&mut self) -> usize {
        self.readnoise.as_mut_ptr() as usize
    }
    #[wasm_bindgen(getter, js_name = zeroframePtr)]
    pub fn zeroframe_ptr(&mut self) -> usize {
        self.zeroframe.as_mut_ptr() as usize
    }
    #[wasm_bindgen(getter, js_name = darkPtr)]
    pub fn dark_ptr(&mut self) -> usize {
        self.dark.as_mut_ptr() as usize
    }

    /// `rampFitTile` on the filled buffers (same parameters).
    #[allow(clippy::too_many_arguments)]
    pub fn fit(
        &self,
        nints: usize,
        ngroups: usize,
        rows: usize,
        cols: usize,
        times: &[f32],
        ints: &[u32],
        flags: u32,
    ) -> Result<RampFitTileOutput, JsError> {
        ramp_fit_tile(
            &self.data,
            &self.groupdq,
            &self.pixeldq,
            &self.gain,
            &self.readnoise,
            &self.zeroframe,
            &self.dark,
            nints,
            ngroups,
            rows,
            cols,
            times,
            ints,
            flags,
        )
    }
}

#[wasm_bindgen]
impl RampFitTileOutput {
    /// Address in wasm memory of a rate/rateints float32 array (`rate.slope`, `rateints.err`,
    /// ...), to copy it out through a view without an intermediate array.
    #[wasm_bindgen(js_name = f32Ptr)]
    pub fn f32_ptr(&self, name: &str) -> Result<usize, JsError> {
        let o = &self.inner;
        let array = match name {
            "rate.slope" => &o.rate.slope,
            "rate.var_poisson" => &o.rate.var_poisson,
            "rate.var_rnoise" => &o.rate.var_rnoise,
            "rate.err" => &o.rate.err,
            "rateints.slope" => &o.rateints.slope,
            "rateints.var_poisson" => &o.rateints.var_poisson,
            "rateints.var_rnoise" => &o.rateints.var_rnoise,
            "rateints.err" => &o.rateints.err,
            _ => return Err(JsError::new(&format!("[invalid_parameter] no rate/rateints array `{name}`"))),
        };
        Ok(array.as_ptr() as usize)
    }

    /// Turns every rate and rateints array into the FITS file's big-endian words, in place
    /// (DQ stored as int32 with BZERO 2^31), and returns their ones'-complement sums: rate's
    /// `[slope, dq, var_poisson, var_rnoise, err]`, then the same of each integration of rateints.
    #[wasm_bindgen(js_name = encodeFits)]
    pub fn encode_fits(&mut self) -> Vec<u32> {
        use detector1_kernels::fits_words::{encode_floats_in_place, encode_in_place};
        let o = &mut self.inner;
        let len = o.rate.slope.len();
        let mut sums = Vec::new();
        let mut encode = |p: &mut ramp_fit::Products, range: std::ops::Range<usize>| {
            sums.push(encode_floats_in_place(&mut p.slope[range.clone()]));
            sums.push(encode_in_place(&mut p.dq[range.clone()], 0x8000_0000));
            sums.push(encode_floats_in_place(&mut p.var_poisson[range.clone()]));
            sums.push(encode_floats_in_place(&mut p.var_rnoise[range.clone()]));
            sums.push(encode_floats_in_place(&mut p.err[range]));
        };
        encode(&mut o.rate, 0..len);
        for i in 0..o.rateints.slope.len().checked_div(len).unwrap_or(0) {
            encode(&mut o.rateints, i * len..(i + 1) * len);
        }
        sums
    }

    /// Address in wasm memory of `rate.dq` or `rateints.dq` (see `f32Ptr`).
    #[wasm_bindgen(js_name = dqPtr)]
    pub fn dq_ptr(&self, name: &str) -> Result<usize, JsError> {
        match name {
            "rate.dq" => Ok(self.inner.rate.dq.as_ptr() as usize),
            "rateints.dq" => Ok(self.inner.rateints.dq.as_ptr() as usize),
            _ => Err(JsError::new(&format!("[invalid_parameter] unknown ramp_fit DQ output `{name}`"))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// jump showers in pieces: the noise model by row bands, the search by integrations, so that no
// single array passes 2 GiB (the largest a wasm32 allocation can be; a MIRI TSO ramp is more).

/// The shower noise model of a band of rows (`jump_showers::noise`) into `median` and `sigma`.
#[wasm_bindgen(js_name = showerNoise)]
#[allow(clippy::too_many_arguments)]
pub fn shower_noise(
    data: &[f32],
    groupdq: &[u8],
    gain: &[f32],
    readnoise: &[f32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    nframes: usize,
    median: &mut [f32],
    sigma: &mut [f32],
) -> Result<(), JsError> {
    jump_showers::noise(data, groupdq, gain, readnoise, RampShape::new(nints, ngroups, rows, cols), nframes, median, sigma).map_err(to_js)
}

/// Shower search and flags of whole integrations given the exposure's noise model
/// (`jump_showers::flag_with_noise`). `values` = [extend_snr_threshold, min_area, inner_radius,
/// ring_width, expand_ratio, max_extended_width, max_shower_amplitude]. Returns the shower count.
#[wasm_bindgen(js_name = flagShowersWithNoise)]
#[allow(clippy::too_many_arguments)]
pub fn flag_showers_with_noise(
    data: &[f32],
    groupdq: &mut [u8],
    pixeldq: &[u32],
    gain: &[f32],
    median: &[f32],
    sigma: &[f32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    values: &[f64],
    groups_masked_after: usize,
    nframes: usize,
) -> Result<usize, JsError> {
    let &[snr_threshold, min_area, inner_radius, ring_width, expand_ratio, max_extended_width, max_shower_amplitude] = values else {
        return Err(to_js(KernelError::InvalidParameter { argument: "values", reason: "needs 7 values".into() }));
    };
    let params = jump_showers::Params {
        snr_threshold,
        min_area,
        inner_radius,
        ring_width,
        expand_ratio,
        max_extended_width,
        groups_masked_after,
        max_shower_amplitude,
        nframes,
    };
    let shape = RampShape::new(nints, ngroups, rows, cols);
    jump_showers::flag_with_noise(data, groupdq, pixeldq, gain, median, sigma, shape, &params).map_err(to_js)
}

// clean_flicker_noise, picture_frame

use detector1_kernels::{clean_flicker_noise, picture_frame};

/// `clean_flicker_noise` scene mask of a draft rate (`nplanes` planes), in place; with
/// `fit_histogram` the clip levels come from jwst's Gaussian fit to a histogram.
#[wasm_bindgen(js_name = cleanFlickerSceneMask)]
pub fn clean_flicker_scene_mask(rate: &[f32], mask: &mut [u8], nplanes: usize, rows: usize, cols: usize, n_sigma: f64, fit_histogram: bool) -> Result<(), JsError> {
    clean_flicker_noise::scene_mask(rate, mask, nplanes, rows, cols, n_sigma, fit_histogram).map_err(to_js)
}

/// `clean_flicker_noise` of one integration, in place: the 'median' fit along `array_axis`, or
/// with `fft` NSClean (`nrs2`, `allslits` choose orientation and cut-offs). `background`: 0 none,
/// 1 'median', 2 'model' (photutils Background2D with boxes of `box_rows` x `box_cols`);
/// `flat` and `background_out` may be empty. Returns the 1-based
/// groups left as they were (no usable background pixel) and, negated, the group whose fit
/// failed (processing stops there).
#[wasm_bindgen(js_name = cleanFlickerIntegration)]
#[allow(clippy::too_many_arguments)]
pub fn clean_flicker_integration(
    data: &mut [f32],
    groupdq: &[u8],
    scene_mask: &[u8],
    flat: &[f32],
    background_out: &mut [f32],
    background: u8,
    box_rows: usize,
    box_cols: usize,
    n_sigma: f64,
    array_axis: usize,
    by_channel: bool,
    fft: bool,
    nrs2: bool,
    allslits: bool,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<Vec<i32>, JsError> {
    let fit = if fft {
        clean_flicker_noise::Fit::Fft { nrs2, cutoffs: detector1_kernels::nsclean::subarray_cutoffs(allslits) }
    } else {
        clean_flicker_noise::Fit::Median { array_axis, by_channel }
    };
    let params = clean_flicker_noise::CleanParams {
        background: match background {
            0 => clean_flicker_noise::Background::Zero,
            1 => clean_flicker_noise::Background::Median,
            _ => clean_flicker_noise::Background::Model { box_size: (box_rows, box_cols) },
        },
        n_sigma,
        fit,
    };
    let report = clean_flicker_noise::clean_integration(data, groupdq, scene_mask, flat, background_out, ngroups, rows, cols, &params).map_err(to_js)?;
    let mut groups: Vec<i32> = report.skipped_groups.into_iter().map(|g| g as i32).collect();
    groups.extend(report.failed_group.map(|g| -(g as i32)));
    Ok(groups)
}

/// `clean_flicker_noise` `median_image`: the median ramp `(ngroups, plane)` over integrations.
#[wasm_bindgen(js_name = cleanFlickerMedianRamp)]
pub fn clean_flicker_median_ramp(data: &[f32], nints: usize, ngroups: usize, plane: usize) -> Result<Vec<f32>, JsError> {
    clean_flicker_noise::median_ramp(data, nints, ngroups, plane).map_err(to_js)
}

/// `clean_flicker_noise` `median_image`: float32 scale factors from the draft `rateints` medians.
#[wasm_bindgen(js_name = cleanFlickerRateNorms)]
pub fn clean_flicker_rate_norms(rateints: &[f32], nints: usize, plane: usize) -> Result<Vec<f32>, JsError> {
    clean_flicker_noise::rate_norms(rateints, nints, plane).map_err(to_js)
}

/// `clean_flicker_noise` `median_image`: float64 scale factors from TSO aperture sums.
#[wasm_bindgen(js_name = cleanFlickerFluxNorms)]
pub fn clean_flicker_flux_norms(fluxes: &[f64]) -> Result<Vec<f64>, JsError> {
    clean_flicker_noise::flux_norms(fluxes).map_err(to_js)
}

/// `clean_flicker_noise` of one integration with `median_image`, in place: each group less its
/// median image (`median_ramp` times `scale`, a float64 product when `wide`, else float32) is cleaned alone ('median' fit, or NSClean with `fft`). Returns the skipped groups
/// and, negated, the failed one, as `cleanFlickerIntegration`.
#[wasm_bindgen(js_name = cleanFlickerIntegrationMedianImage)]
#[allow(clippy::too_many_arguments)]
pub fn clean_flicker_integration_median_image(
    data: &mut [f32],
    median_ramp: &[f32],
    scale: f64,
    wide: bool,
    scene_mask: &[u8],
    flat: &[f32],
    background_out: &mut [f32],
    array_axis: usize,
    by_channel: bool,
    fft: bool,
    nrs2: bool,
    allslits: bool,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<Vec<i32>, JsError> {
    let fit = if fft {
        clean_flicker_noise::Fit::Fft { nrs2, cutoffs: detector1_kernels::nsclean::subarray_cutoffs(allslits) }
    } else {
        clean_flicker_noise::Fit::Median { array_axis, by_channel }
    };
    let params = clean_flicker_noise::CleanParams { background: clean_flicker_noise::Background::Zero, n_sigma: 0.0, fit };
    let scale = if wide { clean_flicker_noise::MedianScale::Float64(scale) } else { clean_flicker_noise::MedianScale::Float32(scale as f32) };
    let report = clean_flicker_noise::clean_integration_median_image(data, median_ramp, scale, scene_mask, flat, background_out, ngroups, rows, cols, &params).map_err(to_js)?;
    let mut groups: Vec<i32> = report.skipped_groups.into_iter().map(|g| g as i32).collect();
    groups.extend(report.failed_group.map(|g| -(g as i32)));
    Ok(groups)
}

/// `clean_flicker_noise` flat (rows x cols): zero and non-finite values replaced in place from
/// jwst's 'model' background of the others.
#[wasm_bindgen(js_name = cleanFlickerFillFlat)]
pub fn clean_flicker_fill_flat(flat: &mut [f32], rows: usize, cols: usize) -> Result<(), JsError> {
    clean_flicker_noise::fill_flat(flat, rows, cols).map_err(to_js)
}

/// `clean_flicker_noise` `autoparam` statistics of a (flat-fielded) draft rate image for
/// NRC_IMAGE (`niriss` false) or NIS_IMAGE: mask fraction, max channel offset, max slope,
/// slope ratio, channel sigma.
#[wasm_bindgen(js_name = cleanFlickerAutoStatistics)]
pub fn clean_flicker_auto_statistics(rate: &[f32], rows: usize, cols: usize, array_axis: usize, niriss: bool) -> Result<Vec<f64>, JsError> {
    let s = clean_flicker_noise::auto_statistics(rate, rows, cols, array_axis, niriss).map_err(to_js)?;
    Ok(vec![s.mask_fraction, s.max_offset, s.max_slope, s.slope_ratio, s.channel_sigma])
}

/// `picture_frame` correction of one integration `(ngroups, plane)`, in place.
#[wasm_bindgen(js_name = pictureFrameIntegration)]
pub fn picture_frame_integration(data: &mut [f32], ngroups: usize, plane: usize, reference: &[f32], centre: &[u8], edge: &[u8]) -> Result<(), JsError> {
    picture_frame::correct_integration(data, ngroups, plane, reference, centre, edge).map_err(to_js)
}

/// NIRSpec IRS2 reference correction of one group at a time (`detector1_kernels::irs2`):
/// holds the REFPIX coefficients and the FFT plan. Call `free()`.
#[wasm_bindgen]
pub struct Irs2Corrector {
    inner: detector1_kernels::irs2::Irs2Corrector,
}

#[wasm_bindgen]
impl Irs2Corrector {
    /// `alpha`, `beta`: the 4 ALPHA_k / BETA_k columns concatenated (interleaved re, im).
    #[wasm_bindgen(constructor)]
    pub fn new(alpha: &[f32], beta: &[f32], scipix_n: usize, refpix_r: usize, pad: usize, ny: usize, nx: usize) -> Result<Irs2Corrector, JsError> {
        let layout = detector1_kernels::irs2::Irs2Layout { scipix_n, refpix_r, pad, ny, nx };
        let coefficients = detector1_kernels::irs2::Coefficients { alpha, beta };
        let inner = detector1_kernels::irs2::Irs2Corrector::new(layout, coefficients).map_err(to_js)?;
        Ok(Irs2Corrector { inner })
    }

    /// One DMS group `(nx, ny)` and the integration's mean over groups -> `out` `(ny or nx, ny)`.
    #[wasm_bindgen(js_name = correctGroup)]
    pub fn correct_group(&mut self, plane: &[f32], offset: &[f64], flip: bool, preserve_refpix: bool, out: &mut [f32]) -> Result<(), JsError> {
        self.inner.correct_group(plane, offset, flip, preserve_refpix, out).map_err(to_js)
    }
}

/// jwst `flag_bad_refpix` statistics for one integration `(ngroups, rows, cols)` (DMS, rows are
/// the 3200 axis): 1 for rows that are bad (`initial_bad` included).
#[wasm_bindgen(js_name = irs2FlagIntermittentPairs)]
#[allow(clippy::too_many_arguments)]
pub fn irs2_flag_intermittent_pairs(
    cube: &[f32],
    ngroups: usize,
    rows: usize,
    cols: usize,
    scipix_n: usize,
    refpix_r: usize,
    initial_bad: &[u8],
    n_sigma: f64,
) -> Result<Vec<u8>, JsError> {
    let initial: Vec<bool> = initial_bad.iter().map(|&b| b != 0).collect();
    let bad = detector1_kernels::irs2::flag_intermittent_pairs(cube, ngroups, rows, cols, scipix_n, refpix_r, &initial, n_sigma).map_err(to_js)?;
    Ok(bad.into_iter().map(u8::from).collect())
}

/// jwst `irs2_flag_saturation` on one integration's normal pixels `(ngroups, rows, cols)`: the
/// GROUPDQ bits to OR into each group. `bias` may be empty; `nframes` 0 = no use_readpatt.
#[wasm_bindgen(js_name = irs2SaturationFlags)]
#[allow(clippy::too_many_arguments)]
pub fn irs2_saturation_flags(
    data: &[f32],
    ngroups: usize,
    rows: usize,
    cols: usize,
    thresh: &[f32],
    bias: &[f32],
    n_pix_grow_sat: usize,
    nframes: usize,
) -> Result<Vec<u8>, JsError> {
    let bias = (!bias.is_empty()).then_some(bias);
    let nframes = (nframes > 0).then_some(nframes);
    detector1_kernels::irs2::saturation_flags(data, ngroups, rows, cols, thresh, bias, n_pix_grow_sat, nframes).map_err(to_js)
}

/// The sigma-clipped shower noise model of a band of rows (`jump_showers::clipped_noise`), for
/// `minimum_sigclip_groups` integrations or more, into `median` and `sigma` `(ngroups - 1, rows, cols)`.
#[wasm_bindgen(js_name = showerClippedNoise)]
#[allow(clippy::too_many_arguments)]
pub fn shower_clipped_noise(
    data: &[f32],
    groupdq: &[u8],
    gain: &[f32],
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    median: &mut [f32],
    sigma: &mut [f32],
) -> Result<(), JsError> {
    jump_showers::clipped_noise(data, groupdq, gain, RampShape::new(nints, ngroups, rows, cols), median, sigma).map_err(to_js)
}

/// jwst `irs2_mean_subtraction` on one DMS IRS2 group `plane` `(nx, ny)`, in place: the
/// top/bottom reference means of each of the 5 sectors (odd/even columns when asked) subtracted.
#[wasm_bindgen(js_name = irs2SubtractGroupMeans)]
#[allow(clippy::too_many_arguments)]
pub fn irs2_subtract_group_means(
    plane: &mut [f32],
    pixeldq: &[u32],
    nx: usize,
    ny: usize,
    scipix_n: usize,
    refpix_r: usize,
    odd_even_columns: bool,
    siglimit: f64,
    fast_reversed: bool,
    slow_reversed: bool,
) -> Result<(), JsError> {
    use detector1_kernels::irs2_mean::{subtract_group_means, MeanSubtraction, Orientation};
    let params = MeanSubtraction { scipix_n, refpix_r, odd_even_columns, siglimit, orientation: Orientation { fast_reversed, slow_reversed } };
    subtract_group_means(plane, pixeldq, nx, ny, &params).map_err(to_js)
}

// Band buffers filled in place

/// Buffers in wasm memory for one band of a tile kernel, by element type and slot: JS sizes them
/// (`slot`), fills them through views of wasm memory at the addresses returned, runs a `*Staged`
/// kernel on them and reads its outputs back the same way. A band of a larger array then goes
/// in and out with one copy each way, and no band-sized JS array. Reused from band to band.
#[wasm_bindgen]
#[derive(Default)]
pub struct Stage {
    f32s: Vec<Slot<f32>>,
    u8s: Vec<Slot<u8>>,
    u16s: Vec<Slot<u16>>,
    u32s: Vec<Slot<u32>>,
}

/// One slot's buffer: its first `len` elements are the slot. The buffer keeps the largest size
/// it has had, its elements initialised once: sizing a slot again from band to band (emptied
/// between two steps, then filled again) neither writes its elements nor copies them.
#[derive(Default)]
struct Slot<T> {
    buf: Vec<T>,
    len: usize,
}

impl<T: Copy + Default> Slot<T> {
    fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.buf[..self.len]
    }
}

fn sized<T: Copy + Default>(slots: &mut Vec<Slot<T>>, slot: usize, len: usize) -> usize {
    if slots.len() <= slot {
        slots.resize_with(slot + 1, Slot::default);
    }
    let s = &mut slots[slot];
    if s.buf.len() < len {
        if s.buf.capacity() < len {
            // The contents are unspecified: the old buffer goes first rather than being copied.
            s.buf = Vec::new();
        }
        s.buf.resize(len, T::default());
    }
    s.len = len;
    s.buf.as_mut_ptr() as usize
}

/// The first `N` slots, each borrowed on its own (missing ones are empty).
fn slots_of<T: Copy + Default, const N: usize>(slots: &mut Vec<Slot<T>>) -> [&mut [T]; N] {
    if slots.len() < N {
        slots.resize_with(N, Slot::default);
    }
    let mut each = slots.iter_mut();
    std::array::from_fn(|_| each.next().expect("N slots").as_mut_slice())
}

#[wasm_bindgen]
impl Stage {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Stage {
        Stage::default()
    }

    /// Sizes slot `slot` of element type `kind` ("f32", "u8", "u16", "u32") to `len` elements and returns
    /// its address. Contents are unspecified until filled. Other slots keep their addresses, but
    /// views of wasm memory made before this call may be detached (the memory may grow).
    pub fn slot(&mut self, kind: &str, slot: usize, len: usize) -> Result<usize, JsError> {
        match kind {
            "f32" => Ok(sized(&mut self.f32s, slot, len)),
            "u8" => Ok(sized(&mut self.u8s, slot, len)),
            "u16" => Ok(sized(&mut self.u16s, slot, len)),
            "u32" => Ok(sized(&mut self.u32s, slot, len)),
            _ => Err(to_js(KernelError::InvalidParameter { argument: "kind", reason: format!("must be f32, u8, u16 or u32, got {kind}") })),
        }
    }

    /// Exchanges slots `a` and `b` of element type `kind` (their buffers, not their contents):
    /// a chain of kernels keeps a band's arrays in the slots where each kernel expects them.
    pub fn swap_slots(&mut self, kind: &str, a: usize, b: usize) -> Result<(), JsError> {
        fn swap<T: Copy + Default>(slots: &mut Vec<Slot<T>>, a: usize, b: usize) {
            if slots.len() <= a.max(b) {
                slots.resize_with(a.max(b) + 1, Slot::default);
            }
            slots.swap(a, b);
        }
        match kind {
            "f32" => swap(&mut self.f32s, a, b),
            "u8" => swap(&mut self.u8s, a, b),
            "u16" => swap(&mut self.u16s, a, b),
            "u32" => swap(&mut self.u32s, a, b),
            _ => return Err(to_js(KernelError::InvalidParameter { argument: "kind", reason: format!("must be f32, u8, u16 or u32, got {kind}") })),
        }
        Ok(())
    }

    /// Reverses the bytes of every element of slot `slot` ("f32" or "u32"), in place: a band
    /// filled with a FITS file's big-endian words is put in host order by the thread that runs
    /// the kernel, on data the fill has just brought into cache. Never grows the memory.
    pub fn swap_words(&mut self, kind: &str, slot: usize) -> Result<(), JsError> {
        match kind {
            "f32" => self.f32s.get_mut(slot).map(|s| detector1_kernels::fits_words::swap_float_words(s.as_mut_slice())),
            "u32" => self.u32s.get_mut(slot).map(|s| detector1_kernels::fits_words::swap_words(s.as_mut_slice())),
            _ => return Err(to_js(KernelError::InvalidParameter { argument: "kind", reason: format!("must be f32 or u32, got {kind}") })),
        };
        Ok(())
    }

    /// The sum of u32 slot `slot`'s elements `from..to` (jump's cosmic rays of a band's own rows).
    pub fn sum_u32(&self, slot: usize, from: usize, to: usize) -> Result<f64, JsError> {
        let words = self.u32s.get(slot).map_or(&[][..], |s| &s.buf[..s.len]);
        match words.get(from..to) {
            Some(part) => Ok(part.iter().map(|&w| w as u64).sum::<u64>() as f64),
            None => Err(to_js(KernelError::InvalidParameter { argument: "to", reason: format!("elements {from}..{to} are not within the slot's {}", words.len()) })),
        }
    }

    /// `dq::translate_in_place` on u32 slot `slot`: a band of a reference's DQ words filled as
    /// the file stores them becomes standard flags in the thread that runs the kernel.
    pub fn translate_dq(&mut self, slot: usize, swapped: bool, flip: u32, bit_flags: &[u32]) -> Result<(), JsError> {
        match self.u32s.get_mut(slot) {
            Some(words) => detector1_kernels::dq::translate_in_place(words.as_mut_slice(), swapped, flip, bit_flags).map_err(to_js),
            None => Ok(()),
        }
    }
}

/// `applyJump` (or `applyJumpShowerNoise` when the f32 slots 3 and 4 are not empty) on a staged
/// band whose own rows are `core_row0..core_row0 + core_rows` (the others are halo: the showers'
/// noise is made for the band's own rows only). Slots: f32 `[data, gain, readnoise,
/// showerMedian, showerSigma]`, u8 `[groupdq]`, u32 `[pixeldq, crs]`.
#[wasm_bindgen(js_name = applyJumpStaged)]
#[allow(clippy::too_many_arguments)]
pub fn apply_jump_staged(
    stage: &mut Stage,
    core_row0: usize,
    core_rows: usize,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    mode: u32,
    thresholds: &[f64],
    flag_4_neighbors: bool,
    nframes: usize,
    after_jump: &[f64],
) -> Result<(), JsError> {
    let params = jump_params(mode, thresholds, flag_4_neighbors, nframes, after_jump)?;
    let shape = RampShape::new(nints, ngroups, rows, cols);
    let [data, gain, readnoise, median, sigma] = slots_of(&mut stage.f32s);
    let [groupdq] = slots_of(&mut stage.u8s);
    let [pixeldq, crs] = slots_of(&mut stage.u32s);
    if median.is_empty() && sigma.is_empty() {
        jump::detect(data, groupdq, pixeldq, gain, readnoise, crs, shape, &params).map_err(to_js)
    } else {
        jump::detect_and_shower_noise(data, groupdq, pixeldq, gain, readnoise, crs, shape, &params, median, sigma, core_row0..core_row0 + core_rows).map(|_| ()).map_err(to_js)
    }
}

/// `rampFitTile` of rows `own_row0..own_row0 + own_rows` of a staged band of `rows` rows, read
/// where they lie (no copy). Slots: f32 `[data, gain, readnoise, averageDarkCurrent]` (the last
/// may be empty), u8 `[groupdq]`, u32 `[pixeldq]`, all of the band.
#[wasm_bindgen(js_name = rampFitStaged)]
#[allow(clippy::too_many_arguments)]
pub fn ramp_fit_staged(
    stage: &mut Stage,
    own_row0: usize,
    own_rows: usize,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
    times: &[f32],
    ints: &[u32],
    flags: u32,
) -> Result<RampFitTileOutput, JsError> {
    let params = ramp_fit_params(times, ints, flags)?;
    if own_rows == 0 || own_row0 + own_rows > rows {
        return Err(to_js(KernelError::InvalidParameter { argument: "own_rows", reason: format!("rows {own_row0}..{} are not within the band's {rows}", own_row0 + own_rows) }));
    }
    let [data, gain, readnoise, dark] = slots_of(&mut stage.f32s);
    let [groupdq] = slots_of(&mut stage.u8s);
    let [pixeldq] = slots_of(&mut stage.u32s);
    let plane = rows * cols;
    let own = own_row0 * cols..(own_row0 + own_rows) * cols;
    for (argument, len) in [("gain", gain.len()), ("readnoise", readnoise.len()), ("pixeldq", pixeldq.len())] {
        if len != plane {
            return Err(to_js(KernelError::ShapeMismatch { argument, expected: plane, actual: len }));
        }
    }
    if !dark.is_empty() && dark.len() != plane {
        return Err(to_js(KernelError::ShapeMismatch { argument: "average_dark_current", expected: plane, actual: dark.len() }));
    }
    let inputs = ramp_fit::Inputs {
        data,
        groupdq,
        pixeldq: &pixeldq[own.clone()],
        gain: &gain[own.clone()],
        readnoise: &readnoise[own.clone()],
        zeroframe: None,
        average_dark_current: (!dark.is_empty()).then(|| &dark[own.clone()]),
    };
    let layout = ramp_fit::CubeLayout { first: own.start, stride: plane };
    let inner = ramp_fit::fit_rows(&inputs, RampShape::new(nints, ngroups, own_rows, cols), &params, layout).map_err(to_js)?;
    Ok(RampFitTileOutput { inner })
}

/// FITS 16-bit pixels into float32 values (BZERO 0, or 32768 when `unsigned`); `stored` holds
/// the file's big-endian words as a little-endian machine loads them when `swapped`.
#[wasm_bindgen(js_name = decodeInt16)]
pub fn decode_int16(stored: &[u16], out: &mut [f32], unsigned: bool, swapped: bool) -> Result<(), JsError> {
    detector1_kernels::decode_int16::apply(stored, out, unsigned, swapped).map_err(to_js)
}

/// `decodeInt16` on a staged band. Slots: u16 `[stored]`, f32 `[out]` (written whole).
#[wasm_bindgen(js_name = decodeInt16Staged)]
pub fn decode_int16_staged(stage: &mut Stage, unsigned: bool, swapped: bool) -> Result<(), JsError> {
    let [stored] = slots_of(&mut stage.u16s);
    let [out] = slots_of(&mut stage.f32s);
    decode_int16(stored, out, unsigned, swapped)
}

/// 32-bit FITS pixels into their big-endian bytes, returning the ones'-complement sum of those
/// words (`flip` 0x80000000 for unsigned words, else 0). Slots: u32 `[words]`, u8 `[bytes]`.
#[wasm_bindgen(js_name = encodeFitsWordsStaged)]
pub fn encode_fits_words_staged(stage: &mut Stage, flip: u32) -> Result<u32, JsError> {
    let [words] = slots_of(&mut stage.u32s);
    let [bytes] = slots_of(&mut stage.u8s);
    detector1_kernels::fits_words::encode(words, bytes, flip).map_err(to_js)
}

/// `dq::translate` on staged words. Slots: u32 `[stored, out]`.
#[wasm_bindgen(js_name = translateDqStaged)]
pub fn translate_dq_staged(stage: &mut Stage, swapped: bool, flip: u32, bit_flags: &[u32]) -> Result<(), JsError> {
    let [stored, out] = slots_of(&mut stage.u32s);
    dq::translate(stored, out, swapped, flip, bit_flags).map_err(to_js)
}

/// `applySuperbias` on a staged band. Slots: f32 `[data, zeroframe, bias]`, u32 `[pixeldq, biasDq]`.
#[wasm_bindgen(js_name = applySuperbiasStaged)]
pub fn apply_superbias_staged(stage: &mut Stage, nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<(), JsError> {
    let [data, zeroframe, bias] = slots_of(&mut stage.f32s);
    let [pixeldq, bias_dq] = slots_of(&mut stage.u32s);
    apply_superbias(data, zeroframe, pixeldq, bias, bias_dq, nints, ngroups, rows, cols)
}

/// `applyDqInit` on a staged band. Slots: u8 `[groupdq]`, u32 `[pixeldq, mask]`.
#[wasm_bindgen(js_name = applyDqInitStaged)]
pub fn apply_dq_init_staged(stage: &mut Stage, nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<(), JsError> {
    let [groupdq] = slots_of(&mut stage.u8s);
    let [pixeldq, mask] = slots_of(&mut stage.u32s);
    apply_dq_init(pixeldq, groupdq, mask, nints, ngroups, rows, cols)
}

/// `applyLinearity` on a staged band. Slots: f32 `[data, zeroframe, coeffs, invCoeffs]`, u8
/// `[groupdq]`, u32 `[pixeldq, linDq]`.
#[wasm_bindgen(js_name = applyLinearityStaged)]
#[allow(clippy::too_many_arguments)]
pub fn apply_linearity_staged(stage: &mut Stage, ncoeffs: usize, nframes: usize, nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<(), JsError> {
    let [data, zeroframe, coeffs, inv_coeffs] = slots_of(&mut stage.f32s);
    let [groupdq] = slots_of(&mut stage.u8s);
    let [pixeldq, lin_dq] = slots_of(&mut stage.u32s);
    apply_linearity(data, zeroframe, pixeldq, groupdq, coeffs, inv_coeffs, lin_dq, ncoeffs, nframes, nints, ngroups, rows, cols)
}

/// `applyDarkCurrent` on a staged band. Slots: f32 `[data, frames]`, u32 `[pixeldq, darkDq]`.
#[wasm_bindgen(js_name = applyDarkCurrentStaged)]
#[allow(clippy::too_many_arguments)]
pub fn apply_dark_current_staged(stage: &mut Stage, layout: &[u32], int_map: &[i32], nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<(), JsError> {
    let [data, frames] = slots_of(&mut stage.f32s);
    let [pixeldq, dark_dq] = slots_of(&mut stage.u32s);
    apply_dark_current(data, pixeldq, frames, dark_dq, layout, int_map, nints, ngroups, rows, cols)
}

/// `applySaturation` on a staged band. Slots: f32 `[data, zeroframe, thresh, bias]`, u8
/// `[groupdq]`, u32 `[pixeldq, satDq]`.
#[wasm_bindgen(js_name = applySaturationStaged)]
#[allow(clippy::too_many_arguments)]
pub fn apply_saturation_staged(stage: &mut Stage, nints: usize, ngroups: usize, rows: usize, cols: usize, n_pix_grow_sat: usize, nframes: u32) -> Result<(), JsError> {
    let [data, zeroframe, thresh, bias] = slots_of(&mut stage.f32s);
    let [groupdq] = slots_of(&mut stage.u8s);
    let [pixeldq, sat_dq] = slots_of(&mut stage.u32s);
    apply_saturation(data, groupdq, pixeldq, zeroframe, thresh, sat_dq, bias, nints, ngroups, rows, cols, n_pix_grow_sat, nframes)
}

/// `applyIpc` on a staged band, with `weights` as given (a 2-D kernel) when the f32 slot 1 (the
/// per-pixel kernel) is empty. Slots: f32 `[data, kernel]`, u8 `[science]`.
#[wasm_bindgen(js_name = applyIpcStaged)]
#[allow(clippy::too_many_arguments)]
pub fn apply_ipc_staged(stage: &mut Stage, weights: &[f32], ky: usize, kx: usize, nints: usize, ngroups: usize, rows: usize, cols: usize) -> Result<(), JsError> {
    let [data, kernel] = slots_of(&mut stage.f32s);
    let [science] = slots_of(&mut stage.u8s);
    let per_pixel = !kernel.is_empty();
    apply_ipc(data, science, if per_pixel { kernel } else { weights }, ky, kx, per_pixel, nints, ngroups, rows, cols)
}

/// `applyRefpix` on a staged band. Slots: f32 `[data]`, u8 `[cls]`, u16 `[detRow]`.
#[wasm_bindgen(js_name = applyRefpixStaged)]
#[allow(clippy::too_many_arguments)]
pub fn apply_refpix_staged(
    stage: &mut Stage,
    classes: usize,
    wide: &[u8],
    values: &[f64],
    kinds: &[u8],
    side: &[f64],
    side_rows: usize,
    side_gain: f64,
    nints: usize,
    ngroups: usize,
    rows: usize,
    cols: usize,
) -> Result<(), JsError> {
    let [data] = slots_of(&mut stage.f32s);
    let [class] = slots_of(&mut stage.u8s);
    let [det_row] = slots_of(&mut stage.u16s);
    apply_refpix(data, class, det_row, classes, wide, values, kinds, side, side_rows, side_gain, nints, ngroups, rows, cols)
}

use detector1_kernels::tso_photometry;

/// jwst `tso_photometry`'s `aperture_sum` of each integration of a draft rateints `(nints,
/// rows, cols)` in DN/s. `gain` is the GAIN plane, or empty to leave the units alone; the
/// scalars are `TsoPhotometryParams`' fields.
#[wasm_bindgen(js_name = tsoApertureSums)]
#[allow(clippy::too_many_arguments)]
pub fn tso_aperture_sums(
    data: &[f32],
    dq: &[u32],
    gain: &[f32],
    nints: usize,
    rows: usize,
    cols: usize,
    integration_time: f64,
    xcenter: f64,
    ycenter: f64,
    radius: f64,
    radius_inner: f64,
    centroid_source: bool,
    search_box_width: i32,
    fit_box_width: i32,
    moving_centroid: bool,
    sum_all: bool,
) -> Result<Vec<f64>, JsError> {
    let params = tso_photometry::TsoPhotometryParams {
        integration_time,
        xcenter,
        ycenter,
        radius,
        radius_inner,
        centroid_source,
        search_box_width: search_box_width as i64,
        fit_box_width: fit_box_width as i64,
        moving_centroid,
        sum_all,
    };
    let gain = (!gain.is_empty()).then_some(gain);
    tso_photometry::tso_aperture_sums(data, dq, gain, nints, rows, cols, &params).map_err(to_js)
}
