//! jwst 3.0 `picture_frame` numerics: the PICTUREFRAME reference image is scaled and offset to
//! match the background of each group (minus group 0) in a central region and along the frame
//! edges, then subtracted. All arithmetic in float32, as numpy does it on float32 arrays.

use crate::clean_flicker_noise::median_f32;
use crate::error::{expect_len, KernelError};

/// numpy `nanmedian(values[region])` in float32 (NaN when the region holds no finite value).
fn region_median(values: &[f32], region: &[u8], scratch: &mut Vec<f32>) -> f32 {
    scratch.clear();
    scratch.extend(values.iter().zip(region).filter(|(v, &r)| r != 0 && !v.is_nan()).map(|(&v, _)| v));
    median_f32(scratch)
}

/// Corrects one integration `(ngroups, rows * cols)` in place. For each group g >= 1, with
/// `image = group g - group 0`, the correction is `scale * (reference - edge_ref) + edge` with
/// `scale = (centre - edge) / (centre_ref - edge_ref)`, the medians taken over the background
/// pixels of the `centre` and `edge` regions (nonzero = in the region); the group becomes
/// `image + (group 0 - correction)`, numpy's order of operations. Group 0 is unchanged.
pub fn correct_integration(data: &mut [f32], ngroups: usize, plane: usize, reference: &[f32], centre: &[u8], edge: &[u8]) -> Result<(), KernelError> {
    expect_len("data", data.len(), ngroups * plane)?;
    expect_len("reference", reference.len(), plane)?;
    expect_len("centre", centre.len(), plane)?;
    expect_len("edge", edge.len(), plane)?;
    let mut scratch = Vec::new();
    let centre_ref = region_median(reference, centre, &mut scratch);
    let edge_ref = region_median(reference, edge, &mut scratch);
    let difference: Vec<f32> = reference.iter().map(|&r| r - edge_ref).collect();
    let (zero, groups) = data.split_at_mut(plane);
    let mut image = vec![0f32; plane];
    for group in groups.chunks_exact_mut(plane) {
        for k in 0..plane {
            image[k] = group[k] - zero[k];
        }
        let centre_level = region_median(&image, centre, &mut scratch);
        let edge_level = region_median(&image, edge, &mut scratch);
        let scale = (centre_level - edge_level) / (centre_ref - edge_ref);
        for k in 0..plane {
            let correction = scale * difference[k] + edge_level;
            group[k] = image[k] + (zero[k] - correction);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_reference_is_removed() {
        // 1 x 4 pixels; centre = pixels 0-1, edge = pixels 2-3. Reference: centre 3, edge 1.
        // Group 1 - group 0: centre 10 + 5, edge 5 + 0 -> scale (15 - 5) / (3 - 1) = 5, offset 5:
        // the correction 5 * (ref - 1) + 5 is the whole signal, so group 1 becomes group 0.
        let reference = [3.0f32, 3.0, 1.0, 1.0];
        let centre = [1u8, 1, 0, 0];
        let edge = [0u8, 0, 1, 1];
        let mut data = vec![100f32, 200.0, 300.0, 400.0, 115.0, 215.0, 305.0, 405.0];
        correct_integration(&mut data, 2, 4, &reference, &centre, &edge).unwrap();
        assert_eq!(data, [100.0, 200.0, 300.0, 400.0, 100.0, 200.0, 300.0, 400.0]);
    }

    #[test]
    fn nan_pixels_do_not_enter_the_medians() {
        let reference = [3.0f32, f32::NAN, 1.0, 1.0];
        let mut data = vec![0f32, 0.0, 0.0, 0.0, 15.0, f32::NAN, 5.0, 5.0];
        correct_integration(&mut data, 2, 4, &reference, &[1, 1, 0, 0], &[0, 0, 1, 1]).unwrap();
        assert_eq!(data[4], 0.0);
        assert!(data[5].is_nan());
        assert_eq!(correct_integration(&mut data, 3, 4, &reference, &[1; 4], &[1; 4]).unwrap_err().code(), "shape_mismatch");
    }
}
