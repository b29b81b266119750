//! `rscd` (spec/steps/miri.md §2, jwst 3.0 `rscd/rscd_sub.py`): DO_NOT_USE on the first groups
//! of MIRI integrations, backed off where the pixel saturates early.
//!
//! jwst runs one back-off loop per integration range (integration 1; integrations 2 and later):
//! starting at 1-based group `m = skip + 2`, every pixel SATURATED in group `m` (and not in the
//! first group) loses one skipped group, then `m` drops by one. The loop stops for the whole
//! range at the first level where no pixel needs it, so the number of rounds is global:
//! [`backoff_rounds`] counts them on the whole range, [`apply`] then works pixel by pixel
//! (on row bands).

use crate::dq;
use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;

const SAT: u8 = dq::SATURATED as u8;

fn check_skip(skip: usize, shape: RampShape) -> Result<(), KernelError> {
    if skip + 2 > shape.ngroups {
        return Err(KernelError::InvalidParameter { argument: "skip", reason: format!("{skip} skipped groups need at least {} groups, got {}", skip + 2, shape.ngroups) });
    }
    Ok(())
}

/// Rounds of jwst's back-off loop for `skip` over integrations `ints` of `groupdq`.
pub fn backoff_rounds(groupdq: &[u8], shape: RampShape, ints: std::ops::Range<usize>, skip: usize) -> Result<usize, KernelError> {
    shape.validate()?;
    shape.expect_cube("groupdq", groupdq.len())?;
    check_skip(skip, shape)?;
    if ints.end > shape.nints {
        return Err(KernelError::InvalidParameter { argument: "ints", reason: format!("{ints:?} beyond {} integrations", shape.nints) });
    }
    let plane = shape.plane_len();
    let problem_at = |m: usize| {
        ints.clone().any(|i| {
            let base = i * shape.ngroups * plane;
            (0..plane).any(|p| groupdq[base + (m - 1) * plane + p] & SAT != 0 && groupdq[base + p] & SAT == 0)
        })
    };
    let mut rounds = 0;
    let mut m = skip + 2;
    while m > 1 && problem_at(m) {
        rounds += 1;
        m -= 1;
    }
    Ok(rounds)
}

/// What one integration range asks of [`apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub skip: usize,
    /// From [`backoff_rounds`] on the whole range.
    pub rounds: usize,
}

/// `summary` bits per pixel: range `k` (0 or 1) sets bit `2k` when the pixel's skip was lowered
/// in one of its integrations and bit `2k+1` when it dropped to 0 (jwst counts the latter only
/// when the range had any back-off).
pub const LOWERED: u8 = 1;
pub const NO_SKIP: u8 = 2;

/// Flags `groupdq` `(nints, ngroups, rows, cols)`: integration `i` follows `ranges[range_of[i]]`
/// (`range_of[i]` = 255: untouched). Lowered pixels get FLUX_ESTIMATED in `pixeldq`.
pub fn apply(
    groupdq: &mut [u8],
    pixeldq: &mut [u32],
    summary: &mut [u8],
    ranges: &[Range],
    range_of: &[u8],
    shape: RampShape,
) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("groupdq", groupdq.len())?;
    shape.expect_plane("pixeldq", pixeldq.len())?;
    shape.expect_plane("summary", summary.len())?;
    expect_len("range_of", range_of.len(), shape.nints)?;
    if ranges.len() > 2 {
        return Err(KernelError::InvalidParameter { argument: "ranges", reason: format!("{} ranges, at most 2", ranges.len()) });
    }
    for r in ranges {
        check_skip(r.skip, shape)?;
        if r.rounds > r.skip + 1 {
            return Err(KernelError::InvalidParameter { argument: "rounds", reason: format!("{} rounds for skip {}", r.rounds, r.skip) });
        }
    }
    if let Some(&k) = range_of.iter().find(|&&k| k != 255 && k as usize >= ranges.len()) {
        return Err(KernelError::InvalidParameter { argument: "range_of", reason: format!("range {k} of {}", ranges.len()) });
    }
    let plane = shape.plane_len();
    for (i, integration) in groupdq.chunks_exact_mut(shape.ngroups * plane).enumerate() {
        let k = range_of[i];
        if k == 255 {
            continue;
        }
        let Range { skip, rounds } = ranges[k as usize];
        for p in 0..plane {
            let mut s = skip;
            if integration[p] & SAT == 0 {
                for m in (skip + 2 - rounds + 1..=skip + 2).rev() {
                    if integration[(m - 1) * plane + p] & SAT != 0 {
                        s = s.saturating_sub(1);
                    }
                }
            }
            if s < skip {
                summary[p] |= LOWERED << (2 * k);
                pixeldq[p] |= dq::FLUX_ESTIMATED;
            }
            if rounds > 0 && s == 0 {
                summary[p] |= NO_SKIP << (2 * k);
            }
            for g in 0..s {
                integration[g * plane + p] |= dq::DO_NOT_USE as u8;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1 integration x `ngroups`, one pixel per entry of `first_sat` (first SATURATED group, if any).
    fn ramp(ngroups: usize, first_sat: &[Option<usize>]) -> (Vec<u8>, RampShape) {
        let n = first_sat.len();
        let mut gdq = vec![0u8; ngroups * n];
        for (p, s) in first_sat.iter().enumerate() {
            if let Some(s) = s {
                for g in *s..ngroups {
                    gdq[g * n + p] = SAT;
                }
            }
        }
        (gdq, RampShape::new(1, ngroups, 1, n))
    }

    /// CASE (spec example): skip 2, 10 groups; first saturation at index 3 -> skip 1, at 2 ->
    /// skip 0, never -> 2, at 0 -> 2 (unrecoverable, kept).
    #[test]
    fn spec_example_backoff() {
        let (mut gdq, shape) = ramp(10, &[Some(3), Some(2), None, Some(0)]);
        let rounds = backoff_rounds(&gdq, shape, 0..1, 2).unwrap();
        assert_eq!(rounds, 2);
        let mut pdq = [0u32; 4];
        let mut summary = [0u8; 4];
        apply(&mut gdq, &mut pdq, &mut summary, &[Range { skip: 2, rounds }], &[0], shape).unwrap();
        let dnu = |g: usize, p: usize| gdq[g * 4 + p] & 1;
        assert_eq!([dnu(0, 0), dnu(1, 0)], [1, 0]);
        assert_eq!([dnu(0, 1), dnu(1, 1)], [0, 0]);
        assert_eq!([dnu(0, 2), dnu(1, 2), dnu(2, 2)], [1, 1, 0]);
        assert_eq!([dnu(0, 3), dnu(1, 3)], [1, 1]);
        assert_eq!(pdq, [dq::FLUX_ESTIMATED, dq::FLUX_ESTIMATED, 0, 0]);
        assert_eq!(summary, [LOWERED, LOWERED | NO_SKIP, 0, 0]);
    }

    /// The loop stops for every pixel at the first level where no pixel needs it: a pixel
    /// saturated in group 2 (1-based) but not in group 3 is never lowered.
    #[test]
    fn rounds_are_global() {
        let shape = RampShape::new(1, 6, 1, 1);
        let mut gdq = vec![0u8; 6];
        gdq[1] = SAT;
        assert_eq!(backoff_rounds(&gdq, shape, 0..1, 1).unwrap(), 0);
        let mut summary = [0u8];
        apply(&mut gdq, &mut [0], &mut summary, &[Range { skip: 1, rounds: 0 }], &[0], shape).unwrap();
        assert_eq!(gdq[0], 1);
        assert_eq!(summary, [0]);
    }

    #[test]
    fn rejects_too_many_skipped_groups() {
        let (gdq, shape) = ramp(3, &[None]);
        assert_eq!(backoff_rounds(&gdq, shape, 0..1, 2).unwrap_err().code(), "invalid_parameter");
    }
}
