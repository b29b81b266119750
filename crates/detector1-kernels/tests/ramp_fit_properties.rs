//! Invariants of ramp_fit (OLS_C) on seeded random tiles: a noiseless linear ramp gives its
//! slope back, values of DO_NOT_USE/SATURATED groups never matter, results do not depend on
//! the tile height, the integration-by-integration stream equals the whole-tile fit, and bad
//! input is reported as a typed error.

use detector1_kernels::dq::{CHARGELOSS, DO_NOT_USE, JUMP_DET, PERSISTENCE, SATURATED};
use detector1_kernels::ramp_fit::{fit, fit_rows, CubeLayout, FitOpt, Inputs, Output, Params, Products, RampFitStream};
use detector1_kernels::{KernelError, RampShape};

/// splitmix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// An owned random tile with every feature the kernel knows (flags, jumps, zeroframe, dark,
/// bad gain, zero read noise).
#[derive(Clone)]
struct Tile {
    shape: RampShape,
    data: Vec<f32>,
    groupdq: Vec<u8>,
    pixeldq: Vec<u32>,
    gain: Vec<f32>,
    readnoise: Vec<f32>,
    zeroframe: Option<Vec<f32>>,
    dark: Option<Vec<f32>>,
}

impl Tile {
    fn random(seed: u64, shape: RampShape) -> Tile {
        let mut r = Rng(seed);
        let plane = shape.plane_len();
        let mut data = vec![0f32; shape.cube_len()];
        let mut groupdq = vec![0u8; shape.cube_len()];
        for p in 0..plane {
            let rate = 500.0 * r.unit() - 20.0;
            for i in 0..shape.nints {
                let mut level = 1000.0 * r.unit();
                let sat_at = if r.unit() < 0.15 { r.below(shape.ngroups) } else { usize::MAX };
                for g in 0..shape.ngroups {
                    let at = ((i * shape.ngroups + g) * plane) + p;
                    let mut q = 0u8;
                    if g > 0 && r.unit() < 0.08 {
                        q |= JUMP_DET as u8;
                        level += 2000.0 * r.unit();
                    }
                    if r.unit() < 0.04 {
                        q |= DO_NOT_USE as u8;
                    }
                    if r.unit() < 0.03 {
                        q |= PERSISTENCE as u8;
                    }
                    if r.unit() < 0.02 {
                        q |= (CHARGELOSS | DO_NOT_USE) as u8;
                    }
                    if g >= sat_at {
                        q |= SATURATED as u8;
                    }
                    level += rate * 10.0 + 8.0 * r.normal();
                    data[at] = level as f32;
                    groupdq[at] = q;
                }
            }
        }
        let pixeldq = (0..plane).map(|_| if r.unit() < 0.05 { 1u32 << r.below(32) } else { 0 }).collect();
        let gain = (0..plane)
            .map(|_| match r.below(40) {
                0 => f32::NAN,
                1 => 0.0,
                _ => 1.0 + 3.0 * r.unit() as f32,
            })
            .collect();
        let readnoise = (0..plane).map(|_| if r.below(60) == 0 { 0.0 } else { 5.0 + 20.0 * r.unit() as f32 }).collect();
        let zeroframe =
            Some((0..shape.nints * plane).map(|_| if r.unit() < 0.3 { 0.0 } else { 300.0 * r.unit() as f32 }).collect());
        let dark = Some((0..plane).map(|_| 0.05 * r.unit() as f32).collect());
        Tile { shape, data, groupdq, pixeldq, gain, readnoise, zeroframe, dark }
    }

    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            data: &self.data,
            groupdq: &self.groupdq,
            pixeldq: &self.pixeldq,
            gain: &self.gain,
            readnoise: &self.readnoise,
            zeroframe: self.zeroframe.as_deref(),
            average_dark_current: self.dark.as_deref(),
        }
    }

    /// Rows `[row0, row0 + rows)` of every plane.
    fn band(&self, row0: usize, rows: usize) -> Tile {
        let cols = self.shape.cols;
        let cut = |v: &[f32], planes: usize| -> Vec<f32> {
            (0..planes)
                .flat_map(|pl| {
                    let start = pl * self.shape.plane_len() + row0 * cols;
                    v[start..start + rows * cols].to_vec()
                })
                .collect()
        };
        let cut8 = |v: &[u8], planes: usize| -> Vec<u8> {
            (0..planes)
                .flat_map(|pl| {
                    let start = pl * self.shape.plane_len() + row0 * cols;
                    v[start..start + rows * cols].to_vec()
                })
                .collect()
        };
        let ncube = self.shape.nints * self.shape.ngroups;
        Tile {
            shape: RampShape { rows, ..self.shape },
            data: cut(&self.data, ncube),
            groupdq: cut8(&self.groupdq, ncube),
            pixeldq: self.pixeldq[row0 * cols..(row0 + rows) * cols].to_vec(),
            gain: cut(&self.gain, 1),
            readnoise: cut(&self.readnoise, 1),
            zeroframe: self.zeroframe.as_ref().map(|z| cut(z, self.shape.nints)),
            dark: self.dark.as_ref().map(|d| cut(d, 1)),
        }
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn assert_products_identical(a: &Products, b: &Products, what: &str) {
    assert_eq!(bits(&a.slope), bits(&b.slope), "{what} slope");
    assert_eq!(a.dq, b.dq, "{what} dq");
    assert_eq!(bits(&a.var_poisson), bits(&b.var_poisson), "{what} var_poisson");
    assert_eq!(bits(&a.var_rnoise), bits(&b.var_rnoise), "{what} var_rnoise");
    assert_eq!(bits(&a.err), bits(&b.err), "{what} err");
}

fn params_variants(ngroups: usize) -> Vec<Params> {
    let base = Params::new(10.6, 21.2, 2, 1, ngroups);
    vec![
        base.clone(),
        Params { suppress_one_group: false, save_opt: true, drop_frames1: 3, ..base.clone() },
        Params { first_group: 1, last_group: ngroups - 2, save_opt: true, ..base.clone() },
        Params { group_start: 1, group_stop: ngroups - 1, clear_first_jump: true, save_opt: true, ..base },
    ]
}

/// Property: a noiseless linear ramp (any slope, offset, nframes, power regime; split by a
/// jump into offset pieces, or by a DO_NOT_USE group) gives its slope back to float32 rounding,
/// in rate and rateints.
#[test]
fn noiseless_linear_ramps_return_their_slope() {
    let mut r = Rng(7);
    for case in 0..400 {
        let ngroups = 2 + r.below(30);
        let nints = 1 + r.below(3);
        let cols = 3;
        let shape = RampShape::new(nints, ngroups, 1, cols);
        let tgroup = 1.0 + 20.0 * r.unit() as f32;
        // Integer steps and offsets below 2^24: the ramp is exactly linear in float32.
        let step = ((2000.0 * r.unit() - 200.0) * tgroup as f64).round() as f32;
        let mut tile = Tile {
            shape,
            data: vec![0.0; shape.cube_len()],
            groupdq: vec![0; shape.cube_len()],
            pixeldq: vec![0; cols],
            gain: vec![1.0 + 4.0 * r.unit() as f32; cols],
            readnoise: vec![1.0 + 30.0 * r.unit() as f32; cols],
            zeroframe: None,
            dark: None,
        };
        for p in 0..cols {
            for i in 0..nints {
                let mut offset = (1000.0 * r.unit()).round() as f32;
                for g in 0..ngroups {
                    let at = (i * ngroups + g) * cols + p;
                    // Pixel 1: a jump halfway (the second piece is shifted); pixel 2: a DNU group.
                    if p == 1 && g == ngroups / 2 && ngroups >= 6 {
                        tile.groupdq[at] = JUMP_DET as u8;
                        offset += 4096.0;
                    }
                    if p == 2 && g == ngroups / 2 && ngroups >= 5 {
                        tile.groupdq[at] = DO_NOT_USE as u8;
                    }
                    tile.data[at] = offset + step * g as f32;
                }
            }
        }
        let params = Params::new(tgroup, tgroup, 1 + r.below(4) as u32, 0, ngroups);
        let out = fit(&tile.inputs(), shape, &params).unwrap();
        let expected = step as f64 / tgroup as f64;
        let tol = 8.0 * f32::EPSILON as f64 * expected.abs().max(1e-3);
        for p in 0..cols {
            let got = out.rate.slope[p] as f64;
            assert!((got - expected).abs() <= tol, "case {case} pixel {p}: rate {got} vs {expected}");
            for i in 0..nints {
                let gi = out.rateints.slope[i * cols + p] as f64;
                assert!((gi - expected).abs() <= tol, "case {case} pixel {p} int {i}: {gi} vs {expected}");
            }
        }
    }
}

/// Property: whatever values DO_NOT_USE or SATURATED groups hold, rate and rateints do not change.
#[test]
fn flagged_group_values_never_matter() {
    for seed in 0..6 {
        let tile = Tile::random(100 + seed, RampShape::new(3, 9, 5, 7));
        for params in params_variants(9) {
            let reference = fit(&tile.inputs(), tile.shape, &params).unwrap();
            let mut scrambled = tile.clone();
            let mut r = Rng(seed);
            for (k, q) in scrambled.groupdq.iter().enumerate() {
                if q & (DO_NOT_USE | SATURATED) as u8 != 0 {
                    scrambled.data[k] = match r.below(3) {
                        0 => f32::NAN,
                        1 => -1.0e30,
                        _ => (1.0e6 * r.unit()) as f32,
                    };
                }
            }
            let out = fit(&scrambled.inputs(), tile.shape, &params).unwrap();
            assert_products_identical(&out.rate, &reference.rate, "rate");
            assert_products_identical(&out.rateints, &reference.rateints, "rateints");
        }
    }
}

/// Property: groups marked DO_NOT_USE by firstgroup/lastgroup give the same result as the same
/// flags set in GROUPDQ.
#[test]
fn first_last_group_equal_explicit_do_not_use() {
    let tile = Tile::random(5, RampShape::new(2, 10, 4, 6));
    let params = Params { first_group: 2, last_group: 7, ..Params::new(10.6, 21.2, 2, 1, 10) };
    let by_params = fit(&tile.inputs(), tile.shape, &params).unwrap();
    let mut flagged = tile.clone();
    let plane = tile.shape.plane_len();
    for (k, q) in flagged.groupdq.iter_mut().enumerate() {
        let g = (k / plane) % 10;
        if !(2..=7).contains(&g) {
            *q |= DO_NOT_USE as u8;
        }
    }
    let by_flags = fit(&flagged.inputs(), tile.shape, &Params::new(10.6, 21.2, 2, 1, 10)).unwrap();
    assert_products_identical(&by_params.rate, &by_flags.rate, "rate");
    assert_products_identical(&by_params.rateints, &by_flags.rateints, "rateints");
}

/// Merges band fitopt arrays padded to the largest band maximum, as stcal's multiprocess
/// assembly does.
fn merge_bands(shape: RampShape, bands: &[(usize, usize, Output)]) -> Output {
    let plane = shape.plane_len();
    let cols = shape.cols;
    let nints = shape.nints;
    let mut out = Output {
        rate: Products {
            slope: vec![0.0; plane],
            dq: vec![0; plane],
            var_poisson: vec![0.0; plane],
            var_rnoise: vec![0.0; plane],
            err: vec![0.0; plane],
        },
        rateints: Products {
            slope: vec![0.0; nints * plane],
            dq: vec![0; nints * plane],
            var_poisson: vec![0.0; nints * plane],
            var_rnoise: vec![0.0; nints * plane],
            err: vec![0.0; nints * plane],
        },
        fitopt: None,
        chisq: None,
    };
    let paste = |dst: &mut Vec<f32>, src: &[f32], planes: usize, src_planes: usize, row0: usize, rows: usize| {
        for pl in 0..src_planes {
            for k in 0..rows * cols {
                dst[pl * plane + row0 * cols + k] = src[pl * rows * cols + k];
            }
        }
        let _ = planes;
    };
    let max_seg = bands.iter().filter_map(|b| b.2.fitopt.as_ref()).map(|f| f.max_seg).max();
    let max_cr = bands.iter().filter_map(|b| b.2.fitopt.as_ref()).map(|f| f.max_cr).max();
    let mut fo = max_seg.map(|ms| {
        let mc = max_cr.unwrap_or(0);
        let n = nints * ms * plane;
        FitOpt {
            max_seg: ms,
            max_cr: mc,
            slope: vec![0.0; n],
            sigslope: vec![0.0; n],
            var_poisson: vec![0.0; n],
            var_rnoise: vec![0.0; n],
            yint: vec![0.0; n],
            sigyint: vec![0.0; n],
            weights: vec![0.0; n],
            pedestal: vec![0.0; nints * plane],
            crmag: vec![0.0; nints * mc * plane],
        }
    });
    for (row0, rows, band) in bands {
        let (row0, rows) = (*row0, *rows);
        paste(&mut out.rate.slope, &band.rate.slope, 1, 1, row0, rows);
        paste(&mut out.rate.var_poisson, &band.rate.var_poisson, 1, 1, row0, rows);
        paste(&mut out.rate.var_rnoise, &band.rate.var_rnoise, 1, 1, row0, rows);
        paste(&mut out.rate.err, &band.rate.err, 1, 1, row0, rows);
        paste(&mut out.rateints.slope, &band.rateints.slope, nints, nints, row0, rows);
        paste(&mut out.rateints.var_poisson, &band.rateints.var_poisson, nints, nints, row0, rows);
        paste(&mut out.rateints.var_rnoise, &band.rateints.var_rnoise, nints, nints, row0, rows);
        paste(&mut out.rateints.err, &band.rateints.err, nints, nints, row0, rows);
        for pl in 0..nints {
            for k in 0..rows * cols {
                out.rateints.dq[pl * plane + row0 * cols + k] = band.rateints.dq[pl * rows * cols + k];
            }
        }
        for k in 0..rows * cols {
            out.rate.dq[row0 * cols + k] = band.rate.dq[k];
        }
        if let (Some(fo), Some(bf)) = (fo.as_mut(), band.fitopt.as_ref()) {
            // (nints, band_max, rows, cols) into (nints, max, ny, nx), segment j to segment j.
            for i in 0..nints {
                for j in 0..bf.max_seg {
                    for k in 0..rows * cols {
                        let src = (i * bf.max_seg + j) * rows * cols + k;
                        let dst = (i * fo.max_seg + j) * plane + row0 * cols + k;
                        fo.slope[dst] = bf.slope[src];
                        fo.sigslope[dst] = bf.sigslope[src];
                        fo.var_poisson[dst] = bf.var_poisson[src];
                        fo.var_rnoise[dst] = bf.var_rnoise[src];
                        fo.yint[dst] = bf.yint[src];
                        fo.sigyint[dst] = bf.sigyint[src];
                        fo.weights[dst] = bf.weights[src];
                    }
                }
                for j in 0..bf.max_cr {
                    for k in 0..rows * cols {
                        fo.crmag[(i * fo.max_cr + j) * plane + row0 * cols + k] =
                            bf.crmag[(i * bf.max_cr + j) * rows * cols + k];
                    }
                }
                for k in 0..rows * cols {
                    fo.pedestal[i * plane + row0 * cols + k] = bf.pedestal[i * rows * cols + k];
                }
            }
        }
    }
    out.fitopt = fo;
    out
}

/// Property: the result does not depend on how the rows are cut (1, 2, 3, 7 rows per band).
#[test]
fn tile_height_does_not_matter() {
    let shape = RampShape::new(2, 8, 11, 5);
    let tile = Tile::random(42, shape);
    for params in params_variants(8) {
        let whole = fit(&tile.inputs(), shape, &params).unwrap();
        for height in [1usize, 2, 3, 7] {
            let bands: Vec<(usize, usize, Output)> = (0..shape.rows)
                .step_by(height)
                .map(|row0| {
                    let rows = height.min(shape.rows - row0);
                    let band = tile.band(row0, rows);
                    (row0, rows, fit(&band.inputs(), band.shape, &params).unwrap())
                })
                .collect();
            let merged = merge_bands(shape, &bands);
            assert_products_identical(&merged.rate, &whole.rate, "rate");
            assert_products_identical(&merged.rateints, &whole.rateints, "rateints");
            match (&merged.fitopt, &whole.fitopt) {
                (Some(m), Some(w)) => {
                    assert_eq!((m.max_seg, m.max_cr), (w.max_seg, w.max_cr));
                    assert_eq!(bits(&m.slope), bits(&w.slope));
                    assert_eq!(bits(&m.sigslope), bits(&w.sigslope));
                    assert_eq!(bits(&m.yint), bits(&w.yint));
                    assert_eq!(bits(&m.weights), bits(&w.weights));
                    assert_eq!(bits(&m.crmag), bits(&w.crmag));
                    assert_eq!(bits(&m.pedestal), bits(&w.pedestal));
                }
                (None, None) => {}
                _ => panic!("fitopt presence differs"),
            }
        }
    }
}

/// `fit_rows` on rows of a band, read where they lie in its cube, equals `fit` on a copy of
/// those rows; long ramps (the kernel's band of pixels) included.
#[test]
fn rows_of_a_band_equal_their_copy() {
    for shape in [RampShape::new(2, 8, 11, 5), RampShape::new(1, 200, 6, 3)] {
        let tile = Tile::random(43, shape);
        let cols = shape.cols;
        for params in params_variants(shape.ngroups) {
            for (row0, rows) in [(0usize, shape.rows), (2, 3), (shape.rows - 1, 1)] {
                let own = tile.band(row0, rows);
                let copied = fit(&own.inputs(), own.shape, &params).unwrap();
                // The band's cube, the tile's own plane arrays.
                let inputs = Inputs { data: &tile.data, groupdq: &tile.groupdq, ..own.inputs() };
                let layout = CubeLayout { first: row0 * cols, stride: shape.plane_len() };
                let read = fit_rows(&inputs, own.shape, &params, layout).unwrap();
                assert_products_identical(&read.rate, &copied.rate, "rate");
                assert_products_identical(&read.rateints, &copied.rateints, "rateints");
            }
        }
    }
    // A cube too short for its layout is a typed error.
    let shape = RampShape::new(1, 4, 3, 2);
    let tile = Tile::random(44, shape);
    let own = tile.band(1, 2);
    let inputs = Inputs { data: &tile.data[..tile.data.len() - 1], groupdq: &tile.groupdq, ..own.inputs() };
    let error = fit_rows(&inputs, own.shape, &Params::new(10.6, 21.2, 1, 0, 4), CubeLayout { first: 2, stride: 6 }).unwrap_err();
    assert!(matches!(error, KernelError::ShapeMismatch { argument: "data", .. }), "{error:?}");
}

/// The integration-by-integration stream equals the whole-tile fit bit for bit.
#[test]
fn stream_equals_whole_tile() {
    // Long ramps: medians of more than 24 differences go through a selection (more than 64
    // through the library's). More than 256 samples per pixel make the whole-tile fit copy bands
    // of 64 pixels first (here two full bands and a partial one); the stream gathers each pixel.
    for (seed, shape) in [
        (9, RampShape::new(4, 7, 6, 5)),
        (11, RampShape::new(2, 40, 5, 6)),
        (12, RampShape::new(1, 70, 3, 5)),
        (13, RampShape::new(6, 50, 3, 45)),
        (14, RampShape::new(3, 90, 2, 40)),
    ] {
        let tile = Tile::random(seed, shape);
        for mut params in params_variants(shape.ngroups) {
            params.save_opt = false;
            let whole = fit(&tile.inputs(), shape, &params).unwrap();
            let (rateints, rate) = fit_by_stream(&tile, shape, &params);
            assert_products_identical(&rateints, &whole.rateints, "stream rateints");
            assert_products_identical(&rate, &whole.rate, "stream rate");
        }
    }
}

/// Runs the integration-by-integration stream (the per-pixel core only): (rateints, rate).
fn fit_by_stream(tile: &Tile, shape: RampShape, params: &Params) -> (Products, Products) {
    let mut stream =
        RampFitStream::new(shape, params.clone(), &tile.pixeldq, &tile.gain, &tile.readnoise, tile.dark.as_deref()).unwrap();
    let plane = shape.plane_len();
    let int_len = shape.ngroups * plane;
    let one = |i: usize| &tile.data[i * int_len..(i + 1) * int_len];
    let one_dq = |i: usize| &tile.groupdq[i * int_len..(i + 1) * int_len];
    let zf = |i: usize| tile.zeroframe.as_ref().map(|z| &z[i * plane..(i + 1) * plane]);
    for i in 0..shape.nints {
        stream.add_median(i, one(i), one_dq(i), zf(i)).unwrap();
    }
    assert!(stream.finish().is_err());
    let mut rateints = Products::default();
    for i in 0..shape.nints {
        let p = stream.fit_integration(i, one(i), one_dq(i), zf(i)).unwrap();
        rateints.slope.extend(p.slope);
        rateints.dq.extend(p.dq);
        rateints.var_poisson.extend(p.var_poisson);
        rateints.var_rnoise.extend(p.var_rnoise);
        rateints.err.extend(p.err);
    }
    let rate = stream.finish().unwrap();
    (rateints, rate)
}

/// The whole-tile fit takes a fast path for pixels without any group flag (four at a time);
/// it equals the per-pixel core (the stream, and the whole-tile fit with fitopt, which never
/// takes it) bit for bit, next to flagged pixels, NaN or huge values, bad gains and zero read noise.
#[test]
fn clean_pixel_fast_path_equals_per_pixel_core() {
    for (seed, shape) in [(3, RampShape::new(1, 10, 9, 7)), (4, RampShape::new(3, 5, 6, 7)), (5, RampShape::new(2, 3, 5, 5)), (6, RampShape::new(1, 20, 4, 5))] {
        let mut tile = Tile::random(seed, shape);
        let plane = shape.plane_len();
        let ng = shape.ngroups;
        for p in (0..plane).filter(|p| p % 4 != 0) {
            for i in 0..shape.nints {
                for g in 0..ng {
                    tile.groupdq[(i * ng + g) * plane + p] = 0;
                }
            }
        }
        tile.data[(ng - 1) * plane + 5] = f32::NAN;
        tile.data[plane + 6] = 3.0e30;
        tile.data[plane + 7] = f32::NEG_INFINITY;
        for base in params_variants(ng) {
            for save_opt in [false, true] {
                let params = Params { save_opt, ..base.clone() };
                let whole = fit(&tile.inputs(), shape, &params).unwrap();
                let reference = fit(&tile.inputs(), shape, &Params { save_opt: true, ..params.clone() }).unwrap();
                assert_products_identical(&whole.rateints, &reference.rateints, "rateints vs save_opt");
                assert_products_identical(&whole.rate, &reference.rate, "rate vs save_opt");
                if !save_opt {
                    let (rateints, rate) = fit_by_stream(&tile, shape, &params);
                    assert_products_identical(&whole.rateints, &rateints, "rateints vs stream");
                    assert_products_identical(&whole.rate, &rate, "rate vs stream");
                }
            }
        }
    }
}

/// Pixels flagged JUMP_DET only, the same in every integration, are fitted four of one jump
/// pattern at a time; they equal the per-pixel core bit for bit, for patterns the lanes take
/// (single, adjacent and edge jumps) and the ones left to the core (one good group, only
/// single-group segments), with integrations that differ, and with every group-selection variant.
#[test]
fn jump_pattern_fast_path_equals_per_pixel_core() {
    for (seed, shape) in [(8, RampShape::new(1, 10, 12, 11)), (9, RampShape::new(3, 6, 8, 9)), (10, RampShape::new(2, 17, 6, 7))] {
        let mut tile = Tile::random(seed, shape);
        let (plane, ng) = (shape.plane_len(), shape.ngroups);
        let masks: Vec<u32> = vec![
            1,
            1 << 1,
            1 << (ng / 2),
            1 << (ng - 1),
            (1 << 2) | (1 << 3),
            (1 << 1) | (1 << (ng - 2)),
            ((1u32 << ng) - 1) & !(1 << 3),
            0x5555_5555 & ((1u32 << ng) - 1),
            (1u32 << ng) - 1,
        ];
        let mut r = Rng(seed + 100);
        for p in (0..plane).filter(|p| p % 6 != 0) {
            let mask = masks[r.below(masks.len())];
            for i in 0..shape.nints {
                // Every 7th pixel gets another pattern in its last integration.
                let m = if p % 7 == 3 && i + 1 == shape.nints && shape.nints > 1 { mask ^ 2 } else { mask };
                for g in 0..ng {
                    tile.groupdq[(i * ng + g) * plane + p] = if m >> g & 1 == 1 { JUMP_DET as u8 } else { 0 };
                }
            }
        }
        for base in params_variants(ng) {
            let params = Params { save_opt: false, ..base.clone() };
            let whole = fit(&tile.inputs(), shape, &params).unwrap();
            let reference = fit(&tile.inputs(), shape, &Params { save_opt: true, ..params.clone() }).unwrap();
            assert_products_identical(&whole.rateints, &reference.rateints, "rateints vs per-pixel core");
            assert_products_identical(&whole.rate, &reference.rate, "rate vs per-pixel core");
            let (rateints, rate) = fit_by_stream(&tile, shape, &params);
            assert_products_identical(&whole.rateints, &rateints, "rateints vs stream");
            assert_products_identical(&whole.rate, &rate, "rate vs stream");
        }
    }
}

#[test]
fn stream_rejects_out_of_order_calls() {
    let shape = RampShape::new(2, 3, 1, 1);
    let mut s = RampFitStream::new(shape, Params::new(1.0, 1.0, 1, 0, 3), &[0], &[1.0], &[1.0], None).unwrap();
    let err = s.fit_integration(0, &[0.0; 3], &[0; 3], None).unwrap_err();
    assert_eq!(err.code(), "invalid_parameter");
    let err = s.add_median(1, &[0.0; 3], &[0; 3], None).unwrap_err();
    assert!(err.to_string().contains("integration 0"), "{err}");
    let err = s.add_median(0, &[0.0; 2], &[0; 3], None).unwrap_err();
    assert_eq!(err, KernelError::ShapeMismatch { argument: "data", expected: 3, actual: 2 });
}

/// Bad input: typed errors naming the argument, never a panic.
#[test]
fn bad_input_is_a_typed_error() {
    let shape = RampShape::new(1, 3, 2, 2);
    let data = vec![0f32; 12];
    let gdq = vec![0u8; 12];
    let plane_u32 = vec![0u32; 4];
    let plane_f32 = vec![1f32; 4];
    let ok = Inputs {
        data: &data,
        groupdq: &gdq,
        pixeldq: &plane_u32,
        gain: &plane_f32,
        readnoise: &plane_f32,
        zeroframe: None,
        average_dark_current: None,
    };
    let params = Params::new(1.0, 1.0, 1, 0, 3);
    assert!(fit(&ok, shape, &params).is_ok());

    let short = vec![0u8; 11];
    let e = fit(&Inputs { groupdq: &short, ..ok }, shape, &params).unwrap_err();
    assert_eq!(e, KernelError::ShapeMismatch { argument: "groupdq", expected: 12, actual: 11 });
    let three = vec![1f32; 3];
    let e = fit(&Inputs { gain: &three, ..ok }, shape, &params).unwrap_err();
    assert_eq!(e, KernelError::ShapeMismatch { argument: "gain", expected: 4, actual: 3 });
    let e = fit(&Inputs { readnoise: &three, ..ok }, shape, &params).unwrap_err();
    assert_eq!(e.code(), "shape_mismatch");
    assert!(e.to_string().contains("readnoise"));
    let e = fit(&Inputs { zeroframe: Some(&three), ..ok }, shape, &params).unwrap_err();
    assert!(e.to_string().contains("zeroframe"));
    let e = fit(&ok, RampShape::new(1, 0, 2, 2), &params).unwrap_err();
    assert_eq!(e.code(), "invalid_shape");

    for bad in [
        Params { group_time: 0.0, ..params.clone() },
        Params { frame_time: f32::NAN, ..params.clone() },
        Params { nframes: 0, ..params.clone() },
        Params { group_start: 2, group_stop: 2, ..params.clone() },
        Params { group_stop: 4, ..params.clone() },
    ] {
        let e = fit(&ok, shape, &bad).unwrap_err();
        assert_eq!(e.code(), "invalid_parameter", "{bad:?}");
    }
}
