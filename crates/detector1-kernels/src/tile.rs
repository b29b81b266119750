//! Shapes of the tiles kernels work on. A tile is a band of whole rows; its position on the
//! detector (row offset) matters only to kernels with 2-D neighbourhoods, which take it
//! explicitly.

use crate::error::{expect_len, KernelError};

/// Shape of a C-contiguous ramp tile `(nints, ngroups, rows, cols)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RampShape {
    pub nints: usize,
    pub ngroups: usize,
    pub rows: usize,
    pub cols: usize,
}

impl RampShape {
    pub const fn new(nints: usize, ngroups: usize, rows: usize, cols: usize) -> Self {
        RampShape { nints, ngroups, rows, cols }
    }

    /// Pixels in one `(rows, cols)` plane.
    pub fn plane_len(&self) -> usize {
        self.rows * self.cols
    }

    /// Elements of the whole `(nints, ngroups, rows, cols)` cube.
    pub fn cube_len(&self) -> usize {
        self.nints * self.ngroups * self.plane_len()
    }

    /// Rejects zero dimensions and sizes that overflow `usize` (wasm32 is 32-bit).
    pub fn validate(&self) -> Result<(), KernelError> {
        let dims = [self.nints, self.ngroups, self.rows, self.cols];
        if dims.contains(&0) {
            return Err(KernelError::InvalidShape {
                argument: "shape",
                reason: format!("zero dimension in (nints, ngroups, rows, cols) = {dims:?}"),
            });
        }
        dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(|| {
            KernelError::InvalidShape {
                argument: "shape",
                reason: format!("{dims:?} has more elements than this platform can address"),
            }
        })?;
        Ok(())
    }

    pub fn expect_cube(&self, argument: &'static str, len: usize) -> Result<(), KernelError> {
        expect_len(argument, len, self.cube_len())
    }

    pub fn expect_plane(&self, argument: &'static str, len: usize) -> Result<(), KernelError> {
        expect_len(argument, len, self.plane_len())
    }

    /// `(nints, rows, cols)` arrays such as ZEROFRAME.
    pub fn expect_int_planes(&self, argument: &'static str, len: usize) -> Result<(), KernelError> {
        expect_len(argument, len, self.nints * self.plane_len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        let s = RampShape::new(2, 3, 4, 5);
        assert_eq!(s.plane_len(), 20);
        assert_eq!(s.cube_len(), 120);
        assert!(s.expect_cube("data", 120).is_ok());
        assert_eq!(
            s.expect_plane("bias", 19),
            Err(KernelError::ShapeMismatch { argument: "bias", expected: 20, actual: 19 })
        );
    }

    #[test]
    fn zero_and_overflowing_shapes_are_rejected() {
        assert_eq!(RampShape::new(1, 0, 4, 4).validate().unwrap_err().code(), "invalid_shape");
        let huge = RampShape::new(usize::MAX, 2, 2, 2).validate().unwrap_err();
        assert!(huge.to_string().contains("more elements"));
    }
}
