//! 32-bit FITS pixels (float32, int32, uint32 by the BZERO convention) into their file bytes,
//! with the ones'-complement sum the FITS checksum convention (Seaman, Pence & Rots) adds up.

use crate::error::{expect_len, KernelError};

/// Writes each host-order word of `words`, XOR `flip` (0x8000_0000 for unsigned words stored
/// with BZERO 2^31, else 0), into `bytes` big-endian, and returns the 32-bit ones'-complement
/// sum of the words written: as a big-endian word's value is the word itself, that is the
/// sum of `word ^ flip`, its carries folded back in.
pub fn encode(words: &[u32], bytes: &mut [u8], flip: u32) -> Result<u32, KernelError> {
    expect_len("bytes", bytes.len(), words.len().saturating_mul(4))?;
    // Four lanes of 64-bit sums (word k in lane k % 4): no carry is lost below 2^32 words a lane.
    #[cfg(target_arch = "wasm32")]
    let (done, mut lanes) = simd::encode_quads(words, bytes, flip);
    #[cfg(not(target_arch = "wasm32"))]
    let (done, mut lanes) = (0, [0u64; 4]);
    for (k, (&word, target)) in words[done..].iter().zip(bytes[4 * done..].chunks_exact_mut(4)).enumerate() {
        let value = word ^ flip;
        lanes[k % 4] += value as u64;
        target.copy_from_slice(&value.to_be_bytes());
    }
    Ok(fold(lanes.iter().map(|&lane| fold(lane) as u64).sum()))
}

/// [`encode`] in place: each word of `words`, XOR `flip`, becomes its big-endian bytes where it
/// lies (the file's words, ready to be written as they are); returns their ones'-complement sum.
pub fn encode_in_place(words: &mut [u32], flip: u32) -> u32 {
    #[cfg(target_arch = "wasm32")]
    let (done, mut lanes) = simd::encode_quads_in_place(words, flip);
    #[cfg(not(target_arch = "wasm32"))]
    let (done, mut lanes) = (0, [0u64; 4]);
    for (k, word) in words[done..].iter_mut().enumerate() {
        let value = *word ^ flip;
        lanes[k % 4] += value as u64;
        *word = u32::from_ne_bytes(value.to_be_bytes());
    }
    fold(lanes.iter().map(|&lane| fold(lane) as u64).sum())
}

/// [`encode_in_place`] on float32 pixels (their bits, NaN payloads included).
pub fn encode_floats_in_place(pixels: &mut [f32]) -> u32 {
    // SAFETY: f32 and u32 have the same size and alignment, and every bit pattern is valid for both.
    encode_in_place(unsafe { core::slice::from_raw_parts_mut(pixels.as_mut_ptr().cast::<u32>(), pixels.len()) }, 0)
}

/// Reverses the bytes of every word in place: 32-bit words as a FITS file stores them
/// (big-endian) into host order on a little-endian host, and back.
pub fn swap_words(words: &mut [u32]) {
    #[cfg(target_arch = "wasm32")]
    let words = simd::swap_quads(words);
    for word in words {
        *word = word.swap_bytes();
    }
}

/// `swap_words` on float32 pixels (their bits, NaN payloads included).
pub fn swap_float_words(pixels: &mut [f32]) {
    // SAFETY: f32 and u32 have the same size and alignment, and every bit pattern is valid for both.
    swap_words(unsafe { core::slice::from_raw_parts_mut(pixels.as_mut_ptr().cast::<u32>(), pixels.len()) });
}

/// Four words at a time in SIMD lanes (a byte shuffle reverses each word): about three times
/// the speed of the scalar loops in V8.
#[cfg(target_arch = "wasm32")]
mod simd {
    use core::arch::wasm32::{i64x2_add, i8x16_shuffle, u32x4_splat, u64x2_extend_high_u32x4, u64x2_extend_low_u32x4, u64x2_extract_lane, u64x2_splat, v128, v128_xor};

    #[inline(always)]
    fn reversed(v: v128) -> v128 {
        i8x16_shuffle::<3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12>(v, v)
    }

    /// `encode` of the whole quads of `words`: how many words it wrote, and the four lane sums.
    pub fn encode_quads(words: &[u32], bytes: &mut [u8], flip: u32) -> (usize, [u64; 4]) {
        let quads = words.len() / 4;
        assert!(bytes.len() >= 16 * quads);
        let flip = u32x4_splat(flip);
        let (mut low, mut high) = (u64x2_splat(0), u64x2_splat(0));
        for q in 0..quads {
            // SAFETY: quad q lies within `words` and its 16 bytes within `bytes` (asserted);
            // unaligned reads and writes are allowed.
            let value = v128_xor(unsafe { words.as_ptr().add(4 * q).cast::<v128>().read_unaligned() }, flip);
            low = i64x2_add(low, u64x2_extend_low_u32x4(value));
            high = i64x2_add(high, u64x2_extend_high_u32x4(value));
            unsafe { bytes.as_mut_ptr().add(16 * q).cast::<v128>().write_unaligned(reversed(value)) };
        }
        let lanes = [u64x2_extract_lane::<0>(low), u64x2_extract_lane::<1>(low), u64x2_extract_lane::<0>(high), u64x2_extract_lane::<1>(high)];
        (4 * quads, lanes)
    }

    /// `encode_quads` writing each quad back where it lies.
    pub fn encode_quads_in_place(words: &mut [u32], flip: u32) -> (usize, [u64; 4]) {
        let quads = words.len() / 4;
        let flip = u32x4_splat(flip);
        let (mut low, mut high) = (u64x2_splat(0), u64x2_splat(0));
        for quad in words.chunks_exact_mut(4) {
            let at = quad.as_mut_ptr().cast::<v128>();
            // SAFETY: the quad's 16 bytes are its own; unaligned reads and writes are allowed.
            let value = v128_xor(unsafe { at.read_unaligned() }, flip);
            low = i64x2_add(low, u64x2_extend_low_u32x4(value));
            high = i64x2_add(high, u64x2_extend_high_u32x4(value));
            unsafe { at.write_unaligned(reversed(value)) };
        }
        let lanes = [u64x2_extract_lane::<0>(low), u64x2_extract_lane::<1>(low), u64x2_extract_lane::<0>(high), u64x2_extract_lane::<1>(high)];
        (4 * quads, lanes)
    }

    /// Reverses the bytes of the whole quads of `words`; returns the words left over.
    pub fn swap_quads(words: &mut [u32]) -> &mut [u32] {
        let quads = words.len() / 4;
        let (head, tail) = words.split_at_mut(4 * quads);
        for quad in head.chunks_exact_mut(4) {
            let at = quad.as_mut_ptr().cast::<v128>();
            // SAFETY: the quad's 16 bytes are its own; unaligned reads and writes are allowed.
            unsafe { at.write_unaligned(reversed(at.read_unaligned())) };
        }
        tail
    }
}

/// End-around carries until the sum fits 32 bits.
fn fold(mut sum: u64) -> u32 {
    while sum >> 32 != 0 {
        sum = (sum & 0xffff_ffff) + (sum >> 32);
    }
    sum as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sum byte by byte, as the convention defines it on the file's bytes.
    fn sum_of_bytes(bytes: &[u8]) -> u32 {
        fold(bytes.chunks_exact(4).map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]) as u64).sum())
    }

    #[test]
    fn big_endian_bytes_and_their_sum() {
        let mut state = 3u32;
        for n in [0usize, 1, 3, 4, 5, 17, 1000, 4099] {
            let words: Vec<u32> = (0..n)
                .map(|i| {
                    state = state.wrapping_mul(1664525).wrapping_add(1013904223);
                    // Many words near 2^32 - 1 make many carries.
                    if i % 3 == 0 { u32::MAX - (state & 0xff) } else { state }
                })
                .collect();
            for flip in [0, 0x8000_0000] {
                let mut bytes = vec![0u8; 4 * n];
                let sum = encode(&words, &mut bytes, flip).unwrap();
                for (w, b) in words.iter().zip(bytes.chunks_exact(4)) {
                    assert_eq!(b, (w ^ flip).to_be_bytes());
                }
                assert_eq!(sum, sum_of_bytes(&bytes), "{n} words, flip {flip:#x}");
            }
        }
        // Ones'-complement: a sum of all-ones words stays all ones (never wraps to 0).
        let mut bytes = vec![0u8; 8];
        assert_eq!(encode(&[u32::MAX, u32::MAX], &mut bytes, 0).unwrap(), u32::MAX);
    }

    #[test]
    fn swapped_words_are_the_file_words_read_big_endian() {
        let file: Vec<u8> = (0..4 * 37).map(|i| (i * 7 + 3) as u8).collect();
        let mut words: Vec<u32> = file.chunks_exact(4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])).collect();
        swap_words(&mut words);
        for (w, b) in words.iter().zip(file.chunks_exact(4)) {
            assert_eq!(*w, u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        }
        let values = [1.5f32, -0.0, f32::NAN, f32::INFINITY, 3.0e-39, -7.25e11];
        let mut pixels: Vec<f32> = values.iter().map(|v| f32::from_ne_bytes(v.to_be_bytes())).collect();
        swap_float_words(&mut pixels);
        for (p, v) in pixels.iter().zip(values) {
            assert_eq!(p.to_bits(), v.to_bits());
        }
    }

    #[test]
    fn mismatched_lengths_are_an_error() {
        let err = encode(&[1, 2], &mut [0u8; 7], 0).unwrap_err();
        assert_eq!(err, KernelError::ShapeMismatch { argument: "bytes", expected: 8, actual: 7 });
    }

    /// In place, the same bytes and sum as `encode` (odd lengths take the scalar tail).
    #[test]
    fn in_place_matches_encode() {
        let mut state = 11u32;
        for n in [0usize, 1, 3, 4, 7, 64, 1001] {
            for flip in [0, 0x8000_0000] {
                let words: Vec<u32> = (0..n).map(|_| (state = state.wrapping_mul(1664525).wrapping_add(1013904223), state).1).collect();
                let mut bytes = vec![0u8; 4 * n];
                let sum = encode(&words, &mut bytes, flip).unwrap();
                let mut in_place = words.clone();
                assert_eq!(encode_in_place(&mut in_place, flip), sum, "n {n} flip {flip:x}");
                let written: Vec<u8> = in_place.iter().flat_map(|w| w.to_ne_bytes()).collect();
                assert_eq!(written, bytes, "n {n} flip {flip:x}");
                assert_eq!(sum_of_bytes(&written), sum);
            }
        }
    }
}
