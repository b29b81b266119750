//! photutils 3.0 `Background2D` as jwst 3.0's `clean_flicker_noise` configures it for
//! `background_method='model'`: boxes of `box_size` pixels, each sigma-clipped (3 sigma, at most
//! 5 rounds, astropy's fast C clipper) and summarised by its median; boxes with 10% or more of
//! their pixels masked or clipped are excluded and refilled by inverse-distance weighting of
//! the 10 nearest kept boxes; a 5x5 NaN-ignoring median filter over the boxes; then the box grid
//! is resized to the image by scipy `ndimage.zoom` (cubic spline, `mode='reflect'`,
//! `grid_mode=True`) and clipped to the range of the box values.
//!
//! Arithmetic follows the libraries step by step: the clipper works in float64 with sequential
//! sums over its buffer, which its Wirth selection (N. Wirth's algorithm as in astropy's
//! `wirth_select.c`) reorders; box medians are numpy float32 medians; the filter takes float64
//! medians of the float32 box values; the spline filter and interpolation run in float64 as
//! scipy's `ni_splines.c`/`ni_interpolation.c` do (scipy 1.17.1), and the image is rounded to
//! float32.

use crate::clean_flicker_noise::median_f32;
use crate::jump::kth_smallest;
use crate::refpix::pairwise_sum;

/// photutils' default `exclude_percentile`.
const EXCLUDE_PERCENTILE: f64 = 10.0;
/// jwst's `filter_size=(5, 5)`.
const FILTER_SIZE: usize = 5;
/// photutils' `n_neighbors` for refilling excluded boxes.
const IDW_NEIGHBOURS: usize = 10;
/// The cubic B-spline's pole, `sqrt(3) - 2`, as scipy writes it.
#[allow(clippy::excessive_precision)]
const SPLINE_POLE: f64 = -0.267949192431122706472553658494127633;


/// astropy's `wirth_median`: for an even count the upper middle value is selected first.
fn wirth_median(a: &mut [f64]) -> f64 {
    let n = a.len();
    if n.is_multiple_of(2) {
        let high = kth_smallest(a, n / 2);
        let low = kth_smallest(a, n / 2 - 1);
        0.5 * (high + low)
    } else {
        kth_smallest(a, (n - 1) / 2)
    }
}

/// astropy `compute_sigma_clipped_bounds` (median centre, population std, `maxiters` rounds):
/// the clip bounds of the values in `buffer`, which is reordered and packed as astropy does.
pub fn sigma_clipped_bounds(buffer: &mut Vec<f64>, sigma: f64, maxiters: usize) -> (f64, f64) {
    let mut iteration = 0;
    loop {
        let count = buffer.len();
        let median = wirth_median(buffer);
        let mean = buffer.iter().fold(0.0, |s, &v| s + v) / count as f64;
        let var = buffer.iter().fold(0.0, |s, &v| s + (v - mean) * (v - mean));
        let std = (var / count as f64).sqrt();
        let (low, high) = (median - sigma * std, median + sigma * std);
        buffer.retain(|&v| v >= low && v <= high);
        iteration += 1;
        if buffer.len() == count || buffer.is_empty() || iteration >= maxiters {
            return (low, high);
        }
    }
}

/// The jwst default box: per axis the largest divisor of the size up to 32.
pub fn default_box_size(rows: usize, cols: usize) -> (usize, usize) {
    let largest = |n: usize| (1..=32).rev().find(|&d| n.is_multiple_of(d)).unwrap_or(1);
    (largest(rows), largest(cols))
}

/// numpy's float32 `nanmedian`/`nanstd` sigma clip (astropy `_sigmaclip_noaxis`, 3 sigma, at
/// most 5 rounds) of NaN-free values in array order: what survives.
fn sigma_clip_f32(mut values: Vec<f32>) -> Vec<f32> {
    for _ in 0..5 {
        if values.is_empty() {
            break;
        }
        let n = values.len();
        let centre = median_f32(&mut values.clone());
        // numpy nanvar: the mean divided in float64 and stored in float32, then float32 squares
        let mean = (pairwise_sum(&values[..]) as f64 / n as f64) as f32;
        let squares: Vec<f32> = values.iter().map(|&v| (v - mean) * (v - mean)).collect();
        let std = ((pairwise_sum(&squares[..]) as f64 / n as f64) as f32).sqrt();
        let (low, high) = (centre - std * 3.0, centre + std * 3.0);
        values.retain(|&v| v >= low && v <= high);
        if values.len() == n {
            break;
        }
    }
    values
}

/// The box grid (`ny` x `nx` boxes, row-major, NaN = excluded box): per box the float32 median of
/// the pixels that are not `excluded` and survive the clip, NaN when 90% of a whole box or
/// fewer survive. Where `box_size` does not divide the image, photutils adds a row and a column
/// of partial boxes (their pixels taken column by column, as its reshaping orders them) and a
/// corner box (clipped by astropy's numpy path in float32).
fn box_medians(image: &[f32], excluded: &[bool], (rows, cols): (usize, usize), box_size: (usize, usize)) -> (Vec<f32>, usize, usize) {
    let (by, bx) = box_size;
    let (core_y, core_x) = (rows / by, cols / bx);
    let (ny, nx) = (rows.div_ceil(by), cols.div_ceil(bx));
    let threshold = (1.0 - EXCLUDE_PERCENTILE / 100.0) * (by * bx) as f64;
    let mut buffer = Vec::with_capacity(by * bx);
    let mut kept = Vec::with_capacity(by * bx);
    let mut grid = vec![f32::NAN; ny * nx];
    for iy in 0..ny {
        for ix in 0..nx {
            let (y0, y1) = (iy * by, ((iy + 1) * by).min(rows));
            let (x0, x1) = (ix * bx, ((ix + 1) * bx).min(cols));
            let pixels: Vec<usize> = if iy < core_y && ix < core_x || iy == core_y && ix == core_x {
                (y0..y1).flat_map(|r| (x0..x1).map(move |c| r * cols + c)).collect()
            } else {
                (x0..x1).flat_map(|c| (y0..y1).map(move |r| r * cols + c)).collect()
            };
            if iy == core_y && ix == core_x {
                kept = sigma_clip_f32(pixels.iter().filter(|&&k| !excluded[k]).map(|&k| image[k]).collect());
            } else {
                buffer.clear();
                buffer.extend(pixels.iter().filter(|&&k| !excluded[k]).map(|&k| image[k] as f64));
                if buffer.is_empty() {
                    continue;
                }
                let (low, high) = sigma_clipped_bounds(&mut buffer, 3.0, 5);
                kept.clear();
                kept.extend(pixels.iter().filter(|&&k| !excluded[k] && image[k] as f64 >= low && image[k] as f64 <= high).map(|&k| image[k]));
            }
            if kept.len() as f64 > threshold {
                grid[iy * nx + ix] = median_f32(&mut kept);
            }
        }
    }
    (grid, ny, nx)
}

/// photutils `_interpolate_grid`: every NaN box gets the inverse-distance weighted mean of the
/// (up to) 10 nearest kept boxes, in float64 (numpy's pairwise sums over the 10 neighbour
/// slots, empty slots weighing 0), stored in float32. Neighbours at equal distance are taken
/// in row-major order (scipy's k-d tree may order such ties differently).
fn fill_excluded(grid: &mut [f32], nx: usize) {
    let kept: Vec<(f64, f64, f32)> = grid.iter().enumerate().filter(|(_, v)| !v.is_nan()).map(|(k, &v)| ((k / nx) as f64, (k % nx) as f64, v)).collect();
    let filled: Vec<(usize, f32)> = grid
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_nan())
        .map(|(k, _)| {
            let (y, x) = ((k / nx) as f64, (k % nx) as f64);
            let mut near: Vec<(f64, f32)> = kept.iter().map(|&(ky, kx, v)| (((ky - y) * (ky - y) + (kx - x) * (kx - x)).sqrt(), v)).collect();
            near.sort_by(|a, b| a.0.total_cmp(&b.0));
            near.truncate(IDW_NEIGHBOURS);
            let mut weights = [0f64; IDW_NEIGHBOURS];
            let mut products = [0f64; IDW_NEIGHBOURS];
            for (slot, &(d, v)) in near.iter().enumerate() {
                weights[slot] = 1.0 / d;
                products[slot] = weights[slot] * v as f64;
            }
            let total = pairwise_sum(&weights[..]);
            (k, if total > 0.0 { (pairwise_sum(&products[..]) / total) as f32 } else { f32::NAN })
        })
        .collect();
    for (k, v) in filled {
        grid[k] = v;
    }
}

/// scipy `generic_filter(grid, nanmedian, size=5, mode='constant', cval=nan)`: the float64
/// median of the values in each 5x5 window inside the grid, stored in float32.
fn median_filter(grid: &[f32], ny: usize, nx: usize) -> Vec<f32> {
    let half = FILTER_SIZE / 2;
    let mut window = Vec::with_capacity(FILTER_SIZE * FILTER_SIZE);
    let mut out = vec![0f32; grid.len()];
    for y in 0..ny {
        for x in 0..nx {
            window.clear();
            for wy in y.saturating_sub(half)..(y + half + 1).min(ny) {
                for wx in x.saturating_sub(half)..(x + half + 1).min(nx) {
                    let v = grid[wy * nx + wx];
                    if !v.is_nan() {
                        window.push(v as f64);
                    }
                }
            }
            out[y * nx + x] = crate::clean_flicker_noise::median_f64(&mut window) as f32;
        }
    }
    out
}

/// scipy's cubic B-spline prefilter of one line with `mode='reflect'` (gain, then the causal
/// and anticausal recursions; the causal start reads the line as scipy 1.17.1 does, in place).
fn spline_filter_line(c: &mut [f64]) {
    let n = c.len();
    if n < 2 {
        return;
    }
    let z = SPLINE_POLE;
    let gain = (1.0 - z) * (1.0 - 1.0 / z);
    for v in c.iter_mut() {
        *v *= gain;
    }
    let z_n = z.powi(n as i32);
    let c0 = c[0];
    c[0] += z_n * c[n - 1];
    let mut z_i = z;
    for i in 1..n {
        c[0] += z_i * (c[i] + z_n * c[n - 1 - i]);
        z_i *= z;
    }
    c[0] *= z / (1.0 - z_n * z_n);
    c[0] += c0;
    for i in 1..n {
        c[i] += z * c[i - 1];
    }
    c[n - 1] *= z / (z - 1.0);
    for i in (0..n - 1).rev() {
        c[i] = z * (c[i + 1] - c[i]);
    }
}

/// scipy `map_coordinate` for `mode='reflect'` (half-sample symmetric).
fn reflect(mut x: f64, len: usize) -> f64 {
    if len <= 1 {
        return 0.0;
    }
    let (len_f, period) = (len as f64, 2.0 * len as f64);
    if x < 0.0 {
        if x < -period {
            x += period * ((-x / period) as i64) as f64;
        }
        x = if x < -len_f { x + period } else { (if x > -1e-15 { 1e-15 } else { -x }) - 1.0 };
    } else if x > len_f - 1.0 {
        x -= period * ((x / period) as i64) as f64;
        if x >= len_f {
            x = period - x - 1.0;
        }
    }
    x
}

/// Per output position along one axis: the first of the 4 spline taps (as offsets into the
/// input line, reflected at the edges) and their weights.
fn spline_taps(out_len: usize, in_len: usize) -> Vec<([usize; 4], [f64; 4])> {
    let zoom = in_len as f64 / out_len as f64;
    (0..out_len)
        .map(|k| {
            let cc = reflect(((k as f64) + 0.5) * zoom - 0.5, in_len);
            let start = cc.floor() as i64 - 1;
            let mut taps = [0usize; 4];
            for (h, tap) in taps.iter_mut().enumerate() {
                *tap = reflect((start + h as i64) as f64, in_len) as usize;
            }
            let x = cc - cc.floor();
            let (y, z) = (x, 1.0 - x);
            let mut w = [z * z * z / 6.0, (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0, (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0, 0.0];
            w[3] = 1.0 - w[0] - w[1] - w[2];
            (taps, w)
        })
        .collect()
}

/// photutils' zoom interpolator: the `ny` x `nx` grid resized by `box_size` (scipy
/// `zoom(grid, box_size, order=3, mode='reflect', grid_mode=True)`), cropped to `rows` x `cols`
/// and clipped to the grid's range.
fn zoom_grid(grid: &[f32], (ny, nx): (usize, usize), box_size: (usize, usize), (rows, cols): (usize, usize)) -> Vec<f32> {
    let (min, max) = grid.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if min == max {
        return vec![min; rows * cols];
    }
    // prefilter along numpy axis 0 (columns of the grid), then axis 1 (rows)
    let mut coefficients: Vec<f64> = grid.iter().map(|&v| v as f64).collect();
    let mut line = vec![0f64; ny];
    for x in 0..nx {
        for y in 0..ny {
            line[y] = coefficients[y * nx + x];
        }
        spline_filter_line(&mut line);
        for y in 0..ny {
            coefficients[y * nx + x] = line[y];
        }
    }
    for y in 0..ny {
        spline_filter_line(&mut coefficients[y * nx..(y + 1) * nx]);
    }
    let (mut along_y, mut along_x) = (spline_taps(ny * box_size.0, ny), spline_taps(nx * box_size.1, nx));
    along_y.truncate(rows);
    along_x.truncate(cols);
    let mut out = vec![0f32; rows * cols];
    for (r, (ty, wy)) in along_y.iter().enumerate() {
        for (c, (tx, wx)) in along_x.iter().enumerate() {
            let mut t = 0.0;
            for a in 0..4 {
                for b in 0..4 {
                    t += coefficients[ty[a] * nx + tx[b]] * wy[a] * wx[b];
                }
            }
            out[r * cols + c] = (t as f32).clamp(min, max);
        }
    }
    out
}

/// photutils `Background2D(image, box_size, filter_size=(5, 5), mask=!background,
/// sigma_clip=SigmaClip(3, maxiters=5), bkg_estimator=MedianBackground()).background` for an
/// image (`rows` x `cols`). None where photutils raises (every pixel masked or non-finite, every
/// box excluded, a box larger than the image or empty); jwst then uses the median of the
/// background pixels.
pub fn background_2d(image: &[f32], background: &[bool], rows: usize, cols: usize, box_size: (usize, usize)) -> Option<Vec<f32>> {
    let excluded: Vec<bool> = image.iter().zip(background).map(|(v, &b)| !b || !v.is_finite()).collect();
    if excluded.iter().all(|&e| e) {
        return None;
    }
    if box_size.0 == 0 || box_size.1 == 0 || box_size.0 > rows || box_size.1 > cols {
        return None;
    }
    let (mut grid, ny, nx) = box_medians(image, &excluded, (rows, cols), box_size);
    if grid.iter().all(|v| v.is_nan()) {
        return None;
    }
    fill_excluded(&mut grid, nx);
    let filtered = median_filter(&grid, ny, nx);
    Some(zoom_grid(&filtered, (ny, nx), box_size, (rows, cols)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wirth_median_and_clip_bounds() {
        let mut values = vec![5.0, 1.0, 4.0, 2.0, 3.0, 100.0];
        assert_eq!(wirth_median(&mut values.clone()), 3.5);
        // round 1 keeps everything within median 3.5 +- 3 std (std ~ 36.1): all; so bounds
        // are those of the full set and nothing changes
        let (low, high) = sigma_clipped_bounds(&mut values, 3.0, 5);
        assert!(low < 1.0 && high > 100.0);
        // a far outlier among many equal-ish values goes in the first round
        let mut many: Vec<f64> = (0..50).map(|k| (k % 5) as f64).collect();
        many.push(1000.0);
        let (_, high) = sigma_clipped_bounds(&mut many, 3.0, 5);
        assert!(high < 1000.0);
        assert_eq!(many.len(), 50);
    }

    #[test]
    fn default_box_divides_the_image() {
        assert_eq!(default_box_size(2048, 320), (32, 32));
        assert_eq!(default_box_size(1024, 1032), (32, 24));
        assert_eq!(default_box_size(37, 31), (1, 31));
    }

    #[test]
    fn spline_zoom_reproduces_constants_and_linear_ramps_inside() {
        // a constant grid is returned as a constant image
        assert!(zoom_grid(&[2.5; 6], (2, 3), (4, 4), (8, 12)).iter().all(|&v| v == 2.5));
        // a linear ramp along x is interpolated linearly away from the reflected edges
        let grid: Vec<f32> = (0..4 * 6).map(|k| (k % 6) as f32).collect();
        let out = zoom_grid(&grid, (4, 6), (4, 4), (16, 24));
        // output column c samples the grid at (c + 0.5) / 4 - 0.5
        for c in 8..16 {
            let expected = (c as f32 + 0.5) / 4.0 - 0.5;
            assert!((out[5 * 24 + c] - expected).abs() < 2e-2, "{c}: {}", out[5 * 24 + c]);
        }
        // clipped to the grid's range
        assert!(out.iter().all(|&v| (0.0..=5.0).contains(&v)));
    }

    #[test]
    fn excluded_boxes_are_refilled_and_a_flat_image_stays_flat() {
        // 64 x 64 image of 7.0 with the top-left box (32 x 32) almost entirely masked
        let (rows, cols) = (64, 64);
        let image = vec![7.0f32; rows * cols];
        let mut background = vec![true; rows * cols];
        for r in 0..32 {
            for c in 0..20 {
                background[r * cols + c] = false;
            }
        }
        let (grid, ..) = box_medians(&image, &background.iter().map(|b| !b).collect::<Vec<_>>(), (rows, cols), (32, 32));
        assert!(grid[0].is_nan() && grid[1..].iter().all(|&v| v == 7.0));
        let model = background_2d(&image, &background, rows, cols, (32, 32)).unwrap();
        assert!(model.iter().all(|&v| v == 7.0));
        assert!(background_2d(&image, &vec![false; rows * cols], rows, cols, (32, 32)).is_none());
        assert!(background_2d(&image, &background, rows, cols, (65, 8)).is_none());
    }

    #[test]
    fn partial_edge_boxes_are_measured_and_mostly_excluded() {
        // 70 x 70 image with 32 x 32 boxes: 2 x 2 whole boxes, partial boxes of 6 rows or
        // columns (excluded: under 90% of a box), a 6 x 6 corner (excluded)
        let (rows, cols) = (70, 70);
        let image: Vec<f32> = (0..rows * cols).map(|k| 3.0 + 0.001 * (k % 7) as f32).collect();
        let (grid, ny, nx) = box_medians(&image, &vec![false; rows * cols], (rows, cols), (32, 32));
        assert_eq!((ny, nx), (3, 3));
        assert!(grid.iter().enumerate().all(|(k, v)| v.is_nan() == (k / 3 == 2 || k % 3 == 2)));
        // 40 x 30 boxes on 70 x 58: the partial row of 30 x 30 and column of 40 x 28 are kept
        // when 90% or more of a box (1080 of 1200) survives: only the column (1120) is
        let (rows, cols) = (70, 58);
        let image: Vec<f32> = (0..rows * cols).map(|k| 3.0 + 0.001 * (k % 7) as f32).collect();
        let (grid, ny, nx) = box_medians(&image, &vec![false; rows * cols], (rows, cols), (40, 30));
        assert_eq!((ny, nx), (2, 2));
        assert!(!grid[0].is_nan() && !grid[1].is_nan() && grid[2].is_nan() && grid[3].is_nan());
        let model = background_2d(&image, &vec![true; rows * cols], rows, cols, (40, 30)).unwrap();
        assert_eq!(model.len(), rows * cols);
    }
}
