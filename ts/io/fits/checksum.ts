// The FITS checksum convention (Seaman, Pence & Rots): a 32-bit ones'-complement sum of the big-endian
// words of an HDU; DATASUM holds the data's sum, CHECKSUM is chosen so that the whole HDU sums to -0.

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Ones'-complement sum of 32-bit big-endian words; bytes may arrive in pieces of any length. */
export class OnesComplementSum {
  // 16-bit halves summed separately stay exact in doubles far beyond any file size.
  private high = 0;
  private low = 0;
  private readonly tail = new Uint8Array(4);
  private tailLength = 0;

  constructor(initial = 0) {
    this.high = initial >>> 16;
    this.low = initial & 0xffff;
  }

  update(bytes: Uint8Array): this {
    let start = 0;
    if (this.tailLength > 0) {
      while (this.tailLength < 4 && start < bytes.length) this.tail[this.tailLength++] = bytes[start++];
      if (this.tailLength < 4) return this;
      this.addWordBytes(this.tail);
      this.tailLength = 0;
    }
    const wholeWords = (bytes.length - start) & ~3;
    this.addWordBytes(bytes.subarray(start, start + wholeWords));
    for (let i = start + wholeWords; i < bytes.length; i++) this.tail[this.tailLength++] = bytes[i];
    return this;
  }

  /** Adds the sum of whole 32-bit words (bytes must have come in whole words so far). */
  addWords(sum: number): this {
    if (this.tailLength !== 0) throw new Error('OnesComplementSum.addWords: the bytes so far end inside a word');
    this.high += sum >>> 16;
    this.low += sum & 0xffff;
    return this;
  }

  private addWordBytes(bytes: Uint8Array): void {
    let high = this.high;
    let low = this.low;
    let start = 0;
    if (HOST_LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
      // Whole 32-bit loads. A word's big-endian halves are b0*256+b1 and b2*256+b3, so the sums
      // of the four byte lanes give them: two masked adds per word sum lanes 0 and 2, and 1 and 3,
      // in 16-bit fields that 128 words cannot overflow (128 * 255 < 2^15, so int32 arithmetic).
      const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
      let lane0 = 0;
      let lane1 = 0;
      let lane2 = 0;
      let lane3 = 0;
      for (let block = 0; block < words.length; block += 128) {
        const end = Math.min(words.length, block + 128);
        let even = 0;
        let odd = 0;
        for (let i = block; i < end; i++) {
          const word = words[i];
          even += word & 0xff00ff;
          odd += (word >>> 8) & 0xff00ff;
        }
        lane0 += even & 0xffff;
        lane2 += even >>> 16;
        lane1 += odd & 0xffff;
        lane3 += odd >>> 16;
      }
      high += lane0 * 256 + lane1;
      low += lane2 * 256 + lane3;
      start = words.length * 4;
    }
    for (let i = start; i < bytes.length; i += 4) {
      high += (bytes[i] << 8) | bytes[i + 1];
      low += (bytes[i + 2] << 8) | bytes[i + 3];
    }
    this.high = high;
    this.low = low;
  }

  /** The folded 32-bit sum (a partial last word counts as zero-padded, as FITS padding is). */
  get value(): number {
    let high = this.high;
    let low = this.low;
    if (this.tailLength > 0) {
      const word = new Uint8Array(4);
      word.set(this.tail.subarray(0, this.tailLength));
      high += (word[0] << 8) | word[1];
      low += (word[2] << 8) | word[3];
    }
    // End-around carries between the halves until none is left.
    while (high > 0xffff || low > 0xffff) {
      const highCarry = Math.floor(high / 0x10000);
      const lowCarry = Math.floor(low / 0x10000);
      high = (high % 0x10000) + lowCarry;
      low = (low % 0x10000) + highCarry;
    }
    return ((high << 16) | low) >>> 0;
  }
}

export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  return new OnesComplementSum(initial).update(bytes).value;
}

/** Ones'-complement addition of two 32-bit sums. */
export function addSums(a: number, b: number): number {
  const sum = a + b;
  return sum > 0xffffffff ? (sum - 0xffffffff) >>> 0 : sum;
}

const EXCLUDED = new Set([0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60]);

/**
 * The 16 characters whose words add `value` on top of sixteen '0's, avoiding punctuation;
 * rotated by one because the CHECKSUM value starts at byte 11 of its card (11 % 4 == 3).
 */
export function encodeChecksum(value: number): string {
  const ascii = new Array<number>(16);
  for (let i = 0; i < 4; i++) {
    const byte = (value >>> ((3 - i) * 8)) & 0xff;
    const quotient = (byte >> 2) + 0x30;
    const chars = [quotient + (byte & 3), quotient, quotient, quotient];
    for (let changed = true; changed; ) {
      changed = false;
      for (let j = 0; j < 4; j += 2) {
        while (EXCLUDED.has(chars[j]) || EXCLUDED.has(chars[j + 1])) {
          chars[j]++;
          chars[j + 1]--;
          changed = true;
        }
      }
    }
    for (let j = 0; j < 4; j++) ascii[4 * j + i] = chars[j];
  }
  return String.fromCharCode(...ascii.map((_, i) => ascii[(i + 15) % 16]));
}

export const CHECKSUM_PLACEHOLDER = '0000000000000000';
