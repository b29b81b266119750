//! Near-IR snowballs (spec/steps/jump.md §8.1; stcal 1.20 `flag_large_events`), run after
//! two-point detection on whole frames.
//!
//! Why whole frames and not row bands: a snowball is a connected region of any size, its
//! expanded ellipse reaches up to `max_extended_width / 2` pixels from the centre, and the
//! saturation drawn around a core in group g changes which pixels are "newly saturated" in
//! every later group. A band would need a halo as tall as the frame, so the step runs this pass
//! once on the whole exposure after the banded two-point pass.
//!
//! Integrations are independent except for `mask_snowball_core_next_int`: the saturated cores
//! found in integration i are flagged JUMP in groups `1..persist_groups` of integration i + 1.
//! [`flag`] takes the cores of the integration before the first one it sees and hands back the
//! cores of the last one, so integration slices processed one after another give the result of
//! the whole exposure.

use crate::dq;
use crate::error::KernelError;
use crate::jump_ellipses::{draw_ellipse, expanded_half_axes, find_ellipses_of, python_min, InsideTest, Ellipse, RegionScratch};
use crate::tile::RampShape;

const JUMP: u8 = dq::JUMP_DET as u8;
const SAT: u8 = dq::SATURATED as u8;

/// stcal's `JumpData` snowball settings, as jwst's JumpStep passes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Minimum hole-filled area of a newly saturated region (`min_sat_area`).
    pub min_sat_area: f64,
    /// Minimum hole-filled area of a jump region (`min_jump_area`).
    pub min_jump_area: f64,
    /// Expansion ratio of snowball ellipses (`expand_factor`).
    pub expand_factor: f64,
    /// `sat_required_snowball`: a jump region must contain a new saturated core (or lie near an
    /// edge); false: every jump region is a snowball and cores are not extended.
    pub sat_required: bool,
    /// Cores whose minor axis exceeds this are extended (`min_sat_radius_extend`).
    pub min_sat_radius_extend: f64,
    /// Pixels added to both core axes: stcal receives jwst's `2 · sat_expand`.
    pub sat_expand: f64,
    /// Jump regions whose centre is within this of an edge need no core (`edge_size`).
    pub edge_size: f64,
    /// Cap on every drawn full axis: stcal's `max_extended_width` = jwst's `2 · max_extended_radius`.
    pub max_extended_width: f64,
    /// `int(snowball_time_masked_next_int // group_time)` when `mask_snowball_core_next_int`,
    /// else 0: groups `1..min(n, ngroups)` of the next integration get the previous cores.
    pub persist_groups: usize,
}

fn check_params(p: &Params) -> Result<(), KernelError> {
    let invalid = |argument: &'static str, reason: String| Err(KernelError::InvalidParameter { argument, reason });
    for (argument, value) in [
        ("min_sat_area", p.min_sat_area),
        ("min_jump_area", p.min_jump_area),
        ("expand_factor", p.expand_factor),
        ("min_sat_radius_extend", p.min_sat_radius_extend),
        ("sat_expand", p.sat_expand),
        ("edge_size", p.edge_size),
        ("max_extended_width", p.max_extended_width),
    ] {
        if !value.is_finite() || value < 0.0 {
            return invalid(argument, format!("must be a finite number >= 0, got {value}"));
        }
    }
    if p.expand_factor <= 0.0 {
        return invalid("expand_factor", format!("must be > 0, got {}", p.expand_factor));
    }
    Ok(())
}

/// Snowball flagging on a whole `(nints, ngroups, rows, cols)` GROUPDQ, in place.
///
/// `cores_before` is the `(rows, cols)` core mask (non-zero = core) of the integration before
/// the first, or empty when the ramp starts the exposure; `cores_after` receives the core mask
/// of the last integration. Returns the number of snowballs.
pub fn flag(groupdq: &mut [u8], cores_before: &[u8], cores_after: &mut [u8], shape: RampShape, params: &Params) -> Result<usize, KernelError> {
    shape.validate()?;
    shape.expect_cube("groupdq", groupdq.len())?;
    if !cores_before.is_empty() {
        shape.expect_plane("cores_before", cores_before.len())?;
    }
    shape.expect_plane("cores_after", cores_after.len())?;
    check_params(params)?;

    let plane = shape.plane_len();
    let int_len = shape.ngroups * plane;
    let mut scratch = Scratch::new();
    let mut previous_cores: Vec<u8> = cores_before.to_vec();
    let mut total = 0;
    for int in 0..shape.nints {
        let cube = &mut groupdq[int * int_len..(int + 1) * int_len];
        let mut cores = vec![0u8; plane];
        total += flag_integration(cube, &mut cores, shape, params, &mut scratch);
        // stcal ORs the previous integration's cores after all integrations are searched, so
        // they never take part in this integration's search.
        if params.persist_groups >= 1 && !previous_cores.is_empty() {
            let last = params.persist_groups.min(shape.ngroups);
            let core_pixels: Vec<usize> = (0..plane).filter(|&p| previous_cores[p] != 0).collect();
            for g in 1..last {
                for &p in &core_pixels {
                    cube[g * plane + p] |= JUMP;
                }
            }
        }
        previous_cores = cores;
    }
    cores_after.copy_from_slice(&previous_cores);
    Ok(total)
}

struct Scratch {
    new_sat: Vec<usize>,
    next_new_sat: Vec<usize>,
    jumps: Vec<usize>,
    regions: RegionScratch,
}

impl Scratch {
    fn new() -> Self {
        Scratch { new_sat: Vec::new(), next_new_sat: Vec::new(), jumps: Vec::new(), regions: RegionScratch::default() }
    }
}

/// Every byte of a word with `flag` set in it.
const fn lanes(flag: u8) -> u64 {
    u64::from_ne_bytes([flag; 8])
}

/// The pixels `p` (ascending) where `select(a, b)` is non-zero, `select` working on 8 pixels at a
/// time (a word of each plane, byte i = pixel i): it must combine the bytes bit by bit, without
/// carries, and give 0 for zero bytes. Events are sparse, so the lists are short and the scan
/// of the planes is the main cost of a group.
fn set_pixels(a: &[u8], b: &[u8], select: impl Fn(u64, u64) -> u64, out: &mut Vec<usize>) {
    out.clear();
    let mut push_hits = |start: usize, mut hits: u64| {
        while hits != 0 {
            let byte = hits.trailing_zeros() as usize / 8;
            out.push(start + byte);
            hits &= !(0xff << (byte * 8));
        }
    };
    let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    let (whole_a, whole_b) = (a.chunks_exact(8), b.chunks_exact(8));
    let (tail_a, tail_b) = (whole_a.remainder(), whole_b.remainder());
    for (i, (x, y)) in whole_a.zip(whole_b).enumerate() {
        let hits = select(word(x), word(y));
        if hits != 0 {
            push_hits(i * 8, hits);
        }
    }
    if !tail_a.is_empty() {
        let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
        x[..tail_a.len()].copy_from_slice(tail_a);
        y[..tail_b.len()].copy_from_slice(tail_b);
        push_hits(a.len() - tail_a.len(), select(u64::from_le_bytes(x), u64::from_le_bytes(y)));
    }
}

fn flag_integration(cube: &mut [u8], cores: &mut [u8], shape: RampShape, params: &Params, s: &mut Scratch) -> usize {
    let (ngroups, rows, cols) = (shape.ngroups, shape.rows, shape.cols);
    let plane = rows * cols;
    let (sat, jump) = (lanes(SAT), lanes(JUMP));
    let newly_saturated = |previous: u64, current: u64| current & !previous & sat;
    let mut count = 0;
    for g in 1..ngroups {
        let (before, rest) = cube.split_at(g * plane);
        let previous = &before[(g - 1) * plane..];
        let current = &rest[..plane];
        set_pixels(previous, current, newly_saturated, &mut s.new_sat);
        set_pixels(current, current, |x, _| x & jump, &mut s.jumps);
        let new_sat = |p: usize| current[p] & SAT != 0 && previous[p] & SAT == 0;
        let sat_ellipses = find_ellipses_of(&s.new_sat, new_sat, rows, cols, params.min_sat_area, &mut s.regions);
        let jump_ellipses = find_ellipses_of(&s.jumps, |p| current[p] & JUMP != 0, rows, cols, params.min_jump_area, &mut s.regions);
        let snowballs = if params.sat_required {
            let next_sat_ellipses = if g < ngroups - 1 {
                let next = &rest[plane..2 * plane];
                set_pixels(current, next, newly_saturated, &mut s.next_new_sat);
                let next_new_sat = |p: usize| next[p] & SAT != 0 && current[p] & SAT == 0;
                find_ellipses_of(&s.next_new_sat, next_new_sat, rows, cols, params.min_sat_area, &mut s.regions)
            } else {
                Vec::new()
            };
            let snowballs = select_snowballs(&jump_ellipses, &sat_ellipses, &next_sat_ellipses, rows, params);
            extend_saturation(cube, cores, g, &sat_ellipses, shape, params);
            snowballs
        } else {
            jump_ellipses
        };
        count += snowballs.len();
        let current = &mut cube[g * plane..(g + 1) * plane];
        for snowball in &snowballs {
            let (c_radius, r_radius) = expanded_half_axes(snowball, params.expand_factor, params.max_extended_width);
            draw_ellipse(snowball.col, snowball.row, 2.0 * c_radius, 2.0 * r_radius, snowball.angle, rows, cols, |r, c| {
                let flags = &mut current[r * cols + c];
                if *flags & SAT == 0 {
                    *flags |= JUMP;
                }
            });
        }
    }
    count
}

/// stcal `make_snowballs`: jump ellipses near an edge, or containing the centre of a newly
/// saturated region of this group or (before the last group) of the next one. The edge test
/// uses the row count for both axes, as stcal does.
fn select_snowballs(jumps: &[Ellipse], sats: &[Ellipse], next_sats: &[Ellipse], rows: usize, params: &Params) -> Vec<Ellipse> {
    let low = params.edge_size;
    let high = (rows as f64 - params.edge_size).max(0.0);
    let mut snowballs: Vec<Ellipse> = Vec::new();
    for jump in jumps {
        if jump.col < low || jump.row < low || jump.col > high || jump.row > high {
            snowballs.push(*jump);
            continue;
        }
        if sats.is_empty() && next_sats.is_empty() {
            continue;
        }
        let inside_jump = InsideTest::new(jump);
        for sat in sats.iter().chain(next_sats) {
            if inside_jump.contains(sat) && !snowballs.contains(jump) {
                snowballs.push(*jump);
            }
        }
    }
    snowballs
}

/// stcal `extend_saturation`: every new core whose minor axis exceeds `min_sat_radius_extend`
/// is redrawn with both axes grown by `sat_expand` (capped), and SATURATED is *assigned* there
/// in this and all later groups of the integration; the unexpanded core joins `cores`.
fn extend_saturation(cube: &mut [u8], cores: &mut [u8], group: usize, sats: &[Ellipse], shape: RampShape, params: &Params) {
    let (ngroups, rows, cols) = (shape.ngroups, shape.rows, shape.cols);
    let plane = rows * cols;
    for sat in sats {
        if python_min(sat.w, sat.h) <= params.min_sat_radius_extend {
            continue;
        }
        let axis1 = python_min(sat.h + params.sat_expand, params.max_extended_width);
        let axis2 = python_min(sat.w + params.sat_expand, params.max_extended_width);
        draw_ellipse(sat.col, sat.row, axis1, axis2, sat.angle, rows, cols, |r, c| {
            for g in group..ngroups {
                cube[g * plane + r * cols + c] = SAT;
            }
        });
        draw_ellipse(sat.col, sat.row, sat.h, sat.w, sat.angle, rows, cols, |r, c| cores[r * cols + c] = 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Params = Params {
        min_sat_area: 1.0,
        min_jump_area: 5.0,
        expand_factor: 2.0,
        sat_required: true,
        min_sat_radius_extend: 2.5,
        sat_expand: 4.0,
        edge_size: 25.0,
        max_extended_width: 400.0,
        persist_groups: 0,
    };

    /// Sets `flag` in group `g` of integration `int` for pixels within `radius` of (row, col).
    fn disc(gdq: &mut [u8], shape: RampShape, (int, g): (usize, usize), (row, col): (f64, f64), radius: f64, flag: u8) {
        let plane = shape.plane_len();
        let base = (int * shape.ngroups + g) * plane;
        for r in 0..shape.rows {
            for c in 0..shape.cols {
                let d2 = (r as f64 - row).powi(2) + (c as f64 - col).powi(2);
                if d2 <= radius * radius {
                    gdq[base + r * shape.cols + c] |= flag;
                }
            }
        }
    }

    fn count(gdq: &[u8], shape: RampShape, int: usize, g: usize, flag: u8) -> usize {
        let plane = shape.plane_len();
        let base = (int * shape.ngroups + g) * plane;
        gdq[base..base + plane].iter().filter(|&&f| f & flag != 0).count()
    }

    /// A snowball in group 2: a jump disc of radius 6 around a core of radius 3 that saturates
    /// from group 2 on.
    fn snowball(shape: RampShape, int: usize) -> Vec<u8> {
        let mut gdq = vec![0u8; shape.cube_len()];
        disc(&mut gdq, shape, (int, 2), (40.0, 40.0), 6.0, JUMP);
        for g in 2..shape.ngroups {
            disc(&mut gdq, shape, (int, g), (40.0, 40.0), 3.0, SAT);
        }
        // The two-point clean-up leaves no JUMP where SATURATED is set.
        for f in gdq.iter_mut() {
            if *f & SAT != 0 {
                *f &= !JUMP;
            }
        }
        gdq
    }

    #[test]
    fn a_saturated_core_makes_a_snowball_expanded_by_the_factor() {
        let shape = RampShape::new(1, 5, 80, 80);
        let mut gdq = snowball(shape, 0);
        let before = count(&gdq, shape, 0, 2, JUMP);
        let mut cores = vec![0u8; 6400];
        assert_eq!(flag(&mut gdq, &[], &mut cores, shape, &DEFAULTS).unwrap(), 1);
        // Radius ~6 region → ellipse axes ~2×: JUMP over a disc of radius ~12, not on SAT pixels.
        let after = count(&gdq, shape, 0, 2, JUMP);
        assert!(after > 3 * before, "{before} -> {after}");
        assert_eq!(gdq[(2 * 80 + 40) * 80 + 50] & JUMP, JUMP);
        assert_eq!(gdq[(2 * 80 + 40) * 80 + 55] & JUMP, 0);
        // The core (minor axis > 2.5) grows by 4 in every axis: SAT assigned from group 2 on,
        // which also wipes the expanded JUMP there.
        for g in 2..5 {
            assert_eq!(gdq[(g * 80 + 40) * 80 + 44], SAT, "group {g}");
        }
        assert_eq!(gdq[(80 + 40) * 80 + 40], 0, "group 1 untouched");
        assert!(cores.iter().filter(|&&c| c != 0).count() >= 25);
        // Only group 2 gets the snowball.
        assert_eq!(count(&gdq, shape, 0, 3, JUMP), 0);
    }

    #[test]
    fn without_a_core_only_edge_regions_are_snowballs() {
        let shape = RampShape::new(1, 4, 100, 100);
        let mut gdq = vec![0u8; shape.cube_len()];
        disc(&mut gdq, shape, (0, 1), (50.0, 50.0), 4.0, JUMP);
        disc(&mut gdq, shape, (0, 1), (10.0, 50.0), 4.0, JUMP);
        let mut cores = vec![0u8; 10000];
        assert_eq!(flag(&mut gdq.clone(), &[], &mut cores, shape, &DEFAULTS).unwrap(), 1);
        // Row 50 > 100 − 25? no; with edge_size 60 the high limit is 40 and both are near an edge.
        assert_eq!(flag(&mut gdq.clone(), &[], &mut cores, shape, &Params { edge_size: 60.0, ..DEFAULTS }).unwrap(), 2);
        assert_eq!(flag(&mut gdq, &[], &mut cores, shape, &Params { sat_required: false, ..DEFAULTS }).unwrap(), 2);
    }

    #[test]
    fn a_core_saturating_in_the_next_group_counts() {
        let shape = RampShape::new(1, 5, 80, 80);
        let mut gdq = vec![0u8; shape.cube_len()];
        disc(&mut gdq, shape, (0, 2), (40.0, 40.0), 6.0, JUMP);
        for g in 3..5 {
            disc(&mut gdq, shape, (0, g), (40.0, 40.0), 2.0, SAT);
        }
        let mut cores = vec![0u8; 6400];
        assert_eq!(flag(&mut gdq, &[], &mut cores, shape, &DEFAULTS).unwrap(), 1);
        // A core of radius 2 has minor axis 4·√(var) − 1 ≈ 4.3 > 2.5: extended from group 3.
        assert_eq!(gdq[(3 * 80 + 40) * 80 + 43], SAT);
        assert_eq!(gdq[(2 * 80 + 40) * 80 + 43] & SAT, 0);
    }

    #[test]
    fn small_jump_regions_and_small_cores_are_ignored() {
        let shape = RampShape::new(1, 4, 60, 60);
        let mut gdq = vec![0u8; shape.cube_len()];
        // A 3×3 square whose centre saturates: 8 JUMP pixels around a hole, filled area 9.
        disc(&mut gdq, shape, (0, 1), (30.0, 30.0), 1.5, JUMP);
        gdq[(60 + 30) * 60 + 30] = SAT;
        let mut cores = vec![0u8; 3600];
        let mut small = gdq.clone();
        assert_eq!(flag(&mut small, &[], &mut cores, shape, &Params { min_jump_area: 9.5, ..DEFAULTS }).unwrap(), 0);
        assert_eq!(small, gdq);
        // A one-pixel core is not extended (minor axis −1) and leaves no persistent core.
        assert_eq!(flag(&mut gdq, &[], &mut cores, shape, &DEFAULTS).unwrap(), 1);
        assert!(cores.iter().all(|&c| c == 0));
        // min_sat_area 2 drops the one-pixel core: no snowball.
        let mut g2 = vec![0u8; shape.cube_len()];
        disc(&mut g2, shape, (0, 1), (30.0, 30.0), 1.5, JUMP);
        g2[(60 + 30) * 60 + 30] = SAT;
        assert_eq!(flag(&mut g2, &[], &mut cores, shape, &Params { min_sat_area: 2.0, ..DEFAULTS }).unwrap(), 0);
    }

    #[test]
    fn cores_flag_the_next_integration_and_carry_over_between_slices() {
        let shape = RampShape::new(3, 6, 80, 80);
        let mut gdq = snowball(shape, 0);
        let second = snowball(shape, 1);
        let plane = shape.plane_len();
        let int_len = shape.ngroups * plane;
        gdq[int_len..2 * int_len].copy_from_slice(&second[int_len..2 * int_len]);
        let params = Params { persist_groups: 4, ..DEFAULTS };
        let mut whole = gdq.clone();
        let mut cores = vec![0u8; plane];
        assert_eq!(flag(&mut whole, &[], &mut cores, shape, &params).unwrap(), 2);
        let centre = 40 * 80 + 40;
        // Integration 1, groups 1..4 carry integration 0's cores (group 2 is SAT there already).
        for (g, expected) in [(0, 0), (1, JUMP), (3, SAT | JUMP), (4, SAT)] {
            assert_eq!(whole[int_len + g * plane + centre], expected, "int 1 group {g}");
        }
        assert_eq!(whole[2 * int_len + plane + centre], JUMP, "int 2 gets int 1's cores");
        // One integration at a time, carrying the cores, equals the whole exposure.
        let one = RampShape::new(1, 6, 80, 80);
        let mut carry: Vec<u8> = Vec::new();
        let mut sliced = gdq.clone();
        for int in 0..3 {
            let mut out = vec![0u8; plane];
            flag(&mut sliced[int * int_len..(int + 1) * int_len], &carry, &mut out, one, &params).unwrap();
            carry = out;
        }
        assert_eq!(sliced, whole);
        assert_eq!(carry, cores);
    }

    #[test]
    fn bad_parameters_and_shapes() {
        let shape = RampShape::new(1, 3, 4, 4);
        let mut gdq = vec![0u8; 48];
        let mut cores = vec![0u8; 16];
        let bad = Params { expand_factor: f64::NAN, ..DEFAULTS };
        assert!(matches!(flag(&mut gdq, &[], &mut cores, shape, &bad), Err(KernelError::InvalidParameter { argument: "expand_factor", .. })));
        assert!(matches!(flag(&mut gdq, &[0; 3], &mut cores, shape, &DEFAULTS), Err(KernelError::ShapeMismatch { argument: "cores_before", .. })));
        assert!(matches!(flag(&mut gdq[..40], &[], &mut cores, shape, &DEFAULTS), Err(KernelError::ShapeMismatch { .. })));
    }
}
