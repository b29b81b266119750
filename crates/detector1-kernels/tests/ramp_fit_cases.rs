//! spec/steps/ramp_fitting.md §14: worked examples produced by running stcal's C fitter. Each
//! case is a tiny ramp with its truth values, compared to float32 precision.
//!
//! Common setup unless noted: 1 integration, nframes=1, groupgap=0, tframe=tgroup=10 s,
//! gain=2 e/DN, readnoise=10 DN (R = 10*2/sqrt(2) = 14.1421 e, R^2 = 200), no dark, no flags.

use detector1_kernels::dq::{CHARGELOSS, DO_NOT_USE, JUMP_DET, NO_GAIN_VALUE, PERSISTENCE, SATURATED};
use detector1_kernels::ramp_fit::{fit, Inputs, Output, Params};
use detector1_kernels::RampShape;

/// One pixel (or several, side by side) with its ramps, for the common setup.
struct Case {
    nints: usize,
    ngroups: usize,
    cols: usize,
    /// (nints, ngroups, 1, cols)
    data: Vec<f32>,
    groupdq: Vec<u8>,
    pixeldq: Vec<u32>,
    gain: Vec<f32>,
    readnoise: Vec<f32>,
    zeroframe: Option<Vec<f32>>,
    dark: Option<Vec<f32>>,
    params: Params,
}

impl Case {
    /// A single pixel, one integration per entry of `ramps`, groups with the given DQ.
    fn pixel(ramps: &[&[f32]], dqs: &[&[u8]]) -> Case {
        let ngroups = ramps[0].len();
        Case {
            nints: ramps.len(),
            ngroups,
            cols: 1,
            data: ramps.concat(),
            groupdq: dqs.concat(),
            pixeldq: vec![0],
            gain: vec![2.0],
            readnoise: vec![10.0],
            zeroframe: None,
            dark: None,
            params: Params::new(10.0, 10.0, 1, 0, ngroups),
        }
    }

    fn clean(ramp: &[f32]) -> Case {
        let dq = vec![0u8; ramp.len()];
        Case::pixel(&[ramp], &[&dq])
    }

    fn run(&self) -> Output {
        let shape = RampShape::new(self.nints, self.ngroups, 1, self.cols);
        let inputs = Inputs {
            data: &self.data,
            groupdq: &self.groupdq,
            pixeldq: &self.pixeldq,
            gain: &self.gain,
            readnoise: &self.readnoise,
            zeroframe: self.zeroframe.as_deref(),
            average_dark_current: self.dark.as_deref(),
        };
        fit(&inputs, shape, &self.params).expect("valid case")
    }
}

/// Equal to float32 precision (a few ulps), NaN equal to NaN.
#[track_caller]
fn close(actual: f32, expected: f64, what: &str) {
    if expected.is_nan() {
        assert!(actual.is_nan(), "{what}: expected NaN, got {actual}");
        return;
    }
    let tol = 4.0 * f32::EPSILON as f64 * expected.abs().max(1e-30);
    assert!(
        (actual as f64 - expected).abs() <= tol,
        "{what}: expected {expected}, got {actual} (diff {})",
        actual as f64 - expected
    );
}

/// [slope, var_poisson, var_rnoise, err] and dq of the rate product at pixel `p`.
#[track_caller]
fn rate_is(out: &Output, p: usize, expected: [f64; 4], dq: u32) {
    let r = &out.rate;
    close(r.slope[p], expected[0], "rate slope");
    close(r.var_poisson[p], expected[1], "rate var_poisson");
    close(r.var_rnoise[p], expected[2], "rate var_rnoise");
    close(r.err[p], expected[3], "rate err");
    assert_eq!(r.dq[p], dq, "rate dq");
}

#[track_caller]
fn rateints_is(out: &Output, at: usize, expected: [f64; 4], dq: u32) {
    let r = &out.rateints;
    close(r.slope[at], expected[0], "rateints slope");
    close(r.var_poisson[at], expected[1], "rateints var_poisson");
    close(r.var_rnoise[at], expected[2], "rateints var_rnoise");
    close(r.err[at], expected[3], "rateints err");
    assert_eq!(r.dq[at], dq, "rateints dq");
}

/// CASE A: five clean groups [10..50]. Median rate 1 DN/s; S = 80/sqrt(280) = 4.78 -> P = 0.
#[test]
fn a_clean_five_groups() {
    let out = Case::clean(&[10., 20., 30., 40., 50.]).run();
    rate_is(&out, 0, [1.0, 0.0125, 0.05, 0.25], 0);
    rateints_is(&out, 0, [1.0, 0.0125, 0.05, 0.25], 0);
}

/// CASE B: weighting check. tgroup=tframe=1, gain=1, readnoise=10 (R^2=50), data
/// [0,100,200,300,410]: S = 19.1 -> P = 1, relative weights [1, .5, 0, .5, 1].
#[test]
fn b_optimal_weights_and_fitopt() {
    let mut case = Case::clean(&[0., 100., 200., 300., 410.]);
    case.gain = vec![1.0];
    case.params = Params { save_opt: true, ..Params::new(1.0, 1.0, 1, 0, 5) };
    let out = case.run();
    rate_is(&out, 0, [2760.0 / 27.0, 25.0, 5.0, 5.477226], 0);
    let f = out.fitopt.as_ref().expect("fitopt");
    assert_eq!((f.max_seg, f.max_cr), (1, 0));
    close(f.slope[0], 102.22222, "fitopt slope");
    close(f.sigslope[0], 2.3570225, "sigslope");
    close(f.yint[0], -1.1111112, "yint");
    close(f.sigyint[0], 6.2360954, "sigyint");
    close(f.weights[0], 0.2, "weights");
    close(f.var_rnoise[0], 5.0, "fitopt var_rnoise");
    close(f.var_poisson[0], 25.0, "fitopt var_poisson");
    close(f.pedestal[0], -102.22222, "pedestal");
    assert!(f.crmag.is_empty());
}

/// CASE C: a jump splits 7 groups into [0..2] (slope 1) and [3..6] (slope 2).
#[test]
fn c_jump_splits_ramp() {
    let mut case = Case::pixel(&[&[10., 20., 30., 1040., 1060., 1080., 1100.]], &[&[0, 0, 0, 4, 0, 0, 0]]);
    case.params.save_opt = true;
    let out = case.run();
    rateints_is(&out, 0, [1.7142857, 0.02, 0.07142857, 0.3038218], JUMP_DET);
    rate_is(&out, 0, [1.7142857, 0.02, 0.07142857, 0.3023716], JUMP_DET);
    let f = out.fitopt.as_ref().unwrap();
    assert_eq!((f.max_seg, f.max_cr), (2, 1));
    close(f.slope[0], 1.0, "seg0 slope");
    close(f.slope[1], 2.0, "seg1 slope");
    close(f.var_rnoise[0], 0.25, "seg0 var_r");
    close(f.var_rnoise[1], 0.1, "seg1 var_r");
    close(f.var_poisson[0], 0.05, "seg0 var_p");
    close(f.var_poisson[1], 1.0 / 30.0, "seg1 var_p");
    close(f.weights[0], 4.0, "seg0 weight");
    close(f.weights[1], 10.0, "seg1 weight");
    close(f.yint[0], 10.0, "seg0 yint");
    close(f.yint[1], 980.0, "seg1 yint");
    close(f.sigslope[0], 10.0, "seg0 sigslope");
    close(f.sigslope[1], 6.440099, "seg1 sigslope");
    close(f.crmag[0], 1010.0, "crmag");
    close(f.pedestal[0], 8.285714, "pedestal");
}

/// CASE D: two integrations segmented differently; the rate weights all segments of all
/// integrations by 1/var_r, not the integration slopes.
#[test]
fn d_two_integrations() {
    let out = Case::pixel(
        &[&[10., 20., 30., 40., 50., 60.], &[10., 20., 30., 1040., 1060., 1080.]],
        &[&[0; 6], &[0, 0, 0, 4, 0, 0]],
    )
    .run();
    rateints_is(&out, 0, [1.0, 0.0125, 0.02857143, (0.0125f64 + 24.0 / 840.0).sqrt()], 0);
    rateints_is(&out, 1, [1.5, 0.015625, 0.125, 0.375], JUMP_DET);
    rate_is(&out, 0, [1.0930233, 0.006944444, 0.02325581, 0.1737822], JUMP_DET);
}

/// CASE E: saturation and short ramps.
#[test]
fn e_partial_saturation_two_group_segment() {
    let out = Case::pixel(&[&[100., 200., 300., 400., 500.]], &[&[0, 0, 2, 2, 2]]).run();
    rate_is(&out, 0, [10.0, 0.5, 1.0, 1.224745], SATURATED);
    rateints_is(&out, 0, [10.0, 0.5, 1.0, 1.224745], SATURATED);
}

#[test]
fn e_one_good_group_suppressed_or_0th_group_timing() {
    let ramp: &[f32] = &[100., 200., 300., 400., 500.];
    let dq: &[u8] = &[0, 2, 2, 2, 2];
    let out = Case::pixel(&[ramp], &[dq]).run();
    rate_is(&out, 0, [f64::NAN, 0.0, 0.0, 0.0], DO_NOT_USE | SATURATED);
    rateints_is(&out, 0, [f64::NAN, 0.0, 0.0, 0.0], DO_NOT_USE | SATURATED);

    let mut off = Case::pixel(&[ramp], &[dq]);
    off.params.suppress_one_group = false;
    let out = off.run();
    rate_is(&out, 0, [10.0, 0.5, 1.0, 1.224745], SATURATED);
}

#[test]
fn e_one_and_two_group_exposures() {
    let mut one = Case::clean(&[100.]);
    one.params.suppress_one_group = false; // forced off for NGROUPS = 1 by the caller
    rate_is(&one.run(), 0, [10.0, 0.5, 1.0, 1.224745], 0);
    rate_is(&Case::clean(&[100., 150.]).run(), 0, [5.0, 0.25, 1.0, 1.118034], 0);
}

/// ZEROFRAME: all 3 groups saturated, ZEROFRAME 30; a second, clean pixel keeps the exposure fittable.
#[test]
fn e_zeroframe() {
    let make = |suppress: bool| {
        let mut c = Case::pixel(&[&[500., 100., 600., 150., 700., 200.]], &[&[2, 0, 2, 0, 2, 0]]);
        c.ngroups = 3;
        c.cols = 2;
        c.pixeldq = vec![0, 0];
        c.gain = vec![2.0, 2.0];
        c.readnoise = vec![10.0, 10.0];
        c.zeroframe = Some(vec![30.0, 40.0]);
        c.params = Params { suppress_one_group: suppress, ..Params::new(10.0, 10.0, 1, 0, 3) };
        c.run()
    };
    rate_is(&make(true), 0, [f64::NAN, 0.0, 0.0, 0.0], DO_NOT_USE | SATURATED);
    let out = make(false);
    rate_is(&out, 0, [3.0, 0.15, 1.0, 1.0723805], SATURATED);
    rateints_is(&out, 0, [3.0, 0.15, 1.0, 1.0723805], SATURATED);
}

#[test]
fn e_saturated_integration_next_to_clean_one() {
    let out = Case::pixel(&[&[100., 150., 200.], &[100., 150., 200.]], &[&[2, 2, 2], &[0, 0, 0]]).run();
    rateints_is(&out, 0, [f64::NAN, 0.0, 0.0, 0.0], DO_NOT_USE | SATURATED);
    rateints_is(&out, 1, [5.0, 0.0625, 0.25, 0.559017], 0);
    rate_is(&out, 0, [5.0, 0.0625, 0.25, 0.559017], SATURATED);
}

/// CASE F: CHARGELOSS in the last three groups: fit on groups 0-2, read noise recomputed
/// from all six groups, err keeps the fit's read noise.
#[test]
fn f_chargeloss() {
    let cl = (CHARGELOSS | DO_NOT_USE) as u8;
    let out = Case::pixel(&[&[10., 20., 30., 40., 50., 60.]], &[&[0, 0, 0, cl, cl, cl]]).run();
    rate_is(&out, 0, [1.0, 0.025, 0.02857143, 0.5244044], 0);
    rateints_is(&out, 0, [1.0, 0.025, 0.02857143, 0.5244044], 0);
}

/// CASE G: other checks.
#[test]
fn g_nframes_groupgap() {
    let mut case = Case::clean(&[10., 20., 30., 40., 50.]);
    case.params = Params::new(2.0, 10.0, 4, 1, 5);
    rate_is(&case.run(), 0, [1.0, 0.0125, 0.0125, 0.1581139], 0);
}

#[test]
fn g_persistence_group_is_good() {
    let pers = PERSISTENCE as u8;
    let out = Case::pixel(&[&[10., 20., 30., 40., 50., 60.]], &[&[0, 0, pers, 0, 0, 0]]).run();
    rate_is(&out, 0, [1.0, 0.01, 0.02857143, (0.01f64 + 24.0 / 840.0).sqrt()], PERSISTENCE);
}

#[test]
fn g_do_not_use_group_splits() {
    let out = Case::pixel(&[&[10., 20., 30., 40., 50., 60.]], &[&[0, 0, 1, 0, 0, 0]]).run();
    close(out.rate.var_rnoise[0], 0.2, "var_r");
    close(out.rate.err[0], 0.4654747, "rate err");
    close(out.rateints.err[0], 0.4668239, "rateints err");
    assert_eq!(out.rate.dq[0], 0);
}

#[test]
fn g_negative_ramp_and_dark_current() {
    let ramp: &[f32] = &[50., 40., 30., 20., 10.];
    let out = Case::clean(ramp).run();
    rate_is(&out, 0, [-1.0, 0.0, 0.05, 0.05f64.sqrt()], 0);
    let mut dark = Case::clean(ramp);
    dark.dark = Some(vec![0.5]);
    let out = dark.run();
    close(out.rate.slope[0], -1.0, "slope");
    close(out.rate.var_poisson[0], 0.00625, "var_p with dark");
}

#[test]
fn g_three_groups_high_snr_is_end_point_difference() {
    let mut case = Case::clean(&[0., 1000., 2100.]);
    case.gain = vec![1.0];
    case.params = Params::new(1.0, 1.0, 1, 0, 3);
    let out = case.run();
    close(out.rate.slope[0], 1050.0, "slope");
    close(out.rate.var_poisson[0], 525.0, "var_p");
    close(out.rate.var_rnoise[0], 25.0, "var_r");
}

/// §10: a bad gain flags the pixel DO_NOT_USE|NO_GAIN_VALUE and gives NaN with zero variances.
#[test]
fn bad_gain_pixels() {
    for gain in [0.0, -1.0, f32::NAN] {
        let mut case = Case::clean(&[10., 20., 30., 40., 50.]);
        case.gain = vec![gain];
        let out = case.run();
        rate_is(&out, 0, [f64::NAN, 0.0, 0.0, 0.0], DO_NOT_USE | NO_GAIN_VALUE);
        rateints_is(&out, 0, [f64::NAN, 0.0, 0.0, 0.0], DO_NOT_USE | NO_GAIN_VALUE);
    }
}

/// §10: readnoise 0 gives a NaN slope, var_rnoise 0 and err = sqrt(var_poisson).
#[test]
fn zero_readnoise() {
    let mut case = Case::clean(&[10., 20., 30., 40., 50.]);
    case.readnoise = vec![0.0];
    let out = case.run();
    rate_is(&out, 0, [f64::NAN, 0.0125, 0.0, 0.0125f64.sqrt()], 0);
}

/// §10: every group JUMP only: no segment, not DO_NOT_USE: zeros, not NaN.
#[test]
fn all_jump_groups_give_zeros() {
    let out = Case::pixel(&[&[10., 20., 30.]], &[&[4, 4, 4]]).run();
    rate_is(&out, 0, [0.0, 0.0, 0.0, 0.0], JUMP_DET);
    rateints_is(&out, 0, [0.0, 0.0, 0.0, 0.0], JUMP_DET);
}
