//! jwst `tso_photometry`'s `aperture_sum` (jwst 3.0 `tso_photometry_step.py` and
//! `tso_photometry.py` with photutils 3.0.0), the representative flux by which
//! `clean_flicker_noise`'s `median_image` scales the median image of NRC_TSIMAGE and MIRI TSO
//! imaging exposures. Only what reaches `aperture_sum` is reproduced: the unit conversion, the
//! two centroid passes, the choice of centre and the exact circular aperture sum (or, for
//! SUB64P with WLP8, the NaN-ignoring sum of each whole integration). The Gaussian PSF fit,
//! errors, the background annulus, sky coordinates and times do not enter it.
//!
//! Every stage keeps numpy's dtypes: the data stay float32 through the unit conversion
//! (`data *= integration_time * gain`, a Python float times a float32 array, is float32
//! arithmetic under NEP 50), the background medians and the background-subtracted image are
//! float32, centroids and aperture sums are float64 with numpy's pairwise summation, and the
//! circle/pixel overlap follows photutils' `circular_overlap_grid` operation for operation.
//! Its `sin` and `asin` are glibc's in jwst; ours are correctly rounded, which glibc's `sin`
//! nearly always is and its `asin` is but for ~0.2% of arguments (measured), where a weight,
//! and then a sum, could differ in the last bit.

use crate::clean_flicker_noise::{median_f32, median_f64};
use crate::correctly_rounded;
use crate::error::{expect_len, KernelError};
use crate::refpix::pairwise_sum;

/// DO_NOT_USE, the only DQ bit the centroiding masks.
const DO_NOT_USE: u32 = 1;

/// The step's parameters, after jwst has read them (`TSOPhotometryStep` spec and metadata).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TsoPhotometryParams {
    /// EFFINTTM, seconds: DN/s times it and the gain gives electrons.
    pub integration_time: f64,
    /// Planned source position, 0-based pixels: XREF_SCI - 1, YREF_SCI - 1.
    pub xcenter: f64,
    pub ycenter: f64,
    /// Aperture radius in pixels (jwst default 3).
    pub radius: f64,
    /// Inner annulus radius (default 4): the source radius excluded from the background median
    /// used for centroiding.
    pub radius_inner: f64,
    /// Centroid the source (default true); otherwise the planned position is used.
    pub centroid_source: bool,
    /// Box widths of the first (default 41) and second (default 11) centroid pass; even widths
    /// are rounded down by one as the step does, and a width that is then below 1 makes every
    /// centroid fail (photutils' ValueError), leaving the planned position.
    pub search_box_width: i64,
    pub fit_box_width: i64,
    /// Use each integration's own centroid instead of their median.
    pub moving_centroid: bool,
    /// SUB64P with the WLP8 pupil: the sum of all finite values of each integration.
    pub sum_all: bool,
}

impl Default for TsoPhotometryParams {
    fn default() -> Self {
        TsoPhotometryParams {
            integration_time: 1.0,
            xcenter: 0.0,
            ycenter: 0.0,
            radius: 3.0,
            radius_inner: 4.0,
            centroid_source: true,
            search_box_width: 41,
            fit_box_width: 11,
            moving_centroid: false,
            sum_all: false,
        }
    }
}

/// `np.sum` of a contiguous array: the reduction starts from the identity 0, then adds the
/// pairwise sum of all elements.
fn numpy_sum<T: crate::refpix::Real>(values: &[T]) -> T {
    T::ZERO + pairwise_sum(values)
}

/// The step's rounding of an even box width (`box - 1`, Python's `%` on negatives included).
fn odd_box_width(width: i64) -> i64 {
    if width.rem_euclid(2) == 0 {
        width - 1
    } else {
        width
    }
}

/// jwst `TSOPhotometryStep` `aperture_sum` per integration.
///
/// `data` and `dq` are the draft rateints `(nints, rows, cols)` in DN/s; `gain` the GAIN plane
/// `(rows, cols)`, or `None` when jwst leaves the units alone (no gain or units other than
/// DN/s). Errors where jwst raises: a non-finite aperture position (a failed centroid with
/// `moving_centroid`; photutils' ValueError, after which `clean_flicker_noise` skips the
/// median image), a radius that is not a positive finite number, and an image whose every
/// pixel lies inside the source radius (numpy's IndexError, a crash in jwst).
#[allow(clippy::too_many_arguments)]
pub fn tso_aperture_sums(
    data: &[f32],
    dq: &[u32],
    gain: Option<&[f32]>,
    nints: usize,
    rows: usize,
    cols: usize,
    params: &TsoPhotometryParams,
) -> Result<Vec<f64>, KernelError> {
    if nints == 0 || rows == 0 || cols == 0 {
        return Err(KernelError::InvalidShape { argument: "data", reason: format!("({nints}, {rows}, {cols}) has a zero dimension") });
    }
    let plane = rows.checked_mul(cols).ok_or_else(|| KernelError::InvalidShape { argument: "data", reason: "element count overflows".into() })?;
    let size = plane.checked_mul(nints).ok_or_else(|| KernelError::InvalidShape { argument: "data", reason: "element count overflows".into() })?;
    expect_len("data", data.len(), size)?;
    expect_len("dq", dq.len(), size)?;
    if let Some(gain) = gain {
        expect_len("gain", gain.len(), plane)?;
    }

    // convert_data_units: factor = integration_time * gain_2d (float32), data *= factor.
    let mut converted: Vec<f32>;
    let data: &[f32] = match gain {
        Some(gain) => {
            let time = params.integration_time as f32;
            converted = data.to_vec();
            for image in converted.chunks_exact_mut(plane) {
                for (v, &g) in image.iter_mut().zip(gain) {
                    *v *= time * g;
                }
            }
            &converted
        }
        None => data,
    };

    if params.sum_all {
        // np.nansum of each float32 integration: NaN set to 0, float32 pairwise sum.
        let mut scratch = vec![0f32; plane];
        return Ok(data
            .chunks_exact(plane)
            .map(|image| {
                for (s, &v) in scratch.iter_mut().zip(image) {
                    *s = if v.is_nan() { 0.0 } else { v };
                }
                numpy_sum(&scratch[..]) as f64
            })
            .collect());
    }

    if !(params.radius.is_finite() && params.radius > 0.0) {
        return Err(KernelError::InvalidParameter { argument: "radius", reason: format!("must be a positive finite number, got {}", params.radius) });
    }

    let (xc, yc): (Vec<f64>, Vec<f64>) = if params.centroid_source {
        let image = Image { data, dq, rows, cols };
        let (cx, cy) = source_centroids(&image, nints, params)?;
        if cx.iter().all(|v| v.is_nan()) || cy.iter().all(|v| v.is_nan()) {
            (vec![params.xcenter; nints], vec![params.ycenter; nints])
        } else if !params.moving_centroid {
            (vec![nanmedian_f64(&cx); nints], vec![nanmedian_f64(&cy); nints])
        } else {
            (cx, cy)
        }
    } else {
        (vec![params.xcenter; nints], vec![params.ycenter; nints])
    };

    let mut values = Vec::new();
    let mut sums = Vec::with_capacity(nints);
    for (i, image) in data.chunks_exact(plane).enumerate() {
        if !(xc[i].is_finite() && yc[i].is_finite()) {
            return Err(KernelError::InvalidParameter {
                argument: "centroid",
                reason: format!("integration {i} has a non-finite aperture position ({}, {}), which photutils refuses", xc[i], yc[i]),
            });
        }
        sums.push(circular_aperture_sum(image, rows, cols, xc[i], yc[i], params.radius, &mut values));
    }
    Ok(sums)
}

/// The unit-converted cube and its DQ.
struct Image<'a> {
    data: &'a [f32],
    dq: &'a [u32],
    rows: usize,
    cols: usize,
}

/// np.nanmedian of float64 values.
fn nanmedian_f64(values: &[f64]) -> f64 {
    let mut kept: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    median_f64(&mut kept)
}

/// jwst `tso_source_centroid`: a first pass with the search box around the planned position,
/// and, when any integration gave a centroid, a second with the fit box around their median.
fn source_centroids(image: &Image, nints: usize, params: &TsoPhotometryParams) -> Result<(Vec<f64>, Vec<f64>), KernelError> {
    let search = odd_box_width(params.search_box_width);
    let fit = odd_box_width(params.fit_box_width);
    let (cx, cy) = fit_source(image, nints, params.xcenter, params.ycenter, search, params.radius_inner)?;
    if !cx.iter().any(|v| v.is_finite()) || !cy.iter().any(|v| v.is_finite()) {
        return Ok((cx, cy));
    }
    fit_source(image, nints, nanmedian_f64(&cx), nanmedian_f64(&cy), fit, params.radius_inner)
}

/// jwst `_fit_source` (centroids only): per integration, the image less the float32 nanmedian
/// of the pixels outside `source_radius`, centroided by photutils `centroid_sources` with
/// `centroid_com`; failed or out-of-image centroids are NaN.
fn fit_source(image: &Image, nints: usize, xcenter: f64, ycenter: f64, box_width: i64, source_radius: f64) -> Result<(Vec<f64>, Vec<f64>), KernelError> {
    let (rows, cols) = (image.rows, image.cols);
    let plane = rows * cols;
    // ((xidx - xcenter)**2 + (yidx - ycenter)**2) < source_radius**2, in float64.
    let r2 = source_radius * source_radius;
    let outside: Vec<bool> = (0..plane)
        .map(|k| {
            let dx = (k % cols) as f64 - xcenter;
            let dy = (k / cols) as f64 - ycenter;
            // not `>=`: a NaN distance (NaN centre) is outside, as numpy's `~(d < r2)` has it
            !matches!((dx * dx + dy * dy).partial_cmp(&r2), Some(std::cmp::Ordering::Less))
        })
        .collect();
    if !outside.iter().any(|&o| o) {
        return Err(KernelError::InvalidParameter {
            argument: "radius_inner",
            reason: "every pixel lies within the source radius, leaving no background (numpy raises IndexError)".into(),
        });
    }
    let window = box_window(rows, cols, xcenter, ycenter, box_width);
    let mut centroid_x = vec![f64::NAN; nints];
    let mut centroid_y = vec![f64::NAN; nints];
    let mut background_values = Vec::with_capacity(plane);
    let mut cutout = Vec::new();
    for i in 0..nints {
        let data = &image.data[i * plane..][..plane];
        let dq = &image.dq[i * plane..][..plane];
        let Some(window) = window else { continue };
        // Only the box around the position is centroided; the background median is all the
        // work done on the whole image.
        background_values.clear();
        background_values.extend(data.iter().zip(&outside).filter(|&(v, &o)| o && !v.is_nan()).map(|(&v, _)| v));
        let background = median_f32(&mut background_values);
        cutout.clear();
        let mut all_masked = true;
        for row in window.rows.0..window.rows.1 {
            for col in window.cols.0..window.cols.1 {
                let k = row * cols + col;
                let masked = dq[k] & DO_NOT_USE != 0 || data[k].is_nan();
                all_masked &= masked;
                // centroid_com: float64; masked and non-finite values become 0.
                let value = (data[k] - background) as f64;
                cutout.push(if masked || !value.is_finite() { 0.0 } else { value });
            }
        }
        if all_masked {
            continue; // photutils: "The cutout ... is completely masked" (ValueError)
        }
        let Some((x, y)) = centroid_com(&cutout, window.cols.1 - window.cols.0) else { continue };
        let x = x + window.cols.0 as f64;
        let y = y + window.rows.0 as f64;
        // _fit_source: a centroid outside the image is NaN.
        if x < 0.0 || x >= cols as f64 || y < 0.0 || y >= rows as f64 {
            continue;
        }
        centroid_x[i] = x;
        centroid_y[i] = y;
    }
    Ok((centroid_x, centroid_y))
}

/// Image rows and columns `[start, stop)` of a centroid box.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    rows: (usize, usize),
    cols: (usize, usize),
}

/// photutils `centroid_sources`' box: `None` where it raises ValueError (a position outside
/// `[0, n - 1]` or not finite, a width below 1); else astropy `overlap_slices` in 'partial'
/// mode, the box cut at the image edges.
fn box_window(rows: usize, cols: usize, x: f64, y: f64, width: i64) -> Option<Window> {
    if !(x >= 0.0 && y >= 0.0 && x <= (cols - 1) as f64 && y <= (rows - 1) as f64) || width < 1 {
        return None;
    }
    let span = |position: f64, n: usize| {
        let start = (position - width as f64 / 2.0).ceil() as i64;
        let stop = start + width;
        (start.max(0) as usize, stop.min(n as i64) as usize)
    };
    Some(Window { rows: span(y, rows), cols: span(x, cols) })
}

/// photutils `centroid_com` of a float64 cutout `(.., width)` whose masked values are 0:
/// `None` (NaN) when `|sum| < 1e-30`.
fn centroid_com(cutout: &[f64], width: usize) -> Option<(f64, f64)> {
    let total = numpy_sum(cutout);
    if total.abs() < 1e-30 {
        return None;
    }
    let weighted: Vec<f64> = cutout.iter().enumerate().map(|(k, &v)| (k % width) as f64 * v).collect();
    let x = numpy_sum(&weighted) / total;
    let weighted: Vec<f64> = cutout.iter().enumerate().map(|(k, &v)| (k / width) as f64 * v).collect();
    let y = numpy_sum(&weighted) / total;
    Some((x, y))
}

/// photutils `ApertureStats(image, CircularAperture((x, y), r)).sum` with the 'exact' method:
/// the float64 pairwise sum, in row order, of value times overlap weight over the pixels of
/// the aperture's bounding box inside the image whose weight is not 0 and value is finite;
/// NaN when there are none or the box misses the image.
fn circular_aperture_sum(image: &[f32], rows: usize, cols: usize, x: f64, y: f64, r: f64, values: &mut Vec<f64>) -> f64 {
    let grid = CircleGrid::new(x, y, r);
    let (rows, cols) = (rows as i64, cols as i64);
    if grid.ixmin >= cols || grid.iymin >= rows || grid.ixmax <= 0 || grid.iymax <= 0 {
        return f64::NAN;
    }
    values.clear();
    for row in grid.iymin.max(0)..grid.iymax.min(rows) {
        for col in grid.ixmin.max(0)..grid.ixmax.min(cols) {
            let w = grid.weight((col - grid.ixmin) as u32, (row - grid.iymin) as u32);
            let v = image[(row * cols + col) as usize] as f64;
            if w != 0.0 && v.is_finite() {
                values.push(v * w);
            }
        }
    }
    if values.is_empty() {
        return f64::NAN;
    }
    numpy_sum(&values[..])
}

/// A CircularAperture's bounding box and photutils `circular_overlap_grid` over it
/// (`use_exact=1`), one pixel at a time.
#[derive(Debug, Clone, Copy)]
struct CircleGrid {
    ixmin: i64,
    ixmax: i64,
    iymin: i64,
    iymax: i64,
    xmin: f64,
    ymin: f64,
    dx: f64,
    dy: f64,
    r: f64,
    pixel_radius: f64,
    bxmin: f64,
    bxmax: f64,
    bymin: f64,
    bymax: f64,
}

impl CircleGrid {
    fn new(x: f64, y: f64, r: f64) -> CircleGrid {
        // BoundingBox.from_float(x - r, x + r, y - r, y + r)
        let ixmin = ((x - r) + 0.5).floor() as i64;
        let ixmax = ((x + r) + 0.5).ceil() as i64;
        let iymin = ((y - r) + 0.5).floor() as i64;
        let iymax = ((y + r) + 0.5).ceil() as i64;
        // Aperture._centered_edges: bbox.ixmin - 0.5 - position[0], ...
        let xmin = (ixmin as f64 - 0.5) - x;
        let xmax = (ixmax as f64 - 0.5) - x;
        let ymin = (iymin as f64 - 0.5) - y;
        let ymax = (iymax as f64 - 0.5) - y;
        let dx = (xmax - xmin) / (ixmax - ixmin) as f64;
        let dy = (ymax - ymin) / (iymax - iymin) as f64;
        CircleGrid {
            ixmin,
            ixmax,
            iymin,
            iymax,
            xmin,
            ymin,
            dx,
            dy,
            r,
            pixel_radius: 0.5 * (dx * dx + dy * dy).sqrt(),
            bxmin: -r - 0.5 * dx,
            bxmax: r + 0.5 * dx,
            bymin: -r - 0.5 * dy,
            bymax: r + 0.5 * dy,
        }
    }

    /// The overlap fraction of grid pixel `(i, j)` (column, row within the box).
    fn weight(&self, i: u32, j: u32) -> f64 {
        let pxmin = self.xmin + i as f64 * self.dx;
        let pxcen = pxmin + self.dx * 0.5;
        let pxmax = pxmin + self.dx;
        if !(pxmax > self.bxmin && pxmin < self.bxmax) {
            return 0.0;
        }
        let pymin = self.ymin + j as f64 * self.dy;
        let pycen = pymin + self.dy * 0.5;
        let pymax = pymin + self.dy;
        if !(pymax > self.bymin && pymin < self.bymax) {
            return 0.0;
        }
        let d = (pxcen * pxcen + pycen * pycen).sqrt();
        if d < self.r - self.pixel_radius {
            1.0
        } else if d < self.r + self.pixel_radius {
            overlap_single_exact(pxmin, pymin, pxmax, pymax, self.r) / (self.dx * self.dy)
        } else {
            0.0
        }
    }
}

fn floor_sqrt(x: f64) -> f64 {
    if x > 0.0 {
        x.sqrt()
    } else {
        0.0
    }
}

fn area_arc(x1: f64, y1: f64, x2: f64, y2: f64, r: f64) -> f64 {
    let a = ((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1)).sqrt();
    let theta = 2.0 * correctly_rounded::asin(0.5 * a / r);
    0.5 * r * r * (theta - correctly_rounded::sin(theta))
}

fn area_triangle(x1: f64, y1: f64, x2: f64, y2: f64, x3: f64, y3: f64) -> f64 {
    0.5 * (x1 * (y2 - y3) + x2 * (y3 - y1) + x3 * (y1 - y2)).abs()
}

/// Area of overlap of the rectangle `[xmin, xmax] x [ymin, ymax]` and the circle of radius `r`
/// centred on the origin (photutils `circular_overlap_single_exact`).
fn overlap_single_exact(xmin: f64, ymin: f64, xmax: f64, ymax: f64, r: f64) -> f64 {
    if 0.0 <= xmin {
        if 0.0 <= ymin {
            overlap_core(xmin, ymin, xmax, ymax, r)
        } else if 0.0 >= ymax {
            overlap_core(-ymax, xmin, -ymin, xmax, r)
        } else {
            overlap_single_exact(xmin, ymin, xmax, 0.0, r) + overlap_single_exact(xmin, 0.0, xmax, ymax, r)
        }
    } else if 0.0 >= xmax {
        if 0.0 <= ymin {
            overlap_core(-xmax, ymin, -xmin, ymax, r)
        } else if 0.0 >= ymax {
            overlap_core(-xmax, -ymax, -xmin, -ymin, r)
        } else {
            overlap_single_exact(xmin, ymin, xmax, 0.0, r) + overlap_single_exact(xmin, 0.0, xmax, ymax, r)
        }
    } else if 0.0 <= ymin || 0.0 >= ymax {
        overlap_single_exact(xmin, ymin, 0.0, ymax, r) + overlap_single_exact(0.0, ymin, xmax, ymax, r)
    } else {
        overlap_single_exact(xmin, ymin, 0.0, 0.0, r)
            + overlap_single_exact(0.0, ymin, xmax, 0.0, r)
            + overlap_single_exact(xmin, 0.0, 0.0, ymax, r)
            + overlap_single_exact(0.0, 0.0, xmax, ymax, r)
    }
}

/// photutils `circular_overlap_core`: the rectangle lies in the first quadrant.
fn overlap_core(xmin: f64, ymin: f64, xmax: f64, ymax: f64, r: f64) -> f64 {
    if xmin * xmin + ymin * ymin > r * r {
        return 0.0;
    }
    if xmax * xmax + ymax * ymax < r * r {
        return (xmax - xmin) * (ymax - ymin);
    }
    let d1 = floor_sqrt(xmax * xmax + ymin * ymin);
    let d2 = floor_sqrt(xmin * xmin + ymax * ymax);
    if d1 < r && d2 < r {
        let (x1, y1) = (floor_sqrt(r * r - ymax * ymax), ymax);
        let (x2, y2) = (xmax, floor_sqrt(r * r - xmax * xmax));
        (xmax - xmin) * (ymax - ymin) - area_triangle(x1, y1, x2, y2, xmax, ymax) + area_arc(x1, y1, x2, y2, r)
    } else if d1 < r {
        let (x1, y1) = (xmin, floor_sqrt(r * r - xmin * xmin));
        let (x2, y2) = (xmax, floor_sqrt(r * r - xmax * xmax));
        area_arc(x1, y1, x2, y2, r) + area_triangle(x1, y1, x1, ymin, xmax, ymin) + area_triangle(x1, y1, x2, ymin, x2, y2)
    } else if d2 < r {
        let (x1, y1) = (floor_sqrt(r * r - ymin * ymin), ymin);
        let (x2, y2) = (floor_sqrt(r * r - ymax * ymax), ymax);
        area_arc(x1, y1, x2, y2, r) + area_triangle(x1, y1, xmin, y1, xmin, ymax) + area_triangle(x1, y1, xmin, y2, x2, y2)
    } else {
        let (x1, y1) = (floor_sqrt(r * r - ymin * ymin), ymin);
        let (x2, y2) = (xmin, floor_sqrt(r * r - xmin * xmin));
        area_arc(x1, y1, x2, y2, r) + area_triangle(x1, y1, x2, y2, xmin, ymin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn params(x: f64, y: f64) -> TsoPhotometryParams {
        TsoPhotometryParams { xcenter: x, ycenter: y, ..TsoPhotometryParams::default() }
    }

    /// A Gaussian star of `flux` at (x, y) with sigma 1.5 on a flat `background`.
    fn star(rows: usize, cols: usize, x: f64, y: f64, flux: f64, background: f32) -> Vec<f32> {
        let s2 = 2.0 * 1.5 * 1.5;
        (0..rows * cols)
            .map(|k| {
                let (dx, dy) = ((k % cols) as f64 - x, (k / cols) as f64 - y);
                background + (flux / (PI * s2) * (-(dx * dx + dy * dy) / s2).exp()) as f32
            })
            .collect()
    }

    fn aperture_area(x: f64, y: f64, r: f64, rows: usize, cols: usize) -> f64 {
        circular_aperture_sum(&vec![1.0; rows * cols], rows, cols, x, y, r, &mut Vec::new())
    }

    #[test]
    fn exact_overlap_of_a_circle_inside_the_grid_is_its_area() {
        for (x, y, r) in [(10.3, 12.7, 3.0), (15.0, 15.0, 3.0), (9.5, 9.5, 2.25), (12.01, 11.49, 5.0)] {
            let area = aperture_area(x, y, r, 30, 30);
            assert!((area - PI * r * r).abs() < 1e-12 * PI * r * r, "({x}, {y}, {r}): {area} vs {}", PI * r * r);
        }
        // A circle smaller than one pixel, inside it.
        assert!((aperture_area(4.0, 4.0, 0.3, 9, 9) - PI * 0.09).abs() < 1e-15);
    }

    #[test]
    fn a_circle_cut_by_the_image_edge_keeps_the_part_inside() {
        // Centre on column 0: the image starts at x = -0.5, so a segment of height r - 0.5 is cut.
        let (r, d) = (3.0f64, 0.5f64);
        let segment = r * r * (d / r).acos() - d * (r * r - d * d).sqrt();
        let area = aperture_area(0.0, 10.0, r, 20, 20);
        assert!((area - (PI * r * r - segment)).abs() < 1e-12, "{area} vs {}", PI * r * r - segment);
        // Cut by two edges (a corner): the quarter circle beyond x, y > -0.5 plus the strips.
        let corner = aperture_area(-0.5, -0.5, r, 20, 20);
        assert!((corner - PI * r * r / 4.0).abs() < 1e-12, "{corner}");
        // Entirely outside: NaN, as ApertureStats gives.
        assert!(aperture_area(-10.0, 5.0, r, 20, 20).is_nan());
    }

    #[test]
    fn the_centroid_of_a_symmetric_source_is_its_centre() {
        let (rows, cols) = (40, 50);
        let data = star(rows, cols, 21.0, 17.0, 5000.0, 3.0);
        let dq = vec![0u32; rows * cols];
        let image = Image { data: &data, dq: &dq, rows, cols };
        // Planned centre off by a few pixels: the two passes find the star.
        let (cx, cy) = source_centroids(&image, 1, &params(23.2, 15.6)).unwrap();
        assert!((cx[0] - 21.0).abs() < 1e-9 && (cy[0] - 17.0).abs() < 1e-9, "({}, {})", cx[0], cy[0]);
    }

    #[test]
    fn nan_and_do_not_use_pixels() {
        let (rows, cols) = (30, 30);
        let clean = star(rows, cols, 14.0, 15.0, 1000.0, 1.0);
        let dq = vec![0u32; rows * cols];
        let p = params(14.0, 15.0);
        let base = tso_aperture_sums(&clean, &dq, None, 1, rows, cols, &p).unwrap()[0];
        // A NaN inside the aperture: left out of the sum (its weight-1 value is missing).
        let mut data = clean.clone();
        let hole = 15 * cols + 14;
        data[hole] = f32::NAN;
        let without = tso_aperture_sums(&data, &dq, None, 1, rows, cols, &p).unwrap()[0];
        assert!((base - without - clean[hole] as f64).abs() < 1e-9 * base, "{base} {without}");
        // A bright DO_NOT_USE pixel in the search box but outside the aperture: the centroid
        // ignores it, so the sum is unchanged.
        let mut data = clean.clone();
        let mut dq_bad = dq.clone();
        let far = 8 * cols + 22;
        data[far] = 1e6;
        dq_bad[far] = DO_NOT_USE;
        assert_eq!(tso_aperture_sums(&data, &dq_bad, None, 1, rows, cols, &p).unwrap()[0], base);
        // Not flagged, it drags the centroid away.
        assert_ne!(tso_aperture_sums(&data, &dq, None, 1, rows, cols, &p).unwrap()[0], base);
        // DO_NOT_USE inside the aperture: still summed (ApertureStats gets no mask).
        let mut dq_in = dq.clone();
        dq_in[hole] = DO_NOT_USE;
        let flagged = tso_aperture_sums(&clean, &dq_in, None, 1, rows, cols, &TsoPhotometryParams { centroid_source: false, ..p }).unwrap()[0];
        let unflagged = tso_aperture_sums(&clean, &dq, None, 1, rows, cols, &TsoPhotometryParams { centroid_source: false, ..p }).unwrap()[0];
        assert_eq!(flagged, unflagged);
    }

    #[test]
    fn even_box_widths_are_rounded_down() {
        assert_eq!([odd_box_width(41), odd_box_width(12), odd_box_width(0), odd_box_width(-2)], [41, 11, -1, -3]);
        let (rows, cols) = (30, 30);
        let data = star(rows, cols, 13.3, 16.6, 800.0, 2.0);
        let dq = vec![0u32; rows * cols];
        let sums = |search, fit| {
            let p = TsoPhotometryParams { search_box_width: search, fit_box_width: fit, ..params(12.0, 15.0) };
            tso_aperture_sums(&data, &dq, None, 1, rows, cols, &p).unwrap()[0]
        };
        assert_eq!(sums(20, 6), sums(19, 5));
        assert_ne!(sums(20, 6), sums(21, 7));
        // A width of 0 becomes -1, which photutils refuses: no centroid, the planned centre.
        let planned = tso_aperture_sums(&data, &dq, None, 1, rows, cols, &TsoPhotometryParams { centroid_source: false, ..params(12.0, 15.0) }).unwrap()[0];
        assert_eq!(sums(0, 11), planned);
    }

    #[test]
    fn an_all_masked_cutout_leaves_the_planned_centre() {
        let (rows, cols) = (30, 30);
        let data = star(rows, cols, 13.4, 14.7, 900.0, 1.0);
        let mut dq = vec![0u32; rows * cols];
        let p = TsoPhotometryParams { search_box_width: 5, ..params(12.0, 15.0) };
        for row in 13..18 {
            for col in 10..15 {
                dq[row * cols + col] |= DO_NOT_USE;
            }
        }
        let image = Image { data: &data, dq: &dq, rows, cols };
        let (cx, cy) = source_centroids(&image, 1, &p).unwrap();
        assert!(cx[0].is_nan() && cy[0].is_nan());
        let planned = tso_aperture_sums(&data, &dq, None, 1, rows, cols, &TsoPhotometryParams { centroid_source: false, ..p }).unwrap();
        assert_eq!(tso_aperture_sums(&data, &dq, None, 1, rows, cols, &p).unwrap(), planned);
        // One pixel short of all masked: the centroid moves away from the planned centre.
        dq[13 * cols + 10] = 0;
        assert_ne!(tso_aperture_sums(&data, &dq, None, 1, rows, cols, &p).unwrap(), planned);
    }

    #[test]
    fn units_sum_all_and_errors() {
        let (rows, cols) = (8, 8);
        let mut data: Vec<f32> = (0..2 * rows * cols).map(|k| k as f32 * 0.25).collect();
        data[3] = f32::NAN;
        let dq = vec![0u32; data.len()];
        let gain = vec![2.0f32; rows * cols];
        let p = TsoPhotometryParams { sum_all: true, integration_time: 10.0, ..params(3.0, 3.0) };
        let sums = tso_aperture_sums(&data, &dq, Some(&gain), 2, rows, cols, &p).unwrap();
        let expected: f64 = data[..64].iter().filter(|v| !v.is_nan()).map(|&v| v as f64 * 20.0).sum();
        assert_eq!(sums[0], expected);
        // A failed centroid with moving_centroid: photutils refuses the NaN position.
        let mut data = star(rows, cols, 3.0, 3.0, 100.0, 0.0);
        data.extend(vec![f32::NAN; rows * cols]);
        let p = TsoPhotometryParams { moving_centroid: true, ..params(3.0, 3.0) };
        assert!(tso_aperture_sums(&data, &dq, None, 2, rows, cols, &p).is_err());
        assert!(tso_aperture_sums(&data, &dq, None, 2, rows, cols, &TsoPhotometryParams { radius: 0.0, ..p }).is_err());
        assert!(tso_aperture_sums(&data[1..], &dq, None, 2, rows, cols, &p).is_err());
    }
}
