//! Discrete Fourier transforms of any length in float64 (mixed radix: specialised radix-4 and
//! radix-2 passes, a generic pass for odd factors), plus real-input/real-output transforms
//! through a complex transform of half the length. The NIRSpec IRS2 correction needs lengths
//! of 712 * 2048 = 2^14 * 89, hence the generic odd pass.
//!
//! The passes follow the classic FFTPACK "autosort" scheme: for factors `p_1, p_2, ...` the
//! stage with factor `p` and `l1 = p_1 ... p_(s-1)` reads `cc[i + ido*(m + p*k)]` and writes
//! `ch[i + ido*(k + l1*j)]` (`i < ido = n / (l1*p)`, `k < l1`, `m, j < p`), multiplying output
//! `j` by the twiddle `w^(j*l1*i)`; the result comes out in natural order.

use std::f64::consts::PI;
use std::ops::{Add, Mul, Sub};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Complex {
    pub const fn new(re: f64, im: f64) -> Self {
        Complex { re, im }
    }
    #[inline]
    pub fn conj(self) -> Complex {
        Complex::new(self.re, -self.im)
    }
    #[inline]
    pub fn scale(self, s: f64) -> Complex {
        Complex::new(self.re * s, self.im * s)
    }
}

struct Pass {
    factor: usize,
    l1: usize,
    ido: usize,
    /// Twiddles `w^(j*l1*i)`, `(j-1)*(ido-1) + (i-1)`, for `j in 1..factor`, `i in 1..ido` (backward sign).
    twiddles: Vec<Complex>,
    /// `exp(2πi q / factor)` for the generic pass (backward sign).
    roots: Vec<Complex>,
}

/// A complex transform of fixed length.
pub struct Fft {
    n: usize,
    passes: Vec<Pass>,
}

fn factorize(mut n: usize) -> Vec<usize> {
    let mut factors = Vec::new();
    while n.is_multiple_of(4) {
        factors.push(4);
        n /= 4;
    }
    if n.is_multiple_of(2) {
        factors.push(2);
        n /= 2;
    }
    let mut d = 3;
    while d * d <= n {
        while n.is_multiple_of(d) {
            factors.push(d);
            n /= d;
        }
        d += 2;
    }
    if n > 1 {
        factors.push(n);
    }
    factors
}

impl Fft {
    pub fn new(n: usize) -> Fft {
        assert!(n > 0, "FFT length must be positive");
        let roots: Vec<Complex> = (0..n).map(|k| accurate_root(k, n)).collect();
        let mut passes = Vec::new();
        let mut l1 = 1;
        for factor in factorize(n) {
            let ido = n / (l1 * factor);
            let mut twiddles = Vec::with_capacity((factor - 1) * ido.saturating_sub(1));
            for j in 1..factor {
                for i in 1..ido {
                    twiddles.push(roots[(j * l1 * i) % n]);
                }
            }
            let small = (0..factor).map(|q| roots[q * (n / factor)]).collect();
            passes.push(Pass { factor, l1, ido, twiddles, roots: small });
            l1 *= factor;
        }
        Fft { n, passes }
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Unnormalised forward transform `X_k = Σ x_n exp(-2πi kn/N)`, in place (`scratch` of length N).
    pub fn forward(&self, data: &mut [Complex], scratch: &mut [Complex]) {
        self.run(data, scratch, true);
    }

    /// Unnormalised backward transform `x_n = Σ X_k exp(+2πi kn/N)`, in place.
    pub fn backward(&self, data: &mut [Complex], scratch: &mut [Complex]) {
        self.run(data, scratch, false);
    }

    fn run(&self, data: &mut [Complex], scratch: &mut [Complex], forward: bool) {
        assert_eq!(data.len(), self.n);
        assert_eq!(scratch.len(), self.n);
        let mut in_data = true;
        for pass in &self.passes {
            let (cc, ch): (&[Complex], &mut [Complex]) = if in_data { (&*data, &mut *scratch) } else { (&*scratch, &mut *data) };
            match pass.factor {
                4 => pass4(pass, cc, ch, forward),
                2 => pass2(pass, cc, ch, forward),
                _ => pass_odd(pass, cc, ch, forward),
            }
            in_data = !in_data;
        }
        if !in_data {
            data.copy_from_slice(scratch);
        }
    }
}

impl Add for Complex {
    type Output = Complex;
    #[inline]
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for Complex {
    type Output = Complex;
    #[inline]
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for Complex {
    type Output = Complex;
    #[inline]
    fn mul(self, o: Complex) -> Complex {
        Complex::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
    }
}

/// `exp(2πi k/n)` computed from the smallest equivalent angle (the table's accuracy bounds the
/// transform's).
fn accurate_root(k: usize, n: usize) -> Complex {
    // Work with 8k vs n to fold the angle into [0, π/4].
    let k = k % n;
    let (k8, n8) = (8 * k as u128, n as u128);
    let ang = |num: u128| 2.0 * PI * (num as f64) / (8.0 * n as f64);
    // angle = 2π k/n = (π/4)·(8k/n); fold by octant.
    let octant = (k8 / n8) as u32;
    let rem = k8 - octant as u128 * n8; // in [0, n): angle within the octant is (π/4)·rem/n
    let (c, s) = if octant.is_multiple_of(2) {
        let a = ang(rem);
        (a.cos(), a.sin())
    } else {
        // measured back from the next multiple of π/4
        let a = ang(n8 - rem);
        (a.cos(), a.sin())
    };
    // (c, s) are cos/sin of an angle t in [0, π/4]; map them to the octant.
    match octant {
        0 => Complex::new(c, s),
        1 => Complex::new(s, c),
        2 => Complex::new(-s, c),
        3 => Complex::new(-c, s),
        4 => Complex::new(-c, -s),
        5 => Complex::new(-s, -c),
        6 => Complex::new(s, -c),
        _ => Complex::new(c, -s),
    }
}

#[inline]
fn twiddle(w: Complex, forward: bool) -> Complex {
    if forward {
        w.conj()
    } else {
        w
    }
}

fn pass2(p: &Pass, cc: &[Complex], ch: &mut [Complex], forward: bool) {
    let (ido, l1) = (p.ido, p.l1);
    for k in 0..l1 {
        for i in 0..ido {
            let a = cc[i + ido * (2 * k)];
            let b = cc[i + ido * (1 + 2 * k)];
            ch[i + ido * k] = a.add(b);
            let d = a.sub(b);
            ch[i + ido * (k + l1)] = if i == 0 { d } else { d.mul(twiddle(p.twiddles[i - 1], forward)) };
        }
    }
}

fn pass4(p: &Pass, cc: &[Complex], ch: &mut [Complex], forward: bool) {
    let (ido, l1) = (p.ido, p.l1);
    for k in 0..l1 {
        for i in 0..ido {
            let c0 = cc[i + ido * (4 * k)];
            let c1 = cc[i + ido * (1 + 4 * k)];
            let c2 = cc[i + ido * (2 + 4 * k)];
            let c3 = cc[i + ido * (3 + 4 * k)];
            let t1 = c0.add(c2);
            let t2 = c0.sub(c2);
            let t3 = c1.add(c3);
            let d = c1.sub(c3);
            // ±i·(c1 - c3): forward uses exp(-2πi/4) = -i.
            let t4 = if forward { Complex::new(d.im, -d.re) } else { Complex::new(-d.im, d.re) };
            let outs = [t1.add(t3), t2.add(t4), t1.sub(t3), t2.sub(t4)];
            for (j, v) in outs.into_iter().enumerate() {
                ch[i + ido * (k + l1 * j)] = if i == 0 || j == 0 { v } else { v.mul(twiddle(p.twiddles[(j - 1) * (ido - 1) + i - 1], forward)) };
            }
        }
    }
}

/// Odd factor `q`: each output pair `(j, q-j)` from the sums and differences of input pairs,
/// against a `(q/2)²` table of cos/sin (two outputs per sweep over the inputs).
fn pass_odd(p: &Pass, cc: &[Complex], ch: &mut [Complex], forward: bool) {
    let (ido, l1, q) = (p.ido, p.l1, p.factor);
    let half = q / 2;
    // cos/sin(2π j m / q), row j-1, column m-1
    let (mut cos, mut sin) = (vec![0.0; half * half], vec![0.0; half * half]);
    for j in 1..=half {
        for m in 1..=half {
            let w = p.roots[(j * m) % q];
            cos[(j - 1) * half + m - 1] = w.re;
            sin[(j - 1) * half + m - 1] = w.im;
        }
    }
    let (mut sre, mut sim, mut dre, mut dim) = (vec![0.0; half], vec![0.0; half], vec![0.0; half], vec![0.0; half]);
    let sign = if forward { -1.0 } else { 1.0 };
    let store = |ch: &mut [Complex], i: usize, k: usize, j: usize, x0: Complex, a: (f64, f64), d: (f64, f64)| {
        let (re, im) = (x0.re + a.0, x0.im + a.1);
        // X_j = A + sign·i·D, X_(q-j) = A - sign·i·D with D = Σ d_m sin.
        let xj = Complex::new(re - sign * d.1, im + sign * d.0);
        let xq = Complex::new(re + sign * d.1, im - sign * d.0);
        let jq = q - j;
        ch[i + ido * (k + l1 * j)] = if i == 0 { xj } else { xj * twiddle(p.twiddles[(j - 1) * (ido - 1) + i - 1], forward) };
        ch[i + ido * (k + l1 * jq)] = if i == 0 { xq } else { xq * twiddle(p.twiddles[(jq - 1) * (ido - 1) + i - 1], forward) };
    };
    for k in 0..l1 {
        for i in 0..ido {
            let x0 = cc[i + ido * (q * k)];
            let mut total = x0;
            for m in 1..=half {
                let a = cc[i + ido * (m + q * k)];
                let b = cc[i + ido * (q - m + q * k)];
                let sum = a + b;
                (sre[m - 1], sim[m - 1], dre[m - 1], dim[m - 1]) = (sum.re, sum.im, a.re - b.re, a.im - b.im);
                total = total + sum;
            }
            ch[i + ido * k] = total;
            let mut j = 1;
            while j < half {
                let (c0, s0) = (&cos[(j - 1) * half..j * half], &sin[(j - 1) * half..j * half]);
                let (c1, s1) = (&cos[j * half..(j + 1) * half], &sin[j * half..(j + 1) * half]);
                let (mut a0, mut b0, mut e0, mut f0) = (0.0, 0.0, 0.0, 0.0);
                let (mut a1, mut b1, mut e1, mut f1) = (0.0, 0.0, 0.0, 0.0);
                for m in 0..half {
                    a0 += sre[m] * c0[m];
                    b0 += sim[m] * c0[m];
                    e0 += dre[m] * s0[m];
                    f0 += dim[m] * s0[m];
                    a1 += sre[m] * c1[m];
                    b1 += sim[m] * c1[m];
                    e1 += dre[m] * s1[m];
                    f1 += dim[m] * s1[m];
                }
                store(ch, i, k, j, x0, (a0, b0), (e0, f0));
                store(ch, i, k, j + 1, x0, (a1, b1), (e1, f1));
                j += 2;
            }
            if j == half {
                let (c0, s0) = (&cos[(j - 1) * half..j * half], &sin[(j - 1) * half..j * half]);
                let (mut a0, mut b0, mut e0, mut f0) = (0.0, 0.0, 0.0, 0.0);
                for m in 0..half {
                    a0 += sre[m] * c0[m];
                    b0 += sim[m] * c0[m];
                    e0 += dre[m] * s0[m];
                    f0 += dim[m] * s0[m];
                }
                store(ch, i, k, j, x0, (a0, b0), (e0, f0));
            }
        }
    }
}

/// Transforms of real sequences of even length N through a complex transform of length N/2.
pub struct RealFft {
    n: usize,
    half: Fft,
    /// `exp(2πi k/N)`, `k < N/2`.
    roots: Vec<Complex>,
    work: Vec<Complex>,
    scratch: Vec<Complex>,
}

impl RealFft {
    pub fn new(n: usize) -> RealFft {
        assert!(n >= 2 && n.is_multiple_of(2), "real FFT length must be even");
        let m = n / 2;
        RealFft {
            n,
            half: Fft::new(m),
            roots: (0..m).map(|k| accurate_root(k, n)).collect(),
            work: vec![Complex::default(); m],
            scratch: vec![Complex::default(); m],
        }
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// `spectrum[k] = Σ x_n exp(-2πi kn/N)` for `k = 0..=N/2` (the rest is its conjugate mirror).
    pub fn forward(&mut self, x: &[f64], spectrum: &mut [Complex]) {
        let m = self.n / 2;
        assert_eq!(x.len(), self.n);
        assert_eq!(spectrum.len(), m + 1);
        for (n, z) in self.work.iter_mut().enumerate() {
            *z = Complex::new(x[2 * n], x[2 * n + 1]);
        }
        self.half.forward(&mut self.work, &mut self.scratch);
        let z = &self.work;
        for k in 0..=m {
            let a = z[k % m];
            let b = z[(m - k) % m].conj();
            let even = a.add(b).scale(0.5);
            let d = a.sub(b).scale(0.5);
            // odd = d / i = (d.im, -d.re); times exp(-2πi k/N).
            let odd = Complex::new(d.im, -d.re);
            let w = if k < m { self.roots[k].conj() } else { Complex::new(-1.0, 0.0) };
            spectrum[k] = even.add(odd.mul(w));
        }
    }

    /// Inverse of [`forward`](Self::forward) including the 1/N: the real sequence whose
    /// spectrum (Hermitian) starts with `spectrum[0..=N/2]`.
    pub fn backward(&mut self, spectrum: &[Complex], x: &mut [f64]) {
        let m = self.n / 2;
        assert_eq!(x.len(), self.n);
        assert_eq!(spectrum.len(), m + 1);
        for k in 0..m {
            let a = spectrum[k];
            let b = spectrum[m - k].conj();
            let even = a.add(b).scale(0.5);
            let odd = a.sub(b).scale(0.5).mul(self.roots[k]);
            // Z = E + i·O
            self.work[k] = Complex::new(even.re - odd.im, even.im + odd.re);
        }
        self.half.backward(&mut self.work, &mut self.scratch);
        let s = 1.0 / m as f64;
        for (n, z) in self.work.iter().enumerate() {
            x[2 * n] = z.re * s;
            x[2 * n + 1] = z.im * s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[Complex], forward: bool) -> Vec<Complex> {
        let n = x.len();
        (0..n)
            .map(|k| {
                let mut s = Complex::default();
                for (j, v) in x.iter().enumerate() {
                    let a = 2.0 * PI * ((k * j) % n) as f64 / n as f64 * if forward { -1.0 } else { 1.0 };
                    s = s.add(v.mul(Complex::new(a.cos(), a.sin())));
                }
                s
            })
            .collect()
    }

    fn signal(n: usize) -> Vec<Complex> {
        (0..n).map(|i| Complex::new(((i * 37 + 11) % 101) as f64 - 50.0, ((i * 53 + 7) % 89) as f64 * 0.5)).collect()
    }

    #[test]
    fn roots_are_accurate() {
        for n in [1usize, 2, 3, 8, 89, 712, 1000] {
            for k in 0..n {
                let a = 2.0 * PI * k as f64 / n as f64;
                let r = accurate_root(k, n);
                assert!((r.re - a.cos()).abs() < 4e-15 && (r.im - a.sin()).abs() < 4e-15, "{k}/{n}");
            }
        }
    }

    #[test]
    fn complex_transforms_equal_the_naive_dft() {
        for n in [1usize, 2, 3, 4, 5, 8, 12, 16, 89, 2 * 89, 4 * 89, 3 * 5 * 7, 64 * 89, 1024] {
            let x = signal(n);
            let fft = Fft::new(n);
            for forward in [true, false] {
                let mut y = x.clone();
                let mut scratch = vec![Complex::default(); n];
                if forward {
                    fft.forward(&mut y, &mut scratch);
                } else {
                    fft.backward(&mut y, &mut scratch);
                }
                let want = naive(&x, forward);
                let scale = want.iter().map(|v| v.re.abs().max(v.im.abs())).fold(1.0, f64::max);
                for (a, b) in y.iter().zip(&want) {
                    assert!((a.re - b.re).abs() < 1e-12 * scale && (a.im - b.im).abs() < 1e-12 * scale, "n={n} forward={forward}");
                }
            }
        }
    }

    #[test]
    fn real_transforms_round_trip_and_match_the_complex_one() {
        for n in [2usize, 4, 6, 178, 712, 8 * 89 * 4] {
            let x: Vec<f64> = signal(n).iter().map(|c| c.re + 0.25 * c.im).collect();
            let mut rfft = RealFft::new(n);
            let mut spectrum = vec![Complex::default(); n / 2 + 1];
            rfft.forward(&x, &mut spectrum);
            let full = naive(&x.iter().map(|&v| Complex::new(v, 0.0)).collect::<Vec<_>>(), true);
            let scale = full.iter().map(|v| v.re.abs().max(v.im.abs())).fold(1.0, f64::max);
            for k in 0..=n / 2 {
                assert!((spectrum[k].re - full[k].re).abs() < 1e-12 * scale && (spectrum[k].im - full[k].im).abs() < 1e-12 * scale, "n={n} k={k}");
            }
            let mut back = vec![0.0; n];
            rfft.backward(&spectrum, &mut back);
            for (a, b) in back.iter().zip(&x) {
                assert!((a - b).abs() < 1e-12 * 100.0, "n={n}");
            }
        }
    }
}
