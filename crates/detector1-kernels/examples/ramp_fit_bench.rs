//! Native timing of OLS_C `ramp_fit::fit` on the synthetic ramps of bench/ramp-fit.mjs (not a
//! test):
//!
//!     cargo run --release -p detector1-kernels --example ramp_fit_bench [NINTSxNGROUPSxROWSxCOLS [REPEAT]]
//!
//! (default 50x45x512x512, once; the best of REPEAT runs is reported). Prints wall and CPU
//! seconds and a hash of every output array, so two builds can be compared bit for bit; run it
//! under `perf record` to see where the time goes.
use detector1_kernels::ramp_fit::{fit, Inputs, Params};
use detector1_kernels::tile::RampShape;
use std::time::Instant;

/// `uniform` of bench/ramp-fit.mjs: Wellons' lowbias32 hash of a key, in [0, 1).
fn uniform(key: u32) -> f64 {
    let mut x = key;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846ca68b);
    x ^= x >> 16;
    x as f64 / 4294967296.0
}

fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

fn bytes_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn bytes_u32(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// User + system time of this process (Linux /proc, clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let ticks: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|x| x.parse().ok()).collect();
    ticks.iter().sum::<f64>() / 100.0
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "50x45x512x512".into());
    let dims: Vec<usize> = arg.split('x').map(|s| s.parse().expect("NINTSxNGROUPSxROWSxCOLS")).collect();
    let shape = RampShape::new(dims[0], dims[1], dims[2], dims[3]);
    let plane = shape.plane_len();
    // The ramp of bench/ramp-fit.mjs and bench/ramp-fit.py, byte for byte.
    assert!(4 * shape.cube_len() as u64 <= 1 << 32, "more than 32-bit keys");
    let rate: Vec<f32> = (0..plane).map(|p| (300.0 * uniform(4 * p as u32)) as f32).collect();
    let tgroup = 10.737f64;
    let mut data = vec![0f32; shape.cube_len()];
    let mut groupdq = vec![0u8; shape.cube_len()];
    for i in 0..shape.nints {
        for g in 0..shape.ngroups {
            let off = (i * shape.ngroups + g) * plane;
            let t = tgroup * g as f64;
            for p in 0..plane {
                let k = (off + p) as u32;
                data[off + p] = (100.0 + rate[p] as f64 * t + 10.0 * (uniform(4 * k + 1) - 0.5)) as f32;
                groupdq[off + p] = if uniform(4 * k + 2) < 0.02 { 4 } else { 0 };
            }
        }
    }
    let (pixeldq, gain, readnoise) = (vec![0u32; plane], vec![2f32; plane], vec![10f32; plane]);
    let inputs = Inputs {
        data: &data,
        groupdq: &groupdq,
        pixeldq: &pixeldq,
        gain: &gain,
        readnoise: &readnoise,
        zeroframe: None,
        average_dark_current: None,
    };
    let params = Params::new(tgroup as f32, tgroup as f32, 1, 0, shape.ngroups);
    let repeat: usize = std::env::args().nth(2).map_or(1, |r| r.parse().expect("REPEAT"));
    let (mut seconds, mut cpu, mut out) = (f64::INFINITY, f64::INFINITY, None);
    for _ in 0..repeat {
        let (t, c) = (Instant::now(), cpu_seconds());
        out = Some(fit(&inputs, shape, &params).expect("fit"));
        seconds = seconds.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_seconds() - c);
    }
    let out = out.expect("at least one run");
    let mut h = 0xcbf29ce484222325u64;
    for p in [&out.rate, &out.rateints] {
        for v in [&p.slope, &p.var_poisson, &p.var_rnoise, &p.err] {
            h = fnv(h, &bytes_f32(v));
        }
        h = fnv(h, &bytes_u32(&p.dq));
    }
    println!("{arg}: {seconds:.3} s wall, {cpu:.2} s CPU (best of {repeat}), output hash {h:016x}");
}
