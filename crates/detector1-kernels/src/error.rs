//! The one error type of the kernels. Each variant has a stable `code()` that the wasm layer
//! passes to JavaScript, where it becomes an `Error` subclass.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// An array does not hold the number of elements its declared shape needs.
    ShapeMismatch {
        argument: &'static str,
        expected: usize,
        actual: usize,
    },
    /// A dimension is zero, or the element count overflows.
    InvalidShape {
        argument: &'static str,
        reason: String,
    },
    /// A scalar parameter is out of its domain (e.g. a non-positive group time).
    InvalidParameter {
        argument: &'static str,
        reason: String,
    },
}

impl KernelError {
    /// Stable identifier used across the wasm boundary (`[code] message`).
    pub fn code(&self) -> &'static str {
        match self {
            KernelError::ShapeMismatch { .. } => "shape_mismatch",
            KernelError::InvalidShape { .. } => "invalid_shape",
            KernelError::InvalidParameter { .. } => "invalid_parameter",
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::ShapeMismatch { argument, expected, actual } => write!(
                f,
                "argument `{argument}` has {actual} elements but its shape needs {expected}"
            ),
            KernelError::InvalidShape { argument, reason } => {
                write!(f, "argument `{argument}` has an invalid shape: {reason}")
            }
            KernelError::InvalidParameter { argument, reason } => {
                write!(f, "parameter `{argument}` is invalid: {reason}")
            }
        }
    }
}

impl std::error::Error for KernelError {}

/// Checks that `argument` holds exactly `expected` elements.
pub fn expect_len(argument: &'static str, actual: usize, expected: usize) -> Result<(), KernelError> {
    if actual == expected {
        Ok(())
    } else {
        Err(KernelError::ShapeMismatch { argument, expected, actual })
    }
}
