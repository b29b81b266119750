/**
 * SHA-1 of a UTF-8 string, synchronous and runtime-neutral: crds refuses a mapping whose
 * `sha1sum` header does not match its text (spec/reference_files.md §5.2; crds
 * `Mapping._check_hash`), and mappings are checked as they are parsed.
 */
export function sha1Hex(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const length = bytes.length;
  const padded = new Uint8Array((((length + 8) >> 6) + 1) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  // Plain 32-bit integer code (no arrays in the rounds): V8 optimises it in a few ms, where a
  // destructuring version took 66 ms of TurboFan per run.
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Int32Array(80);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(block + 4 * i);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return [h0, h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

/** Python `str.splitlines(keepends=True)` boundaries. */
const LINE_END = /(?<=\r\n|\n|\r(?!\n)|[\v\f\x1c\x1d\x1e\x85\u2028\u2029])/;

/**
 * The checksum crds computes for a mapping: over every line that does not mention `sha1sum`.
 * `hash`: a SHA-1 of UTF-8 text to use instead of this module's (e.g. a native one).
 */
export function mappingChecksum(text: string, hash: (text: string) => string = sha1Hex): string {
  return hash(
    text
      .split(LINE_END)
      .filter((line) => !line.includes('sha1sum'))
      .join(''),
  );
}
