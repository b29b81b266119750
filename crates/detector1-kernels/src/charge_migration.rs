//! `charge_migration`: CHARGELOSS|DO_NOT_USE from the first group above a signal threshold on,
//! on the pixel and its 4 edge neighbours (spec/steps/other.md §2, jwst `charge_migration`).
//!
//! Which groups qualify is decided on the input GROUPDQ (jwst finds them all before flagging),
//! so a neighbour's new flags never stop a pixel from qualifying. The neighbourhood reaches one
//! row: callers give bands a halo of [`HALO_ROWS`] and keep the core rows.

use crate::dq;
use crate::error::KernelError;
use crate::tile::RampShape;

/// Rows of context a band needs above and below.
pub const HALO_ROWS: usize = 1;

const CHARGELOSS_DNU: u8 = (dq::CHARGELOSS | dq::DO_NOT_USE) as u8;
const DNU: u8 = dq::DO_NOT_USE as u8;

/// Flags `groupdq` `(nints, ngroups, rows, cols)` in place. A group qualifies where
/// `data > signal_threshold` (float32, as numpy 2 compares a float32 array with a Python float)
/// and its flags are not exactly DO_NOT_USE (other bits with DO_NOT_USE still qualify).
pub fn apply(data: &[f32], groupdq: &mut [u8], signal_threshold: f32, shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_cube("groupdq", groupdq.len())?;
    if signal_threshold.is_nan() {
        return Err(KernelError::InvalidParameter { argument: "signal_threshold", reason: "is NaN".into() });
    }
    let (rows, cols, ngroups) = (shape.rows, shape.cols, shape.ngroups);
    let npix = shape.plane_len();
    // First qualifying group of each pixel (ngroups: none), then the earliest over the pixel
    // and its neighbours: from there on the pixel is flagged.
    let mut first = vec![ngroups; npix];
    let mut from = vec![ngroups; npix];
    for int in 0..shape.nints {
        let int_data = &data[int * ngroups * npix..][..ngroups * npix];
        let int_gdq = &mut groupdq[int * ngroups * npix..][..ngroups * npix];
        first.fill(ngroups);
        for g in (0..ngroups).rev() {
            let plane = &int_data[g * npix..][..npix];
            let flags = &int_gdq[g * npix..][..npix];
            for ((f, &v), &d) in first.iter_mut().zip(plane).zip(flags) {
                if v > signal_threshold && d != DNU {
                    *f = g;
                }
            }
        }
        for r in 0..rows {
            for c in 0..cols {
                let p = r * cols + c;
                let mut m = first[p];
                if r > 0 {
                    m = m.min(first[p - cols]);
                }
                if r + 1 < rows {
                    m = m.min(first[p + cols]);
                }
                if c > 0 {
                    m = m.min(first[p - 1]);
                }
                if c + 1 < cols {
                    m = m.min(first[p + 1]);
                }
                from[p] = m;
            }
        }
        for g in 0..ngroups {
            let flags = &mut int_gdq[g * npix..][..npix];
            for (d, &f) in flags.iter_mut().zip(&from) {
                if f <= g {
                    *d |= CHARGELOSS_DNU;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CL: u8 = CHARGELOSS_DNU;

    /// CASE (spec example): ramp 24000, 26000, 28000 at the centre of 3x3, threshold 25000 ->
    /// groups 1 and 2 of the centre and its 4 edge neighbours become 129, corners stay 0.
    #[test]
    fn spec_example() {
        let shape = RampShape::new(1, 3, 3, 3);
        let mut data = vec![100.0f32; 27];
        for (g, v) in [24000.0, 26000.0, 28000.0].into_iter().enumerate() {
            data[g * 9 + 4] = v;
        }
        let mut gdq = vec![0u8; 27];
        apply(&data, &mut gdq, 25000.0, shape).unwrap();
        let cross = [0, CL, 0, CL, CL, CL, 0, CL, 0];
        assert_eq!(&gdq[..9], &[0; 9]);
        assert_eq!(&gdq[9..18], &cross);
        assert_eq!(&gdq[18..], &cross);
        assert_eq!(CL, 129);
    }

    /// CASE: a group flagged exactly DO_NOT_USE does not qualify; DO_NOT_USE with another bit
    /// does; equality is not "above"; existing bits are kept; integrations are independent.
    #[test]
    fn qualifying_groups() {
        let shape = RampShape::new(2, 2, 1, 3);
        // int 0: pixel 0 exactly DNU above threshold, pixel 2 DNU|SAT above threshold.
        // int 1: pixel 1 equal to the threshold in group 0, above it in group 1.
        let data = [30.0, 1.0, 30.0, 1.0, 1.0, 1.0, 1.0, 25.0, 1.0, 1.0, 26.0, 1.0];
        let mut gdq = [DNU, 0, DNU | 2, 0, 4, 0, 0, 0, 0, 0, 0, 0];
        apply(&data, &mut gdq, 25.0, shape).unwrap();
        assert_eq!(gdq, [DNU, CL, CL | 2, 0, CL | 4, CL, 0, 0, 0, CL, CL, CL]);
    }

    /// Qualification is judged on the input flags: B (exactly DO_NOT_USE, above the threshold in
    /// group 1) is flagged from group 0 by its neighbour A, but does not itself qualify, so its
    /// other neighbour C stays clean (judging on the updated flags, 129, would flag C).
    #[test]
    fn detection_uses_the_input_flags() {
        let shape = RampShape::new(1, 2, 1, 3);
        let data = [30.0, 1.0, 1.0, 30.0, 30.0, 1.0];
        let mut gdq = [0, 0, 0, 0, DNU, 0];
        apply(&data, &mut gdq, 25.0, shape).unwrap();
        assert_eq!(gdq, [CL, CL, 0, CL, CL, 0]);
    }

    /// Bands with HALO_ROWS rows of context give the untiled result.
    #[test]
    fn bands_with_halo_equal_whole() {
        let shape = RampShape::new(2, 4, 9, 6);
        let n = shape.cube_len();
        let data: Vec<f32> = (0..n).map(|i| (i * 7919 % 1009) as f32).collect();
        let gdq0: Vec<u8> = (0..n).map(|i| [0, 0, 0, DNU, 4, DNU | 2][i * 31 % 6]).collect();
        let mut whole = gdq0.clone();
        apply(&data, &mut whole, 990.0, shape).unwrap();
        assert!(whole.iter().zip(&gdq0).any(|(a, b)| a != b));
        let plane = shape.plane_len();
        for band_rows in 1..=shape.rows {
            let mut row0 = 0;
            while row0 < shape.rows {
                let rows = band_rows.min(shape.rows - row0);
                let g0 = row0.saturating_sub(HALO_ROWS);
                let g1 = (row0 + rows + HALO_ROWS).min(shape.rows);
                let band = RampShape::new(2, 4, g1 - g0, 6);
                let cut = |a: &[u8]| -> Vec<u8> { (0..8).flat_map(|p| a[p * plane + g0 * 6..p * plane + g1 * 6].to_vec()).collect() };
                let bdata: Vec<f32> = (0..8).flat_map(|p| data[p * plane + g0 * 6..p * plane + g1 * 6].to_vec()).collect();
                let mut bgdq = cut(&gdq0);
                apply(&bdata, &mut bgdq, 990.0, band).unwrap();
                for p in 0..8 {
                    let ours = &bgdq[p * band.plane_len() + (row0 - g0) * 6..][..rows * 6];
                    assert_eq!(ours, &whole[p * plane + row0 * 6..][..rows * 6], "band {row0}+{rows} plane {p}");
                }
                row0 += rows;
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let shape = RampShape::new(1, 3, 1, 2);
        let err = apply(&[0.0; 5], &mut [0; 6], 1.0, shape).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "data", expected: 6, actual: 5 });
        assert_eq!(apply(&[0.0; 6], &mut [0; 6], f32::NAN, shape).unwrap_err().code(), "invalid_parameter");
    }
}
