//! `persistence`: PERSISTENCE (optionally with DO_NOT_USE) on groups inside a per-pixel time
//! window opened by the first saturated group or by a signal above `dn_threshold` (jwst 3.0
//! `persistence.DataSet.process_persistence_flagging`; spec/steps/other.md §3).
//!
//! The window ends `window` (rows, cols) are Unix seconds, 0 = no window, and carry over from one
//! integration (and exposure) to the next: the caller passes them in and gets them back, so a run
//! over a slice of integrations continues exactly where the previous slice stopped. Every pixel is
//! independent: bands need no halo.

use crate::dq;
use crate::error::KernelError;
use crate::tile::RampShape;

const SAT: u8 = dq::SATURATED as u8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Window length in seconds (jwst `persistence_time`, > 0).
    pub persistence_time: f64,
    /// A group above this (float32, as numpy 2 compares a float32 plane with a Python float)
    /// opens a window where none is open; `None`: off.
    pub dn_threshold: Option<f32>,
    /// Also set DO_NOT_USE (jwst `persistence_dnu`).
    pub do_not_use: bool,
}

/// Flags `groupdq` `(nints, ngroups, rows, cols)` in place and updates `window` `(rows, cols)`.
/// `times` holds, per integration and group, the float64 time jwst reaches at that group
/// (integration start plus `g + 1` group times, accumulated one addition at a time). `data` is
/// read only for `dn_threshold` and may be empty without one.
pub fn apply(
    data: &[f32],
    groupdq: &mut [u8],
    window: &mut [f64],
    times: &[f64],
    shape: RampShape,
    params: &Params,
) -> Result<(), KernelError> {
    shape.validate()?;
    if params.dn_threshold.is_some() || !data.is_empty() {
        shape.expect_cube("data", data.len())?;
    }
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("window", window.len())?;
    crate::error::expect_len("times", times.len(), shape.nints * shape.ngroups)?;
    if params.persistence_time <= 0.0 || !params.persistence_time.is_finite() {
        return Err(KernelError::InvalidParameter {
            argument: "persistence_time",
            reason: format!("must be positive and finite, got {}", params.persistence_time),
        });
    }
    if params.dn_threshold.is_some_and(f32::is_nan) {
        return Err(KernelError::InvalidParameter { argument: "dn_threshold", reason: "is NaN".into() });
    }
    let flag = if params.do_not_use { (dq::PERSISTENCE | dq::DO_NOT_USE) as u8 } else { dq::PERSISTENCE as u8 };
    let npix = shape.plane_len();
    // Saturated groups so far in this integration: the window opens while the count is exactly 1
    // (jwst re-opens it at every later group that adds no SATURATED flag).
    let mut saturated = vec![0u32; npix];
    for (plane, (&now, flags)) in times.iter().zip(groupdq.chunks_exact_mut(npix)).enumerate() {
        if plane % shape.ngroups == 0 {
            saturated.fill(0);
        }
        let values = params.dn_threshold.map(|_| &data[plane * npix..][..npix]);
        let end = now + params.persistence_time;
        for (p, ((w, f), count)) in window.iter_mut().zip(flags.iter_mut()).zip(saturated.iter_mut()).enumerate() {
            if *w < now {
                *w = 0.0;
            }
            *count += u32::from(*f & SAT != 0);
            if *count == 1 {
                *w = end;
            }
            if let (Some(threshold), Some(values)) = (params.dn_threshold, values) {
                // jwst tests "no window open" as "not > 0" (a NaN window from a file counts as none).
                let open = *w > 0.0;
                if values[p] > threshold && !open {
                    *w = end;
                }
            }
            // A window that would start after this group is invalid (jwst: "backwards flagging").
            if *w != 0.0 && *w - end > 0.0 {
                *w = 0.0;
            }
            if *w > 0.0 {
                *f |= flag;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERS: u8 = dq::PERSISTENCE as u8;

    fn times(nints: usize, ngroups: usize, start: f64, int_time: f64, group_time: f64) -> Vec<f64> {
        let mut out = Vec::new();
        for i in 0..nints {
            let mut t = start + i as f64 * int_time;
            for _ in 0..ngroups {
                t += group_time;
                out.push(t);
            }
        }
        out
    }

    fn params(persistence_time: f64) -> Params {
        Params { persistence_time, dn_threshold: None, do_not_use: false }
    }

    /// CASE: saturation from group 2 on opens a window of 25 s (group time 10 s): groups 2-4
    /// of integration 0 are flagged, and in integration 1 (starting at 100 s) the window that
    /// ended at 55 s is gone.
    #[test]
    fn window_from_first_saturation() {
        let shape = RampShape::new(2, 5, 1, 2);
        let data = vec![1.0f32; 20];
        let mut gdq = vec![0u8; 20];
        for g in 2..5 {
            gdq[g * 2] = SAT;
        }
        let mut window = vec![0.0; 2];
        let t = times(2, 5, 0.0, 100.0, 10.0);
        apply(&data, &mut gdq, &mut window, &t, shape, &params(25.0)).unwrap();
        let first: Vec<u8> = (0..5).map(|g| gdq[g * 2]).collect();
        assert_eq!(first, [0, 0, SAT | PERS, SAT | PERS, SAT | PERS]);
        assert!(gdq[10..].iter().all(|&f| f == 0));
        assert_eq!(window, [0.0, 0.0]);
    }

    /// CASE: a window carried in (from an earlier exposure or slice) flags until it ends; one that
    /// would start after the current group is dropped; the state after the run is returned.
    #[test]
    fn carried_windows() {
        let shape = RampShape::new(1, 4, 1, 3);
        let data = vec![1.0f32; 12];
        let mut gdq = vec![0u8; 12];
        // Pixel 0 ends at 25 s; pixel 1 "ends" at 1000 s, i.e. starts after every group; pixel 2 none.
        let mut window = vec![25.0, 1000.0, 0.0];
        let t = times(1, 4, 0.0, 0.0, 10.0);
        apply(&data, &mut gdq, &mut window, &t, shape, &params(30.0)).unwrap();
        let pixel = |p: usize| (0..4).map(|g| gdq[g * 3 + p]).collect::<Vec<_>>();
        assert_eq!(pixel(0), [PERS, PERS, 0, 0]);
        assert_eq!(pixel(1), [0, 0, 0, 0]);
        assert_eq!(pixel(2), [0, 0, 0, 0]);
        assert_eq!(window, [0.0, 0.0, 0.0]);
    }

    /// CASE: one isolated SATURATED group keeps the count at 1, so jwst re-opens the window at
    /// every later group of the integration; with `dn_threshold` a bright group opens one where
    /// none is open; `persistence_dnu` adds DO_NOT_USE.
    #[test]
    fn reopening_threshold_and_dnu() {
        let shape = RampShape::new(1, 4, 1, 2);
        let data = [1.0f32, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 600.0];
        let mut gdq = [SAT, 0, 0, 0, 0, 0, 0, 0];
        let mut window = vec![0.0; 2];
        let t = times(1, 4, 0.0, 0.0, 10.0);
        let p = Params { persistence_time: 5.0, dn_threshold: Some(500.0), do_not_use: true };
        apply(&data, &mut gdq, &mut window, &t, shape, &p).unwrap();
        let both = PERS | dq::DO_NOT_USE as u8;
        assert_eq!(gdq, [SAT | both, 0, both, 0, both, 0, both, both]);
        assert_eq!(window, [45.0, 45.0]);
    }

    /// Without `dn_threshold` the data are not needed; with one they are.
    #[test]
    fn data_only_for_the_threshold() {
        let shape = RampShape::new(1, 2, 1, 1);
        let (mut gdq, mut window) = ([SAT, 0u8], [0.0; 1]);
        apply(&[], &mut gdq, &mut window, &[1.0, 2.0], shape, &params(5.0)).unwrap();
        assert_eq!(gdq, [SAT | PERS, PERS]);
        let p = Params { dn_threshold: Some(1.0), ..params(5.0) };
        let err = apply(&[], &mut gdq, &mut window, &[1.0, 2.0], shape, &p).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "data", expected: 2, actual: 0 });
    }

    #[test]
    fn bad_input_is_an_error() {
        let shape = RampShape::new(1, 2, 1, 1);
        let (data, mut gdq, mut window) = ([0.0f32; 2], [0u8; 2], [0.0; 1]);
        let err = apply(&data, &mut gdq, &mut window, &[1.0], shape, &params(1.0)).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "times", expected: 2, actual: 1 });
        let err = apply(&data, &mut gdq, &mut window, &[1.0, 2.0], shape, &params(0.0)).unwrap_err();
        assert_eq!(err.code(), "invalid_parameter");
    }
}
