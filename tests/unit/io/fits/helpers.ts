import { expect } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const realDataDir = path.resolve(repoRoot, '../shared/data/real');
export const realDataPresent = existsSync(realDataDir);
export const realDataSkipMessage = `real JWST files not found at ${realDataDir}`;

/** 80-character card images, END, and space padding to 2880 bytes. */
export function headerBytes(cards: string[], withEnd = true): Uint8Array {
  const text = cards.map((card) => card.padEnd(80)).join('') + (withEnd ? 'END'.padEnd(80) : '');
  const bytes = new Uint8Array(Math.ceil(text.length / 2880) * 2880).fill(0x20);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

/**
 * Independent ones'-complement sum of big-endian 32-bit words (end-around carry after each add),
 * to check the module's checksums against.
 */
export function referenceSum(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    sum += view.getUint32(i);
    if (sum > 0xffffffff) sum -= 0xffffffff;
  }
  return sum;
}

type NumericArray = ArrayLike<number | bigint> & { constructor: unknown };

/** Same type, length and elements (NaN equals NaN); much faster than toEqual on big arrays. */
export function expectSameArray(actual: NumericArray, expected: NumericArray, what = 'array'): void {
  expect(actual.constructor, `${what} type`).toBe(expected.constructor);
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect(actual[i], `${what}[${i}]`).toBe(expected[i]);
  }
}
