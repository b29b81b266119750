//! Native timing of the jump step's snowball and shower passes on the scenes of
//! bench/jump-large-events.mjs (not a test): `cargo run --release -p detector1-kernels --example
//! jump_large_events`. Prints wall seconds, the event counts and a hash of the output flags, so
//! two builds can be compared bit for bit.
use detector1_kernels::jump_showers;
use detector1_kernels::jump_snowballs;
use detector1_kernels::tile::RampShape;
use std::time::Instant;

struct Lcg(u32);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(1664525).wrapping_add(1013904223);
        self.0 as f64 / 4294967296.0
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

fn snowballs(rng: &mut Lcg) {
    let shape = RampShape::new(1, 10, 2048, 2048);
    let (ngroups, rows, cols) = (shape.ngroups, shape.rows, shape.cols);
    let plane = rows * cols;
    let mut gdq = vec![0u8; shape.cube_len()];
    for _ in 0..300 {
        let g = 1 + (rng.next() * (ngroups - 1) as f64) as usize;
        let (r0, c0, radius) = (rng.next() * rows as f64, rng.next() * cols as f64, 4.0 + 12.0 * rng.next());
        for r in (r0 - radius).floor().max(0.0) as usize..rows {
            if r as f64 >= r0 + radius {
                break;
            }
            for c in (c0 - radius).floor().max(0.0) as usize..cols {
                if c as f64 >= c0 + radius {
                    break;
                }
                let d2 = (r as f64 - r0).powi(2) + (c as f64 - c0).powi(2);
                if d2 > radius * radius {
                    continue;
                }
                if d2 <= (radius / 2.5).powi(2) {
                    for gg in g..ngroups {
                        gdq[gg * plane + r * cols + c] = 2;
                    }
                } else {
                    gdq[g * plane + r * cols + c] = 4;
                }
            }
        }
    }
    for _ in 0..20000 {
        let i = (rng.next() * (gdq.len() - 1) as f64) as usize;
        if gdq[i] == 0 {
            gdq[i] = 4;
            gdq[i + 1] = 4;
        }
    }
    let params = jump_snowballs::Params {
        min_sat_area: 1.0,
        min_jump_area: 5.0,
        expand_factor: 2.0,
        sat_required: true,
        min_sat_radius_extend: 2.5,
        sat_expand: 4.0,
        edge_size: 25.0,
        max_extended_width: 400.0,
        persist_groups: 372,
    };
    let mut cores = vec![0u8; plane];
    let t = Instant::now();
    let n = jump_snowballs::flag(&mut gdq, &[], &mut cores, shape, &params).unwrap();
    println!("snowballs 1x10x2048x2048: {:.3} s, {n} events, hash {:016x}", t.elapsed().as_secs_f64(), fnv(&gdq) ^ fnv(&cores));
}

fn showers(rng: &mut Lcg, (nints, ngroups, rows, cols): (usize, usize, usize, usize)) {
    let shape = RampShape::new(nints, ngroups, rows, cols);
    let plane = rows * cols;
    let mut data = vec![0f32; shape.cube_len()];
    for int in 0..nints {
        for g in 0..ngroups {
            for p in 0..plane {
                data[(int * ngroups + g) * plane + p] = (10.0 * g as f64 + 6.0 * (rng.next() - 0.5)) as f32;
            }
        }
        for (g, r0, c0) in [(5usize, rows * 3 / 10, cols * 3 / 10), (9, rows * 7 / 10, cols / 2), (14, rows / 5, cols * 8 / 10)] {
            for gg in g.min(ngroups)..ngroups {
                for r in r0 - 30..=r0 + 30 {
                    for c in c0 - 30..=c0 + 30 {
                        if (r as i64 - r0 as i64).pow(2) + (c as i64 - c0 as i64).pow(2) <= 900 {
                            data[(int * ngroups + gg) * plane + r * cols + c] += 12.0;
                        }
                    }
                }
            }
        }
    }
    let mut gdq = vec![0u8; shape.cube_len()];
    let params = jump_showers::Params {
        snr_threshold: 1.2,
        min_area: 90.0,
        inner_radius: 1.0,
        ring_width: 2.6,
        expand_ratio: 1.1,
        max_extended_width: 400.0,
        groups_masked_after: 5,
        max_shower_amplitude: 6.0 * 2.775,
        nframes: 1,
    };
    let t = Instant::now();
    let n = jump_showers::flag(&data, &mut gdq, &vec![0; plane], &vec![4.0; plane], &vec![6.0; plane], shape, &params).unwrap();
    println!("showers {nints}x{ngroups}x{rows}x{cols}: {:.3} s, {n} events, hash {:016x}", t.elapsed().as_secs_f64(), fnv(&gdq));
}

fn main() {
    let mut rng = Lcg(2026);
    snowballs(&mut rng);
    showers(&mut rng, (1, 20, 1024, 1032));
    if std::env::args().any(|a| a == "--tso") {
        showers(&mut rng, (50, 45, 512, 512));
    }
}
