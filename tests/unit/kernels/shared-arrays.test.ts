/**
 * Shared memory for the worker pool: arrays on SharedArrayBuffers, and the recycling that
 * stands in for garbage collection (V8 does not count shared memory as GC pressure).
 */
import { describe, expect, it } from 'vitest';
import { allocShared, borrowSharedBuffer, isShared, releaseShared, releaseSharedBuffer, sharedCopy } from '../../../ts/kernels/arrays.js';

describe('shared arrays', () => {
  it('allocShared gives zeroed arrays on SharedArrayBuffers in Node', () => {
    const a = allocShared(Float32Array, 1000);
    expect(isShared(a)).toBe(true);
    expect(a.every((v) => v === 0)).toBe(true);
    expect(isShared(new Float32Array(4))).toBe(false);
  });

  it('a released buffer comes back zeroed for any size of its class (the next power of two), never for another', () => {
    const a = allocShared(Uint32Array, 4099);
    expect(a.length).toBe(4099);
    expect(a.buffer.byteLength).toBe(32768);
    a.fill(7);
    releaseShared(a);
    const larger = allocShared(Uint32Array, 8193);
    expect(larger.buffer).not.toBe(a.buffer);
    const again = allocShared(Uint32Array, 4098);
    expect(again.buffer).toBe(a.buffer);
    expect(again.length).toBe(4098);
    expect(new Uint32Array(a.buffer).every((v) => v === 0 || v === 7)).toBe(true);
    expect(again.every((v) => v === 0)).toBe(true);
    // The same class serves another element type.
    releaseShared(again);
    const bytes = allocShared(Uint8Array, 20000);
    expect(bytes.buffer).toBe(a.buffer);
    expect(bytes.length).toBe(20000);
  });

  it('buffers above 64 MiB are made and recycled at their exact size', () => {
    const big = allocShared(Uint8Array, 2 ** 26 + 8);
    expect(big.buffer.byteLength).toBe(2 ** 26 + 8);
    releaseShared(big);
    expect(allocShared(Uint8Array, 2 ** 26 + 16).buffer).not.toBe(big.buffer);
    expect(allocShared(Uint8Array, 2 ** 26 + 8).buffer).toBe(big.buffer);
  });

  it('views into part of the array (also from its start), ordinary buffers and double releases are not recycled twice', () => {
    const whole = allocShared(Float32Array, 2053);
    releaseShared(whole.subarray(1));
    releaseShared(whole.subarray(0, 2052));
    expect(allocShared(Float32Array, 2053).buffer).not.toBe(whole.buffer);
    releaseShared(new Float32Array(2053));
    releaseShared(whole);
    releaseShared(whole);
    const first = allocShared(Float32Array, 2053);
    const second = allocShared(Float32Array, 2053);
    expect(first.buffer).toBe(whole.buffer);
    expect(second.buffer).not.toBe(whole.buffer);
  });

  it('borrowSharedBuffer takes the smallest recycled buffer large enough, else a new one', () => {
    const [small, large] = [allocShared(Uint8Array, 30011), allocShared(Uint8Array, 90011)];
    releaseShared(large);
    releaseShared(small);
    const borrowed = borrowSharedBuffer(20011);
    expect(borrowed).toBe(small.buffer);
    expect(borrowSharedBuffer(40011)).toBe(large.buffer);
    const fresh = borrowSharedBuffer(40011);
    expect(fresh).not.toBe(large.buffer);
    expect(fresh.byteLength).toBe(40011);
    // Given back, it serves allocShared of its own size.
    releaseSharedBuffer(borrowed);
    expect(allocShared(Uint8Array, 30011).buffer).toBe(small.buffer);
  });

  it('sharedCopy copies into shared memory', () => {
    const source = Float64Array.from([1, 2, 3]);
    const copy = sharedCopy(source);
    expect(isShared(copy)).toBe(true);
    expect(Array.from(copy)).toEqual([1, 2, 3]);
    expect(copy).toBeInstanceOf(Float64Array);
  });
});
