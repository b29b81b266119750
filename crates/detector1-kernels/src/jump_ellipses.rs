//! Ellipses of the jump step's large-event searches (spec/steps/jump.md §8), as stcal 1.20 gets
//! them from scikit-image: 8-connected regions of a binary plane, kept when their hole-filled
//! area reaches a minimum, each summarised by the ellipse with the same second moments
//! (`regionprops` centroid, `axis_major_length`, `axis_minor_length`, `orientation`); and the
//! filled ellipses stcal draws (`skimage.draw.ellipse` in a sub-image around the rounded centre).
//!
//! The arithmetic follows the library code operation by operation where a last-bit difference
//! could change a pixel: exact integer sums and one division for the centroid, numpy's
//! half-to-even `round`, the LAPACK `dsterf`/`dlae2` path numpy's `eigvalsh` takes for a 2×2
//! tensor, and scikit-image's bounding box and `distance < 1` test. Trigonometry is correctly
//! rounded, as glibc's (numpy's on Linux) almost always is ([`crate::correctly_rounded`]): a
//! pixel at an integer distance from a circle's centre is drawn or not on its last bit.
//!
//! Not reproduced: scikit-image raises the coordinate offsets to the powers 0..3 with
//! `np.power` and an array of exponents, which numpy evaluates on AVX-512 CPUs with a vector
//! `pow` that is not correctly rounded (about 3 % of squares differ from `x · x` by an ulp), and
//! sums them with BLAS. The moments here use `x · x` and sequential fused sums, which agree with
//! scikit-image for over 99 % of regions; the rest differ in the last bit, which changes a
//! pixel only at such a circle-boundary tie (4e-7 of the elements of the stress runs of
//! tests/oracle/jump_large_events_oracle.py). stcal's own output depends on the CPU there.

use crate::correctly_rounded;

/// One region's ellipse in stcal's tuple layout `((cen_x, cen_y), (h, w), angle)`: `h`/`w` are
/// the minor/major full axis lengths minus one, `angle` is the orientation in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipse {
    /// Centroid column (`cen_x`).
    pub col: f64,
    /// Centroid row (`cen_y`).
    pub row: f64,
    pub h: f64,
    pub w: f64,
    pub angle: f64,
}

/// 8-connected labelling of `mask` (`rows × cols`, non-zero = set), the way
/// `skimage.measure.label` + `regionprops` see it; returns the ellipse of every region whose
/// hole-filled area is at least `min_area`.
pub fn find_ellipses(mask: &[bool], rows: usize, cols: usize, min_area: f64, scratch: &mut RegionScratch) -> Vec<Ellipse> {
    let set: Vec<usize> = (0..mask.len()).filter(|&p| mask[p]).collect();
    find_ellipses_of(&set, |p| mask[p], rows, cols, min_area, scratch)
}

/// [`find_ellipses`] of a sparse mask: `set` lists every set pixel in ascending order (so regions
/// come out in the order of a raster scan) and `is_set` answers for any pixel of the plane.
/// The work is proportional to the set pixels, not to the plane.
pub fn find_ellipses_of(set: &[usize], is_set: impl Fn(usize) -> bool, rows: usize, cols: usize, min_area: f64, scratch: &mut RegionScratch) -> Vec<Ellipse> {
    let mut ellipses = Vec::new();
    // `visited` is all false between calls: only the set pixels are marked, and unmarked below.
    scratch.visited.resize(rows * cols, false);
    for &start in set {
        if scratch.visited[start] {
            continue;
        }
        collect_region(&is_set, rows, cols, start, scratch);
        let region = &scratch.pixels;
        if (filled_area(region, scratch.bbox, &mut scratch.fill) as f64) < min_area {
            continue;
        }
        ellipses.push(region_ellipse(region, scratch.bbox));
    }
    for &p in set {
        scratch.visited[p] = false;
    }
    ellipses
}

/// Reusable buffers of [`find_ellipses`].
#[derive(Default)]
pub struct RegionScratch {
    visited: Vec<bool>,
    pixels: Vec<(usize, usize)>,
    stack: Vec<usize>,
    /// (row0, col0, rows, cols) of the current region.
    bbox: (usize, usize, usize, usize),
    fill: Vec<u8>,
}

fn collect_region(is_set: &impl Fn(usize) -> bool, rows: usize, cols: usize, start: usize, s: &mut RegionScratch) {
    s.pixels.clear();
    s.stack.clear();
    s.stack.push(start);
    s.visited[start] = true;
    let (mut r0, mut r1, mut c0, mut c1) = (usize::MAX, 0, usize::MAX, 0);
    while let Some(p) = s.stack.pop() {
        let (r, c) = (p / cols, p % cols);
        s.pixels.push((r, c));
        r0 = r0.min(r);
        r1 = r1.max(r);
        c0 = c0.min(c);
        c1 = c1.max(c);
        for nr in r.saturating_sub(1)..=(r + 1).min(rows - 1) {
            for nc in c.saturating_sub(1)..=(c + 1).min(cols - 1) {
                let q = nr * cols + nc;
                if !s.visited[q] && is_set(q) {
                    s.visited[q] = true;
                    s.stack.push(q);
                }
            }
        }
    }
    s.bbox = (r0, c0, r1 - r0 + 1, c1 - c0 + 1);
}

/// `regionprops.area_filled`: the region's bounding-box image with holes filled by
/// `scipy.ndimage.binary_fill_holes` and the 3×3 structure scikit-image passes: background
/// pixels 8-connected to the box border stay background, every other pixel counts.
fn filled_area(pixels: &[(usize, usize)], (r0, c0, h, w): (usize, usize, usize, usize), fill: &mut Vec<u8>) -> usize {
    // 1 = region, 2 = background reached from outside the box.
    fill.clear();
    fill.resize(h * w, 0);
    for &(r, c) in pixels {
        fill[(r - r0) * w + (c - c0)] = 1;
    }
    let mut stack = Vec::new();
    for r in 0..h {
        for c in 0..w {
            if (r == 0 || c == 0 || r == h - 1 || c == w - 1) && fill[r * w + c] == 0 {
                fill[r * w + c] = 2;
                stack.push(r * w + c);
            }
        }
    }
    while let Some(p) = stack.pop() {
        let (r, c) = (p / w, p % w);
        for nr in r.saturating_sub(1)..=(r + 1).min(h - 1) {
            for nc in c.saturating_sub(1)..=(c + 1).min(w - 1) {
                let q = nr * w + nc;
                if fill[q] == 0 {
                    fill[q] = 2;
                    stack.push(q);
                }
            }
        }
    }
    fill.iter().filter(|&&v| v != 2).count()
}

/// `regionprops` centroid, inertia tensor, axis lengths and orientation of one region.
fn region_ellipse(pixels: &[(usize, usize)], (r0, c0, h, w): (usize, usize, usize, usize)) -> Ellipse {
    let n = pixels.len() as f64;
    // Sums of integer coordinates are exact, so one division gives numpy's mean bit for bit.
    let (mut sum_r, mut sum_c) = (0.0f64, 0.0f64);
    for &(r, c) in pixels {
        sum_r += (r - r0) as f64;
        sum_c += (c - c0) as f64;
    }
    let (rc_local, cc_local) = (sum_r / n, sum_c / n);
    let row = (sum_r + (r0 as f64) * n) / n;
    let col = (sum_c + (c0 as f64) * n) / n;

    // `moments_central` as scikit-image evaluates it: per column, sums over rows of the
    // powers of (row − centroid); then sums over columns weighted by powers of (col − centroid).
    let mut image = vec![false; h * w];
    for &(r, c) in pixels {
        image[(r - r0) * w + (c - c0)] = true;
    }
    let (mut mu02, mut mu20, mut mu11) = (0.0f64, 0.0f64, 0.0f64);
    for c in 0..w {
        let (mut s0, mut s1, mut s2) = (0.0f64, 0.0f64, 0.0f64);
        for r in 0..h {
            if image[r * w + c] {
                let dr = r as f64 - rc_local;
                s0 += 1.0;
                s1 += dr;
                s2 += dr * dr;
            }
        }
        let dc = c as f64 - cc_local;
        mu20 += s2;
        mu11 = dc.mul_add(s1, mu11);
        mu02 = (dc * dc).mul_add(s0, mu02);
    }
    // skimage `inertia_tensor`: diagonal entries are (sum of both second moments − own) / mu00.
    let total = mu20 + mu02;
    let a = (total - mu20) / n;
    let c = (total - mu02) / n;
    let b = -mu11 / n;
    let (l1, l2) = symmetric_eigenvalues(a, b, c);
    let major = 4.0 * l1.sqrt();
    let minor = 4.0 * l2.sqrt();
    let orientation = if a - c == 0.0 {
        if b < 0.0 {
            std::f64::consts::FRAC_PI_4
        } else {
            -std::f64::consts::FRAC_PI_4
        }
    } else {
        0.5 * correctly_rounded::atan2(-2.0 * b, c - a)
    };
    Ellipse { col, row, h: minor - 1.0, w: major - 1.0, angle: degrees(orientation) }
}

/// numpy's `eigvalsh` of `[[a, b], [b, c]]` (LAPACK `dsyevd` → `dsterf` → `dlae2`), clipped at
/// zero and sorted descending as scikit-image does.
fn symmetric_eigenvalues(a: f64, b: f64, c: f64) -> (f64, f64) {
    const EPS: f64 = f64::EPSILON / 2.0;
    let (mut e1, mut e2) = (a, c);
    let anorm = a.abs().max(c.abs()).max(b.abs());
    if anorm != 0.0 && b.abs() > a.abs().sqrt() * c.abs().sqrt() * EPS {
        let e_squared = b * b;
        if e_squared.abs() > EPS * EPS * (a * c).abs() {
            (e1, e2) = dlae2(a, e_squared.sqrt(), c);
        }
    }
    let (hi, lo) = if e1 >= e2 { (e1, e2) } else { (e2, e1) };
    (hi.max(0.0), lo.max(0.0))
}

/// LAPACK `dlae2`: eigenvalues of a 2×2 symmetric matrix, larger first.
fn dlae2(a: f64, b: f64, c: f64) -> (f64, f64) {
    let sm = a + c;
    let adf = (a - c).abs();
    let ab = (b + b).abs();
    let (acmx, acmn) = if a.abs() > c.abs() { (a, c) } else { (c, a) };
    let rt = if adf > ab {
        let q = ab / adf;
        adf * (1.0 + q * q).sqrt()
    } else if adf < ab {
        let q = adf / ab;
        ab * (1.0 + q * q).sqrt()
    } else {
        ab * 2f64.sqrt()
    };
    if sm < 0.0 {
        let rt1 = 0.5 * (sm - rt);
        (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    } else if sm > 0.0 {
        let rt1 = 0.5 * (sm + rt);
        (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    } else {
        (0.5 * rt, -0.5 * rt)
    }
}

/// `np.degrees`.
pub fn degrees(radians: f64) -> f64 {
    radians * (180.0 / std::f64::consts::PI)
}

/// `np.radians`.
pub fn radians(degrees: f64) -> f64 {
    degrees * (std::f64::consts::PI / 180.0)
}

/// Python/numpy `round` of a float: halves go to the even neighbour.
pub fn round_half_even(x: f64) -> f64 {
    x.round_ties_even()
}

/// Python's float `%` with a positive divisor (numpy `remainder`): the result takes the
/// divisor's sign.
fn python_mod(x: f64, m: f64) -> f64 {
    let r = x % m;
    if r != 0.0 && (r < 0.0) != (m < 0.0) {
        r + m
    } else if r == 0.0 {
        0.0f64.copysign(m)
    } else {
        r
    }
}

/// stcal `ellipse_subim` + `_sk_ellipse` + `skimage.draw.ellipse`: calls `visit(row, col)` for
/// every pixel of the filled ellipse with centre (`col`, `row`), full axes `axis1` (drawn along
/// columns when the angle is 0) and `axis2` (along rows), rotated by `angle` degrees, inside a
/// `rows × cols` image. The centre and half-axes are rounded half-to-even first; a zero
/// half-axis draws nothing.
#[allow(clippy::too_many_arguments)]
pub fn draw_ellipse(col: f64, row: f64, axis1: f64, axis2: f64, angle: f64, rows: usize, cols: usize, mut visit: impl FnMut(usize, usize)) {
    let yc = round_half_even(col) as i64;
    let xc = round_half_even(row) as i64;
    let c_radius = round_half_even(axis1 / 2.0);
    let r_radius = round_half_even(axis2 / 2.0);
    // The sub-image stcal draws into: centre ± (largest half-axis + 2), clipped to the image.
    let half = c_radius.max(r_radius) as i64 + 2;
    let ix1 = (yc - half).max(0);
    let ix2 = (yc + half + 1).min(cols as i64);
    let iy1 = (xc - half).max(0);
    let iy2 = (xc + half + 1).min(rows as i64);
    if c_radius == 0.0 || r_radius == 0.0 || ix2 <= ix1 || iy2 <= iy1 {
        return;
    }
    let (sub_rows, sub_cols) = ((iy2 - iy1) as f64, (ix2 - ix1) as f64);
    let (r_centre, c_centre) = ((xc - iy1) as f64, (yc - ix1) as f64);
    let rotation = python_mod(python_mod(radians(angle), std::f64::consts::PI), std::f64::consts::PI);
    let (sin, cos) = (correctly_rounded::sin(rotation), correctly_rounded::cos(rotation));
    let r_extent = (r_radius * cos).abs() + c_radius * sin;
    let c_extent = r_radius * sin + (c_radius * cos).abs();
    let r_low = (r_centre - r_extent).ceil().max(0.0);
    let c_low = (c_centre - c_extent).ceil().max(0.0);
    let r_high = (r_centre + r_extent).floor().min(sub_rows - 1.0);
    let c_high = (c_centre + c_extent).floor().min(sub_cols - 1.0);
    if r_high < r_low || c_high < c_low {
        return;
    }
    // `_ellipse_in_shape` on the bounding box, in the box's own coordinates.
    let (r_org, c_org) = (r_centre - r_low, c_centre - c_low);
    for i in 0..=((r_high - r_low) as i64) {
        let r = i as f64 - r_org;
        for j in 0..=((c_high - c_low) as i64) {
            let c = j as f64 - c_org;
            let u = (r * cos + c * sin) / r_radius;
            let v = (r * sin - c * cos) / c_radius;
            if u * u + v * v < 1.0 {
                visit((iy1 + r_low as i64 + i) as usize, (ix1 + c_low as i64 + j) as usize);
            }
        }
    }
}

/// stcal `point_inside_ellipse` for one ellipse and many points: is the centre of a point inside
/// the ellipse (boundary included)? The ellipse's sine and cosine are worked out once.
pub struct InsideTest {
    col: f64,
    row: f64,
    cos: f64,
    sin: f64,
    major: f64,
    minor: f64,
}

impl InsideTest {
    pub fn new(ellipse: &Ellipse) -> InsideTest {
        let angle = radians(180.0 - ellipse.angle);
        let (cos, sin) = (correctly_rounded::cos(angle), correctly_rounded::sin(angle));
        let (major, minor) = if ellipse.w >= ellipse.h { (ellipse.w * 0.5, ellipse.h * 0.5) } else { (ellipse.h * 0.5, ellipse.w * 0.5) };
        InsideTest { col: ellipse.col, row: ellipse.row, cos, sin, major, minor }
    }

    pub fn contains(&self, point: &Ellipse) -> bool {
        let xc = point.col - self.col;
        let yc = point.row - self.row;
        let xct = xc * self.cos - yc * self.sin;
        let yct = xc * self.sin + yc * self.cos;
        xct * xct / (self.major * self.major) + yct * yct / (self.minor * self.minor) <= 1.0
    }
}

/// stcal `compute_axes` with `expand_by_ratio`: half-axes (c_radius, r_radius) of the expanded
/// ellipse, each full axis capped at `max_width`; stcal draws them as full axes twice these.
pub fn expanded_half_axes(ellipse: &Ellipse, expansion: f64, max_width: f64) -> (f64, f64) {
    let (h, w) = (ellipse.h, ellipse.w);
    let (axis1, axis2) = if w < h { (h + (expansion - 1.0) * w, w * expansion) } else { (h * expansion, w + (expansion - 1.0) * h) };
    (round_half_even(python_min(axis1, max_width) / 2.0), round_half_even(python_min(axis2, max_width) / 2.0))
}

/// Python's `min(a, b)`: `b` only when `b < a`.
pub fn python_min(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(rows: usize, cols: usize, set: &[(usize, usize)]) -> Vec<bool> {
        let mut m = vec![false; rows * cols];
        for &(r, c) in set {
            m[r * cols + c] = true;
        }
        m
    }

    fn drawn(col: f64, row: f64, a1: f64, a2: f64, angle: f64, rows: usize, cols: usize) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        draw_ellipse(col, row, a1, a2, angle, rows, cols, |r, c| v.push((r, c)));
        v.sort();
        v
    }

    #[test]
    fn rounding_is_half_to_even() {
        let got: Vec<f64> = [0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.51, -2.6, 3.0].iter().map(|&x| round_half_even(x)).collect();
        assert_eq!(got, [0.0, 2.0, 2.0, -0.0, -2.0, 2.0, 3.0, -3.0, 3.0]);
    }

    #[test]
    fn regions_are_8_connected_and_filtered_by_filled_area() {
        // A diagonal pair is one region; a ring of 8 around a hole has filled area 9.
        let ring: Vec<(usize, usize)> = [(0, 5), (0, 6), (0, 7), (1, 5), (1, 7), (2, 5), (2, 6), (2, 7)].to_vec();
        let mut set = ring.clone();
        set.extend([(4, 0), (5, 1)]);
        let m = mask(7, 9, &set);
        let mut s = RegionScratch::default();
        let all = find_ellipses(&m, 7, 9, 1.0, &mut s);
        assert_eq!(all.len(), 2);
        let big = find_ellipses(&m, 7, 9, 9.0, &mut s);
        assert_eq!(big.len(), 1);
        assert_eq!((big[0].col, big[0].row), (6.0, 1.0));
        assert!(find_ellipses(&m, 7, 9, 9.5, &mut s).is_empty());
    }

    #[test]
    fn a_hole_open_diagonally_is_not_filled() {
        // The centre of this 3×3 ring touches the outside only through a diagonal gap: the
        // 3×3 structure of scikit-image's fill lets the background escape that way.
        let set = [(0, 0), (0, 1), (1, 0), (1, 2), (2, 1), (2, 2)];
        let mut s = RegionScratch::default();
        assert_eq!(find_ellipses(&mask(3, 3, &set), 3, 3, 6.0, &mut s).len(), 1);
        assert!(find_ellipses(&mask(3, 3, &set), 3, 3, 7.0, &mut s).is_empty());
    }

    #[test]
    fn moments_of_a_line_and_a_square() {
        let mut s = RegionScratch::default();
        // 7 pixels in a row: column variance 4 → major axis 8, minor 0, orientation −90°.
        let line: Vec<(usize, usize)> = (2..9).map(|c| (3, c)).collect();
        let e = find_ellipses(&mask(6, 12, &line), 6, 12, 1.0, &mut s)[0];
        assert_eq!((e.col, e.row, e.w, e.h), (5.0, 3.0, 7.0, -1.0));
        assert_eq!(e.angle, degrees(0.5 * (0.0f64).atan2(-4.0)));
        // A 2×2 square: both variances 0.25 → axes 2, 2; equal diagonal → −45°.
        let sq = find_ellipses(&mask(4, 4, &[(1, 1), (1, 2), (2, 1), (2, 2)]), 4, 4, 1.0, &mut s)[0];
        assert_eq!((sq.col, sq.row, sq.w, sq.h, sq.angle), (1.5, 1.5, 1.0, 1.0, -45.0));
        // A single pixel: zero axes.
        let one = find_ellipses(&mask(3, 3, &[(1, 1)]), 3, 3, 1.0, &mut s)[0];
        assert_eq!((one.w, one.h), (-1.0, -1.0));
    }

    #[test]
    fn eigenvalues_of_a_rotated_tensor() {
        let (l1, l2) = symmetric_eigenvalues(2.0, 1.0, 2.0);
        assert!((l1 - 3.0).abs() < 1e-15 && (l2 - 1.0).abs() < 1e-15);
        assert_eq!(symmetric_eigenvalues(1.0, 0.0, 3.0), (3.0, 1.0));
        assert_eq!(symmetric_eigenvalues(0.0, 0.0, 0.0), (0.0, 0.0));
    }

    #[test]
    fn circles_and_rotated_ellipses() {
        // Radius 2 circle: |dr|, |dc| with dr² + dc² < 4.
        let c = drawn(5.0, 5.0, 4.0, 4.0, 0.0, 11, 11);
        assert_eq!(c.len(), 9);
        assert!(c.contains(&(5, 6)) && c.contains(&(6, 6)) && !c.contains(&(7, 5)));
        // Axis1 spans columns at angle 0; at 90° it spans rows.
        let wide = drawn(5.0, 5.0, 8.0, 2.0, 0.0, 11, 11);
        assert_eq!(wide, (2..=8).map(|c| (5, c)).collect::<Vec<_>>());
        let tall = drawn(5.0, 5.0, 8.0, 2.0, 90.0, 11, 11);
        assert_eq!(tall, (2..=8).map(|r| (r, 5)).collect::<Vec<_>>());
        // Centres round half-to-even; zero half-axes draw nothing; image edges clip.
        assert_eq!(drawn(4.5, 2.5, 2.0, 2.0, 0.0, 11, 11), vec![(2, 4)]);
        assert!(drawn(5.0, 5.0, 0.9, 6.0, 0.0, 11, 11).is_empty());
        assert_eq!(drawn(0.0, 0.0, 4.0, 4.0, 0.0, 11, 11), vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
    }

    #[test]
    fn point_inside_and_expansion() {
        let e = Ellipse { col: 10.0, row: 10.0, h: 4.0, w: 10.0, angle: 0.0 };
        let p = |col, row| Ellipse { col, row, h: 0.0, w: 0.0, angle: 0.0 };
        let point_inside = |point: &Ellipse, ellipse: &Ellipse| InsideTest::new(ellipse).contains(point);
        assert!(point_inside(&p(15.0, 10.0), &e));
        assert!(!point_inside(&p(15.1, 10.0), &e));
        assert!(point_inside(&p(10.0, 12.0), &e));
        assert!(!point_inside(&p(10.0, 12.1), &e));
        // w >= h: axis1 = h·E, axis2 = w + (E − 1)·h; capped, then halved and rounded.
        assert_eq!(expanded_half_axes(&e, 2.0, 400.0), (4.0, 7.0));
        assert_eq!(expanded_half_axes(&Ellipse { h: 10.0, w: 4.0, ..e }, 2.0, 400.0), (7.0, 4.0));
        assert_eq!(expanded_half_axes(&Ellipse { h: 300.0, w: 500.0, ..e }, 2.0, 400.0), (200.0, 200.0));
        assert_eq!(expanded_half_axes(&Ellipse { h: 5.0, w: 6.0, ..e }, 1.0, 400.0), (2.0, 3.0));
    }
}
