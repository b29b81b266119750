//! jwst's `irs2_mean_subtraction` (refpix on NIRSpec IRS2 data, jwst `refpix_step.py` IRS2 branch
//! calling `reference_pixels.correct_model` with `use_side_ref_pixels` forced off): before the
//! IRS2 correction, every group gets the traditional top/bottom reference-pixel means removed.
//!
//! In detector orientation the frame is `ny` (2048) rows of `nx` (3200) columns cut into 5
//! sectors of `nx/5` columns ("0ABCD": the reference output, then amplifiers A-D). Per sector,
//! the DO_NOT_USE-free pixels of rows 0-3 (bottom) and `ny-4..ny` (top) give sigma-clipped means
//! (`refpix::clipped_mean`, float32 as jwst's group buffer), split by jwst's IRS2 column parity
//! ([`odd_columns`]) when `odd_even_columns`; the top and bottom means are averaged and subtracted
//! from the whole sector (reference output and interleaved columns included). A sector whose odd
//! or even mean has no good pixel stays as it is. No side correction, no DQ change.

use crate::dq::DO_NOT_USE;
use crate::error::{expect_len, KernelError};
use crate::irs2::Irs2Layout;
use crate::refpix::{average, clipped_mean, Signal};

/// Reference rows of the detector frame at each end (bottom `0..4`, top `ny-4..ny`).
const EDGE_ROWS: usize = 4;

/// jwst `make_irs2_odd_mask`: true for the detector columns (0..`nx`) that take the "odd" mean.
/// Normal and traditional pixels alternate (even index = odd column); each interleaved reference
/// visit reads two odd then two even pixels (index mod 4 in {0, 1} = odd). The reference output
/// sector is treated like amplifier A.
pub fn odd_columns(nx: usize, ny: usize, scipix_n: usize, refpix_r: usize) -> Vec<bool> {
    let layout = Irs2Layout { scipix_n, refpix_r, pad: 0, ny, nx };
    let mut interleaved: Vec<bool> = layout.normal_mask().iter().map(|&normal| !normal).collect();
    let sector = nx / 5;
    interleaved.copy_within(sector..2 * sector, 0);
    (0..nx).map(|c| if interleaved[c] { c % 4 < 2 } else { c % 2 == 0 }).collect()
}

/// Where the detector frame sits in the DMS plane `(nx, ny)` (rows are the 3200 axis): jwst's
/// `science_detector_frame_transform` with |FASTAXIS| = 2 (a transpose), reversed per sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation {
    /// FASTAXIS < 0: detector column `c` is DMS row `nx-1-c`.
    pub fast_reversed: bool,
    /// SLOWAXIS < 0: detector row `r` is DMS column `ny-1-r`.
    pub slow_reversed: bool,
}

/// Parameters of the mean subtraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSubtraction {
    pub scipix_n: usize,
    pub refpix_r: usize,
    pub odd_even_columns: bool,
    pub siglimit: f64,
    pub orientation: Orientation,
}

/// numpy `x -= s` on a float32 buffer: float32 arithmetic for a float32 signal, else in float64
/// rounded back.
fn subtract(x: f32, s: Signal) -> f32 {
    if s.wide {
        (x as f64 - s.value) as f32
    } else {
        x - s.value as f32
    }
}

/// The per-detector-column signals of one group (None: that column is left alone).
fn column_signals(plane: &[f32], pixeldq: &[u32], nx: usize, ny: usize, odd: &[bool], p: &MeanSubtraction) -> Vec<Option<Signal>> {
    let o = p.orientation;
    let index = |r: usize, c: usize| {
        let y = if o.fast_reversed { nx - 1 - c } else { c };
        let x = if o.slow_reversed { ny - 1 - r } else { r };
        y * ny + x
    };
    let sector = nx / 5;
    // jwst gathers `group[rows, sector][:, mask]` row by row; the pairwise sums follow that order.
    let clipped = |rows: std::ops::Range<usize>, cols: std::ops::Range<usize>, keep: &dyn Fn(usize) -> bool| {
        let mut values = Vec::with_capacity(rows.len() * cols.len());
        for r in rows {
            for c in cols.clone() {
                let i = index(r, c);
                if keep(c) && pixeldq[i] & DO_NOT_USE == 0 {
                    values.push(plane[i]);
                }
            }
        }
        clipped_mean(&values, p.siglimit)
    };
    let mut signals = vec![None; nx];
    for k in 0..5 {
        let cols = k * sector..(k + 1) * sector;
        let ends = [0..EDGE_ROWS, ny - EDGE_ROWS..ny];
        let sector_signal = |keep: &dyn Fn(usize) -> bool| {
            let [bottom, top] = ends.clone().map(|rows| clipped(rows, cols.clone(), keep));
            average(top, bottom)
        };
        if p.odd_even_columns {
            let odd_signal = sector_signal(&|c| odd[c]);
            let even_signal = sector_signal(&|c| !odd[c]);
            if let (Some(_), Some(_)) = (odd_signal, even_signal) {
                for c in cols {
                    signals[c] = if odd[c] { odd_signal } else { even_signal };
                }
            }
        } else {
            let signal = sector_signal(&|_| true);
            signals[cols].iter_mut().for_each(|s| *s = signal);
        }
    }
    signals
}

/// Subtracts the top/bottom reference means from one DMS group `plane` `(nx, ny)`, in place;
/// `pixeldq` `(nx, ny)` selects the usable reference pixels (DO_NOT_USE left out).
pub fn subtract_group_means(plane: &mut [f32], pixeldq: &[u32], nx: usize, ny: usize, p: &MeanSubtraction) -> Result<(), KernelError> {
    if !nx.is_multiple_of(5) || ny < 2 * EDGE_ROWS {
        return Err(KernelError::InvalidShape { argument: "plane", reason: format!("{nx} x {ny}: IRS2 needs 5 sectors of columns and at least {} rows", 2 * EDGE_ROWS) });
    }
    if p.scipix_n == 0 || p.scipix_n % 2 == 1 || p.refpix_r == 0 {
        return Err(KernelError::InvalidParameter { argument: "layout", reason: format!("NRS_NORM={} must be even and positive, NRS_REF={} positive", p.scipix_n, p.refpix_r) });
    }
    expect_len("plane", plane.len(), nx * ny)?;
    expect_len("pixeldq", pixeldq.len(), nx * ny)?;
    let odd = odd_columns(nx, ny, p.scipix_n, p.refpix_r);
    let signals = column_signals(plane, pixeldq, nx, ny, &odd, p);
    for (c, signal) in signals.into_iter().enumerate() {
        let Some(s) = signal else { continue };
        // A detector column is a whole DMS row.
        let y = if p.orientation.fast_reversed { nx - 1 - c } else { c };
        plane[y * ny..(y + 1) * ny].iter_mut().for_each(|x| *x = subtract(*x, s));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NX: usize = 3200;
    const NY: usize = 2048;

    fn params(odd_even_columns: bool, fast_reversed: bool, slow_reversed: bool) -> MeanSubtraction {
        MeanSubtraction { scipix_n: 16, refpix_r: 4, odd_even_columns, siglimit: 3.0, orientation: Orientation { fast_reversed, slow_reversed } }
    }

    /// jwst's parity: alternating on normal columns, pairs (odd, odd, even, even) on each visit.
    #[test]
    fn odd_columns_follow_the_interleaved_pairs() {
        let odd = odd_columns(NX, NY, 16, 4);
        // Amplifier A: 8 normal columns, then a visit of 4 at 648..652.
        let a: Vec<bool> = odd[640..656].to_vec();
        let expected = [true, false, true, false, true, false, true, false, true, true, false, false, true, false, true, false];
        assert_eq!(a, expected);
        // The reference output copies amplifier A.
        assert_eq!(odd[..640], odd[640..1280]);
        // Sector B: the visit at 1280 + 8 = 1288 (mod 4 = 0) -> odd, odd, even, even.
        assert_eq!(&odd[1288..1292], &[true, true, false, false]);
        assert_eq!(odd.iter().filter(|&&o| o).count(), NX / 2);
    }

    /// DMS plane from a detector-frame function of (row, column).
    fn plane_from(f: impl Fn(usize, usize) -> f32, o: Orientation) -> Vec<f32> {
        let mut plane = vec![0f32; NX * NY];
        for r in 0..NY {
            for c in 0..NX {
                let y = if o.fast_reversed { NX - 1 - c } else { c };
                let x = if o.slow_reversed { NY - 1 - r } else { r };
                plane[y * NY + x] = f(r, c);
            }
        }
        plane
    }

    /// Constant reference values per sector, parity and end: the float64 means, averaged top and
    /// bottom, come off every pixel of the sector (DMS rows), in both orientations.
    #[test]
    fn sector_parity_means_come_off_whole_dms_rows() {
        for (fast, slow) in [(false, false), (true, true)] {
            let p = params(true, fast, slow);
            let odd = odd_columns(NX, NY, 16, 4);
            let level = |r: usize, c: usize| {
                let base = 1000.0 * (c / 640) as f32 + if odd[c] { 10.0 } else { 20.0 };
                if r < 4 {
                    base
                } else if r >= NY - 4 {
                    base + 2.0
                } else {
                    base + 500.0
                }
            };
            let mut plane = plane_from(level, p.orientation);
            subtract_group_means(&mut plane, &vec![0; NX * NY], NX, NY, &p).unwrap();
            let expected = plane_from(|r, _| if r < 4 { -1.0 } else if r >= NY - 4 { 1.0 } else { 499.0 }, p.orientation);
            assert_eq!(plane, expected);
        }
    }

    /// DO_NOT_USE pixels are left out of the means; an outlier is clipped; without odd/even one
    /// mean per sector; a sector without any good reference pixel is left alone.
    #[test]
    fn dq_clipping_and_missing_means() {
        let p = params(false, false, false);
        let mut plane = plane_from(|r, c| if !(4..NY - 4).contains(&r) && c % 7 == 3 { 10.5 } else { 10.0 }, p.orientation);
        let mut pixeldq = vec![0u32; NX * NY];
        // Sector 1: the 10.5 values are DO_NOT_USE -> mean 10 exactly (float64, std 0).
        for r in (0..4).chain(NY - 4..NY) {
            for c in 640..1280 {
                if c % 7 == 3 {
                    pixeldq[c * NY + r] = DO_NOT_USE;
                }
            }
        }
        // Sector 2: one huge bottom value is clipped away.
        plane[1500 * NY + 2] = 1e6;
        // Sector 4: no good reference pixel.
        for r in (0..4).chain(NY - 4..NY) {
            for c in 2560..3200 {
                pixeldq[c * NY + r] = DO_NOT_USE;
            }
        }
        subtract_group_means(&mut plane, &pixeldq, NX, NY, &p).unwrap();
        assert_eq!(plane[700 * NY + 100], 0.0);
        // Sector 2's float32 clipped means (1/7 of the values at 10.5) are the same at both ends.
        let v = plane[1500 * NY + 100];
        assert!(v < 0.0 && v > -0.1, "{v}");
        assert_eq!(plane[3000 * NY + 100], 10.0);
        let err = subtract_group_means(&mut plane, &pixeldq[1..], NX, NY, &p).unwrap_err();
        assert_eq!(err.code(), "shape_mismatch");
        assert_eq!(subtract_group_means(&mut plane, &pixeldq, NX - 1, NY, &p).unwrap_err().code(), "invalid_shape");
    }

    /// With odd/even columns, one parity without good pixels leaves the whole sector alone.
    #[test]
    fn one_missing_parity_skips_the_sector() {
        let p = params(true, false, false);
        let odd = odd_columns(NX, NY, 16, 4);
        let mut plane = vec![5f32; NX * NY];
        let mut pixeldq = vec![0u32; NX * NY];
        for r in (0..4).chain(NY - 4..NY) {
            for c in 0..640 {
                if odd[c] {
                    pixeldq[c * NY + r] = DO_NOT_USE;
                }
            }
        }
        subtract_group_means(&mut plane, &pixeldq, NX, NY, &p).unwrap();
        assert!(plane[..640 * NY].iter().all(|&v| v == 5.0));
        assert!(plane[640 * NY..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn float32_and_float64_signals_subtract_as_numpy() {
        assert_eq!(subtract(1.0, Signal { value: 0.1f32 as f64, wide: false }), 1.0f32 - 0.1f32);
        assert_eq!(subtract(1.0, Signal { value: 0.1, wide: true }), (1.0f64 - 0.1) as f32);
    }
}
