//! Numeric kernels of JWST's `calwebb_detector1`, free of I/O and of bindings.
//!
//! Every kernel works on one **tile**: a band of whole detector rows of a ramp cube stored
//! C-contiguously as `(nints, ngroups, rows, cols)`, plus the per-pixel planes `(rows, cols)`
//! that belong to the same band. Kernels see plain slices, scalars and the DQ flag values in
//! [`dq`]; they never see data models, file names or reference-file logic (those live in the
//! TypeScript steps). Bad input is reported as a [`KernelError`], never by panicking.
//!
//! ```
//! use detector1_kernels::{superbias, RampShape};
//! let shape = RampShape::new(1, 2, 1, 2);
//! let mut data = [12000.0, 5.0, 12001.0, 6.0];
//! let mut pixeldq = [0u32, 0];
//! superbias::apply(&mut data, &mut [], &mut pixeldq, &[10000.5, f32::NAN], &[0, 1], shape).unwrap();
//! assert_eq!(data, [1999.5, 5.0, 2000.5, 6.0]);
//! assert_eq!(pixeldq, [0, 1]);
//! ```

// A scalar wasm build would be several times slower and would still "work": refuse to build it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
compile_error!(
    "detector1-kernels must be built for wasm32 with SIMD: set RUSTFLAGS=\"-C target-feature=+simd128\" (see `make wasm`)"
);

pub mod dark_current;
pub mod decode_int16;
pub mod dq;
pub mod dq_init;
pub mod error;
pub mod fits_words;
pub mod gain_scale;
pub mod group_scale;
pub mod ipc;
pub mod jump;
pub mod linearity;
pub mod preview;
pub mod ramp_fit;
pub mod refpix;
pub mod saturation;
pub mod superbias;
pub mod tile;

pub use error::KernelError;
pub use tile::RampShape;
pub mod firstframe;
pub mod lastframe;
pub mod refpix_miri;
pub mod reset;
pub mod rscd;
pub mod emicorr;
pub mod jump_ellipses;
pub mod jump_snowballs;
pub mod jump_showers;
pub mod correctly_rounded;
pub mod charge_migration;
pub mod persistence;
pub mod clean_flicker_noise;
pub mod picture_frame;
pub mod nsclean;
pub mod fft;
pub mod irs2;
pub mod irs2_mean;
pub mod background2d;
pub mod tso_photometry;
