//! `refpix` for near-IR non-IRS2 data (spec/steps/refpix.md §2-5, jwst `refpix/reference_pixels.py`):
//! the statistics (sigma-clipped means, side running medians) work on the small gathered
//! reference-pixel sets; [`correct`] applies them per pixel and runs on row bands.
//!
//! jwst's group buffer is float32 until a side correction turns it into float64, after which
//! every later group (and the ZEROFRAME) is processed in float64: `wide` selects that mode.

use crate::error::{expect_len, KernelError};
use crate::tile::RampShape;
use std::ops::{Add, Div, Mul, Sub};

/// Element type of the numpy arithmetic being reproduced (float32 or float64).
pub trait Real: Copy + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> {
    const ZERO: Self;
    const WIDE: bool;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn sqrt(self) -> Self;
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const WIDE: bool = false;
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const WIDE: bool = true;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
}

/// numpy's pairwise summation (`add.reduce` of a contiguous 1-D array).
pub fn pairwise_sum<T: Real>(a: &[T]) -> T {
    let n = a.len();
    if n < 8 {
        a.iter().fold(T::ZERO, |s, &v| s + v)
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] = r[j] + a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res = res + v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

fn mean<T: Real>(a: &[T]) -> T {
    pairwise_sum(a) / T::from_f64(a.len() as f64)
}

/// A reference signal and whether numpy holds it as float64 (else float32).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal {
    pub value: f64,
    pub wide: bool,
}

/// jwst `Dataset.sigma_clip` on the good (non-DO_NOT_USE) values, in their array order: `None`
/// when empty; the float64 mean when they are all equal (std 0); else scipy `sigmaclip` in `T`.
pub fn clipped_mean<T: Real>(values: &[T], siglimit: f64) -> Option<Signal> {
    let first = *values.first()?;
    let finite = first.to_f64().is_finite();
    if finite && values.iter().all(|&v| v == first) {
        return Some(Signal { value: first.to_f64(), wide: true });
    }
    let limit = T::from_f64(siglimit);
    let mut c = values.to_vec();
    loop {
        let m = mean(&c);
        let dev: Vec<T> = c.iter().map(|&v| (v - m) * (v - m)).collect();
        let s = mean(&dev).sqrt();
        let (lo, hi) = (m - s * limit, m + s * limit);
        let before = c.len();
        c.retain(|&v| v >= lo && v <= hi);
        if c.len() == before {
            break;
        }
    }
    Some(Signal { value: mean(&c).to_f64(), wide: T::WIDE })
}

/// jwst `average_with_none`: `0.5·(a + b)` in float32 only when both are float32.
pub fn average(a: Option<Signal>, b: Option<Signal>) -> Option<Signal> {
    match (a, b) {
        (Some(a), Some(b)) if !a.wide && !b.wide => Some(Signal { value: (0.5f32 * (a.value as f32 + b.value as f32)) as f64, wide: false }),
        (Some(a), Some(b)) => Some(Signal { value: 0.5 * (a.value + b.value), wide: true }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// `x − s` as numpy computes it on a float32 (`wide = false`) or float64 group buffer.
fn subtract(x: f64, s: Signal, wide: bool) -> f64 {
    if wide {
        x - s.value
    } else if s.wide {
        (x - s.value) as f32 as f64
    } else {
        (x as f32 - s.value as f32) as f64
    }
}

/// Median of a window as numpy computes it in `T`; NaN if any value is NaN. Not inlined: its
/// sorts are large code that the running median rarely needs (a window with a zero).
#[inline(never)]
fn median<T: Real>(w: &mut [T]) -> f64 {
    if w.iter().any(|v| v.to_f64().is_nan()) {
        return f64::NAN;
    }
    let n = w.len();
    let order = |a: &T, b: &T| a.partial_cmp(b).unwrap();
    // The middle order statistics by selection rather than a sort: the same values in linear
    // time. Only which of two equal zeros (+0, -0) is taken could differ: windows with a zero
    // take the (stable) sort.
    let zero = T::from_f64(0.0);
    if w.contains(&zero) {
        w.sort_by(order);
        return if n % 2 == 1 { w[n / 2].to_f64() } else { ((w[n / 2 - 1] + w[n / 2]) / T::from_f64(2.0)).to_f64() };
    }
    let (below, &mut upper, _) = w.select_nth_unstable_by(n / 2, order);
    if n % 2 == 1 {
        upper.to_f64()
    } else {
        let lower = below.iter().copied().max_by(order).unwrap();
        ((lower + upper) / T::from_f64(2.0)).to_f64()
    }
}

/// jwst `median_filter` of one side strip `(rows, width)`: running median over
/// `smoothing_length` rows, mirrored at the ends without repeating the edge row, DO_NOT_USE
/// pixels left out; NaN where a window has no good pixel.
///
/// The window slides: its values are kept sorted, and one merge through them takes out the row
/// that leaves and puts in the row that comes (a full frame's 2 x 2048 medians a group took ~3 ms
/// by selection, ~1.5 ms taking values out and putting them in one at a time). A window holding
/// a zero takes `median` on its values in jwst's order instead, where which of +0 and -0 is the
/// median depends on that order.
///
/// Not inlined: of its float32 and float64 copies a run uses one, which alone V8 then optimises.
#[inline(never)]
fn running_median<T: Real>(strip: &[T], dq: &[u32], rows: usize, width: usize, smoothing_length: usize) -> Vec<f64> {
    let buf = (smoothing_length | 1) / 2;
    let source = |k: usize| -> usize {
        let k = k as isize - buf as isize;
        if k < 0 {
            (-k) as usize
        } else if k as usize >= rows {
            2 * (rows - 1) - k as usize
        } else {
            k as usize
        }
    };
    let good = |r: usize| (0..width).filter(move |&c| dq[r * width + c] & crate::dq::DO_NOT_USE == 0).map(move |c| strip[r * width + c]);
    let mut window = SortedWindow::<T>::with_capacity(smoothing_length * width);
    for k in 0..smoothing_length {
        good(source(k)).for_each(|v| window.insert(v));
    }
    let mut gathered = Vec::with_capacity(smoothing_length * width);
    let mut medians = Vec::with_capacity(rows);
    let (mut leaving, mut coming) = (Vec::with_capacity(width), Vec::with_capacity(width));
    for i in 0..rows {
        if i > 0 {
            leaving.clear();
            leaving.extend(good(source(i - 1)));
            coming.clear();
            coming.extend(good(source(i + smoothing_length - 1)));
            window.slide(&mut leaving, &mut coming);
        }
        medians.push(if window.is_empty() || window.nans > 0 {
            f64::NAN
        } else if window.zeros > 0 {
            gathered.clear();
            (i..i + smoothing_length).for_each(|k| gathered.extend(good(source(k))));
            median(&mut gathered)
        } else {
            window.median()
        });
    }
    medians
}

/// The values of a running-median window: sorted, NaNs and zeros counted.
struct SortedWindow<T> {
    sorted: Vec<T>,
    nans: usize,
    zeros: usize,
    /// The next `sorted`, made by `slide`.
    merged: Vec<T>,
}

impl<T: Real> SortedWindow<T> {
    fn with_capacity(capacity: usize) -> Self {
        SortedWindow { sorted: Vec::with_capacity(capacity), nans: 0, zeros: 0, merged: Vec::with_capacity(capacity) }
    }

    /// Takes out a value equal to each of `leaving` (values that were put in) and puts in those
    /// of `coming`, in one merge through the sorted values. Both are reordered.
    fn slide(&mut self, leaving: &mut Vec<T>, coming: &mut Vec<T>) {
        let mut count = |values: &mut Vec<T>, step: isize| {
            values.retain(|&v| {
                if v.partial_cmp(&v).is_none() {
                    self.nans = self.nans.wrapping_add_signed(step);
                    return false;
                }
                if v == T::ZERO {
                    self.zeros = self.zeros.wrapping_add_signed(step);
                }
                true
            });
            // NaN-free now, and a row of a side strip (a few values): an insertion sort, far
            // smaller code than the library's sort for V8 to compile.
            for i in 1..values.len() {
                let mut j = i;
                while j > 0 && values[j] < values[j - 1] {
                    values.swap(j, j - 1);
                    j -= 1;
                }
            }
        };
        count(leaving, -1);
        count(coming, 1);
        self.merged.clear();
        let (mut out, mut into) = (leaving.iter().peekable(), coming.iter().peekable());
        for &x in &self.sorted {
            if out.peek().is_some_and(|&&v| v == x) {
                out.next();
                continue;
            }
            while let Some(&&v) = into.peek().filter(|&&&v| v < x) {
                self.merged.push(v);
                into.next();
            }
            self.merged.push(x);
        }
        debug_assert!(out.next().is_none(), "a value taken out was not in the window");
        self.merged.extend(into);
        std::mem::swap(&mut self.sorted, &mut self.merged);
    }

    fn is_empty(&self) -> bool {
        self.sorted.is_empty() && self.nans == 0
    }

    fn insert(&mut self, v: T) {
        if v.partial_cmp(&v).is_none() {
            self.nans += 1;
            return;
        }
        if v == T::ZERO {
            self.zeros += 1;
        }
        let at = self.sorted.partition_point(|x| *x < v);
        self.sorted.insert(at, v);
    }

    /// `median` of the window's values, which hold neither NaN nor zero.
    fn median(&self) -> f64 {
        let (s, n) = (&self.sorted, self.sorted.len());
        if n % 2 == 1 { s[n / 2].to_f64() } else { ((s[n / 2 - 1] + s[n / 2]) / T::from_f64(2.0)).to_f64() }
    }
}

/// Side reference signal per detector row: the running medians of the left and right strips
/// `(rows, width)` (already corrected for the top/bottom signal), averaged; one NaN -> the other;
/// both NaN -> 0. With `wide = false` the strips hold float32 values and the medians are float32.
#[allow(clippy::too_many_arguments)]
pub fn side_signal(
    left: &[f64],
    left_dq: &[u32],
    right: &[f64],
    right_dq: &[u32],
    rows: usize,
    width: usize,
    smoothing_length: usize,
    wide: bool,
) -> Result<Vec<f64>, KernelError> {
    let n = rows * width;
    for (argument, len) in [("left", left.len()), ("left_dq", left_dq.len()), ("right", right.len()), ("right_dq", right_dq.len())] {
        expect_len(argument, len, n)?;
    }
    // jwst's reflection fails unless 1 <= smoothing_length//2 (made odd) < rows.
    if rows < 2 || smoothing_length < 2 || (smoothing_length | 1) / 2 >= rows {
        return Err(KernelError::InvalidParameter {
            argument: "side_smoothing_length",
            reason: format!("{smoothing_length} does not fit {rows} rows (jwst needs 2 <= length, length/2 < rows)"),
        });
    }
    let filter = |strip: &[f64], dq: &[u32]| {
        if wide {
            running_median(strip, dq, rows, width, smoothing_length)
        } else {
            let narrow: Vec<f32> = strip.iter().map(|&v| v as f32).collect();
            running_median(&narrow, dq, rows, width, smoothing_length)
        }
    };
    let (l, r) = (filter(left, left_dq), filter(right, right_dq));
    Ok(l.iter()
        .zip(&r)
        .map(|(&a, &b)| match (a.is_nan(), b.is_nan()) {
            (true, true) => 0.0,
            (true, false) => b,
            (false, true) => a,
            (false, false) => 0.5 * (a + b),
        })
        .collect())
}

/// Width of a full frame's reference border (rows at the top and bottom, columns at each side).
pub const BORDER: usize = 4;

/// The statistics of one group of a full frame (jwst `do_fullframe_corrections`, one group):
/// the top/bottom signal of each amplifier (and column parity) and, with side reference
/// pixels, the side signal of each detector row.
#[derive(Debug, Clone, PartialEq)]
pub struct FourAmpGroup {
    /// By class (amplifier x 2 + column parity, in detector columns): `None` where jwst has none.
    pub signals: [Option<Signal>; 8],
    /// Per detector row, with side reference pixels.
    pub side: Option<Vec<f64>>,
}

/// How [`four_amp_group`] treats a group (the step's parameters).
#[derive(Debug, Clone, Copy)]
pub struct FourAmpOptions {
    pub odd_even_columns: bool,
    pub use_side_ref_pixels: bool,
    pub siglimit: f64,
    pub side_smoothing_length: usize,
}

/// [`FourAmpGroup`] of one group `plane` of an `n` x `n` detector (`n` = 2048 on the instruments).
///
/// `at` and `dq` hold four strips of the detector frame, each `4n` long and row-major: the top
/// rows (`n - 4..n`, all columns), the bottom rows (`0..4`), the left columns (all rows, `0..4`)
/// and the right ones (`n - 4..n`). `at` gives each strip pixel's index in `plane` (negative: a
/// pixel the plane lacks, read as 0), `dq` its PIXELDQ (DO_NOT_USE pixels are left out).
/// `wide`: jwst's group buffer is float64 (after a side correction), else float32.
pub fn four_amp_group(plane: &[f32], at: &[i32], dq: &[u32], n: usize, o: &FourAmpOptions, wide: bool) -> Result<FourAmpGroup, KernelError> {
    let strip = BORDER * n;
    expect_len("at", at.len(), 4 * strip)?;
    expect_len("dq", dq.len(), 4 * strip)?;
    if n % 512 != 0 {
        return Err(KernelError::InvalidParameter { argument: "n", reason: format!("{n} columns do not make four 512-column amplifiers") });
    }
    if let Some(&i) = at.iter().find(|&&i| i >= 0 && i as usize >= plane.len()) {
        return Err(KernelError::InvalidParameter { argument: "at", reason: format!("index {i} is beyond the plane's {} pixels", plane.len()) });
    }
    let value = |j: usize| if at[j] < 0 { 0.0 } else { plane[at[j] as usize] };
    let strip_of = |k: usize| k * strip..(k + 1) * strip;
    let (top, bottom, left, right) = (strip_of(0), strip_of(1), strip_of(2), strip_of(3));
    // Clipped mean of a top/bottom strip's good pixels in columns c0 + k·step (k < count), row by row.
    let mut picked: Vec<f32> = Vec::with_capacity(strip);
    let mut mean = |rows: &std::ops::Range<usize>, c0: usize, step: usize, count: usize| {
        picked.clear();
        for r in 0..BORDER {
            for k in 0..count {
                let j = rows.start + r * n + c0 + k * step;
                if dq[j] & crate::dq::DO_NOT_USE == 0 {
                    picked.push(value(j));
                }
            }
        }
        if wide {
            clipped_mean(&picked.iter().map(|&v| v as f64).collect::<Vec<_>>(), o.siglimit)
        } else {
            clipped_mean(&picked, o.siglimit)
        }
    };
    let amp_cols = n / 4;
    let mut signals = [None; 8];
    for amp in 0..4 {
        let c0 = amp * amp_cols;
        if o.odd_even_columns {
            let odd = average(mean(&top, c0, 2, amp_cols / 2), mean(&bottom, c0, 2, amp_cols / 2));
            let even = average(mean(&top, c0 + 1, 2, amp_cols / 2), mean(&bottom, c0 + 1, 2, amp_cols / 2));
            if odd.is_some() && even.is_some() {
                (signals[amp * 2], signals[amp * 2 + 1]) = (odd, even);
            }
        } else {
            let one = average(mean(&top, c0, 1, amp_cols), mean(&bottom, c0, 1, amp_cols));
            (signals[amp * 2], signals[amp * 2 + 1]) = (one, one);
        }
    }
    if !o.use_side_ref_pixels {
        return Ok(FourAmpGroup { signals, side: None });
    }
    // The side strips as the top/bottom correction leaves them (amplifier A left, D right).
    let corrected = |range: std::ops::Range<usize>, c0: usize, amp: usize| -> Vec<f64> {
        range
            .enumerate()
            .map(|(j, p)| {
                let v = value(p) as f64;
                match signals[amp * 2 + ((c0 + j % BORDER) & 1)] {
                    Some(s) => subtract(v, s, wide),
                    None => v,
                }
            })
            .collect()
    };
    let (l, r) = (corrected(left.clone(), 0, 0), corrected(right.clone(), n - BORDER, 3));
    let side = side_signal(&l, &dq[left], &r, &dq[right], n, BORDER, o.side_smoothing_length, wide)?;
    Ok(FourAmpGroup { signals, side: Some(side) })
}

/// Per-group corrections for [`correct`]; `g` indexes the `(nints·ngroups)` groups.
pub struct Corrections<'a> {
    /// Number of pixel classes (e.g. amplifier × column parity).
    pub classes: usize,
    /// Per group: 1 = float64 group buffer.
    pub wide: &'a [u8],
    /// Per group and class: the signal value, and its kind (0 none, 1 float32, 2 float64).
    pub values: &'a [f64],
    pub kinds: &'a [u8],
    /// Per group, `side_rows` values indexed by detector row; empty = no side correction.
    pub side: &'a [f64],
    pub side_rows: usize,
    pub side_gain: f64,
}

/// Subtracts the per-class signal and the side signal of the pixel's detector row from every
/// group of `data`. `class` `(rows, cols)` gives each pixel's class (255 = none); `det_row`
/// `(rows, cols)` its detector row (only read with a side correction).
pub fn correct(data: &mut [f32], class: &[u8], det_row: &[u16], c: &Corrections, shape: RampShape) -> Result<(), KernelError> {
    shape.validate()?;
    shape.expect_cube("data", data.len())?;
    shape.expect_plane("class", class.len())?;
    let groups = shape.nints * shape.ngroups;
    expect_len("wide", c.wide.len(), groups)?;
    expect_len("values", c.values.len(), groups * c.classes)?;
    expect_len("kinds", c.kinds.len(), groups * c.classes)?;
    let side = !c.side.is_empty();
    if side {
        shape.expect_plane("det_row", det_row.len())?;
        expect_len("side", c.side.len(), groups * c.side_rows)?;
        if let Some(&r) = det_row.iter().find(|&&r| r as usize >= c.side_rows) {
            return Err(KernelError::InvalidParameter { argument: "det_row", reason: format!("row {r} is beyond {} side rows", c.side_rows) });
        }
    }
    if let Some(&k) = class.iter().find(|&&k| k != 255 && k as usize >= c.classes) {
        return Err(KernelError::InvalidParameter { argument: "class", reason: format!("class {k} is beyond {} classes", c.classes) });
    }
    let side_rows = if side { c.side_rows } else { 0 };
    let layout = RowLayout::new(class, if side { det_row } else { &[] }, shape.cols);
    let mut side_terms = vec![0.0f64; side_rows];
    for (g, plane) in data.chunks_exact_mut(shape.plane_len()).enumerate() {
        let side_g = if side { &c.side[g * side_rows..][..side_rows] } else { &[][..] };
        // The product stays the one numpy forms per pixel: gain times the row's side value.
        for (term, &s) in side_terms.iter_mut().zip(side_g) {
            *term = c.side_gain * s;
        }
        let wide = c.wide[g] != 0;
        let kinds = &c.kinds[g * c.classes..][..c.classes];
        let values = &c.values[g * c.classes..][..c.classes];
        // A class without a signal subtracts 0, which leaves every value (and -0, and NaN) as it is.
        let mut table = [0.0f64; 256];
        // (class 255 is "none" whatever the number of classes)
        for (k, (&kind, &value)) in kinds.iter().zip(values).enumerate().take(255) {
            if kind != 0 {
                table[k] = value;
            }
        }
        let present = || kinds.iter().filter(|&&kind| kind != 0);
        let p = PlaneRefs { class, det_row, side_terms: &side_terms, layout: &layout };
        if wide {
            correct_plane(plane, &p, |k| table[k], |x, t| x as f64 - t);
        } else if present().all(|&kind| kind == 1) {
            let narrow = table.map(|v| v as f32);
            correct_plane(plane, &p, |k| narrow[k], |x, t| (x - t) as f64);
        } else if present().all(|&kind| kind == 2) {
            correct_plane(plane, &p, |k| table[k], |x, t| (x as f64 - t) as f32 as f64);
        } else {
            let signals: Vec<Option<Signal>> = kinds.iter().zip(values).map(|(&kind, &value)| (kind != 0).then_some(Signal { value, wide: kind == 2 })).collect();
            correct_plane(
                plane,
                &p,
                |k| signals.get(k).copied().flatten(),
                |x, s| match s {
                    Some(s) => subtract(x as f64, s, false),
                    None => x as f64,
                },
            );
        }
    }
    Ok(())
}

/// Which rows of the class and detector-row maps repeat a pattern: their pixels take a row of
/// per-column signals and one side term (the maps of a full frame are built so: the class
/// depends on the column and the detector row on the row, or the other way round).
struct RowLayout {
    cols: usize,
    /// Rows whose classes are those of the first row.
    same_classes: Vec<bool>,
    /// Rows of one detector row (with a side correction): that row.
    one_det_row: Vec<Option<u16>>,
}

impl RowLayout {
    fn new(class: &[u8], det_row: &[u16], cols: usize) -> Self {
        let first = &class[..cols];
        RowLayout {
            cols,
            same_classes: class.chunks_exact(cols).map(|row| row == first).collect(),
            one_det_row: det_row.chunks_exact(cols).map(|row| row.iter().all(|&r| r == row[0]).then_some(row[0])).collect(),
        }
    }
}

/// The per-pixel inputs of one group plane's correction.
struct PlaneRefs<'a> {
    class: &'a [u8],
    det_row: &'a [u16],
    /// Per detector row; empty without a side correction.
    side_terms: &'a [f64],
    layout: &'a RowLayout,
}

/// One group plane: the pixel after its class signal is `apply(x, lookup(class))`, in float64;
/// the side term of its detector row (none when `side_terms` is empty) follows. Rows that repeat
/// the first row's classes with one detector row run on a row of looked-up signals, in loops
/// without lookups (the same operations, pixel for pixel).
// Not inlined: `correct` has four of these and a run uses one, which alone V8 then optimises.
#[inline(never)]
fn correct_plane<T: Copy>(plane: &mut [f32], p: &PlaneRefs, lookup: impl Fn(usize) -> T, apply: impl Fn(f32, T) -> f64) {
    // wasm leaves NaN payloads/signs to the engine: one canonical NaN keeps bands byte-equal.
    let store = |v: f64| if v.is_nan() { f32::NAN } else { v as f32 };
    let cols = p.layout.cols;
    let side = !p.side_terms.is_empty();
    let pattern: Vec<T> = p.class[..cols].iter().map(|&k| lookup(k as usize)).collect();
    for (y, row) in plane.chunks_exact_mut(cols).enumerate() {
        let (class, det_row) = (&p.class[y * cols..][..cols], if side { &p.det_row[y * cols..][..cols] } else { &[][..] });
        if p.layout.same_classes[y] {
            if !side {
                for (x, &t) in row.iter_mut().zip(&pattern) {
                    *x = store(apply(*x, t));
                }
                continue;
            }
            if let Some(r) = p.layout.one_det_row[y] {
                let term = p.side_terms[r as usize];
                for (x, &t) in row.iter_mut().zip(&pattern) {
                    *x = store(apply(*x, t) - term);
                }
                continue;
            }
        }
        if !side {
            for (x, &k) in row.iter_mut().zip(class) {
                *x = store(apply(*x, lookup(k as usize)));
            }
        } else {
            for ((x, &k), &r) in row.iter_mut().zip(class).zip(det_row) {
                *x = store(apply(*x, lookup(k as usize)) - p.side_terms[r as usize]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dq;

    /// The selection gives the sorted median bit for bit: odd and even lengths, ties, zeros of
    /// both signs, float32 and float64.
    #[test]
    fn median_by_selection_is_the_sorted_median() {
        fn sorted<T: Real>(w: &[T]) -> f64 {
            let mut s = w.to_vec();
            s.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let n = s.len();
            if n % 2 == 1 { s[n / 2].to_f64() } else { ((s[n / 2 - 1] + s[n / 2]) / T::from_f64(2.0)).to_f64() }
        }
        let mut state = 7u32;
        for n in 1..60 {
            for _ in 0..20 {
                let w: Vec<f64> = (0..n)
                    .map(|_| {
                        state = state.wrapping_mul(1664525).wrapping_add(1013904223);
                        match state >> 28 {
                            0 => 0.0,
                            1 => -0.0,
                            2 => 3.0,
                            _ => (state % 1000) as f64 * 0.37 - 150.0,
                        }
                    })
                    .collect();
                assert_eq!(median(&mut w.clone()).to_bits(), sorted(&w).to_bits(), "{w:?}");
                let narrow: Vec<f32> = w.iter().map(|&v| v as f32).collect();
                assert_eq!(median(&mut narrow.clone()).to_bits(), sorted(&narrow).to_bits(), "{narrow:?}");
            }
        }
    }

    #[test]
    fn pairwise_matches_numpy_blocking() {
        // 1..=200 as float32 sums exactly; the structure only matters for rounding.
        let a: Vec<f32> = (1..=200).map(|v| v as f32).collect();
        assert_eq!(pairwise_sum(&a), 20100.0);
        assert_eq!(pairwise_sum::<f32>(&[]), 0.0);
    }

    /// CASE (spec §9): constant sets give plain float64 means; top/bottom averaged.
    #[test]
    fn spec_example_means() {
        let top_odd = clipped_mean(&[100f32; 8], 3.0).unwrap();
        let bottom_odd = clipped_mean(&[98f32; 8], 3.0).unwrap();
        assert_eq!(top_odd, Signal { value: 100.0, wide: true });
        assert_eq!(average(Some(top_odd), Some(bottom_odd)).unwrap().value, 99.0);
        assert_eq!(average(None, Some(bottom_odd)), Some(bottom_odd));
        assert_eq!(average(None, None), None);
        assert_eq!(clipped_mean::<f32>(&[], 3.0), None);
    }

    #[test]
    fn sigma_clipping_rejects_outliers_in_float32() {
        let mut v = vec![10f32; 20];
        v[3] = 11.0;
        v[7] = 1000.0;
        let s = clipped_mean(&v, 3.0).unwrap();
        assert!(!s.wide);
        // 1000 goes first, then 11 (std of the rest is tiny), then std 0 ends the loop.
        assert_eq!(s.value, 10.0);
        assert!(clipped_mean(&[1f32, f32::NAN], 3.0).unwrap().value.is_nan());
    }

    #[test]
    fn float32_averages_and_subtractions() {
        let a = Signal { value: 0.1f32 as f64, wide: false };
        let b = Signal { value: 0.2f32 as f64, wide: false };
        assert_eq!(average(Some(a), Some(b)).unwrap().value, (0.5f32 * (0.1f32 + 0.2f32)) as f64);
        assert_eq!(subtract(1.0, a, false), (1.0f32 - 0.1f32) as f64);
        assert_eq!(subtract(1.0, Signal { value: 0.1, wide: true }, false), (1.0f64 - 0.1) as f32 as f64);
        assert_eq!(subtract(1.0, Signal { value: 0.1, wide: true }, true), 1.0 - 0.1);
    }

    /// Running median with mirrored ends, DNU excluded, even count = mean of the middle two.
    #[test]
    fn side_signal_median_and_combination() {
        let rows = 5;
        let left: Vec<f64> = (0..rows).map(|r| r as f64).collect();
        let mut left_dq = vec![0u32; rows];
        left_dq[4] = dq::DO_NOT_USE;
        let right = vec![f64::NAN; rows];
        let right_dq = vec![dq::DO_NOT_USE; rows];
        let s = side_signal(&left, &left_dq, &right, &right_dq, rows, 1, 3, false).unwrap();
        // Row 0 window rows (1, 0, 1); row 3: (2, 3, [4 DNU]) -> 2.5; row 4: (3, [4], 3).
        assert_eq!(s, vec![1.0, 1.0, 2.0, 2.5, 3.0]);
        let none = side_signal(&right, &right_dq, &right, &right_dq, rows, 1, 3, false).unwrap();
        assert_eq!(none, vec![0.0; rows]);
        assert_eq!(side_signal(&left, &left_dq, &right, &right_dq, rows, 1, 1, false).unwrap_err().code(), "invalid_parameter");
        assert_eq!(side_signal(&left, &left_dq, &right, &right_dq, rows, 2, 3, false).unwrap_err().code(), "shape_mismatch");
    }

    /// The sliding window gives each row's median as gathering its window and taking `median`
    /// would (bit for bit): DNU pixels, NaNs, +0 and -0 entering and leaving, mirrored ends,
    /// float32 and float64, odd and even windows.
    #[test]
    fn sliding_running_median_is_the_window_median() {
        fn direct<T: Real>(strip: &[T], dq: &[u32], rows: usize, width: usize, length: usize) -> Vec<f64> {
            let buf = (length | 1) / 2;
            (0..rows)
                .map(|i| {
                    let mut w = Vec::new();
                    for k in i..i + length {
                        let k = k as isize - buf as isize;
                        let r = if k < 0 { (-k) as usize } else if k as usize >= rows { 2 * (rows - 1) - k as usize } else { k as usize };
                        for c in 0..width {
                            if dq[r * width + c] & dq::DO_NOT_USE == 0 {
                                w.push(strip[r * width + c]);
                            }
                        }
                    }
                    if w.is_empty() { f64::NAN } else { median(&mut w) }
                })
                .collect()
        }
        let mut state = 5u32;
        let mut next = move || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            state >> 8
        };
        for (rows, width, length) in [(40, 4, 11), (40, 4, 10), (9, 2, 5), (3, 3, 4), (64, 1, 7)] {
            for _ in 0..30 {
                let strip: Vec<f64> = (0..rows * width)
                    .map(|_| match next() % 23 {
                        0 => f64::NAN,
                        1 => 0.0,
                        2 => -0.0,
                        // Few distinct values: ties.
                        k if k < 12 => (k % 4) as f64 - 1.5,
                        _ => (next() % 1000) as f64 / 7.0 - 70.0,
                    })
                    .collect();
                let dq: Vec<u32> = (0..rows * width).map(|_| if next() % 9 == 0 { dq::DO_NOT_USE } else { 0 }).collect();
                let same = |a: Vec<f64>, b: Vec<f64>| a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
                assert!(same(running_median(&strip, &dq, rows, width, length), direct(&strip, &dq, rows, width, length)));
                let narrow: Vec<f32> = strip.iter().map(|&v| v as f32).collect();
                assert!(same(running_median(&narrow, &dq, rows, width, length), direct(&narrow, &dq, rows, width, length)));
            }
        }
    }

    #[test]
    fn correct_applies_class_and_side_signals() {
        let shape = RampShape::new(1, 2, 1, 3);
        let mut data = [10.0, 10.0, 10.0, 20.0, 20.0, 20.0];
        let c = Corrections {
            classes: 2,
            wide: &[0, 1],
            values: &[1.0, 2.0, 3.0, 4.0],
            kinds: &[1, 0, 2, 2],
            side: &[0.5, 0.25],
            side_rows: 1,
            side_gain: 2.0,
        };
        correct(&mut data, &[0, 1, 255], &[0, 0, 0], &c, shape).unwrap();
        assert_eq!(data, [8.0, 9.0, 9.0, 16.5, 15.5, 19.5]);
        let bad = correct(&mut data, &[0, 2, 255], &[0, 0, 0], &c, shape).unwrap_err();
        assert_eq!(bad.code(), "invalid_parameter");
        assert_eq!(correct(&mut data, &[0, 1], &[0, 0, 0], &c, shape).unwrap_err().code(), "shape_mismatch");
    }
    /// The per-group specialisations give what the rule gives pixel by pixel: float32 and float64
    /// buffers, float32, float64 and mixed signals, classes without one, NaN, -0 and side terms.
    #[test]
    fn correct_equals_the_per_pixel_rule() {
        let (classes, rows, cols, groups) = (5usize, 6usize, 7usize, 8usize);
        let shape = RampShape::new(1, groups, rows, cols);
        let mut state = 11u32;
        let mut next = || {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            state
        };
        let data: Vec<f32> = (0..groups * rows * cols)
            .map(|_| match next() >> 28 {
                0 => f32::NAN,
                1 => -0.0,
                _ => (next() % 100_000) as f32 * 0.0371 - 900.0,
            })
            .collect();
        let random_class: Vec<u8> = (0..rows * cols).map(|_| if next() % 7 == 0 { 255 } else { (next() % classes as u32) as u8 }).collect();
        let random_det_row: Vec<u16> = (0..rows * cols).map(|p| (p / cols) as u16 + (next() % 2) as u16).collect();
        // As a full frame's maps are built (the first row's classes in every row, one detector
        // row per row), but for row 3's classes and row 4's detector rows.
        let patterned_class: Vec<u8> = (0..rows * cols).map(|p| if p / cols == 3 { random_class[p] } else { random_class[p % cols] }).collect();
        let patterned_det_row: Vec<u16> = (0..rows * cols).map(|p| if p / cols == 4 { random_det_row[p] } else { (rows - 1 - p / cols) as u16 }).collect();
        // Groups: float64 buffer; float32 buffer with float32, float64 and mixed signals.
        let wide: Vec<u8> = (0..groups).map(|g| (g % 4 == 0) as u8).collect();
        let kinds: Vec<u8> = (0..groups * classes).map(|i| match (i / classes) % 4 { 1 => [0, 1][(next() % 2) as usize], 2 => [0, 2][(next() % 2) as usize], _ => (next() % 3) as u8 }).collect();
        let values: Vec<f64> = (0..groups * classes).map(|_| (next() % 10_000) as f64 * 0.01234567891 - 50.0).collect();
        let side_values: Vec<f64> = (0..groups * (rows + 1)).map(|_| (next() % 1000) as f64 * 0.001234567 - 0.5).collect();
        for (with_side, class, det_row) in [
            (false, &random_class, &random_det_row),
            (true, &random_class, &random_det_row),
            (false, &patterned_class, &patterned_det_row),
            (true, &patterned_class, &patterned_det_row),
        ] {
            let c = Corrections {
                classes,
                wide: &wide,
                values: &values,
                kinds: &kinds,
                side: if with_side { &side_values } else { &[] },
                side_rows: rows + 1,
                side_gain: 1.0 / 3.0,
            };
            let mut fast = data.clone();
            correct(&mut fast, class, det_row, &c, shape).unwrap();
            let plane = rows * cols;
            for (i, (&x, &got)) in data.iter().zip(&fast).enumerate() {
                let (g, p) = (i / plane, i % plane);
                let k = class[p] as usize;
                let mut v = x as f64;
                if k != 255 && kinds[g * classes + k] != 0 {
                    v = subtract(v, Signal { value: values[g * classes + k], wide: kinds[g * classes + k] == 2 }, wide[g] != 0);
                }
                if with_side {
                    v -= c.side_gain * side_values[g * (rows + 1) + det_row[p] as usize];
                }
                let want = if v.is_nan() { f32::NAN } else { v as f32 };
                assert_eq!(got.to_bits(), want.to_bits(), "group {g} pixel {p} side {with_side} patterned {}", class == &patterned_class);
            }
        }
    }

    /// One group's statistics of a 512-column frame (four 128-column amplifiers): each class's
    /// top/bottom signal over its own columns without DO_NOT_USE pixels, the side strips corrected
    /// by their classes' signals before their running medians, a missing pixel read as 0.
    #[test]
    fn four_amp_group_picks_each_class_and_corrects_the_sides() {
        let n = 512;
        let strip = BORDER * n;
        let o = FourAmpOptions { odd_even_columns: true, use_side_ref_pixels: true, siglimit: 3.0, side_smoothing_length: 11 };
        // The plane holds the strips themselves (top, bottom, left, right).
        let at: Vec<i32> = (0..4 * strip as i32).collect();
        let mut dq = vec![0u32; 4 * strip];
        let class_value = |c: usize, top: bool| 100.0 + 10.0 * (c / 128) as f32 + (c % 2) as f32 + if top { 0.0 } else { 4.0 };
        let mut plane = vec![0f32; 4 * strip];
        for r in 0..BORDER {
            for c in 0..n {
                plane[r * n + c] = class_value(c, true);
                plane[strip + r * n + c] = class_value(c, false);
            }
        }
        // Amplifier 1's even columns vary in the top rows (a float32 clipped mean); a flagged outlier is left out.
        for r in 0..BORDER {
            for c in (128..256).step_by(2) {
                plane[r * n + c] = 110.0 + ((r * 7 + c) % 5) as f32;
            }
        }
        // Flagged samples are left out: one that would be clipped anyway, one that would not.
        plane[n + 130] = 1e6;
        dq[n + 130] = crate::dq::DO_NOT_USE;
        plane[n + 2] = 100.5;
        dq[n + 2] = crate::dq::DO_NOT_USE;
        // The sides: their class's signal plus the row; a flagged sample is left out.
        for r in 0..n {
            for c in 0..BORDER {
                plane[2 * strip + r * BORDER + c] = 102.0 + (c % 2) as f32 + r as f32;
                plane[3 * strip + r * BORDER + c] = 132.0 + (c % 2) as f32 + r as f32;
            }
        }
        // The left strip's odd columns are flagged (its even columns take the even signal alone).
        for r in 0..n {
            plane[2 * strip + r * BORDER + 1] = -5e5;
            plane[2 * strip + r * BORDER + 3] = -5e5;
            dq[2 * strip + r * BORDER + 1] = crate::dq::DO_NOT_USE;
            dq[2 * strip + r * BORDER + 3] = crate::dq::DO_NOT_USE;
        }

        let group = four_amp_group(&plane, &at, &dq, n, &o, false).unwrap();
        let varying: Vec<f32> = (0..BORDER).flat_map(|r| (128..256).step_by(2).map(move |c| (r, c))).filter(|&(r, c)| (r, c) != (1, 130)).map(|(r, c)| plane[r * n + c]).collect();
        let top_even_1 = clipped_mean(&varying, 3.0).unwrap();
        assert!(!top_even_1.wide);
        for class in 0..8 {
            let (amp, parity) = (class / 2, class % 2);
            let top = Signal { value: class_value(amp * 128 + parity, true) as f64, wide: true };
            let bottom = Signal { value: class_value(amp * 128 + parity, false) as f64, wide: true };
            let want = average(Some(if class == 2 { top_even_1 } else { top }), Some(bottom));
            assert_eq!(group.signals[class], want, "class {class}");
        }
        // Amplifier A's signals are 102/103 and D's 132/133 (top and bottom averaged): the
        // corrected sides hold the row number. Each row's side signal is the mean of the two
        // strips' medians over 11 rows mirrored at the ends (the edge row not repeated).
        let side = group.side.unwrap();
        let naive_median = |first: usize, r: usize| -> f64 {
            let mut w: Vec<f32> = Vec::new();
            for k in r as isize - 5..=r as isize + 5 {
                let row = if k < 0 { (-k) as usize } else if k as usize >= n { 2 * (n - 1) - k as usize } else { k as usize };
                for c in 0..BORDER {
                    let j = first + row * BORDER + c;
                    if dq[j] & crate::dq::DO_NOT_USE == 0 {
                        w.push(row as f32);
                    }
                }
            }
            w.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let m = w.len();
            (if m % 2 == 1 { w[m / 2] } else { (w[m / 2 - 1] + w[m / 2]) / 2.0 }) as f64
        };
        for (r, &s) in side.iter().enumerate() {
            assert_eq!(s, 0.5 * (naive_median(2 * strip, r) + naive_median(3 * strip, r)), "row {r}");
        }
        assert_eq!(side[100], 100.0);

        // Without odd/even columns one signal per amplifier; a missing pixel reads 0 (no clipping here).
        let mut gap = at.clone();
        gap[5] = -1;
        let o = FourAmpOptions { odd_even_columns: false, use_side_ref_pixels: false, siglimit: 1e9, ..o };
        let one = four_amp_group(&plane, &gap, &dq, n, &o, true).unwrap();
        assert!(one.side.is_none());
        for amp in 0..4 {
            assert_eq!(one.signals[amp * 2], one.signals[amp * 2 + 1]);
        }
        let top0: Vec<f64> = (0..BORDER).flat_map(|r| (0..128).map(move |c| (r, c))).filter(|&(r, c)| (r, c) != (1, 2)).map(|(r, c)| if r * n + c == 5 { 0.0 } else { plane[r * n + c] as f64 }).collect();
        let bottom0: Vec<f64> = (0..BORDER).flat_map(|r| (0..128).map(move |c| (r, c))).map(|(r, c)| plane[strip + r * n + c] as f64).collect();
        assert_eq!(one.signals[0], average(clipped_mean(&top0, 1e9), clipped_mean(&bottom0, 1e9)));
        // A class with no good pixel leaves its amplifier's both parities without a signal.
        let mut odd_flagged = dq.clone();
        for r in 0..2 * BORDER {
            (3 * 128 + 1..n).step_by(2).for_each(|c| odd_flagged[r * n + c] = crate::dq::DO_NOT_USE);
        }
        let parities = four_amp_group(&plane, &at, &odd_flagged, n, &FourAmpOptions { odd_even_columns: true, ..o }, true).unwrap();
        assert_eq!((parities.signals[6], parities.signals[7]), (None, None));
        assert!(parities.signals[5].is_some());
        assert!(four_amp_group(&plane, &at[1..], &dq, n, &o, false).is_err());
    }
}
