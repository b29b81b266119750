//! Native timing of the jump step's stages on bench/jump.mjs's synthetic ramp (not a test):
//! `cargo run --release -p detector1-kernels --example jump_tso [NINTSxNGROUPSxROWSxCOLS]`
//! (default the MIRI TSO shape 50x45x512x512). The two-point pass with the shower noise model
//! (one call, as the jump step makes it) and the shower search are timed; hashes of the flags
//! and of the noise model let two builds be compared bit for bit.
//! The ramp is read from target/bench-jump/ when the benchmark wrote it there, else generated
//! the same way and written there (the benchmark then reads those bytes).
use detector1_kernels::jump::{self, Mode};
use detector1_kernels::jump_showers;
use detector1_kernels::tile::RampShape;
use std::time::Instant;

const TGROUP: f64 = 10.737;
const GAIN: f32 = 2.0;
const READNOISE: f32 = 10.0;

/// mulberry32 uniforms and Box-Muller normals, as bench/jump.mjs.
struct Rng(u32);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x6d2b79f5);
        let t = self.0;
        let mut r = (t ^ (t >> 15)).wrapping_mul(t | 1);
        r ^= r.wrapping_add((r ^ (r >> 7)).wrapping_mul(r | 61));
        (r ^ (r >> 14)) as f64 / 4294967296.0
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.unit().max(1e-12).ln()).sqrt() * (2.0 * std::f64::consts::PI * self.unit()).cos()
    }
}

/// bench/jump.mjs `synthetic`: rates 0-300 DN/s, Poisson and read noise, cosmic rays, saturation.
fn synthetic(shape: RampShape) -> (Vec<f32>, Vec<u8>) {
    let (nints, ngroups, plane) = (shape.nints, shape.ngroups, shape.plane_len());
    let mut rng = Rng(20251121);
    let mut data = vec![0f32; shape.cube_len()];
    let mut groupdq = vec![0u8; shape.cube_len()];
    let rate: Vec<f64> = (0..plane).map(|_| 300.0 * rng.unit()).collect();
    let mut level = vec![0f64; plane];
    for i in 0..nints {
        level.fill(100.0);
        for g in 0..ngroups {
            let at = (i * ngroups + g) * plane;
            for p in 0..plane {
                if g > 0 {
                    let electrons = rate[p] * TGROUP * GAIN as f64;
                    level[p] += (electrons + electrons.sqrt() * rng.normal()) / GAIN as f64;
                    if rng.unit() < 0.01 / ngroups as f64 {
                        level[p] += 20.0 + 1980.0 * rng.unit().powi(2);
                    }
                }
                data[at + p] = (level[p] + READNOISE as f64 / 2f64.sqrt() * rng.normal()) as f32;
                if data[at + p] > 60000.0 {
                    groupdq[at + p] = 2;
                }
            }
        }
    }
    (data, groupdq)
}

/// CPU seconds of this process so far (user + system; Linux, else 0): the machine may be shared.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

fn bytes_of(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn main() {
    let text = std::env::args().nth(1).unwrap_or_else(|| "50x45x512x512".into());
    let dims: Vec<usize> = text.split('x').map(|s| s.parse().expect("NINTSxNGROUPSxROWSxCOLS")).collect();
    let shape = RampShape::new(dims[0], dims[1], dims[2], dims[3]);
    let plane = shape.plane_len();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-jump");
    let (data_path, groupdq_path) = (dir.join(format!("{text}.data.f32")), dir.join(format!("{text}.groupdq.u8")));
    let (data, mut groupdq) = match (std::fs::read(&data_path), std::fs::read(&groupdq_path)) {
        (Ok(bytes), Ok(groupdq)) => (bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect::<Vec<f32>>(), groupdq),
        _ => {
            let (data, groupdq) = synthetic(shape);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&data_path, bytes_of(&data)).unwrap();
            std::fs::write(&groupdq_path, &groupdq).unwrap();
            (data, groupdq)
        }
    };
    let params = jump::Params {
        mode: if shape.ngroups > 10 { Mode::SinglePass } else { Mode::Iterative },
        rejection_threshold: 4.0,
        three_group_threshold: 6.0,
        four_group_threshold: 5.0,
        flag_4_neighbors: true,
        min_jump_to_flag_neighbors: 10.0,
        max_jump_to_flag_neighbors: 1000.0,
        nframes: 1,
        after_jump: [(0.0, 0), (0.0, 0)],
    };
    let (gain, readnoise) = (vec![GAIN; plane], vec![READNOISE; plane]);
    let (mut pixeldq, mut crs) = (vec![0u32; plane], vec![0u32; plane]);
    let (mut median, mut sigma) = (vec![0f32; plane], vec![0f32; plane]);
    let (t, c) = (Instant::now(), cpu_seconds());
    jump::detect_and_shower_noise(&data, &mut groupdq, &mut pixeldq, &gain, &readnoise, &mut crs, shape, &params, &mut median, &mut sigma, 0..shape.rows).unwrap();
    let (two_point, two_point_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let hash_two_point = fnv(&groupdq);
    let showers = jump_showers::Params {
        snr_threshold: 1.2,
        min_area: 90.0,
        inner_radius: 1.0,
        ring_width: 2.6,
        expand_ratio: 1.1,
        max_extended_width: 400.0,
        groups_masked_after: (15.0 / TGROUP) as usize,
        max_shower_amplitude: 6.0 * TGROUP,
        nframes: 1,
    };
    let (t, c) = (Instant::now(), cpu_seconds());
    let n = jump_showers::flag_with_noise(&data, &mut groupdq, &pixeldq, &gain, &median, &sigma, shape, &showers).unwrap();
    let (search, search_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let with_crs = crs.iter().filter(|&&c| c > 0).count();
    println!(
        "jump {text}: two-point and shower noise {two_point:.3} s ({two_point_cpu:.2} s CPU; flags hash {hash_two_point:016x}, {with_crs} pixels with CRs), search {search:.3} s ({search_cpu:.2} s CPU; {n} showers), hash {:016x}",
        fnv(&groupdq) ^ fnv(&bytes_of(&median)) ^ fnv(&bytes_of(&sigma))
    );
}
