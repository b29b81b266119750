//! wasm-bindgen layer over `detector1-kernels`: typed arrays in, typed arrays out, no math.
//!
//! Errors cross as a JS `Error` whose message starts with `[code]` (see
//! `KernelError::code`); `ts/kernels` turns the code into an `Error` subclass. Slices are
//! copied into wasm memory once per call and `&mut` slices are copied back by the glue.

use detector1_kernels::{dq, superbias, KernelError, RampShape};
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

/// Names of the pixel DQ flags as the kernels know them, in bit order.
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
