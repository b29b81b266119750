//! `sin`, `cos`, `asin` and `atan2` rounded correctly (to nearest), for kernels whose results hinge on
//! the last bit of a trigonometric value.
//!
//! Why: stcal's snowball and shower ellipses go through numpy/`math` trigonometry, which on
//! Linux is glibc's, and glibc rounds these correctly for all but about 0.1 % of arguments. The
//! wasm build's `f64::sin` is the fdlibm/musl algorithm, which differs from glibc in the last
//! bit for about 3 % of arguments. A pixel exactly on a drawn circle (an integer radius and an
//! integer offset such as (r, 0)) is inside or outside depending on that bit, so the kernels
//! use these functions instead: evaluated in double-double arithmetic (about 106 bits) and
//! rounded once.

/// An unevaluated sum `hi + lo` with `|lo| <= ulp(hi) / 2`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Dd {
    hi: f64,
    lo: f64,
}

fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    Dd { hi: s, lo: (a - (s - bb)) + (b - bb) }
}

fn fast_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd { hi: s, lo: b - (s - a) }
}

fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// Exact product `a · b` as a double-double (Dekker), without relying on a fused multiply-add.
fn two_prod(a: f64, b: f64) -> Dd {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    Dd { hi: p, lo: ((ah * bh - p) + ah * bl + al * bh) + al * bl }
}

impl Dd {
    fn from(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    fn add(self, y: Dd) -> Dd {
        let s = two_sum(self.hi, y.hi);
        let t = two_sum(self.lo, y.lo);
        let s = fast_two_sum(s.hi, s.lo + t.hi);
        fast_two_sum(s.hi, s.lo + t.lo)
    }

    fn neg(self) -> Dd {
        Dd { hi: -self.hi, lo: -self.lo }
    }

    fn mul(self, y: Dd) -> Dd {
        let p = two_prod(self.hi, y.hi);
        fast_two_sum(p.hi, p.lo + (self.hi * y.lo + self.lo * y.hi))
    }

    fn mul_f(self, y: f64) -> Dd {
        let p = two_prod(self.hi, y);
        fast_two_sum(p.hi, p.lo + self.lo * y)
    }

    fn div_f(self, d: f64) -> Dd {
        let q1 = self.hi / d;
        let p = two_prod(q1, d);
        let rest = ((self.hi - p.hi) - p.lo) + self.lo;
        fast_two_sum(q1, rest / d)
    }
}

/// π/2 as three doubles (each the rounded remainder of the previous ones).
const PIO2: [f64; 3] = [
    f64::from_bits(0x3ff9_21fb_5444_2d18),
    f64::from_bits(0x3c91_a626_3314_5c07),
    f64::from_bits(0xb91f_1976_b7ed_8fbc),
];

/// sin and cos of `x` (|x| up to a few hundred) in double-double.
fn sin_cos_dd(x: f64) -> (Dd, Dd) {
    let k = (x / PIO2[0]).round();
    let r = Dd::from(x).add(two_prod(k, PIO2[0]).neg()).add(two_prod(k, PIO2[1]).neg()).add(Dd::from(-k * PIO2[2]));
    let r2 = r.mul(r);
    // Taylor series for |r| <= π/4: terms fall below 2^-110 of the leading one by n = 27.
    let (mut sin, mut cos) = (r, Dd::from(1.0));
    let (mut sin_term, mut cos_term) = (r, Dd::from(1.0));
    let mut n = 1.0;
    while n < 40.0 {
        cos_term = cos_term.mul(r2).div_f(-(n * (n + 1.0)));
        sin_term = sin_term.mul(r2).div_f(-((n + 1.0) * (n + 2.0)));
        cos = cos.add(cos_term);
        sin = sin.add(sin_term);
        n += 2.0;
        if sin_term.hi.abs() < 1e-40 && cos_term.hi.abs() < 1e-40 {
            break;
        }
    }
    match (k as i64).rem_euclid(4) {
        0 => (sin, cos),
        1 => (cos, sin.neg()),
        2 => (sin.neg(), cos.neg()),
        _ => (cos.neg(), sin),
    }
}

fn special(x: f64) -> bool {
    !x.is_finite() || x.abs() > 1e6 || x == 0.0
}

/// sin(x), correctly rounded for |x| <= 1e6 (other arguments: the platform's `sin`).
pub fn sin(x: f64) -> f64 {
    if special(x) {
        return x.sin();
    }
    let s = sin_cos_dd(x).0;
    s.hi + s.lo
}

/// cos(x), correctly rounded for |x| <= 1e6 (other arguments: the platform's `cos`).
pub fn cos(x: f64) -> f64 {
    if special(x) {
        return x.cos();
    }
    let c = sin_cos_dd(x).1;
    c.hi + c.lo
}

/// atan2(y, x), correctly rounded: the platform's value refined by one Newton step in
/// double-double. Zeros, infinities and NaN keep the platform's (exact) answers.
pub fn atan2(y: f64, x: f64) -> f64 {
    let theta = y.atan2(x);
    if y == 0.0 || x == 0.0 || !y.is_finite() || !x.is_finite() || theta.is_nan() {
        return theta;
    }
    // tan(θ − θ0) = (y cos θ0 − x sin θ0) / (x cos θ0 + y sin θ0), and atan(δ) = δ to 2^-100.
    let (s, c) = sin_cos_dd(theta);
    let numerator = c.mul_f(y).add(s.mul_f(x).neg());
    let denominator = x * c.hi + y * s.hi;
    let delta = (numerator.hi + numerator.lo) / denominator;
    theta + delta
}

/// asin(x), correctly rounded: the platform's value refined by one Newton step on
/// sin(θ) = x in double-double. Zeros, |x| >= 1 and NaN keep the platform's answers.
pub fn asin(x: f64) -> f64 {
    let theta = x.asin();
    if x == 0.0 || x.is_nan() || x.abs() >= 1.0 {
        return theta;
    }
    // θ = θ0 + (x − sin θ0) / cos θ0, the neglected term being of order (θ − θ0)² ≈ 2^-104 θ.
    let (s, c) = sin_cos_dd(theta);
    let residual = Dd::from(x).add(s.neg());
    let delta = (residual.hi + residual.lo) / (c.hi + c.lo);
    theta + delta
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from mpmath at 200 bits, rounded to nearest.
    #[test]
    fn known_correctly_rounded_values() {
        // glibc and mpmath give ...dc3 here; the fdlibm algorithm gives ...dc4.
        assert_eq!(sin(1.0713586104239408).to_bits(), 0x3fec_175d_11d7_cdc3);
        assert_eq!(cos(1.0713586104239408).to_bits(), 0x3fde_a6d2_74b5_e3d5);
        // fl(fl(π) / 6), as Python's `math.pi / 6`, is one ulp below π/6.
        assert_eq!(sin(0.5235987755982988), 0.49999999999999994);
        assert_eq!(cos(3.0), -0.9899924966004454);
        assert_eq!(sin(4.0), -0.7568024953079282);
        assert_eq!(atan2(1.0, 1.0), std::f64::consts::FRAC_PI_4);
        assert_eq!(atan2(-2.0, -3.0), -2.5535900500422257);
        assert_eq!(atan2(0.0, -1.0), std::f64::consts::PI);
        assert_eq!(atan2(-0.0, 1.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(asin(0.5), 0.5235987755982989);
        assert_eq!(asin(-1.0), -std::f64::consts::FRAC_PI_2);
        assert_eq!(asin(1e-300), 1e-300);
    }

    /// On Linux the platform functions are glibc's, which are almost always correctly rounded:
    /// agreeing with them on nearly every argument checks the double-double evaluation.
    #[cfg(target_os = "linux")]
    #[test]
    fn agree_with_glibc_almost_everywhere() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut differ, n) = (0, 20_000);
        for _ in 0..n {
            let x = 2.0 * std::f64::consts::PI * next() - 1.0;
            let (y, z) = (100.0 * next() - 50.0, 100.0 * next() - 50.0);
            let w = 2.0 * next() - 1.0;
            differ += usize::from(sin(x) != x.sin()) + usize::from(cos(x) != x.cos()) + usize::from(atan2(y, z) != y.atan2(z));
            differ += usize::from(asin(w) != w.asin());
        }
        assert!(differ < 4 * n / 200, "{differ} of {} values differ from glibc", 4 * n);
    }
}
